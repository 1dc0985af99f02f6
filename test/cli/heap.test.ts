import {spawnSync} from 'node:child_process';
import test from 'ava';
import {AppController} from '../../source/app/controller.js';
import {collectNow, collectWhenGrown, limitHeapGrowth} from '../../source/cli/heap.js';

test('the heap growth limit is left alone under Bun and when the user chose a heap setting', (t) => {
	t.false(limitHeapGrowth(25, {execArgv: [], bun: '1.4.5'}));
	t.false(limitHeapGrowth(25, {execArgv: ['--max-old-space-size=4096']}));
	t.false(limitHeapGrowth(25, {execArgv: [], nodeOptions: '--heap-growing-percent=50'}));
	t.false(limitHeapGrowth(25, {execArgv: [], nodeOptions: '--max-heap-size=2048'}));
});

/**
 * The flag is set after V8 has started; this checks that this Node still reads it then.
 * A child keeps 96 MiB live and churns 1.5 GiB through it in 1 MiB arrays that each live
 * through a few more allocations (so they reach the old generation, as an analysis's
 * answers do); the largest heap it saw is compared with and without the limit.
 */
const CHURN = `
const limit = process.argv[1] === 'limit';
if (limit) (await import(${JSON.stringify(new URL('../../source/cli/heap.ts', import.meta.url).href)})).limitHeapGrowth(25, {execArgv: []});
const live = Array.from({length: 96}, () => new Array(131072).fill(0).map((_, i) => i));
const recent = [];
let largest = 0;
for (let i = 0; i < 1536; i++) {
	recent.push(new Array(131072).fill(i));
	if (recent.length > 24) recent.shift();
	largest = Math.max(largest, process.memoryUsage().heapTotal);
}
process.stdout.write(String(largest / 2 ** 20) + ' ' + live.length);
`;

function largestHeap(mode: string): number {
	const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', CHURN, mode], {encoding: 'utf8'});
	if (result.status !== 0) throw new Error(result.stderr);
	return Number(result.stdout.split(' ')[0]);
}

test('with the limit, the heap stays much closer to what is live', (t) => {
	const without = largestHeap('default');
	const withLimit = largestHeap('limit');
	t.log(`largest heap: ${withLimit.toFixed(0)} MiB with the limit, ${without.toFixed(0)} MiB without`);
	t.true(withLimit < without * 0.75, `${withLimit} MiB with the limit, ${without} without`);
});

test('collectNow forces a full collection under Bun and does nothing under node', (t) => {
	const calls: boolean[] = [];
	t.true(collectNow({gc: (force) => calls.push(force)}));
	t.deepEqual(calls, [true]);
	t.false(collectNow(undefined));
	t.false(collectNow(), 'this is node: no Bun global');
});

test('collectWhenGrown collects under Bun only past the floor and after a quarter\'s growth since the last collection', (t) => {
	const MiB = 2 ** 20;
	let rss = 100 * MiB;
	const calls: boolean[] = [];
	const maybe = collectWhenGrown({runtime: {gc: (force) => {
		calls.push(force);
		rss = 200 * MiB; // What the collection left.
	}}, rss: () => rss, floorBytes: 128 * MiB});
	t.false(maybe(), 'under the floor');
	rss = 300 * MiB;
	t.true(maybe(), 'past the floor, nothing collected yet');
	t.deepEqual(calls, [true]);
	rss = 250 * MiB;
	t.false(maybe(), '25 % over what the last collection left, not more');
	rss = 251 * MiB;
	t.true(maybe());
	t.is(calls.length, 2);
	t.false(collectWhenGrown({runtime: undefined, rss: () => 10_000 * MiB})(), 'node: never');
	t.false(collectWhenGrown()(), 'this is node: no Bun global');
});

test('the controller calls betweenPanes before each pane is analyzed and after the last (report mode collects there)', (t) => {
	let calls = 0;
	const controller = new AppController({readOnly: true, live: false, betweenPanes: () => calls++});
	t.is(calls, 5, 'the first analysis, in the constructor');
	controller.refresh(true);
	t.is(calls, 10);
	t.deepEqual(Object.keys(controller.views).sort(), ['autoscaling', 'etcd', 'qos', 'watchers']);
	controller.dispose();
});
