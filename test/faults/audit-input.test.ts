/**
 * Audit input faults. Whatever the log does — rotated by rename or by copytruncate in the
 * middle of a burst of writes, a .gz cut short, lines corrupted in every way, one line of
 * 100 MB — nothing crashes, nothing is counted twice, every lost part is reported, and
 * the skipped count is exact.
 *
 * What counts as skipped (asserted below): every line that holds anything but whitespace
 * (space, tab, CR, BOM) and is not an audit event is skipped once, whatever its shape
 * (not JSON, invalid JSON, JSON that is not an event); a JSON array or wrapper line is a
 * batch and each item that is not an event is skipped once (`[]` and an empty wrapper once);
 * a blank or whitespace-only line is ignored (neither counted nor skipped). Invalid UTF-8
 * inside a string value of a well-formed event decodes to U+FFFD (as Go's decoder does)
 * and the event is counted. A line of ByteLineFeeder.maxLine bytes or more is skipped
 * once ('line-too-long'), without ever being held in memory. A .gz cut short (or corrupt)
 * gives the events before the cut, one skip ('gzip-error') and one problem line.
 */
import {execFile, fork} from 'node:child_process';
import {
	appendFileSync,
	statSync,
	closeSync,
	mkdirSync,
	mkdtempSync,
	openSync,
	readFileSync,
	renameSync,
	rmSync,
	truncateSync,
	writeFileSync,
	writeSync,
	copyFileSync,
} from 'node:fs';
import fsPromises, {open} from 'node:fs/promises';
import {syncBuiltinESMExports} from 'node:module';
import {createServer} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {Readable} from 'node:stream';
import {constants as zlibConstants, gunzipSync, gzipSync} from 'node:zlib';
import test, {type ExecutionContext} from 'ava';
import {recordFromEvent} from '../../source/audit/record.js';
import {ByteLineFeeder, createFeeder} from '../../source/audit/feeder.js';
import {AuditFollower} from '../../source/audit/follower.js';
import {readFileInto} from '../../source/audit/reading.js';
import {openAuditSource} from '../../source/audit/source.js';
import {AuditTraffic, defaultTrafficSpec} from '../../source/sim/audit-traffic.js';
import {eventually} from '../helpers/sim.js';
import {followed, keysOf, RecordingAggregator, tempDir} from '../audit/helpers.js';

const start = Date.UTC(2026, 2, 10, 14, 0, 0);
/** 4220 distinct events (auditID/stage), about 1.1 KiB each. */
const good = new AuditTraffic(defaultTrafficSpec(23, start, 4)).lines(start + 30 * 60_000);

