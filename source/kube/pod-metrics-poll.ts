/**
 * The session's pod-metrics read, one run at a time (the session schedules it and paces
 * it by the pages a read takes): pod usage from metrics.k8s.io, paged, into the store's
 * PodUsageTable; a 403 or 404 clears it and says so, another failure keeps the last table.
 */
import {parseCpuMillis, parseMemoryBytes} from '../formats/quantity.js';
import type {Obj} from '../formats/json-object.js';
import {PodUsageTable} from '../model/pod-usage.js';
import {objectKey} from '../model/state.js';
import {ApiStatusError, type KubeClient} from './client.js';
import type {ClusterStore} from './cluster-store.js';
import type {InputReading} from './session-inputs.js';

export interface PodMetricsPollOptions {
	client: KubeClient;
	store: ClusterStore;
	/** The namespace scope (undefined = all). */
	scope: string | undefined;
	/** The session's: aborted when it stops. */
	signal: AbortSignal;
	/** The session's counters. */
	stats: {podMetricsReads: number};
	/** After each page, the pages this read has taken so far (the session paces the next read by them). */
	onPage: (pages: number) => void;
}

/** Reads pod usage into the store, one run a call; how it fared in `reading`. */
export class PodMetricsPoll {
	/** How the pod-metrics reads fared. */
	reading: InputReading = {status: 'pending'};

	constructor(private readonly context: PodMetricsPollOptions) {}

	/** metrics.k8s.io pod usage, paged. */
	async poll(): Promise<void> {
		const {client, store, scope, signal, stats, onPage} = this.context;
		stats.podMetricsReads++;
		let pages = 0;
		const usage = new PodUsageTable();
		let token: string | undefined;
		const base = scope ? `/apis/metrics.k8s.io/v1beta1/namespaces/${encodeURIComponent(scope)}/pods` : '/apis/metrics.k8s.io/v1beta1/pods';
		try {
			do {
				const page = await client.getJson<{items?: Obj[]; metadata?: {continue?: string}}>(base, {
					query: {limit: 500, continue: token},
					signal,
					what: 'read pod metrics',
					maxAttempts: 2,
					background: true,
				});
				onPage(++pages);
				for (const item of page.items ?? []) {
					const containers: Array<readonly [string, number, number]> = [];
					for (const c of (item.containers ?? []) as Obj[]) {
						try {
							containers.push([
								store.intern.s(String(c.name ?? '')),
								parseCpuMillis(String(c.usage?.cpu ?? '0')),
								parseMemoryBytes(String(c.usage?.memory ?? '0')),
							]);
						} catch {
							// Skip a malformed quantity.
						}
					}
					const namespace = store.intern.s(String(item.metadata?.namespace ?? ''));
					const name = String(item.metadata?.name ?? '');
					// The store's own copy of the name when it holds the pod: one string less per pod.
					usage.add(namespace, store.pods.get(objectKey(namespace, name))?.name ?? name, containers);
				}
				token = page.metadata?.continue || undefined;
			} while (token);
			store.podUsage = usage;
			this.reading = {status: 'read'};
			store.changed();
		} catch (error) {
			if ((error as Error).name === 'AbortError') throw error;
			if (error instanceof ApiStatusError && (error.status === 403 || error.status === 404)) {
				this.reading = {status: error.status === 403 ? 'forbidden' : 'absent', reason: error.message};
				store.podUsage = undefined;
				return;
			}
			if (store.podUsage === undefined) this.reading = {status: 'failed', reason: (error as Error).message};
		}
	}
}
