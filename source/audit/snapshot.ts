/**
 * The view of an aggregator at a moment, as the watchers pane and the report read it: per
 * client its windows (last 1, 5 and 15 minutes and the whole log, rates per minute of the
 * time covered), latency quantiles, per-minute series and worst URIs; the cluster-wide
 * series; what was skipped, how many events came further out of order than the
 * aggregator can count right, and what the log's formats cannot tell.
 */
import type {AuditAggregator} from './aggregate.js';
import {Field, LatencyHistogram, Verbs, type ClientState, type MinuteRing} from './client.js';
import type {AuditFormat} from './audit-record.js';
import {ReadingClock} from './order.js';
import {unavailableMeasures} from './record.js';
import type {UriStat} from './uris.js';

export type WindowName = '1m' | '5m' | '15m' | 'all';

/** Quantiles of a latency distribution, in ms (NaN when there were none). */
export interface LatencySummary {
	count: number;
	p50Ms: number;
	p99Ms: number;
}

/** What one client did within one window. Rates are per minute of the covered time. */
export interface WindowStats {
	/** Minutes the window actually covers (less than its length early in a log). */
	minutes: number;
	requests: number;
	requestsPerMin: number;
	watchesOpened: number;
	watchesOpenedPerMin: number;
	watchScope: {cluster: number; namespaced: number; object: number};
	lists: number;
	listsPerMin: number;
	listClusterWide: number;
	listNoLimit: number;
	/** resourceVersion unset: a consistent read (etcd before 1.31). */
	listRvUnset: number;
	/** resourceVersion=0 with a limit: the limit is ignored by the watch cache. */
	listRv0WithLimit: number;
	/** Cluster-wide, no limit, no resourceVersion. */
	listFullRead: number;
	listLatencyAvgMs: number;
	listLatency: LatencySummary;
	throttled: number;
	throttledPerMin: number;
	errors5xx: number;
	errors5xxPerMin: number;
	forbidden: number;
	apfQueueWaitAvgMs: number;
	latencyAvgMs: number;
	/** p50/p99 per verb (from latency annotations, else the stage timestamps). */
	latencyByVerb: Record<string, LatencySummary>;
}

export interface ClientStats {
	key: string;
	product: string;
	user: string;
	/** '' or why this caller is expected to be busy (control plane, kubelet, health probe…). */
	label: string;
	/** User agents seen, most frequent first. */
	userAgents: string[];
	sourceIPs: number;
	nodes: number;
	pods: number;
	/** Distinct nodes when known (user.extra or kubelet user), else distinct source IPs. */
	fanOut: number;
	fanOutBy: 'nodes' | 'source IPs';
	sampleNodes: string[];
	sampleSourceIPs: string[];
	watchesOpen: number;
	watchesOpenByScope: {cluster: number; namespaced: number; object: number};
	watchLifetime: LatencySummary;
	windows: Record<WindowName, WindowStats>;
	/** Requests per minute per verb for the last `seriesMinutes` minutes, oldest first (verbs with none are left out). */
	series: Record<string, number[]>;
	worstUris: UriStat[];
}

export interface AuditSnapshot {
	nowMs: number;
	firstMs: number;
	lastMs: number;
	events: number;
	requests: number;
	skipped: number;
	skippedByReason: Record<string, number>;
	ignoredStages: number;
	outsideWindow: number;
	/** Events read more than `orderWindowMinutes` out of order: watches and duplicates near them may be counted twice. */
	outOfOrder: number;
	orderWindowMinutes: number;
	formats: Record<string, number>;
	/** Measures the formats seen cannot provide. */
	unavailable: string[];
	watchesOpen: number;
	/** Most requests (whole log) first. */
	clients: ClientStats[];
	/** Cluster-wide requests per minute per verb, oldest first. */
	series: Record<string, number[]>;
	/** Heaviest request URIs by total server time. */
	worstUris: UriStat[];
}

export interface SnapshotOptions {
	/** The time windows end at; default the newest event (a file), or pass the clock (live). */
	nowMs?: number;
	/** Length of the per-minute series; default 30. */
	seriesMinutes?: number;
	/** Worst URIs listed; default 20 (5 per client). */
	topUris?: number;
}

