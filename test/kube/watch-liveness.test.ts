/**
 * Half-open watches against the simulator, whose watch cache sends a bookmark about every
 * minute: a watch that brings neither an event nor a bookmark for about two bookmark
 * intervals is restarted (long before its timeout), an idle but healthy watch is not, and
 * the header's "last event" age counts watch traffic only, so it keeps growing while the
 * /metrics polls succeed. Time runs 60× on both sides: a simulated minute is a second.
 */
import test from 'ava';
import {AppController} from '../../source/app/controller.js';
import type {Session} from '../../source/kube/session.js';
import type {Simulator} from '../../source/sim/simulator.js';
import {eventually, withSim} from '../helpers/sim.js';
import {withSession} from '../helpers/session.js';

const SCALE = 60;
const MINUTE = 60_000;

/** The reflectors of kinds the watch cache serves (events come from etcd: no bookmarks). */
function cached(session: Session) {
	return [...session.reflectors].filter(([kind]) => kind !== 'events');
}

/** Every open watch of a cached kind has had a bookmark (the server's side). */
function bookmarked(sim: Simulator, session: Session): boolean {
	const watches = [...sim.server.watches].filter((watch) => watch.type.resource !== 'events');
	return watches.length === cached(session).length && watches.every((watch) => watch.bookmarks >= 1);
}

test("a half-open watch is restarted after about two bookmark intervals of silence; the header's age keeps growing while /metrics answers", async (t) => {
	// The incident cluster's kubelets renew their Leases every 10 s: the server's revision moves, so bookmarks flow.
	await withSim({scenario: 'incident', timeScale: SCALE}, async (sim) => {
		await withSession(sim, {connect: false}, async (session) => {
			t.true(await session.waitForSync(session.clock.now() + 60 * MINUTE));
			await eventually(() => bookmarked(sim, session), 15_000, 'a bookmark on every cached kind');
			const controller = new AppController({session, readOnly: true, live: false});
			const restartsBefore = new Map(cached(session).map(([kind, r]) => [kind, r.stats.watchdogRestarts]));
			const metricsBefore = session.stats.metricsReads;

			// Every watch from now on goes half-open: headers, then silence.
			sim.faults.set({halfOpenAllWatches: true});
			sim.server.closeWatches();
			const cut = session.clock.now();
			await eventually(
				() => cached(session).every(([kind, r]) => r.stats.watchdogRestarts > restartsBefore.get(kind)!),
				20_000,
				'every cached kind to restart its silent watch',
			);
			for (const [kind, reflector] of cached(session)) {
				const watchdog = reflector.lastWatchdog!;
				t.is(watchdog.rule, 'bookmarks', `${kind}: restarted for want of bookmarks`);
				// Its timeout (300–600 s) plus 30 s would have been the old rule.
				t.true(watchdog.silentMs < 300_000, `${kind}: restarted after ${Math.round(watchdog.silentMs / 1000)} s of silence`);
				t.true(watchdog.silentMs >= 2 * MINUTE, `${kind}: not before two bookmark intervals (${Math.round(watchdog.silentMs / 1000)} s)`);
			}

			// The /metrics polls kept succeeding all along; the age of the last event did not reset.
			t.true(session.stats.metricsReads >= metricsBefore + 2, `${session.stats.metricsReads - metricsBefore} /metrics reads while the watches were dead`);
			t.is(session.state.status, 'live');
			t.true(session.state.lastOk! > cut, 'answers kept coming');
			const at = session.clock.now();
			const header = controller.header();
			// (The streams' last chunks may arrive a moment after the cut: 10 simulated seconds of slack.)
			t.true(
				header.lastEventAgeMs! >= at - cut - 10_000,
				`the header's age (${Math.round(header.lastEventAgeMs! / 1000)} s) counts from the last watch traffic, at the cut ${Math.round((at - cut) / 1000)} s ago`,
			);
			t.true(header.lastEventAgeMs! > 2 * MINUTE, 'older than any /metrics poll (every 30 s)');

			// Healed: the next restarts bring bookmarks again and the age falls back.
			sim.faults.set({halfOpenAllWatches: false});
			const ctx = {user: {name: 'test', groups: ['system:masters']}};
			// (A namespace: the simulated controllers leave it alone, where a bare pod on a churning node may go.)
			sim.api.create(sim.type('', 'namespaces'), '', {metadata: {name: 'while-half-open'}}, ctx);
			await eventually(() => session.store.namespaces.has('while-half-open'), 30_000, 'the namespace created while the watches were dead').catch(
				(error: Error) => {
					const namespaces = session.reflectors.get('namespaces')!;
					throw new Error(
						`${error.message}: namespaces ${namespaces.phase} ${JSON.stringify(namespaces.stats)} ${JSON.stringify(namespaces.lastWatchdog)}; ${JSON.stringify(sim.faults.injected)}`,
					);
				},
			);
			await eventually(() => controller.header().lastEventAgeMs! < MINUTE, 30_000, "the header's age to fall back");
			controller.dispose();
		});
	});
});

test('an idle, healthy watch is not restarted over several bookmark intervals', async (t) => {
	await withSim({scenario: 'incident', timeScale: SCALE}, async (sim) => {
		await withSession(sim, {connect: false}, async (session) => {
			t.true(await session.waitForSync(session.clock.now() + 60 * MINUTE));
			await eventually(() => bookmarked(sim, session), 15_000, 'a bookmark on every cached kind');
			const before = new Map(cached(session).map(([kind, r]) => [kind, {...r.stats}]));
			const start = session.clock.now();
			await eventually(() => session.clock.now() - start >= 6 * MINUTE, 30_000, 'six simulated minutes');
			let idle = 0;
			for (const [kind, reflector] of cached(session)) {
				const was = before.get(kind)!;
				t.is(reflector.stats.watchdogRestarts, was.watchdogRestarts, `${kind}: no watchdog restart`);
				t.is(reflector.stats.probes, was.probes, `${kind}: no resourceVersion check`);
				t.is(reflector.stats.lists, was.lists, `${kind}: no LIST`);
				t.true(reflector.stats.bookmarks - was.bookmarks >= 3, `${kind}: ${reflector.stats.bookmarks - was.bookmarks} bookmarks in six minutes`);
				if (reflector.stats.events === was.events) idle++;
			}
			t.true(idle >= 3, `${idle} kinds had no event at all in six minutes (idle watches)`);
		});
	});
});
