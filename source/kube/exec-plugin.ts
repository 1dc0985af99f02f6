/**
 * One run of an exec credential plugin, as client-go runs it
 * (staging/src/k8s.io/client-go/plugin/pkg/client/auth/exec/exec.go):
 * - Interactive or not (isInteractive): `Never` never; `IfAvailable` when standard input
 *   is a terminal and not otherwise in use; `Always` needs that terminal, and without it
 *   the run fails ("standard input is not a terminal"). The kubeconfig's apiVersion
 *   v1beta1 defaults a missing interactiveMode to IfAvailable; v1 requires one (checked in
 *   credentials.ts).
 * - The environment: ours, the stanza's `env`, and KUBERNETES_EXEC_INFO (an ExecCredential
 *   whose spec says `interactive`, and the cluster when provideClusterInfo is set).
 * - Interactive: standard input and standard error are the terminal's (a device-code
 *   login prints its code and reads an answer), standard output is captured. Not
 *   interactive: standard input is empty and standard error is kept for the one-line error
 *   (kubectl passes it through; here the live view owns the screen).
 * - No time limit: kubectl declined one (kubernetes issue 108849) because slow interactive
 *   logins would be killed. A caller may set one (report mode with an explicit
 *   --request-timeout) and may cancel a run (the user quit).
 * A plugin that is not interactive runs in its own process group, so that cancelling it
 * ends what it started too (a shell script's `sleep`, a browser helper); an interactive one
 * stays in ours, in the terminal's foreground, where Ctrl-C reaches it. Anything still
 * running when this process exits is killed.
 */
import {type ChildProcess, spawn} from 'node:child_process';
import {basename} from 'node:path';
import {abortError} from '../clock.js';
import {sanitize} from '../text/sanitize.js';

export class CredentialError extends Error {
	readonly exitCode = 3;
}

/** An interactive plugin ended by Ctrl-C (SIGINT from the terminal reaches it and us alike). */
export class PluginInterrupted extends CredentialError {}

export interface ExecConfig {
	command: string;
	args?: string[];
	env?: Array<{name: string; value: string}> | null;
	apiVersion?: string;
	installHint?: string;
	provideClusterInfo?: boolean;
	interactiveMode?: string;
}

/** What the plugin printed that we use. */
export interface ExecStatus {
	token?: string;
	clientCertificateData?: string;
	clientKeyData?: string;
	expirationTimestamp?: string;
}

/** The cluster as KUBERNETES_EXEC_INFO describes it (provideClusterInfo). */
export interface ExecCluster {
	server: string;
	'tls-server-name'?: string;
	'insecure-skip-tls-verify'?: boolean;
	'certificate-authority-data'?: string;
	'proxy-url'?: string;
}

/** Whether standard input can be handed to a plugin now. */
export interface TerminalState {
	/** Standard input is a terminal. */
	stdinIsTerminal: boolean;
	/** Standard input carries data (`--audit-log -`), as kubectl's StdinUnavailable. */
	stdinUnavailable: boolean;
	/** The live view holds the terminal: a plugin can no longer have it. */
	heldByUi: boolean;
}

/** The plugin's name for the header and messages: the command's base name, sanitized. */
export function pluginName(command: string): string {
	return sanitize(basename(command.replace(/\\/g, '/')) || command, {maxLength: 40});
}

/** client-go's isInteractive, with the live view as one more reason the terminal is unavailable. */
export function decideInteractive(exec: ExecConfig, mode: string, terminal: TerminalState): boolean {
	const name = pluginName(exec.command);
	switch (mode) {
		case 'Never':
			return false;
		case 'IfAvailable':
			return terminal.stdinIsTerminal && !terminal.stdinUnavailable && !terminal.heldByUi;
		case 'Always':
			if (terminal.heldByUi)
				throw new CredentialError(
					`exec credential plugin "${name}" needs the terminal (interactiveMode Always), which the live view holds: quit and start kubectl assure again to log in`,
				);
			if (!terminal.stdinIsTerminal)
				throw new CredentialError(`exec credential plugin "${name}" needs a terminal (interactiveMode Always): standard input is not a terminal`);
			if (terminal.stdinUnavailable)
				throw new CredentialError(`exec credential plugin "${name}" needs a terminal (interactiveMode Always): standard input is in use (--audit-log -)`);
			return true;
		default:
			throw new CredentialError(`exec credential plugin "${name}": unknown interactiveMode "${sanitize(mode, {maxLength: 40})}"`);
	}
}

