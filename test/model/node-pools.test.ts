import test from 'ava';
import {poolLabelKey} from '../../source/model/node-pools.js';
import type {SlimNode} from '../../source/model/slim.js';

function node(name: string, pool: string, labels: Record<string, string>): SlimNode {
	return {
		namespace: '',
		name,
		uid: name,
		resourceVersion: '7',
		created: 0,
		pool,
		labels,
		ready: true,
		unschedulable: false,
		allocatable: {cpuMillis: 7820, memoryBytes: 32 * 1024 ** 3},
	};
}

test('the pool label: a known pool label first, else any label whose value is the pool', (t) => {
	t.is(poolLabelKey([node('n', 'p', {'cloud.google.com/gke-nodepool': 'p', 'custom/group': 'p'})], 'p'), 'cloud.google.com/gke-nodepool');
	t.is(poolLabelKey([node('n', 'p', {other: 'x'})], 'p'), undefined);
	t.is(poolLabelKey([node('n', 'p', {'custom/group': 'p'})], 'p'), 'custom/group');
});
