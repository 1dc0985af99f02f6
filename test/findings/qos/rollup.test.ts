/**
 * The QoS pane's roll-up (source/findings/qos.ts): pods to ReplicaSets, Deployments,
 * other controllers, Jobs and CronJobs; bare and static pods as their own rows, and which
 * of them get a remedy.
 */
import test from 'ava';
import {analyzeQos} from '../../../source/findings/qos.js';
import type {SlimPodSpec} from '../../../source/model/slim.js';
import {owningWorkload} from '../../../source/model/workloads.js';
import {BEST_EFFORT, c, findingOf, GUARANTEED, job, keyed, meta, NO_MEMORY_LIMIT, owned, pod, rowOf, state, workload} from './fixtures.js';

test('pods roll up pod → ReplicaSet → Deployment, and Guaranteed workloads do not appear', (t) => {
	const s = state(
		[
			pod('shop', 'web-abc12-x1', NO_MEMORY_LIMIT, owned('ReplicaSet', 'web-abc12')),
			pod('shop', 'web-abc12-x2', NO_MEMORY_LIMIT, owned('ReplicaSet', 'web-abc12')),
			pod('shop', 'web-def34-x3', NO_MEMORY_LIMIT, owned('ReplicaSet', 'web-def34')),
			pod('shop', 'db-0', GUARANTEED, owned('StatefulSet', 'db')),
			pod('shop', 'api-111-a', GUARANTEED, owned('ReplicaSet', 'api-111')),
		],
		{
			workloads: keyed([
				workload('Deployment', 'shop', 'web', NO_MEMORY_LIMIT),
				workload('ReplicaSet', 'shop', 'web-abc12', NO_MEMORY_LIMIT, owned('Deployment', 'web')),
				workload('ReplicaSet', 'shop', 'web-def34', NO_MEMORY_LIMIT, owned('Deployment', 'web')),
				workload('Deployment', 'shop', 'api', GUARANTEED),
				workload('ReplicaSet', 'shop', 'api-111', GUARANTEED, owned('Deployment', 'api')),
			]),
		},
	);
	const view = analyzeQos(s);
	t.deepEqual(
		view.rows.map((r) => r.cells.workload),
		['Deployment/web'],
	);
	const row = view.rows[0]!;
	t.is(row.cells.pods, 3);
	t.is(row.cells.qos, 'Burstable');
	t.is(row.cells.missing, 'no memory limit');
	t.is(row.cells.namespace, 'shop');
	const finding = view.findings[0]!;
	t.is(finding.id, 'not-guaranteed/shop/Deployment/web');
	t.is(finding.type, 'not-guaranteed');
	t.is(finding.pane, 'qos');
	t.deepEqual(finding.subject, {kind: 'Deployment', namespace: 'shop', name: 'web'});
	t.is(finding.severity, 'warning');
	t.is(finding.evidence.qos, 'Burstable');
	t.is(finding.evidence.pods, 3);
	t.is(finding.evidence.missing, 'app: no memory limit');
	t.deepEqual(
		finding.remedies.map((r) => r.id),
		['make-guaranteed'],
	);
	t.is(finding.objectsTotal, 3);
	t.deepEqual(row.findingIds, [finding.id]);
	t.is(row.id, finding.id);
});

test('a ReplicaSet not (yet) in the state still rolls up to its Deployment by name', (t) => {
	const s = state([pod('shop', 'web-abc12-x1', BEST_EFFORT, owned('ReplicaSet', 'web-abc12'))], {
		workloads: keyed([workload('Deployment', 'shop', 'web', BEST_EFFORT)]),
	});
	t.deepEqual(owningWorkload(s, s.pods.get('shop/web-abc12-x1')!), {kind: 'Deployment', name: 'web'});
	t.deepEqual(
		analyzeQos(s).rows.map((r) => r.cells.workload),
		['Deployment/web'],
	);
});

