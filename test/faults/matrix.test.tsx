/**
 * The fault matrix, with the whole TUI running (Ink through ink-testing-library, the real
 * session and controller) against the simulator at 20× time: for each fault the TUI keeps
 * rendering and says what is wrong while it lasts, the store converges to the simulator's
 * state after it, and the requests sent during it stay under a stated bound. (The
 * session-level cases — dropped watches, 410 storms, half-open watches, 3 s latency,
 * exec credentials refreshed on a 401 — are in test/kube/session.test.ts.)
 */
import test from 'ava';
import {render} from 'ink-testing-library';
import {AppController} from '../../source/app/controller.js';
import {ScaledClock} from '../../source/clock.js';
import {resolveConfig} from '../../source/kube/kubeconfig.js';
import {Session} from '../../source/kube/session.js';
import type {RequestLogEntry} from '../../source/sim/request-log.js';
import type {Simulator, SimulatorOptions} from '../../source/sim/simulator.js';
import {Screen} from '../../source/ui/screen.js';
import {makeTheme} from '../../source/ui/theme.js';
import {readAllBut} from '../helpers/rbac.js';
import {eventually, sleep, withSim, writeKubeconfig} from '../helpers/sim.js';

interface Running {
	sim: Simulator;
	session: Session;
	frame(): string;
	press(key: string): Promise<void>;
	until(pattern: RegExp, what: string, timeoutMs?: number): Promise<string>;
}

const ADMIN = {user: {name: 'test', groups: ['system:masters']}};

async function withTui(options: SimulatorOptions & {token?: string}, fn: (r: Running) => Promise<void>): Promise<void> {
	await withSim({scenario: 'incident', controllers: false, timeScale: 20, ...options}, async (sim) => {
		const config = resolveConfig({kubeconfig: writeKubeconfig(sim, {token: options.token}), allNamespaces: true});
		const session = new Session({config, clock: new ScaledClock(sim.clock.scale, sim.clock.now()), watchTimeoutSeconds: [40, 60], watchdogMarginSeconds: 10});
		await session.connect();
		await session.start();
		const controller = new AppController({session, readOnly: true, minIntervalMs: 100});
		const ui = render(<Screen controller={controller} theme={makeTheme({color: false, unicode: true})} readOnly width={110} height={30} />);
		const frame = () => ui.lastFrame() ?? '';
		try {
			await session.waitForSync(session.clock.now() + 600_000);
			await fn({
				sim,
				session,
				frame,
				async press(key) {
					ui.stdin.write(key);
					await sleep(60);
				},
				async until(pattern, what, timeoutMs = 30_000) {
					await eventually(() => pattern.test(frame()), timeoutMs, `${what}; the last frame was:\n${frame()}`);
					return frame();
				},
			});
		} finally {
			ui.unmount();
			controller.dispose();
			await session.stop();
		}
	});
}

function converged(sim: Simulator, session: Session): boolean {
	const keys = (storage: string) => [...sim.store.resource(storage).objects.keys()].sort().join(',');
	return (
		keys('pods') === [...session.store.pods.keys()].sort().join(',') &&
		keys('batch/jobs') === [...session.store.jobs.keys()].sort().join(',') &&
		keys('autoscaling/horizontalpodautoscalers') === [...session.store.hpas.keys()].sort().join(',')
	);
}

const ours = (entries: readonly RequestLogEntry[]) => entries.filter((e) => e.userAgent.startsWith('kubectl-assure/') && e.stage !== 'ResponseComplete');

/** Changes the client must pick up once the fault is over. */
function changeTheCluster(sim: Simulator, tag: string): void {
	sim.api.create(sim.type('', 'pods'), 'default', {metadata: {name: `after-${tag}`}, spec: {containers: [{name: 'c', image: 'i'}]}}, ADMIN);
	const job = sim.api.objects('batch/jobs', 'batch-jobs')[0]!;
	sim.api.delete(sim.type('batch', 'jobs'), 'batch-jobs', job.metadata.name, {propagationPolicy: 'Orphan'}, ADMIN);
}

/** The most attempts one request loop makes in `seconds` (simulated) with the backoff's shortest waits. */
function backoffAttempts(seconds: number): number {
	let elapsed = 0;
	let attempts = 1;
	for (let n = 0; ; n++) {
		elapsed += Math.min(30, 0.5 * 2 ** n);
		if (elapsed > seconds) return attempts;
		attempts++;
	}
}

/**
 * Request loops besides the reflectors that may have a request in flight when the server
 * fails: /metrics, pod metrics, discovery of a group, the first sample of custom kinds'
 * sizes, access reviews, the HPA history backfill. After that first failure every loop
 * waits at the client's one circuit breaker, which lets one probe through a backoff step.
 */
const BACKGROUND_LOOPS = 6;

interface Case {
	name: string;
	/** Starts the fault; returns how to end it. */
	start(sim: Simulator): () => void;
	/** What the header says while it lasts. */
	says: RegExp;
	/** Most requests sent while it lasts, for this many reflected kinds and simulated seconds. */
	bound(kinds: number, seconds: number): number;
	/** Real ms the fault lasts. */
	lasts: number;
}

