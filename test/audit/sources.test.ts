/**
 * Audit inputs: a file, a directory or glob of rotated files (.gz included) read in time
 * order, stdin, and a file followed live through appends, partial lines, rename
 * rotation (also compressed away), copytruncate — nothing lost, nothing counted twice.
 */
import {appendFileSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, truncateSync, unlinkSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {Readable} from 'node:stream';
import {gzipSync} from 'node:zlib';
import test from 'ava';
import type {RecordSink} from '../../source/audit/formats.js';
import {ControlFinder} from '../../source/audit/control-finder.js';
import {AuditSourceError} from '../../source/audit/errors.js';
import {AuditFollower} from '../../source/audit/follower.js';
import {listAuditFiles} from '../../source/audit/listing.js';
import {readAuditLog} from '../../source/audit/reading.js';
import {AuditTraffic, defaultTrafficSpec} from '../../source/sim/audit-traffic.js';

const start = Date.UTC(2026, 2, 10, 14, 0, 0);
const lines = new AuditTraffic(defaultTrafficSpec(11, start, 3)).lines(start + 4 * 60_000);

/** Collects the audit IDs + stages read (a watch has two events with one ID). */
function collector(): RecordSink & {keys: string[]; times: number[]; skipped: string[]} {
	const keys: string[] = [];
	const times: number[] = [];
	const skipped: string[] = [];
	return {
		keys,
		times,
		skipped,
		record(r) {
			keys.push(`${r.auditID}/${r.stage}`);
			times.push(r.stageMs);
		},
		skip(reason) {
			skipped.push(reason);
		},
	};
}

function keysOf(text: string[]): string[] {
	return text.map((l) => {
		const e = JSON.parse(l) as {auditID: string; stage: string};
		return `${e.auditID}/${e.stage}`;
	});
}

function tempDir(t: {teardown(fn: () => void): void}): string {
	const dir = mkdtempSync(join(tmpdir(), 'assure-audit-'));
	t.teardown(() => rmSync(dir, {recursive: true, force: true}));
	return dir;
}

test('the generated log is not trivial', (t) => {
	t.true(lines.length > 400);
});

test('a directory of rotated files (plain, .gz, current) is read oldest first, each event once', async (t) => {
	const dir = tempDir(t);
	const a = lines.slice(0, 150);
	const b = lines.slice(150, 300);
	const c = lines.slice(300);
	// Names that sort the wrong way round, so only the content decides the order.
	writeFileSync(join(dir, 'audit-z-oldest.log'), `${a.join('\n')}\n`);
	writeFileSync(join(dir, 'audit-a-middle.log.gz'), gzipSync(`${b.join('\n')}\n`));
	writeFileSync(join(dir, 'audit.log'), `${c.join('\n')}\n`);
	writeFileSync(join(dir, '.hidden'), 'not a log\n');
	t.deepEqual((await listAuditFiles(dir)).map((f) => f.slice(dir.length + 1)), ['audit-z-oldest.log', 'audit-a-middle.log.gz', 'audit.log']);
	const sink = collector();
	const result = await readAuditLog(dir, sink);
	t.deepEqual(sink.keys, keysOf(lines));
	t.deepEqual(sink.skipped, []);
	t.is(result.files.length, 3);
	for (let i = 1; i < sink.times.length; i++) t.true(sink.times[i]! >= sink.times[i - 1]!);
	const globbed = collector();
	await readAuditLog(join(dir, 'audit*.log*'), globbed);
	t.deepEqual(globbed.keys, keysOf(lines));
});

test('stdin (-), and a last line without a newline', async (t) => {
	const sink = collector();
	const text = lines.slice(0, 50).join('\n');
	await readAuditLog('-', sink, {stdin: Readable.from([Buffer.from(text.slice(0, 1000)), Buffer.from(text.slice(1000))])});
	t.deepEqual(sink.keys, keysOf(lines.slice(0, 50)));
});

test('a missing input is one clear error', async (t) => {
	const error = await t.throwsAsync(readAuditLog('/nonexistent/audit.log', collector()));
	t.true(error instanceof AuditSourceError);
	t.is(error?.message, 'audit log: cannot read /nonexistent/audit.log: no such file or directory');
	await t.throwsAsync(listAuditFiles('/nonexistent/*.log'), {message: 'audit log: no file matches /nonexistent/*.log'});
});

test('the WebAssembly control-character finder finds what a byte loop finds', (t) => {
	const finder = ControlFinder.create(1 << 16);
	t.truthy(finder);
	if (finder === null) return;
	const mem = new Uint8Array(finder.memory.buffer);
	for (let trial = 0; trial < 200; trial++) {
		const len = 1 + ((trial * 7919) % 300);
		for (let i = 0; i < len; i++) mem[i] = 32 + ((i * 31 + trial) % 90);
		const inject = trial % 3 === 0 ? -1 : (trial * 13) % len;
		const kinds = [0x0a, 0x09, 0x00, 0x1f, 0x0d];
		if (inject >= 0) mem[inject] = kinds[trial % kinds.length]!;
		if (trial % 5 === 0 && len > 3) {
			mem[len - 2] = 0x0d;
			mem[len - 1] = 0x0a;
		}
		let expected = -1;
		for (let i = 0; i < len; i++) {
			const b = mem[i]!;
			if (b < 0x20 && b !== 0x0a && !(b === 0x0d && mem[i + 1] === 0x0a && i + 1 < len)) {
				expected = i;
				break;
			}
		}
		t.is(finder.find(0, len), expected, `trial ${trial}`);
	}
});

test('follow: appends, a partial last line that waits for its end', async (t) => {
	const dir = tempDir(t);
	const path = join(dir, 'audit.log');
	writeFileSync(path, `${lines.slice(0, 20).join('\n')}\n`);
	const sink = collector();
	const follower = new AuditFollower(path, sink);
	t.teardown(() => follower.stop());
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

test('follow: rename rotation — the rest of the old file, then the new one, nothing twice', async (t) => {
	const dir = tempDir(t);
	const path = join(dir, 'audit.log');
	writeFileSync(path, `${lines.slice(0, 40).join('\n')}\n`);
	const sink = collector();
	const follower = new AuditFollower(path, sink);
	t.teardown(() => follower.stop());
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

test('follow: copytruncate — what was written before the truncation comes from the copy', async (t) => {
	const dir = tempDir(t);
	const path = join(dir, 'audit.log');
	writeFileSync(path, `${lines.slice(0, 30).join('\n')}\n`);
	const sink = collector();
	const notices: string[] = [];
	const follower = new AuditFollower(path, sink, {onNotice: (m) => notices.push(m)});
	t.teardown(() => follower.stop());
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

test('follow: copytruncate without a copy reports the gap and goes on', async (t) => {
	const dir = tempDir(t);
	const path = join(dir, 'audit.log');
	writeFileSync(path, `${lines.slice(0, 30).join('\n')}\n`);
	const sink = collector();
	const notices: string[] = [];
	const follower = new AuditFollower(path, sink, {onNotice: (m) => notices.push(m)});
	t.teardown(() => follower.stop());
	await follower.poll();
	appendFileSync(path, `${lines.slice(30, 40).join('\n')}\n`);
	truncateSync(path, 0);
	appendFileSync(path, `${lines.slice(40, 50).join('\n')}\n`);
	await follower.poll();
	t.deepEqual(sink.keys, [...keysOf(lines.slice(0, 30)), ...keysOf(lines.slice(40, 50))]);
	t.is(follower.stats.gaps, 1);
	t.is(notices.length, 1);
});

test('follow: started at the end, only new lines; a file that appears later is read from its start', async (t) => {
	const dir = tempDir(t);
	const path = join(dir, 'audit.log');
	writeFileSync(path, `${lines.slice(0, 10).join('\n')}\n${lines[10]!.slice(0, 50)}`);
	const sink = collector();
	const follower = new AuditFollower(path, sink, {fromStart: false});
	t.teardown(() => follower.stop());
	await follower.poll();
	t.is(sink.keys.length, 0);
	appendFileSync(path, `\n${lines.slice(11, 15).join('\n')}\n`);
	await follower.poll();
	// The line cut at the start position is not half-read: the next whole lines are.
	t.deepEqual(sink.keys, keysOf(lines.slice(11, 15)));
	const later = join(dir, 'later.log');
	const second = collector();
	const follower2 = new AuditFollower(later, second, {fromStart: false});
	t.teardown(() => follower2.stop());
	await follower2.poll();
	writeFileSync(later, `${lines.slice(0, 10).join('\n')}\n`);
	await follower2.poll();
	t.deepEqual(second.keys, keysOf(lines.slice(0, 10)));
});

test('follow with start(): polls by itself until stopped', async (t) => {
	const dir = tempDir(t);
	const path = join(dir, 'audit.log');
	writeFileSync(path, `${lines.slice(0, 5).join('\n')}\n`);
	const sink = collector();
	const follower = new AuditFollower(path, sink, {pollMs: 10});
	follower.start();
	for (let i = 0; i < 200 && sink.keys.length < 5; i++) await new Promise((r) => setTimeout(r, 10));
	appendFileSync(path, `${lines.slice(5, 8).join('\n')}\n`);
	for (let i = 0; i < 200 && sink.keys.length < 8; i++) await new Promise((r) => setTimeout(r, 10));
	await follower.stop();
	t.deepEqual(sink.keys, keysOf(lines.slice(0, 8)));
});

test('follow with start(): a read that fails is said and tried again, never an unhandled rejection', async (t) => {
	const dir = tempDir(t);
	const path = join(dir, 'audit.log');
	writeFileSync(path, `${lines.slice(0, 5).join('\n')}\n`);
	const sink = collector();
	const notices: string[] = [];
	const follower = new AuditFollower(path, sink, {pollMs: 10, onNotice: (message) => notices.push(message)});
	t.teardown(() => follower.stop());
	follower.start();
	for (let i = 0; i < 200 && sink.keys.length < 5; i++) await new Promise((r) => setTimeout(r, 10));
	// The path becomes a directory: it opens, but every read fails (EISDIR).
	renameSync(path, join(dir, 'audit.log.1'));
	mkdirSync(path);
	for (let i = 0; i < 300 && !notices.some((n) => /could not be read/.test(n)); i++) await new Promise((r) => setTimeout(r, 10));
	t.true(notices.some((n) => n === `audit log ${path} could not be read (it is a directory); trying again`), notices.join('\n'));
	t.deepEqual(sink.keys, keysOf(lines.slice(0, 5)));
	// It goes on: a file back at the path is read.
	rmSync(path, {recursive: true});
	writeFileSync(path, `${lines.slice(5, 9).join('\n')}\n`);
	for (let i = 0; i < 300 && sink.keys.length < 9; i++) await new Promise((r) => setTimeout(r, 10));
	t.deepEqual(sink.keys, keysOf(lines.slice(0, 9)));
});
