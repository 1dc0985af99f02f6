/**
 * Connections through a proxy, as Go's net/http makes them (transport.go, dialConn): the
 * first hop to the proxy (TCP, or TLS for an https:// proxy — checked with the cluster's
 * TLS settings, as Go's transport uses its one TLS config for both), then either an HTTP
 * CONNECT tunnel (`CONNECT host:port`, Proxy-Authorization: Basic from the proxy URL's
 * credentials; only a 200 opens it) or a SOCKS5 one (RFC 1928: no authentication, or
 * username/password per RFC 1929 when the URL carries credentials; the server's name is
 * sent as a name, as Go does, so the proxy resolves it). Through the tunnel an https://
 * server gets TLS with the cluster's CA, tls-server-name and client certificate. The
 * handshake with the proxy is bounded (a minute, like Go's CONNECT); after it the tunnel is
 * a plain stream, so watches stream through it.
 *
 * Errors name the proxy without its credentials. A proxy that refuses our credentials
 * (407, a 401 to CONNECT, or SOCKS5 authentication) is a ProxyAuthError: retrying cannot
 * help.
 */
import http from 'node:http';
import https from 'node:https';
import net, {isIP} from 'node:net';
import type {Duplex} from 'node:stream';
import tls from 'node:tls';
import {bareHost, type Proxy, proxyAuthorization, proxyPort} from './proxy.js';

/** A proxy could not be reached or could not open the tunnel (the transport retries it as a network error). */
export class ProxyError extends Error {
	constructor(
		message: string,
		readonly code?: string,
	) {
		super(message);
	}
}

/** The proxy refused our credentials, or wants some: a configuration problem, not retried. */
export class ProxyAuthError extends Error {
	readonly code = 'EPROXYAUTH';
}

export interface TlsSettings {
	ca?: string;
	cert?: string;
	key?: string;
	rejectUnauthorized: boolean;
	/** The cluster's tls-server-name, if any. */
	servername?: string;
}

export interface Target {
	/** Host name or IP address, without brackets. */
	host: string;
	port: number;
}

const HANDSHAKE_TIMEOUT_MS = 60_000;
const MAX_CONNECT_RESPONSE = 64 * 1024;

/** "the proxy http://host:port (HTTPS_PROXY)": never the credentials. */
export function named(proxy: Proxy): string {
	return `${proxy.url.protocol === 'socks5:' ? 'the SOCKS5 proxy' : 'the proxy'} ${proxy.display} (${proxy.source})`;
}

function hostPort(target: Target): string {
	return isIP(target.host) === 6 ? `[${target.host}]:${target.port}` : `${target.host}:${target.port}`;
}

/** One line for a failure to reach the proxy itself. */
export function describeProxyFailure(error: NodeJS.ErrnoException, proxy: Proxy): ProxyError {
	const code = error.code ?? '';
	const why =
		code === 'ECONNREFUSED'
			? 'connection refused'
			: code === 'ENOTFOUND' || code === 'EAI_AGAIN'
				? 'cannot resolve its host'
				: code === 'ETIMEDOUT'
					? 'timed out'
					: code === 'ECONNRESET' || code === 'EPIPE'
						? 'the connection was reset'
						: code === 'EHOSTUNREACH' || code === 'ENETUNREACH'
							? 'unreachable from here'
							: code === 'ERR_TLS_CERT_ALTNAME_INVALID'
								? 'TLS: its certificate does not match its host name'
								: /CERT|SELF_SIGNED|UNABLE_TO/.test(code)
									? `TLS: its certificate is not trusted (${code})`
									: `${code ? `${code}: ` : ''}${String(error.message).split('\n')[0]}`;
	return new ProxyError(`cannot connect to ${named(proxy)}: ${why}`, code || undefined);
}

/** The first hop: TCP to the proxy, or TLS for an https:// proxy. */
function connectToProxy(proxy: Proxy, proxyTls: TlsSettings): net.Socket {
	const host = bareHost(proxy.url);
	const port = proxyPort(proxy.url);
	if (proxy.url.protocol !== 'https:') return net.connect({host, port});
	// Go: the transport's TLS config, its ServerName (tls-server-name) or else the proxy's host.
	const servername = proxyTls.servername || (isIP(host) === 0 ? host : undefined);
	return tls.connect({
		host,
		port,
		servername,
		ca: proxyTls.ca,
		cert: proxyTls.cert,
		key: proxyTls.key,
		rejectUnauthorized: proxyTls.rejectUnauthorized,
		ALPNProtocols: ['http/1.1'],
	});
}

/**
 * Reads from `socket` until `enough` says how many bytes make the answer; `rest` is what
 * came after it. Rejects on close, error or the handshake timeout.
 */
