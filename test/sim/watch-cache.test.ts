/**
 * The simulator's watches and resourceVersions as the watch cache serves them
 * (k8s.io/apiserver pkg/storage/cacher): bookmarks about every minute and one before the
 * deadline, only to watches that asked and only for cached kinds; a watch from a version the
 * server has not reached waits in silence; a LIST or watch-list from such a version gets
 * "Too large resource version" after the cache's 3 s wait; and a restore from a snapshot
 * takes the state and the resourceVersion back in time, as a restored etcd does — seen by
 * the real kubectl too.
 */
import {spawn} from 'node:child_process';
import test from 'ava';
import type {Simulator} from '../../source/sim/simulator.js';
import {eventually, kubectl, sleep, tempDir, withSim, writeKubeconfig} from '../helpers/sim.js';
import {failureStatus} from '../helpers/status.js';
import type {Obj} from '../../source/formats/json-object.js';

const UA = {'User-Agent': 'assure-test/1.0'};
const ctx = {user: {name: 'test', groups: ['system:masters']}};

interface WatchRead {
	status: number;
	events: Obj[];
	/** The server ended the stream (rather than our abort). */
	ended: boolean;
}

/** Read a watch until the server ends it, or `until` holds (then abort; after 15 s, fail). */
async function readWatch(sim: Simulator, path: string, until?: (events: Obj[]) => boolean): Promise<WatchRead> {
	const controller = new AbortController();
	const response = await fetch(`${sim.url}${path}`, {signal: controller.signal, headers: UA});
	const events: Obj[] = [];
	let ended = false;
	const timer = setTimeout(() => controller.abort(new Error(`no end to ${path} after 15 s: ${JSON.stringify(events)}`)), 15_000);
	try {
		const reader = response.body!.getReader();
		let buffer = '';
		for (;;) {
			const {done, value} = await reader.read();
			if (done) {
				ended = true;
				break;
			}
			buffer += Buffer.from(value).toString('utf8');
			let newline: number;
			while ((newline = buffer.indexOf('\n')) >= 0) {
				events.push(JSON.parse(buffer.slice(0, newline)));
				buffer = buffer.slice(newline + 1);
			}
			if (until?.(events)) {
				controller.abort();
				break;
			}
		}
	} catch (error) {
		if (controller.signal.aborted && controller.signal.reason instanceof Error && controller.signal.reason.name !== 'AbortError')
			throw controller.signal.reason;
		if (!controller.signal.aborted) ended = true;
	} finally {
		clearTimeout(timer);
	}
	return {status: response.status, events, ended};
}

async function post(sim: Simulator, path: string, body: unknown = {}): Promise<{status: number; body: Obj}> {
	const response = await fetch(`${sim.url}${path}`, {method: 'POST', headers: {...UA, 'Content-Type': 'application/json'}, body: JSON.stringify(body)});
	return {status: response.status, body: (await response.json()) as Obj};
}

async function get(sim: Simulator, path: string): Promise<{status: number; body: Obj}> {
	const response = await fetch(`${sim.url}${path}`, {headers: UA});
	return {status: response.status, body: (await response.json()) as Obj};
}

const summary = (events: Obj[]) =>
	events.map((e) => (e.type === 'BOOKMARK' ? `BOOKMARK ${e.object.metadata.resourceVersion}` : `${e.type} ${e.object?.metadata?.name ?? e.object?.code}`));

