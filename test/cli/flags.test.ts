/**
 * The command line: kubectl-style flags parsed and validated, one clear line and exit 2
 * for anything wrong, help that reads like a kubectl plugin's.
 */
import {execFile} from 'node:child_process';
import test from 'ava';
import {UsageError} from '../../source/errors.js';
import {checkRunMode, parseCli, type RunOptions} from '../../source/cli/flags.js';

function run(argv: string[]): RunOptions {
	const command = parseCli(argv);
	if (command.command !== 'run') throw new Error(`expected run, got ${command.command}`);
	return command;
}

test('kubectl global flags pass through in both spellings', (t) => {
	const options = run(['--context', 'prod', '--kubeconfig=/tmp/kc', '-n', 'web', '--request-timeout', '5s']);
	t.like(options, {context: 'prod', kubeconfig: '/tmp/kc', namespace: 'web', requestTimeoutMs: 5000, allNamespaces: false, readOnly: false});
	t.true(run(['-A']).allNamespaces);
	t.is(run(['--namespace=kube-system']).namespace, 'kube-system');
	t.is(run(['--request-timeout', '30']).requestTimeoutMs, 30_000, 'a bare number is seconds, as in kubectl');
	t.is(run([]).requestTimeoutMs, 0);
});

test('output, audit log, windows, demo', (t) => {
	t.is(run(['-o', 'json']).output, 'json');
	t.is(run(['--output=markdown']).output, 'markdown');
	t.is(run(['-o', 'md']).output, 'markdown');
	t.is(run(['--audit-log', '-']).auditLog, '-');
	t.is(run(['--since', '1h']).sinceMs, 3_600_000);
	t.is(run(['--observe', '90s']).observeMs, 90_000);
	t.is(run(['--demo']).demo, 'incident');
	t.is(run(['--demo', 'clean']).demo, 'clean');
	t.is(run(['--demo', '-o', 'json']).demo, 'incident');
	t.is(run([]).demo, undefined);
	t.true(run(['--read-only']).readOnly);
	t.is(run(['--fail-on', 'critical']).failOn, 'critical');
	t.deepEqual(run(['--yes', '--apply', 'job-without-ttl-abc:set-ttl']).apply, ['job-without-ttl-abc:set-ttl']);
});

const bad: Array<[string[], RegExp]> = [
	[['--bogus'], /^unknown flag: --bogus$/],
	[['-x'], /^unknown flag: -x$/],
	[['-o', 'xml'], /^invalid value "xml" for --output: use json, yaml or markdown$/],
	[['--request-timeout', '5x'], /^invalid value for --request-timeout: /],
	[['--since', 'soon'], /^invalid value for --since: /],
	[['-n', 'Bad_Namespace'], /^invalid value "Bad_Namespace" for --namespace/],
	[['--context'], /^flag needs an argument: --context$/],
	[['--demo', 'nope'], /^invalid value "nope" for --demo: known scenarios are/],
	[['--fail-on', 'high'], /^invalid value "high" for --fail-on/],
	[['--yes'], /^--yes applies exactly one remedy/],
	[['--apply', 'nocolon'], /^invalid value "nocolon" for --apply/],
	[['get', 'pods'], /^unexpected argument "get"/],
	[['--qps', '0'], /^invalid value "0" for --qps/],
	[['sim', '--port', '70000'], /^invalid value "70000" for --port/],
	[['sim', '--scenario', 'huge'], /^invalid value "huge" for --scenario/],
	[['sim', '--size=-4'], /^invalid value "-4" for --size/],
	[['sim', '--size', '-4'], /^invalid value "-4" for --size: want an integer between 1 and 200000$/],
];

for (const [argv, message] of bad) {
	test(`rejected: ${argv.join(' ')}`, (t) => {
		const error = t.throws(() => parseCli(argv), {instanceOf: UsageError});
		t.regex(error!.message, message);
		t.false(error!.message.includes('\n'));
	});
}

test('sim flags', (t) => {
	const command = parseCli([
		'sim',
		'--scenario',
		'large',
		'--size',
		'150000',
		'--https',
		'--port',
		'8443',
		'--request-log',
		'/tmp/r',
		'--kubeconfig-out',
		'/tmp/k',
		'--time-scale',
		'10',
	]);
	t.like(command, {command: 'sim', scenario: 'large', size: 150_000, https: true, port: 8443, requestLog: '/tmp/r', kubeconfigOut: '/tmp/k', timeScale: 10});
});

test('help and version', (t) => {
	const help = parseCli(['--help']);
	t.is(help.command, 'help');
	if (help.command === 'help') {
		t.regex(help.text, /^Examples:$/m);
		t.regex(help.text, /^Options:$/m);
		t.regex(help.text, /^Usage:\n {2}kubectl assure \[options\]$/m);
		t.regex(help.text, /--context='':/);
		t.regex(help.text, /-A, --all-namespaces=false:/);
	}
	t.is(parseCli(['-h']).command, 'help');
	t.is(parseCli(['sim', '--help']).command, 'help');
	const version = parseCli(['--version']);
	t.is(version.command, 'version');
});

function bin(args: string[]): Promise<{code: number; stdout: string; stderr: string}> {
	return new Promise((resolve) => {
		execFile(process.execPath, ['bin/kubectl-assure.js', ...args], {timeout: 20_000}, (error, stdout, stderr) => {
			resolve({code: error ? Number((error as {code?: number}).code ?? 1) : 0, stdout, stderr});
		});
	});
}

