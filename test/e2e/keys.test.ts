/**
 * Keys and pictures in a real terminal: tmux at 80×24 runs the binary against a simulator
 * process started by the test (its request log says what went out) or the embedded demo.
 * Three j sent in one write (`send-keys -l`) move the cursor three rows; in the detail view
 * ↑ ↓ PgUp PgDn scroll down to the remedies and send nothing (no access review, no dry
 * run) while `a` still starts the remedy; the flapping HPA's hour shows as alternating
 * cells with its scale and time axis, and its evidence in words; with LANG=C the same in
 * ASCII.
 */
import {spawn, type ChildProcess} from 'node:child_process';
import {existsSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import test, {type ExecutionContext} from 'ava';
import {eventually, sleep, tempDir} from '../helpers/sim.js';
import {thenShellBack, TmuxServer, type TmuxSession} from '../helpers/tmux.js';

/**
 * `kubectl-assure <args>` with `env` in a fresh 80×24 session, on a tmux server of its own
 * that ends with the test (the tests run one after another: a server being killed never
 * meets the next test's session); once the autoscaling findings are counted, on that pane.
 */
async function onAutoscalingPane(t: ExecutionContext, session: string, env: string, args: string): Promise<TmuxSession> {
	const tmux = new TmuxServer(`assure-keys-${process.pid}-${session}`);
	t.teardown(() => tmux.kill());
	const term = tmux.open(session, thenShellBack(`env KUBECTL_ASSURE_STATE_DIR=${tempDir()} ${env} node bin/kubectl-assure.js ${args} --qps 50 --burst 50`));
	await eventually(() => /3 autoscaling \d+!/.test(term.screen()), 60_000, 'autoscaling findings');
	term.keys('3');
	return term;
}

/** The line the cursor is on. */
function cursorLine(frame: string, glyph = '▶'): string {
	return frame.split('\n').find((line) => line.startsWith(glyph)) ?? '';
}

/** How often neighbouring cells of a series line change between its lowest and highest glyphs. */
function alternations(line: string, low: string, high: string): number {
	let n = 0;
	for (let i = 1; i < line.length; i++) if ((line[i] === low && line[i - 1] === high) || (line[i] === high && line[i - 1] === low)) n++;
	return n;
}

interface SimProcess {
	kubeconfig: string;
	requests: () => Array<{method: string; path: string; query: Record<string, string>; userAgent: string}>;
	stop: () => void;
}

/** `kubectl assure sim` as its own process, with a request log. */
async function startSim(): Promise<SimProcess> {
	const dir = tempDir();
	const kubeconfig = join(dir, 'kubeconfig');
	const log = join(dir, 'requests.jsonl');
	const child: ChildProcess = spawn(process.execPath, ['bin/kubectl-assure.js', 'sim', '--request-log', log, '--kubeconfig-out', kubeconfig], {
		stdio: 'ignore',
	});
	await eventually(() => existsSync(kubeconfig) && readFileSync(kubeconfig, 'utf8').includes('server:'), 30_000, "the simulator's kubeconfig");
	return {
		kubeconfig,
		requests: () =>
			readFileSync(log, 'utf8')
				.split('\n')
				.filter((line) => line !== '')
				.map((line) => JSON.parse(line)),
		stop: () => {
			child.kill('SIGTERM');
		},
	};
}

/** What the product sent that a remedy sends first: access reviews and dry runs (and any write). */
function remedyRequests(sim: SimProcess): number {
	return sim
		.requests()
		.filter(
			(r) =>
				r.userAgent.startsWith('kubectl-assure/') &&
				((r.method === 'POST' && r.path.includes('selfsubjectaccessreviews')) || r.method === 'PATCH' || r.query.dryRun !== undefined),
		).length;
}

test.serial('80x24: arrows in the detail view scroll to the remedies and send nothing; the flapping shows', async (t) => {
	const sim = await startSim();
	t.teardown(() => sim.stop());
	const term = await onAutoscalingPane(t, 'detail', 'LANG=en_US.UTF-8', `--kubeconfig ${sim.kubeconfig} -A`);
	await eventually(() => /checkout-web/.test(term.screen()), 20_000, 'the autoscaling pane');
	term.keys('/');
	term.keys('-l', 'checkout-web');
	term.keys('Enter');
	await eventually(() => cursorLine(term.screen()).includes('checkout-web'), 10_000, 'the cursor on checkout-web');
	term.keys('Enter');
	await eventually(() => /CRITICAL HPA checkout-web/.test(term.screen()), 10_000, 'the detail view');
	await eventually(() => /^reversals, last 60 min: +\d+/m.test(term.screen()), 10_000, 'the evidence');
	let frame = term.screen();
	t.true(
		frame.split('\n').every((line) => [...line].length <= 80),
		'nothing wider than 80 columns',
	);
	t.false(/reversals60m|churnPerHour|suggestedScaleDownWindowSeconds/.test(frame), 'no raw keys');
	const series = frame.split('\n').find((line) => /^[▁▂▃▄▅▆▇█]{20,}/.test(line)) ?? '';
	t.true(alternations(series, '▁', '█') >= 10, `the hour's reversals are visible cell by cell: ${series}`);
	t.regex(frame, /^-\d+m .* now *$/m, 'the time axis');
	t.regex(frame, /replicas, last 60 min.* min \d+ max \d+/, 'the scale');
	t.regex(frame, /↓ more below/);
	t.false(frame.includes('Remedies:'), 'the remedies are below the first screen');

	const before = remedyRequests(sim);
	for (const key of ['Down', 'NPage', 'Up', 'PPage', 'Down', 'NPage', 'NPage', 'NPage', 'NPage']) {
		term.keys(key);
		await sleep(150);
	}
	await eventually(() => term.screen().includes('Remedies:'), 10_000, 'scrolled to the remedies');
	frame = term.screen();
	t.regex(frame, /^ {2}a {2}Patch HPA checkout-web/m);
	t.regex(frame, /↑ more above/);
	t.false(frame.includes('Confirm'), 'no remedy dialog');
	// The request log is flushed on a timer: give it time to show anything that went out.
	await sleep(1500);
	t.is(remedyRequests(sim), before, 'no access review and no dry run went out');

	// The positive control: a does start the remedy.
	term.keys('a');
	await eventually(() => /Confirm: /.test(term.screen()), 20_000, 'the remedy dialog');
	await eventually(() => remedyRequests(sim) > before, 20_000, 'the access review and dry run of remedy a');
	term.keys('Escape');
	await sleep(300);
	term.keys('q');
	await eventually(() => term.screen().includes('SHELL-IS-BACK rc=0'), 15_000, 'the shell to come back');
});

test.serial('80x24: three j in one write move the cursor three rows', async (t) => {
	const term = await onAutoscalingPane(t, 'typeahead', 'LANG=en_US.UTF-8', '--demo');
	await eventually(() => /REV\/60M/.test(term.screen()), 20_000, 'the autoscaling pane');
	// Sorted by name (the second column; the first, the namespace, is not shown at 80 columns)
	// the rows keep their order: burst, cart, checkout-web, ingest-worker, storefront, system.
	const selected = /^▶\S*\s+(\S+)/.exec(cursorLine(term.screen()))?.[1] ?? '';
	term.keys('-l', 'ss');
	await eventually(
		() => /HPA \/ SCALEDOBJECT▲/.test(term.screen()) && /burst[^]*cart[^]*checkout-web[^]*ingest-worker/.test(term.screen()),
		10_000,
		`sorted by name; the screen was:\n${term.screen()}`,
	);
	t.true(selected !== '' && cursorLine(term.screen()).includes(selected), `the sort kept ${selected} under the cursor`);
	term.keys('g');
	await eventually(() => cursorLine(term.screen()).includes('burst'), 10_000, 'the first row');
	term.keys('-l', 'jjj');
	await eventually(() => cursorLine(term.screen()).includes('ingest-worker'), 10_000, `three rows down; the screen was:\n${term.screen()}`);
	term.keys('-l', 'kq');
	await eventually(() => term.screen().includes('SHELL-IS-BACK rc=0'), 15_000, 'k then q in one write: the app quits');
	t.pass();
});

test.serial('LANG=C: the flapping in ASCII cells, nothing but ASCII on screen', async (t) => {
	const term = await onAutoscalingPane(t, 'ascii', 'LANG=C LC_ALL=C NO_COLOR=1', '--demo');
	term.keys('-l', '/checkout-web');
	term.keys('Enter');
	await eventually(() => cursorLine(term.screen(), '>').includes('checkout-web'), 20_000, 'the cursor on checkout-web');
	term.keys('Enter');
	await eventually(() => /^reversals, last 60 min: +\d+/m.test(term.screen()), 20_000, 'the detail view');
	const frame = term.screen();
	t.regex(frame, /^[\x20-\x7e\n]*$/, 'only printable ASCII on screen');
	const series = frame.split('\n').find((line) => /^[_.\-:=+*#]{20,}/.test(line)) ?? '';
	t.true(alternations(series, '_', '#') >= 10, `alternating ASCII cells: ${series}`);
	t.regex(frame, /v more below/);
	term.keys('q');
	await eventually(() => term.screen().includes('SHELL-IS-BACK rc=0'), 15_000, 'exit');
});
