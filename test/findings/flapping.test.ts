import test from 'ava';
import fc from 'fast-check';
import {
	CHURN_MIN_SPAN_MS,
	flapScoreValue,
	medianHalfPeriod,
	nextFlapState,
	scoreSeries,
	swingThreshold,
	zigzag,
	type FlapState,
} from '../../source/findings/flapping.js';
import type {ReplicaPoint} from '../../source/model/state.js';
import {simulatorFlap} from './simulator-flap.js';

const NOW = Date.UTC(2025, 5, 1, 12, 0, 0);
const S = 1000;
const MIN = 60 * S;

/** Points from [secondsAgo, replicas] pairs. */
function series(pairs: ReadonlyArray<readonly [number, number]>, extra: Partial<ReplicaPoint> = {}): ReplicaPoint[] {
	return pairs.map(([ago, replicas]) => ({time: NOW - ago * S, replicas, ...extra}));
}

test('a swing must be at least max(1 pod, 10 % of its level)', (t) => {
	for (const [level, threshold] of [
		[0, 1],
		[3, 1],
		[10, 1],
		[20, 2],
		[150, 15],
	] as const)
		t.is(swingThreshold(level), threshold, `level ${level}`);
});

test('the simulator flap is found six minutes in with four reversals, not at five', (t) => {
	// At 5 minutes observed: up (3→10), down at 90 s, up at 180 s, down at 270 s → 3 reversals.
	const atFive = scoreSeries(simulatorFlap(NOW, 300, 300), NOW);
	t.is(atFive.reversals, 3);
	t.false(atFive.flapping);
	t.is(atFive.severity, undefined);
	// At 6 minutes: the next climb at 360 s is the fourth reversal.
	const atSix = scoreSeries(simulatorFlap(NOW, 361, 361), NOW, atFive.state);
	t.is(atSix.reversals, 4);
	t.is(atSix.swings, 5);
	t.true(atSix.flapping);
	// Σ|Δ| = 4+3+7+4+3+7+4 = 32 over 361 s; the span is floored to 15 minutes → ×4 per hour.
	t.is(atSix.totalChange, 32);
	t.true(atSix.churnPerHour > 1);
	t.is(atSix.severity, 'critical');
	t.deepEqual(
		atSix.pivots.map((p) => p.replicas),
		[3, 10, 3, 10, 3],
	);
	t.is(atSix.largestSwing, 7);
});

test('an hour of the simulator flap: 39 reversals, critical, half period 90 s', (t) => {
	const score = scoreSeries(simulatorFlap(NOW, 3600, 3599), NOW);
	// 20 cycles of 180 s: each has a climb and a drop; the first climb is no reversal.
	t.is(score.reversals, 39);
	t.true(score.flapping);
	t.is(score.severity, 'critical');
	t.is(flapScoreValue(score), 100);
	const half = medianHalfPeriod(score);
	t.truthy(half);
	t.true(half! >= 75 * S && half! <= 105 * S);
});

test('a steady HPA never flaps and has no churn', (t) => {
	const score = scoreSeries(series([[2 * 86400, 3]]), NOW);
	t.like(score, {reversals: 0, swings: 0, churnPerHour: 0, meanReplicas: 3, spanMs: 60 * MIN, points: 0, flapping: false});
	t.is(flapScoreValue(score), 0);
});

test('no points at all scores zero', (t) => {
	const score = scoreSeries([], NOW);
	t.is(score.reversals, 0);
	t.is(score.churnPerHour, 0);
	t.false(score.flapping);
});

test('jitter below the threshold is merged into the run, not counted', (t) => {
	const jitter = scoreSeries(
		series([
			[600, 20],
			[500, 21],
			[400, 20],
			[300, 21],
			[200, 20],
			[100, 21],
		]),
		NOW,
	);
	t.is(jitter.reversals, 0);
	t.is(jitter.swings, 0);
	// At small sizes one pod is a swing.
	const small = scoreSeries(
		series([
			[600, 3],
			[500, 4],
			[400, 3],
			[300, 4],
			[200, 3],
			[100, 4],
		]),
		NOW,
	);
	t.is(small.reversals, 4);
	t.true(small.flapping);
	// A climb with a dip too small to count is one swing.
	const climb = zigzag([
		{time: 0, replicas: 20},
		{time: 1, replicas: 30},
		{time: 2, replicas: 29},
		{time: 3, replicas: 40},
		{time: 4, replicas: 20},
	]);
	t.is(climb.reversals, 1);
	t.deepEqual(
		climb.pivots.map((p) => p.replicas),
		[20, 40],
	);
});

