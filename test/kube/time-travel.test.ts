/**
 * A server that went back in time (etcd restored from a snapshot, as the simulator's
 * restore does): every kind is relisted and the store drops what the restored state does
 * not have, also when the server's resourceVersion then climbs past the versions we saw;
 * and "Too large resource version" from the server does the same.
 */
import test from 'ava';
import type {Session} from '../../source/kube/session.js';
import type {Simulator} from '../../source/sim/simulator.js';
import {eventually, withSim} from '../helpers/sim.js';
import {withSession} from '../helpers/session.js';

const ctx = {user: {name: 'test', groups: ['system:masters']}};

function deployment(name: string) {
	return {
		metadata: {name},
		spec: {replicas: 1, selector: {matchLabels: {app: name}}, template: {metadata: {labels: {app: name}}, spec: {containers: [{name: 'c', image: 'i'}]}}},
	};
}

/** How often each kind has listed so far. */
function listCounts(session: Session): Map<string, number> {
	return new Map([...session.reflectors].map(([kind, r]) => [kind, r.stats.lists]));
}

/** Waits until every kind has listed again since `lists`; a timeout names the kinds that have not and what the session says about the time travel. */
async function everyKindRelisted(session: Session, lists: Map<string, number>): Promise<void> {
	await eventually(() => [...session.reflectors].every(([kind, r]) => r.stats.lists > lists.get(kind)!), 30_000, 'every kind to relist').catch(
		(error: Error) => {
			throw new Error(
				`${error.message}; not yet: ${[...session.reflectors]
					.filter(([kind, r]) => r.stats.lists <= lists.get(kind)!)
					.map(([kind, r]) => `${kind} (${r.phase}, ${JSON.stringify(r.stats)})`)
					.join(', ')}; ${JSON.stringify(session.timeTravel)}`,
			);
		},
	);
}

/** Writes that move the server's resourceVersion well past the snapshot's. */
function churn(sim: Simulator, n: number): void {
	const cms = sim.type('', 'configmaps');
	for (let i = 0; i < n; i++) sim.api.create(cms, 'default', {metadata: {name: `churn-${sim.store.rv}`}}, ctx);
}

test('restored to a snapshot without Deployment X: X disappears from the store, every kind relists once', async (t) => {
	await withSim({scenario: 'incident', controllers: false, timeScale: 10}, async (sim) => {
		await withSession(sim, {}, async (session) => {
			t.true(await session.waitForSync(session.clock.now() + 600_000));
			const {snapshot} = sim.snapshot();
			sim.api.create(sim.type('apps', 'deployments'), 'checkout', deployment('x'), ctx);
			churn(sim, 10);
			await eventually(() => session.store.deployments.has('checkout/x'), 10_000, 'X in the store');
			const lists = listCounts(session);
			sim.restore(snapshot);
			await eventually(() => !session.store.deployments.has('checkout/x'), 30_000, 'X gone from the store');
			t.is(session.stats.relistAll, 1);
			t.regex(session.timeTravel?.how ?? '', /^(probe|list|event)$/);
			// Every kind relists (spread over 10 s), exactly once: no storm.
			await everyKindRelisted(session, lists);
			for (const [kind, reflector] of session.reflectors) t.is(reflector.stats.lists, lists.get(kind)! + 1, `${kind} relisted once`);
			// What remains matches the restored server, kind by kind.
			const keys = (storage: string) => [...sim.store.resource(storage).objects.keys()].sort();
			t.deepEqual([...session.store.deployments.keys()].sort(), keys('apps/deployments'));
			t.deepEqual([...session.store.pods.keys()].sort(), keys('pods'));
			// And the new watches follow the restored server.
			sim.api.create(sim.type('apps', 'deployments'), 'checkout', deployment('after-restore'), ctx);
			await eventually(() => session.store.deployments.has('checkout/after-restore'), 10_000, 'a Deployment created after the restore');
		});
	});
});

