/**
 * Which proxy, if any, carries the requests to the API server — decided as kubectl decides
 * it. The cluster's `proxy-url` wins and applies to every server, loopback included
 * (client-go's clientcmd sets `http.ProxyURL` from it; its scheme must be http, https or
 * socks5). Without it, the environment as Go's net/http reads it
 * (golang.org/x/net/http/httpproxy, proxy.go):
 * - HTTPS_PROXY (else https_proxy) for an https:// server, HTTP_PROXY (else http_proxy)
 *   for an http:// one; the upper-case name is read first and an empty value counts as
 *   unset. A value that is not an http, https or socks5 URL is read again with
 *   "http://" in front ("proxy.corp:3128"); one that still does not parse is ignored.
 * - Never for `localhost` or a loopback IP address (127.0.0.0/8, ::1), whatever NO_PROXY
 *   says: Go checks this before NO_PROXY.
 * - NO_PROXY (else no_proxy): comma-separated; `*` alone turns proxying off; an IP address
 *   or a CIDR matches IP hosts (an IP entry may carry a port); any other entry is a domain
 *   that matches itself and its subdomains, with a leading "." (or "*.") subdomains only,
 *   and an optional port. Go applies the domain entries to IP hosts too, as suffixes.
 * - HTTP_PROXY is refused for http:// servers when REQUEST_METHOD is set (a CGI process,
 *   where a client could set the variable through the Proxy header).
 * client-go also honours CIDRs in NO_PROXY (apimachinery's NewProxierWithNoProxyCIDR),
 * which Go now does itself. A proxy URL's credentials are never shown: `display` is the
 * URL without them.
 */
import {BlockList, isIP} from 'node:net';
import {UsageError} from '../errors.js';

export interface Proxy {
	/** The proxy URL, credentials included (for Proxy-Authorization and SOCKS5 auth). */
	url: URL;
	/** scheme://host:port, never the credentials: for messages. */
	display: string;
	/** Where it came from: `proxy-url of cluster "x"`, `HTTPS_PROXY`, `https_proxy`, … */
	source: string;
}

/** The proxy schemes Go's transport speaks. */
const SCHEMES = new Set(['http:', 'https:', 'socks5:']);
const DEFAULT_PORTS: Record<string, number> = {'http:': 80, 'https:': 443, 'socks5:': 1080};

export function proxyPort(url: URL): number {
	return url.port ? Number(url.port) : (DEFAULT_PORTS[url.protocol] ?? 80);
}

