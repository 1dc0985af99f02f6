/**
 * End to end in a real terminal: tmux at 80×24 runs `kubectl-assure --demo`; we switch
 * panes, open help, move, open a detail view, quit — and the shell is restored (the
 * alternate screen is left, the cursor shown, the process gone). Also with LANG=C and
 * NO_COLOR: ASCII only.
 */
import {execFileSync} from 'node:child_process';
import test from 'ava';
import {eventually, sleep, tempDir} from '../helpers/sim.js';

/** One tmux server per test: a new session on a server still shutting down fails with "server exited unexpectedly". */
let socket = `assure-${process.pid}`;

function tmux(...args: string[]): string {
	if (args[0] === 'new-session') socket = `assure-${process.pid}-${args[args.indexOf('-s') + 1]}`;
	return execFileSync('tmux', ['-L', socket, ...args], {encoding: 'utf8'});
}

function screen(session: string): string {
	return tmux('capture-pane', '-t', session, '-p');
}

test.serial('80x24 in tmux: panes, help, detail, quit, and the shell comes back', async (t) => {
	const session = 'e2e';
	const state = tempDir();
	// CI=true: Ink draws nothing until exit when it believes it runs in CI; the product must
	// draw anyway when its stdout is a terminal.
	tmux(
		'new-session',
		'-d',
		'-s',
		session,
		'-x',
		'80',
		'-y',
		'24',
		`env CI=true KUBECTL_ASSURE_STATE_DIR=${state} LANG=en_US.UTF-8 node bin/kubectl-assure.js --demo --qps 50 --burst 50; echo "SHELL-IS-BACK rc=$?"; sleep 60`,
	);
	try {
		await eventually(() => screen(session).includes('kubectl assure'), 30_000, 'the first frame');
		await eventually(() => /1 etcd \d+/.test(screen(session)), 30_000, 'findings in the etcd tab');
		let frame = screen(session);
		const lines = frame.split('\n');
		t.true(
			lines.every((line) => [...line].length <= 80),
			'nothing wider than 80 columns',
		);
		t.regex(frame, /RESOURCE\s+COUNT/);
		t.regex(frame, /\? help/, 'the key hints are visible');
		t.regex(frame, /q quit/);
		tmux('send-keys', '-t', session, '3');
		await eventually(() => /REV\/60M/.test(screen(session)) && /checkout-web/.test(screen(session)), 30_000, 'the autoscaling pane with the flapping HPA');
		tmux('send-keys', '-t', session, '4');
		await eventually(() => /QOS/.test(screen(session)), 10_000, 'the QoS pane');
		tmux('send-keys', '-t', session, 'Tab');
		await eventually(() => /RESOURCE\s+COUNT/.test(screen(session)), 10_000, 'Tab wraps to the etcd pane');
		tmux('send-keys', '-t', session, '?');
		await eventually(() => /navigation|Navigation/.test(screen(session)), 10_000, 'the help overlay');
		tmux('send-keys', '-t', session, 'Escape');
		await sleep(500);
		tmux('send-keys', '-t', session, '3');
		await eventually(() => /REV\/60M/.test(screen(session)), 10_000, 'back in the autoscaling pane');
		tmux('send-keys', '-t', session, 'Enter');
		await eventually(() => /CRITICAL|WARNING|INFO/.test(screen(session)), 10_000, 'the detail view');
		frame = screen(session);
		t.regex(frame, /Esc back/);
		tmux('send-keys', '-t', session, 'Escape');
		await sleep(500);
		tmux('send-keys', '-t', session, 'q');
		await eventually(() => screen(session).includes('SHELL-IS-BACK rc=0'), 15_000, 'the shell to come back');
		frame = screen(session);
		t.false(frame.includes('RESOURCE'), 'the alternate screen was left: the UI is gone from the shell');
	} finally {
		try {
			tmux('kill-server');
		} catch {
			// Already gone.
		}
	}
});

test.serial('LANG=C and NO_COLOR: ASCII borders and no colour', async (t) => {
	const session = 'ascii';
	tmux(
		'new-session',
		'-d',
		'-s',
		session,
		'-x',
		'80',
		'-y',
		'24',
		`env KUBECTL_ASSURE_STATE_DIR=${tempDir()} LANG=C LC_ALL=C NO_COLOR=1 node bin/kubectl-assure.js --demo --qps 50 --burst 50; echo "SHELL-IS-BACK rc=$?"; sleep 60`,
	);
	try {
		await eventually(() => /1 etcd \d+/.test(screen(session)), 40_000, 'findings');
		tmux('send-keys', '-t', session, '3');
		await eventually(() => /REV\/60M/.test(screen(session)) && /3 autoscaling \d+!/.test(screen(session)), 20_000, 'the autoscaling pane with its findings');
		tmux('send-keys', '-t', session, 'r');
		await eventually(() => /Cancel/.test(screen(session)), 15_000, 'the remedy dialog');
		const frame = screen(session);
		t.regex(frame, /^[\x20-\x7e\n]*$/, 'only printable ASCII on screen');
		const escapes = tmux('capture-pane', '-t', session, '-p', '-e');
		t.false(/\x1b\[3[0-7]m|\x1b\[38;/.test(escapes), 'no colour escape sequences');
		tmux('send-keys', '-t', session, 'Escape');
		await sleep(300);
		tmux('send-keys', '-t', session, 'q');
		await eventually(() => screen(session).includes('SHELL-IS-BACK rc=0'), 15_000, 'exit');
	} finally {
		try {
			tmux('kill-server');
		} catch {
			// Already gone.
		}
	}
});

test.serial('the process exits when its terminal goes away', async (t) => {
	const session = 'hup';
	tmux('new-session', '-d', '-s', session, '-x', '80', '-y', '24', `exec node bin/kubectl-assure.js --demo --qps 50 --burst 50`);
	try {
		await eventually(() => screen(session).includes('kubectl assure'), 30_000, 'the first frame');
		const pid = tmux('list-panes', '-t', session, '-F', '#{pane_pid}').trim();
		tmux('kill-session', '-t', session);
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
		try {
			tmux('kill-server');
		} catch {
			// Already gone.
		}
	}
});