test('restored to a lower resourceVersion where X still exists, X deleted afterwards (at a version below what we saw): X gone', async (t) => {
	await withSim({scenario: 'incident', controllers: false, timeScale: 10}, async (sim) => {
		const deployments = sim.type('apps', 'deployments');
		sim.api.create(deployments, 'checkout', deployment('x'), ctx);
		await withSession(sim, {}, async (session) => {
			t.true(await session.waitForSync(session.clock.now() + 600_000));
			t.true(session.store.deployments.has('checkout/x'));
			const {snapshot, resourceVersion} = sim.snapshot();
			for (let i = 0; i < 20; i++)
				sim.api.patch(deployments, 'checkout', 'x', 'application/merge-patch+json', JSON.stringify({metadata: {labels: {edit: String(i)}}}), ctx);
			await eventually(
				() => Number(session.reflectors.get('deployments')!.resourceVersion) >= Number(resourceVersion) + 20,
				10_000,
				'the Deployments watch to move past the snapshot',
			);
			sim.restore(snapshot);
			// On the restored server X is deleted at a version the product has already seen.
			sim.api.delete(deployments, 'checkout', 'x', {}, ctx);
			t.true(sim.store.rv < Number(resourceVersion) + 20, 'X deleted at a version the product has already seen');
			await eventually(() => !session.store.deployments.has('checkout/x'), 30_000, 'X gone from the store');
			t.is(session.stats.relistAll, 1);
			// The server then climbs past every version we saw before; the store follows it.
			churn(sim, 40);
			sim.api.create(deployments, 'checkout', deployment('later'), ctx);
			await eventually(() => session.store.deployments.has('checkout/later'), 10_000, 'a later Deployment');
			t.deepEqual([...session.store.deployments.keys()].sort(), [...sim.store.resource('apps/deployments').objects.keys()].sort());
		});
	});
});

test('"Too large resource version" from the server: every kind relists, without tripping the breaker', async (t) => {
	await withSim({scenario: 'incident', controllers: false, timeScale: 10}, async (sim) => {
		await withSession(sim, {}, async (session) => {
			t.true(await session.waitForSync(session.clock.now() + 600_000));
			const lists = listCounts(session);
			sim.faults.set({tooLargeNextWatches: 1});
			sim.server.closeWatches();
			await eventually(() => session.stats.relistAll === 1, 30_000, 'a relist of everything');
			t.is(session.timeTravel?.how, 'too-large');
			await everyKindRelisted(session, lists);
			t.is(sim.faults.injected.tooLarge, 1);
			t.is(session.client.breaker.probes, 0, 'a server behind us is not a server in trouble');
			t.is(session.state.status, 'live');
		});
	});
});

test('every watch cut at once (a server restart, not a restore): a kind whose new watch brings something newer sends no check; the rest check once, spread over a bookmark interval', async (t) => {
	await withSim({scenario: 'incident', controllers: false, timeScale: 20}, async (sim) => {
		await withSession(sim, {}, async (session) => {
			t.true(await session.waitForSync(session.clock.now() + 600_000));
			const mark = sim.requestLog.length;
			const probesBefore = new Map([...session.reflectors].map(([kind, r]) => [kind, r.stats.probes]));
			sim.server.dropWatches();
			// Right away, Deployments get an event newer than anything seen before the cut.
			sim.api.create(sim.type('apps', 'deployments'), 'checkout', deployment('after-cut'), ctx);
			await eventually(() => session.store.deployments.has('checkout/after-cut'), 10_000, 'the new Deployment');
			// Two bookmark intervals of simulated time: every check that is due has gone.
			const until = session.clock.now() + 120_000;
			await eventually(() => session.clock.now() > until, 30_000, 'two bookmark intervals');
			const checks = sim.requestLog
				.all()
				.slice(mark)
				.filter((e) => e.query?.limit === '1' && !e.query?.watch);
			const byPath = new Map<string, number>();
			for (const e of checks) byPath.set(e.path, (byPath.get(e.path) ?? 0) + 1);
			t.false(byPath.has('/apis/apps/v1/deployments'), 'no check for the kind whose new watch brought a newer event');
			t.true(
				[...byPath.values()].every((n) => n === 1),
				`at most one check a kind: ${JSON.stringify([...byPath])}`,
			);
			t.is(session.reflectors.get('deployments')!.stats.probes, probesBefore.get('deployments')!);
			t.is(session.stats.relistAll, 0, 'nothing went back in time');
		});
	});
});
