/**
 * The TTL job-without-ttl suggests (source/findings/etcd/job-ttl.ts) on several cadences:
 * the 1h floor, about 20 runs rounded up to whole hours, the 24h cap, the median gap.
 */
import test from 'ava';
import fc from 'fast-check';
import {chooseJobTtl, TTL_MAX_SECONDS, TTL_MIN_SECONDS} from '../../../source/findings/etcd/job-ttl.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);

function runsEvery(intervalMs: number, n: number): Array<{created: number; finished: number}> {
	return Array.from({length: n}, (_, i) => ({created: NOW - (i + 1) * intervalMs - 30_000, finished: NOW - (i + 1) * intervalMs}));
}

test('chooseJobTtl: a CronJob every 2 minutes gets the 1h floor', (t) => {
	const choice = chooseJobTtl(runsEvery(2 * MIN, 130));
	t.is(choice.seconds, 3600);
	t.is(choice.text, '1h');
	t.is(choice.cadenceSeconds, 120);
	t.is(choice.jobsKept, 30);
	t.regex(choice.rule, /20 runs/);
	t.regex(choice.rule, /raised to the 1h floor/);
});

test('chooseJobTtl: jobs every 40 minutes keep about 20 runs, rounded up to whole hours', (t) => {
	const choice = chooseJobTtl(runsEvery(40 * MIN, 90));
	// 20 × 40 min = 13h20m → 14h.
	t.is(choice.seconds, 14 * 3600);
	t.is(choice.text, '14h');
	t.is(choice.jobsKept, 21);
	t.notRegex(choice.rule, /floor|capped/);
});

test('chooseJobTtl: a daily job is capped at 24h, a lone job gets 24h', (t) => {
	const daily = chooseJobTtl(runsEvery(DAY, 5));
	t.is(daily.seconds, 24 * 3600);
	t.regex(daily.rule, /capped at 24h/);
	const lone = chooseJobTtl([{created: NOW - HOUR, finished: NOW - 50 * MIN}]);
	t.is(lone.seconds, 24 * 3600);
	t.is(lone.cadenceSeconds, undefined);
	t.regex(lone.rule, /no cadence/);
	t.is(chooseJobTtl([]).seconds, 24 * 3600);
});

test('chooseJobTtl: the median cadence ignores one odd gap', (t) => {
	const runs = runsEvery(10 * MIN, 20);
	runs.push({created: NOW - 30 * DAY, finished: NOW - 30 * DAY});
	// 20 × 10 min = 200 min → 4h.
	t.is(chooseJobTtl(runs).seconds, 4 * 3600);
});

test('chooseJobTtl always returns whole hours between 1h and 24h', (t) => {
	fc.assert(
		fc.property(
			fc.array(fc.record({created: fc.integer({min: 0, max: NOW}), finished: fc.option(fc.integer({min: 0, max: NOW}), {nil: undefined})}), {maxLength: 60}),
			(runs) => {
				const {seconds} = chooseJobTtl(runs);
				return seconds >= TTL_MIN_SECONDS && seconds <= TTL_MAX_SECONDS && seconds % 3600 === 0;
			},
		),
	);
	t.pass();
});