test('a ReplicaSet owned by another controller rolls up to it, without a remedy', (t) => {
	const s = state([pod('shop', 'canary-5f-x1', NO_MEMORY_LIMIT, owned('ReplicaSet', 'canary-5f'))], {
		workloads: keyed([workload('ReplicaSet', 'shop', 'canary-5f', NO_MEMORY_LIMIT, owned('Rollout', 'canary'))]),
	});
	const view = analyzeQos(s);
	t.deepEqual(
		view.rows.map((r) => r.cells.workload),
		['Rollout/canary'],
	);
	t.deepEqual(view.findings[0]!.remedies, []);
	t.true(view.findings[0]!.detail!.some((d) => d.startsWith('Owned by Rollout canary')));
});

test('a ReplicaSet without a Deployment is its own row, without a remedy', (t) => {
	const s = state([pod('shop', 'legacy-x1', BEST_EFFORT, owned('ReplicaSet', 'legacy'))], {
		workloads: keyed([workload('ReplicaSet', 'shop', 'legacy', BEST_EFFORT)]),
	});
	const view = analyzeQos(s);
	t.deepEqual(
		view.rows.map((r) => r.cells.workload),
		['ReplicaSet/legacy'],
	);
	t.deepEqual(view.findings[0]!.remedies, []);
	t.true(view.findings[0]!.detail!.some((d) => d.includes('does not replace its pods')));
});

test('Jobs roll up to their CronJob; standalone Jobs say "recreate" and have no remedy', (t) => {
	const cronSpec: SlimPodSpec = {containers: [c('report', {cpu: '500m', memory: '1Gi'})]};
	const s = state(
		[
			pod('batch', 'nightly-29000001-aaaaa', cronSpec, owned('Job', 'nightly-29000001')),
			pod('batch', 'nightly-29000002-bbbbb', cronSpec, owned('Job', 'nightly-29000002')),
			pod('batch', 'once-ccccc', cronSpec, owned('Job', 'once')),
			pod('batch', 'done-ddddd', BEST_EFFORT, {...owned('Job', 'done'), phase: 'Succeeded'}),
		],
		{
			jobs: keyed([job('batch', 'nightly-29000001', 'nightly'), job('batch', 'once')]),
			cronJobs: keyed([{...meta('batch', 'nightly'), schedule: '0 3 * * *', suspended: false, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1}]),
		},
	);
	const view = analyzeQos(s);
	// nightly-29000002 is not in state.jobs: its name still leads to the CronJob.
	t.deepEqual(view.rows.map((r) => `${r.cells.workload} ${r.cells.pods}`).sort(), ['CronJob/nightly 2', 'Job/once 1']);
	const cron = findingOf(view, 'CronJob/nightly')!;
	t.deepEqual(
		cron.remedies.map((r) => r.id),
		['make-guaranteed'],
	);
	t.true(cron.detail!.some((d) => d.includes('Jobs created from now on')));
	const once = findingOf(view, 'Job/once')!;
	t.deepEqual(once.remedies, []);
	t.true(once.detail!.some((d) => d.includes('recreate the Job')));
	t.falsy(rowOf(view, 'Job/done'), 'finished pods do not count');
});

test('bare pods are their own row: no remedy, the pod must be recreated, nothing deleted', (t) => {
	const view = analyzeQos(state([pod('default', 'debug', BEST_EFFORT)]));
	t.deepEqual(
		view.rows.map((r) => r.cells.workload),
		['Pod/debug'],
	);
	const finding = view.findings[0]!;
	t.deepEqual(finding.remedies, []);
	t.true(finding.detail!.some((d) => d.includes('must be recreated') && d.includes('Nothing is deleted automatically')));
	t.is(finding.severity, 'critical');
});

test('static pods point at the manifest on their node', (t) => {
	const view = analyzeQos(
		state([pod('kube-system', 'etcd-node-s1', {containers: [c('etcd', {cpu: '100m', memory: '100Mi'})]}, {...owned('Node', 'node-s1'), nodeName: 'node-s1'})]),
	);
	const finding = view.findings[0]!;
	t.deepEqual(finding.subject, {kind: 'Pod', namespace: 'kube-system', name: 'etcd-node-s1'});
	t.true(finding.detail!.some((d) => d.includes('manifest on node node-s1')));
	t.deepEqual(finding.remedies, []);
});
