/**
 * Audit input faults: 10,000 corrupted lines among good events, read from a file, from stdin,
 * by worker threads and while followed; and the batch rule for JSON arrays.
 */
import {appendFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {Readable} from 'node:stream';
import test from 'ava';
import {openAuditSource} from '../../../source/audit/source.js';
import {followed, keysOf, RecordingAggregator, tempDir} from '../../audit/helpers.js';
import {corruptedCorpus} from './corpus.js';
import {countBy, good, int, prng, sameSequence} from './helpers.js';

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
