/**
 * Which proxy carries the requests, by the rules of Go's net/http
 * (golang.org/x/net/http/httpproxy) and client-go's clientcmd: the variable per scheme,
 * upper case before lower case, host:port values, localhost and loopback never proxied
 * from the environment, NO_PROXY's domains, leading dots, `*`, IPs, CIDRs and ports, and
 * the cluster's proxy-url winning over all of it (loopback included). The same decisions
 * are checked against the real kubectl with real proxies in proxy-processes.test.ts.
 */
import test from 'ava';
import {UsageError} from '../../source/errors.js';
import {chooseProxy, displayProxy, NoProxy, parseEnvProxy, proxyAuthorization} from '../../source/kube/proxy.js';

const via = (server: string, env: NodeJS.ProcessEnv, proxyUrl?: string) => chooseProxy({server, cluster: 'c', proxyUrl, env});

test('HTTPS_PROXY for https servers, HTTP_PROXY for http servers; upper case first; empty is unset', (t) => {
	t.is(via('https://api.example:6443', {HTTPS_PROXY: 'http://a:3128', HTTP_PROXY: 'http://b:3128'})?.display, 'http://a:3128');
	t.is(via('http://api.example:8080', {HTTPS_PROXY: 'http://a:3128', HTTP_PROXY: 'http://b:3128'})?.display, 'http://b:3128');
	t.is(via('https://api.example', {HTTP_PROXY: 'http://b:3128'}), undefined, 'HTTP_PROXY is not for https');
	t.like(via('https://api.example', {HTTPS_PROXY: 'http://upper:1', https_proxy: 'http://lower:2'}), {display: 'http://upper:1', source: 'HTTPS_PROXY'});
	t.like(via('https://api.example', {HTTPS_PROXY: '', https_proxy: 'http://lower:2'}), {display: 'http://lower:2', source: 'https_proxy'});
	t.is(via('https://api.example', {}), undefined);
});

test('a proxy value without a scheme is http; socks5 and https are kept; default ports as Go', (t) => {
	t.is(parseEnvProxy('proxy.corp:3128')?.href, 'http://proxy.corp:3128/');
	t.is(parseEnvProxy('10.0.0.1:3128')?.href, 'http://10.0.0.1:3128/');
	t.is(parseEnvProxy('socks5://10.0.0.1')?.protocol, 'socks5:');
	t.is(displayProxy(parseEnvProxy('socks5://10.0.0.1')!), 'socks5://10.0.0.1:1080');
	t.is(displayProxy(parseEnvProxy('https://proxy.corp')!), 'https://proxy.corp:443');
	t.is(displayProxy(parseEnvProxy('http://proxy.corp')!), 'http://proxy.corp:80');
	// Go reads a value it cannot parse as a URL again with "http://" in front, and ignores it if that fails too.
	t.is(via('https://api.example', {HTTPS_PROXY: '%zz'}), undefined);
});

test('localhost and loopback addresses never go through an environment proxy, whatever NO_PROXY says', (t) => {
	const env = {HTTPS_PROXY: 'http://proxy:3128', NO_PROXY: ''};
	t.is(via('https://localhost:6443', env), undefined);
	t.is(via('https://127.0.0.1:6443', env), undefined);
	t.is(via('https://127.9.9.9:6443', env), undefined);
	t.is(via('https://[::1]:6443', env), undefined);
	t.truthy(via('https://192.0.2.10:6443', env));
	t.truthy(via('https://localhost.example:6443', env), 'only the name localhost itself');
	// Go compares the host as written with "localhost" before lower-casing it.
	t.truthy(via('https://LOCALHOST:6443', env));
});