const cases: Case[] = [
	{
		name: 'the server goes away and comes back',
		start(sim) {
			sim.faults.set({down: true});
			sim.server.dropWatches();
			return () => sim.faults.set({down: false});
		},
		says: /unreachable|reconnecting/,
		// What was in flight fails once; then one probe a backoff step. (A kind whose watch was
		// cut checks the server's resourceVersion only if its new watch brings nothing newer
		// within a bookmark interval: none within this case.)
		bound: (kinds, seconds) => kinds + BACKGROUND_LOOPS + backoffAttempts(seconds) + 10,
		lasts: 3000,
	},
	{
		name: 'a storm of 429 with Retry-After',
		start(sim) {
			sim.faults.set({throttleShare: 1, retryAfterSeconds: 5});
			sim.server.dropWatches();
			return () => sim.faults.set({throttleShare: 0});
		},
		says: /throttled by the API server \(429\)/,
		// What was in flight is refused once; then one probe per Retry-After.
		bound: (kinds, seconds) => kinds + BACKGROUND_LOOPS + Math.ceil(seconds / 5) + 10,
		lasts: 2000,
	},
	{
		name: 'a burst of 503s',
		start(sim) {
			sim.faults.set({errorShare: 1, errorCode: 503});
			sim.server.dropWatches();
			return () => sim.faults.set({errorShare: 0});
		},
		says: /● reconnecting( \d+[smhd])* 503, /,
		bound: (kinds, seconds) => kinds + BACKGROUND_LOOPS + backoffAttempts(seconds) + 10,
		lasts: 2000,
	},
];

for (const fault of cases) {
	test.serial(`TUI under fault: ${fault.name} — says so, keeps rendering and answering keys, converges after, requests bounded`, async (t) => {
		await withTui({}, async (r) => {
			await r.until(/● live/, 'live before the fault');
			const kinds = r.session.reflectors.size;
			const mark = r.sim.requestLog.length;
			const requestsBefore = r.session.client.stats.requests;
			const startedAt = r.sim.clock.now();
			const end = fault.start(r.sim);
			const during = await r.until(fault.says, 'the header saying what is wrong');
			t.notRegex(during, /● live/);
			// Still answering keys while the server is in trouble.
			await r.press('4');
			await r.until(/QOS|Guaranteed/, 'the QoS pane while the fault lasts');
			await sleep(fault.lasts);
			end();
			const seconds = (r.sim.clock.now() - startedAt) / 1000;
			// Counted by the client (every attempt, retries included): a server that is down logs nothing.
			const sent = r.session.client.stats.requests - requestsBefore;
			const logged = ours(r.sim.requestLog.all().slice(mark)).length;
			changeTheCluster(r.sim, fault.name.replace(/[^a-z0-9]+/gi, '-').toLowerCase());
			await eventually(() => converged(r.sim, r.session), 60_000, 'the store converges after the fault');
			await r.until(/● (live|syncing)/, 'live again');
			const bound = fault.bound(kinds, seconds);
			t.true(sent <= bound, `${sent} requests during ${seconds.toFixed(0)} simulated s of fault (bound ${bound} for ${kinds} kinds)`);
			t.log(`${sent} requests (${logged} reached the server) during ${seconds.toFixed(0)} simulated s; bound ${bound}`);
		});
	});
}

test.serial('TUI under fault: RBAC revoked mid-run (403 on the pods watch) — the QoS pane says why, and recovers when access returns', async (t) => {
	const everything = [
		{users: ['viewer'], verbs: ['get', 'list', 'watch'], apiGroups: ['*'], resources: ['*'], nonResourceURLs: ['*']},
		{users: ['viewer'], verbs: ['create'], apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews']},
	];
	await withTui({https: true, token: 'viewer', tokens: {viewer: {name: 'viewer', groups: ['system:authenticated']}}, rbac: everything}, async (r) => {
		await r.press('4');
		await r.until(/Guaranteed|QOS/, 'the QoS pane');
		const kinds = r.session.reflectors.size;
		const mark = r.sim.requestLog.length;
		// Everything but pods: the next watch of pods is refused.
		r.sim.authorizer.setRules([
			readAllBut('viewer', 'pods', ['apiextensions.k8s.io', 'cert-manager.io', 'ml.example.com', 'metrics.k8s.io']),
			{users: ['viewer'], verbs: ['get'], nonResourceURLs: ['*']},
			everything[1]!,
		]);
		r.sim.server.dropWatches();
		const frame = await r.until(/cannot list pods/, 'the QoS pane saying the pods are no longer readable');
		t.regex(frame, /forbidden|403/i);
		await sleep(1000);
		const sent = ours(r.sim.requestLog.all().slice(mark)).length;
		t.true(sent <= 4 * kinds + 10, `${sent} requests while forbidden (bound ${4 * kinds + 10})`);
		// The pods watch and lists themselves (not metrics.k8s.io's pods, also refused now).
		const refusedPods = ours(r.sim.requestLog.all().slice(mark)).filter((e) => e.path === '/api/v1/pods' && e.status === 403);
		t.true(refusedPods.length >= 1 && refusedPods.length <= 2, `${refusedPods.length} refused pod requests: one refusal, then a pause, not a retry loop`);
		r.sim.authorizer.setRules(everything);
		changeTheCluster(r.sim, 'rbac');
		// The forbidden kind is retried after a simulated minute (3 s here).
		await r.until(/NAMESPACE|WORKLOAD/, 'the QoS table again', 60_000);
		await eventually(() => converged(r.sim, r.session), 60_000, 'the store converges once access returns');
		await eventually(() => !/cannot list pods/.test(r.frame()), 10_000, `the QoS pane without the refusal; the last frame was:\n${r.frame()}`);
	});
});