test('bookmarks: about every minute and one before the deadline, to cached watches that asked for them, once the server is past the watch', async (t) => {
	// 60×: a simulated minute is a second; every watch times out after 130 simulated seconds.
	await withSim({scenario: 'empty', controllers: false, timeScale: 60}, async (sim) => {
		const rv = sim.store.rv;
		const base = `resourceVersion=${rv}&timeoutSeconds=130`;
		const reads = Promise.all([
			readWatch(sim, `/api/v1/namespaces/default/configmaps?watch=true&${base}&allowWatchBookmarks=true`),
			readWatch(sim, `/api/v1/namespaces/default/configmaps?watch=true&${base}`),
			// Events are served from etcd, not the watch cache: no periodic bookmarks.
			readWatch(sim, `/api/v1/namespaces/default/events?watch=true&${base}&allowWatchBookmarks=true`),
			// A watch from a version the server has not reached (it went back in time, say).
			readWatch(sim, `/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${rv + 1000}&timeoutSeconds=130&allowWatchBookmarks=true`),
		]);
		await eventually(() => sim.server.watches.size === 4, 5000, 'four open watches');
		sim.api.create(sim.type('', 'configmaps'), 'default', {metadata: {name: 'x'}}, ctx);
		const now = String(sim.store.rv);
		const [bookmarked, plain, events, ahead] = await reads;
		t.true(bookmarked.ended && plain.ended && events.ended && ahead.ended, 'the server ends every watch at its timeout');
		// 60 s, 120 s, and 128 s (2 s before the deadline).
		t.deepEqual(summary(bookmarked.events), ['ADDED x', `BOOKMARK ${now}`, `BOOKMARK ${now}`, `BOOKMARK ${now}`]);
		t.deepEqual(summary(plain.events), ['ADDED x'], 'no bookmarks without allowWatchBookmarks');
		t.deepEqual(summary(events.events), [], 'no bookmarks from etcd-served events');
		t.deepEqual(summary(ahead.events), [], "nothing at or below the watch's version: not the new object, not a bookmark");
	});
});

test('a watch from a version the server has not reached sees what comes after it, and bookmarks once the server is past it', async (t) => {
	await withSim({scenario: 'empty', controllers: false, timeScale: 60}, async (sim) => {
		const cms = sim.type('', 'configmaps');
		const from = sim.store.rv + 3;
		// A minute after it opens (a second of wall time), a bookmark at the server's version.
		const read = readWatch(
			sim,
			`/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${from}&allowWatchBookmarks=true&timeoutSeconds=600`,
			(events) => events.some((e) => e.type === 'BOOKMARK'),
		);
		await eventually(() => sim.server.watches.size === 1, 5000, 'the watch to open');
		for (const name of ['a', 'b', 'c', 'd']) sim.api.create(cms, 'default', {metadata: {name}}, ctx);
		t.is(sim.store.rv, from + 1);
		const {events} = await read;
		t.deepEqual(summary(events), ['ADDED d', `BOOKMARK ${from + 1}`]);
	});
});

test('"Too large resource version": a LIST or a watch-list from a version the server has not reached, after the cache\'s 3 s wait', async (t) => {
	await withSim({scenario: 'empty', controllers: false, timeScale: 60, minor: 32}, async (sim) => {
		const rv = sim.store.rv;
		const list = await get(sim, `/api/v1/namespaces?resourceVersion=${rv + 100}`);
		t.is(list.status, 504);
		t.deepEqual(
			list.body,
			failureStatus(504, 'Timeout', `Timeout: Too large resource version: ${rv + 100}, current: ${rv}`, {
				causes: [{reason: 'ResourceVersionTooLarge', message: 'Too large resource version'}],
				retryAfterSeconds: 1,
			}),
		);
		const watchList = await readWatch(
			sim,
			`/api/v1/namespaces?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&resourceVersion=${rv + 100}`,
		);
		t.is(watchList.status, 200);
		t.deepEqual(
			watchList.events.map((e) => [e.type, e.object.code, e.object.reason, e.object.details.causes[0].reason]),
			[['ERROR', 504, 'Timeout', 'ResourceVersionTooLarge']],
		);
		// The fault answers the next plain watch the same way; the one after is healthy.
		sim.faults.set({tooLargeNextWatches: 1});
		const faulted = await readWatch(sim, `/api/v1/namespaces?watch=true&resourceVersion=${rv}`);
		t.deepEqual(
			faulted.events.map((e) => [e.type, e.object.code, e.object.details.causes[0].reason]),
			[['ERROR', 504, 'ResourceVersionTooLarge']],
		);
		t.is(sim.faults.injected.tooLarge, 1);
		const healthy = readWatch(sim, `/api/v1/namespaces?watch=true&resourceVersion=${rv}`, (events) => events.length >= 1);
		await eventually(() => sim.server.watches.size === 1, 5000, 'a healthy watch');
		sim.api.create(sim.type('', 'namespaces'), '', {metadata: {name: 'after-the-fault'}}, ctx);
		t.deepEqual(summary((await healthy).events), ['ADDED after-the-fault']);
	});
	// Within the wait, a LIST from a version that arrives is served.
	await withSim({scenario: 'empty', controllers: false}, async (sim) => {
		const wanted = sim.store.rv + 1;
		const pending = get(sim, `/api/v1/namespaces/default/configmaps?resourceVersion=${wanted}`);
		await sleep(300);
		sim.api.create(sim.type('', 'configmaps'), 'default', {metadata: {name: 'arrives'}}, ctx);
		const served = await pending;
		t.is(served.status, 200);
		t.deepEqual(
			served.body.items.map((item: Obj) => item.metadata.name),
			['arrives'],
		);
	});
});