test("the cluster's proxy-url wins over the environment and NO_PROXY, and applies to loopback too", (t) => {
	const env = {HTTPS_PROXY: 'http://env-proxy:3128', NO_PROXY: '*'};
	t.like(via('https://127.0.0.1:6443', env, 'socks5://user:secret@jump:1080'), {display: 'socks5://jump:1080', source: 'proxy-url of cluster "c"'});
	t.like(via('https://api.example', {}, 'http://p:8080'), {display: 'http://p:8080'});
	const error = t.throws(() => via('https://api.example', {}, 'ftp://user:secret@p:21'), {instanceOf: UsageError});
	t.is(error?.message, 'invalid proxy-url for cluster "c": unsupported scheme "ftp", must be http, https, or socks5');
	t.false(error!.message.includes('secret'));
	t.throws(
		() => via('https://api.example', {}, 'proxy.corp:3128'),
		{message: /unsupported scheme "proxy.corp"/},
		'clientcmd does not add http:// to proxy-url',
	);
	t.throws(() => via('https://api.example', {}, 'socks5h://p:1080'), {message: /unsupported scheme "socks5h"/});
});

test('NO_PROXY: domains match themselves and subdomains; a leading dot or *. subdomains only; * everything', (t) => {
	const no = (value: string, host: string, port = '443') => !new NoProxy(value).useProxy(host, port);
	t.true(no('example.com', 'example.com'));
	t.true(no('example.com', 'api.example.com'));
	t.false(no('example.com', 'badexample.com'));
	t.false(no('.example.com', 'example.com'));
	t.true(no('.example.com', 'api.example.com'));
	t.false(no('*.example.com', 'example.com'));
	t.true(no('*.example.com', 'a.b.example.com'));
	t.true(no('*', 'anything.at.all'));
	t.true(no('foo, *', 'anything'));
	t.true(no(' Example.COM ', 'api.example.com'), 'entries are trimmed and lower-cased');
	t.false(no('', 'example.com'));
	t.false(no(',,', 'example.com'));
});

test('NO_PROXY: ports, IP addresses, CIDRs, IPv6; domain entries match IP hosts as suffixes, as in Go', (t) => {
	const no = (value: string, host: string, port = '443') => !new NoProxy(value).useProxy(host, port);
	t.true(no('example.com:6443', 'api.example.com', '6443'));
	t.false(no('example.com:6443', 'api.example.com', '443'));
	t.true(no('10.1.2.3', '10.1.2.3'));
	t.false(no('10.1.2.3', '10.1.2.4'));
	t.true(no('10.1.2.3:6443', '10.1.2.3', '6443'));
	t.false(no('10.1.2.3:6443', '10.1.2.3', '443'));
	t.true(no('10.0.0.0/8', '10.200.3.4'));
	t.true(no('10.0.0.0/8', '10.200.3.4', '1'), 'a CIDR ignores the port');
	t.false(no('10.0.0.0/8', '11.0.0.1'));
	t.true(no('192.168.7.9/16', '192.168.200.1'), 'host bits of a CIDR are masked');
	t.false(no('10.0.0.0/8', 'ten.example'), 'an IP rule does not match a name');
	t.true(no('fd00::/8', 'fd12::1'));
	t.true(no('::1', '::1'), 'an IPv6 address without brackets');
	t.true(no('[fd12::1]:6443', 'fd12::1', '6443'));
	t.false(no('[fd12::1]:6443', 'fd12::1', '443'));
	// Go: "3.4" is no IP, so it is a domain suffix ".3.4", and domain rules apply to IP hosts too.
	t.true(no('3.4', '1.2.3.4'));
});

test('HTTP_PROXY is refused for http servers in a CGI environment, as Go refuses it', (t) => {
	t.throws(() => via('http://api.example', {HTTP_PROXY: 'http://p:1', REQUEST_METHOD: 'GET'}), {instanceOf: UsageError, message: /CGI/});
	t.truthy(via('https://api.example', {HTTPS_PROXY: 'http://p:1', REQUEST_METHOD: 'GET'}));
});

test('credentials in a proxy URL become Proxy-Authorization: Basic, and never show in display', (t) => {
	const url = new URL('http://al%40ice:p%3Ass@proxy:3128');
	t.is(proxyAuthorization(url), `Basic ${Buffer.from('al@ice:p:ss').toString('base64')}`);
	t.is(displayProxy(url), 'http://proxy:3128');
	t.is(proxyAuthorization(new URL('http://proxy:3128')), undefined);
	t.is(proxyAuthorization(new URL('http://bob@proxy:3128')), `Basic ${Buffer.from('bob:').toString('base64')}`);
});
