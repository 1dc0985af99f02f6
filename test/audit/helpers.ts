/**
 * For the audit input tests: an aggregator that also keeps, in order, what it was given
 * (each record's auditID/stage and time, each skip's reason), so that a test can check
 * that every event was read once and in log order; the same keys read from lines; what
 * one pass over lines aggregates; a temporary directory; a followed file.
 */
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {AuditAggregator} from '../../source/audit/aggregate.js';
import {AuditFollower, type FollowOptions} from '../../source/audit/follower.js';
import {LineDecoder} from '../../source/audit/formats.js';
import type {SkipReason} from '../../source/audit/record-sink.js';
import type {AuditRecord} from '../../source/audit/audit-record.js';

export class RecordingAggregator extends AuditAggregator {
	/** `auditID/stage` of each record, in the order read (a watch has two events with one ID). */
	readonly keys: string[] = [];
	/** Each record's stage time. */
	readonly times: number[] = [];
	/** Each skip's reason, in the order met. */
	readonly skips: string[] = [];

	override record(r: AuditRecord): void {
		this.keys.push(`${r.auditID}/${r.stage}`);
		this.times.push(r.stageMs);
		super.record(r);
	}

	override skip(reason: SkipReason | string): void {
		this.skips.push(reason);
		super.skip(reason);
	}
}

/** The `auditID/stage` keys of audit event lines. */
export function keysOf(lines: readonly string[]): string[] {
	return lines.map((l) => {
		const e = JSON.parse(l) as {auditID: string; stage: string};
		return `${e.auditID}/${e.stage}`;
	});
}

/** What one pass of the decoder over `lines` aggregates: the reference the reading is checked against. */
export function aggregated(lines: readonly string[]): AuditAggregator {
	const aggregator = new AuditAggregator();
	const decoder = new LineDecoder(aggregator);
	decoder.chunk(`${lines.join('\n')}\n`);
	decoder.finish();
	return aggregator;
}

/** `value` with its numbers rounded to 10 digits (sums added in another order differ in the last bits). */
export function rounded(value: unknown): unknown {
	return JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? Number(v.toPrecision(10)) : v)));
}

/** A temporary directory, removed after the test. */
export function tempDir(t: {teardown(fn: () => void | Promise<void>): void}, prefix = 'assure-audit-'): string {
	const dir = mkdtempSync(join(tmpdir(), prefix));
	t.teardown(() => rmSync(dir, {recursive: true, force: true}));
	return dir;
}

/** `dir/audit.log` holding `lines`, and a follower of it (not polled yet) that records into `sink` and keeps its notices. */
export function followed(
	t: {teardown(fn: () => void | Promise<void>): void},
	lines: readonly string[],
	options: FollowOptions = {},
): {dir: string; path: string; sink: RecordingAggregator; notices: string[]; follower: AuditFollower} {
	const dir = tempDir(t);
	const path = join(dir, 'audit.log');
	writeFileSync(path, lines.length === 0 ? '' : `${lines.join('\n')}\n`);
	const sink = new RecordingAggregator();
	const notices: string[] = [];
	const follower = new AuditFollower(path, sink, {onNotice: (m) => notices.push(m), ...options});
	t.teardown(async () => {
		await follower.stop();
	});
	return {dir, path, sink, notices, follower};
}
