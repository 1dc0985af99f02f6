import test from 'ava';
import {analyzeQos, QosMemo} from '../../source/findings/qos.js';
import type {PaneView} from '../../source/model/finding.js';
import {emptyState} from '../../source/model/empty-state.js';
import {PodUsageTable} from '../../source/model/pod-usage.js';
import type {ResourcePair, SlimContainer, SlimJob, SlimNode, SlimPod, SlimPodSpec, SlimPriorityClass, SlimWorkload} from '../../source/model/slim.js';
import {accessKey, objectKey, type ClusterState} from '../../source/model/state.js';
import {owningWorkload} from '../../source/model/workloads.js';
import type {Obj} from '../../source/formats/json-object.js';
import {buildScenario, type ScenarioName} from '../../source/sim/scenarios/index.js';
import {Simulator} from '../../source/sim/simulator.js';

const MI = 2 ** 20;

function c(name: string, requests: ResourcePair = {}, limits: ResourcePair = {}, role: SlimContainer['role'] = 'container'): SlimContainer {
	return {name, role, requests, limits};
}
const g = (name: string, cpu: string, memory: string, role: SlimContainer['role'] = 'container') => c(name, {cpu, memory}, {cpu, memory}, role);

const GUARANTEED: SlimPodSpec = {containers: [g('app', '500m', '512Mi')]};
const BEST_EFFORT: SlimPodSpec = {containers: [c('app')]};
const NO_MEMORY_LIMIT: SlimPodSpec = {containers: [c('app', {cpu: '100m', memory: '128Mi'}, {cpu: '100m'})]};
const MEMORY_FAR_BELOW: SlimPodSpec = {containers: [c('app', {cpu: '1', memory: '128Mi'}, {cpu: '1', memory: '2Gi'})]};
const CPU_ONLY: SlimPodSpec = {containers: [c('app', {cpu: '100m', memory: '256Mi'}, {cpu: '1', memory: '256Mi'})]};

let uid = 0;
function meta(namespace: string, name: string) {
	return {namespace, name, uid: `uid-${++uid}`, resourceVersion: '1', created: 0};
}

function pod(namespace: string, name: string, spec: SlimPodSpec, extra: Partial<SlimPod> = {}): SlimPod {
	return {...meta(namespace, name), phase: 'Running', nodeName: 'node-a1', spec, ...extra};
}

function owned(kind: string, ownerName: string): {owner: {kind: string; name: string; uid: string}} {
	return {owner: {kind, name: ownerName, uid: `uid-${kind}-${ownerName}`}};
}

function workload(kind: SlimWorkload['kind'], namespace: string, name: string, template: SlimPodSpec, extra: Partial<SlimWorkload> = {}): SlimWorkload {
	return {...meta(namespace, name), kind, generation: 1, readyReplicas: 1, currentReplicas: 1, template, ...extra};
}

function job(namespace: string, name: string, cronJob?: string): SlimJob {
	return {...meta(namespace, name), suspended: false, ...(cronJob ? {cronJob} : {})};
}

function node(name: string, pool?: string): SlimNode {
	return {...meta('', name), ...(pool ? {pool} : {}), ready: true, unschedulable: false, allocatable: {cpuMillis: 4000, memoryBytes: 16 * 2 ** 30}};
}

function keyed<T extends {namespace: string; name: string}>(items: readonly T[]): Map<string, T> {
	return new Map(items.map((item) => [objectKey(item.namespace, item.name), item]));
}

function state(pods: SlimPod[], overrides: Partial<ClusterState> = {}): ClusterState {
	return emptyState({
		now: 1_700_000_000_000,
		pods: keyed(pods),
		nodes: keyed([node('node-a1', 'apps'), node('node-s1', 'system'), node('node-x')]),
		...overrides,
	});
}

function rowOf(view: PaneView, workloadCell: string) {
	return view.rows.find((row) => row.cells.workload === workloadCell);
}

function findingOf(view: PaneView, workloadCell: string) {
	const row = rowOf(view, workloadCell);
	return view.findings.find((f) => f.id === row?.id);
}

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

