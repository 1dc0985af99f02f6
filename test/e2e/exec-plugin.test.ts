/**
 * Exec credential plugins in a real terminal (tmux) and in report mode, against the HTTPS
 * simulator: a plugin that never finishes leaves the TUI drawn and answering (the header
 * counts the wait, `q` quits and ends the plugin and what it started); one that fails
 * closes the TUI with its one line and exit 3; an interactive device-code login gets the
 * terminal before the UI takes the screen; report mode ends a plugin at an explicit
 * --request-timeout with one line, and refuses `Always` without a terminal.
 */
import {execFile} from 'node:child_process';
import {readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import test from 'ava';
import {parse as parseYaml, stringify} from 'yaml';
import type {Simulator} from '../../source/sim/simulator.js';
import {eventually, sleep, tempDir, withSim, processAlive} from '../helpers/sim.js';
import {thenShellBack, TmuxServer, type TmuxSession} from '../helpers/tmux.js';

const fixture = (name: string) => join(process.cwd(), 'test', 'fixtures', name);
const TOKEN = 'plugin-token';
const simOptions = {scenario: 'empty' as const, https: true, controllers: false, tokens: {[TOKEN]: {name: 'plugin-user', groups: ['system:masters']}}};

function kubeconfigWith(sim: Simulator, plugin: string, env: Record<string, string>, interactiveMode = 'Never'): string {
	const config = parseYaml(sim.kubeconfig({exec: {command: plugin, env: Object.entries(env).map(([name, value]) => ({name, value}))}}));
	config.users[0].user.exec.interactiveMode = interactiveMode;
	const path = join(tempDir(), 'kubeconfig');
	writeFileSync(path, stringify(config), {mode: 0o600});
	return path;
}

function pidsIn(file: string): number[] {
	try {
		return readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number);
	} catch {
		return [];
	}
}

/** `command` in a 100×24 session on a tmux server of its own (a server being killed cannot take the next test's session with it). */
function terminal(session: string, command: string): TmuxSession {
	return new TmuxServer(`assure-exec-${process.pid}-${session}`).open(session, thenShellBack(command), 100);
}
/** The screen's text, wrapped lines joined. */
const screen = (term: TmuxSession) => term.screen('-J');

function product(args: string[], stdin: 'ignore' | 'pipe' = 'ignore'): Promise<{code: number; stdout: string; stderr: string}> {
	const home = tempDir();
	return new Promise((resolve) => {
		const child = execFile(
			process.execPath,
			['bin/kubectl-assure.js', ...args],
			{timeout: 60_000, env: {PATH: process.env.PATH ?? '', HOME: home, KUBECTL_ASSURE_STATE_DIR: home}},
			(error, stdout, stderr) => {
				resolve({code: error ? Number((error as {code?: number}).code ?? 1) : 0, stdout, stderr});
			},
		);
		if (stdin === 'ignore') child.stdin?.end();
	});
}

test.serial('TUI: a plugin that never finishes: the header counts the wait, q quits at once, and the plugin and its child are gone', async (t) => {
	const pids = join(tempDir(), 'pids');
	await withSim(simOptions, async (sim) => {
		const kc = kubeconfigWith(sim, fixture('exec-plugin-hang.sh'), {ASSURE_TEST_PIDS: pids});
		const term = terminal('hang', `env KUBECTL_ASSURE_STATE_DIR=${tempDir()} LANG=en_US.UTF-8 node bin/kubectl-assure.js --kubeconfig ${kc}`);
		try {
			const first = (await eventually(
				() => /waiting for credential plugin exec-plugin-hang\.sh, (\d+)s/.exec(screen(term)),
				30_000,
				'the header saying what it waits for',
			))!;
			t.regex(screen(term), /kubectl assure/);
			await eventually(() => pidsIn(pids).length === 2, 10_000, "the plugin's pids");
			const later = await eventually(
				() => {
					const match = /waiting for credential plugin exec-plugin-hang\.sh, (\d+)s/.exec(screen(term));
					return match && Number(match[1]) > Number(first[1]) ? match : undefined;
				},
				10_000,
				'the count to go up',
			);
			t.true(Number(later![1]) > Number(first[1]));
			t.true(pidsIn(pids).every(processAlive), 'the plugin and its child run while we wait');
			term.keys('q');
			await eventually(() => screen(term).includes('SHELL-IS-BACK rc=0'), 10_000, 'q to quit');
			t.false(screen(term).includes('waiting for credential plugin'), 'the alternate screen was left');
			await eventually(() => pidsIn(pids).every((pid) => !processAlive(pid)), 5000, 'the plugin and its child to be gone');
		} finally {
			term.server.kill();
			for (const pid of pidsIn(pids)) if (processAlive(pid)) process.kill(pid, 'SIGKILL');
		}
	});
});

