/**
 * The QoS pane around its findings (source/findings/qos.ts): system namespaces, the
 * namespace scope, the header's counts, the pool and priority class columns, an unreadable
 * pod list, and the columns' priorities.
 */
import test from 'ava';
import {analyzeQos} from '../../../source/findings/qos.js';
import type {SlimPodSpec, SlimPriorityClass} from '../../../source/model/slim.js';
import {BEST_EFFORT, findingOf, GUARANTEED, meta, NO_MEMORY_LIMIT, owned, pod, rowOf, state} from './fixtures.js';

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

test('pods that cannot be listed make the pane unavailable', (t) => {
	const view = analyzeQos(state([], {unreadable: new Map([['pods', 'forbidden: cannot list pods']])}));
	t.is(view.unavailable, 'cannot list pods: forbidden: cannot list pods');
	t.deepEqual(view.findings, []);
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
