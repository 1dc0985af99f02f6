/**
 * The one HTTP(S) connection pool to the API server: a keep-alive agent with the
 * cluster's TLS settings (CA, insecure-skip-tls-verify, tls-server-name) and the user's
 * client certificate, the honest user agent on every request, and a per-request timeout
 * for non-watch calls. Responses come back buffered or as a stream (watches).
 */
import http, {type IncomingHttpHeaders, type IncomingMessage} from 'node:http';
import https from 'node:https';
import {readFileSync} from 'node:fs';
import {UsageError} from '../errors.js';
import type {Credential, Credentials} from './credentials.js';
import type {ResolvedConfig} from './kubeconfig.js';

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
	constructor(message: string, readonly code?: string) {
		super(message);
	}
}

export class TimeoutError extends NetworkError {}

/** One-line reasons for the network and TLS failures a user can meet. */
export function describeNetworkError(error: NodeJS.ErrnoException, server: string): string {
	const code = error.code ?? '';
	switch (code) {
		case 'ECONNREFUSED': return `connection refused by ${server} (is the API server up, and is this the right address?)`;
		case 'ENOTFOUND': case 'EAI_AGAIN': return `cannot resolve the host of ${server}`;
		case 'ETIMEDOUT': case 'ESOCKETTIMEDOUT': return `connection to ${server} timed out`;
		case 'ECONNRESET': case 'EPIPE': return `connection to ${server} was reset`;
		case 'EHOSTUNREACH': case 'ENETUNREACH': return `${server} is unreachable from here`;
		case 'DEPTH_ZERO_SELF_SIGNED_CERT': case 'SELF_SIGNED_CERT_IN_CHAIN': case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE': case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
			return `TLS: the certificate of ${server} is not signed by the CA in the kubeconfig (${code})`;
		case 'ERR_TLS_CERT_ALTNAME_INVALID': return `TLS: the certificate of ${server} does not match its host name`;
		case 'CERT_HAS_EXPIRED': return `TLS: the certificate of ${server} has expired`;
		case 'EPROTO': case 'ERR_SSL_WRONG_VERSION_NUMBER': return `TLS handshake with ${server} failed (is it really HTTPS?)`;
		default: return `${code ? `${code}: ` : ''}${error.message.split('\n')[0]} (${server})`;
	}
}

export class Transport {
	readonly base: URL;
	private readonly secure: boolean;
	private readonly ca?: string;
	private readonly agents = new Map<string, http.Agent>();
	/** Requests sent, for footprint accounting. */
	sent = 0;

	constructor(private readonly config: ResolvedConfig, private readonly credentials: Credentials, private readonly userAgent: string) {
		try {
			this.base = new URL(config.cluster.server);
		} catch {
			throw new UsageError(`invalid server URL "${config.cluster.server}" in cluster "${config.cluster.name}"`);
		}
		this.secure = this.base.protocol === 'https:';
		if (!this.secure && this.base.protocol !== 'http:') throw new UsageError(`unsupported server URL scheme "${this.base.protocol}" in cluster "${config.cluster.name}"`);
		if (config.cluster.caData) this.ca = Buffer.from(config.cluster.caData, 'base64').toString('utf8');
		else if (config.cluster.caFile) {
			try {
				this.ca = readFileSync(config.cluster.caFile, 'utf8');
			} catch (error) {
				throw new UsageError(`cannot read certificate-authority ${config.cluster.caFile}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
			}
		}
	}

	get server(): string {
		return this.base.origin;
	}

	private agentFor(credential: Credential): http.Agent {
		const key = credential.cert ? credential.cert.slice(-64) : '';
		let agent = this.agents.get(key);
		if (!agent) {
			// HTTP/1.1: every open watch holds a connection, so the pool must not cap sockets (a cap
			// would queue the next LIST behind the watches forever); idle ones are kept for reuse.
			const pool = {keepAlive: true, maxSockets: Infinity, maxFreeSockets: 4};
			agent = this.secure
				? new https.Agent({...pool, ca: this.ca, cert: credential.cert, key: credential.key, rejectUnauthorized: !this.config.cluster.skipTLSVerify, servername: this.config.cluster.tlsServerName || undefined})
				: new http.Agent(pool);
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
		const module = this.secure ? https : http;
		this.sent++;
		return new Promise<RawResponse>((resolve, reject) => {
			let timer: NodeJS.Timeout | undefined;
			const req = module.request({
				protocol: this.base.protocol,
				hostname: this.base.hostname.replace(/^\[(.*)\]$/, '$1'),
				port: this.base.port || (this.secure ? 443 : 80),
				method: request.method,
				path: `${basePath}${request.path}`,
				headers,
				agent: this.agentFor(credential),
				signal: request.signal,
			}, (res) => {
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
				collect(res).then((body) => {
					if (timer) clearTimeout(timer);
					resolve({status: res.statusCode ?? 0, headers: res.headers, body});
				}, (error: Error) => {
					if (timer) clearTimeout(timer);
					reject(new NetworkError(describeNetworkError(error as NodeJS.ErrnoException, this.server), (error as NodeJS.ErrnoException).code));
				});
			});
			if (request.timeoutMs && request.timeoutMs > 0) {
				timer = setTimeout(() => {
					req.destroy(new TimeoutError(`request to ${this.server} timed out after ${request.timeoutMs} ms`, 'ETIMEDOUT'));
				}, request.timeoutMs);
			}
			req.on('error', (error: NodeJS.ErrnoException) => {
				if (timer) clearTimeout(timer);
				if (error.name === 'AbortError') {
					reject(error);
					return;
				}
				if (error instanceof NetworkError) {
					reject(error);
					return;
				}
				reject(new NetworkError(describeNetworkError(error, this.server), error.code));
			});
			if (request.body !== undefined) req.write(request.body);
			req.end();
		});
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
