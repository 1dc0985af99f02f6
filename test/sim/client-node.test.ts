/**
 * @kubernetes/client-node 1.4.0 against the simulator: typed paged LISTs, a watch resumed
 * from a resourceVersion, and 410 Gone (an ERROR event the Watch reports, an informer that
 * relists).
 */
import {CoreV1Api, KubeConfig, makeInformer, Watch, type V1ConfigMap} from '@kubernetes/client-node';
import test from 'ava';
import {eventually, withSim} from '../helpers/sim.js';

function config(kubeconfig: string): KubeConfig {
	const kc = new KubeConfig();
	kc.loadFromString(kubeconfig);
	return kc;
}

test('client-node: a paged LIST with limit and continue returns every pod once', async (t) => {
	await withSim({scenario: 'incident', controllers: false}, async (sim) => {
		const api = config(sim.kubeconfig()).makeApiClient(CoreV1Api);
		const names: string[] = [];
		let token: string | undefined;
		let pages = 0;
		do {
			const page = await api.listPodForAllNamespaces({limit: 40, _continue: token});
			names.push(...page.items.map((pod) => `${pod.metadata?.namespace}/${pod.metadata?.name}`));
			token = page.metadata?._continue;
			pages++;
			if (token) t.true((page.metadata?.remainingItemCount ?? 0) > 0);
		} while (token);
		t.is(names.length, sim.store.resource('pods').size);
		t.is(new Set(names).size, names.length);
		t.is(pages, Math.ceil(names.length / 40));
		const requests = sim.requestLog.all().filter((e) => e.path === '/api/v1/pods');
		t.true(requests.every((e) => e.query.limit === '40' && e.query.resourceVersion === undefined));
	});
});

test('client-node: a watch resumed from a resourceVersion gets only what came after', async (t) => {
	await withSim({scenario: 'empty'}, async (sim) => {
		const kc = config(sim.kubeconfig());
		const api = kc.makeApiClient(CoreV1Api);
		const list = await api.listNamespacedConfigMap({namespace: 'default'});
		const seen: string[] = [];
		let lastRv = list.metadata!.resourceVersion!;
		const watch = new Watch(kc);
		const first = await watch.watch(
			'/api/v1/namespaces/default/configmaps',
			{resourceVersion: lastRv, allowWatchBookmarks: true},
			(phase, object: V1ConfigMap) => {
				seen.push(`${phase} ${object.metadata?.name}`);
				lastRv = object.metadata!.resourceVersion!;
			},
			() => undefined,
		);
		await api.createNamespacedConfigMap({namespace: 'default', body: {metadata: {name: 'one'}}});
		await eventually(() => seen.includes('ADDED one'), 5000, 'ADDED one');
		first.abort();
		await eventually(() => sim.server.watches.size === 0, 5000, 'the first watch to close');
		// Changes while nobody watches...
		await api.createNamespacedConfigMap({namespace: 'default', body: {metadata: {name: 'two'}}});
		await api.deleteNamespacedConfigMap({name: 'one', namespace: 'default'});
		const resumed: string[] = [];
		const second = await watch.watch(
			'/api/v1/namespaces/default/configmaps',
			{resourceVersion: lastRv},
			(phase, object: V1ConfigMap) => {
				resumed.push(`${phase} ${object.metadata?.name}`);
			},
			() => undefined,
		);
		await eventually(() => resumed.length >= 2, 5000, 'the missed events');
		second.abort();
		t.deepEqual(resumed, ['ADDED two', 'DELETED one']);
	});
});

test('client-node: 410 Gone reaches the Watch as an ERROR event, and makeInformer relists', async (t) => {
	await withSim({scenario: 'empty', historyCapacity: 5}, async (sim) => {
		const kc = config(sim.kubeconfig());
		const api = kc.makeApiClient(CoreV1Api);
		const old = (await api.listNamespacedConfigMap({namespace: 'default'})).metadata!.resourceVersion!;
		for (let i = 0; i < 10; i++) await api.createNamespacedConfigMap({namespace: 'default', body: {metadata: {name: `c${i}`}}});
		const events: Array<{phase: string; code?: number}> = [];
		let done: unknown = 'open';
		await new Watch(kc).watch(
			'/api/v1/namespaces/default/configmaps',
			{resourceVersion: old},
			(phase, object: {code?: number}) => {
				events.push({phase, code: object.code});
			},
			(error) => {
				done = error;
			},
		);
		await eventually(() => done !== 'open', 5000, 'the watch to end');
		t.deepEqual(events, [{phase: 'ERROR', code: 410}]);

		const informer = makeInformer(kc, '/api/v1/namespaces/default/configmaps', () => api.listNamespacedConfigMap({namespace: 'default'}));
		const names = new Set<string>();
		informer.on('add', (cm: V1ConfigMap) => names.add(cm.metadata!.name!));
		await informer.start();
		await eventually(() => names.size === 10, 5000, 'the initial list');
		const listsBefore = sim.requestLog.all().filter((e) => e.path === '/api/v1/namespaces/default/configmaps' && e.method === 'GET' && !e.watch).length;
		sim.faults.set({expireNextWatches: 1, expireMode: 'event'});
		// An abruptly dropped watch stops a client-node informer for good (it only reports the
		// error); a watch that ends cleanly is re-established, and this one gets 410.
		sim.server.closeWatches();
		await eventually(
			() => sim.requestLog.all().filter((e) => e.path === '/api/v1/namespaces/default/configmaps' && e.method === 'GET' && !e.watch).length > listsBefore,
			10_000,
			'a relist',
		);
		await api.createNamespacedConfigMap({namespace: 'default', body: {metadata: {name: 'after-410'}}});
		await eventually(() => names.has('after-410'), 10_000, 'the informer to see new objects after relisting');
		await informer.stop();
		t.pass();
	});
});