test('system namespaces are labelled, not hidden, and one step milder', (t) => {
	// One pod of each workload: where it runs, what its spec lacks, and the severity that gives.
	const workloads = [
		{namespace: 'kube-system', kind: 'StatefulSet', name: 'coredns', spec: NO_MEMORY_LIMIT, severity: 'info'},
		{namespace: 'kube-system', kind: 'DaemonSet', name: 'cni', spec: BEST_EFFORT, severity: 'warning'},
		{namespace: 'platform', kind: 'DaemonSet', name: 'agent', spec: BEST_EFFORT, severity: 'critical'},
		{namespace: 'apps', kind: 'StatefulSet', name: 'web', spec: NO_MEMORY_LIMIT, severity: 'warning'},
	] as const;
	const s = state(workloads.map((w) => pod(w.namespace, `${w.name}-1`, w.spec, owned(w.kind, w.name))));
	const view = analyzeQos(s);
	t.is(rowOf(view, 'StatefulSet/coredns')!.cells.namespace, 'kube-system (system)');
	for (const w of workloads) t.is(findingOf(view, `${w.kind}/${w.name}`)!.severity, w.severity, `${w.kind}/${w.name}`);
	t.regex(findingOf(view, 'DaemonSet/cni')!.summary, /^DaemonSet kube-system\/cni \(system\): /);
	t.is(findingOf(view, 'DaemonSet/cni')!.evidence.namespaceType, 'system');
	// An app BestEffort row comes before a system one.
	t.deepEqual(
		view.rows.slice(0, 2).map((r) => r.cells.workload),
		['DaemonSet/agent', 'DaemonSet/cni'],
	);
	const withPlatform = analyzeQos(s, {systemNamespaces: ['platform']});
	t.is(rowOf(withPlatform, 'DaemonSet/agent')!.cells.namespace, 'platform (system)');
	t.is(findingOf(withPlatform, 'DaemonSet/agent')!.severity, 'warning');
});

test('the namespace scope is honoured, from the options or the state', (t) => {
	const pods = [pod('a', 'x-1', BEST_EFFORT, owned('StatefulSet', 'x')), pod('b', 'y-1', BEST_EFFORT, owned('StatefulSet', 'y'))];
	t.deepEqual(
		analyzeQos(state(pods), {namespace: 'b'}).rows.map((r) => r.cells.workload),
		['StatefulSet/y'],
	);
	t.deepEqual(
		analyzeQos(state(pods, {namespace: 'a'})).rows.map((r) => r.cells.workload),
		['StatefulSet/x'],
	);
	t.is(analyzeQos(state(pods), {namespace: 'b'}).header[0], 'pods by QoS: 0 Guaranteed, 0 Burstable, 1 BestEffort');
	t.is(analyzeQos(state(pods)).rows.length, 2);
});

test('the header counts pods by QoS overall, per namespace and per node pool', (t) => {
	const view = analyzeQos(
		state([
			pod('shop', 'a', GUARANTEED, {nodeName: 'node-a1'}),
			pod('shop', 'b', NO_MEMORY_LIMIT, {nodeName: 'node-a1'}),
			pod('shop', 'c', BEST_EFFORT, {nodeName: 'node-x'}),
			pod('kube-system', 'd', GUARANTEED, {nodeName: 'node-s1'}),
			pod('kube-system', 'e', BEST_EFFORT, {phase: 'Pending', nodeName: undefined}),
			pod('kube-system', 'f', BEST_EFFORT, {phase: 'Failed'}),
		]),
	);
	t.deepEqual(view.header, [
		'pods by QoS: 2 Guaranteed, 1 Burstable, 2 BestEffort',
		'  namespace shop: 1 Guaranteed, 1 Burstable, 1 BestEffort',
		'  namespace kube-system (system): 1 Guaranteed, 0 Burstable, 1 BestEffort',
		'  pool (no pool): 0 Guaranteed, 0 Burstable, 1 BestEffort',
		'  pool (unscheduled): 0 Guaranteed, 0 Burstable, 1 BestEffort',
		'  pool apps: 1 Guaranteed, 1 Burstable, 0 BestEffort',
		'  pool system: 1 Guaranteed, 0 Burstable, 0 BestEffort',
	]);
	t.is(view.pane, 'qos');
});