test('only the last 60 minutes count; the level before the window is where it starts', (t) => {
	// Eight swings 61–75 minutes ago, then one climb inside the window.
	const old = series([
		[75 * 60, 3],
		[73 * 60, 10],
		[71 * 60, 3],
		[69 * 60, 10],
		[67 * 60, 3],
		[65 * 60, 10],
		[63 * 60, 3],
		[61 * 60, 10],
	]);
	const score = scoreSeries([...old, ...series([[30 * 60, 3]])], NOW);
	// The window starts at 10 (the last level before it) and drops once to 3. Mean: 10 for
	// 30 min, 3 for 30 min → 6.5; churn 7 / 6.5 per hour.
	t.like(score, {reversals: 0, swings: 1, totalChange: 7, points: 1, spanMs: 60 * MIN, meanReplicas: 6.5});
	t.true(Math.abs(score.churnPerHour - 7 / 6.5) < 1e-9);
});

test('a short observation is extrapolated to an hour, but from no less than 15 minutes', (t) => {
	const score = scoreSeries(
		series([
			[60, 3],
			[30, 10],
		]),
		NOW,
	);
	t.is(score.spanMs, 60 * S);
	t.is(score.meanReplicas, 6.5);
	t.true(Math.abs(score.churnPerHour - (7 / 6.5) * ((60 * MIN) / CHURN_MIN_SPAN_MS)) < 1e-9);
	t.false(score.flapping);
});

test('scale-to-zero divides churn by at least one replica', (t) => {
	const score = scoreSeries(
		series([
			[3600, 0],
			[1800, 1],
		]),
		NOW,
	);
	t.is(score.meanReplicas, 0.5);
	t.true(Math.abs(score.churnPerHour - 1) < 1e-9);
});

test('hysteresis: starts at 4, holds at 2–3, clears at 1', (t) => {
	let state: FlapState | undefined;
	const steps: Array<[number, boolean]> = [
		[3, false],
		[4, true],
		[3, true],
		[2, true],
		[1, false],
		[3, false],
		[8, true],
		[0, false],
	];
	for (const [reversals, expected] of steps) {
		state = nextFlapState(state, reversals, NOW);
		t.is(state.flapping, expected, `after ${reversals} reversals`);
	}
	const started = nextFlapState(undefined, 5, NOW - 10 * MIN);
	t.is(nextFlapState(started, 2, NOW).since, NOW - 10 * MIN);
});

test('a series held flapping by hysteresis keeps warning severity below the critical marks', (t) => {
	const started = scoreSeries(
		series([
			[3000, 20],
			[2400, 30],
			[1800, 20],
			[1200, 30],
			[600, 20],
			[300, 30],
		]),
		NOW,
	);
	t.is(started.reversals, 4);
	t.true(started.flapping);
	// Later the window holds just two reversals of a slow swing: still flapping, and churn decides.
	const slow = series([
		[3500, 100],
		[2000, 112],
		[1000, 100],
		[100, 112],
	]);
	const held = scoreSeries(slow, NOW, started.state);
	t.is(held.reversals, 2);
	t.true(held.flapping);
	t.true(held.churnPerHour < 1);
	t.is(held.severity, 'warning');
	t.is(held.state.since, started.state.since);
	t.is(flapScoreValue(held), 25);
	const fresh = scoreSeries(slow, NOW);
	t.false(fresh.flapping);
});

test('backfilled points count and are reported', (t) => {
	const points = [
		...series(
			[
				[3000, 3],
				[2800, 10],
				[2600, 3],
				[2400, 10],
			],
			{approximate: true},
		),
		...series([
			[600, 3],
			[300, 10],
		]),
	];
	const score = scoreSeries(points, NOW);
	t.is(score.reversals, 4);
	t.is(score.points, 6);
	t.is(score.approximate, 4);
});