function windowOf(c: ClientState, fromMinute: number, toMinute: number, minutes: number, all: boolean, recentMinute: number): WindowStats {
	const v = new Float64Array(Field.count);
	if (all) {
		v.set(c.totals);
	} else {
		for (let s = 0; s < c.minutes.held.length; s++) {
			const m = c.minutes.held[s]!;
			if (m < fromMinute || m > toMinute) continue;
			for (let f = 0; f < Field.count; f++) v[f] += c.slots[s * Field.count + f]!;
		}
	}
	const per = (n: number): number => (minutes > 0 ? n / minutes : 0);
	const avg = (sum: number, n: number): number => (n > 0 ? sum / n : Number.NaN);
	const latencyByVerb: Record<string, LatencySummary> = {};
	const verbs = Verbs.names.length;
	let listHists: Uint32Array[] = [];
	for (let verb = 0; verb < verbs; verb++) {
		const hists: Uint32Array[] = [];
		if (all) {
			const h = c.latency[verb];
			if (h !== undefined) hists.push(h);
		} else {
			for (let s = 0; s < c.latencyMinutes.held.length; s++) {
				const m = c.latencyMinutes.held[s]!;
				if (m < Math.max(fromMinute, recentMinute) || m > toMinute) continue;
				const h = c.latencySlots[s * verbs + verb];
				if (h !== undefined) hists.push(h);
			}
		}
		let count = 0;
		for (const h of hists) for (let i = 0; i < h.length; i++) count += h[i]!;
		if (count === 0) continue;
		latencyByVerb[Verbs.names[verb]!] = {count, p50Ms: LatencyHistogram.quantile(hists, 0.5), p99Ms: LatencyHistogram.quantile(hists, 0.99)};
		if (verb === 1) listHists = hists;
	}
	let listCount = 0;
	for (const h of listHists) for (let i = 0; i < h.length; i++) listCount += h[i]!;
	return {
		minutes,
		requests: v[Field.requests]!,
		requestsPerMin: per(v[Field.requests]!),
		watchesOpened: v[Field.watchOpened]!,
		watchesOpenedPerMin: per(v[Field.watchOpened]!),
		watchScope: {cluster: v[Field.watchCluster]!, namespaced: v[Field.watchNamespaced]!, object: v[Field.watchObject]!},
		lists: v[Field.lists]!,
		listsPerMin: per(v[Field.lists]!),
		listClusterWide: v[Field.listCluster]!,
		listNoLimit: v[Field.listNoLimit]!,
		listRvUnset: v[Field.listRvUnset]!,
		listRv0WithLimit: v[Field.listRv0Limit]!,
		listFullRead: v[Field.listFullRead]!,
		listLatencyAvgMs: avg(v[Field.listLatencySum]!, v[Field.listLatencyCount]!),
		listLatency: {count: listCount, p50Ms: LatencyHistogram.quantile(listHists, 0.5), p99Ms: LatencyHistogram.quantile(listHists, 0.99)},
		throttled: v[Field.throttled]!,
		throttledPerMin: per(v[Field.throttled]!),
		errors5xx: v[Field.errors5xx]!,
		errors5xxPerMin: per(v[Field.errors5xx]!),
		forbidden: v[Field.forbidden]!,
		apfQueueWaitAvgMs: avg(v[Field.apfWaitSum]!, v[Field.apfWaitCount]!),
		latencyAvgMs: avg(v[Field.latencySum]!, v[Field.latencyCount]!),
		latencyByVerb,
	};
}

/** Requests per minute per verb for the `length` minutes up to `nowMinute`, oldest first (verbs with none are left out). */
function seriesOf(minutes: MinuteRing, verbSlots: Float64Array, nowMinute: number, length: number): Record<string, number[]> {
	const series: Record<string, number[]> = {};
	const verbs = Verbs.names.length;
	for (let verb = 0; verb < verbs; verb++) {
		const row = new Array<number>(length).fill(0);
		let any = false;
		for (let s = 0; s < minutes.held.length; s++) {
			const m = minutes.held[s]!;
			const at = m - (nowMinute - length + 1);
			if (m < 0 || at < 0 || at >= length) continue;
			const n = verbSlots[s * verbs + verb]!;
			if (n > 0) {
				row[at] = n;
				any = true;
			}
		}
		if (any) series[Verbs.names[verb]!] = row;
	}
	return series;
}

