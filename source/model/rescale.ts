/**
 * Replica history from two sources: the live points the data layer records while watching
 * (the scale target's spec.replicas and the HPA's status), and the HPA's SuccessfulRescale
 * events ("New size: N; reason: …", k8s pkg/controller/podautoscaler/horizontal.go), which
 * still hold up to an hour of the past.
 *
 * Events are not a history (the event recorder's correlator, client-go
 * tools/record/events_cache.go): the recorder folds identical events into one object
 * with a count and first/last timestamps, so only the size, how often it was reached, and
 * the first and last time survive. Backfilling spreads the `count` occurrences of each
 * event evenly between its first and last timestamp and interleaves the events by time —
 * for an HPA swinging between two sizes that reproduces the alternation well enough to
 * count reversals. Every backfilled point is marked `approximate`. The correlator's
 * aggregation ("(combined from similar events): " after 10 similar events in 10 minutes)
 * lumps rescales to different sizes into one object whose message is the latest; such an
 * event says only that `count` rescales happened, so it contributes one point, at its last
 * time, with the size it names.
 *
 * Live points are ground truth: backfilled points are kept only before the first live
 * point. Histories are bounded: the newest `limit` points within `horizonMs` of now.
 */
import type {ReplicaPoint, RescaleEvent} from './state.js';

export const DEFAULT_HISTORY_LIMIT = 720;
export const DEFAULT_HISTORY_HORIZON_MS = 2 * 3_600_000;
export const COMBINED_PREFIX = '(combined from similar events): ';

export interface ParsedRescale {
	size: number;
	reason: string;
	/** The message carried the event correlator's aggregation prefix. */
	combined: boolean;
}

const RESCALE = /^New size:\s*(\d{1,9});\s*reason:\s*([\s\S]*)$/;

/** Parse a SuccessfulRescale message; undefined when it is not one. */
export function parseRescaleMessage(message: string): ParsedRescale | undefined {
	let text = message.trim();
	let combined = false;
	if (text.startsWith(COMBINED_PREFIX.trim())) {
		combined = true;
		text = text.slice(COMBINED_PREFIX.trim().length).trim();
	}
	const match = RESCALE.exec(text);
	if (!match) return undefined;
	const size = Number(match[1]);
	if (!Number.isSafeInteger(size)) return undefined;
	return {size, reason: match[2]!.trim(), combined};
}

/**
 * A RescaleEvent from an event's message, count and times (epoch ms); undefined when the
 * message is not a rescale. A combined event keeps its count (rescales did happen) but is
 * marked in its reason so backfilling places one point only.
 */
export function rescaleEvent(message: string, count: number, first: number, last: number): RescaleEvent | undefined {
	const parsed = parseRescaleMessage(message);
	if (!parsed) return undefined;
	const safeCount = Number.isFinite(count) && count >= 1 ? Math.floor(count) : 1;
	const lastTime = Number.isFinite(last) ? last : first;
	const firstTime = Number.isFinite(first) && first <= lastTime ? first : lastTime;
	if (!Number.isFinite(lastTime)) return undefined;
	return {size: parsed.size, reason: parsed.combined ? COMBINED_PREFIX + parsed.reason : parsed.reason, count: safeCount, first: firstTime, last: lastTime};
}

export interface BackfillOptions {
	/** Only points strictly before this time (the first live point). */
	before?: number;
	/** Only points at or after this time. */
	after?: number;
	/** Most points in all (the newest are kept). */
	limit?: number;
}

/** Approximate points from rescale events, oldest first. */
export function backfillPoints(events: readonly RescaleEvent[], options: BackfillOptions = {}): ReplicaPoint[] {
	const limit = options.limit ?? DEFAULT_HISTORY_LIMIT;
	const points: Array<ReplicaPoint & {order: number}> = [];
	let order = 0;
	for (const event of events) {
		if (!Number.isFinite(event.size) || !Number.isFinite(event.last)) continue;
		const combined = event.reason.startsWith(COMBINED_PREFIX);
		const count = combined ? 1 : Math.max(1, Math.min(Math.floor(event.count), limit));
		const first = Number.isFinite(event.first) ? Math.min(event.first, event.last) : event.last;
		for (let i = 0; i < count; i++) {
			const time = count === 1 ? event.last : first + ((event.last - first) * i) / (count - 1);
			if (options.before !== undefined && !(time < options.before)) continue;
			if (options.after !== undefined && time < options.after) continue;
			points.push({time: Math.round(time), replicas: event.size, approximate: true, order: order++});
		}
	}
	points.sort((a, b) => a.time - b.time || a.order - b.order);
	const kept = points.length > limit ? points.slice(points.length - limit) : points;
	return kept.map(({order: _order, ...p}) => p);
}

export interface MergeOptions {
	limit?: number;
	/** With `horizonMs`, drops points older than now − horizon. */
	now?: number;
	horizonMs?: number;
}

/**
 * One history from recorded points and rescale events. Approximate points already in
 * `points` are replaced by those derived from `events` when there are events (so merging
 * twice gives the same result); live points are kept as they are.
 */
export function mergeReplicaHistory(points: readonly ReplicaPoint[], events: readonly RescaleEvent[], options: MergeOptions = {}): ReplicaPoint[] {
	const limit = Math.max(1, options.limit ?? DEFAULT_HISTORY_LIMIT);
	const live = points.filter((p) => p.approximate !== true).sort((a, b) => a.time - b.time);
	const firstLive = live[0]?.time;
	const horizonStart = options.now !== undefined ? options.now - (options.horizonMs ?? DEFAULT_HISTORY_HORIZON_MS) : undefined;
	const older =
		events.length > 0
			? backfillPoints(events, {...(firstLive !== undefined ? {before: firstLive} : {}), limit})
			: points.filter((p) => p.approximate === true && (firstLive === undefined || p.time < firstLive));
	let merged = [...older, ...live].sort((a, b) => a.time - b.time);
	if (horizonStart !== undefined) {
		// Keep the last point before the horizon: it is the level the kept history starts from.
		let cut = 0;
		while (cut + 1 < merged.length && merged[cut + 1]!.time <= horizonStart) cut++;
		if (cut > 0) merged = merged.slice(cut);
	}
	return merged.length > limit ? merged.slice(merged.length - limit) : merged;
}

/**
 * Append a live point to a bounded history when something changed (replicas, desired or
 * writer); returns the same array when nothing did.
 */
export function appendReplicaPoint(history: readonly ReplicaPoint[], point: ReplicaPoint, limit = DEFAULT_HISTORY_LIMIT): readonly ReplicaPoint[] {
	const last = history[history.length - 1];
	if (last && last.replicas === point.replicas && last.desired === point.desired && last.writer === point.writer && last.approximate === point.approximate)
		return history;
	const next = [...history, point];
	if (last && point.time < last.time) next.sort((a, b) => a.time - b.time);
	return next.length > limit ? next.slice(next.length - limit) : next;
}
