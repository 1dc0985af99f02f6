/**
 * Per-client audit statistics over time windows, in bounded memory: for every client
 * (user-agent product + user) how many watches it opens and holds, how it LISTs, how
 * often it is throttled or fails, and how slow its requests are — over the last 1, 5
 * and 15 minutes and the whole log. Counters live in per-minute ring buffers, latencies
 * in fixed log-scale histograms (no raw arrays), open watches in one map bounded by their
 * timeouts. Aggregators of consecutive parts of a log merge exactly (see parallel.ts).
 *
 * A request is counted once: at ResponseComplete (or Panic), or for a watch at
 * ResponseStarted (still open) with its ResponseComplete (same auditID) only closing it;
 * formats without stages (GKE) count every entry.
 *
 * Shipped to the audit worker (README.md: the worker kernel).
 */
import {unavailableMeasures, type AuditFormat, type AuditRecord} from './record.js';
import type {SkipReason} from './formats.js';

/** Fixed log-scale latency histogram: 4 buckets per power of two from 0.1 ms to ~1.9 h (error ≤ 9 %). */
export class LatencyHistogram {
	static readonly buckets = 106;

	static index(ms: number): number {
		if (!(ms > 0.1)) return 0;
		const i = Math.floor(4 * Math.log2(ms / 0.1)) + 1;
		return i >= LatencyHistogram.buckets ? LatencyHistogram.buckets - 1 : i;
	}

	/** A representative value of a bucket (its geometric middle). */
	static value(index: number): number {
		if (index <= 0) return 0.05;
		return 0.1 * 2 ** ((index - 0.5) / 4);
	}

	/** The q-quantile (0..1) of one or more histograms summed; NaN when empty. */
	static quantile(hists: readonly Uint32Array[], q: number): number {
		let total = 0;
		for (const h of hists) for (let i = 0; i < h.length; i++) total += h[i]!;
		if (total === 0) return Number.NaN;
		const rank = Math.max(1, Math.ceil(q * total));
		let seen = 0;
		for (let i = 0; i < LatencyHistogram.buckets; i++) {
			for (const h of hists) seen += h[i]!;
			if (seen >= rank) return LatencyHistogram.value(i);
		}
		return LatencyHistogram.value(LatencyHistogram.buckets - 1);
	}
}

/** Indices into the per-minute counter rows. */
export class Field {
	static readonly requests = 0;
	static readonly watchOpened = 1;
	static readonly watchCluster = 2;
	static readonly watchNamespaced = 3;
	static readonly watchObject = 4;
	static readonly lists = 5;
	static readonly listCluster = 6;
	static readonly listNoLimit = 7;
	static readonly listRvUnset = 8;
	static readonly listRv0Limit = 9;
	/** Cluster-wide, no limit and no resourceVersion: a full consistent read of the collection. */
	static readonly listFullRead = 10;
	static readonly throttled = 11;
	static readonly errors5xx = 12;
	static readonly forbidden = 13;
	static readonly latencySum = 14;
	static readonly latencyCount = 15;
	static readonly watchClosed = 16;
	static readonly apfWaitSum = 17;
	static readonly apfWaitCount = 18;
	static readonly listLatencySum = 19;
	static readonly listLatencyCount = 20;
	static readonly count = 21;
}

/** Verbs with their own series and histograms; everything else is "other". */
export class Verbs {
	static readonly names: readonly string[] = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection', 'other'];

	static index(verb: string): number {
		switch (verb) {
			case 'get': return 0;
			case 'list': return 1;
			case 'watch': return 2;
			case 'create': return 3;
			case 'update': return 4;
			case 'patch': return 5;
			case 'delete': return 6;
			case 'deletecollection': return 7;
			default: return 8;
		}
	}
}

/** A copy of a string that does not keep a large source text alive (V8 slices reference their parent; see detachText). */
export function detach(s: string): string {
	return s.length < 13 ? s : `${s} `.slice(0, -1);
}

/** The product part of a user agent: `cilium-agent` of `cilium-agent/v1.15.6 (linux/amd64) kubernetes/$Format`. */
export function userAgentProduct(ua: string): string {
	let end = ua.length;
	const slash = ua.indexOf('/');
	if (slash >= 0 && slash < end) end = slash;
	const space = ua.indexOf(' ');
	if (space >= 0 && space < end) end = space;
	const product = ua.slice(0, end).trim();
	return product === '' ? '(no user agent)' : product;
}

