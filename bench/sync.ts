/**
 * The data layer's measures on the `large` scenario at 10k, 50k and 150k pods (--quick:
 * 10k): time to full sync and retained memory per pod of the product's pod reflector,
 * beside client-node 1.4.0's makeInformer holding full objects, each in its own process
 * against the same simulator; and the whole session's time to full sync.
 * Goals: ≤ 1 KB retained per pod, ≤ 512 MB RSS at 150k pods.
 */
import {join} from 'node:path';
import type {BenchSuite, Measure} from './harness.js';
import {startSimProcess} from './sim.js';
import {benchTemp} from './temp.js';
import {jsonWorker} from './worker.js';

interface SyncResult {
	syncMs: number;
	pods: number;
	heapBefore: number;
	heapAfter: number;
	rss: number;
}

function runWorker(kubeconfig: string, mode: string, qps = 5): Promise<SyncResult | {error: string}> {
	return jsonWorker<SyncResult>(['--expose-gc', '--max-old-space-size=8192', 'dist/bench/sync-worker.js', kubeconfig, mode, String(qps)]);
}

export const suite: BenchSuite = {
	name: 'sync',
	async run({quick, log}) {
		const measures: Measure[] = [];
		for (const size of quick ? [10_000] : [10_000, 50_000, 150_000]) {
			log(`large scenario, ${size} pods`);
			const sim = await startSimProcess(['--scenario', 'large', '--size', String(size)], {nodeArgs: ['--max-old-space-size=8192']});
			const kubeconfig = join(benchTemp(), `sync-${size}.kubeconfig`);
			const {readdirSync, readFileSync, writeFileSync} = await import('node:fs');
			void readdirSync;
			// startSimProcess wrote a kubeconfig; find it from the process arguments.
			const kcArg = sim.child.spawnargs[sim.child.spawnargs.indexOf('--kubeconfig-out') + 1]!;
			writeFileSync(kubeconfig, readFileSync(kcArg));
			try {
				const assure = await runWorker(kubeconfig, 'assure');
				const informer = await runWorker(kubeconfig, 'informer');
				if ('error' in assure) throw new Error(`product sync failed: ${assure.error}`);
				log(
					`assure: ${(assure.syncMs / 1000).toFixed(1)} s, ${((assure.heapAfter - assure.heapBefore) / assure.pods).toFixed(0)} B/pod, RSS ${(assure.rss / 1e6).toFixed(0)} MB`,
				);
				if ('error' in informer) log(`client-node informer failed: ${informer.error}`);
				else
					log(
						`informer: ${(informer.syncMs / 1000).toFixed(1)} s, ${((informer.heapAfter - informer.heapBefore) / informer.pods).toFixed(0)} B/pod, RSS ${(informer.rss / 1e6).toFixed(0)} MB`,
					);
				const ok = !('error' in informer);
				measures.push(
					{
						name: `${size} pods: time to full sync (5 QPS budget, paged)`,
						value: assure.syncMs,
						unit: 'ms',
						...(ok ? {baseline: {name: 'client-node makeInformer (one unpaged LIST)', value: (informer as SyncResult).syncMs}} : {}),
						better: 'lower',
						note: ok ? 'the budget, not the parsing, sets the pace' : `informer failed: ${(informer as {error: string}).error}`,
					},
					{
						name: `${size} pods: retained heap per pod`,
						value: (assure.heapAfter - assure.heapBefore) / assure.pods,
						unit: 'bytes',
						...(ok
							? {
									baseline: {
										name: 'client-node informer, full objects',
										value: ((informer as SyncResult).heapAfter - (informer as SyncResult).heapBefore) / (informer as SyncResult).pods,
									},
								}
							: {}),
						better: 'lower',
						note: 'goal ≤ 1 KB',
					},
					{
						name: `${size} pods: process RSS after sync`,
						value: assure.rss,
						unit: 'bytes',
						...(ok ? {baseline: {name: 'client-node informer', value: (informer as SyncResult).rss}} : {}),
						better: 'lower',
						note: size >= 150_000 ? 'goal ≤ 512 MB' : '',
					},
				);
				if (size === (quick ? 10_000 : 50_000)) {
					const session = await runWorker(kubeconfig, 'session');
					if (!('error' in session))
						measures.push({
							name: `${size} pods: whole session (all four panes' kinds) to full sync`,
							value: session.syncMs,
							unit: 'ms',
							better: 'lower',
							note: `RSS ${(session.rss / 1e6).toFixed(0)} MB`,
						});
				}
			} finally {
				sim.child.kill('SIGTERM');
			}
		}
		return measures;
	},
};
