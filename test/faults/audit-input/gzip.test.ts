/**
 * Audit input faults: a .gz cut short, alone or among rotated files. The events before the
 * cut, one skip, one problem line.
 */
import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {constants as zlibConstants, gunzipSync, gzipSync} from 'node:zlib';
import test from 'ava';
import {openAuditSource} from '../../../source/audit/source.js';
import {keysOf, RecordingAggregator, tempDir} from '../../audit/helpers.js';
import {good, sameSequence} from './helpers.js';

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
