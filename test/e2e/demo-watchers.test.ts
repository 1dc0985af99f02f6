/**
 * The demo shows all four panes: `--demo` writes its simulator's audit log (the scenario's
 * simulated clients and every request the simulator serves) to a private temporary file
 * (0600 in a 0700 directory, removed at exit) and feeds it to the watchers pane — in
 * report mode (`--demo -o json`) and in the TUI at 80×24 in tmux, where our own requests
 * show up too. A user's own --audit-log wins over it.
 */
import {execFile} from 'node:child_process';
import {readdirSync, statSync} from 'node:fs';
import {join} from 'node:path';
import test from 'ava';
import {fixtureDir} from '../helpers/fixtures.js';
import {eventually, tempDir} from '../helpers/sim.js';
import {thenShellBack, TmuxServer} from '../helpers/tmux.js';

interface Run {
	code: number;
	stdout: string;
	stderr: string;
}

/** Runs the product with its own TMPDIR, so what the demo leaves there (nothing) can be seen. */
function bin(args: string[], tmp: string): Promise<Run> {
	return new Promise((resolve) => {
		execFile(
			process.execPath,
			['bin/kubectl-assure.js', ...args],
			{timeout: 120_000, maxBuffer: 64 << 20, env: {...process.env, TMPDIR: tmp, KUBECTL_ASSURE_STATE_DIR: tempDir()}},
			(error, stdout, stderr) => {
				resolve({code: error ? Number((error as {code?: number}).code ?? 1) : 0, stdout, stderr});
			},
		);
	});
}

test("--demo -o json: the watchers pane reads the simulator's audit log, and the log is gone afterwards", async (t) => {
	const tmp = tempDir();
	const run = await bin(['--demo', '-o', 'json', '--qps', '100', '--burst', '100'], tmp);
	t.is(run.code, 0, run.stderr);
	const report = JSON.parse(run.stdout);
	const watchers = report.panes.watchers;
	t.is(watchers.title, 'API clients (audit log)');
	t.false(watchers.header.some((line: string) => /no per-client data/.test(line)));
	t.is(report.audit.source, 'simulator (demo)');
	t.true(report.audit.events > 1000, `${report.audit.events} events`);
	const clients = watchers.rows.map((row: {cells: {client: string}}) => row.cells.client);
	for (const client of ['acme-inventory', 'cilium-agent', 'kubelet', 'kube-controller-manager'])
		t.true(clients.includes(client), `${client} in ${clients.join(', ')}`);
	const heavy = report.findings.filter((f: {pane: string; type: string}) => f.pane === 'watchers' && f.type === 'heavy-client');
	t.true(
		heavy.some((f: {id: string; severity: string}) => /acme-inventory/.test(f.id) && f.severity === 'critical'),
		JSON.stringify(heavy.map((f: {id: string}) => f.id)),
	);
	t.deepEqual(readdirSync(tmp), [], "the demo's directory (kubeconfig, audit log) was removed at exit");
});

test('--demo clean: its simulated clients behave, so the watchers pane has rows and no finding', async (t) => {
	const tmp = tempDir();
	const run = await bin(['--demo', 'clean', '-o', 'json', '--qps', '100', '--burst', '100'], tmp);
	t.is(run.code, 0, run.stderr);
	const report = JSON.parse(run.stdout);
	t.is(report.panes.watchers.title, 'API clients (audit log)');
	t.true(report.panes.watchers.rows.length > 3);
	t.deepEqual(
		report.findings.filter((f: {pane: string}) => f.pane === 'watchers'),
		[],
	);
	t.deepEqual(readdirSync(tmp), []);
});

test("--demo with --audit-log: the user's log is read, the demo writes none", async (t) => {
	const tmp = tempDir();
	const log = join(fixtureDir('audit'), 'synthetic-native-heavy-watchers.jsonl');
	const run = await bin(['--demo', '--audit-log', log, '-o', 'json', '--qps', '100', '--burst', '100'], tmp);
	t.is(run.code, 0, run.stderr);
	t.is(JSON.parse(run.stdout).audit.source, log);
	t.deepEqual(readdirSync(tmp), []);
});

test.serial('--demo in tmux at 80x24: the watchers pane lists clients, ours among them; the log is private and removed at quit', async (t) => {
	const tmux = new TmuxServer(`assure-demo-${process.pid}`);
	const tmp = tempDir();
	const term = tmux.open(
		'demo',
		thenShellBack(`env TMPDIR=${tmp} KUBECTL_ASSURE_STATE_DIR=${tempDir()} LANG=en_US.UTF-8 node bin/kubectl-assure.js --demo --qps 50 --burst 50`),
	);
	try {
		await eventually(() => /audit simulator \(demo\)/.test(term.screen()), 30_000, "the header naming the demo's audit log");
		// While it runs: a private directory with a private log.
		const [dir] = readdirSync(tmp);
		t.regex(dir ?? '', /^assure-demo-/);
		t.is(statSync(join(tmp, dir!)).mode & 0o777, 0o700);
		t.is(statSync(join(tmp, dir!, 'audit.log')).mode & 0o777, 0o600);
		term.keys('2');
		await eventually(() => /CLIENT/.test(term.screen()) && /acme-inventory/.test(term.screen()), 30_000, 'the watchers pane with clients');
		t.false(/no per-client data/.test(term.screen()));
		// Our own requests reach the log and the pane, as any client's do.
		await eventually(() => /kubectl-assure/.test(term.screen()), 30_000, 'kubectl-assure itself among the clients');
		const frame = term.screen();
		t.true(
			frame.split('\n').every((line) => [...line].length <= 80),
			'nothing wider than 80 columns',
		);
		term.keys('q');
		await eventually(() => term.screen().includes('SHELL-IS-BACK rc=0'), 15_000, 'the shell to come back');
		t.deepEqual(readdirSync(tmp), [], "the demo's directory was removed");
	} finally {
		tmux.kill();
	}
});