test('unsorted input is scored as sorted', (t) => {
	const points = series([
		[600, 3],
		[300, 10],
		[450, 10],
		[150, 3],
		[60, 10],
	]);
	const shuffled = [points[2]!, points[0]!, points[4]!, points[1]!, points[3]!];
	t.deepEqual(scoreSeries(shuffled, NOW).reversals, scoreSeries(points, NOW).reversals);
	t.is(scoreSeries(points, NOW).reversals, 2);
});

test('values recorded at the same instant are one observation', (t) => {
	const score = scoreSeries(
		[
			...series([
				[600, 1],
				[600, 2],
				[600, 3],
			]),
			...series([[300, 3]]),
		],
		NOW,
	);
	t.is(score.totalChange, 0);
	t.is(score.points, 2);
	t.is(score.swings, 0);
});

test('points in the future are ignored', (t) => {
	const score = scoreSeries([...series([[600, 3]]), {time: NOW + 5 * S, replicas: 10}], NOW);
	t.is(score.swings, 0);
});

test('property: a monotone series never reverses', (t) => {
	fc.assert(
		fc.property(fc.array(fc.integer({min: 0, max: 50}), {minLength: 1, maxLength: 60}), fc.integer({min: 0, max: 500}), fc.boolean(), (steps, start, down) => {
			let level = down ? start + steps.reduce((a, b) => a + b, 0) : start;
			const points: ReplicaPoint[] = [];
			steps.forEach((step, i) => {
				points.push({time: NOW - (steps.length - i) * 30 * S, replicas: level});
				level += down ? -step : step;
			});
			const score = scoreSeries(points, NOW);
			return score.reversals === 0 && !score.flapping && score.swings <= 1;
		}),
	);
	t.pass();
});

test('property: jitter smaller than the threshold does not change the reversal count', (t) => {
	// Runs alternate between a low band [30, 60] and a high band [100, 200]; every run is
	// far above the threshold. Jitter of ±1 around any point is below max(1, 10 % of ≥ 29) / 2.
	const run = fc.record({target: fc.integer({min: 0, max: 1000}), steps: fc.integer({min: 1, max: 4})});
	fc.assert(
		fc.property(
			fc.array(run, {minLength: 1, maxLength: 14}),
			fc.boolean(),
			fc.array(fc.array(fc.integer({min: -1, max: 1}), {maxLength: 3}), {minLength: 80, maxLength: 80}),
			(runs, startHigh, jitter) => {
				const base: number[] = [startHigh ? 150 : 45];
				let high = startHigh;
				for (const r of runs) {
					high = !high;
					const to = high ? 100 + (r.target % 101) : 30 + (r.target % 31);
					const from = base[base.length - 1]!;
					for (let s = 1; s <= r.steps; s++) base.push(Math.round(from + ((to - from) * s) / r.steps));
				}
				const jittered: number[] = [];
				base.forEach((v, i) => {
					jittered.push(v);
					for (const j of jitter[i % jitter.length]!) jittered.push(v + j);
				});
				const toPoints = (values: number[]) => values.map((replicas, i) => ({time: NOW - (values.length - i) * S, replicas}));
				const plain = scoreSeries(toPoints(base), NOW);
				const noisy = scoreSeries(toPoints(jittered), NOW);
				return plain.reversals === runs.length - 1 && noisy.reversals === plain.reversals;
			},
		),
	);
	t.pass();
});

test('property: reversals never exceed points − 2 and churn is never negative', (t) => {
	fc.assert(
		fc.property(fc.array(fc.integer({min: 0, max: 300}), {maxLength: 80}), (values) => {
			const points = values.map((replicas, i) => ({time: NOW - (values.length - i) * 10 * S, replicas}));
			const score = scoreSeries(points, NOW);
			return score.reversals <= Math.max(0, values.length - 2) && score.churnPerHour >= 0 && score.swings === (score.swings === 0 ? 0 : score.reversals + 1);
		}),
	);
	t.pass();
});
