/**
 * Proxies, with real proxy processes and the real kubectl beside us: tinyproxy (HTTP
 * CONNECT, absolute-form requests, Basic auth), microsocks (SOCKS5, with and without
 * username/password) and a TLS front (an https:// proxy). For each case both clients run
 * with the same kubeconfig and environment, and must agree: both reach the simulator
 * through the proxy (the proxy's log shows it), or both go direct (the log shows nothing),
 * or both fail. Environment proxies skip loopback, so those cases put the simulator on a
 * non-loopback address of this machine (tls-server-name: localhost keeps its certificate
 * valid). Watches stream through a tunnel; errors from a proxy are one line naming it,
 * never its credentials.
 */
import {execFile} from 'node:child_process';
import {writeFileSync} from 'node:fs';
import {networkInterfaces} from 'node:os';
import {join} from 'node:path';
import test from 'ava';
import {parse as parseYaml, stringify} from 'yaml';
import {resolveConfig} from '../../source/kube/kubeconfig.js';
import {Session} from '../../source/kube/session.js';
import type {Simulator} from '../../source/sim/simulator.js';
import {generateTls} from '../../source/sim/tls.js';
import {type ProxyProcess, freePort, startMicrosocks, startTinyproxy, startTlsFront} from '../helpers/proxies.js';
import {eventually, kubectl, sleep, tempDir, withSim} from '../helpers/sim.js';

/** The first IPv4 address of this machine that is not loopback (environment proxies skip loopback). */
function outsideAddress(): string {
	for (const addresses of Object.values(networkInterfaces())) {
		for (const address of addresses ?? []) if (address.family === 'IPv4' && !address.internal) return address.address;
	}
	throw new Error('this machine has no non-loopback IPv4 address: the environment-proxy cases need one');
}

const NO_ENV = {HTTPS_PROXY: '', https_proxy: '', HTTP_PROXY: '', http_proxy: '', NO_PROXY: '', no_proxy: '', ALL_PROXY: '', all_proxy: ''};

/** A kubeconfig for `sim` reached at `server` (its certificate names localhost), optionally with a proxy-url. */
function kubeconfigFor(sim: Simulator, server: string, proxyUrl?: string): string {
	const config = parseYaml(sim.kubeconfig({server}));
	if (sim.tls) config.clusters[0].cluster['tls-server-name'] = 'localhost';
	if (proxyUrl) config.clusters[0].cluster['proxy-url'] = proxyUrl;
	const path = join(tempDir(), 'kubeconfig');
	writeFileSync(path, stringify(config), {mode: 0o600});
	return path;
}

/** Our side: connect and list namespaces with this environment; the error's message if it fails. */
async function ours(kubeconfig: string, env: NodeJS.ProcessEnv): Promise<{ok: boolean; error?: string; names?: string[]}> {
	const fullEnv = {...process.env, ...NO_ENV, ...env};
	const session = new Session({config: resolveConfig({kubeconfig, env: fullEnv}), env: fullEnv});
	try {
		await session.connect(Date.now() + 4000);
		const list = await session.client.getJson<{items: Array<{metadata: {name: string}}>}>('/api/v1/namespaces', {maxAttempts: 1});
		return {ok: true, names: list.items.map((item) => item.metadata.name)};
	} catch (error) {
		return {ok: false, error: (error as Error).message};
	} finally {
		await session.stop();
	}
}

async function theirs(kubeconfig: string, env: Record<string, string>): Promise<{ok: boolean; stderr: string}> {
	const result = await kubectl(kubeconfig, ['get', 'namespaces', '-o', 'name', '--request-timeout', '10s'], {env: {...NO_ENV, ...env}});
	return {ok: result.code === 0 && result.stdout.includes('namespace/default'), stderr: result.stderr};
}

/** How many times the proxy's log mentions `needle`. */
function count(proxy: ProxyProcess, needle: string): number {
	return proxy.log().split(needle).length - 1;
}

