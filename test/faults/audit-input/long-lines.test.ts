/**
 * Audit input faults: lines too long to keep, skipped once each without ever being held in
 * memory, wherever reads end, read whole or followed.
 */
import {appendFileSync, closeSync, openSync, writeFileSync, writeSync} from 'node:fs';
import {join} from 'node:path';
import test from 'ava';
import {ByteLineFeeder, createFeeder} from '../../../source/audit/feeder.js';
import {AuditFollower} from '../../../source/audit/follower.js';
import {readFileInto} from '../../../source/audit/reading.js';
import {openAuditSource} from '../../../source/audit/source.js';
import {keysOf, RecordingAggregator, tempDir} from '../../audit/helpers.js';
import {good, sameSequence} from './helpers.js';

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
