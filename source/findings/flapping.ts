/**
 * The flapping score of a replica (or node-count) series: direction reversals in the last
 * 60 minutes counting only significant swings, churn per hour, and a hysteresis state
 * machine so a finding neither blinks on and off nor clears on one quiet minute.
 *
 * Swings. A swing is a maximal monotone run of the series whose size is at least
 * max(1, 10 % of the level it starts from) — the HPA controller's own tolerance is 10 %.
 * Runs are found with a zig-zag: a move against the current direction only ends the run
 * (and counts as a reversal) once it is itself significant, measured from the run's
 * extreme; smaller moves are jitter and are merged into the run. So 20→21→20→21 is no
 * swing at all (threshold 2), while 3→7→10→3 is one swing up and one down (one reversal).
 *
 * Window. Points older than 60 minutes do not count; the last point before the window
 * gives the level the window starts at, so a change at its edge is not lost.
 *
 * Churn = Σ|Δ| / mean replicas, the mean weighted by time (at least 1, so scale-to-zero
 * workloads do not divide by zero), per hour. The observed span is the window (60 min)
 * when the history reaches back that far, else from the first point to now. A short span
 * is extrapolated to an hour, but never from less than 15 minutes: one scale-up in the
 * first minute of observation must not read as sixty per hour. Reversals are counts, not
 * rates, and are not extrapolated: four reversals in six observed minutes already show
 * flapping (the simulator's checkout-web reverses every 90 s: 3→7→10, 90 s later →3).
 *
 * Hysteresis (thresholds of our own; Kubernetes defines no flapping rule. The scheme follows
 * Nagios Core's "Detection and Handling of State Flapping"): a series starts flapping at ≥ 4
 * reversals, stays flapping while it has 2 or 3, and clears at ≤ 1. While flapping it is
 * critical at ≥ 8 reversals or churn ≥ 1 per hour, else warning. Churn alone never starts
 * flapping: a morning ramp from 2 to 10 pods is churn, not a flap.
 *
 * Backfilled points (`approximate`, from deduplicated SuccessfulRescale events) count like
 * live ones; the result says how many of the points in the window were approximate.
 * Points with the same time are one observation (the last holds): a node count recorded
 * node by node while a LIST arrives is not a climb.
 */
import type {Severity} from '../model/finding.js';
import type {ReplicaPoint} from '../model/state.js';

export const FLAP_WINDOW_MS = 60 * 60_000;
export const FLAP_START_REVERSALS = 4;
export const FLAP_CRITICAL_REVERSALS = 8;
export const FLAP_CLEAR_REVERSALS = 1;
export const CHURN_CRITICAL_PER_HOUR = 1;
/** Spans shorter than this are normalised as if they were this long. */
export const CHURN_MIN_SPAN_MS = 15 * 60_000;
const HOUR_MS = 3_600_000;

/** What the caller keeps between refreshes for one series. */
export interface FlapState {
	flapping: boolean;
	/** When the series started flapping (epoch ms), while it is flapping. */
	since?: number;
}

export interface Pivot {
	time: number;
	replicas: number;
}

export interface FlapScore {
	/** Direction reversals between significant swings in the window. */
	reversals: number;
	churnPerHour: number;
	/** Significant swings in the window (a swing still running counts once significant). */
	swings: number;
	flapping: boolean;
	/** Set while flapping. */
	severity?: Extract<Severity, 'warning' | 'critical'>;
	state: FlapState;
	/** Points inside the window, and how many of them were backfilled from events. */
	points: number;
	approximate: number;
	/** Σ|Δ| over the window (including the step from the level at the window's start). */
	totalChange: number;
	meanReplicas: number;
	/** Observed span in the window (ms). */
	spanMs: number;
	/** Where the swings start and turn: the first swing's start, then each turning point. */
	pivots: readonly Pivot[];
	/** The largest significant swing, in replicas. */
	largestSwing: number;
}

export interface ScoreOptions {
	windowMs?: number;
}

/** The smallest move that counts as a swing from `level`: max(1, 10 % of level). */
export function swingThreshold(level: number): number {
	return Math.max(1, Math.abs(level) * 0.1);
}

interface Zigzag {
	reversals: number;
	swings: number;
	pivots: Pivot[];
	largestSwing: number;
}

/** Reversals between significant swings of a series (times only label the pivots). */
export function zigzag(series: readonly Pivot[]): Zigzag {
	const out: Zigzag = {reversals: 0, swings: 0, pivots: [], largestSwing: 0};
	if (series.length === 0) return out;
	let direction: 1 | -1 | 0 = 0;
	let lo = series[0]!;
	let hi = series[0]!;
	let start = series[0]!;
	let extreme = series[0]!;
	for (let i = 1; i < series.length; i++) {
		const p = series[i]!;
		if (direction === 0) {
			if (p.replicas > hi.replicas) hi = p;
			if (p.replicas < lo.replicas) lo = p;
			if (p === hi && p.replicas - lo.replicas >= swingThreshold(lo.replicas)) {
				direction = 1;
				start = lo;
				extreme = p;
			} else if (p === lo && hi.replicas - p.replicas >= swingThreshold(hi.replicas)) {
				direction = -1;
				start = hi;
				extreme = p;
			} else continue;
			out.swings = 1;
			out.pivots.push({time: start.time, replicas: start.replicas});
			continue;
		}
		const further = direction === 1 ? p.replicas >= extreme.replicas : p.replicas <= extreme.replicas;
		if (further) {
			// Equal values keep the earlier extreme: the turn happened when the level was first reached.
			if (p.replicas !== extreme.replicas) extreme = p;
			continue;
		}
		const back = Math.abs(p.replicas - extreme.replicas);
		if (back < swingThreshold(extreme.replicas)) continue;
		out.largestSwing = Math.max(out.largestSwing, Math.abs(extreme.replicas - start.replicas));
		out.pivots.push({time: extreme.time, replicas: extreme.replicas});
		out.reversals++;
		out.swings++;
		direction = direction === 1 ? -1 : 1;
		start = extreme;
		extreme = p;
	}
	if (direction !== 0) out.largestSwing = Math.max(out.largestSwing, Math.abs(extreme.replicas - start.replicas));
	return out;
}