/** Waits until the proxy's log has not grown for 300 ms: it writes lines after the tunnel they are about. */
async function settled(proxy: ProxyProcess): Promise<void> {
	let last = proxy.log().length;
	for (let quiet = 0; quiet < 3;) {
		await sleep(100);
		const now = proxy.log().length;
		quiet = now === last ? quiet + 1 : 0;
		last = now;
	}
}

const cleanups: Array<() => Promise<void>> = [];
test.afterEach.always(async () => {
	while (cleanups.length > 0) await cleanups.pop()!().catch(() => undefined);
});

async function started<T extends ProxyProcess>(proxy: Promise<T>): Promise<T> {
	const value = await proxy;
	cleanups.push(() => value.close());
	return value;
}

test.serial('HTTPS_PROXY through tinyproxy (CONNECT): we and kubectl both tunnel, both skip it for NO_PROXY, both meet its 407', async (t) => {
	const address = outsideAddress();
	const open = await started(startTinyproxy());
	const guarded = await started(startTinyproxy({basicAuth: {user: 'alice', password: 's3cr3t-pw'}}));
	await withSim({scenario: 'empty', https: true, controllers: false, host: address}, async (sim) => {
		const target = `${address}:${sim.port}`;
		const kc = kubeconfigFor(sim, `https://${target}`);
		const env = {HTTPS_PROXY: `http://127.0.0.1:${open.port}`};

		let seen = count(open, `: CONNECT ${target} `);
		const mine = await ours(kc, env);
		t.true(mine.ok, mine.error);
		t.true(mine.names!.includes('kube-system'));
		t.true(count(open, `: CONNECT ${target} `) > seen, 'tinyproxy tunnelled our connection');
		seen = count(open, `: CONNECT ${target} `);
		const kubectlRun = await theirs(kc, env);
		t.true(kubectlRun.ok, kubectlRun.stderr);
		t.true(count(open, `: CONNECT ${target} `) > seen, "tinyproxy tunnelled kubectl's connection");

		// NO_PROXY: the address itself, and a CIDR holding it: both go direct.
		for (const noProxy of [address, `${address.split('.').slice(0, 3).join('.')}.0/24`, `example.com, ${address}:${sim.port}`]) {
			await settled(open);
			seen = count(open, ': CONNECT ');
			const direct = await ours(kc, {...env, NO_PROXY: noProxy});
			t.true(direct.ok, direct.error);
			const kubectlDirect = await theirs(kc, {...env, no_proxy: noProxy});
			t.true(kubectlDirect.ok, kubectlDirect.stderr);
			await settled(open);
			t.is(count(open, ': CONNECT '), seen, `NO_PROXY=${noProxy}: neither went through the proxy`);
		}
		// A NO_PROXY port that is not the server's does not match: both tunnel.
		seen = count(open, `: CONNECT ${target} `);
		t.true((await ours(kc, {...env, NO_PROXY: `${address}:1`})).ok);
		t.true((await theirs(kc, {...env, NO_PROXY: `${address}:1`})).ok);
		t.true(count(open, `: CONNECT ${target} `) >= seen + 2);

		// Basic auth: without credentials a 407 for both; with them in the URL both get through.
		const refused = await ours(kc, {HTTPS_PROXY: `http://127.0.0.1:${guarded.port}`});
		t.false(refused.ok);
		t.is(
			refused.error,
			`cannot reach the API server: the proxy http://127.0.0.1:${guarded.port} (HTTPS_PROXY) asks for credentials (give them in the proxy URL): 407 Proxy Authentication Required`,
		);
		t.false((await theirs(kc, {HTTPS_PROXY: `http://127.0.0.1:${guarded.port}`})).ok);
		const wrong = await ours(kc, {HTTPS_PROXY: `http://alice:wrong-pw@127.0.0.1:${guarded.port}`});
		t.regex(
			wrong.error ?? '',
			/^cannot reach the API server: the proxy http:\/\/127\.0\.0\.1:\d+ \(HTTPS_PROXY\) did not accept the credentials in its URL: 401 Unauthorized$/,
			'tinyproxy answers wrong credentials with 401',
		);
		t.false(wrong.error!.includes('wrong-pw'), 'the password is never shown');
		seen = count(guarded, `: CONNECT ${target} `);
		const authorized = await ours(kc, {https_proxy: `http://alice:s3cr3t-pw@127.0.0.1:${guarded.port}`});
		t.true(authorized.ok, authorized.error);
		t.true((await theirs(kc, {https_proxy: `http://alice:s3cr3t-pw@127.0.0.1:${guarded.port}`})).ok);
		t.true(count(guarded, `: CONNECT ${target} `) >= seen + 2);

		// A tunnel the proxy cannot open (nothing listens there), and a proxy that is not there.
		const closed = await freePort();
		const deadEnd = kubeconfigFor(sim, `https://${address}:${closed}`);
		const unable = await ours(deadEnd, env);
		t.regex(
			unable.error ?? '',
			new RegExp(
				`^cannot reach the API server: the proxy http://127\\.0\\.0\\.1:${open.port} \\(HTTPS_PROXY\\) could not open a tunnel to ${address.replace(/\./g, '\\.')}:${closed}: 500 Unable to connect$`,
			),
		);
		t.false((await theirs(deadEnd, env)).ok);
		const gone = await freePort();
		const down = await ours(kc, {HTTPS_PROXY: `http://bob:pw@127.0.0.1:${gone}`});
		t.is(down.error, `cannot reach the API server: cannot connect to the proxy http://127.0.0.1:${gone} (HTTPS_PROXY): connection refused`);
		t.false((await theirs(kc, {HTTPS_PROXY: `http://bob:pw@127.0.0.1:${gone}`})).ok);
	});
});

