/**
 * Audit input faults. Whatever the log does — rotated by rename or by copytruncate in the
 * middle of a burst of writes, a .gz cut short, lines corrupted in every way, one line of
 * 100 MB — nothing crashes, nothing is counted twice, every lost part is reported, and
 * the skipped count is exact. The tests are the other files in this folder; this module is
 * their shared setup: the good events they read, a comparison of key sequences that says
 * briefly how two differ, a followed log, a seeded PRNG.
 *
 * What counts as skipped (asserted by those tests): every line that holds anything but
 * whitespace (space, tab, CR, BOM) and is not an audit event is skipped once, whatever its
 * shape (not JSON, invalid JSON, JSON that is not an event); a JSON array or wrapper line is a
 * batch and each item that is not an event is skipped once (`[]` and an empty wrapper once);
 * a blank or whitespace-only line is ignored (neither counted nor skipped). Invalid UTF-8
 * inside a string value of a well-formed event decodes to U+FFFD (as Go's decoder does)
 * and the event is counted. A line of ByteLineFeeder.maxLine bytes or more is skipped
 * once ('line-too-long'), without ever being held in memory. A .gz cut short (or corrupt)
 * gives the events before the cut, one skip ('gzip-error') and one problem line.
 */
import type {ExecutionContext} from 'ava';
import {AuditTraffic, defaultTrafficSpec} from '../../../source/sim/audit-traffic.js';
import {followed} from '../../audit/helpers.js';

const start = Date.UTC(2026, 2, 10, 14, 0, 0);
/** 4220 distinct events (auditID/stage), about 1.1 KiB each. */
export const good = new AuditTraffic(defaultTrafficSpec(23, start, 4)).lines(start + 30 * 60_000);

/** The same keys in the same order; on a difference, a short account of it (not two lists of thousands). */
export function sameSequence(t: ExecutionContext, actual: readonly string[], expected: readonly string[], what = 'keys'): void {
	if (actual.length === expected.length && actual.every((k, i) => k === expected[i])) {
		t.pass();
		return;
	}
	const seen = new Set(actual);
	const twice = actual.length - seen.size;
	const missing = expected.filter((k) => !seen.has(k)).length;
	const first = actual.findIndex((k, i) => k !== expected[i]);
	const index = new Map(expected.map((k, i) => [k, i]));
	let last = -1;
	let runStart = -1;
	const runs: string[] = [];
	for (const k of actual) {
		const i = index.get(k) ?? -999;
		if (i !== last + 1) {
			runs.push(`${runStart}..${last}`);
			runStart = i;
		} else if (runStart < 0) runStart = i;
		last = i;
	}
	runs.push(`${runStart}..${last}`);
	t.log(runs.join(' '));
	t.fail(
		`${what}: ${actual.length} read, ${expected.length} expected; ${twice} twice, ${missing} missing; first difference at ${first === -1 ? actual.length : first}`,
	);
}

export function countBy(values: readonly string[]): Record<string, number> {
	const out: Record<string, number> = {};
	for (const v of values) out[v] = (out[v] ?? 0) + 1;
	return out;
}

/** A log of the first `lines` good events, followed: the first poll is done. */
export async function following(t: ExecutionContext, lines: number): Promise<ReturnType<typeof followed>> {
	const log = followed(t, good.slice(0, lines));
	await log.follower.poll();
	return log;
}

/** mulberry32: a small seeded PRNG, so every corpus is the same on every run. */
export function prng(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

export function int(random: () => number, n: number): number {
	return Math.floor(random() * n);
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