/** Callers that are expected to be busy: labelled, never hidden. */
export function normalCallerLabel(product: string, userAgent: string, user: string): string {
	const p = product.toLowerCase();
	if (p === 'kube-probe') return 'health probe';
	if ((p === 'envoy' && userAgent.includes('HC')) || p === 'elb-healthchecker' || p === 'googlehc' || p.includes('healthcheck')) return 'health check';
	if (user === 'system:nodes' && p === 'kubelet') return 'kubelet';
	if (user === 'system:kube-controller-manager' || user === 'system:kube-scheduler' || user === 'system:apiserver'
		|| user === 'aksService' || user === 'readinessChecker' || user === 'system:kube-proxy') return 'control plane';
	if (p === 'kube-apiserver' || p === 'kube-controller-manager' || p === 'kube-scheduler' || p === 'cloud-controller-manager'
		|| (p === 'hyperkube' && user.startsWith('system:'))) return 'control plane';
	return '';
}

/** Up to `cap` distinct strings, and how many more were seen (approximately). */
export class BoundedSet {
	/** Each value mapped to the copy kept (so `last` never holds a slice of a chunk). */
	private readonly kept = new Map<string, string>();
	overflow = 0;
	/** The value added last: most adds repeat it. */
	private last = '';

	constructor(readonly cap: number) {}

	get values(): IterableIterator<string> {
		return this.kept.values();
	}

	add(v: string): void {
		if (v === this.last || v === '') return;
		const have = this.kept.get(v);
		if (have !== undefined) {
			this.last = have;
			return;
		}
		if (this.kept.size < this.cap) {
			const copy = detach(v);
			this.kept.set(copy, copy);
			this.last = copy;
		} else {
			this.overflow++;
		}
	}

	get size(): number {
		return this.kept.size + (this.overflow > 0 ? 1 : 0);
	}
}

/** A watch still open: enough to close it and attribute it. */
export interface OpenWatch {
	client: string;
	receivedMs: number;
	/** 0 cluster-wide, 1 namespaced, 2 single object. */
	scope: number;
	/** After this (timeoutSeconds, else the API server's 60 min maximum, plus a minute) it is presumed closed without a record. */
	deadlineMs: number;
}

/** One client's counters, ring buffers and histograms. */
export class ClientState {
	readonly key: string;
	readonly product: string;
	readonly user: string;
	label: string;
	/** Requests per user agent (read through agentCounts(): the current run of one agent is counted apart). */
	private readonly userAgents = new Map<string, number>();
	private runAgent = '';
	private runAgentCount = 0;
	readonly sourceIPs = new BoundedSet(4096);
	readonly nodes = new BoundedSet(8192);
	readonly pods = new BoundedSet(8192);
	/** All-time counters. */
	readonly totals = new Float64Array(Field.count);
	/** Per-minute counters: minute number per slot, Field.count values per slot. */
	readonly slotMinute: Int32Array;
	readonly slots: Float64Array;
	/** Requests per verb per minute slot. */
	readonly verbSlots: Float64Array;
	/** All-time latency histogram per verb index (lazily). */
	readonly latency: (Uint32Array | undefined)[] = [];
	/** Latency histograms per recent minute: [slot * verbs + verb] (lazily), with the minute of each slot. */
	readonly latencySlots: (Uint32Array | undefined)[] = [];
	readonly latencySlotMinute: Int32Array;
	readonly watchLifetime = new Uint32Array(LatencyHistogram.buckets);
	/** Watches open now by scope (cluster, namespaced, object). */
	readonly open = new Float64Array(3);

	constructor(key: string, product: string, user: string, history: number, recent: number) {
		this.key = key;
		this.product = product;
		this.user = user;
		this.label = '';
		this.slotMinute = new Int32Array(history).fill(-1);
		this.slots = new Float64Array(history * Field.count);
		this.verbSlots = new Float64Array(history * Verbs.names.length);
		this.latencySlotMinute = new Int32Array(recent).fill(-1);
	}

	countAgent(ua: string): void {
		if (ua === this.runAgent) {
			this.runAgentCount++;
			return;
		}
		this.flushAgent();
		this.runAgent = detach(ua);
		this.runAgentCount = 1;
	}

	addAgent(ua: string, n: number): void {
		const have = this.userAgents.get(ua);
		if (have !== undefined) this.userAgents.set(ua, have + n);
		else if (this.userAgents.size < 16) this.userAgents.set(ua, n);
	}

	private flushAgent(): void {
		if (this.runAgentCount > 0) this.addAgent(this.runAgent, this.runAgentCount);
		this.runAgentCount = 0;
	}

	/** Requests per user agent (at most 16 agents). */
	agentCounts(): Map<string, number> {
		this.flushAgent();
		return this.userAgents;
	}

	/** The row offset for a minute, resetting a slot that held an older minute; -1 when the minute is older than the ring. */
	row(minute: number): number {
		const n = this.slotMinute.length;
		const slot = ((minute % n) + n) % n;
		const held = this.slotMinute[slot]!;
		if (held === minute) return slot;
		if (held > minute) return -1;
		this.slotMinute[slot] = minute;
		this.slots.fill(0, slot * Field.count, (slot + 1) * Field.count);
		this.verbSlots.fill(0, slot * Verbs.names.length, (slot + 1) * Verbs.names.length);
		return slot;
	}