test('the binary: one line on stderr and exit 2 for a bad flag; --version; --help', async (t) => {
	const bad = await bin(['--bogus']);
	t.is(bad.code, 2);
	t.is(bad.stderr, 'error: unknown flag: --bogus\n');
	t.is(bad.stdout, '');
	const version = await bin(['--version']);
	t.is(version.code, 0);
	t.regex(version.stdout, /^kubectl-assure \d+\.\d+\.\d+\n$/);
	const help = await bin(['--help']);
	t.is(help.code, 0);
	t.regex(help.stdout, /kubectl assure --demo/);
});

test('every number and duration flag takes a negative value as its value and rejects it in its own words', (t) => {
	const cases: Array<[string[], string]> = [
		[['--qps', '-1'], 'invalid value "-1" for --qps: want a number between 0.1 and 1000'],
		[['--qps', '-.5'], 'invalid value "-.5" for --qps: want a number between 0.1 and 1000'],
		[['--burst', '-3'], 'invalid value "-3" for --burst: want an integer between 1 and 1000'],
		[['--request-timeout', '-5s'], 'invalid value "-5s" for --request-timeout: must not be negative (0 means no timeout)'],
		[['--request-timeout', '-5'], 'invalid value "-5" for --request-timeout: must not be negative (0 means no timeout)'],
		[['--request-timeout=-1m30s'], 'invalid value "-1m30s" for --request-timeout: must not be negative (0 means no timeout)'],
		[['--since', '-1h'], 'invalid value "-1h" for --since: must not be negative'],
		[['--observe', '-90s'], 'invalid value "-90s" for --observe: must not be negative'],
		[['sim', '--size', '-4'], 'invalid value "-4" for --size: want an integer between 1 and 200000'],
		[['sim', '--hpas', '-1'], 'invalid value "-1" for --hpas: want an integer between 0 and 50000'],
		[['sim', '--port', '-80'], 'invalid value "-80" for --port: want an integer between 0 and 65535'],
		[['sim', '--time-scale', '-2'], 'invalid value "-2" for --time-scale: want a number between 0.01 and 1000'],
		[['sim', '--minor', '-30'], 'invalid value "-30" for --minor: want an integer between 20 and 40'],
	];
	for (const [argv, message] of cases) {
		const error = t.throws(() => parseCli(argv), {instanceOf: UsageError}, argv.join(' '));
		t.is(error?.message, message);
	}
	// A negative seed is a seed; a flag that takes a name still refuses a missing value.
	const sim = parseCli(['sim', '--seed', '-7']);
	t.is(sim.command === 'sim' ? sim.seed : undefined, -7);
	t.throws(() => parseCli(['--context', '-1']), {instanceOf: UsageError, message: 'flag needs an argument: --context'});
	t.throws(() => parseCli(['--qps', '-o', 'json']), {instanceOf: UsageError, message: 'flag needs an argument: --qps'});
});

test("--panes: known names, in the panes' order, without duplicates; a bad value is one line", (t) => {
	t.is(run([]).panes, undefined);
	t.deepEqual(run(['--panes', 'qos,etcd']).panes, ['etcd', 'qos']);
	t.deepEqual(run(['--panes=QoS, autoscaling,qos']).panes, ['autoscaling', 'qos']);
	t.throws(() => parseCli(['--panes', 'etcd,pods']), {
		instanceOf: UsageError,
		message: 'invalid value "etcd,pods" for --panes: unknown pane "pods"; use one or more of etcd, watchers, autoscaling, qos, separated by commas',
	});
	t.throws(() => parseCli(['--panes', 'etcd,']), {instanceOf: UsageError, message: /an empty name/});
	t.throws(() => parseCli(['--panes']), {instanceOf: UsageError, message: 'flag needs an argument: --panes'});
});

test('--apply and --yes belong to report mode: a usage error in the live view', (t) => {
	const apply = run(['--apply', 'a:b']);
	t.throws(() => checkRunMode(apply, {stdoutIsTerminal: true}), {instanceOf: UsageError, message: /^--apply works in report mode only/});
	t.notThrows(() => checkRunMode(apply, {stdoutIsTerminal: false}), 'stdout not a terminal is report mode');
	t.notThrows(() => checkRunMode(run(['--apply', 'a:b', '-o', 'json']), {stdoutIsTerminal: true}));
	t.notThrows(() => checkRunMode(run([]), {stdoutIsTerminal: true}));
	t.throws(() => parseCli(['--apply', 'a:b', '--apply', 'c:d']), {
		instanceOf: UsageError,
		message: '--apply names exactly one remedy (finding-id:remedy-id); give it once',
	});
});

test('--help lists the exit codes, 4 and 5 included', (t) => {
	const help = parseCli(['--help']);
	if (help.command !== 'help') return t.fail();
	const codes = help.text.slice(help.text.indexOf('Exit codes:'), help.text.indexOf('Usage:'));
	for (const line of [
		/^ {2}0 done: no finding at or above --fail-on, and every pane asked for has data$/m,
		/^ {2}1 findings at or above --fail-on/m,
		/^ {2}2 usage or configuration error/m,
		/^ {2}3 cluster unreachable or unauthorized$/m,
		/^ {2}4 report mode: a pane asked for has no data/m,
		/^ {2}5 internal error/m,
	])
		t.regex(codes, line);
	t.regex(help.text, /--panes='':/);
});
