/**
 * Audit input faults through the CLI (report mode, audit log only, no cluster): a corrupted
 * log, a .gz cut short, and logs that cannot be read. Needs `npm run build`.
 */
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import {createServer} from 'node:net';
import {join} from 'node:path';
import {gzipSync} from 'node:zlib';
import test from 'ava';
import {tempDir} from '../../audit/helpers.js';
import {corruptedCorpus} from './corpus.js';
import {good} from './helpers.js';
import {type CliRun, runCli} from '../../helpers/cli.js';

type Run = CliRun;

/** The built CLI with no kubeconfig anywhere: an audit-only report. */
function bin(args: string[]): Promise<Run> {
	return runCli(args, {isolated: true});
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