	addCount(minute: number, field: number, value: number): void {
		this.totals[field] += value;
		const slot = this.row(minute);
		if (slot >= 0) this.slots[slot * Field.count + field] += value;
	}

	addLatency(minute: number, verb: number, ms: number): void {
		const b = LatencyHistogram.index(ms);
		let all = this.latency[verb];
		if (all === undefined) {
			all = new Uint32Array(LatencyHistogram.buckets);
			this.latency[verb] = all;
		}
		all[b]!++;
		if (!Number.isFinite(minute)) return;
		const n = this.latencySlotMinute.length;
		const slot = ((minute % n) + n) % n;
		const held = this.latencySlotMinute[slot]!;
		if (held > minute) return;
		const verbs = Verbs.names.length;
		if (held !== minute) {
			this.latencySlotMinute[slot] = minute;
			for (let v = 0; v < verbs; v++) this.latencySlots[slot * verbs + v]?.fill(0);
		}
		let h = this.latencySlots[slot * verbs + verb];
		if (h === undefined) {
			h = new Uint32Array(LatencyHistogram.buckets);
			this.latencySlots[slot * verbs + verb] = h;
		}
		h[b]!++;
	}
}

/** One worst-URI entry (ranked by total server time). */
export interface UriStat {
	client: string;
	verb: string;
	uri: string;
	count: number;
	totalMs: number;
	maxMs: number;
	throttled: number;
}

export interface AggregateOptions {
	/** Minutes of per-minute history (sparklines, windows); default 60. */
	historyMinutes?: number;
	/** Ignore events before this time (epoch ms): `--since`. */
	sinceMs?: number;
	/** Distinct clients kept; later ones are pooled as "(other clients)". Default 5000. */
	maxClients?: number;
	/** Open watches tracked; default 1,000,000. */
	maxOpenWatches?: number;
	/**
	 * This aggregator reads a part of a log that is not the first: watch completions whose
	 * start is not in this part are kept aside until merged after the earlier parts.
	 */
	partial?: boolean;
}

/** Plain data of an aggregator (structured-cloneable, for worker threads). */
export interface AggregatorState {
	options: Required<Omit<AggregateOptions, 'sinceMs'>> & {sinceMs: number};
	events: number;
	requests: number;
	ignoredStages: number;
	outsideWindow: number;
	firstMs: number;
	lastMs: number;
	formats: [string, number][];
	skipped: [string, number][];
	clients: {key: string; product: string; user: string; label: string; userAgents: [string, number][]; sourceIPs: string[]; ipOverflow: number; nodes: string[]; nodeOverflow: number; pods: string[]; podOverflow: number;
		totals: Float64Array; slotMinute: Int32Array; slots: Float64Array; verbSlots: Float64Array; latency: (Uint32Array | null)[]; latencySlots: (Uint32Array | null)[]; latencySlotMinute: Int32Array; watchLifetime: Uint32Array; open: Float64Array}[];
	open: [string, OpenWatch][];
	deferred: AuditRecord[];
	uris: [string, UriStat][];
	globalMinute: Int32Array;
	globalVerbs: Float64Array;
}

/** Aggregates records into per-client statistics. Feed it with `record`/`skip` (it is a RecordSink). */
export class AuditAggregator {
	readonly options: Required<Omit<AggregateOptions, 'sinceMs'>> & {sinceMs: number};
	/** Records seen (before window/stage filtering). */
	events = 0;
	/** Requests counted (each once). */
	requests = 0;
	/** RequestReceived and non-watch ResponseStarted stages: not counted on their own. */
	ignoredStages = 0;
	/** Records before `sinceMs`. */
	outsideWindow = 0;
	firstMs = Number.POSITIVE_INFINITY;
	lastMs = Number.NEGATIVE_INFINITY;
	/** Records per format (read through formatCounts(): the current run of one format is counted apart). */
	private readonly formats = new Map<string, number>();
	private runFormat = '';
	private runCount = 0;
	readonly skipped = new Map<string, number>();
	/** user → user agent → client. */
	readonly byUser = new Map<string, Map<string, ClientState>>();
	readonly clients = new Map<string, ClientState>();
	readonly open = new Map<string, OpenWatch>();
	/** Watch completions whose start may be in an earlier part (partial mode). */
	readonly deferred: AuditRecord[] = [];
	readonly uris = new Map<string, UriStat>();
	/** Cluster-wide requests per verb per minute (sparklines). */
	readonly globalMinute: Int32Array;
	readonly globalVerbs: Float64Array;