test("pool and priority class columns come from the pods' nodes and specs", (t) => {
	const spec: SlimPodSpec = {...NO_MEMORY_LIMIT, priorityClassName: 'business-critical'};
	const priorityClass: SlimPriorityClass = {...meta('', 'business-critical'), value: 100000, globalDefault: false};
	const view = analyzeQos(
		state(
			[
				pod('shop', 'w-1', spec, {...owned('StatefulSet', 'w'), nodeName: 'node-a1'}),
				pod('shop', 'w-2', spec, {...owned('StatefulSet', 'w'), nodeName: 'node-s1'}),
				pod('shop', 'w-3', spec, {...owned('StatefulSet', 'w'), phase: 'Pending', nodeName: undefined}),
			],
			{priorityClasses: new Map([['business-critical', priorityClass]])},
		),
	);
	const row = view.rows[0]!;
	t.is(row.cells.pool, '(unscheduled), apps +1');
	t.is(row.cells.priority, 'business-critical');
	t.is(view.findings[0]!.evidence.pool, '(unscheduled), apps, system');
	t.is(view.findings[0]!.evidence.priorityClass, 'business-critical (100000)');
});

test('with metrics.k8s.io: usage beside requests, suggestions from usage', (t) => {
	const spec: SlimPodSpec = {containers: [c('web', {cpu: '250m', memory: '256Mi'}, {cpu: '1', memory: '512Mi'})]};
	const podUsage = PodUsageTable.from([
		['shop/web-1', [['web', {cpuMillis: 100, memoryBytes: 300 * MI}]]],
		['shop/web-2', [['web', {cpuMillis: 140, memoryBytes: 200 * MI}]]],
	]);
	const view = analyzeQos(
		state([pod('shop', 'web-1', spec, owned('StatefulSet', 'web')), pod('shop', 'web-2', spec, owned('StatefulSet', 'web'))], {podUsage}),
	);
	const row = view.rows[0]!;
	t.is(row.cells.usage, 'cpu 120m/250m mem 250Mi/256Mi');
	const finding = view.findings[0]!;
	t.is(finding.evidence.usage, 'per pod: cpu 120m (request 250m, limit 1), memory 250Mi (request 256Mi, limit 512Mi)');
	// Peak across pods: cpu 140m × 1.5 = 210m → 250m (= request, so "usage"); memory 300Mi × 1.3 = 390Mi → 448Mi.
	t.is(finding.evidence.suggested, 'web: cpu 250m (usage), memory 448Mi (usage)');
	t.regex(String(finding.evidence.suggestedFrom), /^usage/);
	t.is(view.notes, undefined);
	t.true(finding.detail!.some((d) => d.includes('memory limit lowered from 512Mi to 448Mi')));
	// A sidecar without a memory limit leaves the pod's memory unbounded.
	const unbounded: SlimPodSpec = {
		containers: [g('web', '250m', '256Mi'), c('proxy', {cpu: '50m'}, {cpu: '50m'}, 'sidecar'), c('setup', {cpu: '2'}, {cpu: '2'}, 'init')],
	};
	const other = analyzeQos(
		state([pod('shop', 'api-1', unbounded, owned('StatefulSet', 'api'))], {
			podUsage: PodUsageTable.from([
				[
					'shop/api-1',
					[
						['web', {cpuMillis: 100, memoryBytes: 100 * MI}],
						['proxy', {cpuMillis: 10, memoryBytes: 20 * MI}],
					],
				],
			]),
		}),
	);
	t.is(other.findings[0]!.evidence.usage, 'per pod: cpu 110m (request 300m, limit 300m), memory 120Mi (request 256Mi, no limit)');
	t.is(other.rows[0]!.cells.usage, 'cpu 110m/300m mem 120Mi/256Mi');
});

