/**
 * The client's one circuit breaker: while the server fails, one probe a backoff step goes
 * (or one per Retry-After), failures of requests already in flight count once, a lost probe
 * is replaced, and an answer releases everything that waited.
 */
import test from 'ava';
import {backoffDelay, Breaker, KubeClient} from '../../source/kube/client.js';
import {Credentials} from '../../source/kube/credentials.js';
import {resolveConfig} from '../../source/kube/kubeconfig.js';
import {NetworkError, Transport} from '../../source/kube/transport.js';
import {ManualClock} from '../helpers/manual-clock.js';
import {sleep, withSim, writeKubeconfig} from '../helpers/sim.js';

const half = () => 0.5;

/** Starts `n` passes; returns the list of those that went, in order. */
function queue(breaker: Breaker, n: number, signal?: AbortSignal): {went: number[]; errors: unknown[]} {
	const went: number[] = [];
	const errors: unknown[] = [];
	for (let i = 0; i < n; i++)
		void breaker.pass(signal).then(
			() => went.push(i),
			(error: unknown) => errors.push(error),
		);
	return {went, errors};
}

test('closed: every request goes at once', async (t) => {
	const clock = new ManualClock();
	const breaker = new Breaker(clock, half);
	const {went} = queue(breaker, 5);
	await clock.advance(0);
	t.deepEqual(went, [0, 1, 2, 3, 4]);
	t.false(breaker.tripped);
	t.is(breaker.nextTryInMs(), 0);
});

test("tripped: one probe a step; a failed probe doubles the step; the probe's answer releases everyone, a stale one does not", async (t) => {
	const clock = new ManualClock();
	const breaker = new Breaker(clock, half);
	// Ten requests in flight fail together: one failure, not ten.
	const generation = breaker.current;
	for (let i = 0; i < 10; i++) breaker.failed(generation);
	t.true(breaker.tripped);
	t.is(breaker.nextTryInMs(), backoffDelay(0, half), 'the first step, not the tenth');
	const {went} = queue(breaker, 6);
	await clock.advance(backoffDelay(0, half) - 1);
	t.deepEqual(went, [], 'nobody goes before the step is over');
	await clock.advance(1);
	t.is(went.length, 1, 'exactly one probe');
	t.is(breaker.probes, 1);
	// The probe fails: the next step is the second one.
	breaker.failed(breaker.current);
	t.is(breaker.nextTryInMs(), backoffDelay(1, half));
	await clock.advance(backoffDelay(1, half));
	t.is(went.length, 2, 'the second probe');
	// A slow request sent before the first trip is answered now: that says nothing of the server.
	breaker.succeeded(generation);
	await clock.advance(0);
	t.is(went.length, 2, 'an answer to a request sent before the trip releases nobody');
	t.true(breaker.tripped);
	breaker.succeeded(breaker.current);
	await clock.advance(0);
	t.is(went.length, 6, 'an answer lets every waiting request go');
	t.false(breaker.tripped);
});

test("429: the probe waits the Retry-After; a stale request's Retry-After still counts", async (t) => {
	const clock = new ManualClock();
	const breaker = new Breaker(clock, half);
	const old = breaker.current;
	breaker.failed(old, 5000);
	t.is(breaker.nextTryInMs(), 5000);
	breaker.failed(old, 8000);
	t.is(breaker.nextTryInMs(), 8000, 'the longer pause the server asked for');
	const {went} = queue(breaker, 3);
	await clock.advance(7999);
	t.deepEqual(went, []);
	await clock.advance(1);
	t.is(went.length, 1);
});

test('a probe that never settles is replaced after the probe timeout', async (t) => {
	const clock = new ManualClock();
	const breaker = new Breaker(clock, half, 30_000);
	breaker.failed(breaker.current);
	const {went} = queue(breaker, 3);
	await clock.advance(backoffDelay(0, half));
	t.is(went.length, 1, 'the probe went (and hangs)');
	await clock.advance(29_999);
	t.is(went.length, 1);
	await clock.advance(1);
	t.is(went.length, 2, 'a second probe after 30 s');
});

test('a deadline before the next try rejects at once; an abort leaves the queue', async (t) => {
	const clock = new ManualClock();
	const breaker = new Breaker(clock, half);
	breaker.failed(breaker.current);
	await t.throwsAsync(breaker.pass(undefined, clock.now() + 100, 'list pods'), {instanceOf: NetworkError, message: /list pods: not sent/});
	const controller = new AbortController();
	const {errors} = queue(breaker, 2, controller.signal);
	controller.abort();
	await clock.advance(0);
	t.is(errors.length, 2);
	t.true(errors.every((e) => (e as Error).name === 'AbortError'));
});

test('a server that is down meets one probe a step from many readers, and all of them finish once it is back', async (t) => {
	await withSim({scenario: 'empty'}, async (sim) => {
		const config = resolveConfig({kubeconfig: writeKubeconfig(sim)});
		const credentials = new Credentials(config);
		const client = new KubeClient(new Transport(config, credentials, 'kubectl-assure/test (linux/amd64)'), credentials, {
			qps: 100,
			burst: 100,
			random: () => 0,
		});
		sim.faults.set({errorShare: 1, errorCode: 503});
		const readers = Array.from({length: 12}, () => client.getJson<{items: unknown[]}>('/api/v1/namespaces'));
		// Steps of 0.5, 1, 2 s: by 3 s the first failures plus about three probes.
		await sleep(3200);
		const during = client.stats.requests;
		t.true(during <= 12 + 4, `${during} requests in 3.2 s from 12 readers (one each, then one probe a step)`);
		t.true(client.breaker.probes >= 2, `${client.breaker.probes} probes`);
		sim.faults.set({errorShare: 0});
		const lists = await Promise.all(readers);
		t.true(
			lists.every((l) => l.items.length > 0),
			'every reader got its answer',
		);
		t.false(client.breaker.tripped);
	});
});
