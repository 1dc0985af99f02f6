/**
 * Interner: how much the store's string/record/spec interner grows when objects come and go
 * for hours (100 CronJobs running every minute), with its two generations against the one
 * map it used to be, in the same run (bench/interner-worker.ts, one process each).
 */
import type {BenchSuite, Measure} from './harness.js';
import {jsonWorker} from './worker.js';

interface WorkerResult {
	runs: number;
	heapBefore: number;
	heapAfter: number;
	held: {strings: number; specs: number; records: number};
}

async function worker(mode: string, hours: number): Promise<WorkerResult> {
	const result = await jsonWorker<WorkerResult>(['--expose-gc', 'dist/bench/interner-worker.js', mode, String(hours)]);
	if ('error' in result) throw new Error(`interner worker ${mode}: ${result.error}`);
	return result;
}

export const suite: BenchSuite = {
	name: 'interner',
	async run({quick, log}) {
		const hours = quick ? 4 : 12;
		const now = await worker('generations', hours);
		const before = await worker('one-map', hours);
		const grown = (r: WorkerResult) => r.heapAfter - r.heapBefore;
		const held = (r: WorkerResult) => r.held.strings + r.held.records + r.held.specs;
		log(`${hours} h of CronJob runs: heap grew ${(grown(now) / 2 ** 20).toFixed(1)} MiB (generations), ${(grown(before) / 2 ** 20).toFixed(1)} MiB (one map)`);
		return [
			{
				name: `live heap growth, 100 CronJobs every minute for ${hours} h`,
				value: grown(now),
				unit: 'bytes',
				baseline: {name: 'one map, as before', value: grown(before)},
				better: 'lower',
				note: `${now.runs} runs beside 20,000 standing pods`,
			},
			{
				name: 'entries the interner holds at the end',
				value: held(now),
				unit: 'entries',
				baseline: {name: 'one map, as before', value: held(before)},
				better: 'lower',
				note: `strings ${now.held.strings} (${before.held.strings}), records ${now.held.records} (${before.held.records})`,
			},
		] satisfies Measure[];
	},
};
