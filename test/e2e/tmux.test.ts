/**
 * End to end in a real terminal: tmux at 80×24 runs `kubectl-assure --demo`; we switch
 * panes, open help, move, open a detail view, quit — and the shell is restored (the
 * alternate screen is left, the cursor shown, the process gone). Also with LANG=C and
 * NO_COLOR: ASCII only.
 */
import test from 'ava';
import {eventually, sleep, tempDir} from '../helpers/sim.js';
import {thenShellBack, TmuxServer} from '../helpers/tmux.js';

/** One tmux server per test: a new session on a server still shutting down fails with "server exited unexpectedly". */
const server = (session: string) => new TmuxServer(`assure-${process.pid}-${session}`);

test.serial('80x24 in tmux: panes, help, detail, quit, and the shell comes back', async (t) => {
	const session = 'e2e';
	const tmux = server(session);
	const state = tempDir();
	// CI=true: Ink draws nothing until exit when it believes it runs in CI; the product must
	// draw anyway when its stdout is a terminal.
	const term = tmux.open(
		session,
		thenShellBack(`env CI=true KUBECTL_ASSURE_STATE_DIR=${state} LANG=en_US.UTF-8 node bin/kubectl-assure.js --demo --qps 50 --burst 50`),
	);
	try {
		await eventually(() => term.screen().includes('kubectl assure'), 30_000, 'the first frame');
		await eventually(() => /1 etcd \d+/.test(term.screen()), 30_000, 'findings in the etcd tab');
		let frame = term.screen();
		const lines = frame.split('\n');
		t.true(
			lines.every((line) => [...line].length <= 80),
			'nothing wider than 80 columns',
		);
		t.regex(frame, /RESOURCE\s+COUNT/);
		t.regex(frame, /\? help/, 'the key hints are visible');
		t.regex(frame, /q quit/);
		term.keys('3');
		await eventually(() => /REV\/60M/.test(term.screen()) && /checkout-web/.test(term.screen()), 30_000, 'the autoscaling pane with the flapping HPA');
		term.keys('4');
		await eventually(() => /QOS/.test(term.screen()), 10_000, 'the QoS pane');
		term.keys('Tab');
		await eventually(() => /RESOURCE\s+COUNT/.test(term.screen()), 10_000, 'Tab wraps to the etcd pane');
		term.keys('?');
		await eventually(() => /navigation|Navigation/.test(term.screen()), 10_000, 'the help overlay');
		term.keys('Escape');
		await sleep(500);
		term.keys('3');
		await eventually(() => /REV\/60M/.test(term.screen()), 10_000, 'back in the autoscaling pane');
		term.keys('Enter');
		await eventually(() => /CRITICAL|WARNING|INFO/.test(term.screen()), 10_000, 'the detail view');
		frame = term.screen();
		t.regex(frame, /Esc back/);
		term.keys('Escape');
		await sleep(500);
		term.keys('q');
		await eventually(() => term.screen().includes('SHELL-IS-BACK rc=0'), 15_000, 'the shell to come back');
		frame = term.screen();
		t.false(frame.includes('RESOURCE'), 'the alternate screen was left: the UI is gone from the shell');
	} finally {
		tmux.kill();
	}
});

test.serial('LANG=C and NO_COLOR: ASCII borders and no colour', async (t) => {
	const session = 'ascii';
	const tmux = server(session);
	const term = tmux.open(
		session,
		thenShellBack(`env KUBECTL_ASSURE_STATE_DIR=${tempDir()} LANG=C LC_ALL=C NO_COLOR=1 node bin/kubectl-assure.js --demo --qps 50 --burst 50`),
	);
	try {
		await eventually(() => /1 etcd \d+/.test(term.screen()), 40_000, 'findings');
		term.keys('3');
		await eventually(() => /REV\/60M/.test(term.screen()) && /3 autoscaling \d+!/.test(term.screen()), 20_000, 'the autoscaling pane with its findings');
		term.keys('r');
		await eventually(() => /Cancel/.test(term.screen()), 15_000, 'the remedy dialog');
		const frame = term.screen();
		t.regex(frame, /^[\x20-\x7e\n]*$/, 'only printable ASCII on screen');
		const escapes = term.screen('-e');
		t.false(/\x1b\[3[0-7]m|\x1b\[38;/.test(escapes), 'no colour escape sequences');
		term.keys('Escape');
		await sleep(300);
		term.keys('q');
		await eventually(() => term.screen().includes('SHELL-IS-BACK rc=0'), 15_000, 'exit');
	} finally {
		tmux.kill();
	}
});

test.serial('the process exits when its terminal goes away', async (t) => {
	const session = 'hup';
	const tmux = server(session);
	const term = tmux.open(session, `exec node bin/kubectl-assure.js --demo --qps 50 --burst 50`);
	try {
		await eventually(() => term.screen().includes('kubectl assure'), 30_000, 'the first frame');
		const pid = tmux.run('list-panes', '-t', session, '-F', '#{pane_pid}').trim();
		tmux.run('kill-session', '-t', session);
		await eventually(
			() => {
				try {
					process.kill(Number(pid), 0);
					return false;
				} catch {
					return true;
				}
			},
			10_000,
			'the process to exit after SIGHUP',
		);
		t.pass();
	} finally {
		tmux.kill();
	}
});
