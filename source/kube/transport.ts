/**
 * The one HTTP(S) connection pool to the API server: a keep-alive agent with the
 * cluster's TLS settings (CA, insecure-skip-tls-verify, tls-server-name) and the user's
 * client certificate, the honest user agent on every request, and a per-request timeout
 * for non-watch calls. Responses come back buffered or as a stream (watches). Through a
 * proxy when kubectl would use one (proxy.ts decides which): an https:// server through a
 * tunnel (tunnel.ts), an http:// one through an http(s) proxy by absolute-form requests
 * with Proxy-Authorization, as Go does, or through a SOCKS5 tunnel.
 */
import http, {type IncomingHttpHeaders, type IncomingMessage} from 'node:http';
import https from 'node:https';
import {readFileSync} from 'node:fs';
import {UsageError} from '../errors.js';
import type {Credential, Credentials} from './credentials.js';
import type {ResolvedConfig} from './kubeconfig.js';
import {bareHost, chooseProxy, type Proxy, proxyAuthorization, proxyPort} from './proxy.js';
import {describeProxyFailure, openTunnel, ProxyAuthError, proxyAuthRefused, ProxyError, type TlsSettings, tunnelAgent} from './tunnel.js';

export interface RawRequest {
	method: string;
	/** Path with query string. */
	path: string;
	headers?: Record<string, string>;
	body?: string | Buffer;
	/** Abort the request (and a streaming response). */
	signal?: AbortSignal;
	/** Milliseconds until the whole response must have arrived; 0/undefined = none. */
	timeoutMs?: number;
	/** Return the response as a stream instead of buffering it. */
	stream?: boolean;
}

export interface RawResponse {
	status: number;
	headers: IncomingHttpHeaders;
	body: string;
	stream?: IncomingMessage;
}

export class NetworkError extends Error {
	constructor(
		message: string,
		readonly code?: string,
	) {
		super(message);
	}
}

export class TimeoutError extends NetworkError {}

/** A reused keep-alive connection turned out closed before any answer (see Transport.request). */
class StaleConnection extends Error {
	constructor(readonly code: string) {
		super('connection reset');
	}
}

/** One-line reasons for the network and TLS failures a user can meet. */
export function describeNetworkError(error: NodeJS.ErrnoException, server: string): string {
	const code = error.code ?? '';
	switch (code) {
		case 'ECONNREFUSED':
			return `connection refused by ${server} (is the API server up, and is this the right address?)`;
		case 'ENOTFOUND':
		case 'EAI_AGAIN':
			return `cannot resolve the host of ${server}`;
		case 'ETIMEDOUT':
		case 'ESOCKETTIMEDOUT':
			return `connection to ${server} timed out`;
		case 'ECONNRESET':
		case 'EPIPE':
			return `connection to ${server} was reset`;
		case 'EHOSTUNREACH':
		case 'ENETUNREACH':
			return `${server} is unreachable from here`;
		case 'DEPTH_ZERO_SELF_SIGNED_CERT':
		case 'SELF_SIGNED_CERT_IN_CHAIN':
		case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
		case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
			return `TLS: the certificate of ${server} is not signed by the CA in the kubeconfig (${code})`;
		case 'ERR_TLS_CERT_ALTNAME_INVALID':
			return `TLS: the certificate of ${server} does not match its host name`;
		case 'CERT_HAS_EXPIRED':
			return `TLS: the certificate of ${server} has expired`;
		case 'EPROTO':
		case 'ERR_SSL_WRONG_VERSION_NUMBER':
			return `TLS handshake with ${server} failed (is it really HTTPS?)`;
		default:
			return `${code ? `${code}: ` : ''}${error.message.split('\n')[0]} (${server})`;
	}
}

export class Transport {
	readonly base: URL;
	private readonly secure: boolean;
	private readonly ca?: string;
	private readonly agents = new Map<string, http.Agent>();
	/** The proxy the requests go through, if any. */
	readonly proxy?: Proxy;
	/** Requests sent, for footprint accounting. */
	sent = 0;