test('restore: the state and the resourceVersion go back to the snapshot, watches are cut, a resume from after it waits in silence and from before it gets 410', async (t) => {
	await withSim({scenario: 'empty', controllers: false, historyCapacity: 1000}, async (sim) => {
		const cms = sim.type('', 'configmaps');
		const deployments = sim.type('apps', 'deployments');
		sim.api.create(cms, 'default', {metadata: {name: 'kept'}}, ctx);
		sim.api.create(cms, 'default', {metadata: {name: 'deleted-after'}}, ctx);
		const taken = await post(sim, '/__sim/snapshot');
		t.is(taken.status, 200);
		const snapshotRv = Number(taken.body.resourceVersion);
		t.is(snapshotRv, sim.store.rv);
		sim.api.create(
			deployments,
			'default',
			{
				metadata: {name: 'x'},
				spec: {selector: {matchLabels: {app: 'x'}}, template: {metadata: {labels: {app: 'x'}}, spec: {containers: [{name: 'c', image: 'i'}]}}},
			},
			ctx,
		);
		sim.api.delete(cms, 'default', 'deleted-after', {}, ctx);
		const paged = await get(sim, '/api/v1/namespaces?limit=1');
		t.truthy(paged.body.metadata.continue);
		const high = sim.store.rv;
		t.true(high > snapshotRv);
		const cut = readWatch(sim, `/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${high}&allowWatchBookmarks=true`);
		await eventually(() => sim.server.watches.size === 1, 5000, 'a watch to cut');

		const restored = await post(sim, '/__sim/restore', {snapshot: taken.body.snapshot});
		t.is(restored.status, 200);
		t.deepEqual(restored.body, {resourceVersion: String(snapshotRv), restoredFrom: String(snapshotRv), droppedWatches: 1});
		t.true((await cut).ended, 'the open watch was cut');
		t.is(sim.faults.injected.restored, 1);

		const configMaps = await get(sim, '/api/v1/namespaces/default/configmaps');
		t.deepEqual(configMaps.body.items.map((item: Obj) => item.metadata.name).sort(), ['deleted-after', 'kept']);
		t.is(configMaps.body.metadata.resourceVersion, String(snapshotRv), "the list's resourceVersion went back");
		t.deepEqual((await get(sim, '/apis/apps/v1/namespaces/default/deployments')).body.items, []);
		t.is((await get(sim, '/__sim/state')).body.resourceVersion, snapshotRv);
		const expired = await get(sim, `/api/v1/namespaces?limit=1&continue=${encodeURIComponent(paged.body.metadata.continue)}`);
		t.is(expired.status, 410, 'continue tokens from before the restore expired');

		// A resume from after the snapshot is accepted and hears nothing at or below its version.
		const silent = readWatch(sim, `/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${high}`, (events) => events.length >= 1);
		await eventually(() => sim.server.watches.size === 1, 5000, 'the resumed watch');
		while (sim.store.rv < high) sim.api.create(cms, 'default', {metadata: {name: `rewritten-${sim.store.rv}`}}, ctx);
		sim.api.create(cms, 'default', {metadata: {name: 'past-the-old-version'}}, ctx);
		t.deepEqual(summary((await silent).events), ['ADDED past-the-old-version']);
		// A resume from before the snapshot: 410, the history starts at the restored version.
		const old = await readWatch(sim, `/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${snapshotRv - 1}`);
		t.deepEqual(
			old.events.map((e) => [e.type, e.object.code, e.object.reason]),
			[['ERROR', 410, 'Expired']],
		);

		// etcdutl snapshot restore --bump-revision --mark-compacted: the version moves ahead, old resumes get 410.
		const second = await post(sim, '/__sim/snapshot');
		const before = sim.store.rv;
		const bumped = await post(sim, '/__sim/restore', {snapshot: second.body.snapshot, bumpRevision: 1_000_000});
		t.is(bumped.body.resourceVersion, String(Number(second.body.resourceVersion) + 1_000_000));
		const resumed = await readWatch(sim, `/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${before}`);
		t.deepEqual(
			resumed.events.map((e) => [e.type, e.object.code]),
			[['ERROR', 410]],
		);

		const unknown = await post(sim, '/__sim/restore', {snapshot: 'backup-999'});
		t.is(unknown.status, 400);
		t.regex(unknown.body.error, /no snapshot "backup-999"/);
	});
});

