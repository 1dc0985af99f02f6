/**
 * How the QoS pane judges a workload (source/findings/qos.ts): the order of its rows by
 * exposure, init containers and sidecars, the server's qosClass, pods that disagree, limits-only
 * templates and pod-level resources.
 */
import test from 'ava';
import {analyzeQos} from '../../../source/findings/qos.js';
import type {SlimPodSpec} from '../../../source/model/slim.js';
import {BEST_EFFORT, c, CPU_ONLY, g, GUARANTEED, keyed, MEMORY_FAR_BELOW, NO_MEMORY_LIMIT, owned, pod, rowOf, state, workload} from './fixtures.js';

test('rows: BestEffort first, then Burstable by exposure (memory without limit, memory far below limit, cpu)', (t) => {
	const specs = {'cpu-only': CPU_ONLY, 'far-below': MEMORY_FAR_BELOW, fine: GUARANTEED, 'no-limit': NO_MEMORY_LIMIT, 'best-effort': BEST_EFFORT};
	// One pod per spec, each of a StatefulSet of its own name.
	const s = state(Object.entries(specs).map(([name, spec]) => pod('a', name, spec, owned('StatefulSet', name))));
	const view = analyzeQos(s);
	t.deepEqual(
		view.rows.map((r) => r.cells.workload),
		['StatefulSet/best-effort', 'StatefulSet/no-limit', 'StatefulSet/far-below', 'StatefulSet/cpu-only'],
	);
	t.deepEqual(
		view.findings.map((f) => f.severity),
		['critical', 'warning', 'info', 'info'],
	);
	t.deepEqual(
		view.rows.map((r) => r.severity),
		['critical', 'warning', 'info', 'info'],
	);
	t.is(rowOf(view, 'StatefulSet/far-below')!.cells.missing, 'memory 128Mi≠2Gi');
	t.is(rowOf(view, 'StatefulSet/cpu-only')!.cells.missing, 'cpu 100m≠1');
	t.is(rowOf(view, 'StatefulSet/best-effort')!.cells.missing, 'no requests or limits');
});

test('init containers and sidecars are judged and named', (t) => {
	const spec: SlimPodSpec = {
		containers: [
			g('operator', '200m', '256Mi'),
			c('wait-for-crds', {cpu: '50m', memory: '64Mi'}, {}, 'init'),
			c('log-shipper', {cpu: '20m', memory: '32Mi'}, {cpu: '20m'}, 'sidecar'),
		],
	};
	const view = analyzeQos(state([pod('data', 'op-1', spec, owned('DaemonSet', 'op'))]));
	t.is(view.rows[0]!.cells.missing, 'wait-for-crds (init): no memory limit, no cpu limit; log-shipper (sidecar): no memory limit');
	t.is(view.findings[0]!.evidence.missing, 'wait-for-crds (init): no memory limit, no cpu limit; log-shipper (sidecar): no memory limit');
	const suggested = String(view.findings[0]!.evidence.suggested);
	t.true(suggested.includes('operator: cpu 200m (limit), memory 256Mi (limit)'));
	t.true(suggested.includes('wait-for-crds (init): cpu 50m (request), memory 64Mi (request)'));
	t.true(suggested.includes('log-shipper (sidecar): cpu 20m (limit), memory 32Mi (request)'));
});

test("the server's qosClass wins over the rules", (t) => {
	// A LimitRange or webhook may have made pods Burstable although the spec we hold looks Guaranteed, and the other way round.
	const view = analyzeQos(
		state([
			pod('a', 'said-burstable', GUARANTEED, {...owned('StatefulSet', 'said-burstable'), qosClass: 'Burstable'}),
			pod('a', 'said-guaranteed', BEST_EFFORT, {...owned('StatefulSet', 'said-guaranteed'), qosClass: 'Guaranteed'}),
		]),
	);
	t.deepEqual(
		view.rows.map((r) => r.cells.workload),
		['StatefulSet/said-burstable'],
	);
	t.is(view.rows[0]!.cells.qos, 'Burstable');
	t.regex(String(view.findings[0]!.evidence.missing), /server reports Burstable/);
});

test('pods that disagree mid-rollout: the worst class shows, and the evidence says so', (t) => {
	const view = analyzeQos(
		state(
			[
				pod('shop', 'web-new-1', GUARANTEED, {...owned('ReplicaSet', 'web-new'), qosClass: 'Guaranteed'}),
				pod('shop', 'web-old-1', NO_MEMORY_LIMIT, {...owned('ReplicaSet', 'web-old'), qosClass: 'Burstable'}),
				pod('shop', 'web-old-2', BEST_EFFORT, {...owned('ReplicaSet', 'web-old'), qosClass: 'BestEffort'}),
			],
			{
				workloads: keyed([
					workload('Deployment', 'shop', 'web', GUARANTEED),
					workload('ReplicaSet', 'shop', 'web-new', GUARANTEED, owned('Deployment', 'web')),
					workload('ReplicaSet', 'shop', 'web-old', NO_MEMORY_LIMIT, owned('Deployment', 'web')),
				]),
			},
		),
	);
	const finding = view.findings[0]!;
	t.is(finding.evidence.qos, 'BestEffort');
	t.is(finding.evidence.classes, '1 BestEffort, 1 Burstable, 1 Guaranteed');
	t.is(finding.evidence.pods, 3);
	t.true(finding.detail!.some((d) => d.startsWith('Pods disagree')));
	t.regex(finding.summary, /1 BestEffort pod of 3/);
	// The Deployment's template is already Guaranteed: no patch needed, the rollout finishes the job.
	t.deepEqual(finding.remedies, []);
	t.true(finding.detail!.some((d) => d.includes('template is already Guaranteed')));
});

test('a limits-only template is judged as its pods will be (requests defaulted)', (t) => {
	const limitsOnly: SlimPodSpec = {containers: [c('admin', {}, {cpu: '500m', memory: '1Gi'})]};
	const podSpec: SlimPodSpec = {containers: [c('admin', {cpu: '500m', memory: '1Gi'}, {cpu: '500m', memory: '1Gi'})]};
	// An old pod was created before the template got its limits.
	const view = analyzeQos(
		state([pod('shop', 'admin-old-1', BEST_EFFORT, owned('ReplicaSet', 'admin-old')), pod('shop', 'admin-new-1', podSpec, owned('ReplicaSet', 'admin-new'))], {
			workloads: keyed([
				workload('Deployment', 'shop', 'admin', limitsOnly),
				workload('ReplicaSet', 'shop', 'admin-old', BEST_EFFORT, owned('Deployment', 'admin')),
				workload('ReplicaSet', 'shop', 'admin-new', limitsOnly, owned('Deployment', 'admin')),
			]),
		}),
	);
	t.deepEqual(view.findings[0]!.remedies, []);
	t.true(view.findings[0]!.detail!.some((d) => d.includes('template is already Guaranteed')));
});

test('pod-level resources: gaps on the pod level, no template patch offered', (t) => {
	const spec: SlimPodSpec = {containers: [c('a'), c('b')], podResources: {requests: {cpu: '1', memory: '1Gi'}, limits: {cpu: '2', memory: '1Gi'}}};
	const view = analyzeQos(state([pod('ml', 'train-0', spec, owned('StatefulSet', 'train'))]));
	t.is(view.rows[0]!.cells.missing, 'pod: cpu 1≠2');
	t.deepEqual(view.findings[0]!.remedies, []);
	t.true(view.findings[0]!.detail!.some((d) => d.includes('pod-level resources')));
});