/** The same keys in the same order; on a difference, a short account of it (not two lists of thousands). */
function sameSequence(t: ExecutionContext, actual: readonly string[], expected: readonly string[], what = 'keys'): void {
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

function countBy(values: readonly string[]): Record<string, number> {
	const out: Record<string, number> = {};
	for (const v of values) out[v] = (out[v] ?? 0) + 1;
	return out;
}

/** A log of the first `lines` good events, followed: the first poll is done. */
async function following(t: ExecutionContext, lines: number): Promise<ReturnType<typeof followed>> {
	const log = followed(t, good.slice(0, lines));
	await log.follower.poll();
	return log;
}

/** mulberry32: a small seeded PRNG, so every corpus is the same on every run. */
function prng(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

function int(random: () => number, n: number): number {
	return Math.floor(random() * n);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------
// Rotation and copytruncate while a writer in another process writes a burst.

/**
 * The writer, a separate process (real concurrency with the follower's reads): writes the
 * lines in bursts of 1–6, a fifth of the writes cut in two mid-line, yielding now and then;
 * before rotation i it asks the parent and waits for its go (the parent answers once the
 * follower has seen rotation i − 1, so one rotation at most is unseen at any time — the
 * follower's contract), then rotates and goes straight on writing.
 */
const WRITER = `
import {closeSync, copyFileSync, ftruncateSync, openSync, renameSync, writeSync} from 'node:fs';
process.once('message', async (job) => {
	let a = job.seed >>> 0;
	const random = () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
	let fd = openSync(job.path, 'a');
	let next = 0;
	const go = (i) => new Promise((resolve) => {
		const handler = (m) => {
			if (m.go === i) {
				process.off('message', handler);
				resolve();
			}
		};
		process.on('message', handler);
		process.send({ready: i});
	});
	for (let i = 0; i < job.lines.length;) {
		if (job.rotateAt[next] === i) {
			await go(next);
			if (job.mode === 'rename') {
				closeSync(fd);
				renameSync(job.path, job.path.replace(/\\.log$/, '-' + String(next).padStart(3, '0') + '.log'));
				fd = openSync(job.path, 'a');
			} else {
				copyFileSync(job.path, job.path + '.1');
				ftruncateSync(fd, 0);
			}
			next++;
		}
		const limit = next < job.rotateAt.length ? job.rotateAt[next] : job.lines.length;
		// Right after a rotation, one large write: the new file outgrows the follower's position at once.
		const n = Math.min(limit - i, next > 0 && i === job.rotateAt[next - 1] ? 60 : 1 + Math.floor(random() * 6));
		const text = Buffer.from(job.lines.slice(i, i + n).join('\\n') + '\\n');
		if (random() < 0.2) {
			const cut = 1 + Math.floor(random() * (text.length - 1));
			writeSync(fd, text.subarray(0, cut));
			await new Promise((resolve) => setImmediate(resolve));
			writeSync(fd, text.subarray(cut));
		} else {
			writeSync(fd, text);
		}
		i += n;
		if (random() < 0.05) await new Promise((resolve) => setTimeout(resolve, 1));
	}
	closeSync(fd);
	process.send({done: true});
	process.disconnect();
});
`;

async function burstWhileFollowed(
	t: {teardown(fn: () => void | Promise<void>): void; log(...values: unknown[]): void},
	mode: 'rename' | 'copytruncate',
	seed: number,
): Promise<{sink: RecordingAggregator; follower: AuditFollower; notices: string[]; rotations: number}> {
	const dir = tempDir(t);
	const path = join(dir, 'audit.log');
	writeFileSync(path, '');
	const writer = join(dir, 'writer.mjs');
	writeFileSync(writer, WRITER);
	const sink = new RecordingAggregator();
	const notices: string[] = [];
	const follower = new AuditFollower(path, sink, {pollMs: 2, onNotice: (m) => notices.push(m)});
	t.teardown(async () => {
		await follower.stop();
	});
	follower.start();
	const random = prng(seed);
	const rotateAt: number[] = [];
	for (let i = 150 + int(random, 200); i < good.length - 50; i += 150 + int(random, 350)) rotateAt.push(i);
	const seen = () => (mode === 'rename' ? follower.stats.rotations : follower.stats.truncations);
	const child = fork(writer, [], {stdio: ['ignore', 'inherit', 'inherit', 'ipc']});
	t.teardown(() => {
		if (child.exitCode === null) child.kill();
	});
	await new Promise<void>((resolve, reject) => {
		child.on('message', (m: {ready?: number; done?: boolean}) => {
			if (m.done) {
				resolve();
				return;
			}
			const i = m.ready!;
			// The follower's contract: at most one rotation between two polls, and none before its first
			// read (a file replaced or truncated before the follower ever read it cannot be told from a
			// new one). Rename rotation i waits only until the follower has counted rotation i − 1
			// (checked on every turn of the event loop, so that it often comes while the follower is
			// still opening the new file); copytruncate i also until it has read an event written after.
			const ready = (): boolean => seen() >= i && (i === 0 ? sink.keys.length > 0 : mode === 'rename' || sink.keys.length > rotateAt[i - 1]!);
			const deadline = Date.now() + 20_000;
			const wait = (): void => {
				if (ready()) child.send({go: i});
				else if (Date.now() > deadline) reject(new Error(`the follower did not see rotation ${i - 1} (${JSON.stringify(follower.stats)})`));
				else setImmediate(wait);
			};
			wait();
		});
		child.on('error', reject);
		child.on('exit', (code) => {
			if (code !== 0) reject(new Error(`writer exited with ${code}`));
		});
		child.send({path, lines: good, rotateAt, mode, seed});
	});
	await eventually(() => sink.keys.length >= good.length && seen() === rotateAt.length, 30_000, `every event (${sink.keys.length} of ${good.length})`);
	await follower.poll();
	await follower.stop();
	return {sink, follower, notices, rotations: rotateAt.length};
}

test('rename rotation during a burst of writes while followed: every event exactly once', async (t) => {
	const {sink, follower, notices, rotations} = await burstWhileFollowed(t, 'rename', 7);
	t.true(rotations >= 8, `${rotations} rotations`);
	sameSequence(t, sink.keys, keysOf(good));
	t.deepEqual(sink.skips, []);
	t.is(follower.stats.rotations, rotations);
	t.is(follower.stats.gaps, 0);
	t.deepEqual(notices, []);
});

test('copytruncate during a burst of writes while followed: every event exactly once, from the copy when needed', async (t) => {
	const {sink, follower, notices, rotations} = await burstWhileFollowed(t, 'copytruncate', 11);
	t.true(rotations >= 8, `${rotations} truncations`);
	t.is(sink.keys.length, good.length);
	sameSequence(t, sink.keys, keysOf(good));
	t.deepEqual(sink.skips, []);
	t.is(follower.stats.truncations, rotations);
	t.is(follower.stats.gaps, 0);
	t.deepEqual(notices, []);
});

test('copytruncate, scripted: a burst, a partial line, truncation, more writes — exact, and no gap', async (t) => {
	const {path, sink, notices, follower} = await following(t, 100);
	t.is(sink.keys.length, 100);
	// A burst; we read it up to the middle of a line.
	appendFileSync(path, `${good.slice(100, 300).join('\n')}\n${good[300]!.slice(0, 333)}`);
	await follower.poll();
	t.is(sink.keys.length, 300);
	// The rest of that line and another burst, then logrotate copies and truncates, then more writes.
	appendFileSync(path, `${good[300]!.slice(333)}\n${good.slice(301, 500).join('\n')}\n`);
	copyFileSync(path, `${path}.1`);
	truncateSync(path, 0);
	appendFileSync(path, `${good.slice(500, 700).join('\n')}\n`);
	await follower.poll();
	sameSequence(t, sink.keys, keysOf(good.slice(0, 700)));
	t.deepEqual(sink.skips, []);
	t.like(follower.stats, {truncations: 1, recovered: 1, gaps: 0});
	t.deepEqual(notices, []);
});

test.serial('copytruncate right after the follower checked the file: nothing of the new file is taken for the rest of the old one', async (t) => {
	const {path, sink, notices, follower} = await following(t, 100);
	appendFileSync(path, `${good.slice(100, 120).join('\n')}\n`);
	// Fault injection: logrotate copies and truncates, and the writer writes more than the
	// follower had read, exactly between the follower's check of the file (a 64-byte read
	// just before its position) and its next read. (Serial: it patches FileHandle.read.)
	const ino = statSync(path).ino;
	const probe = await open(path, 'r');
	const proto = Object.getPrototypeOf(probe) as {read: (...args: unknown[]) => Promise<unknown>};
	await probe.close();
	const read = proto.read;
	let armed = true;
	proto.read = async function (this: {stat(): Promise<{ino: number}>}, ...args: unknown[]) {
		const result = await read.apply(this, args);
		if (armed && args[2] === 64 && (await this.stat()).ino === ino) {
			armed = false;
			copyFileSync(path, `${path}.1`);
			truncateSync(path, 0);
			appendFileSync(path, `${good.slice(120, 300).join('\n')}\n`);
		}
		return result;
	};
	t.teardown(() => {
		proto.read = read;
	});
	await follower.poll();
	proto.read = read;
	t.false(armed, 'the fault was injected');
	sameSequence(t, sink.keys, keysOf(good.slice(0, 300)));
	t.deepEqual(sink.skips, []);
	t.like(follower.stats, {truncations: 1, recovered: 1, gaps: 0});
	t.deepEqual(notices, []);
});

test('copytruncate with writes lost between the copy and the truncation: the gap is reported, the cut line dropped', async (t) => {
	const {path, sink, notices, follower} = await following(t, 100);
	// logrotate copies; the writer goes on (lines 100–101 and 200 bytes of 102 are not in the
	// copy); we read them; then more is written (the rest of 102, 103–149) and the file is
	// truncated: those are lost, and the copy cannot tell us so by its content.
	copyFileSync(path, `${path}.1`);
	appendFileSync(path, `${good.slice(100, 102).join('\n')}\n${good[102]!.slice(0, 200)}`);
	await follower.poll();
	t.is(sink.keys.length, 102);
	appendFileSync(path, `${good[102]!.slice(200)}\n${good.slice(103, 150).join('\n')}\n`);
	truncateSync(path, 0);
	appendFileSync(path, `${good.slice(150, 200).join('\n')}\n`);
	await follower.poll();
	sameSequence(t, sink.keys, [...keysOf(good.slice(0, 102)), ...keysOf(good.slice(150, 200))]);
	t.deepEqual(sink.skips, [], 'the half line read before the truncation is dropped, not decoded');
	t.like(follower.stats, {truncations: 1, gaps: 1});
	t.is(notices.length, 1);
	t.regex(notices[0]!, /^audit log .*audit\.log was truncated; lines written just before it may be missing \(a partial line of 200 bytes dropped\)$/);
});

test('copytruncate twice between two reads (rotate 2): the generation in between is reported missing, nothing twice', async (t) => {
	const {path, sink, notices, follower} = await following(t, 100);
	// logrotate (rotate 2, copytruncate): .1 → .2, copy → .1, truncate; twice before we look.
	appendFileSync(path, `${good.slice(100, 150).join('\n')}\n`);
	copyFileSync(path, `${path}.1`);
	truncateSync(path, 0);
	await sleep(20);
	appendFileSync(path, `${good.slice(150, 200).join('\n')}\n`);
	renameSync(`${path}.1`, `${path}.2`);
	copyFileSync(path, `${path}.1`);
	truncateSync(path, 0);
	appendFileSync(path, `${good.slice(200, 250).join('\n')}\n`);
	await follower.poll();
	const keys = new Set(sink.keys);
	t.is(keys.size, sink.keys.length, 'nothing twice');
	for (const k of keysOf([...good.slice(0, 150), ...good.slice(200, 250)])) t.true(keys.has(k), `${k} read`);
	sameSequence(t, sink.keys, keysOf([...good.slice(0, 150), ...good.slice(200, 250)]));
	t.like(follower.stats, {truncations: 1, recovered: 1, gaps: 1});
	t.deepEqual(notices, [`audit log ${path} was truncated more than once between two reads; ${path}.1 was not read`]);
});

test.serial('rename rotation again while the follower opens the new file: the file it saw is read whole, found by its inode', async (t) => {
	const {dir, path, sink, notices, follower} = await following(t, 100);
	appendFileSync(path, `${good.slice(100, 150).join('\n')}\n`);
	renameSync(path, join(dir, 'audit-001.log'));
	writeFileSync(path, `${good.slice(150, 200).join('\n')}\n`);
	// Fault injection: the writer rotates again between the follower's look at the path (it
	// sees the second file) and its open (which gets the third). (Serial: it patches fs.open.)
	const original = fsPromises.open;
	let armed = true;
	fsPromises.open = (async (...args: Parameters<typeof original>) => {
		if (armed && args[0] === path) {
			armed = false;
			renameSync(path, join(dir, 'audit-002.log'));
			writeFileSync(path, `${good.slice(200, 250).join('\n')}\n`);
		}
		return original(...args);
	}) as typeof original;
	syncBuiltinESMExports();
	const restore = (): void => {
		fsPromises.open = original;
		syncBuiltinESMExports();
	};
	t.teardown(restore);
	await follower.poll();
	restore();
	t.false(armed, 'the fault was injected');
	sameSequence(t, sink.keys, keysOf(good.slice(0, 250)));
	t.deepEqual(sink.skips, []);
	t.like(follower.stats, {rotations: 2, gaps: 0});
	t.deepEqual(notices, []);
});

test('rename rotation twice between two reads: the generation in between is reported missing, nothing twice', async (t) => {
	const {dir, path, sink, notices, follower} = await following(t, 100);
	appendFileSync(path, `${good.slice(100, 150).join('\n')}\n`);
	renameSync(path, join(dir, 'audit-001.log'));
	writeFileSync(path, `${good.slice(150, 200).join('\n')}\n`);
	await sleep(20);
	renameSync(path, join(dir, 'audit-002.log'));
	writeFileSync(path, `${good.slice(200, 250).join('\n')}\n`);
	await follower.poll();
	const keys = new Set(sink.keys);
	t.is(keys.size, sink.keys.length, 'nothing twice');
	for (const k of keysOf([...good.slice(0, 150), ...good.slice(200, 250)])) t.true(keys.has(k), `${k} read`);
	sameSequence(t, sink.keys, keysOf([...good.slice(0, 150), ...good.slice(200, 250)]));
	t.like(follower.stats, {rotations: 1, gaps: 1});
	t.deepEqual(notices, [`audit log ${path} was rotated more than once between two reads; ${join(dir, 'audit-002.log')} was not read`]);
});

test('poll after stop reads nothing (it used to read the whole file again)', async (t) => {
	const {path, sink, follower} = followed(t, good.slice(0, 30));
	await follower.poll();
	await follower.stop();
	appendFileSync(path, `${good.slice(30, 40).join('\n')}\n`);
	await follower.poll();
	follower.start();
	await sleep(50);
	sameSequence(t, sink.keys, keysOf(good.slice(0, 30)));
	await follower.stop();
});

// ---------------------------------------------------------------------------------------
// Truncated .gz.

/** How many bytes a cut .gz decompresses to (zlib told to expect the cut). */
function decompressible(gz: Buffer): number {
	try {
		return gunzipSync(gz, {finishFlush: zlibConstants.Z_SYNC_FLUSH}).length;
	} catch {
		return 0;
	}
}

test('a .gz cut short (in a header, mid-member, in a trailer, in the second member): the events before the cut, one skip, one problem line', async (t) => {
	const dir = tempDir(t);
	const first = good.slice(0, 300);
	const second = good.slice(300, 600);
	const a = gzipSync(`${first.join('\n')}\n`);
	const b = gzipSync(`${second.join('\n')}\n`);
	const whole = Buffer.concat([a, b]);
	// Whole lines decompressed before each cut: found by decompressing the prefix the same way.
	const cuts: Array<{at: number; what: string}> = [
		{at: 0, what: 'empty'},
		{at: 5, what: 'in the first header'},
		{at: 200, what: 'early in the first member'},
		{at: Math.floor(a.length / 2), what: 'mid first member'},
		{at: a.length - 4, what: 'in the first trailer'},
		{at: a.length + 6, what: 'in the second header'},
		{at: a.length + Math.floor(b.length / 3), what: 'mid second member'},
		{at: whole.length - 1, what: 'one byte short'},
	];
	for (const {at, what} of cuts) {
		const path = join(dir, `audit-${at}.log.gz`);
		writeFileSync(path, whole.subarray(0, at));
		const sink = new RecordingAggregator();
		const {problems} = await openAuditSource(path, {aggregator: sink, workers: 0});
		const expected = keysOf([...first, ...second]).slice(0, sink.keys.length);
		sameSequence(t, sink.keys, expected, `${what}: the events before the cut, in order`);
		if (at >= a.length) t.true(sink.keys.length >= first.length, `${what}: the whole first member`);
		if (at === whole.length - 1) t.is(sink.keys.length, first.length + second.length, `${what}: every event (only the trailer is cut)`);
		if (at > 0 && at < a.length / 2) t.true(sink.keys.length < first.length, `${what}: not more than was there`);
		t.deepEqual(sink.skips, ['gzip-error'], `${what}: one skip`);
		t.deepEqual([...sink.skipped], [['gzip-error', 1]], what);
		t.deepEqual(
			problems,
			[
				`audit log: ${path} is cut short or corrupt (unexpected end of file): read up to byte ${decompressible(whole.subarray(0, at))} of its decompressed data, the rest is missing`,
			],
			what,
		);
	}
	// Not gzip at all: nothing read, the same one line.
	const bogus = join(dir, 'bogus.log.gz');
	writeFileSync(bogus, `${first.join('\n')}\n`);
	const sink = new RecordingAggregator();
	const {problems} = await openAuditSource(bogus, {aggregator: sink, workers: 0});
	sameSequence(t, sink.keys, []);
	t.deepEqual(sink.skips, ['gzip-error']);
	t.deepEqual(problems, [
		`audit log: ${bogus} is cut short or corrupt (incorrect header check): read up to byte 0 of its decompressed data, the rest is missing`,
	]);
});

test('a cut .gz among rotated files: the other files are read whole, in order', async (t) => {
	const dir = tempDir(t);
	const a = good.slice(0, 200);
	const b = good.slice(200, 400);
	const c = good.slice(400, 600);
	writeFileSync(join(dir, 'audit-1.log'), `${a.join('\n')}\n`);
	const gz = gzipSync(`${b.join('\n')}\n`);
	writeFileSync(join(dir, 'audit-2.log.gz'), gz.subarray(0, Math.floor(gz.length * 0.6)));
	writeFileSync(join(dir, 'audit.log'), `${c.join('\n')}\n`);
	const sink = new RecordingAggregator();
	const {problems} = await openAuditSource(dir, {aggregator: sink, workers: 0});
	const fromGz = sink.keys.length - a.length - c.length;
	t.true(fromGz > 0 && fromGz < b.length, `${fromGz} events from the cut file`);
	sameSequence(t, sink.keys, [...keysOf(a), ...keysOf(b).slice(0, fromGz), ...keysOf(c)]);
	t.deepEqual(sink.skips, ['gzip-error']);
	t.is(problems.length, 1);
	// Worker threads (rotated files go to workers whole): the same.
	const parallel = await openAuditSource(dir, {workers: 2, minParallelBytes: 1});
	t.is(parallel.workers, 2);
	t.is(parallel.fallback, undefined);
	t.is(parallel.aggregator.events, sink.keys.length);
	t.deepEqual(parallel.problems, problems);
});

// ---------------------------------------------------------------------------------------
// 10,000 corrupted lines.

const NOT_EVENTS = [
	'{}',
	'{"kind":"Event"}',
	'{"kind":"Pod","apiVersion":"v1","metadata":{"name":"web-0","namespace":"shop"}}',
	'{"auditID":"x","verb":"get"}',
	'{"event":{"kind":"Event","apiVersion":"audit.k8s.io/v1"}}',
	'{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[]}',
	'{"records":[]}',
	'[]',
	'"just a string"',
	'42',
	'-1.5e3',
	'null',
	'true',
	'false',
];

/** Not an audit event, and one skip: the decoder's own reference says so. */
function isBad(bytes: Buffer): boolean {
	if (bytes.includes(10) || bytes.includes(13)) return false;
	const text = bytes.toString('utf8').replace(/^[ \t\r\uFEFF]+/, '');
	if (text === '' || text.includes('AUDIT: ') || /^\d\S* \{/.test(text)) return false;
	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch {
		return true;
	}
	if (Array.isArray(value)) return value.length === 0;
	if (typeof value !== 'object' || value === null) return true;
	const wrapper = ['records', 'category', 'log_s', 'AuditId', 'Type', 'logStreamName', 'logEvents', 'events', 'results', 'protoPayload', 'items'];
	if (wrapper.some((k) => k in value))
		return (value as {records?: unknown[]; items?: unknown[]}).records?.length === 0 || (value as {items?: unknown[]}).items?.length === 0;
	return recordFromEvent(value, 'native') === null;
}

/** The skip reason the decoder gives a bad line. */
function reasonOf(bytes: Buffer): string {
	const text = bytes.toString('utf8').replace(/^[ \t\r\uFEFF]+/, '');
	if (text.startsWith('{') || text.startsWith('[')) {
		try {
			JSON.parse(text);
			return 'not-audit';
		} catch {
			return 'invalid-json';
		}
	}
	return 'not-json';
}

interface Corpus {
	bytes: Buffer;
	goodKeys: string[];
	bad: number;
	blank: number;
	reasons: Record<string, number>;
	kinds: Record<string, number>;
}

function corruptedCorpus(seed: number, goodLines: readonly string[], badCount: number, utf8InEvents = true): Corpus {
	const random = prng(seed);
	const parts: Buffer[] = [];
	const goodKeys: string[] = [];
	const reasons: string[] = [];
	const kinds: string[] = [];
	let blank = 0;
	let g = 0;
	let bad = 0;
	const total = goodLines.length + badCount;
	const pick = (): Buffer => Buffer.from(goodLines[int(random, goodLines.length)]!);
	for (let i = 0; i < total; i++) {
		// The first line is a good event (a lone `{` or `[` there would make the file one document).
		const wantGood = i === 0 || (g < goodLines.length && (bad >= badCount || random() < goodLines.length / total));
		if (wantGood) {
			const line = goodLines[g++]!;
			const variant = int(random, 10);
			if (variant === 0) parts.push(Buffer.from(`${line}\r\n`));
			else if (variant === 1) parts.push(Buffer.from(` \t\uFEFF${line}\n`));
			else if (variant === 2 && utf8InEvents) {
				// Invalid UTF-8 inside the user agent's string: decoded as U+FFFD, the event counts.
				const at = line.indexOf('"userAgent":"') + 13;
				parts.push(Buffer.concat([Buffer.from(line.slice(0, at)), Buffer.from([0xff, 0xc0, 0xaf, 0xed, 0xa0, 0x80]), Buffer.from(`${line.slice(at)}\n`)]));
			} else parts.push(Buffer.from(`${line}\n`));
			goodKeys.push(keysOf([line])[0]!);
		} else {
			let bytes: Buffer;
			const kind = ['flipped', 'cut', 'binary', 'invalid-utf8', 'json-not-event'][int(random, 5)]!;
			for (;;) {
				if (kind === 'flipped') {
					bytes = Buffer.from(pick());
					for (let k = 1 + int(random, 3); k > 0; k--) {
						const at = int(random, bytes.length);
						bytes[at] = bytes[at]! ^ (1 + int(random, 255));
					}
				} else if (kind === 'cut') {
					const line = pick();
					bytes = line.subarray(0, 1 + int(random, line.length - 1));
				} else if (kind === 'binary') {
					bytes = Buffer.alloc(1 + int(random, 300));
					for (let k = 0; k < bytes.length; k++) bytes[k] = int(random, 256);
					bytes[0] = 0x80 + int(random, 128);
				} else if (kind === 'invalid-utf8') {
					const junk = [[0xff], [0xfe, 0xff], [0xc3, 0x28], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xe2, 0x82]][int(random, 7)]!;
					bytes =
						random() < 0.5
							? Buffer.concat([Buffer.from(junk), Buffer.from(`audit ${int(random, 1e6)}`), Buffer.from(junk)])
							: Buffer.concat([Buffer.from('{'), Buffer.from(junk), pick().subarray(1)]);
				} else {
					bytes = Buffer.from(NOT_EVENTS[int(random, NOT_EVENTS.length)]!);
				}
				if (isBad(bytes)) break;
			}
			parts.push(bytes, Buffer.from('\n'));
			reasons.push(reasonOf(bytes));
			kinds.push(kind);
			bad++;
		}
		// Blank and whitespace-only lines, ignored.
		if (random() < 0.03) {
			parts.push(Buffer.from(['\n', '   \n', '\t\n', '\r\n', '\uFEFF\n'][int(random, 5)]!));
			blank++;
		}
	}
	return {bytes: Buffer.concat(parts), goodKeys, bad, blank, reasons: countBy(reasons), kinds: countBy(kinds)};
}

test('10,000 randomly corrupted lines among good events: every good event counted once, every bad line skipped once, blank lines ignored', async (t) => {
	const corpus = corruptedCorpus(20260310, good, 10_000);
	t.is(corpus.goodKeys.length, good.length);
	t.is(corpus.bad, 10_000);
	t.true(corpus.blank > 300, `${corpus.blank} blank lines`);
	for (const kind of ['flipped', 'cut', 'binary', 'invalid-utf8', 'json-not-event']) t.true((corpus.kinds[kind] ?? 0) > 1500, `${kind}: ${corpus.kinds[kind]}`);
	t.true(
		(corpus.reasons['not-json'] ?? 0) > 1000 && (corpus.reasons['invalid-json'] ?? 0) > 1000 && (corpus.reasons['not-audit'] ?? 0) > 500,
		JSON.stringify(corpus.reasons),
	);
	const dir = tempDir(t);
	const path = join(dir, 'audit.log');
	writeFileSync(path, corpus.bytes);

	// A file (read straight into WebAssembly memory, 4 MiB at a time).
	const file = new RecordingAggregator();
	await openAuditSource(path, {aggregator: file, workers: 0});
	sameSequence(t, file.keys, corpus.goodKeys);
	t.is(file.skips.length, 10_000);
	t.deepEqual(countBy(file.skips), corpus.reasons);

	// stdin in random pieces (lines and UTF-8 sequences cut anywhere).
	const random = prng(99);
	const pieces: Buffer[] = [];
	for (let at = 0; at < corpus.bytes.length;) {
		const n = 1 + int(random, random() < 0.5 ? 300 : 70_000);
		pieces.push(corpus.bytes.subarray(at, at + n));
		at += n;
	}
	const stdin = new RecordingAggregator();
	await openAuditSource('-', {aggregator: stdin, stdin: Readable.from(pieces)});
	sameSequence(t, stdin.keys, corpus.goodKeys);
	t.deepEqual(countBy(stdin.skips), corpus.reasons);

	// Worker threads on byte ranges of the file, merged.
	const parallel = await openAuditSource(path, {workers: 2, minParallelBytes: 1});
	t.is(parallel.workers, 2);
	t.is(parallel.fallback, undefined);
	t.is(parallel.aggregator.events, corpus.goodKeys.length);
	t.deepEqual(Object.fromEntries(parallel.aggregator.skipped), corpus.reasons);

	// Followed while it is written in the same random pieces, polled after every few.
	const {path: written, sink: again, follower} = followed(t, []);
	await follower.poll();
	for (let i = 0; i < pieces.length;) {
		const n = 1 + int(random, 40);
		appendFileSync(written, Buffer.concat(pieces.slice(i, i + n)));
		i += n;
		await follower.poll();
	}
	sameSequence(t, again.keys, corpus.goodKeys);
	t.deepEqual(countBy(again.skips), corpus.reasons);
});

test('the batch rule: a JSON array line is a batch, each item that is not an event is skipped once', async (t) => {
	const sink = new RecordingAggregator();
	const text = [good[0]!, '[1,2,3]', `[${good[1]!},{"kind":"Pod"}]`, '[]', '{"records":[{"a":1},{"b":2}]}', '', '   ', good[2]!].join('\n');
	await openAuditSource('-', {aggregator: sink, stdin: Readable.from([Buffer.from(text)])});
	sameSequence(t, sink.keys, keysOf([good[0]!, good[1]!, good[2]!]));
	t.deepEqual(sink.skips, ['not-audit', 'not-audit', 'not-audit', 'not-audit', 'not-audit', 'not-audit', 'not-audit']);
});

// ---------------------------------------------------------------------------------------
// Lines too long to keep.

test('the line cap is exact and does not depend on where reads end', async (t) => {
	// The longest line between the two shortest: only its length decides.
	const bySize = [...good].sort((a, b) => a.length - b.length);
	const [before, after] = [bySize[0]!, bySize[1]!];
	const line = bySize.at(-1)!;
	const len = Buffer.byteLength(line);
	t.true(len > Buffer.byteLength(before) + 100);
	const text = Buffer.from(`${before}\n${line}\n${after}\n`);
	for (const [cap, kept] of [
		[len + 1, true],
		[len, false],
	] as const) {
		for (const piece of [1, 7, 333, len, len + 1, 4096, text.length]) {
			const sink = new RecordingAggregator();
			const feeder = createFeeder(sink, 1 << 16, cap);
			feeder.decoder.begin();
			for (let at = 0; at < text.length; at += piece) feeder.push(text.subarray(at, at + piece));
			feeder.end();
			sameSequence(t, sink.keys, keysOf(kept ? [before, line, after] : [before, after]), `cap ${cap}, pieces of ${piece}`);
			t.deepEqual(sink.skips, kept ? [] : ['line-too-long'], `cap ${cap}, pieces of ${piece}`);
			t.true(feeder.capacity <= Math.max(cap, 1), `the buffer (${feeder.capacity}) never outgrows the cap`);
		}
	}
});

test('a single 100 MB line (with and without a newline) among good events: skipped once each, memory bounded', async (t) => {
	const dir = tempDir(t);
	const path = join(dir, 'audit.log');
	const fd = openSync(path, 'w');
	const block = Buffer.alloc(1 << 20, 'a');
	const giant = (): void => {
		// Valid JSON text, so that nothing but its length stops it.
		writeSync(fd, '{"kind":"Event","apiVersion":"audit.k8s.io/v1","requestObject":"');
		for (let i = 0; i < 100; i++) writeSync(fd, block);
		writeSync(fd, '"}');
	};
	writeSync(fd, `${good.slice(0, 100).join('\n')}\n`);
	giant();
	writeSync(fd, `\n${good.slice(100, 200).join('\n')}\n`);
	giant();
	closeSync(fd);
	const expected = keysOf(good.slice(0, 200));

	const before = process.memoryUsage().rss;
	let peak = before;
	const timer = setInterval(() => {
		peak = Math.max(peak, process.memoryUsage().rss);
	}, 2);
	const sink = new RecordingAggregator();
	const feeder = createFeeder(sink);
	await readFileInto(path, feeder);
	clearInterval(timer);
	peak = Math.max(peak, process.memoryUsage().rss);
	sameSequence(t, sink.keys, expected);
	t.deepEqual(sink.skips, ['line-too-long', 'line-too-long']);
	t.is(feeder.capacity, ByteLineFeeder.defaultMaxLine, 'the buffer stopped growing at the cap');
	t.true(ByteLineFeeder.defaultMaxLine <= 32 << 20);
	const growth = (peak - before) / (1 << 20);
	t.log(`rss growth ${growth.toFixed(0)} MiB`);
	t.true(growth < 192, `rss grew by ${growth.toFixed(0)} MiB reading two 100 MiB lines`);

	// The analysis the CLI uses, and stdin.
	const analyzed = await openAuditSource(path, {workers: 0});
	t.is(analyzed.aggregator.events, 200);
	t.deepEqual([...analyzed.aggregator.skipped], [['line-too-long', 2]]);
	const piped = new RecordingAggregator();
	await openAuditSource('-', {aggregator: piped, stdin: (await import('node:fs')).createReadStream(path, {highWaterMark: 1 << 20})});
	sameSequence(t, piped.keys, expected);
	t.deepEqual(piped.skips, ['line-too-long', 'line-too-long']);
});

test('followed: a giant line being written is dropped as it comes and counted once when it ends', async (t) => {
	const dir = tempDir(t);
	const path = join(dir, 'audit.log');
	writeFileSync(path, `${good.slice(0, 10).join('\n')}\n`);
	const sink = new RecordingAggregator();
	const follower = new AuditFollower(path, sink, {maxLine: 1 << 20});
	t.teardown(() => follower.stop());
	await follower.poll();
	const block = Buffer.alloc(300_000, 'x');
	for (let i = 0; i < 10; i++) {
		appendFileSync(path, block);
		await follower.poll();
		t.deepEqual(sink.skips, [], 'not counted before its end');
	}
	appendFileSync(path, `\n${good.slice(10, 20).join('\n')}\n`);
	await follower.poll();
	sameSequence(t, sink.keys, keysOf(good.slice(0, 20)));
	t.deepEqual(sink.skips, ['line-too-long']);
});

// ---------------------------------------------------------------------------------------
// Through the CLI (report mode, audit log only, no cluster).

interface Run {
	code: number;
	stdout: string;
	stderr: string;
}

/** The built CLI with no kubeconfig anywhere: an audit-only report. */
function bin(args: string[]): Promise<Run> {
	const home = mkdtempSync(join(tmpdir(), 'assure-home-'));
	const env: Record<string, string> = {PATH: process.env.PATH ?? '', HOME: home, KUBECTL_ASSURE_STATE_DIR: home, LANG: 'C.UTF-8'};
	return new Promise((resolve) => {
		execFile(process.execPath, ['bin/kubectl-assure.js', ...args], {timeout: 120_000, maxBuffer: 64 * 1024 * 1024, env}, (error, stdout, stderr) => {
			rmSync(home, {recursive: true, force: true});
			resolve({code: error ? Number((error as {code?: number}).code ?? 1) : 0, stdout, stderr});
		});
	});
}

function watchersHeader(run: Run): string {
	return (JSON.parse(run.stdout) as {panes: {watchers: {header: string[]}}}).panes.watchers.header[0]!;
}

test('CLI: a corrupted audit log gives the normal exit code and the exact skipped count', async (t) => {
	const dir = tempDir(t);
	const path = join(dir, 'audit.log');
	const corpus = corruptedCorpus(5, good.slice(0, 1500), 137, false);
	writeFileSync(path, corpus.bytes);
	const run = await bin(['--audit-log', path, '-o', 'json']);
	t.is(run.code, 0, run.stderr);
	t.is(run.stderr, '');
	t.regex(watchersHeader(run), /; 137 lines skipped$/);
	const audit = (JSON.parse(run.stdout) as {audit: {skipped: number; skippedBy: Record<string, number>; problems: string[]}}).audit;
	t.is(audit.skipped, 137, 'the report carries the count as a number');
	t.is(
		Object.values(audit.skippedBy).reduce((a, b) => a + b, 0),
		137,
		`by reason: ${JSON.stringify(audit.skippedBy)}`,
	);
	t.deepEqual(audit.problems, []);
	const clean = join(dir, 'clean.log');
	writeFileSync(clean, `${good.slice(0, 1500).join('\n')}\n`);
	const reference = await bin(['--audit-log', clean, '-o', 'json']);
	t.is(reference.code, 0, reference.stderr);
	t.is(
		watchersHeader(reference).replace(/ \(.*?\)/, ''),
		watchersHeader(run)
			.replace(/ \(.*?\)/, '')
			.replace('137 lines skipped', '0 lines skipped'),
		'the same requests as the clean log',
	);
	// --fail-on still decides the exit code.
	const failing = await bin(['--audit-log', path, '-o', 'json', '--fail-on', 'info']);
	t.is(failing.code, (JSON.parse(failing.stdout) as {findings: unknown[]}).findings.length > 0 ? 1 : 0);
});

test('CLI: a .gz cut short is read up to the cut, exit 0, the cut counted as skipped', async (t) => {
	const dir = tempDir(t);
	const gz = gzipSync(`${good.slice(0, 1500).join('\n')}\n`);
	const path = join(dir, 'audit.log.gz');
	writeFileSync(path, gz.subarray(0, Math.floor(gz.length / 2)));
	const run = await bin(['--audit-log', path, '-o', 'json']);
	t.is(run.code, 0, run.stderr);
	t.regex(watchersHeader(run), /; 1 lines skipped$/);
	t.false(run.stderr.includes('    at '), 'no stack trace');
	const report = JSON.parse(run.stdout) as {
		audit: {skipped: number; skippedBy: Record<string, number>; problems: string[]};
		panes: {watchers: {header: string[]}};
	};
	t.deepEqual(report.audit.skippedBy, {'gzip-error': 1});
	t.is(report.audit.problems.length, 1);
	t.regex(report.audit.problems[0]!, /audit\.log\.gz is cut short or corrupt/);
	t.true(
		report.panes.watchers.header.some((line) => line.startsWith('! ') && line.includes('cut short')),
		'the pane says so too',
	);
	const markdown = await bin(['--audit-log', path, '-o', 'markdown']);
	t.regex(markdown.stdout, /^Audit log .*audit\.log\.gz: \d+ events read, 1 lines skipped \(gzip-error 1\)\.$/m);
	t.regex(markdown.stdout, /^- audit log: .*cut short or corrupt/m);
});

test('CLI: unreadable audit logs exit 2 with one line on stderr and no stack trace', async (t) => {
	const dir = tempDir(t);
	const file = join(dir, 'audit.log');
	writeFileSync(file, `${good.slice(0, 10).join('\n')}\n`);
	const socket = join(dir, 'audit.sock');
	const server = createServer();
	await new Promise<void>((resolve) => server.listen(socket, resolve));
	t.teardown(() => server.close());
	const empty = join(dir, 'empty-dir');
	mkdirSync(empty);
	const cases: Array<[string, RegExp]> = [
		[join(dir, 'missing.log'), /^error: audit log: cannot read .*missing\.log: no such file or directory\n$/],
		[join(file, 'child.log'), /^error: audit log: cannot read .*audit\.log\/child\.log: a parent of the path is not a directory\n$/],
		[socket, /^error: audit log: cannot read .*audit\.sock: not a file that can be read \(ENXIO\)\n$/],
		['/proc/self/mem', /^error: audit log: cannot read \/proc\/self\/mem: input\/output error \(EIO\)\n$/],
		[join(dir, 'nothing-*.log'), /^error: audit log: no file matches .*nothing-\*\.log\n$/],
		[empty, /^error: audit log: directory .*empty-dir holds no files\n$/],
	];
	for (const [path, message] of cases) {
		const run = await bin(['--audit-log', path, '-o', 'json']);
		t.is(run.code, 2, `${path}: ${run.stderr}`);
		t.is(run.stdout, '', path);
		t.regex(run.stderr, message, path);
		t.is(run.stderr.split('\n').length, 2, `${path}: one line`);
		t.false(/\n\s+at /.test(run.stderr), `${path}: no stack trace`);
	}
	t.is(readFileSync(file, 'utf8').split('\n').length, 11);
});
