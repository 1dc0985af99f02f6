/**
 * Reading on worker threads (source/audit/parallel.ts): splitting a log across workers —
 * byte ranges of one file, or rotated files — gives what one pass gives. (The workers'
 * script itself: kernel.test.ts.)
 */
import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {gzipSync} from 'node:zlib';
import test from 'ava';
import {snapshotOf} from '../../source/audit/snapshot.js';
import {openAuditSource} from '../../source/audit/source.js';
import {AuditTraffic, defaultTrafficSpec} from '../../source/sim/audit-traffic.js';
import {rounded, tempDir} from './helpers.js';

const start = Date.UTC(2026, 2, 10, 14, 0, 0);
const lines = new AuditTraffic(defaultTrafficSpec(5, start, 8)).lines(start + 12 * 60_000);

test('worker threads on byte ranges of one file give what one pass gives', async (t) => {
	const dir = tempDir(t);
	const path = join(dir, 'audit.log');
	writeFileSync(path, `${lines.join('\n')}\n`);
	const single = await openAuditSource(path, {workers: 0});
	const parallel = await openAuditSource(path, {workers: 3, minParallelBytes: 1});
	t.is(single.workers, 0);
	t.is(parallel.workers, 3);
	t.is(parallel.fallback, undefined);
	t.deepEqual(rounded(snapshotOf(parallel.aggregator)), rounded(snapshotOf(single.aggregator)));
	t.is(snapshotOf(parallel.aggregator).events, lines.length);
});

test('worker threads on rotated files (one compressed) give what one pass gives', async (t) => {
	const dir = tempDir(t);
	const third = Math.floor(lines.length / 3);
	writeFileSync(join(dir, 'audit-1.log'), `${lines.slice(0, third).join('\n')}\n`);
	writeFileSync(join(dir, 'audit-2.log.gz'), gzipSync(`${lines.slice(third, 2 * third).join('\n')}\n`));
	writeFileSync(join(dir, 'audit.log'), `${lines.slice(2 * third).join('\n')}\n`);
	const single = await openAuditSource(dir, {workers: 0});
	const parallel = await openAuditSource(dir, {workers: 2, minParallelBytes: 1});
	t.true(parallel.workers >= 2);
	t.is(parallel.fallback, undefined);
	t.deepEqual(rounded(snapshotOf(parallel.aggregator)), rounded(snapshotOf(single.aggregator)));
});
