/**
 * Report mode, as scripts and CI use it: the binary against the embedded simulator and
 * against a cluster that is not there, in the three formats, with the documented exit
 * codes (0, 1 with --fail-on, 2 usage/configuration, 3 unreachable/unauthorized) and one
 * line on stderr for every error.
 */
import {spawn} from 'node:child_process';
import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import test from 'ava';
import {parse as parseYaml} from 'yaml';
import {tempDir, withSim, writeKubeconfig} from '../helpers/sim.js';
import {type CliRun, runCli} from '../helpers/cli.js';

type Run = CliRun;

function bin(args: string[], env: Record<string, string> = {}): Promise<Run> {
	return runCli(args, {env});
}

test('-o json on the demo cluster: the document, every pane, the planted findings', async (t) => {
	const run = await bin(['--demo', '-o', 'json', '--qps', '100', '--burst', '100']);
	t.is(run.code, 0, run.stderr);
	const report = JSON.parse(run.stdout);
	t.is(report.context, 'assure-sim');
	t.regex(report.server.version, /^v1\.32\./);
	t.deepEqual(Object.keys(report.panes), ['etcd', 'watchers', 'autoscaling', 'qos']);
	t.true(Date.parse(report.generatedAt) > 0);
	const types = new Set(report.findings.map((f: {type: string}) => f.type));
	for (const type of [
		'job-without-ttl',
		'finished-pods',
		'released-volume',
		'replicaset-history',
		'hpa-flapping',
		'hpa-fight',
		'not-guaranteed',
		'oversized-kind',
	])
		t.true(types.has(type), `a ${type} finding`);
	t.is(report.summary.critical + report.summary.warning + report.summary.info, report.findings.length);
	t.true(report.panes.etcd.rows.length > 10);
	t.is(report.panes.etcd.rows[0].id, 'ml.example.com/datasets', 'heaviest by bytes first: the oversized custom kind');
	t.true(report.panes.etcd.rows.some((r: {id: string}) => r.id === '/pods'));
	t.false(run.stdout.includes('s3cr3t-do-not-show'), 'Secret data never appears');
});

