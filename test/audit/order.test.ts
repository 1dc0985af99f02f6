/**
 * Audit logs as real exports hand them over (issue 19): newest first, shuffled within
 * minutes, every line twice, rotated files that overlap. Each is made from one clean
 * generated log of 40 minutes and must give the clean log's per-client figures, in this
 * thread and on worker threads (parts merged), with the repeats skipped as `duplicate`;
 * an event further out of order than the window is counted and said (pane, JSON,
 * Markdown). The reading clock, the tombstones and the duplicate set stay bounded.
 */
import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {gzipSync} from 'node:zlib';
import test, {type ExecutionContext} from 'ava';
import {DuplicateSet} from '../../source/audit/duplicates.js';
import {ReadingClock} from '../../source/audit/order.js';
import {snapshotOf, type AuditSnapshot} from '../../source/audit/snapshot.js';
import {openAuditSource, type AuditSource} from '../../source/audit/source.js';
import {analyzeWatchers} from '../../source/findings/watchers.js';
import {emptyState} from '../../source/model/empty-state.js';
import {AuditTraffic, defaultTrafficSpec} from '../../source/sim/audit-traffic.js';
import {Random} from '../../source/sim/random.js';
import {rounded, tempDir} from './helpers.js';
import {type CliRun, runCli} from '../helpers/cli.js';

const start = Date.UTC(2026, 2, 10, 14, 0, 0);
/** 6329 events in stage-time order: watches of 1 to 10 minutes as start/complete pairs, some open before the log or after it. */
const lines = new AuditTraffic(defaultTrafficSpec(7, start, 5)).lines(start + 40 * 60_000);

const stageTime = (line: string): number => Date.parse(/"stageTimestamp":"([^"]+)"/.exec(line)![1]!);
const keyOf = (line: string): {id: string; stage: string; watch: boolean} => {
	const e = JSON.parse(line) as {auditID: string; stage: string; verb: string};
	return {id: e.auditID, stage: e.stage, watch: e.verb === 'watch'};
};

/** Watches whose ResponseComplete comes before their ResponseStarted in `log`. */
function completedBeforeStarted(log: readonly string[]): number {
	const completed = new Set<string>();
	let n = 0;
	for (const line of log) {
		const {id, stage, watch} = keyOf(line);
		if (!watch) continue;
		if (stage === 'ResponseComplete') completed.add(id);
		else if (stage === 'ResponseStarted' && completed.has(id)) n++;
	}
	return n;
}

/**
 * What the pane and the report are built from, per client and for the cluster. The
 * sample nodes and source IPs are the first ones seen (at most 8), so compared as sets.
 */
function figures(s: AuditSnapshot): unknown {
	return rounded({
		events: s.events,
		requests: s.requests,
		ignoredStages: s.ignoredStages,
		watchesOpen: s.watchesOpen,
		firstMs: s.firstMs,
		lastMs: s.lastMs,
		series: s.series,
		worstUris: s.worstUris,
		clients: s.clients.map((c) => ({...c, sampleNodes: [...c.sampleNodes].sort(), sampleSourceIPs: [...c.sampleSourceIPs].sort()})),
	});
}

/** `files` (name → lines; a .gz name is compressed) in a directory, read in this thread and on 3 worker threads. */
async function readBoth(t: ExecutionContext, files: Record<string, readonly string[]>): Promise<{single: AuditSnapshot; parallel: AuditSnapshot}> {
	const dir = tempDir(t);
	for (const [name, log] of Object.entries(files)) {
		const text = `${log.join('\n')}\n`;
		writeFileSync(join(dir, name), name.endsWith('.gz') ? gzipSync(text) : text);
	}
	const single = await openAuditSource(dir, {workers: 0});
	const parallel: AuditSource = await openAuditSource(dir, {workers: 3, minParallelBytes: 1});
	t.is(single.workers, 0);
	t.true(parallel.workers >= 2, `${parallel.workers} workers`);
	t.is(parallel.fallback, undefined);
	return {single: snapshotOf(single.aggregator), parallel: snapshotOf(parallel.aggregator)};
}

