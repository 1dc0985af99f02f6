/**
 * Credentials for requests: bearer tokens (inline, or a token file re-read when the server
 * says 401), exec credential plugins (run once and reused until their expirationTimestamp —
 * or, when they give none, until the server answers 401 — never once per request as
 * client-node does), client certificates, basic auth and impersonation. Concurrent requests
 * share one plugin run; a run has no time limit unless one is set (exec-plugin.ts), shows
 * in the header while it lasts (`running`), and ends when the session stops. Whether a run
 * gets the terminal follows the kubeconfig's interactiveMode and whether the live view
 * holds the terminal (`terminal`).
 */
import {readFileSync} from 'node:fs';
import {isAbsolute, resolve} from 'node:path';
import {isatty} from 'node:tty';
import {abortError} from '../clock.js';
import {UsageError} from '../errors.js';
import {decideInteractive, type ExecCluster, type ExecConfig, PluginRun, type TerminalState} from './exec-plugin.js';
import type {ResolvedConfig} from './kubeconfig.js';

export {CredentialError, PluginInterrupted} from './exec-plugin.js';

export interface Credential {
	/** Authorization header value, if any. */
	authorization?: string;
	/** Client certificate and key (PEM), if any. */
	cert?: string;
	key?: string;
	/** Epoch ms when the credential expires, if known. */
	expires?: number;
}

/** Seconds before expiry at which a credential is refreshed, as client-go does. */
const EXPIRY_SKEW_MS = 10_000;