test('without metrics.k8s.io: suggestions from requests and limits, and the pane says why', (t) => {
	const spec: SlimPodSpec = {containers: [c('web', {cpu: '250m', memory: '256Mi'}, {cpu: '1', memory: '512Mi'})]};
	const denied = analyzeQos(
		state([pod('shop', 'web-1', spec, owned('StatefulSet', 'web'))], {
			access: new Map([[accessKey('list', 'metrics.k8s.io', 'pods'), {allowed: false, reason: 'RBAC: no rule'}]]),
		}),
	);
	const finding = denied.findings[0]!;
	t.is(finding.evidence.suggested, 'web: cpu 1 (limit), memory 512Mi (limit)');
	t.is(finding.evidence.suggestedFrom, 'current limits and requests (no usage data: metrics.k8s.io is not readable (RBAC: no rule))');
	t.false('usage' in finding.evidence);
	t.is(denied.rows[0]!.cells.usage, undefined);
	t.deepEqual(denied.notes, ['No usage data (metrics.k8s.io is not readable (RBAC: no rule)): suggested values come from the current requests and limits.']);
	const absent = analyzeQos(state([pod('shop', 'web-1', spec, owned('StatefulSet', 'web'))]));
	t.regex(absent.notes![0]!, /metrics\.k8s\.io is not available/);
	// Readable, but nothing reported for these pods (just started, say): said per finding, not for the pane.
	const none = analyzeQos(
		state([pod('shop', 'web-1', spec, owned('StatefulSet', 'web'))], {podUsage: PodUsageTable.from([['shop/other', [['x', {cpuMillis: 1, memoryBytes: 1}]]]])}),
	);
	t.is(none.notes, undefined);
	t.is(none.findings[0]!.evidence.suggested, 'web: cpu 1 (limit), memory 512Mi (limit)');
	t.is(none.findings[0]!.evidence.suggestedFrom, 'current limits and requests (no usage data: metrics.k8s.io reports none for these pods)');
});

test('pods that cannot be listed make the pane unavailable', (t) => {
	const view = analyzeQos(state([], {unreadable: new Map([['pods', 'forbidden: cannot list pods']])}));
	t.is(view.unavailable, 'cannot list pods: forbidden: cannot list pods');
	t.deepEqual(view.findings, []);
});

test('pod-level resources: gaps on the pod level, no template patch offered', (t) => {
	const spec: SlimPodSpec = {containers: [c('a'), c('b')], podResources: {requests: {cpu: '1', memory: '1Gi'}, limits: {cpu: '2', memory: '1Gi'}}};
	const view = analyzeQos(state([pod('ml', 'train-0', spec, owned('StatefulSet', 'train'))]));
	t.is(view.rows[0]!.cells.missing, 'pod: cpu 1≠2');
	t.deepEqual(view.findings[0]!.remedies, []);
	t.true(view.findings[0]!.detail!.some((d) => d.includes('pod-level resources')));
});

test('columns have distinct priorities so narrow terminals drop the least useful first', (t) => {
	const view = analyzeQos(state([]));
	const priorities = view.columns.map((col) => col.priority);
	t.is(new Set(priorities).size, priorities.length);
	const byPriority = [...view.columns].sort((a, b) => b.priority - a.priority).map((col) => col.key);
	t.deepEqual(byPriority.slice(0, 3), ['workload', 'qos', 'missing']);
	t.deepEqual(view.rows, []);
	t.deepEqual(view.findings, []);
	t.deepEqual(view.header, ['pods by QoS: 0 Guaranteed, 0 Burstable, 0 BestEffort']);
});

// --- Scenarios: the simulator's clusters, projected the way the data layer would ---------

function pair(list: unknown): ResourcePair {
	const out: ResourcePair = {};
	const o = (list ?? {}) as Record<string, string>;
	if (o.cpu !== undefined) out.cpu = String(o.cpu);
	if (o.memory !== undefined) out.memory = String(o.memory);
	return out;
}

