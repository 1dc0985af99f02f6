/**
 * Audit input faults: rotation by rename and by copytruncate, step by step between the
 * follower's reads, with faults injected at the worst moments. Nothing twice, and every lost
 * part reported.
 */
import {appendFileSync, copyFileSync, renameSync, statSync, truncateSync, writeFileSync} from 'node:fs';
import fsPromises, {open} from 'node:fs/promises';
import {syncBuiltinESMExports} from 'node:module';
import {join} from 'node:path';
import test from 'ava';
import {followed, keysOf} from '../../audit/helpers.js';
import {following, good, sameSequence, sleep} from './helpers.js';

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
