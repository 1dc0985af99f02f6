/**
 * Credentials for requests: bearer tokens (inline, or a token file re-read when the server
 * says 401), exec credential plugins (run once and reused until their expirationTimestamp —
 * or, when they give none, until the server answers 401 — never once per request as
 * client-node does), client certificates, basic auth and impersonation. Concurrent requests
 * share one plugin run.
 */
import {execFile} from 'node:child_process';
import {readFileSync} from 'node:fs';
import {isAbsolute, resolve} from 'node:path';
import {UsageError} from '../errors.js';
import type {ResolvedConfig} from './kubeconfig.js';

export class CredentialError extends Error {
	readonly exitCode = 3;
}

export interface Credential {
	/** Authorization header value, if any. */
	authorization?: string;
	/** Client certificate and key (PEM), if any. */
	cert?: string;
	key?: string;
	/** Epoch ms when the credential expires, if known. */
	expires?: number;
}

interface ExecConfig {
	command: string;
	args?: string[];
	env?: Array<{name: string; value: string}> | null;
	apiVersion?: string;
	installHint?: string;
	provideClusterInfo?: boolean;
	interactiveMode?: string;
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

export class Credentials {
	private cached: Credential | undefined;
	private pending: Promise<Credential> | undefined;
	/** How many times an exec plugin ran (for tests and the footprint). */
	execRuns = 0;
	readonly impersonate?: string;
	private readonly staticCert?: {cert: string; key: string};

	constructor(private readonly config: ResolvedConfig) {
		const user = config.user;
		this.impersonate = user.impersonateUser ?? undefined;
		const cert = user.certData ? Buffer.from(user.certData, 'base64').toString('utf8') : user.certFile ? readFile(user.certFile, 'client certificate') : undefined;
		const key = user.keyData ? Buffer.from(user.keyData, 'base64').toString('utf8') : user.keyFile ? readFile(user.keyFile, 'client key') : undefined;
		if (cert && key) this.staticCert = {cert, key};
		else if (cert || key) throw new UsageError(`user "${user.name}" has a client certificate without a key (or a key without a certificate)`);
		const provider = user.authProvider as {name?: string; config?: Record<string, string>} | undefined;
		if (provider && !(provider.name === 'oidc' && provider.config?.['id-token'])) {
			throw new UsageError(`auth-provider "${provider.name ?? '?'}" in user "${user.name}" is not supported: use an exec credential plugin (kubelogin, gke-gcloud-auth-plugin, aws eks get-token)`);
		}
	}

	/** The credential to use now (cached; a plugin runs only when needed). */
	async get(): Promise<Credential> {
		if (this.cached && (this.cached.expires === undefined || this.cached.expires - EXPIRY_SKEW_MS > Date.now())) return this.cached;
		this.pending ??= this.load().then((credential) => {
			this.cached = credential;
			this.pending = undefined;
			return credential;
		}, (error: unknown) => {
			this.pending = undefined;
			throw error;
		});
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

	private async load(): Promise<Credential> {
		const user = this.config.user;
		const base: Credential = {...(this.staticCert ?? {})};
		if (user.exec) return {...base, ...(await this.runExec(user.exec as ExecConfig))};
		if (user.token) return {...base, authorization: `Bearer ${user.token}`};
		if (user.tokenFile) return {...base, authorization: `Bearer ${readFile(user.tokenFile, 'token file').trim()}`};
		const provider = user.authProvider as {config?: Record<string, string>} | undefined;
		if (provider?.config?.['id-token']) return {...base, authorization: `Bearer ${provider.config['id-token']}`};
		if (user.username !== undefined && user.username !== null) return {...base, authorization: `Basic ${Buffer.from(`${user.username}:${user.password ?? ''}`).toString('base64')}`};
		return base;
	}

	private runExec(exec: ExecConfig): Promise<Credential> {
		const apiVersion = exec.apiVersion ?? 'client.authentication.k8s.io/v1';
		let command = exec.command;
		if (command.includes('/') && !isAbsolute(command) && this.config.userBase) command = resolve(this.config.userBase, command);
		const env: NodeJS.ProcessEnv = {...process.env};
		for (const {name, value} of exec.env ?? []) env[name] = value;
		env.KUBERNETES_EXEC_INFO = JSON.stringify({apiVersion, kind: 'ExecCredential', spec: {interactive: false, ...(exec.provideClusterInfo ? {cluster: {server: this.config.cluster.server}} : {})}});
		this.execRuns++;
		return new Promise((resolvePromise, reject) => {
			execFile(command, exec.args ?? [], {env, timeout: 60_000, maxBuffer: 4 * 1024 * 1024}, (error, stdout, stderr) => {
				if (error) {
					const code = (error as NodeJS.ErrnoException).code;
					// Never execFile's own message: it is "Command failed: <command> <args…>", and the
					// args of a credential plugin often carry a secret (--client-secret).
					const status = (error as {killed?: boolean; signal?: string | null}).killed ? 'timed out' : (error as {signal?: string | null}).signal ? `killed by ${(error as {signal: string}).signal}` : typeof code === 'number' ? `exit code ${code}` : 'could not run';
					const why = code === 'ENOENT' ? 'not found' : code === 'EACCES' ? 'not executable' : String(stderr).trim().split('\n').at(-1) || status;
					reject(new CredentialError(`exec credential plugin "${exec.command}" failed: ${why}${exec.installHint ? ` (${exec.installHint.trim().split('\n')[0]})` : ''}`));
					return;
				}
				let parsed: {status?: {token?: string; clientCertificateData?: string; clientKeyData?: string; expirationTimestamp?: string}};
				try {
					parsed = JSON.parse(String(stdout)) as typeof parsed;
				} catch {
					reject(new CredentialError(`exec credential plugin "${exec.command}" printed no ExecCredential JSON`));
					return;
				}
				const status = parsed.status ?? {};
				if (!status.token && !(status.clientCertificateData && status.clientKeyData)) {
					reject(new CredentialError(`exec credential plugin "${exec.command}" returned neither a token nor a client certificate`));
					return;
				}
				const expires = status.expirationTimestamp ? Date.parse(status.expirationTimestamp) : undefined;
				resolvePromise({
					...(status.token ? {authorization: `Bearer ${status.token}`} : {}),
					...(status.clientCertificateData && status.clientKeyData ? {cert: status.clientCertificateData, key: status.clientKeyData} : this.staticCert ?? {}),
					...(expires !== undefined && !Number.isNaN(expires) ? {expires} : {}),
				});
			});
		});
	}
}