let cleanFigures: Promise<{figures: unknown; snapshot: AuditSnapshot}> | undefined;

/** The clean log's figures (read once, in this thread). */
function clean(t: ExecutionContext): Promise<{figures: unknown; snapshot: AuditSnapshot}> {
	cleanFigures ??= (async () => {
		const {single} = await readBoth(t, {'audit.log': lines});
		return {figures: figures(single), snapshot: single};
	})();
	return cleanFigures;
}

test('the clean log is not trivial: watches opened and closed in it, before it and still open after it', async (t) => {
	const {snapshot} = await clean(t);
	t.is(snapshot.events, 6329);
	t.is(snapshot.skipped, 0);
	t.is(snapshot.outOfOrder, 0);
	t.true(snapshot.watchesOpen > 20, `${snapshot.watchesOpen} open`);
	const lifetimes = snapshot.clients.reduce((n, c) => n + c.watchLifetime.count, 0);
	t.true(lifetimes > 500, `${lifetimes} lifetimes`);
	const starts = new Set(lines.map(keyOf).flatMap((k) => (k.watch && k.stage === 'ResponseStarted' ? [k.id] : [])));
	const orphans = lines.map(keyOf).filter((k) => k.watch && k.stage === 'ResponseComplete' && !starts.has(k.id)).length;
	t.true(orphans > 20, `${orphans} watches opened before the log`);
});

test('newest first (a query sorted descending): the clean figures; each watch counted once, at its completion, none left open', async (t) => {
	const reversed = [...lines].reverse();
	t.true(completedBeforeStarted(reversed) > 500);
	const {figures: want} = await clean(t);
	const {single, parallel} = await readBoth(t, {'audit.log': reversed});
	for (const [how, snap] of [
		['one thread', single],
		['workers', parallel],
	] as const) {
		t.deepEqual(figures(snap), want, how);
		t.is(snap.skipped, 0, how);
		t.is(snap.outOfOrder, 0, `${how}: newest first is an order, not a disorder`);
	}
});

test('shuffled within minutes (several API servers merged): the clean figures, requests and watches alike', async (t) => {
	// Each event moved later by up to 3 minutes (seeded), then sorted: completions of short watches come before their starts.
	const random = new Random(11);
	const shuffled = lines
		.map((line) => ({line, at: stageTime(line) + random.next() * 180_000}))
		.sort((a, b) => a.at - b.at)
		.map((e) => e.line);
	t.true(completedBeforeStarted(shuffled) > 10, `${completedBeforeStarted(shuffled)} watches completed before they started`);
	t.notDeepEqual(shuffled, lines);
	const {figures: want} = await clean(t);
	const {single, parallel} = await readBoth(t, {'audit.log': shuffled});
	t.deepEqual(figures(single), want, 'one thread');
	t.deepEqual(figures(parallel), want, 'workers');
	t.is(single.outOfOrder, 0);
	t.is(parallel.outOfOrder, 0);
});

test('every line twice (an at-least-once shipper): the clean figures, each repeat skipped as duplicate', async (t) => {
	const {figures: want} = await clean(t);
	const {single, parallel} = await readBoth(t, {'audit.log': lines.flatMap((line) => [line, line])});
	for (const snap of [single, parallel]) {
		t.deepEqual(figures(snap), want);
		t.deepEqual(snap.skippedByReason, {duplicate: lines.length});
	}
});