function readAnswer(socket: net.Socket, enough: (data: Buffer) => number | undefined, proxy: Proxy): Promise<{answer: Buffer; rest: Buffer}> {
	return new Promise((resolve, reject) => {
		let data = Buffer.alloc(0);
		const done = (error?: Error, length = 0) => {
			socket.off('data', onData).off('error', onError).off('close', onClose);
			if (error) reject(error);
			else resolve({answer: data.subarray(0, length), rest: data.subarray(length)});
		};
		const onData = (chunk: Buffer) => {
			data = Buffer.concat([data, chunk]);
			const length = enough(data);
			if (length !== undefined) done(undefined, length);
			else if (data.length > MAX_CONNECT_RESPONSE) done(new ProxyError(`${named(proxy)} sent an answer we cannot read`, 'EPROTO'));
		};
		const onError = (error: NodeJS.ErrnoException) => done(describeProxyFailure(error, proxy));
		const onClose = () => done(new ProxyError(`${named(proxy)} closed the connection during the handshake`, 'ECONNRESET'));
		socket.on('data', onData).on('error', onError).on('close', onClose);
	});
}

/** An answer after which the tunnel is ours: neither a TLS nor an HTTP server speaks first, so more bytes are not ours to pass on. */
function exactly(reply: {answer: Buffer; rest: Buffer}, proxy: Proxy): Buffer {
	if (reply.rest.length > 0) throw new ProxyError(`${named(proxy)} sent more than its answer`, 'EPROTO');
	return reply.answer;
}

/** A 407 (or a 401 to CONNECT) from `proxy`. */
export function proxyAuthRefused(proxy: Proxy, code: number, text: string): ProxyAuthError {
	const reason = text || (code === 407 ? 'Proxy Authentication Required' : 'Unauthorized');
	return new ProxyAuthError(
		`${named(proxy)} ${proxyAuthorization(proxy.url) ? 'did not accept the credentials in its URL' : 'asks for credentials (give them in the proxy URL)'}: ${code} ${reason}`,
	);
}

async function httpConnect(socket: net.Socket, proxy: Proxy, target: Target, userAgent: string): Promise<void> {
	const authority = hostPort(target);
	const authorization = proxyAuthorization(proxy.url);
	socket.write(
		`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\nUser-Agent: ${userAgent}\r\n${authorization ? `Proxy-Authorization: ${authorization}\r\n` : ''}\r\n`,
	);
	const reply = await readAnswer(
		socket,
		(data) => {
			const end = data.indexOf('\r\n\r\n');
			return end < 0 ? undefined : end + 4;
		},
		proxy,
	);
	const head = reply.answer.toString('latin1');
	const status = /^HTTP\/\d(?:\.\d)? (\d{3})(?: ([^\r\n]*))?/.exec(head);
	if (!status) throw new ProxyError(`${named(proxy)} did not answer CONNECT with HTTP`, 'EPROTO');
	const code = Number(status[1]);
	const text = (status[2] ?? '').slice(0, 100);
	if (code === 200) {
		exactly(reply, proxy);
		return;
	}
	// A 401 to CONNECT can only be the proxy's own (tinyproxy answers wrong credentials so).
	if (code === 407 || code === 401) throw proxyAuthRefused(proxy, code, text);
	throw new ProxyError(`${named(proxy)} could not open a tunnel to ${authority}: ${code}${text ? ` ${text}` : ''}`, 'EPROXY');
}

const SOCKS_REPLIES: Record<number, string> = {
	1: 'general failure',
	2: 'connection not allowed by its rules',
	3: 'network unreachable',
	4: 'host unreachable',
	5: 'connection refused',
	6: 'TTL expired',
	7: 'command not supported',
	8: 'address type not supported',
};

async function socks5Connect(socket: net.Socket, proxy: Proxy, target: Target): Promise<void> {
	const user = decodeURIComponent(proxy.url.username);
	const password = decodeURIComponent(proxy.url.password);
	const withAuth = proxy.url.username !== '' || proxy.url.password !== '';
	// Go's socks dialer offers "no authentication" and, with credentials, username/password.
	socket.write(Buffer.from(withAuth ? [5, 2, 0, 2] : [5, 1, 0]));
	const choice = exactly(await readAnswer(socket, (data) => (data.length >= 2 ? 2 : undefined), proxy), proxy);
	if (choice[0] !== 5) throw new ProxyError(`${named(proxy)} does not speak SOCKS5`, 'EPROTO');
	if (choice[1] === 2 && withAuth) {
		const userBytes = Buffer.from(user);
		const passwordBytes = Buffer.from(password);
		if (userBytes.length === 0 || userBytes.length > 255 || passwordBytes.length > 255)
			throw new ProxyAuthError(`${named(proxy)}: the username and password in its URL must be 1-255 and 0-255 bytes`);
		socket.write(Buffer.concat([Buffer.from([1, userBytes.length]), userBytes, Buffer.from([passwordBytes.length]), passwordBytes]));
		const status = exactly(await readAnswer(socket, (data) => (data.length >= 2 ? 2 : undefined), proxy), proxy);
		if (status[1] !== 0) throw new ProxyAuthError(`${named(proxy)} did not accept the credentials in its URL`);
	} else if (choice[1] !== 0) {
		// 0xFF: none of the offered methods; without credentials we offered only "none".
		throw new ProxyAuthError(
			`${named(proxy)} ${withAuth ? 'accepts none of the authentication methods we offer' : 'wants authentication (give a username and password in the proxy URL)'}`,
		);
	}
	let address: Buffer;
	const family = isIP(target.host);
	if (family === 4) address = Buffer.from([1, ...target.host.split('.').map(Number)]);
	else if (family === 6) address = Buffer.concat([Buffer.from([4]), ipv6Bytes(target.host)]);
	else {
		const name = Buffer.from(target.host);
		if (name.length > 255) throw new ProxyError(`${named(proxy)}: the server's host name is too long for SOCKS5`, 'EPROTO');
		address = Buffer.concat([Buffer.from([3, name.length]), name]);
	}
	const port = Buffer.alloc(2);
	port.writeUInt16BE(target.port);
	socket.write(Buffer.concat([Buffer.from([5, 1, 0]), address, port]));
	const reply = exactly(
		await readAnswer(
			socket,
			(data) => {
				if (data.length < 5) return undefined;
				const length = data[3] === 1 ? 4 : data[3] === 4 ? 16 : data[3] === 3 ? 1 + data[4]! : 0;
				return data.length >= 4 + length + 2 ? 4 + length + 2 : undefined;
			},
			proxy,
		),
		proxy,
	);
	if (reply[1] !== 0)
		throw new ProxyError(
			`${named(proxy)} could not connect to ${hostPort(target)}: ${SOCKS_REPLIES[reply[1]!] ?? `reply ${reply[1]}`}`,
			reply[1] === 5 ? 'ECONNREFUSED' : 'EPROXY',
		);
}