test.serial(
	"a loopback server: environment proxies are skipped by both; the cluster's proxy-url (SOCKS5, HTTP) is used by both, and wins over HTTPS_PROXY",
	async (t) => {
		const http = await started(startTinyproxy());
		const socks = await started(startMicrosocks());
		const socksAuth = await started(startMicrosocks({user: 'bob', password: 'pw-for-socks'}));
		await withSim({scenario: 'empty', https: true, controllers: false}, async (sim) => {
			const target = `127.0.0.1:${sim.port}`;
			const env = {HTTPS_PROXY: `http://127.0.0.1:${http.port}`};
			const plain = kubeconfigFor(sim, `https://${target}`);
			t.true((await ours(plain, env)).ok);
			t.true((await theirs(plain, env)).ok);
			t.is(count(http, ': CONNECT '), 0, 'loopback: neither used the environment proxy');

			const viaSocks = kubeconfigFor(sim, `https://${target}`, `socks5://127.0.0.1:${socks.port}`);
			const mine = await ours(viaSocks, env);
			t.true(mine.ok, mine.error);
			t.true(count(socks, `connected to ${target}`) >= 1, 'our connection went through microsocks');
			const ourSocks = count(socks, `connected to ${target}`);
			const kubectlRun = await theirs(viaSocks, env);
			t.true(kubectlRun.ok, kubectlRun.stderr);
			t.true(count(socks, `connected to ${target}`) > ourSocks, "kubectl's too");
			t.is(count(http, ': CONNECT '), 0, 'proxy-url wins over HTTPS_PROXY for both');

			const viaHttp = kubeconfigFor(sim, `https://${target}`, `http://127.0.0.1:${http.port}`);
			t.true((await ours(viaHttp, {})).ok);
			const ourTunnels = count(http, `: CONNECT ${target} `);
			t.true(ourTunnels >= 1);
			t.true((await theirs(viaHttp, {})).ok);
			t.true(count(http, `: CONNECT ${target} `) > ourTunnels);

			// SOCKS5 username/password: refused without, accepted with; the password is never shown.
			const noCredentials = await ours(kubeconfigFor(sim, `https://${target}`, `socks5://127.0.0.1:${socksAuth.port}`), {});
			t.is(
				noCredentials.error,
				`cannot reach the API server: the SOCKS5 proxy socks5://127.0.0.1:${socksAuth.port} (proxy-url of cluster "assure-sim") wants authentication (give a username and password in the proxy URL)`,
			);
			t.false((await theirs(kubeconfigFor(sim, `https://${target}`, `socks5://127.0.0.1:${socksAuth.port}`), {})).ok);
			const withCredentials = kubeconfigFor(sim, `https://${target}`, `socks5://bob:pw-for-socks@127.0.0.1:${socksAuth.port}`);
			t.true((await ours(withCredentials, {})).ok);
			t.true((await theirs(withCredentials, {})).ok);
			t.true(count(socksAuth, `connected to ${target}`) >= 2);
			const wrong = await ours(kubeconfigFor(sim, `https://${target}`, `socks5://bob:nope-pw@127.0.0.1:${socksAuth.port}`), {});
			t.regex(wrong.error ?? '', /SOCKS5 proxy socks5:\/\/127\.0\.0\.1:\d+ \(proxy-url of cluster "assure-sim"\) did not accept the credentials in its URL$/);
		});
	},
);