	constructor(options: AggregateOptions = {}) {
		this.options = {
			historyMinutes: Math.max(15, options.historyMinutes ?? 60),
			sinceMs: options.sinceMs ?? Number.NEGATIVE_INFINITY,
			maxClients: options.maxClients ?? 5000,
			maxOpenWatches: options.maxOpenWatches ?? 1_000_000,
			partial: options.partial ?? false,
		};
		this.globalMinute = new Int32Array(this.options.historyMinutes).fill(-1);
		this.globalVerbs = new Float64Array(this.options.historyMinutes * Verbs.names.length);
	}

	private flushFormat(): void {
		if (this.runCount > 0) this.formats.set(this.runFormat, (this.formats.get(this.runFormat) ?? 0) + this.runCount);
		this.runCount = 0;
	}

	/** Records read per format. */
	formatCounts(): Map<string, number> {
		this.flushFormat();
		return this.formats;
	}

	skip(reason: SkipReason | string): void {
		this.skipped.set(reason, (this.skipped.get(reason) ?? 0) + 1);
	}

	record(r: AuditRecord): void {
		this.events++;
		if (r.format === this.runFormat) {
			this.runCount++;
		} else {
			this.flushFormat();
			this.runFormat = r.format;
			this.runCount = 1;
		}
		const t = Number.isFinite(r.stageMs) ? r.stageMs : r.receivedMs;
		if (t < this.options.sinceMs) {
			this.outsideWindow++;
			return;
		}
		if (t < this.firstMs) this.firstMs = t;
		if (t > this.lastMs) this.lastMs = t;
		const stage = r.stage;
		if (r.verb === 'watch') {
			if (stage === 'ResponseStarted') {
				if (this.open.has(r.auditID)) return;
				const client = this.client(r);
				this.count(client, r, true);
				if (this.open.size >= this.options.maxOpenWatches) this.expire(t);
				if (r.auditID !== '' && this.open.size < this.options.maxOpenWatches) {
					const scope = AuditAggregator.watchScope(r);
					const timeout = Number.isFinite(r.timeoutSeconds) ? r.timeoutSeconds * 1000 : 3_600_000;
					const start = Number.isFinite(r.receivedMs) ? r.receivedMs : t;
					this.open.set(detach(r.auditID), {client: client.key, receivedMs: start, scope, deadlineMs: start + timeout + 60_000});
					client.open[scope]++;
				}
				return;
			}
			if (stage === 'ResponseComplete' || stage === 'Panic') {
				const ow = this.open.get(r.auditID);
				if (ow !== undefined) {
					this.open.delete(r.auditID);
					this.closeWatch(ow, r);
					return;
				}
				if (this.options.partial) {
					this.deferred.push(AuditAggregator.detachRecord(r));
					return;
				}
				this.orphanComplete(r);
				return;
			}
			if (stage === '') {
				this.count(this.client(r), r, true);
				return;
			}
			this.ignoredStages++;
			return;
		}
		if (stage === 'ResponseComplete' || stage === 'Panic' || stage === '') {
			this.count(this.client(r), r, false);
			return;
		}
		this.ignoredStages++;
	}

	/** A watch completion whose start is not in the log: counted now, with its lifetime. */
	private orphanComplete(r: AuditRecord): void {
		const client = this.client(r);
		this.count(client, r, true);
		const lifetime = r.stageMs - r.receivedMs;
		const minute = Math.floor((Number.isFinite(r.stageMs) ? r.stageMs : r.receivedMs) / 60_000);
		if (Number.isFinite(minute)) client.addCount(minute, Field.watchClosed, 1);
		else client.totals[Field.watchClosed]++;
		if (Number.isFinite(lifetime)) client.watchLifetime[LatencyHistogram.index(lifetime)]!++;
	}

	private closeWatch(ow: OpenWatch, r: AuditRecord): void {
		const client = this.clients.get(ow.client);
		if (client === undefined) return;
		client.open[ow.scope]--;
		const end = Number.isFinite(r.stageMs) ? r.stageMs : r.receivedMs;
		if (Number.isFinite(end)) client.addCount(Math.floor(end / 60_000), Field.watchClosed, 1);
		else client.totals[Field.watchClosed]++;
		const lifetime = end - ow.receivedMs;
		if (Number.isFinite(lifetime)) client.watchLifetime[LatencyHistogram.index(lifetime)]!++;
		if (r.code === 429 || r.code >= 500) {
			// A watch that ends in an error still was one request: count the error, not the request.
			const field = r.code === 429 ? Field.throttled : Field.errors5xx;
			if (Number.isFinite(ow.receivedMs)) client.addCount(Math.floor(ow.receivedMs / 60_000), field, 1);
			else client.totals[field]++;
		}
	}

	/** 0 cluster-wide, 1 namespaced, 2 a single object (by name or metadata.name field selector). */
	static watchScope(r: AuditRecord): number {
		if (r.name !== '' || (r.fieldSelector !== undefined && r.fieldSelector.startsWith('metadata.name='))) return 2;
		return r.namespace !== '' ? 1 : 0;
	}

