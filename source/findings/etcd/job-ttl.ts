/**
 * job-without-ttl's suggestion: the ttlSecondsAfterFinished for a group of Jobs (one
 * CronJob's, or one namespace's standalone Jobs) from its history — about 20 runs' worth
 * of its cadence, at least 1h, at most 24h, in whole hours. The finding shows it;
 * source/plans/etcd.ts writes it.
 */
import {formatAge} from '../../text/format.js';

const SECOND = 1000;
const HOUR_SECONDS = 3600;

/** One finished (or running) Job of a group, as far as the TTL choice needs it. */
export interface JobRun {
	/** Epoch ms. */
	created: number;
	finished?: number;
	failed?: boolean;
}

export interface TtlChoice {
	seconds: number;
	/** "1h", "14h", "24h". */
	text: string;
	/** The rule and the numbers it used, one line. */
	rule: string;
	/** Median time between runs, when there were at least two. */
	cadenceSeconds?: number;
	/** About how many finished Jobs the group keeps with this TTL (seconds / cadence). */
	jobsKept?: number;
}

/** Finished runs a TTL should keep around: enough to see a pattern of failures, not a pile. */
export const TTL_RUNS_KEPT = 20;
/** Floor: a failure must still be there when whoever is paged gets to it. */
export const TTL_MIN_SECONDS = HOUR_SECONDS;
/** Ceiling: after a day a run's logs belong in the log store, not in etcd. */
export const TTL_MAX_SECONDS = 24 * HOUR_SECONDS;

export const TTL_RULE = `about ${TTL_RUNS_KEPT} runs' worth (${TTL_RUNS_KEPT} x the median time between runs), at least 1h so a failure can still be debugged by whoever is paged, at most 24h (older runs belong in the log store, not etcd), rounded up to whole hours`;

function median(values: readonly number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	const mid = Math.floor(sorted.length / 2);
	return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function hoursText(seconds: number): string {
	if (seconds % HOUR_SECONDS === 0) return `${seconds / HOUR_SECONDS}h`;
	return formatAge(seconds * SECOND);
}

/**
 * The TTL for a group of Jobs (one CronJob's, or one namespace's standalone Jobs): about
 * TTL_RUNS_KEPT runs' worth of the group's cadence, clamped to [1h, 24h] and rounded up to
 * whole hours. With fewer than two runs there is no cadence: one day.
 */
export function chooseJobTtl(runs: readonly JobRun[]): TtlChoice {
	const times = runs
		.map((run) => run.finished ?? run.created)
		.filter((t) => Number.isFinite(t))
		.sort((a, b) => a - b);
	const gaps: number[] = [];
	for (let i = 1; i < times.length; i++) {
		const gap = times[i]! - times[i - 1]!;
		if (gap > 0) gaps.push(gap);
	}
	if (gaps.length === 0) {
		return {
			seconds: TTL_MAX_SECONDS,
			text: hoursText(TTL_MAX_SECONDS),
			rule: `${TTL_RULE}; fewer than two runs with distinct finish times, so no cadence to go by: 24h`,
		};
	}
	const cadenceSeconds = Math.max(1, Math.round(median(gaps) / SECOND));
	const wanted = TTL_RUNS_KEPT * cadenceSeconds;
	const clamped = Math.min(TTL_MAX_SECONDS, Math.max(TTL_MIN_SECONDS, wanted));
	const seconds = Math.ceil(clamped / HOUR_SECONDS) * HOUR_SECONDS;
	const jobsKept = Math.max(1, Math.round(seconds / cadenceSeconds));
	const bound = wanted < TTL_MIN_SECONDS ? ' -> raised to the 1h floor' : wanted > TTL_MAX_SECONDS ? ' -> capped at 24h' : '';
	return {
		seconds,
		text: hoursText(seconds),
		rule: `${TTL_RULE}: runs every ${formatAge(cadenceSeconds * SECOND)} (median), ${TTL_RUNS_KEPT} x ${formatAge(cadenceSeconds * SECOND)} = ${formatAge(wanted * SECOND)}${bound} -> ${hoursText(seconds)}, keeping about ${jobsKept} finished Jobs`,
		cadenceSeconds,
		jobsKept,
	};
}
