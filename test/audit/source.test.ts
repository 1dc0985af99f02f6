/**
 * openAuditSource, the one way in (source/audit/source.ts): a directory or glob of rotated
 * files (.gz included) read in time order, stdin, one clear line for what cannot be read,
 * and a file read then followed from exactly where the reading stopped.
 */
import {appendFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {Readable} from 'node:stream';
import {gzipSync} from 'node:zlib';
import test from 'ava';
import {AuditSourceError} from '../../source/audit/errors.js';
import {snapshotOf} from '../../source/audit/snapshot.js';
import {openAuditSource} from '../../source/audit/source.js';
import {AuditTraffic, defaultTrafficSpec} from '../../source/sim/audit-traffic.js';
import {eventually} from '../helpers/sim.js';
import {aggregated, keysOf, RecordingAggregator, rounded, tempDir} from './helpers.js';

const start = Date.UTC(2026, 2, 10, 14, 0, 0);
const lines = new AuditTraffic(defaultTrafficSpec(11, start, 3)).lines(start + 4 * 60_000);

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
	const sink = new RecordingAggregator();
	const source = await openAuditSource(dir, {aggregator: sink, workers: 0});
	t.deepEqual(source.input.kind === 'files' ? source.input.files.map((f) => f.slice(dir.length + 1)) : [], [
		'audit-z-oldest.log',
		'audit-a-middle.log.gz',
		'audit.log',
	]);
	t.is(source.label, '3 files');
	t.deepEqual(sink.keys, keysOf(lines));
	t.deepEqual(sink.skips, []);
	for (let i = 1; i < sink.times.length; i++) t.true(sink.times[i]! >= sink.times[i - 1]!);
	const globbed = new RecordingAggregator();
	await openAuditSource(join(dir, 'audit*.log*'), {aggregator: globbed, workers: 0});
	t.deepEqual(globbed.keys, keysOf(lines));
});

test('stdin (-), and a last line without a newline', async (t) => {
	const sink = new RecordingAggregator();
	const text = lines.slice(0, 50).join('\n');
	const source = await openAuditSource('-', {aggregator: sink, stdin: Readable.from([Buffer.from(text.slice(0, 1000)), Buffer.from(text.slice(1000))])});
	t.deepEqual(sink.keys, keysOf(lines.slice(0, 50)));
	t.is(source.label, 'stdin');
	t.deepEqual(source.state, {is: 'read'});
});

test('an input that cannot be read is one clear line', async (t) => {
	const error = await t.throwsAsync(openAuditSource('/nonexistent/audit.log'));
	t.true(error instanceof AuditSourceError);
	t.is(error?.message, 'audit log: cannot read /nonexistent/audit.log: no such file or directory');
	await t.throwsAsync(openAuditSource('/nonexistent/*.log'), {instanceOf: AuditSourceError, message: 'audit log: no file matches /nonexistent/*.log'});
	const stdin = Object.assign(Readable.from([]), {isTTY: true});
	await t.throwsAsync(openAuditSource('-', {follow: true, stdin}), {
		instanceOf: AuditSourceError,
		message: /^--audit-log -: stdin is a terminal, not an audit log/,
	});
});

test('read, then followed from where the reading stopped: nothing read twice, nothing written in between lost', async (t) => {
	for (const workers of [0, 2]) {
		const path = join(tempDir(t), 'audit.log');
		const cut = lines[300]!;
		writeFileSync(path, `${lines.slice(0, 300).join('\n')}\n${cut.slice(0, 200)}`);
		const source = await openAuditSource(path, {follow: true, workers, minParallelBytes: 1, pollMs: 20});
		t.teardown(() => source.close());
		t.is(source.workers, workers);
		t.is(source.fallback, undefined);
		t.deepEqual(source.state, {is: 'following'});
		const changed = new Promise<void>((resolve) => source.onChange(resolve));
		// The rest of the cut line and more, written after the reading (before or after the follower's first look).
		appendFileSync(path, `${cut.slice(200)}\n${lines.slice(301, 320).join('\n')}\n`);
		await eventually(() => source.aggregator.events >= 320, 10_000, `320 events with ${workers} workers`);
		await changed;
		await source.close();
		t.is(source.aggregator.events, 320, `${workers} workers`);
		t.deepEqual([...source.aggregator.skipped], [], `${workers} workers`);
		t.deepEqual(
			rounded(snapshotOf(source.aggregator)),
			rounded(snapshotOf(aggregated(lines.slice(0, 320)))),
			`${workers} workers: what one pass over the lines gives`,
		);
	}
});
