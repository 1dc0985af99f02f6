/**
 * A file followed live (source/audit/follower.ts) through appends, partial lines, rename
 * rotation (also compressed away), copytruncate — nothing lost, nothing counted twice,
 * and what cannot be recovered is said. The faults suite (test/faults/audit-input/)
 * does the same under a writer in another process.
 */
import {appendFileSync, copyFileSync, mkdirSync, readFileSync, renameSync, rmSync, truncateSync, unlinkSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {gzipSync} from 'node:zlib';
import test from 'ava';
import {AuditFollower} from '../../source/audit/follower.js';
import {AuditTraffic, defaultTrafficSpec} from '../../source/sim/audit-traffic.js';
import {eventually} from '../helpers/sim.js';
import {followed, keysOf, RecordingAggregator} from './helpers.js';

const start = Date.UTC(2026, 2, 10, 14, 0, 0);
const lines = new AuditTraffic(defaultTrafficSpec(11, start, 3)).lines(start + 4 * 60_000);

test('the generated log is not trivial', (t) => {
	t.true(lines.length > 400);
});

test('appends, a partial last line that waits for its end', async (t) => {
	const {path, sink, follower} = followed(t, lines.slice(0, 20));
	await follower.poll();
	t.is(sink.keys.length, 20);
	const next = lines[20]!;
	appendFileSync(path, next.slice(0, 300));
	await follower.poll();
	t.is(sink.keys.length, 20);
	appendFileSync(path, `${next.slice(300)}\n${lines.slice(21, 30).join('\n')}\n`);
	await follower.poll();
	t.deepEqual(sink.keys, keysOf(lines.slice(0, 30)));
	await follower.poll();
	t.is(sink.keys.length, 30);
});

test('rename rotation — the rest of the old file, then the new one, nothing twice', async (t) => {
	const {dir, path, sink, follower} = followed(t, lines.slice(0, 40));
	await follower.poll();
	// Written after our last read, then rotated away (lumberjack: rename, create).
	appendFileSync(path, `${lines.slice(40, 60).join('\n')}\n${lines[60]!}`);
	renameSync(path, join(dir, 'audit-2026-03-10T14-02-00.000.log'));
	writeFileSync(path, `${lines.slice(61, 80).join('\n')}\n`);
	await follower.poll();
	t.deepEqual(sink.keys, keysOf(lines.slice(0, 80)));
	t.is(follower.stats.rotations, 1);
	// Rotated again, and the old file compressed and removed before we looked.
	appendFileSync(path, `${lines.slice(80, 90).join('\n')}\n`);
	const rotated = join(dir, 'audit-2026-03-10T14-03-00.000.log');
	renameSync(path, rotated);
	writeFileSync(`${rotated}.gz`, gzipSync(readFileSync(rotated)));
	unlinkSync(rotated);
	writeFileSync(path, `${lines.slice(90, 100).join('\n')}\n`);
	await follower.poll();
	t.deepEqual(sink.keys, keysOf(lines.slice(0, 100)));
});

test('copytruncate — what was written before the truncation comes from the copy', async (t) => {
	const {dir, path, sink, notices, follower} = followed(t, lines.slice(0, 30));
	await follower.poll();
	appendFileSync(path, `${lines.slice(30, 45).join('\n')}\n`);
	copyFileSync(path, join(dir, 'audit.log.1'));
	truncateSync(path, 0);
	appendFileSync(path, `${lines.slice(45, 55).join('\n')}\n`);
	await follower.poll();
	t.deepEqual(sink.keys, keysOf(lines.slice(0, 55)));
	t.is(follower.stats.truncations, 1);
	t.is(follower.stats.recovered, 1);
	t.deepEqual(notices, []);
	// Again, with the copy compressed (logrotate compress).
	appendFileSync(path, `${lines.slice(55, 70).join('\n')}\n`);
	writeFileSync(join(dir, 'audit.log.1.gz'), gzipSync(readFileSync(path)));
	unlinkSync(join(dir, 'audit.log.1'));
	truncateSync(path, 0);
	appendFileSync(path, `${lines.slice(70, 75).join('\n')}\n`);
	await follower.poll();
	t.deepEqual(sink.keys, keysOf(lines.slice(0, 75)));
	t.is(follower.stats.recovered, 2);
});

test('copytruncate without a copy reports the gap and goes on', async (t) => {
	const {path, sink, notices, follower} = followed(t, lines.slice(0, 30));
	await follower.poll();
	appendFileSync(path, `${lines.slice(30, 40).join('\n')}\n`);
	truncateSync(path, 0);
	appendFileSync(path, `${lines.slice(40, 50).join('\n')}\n`);
	await follower.poll();
	t.deepEqual(sink.keys, [...keysOf(lines.slice(0, 30)), ...keysOf(lines.slice(40, 50))]);
	t.is(follower.stats.gaps, 1);
	t.is(notices.length, 1);
});

test('started at the end, only new lines; a file that appears later is read from its start', async (t) => {
	const {dir, path, sink, follower} = followed(t, [], {fromStart: false});
	writeFileSync(path, `${lines.slice(0, 10).join('\n')}\n${lines[10]!.slice(0, 50)}`);
	await follower.poll();
	t.is(sink.keys.length, 0);
	appendFileSync(path, `\n${lines.slice(11, 15).join('\n')}\n`);
	await follower.poll();
	// The line cut at the start position is not half-read: the next whole lines are.
	t.deepEqual(sink.keys, keysOf(lines.slice(11, 15)));
	const later = join(dir, 'later.log');
	const second = new RecordingAggregator();
	const follower2 = new AuditFollower(later, second, {fromStart: false});
	t.teardown(() => follower2.stop());
	await follower2.poll();
	writeFileSync(later, `${lines.slice(0, 10).join('\n')}\n`);
	await follower2.poll();
	t.deepEqual(second.keys, keysOf(lines.slice(0, 10)));
});

test('start(): polls by itself until stopped', async (t) => {
	const {path, sink, follower} = followed(t, lines.slice(0, 5), {pollMs: 10});
	follower.start();
	await eventually(() => sink.keys.length >= 5, 10_000, 'the first 5 events');
	appendFileSync(path, `${lines.slice(5, 8).join('\n')}\n`);
	await eventually(() => sink.keys.length >= 8, 10_000, '3 more events');
	await follower.stop();
	t.deepEqual(sink.keys, keysOf(lines.slice(0, 8)));
});

test('start(): a read that fails is said and tried again, never an unhandled rejection', async (t) => {
	const {dir, path, sink, notices, follower} = followed(t, lines.slice(0, 5), {pollMs: 10});
	follower.start();
	await eventually(() => sink.keys.length >= 5, 10_000, 'the first 5 events');
	// The path becomes a directory: it opens, but every read fails (EISDIR).
	renameSync(path, join(dir, 'audit.log.1'));
	mkdirSync(path);
	await eventually(() => notices.some((n) => /could not be read/.test(n)), 10_000, 'the notice');
	t.true(
		notices.some((n) => n === `audit log ${path} could not be read (it is a directory); trying again`),
		notices.join('\n'),
	);
	t.deepEqual(sink.keys, keysOf(lines.slice(0, 5)));
	// It goes on: a file back at the path is read.
	rmSync(path, {recursive: true});
	writeFileSync(path, `${lines.slice(5, 9).join('\n')}\n`);
	await eventually(() => sink.keys.length >= 9, 10_000, 'the file back at the path');
	t.deepEqual(sink.keys, keysOf(lines.slice(0, 9)));
});
