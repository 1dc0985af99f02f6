/**
 * One sync run in its own process, so its memory is its own:
 *   node --expose-gc dist/bench/sync-worker.js <kubeconfig> assure|informer|session [qps]
 * prints {syncMs, pods, heapBefore, heapAfter, rss} as JSON.
 * - assure: the product's reflector for pods (paged LIST, slim projections, budget).
 * - informer: client-node 1.4.0's makeInformer holding full objects (its list call is unpaged).
 * - session: the product's whole session (every pane's kinds), to full sync.
 */
import {CoreV1Api, KubeConfig, makeInformer, type V1Pod} from '@kubernetes/client-node';
import {readFileSync} from 'node:fs';
import {wallClock} from '../source/clock.js';
import {ClusterStore} from '../source/kube/cluster-store.js';
import {KubeClient} from '../source/kube/client.js';
import {Credentials} from '../source/kube/credentials.js';
import {resolveConfig} from '../source/kube/kubeconfig.js';
import {Reflector} from '../source/kube/reflector.js';
import {Session} from '../source/kube/session.js';
import {Transport} from '../source/kube/transport.js';

const [kubeconfig, mode, qpsText] = process.argv.slice(2);
const gc = (globalThis as {gc?: () => void}).gc;
const heap = () => {
	gc?.();
	gc?.();
	return process.memoryUsage().heapUsed;
};

async function main(): Promise<void> {
	const qps = Number(qpsText ?? 5);
	const heapBefore = heap();
	const started = performance.now();
	let pods: number;
	let keep: unknown;
	if (mode === 'informer') {
		const kc = new KubeConfig();
		kc.loadFromString(readFileSync(kubeconfig!, 'utf8'));
		const api = kc.makeApiClient(CoreV1Api);
		const informer = makeInformer<V1Pod>(kc, '/api/v1/pods', () => api.listPodForAllNamespaces());
		await informer.start();
		pods = informer.list().length;
		keep = informer;
		const syncMs = performance.now() - started;
		const heapAfter = heap();
		process.stdout.write(`${JSON.stringify({syncMs, pods, heapBefore, heapAfter, rss: process.memoryUsage().rss})}\n`);
		await informer.stop();
	} else if (mode === 'assure') {
		const config = resolveConfig({kubeconfig, allNamespaces: true});
		const credentials = new Credentials(config);
		const client = new KubeClient(new Transport(config, credentials, 'kubectl-assure/bench'), credentials, {qps, burst: 10});
		const store = new ClusterStore(wallClock);
		const reflector = new Reflector({client, clock: wallClock, target: {group: '', version: 'v1', resource: 'pods'}, handler: store.handler('pods')});
		reflector.start();
		await reflector.waitForSync();
		pods = store.pods.size;
		keep = store;
		const syncMs = performance.now() - started;
		const heapAfter = heap();
		process.stdout.write(`${JSON.stringify({syncMs, pods, heapBefore, heapAfter, rss: process.memoryUsage().rss})}\n`);
		await reflector.stop();
	} else {
		const session = new Session({config: resolveConfig({kubeconfig, allNamespaces: true}), qps, burst: 10});
		await session.connect();
		await session.start();
		await session.waitForSync();
		pods = session.store.pods.size;
		keep = session;
		const syncMs = performance.now() - started;
		const heapAfter = heap();
		process.stdout.write(`${JSON.stringify({syncMs, pods, heapBefore, heapAfter, rss: process.memoryUsage().rss})}\n`);
		await session.stop();
	}
	void keep;
}

main().then(
	() => process.exit(0),
	(error: unknown) => {
		process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
		process.exit(1);
	},
);