/** The hysteresis step: start at ≥ 4 reversals, clear at ≤ 1, otherwise keep the state. */
export function nextFlapState(previous: FlapState | undefined, reversals: number, now: number): FlapState {
	const was = previous?.flapping === true;
	if (!was && reversals >= FLAP_START_REVERSALS) return {flapping: true, since: now};
	if (was && reversals <= FLAP_CLEAR_REVERSALS) return {flapping: false};
	if (was) return {flapping: true, since: previous?.since ?? now};
	return {flapping: false};
}

export function scoreSeries(points: readonly ReplicaPoint[], now: number, previous?: FlapState, options: ScoreOptions = {}): FlapScore {
	const windowMs = options.windowMs ?? FLAP_WINDOW_MS;
	const windowStart = now - windowMs;
	const sorted = isSorted(points) ? points : [...points].sort((a, b) => a.time - b.time);

	let baseline: ReplicaPoint | undefined;
	const inWindow: ReplicaPoint[] = [];
	for (const p of sorted) {
		if (!Number.isFinite(p.replicas) || !Number.isFinite(p.time) || p.time > now) continue;
		if (p.time <= windowStart) baseline = p;
		// Several values at one instant are one observation: the last one holds.
		else if (inWindow.length > 0 && inWindow[inWindow.length - 1]!.time === p.time) inWindow[inWindow.length - 1] = p;
		else inWindow.push(p);
	}
	const series: Pivot[] = [];
	if (baseline) series.push({time: windowStart, replicas: baseline.replicas});
	for (const p of inWindow) series.push({time: p.time, replicas: p.replicas});

	const shape = zigzag(series);

	let totalChange = 0;
	let weighted = 0;
	for (let i = 0; i < series.length; i++) {
		const p = series[i]!;
		if (i > 0) totalChange += Math.abs(p.replicas - series[i - 1]!.replicas);
		const until = i + 1 < series.length ? series[i + 1]!.time : now;
		weighted += p.replicas * (until - p.time);
	}
	const spanMs = series.length > 0 ? now - series[0]!.time : 0;
	const rawMean = series.length === 0 ? 0 : spanMs > 0 ? weighted / spanMs : series[series.length - 1]!.replicas;
	const meanReplicas = Math.max(1, rawMean);
	const churnPerHour = series.length === 0 ? 0 : (totalChange / meanReplicas) * (HOUR_MS / Math.max(spanMs, CHURN_MIN_SPAN_MS));

	const state = nextFlapState(previous, shape.reversals, now);
	const score: FlapScore = {
		reversals: shape.reversals,
		churnPerHour,
		swings: shape.swings,
		flapping: state.flapping,
		state,
		points: inWindow.length,
		approximate: inWindow.filter((p) => p.approximate === true).length,
		totalChange,
		meanReplicas: rawMean,
		spanMs,
		pivots: shape.pivots,
		largestSwing: shape.largestSwing,
	};
	if (state.flapping) score.severity = shape.reversals >= FLAP_CRITICAL_REVERSALS || churnPerHour >= CHURN_CRITICAL_PER_HOUR ? 'critical' : 'warning';
	return score;
}

/**
 * A 0–100 figure to sort by: 50 where flapping starts (4 reversals), 100 at the critical
 * count (8 or more), 12.5 per reversal below that; a series held flapping by hysteresis
 * at critical churn scores 100.
 */
export function flapScoreValue(score: FlapScore): number {
	if (score.severity === 'critical') return 100;
	return Math.min(100, Math.round((score.reversals * 100) / FLAP_CRITICAL_REVERSALS));
}

/** The median time between consecutive turning points (ms), when there are at least two. */
export function medianHalfPeriod(score: FlapScore): number | undefined {
	const gaps: number[] = [];
	for (let i = 1; i < score.pivots.length; i++) gaps.push(score.pivots[i]!.time - score.pivots[i - 1]!.time);
	if (gaps.length === 0) return undefined;
	gaps.sort((a, b) => a - b);
	const mid = Math.floor(gaps.length / 2);
	return gaps.length % 2 === 1 ? gaps[mid]! : (gaps[mid - 1]! + gaps[mid]!) / 2;
}

function isSorted(points: readonly ReplicaPoint[]): boolean {
	for (let i = 1; i < points.length; i++) if (points[i]!.time < points[i - 1]!.time) return false;
	return true;
}
