/**
 * The QoS analysis with a memo (QosMemo in source/findings/qos.ts): every answer equals
 * one worked out anew, and a group is worked out again exactly when what it depends on changed.
 */
import test from 'ava';
import {analyzeQos, QosMemo} from '../../../source/findings/qos.js';
import type {PaneView} from '../../../source/model/finding.js';
import {PodUsageTable} from '../../../source/model/pod-usage.js';
import type {SlimPriorityClass} from '../../../source/model/slim.js';
import type {ClusterState} from '../../../source/model/state.js';
import {BEST_EFFORT, CPU_ONLY, keyed, meta, MI, NO_MEMORY_LIMIT, node, owned, pod, state} from './fixtures.js';

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