	static detachRecord(r: AuditRecord): AuditRecord {
		return {...r, auditID: detach(r.auditID), requestURI: detach(r.requestURI), path: detach(r.path), userAgent: detach(r.userAgent), user: detach(r.user),
			groups: r.groups.map(detach), nodeName: detach(r.nodeName), podName: detach(r.podName), sourceIP: detach(r.sourceIP), namespace: detach(r.namespace), name: detach(r.name),
			fieldSelector: r.fieldSelector === undefined ? undefined : detach(r.fieldSelector), labelSelector: r.labelSelector === undefined ? undefined : detach(r.labelSelector)};
	}

	/** The client of a record: kubelets (system:node:<name>) are one client, their nodes its fan-out. */
	client(r: AuditRecord): ClientState {
		let user = r.user;
		if (user.startsWith('system:node:')) user = 'system:nodes';
		let byUA = this.byUser.get(user);
		if (byUA === undefined) {
			byUA = new Map();
			this.byUser.set(detach(user), byUA);
		}
		let client = byUA.get(r.userAgent);
		if (client === undefined) {
			const product = userAgentProduct(r.userAgent);
			const key = `${product} ${user}`;
			client = this.clients.get(key);
			if (client === undefined) {
				if (this.clients.size >= this.options.maxClients) {
					const other = '(other clients)';
					client = this.clients.get(other);
					if (client === undefined) {
						client = new ClientState(other, other, '', this.options.historyMinutes, 15);
						this.clients.set(other, client);
					}
				} else {
					client = new ClientState(detach(key), detach(product), detach(user), this.options.historyMinutes, 15);
					client.label = normalCallerLabel(product, r.userAgent, user);
					this.clients.set(client.key, client);
				}
			}
			if (byUA.size < 64) byUA.set(detach(r.userAgent), client);
		}
		client.countAgent(r.userAgent);
		client.sourceIPs.add(r.sourceIP);
		client.nodes.add(r.nodeName);
		client.pods.add(r.podName);
		return client;
	}

	/** Counts one request at the time it was received. */
	private count(client: ClientState, r: AuditRecord, watch: boolean): void {
		this.requests++;
		const at = Number.isFinite(r.receivedMs) ? r.receivedMs : r.stageMs;
		// An event without any time (possible in a hand-made file) counts in the totals only.
		const timed = Number.isFinite(at);
		const minute = timed ? Math.floor(at / 60_000) : 0;
		const slot = timed ? client.row(minute) : -1;
		const base = slot * Field.count;
		const totals = client.totals;
		const slots = client.slots;
		const verb = Verbs.index(r.verb);
		totals[Field.requests]++;
		if (slot >= 0) {
			slots[base + Field.requests]++;
			client.verbSlots[slot * Verbs.names.length + verb]++;
		}
		if (timed) this.countGlobal(minute, verb);
		const code = r.code;
		if (code === 429) {
			totals[Field.throttled]++;
			if (slot >= 0) slots[base + Field.throttled]++;
		} else if (code >= 500) {
			totals[Field.errors5xx]++;
			if (slot >= 0) slots[base + Field.errors5xx]++;
		} else if (code === 403) {
			totals[Field.forbidden]++;
			if (slot >= 0) slots[base + Field.forbidden]++;
		}
		if (Number.isFinite(r.apfQueueWaitMs)) {
			totals[Field.apfWaitSum] += r.apfQueueWaitMs;
			totals[Field.apfWaitCount]++;
			if (slot >= 0) {
				slots[base + Field.apfWaitSum] += r.apfQueueWaitMs;
				slots[base + Field.apfWaitCount]++;
			}
		}
		if (watch) {
			const scope = Field.watchCluster + AuditAggregator.watchScope(r);
			totals[Field.watchOpened]++;
			totals[scope]++;
			if (slot >= 0) {
				slots[base + Field.watchOpened]++;
				slots[base + scope]++;
			}
			return;
		}
		const latency = r.latencyMs;
		if (Number.isFinite(latency)) {
			totals[Field.latencySum] += latency;
			totals[Field.latencyCount]++;
			if (slot >= 0) {
				slots[base + Field.latencySum] += latency;
				slots[base + Field.latencyCount]++;
			}
			if (timed) client.addLatency(minute, verb, latency);
			else client.addLatency(Number.NEGATIVE_INFINITY, verb, latency);
		}
		if (verb === 1) {
			const known = r.queryKnown;
			const cluster = r.namespace === '';
			const noLimit = known && Number.isNaN(r.limit);
			const rvUnset = known && (r.resourceVersion === undefined || r.resourceVersion === '');
			const rv0Limit = known && r.resourceVersion === '0' && !Number.isNaN(r.limit);
			const full = cluster && noLimit && rvUnset;
			totals[Field.lists]++;
			if (cluster) totals[Field.listCluster]++;
			if (noLimit) totals[Field.listNoLimit]++;
			if (rvUnset) totals[Field.listRvUnset]++;
			if (rv0Limit) totals[Field.listRv0Limit]++;
			if (full) totals[Field.listFullRead]++;
			if (Number.isFinite(latency)) {
				totals[Field.listLatencySum] += latency;
				totals[Field.listLatencyCount]++;
			}
			if (slot >= 0) {
				slots[base + Field.lists]++;
				if (cluster) slots[base + Field.listCluster]++;
				if (noLimit) slots[base + Field.listNoLimit]++;
				if (rvUnset) slots[base + Field.listRvUnset]++;
				if (rv0Limit) slots[base + Field.listRv0Limit]++;
				if (full) slots[base + Field.listFullRead]++;
				if (Number.isFinite(latency)) {
					slots[base + Field.listLatencySum] += latency;
					slots[base + Field.listLatencyCount]++;
				}
			}
		}
		if (verb === 1 || verb === 7 || latency >= 100 || code === 429) this.countUri(client, r, latency);
	}