/**
 * The view of an aggregator at a moment: per-client windows, series and worst URIs. Watch
 * completions of merged parts still waiting for a start count as opened before the log
 * (settle), and open watches past their deadline are expired first.
 */
export function snapshotOf(agg: AuditAggregator, options: SnapshotOptions = {}): AuditSnapshot {
	agg.settle();
	const hasEvents = Number.isFinite(agg.lastMs);
	const nowMs = options.nowMs ?? (hasEvents ? agg.lastMs : Date.now());
	agg.expire(nowMs);
	const nowMinute = Math.floor(nowMs / 60_000);
	const seriesMinutes = Math.min(options.seriesMinutes ?? 30, agg.options.historyMinutes);
	const topUris = options.topUris ?? 20;
	const firstMs = hasEvents ? agg.firstMs : nowMs;
	const span = (minutes: number): {from: number; covered: number} => {
		const from = nowMinute - minutes + 1;
		const start = Math.max(from * 60_000, firstMs);
		return {from, covered: Math.max(1 / 60, (nowMs - start) / 60_000)};
	};
	const allMinutes = Math.max(1 / 60, (nowMs - firstMs) / 60_000);
	const ranked = agg.uris.ranked();
	const clients: ClientStats[] = [];
	for (const c of agg.clients.values()) {
		const windows = {} as Record<WindowName, WindowStats>;
		for (const [name, minutes] of [
			['1m', 1],
			['5m', 5],
			['15m', 15],
		] as const) {
			const {from, covered} = span(minutes);
			windows[name] = windowOf(c, from, nowMinute, covered, false, nowMinute - 14);
		}
		windows.all = windowOf(c, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY, allMinutes, true, 0);
		const nodes = c.nodes.size;
		const ips = c.sourceIPs.size;
		const userAgents = [...c.agentCounts()].sort((a, b) => b[1] - a[1]).map(([ua]) => ua);
		clients.push({
			key: c.key,
			product: c.product,
			user: c.user,
			label: c.label,
			userAgents,
			sourceIPs: ips,
			nodes,
			pods: c.pods.size,
			fanOut: nodes > 0 ? nodes : ips,
			fanOutBy: nodes > 0 ? 'nodes' : 'source IPs',
			sampleNodes: [...c.nodes.values].slice(0, 8),
			sampleSourceIPs: [...c.sourceIPs.values].slice(0, 8),
			watchesOpen: c.open[0]! + c.open[1]! + c.open[2]!,
			watchesOpenByScope: {cluster: c.open[0]!, namespaced: c.open[1]!, object: c.open[2]!},
			watchLifetime: {
				count: c.watchLifetime.reduce((a, b) => a + b, 0),
				p50Ms: LatencyHistogram.quantile([c.watchLifetime], 0.5),
				p99Ms: LatencyHistogram.quantile([c.watchLifetime], 0.99),
			},
			windows,
			series: seriesOf(c.minutes, c.verbSlots, nowMinute, seriesMinutes),
			worstUris: ranked
				.filter((u) => u.client === c.key)
				.slice(0, 5)
				.map((u) => ({...u})),
		});
	}
	clients.sort((a, b) => b.windows.all.requests - a.windows.all.requests || a.key.localeCompare(b.key));
	let skipped = 0;
	const skippedByReason: Record<string, number> = {};
	for (const [k, n] of agg.skipped) {
		skipped += n;
		skippedByReason[k] = n;
	}
	const formats: Record<string, number> = {};
	for (const [k, n] of agg.formatCounts()) formats[k] = n;
	return {
		nowMs,
		firstMs: hasEvents ? agg.firstMs : Number.NaN,
		lastMs: hasEvents ? agg.lastMs : Number.NaN,
		events: agg.events,
		requests: agg.requests,
		skipped,
		skippedByReason,
		ignoredStages: agg.ignoredStages,
		outsideWindow: agg.outsideWindow,
		outOfOrder: agg.clock.outOfOrder,
		orderWindowMinutes: ReadingClock.windowMs / 60_000,
		formats,
		unavailable: unavailableMeasures(agg.formatCounts().keys() as Iterable<AuditFormat>),
		watchesOpen: clients.reduce((a, c) => a + c.watchesOpen, 0),
		clients,
		series: seriesOf(agg.globalMinutes, agg.globalVerbs, nowMinute, seriesMinutes),
		worstUris: ranked.slice(0, topUris).map((u) => ({...u})),
	};
}