function slimSpec(spec: Obj): SlimPodSpec {
	const containers: SlimContainer[] = [];
	for (const x of (spec.containers ?? []) as Obj[])
		containers.push({name: x.name, role: 'container', requests: pair(x.resources?.requests), limits: pair(x.resources?.limits)});
	for (const x of (spec.initContainers ?? []) as Obj[])
		containers.push({
			name: x.name,
			role: x.restartPolicy === 'Always' ? 'sidecar' : 'init',
			requests: pair(x.resources?.requests),
			limits: pair(x.resources?.limits),
		});
	return {containers, ...(spec.priorityClassName ? {priorityClassName: spec.priorityClassName} : {})};
}

function slimMeta(o: Obj) {
	const controller = ((o.metadata.ownerReferences ?? []) as Obj[]).find((r) => r.controller === true);
	return {
		namespace: o.metadata.namespace ?? '',
		name: o.metadata.name,
		uid: o.metadata.uid,
		resourceVersion: o.metadata.resourceVersion,
		created: Date.parse(o.metadata.creationTimestamp),
		...(controller ? {owner: {kind: controller.kind, name: controller.name, uid: controller.uid}} : {}),
	};
}

function scenarioState(name: ScenarioName): ClusterState {
	const sim = new Simulator({scenario: name, controllers: false});
	buildScenario(sim, name, {});
	sim.clock.stop();
	const records = (storage: string) =>
		sim.store
			.resource(storage)
			.sorted()
			.map((r) => JSON.parse(r.json) as Obj);
	const pods = records('pods').map((o): SlimPod => ({
		...slimMeta(o),
		phase: o.status.phase,
		...(o.spec.nodeName ? {nodeName: o.spec.nodeName} : {}),
		...(o.status.qosClass ? {qosClass: o.status.qosClass} : {}),
		spec: slimSpec(o.spec),
	}));
	const workloads: SlimWorkload[] = [];
	for (const [storage, kind] of [
		['apps/deployments', 'Deployment'],
		['apps/replicasets', 'ReplicaSet'],
		['apps/statefulsets', 'StatefulSet'],
		['apps/daemonsets', 'DaemonSet'],
	] as const) {
		for (const o of records(storage))
			workloads.push({
				...slimMeta(o),
				kind,
				generation: o.metadata.generation ?? 1,
				readyReplicas: 0,
				currentReplicas: 0,
				template: slimSpec(o.spec.template.spec),
			});
	}
	const jobs = records('batch/jobs').map((o): SlimJob => {
		const m = slimMeta(o);
		return {...m, suspended: false, ...(m.owner?.kind === 'CronJob' ? {cronJob: m.owner.name} : {})};
	});
	const nodes = records('nodes').map((o): SlimNode => ({
		...slimMeta(o),
		pool: o.metadata.labels?.agentpool,
		ready: true,
		unschedulable: false,
		allocatable: {cpuMillis: 0, memoryBytes: 0},
	}));
	return emptyState({pods: keyed(pods), workloads: keyed(workloads), jobs: keyed(jobs), nodes: keyed(nodes)});
}

test('the clean scenario shows no finding', (t) => {
	const s = scenarioState('clean');
	t.true(s.pods.size > 5, 'the scenario has pods');
	const view = analyzeQos(s);
	t.deepEqual(view.findings, []);
	t.deepEqual(view.rows, []);
	t.regex(view.header[0]!, /^pods by QoS: \d+ Guaranteed, 0 Burstable, 0 BestEffort$/);
});