	private countGlobal(minute: number, verb: number): void {
		const n = this.globalMinute.length;
		const slot = ((minute % n) + n) % n;
		const held = this.globalMinute[slot]!;
		if (held > minute) return;
		const verbs = Verbs.names.length;
		if (held !== minute) {
			this.globalMinute[slot] = minute;
			this.globalVerbs.fill(0, slot * verbs, (slot + 1) * verbs);
		}
		this.globalVerbs[slot * verbs + verb]++;
	}

	/** The request URI without values that differ per call (resourceVersion, timeouts, continue tokens). */
	static normalizeUri(uri: string): string {
		const qi = uri.indexOf('?');
		if (qi < 0) return uri;
		const kept: string[] = [];
		for (const part of uri.slice(qi + 1).split('&')) {
			const eq = part.indexOf('=');
			const key = eq < 0 ? part : part.slice(0, eq);
			if (key === 'timeout' || key === 'timeoutSeconds') continue;
			if (key === 'continue') kept.push('continue=…');
			else if (key === 'resourceVersion' && eq >= 0 && part.length > eq + 2) kept.push('resourceVersion=N');
			else kept.push(part);
		}
		kept.sort();
		return kept.length > 0 ? `${uri.slice(0, qi)}?${kept.join('&')}` : uri.slice(0, qi);
	}

	private countUri(client: ClientState, r: AuditRecord, latency: number): void {
		const uri = AuditAggregator.normalizeUri(r.requestURI);
		const key = `${client.key}\u0000${r.verb}\u0000${uri}`;
		let stat = this.uris.get(key);
		if (stat === undefined) {
			stat = {client: client.key, verb: detach(r.verb), uri: detach(uri), count: 0, totalMs: 0, maxMs: 0, throttled: 0};
			this.uris.set(detach(key), stat);
			if (this.uris.size > 4096) this.pruneUris(1024);
		}
		stat.count++;
		if (Number.isFinite(latency)) {
			stat.totalMs += latency;
			if (latency > stat.maxMs) stat.maxMs = latency;
		}
		if (r.code === 429) stat.throttled++;
	}

	/** Keeps the `keep` heaviest URIs (amortized: runs once per ~3000 new URIs). */
	private pruneUris(keep: number): void {
		const ranked = [...this.uris.entries()].sort((a, b) => AuditAggregator.uriWeight(b[1]) - AuditAggregator.uriWeight(a[1]));
		this.uris.clear();
		for (const [k, v] of ranked.slice(0, keep)) this.uris.set(k, v);
	}

	static uriWeight(u: UriStat): number {
		return u.totalMs + u.count + u.throttled * 1000;
	}

	/** Open watches whose deadline passed by `nowMs` are presumed closed (their end was not logged). */
	expire(nowMs: number): number {
		let n = 0;
		for (const [id, ow] of this.open) {
			if (ow.deadlineMs < nowMs) {
				this.open.delete(id);
				const client = this.clients.get(ow.client);
				if (client !== undefined) client.open[ow.scope]--;
				n++;
			}
		}
		return n;
	}

