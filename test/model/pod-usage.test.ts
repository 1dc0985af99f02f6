import test from 'ava';
import {PodUsageTable} from '../../source/model/pod-usage.js';

function read(table: PodUsageTable, namespace: string, name: string): {count: number; containers: string[]} {
	const containers: string[] = [];
	const count = table.forEachContainer(namespace, name, (container, cpu, memory) => containers.push(`${container} ${cpu}m ${memory}B`));
	return {count, containers};
}

test("each pod's containers come back in order, with their figures", (t) => {
	const table = new PodUsageTable();
	table.add('shop', 'web-1', [
		['app', 120, 3_000_000],
		['envoy', 5, 40_000_000],
	]);
	table.add('shop', 'web-2', [['app', 80, 2_500_000_000]]);
	table.add('ops', 'web-1', []);
	t.is(table.size, 3);
	t.deepEqual(read(table, 'shop', 'web-1'), {count: 2, containers: ['app 120m 3000000B', 'envoy 5m 40000000B']});
	// Beyond a small integer: stored as a double, read back exactly.
	t.deepEqual(read(table, 'shop', 'web-2'), {count: 1, containers: ['app 80m 2500000000B']});
	t.deepEqual(read(table, 'ops', 'web-1'), {count: 0, containers: []}, 'a pod reported without containers');
	t.deepEqual(read(table, 'shop', 'web-3'), {count: 0, containers: []}, 'a pod not reported');
	t.deepEqual(read(table, 'nowhere', 'web-1'), {count: 0, containers: []});
});

test('setting a pod again replaces its record and does not count it twice', (t) => {
	const table = new PodUsageTable();
	table.add('shop', 'web-1', [['app', 120, 1000]]);
	table.add('shop', 'web-1', [
		['app', 130, 2000],
		['log', 1, 10],
	]);
	t.is(table.size, 1);
	t.deepEqual(read(table, 'shop', 'web-1').containers, ['app 130m 2000B', 'log 1m 10B']);
});

test('pods with the same container names share one list of names', (t) => {
	const table = new PodUsageTable();
	table.add('shop', 'web-1', [
		['app', 1, 1],
		['envoy', 2, 2],
	]);
	table.add('shop', 'web-2', [
		['app', 3, 3],
		['envoy', 4, 4],
	]);
	table.add('shop', 'web-3', [['app', 5, 5]]);
	const lists = (table as unknown as {nameLists: Map<string, readonly string[]>}).nameLists;
	t.is(lists.size, 2);
	const records = (table as unknown as {namespaces: Map<string, Map<string, [readonly string[], ...number[]]>>}).namespaces.get('shop')!;
	t.is(records.get('web-1')![0], records.get('web-2')![0]);
	t.not(records.get('web-1')![0], records.get('web-3')![0]);
});

test('from(): keys are "namespace/name", or a bare name for a cluster-scoped key', (t) => {
	const table = PodUsageTable.from([
		['shop/web-1', [['app', {cpuMillis: 10, memoryBytes: 20}]]],
		['lonely', [['app', {cpuMillis: 1, memoryBytes: 2}]]],
	]);
	t.deepEqual(read(table, 'shop', 'web-1').containers, ['app 10m 20B']);
	t.deepEqual(read(table, '', 'lonely').containers, ['app 1m 2B']);
	t.is(table.size, 2);
});
