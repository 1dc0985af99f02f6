/**
 * Exit codes and wording, through the real binary: an audit-log directory we may not read
 * (exit 2, one line), --apply without --yes (a dry run, said to be one; an unknown id is
 * exit 2), --apply in the live view (exit 2), negative numbers and durations (their own
 * message, exit 2), and an internal error (exit 5, distinct from findings).
 */
import {execFile} from 'node:child_process';
import {chmodSync, mkdirSync, readdirSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import test from 'ava';
import {tempDir} from '../helpers/sim.js';

interface Run {
	code: number;
	stdout: string;
	stderr: string;
}

function run(command: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
	return new Promise((resolve) => {
		execFile(command, args, {timeout: 120_000, maxBuffer: 64 * 1024 * 1024, env: {...process.env, ...env}}, (error, stdout, stderr) => {
			resolve({code: error ? Number((error as {code?: number}).code ?? 1) : 0, stdout, stderr});
		});
	});
}

function bin(args: string[], env: Record<string, string> = {}): Promise<Run> {
	return run(process.execPath, ['bin/kubectl-assure.js', ...args], {KUBECTL_ASSURE_STATE_DIR: tempDir(), ...env});
}

const demo = ['--demo', '--qps', '100', '--burst', '100'];

test('an audit-log directory that cannot be read: one line naming it, exit 2 (not an internal error)', async (t) => {
	// Root reads any directory whatever its mode: as root, the tool runs as "nobody" for this.
	const base = tempDir();
	chmodSync(base, 0o755);
	const locked = join(base, 'audit');
	mkdirSync(locked);
	writeFileSync(join(locked, 'audit.log'), '');
	chmodSync(locked, 0o000);
	const asRoot = process.getuid?.() === 0;
	const prefix = asRoot ? ['--reuid=nobody', '--regid=nogroup', '--clear-groups', process.execPath] : [];
	const result = await run(asRoot ? 'setpriv' : process.execPath, [...prefix, 'bin/kubectl-assure.js', '--audit-log', locked, '-o', 'json'], {
		KUBECONFIG: join(base, 'none'),
		HOME: base,
	});
	chmodSync(locked, 0o755);
	t.is(result.code, 2, result.stderr);
	t.is(result.stdout, '');
	t.is(result.stderr, `error: audit log: cannot read the directory ${locked}: permission denied\n`);
});

test('--apply without --yes: the access check, dry run and diff on stderr, one line saying nothing was applied; unknown ids are exit 2', async (t) => {
	const state = tempDir();
	const id = 'replicaset-history/checkout/Deployment/legacy-admin:set-revision-history-limit';
	const dry = await bin([...demo, '-o', 'json', '--apply', id], {KUBECTL_ASSURE_STATE_DIR: state});
	t.is(dry.code, 0, dry.stderr);
	t.regex(dry.stderr, /\+ spec\.revisionHistoryLimit: 3/, 'the diff of the server dry run');
	t.regex(dry.stderr, /^Set revisionHistoryLimit: 3 on Deployment checkout\/legacy-admin: dry run only, nothing was applied; add --yes to apply it$/m);
	t.notRegex(dry.stderr, /applied \(\d+ applied/);
	t.deepEqual(readdirSync(state), [], 'no journal: nothing was written');
	const report = JSON.parse(dry.stdout) as {findings: Array<{id: string}>};
	t.true(
		report.findings.some((f) => f.id === 'replicaset-history/checkout/Deployment/legacy-admin'),
		'the finding is still there',
	);

	const unknownFinding = await bin([...demo, '-o', 'json', '--apply', 'no-such-finding:set-revision-history-limit']);
	t.is(unknownFinding.code, 2);
	t.is(unknownFinding.stdout, '');
	t.regex(unknownFinding.stderr, /^error: no finding "no-such-finding" now \(findings: [^\n]+\)\n$/);
	const unknownRemedy = await bin([...demo, '-o', 'json', '--apply', 'replicaset-history/checkout/Deployment/legacy-admin:no-such-remedy']);
	t.is(unknownRemedy.code, 2);
	t.is(
		unknownRemedy.stderr,
		'error: finding "replicaset-history/checkout/Deployment/legacy-admin" offers no remedy "no-such-remedy" (it offers: set-revision-history-limit)\n',
	);
	const twice = await bin([...demo, '-o', 'json', '--apply', id, '--apply', id]);
	t.is(twice.code, 2);
	t.is(twice.stderr, 'error: --apply names exactly one remedy (finding-id:remedy-id); give it once\n');
});

test('--apply in the live view (no -o, stdout a terminal) is a usage error', async (t) => {
	// script(1) gives the tool a pseudo-terminal; -e passes its exit code through.
	const result = await run('script', ['-qec', `${process.execPath} bin/kubectl-assure.js --demo --apply a:b`, '/dev/null'], {
		KUBECTL_ASSURE_STATE_DIR: tempDir(),
		TERM: 'xterm',
	});
	t.is(result.code, 2, result.stdout);
	t.regex(
		result.stdout,
		/error: --apply works in report mode only \(-o json\|yaml\|markdown\); in the live view, open the finding \(Enter\) and press its remedy's key/,
	);
	t.notRegex(result.stdout, /\x1b\[\?1049h/, 'the screen was never taken');
});

test('negative numbers and durations reach their flag and are rejected in its words, exit 2', async (t) => {
	const cases: Array<[string[], string]> = [
		[['--qps', '-1'], 'error: invalid value "-1" for --qps: want a number between 0.1 and 1000\n'],
		[['--request-timeout', '-5s'], 'error: invalid value "-5s" for --request-timeout: must not be negative (0 means no timeout)\n'],
		[['--burst', '-2'], 'error: invalid value "-2" for --burst: want an integer between 1 and 1000\n'],
		[['--since', '-1h'], 'error: invalid value "-1h" for --since: must not be negative\n'],
	];
	for (const [args, stderr] of cases) {
		const result = await bin([...args, '-o', 'json']);
		t.is(result.code, 2, args.join(' '));
		t.is(result.stderr, stderr);
	}
});

test('an internal error (a bug) exits 5 with one line, not 1 ("findings"); ASSURE_DEBUG=1 adds the stack', async (t) => {
	// A stand-in bug, loaded before the tool: writing to stdout throws a TypeError inside the command.
	const module = join(tempDir(), 'bug.mjs');
	writeFileSync(module, "process.stdout.write = () => { throw new TypeError('stdout exploded'); };\n");
	const bug = `--import=${module}`;
	const plain = await bin(['--version'], {NODE_OPTIONS: bug, ASSURE_DEBUG: ''});
	t.is(plain.code, 5);
	t.is(plain.stderr, 'error: internal error: stdout exploded (set ASSURE_DEBUG=1 for details)\n');
	const debug = await bin(['--version'], {NODE_OPTIONS: bug, ASSURE_DEBUG: '1'});
	t.is(debug.code, 5);
	t.regex(debug.stderr, /^error: internal error: stdout exploded\nTypeError: stdout exploded\n\s+at /);
});