	/** Plain data for postMessage. */
	exportState(): AggregatorState {
		const clients: AggregatorState['clients'] = [];
		for (const c of this.clients.values()) {
			clients.push({
				key: c.key, product: c.product, user: c.user, label: c.label,
				userAgents: [...c.agentCounts()], sourceIPs: [...c.sourceIPs.values], ipOverflow: c.sourceIPs.overflow,
				nodes: [...c.nodes.values], nodeOverflow: c.nodes.overflow, pods: [...c.pods.values], podOverflow: c.pods.overflow,
				totals: c.totals, slotMinute: c.slotMinute, slots: c.slots, verbSlots: c.verbSlots,
				latency: Array.from({length: Verbs.names.length}, (_, i) => c.latency[i] ?? null),
				latencySlots: Array.from({length: c.latencySlotMinute.length * Verbs.names.length}, (_, i) => c.latencySlots[i] ?? null),
				latencySlotMinute: c.latencySlotMinute, watchLifetime: c.watchLifetime, open: c.open,
			});
		}
		return {
			options: this.options, events: this.events, requests: this.requests, ignoredStages: this.ignoredStages, outsideWindow: this.outsideWindow,
			firstMs: this.firstMs, lastMs: this.lastMs, formats: [...this.formatCounts()], skipped: [...this.skipped], clients,
			open: [...this.open], deferred: this.deferred, uris: [...this.uris], globalMinute: this.globalMinute, globalVerbs: this.globalVerbs,
		};
	}

	/**
	 * Adds the state of the aggregator of the *next* part of the same log (or of another
	 * log read after this one): its deferred watch completions close this part's open
	 * watches, or count as watches opened before the log started.
	 */
	merge(state: AggregatorState): void {
		this.events += state.events;
		this.requests += state.requests;
		this.ignoredStages += state.ignoredStages;
		this.outsideWindow += state.outsideWindow;
		this.firstMs = Math.min(this.firstMs, state.firstMs);
		this.lastMs = Math.max(this.lastMs, state.lastMs);
		this.flushFormat();
		for (const [k, v] of state.formats) this.formats.set(k, (this.formats.get(k) ?? 0) + v);
		for (const [k, v] of state.skipped) this.skipped.set(k, (this.skipped.get(k) ?? 0) + v);
		for (const c of state.clients) this.mergeClient(c);
		for (const r of state.deferred) {
			const ow = this.open.get(r.auditID);
			if (ow !== undefined) {
				this.open.delete(r.auditID);
				this.closeWatch(ow, r);
			} else if (this.options.partial) {
				this.deferred.push(r);
			} else {
				this.orphanComplete(r);
			}
		}
		for (const [id, ow] of state.open) if (!this.open.has(id)) this.open.set(id, ow);
		for (const [k, u] of state.uris) {
			const mine = this.uris.get(k);
			if (mine === undefined) {
				this.uris.set(k, {...u});
			} else {
				mine.count += u.count;
				mine.totalMs += u.totalMs;
				mine.maxMs = Math.max(mine.maxMs, u.maxMs);
				mine.throttled += u.throttled;
			}
		}
		if (this.uris.size > 4096) this.pruneUris(1024);
		const verbs = Verbs.names.length;
		for (let s = 0; s < state.globalMinute.length; s++) {
			const minute = state.globalMinute[s]!;
			if (minute < 0) continue;
			for (let v = 0; v < verbs; v++) {
				const n = state.globalVerbs[s * verbs + v]!;
				if (n > 0) this.addGlobal(minute, v, n);
			}
		}
	}

	private addGlobal(minute: number, verb: number, n: number): void {
		const len = this.globalMinute.length;
		const slot = ((minute % len) + len) % len;
		const held = this.globalMinute[slot]!;
		if (held > minute) return;
		const verbs = Verbs.names.length;
		if (held !== minute) {
			this.globalMinute[slot] = minute;
			this.globalVerbs.fill(0, slot * verbs, (slot + 1) * verbs);
		}
		this.globalVerbs[slot * verbs + verb] += n;
	}