test('-o yaml and -o markdown carry the same findings; --fail-on sets the exit code', async (t) => {
	const yaml = await bin(['--demo', '-o', 'yaml', '--qps', '100', '--burst', '100', '--fail-on', 'critical']);
	t.is(yaml.code, 1, 'critical findings exist: exit 1');
	const report = parseYaml(yaml.stdout);
	t.true(report.findings.some((f: {severity: string}) => f.severity === 'critical'));
	const markdown = await bin(['--demo', 'clean', '-o', 'markdown', '--qps', '100', '--burst', '100', '--fail-on', 'warning']);
	t.is(
		markdown.code,
		0,
		`the clean cluster has nothing at warning or above: ${markdown.stdout
			.split('\n')
			.filter((l) => l.startsWith('| warning') || l.startsWith('| CRITICAL'))
			.join(' / ')}`,
	);
	t.regex(markdown.stdout, /^# kubectl assure: assure-sim$/m);
	t.regex(markdown.stdout, /^\*\*0 critical, 0 warning, \d+ info\.\*\*$/m);
	t.regex(markdown.stdout, /^## etcd/m);
});

test('a report exits as soon as it is printed, though --request-timeout is ten minutes away', async (t) => {
	// The sync deadline's timer used to outlive the sync and hold the process until it fired;
	// bin() kills a run after two minutes, so a lingering process fails this test.
	const run = await bin(['--demo', 'clean', '-o', 'json', '--qps', '100', '--burst', '100', '--request-timeout', '10m']);
	t.is(run.code, 0, run.stderr);
	t.is(JSON.parse(run.stdout).context, 'assure-sim');
});

test('clean: no pane reports anything', async (t) => {
	const run = await bin(['--demo', 'clean', '-o', 'json', '--qps', '100', '--burst', '100']);
	t.is(run.code, 0, run.stderr);
	const report = JSON.parse(run.stdout);
	t.deepEqual(
		report.findings.map((f: {id: string}) => f.id),
		[],
	);
});

test('unreachable cluster: exit 3 and one line', async (t) => {
	await withSim({scenario: 'empty'}, async (sim) => {
		const kubeconfig = writeKubeconfig(sim, {server: 'http://127.0.0.1:9'});
		const run = await bin(['--kubeconfig', kubeconfig, '-o', 'json', '--request-timeout', '3s']);
		t.is(run.code, 3);
		t.is(run.stdout, '');
		t.regex(run.stderr, /^error: cannot reach the API server: connection refused by http:\/\/127\.0\.0\.1:9/);
		t.is(run.stderr.trim().split('\n').length, 1);
	});
});

test('refused credentials: exit 3 and one line; bad kubeconfig or context: exit 2', async (t) => {
	await withSim({scenario: 'empty', https: true}, async (sim) => {
		const kubeconfig = writeKubeconfig(sim, {token: 'nobody-knows-this'});
		const run = await bin(['--kubeconfig', kubeconfig, '-o', 'json']);
		t.is(run.code, 3);
		t.regex(run.stderr, /^error: the API server at https:\/\/127\.0\.0\.1:\d+ refused our credentials \(401 Unauthorized\)/);
		const context = await bin(['--kubeconfig', writeKubeconfig(sim), '--context', 'prod', '-o', 'json']);
		t.is(context.code, 2);
		t.regex(context.stderr, /^error: context "prod" not found in .*; available contexts: assure-sim\n$/);
	});
	const broken = join(tempDir(), 'kubeconfig');
	writeFileSync(broken, 'apiVersion: v1\nclusters: {not: a list}\n');
	const run = await bin(['--kubeconfig', broken, '-o', 'json']);
	t.is(run.code, 2);
	t.regex(run.stderr, /^error: invalid kubeconfig .*: "clusters" must be a list\n$/);
});

test('--read-only: the report has findings and no remedy was offered to apply', async (t) => {
	const run = await bin(['--demo', '-o', 'json', '--read-only', '--qps', '100', '--burst', '100', '--yes', '--apply', 'x:y']);
	t.is(run.code, 2);
	t.regex(run.stderr, /^error: --yes cannot apply anything with --read-only\n$/);
});

test('--yes --apply applies exactly the named remedy, after its dry run', async (t) => {
	const run = await bin([
		'--demo',
		'-o',
		'json',
		'--qps',
		'100',
		'--burst',
		'100',
		'--yes',
		'--apply',
		'replicaset-history/checkout/Deployment/legacy-admin:set-revision-history-limit',
	]);
	t.is(run.code, 0, run.stderr);
	t.regex(run.stderr, /\+ spec\.revisionHistoryLimit: 3/);
	t.regex(run.stderr, /Set revisionHistoryLimit: 3 on Deployment checkout\/legacy-admin: applied \(1 applied, 0 skipped, 0 failed\)/);
	const unknown = await bin(['--demo', '-o', 'json', '--qps', '100', '--burst', '100', '--yes', '--apply', 'no-such-finding:none']);
	t.is(unknown.code, 2);
	t.regex(unknown.stderr, /^error: no finding "no-such-finding" now/);
});

test('a reader that stops early (| head) ends the report quietly: no EPIPE, no stack trace', async (t) => {
	const child = spawn(process.execPath, ['bin/kubectl-assure.js', '--demo', '-o', 'json', '--qps', '100', '--burst', '100'], {
		env: {...process.env, KUBECTL_ASSURE_STATE_DIR: tempDir()},
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	let stderr = '';
	child.stderr.on('data', (chunk: Buffer) => {
		stderr += chunk.toString();
	});
	// The reader is gone before the report is written (as when head has read what it wanted).
	child.stdout.destroy();
	const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
	t.is(code, 0, stderr);
	t.notRegex(stderr, /EPIPE|at .*\.js:\d+/);
});

test('-o markdown gives evidence in words with units; -o json keeps the raw keys', async (t) => {
	const markdown = await bin(['--demo', '-o', 'markdown', '--qps', '100', '--burst', '100']);
	t.is(markdown.code, 0, markdown.stderr);
	t.regex(markdown.stdout, /^- reversals, last 60 min: \d+$/m, "the flapping HPA's reversals in words");
	t.false(/^- reversals60m:/m.test(markdown.stdout), 'no raw evidence key in the ticket');
	const json = await bin(['--demo', '-o', 'json', '--qps', '100', '--burst', '100']);
	const report = JSON.parse(json.stdout);
	t.true(
		report.findings.some((f: {evidence: Record<string, unknown>}) => 'reversals60m' in f.evidence),
		'the raw key stays in JSON',
	);
});