function readFile(path: string, what: string): string {
	try {
		return readFileSync(path, 'utf8');
	} catch (error) {
		throw new UsageError(`cannot read ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
	}
}

export interface CredentialOptions {
	/** Milliseconds a plugin run may take (report mode with an explicit --request-timeout); default none, as kubectl. */
	execTimeoutMs?: number;
	/** Standard input carries data (`--audit-log -`): no plugin may have it. */
	stdinUnavailable?: boolean;
	/** Whether standard input is a terminal (default: isatty(0)). */
	stdinIsTerminal?: boolean;
	/** The environment plugins run with (default: this process's). */
	env?: NodeJS.ProcessEnv;
}

/** The interactiveMode of an exec stanza, defaulted and checked as kubectl does (clientcmd api/v1/defaults.go, validation.go). */
function interactiveModeOf(exec: ExecConfig, user: string): string {
	const mode = exec.interactiveMode ?? '';
	if (mode === '') {
		const apiVersion = exec.apiVersion ?? 'client.authentication.k8s.io/v1';
		if (apiVersion === 'client.authentication.k8s.io/v1beta1' || apiVersion === 'client.authentication.k8s.io/v1alpha1') return 'IfAvailable';
		throw new UsageError(`interactiveMode must be specified for user "${user}" to use an exec credential plugin (Never, IfAvailable or Always)`);
	}
	if (!['Never', 'IfAvailable', 'Always'].includes(mode))
		throw new UsageError(`invalid interactiveMode for user "${user}": "${mode}" (Never, IfAvailable or Always)`);
	return mode;
}

export class Credentials {
	private cached: Credential | undefined;
	private pending: Promise<Credential> | undefined;
	/** How many times an exec plugin ran (for tests and the footprint). */
	execRuns = 0;
	readonly impersonate?: string;
	private readonly staticCert?: {cert: string; key: string};
	private readonly exec?: ExecConfig;
	private readonly interactiveMode?: string;
	/** The plugin run under way, if any. */
	private run: PluginRun | undefined;
	private stopped = false;
	/** Whether standard input can go to a plugin; the live view sets heldByUi once it draws. */
	readonly terminal: TerminalState;

	constructor(
		private readonly config: ResolvedConfig,
		private readonly options: CredentialOptions = {},
	) {
		const user = config.user;
		this.impersonate = user.impersonateUser ?? undefined;
		const cert = user.certData
			? Buffer.from(user.certData, 'base64').toString('utf8')
			: user.certFile
				? readFile(user.certFile, 'client certificate')
				: undefined;
		const key = user.keyData ? Buffer.from(user.keyData, 'base64').toString('utf8') : user.keyFile ? readFile(user.keyFile, 'client key') : undefined;
		if (cert && key) this.staticCert = {cert, key};
		else if (cert || key) throw new UsageError(`user "${user.name}" has a client certificate without a key (or a key without a certificate)`);
		const provider = user.authProvider as {name?: string; config?: Record<string, string>} | undefined;
		if (provider && !(provider.name === 'oidc' && provider.config?.['id-token'])) {
			throw new UsageError(
				`auth-provider "${provider.name ?? '?'}" in user "${user.name}" is not supported: use an exec credential plugin (kubelogin, gke-gcloud-auth-plugin, aws eks get-token)`,
			);
		}
		if (user.exec) {
			this.exec = user.exec as ExecConfig;
			if (typeof this.exec.command !== 'string' || this.exec.command === '')
				throw new UsageError(`command must be specified for user "${user.name}" to use an exec credential plugin`);
			this.interactiveMode = interactiveModeOf(this.exec, user.name);
		}
		this.terminal = {stdinIsTerminal: options.stdinIsTerminal ?? isatty(0), stdinUnavailable: Boolean(options.stdinUnavailable), heldByUi: false};
	}

	/** The credential to use now (cached; a plugin runs only when needed). */
	async get(): Promise<Credential> {
		if (this.cached && (this.cached.expires === undefined || this.cached.expires - EXPIRY_SKEW_MS > Date.now())) return this.cached;
		if (this.stopped) throw abortError();
		this.pending ??= this.load().then(
			(credential) => {
				this.cached = credential;
				this.pending = undefined;
				return credential;
			},
			(error: unknown) => {
				this.pending = undefined;
				throw error;
			},
		);
		return this.pending;
	}

	/** The server said 401: forget the cached credential so the next request loads a fresh one. */
	invalidate(): void {
		this.cached = undefined;
	}

	/** Whether a fresh credential could differ from the one that failed (so a retry is worth it). */
	get refreshable(): boolean {
		const user = this.config.user;
		return Boolean(user.exec || user.tokenFile);
	}

	/** Whether the next plugin run would get the terminal (the live view lets an interactive login finish before it draws). */
	get wantsTerminal(): boolean {
		if (!this.exec || !this.interactiveMode || this.cached) return false;
		try {
			return decideInteractive(this.exec, this.interactiveMode, this.terminal);
		} catch {
			return false;
		}
	}

	/** The plugin that is running now, for the header: its name and since when (wall-clock ms). */
	get running(): {name: string; since: number} | undefined {
		const run = this.run;
		return run && !run.done ? {name: run.name, since: run.startedAt} : undefined;
	}

	/** No more plugin runs; the one under way (and what it started) is ended. */
	async stop(): Promise<void> {
		this.stopped = true;
		await this.run?.cancel();
	}

	private async load(): Promise<Credential> {
		const user = this.config.user;
		const base: Credential = {...(this.staticCert ?? {})};
		if (this.exec) return {...base, ...(await this.runExec(this.exec))};
		if (user.token) return {...base, authorization: `Bearer ${user.token}`};
		if (user.tokenFile) return {...base, authorization: `Bearer ${readFile(user.tokenFile, 'token file').trim()}`};
		const provider = user.authProvider as {config?: Record<string, string>} | undefined;
		if (provider?.config?.['id-token']) return {...base, authorization: `Bearer ${provider.config['id-token']}`};
		if (user.username !== undefined && user.username !== null)
			return {...base, authorization: `Basic ${Buffer.from(`${user.username}:${user.password ?? ''}`).toString('base64')}`};
		return base;
	}

	private clusterInfo(): ExecCluster {
		const cluster = this.config.cluster;
		let ca = cluster.caData;
		if (!ca && cluster.caFile) {
			try {
				ca = readFileSync(cluster.caFile).toString('base64');
			} catch {
				ca = undefined;
			}
		}
		return {
			server: cluster.server,
			...(cluster.tlsServerName ? {'tls-server-name': cluster.tlsServerName} : {}),
			...(cluster.skipTLSVerify ? {'insecure-skip-tls-verify': true} : {}),
			...(ca ? {'certificate-authority-data': ca} : {}),
			...(cluster.proxyUrl ? {'proxy-url': cluster.proxyUrl} : {}),
		};
	}

	private async runExec(exec: ExecConfig): Promise<Credential> {
		const interactive = decideInteractive(exec, this.interactiveMode ?? 'Never', this.terminal);
		let command = exec.command;
		if (command.includes('/') && !isAbsolute(command) && this.config.userBase) command = resolve(this.config.userBase, command);
		this.execRuns++;
		const run = new PluginRun({command, exec, interactive, cluster: this.clusterInfo(), timeoutMs: this.options.execTimeoutMs, env: this.options.env});
		this.run = run;
		const status = await run.result;
		const expires = status.expirationTimestamp ? Date.parse(status.expirationTimestamp) : undefined;
		return {
			...(status.token ? {authorization: `Bearer ${status.token}`} : {}),
			...(status.clientCertificateData && status.clientKeyData ? {cert: status.clientCertificateData, key: status.clientKeyData} : (this.staticCert ?? {})),
			...(expires !== undefined && !Number.isNaN(expires) ? {expires} : {}),
		};
	}
}