test('rotated files that overlap by 150 lines (plain, or the newer compressed): the clean figures, 150 duplicates', async (t) => {
	const {figures: want} = await clean(t);
	for (const newer of ['audit.log', 'audit.log.gz']) {
		const {single, parallel} = await readBoth(t, {'audit.log.1': lines.slice(0, 3000), [newer]: lines.slice(2850)});
		t.deepEqual(figures(single), want, newer);
		t.deepEqual(figures(parallel), want, `${newer}, workers`);
		t.deepEqual(single.skippedByReason, {duplicate: 150});
		t.deepEqual(parallel.skippedByReason, {duplicate: 150});
	}
});

/** The clean log with 40 events of minute 5 moved to its end (35 minutes late), every line twice. */
function lateAndTwice(): string[] {
	const from = lines.findIndex((line) => stageTime(line) >= start + 5 * 60_000);
	const moved = lines.slice(from, from + 40);
	return [...lines.slice(0, from), ...lines.slice(from + 40), ...moved].flatMap((line) => [line, line]);
}

test('events more than 10 minutes out of order are counted, and the pane says so with the duplicates', async (t) => {
	const {single, parallel} = await readBoth(t, {'audit.log': lateAndTwice()});
	for (const snap of [single, parallel]) {
		t.is(snap.outOfOrder, 40);
		t.is(snap.orderWindowMinutes, 10);
		const header = analyzeWatchers(snap, emptyState()).header;
		t.regex(header[0]!, /; 6\.3k lines skipped \(6\.3k duplicates\)$/);
		t.true(header.includes('! 40 events out of order by more than 10 min: watches and repeated events near them may be counted twice'), header.join('\n'));
	}
	const {single: inOrder} = await readBoth(t, {'audit.log': lines});
	t.false(
		analyzeWatchers(inOrder, emptyState()).header.some((line) => /out of order|duplicates/.test(line)),
		'nothing said when there is nothing to say',
	);
});

type Run = CliRun;

/** The built CLI (npm run build) with no kubeconfig anywhere: an audit-only report. */
function bin(args: string[]): Promise<Run> {
	return runCli(args, {isolated: true});
}

test('CLI: the report carries the duplicates and the events out of order (JSON, Markdown)', async (t) => {
	const path = join(tempDir(t), 'audit.log');
	writeFileSync(path, `${lateAndTwice().join('\n')}\n`);
	const json = await bin(['--audit-log', path, '-o', 'json']);
	t.is(json.code, 0, json.stderr);
	const report = JSON.parse(json.stdout) as {
		audit: {events: number; skipped: number; skippedBy: Record<string, number>; outOfOrder: number};
		panes: {watchers: {header: string[]}};
	};
	t.like(report.audit, {events: 6329, skipped: 6329, skippedBy: {duplicate: 6329}, outOfOrder: 40});
	t.regex(report.panes.watchers.header[0]!, /\(6\.3k duplicates\)$/);
	const markdown = await bin(['--audit-log', path, '-o', 'markdown']);
	t.is(markdown.code, 0, markdown.stderr);
	t.regex(
		markdown.stdout,
		/^Audit log .*audit\.log: 6329 events read, 6329 lines skipped \(duplicate 6329\)\. 40 events out of order by more than 10 min: watches and repeated events near them may be counted twice\.$/m,
	);
});

test('the reading clock: the direction from the first 10 minutes, then what is out of order and what has passed', (t) => {
	const up = new ReadingClock();
	for (const m of [0, 1, 0.5, 4, 3, 11]) up.see(start + m * 60_000);
	t.is(up.direction, 1);
	up.see(start + 0.5 * 60_000);
	t.is(up.outOfOrder, 1, '10.5 minutes behind');
	up.see(start + 2 * 60_000);
	t.is(up.outOfOrder, 1, '9 minutes behind: within the window');
	t.true(up.passed(start, start + 59_999), 'the first minute: more than 10 minutes behind the newest time, 11 min');
	t.false(up.passed(start + 60_000, start + 2 * 60_000));
	const down = new ReadingClock();
	for (const m of [30, 29, 29.5, 25, 19.9]) down.see(start + m * 60_000);
	t.is(down.direction, -1);
	down.see(start + 30 * 60_000);
	t.is(down.outOfOrder, 1);
	t.true(down.passed(start + 30 * 60_000, start + 31 * 60_000));
	t.false(down.passed(start + 29 * 60_000, start + 30 * 60_000));
	const unknown = new ReadingClock();
	unknown.see(start);
	unknown.see(start + 9 * 60_000);
	t.is(unknown.direction, 0);
	t.false(unknown.passed(Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY), 'nothing passes before the direction is known');
});