export interface RunOptions {
	/** The command to run (resolved against the kubeconfig's directory when relative). */
	command: string;
	exec: ExecConfig;
	interactive: boolean;
	cluster?: ExecCluster;
	/** Milliseconds the run may take; undefined or 0: no limit. */
	timeoutMs?: number;
	env?: NodeJS.ProcessEnv;
}

const MAX_STDOUT = 4 * 1024 * 1024;
const MAX_STDERR = 64 * 1024;
/** After SIGTERM, how long a plugin has before SIGKILL. */
const KILL_GRACE_MS = 1000;

/**
 * Plugins running now (and whether each has its own process group). When this process
 * exits, or dies of SIGINT, SIGTERM or SIGHUP, they get SIGTERM: a plugin in its own group
 * would otherwise outlive us. A signal is raised again after that when nothing else in
 * this process listens for it, so that its default action (dying) still happens.
 */
const running = new Map<ChildProcess, boolean>();

/** Signals the plugin, or its whole process group (what it started too, after it exited). */
function signalTree(child: ChildProcess, signal: NodeJS.Signals, group: boolean): void {
	if (child.pid === undefined) return;
	if (!group && (child.exitCode !== null || child.signalCode !== null)) return;
	try {
		if (group) process.kill(-child.pid, signal);
		else child.kill(signal);
	} catch {
		// Already gone.
	}
}
const SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
let hooked = false;

function killAll(): void {
	for (const [child, group] of running) signalTree(child, 'SIGTERM', group);
}

function onSignal(signal: NodeJS.Signals): void {
	killAll();
	if (process.listenerCount(signal) === 1) {
		unhook();
		process.kill(process.pid, signal);
	}
}

function hook(): void {
	if (hooked) return;
	hooked = true;
	process.on('exit', killAll);
	for (const signal of SIGNALS) process.on(signal, onSignal);
}

function unhook(): void {
	if (!hooked) return;
	hooked = false;
	process.off('exit', killAll);
	for (const signal of SIGNALS) process.off(signal, onSignal);
}

