/**
 * Audit input that is a stream (source/audit/stream.ts, source.ts; source/app/audit-feed.ts):
 * a FIFO with no writer yet is opened without waiting and without holding a thread of
 * libuv's pool; a writer that sends events slowly fills the pane as they come; its end of file
 * ends the stream (said, not fatal); report mode reads a FIFO to its end and counts
 * exactly what the same file gives; stdin is read as a stream too.
 */
import {execFileSync, spawn, type ChildProcess} from 'node:child_process';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {readFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {PassThrough} from 'node:stream';
import test, {type ExecutionContext} from 'ava';
import {openAuditFeed} from '../../source/app/audit-feed.js';
import {listAuditInput} from '../../source/audit/listing.js';
import {openAuditSource} from '../../source/audit/source.js';
import {streamKindOf} from '../../source/audit/stream.js';
import {emptyState} from '../../source/model/empty-state.js';
import {AuditTraffic, defaultTrafficSpec} from '../../source/sim/audit-traffic.js';
import {eventually} from '../helpers/sim.js';

const start = Date.UTC(2026, 2, 10, 14, 0, 0);
const lines = new AuditTraffic(defaultTrafficSpec(17, start, 3)).lines(start + 6 * 60_000);

function tempDir(t: ExecutionContext): string {
	const dir = mkdtempSync(join(tmpdir(), 'assure-stream-'));
	t.teardown(() => rmSync(dir, {recursive: true, force: true}));
	return dir;
}

function fifo(t: ExecutionContext, name = 'audit.fifo'): string {
	const path = join(tempDir(t), name);
	execFileSync('mkfifo', [path]);
	return path;
}

/**
 * A writer process (a separate one, as ssh or tail would be) that copies `file` into the
 * FIFO `path` slowly, byte for byte: `perWrite` lines a write, then a pause.
 */
function slowWriter(t: ExecutionContext, file: string, path: string, perWrite: number, pauseMs = 50): ChildProcess {
	const script = `
		const fs = require('node:fs');
		const [file, path, per, pause] = process.argv.slice(1);
		const text = fs.readFileSync(file, 'latin1');
		const fd = fs.openSync(path, 'w');
		let at = 0;
		const step = () => {
			let end = at;
			for (let i = 0; i < Number(per) && end < text.length; i++) {
				const nl = text.indexOf('\\n', end);
				end = nl < 0 ? text.length : nl + 1;
			}
			fs.writeSync(fd, Buffer.from(text.slice(at, end), 'latin1'));
			at = end;
			if (at < text.length) setTimeout(step, Number(pause));
			else fs.closeSync(fd);
		};
		step();
	`;
	// timeout(1): a writer blocked in open() (no reader came) is gone within a minute even if this test process is.
	const child = spawn('timeout', ['60', process.execPath, '-e', script, file, path, String(perWrite), String(pauseMs)], {stdio: 'ignore'});
	t.teardown(() => {
		if (child.exitCode === null) child.kill();
	});
	return child;
}

function exited(child: ChildProcess): Promise<number | null> {
	return child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise((resolve) => child.once('exit', resolve));
}

test('what names a stream: -, a FIFO, a character device; files and directories do not', async (t) => {
	const path = fifo(t);
	const dir = join(path, '..');
	const file = join(dir, 'audit.log');
	writeFileSync(file, '');
	t.is(await streamKindOf('-'), 'stdin');
	t.is(await streamKindOf(path), 'pipe');
	t.is(await streamKindOf('/dev/null'), 'device');
	t.is(await streamKindOf(file), undefined);
	t.is(await streamKindOf(dir), undefined);
	t.is(await streamKindOf(join(dir, 'missing')), undefined);
	// Listing never opens a stream (a look at its first bytes would consume them).
	t.deepEqual(await listAuditInput(path), {kind: 'pipe', spec: path});
	t.deepEqual(await listAuditInput('-'), {kind: 'stdin', spec: '-'});
	t.deepEqual(await listAuditInput(file), {kind: 'files', files: [file]});
});

test('a FIFO without a writer: the feed opens at once and holds no thread; a slow writer fills it; its end is said', async (t) => {
	const dir = tempDir(t);
	const file = join(dir, 'audit.log');
	writeFileSync(file, `${lines.join('\n')}\n`);
	// Five FIFOs, none with a writer: more than libuv's four pool threads. A blocking open()
	// would hold every thread, and nothing else that needs one (reading a file) could run.
	const paths = [1, 2, 3, 4, 5].map((i) => fifo(t, `f${i}.fifo`));
	const feeds = await Promise.all(paths.map((path) => openAuditFeed({path, follow: true, stdin: process.stdin})));
	t.teardown(async () => {
		for (const feed of feeds) await feed.close();
	});
	t.is((await readFile(file, 'utf8')).length > 0, true, 'the thread pool still reads files');
	const feed = feeds[0]!;
	t.is(feed.info()!.source, `…/f1.fifo (streaming)`);
	t.true(feed.analyze(emptyState()).header.some((line) => /nothing yet \(waiting for a writer/.test(line)));
	// A writer comes, sending 40 lines at a time with pauses between.
	const writer = slowWriter(t, file, paths[0]!, 40);
	let changes = 0;
	feed.onChange(() => changes++);
	// Events arrive while the writer still writes: the pane fills as they come, not at the end.
	const partial = await eventually(
		() => {
			const n = feed.aggregator.events;
			return n > 0 && writer.exitCode === null ? n : 0;
		},
		30_000,
		'events before the writer is done',
	);
	t.true(partial < lines.length, `${partial} of ${lines.length} read while streaming`);
	t.true(feed.analyze(emptyState()).header.some((line) => /^streaming from .*f1\.fifo: [\d.k]+ events so far$/.test(line)));
	t.is(await exited(writer), 0);
	await eventually(() => feed.info()!.source.endsWith('(ended)'), 10_000, 'the end of the stream');
	t.is(feed.aggregator.events, lines.length, 'every event, once');
	t.true(changes > 0);
	const header = feed.analyze(emptyState()).header;
	t.true(
		header.some((line) => /f1\.fifo ended \(end of file\) after [\d.k]+ events/.test(line)),
		header.join('\n'),
	);
	// The other FIFOs never had a writer: closing them does not wait for one.
	for (const other of feeds.slice(1)) await other.close();
	t.is(feeds[1]!.aggregator.events, 0);
});

test('report mode over a FIFO reads it to its end and gives the same numbers as the same file', async (t) => {
	const dir = tempDir(t);
	const file = join(dir, 'audit.log');
	// A last line without a newline counts too (an event of its own: a repeat of one read is a duplicate).
	const last = lines[0]!.replace(/"auditID":"[^"]*"/, '"auditID":"00000000-0000-4000-8000-00000000ffff"');
	writeFileSync(file, `${lines.join('\n')}\nnot an audit event\n${last}`);
	const path = fifo(t);
	const writer = slowWriter(t, file, path, 200, 10);
	const fromFifo = await openAuditFeed({path, follow: false, stdin: process.stdin});
	const fromFile = await openAuditFeed({path: file, follow: false, stdin: process.stdin});
	t.is(await exited(writer), 0);
	const state = emptyState();
	t.deepEqual({...fromFifo.info(), source: ''}, {...fromFile.info(), source: ''});
	t.is(fromFifo.info()!.source, path);
	t.is(fromFifo.aggregator.events, lines.length + 1);
	t.deepEqual(fromFifo.analyze(state).rows, fromFile.analyze(state).rows);
	t.deepEqual(fromFifo.analyze(state).findings, fromFile.analyze(state).findings);
	t.true(fromFifo.analyze(state).rows.length > 3);
	await fromFifo.close();
	await fromFile.close();
});

test('a FIFO named on its own is read to its end, without seeking', async (t) => {
	const dir = tempDir(t);
	const file = join(dir, 'audit.log');
	writeFileSync(file, `${lines.join('\n')}\n`);
	const path = fifo(t);
	const writer = slowWriter(t, file, path, 500, 10);
	const source = await openAuditSource(path);
	t.is(await exited(writer), 0);
	t.is(source.aggregator.events, lines.length);
	t.deepEqual([...source.aggregator.skipped], []);
	t.deepEqual(source.state, {is: 'read'});
	t.is(source.label, path);
});

test('stdin in the TUI: read while the panes run, its end said, not fatal', async (t) => {
	const stdin = new PassThrough() as unknown as NodeJS.ReadStream;
	const feed = await openAuditFeed({path: '-', follow: true, stdin});
	t.teardown(() => feed.close());
	t.is(feed.info()!.source, 'stdin (streaming)');
	(stdin as unknown as PassThrough).write(`${lines.slice(0, 100).join('\n')}\n`);
	await eventually(() => feed.aggregator.events === 100, 10_000, 'the first 100 events');
	(stdin as unknown as PassThrough).end(`${lines.slice(100, 150).join('\n')}\n`);
	await eventually(() => feed.info()!.source === 'stdin (ended)', 10_000, 'the end');
	t.is(feed.aggregator.events, 150);
});

test('stdin that is a terminal is no audit log in the TUI: one clear line', async (t) => {
	const stdin = Object.assign(new PassThrough(), {isTTY: true}) as unknown as NodeJS.ReadStream;
	const error = await t.throwsAsync(openAuditFeed({path: '-', follow: true, stdin}));
	t.regex(error!.message, /^--audit-log -: stdin is a terminal, not an audit log/);
	t.is((error as {exitCode?: number}).exitCode, 2);
});