test('the duplicate set: 64-bit hashes apart for near inputs, a repeat found within the window, memory bounded by the window', (t) => {
	const set = new DuplicateSet();
	const seen = new Set<string>();
	for (let i = 0; i < 100_000; i++) {
		set.hash(`0000${i}-aaaa-4bbb-8ccc-${String(i).padStart(12, '0')}`, i % 2 === 0 ? 'ResponseComplete' : 'ResponseStarted', start + i);
		seen.add(`${set.hi}:${set.lo}`);
	}
	t.is(seen.size, 100_000);
	const hashOf = (id: string, stage: string, at: number): string => {
		set.hash(id, stage, at);
		return `${set.hi}:${set.lo}`;
	};
	t.not(hashOf('a', 'ResponseComplete', start), hashOf('a', 'ResponseStarted', start));
	t.not(hashOf('a', 'ResponseComplete', start), hashOf('a', 'ResponseComplete', start + 0.001), 'a microsecond apart: another request with a reused Audit-ID');
	t.is(hashOf('a', 'ResponseComplete', start), hashOf('a', 'ResponseComplete', start));
	// 200 minutes of 600 events a minute, oldest first and newest first: the table holds about the last 11 minutes.
	for (const direction of [1, -1]) {
		const clock = new ReadingClock();
		const dups = new DuplicateSet();
		let found = 0;
		for (let m = 0; m < 200; m++) {
			for (let i = 0; i < 600; i++) {
				const at = start + direction * (m * 60_000 + i * 100);
				dups.hash(`id-${m}-${i}`, 'ResponseComplete', at);
				if (dups.add(dups.hi, dups.lo, at, clock)) found++;
				clock.see(at);
			}
			if (m >= 20) {
				// A repeat of an event 5 minutes back is found; one of 15 minutes back is not (its window passed).
				const back = (minutes: number): boolean => {
					const at = start + direction * ((m - minutes) * 60_000);
					dups.hash(`id-${m - minutes}-0`, 'ResponseComplete', at);
					return dups.has(dups.hi, dups.lo, clock);
				};
				t.true(back(5));
				t.false(back(15));
			}
		}
		t.is(found, 0);
		t.true(dups.capacity <= 1 << 15, `${dups.capacity} slots for ~6,600 events in the window`);
	}
});

test('tombstones last only as long as a late start may come', async (t) => {
	const dir = tempDir(t);
	writeFileSync(join(dir, 'a.log'), `${lines.join('\n')}\n`);
	writeFileSync(join(dir, 'b.log'), `${[...lines].reverse().join('\n')}\n`);
	const inOrder = await openAuditSource(join(dir, 'a.log'), {workers: 0});
	t.is(inOrder.aggregator.tombstones.size, 0, 'oldest first: those of watches opened before the log are gone 11 minutes later');
	const reversed = await openAuditSource(join(dir, 'b.log'), {workers: 0});
	// Newest first: a late start comes for every completion but those of the watches opened before the log, which
	// wait to the end (as, oldest first, the watches still open at the end stay in the open map).
	const keys = lines.map(keyOf);
	const starts = new Set(keys.flatMap((k) => (k.watch && k.stage === 'ResponseStarted' ? [k.id] : [])));
	const orphans = keys.filter((k) => k.watch && k.stage === 'ResponseComplete' && !starts.has(k.id)).length;
	t.is(reversed.aggregator.tombstones.size, orphans);
});