test.serial(
	"an https:// proxy (TLS to the proxy, checked with the cluster's CA as kubectl checks it, then CONNECT): both through it, both refuse a proxy certificate from another CA",
	async (t) => {
		const backend = await started(startTinyproxy());
		await withSim({scenario: 'empty', https: true, controllers: false}, async (sim) => {
			const target = `127.0.0.1:${sim.port}`;
			// The proxy presents a certificate for 127.0.0.1 signed by the cluster's CA.
			const front = await started(startTlsFront(backend.port, sim.tls!.serverCertPem, sim.tls!.serverKeyPem));
			const kc = kubeconfigFor(sim, `https://${target}`, `https://127.0.0.1:${front.port}`);
			const mine = await ours(kc, {});
			t.true(mine.ok, mine.error);
			const ourTunnels = count(backend, `: CONNECT ${target} `);
			t.true(ourTunnels >= 1);
			const kubectlRun = await theirs(kc, {});
			t.true(kubectlRun.ok, kubectlRun.stderr);
			t.true(count(backend, `: CONNECT ${target} `) > ourTunnels);

			const stranger = generateTls();
			const other = await started(startTlsFront(backend.port, stranger.serverCertPem, stranger.serverKeyPem));
			const untrusted = kubeconfigFor(sim, `https://${target}`, `https://127.0.0.1:${other.port}`);
			const refused = await ours(untrusted, {});
			t.regex(
				refused.error ?? '',
				new RegExp(
					`^cannot reach the API server: cannot connect to the proxy https://127\\.0\\.0\\.1:${other.port} \\(proxy-url of cluster "assure-sim"\\): TLS: its certificate is not trusted`,
				),
			);
			t.false((await theirs(untrusted, {})).ok);
		});
	},
);