	private mergeClient(c: AggregatorState['clients'][number]): void {
		let mine = this.clients.get(c.key);
		if (mine === undefined) {
			mine = new ClientState(c.key, c.product, c.user, this.options.historyMinutes, 15);
			mine.label = c.label;
			this.clients.set(c.key, mine);
		}
		for (const [ua, n] of c.userAgents) mine.addAgent(ua, n);
		for (const ip of c.sourceIPs) mine.sourceIPs.add(ip);
		mine.sourceIPs.overflow += c.ipOverflow;
		for (const node of c.nodes) mine.nodes.add(node);
		mine.nodes.overflow += c.nodeOverflow;
		for (const pod of c.pods) mine.pods.add(pod);
		mine.pods.overflow += c.podOverflow;
		for (let f = 0; f < Field.count; f++) mine.totals[f] += c.totals[f]!;
		for (let i = 0; i < 3; i++) mine.open[i] += c.open[i]!;
		for (let i = 0; i < LatencyHistogram.buckets; i++) mine.watchLifetime[i] += c.watchLifetime[i]!;
		const verbs = Verbs.names.length;
		for (let s = 0; s < c.slotMinute.length; s++) {
			const minute = c.slotMinute[s]!;
			if (minute < 0) continue;
			const row = mine.row(minute);
			if (row < 0) continue;
			for (let f = 0; f < Field.count; f++) mine.slots[row * Field.count + f] += c.slots[s * Field.count + f]!;
			for (let v = 0; v < verbs; v++) mine.verbSlots[row * verbs + v] += c.verbSlots[s * verbs + v]!;
		}
		for (let v = 0; v < verbs; v++) {
			const h = c.latency[v];
			if (!h) continue;
			let all = mine.latency[v];
			if (all === undefined) {
				all = new Uint32Array(LatencyHistogram.buckets);
				mine.latency[v] = all;
			}
			for (let i = 0; i < LatencyHistogram.buckets; i++) all[i] += h[i]!;
		}
		const recent = mine.latencySlotMinute.length;
		for (let s = 0; s < c.latencySlotMinute.length; s++) {
			const minute = c.latencySlotMinute[s]!;
			if (minute < 0) continue;
			const slot = ((minute % recent) + recent) % recent;
			const held = mine.latencySlotMinute[slot]!;
			if (held > minute) continue;
			if (held !== minute) {
				mine.latencySlotMinute[slot] = minute;
				for (let v = 0; v < verbs; v++) mine.latencySlots[slot * verbs + v]?.fill(0);
			}
			for (let v = 0; v < verbs; v++) {
				const h = c.latencySlots[s * verbs + v];
				if (!h) continue;
				let target = mine.latencySlots[slot * verbs + v];
				if (target === undefined) {
					target = new Uint32Array(LatencyHistogram.buckets);
					mine.latencySlots[slot * verbs + v] = target;
				}
				for (let i = 0; i < LatencyHistogram.buckets; i++) target[i] += h[i]!;
			}
		}
	}
}

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
		for (let s = 0; s < c.slotMinute.length; s++) {
			const m = c.slotMinute[s]!;
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
			for (let s = 0; s < c.latencySlotMinute.length; s++) {
				const m = c.latencySlotMinute[s]!;
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

/**
 * The view of an aggregator at a moment: per-client windows, series and worst URIs. Open
 * watches past their deadline are expired first.
 */
export function snapshotOf(agg: AuditAggregator, options: SnapshotOptions = {}): AuditSnapshot {
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
	const ranked = [...agg.uris.values()].sort((a, b) => AuditAggregator.uriWeight(b) - AuditAggregator.uriWeight(a));
	const clients: ClientStats[] = [];
	const verbs = Verbs.names.length;
	for (const c of agg.clients.values()) {
		const windows = {} as Record<WindowName, WindowStats>;
		for (const [name, minutes] of [['1m', 1], ['5m', 5], ['15m', 15]] as const) {
			const {from, covered} = span(minutes);
			windows[name] = windowOf(c, from, nowMinute, covered, false, nowMinute - 14);
		}
		windows.all = windowOf(c, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY, allMinutes, true, 0);
		const series: Record<string, number[]> = {};
		for (let verb = 0; verb < verbs; verb++) {
			const row = new Array<number>(seriesMinutes).fill(0);
			let any = false;
			for (let s = 0; s < c.slotMinute.length; s++) {
				const m = c.slotMinute[s]!;
				const at = m - (nowMinute - seriesMinutes + 1);
				if (at < 0 || at >= seriesMinutes) continue;
				const n = c.verbSlots[s * verbs + verb]!;
				if (n > 0) {
					row[at] = n;
					any = true;
				}
			}
			if (any) series[Verbs.names[verb]!] = row;
		}
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
			series,
			worstUris: ranked.filter((u) => u.client === c.key).slice(0, 5).map((u) => ({...u})),
		});
	}
	clients.sort((a, b) => b.windows.all.requests - a.windows.all.requests || a.key.localeCompare(b.key));
	const series: Record<string, number[]> = {};
	for (let verb = 0; verb < verbs; verb++) {
		const row = new Array<number>(seriesMinutes).fill(0);
		let any = false;
		for (let s = 0; s < agg.globalMinute.length; s++) {
			const at = agg.globalMinute[s]! - (nowMinute - seriesMinutes + 1);
			if (agg.globalMinute[s]! < 0 || at < 0 || at >= seriesMinutes) continue;
			const n = agg.globalVerbs[s * verbs + verb]!;
			if (n > 0) {
				row[at] = n;
				any = true;
			}
		}
		if (any) series[Verbs.names[verb]!] = row;
	}
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
		formats,
		unavailable: unavailableMeasures(agg.formatCounts().keys() as Iterable<AuditFormat>),
		watchesOpen: clients.reduce((a, c) => a + c.watchesOpen, 0),
		clients,
		series,
		worstUris: ranked.slice(0, topUris).map((u) => ({...u})),
	};
}

/** This module's part of the worker kernel (see README.md). */
export function aggregateKernel(): unknown[] {
	return [LatencyHistogram, Field, Verbs, detach, userAgentProduct, normalCallerLabel, BoundedSet, ClientState, AuditAggregator];
}