test('the real kubectl sees the restored state: get, and get -w from a fresh start', async (t) => {
	await withSim({scenario: 'empty', controllers: false}, async (sim) => {
		const kc = writeKubeconfig(sim);
		const deployment = (name: string) => ({
			metadata: {name},
			spec: {selector: {matchLabels: {app: name}}, template: {metadata: {labels: {app: name}}, spec: {containers: [{name: 'c', image: 'i'}]}}},
		});
		const deployments = sim.type('apps', 'deployments');
		sim.api.create(deployments, 'default', deployment('kept'), ctx);
		sim.api.create(deployments, 'default', deployment('deleted-after'), ctx);
		const {snapshot} = sim.snapshot();
		sim.api.create(deployments, 'default', deployment('x'), ctx);
		sim.api.delete(deployments, 'default', 'deleted-after', {}, ctx);
		const names = (stdout: string) =>
			stdout
				.trim()
				.split('\n')
				.slice(1)
				.map((row) => row.split(/\s+/)[0])
				.sort();
		const before = await kubectl(kc, ['get', 'deployments', '-n', 'default']);
		t.is(before.code, 0, before.stderr);
		t.deepEqual(names(before.stdout), ['kept', 'x']);

		sim.restore(snapshot);
		const after = await kubectl(kc, ['get', 'deployments', '-n', 'default']);
		t.is(after.code, 0, after.stderr);
		t.deepEqual(names(after.stdout), ['deleted-after', 'kept']);

		const cacheDir = tempDir('kubectl-cache-');
		const watcher = spawn('kubectl', ['--kubeconfig', kc, '--cache-dir', cacheDir, 'get', 'deployments', '-n', 'default', '-w', '--output-watch-events'], {
			env: {...process.env, HOME: cacheDir},
		});
		let output = '';
		watcher.stdout.on('data', (chunk: Buffer) => {
			output += chunk.toString();
		});
		try {
			await eventually(() => sim.server.watches.size > 0, 15_000, "kubectl's watch to open");
			sim.api.create(deployments, 'default', deployment('after-restore'), ctx);
			await eventually(() => /ADDED\s+after-restore/.test(output), 15_000, 'the new deployment');
			t.regex(output, /deleted-after/);
			t.notRegex(output, /\bx\s/, 'the deployment created after the snapshot is gone');
		} finally {
			watcher.kill();
		}
	});
});