test.serial('TUI: drawn while a plugin runs; when the plugin fails the TUI closes, the terminal is restored and its one line printed, exit 3', async (t) => {
	const dir = tempDir();
	const plugin = join(dir, 'failing-login.sh');
	writeFileSync(plugin, '#!/bin/sh\nsleep 3\necho "error: the refresh token has expired" >&2\nexit 1\n', {mode: 0o755});
	await withSim(simOptions, async (sim) => {
		const kc = kubeconfigWith(sim, plugin, {});
		const term = terminal('fail', `env KUBECTL_ASSURE_STATE_DIR=${tempDir()} node bin/kubectl-assure.js --kubeconfig ${kc}`);
		try {
			await eventually(() => screen(term).includes('waiting for credential plugin failing-login.sh'), 30_000, 'the TUI, drawn while the plugin runs');
			await eventually(() => screen(term).includes('SHELL-IS-BACK rc=3'), 30_000, 'the TUI to close with exit 3');
			const lines = screen(term)
				.split('\n')
				.filter((line) => line.trim() !== '');
			t.deepEqual(lines, [`error: exec credential plugin "${plugin}" failed: error: the refresh token has expired`, 'SHELL-IS-BACK rc=3']);
		} finally {
			term.server.kill();
		}
	});
});

test.serial('TUI: an interactive plugin (IfAvailable, a device-code login) gets the terminal before the UI draws', async (t) => {
	const record = join(tempDir(), 'record');
	await withSim(simOptions, async (sim) => {
		const kc = kubeconfigWith(sim, fixture('exec-plugin-device.sh'), {ASSURE_TEST_RECORD: record, ASSURE_TEST_TOKEN: TOKEN}, 'IfAvailable');
		const term = terminal('device', `env KUBECTL_ASSURE_STATE_DIR=${tempDir()} node bin/kubectl-assure.js --kubeconfig ${kc}`);
		try {
			await eventually(() => screen(term).includes('Press Enter when done:'), 30_000, "the plugin's prompt on the terminal");
			t.regex(screen(term), /enter the code WDJB-MJHT/);
			await sleep(500);
			t.false(screen(term).includes('kubectl assure'), 'the UI waits for the login');
			term.keys('done', 'Enter');
			await eventually(() => /kubectl assure .* v1\.32\.4/.test(screen(term)), 30_000, 'the UI, connected, after the login');
			t.false(screen(term).includes('WDJB-MJHT'), 'the UI took the screen');
			const recorded = readFileSync(record, 'utf8');
			t.regex(recorded, /^answer=done$/m, 'the plugin read the answer from the terminal');
			t.is(JSON.parse(/^info=(.*)$/m.exec(recorded)![1]!).spec.interactive, true);
			t.true((sim.authenticator.tokenUses.get(TOKEN) ?? 0) >= 1);
			term.keys('q');
			await eventually(() => screen(term).includes('SHELL-IS-BACK rc=0'), 10_000, 'q to quit');
		} finally {
			term.server.kill();
		}
	});
});

test.serial(
	'report mode: an explicit --request-timeout ends a plugin that never finishes, with one line naming it (exit 3); Always needs a terminal',
	async (t) => {
		const pids = join(tempDir(), 'pids');
		await withSim(simOptions, async (sim) => {
			/** A JSON report with an explicit --request-timeout. */
			const report = (kubeconfig: string, timeout: string) => product(['--kubeconfig', kubeconfig, '-o', 'json', '--request-timeout', timeout]);
			const hung = await report(kubeconfigWith(sim, fixture('exec-plugin-hang.sh'), {ASSURE_TEST_PIDS: pids}), '2s');
			t.is(hung.code, 3);
			t.is(hung.stderr, 'error: exec credential plugin "exec-plugin-hang.sh" did not finish within 2s\n');
			t.is(hung.stdout, '');
			t.is(pidsIn(pids).length, 2);
			await eventually(() => pidsIn(pids).every((pid) => !processAlive(pid)), 5000, 'the plugin and its child to be gone');

			const always = await report(kubeconfigWith(sim, fixture('exec-plugin.sh'), {ASSURE_TEST_TOKEN: TOKEN}, 'Always'), '10s');
			t.is(always.code, 3);
			t.is(always.stderr, 'error: exec credential plugin "exec-plugin.sh" needs a terminal (interactiveMode Always): standard input is not a terminal\n');
		});
	},
);
