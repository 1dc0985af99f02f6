/**
 * The data layer against the simulator: the store converges to the simulator's state, the
 * API footprint is what a gentle client's should be (one paged LIST chain and one watch with
 * bookmarks per kind, no resourceVersion=0 with limit, nothing unpaged, an honest user
 * agent, almost nothing in steady state), --read-only sends nothing but GET, each fault
 * heals with a bounded number of requests, and an exec credential is reused until a 401.
 */
import {readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import test from 'ava';
import {Session} from '../../source/kube/session.js';
import {KINDS, PANE_KINDS} from '../../source/kube/session-kinds.js';
import type {RequestLogEntry} from '../../source/sim/request-log.js';
import type {Simulator} from '../../source/sim/simulator.js';
import {eventually, sleep, tempDir, withSim, writeKubeconfig} from '../helpers/sim.js';
import {readAllBut} from '../helpers/rbac.js';
import {withSession} from '../helpers/session.js';

const UA = /^kubectl-assure\/\d+\.\d+\.\d+\S* \(linux\/amd64\)$/;

/** The store holds what the simulator holds (by key) for the kinds it reflects. */
function converged(sim: Simulator, session: Session): boolean {
	const s = session.store;
	const keys = (storage: string) => [...sim.store.resource(storage).objects.keys()].sort().join(',');
	return (
		keys('pods') === [...s.pods.keys()].sort().join(',') &&
		keys('batch/jobs') === [...s.jobs.keys()].sort().join(',') &&
		keys('apps/deployments') === [...s.deployments.keys()].sort().join(',') &&
		keys('apps/replicasets') === [...s.replicaSets.keys()].sort().join(',') &&
		keys('nodes') === [...s.nodes.keys()].sort().join(',') &&
		keys('autoscaling/horizontalpodautoscalers') === [...s.hpas.keys()].sort().join(',')
	);
}

function ours(entries: readonly RequestLogEntry[]): RequestLogEntry[] {
	return entries.filter((e) => e.userAgent.startsWith('kubectl-assure/'));
}

/** A LIST of a resource (not discovery, not a watch, not metrics.k8s.io). */
const isList = (e: RequestLogEntry): boolean => {
	if (e.method !== 'GET' || e.watch || e.path.startsWith('/apis/metrics.k8s.io')) return false;
	const segments = e.path.split('/').filter(Boolean);
	const rest = segments[0] === 'api' ? segments.slice(2) : segments[0] === 'apis' ? segments.slice(3) : undefined;
	if (!rest || rest.length === 0) return false;
	return rest.length === 1 || (rest[0] === 'namespaces' && rest.length === 3);
};

test("initial sync: the store holds the simulator's objects; one paged LIST chain and one watch with bookmarks per kind", async (t) => {
	await withSim({scenario: 'incident', controllers: false}, async (sim) => {
		await withSession(sim, {}, async (session) => {
			t.true(await session.waitForSync(session.clock.now() + 60_000));
			t.true(converged(sim, session));
			// Each kind's watch follows its list through the budget.
			await eventually(
				() => ours(sim.requestLog.all()).filter((e) => e.watch && e.stage === 'ResponseStarted').length >= session.reflectors.size,
				10_000,
				'every watch to open',
			);
			t.is(session.store.scaledObjects.size, 1);
			t.is(session.store.unreadable.size, 0);
			t.truthy(session.store.serverVersion);
			const log = ours(sim.requestLog.all());
			t.true(
				log.every((e) => UA.test(e.userAgent)),
				'every request carries the user agent',
			);
			t.false(
				log.some((e) => e.query.resourceVersion === '0' && e.query.limit !== undefined),
				'never resourceVersion=0 with limit',
			);
			const lists = log.filter(isList);
			t.true(
				lists.every((e) => e.query.limit !== undefined),
				`no unpaged LIST: ${lists
					.filter((e) => e.query.limit === undefined)
					.map((e) => e.path)
					.join(', ')}`,
			);
			t.true(
				lists.every((e) => e.query.resourceVersion === undefined),
				'LISTs are consistent reads (resourceVersion unset)',
			);
			const kinds = new Set([...session.reflectors.keys()]);
			for (const kind of kinds) {
				const spec = KINDS[kind];
				const path = `${spec.group ? `/apis/${spec.group}/${spec.version}` : '/api/v1'}${spec.namespace ? `/namespaces/${spec.namespace}` : ''}/${spec.resource}`;
				const watches = log.filter(
					(e) => e.watch && e.stage === 'ResponseStarted' && e.path === path && (spec.fieldSelector ? e.query.fieldSelector === spec.fieldSelector : true),
				);
				t.is(watches.length, 1, `one watch for ${kind}`);
				t.is(watches[0]?.query.allowWatchBookmarks, 'true');
				const timeout = Number(watches[0]?.query.timeoutSeconds);
				t.true(timeout >= 300 && timeout <= 600, `${kind} watch timeout ${timeout}`);
				if (kind === 'events') {
					t.deepEqual(
						log.filter((e) => isList(e) && e.path === path && e.query.fieldSelector === undefined).map((e) => e.query.limit),
						['1'],
						'events: a limit=1 LIST, no full LIST',
					);
					continue;
				}
				const chain = log.filter(
					(e) =>
						isList(e) &&
						e.path === path &&
						(spec.fieldSelector ? e.query.fieldSelector === spec.fieldSelector : !e.query.fieldSelector) &&
						e.query.limit === '500',
				);
				t.is(chain.filter((e) => e.query.continue === undefined).length, 1, `one LIST chain for ${kind}`);
			}
			const pods = log.filter((e) => isList(e) && e.path === '/api/v1/pods');
			t.true(pods.length >= 1 && pods.every((e) => e.query.limit === '500'));
		});
	});
});

test('steady state over two simulated minutes: watches only, /metrics at most twice a minute, no LIST but counts', async (t) => {
	await withSim({scenario: 'incident', timeScale: 20}, async (sim) => {
		await withSession(sim, {}, async (session) => {
			// The first counts come with a one-time sample of custom kinds' sizes (small LISTs):
			// steady state starts after them.
			t.true(await session.waitForSync(session.clock.now() + 600_000, {counts: true}));
			await sleep(1500);
			const mark = sim.requestLog.length;
			const startSim = sim.clock.now();
			await sleep(6000);
			const minutes = (sim.clock.now() - startSim) / 60_000;
			t.true(minutes >= 1.9, `${minutes.toFixed(2)} simulated minutes`);
			const after = ours(sim.requestLog.all().slice(mark));
			const metrics = after.filter((e) => e.path === '/metrics');
			t.true(metrics.length <= Math.ceil(minutes * 2) + 1, `${metrics.length} /metrics reads in ${minutes.toFixed(1)} min`);
			const lists = after.filter(isList);
			const stats = [...session.reflectors].map(([kind, r]) => `${kind}:${JSON.stringify(r.stats)}`).join(' ');
			t.deepEqual(
				lists.map((e) => `${e.path} ${e.status}`),
				[],
				`no LIST in steady state (counts come from /metrics); reflectors ${stats}`,
			);
			const writes = after.filter((e) => e.method !== 'GET');
			t.deepEqual(
				writes.map((e) => `${e.method} ${e.path}`),
				[],
			);
			const podMetrics = after.filter((e) => e.path.startsWith('/apis/metrics.k8s.io'));
			t.true(podMetrics.length <= Math.ceil(minutes * 2) + 1, 'pod metrics at most every 30 s');
			t.true(converged(sim, session), 'still in sync with the live cluster');
		});
	});
});

test('a /metrics read that fails for a while (429) keeps the last counts and never fans out one LIST per resource', async (t) => {
	await withSim({scenario: 'incident', controllers: false, timeScale: 20}, async (sim) => {
		await withSession(sim, {}, async (session) => {
			t.true(await session.waitForSync(session.clock.now() + 600_000, {counts: true}));
			const counted = session.store.counts.size;
			t.true(counted > 0);
			const mark = sim.requestLog.length;
			sim.faults.set({throttleShare: 1, throttlePath: '/metrics', retryAfterSeconds: 1});
			const reads = session.stats.metricsReads;
			await eventually(
				() => session.stats.metricsReads >= reads + 2 && /429|throttl|Too Many/i.test(session.store.metricsUnavailable ?? ''),
				30_000,
				'two failed /metrics polls',
			);
			t.regex(session.store.metricsUnavailable ?? '', /counts kept from the last reading/);
			t.is(session.store.counts.size, counted, 'the counts are kept');
			const lists = ours(sim.requestLog.all().slice(mark)).filter(isList);
			t.deepEqual(
				lists.map((e) => e.path),
				[],
				'no LIST fan-out against a server that is throttling',
			);
			sim.faults.clear();
			await eventually(() => session.store.metricsUnavailable === undefined, 30_000, '/metrics readable again');
		});
	});
});

test('--read-only: not one request but GET', async (t) => {
	await withSim({scenario: 'incident', controllers: false}, async (sim) => {
		await withSession(sim, {readOnly: true}, async (session) => {
			t.true(await session.waitForSync(session.clock.now() + 60_000));
			t.true(converged(sim, session));
			await sleep(300);
		});
		const methods = new Set(ours(sim.requestLog.all()).map((e) => e.method));
		t.deepEqual([...methods], ['GET']);
	});
});

test('only the kinds of the panes asked for are reflected', async (t) => {
	await withSim({scenario: 'incident', controllers: false}, async (sim) => {
		await withSession(sim, {panes: ['qos']}, async (session) => {
			await session.waitForSync(session.clock.now() + 60_000);
			t.deepEqual([...session.reflectors.keys()].sort(), [...PANE_KINDS.qos].sort());
		});
	});
});

test('waitForSync with rescales: the HPA rescale history the events hold is in the store, even when the one LIST that reads it waits behind every other (a slow server and a small budget)', async (t) => {
	await withSim({scenario: 'incident', controllers: false, faults: {latencyMs: 150}}, async (sim) => {
		const withHistory = [...sim.store.resource('events').objects.values()].filter((record) => record.json.includes('"SuccessfulRescale"')).length;
		t.true(withHistory > 0, 'the scenario holds rescale events');
		await withSession(sim, {panes: ['autoscaling'], qps: 1, burst: 1}, async (session) => {
			t.true(await session.waitForSync(session.clock.now() + 600_000, {rescales: true}));
			t.true(session.store.rescaleEvents.size > 0, 'the rescale history is read before the sync is said done');
		});
	});
});

test('RBAC: a kind the user cannot list starts nothing and says why', async (t) => {
	await withSim(
		{
			scenario: 'incident',
			controllers: false,
			https: true,
			tokens: {limited: {name: 'limited', groups: ['system:authenticated']}},
			rbac: [
				{users: ['limited'], verbs: ['get', 'list', 'watch'], apiGroups: ['*'], resources: ['*']},
				{users: ['limited'], verbs: ['create'], apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews']},
			],
		},
		async (sim) => {
			sim.authorizer.setRules([readAllBut('limited', 'persistentvolumes')]);
			await withSession(sim, {kubeconfig: writeKubeconfig(sim, {token: 'limited'})}, async (session) => {
				await session.waitForSync(session.clock.now() + 60_000);
				t.regex(session.store.unreadable.get('volumes') ?? '', /persistentvolumes/);
				t.false(session.reflectors.has('volumes'));
				t.false(
					sim.requestLog.all().some((e) => e.path === '/api/v1/persistentvolumes'),
					'not even one LIST of the forbidden kind',
				);
				t.true(session.store.pods.size > 0);
				t.is(session.store.metricsUnavailable, '/metrics not readable (needs get on the non-resource URL /metrics)');
			});
		},
	);
});

interface FaultCase {
	name: string;
	inject: (sim: Simulator) => void;
	/** The most requests we may send while it lasts (stated bound). */
	bound: (kinds: number) => number;
	settle?: number;
}

const faultCases: FaultCase[] = [
	// A watch cut before its timeout is re-watched; the check of the server's resourceVersion
	// (did it go back in time?) goes only if the new watch brings nothing newer for a while.
	{name: 'dropped watches', inject: (sim) => sim.server.dropWatches(), bound: (kinds) => 2 * kinds + 4},
	{
		name: '410 on every re-watch',
		inject: (sim) => {
			sim.faults.set({expireNextWatches: 100, expireMode: 'event'});
			sim.server.closeWatches();
		},
		bound: (kinds) => 6 * kinds + 6,
	},
	// 1.5 s at 20× is a 30 s storm: each waiting request retries once per Retry-After.
	{
		name: 'a storm of 429 with Retry-After 5 s',
		inject: (sim) => {
			sim.faults.set({throttleShare: 1, retryAfterSeconds: 5});
			sim.server.dropWatches();
			setTimeout(() => sim.faults.set({throttleShare: 0}), 1500);
		},
		bound: (kinds) => Math.ceil(kinds * (30 / 5 + 2)) + 10,
	},
	// 30 simulated seconds of 503 to everything (a burst by time, as a server fails; a burst of
	// N errors would be spent by the breaker's probes alone, one a backoff step).
	{
		name: 'a burst of 5xx',
		inject: (sim) => {
			sim.faults.set({errorShare: 1, errorCode: 503});
			sim.server.dropWatches();
			setTimeout(() => sim.faults.set({errorShare: 0}), 1500);
		},
		bound: (kinds) => 30 + 3 * kinds,
	},
	{
		name: '3 s of latency on every request',
		inject: (sim) => {
			sim.faults.set({latencyMs: 3000});
			sim.server.dropWatches();
			setTimeout(() => sim.faults.set({latencyMs: 0}), 4000);
		},
		bound: (kinds) => 3 * kinds + 6,
		settle: 60_000,
	},
	{
		name: 'half-open watches',
		inject: (sim) => {
			sim.faults.set({halfOpenAllWatches: true});
			sim.server.dropWatches();
			setTimeout(() => sim.faults.set({halfOpenAllWatches: false}), 800);
		},
		bound: (kinds) => 4 * kinds + 6,
	},
];

for (const fault of faultCases) {
	test(`fault: ${fault.name} — the store converges and the requests stay bounded`, async (t) => {
		await withSim({scenario: 'incident', controllers: false, timeScale: 20}, async (sim) => {
			await withSession(sim, {watchTimeoutSeconds: [40, 60], watchdogMarginSeconds: 10}, async (session) => {
				t.true(await session.waitForSync(session.clock.now() + 600_000));
				await sleep(500);
				const kinds = session.reflectors.size;
				const mark = sim.requestLog.length;
				fault.inject(sim);
				// Changes the client must pick up after the fault.
				const ctx = {user: {name: 'test', groups: ['system:masters']}};
				sim.api.create(
					sim.type('', 'pods'),
					'default',
					{metadata: {name: `after-${fault.name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`}, spec: {containers: [{name: 'c', image: 'i'}]}},
					ctx,
				);
				const job = sim.api.objects('batch/jobs', 'batch-jobs')[0]!;
				sim.api.delete(sim.type('batch', 'jobs'), 'batch-jobs', job.metadata.name, {propagationPolicy: 'Orphan'}, ctx);
				await eventually(() => converged(sim, session), fault.settle ?? 40_000, 'convergence');
				const during = ours(sim.requestLog.all().slice(mark)).filter((e) => e.stage !== 'ResponseComplete');
				const bound = fault.bound(kinds);
				t.true(during.length <= bound, `${during.length} requests during the fault (bound ${bound} for ${kinds} kinds)`);
				t.log(`${during.length} requests (bound ${bound})`);
			});
		});
	});
}

test('an exec credential without expiry is reused until a 401, then refreshed once', async (t) => {
	const dir = tempDir();
	const counter = join(dir, 'runs');
	const tokenFile = join(dir, 'token');
	writeFileSync(counter, '');
	writeFileSync(tokenFile, 'first-token');
	await withSim(
		{scenario: 'incident', controllers: false, https: true, tokens: {'first-token': {name: 'exec-user', groups: ['system:masters']}}},
		async (sim) => {
			const plugin = join(process.cwd(), 'test', 'fixtures', 'exec-plugin.sh');
			const kubeconfig = writeKubeconfig(sim, {
				exec: {
					command: plugin,
					env: [
						{name: 'ASSURE_TEST_TOKEN_FILE', value: tokenFile},
						{name: 'ASSURE_TEST_COUNTER', value: counter},
					],
				},
			});
			const runs = () => readFileSync(counter, 'utf8').split('\n').filter(Boolean).length;
			await withSession(sim, {kubeconfig}, async (session) => {
				t.true(await session.waitForSync(session.clock.now() + 60_000));
				const requests = sim.requestLog.all().length;
				t.true(requests > 30);
				t.is(runs(), 1, `one plugin run for ${requests} requests`);
				t.is(session.credentials.execRuns, 1);
				// The credential is revoked; the plugin now hands out a new one.
				writeFileSync(tokenFile, 'second-token');
				sim.authenticator.addToken('second-token', {name: 'exec-user', groups: ['system:masters']});
				sim.authenticator.revokeToken('first-token');
				sim.server.dropWatches();
				sim.api.create(
					sim.type('', 'pods'),
					'default',
					{metadata: {name: 'after-rotation'}, spec: {containers: [{name: 'c', image: 'i'}]}},
					{user: {name: 't', groups: []}},
				);
				await eventually(() => session.store.pods.has('default/after-rotation'), 15_000, 'sync after the rotation');
				t.is(runs(), 2, 'the plugin ran once more after the 401');
				t.true(sim.requestLog.all().some((e) => e.status === 401));
			});
		},
	);
});

test('pod metrics are read every 30 s, or less often when a read takes many pages (a fifth of the budget at most)', async (t) => {
	await withSim({scenario: 'incident', controllers: false}, async (sim) => {
		await withSession(sim, {qps: 5, burst: 10}, async (session) => {
			t.true(await session.waitForSync(session.clock.now() + 120_000));
			await eventually(() => session.stats.podMetricsReads >= 1 && session.store.podUsage !== undefined, 20_000, 'the first pod-metrics read');
			// Every pod the server reported, with its containers in order (the figures move with the simulated clock).
			const served = (await (await fetch(`${sim.url}/apis/metrics.k8s.io/v1beta1/pods`)).json()) as {
				items: Array<{metadata: {namespace: string; name: string}; containers: Array<{name: string}>}>;
			};
			t.true(served.items.length > 0);
			t.is(session.store.podUsage!.size, served.items.length);
			for (const item of served.items) {
				const held: string[] = [];
				session.store.podUsage!.forEachContainer(item.metadata.namespace, item.metadata.name, (container, cpu, memory) => {
					t.true(cpu >= 0 && memory > 0);
					held.push(container);
				});
				t.deepEqual(
					held,
					item.containers.map((c) => c.name),
				);
			}
			t.is(session.podMetricsPauseMs(), 30_000, 'one page: the 30 s floor');
			// 300 pages (150,000 pods) at 5 QPS: a fifth of the budget is 1 request/s, so 300 s.
			(session as unknown as {podMetricsPages: number}).podMetricsPages = 300;
			t.is(session.podMetricsPauseMs(), 300_000);
		});
	});
});