/** The host of a URL without IPv6 brackets. */
export function bareHost(url: URL): string {
	return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

/** scheme://host:port of a proxy, without its credentials. */
export function displayProxy(url: URL): string {
	const host = url.hostname;
	return `${url.protocol}//${host}:${proxyPort(url)}`;
}

/** `Basic …` for the credentials in a proxy URL (as Go's connectMethod.proxyAuth), if it has any. */
export function proxyAuthorization(url: URL): string | undefined {
	if (url.username === '' && url.password === '') return undefined;
	const user = decodeURIComponent(url.username);
	const password = decodeURIComponent(url.password);
	return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** The cluster's `proxy-url`, checked as clientcmd checks it (http, https or socks5). */
export function parseProxyUrl(value: string, cluster: string): URL {
	let url: URL;
	try {
		url = new URL(value);
	} catch {
		throw new UsageError(`invalid proxy-url for cluster "${cluster}": not a URL`);
	}
	if (!SCHEMES.has(url.protocol))
		throw new UsageError(`invalid proxy-url for cluster "${cluster}": unsupported scheme "${url.protocol.replace(/:$/, '')}", must be http, https, or socks5`);
	if (url.hostname === '') throw new UsageError(`invalid proxy-url for cluster "${cluster}": no host`);
	return url;
}

/** A proxy variable's value as Go's httpproxy parseProxy reads it; undefined when it does not parse. */
export function parseEnvProxy(value: string): URL | undefined {
	let url: URL | undefined;
	try {
		url = new URL(value);
	} catch {
		url = undefined;
	}
	if (url && SCHEMES.has(url.protocol)) return url;
	try {
		return new URL(`http://${value}`);
	} catch {
		return undefined;
	}
}

/** The first non-empty of the named variables, with its name. */
function envAny(env: NodeJS.ProcessEnv, ...names: string[]): {name: string; value: string} | undefined {
	for (const name of names) {
		const value = env[name];
		if (value) return {name, value};
	}
	return undefined;
}

type Matcher = (host: string, port: string, ip: boolean) => boolean;

/** NO_PROXY as Go's httpproxy config.init parses it: IP matchers and domain matchers. */
export class NoProxy {
	private readonly ipMatchers: Matcher[] = [];
	private readonly domainMatchers: Matcher[] = [];

	constructor(value: string) {
		for (const raw of value.split(',')) {
			const entry = raw.trim().toLowerCase();
			if (entry === '') continue;
			if (entry === '*') {
				this.ipMatchers.splice(0, Infinity, () => true);
				this.domainMatchers.splice(0, Infinity, () => true);
				return;
			}
			const cidr = /^(.+)\/(\d{1,3})$/.exec(entry);
			if (cidr && isIP(cidr[1]!) !== 0) {
				const family = isIP(cidr[1]!) === 4 ? 'ipv4' : 'ipv6';
				const prefix = Number(cidr[2]);
				if (prefix <= (family === 'ipv4' ? 32 : 128)) {
					const list = new BlockList();
					list.addSubnet(cidr[1]!, prefix, family);
					this.ipMatchers.push((host, _port, ip) => ip && list.check(host, isIP(host) === 4 ? 'ipv4' : 'ipv6'));
					continue;
				}
			}
			let host = entry;
			let port = '';
			const split = splitHostPort(entry);
			if (split) {
				if (split.host === '') continue;
				host = split.host;
				port = split.port;
			}
			if (isIP(host) !== 0) {
				const wanted = host;
				const family = isIP(wanted);
				this.ipMatchers.push((h, p, ip) => ip && sameIp(h, wanted, family) && (port === '' || port === p));
				continue;
			}
			if (host === '') continue;
			if (host.startsWith('*.')) host = host.slice(1);
			const matchHost = !host.startsWith('.');
			if (matchHost) host = `.${host}`;
			host = asciiDomain(host);
			const suffix = host;
			this.domainMatchers.push((h, p) => (h.endsWith(suffix) || (matchHost && h === suffix.slice(1))) && (port === '' || port === p));
		}
	}

	/** Whether a request to host:port goes through the proxy (host lower-case, without brackets). */
	useProxy(host: string, port: string): boolean {
		const ip = isIP(host) !== 0;
		if (ip && this.ipMatchers.some((m) => m(host, port, true))) return false;
		return !this.domainMatchers.some((m) => m(host, port, ip));
	}
}

/** net.SplitHostPort for a NO_PROXY entry: "host:port" or "[v6]:port"; undefined when it has no port. */
function splitHostPort(entry: string): {host: string; port: string} | undefined {
	const bracketed = /^\[([^\]]*)\]:([^:]*)$/.exec(entry);
	if (bracketed) return {host: bracketed[1]!, port: bracketed[2]!};
	const colon = entry.lastIndexOf(':');
	if (colon < 0 || entry.indexOf(':') !== colon) return undefined;
	return {host: entry.slice(0, colon), port: entry.slice(colon + 1)};
}

function sameIp(a: string, b: string, family: number): boolean {
	const list = new BlockList();
	list.addAddress(b, family === 4 ? 'ipv4' : 'ipv6');
	return list.check(a, isIP(a) === 4 ? 'ipv4' : 'ipv6');
}

function asciiDomain(domain: string): string {
	if (/^[\x00-\x7f]*$/.test(domain)) return domain;
	try {
		return new URL(`http://x${domain}`).hostname.slice(1);
	} catch {
		return domain;
	}
}

function isLoopback(host: string): boolean {
	const family = isIP(host);
	if (family === 0) return false;
	const list = new BlockList();
	list.addSubnet('127.0.0.0', 8, 'ipv4');
	list.addAddress('::1', 'ipv6');
	return list.check(host, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * The server's host exactly as written in the kubeconfig: Go compares it with "localhost"
 * before lower-casing it (WHATWG URLs lower-case hosts).
 */
function writtenHost(server: string): string | undefined {
	return /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?(\[[^\]]*\]|[^:/?#]*)/i.exec(server)?.[1]?.replace(/^\[(.*)\]$/, '$1');
}

export interface ProxyChoice {
	server: string;
	cluster: string;
	proxyUrl?: string;
	env: NodeJS.ProcessEnv;
}

/** The proxy for the requests to `server`, or undefined to connect directly. */
export function chooseProxy({server, cluster, proxyUrl, env}: ProxyChoice): Proxy | undefined {
	if (proxyUrl) {
		const url = parseProxyUrl(proxyUrl, cluster);
		return {url, display: displayProxy(url), source: `proxy-url of cluster "${cluster}"`};
	}
	const target = new URL(server);
	const secure = target.protocol === 'https:';
	const variable = secure ? envAny(env, 'HTTPS_PROXY', 'https_proxy') : envAny(env, 'HTTP_PROXY', 'http_proxy');
	if (!variable) return undefined;
	const url = parseEnvProxy(variable.value);
	if (!url) return undefined;
	if (!secure && env.REQUEST_METHOD) throw new UsageError(`refusing to use ${variable.name} in a CGI environment (REQUEST_METHOD is set)`);
	const host = bareHost(target);
	const port = target.port || (secure ? '443' : '80');
	if (writtenHost(server) === 'localhost' || isLoopback(host)) return undefined;
	const noProxy = envAny(env, 'NO_PROXY', 'no_proxy');
	if (noProxy && !new NoProxy(noProxy.value).useProxy(host, port)) return undefined;
	return {url, display: displayProxy(url), source: variable.name};
}