/** The 16 bytes of an IPv6 address. */
function ipv6Bytes(address: string): Buffer {
	let text = address;
	const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
	if (v4) {
		const [a, b, c, d] = v4[1]!.split('.').map(Number) as [number, number, number, number];
		text = `${text.slice(0, -v4[1]!.length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
	}
	const [head, tail] = text.includes('::') ? (text.split('::') as [string, string]) : [text, undefined];
	const left = head ? head.split(':') : [];
	const right = tail ? tail.split(':') : [];
	const groups = tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
	const bytes = Buffer.alloc(16);
	groups.forEach((group, i) => bytes.writeUInt16BE(parseInt(group || '0', 16), i * 2));
	return bytes;
}

/**
 * A socket to `target` through `proxy`, ready for HTTP (plain: TLS to an https:// server
 * is added by the caller).
 */
export async function openTunnel(proxy: Proxy, target: Target, proxyTls: TlsSettings, userAgent: string): Promise<net.Socket> {
	const socket = connectToProxy(proxy, proxyTls);
	socket.setTimeout(HANDSHAKE_TIMEOUT_MS, () => socket.destroy(Object.assign(new Error('handshake timed out'), {code: 'ETIMEDOUT'})));
	try {
		await new Promise<void>((resolve, reject) => {
			const ready = socket instanceof tls.TLSSocket ? 'secureConnect' : 'connect';
			socket.once(ready, () => {
				socket.off('error', onError);
				resolve();
			});
			const onError = (error: NodeJS.ErrnoException) => reject(describeProxyFailure(error, proxy));
			socket.once('error', onError);
		});
		if (proxy.url.protocol === 'socks5:') await socks5Connect(socket, proxy, target);
		else await httpConnect(socket, proxy, target, userAgent);
	} catch (error) {
		socket.destroy();
		throw error;
	}
	socket.setTimeout(0);
	// From here the HTTP client (or TLS inside the tunnel) listens for errors; until it does,
	// an error must not be an uncaught exception.
	socket.on('error', () => undefined);
	return socket;
}

type Opener = (target: Target) => Promise<net.Socket>;

/**
 * An agent whose connections are tunnels: for an https:// server TLS runs inside the
 * tunnel with the agent's TLS options (the same ones a direct connection uses), for an
 * http:// server (through SOCKS5) the tunnel is the connection.
 */
export function tunnelAgent(secure: boolean, options: https.AgentOptions, open: Opener): http.Agent {
	const create = (agentOptions: Record<string, unknown>, callback: (error: Error | null, socket?: Duplex) => void): void => {
		const target = {host: String(agentOptions.host ?? agentOptions.hostname).replace(/^\[(.*)\]$/, '$1'), port: Number(agentOptions.port)};
		open(target).then(
			(socket) => {
				if (!secure) {
					callback(null, socket);
					return;
				}
				callback(null, tls.connect({...agentOptions, socket} as tls.ConnectionOptions));
			},
			(error: Error) => callback(error),
		);
	};
	if (secure) {
		return new (class extends https.Agent {
			override createConnection(agentOptions: Record<string, unknown>, callback: (error: Error | null, socket?: Duplex) => void): undefined {
				create(agentOptions, callback);
				return undefined;
			}
		})(options);
	}
	return new (class extends http.Agent {
		override createConnection(agentOptions: Record<string, unknown>, callback: (error: Error | null, socket?: Duplex) => void): undefined {
			create(agentOptions, callback);
			return undefined;
		}
	})(options);
}
