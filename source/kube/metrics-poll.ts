/**
 * The session's /metrics loop, one run at a time (the session schedules it, ≤ 2 a
 * minute): etcd size, object counts, open watches and APF from /metrics into the store;
 * object counts from LISTs (at most every countsIntervalMs) when /metrics has none; the
 * object sizes of custom kinds sampled once when the server does not report sizes.
 */
import type {Clock} from '../clock.js';
import type {KubeClient} from './client.js';
import type {ClusterStore} from './cluster-store.js';
import {type Counter, readMetrics} from './counts.js';
import type {Discovery} from './discovery.js';
import type {InputReading} from './session-inputs.js';

export interface MetricsPollOptions {
	client: KubeClient;
	clock: Clock;
	store: ClusterStore;
	counter: Counter;
	discovery: Discovery;
	/** The session's: aborted when it stops. */
	signal: AbortSignal;
	/** The session's options: milliseconds between LIST-based counts when /metrics is not readable (default 120 s). */
	options: {readonly countsIntervalMs?: number};
	/** The session's counters. */
	stats: {metricsReads: number};
}

/** Reads /metrics into the store, one run a call; how it fared in `reading`. */
export class MetricsPoll {
	/** How the last /metrics read fared. */
	reading: InputReading = {status: 'pending'};
	private lastListCounts = 0;
	private sampled = false;

	constructor(private readonly context: MetricsPollOptions) {}

	/** /metrics (≤ 2 a minute): etcd size, counts, open watches, APF; LIST-based counts when unreadable. */
	async poll(): Promise<void> {
		const {client, clock, store, counter, discovery, signal, options, stats} = this.context;
		stats.metricsReads++;
		const reading = await readMetrics(client, signal);
		const now = clock.now();
		this.reading = reading.figures
			? {status: 'read'}
			: {status: reading.transient ? 'failed' : reading.code === 404 ? 'absent' : 'forbidden', reason: reading.unavailable};
		if (reading.figures && reading.figures.objectCounts.source) {
			store.setMetrics(reading.figures);
			store.metricsUnavailable = undefined;
			if (!this.sampled) await this.sampleLargeKinds(reading.figures.sizeEstimates.source !== null);
			store.setCounts(counter.fromMetrics(reading.figures, now));
			return;
		}
		if (reading.transient) {
			// A server that failed one /metrics read is struggling: keep the last counts and try
			// again at the next poll rather than sending one LIST per resource instead.
			store.metricsUnavailable =
				store.counts.size > 0 ? `${reading.unavailable}; counts kept from the last reading` : `${reading.unavailable}; retrying at the next poll`;
			store.changed();
			return;
		}
		store.setMetrics(reading.figures);
		store.metricsUnavailable = reading.unavailable ?? 'the server publishes no object counts in /metrics';
		const every = options.countsIntervalMs ?? 120_000;
		if (now - this.lastListCounts < every) {
			store.changed();
			return;
		}
		this.lastListCounts = now;
		if (!discovery.loaded) await discovery.load(signal);
		if (!this.sampled) await this.sampleLargeKinds(false);
		store.setCounts(await counter.fromLists(now, signal));
	}

	/** Measure object sizes of custom kinds once (the server reports sizes only from 1.34). */
	private async sampleLargeKinds(serverHasSizes: boolean): Promise<void> {
		const {counter, discovery, signal} = this.context;
		this.sampled = true;
		if (serverHasSizes) return;
		if (!discovery.loaded) await discovery.load(signal);
		const builtin = new Set([
			'',
			'apps',
			'batch',
			'autoscaling',
			'policy',
			'networking.k8s.io',
			'rbac.authorization.k8s.io',
			'storage.k8s.io',
			'coordination.k8s.io',
			'discovery.k8s.io',
			'events.k8s.io',
			'scheduling.k8s.io',
			'flowcontrol.apiserver.k8s.io',
			'apiextensions.k8s.io',
			'admissionregistration.k8s.io',
			'certificates.k8s.io',
			'node.k8s.io',
			'apiregistration.k8s.io',
			'authentication.k8s.io',
			'authorization.k8s.io',
			'metrics.k8s.io',
		]);
		for (const resource of discovery.listable()) {
			if (builtin.has(resource.group) && resource.resource !== 'configmaps') continue;
			await counter.sample(resource, signal, 20);
		}
	}
}