function formatLimit(ms: number): string {
	return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

export class PluginRun {
	readonly name: string;
	/** Wall-clock ms when it started (for "waiting for credential plugin NAME, Ns"). */
	readonly startedAt = Date.now();
	readonly result: Promise<ExecStatus>;
	private child: ChildProcess | undefined;
	private readonly group: boolean;
	private closed = false;
	private closedPromise: Promise<void>;
	private settle: {reject: (error: Error) => void} | undefined;
	private timer: NodeJS.Timeout | undefined;

	constructor(private readonly options: RunOptions) {
		const {exec, interactive} = options;
		this.name = pluginName(exec.command);
		this.group = !interactive && process.platform !== 'win32';
		const apiVersion = exec.apiVersion ?? 'client.authentication.k8s.io/v1';
		const env: NodeJS.ProcessEnv = {...(options.env ?? process.env)};
		for (const {name, value} of exec.env ?? []) env[name] = value;
		env.KUBERNETES_EXEC_INFO = JSON.stringify({
			apiVersion,
			kind: 'ExecCredential',
			spec: {interactive, ...(exec.provideClusterInfo && options.cluster ? {cluster: options.cluster} : {})},
		});
		let resolveClosed: () => void = () => undefined;
		this.closedPromise = new Promise((resolve) => {
			resolveClosed = resolve;
		});
		this.result = new Promise<ExecStatus>((resolve, reject) => {
			this.settle = {reject};
			let child: ChildProcess;
			try {
				child = spawn(options.command, exec.args ?? [], {
					env,
					stdio: interactive ? ['inherit', 'pipe', 'inherit'] : ['ignore', 'pipe', 'pipe'],
					detached: this.group,
					windowsHide: true,
				});
			} catch (error) {
				this.closed = true;
				resolveClosed();
				reject(this.failure((error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : 'could not run'));
				return;
			}
			this.child = child;
			running.set(child, this.group);
			hook();
			const stdout: Buffer[] = [];
			let stdoutBytes = 0;
			let stderr = '';
			child.stdout?.on('data', (chunk: Buffer) => {
				stdoutBytes += chunk.length;
				if (stdoutBytes > MAX_STDOUT) {
					void this.kill();
					reject(new CredentialError(`exec credential plugin "${exec.command}" printed more than ${MAX_STDOUT} bytes`));
					return;
				}
				stdout.push(chunk);
			});
			child.stderr?.on('data', (chunk: Buffer) => {
				stderr = (stderr + chunk.toString('utf8')).slice(-MAX_STDERR);
			});
			let spawnError: NodeJS.ErrnoException | undefined;
			child.on('error', (error: NodeJS.ErrnoException) => {
				spawnError = error;
			});
			child.on('close', (code, signal) => {
				this.closed = true;
				running.delete(child);
				if (running.size === 0) unhook();
				if (this.timer) clearTimeout(this.timer);
				resolveClosed();
				if (spawnError) {
					const why = spawnError.code === 'ENOENT' ? 'not found' : spawnError.code === 'EACCES' ? 'not executable' : 'could not run';
					reject(this.failure(why));
					return;
				}
				if (signal === 'SIGINT' && this.options.interactive) {
					reject(new PluginInterrupted(`exec credential plugin "${this.name}" was interrupted`));
					return;
				}
				if (code !== 0) {
					// Never the command line: a plugin's arguments often carry a secret (--client-secret).
					const status = signal ? `killed by ${signal}` : `exit code ${code}`;
					reject(this.failure(stderr.trim().split('\n').at(-1) || status));
					return;
				}
				resolve(this.parse(Buffer.concat(stdout).toString('utf8')));
			});
			if (options.timeoutMs && options.timeoutMs > 0) {
				this.timer = setTimeout(() => {
					void this.kill();
					reject(new CredentialError(`exec credential plugin "${this.name}" did not finish within ${formatLimit(options.timeoutMs!)}`));
				}, options.timeoutMs);
			}
		});
		// A caller that stopped waiting (cancelled, timed out) must not meet an unhandled rejection.
		this.result.catch(() => undefined);
	}

	private failure(why: string): CredentialError {
		const hint = this.options.exec.installHint ? ` (${this.options.exec.installHint.trim().split('\n')[0]})` : '';
		return new CredentialError(`exec credential plugin "${this.options.exec.command}" failed: ${why}${hint}`);
	}

	private parse(text: string): ExecStatus {
		let parsed: {status?: ExecStatus};
		try {
			parsed = JSON.parse(text) as typeof parsed;
		} catch {
			throw new CredentialError(`exec credential plugin "${this.options.exec.command}" printed no ExecCredential JSON`);
		}
		const status = parsed?.status ?? {};
		if (!status.token && !(status.clientCertificateData && status.clientKeyData)) {
			throw new CredentialError(`exec credential plugin "${this.options.exec.command}" returned neither a token nor a client certificate`);
		}
		return status;
	}

	get done(): boolean {
		return this.closed;
	}

	/** Ends the plugin (SIGTERM to its process group, SIGKILL a second later); resolves when it is gone. */
	kill(): Promise<void> {
		const child = this.child;
		if (!child || this.closed) return this.closedPromise;
		signalTree(child, 'SIGTERM', this.group);
		const late = setTimeout(() => signalTree(child, 'SIGKILL', this.group), KILL_GRACE_MS);
		late.unref();
		return this.closedPromise.finally(() => {
			clearTimeout(late);
			// The plugin exited on SIGTERM; anything it left in its group goes too.
			if (this.group) signalTree(child, 'SIGKILL', true);
		});
	}

	/** The caller gave up (the user quit): end the plugin and reject the run. */
	cancel(): Promise<void> {
		this.settle?.reject(abortError());
		return this.kill();
	}
}
