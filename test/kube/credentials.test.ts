/**
 * Exec credential plugins as client-go runs them: interactiveMode defaulted and checked as
 * kubectl checks it, whether a run is interactive (and what KUBERNETES_EXEC_INFO says),
 * `Always` without a terminal, a run after the live view took the terminal (a credential
 * that expired), the header's view of a run under way, a time limit only when one is set,
 * and stopping a run (the plugin and what it started are gone).
 */
import {readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import test from 'ava';
import {stringify} from 'yaml';
import {UsageError} from '../../source/errors.js';
import {CredentialError, Credentials} from '../../source/kube/credentials.js';
import {resolveConfig} from '../../source/kube/kubeconfig.js';
import {eventually, tempDir, processAlive} from '../helpers/sim.js';

const fixture = (name: string) => join(process.cwd(), 'test', 'fixtures', name);

function configWith(exec: Record<string, unknown>) {
	const path = join(tempDir(), 'kubeconfig');
	writeFileSync(
		path,
		stringify({
			clusters: [{name: 'c', cluster: {server: 'https://192.0.2.10:6443', 'tls-server-name': 'api.internal', 'proxy-url': 'socks5://jump:1080'}}],
			users: [{name: 'u', user: {exec}}],
			contexts: [{name: 'x', context: {cluster: 'c', user: 'u'}}],
			'current-context': 'x',
		}),
	);
	return resolveConfig({kubeconfig: path});
}

function plugin(env: Record<string, string>, extra: Record<string, unknown> = {}) {
	return {
		apiVersion: 'client.authentication.k8s.io/v1',
		command: fixture('exec-plugin.sh'),
		env: Object.entries(env).map(([name, value]) => ({name, value})),
		interactiveMode: 'IfAvailable',
		...extra,
	};
}

function infos(file: string): Array<{spec: {interactive: boolean; cluster?: Record<string, unknown>}}> {
	return readFileSync(file, 'utf8')
		.split('\n')
		.filter(Boolean)
		.map((line) => JSON.parse(line));
}

test('interactiveMode as kubectl: required for v1, IfAvailable by default for v1beta1, nothing else accepted', (t) => {
	t.throws(() => new Credentials(configWith({...plugin({}), interactiveMode: undefined})), {
		instanceOf: UsageError,
		message: 'interactiveMode must be specified for user "u" to use an exec credential plugin (Never, IfAvailable or Always)',
	});
	t.throws(() => new Credentials(configWith({...plugin({}), interactiveMode: 'Sometimes'})), {
		instanceOf: UsageError,
		message: /invalid interactiveMode for user "u": "Sometimes"/,
	});
	t.true(
		new Credentials(configWith({...plugin({}), apiVersion: 'client.authentication.k8s.io/v1beta1', interactiveMode: undefined}), {stdinIsTerminal: true})
			.wantsTerminal,
		'v1beta1 defaults to IfAvailable',
	);
	t.throws(() => new Credentials(configWith({...plugin({}), command: ''})), {instanceOf: UsageError});
});

test('interactive when standard input is a terminal (IfAvailable, Always), never for Never; the plugin is told so', async (t) => {
	for (const [mode, terminal, interactive] of [
		['IfAvailable', true, true],
		['IfAvailable', false, false],
		['Never', true, false],
		['Always', true, true],
	] as const) {
		const record = join(tempDir(), 'info');
		const credentials = new Credentials(
			configWith(plugin({ASSURE_TEST_TOKEN: 't', ASSURE_TEST_EXEC_INFO: record}, {interactiveMode: mode, provideClusterInfo: true})),
			{stdinIsTerminal: terminal},
		);
		t.is(credentials.wantsTerminal, interactive, `${mode}, terminal ${terminal}`);
		t.is((await credentials.get()).authorization, 'Bearer t');
		const [info] = infos(record);
		t.is(info!.spec.interactive, interactive, `${mode}, terminal ${terminal}`);
		t.deepEqual(info!.spec.cluster, {server: 'https://192.0.2.10:6443', 'tls-server-name': 'api.internal', 'proxy-url': 'socks5://jump:1080'});
	}
	const busy = new Credentials(configWith(plugin({ASSURE_TEST_TOKEN: 't'})), {stdinIsTerminal: true, stdinUnavailable: true});
	t.false(busy.wantsTerminal, 'standard input carries the audit log');
});

test('Always without a terminal, or once the live view holds it, fails with one line instead of running', async (t) => {
	const counter = join(tempDir(), 'runs');
	writeFileSync(counter, '');
	const noTerminal = new Credentials(configWith(plugin({ASSURE_TEST_TOKEN: 't', ASSURE_TEST_COUNTER: counter}, {interactiveMode: 'Always'})), {
		stdinIsTerminal: false,
	});
	await t.throwsAsync(noTerminal.get(), {
		instanceOf: CredentialError,
		message: 'exec credential plugin "exec-plugin.sh" needs a terminal (interactiveMode Always): standard input is not a terminal',
	});
	const held = new Credentials(configWith(plugin({ASSURE_TEST_TOKEN: 't', ASSURE_TEST_COUNTER: counter}, {interactiveMode: 'Always'})), {
		stdinIsTerminal: true,
	});
	held.terminal.heldByUi = true;
	await t.throwsAsync(held.get(), {instanceOf: CredentialError, message: /which the live view holds: quit and start kubectl assure again to log in/});
	t.is(readFileSync(counter, 'utf8'), '', 'the plugin never ran');
});

test('a credential that expires while the live view holds the terminal is fetched again without it (IfAvailable)', async (t) => {
	const record = join(tempDir(), 'info');
	const expired = new Date(Date.now() - 60_000).toISOString();
	const credentials = new Credentials(configWith(plugin({ASSURE_TEST_TOKEN: 't', ASSURE_TEST_EXEC_INFO: record, ASSURE_TEST_EXPIRES: expired})), {
		stdinIsTerminal: true,
	});
	await credentials.get();
	credentials.terminal.heldByUi = true;
	t.false(credentials.wantsTerminal);
	await credentials.get();
	t.deepEqual(
		infos(record).map((info) => info.spec.interactive),
		[true, false],
	);
	t.is(credentials.execRuns, 2);
});

test('a plugin run has no time limit unless one is set; the header sees it; stopping ends it and the child it started', async (t) => {
	const pids = join(tempDir(), 'pids');
	const hang = {...plugin({ASSURE_TEST_PIDS: pids}), command: fixture('exec-plugin-hang.sh'), interactiveMode: 'Never'};
	const limited = new Credentials(configWith(hang), {execTimeoutMs: 700});
	await t.throwsAsync(limited.get(), {instanceOf: CredentialError, message: 'exec credential plugin "exec-plugin-hang.sh" did not finish within 700ms'});
	await eventually(
		() =>
			readFileSync(pids, 'utf8')
				.split('\n')
				.filter(Boolean)
				.map(Number)
				.every((pid) => !processAlive(pid)),
		5000,
		'the timed-out plugin and its child to be gone',
	);

	writeFileSync(pids, '');
	const unlimited = new Credentials(configWith(hang));
	const pending = unlimited.get();
	pending.catch(() => undefined);
	await eventually(() => readFileSync(pids, 'utf8').split('\n').filter(Boolean).length === 2, 5000, 'the plugin to start');
	const running = unlimited.running;
	t.is(running?.name, 'exec-plugin-hang.sh');
	t.true(running!.since <= Date.now());
	const started = readFileSync(pids, 'utf8').split('\n').filter(Boolean).map(Number);
	t.true(started.every(processAlive));
	await unlimited.stop();
	await t.throwsAsync(pending, {name: 'AbortError'});
	await eventually(() => started.every((pid) => !processAlive(pid)), 5000, 'the plugin and its child to be gone');
	t.is(unlimited.running, undefined);
	await t.throwsAsync(unlimited.get(), {name: 'AbortError'}, 'a stopped session runs no more plugins');
});
