/**
 * Object counts per resource, refreshed at most once a minute: from /metrics when it is
 * readable (apiserver_resource_objects or apiserver_storage_objects, and
 * apiserver_resource_size_estimate_bytes where the server has it — one request for all
 * kinds); otherwise one metadata-only `LIST ?limit=1` per listable resource from discovery
 * (resourceVersion unset, never 0), reading remainingItemCount. Secrets are only ever
 * counted, never read. Object sizes, where the server gives none, are estimated from a
 * small sample of objects of the kinds that look large.
 */
import type {ApiServerFigures} from '../model/apiserver-figures.js';
import {deriveApiServerFigures} from './apiserver-metrics.js';
import {ApiStatusError, type KubeClient} from './client.js';
import type {Discovery, DiscoveredResource} from './discovery.js';
import {parsePrometheusText} from '../formats/prometheus-text.js';
import {resourcePath} from './reflector-types.js';
import type {ResourceCount, CountPoint} from '../model/state.js';

const METADATA_LIST = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json';

export interface MetricsReading {
	figures?: ApiServerFigures;
	/** Why /metrics could not be read. */
	unavailable?: string;
	/** The failure may pass (timeout, 5xx, 429): keep the last counts, do not fan out LISTs. */
	transient?: boolean;
	/** The HTTP status of a refusal (401, 403, 404), for telling "forbidden" from "not served". */
	code?: number;
}

/** GET /metrics and derive the figures; a 403 is an answer ("not readable"), not an error. */
export async function readMetrics(client: KubeClient, signal?: AbortSignal): Promise<MetricsReading> {
	try {
		const text = await client.getText('/metrics', {signal, accept: 'text/plain', what: 'read /metrics', maxAttempts: 3, background: true});
		return {figures: deriveApiServerFigures(parsePrometheusText(text))};
	} catch (error) {
		if (error instanceof ApiStatusError && (error.status === 403 || error.status === 401))
			return {unavailable: '/metrics not readable (needs get on the non-resource URL /metrics)', code: error.status};
		if (error instanceof ApiStatusError && error.status === 404) return {unavailable: '/metrics not served', code: 404};
		if ((error as Error).name === 'AbortError') throw error;
		return {unavailable: `/metrics failed: ${(error as Error).message}`, transient: true};
	}
}

export class Counter {
	private readonly history = new Map<string, CountPoint[]>();
	private readonly first = new Map<string, CountPoint>();
	private readonly samples = new Map<string, ResourceCount['sample']>();
	/** Requests made, for the footprint. */
	lists = 0;

	constructor(
		private readonly client: KubeClient,
		private readonly discovery: Discovery,
	) {}

	private record(key: string, count: number, now: number): {history: CountPoint[]; first: CountPoint} {
		const point = {time: now, count};
		let history = this.history.get(key);
		if (!history) {
			history = [];
			this.history.set(key, history);
		}
		if (history.at(-1)?.count !== count || history.length === 0) {
			history.push(point);
			if (history.length > 360) history.splice(0, history.length - 360);
		}
		if (!this.first.has(key)) this.first.set(key, point);
		return {history, first: this.first.get(key)!};
	}

	/** Counts from metrics figures (no extra request). */
	fromMetrics(figures: ApiServerFigures, now: number): ResourceCount[] {
		const out: ResourceCount[] = [];
		const sizes = new Map<string, number | null>();
		for (const size of figures.sizeEstimates?.byResource ?? []) sizes.set(`${size.group}/${size.resource}`, size.bytes);
		for (const entry of figures.objectCounts.byResource) {
			const key = `${entry.group}/${entry.resource}`;
			if (entry.count === null) {
				out.push({
					group: entry.group,
					resource: entry.resource,
					source: `${figures.objectCounts.source} (unknown: the server reported an error)`,
					history: this.history.get(key) ?? [],
				});
				continue;
			}
			const {history, first} = this.record(key, entry.count, now);
			const bytes = sizes.get(key);
			const sample = this.samples.get(key);
			const count: ResourceCount = {
				group: entry.group,
				resource: entry.resource,
				count: entry.count,
				source: figures.objectCounts.source ?? 'metrics',
				history,
				first,
			};
			if (typeof bytes === 'number') count.bytes = bytes;
			else if (sample && entry.resource !== 'secrets') {
				count.bytes = Math.round(sample.avgBytes * entry.count);
				count.bytesEstimated = true;
			}
			if (sample) count.sample = sample;
			out.push(count);
		}
		return out;
	}

	/** Counts with one metadata-only LIST ?limit=1 per listable resource. */
	async fromLists(now: number, signal?: AbortSignal): Promise<ResourceCount[]> {
		const out: ResourceCount[] = [];
		for (const resource of this.discovery.listable()) {
			if (resource.resource === 'events') continue;
			const count = await this.countOne(resource, signal);
			if (count === undefined) continue;
			const key = `${resource.group}/${resource.resource}`;
			const {history, first} = this.record(key, count, now);
			const sample = this.samples.get(key);
			out.push({
				group: resource.group,
				resource: resource.resource,
				count,
				source: 'LIST limit=1 (remainingItemCount)',
				history,
				first,
				...(sample && resource.resource !== 'secrets' ? {bytes: Math.round(sample.avgBytes * count), bytesEstimated: true, sample} : {}),
			});
		}
		return out;
	}

	private async countOne(resource: DiscoveredResource, signal?: AbortSignal): Promise<number | undefined> {
		this.lists++;
		try {
			const page = await this.client.getJson<{items?: unknown[]; metadata?: {remainingItemCount?: number; continue?: string}}>(
				resourcePath({group: resource.group, version: resource.version, resource: resource.resource}),
				{query: {limit: 1}, accept: METADATA_LIST, signal, what: `count ${resource.resource}`, maxAttempts: 3, background: true},
			);
			return (page.items?.length ?? 0) + (page.metadata?.remainingItemCount ?? 0);
		} catch (error) {
			if ((error as Error).name === 'AbortError') throw error;
			return undefined;
		}
	}

	/**
	 * Measure object sizes on a sample (one page of full objects) for a kind whose size the
	 * server does not report. Never for secrets.
	 */
	async sample(resource: DiscoveredResource, signal?: AbortSignal, limit = 50): Promise<void> {
		if (resource.resource === 'secrets') return;
		this.lists++;
		try {
			const body = await this.client.getText(resourcePath({group: resource.group, version: resource.version, resource: resource.resource}), {
				query: {limit},
				signal,
				what: `sample ${resource.resource}`,
				maxAttempts: 2,
				background: true,
			});
			const page = JSON.parse(body) as {items?: Array<{metadata?: {namespace?: string; name?: string}}>};
			const items = page.items ?? [];
			if (items.length === 0) return;
			const sizes = items.map((item) => ({
				namespace: item.metadata?.namespace ?? '',
				name: item.metadata?.name ?? '',
				bytes: Buffer.byteLength(JSON.stringify(item)),
			}));
			const avgBytes = sizes.reduce((n, s) => n + s.bytes, 0) / sizes.length;
			this.samples.set(`${resource.group}/${resource.resource}`, {
				objects: sizes.length,
				avgBytes,
				largest: sizes.sort((a, b) => b.bytes - a.bytes).slice(0, 5),
			});
		} catch (error) {
			if ((error as Error).name === 'AbortError') throw error;
		}
	}
}