test.serial('an http:// server through HTTP_PROXY: absolute-form requests through tinyproxy for both; HTTPS_PROXY does not apply to it', async (t) => {
	const address = outsideAddress();
	const proxy = await started(startTinyproxy());
	await withSim({scenario: 'empty', controllers: false, host: address}, async (sim) => {
		const origin = `http://${address}:${sim.port}`;
		const kc = kubeconfigFor(sim, origin);
		const env = {HTTP_PROXY: `http://127.0.0.1:${proxy.port}`};
		const mine = await ours(kc, env);
		t.true(mine.ok, mine.error);
		t.true(count(proxy, `GET ${origin}/version `) >= 1, 'our request went to the proxy in absolute form');
		const ourLists = count(proxy, `GET ${origin}/api/v1/namespaces`);
		t.true(ourLists >= 1);
		const kubectlRun = await theirs(kc, env);
		t.true(kubectlRun.ok, kubectlRun.stderr);
		t.true(count(proxy, `GET ${origin}/api/v1/namespaces`) > ourLists, "kubectl's too");
		const before = count(proxy, ': GET ');
		t.true((await ours(kc, {HTTPS_PROXY: `http://127.0.0.1:${proxy.port}`})).ok);
		t.true((await theirs(kc, {HTTPS_PROXY: `http://127.0.0.1:${proxy.port}`})).ok);
		t.is(count(proxy, ': GET '), before, 'HTTPS_PROXY is for https servers only, for both');
	});
});

test.serial('watches stream through the tunnel; the product in report mode goes through HTTPS_PROXY, and a proxy error is its one line', async (t) => {
	const address = outsideAddress();
	const proxy = await started(startTinyproxy());
	await withSim({scenario: 'empty', https: true, controllers: false, host: address}, async (sim) => {
		const target = `${address}:${sim.port}`;
		const kc = kubeconfigFor(sim, `https://${target}`);
		const env = {...process.env, ...NO_ENV, HTTPS_PROXY: `http://127.0.0.1:${proxy.port}`};
		const session = new Session({config: resolveConfig({kubeconfig: kc, env, allNamespaces: true}), env, panes: ['etcd']});
		try {
			await session.connect();
			await session.start();
			t.true(await session.waitForSync(Date.now() + 60_000));
			t.true(count(proxy, `: CONNECT ${target} `) >= 1);
			// The watch opens after the first list, which is all waitForSync waits for.
			await eventually(() => sim.requestLog.all().some((entry) => entry.watch && entry.path === '/api/v1/namespaces'), 15_000, 'the namespaces watch is open');
			const mark = sim.requestLog.all().length;
			sim.api.create(sim.type('', 'namespaces'), '', {metadata: {name: 'arrived-through-the-proxy'}}, {user: {name: 't', groups: []}});
			await eventually(() => [...session.store.namespaces.values()].some((ns) => ns.name === 'arrived-through-the-proxy'), 15_000, 'the watch event');
			const since = sim.requestLog.all().slice(mark);
			t.false(
				since.some((entry) => entry.path === '/api/v1/namespaces' && !entry.watch),
				'no LIST brought it: the watch streamed it through the tunnel',
			);
		} finally {
			await session.stop();
		}

		const run = await product(['--kubeconfig', kc, '-o', 'json', '--request-timeout', '60s'], {HTTPS_PROXY: `http://127.0.0.1:${proxy.port}`});
		t.is(run.code, 0, run.stderr);
		t.is(JSON.parse(run.stdout).server.version, sim.gitVersion);
		const gone = await freePort();
		const failed = await product(['--kubeconfig', kc, '-o', 'json', '--request-timeout', '5s'], {HTTPS_PROXY: `http://user:hunter2-pw@127.0.0.1:${gone}`});
		t.is(failed.code, 3);
		t.is(failed.stderr, `error: cannot reach the API server: cannot connect to the proxy http://127.0.0.1:${gone} (HTTPS_PROXY): connection refused\n`);
	});
});

function product(args: string[], env: Record<string, string>): Promise<{code: number; stdout: string; stderr: string}> {
	const home = tempDir();
	return new Promise((resolve) => {
		execFile(
			process.execPath,
			['bin/kubectl-assure.js', ...args],
			{timeout: 120_000, maxBuffer: 64 * 1024 * 1024, env: {PATH: process.env.PATH ?? '', HOME: home, KUBECTL_ASSURE_STATE_DIR: home, ...env}},
			(error, stdout, stderr) => {
				resolve({code: error ? Number((error as {code?: number}).code ?? 1) : 0, stdout, stderr});
			},
		);
	});
}
