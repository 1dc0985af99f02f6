/**
 * The gentle request layer: the budget (5 QPS, burst 10), foreground before background,
 * jittered backoff bounds, Retry-After honoured on 429, backoff on 5xx, no retry of
 * writes on 5xx, one credential refresh on 401, read-only refusing writes.
 */
import test from 'ava';
import {backoffDelay, KubeClient, ReadOnlyError, TokenBucket} from '../../source/kube/client.js';
import {Credentials} from '../../source/kube/credentials.js';
import {resolveConfig} from '../../source/kube/kubeconfig.js';
import {Transport} from '../../source/kube/transport.js';
import {ManualClock} from '../helpers/manual-clock.js';
import {withSim, writeKubeconfig} from '../helpers/sim.js';

test('the token bucket allows a burst, then the rate', async (t) => {
	const clock = new ManualClock();
	const bucket = new TokenBucket(5, 10, clock);
	const granted: number[] = [];
	for (let i = 0; i < 20; i++) void bucket.take().then(() => granted.push(clock.now() - 1_700_000_000_000));
	await clock.advance(0);
	t.is(granted.length, 10, 'the burst goes at once');
	await clock.advance(1000);
	t.is(granted.length, 15, 'then five per second');
	await clock.advance(1000);
	t.is(granted.length, 20);
	t.deepEqual(granted.slice(10), [200, 400, 600, 800, 1000, 1200, 1400, 1600, 1800, 2000]);
});

test('foreground requests are served before background ones', async (t) => {
	const clock = new ManualClock();
	const bucket = new TokenBucket(1, 1, clock);
	const order: string[] = [];
	void bucket.take();
	await clock.advance(0);
	for (let i = 0; i < 3; i++) void bucket.take(undefined, true).then(() => order.push(`bg${i}`));
	for (let i = 0; i < 2; i++) void bucket.take().then(() => order.push(`fg${i}`));
	await clock.advance(5000);
	t.deepEqual(order, ['fg0', 'fg1', 'bg0', 'bg1', 'bg2']);
});

test('an aborted wait leaves the queue', async (t) => {
	const clock = new ManualClock();
	const bucket = new TokenBucket(1, 1, clock);
	await bucket.take();
	const controller = new AbortController();
	const aborted = bucket.take(controller.signal);
	controller.abort();
	await t.throwsAsync(aborted, {name: 'AbortError'});
	let served = false;
	void bucket.take().then(() => {
		served = true;
	});
	await clock.advance(1000);
	t.true(served);
});

test('backoff: never shorter than min(30 s, 0.5 s × 2^n), at most half again as long', (t) => {
	t.is(
		backoffDelay(0, () => 0),
		500,
	);
	t.is(
		backoffDelay(0, () => 1),
		750,
	);
	t.is(
		backoffDelay(3, () => 0),
		4000,
	);
	t.is(
		backoffDelay(3, () => 1),
		6000,
	);
	t.is(
		backoffDelay(10, () => 0),
		30_000,
	);
	t.is(
		backoffDelay(10, () => 1),
		45_000,
	);
	t.is(
		backoffDelay(40, () => 0.5),
		37_500,
	);
});

async function clientFor(sim: Parameters<Parameters<typeof withSim>[1]>[0], options: {readOnly?: boolean; token?: string} = {}) {
	const config = resolveConfig({kubeconfig: writeKubeconfig(sim, {token: options.token})});
	const credentials = new Credentials(config);
	return new KubeClient(new Transport(config, credentials, 'kubectl-assure/test (linux/amd64)'), credentials, {readOnly: options.readOnly, random: () => 0.5});
}

test('429: waits Retry-After and tries again; the user agent is honest', async (t) => {
	await withSim({scenario: 'empty'}, async (sim) => {
		const client = await clientFor(sim);
		sim.faults.set({errorBurst: 0, throttleShare: 1, retryAfterSeconds: 1});
		setTimeout(() => sim.faults.set({throttleShare: 0}), 1500);
		const started = Date.now();
		const namespaces = await client.getJson<{items: unknown[]}>('/api/v1/namespaces');
		t.true(namespaces.items.length > 0);
		t.true(Date.now() - started >= 1000, 'it waited at least the Retry-After');
		const attempts = sim.requestLog.all().filter((e) => e.path === '/api/v1/namespaces');
		t.true(attempts.length >= 2 && attempts.length <= 3, `${attempts.length} attempts in 1.5 s`);
		t.is(attempts.at(-1)!.status, 200);
		t.true(attempts.every((e) => e.userAgent === 'kubectl-assure/test (linux/amd64)'));
		t.true(client.stats.throttled >= 1);
	});
});

test('5xx on a read backs off and retries; on a write it does not', async (t) => {
	await withSim({scenario: 'empty'}, async (sim) => {
		const client = await clientFor(sim);
		sim.faults.set({errorBurst: 2, errorCode: 503});
		const list = await client.getJson<{items: unknown[]}>('/api/v1/namespaces');
		t.true(list.items.length > 0);
		t.is(client.stats.retries, 2);
		sim.faults.set({errorBurst: 1, errorCode: 500});
		const error = await t.throwsAsync(client.send('POST', '/api/v1/namespaces/default/configmaps', {metadata: {name: 'x'}}));
		t.regex(error!.message, /Internal error/);
		t.is(sim.requestLog.all().filter((e) => e.method === 'POST').length, 1, 'a write is not repeated after a 5xx');
	});
});

test('read-only refuses anything but GET before it leaves the process', async (t) => {
	await withSim({scenario: 'empty'}, async (sim) => {
		const client = await clientFor(sim, {readOnly: true});
		await t.throwsAsync(client.send('DELETE', '/api/v1/namespaces/default', undefined), {instanceOf: ReadOnlyError});
		t.is(sim.requestLog.all().length, 0);
	});
});
