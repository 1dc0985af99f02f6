/**
 * What is counted per client (user-agent product + user), in bounded memory: counters
 * per minute in ring buffers and for the whole log, latencies in fixed log-scale
 * histograms (no raw arrays), the user agents, source IPs, nodes and pods it called from
 * (capped), the watches it holds open; and who a client is (its product, whether it is an
 * expected busy caller). A client's counts travel as plain data and add up exactly.
 *
 * Shipped to the audit worker (README.md: the worker kernel).
 */
import {detachText} from './record.js';

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

	/** The histogram at `list[i]`, made on first use. */
	static at(list: (Uint32Array | undefined)[], i: number): Uint32Array {
		let h = list[i];
		if (h === undefined) {
			h = new Uint32Array(LatencyHistogram.buckets);
			list[i] = h;
		}
		return h;
	}

	/** Adds histogram `from` to `to`. */
	static add(to: Uint32Array, from: ArrayLike<number>): void {
		for (let i = 0; i < LatencyHistogram.buckets; i++) to[i] += from[i]!;
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
			case 'get':
				return 0;
			case 'list':
				return 1;
			case 'watch':
				return 2;
			case 'create':
				return 3;
			case 'update':
				return 4;
			case 'patch':
				return 5;
			case 'delete':
				return 6;
			case 'deletecollection':
				return 7;
			default:
				return 8;
		}
	}
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
	if (
		user === 'system:kube-controller-manager' ||
		user === 'system:kube-scheduler' ||
		user === 'system:apiserver' ||
		user === 'aksService' ||
		user === 'readinessChecker' ||
		user === 'system:kube-proxy'
	)
		return 'control plane';
	if (
		p === 'kube-apiserver' ||
		p === 'kube-controller-manager' ||
		p === 'kube-scheduler' ||
		p === 'cloud-controller-manager' ||
		(p === 'hyperkube' && user.startsWith('system:'))
	)
		return 'control plane';
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
			const copy = detachText(v);
			this.kept.set(copy, copy);
			this.last = copy;
		} else {
			this.overflow++;
		}
	}

	get size(): number {
		return this.kept.size + (this.overflow > 0 ? 1 : 0);
	}

	/** Adds what another set kept, and what it could not. */
	addAll(values: Iterable<string>, overflow: number): void {
		for (const v of values) this.add(v);
		this.overflow += overflow;
	}
}

/**
 * Slots that each count one minute, reused round the ring: `held[slot]` is the minute a
 * slot counts (-1: none yet).
 */
export class MinuteRing {
	readonly held: Int32Array;
	/** The last slot() took its slot over from an older minute: the caller clears what the slot counted. */
	claimed = false;

	constructor(minutes: number) {
		this.held = new Int32Array(minutes).fill(-1);
	}

	/** The slot counting `minute` (taken over from an older minute if need be), or -1 when the slot already counts a newer one. */
	slot(minute: number): number {
		const n = this.held.length;
		const slot = ((minute % n) + n) % n;
		const held = this.held[slot]!;
		this.claimed = false;
		if (held === minute) return slot;
		if (held > minute) return -1;
		this.held[slot] = minute;
		this.claimed = true;
		return slot;
	}
}

/** A client's counts as plain data (structured-cloneable, for worker threads). */
export interface ClientData {
	key: string;
	product: string;
	user: string;
	label: string;
	userAgents: [string, number][];
	sourceIPs: string[];
	ipOverflow: number;
	nodes: string[];
	nodeOverflow: number;
	pods: string[];
	podOverflow: number;
	totals: Float64Array;
	slotMinute: Int32Array;
	slots: Float64Array;
	verbSlots: Float64Array;
	latency: (Uint32Array | null)[];
	latencySlots: (Uint32Array | null)[];
	latencySlotMinute: Int32Array;
	watchLifetime: Uint32Array;
	open: Float64Array;
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
	/** Per-minute counters: the minute of each slot, Field.count values per slot. */
	readonly minutes: MinuteRing;
	readonly slots: Float64Array;
	/** Requests per verb per minute slot. */
	readonly verbSlots: Float64Array;
	/** All-time latency histogram per verb index (lazily). */
	readonly latency: (Uint32Array | undefined)[] = [];
	/** Latency histograms per recent minute: [slot * verbs + verb] (lazily), with the minute of each slot. */
	readonly latencySlots: (Uint32Array | undefined)[] = [];
	readonly latencyMinutes: MinuteRing;
	readonly watchLifetime = new Uint32Array(LatencyHistogram.buckets);
	/** Watches open now by scope (cluster, namespaced, object). */
	readonly open = new Float64Array(3);

	constructor(key: string, product: string, user: string, history: number, recent: number) {
		this.key = key;
		this.product = product;
		this.user = user;
		this.label = '';
		this.minutes = new MinuteRing(history);
		this.slots = new Float64Array(history * Field.count);
		this.verbSlots = new Float64Array(history * Verbs.names.length);
		this.latencyMinutes = new MinuteRing(recent);
	}