test('the incident scenario: the Burstable and BestEffort workloads, not the Guaranteed or limits-only ones', (t) => {
	const view = analyzeQos(scenarioState('incident'));
	const byWorkload = new Map(
		view.findings.map((f) => [
			`${(f.subject as {namespace: string}).namespace}/${(f.subject as {kind: string}).kind}/${(f.subject as {name: string}).name}`,
			f,
		]),
	);
	const coredns = byWorkload.get('kube-system/Deployment/coredns');
	t.truthy(coredns);
	t.is(coredns!.evidence.qos, 'Burstable');
	t.is(coredns!.severity, 'info', 'system namespace: milder');
	t.regex(String(coredns!.evidence.missing), /no cpu limit/);
	const spark = byWorkload.get('data-platform/Deployment/spark-operator');
	t.truthy(spark);
	t.regex(String(spark!.evidence.missing), /wait-for-crds \(init\)/);
	t.regex(String(spark!.evidence.missing), /log-shipper \(sidecar\): no memory limit/);
	// Limits-only containers: their pods get requests = limits and are Guaranteed.
	t.false(byWorkload.has('checkout/Deployment/legacy-admin'));
	t.false(byWorkload.has('checkout/Deployment/storefront'));
	t.false(byWorkload.has('ml-pipelines/Deployment/pipeline-runner'));
	for (const f of view.findings) t.not(f.evidence.qos, 'Guaranteed');
	const ranks = view.rows.map((r) => Number(r.sort?.qos));
	t.deepEqual(
		ranks,
		[...ranks].sort((a, b) => b - a),
		'BestEffort rows first',
	);
});

test('with a memo, unchanged groups keep their answers and anything they depend on changing makes a new one', (t) => {
	const shared = owned('StatefulSet', 'db');
	const dbPods = [pod('shop', 'db-0', NO_MEMORY_LIMIT, shared), pod('shop', 'db-1', NO_MEMORY_LIMIT, shared)];
	const webPod = pod('shop', 'web-0', BEST_EFFORT, owned('StatefulSet', 'web'));
	const batch = pod('jobs', 'batch-0', CPU_ONLY, {...owned('StatefulSet', 'batch'), spec: {...CPU_ONLY, priorityClassName: 'high'}});
	const base = {priorityClasses: new Map([['high', {...meta('', 'high'), value: 1000} as SlimPriorityClass]])};
	const memo = new QosMemo();
	const ids = (view: PaneView) => Object.fromEntries(view.findings.map((f) => [(f.subject as {name: string}).name, f]));
	// Every answer equals what an analysis without a memo gives.
	const check = (s: ClusterState) => {
		const view = analyzeQos(s, {memo});
		t.deepEqual(view, analyzeQos(s));
		return ids(view);
	};

	const first = check(state([...dbPods, webPod, batch], base));
	t.deepEqual(Object.keys(first).sort(), ['batch', 'db', 'web']);
	const again = check(state([...dbPods, webPod, batch], base));
	t.is(again.db, first.db);
	t.is(again.web, first.web);

	// One pod replaced (a watch event): only its group is worked out again.
	const fixedWeb = {...webPod, spec: NO_MEMORY_LIMIT};
	const afterEvent = check(state([...dbPods, fixedWeb, batch], base));
	t.is(afterEvent.db, first.db);
	t.not(afterEvent.web, first.web);
	t.is(afterEvent.web!.severity, 'warning');

	// A node moving to another pool changes the rows of the pods on it.
	const moved = check(state([...dbPods, fixedWeb, batch], {...base, nodes: keyed([node('node-a1', 'batch-pool')])}));
	t.not(moved.db, first.db);
	t.is(moved.db!.evidence.pool, 'batch-pool');

	// New usage figures, and a priority class's new value, reach every group.
	const podUsage = PodUsageTable.from([['shop/db-0', [['app', {cpuMillis: 50, memoryBytes: 64 * MI}]]]]);
	const withUsage = check(state([...dbPods, fixedWeb, batch], {...base, podUsage}));
	t.not(withUsage.web, afterEvent.web);
	t.regex(String(withUsage.db!.evidence.usage), /memory 64Mi/);
	const reprioritized = check(
		state([...dbPods, fixedWeb, batch], {...base, podUsage, priorityClasses: new Map([['high', {...meta('', 'high'), value: 5} as SlimPriorityClass]])}),
	);
	t.is(reprioritized.batch!.evidence.priorityClass, 'high (5)');

	// A group that went away is forgotten, and comes back worked out anew.
	check(state([...dbPods, batch], {...base, podUsage}));
	t.false(memo.entries.has('shop\u0000StatefulSet\u0000web'));
	t.is(memo.entries.size, 2);
});