	constructor(
		private readonly config: ResolvedConfig,
		private readonly credentials: Credentials,
		private readonly userAgent: string,
		env: NodeJS.ProcessEnv = process.env,
	) {
		try {
			this.base = new URL(config.cluster.server);
		} catch {
			throw new UsageError(`invalid server URL "${config.cluster.server}" in cluster "${config.cluster.name}"`);
		}
		this.secure = this.base.protocol === 'https:';
		if (!this.secure && this.base.protocol !== 'http:')
			throw new UsageError(`unsupported server URL scheme "${this.base.protocol}" in cluster "${config.cluster.name}"`);
		this.proxy = chooseProxy({server: config.cluster.server, cluster: config.cluster.name, proxyUrl: config.cluster.proxyUrl, env});
		if (config.cluster.caData) this.ca = Buffer.from(config.cluster.caData, 'base64').toString('utf8');
		else if (config.cluster.caFile) {
			try {
				this.ca = readFileSync(config.cluster.caFile, 'utf8');
			} catch (error) {
				throw new UsageError(
					`cannot read certificate-authority ${config.cluster.caFile}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
				);
			}
		}
	}

	get server(): string {
		return this.base.origin;
	}

	/** The cluster's TLS settings with this credential's client certificate. */
	private tls(credential: Credential): TlsSettings {
		return {
			ca: this.ca,
			cert: credential.cert,
			key: credential.key,
			rejectUnauthorized: !this.config.cluster.skipTLSVerify,
			servername: this.config.cluster.tlsServerName || undefined,
		};
	}

	/** Whether requests go to the proxy itself in absolute form (an http:// server through an http(s) proxy). */
	private get absoluteForm(): boolean {
		return Boolean(this.proxy && !this.secure && this.proxy.url.protocol !== 'socks5:');
	}

	private agentFor(credential: Credential): http.Agent {
		const key = credential.cert ? credential.cert.slice(-64) : '';
		let agent = this.agents.get(key);
		if (!agent) {
			// HTTP/1.1: every open watch holds a connection, so the pool must not cap sockets (a cap
			// would queue the next LIST behind the watches forever); idle ones are kept for reuse.
			const pool = {keepAlive: true, maxSockets: Infinity, maxFreeSockets: 4};
			const settings = this.tls(credential);
			const tlsOptions = {
				ca: settings.ca,
				cert: settings.cert,
				key: settings.key,
				rejectUnauthorized: settings.rejectUnauthorized,
				servername: settings.servername,
			};
			const proxy = this.proxy;
			if (!proxy) agent = this.secure ? new https.Agent({...pool, ...tlsOptions}) : new http.Agent(pool);
			else if (this.absoluteForm) {
				// The connection is to the proxy: an https:// proxy is checked with the cluster's TLS settings (Go's one TLS config).
				agent = proxy.url.protocol === 'https:' ? new https.Agent({...pool, ...tlsOptions}) : new http.Agent(pool);
			} else {
				agent = tunnelAgent(this.secure, {...pool, ...(this.secure ? tlsOptions : {})}, (target) => openTunnel(proxy, target, settings, this.userAgent));
			}
			this.agents.set(key, agent);
		}
		return agent;
	}

	async request(request: RawRequest): Promise<RawResponse> {
		const credential = await this.credentials.get();
		const headers: Record<string, string> = {
			'User-Agent': this.userAgent,
			Accept: 'application/json',
			...(request.headers ?? {}),
		};
		if (credential.authorization) headers.Authorization = credential.authorization;
		if (this.credentials.impersonate) headers['Impersonate-User'] = this.credentials.impersonate;
		if (request.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(request.body));
		const basePath = this.base.pathname.replace(/\/$/, '');
		// An http:// server through an http(s) proxy: the request goes to the proxy, with the
		// server's URL as its target, as Go's transport writes it.
		const viaProxy = this.absoluteForm ? this.proxy! : undefined;
		const authorization = viaProxy ? proxyAuthorization(viaProxy.url) : undefined;
		if (viaProxy) headers.Host = this.base.host;
		if (authorization) headers['Proxy-Authorization'] = authorization;
		const module = (viaProxy ? viaProxy.url.protocol === 'https:' : this.secure) ? https : http;
		const send = () =>
			new Promise<RawResponse>((resolve, reject) => {
				this.sent++;
				let timer: NodeJS.Timeout | undefined;
				const req = module.request(
					{
						protocol: viaProxy ? viaProxy.url.protocol : this.base.protocol,
						hostname: viaProxy ? bareHost(viaProxy.url) : this.base.hostname.replace(/^\[(.*)\]$/, '$1'),
						port: viaProxy ? proxyPort(viaProxy.url) : this.base.port || (this.secure ? 443 : 80),
						method: request.method,
						path: viaProxy ? `${this.base.origin}${basePath}${request.path}` : `${basePath}${request.path}`,
						headers,
						agent: this.agentFor(credential),
						signal: request.signal,
					},
					(res) => {
						if (viaProxy && res.statusCode === 407) {
							if (timer) clearTimeout(timer);
							res.resume();
							reject(proxyAuthRefused(viaProxy, 407, res.statusMessage ?? ''));
							return;
						}
						if (request.stream) {
							if (timer) clearTimeout(timer);
							if ((res.statusCode ?? 0) >= 300) {
								// Errors are small Status bodies: buffer them.
								collect(res).then((body) => resolve({status: res.statusCode ?? 0, headers: res.headers, body}), reject);
								return;
							}
							resolve({status: res.statusCode ?? 0, headers: res.headers, body: '', stream: res});
							return;
						}
						collect(res).then(
							(body) => {
								if (timer) clearTimeout(timer);
								resolve({status: res.statusCode ?? 0, headers: res.headers, body});
							},
							(error: Error) => {
								if (timer) clearTimeout(timer);
								reject(new NetworkError(describeNetworkError(error as NodeJS.ErrnoException, this.server), (error as NodeJS.ErrnoException).code));
							},
						);
					},
				);
				if (request.timeoutMs && request.timeoutMs > 0) {
					timer = setTimeout(() => {
						req.destroy(new TimeoutError(`request to ${this.server} timed out after ${request.timeoutMs} ms`, 'ETIMEDOUT'));
					}, request.timeoutMs);
				}
				req.on('error', (error: NodeJS.ErrnoException) => {
					if (timer) clearTimeout(timer);
					if (req.reusedSocket && (error.code === 'ECONNRESET' || error.code === 'EPIPE') && !(error instanceof NetworkError)) {
						reject(new StaleConnection(error.code));
						return;
					}
					if (error.name === 'AbortError') {
						reject(error);
						return;
					}
					if (error instanceof NetworkError || error instanceof ProxyAuthError) {
						reject(error);
						return;
					}
					if (error instanceof ProxyError) {
						reject(new NetworkError(error.message, error.code));
						return;
					}
					// Through an http(s) proxy in absolute form, the connection is the proxy's.
					const message = viaProxy ? describeProxyFailure(error, viaProxy).message : describeNetworkError(error, this.server);
					reject(new NetworkError(message, error.code));
				});
				if (request.body !== undefined) req.write(request.body);
				req.end();
			});
		try {
			return await send();
		} catch (error) {
			if (!(error instanceof StaleConnection)) throw error;
			// A kept-alive connection that the server (or a proxy: tinyproxy closes each one
			// after its answer) had closed as we reused it. Go's transport sends an idempotent
			// request again on a new connection; so do we, once. A write is not sent twice.
			if (request.method === 'GET' && !request.signal?.aborted) return send();
			throw new NetworkError(viaProxy ? describeProxyFailure(error, viaProxy).message : describeNetworkError(error, this.server), error.code);
		}
	}

	close(): void {
		for (const agent of this.agents.values()) agent.destroy();
		this.agents.clear();
	}
}

function collect(res: IncomingMessage): Promise<string> {
	return new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		res.on('data', (chunk: Buffer) => chunks.push(chunk));
		res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
		res.on('error', reject);
		res.on('aborted', () => reject(Object.assign(new Error('response aborted'), {code: 'ECONNRESET'})));
	});
}