	countAgent(ua: string): void {
		if (ua === this.runAgent) {
			this.runAgentCount++;
			return;
		}
		this.flushAgent();
		this.runAgent = detachText(ua);
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

	/** The slot for a minute's counters, cleared when it counted an older minute; -1 when the minute is older than the ring. */
	row(minute: number): number {
		const slot = this.minutes.slot(minute);
		if (this.minutes.claimed) {
			this.slots.fill(0, slot * Field.count, (slot + 1) * Field.count);
			this.verbSlots.fill(0, slot * Verbs.names.length, (slot + 1) * Verbs.names.length);
		}
		return slot;
	}

	addCount(minute: number, field: number, value: number): void {
		this.totals[field] += value;
		const slot = this.row(minute);
		if (slot >= 0) this.slots[slot * Field.count + field] += value;
	}

	addLatency(minute: number, verb: number, ms: number): void {
		const b = LatencyHistogram.index(ms);
		LatencyHistogram.at(this.latency, verb)[b]!++;
		if (!Number.isFinite(minute)) return;
		const slot = this.latencyRow(minute);
		if (slot >= 0) LatencyHistogram.at(this.latencySlots, slot * Verbs.names.length + verb)[b]!++;
	}

	/** The slot for a minute's latency histograms, cleared when it counted an older minute; -1 when the minute is older than the ring. */
	private latencyRow(minute: number): number {
		const slot = this.latencyMinutes.slot(minute);
		if (this.latencyMinutes.claimed) {
			const verbs = Verbs.names.length;
			for (let v = 0; v < verbs; v++) this.latencySlots[slot * verbs + v]?.fill(0);
		}
		return slot;
	}

	/** This client's counts as plain data. */
	toData(): ClientData {
		const verbs = Verbs.names.length;
		return {
			key: this.key,
			product: this.product,
			user: this.user,
			label: this.label,
			userAgents: [...this.agentCounts()],
			sourceIPs: [...this.sourceIPs.values],
			ipOverflow: this.sourceIPs.overflow,
			nodes: [...this.nodes.values],
			nodeOverflow: this.nodes.overflow,
			pods: [...this.pods.values],
			podOverflow: this.pods.overflow,
			totals: this.totals,
			slotMinute: this.minutes.held,
			slots: this.slots,
			verbSlots: this.verbSlots,
			latency: Array.from({length: verbs}, (_, i) => this.latency[i] ?? null),
			latencySlots: Array.from({length: this.latencyMinutes.held.length * verbs}, (_, i) => this.latencySlots[i] ?? null),
			latencySlotMinute: this.latencyMinutes.held,
			watchLifetime: this.watchLifetime,
			open: this.open,
		};
	}

	/** Adds the counts of the same client from another part of the log. */
	add(c: ClientData): void {
		for (const [ua, n] of c.userAgents) this.addAgent(ua, n);
		this.sourceIPs.addAll(c.sourceIPs, c.ipOverflow);
		this.nodes.addAll(c.nodes, c.nodeOverflow);
		this.pods.addAll(c.pods, c.podOverflow);
		for (let f = 0; f < Field.count; f++) this.totals[f] += c.totals[f]!;
		for (let i = 0; i < 3; i++) this.open[i] += c.open[i]!;
		LatencyHistogram.add(this.watchLifetime, c.watchLifetime);
		const verbs = Verbs.names.length;
		for (let s = 0; s < c.slotMinute.length; s++) {
			const minute = c.slotMinute[s]!;
			if (minute < 0) continue;
			const row = this.row(minute);
			if (row < 0) continue;
			for (let f = 0; f < Field.count; f++) this.slots[row * Field.count + f] += c.slots[s * Field.count + f]!;
			for (let v = 0; v < verbs; v++) this.verbSlots[row * verbs + v] += c.verbSlots[s * verbs + v]!;
		}
		for (let v = 0; v < verbs; v++) {
			const h = c.latency[v];
			if (h) LatencyHistogram.add(LatencyHistogram.at(this.latency, v), h);
		}
		for (let s = 0; s < c.latencySlotMinute.length; s++) {
			const minute = c.latencySlotMinute[s]!;
			if (minute < 0) continue;
			const slot = this.latencyRow(minute);
			if (slot < 0) continue;
			for (let v = 0; v < verbs; v++) {
				const h = c.latencySlots[s * verbs + v];
				if (h) LatencyHistogram.add(LatencyHistogram.at(this.latencySlots, slot * verbs + v), h);
			}
		}
	}
}

/** This module's part of the worker kernel (see README.md). */
export function clientKernel(): unknown[] {
	return [LatencyHistogram, Field, Verbs, userAgentProduct, normalCallerLabel, BoundedSet, MinuteRing, ClientState];
}
