/**
 * The audit aggregator: where each record is counted, once. A request counts at
 * ResponseComplete (or Panic); a watch at ResponseStarted (then open, in one map bounded by
 * the watches' timeouts), its ResponseComplete (same auditID) only closing it; formats
 * without stages (GKE) count every entry. In any order within 10 minutes of event time
 * (order.ts): a watch completion read before its start counts the watch and leaves a
 * tombstone, so the late start is not counted again; an event read again (same auditID,
 * stage and time: duplicates.ts) is skipped as `duplicate`. Per-client counts are in
 * client.ts, the worst URIs in uris.ts, the view at a moment in snapshot.ts. Aggregators of
 * consecutive parts of a log merge exactly (see parallel.ts): a part's watch completions
 * whose start was not in it wait for the merge, where the start may come from a part
 * before or after.
 *
 * Shipped to the audit worker (README.md: the worker kernel).
 */
import {ClientState, Field, LatencyHistogram, MinuteRing, normalCallerLabel, userAgentProduct, Verbs, type ClientData} from './client.js';
import type {SkipReason} from './record-sink.js';
import type {AuditRecord} from './audit-record.js';
import {DuplicateSet, type DuplicateState} from './duplicates.js';
import {ReadingClock, type ClockState} from './order.js';
import {detachRecord, detachText} from './record.js';
import {WorstUris, type UriStat} from './uris.js';

/** A watch still open: enough to close it and attribute it. */
export interface OpenWatch {
	client: string;
	receivedMs: number;
	/** 0 cluster-wide, 1 namespaced, 2 single object. */
	scope: number;
	/** After this (timeoutSeconds, else the API server's 60 min maximum, plus a minute) it is presumed closed without a record. */
	deadlineMs: number;
}

export interface AggregateOptions {
	/** Minutes of per-minute history (sparklines, windows); default 60. */
	historyMinutes?: number;
	/** Ignore events before this time (epoch ms): `--since`. */
	sinceMs?: number;
	/** Distinct clients kept; later ones are pooled as "(other clients)". Default 5000. */
	maxClients?: number;
	/** Open watches tracked, and tombstones; default 1,000,000 each. */
	maxOpenWatches?: number;
	/**
	 * This aggregator reads a part of a log: watch completions whose start is not in this
	 * part are kept aside until merged with the other parts (the start may be in a part
	 * before, or after when the log runs newest first).
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
	clients: ClientData[];
	open: [string, OpenWatch][];
	deferred: AuditRecord[];
	tombstones: [string, number][];
	clock: ClockState;
	duplicates: DuplicateState;
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
	/**
	 * Watch completions whose start may be in another part: in partial mode those read
	 * without their start; when merging, those of the parts merged whose start was in none
	 * of them yet (settle() counts what is left).
	 */
	private readonly held = new Map<string, AuditRecord>();
	/** Held completions whose auditID was held already (a client may reuse an Audit-ID): never matched. */
	private readonly heldAgain: AuditRecord[] = [];
	/**
	 * Watches counted at a completion read before their start: auditID → the time the
	 * request was received. The start, when it comes within the window, is not counted.
	 */
	readonly tombstones = new Map<string, number>();
	/** Where the clock was when the tombstones were last swept. */
	private sweptAt = Number.NaN;
	/** Which way the log runs and how far reading has come; events out of order beyond its window. */
	readonly clock = new ReadingClock();
	/** The events read within the clock's window, to skip them when read again. */
	readonly duplicates = new DuplicateSet();
	/** In partial mode, the events the next part begins with (expectLater): a copy of one here is skipped, the next part counts it. */
	private later: DuplicateSet | undefined;
	readonly uris = new WorstUris();
	/** Cluster-wide requests per verb per minute (sparklines): the minute of each slot, the verbs' counts per slot. */
	readonly globalMinutes: MinuteRing;
	readonly globalVerbs: Float64Array;

	constructor(options: AggregateOptions = {}) {
		this.options = {
			historyMinutes: Math.max(15, options.historyMinutes ?? 60),
			sinceMs: options.sinceMs ?? Number.NEGATIVE_INFINITY,
			maxClients: options.maxClients ?? 5000,
			maxOpenWatches: options.maxOpenWatches ?? 1_000_000,
			partial: options.partial ?? false,
		};
		this.globalMinutes = new MinuteRing(this.options.historyMinutes);
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

	/**
	 * A record the next part of the log (read by another worker) begins with: when this
	 * part holds the same event too, this part skips it as a duplicate and the next one
	 * counts it (see parallel.ts). Counts nothing.
	 */
	expectLater(r: AuditRecord): void {
		const t = Number.isFinite(r.stageMs) ? r.stageMs : r.receivedMs;
		if (r.auditID === '' || !Number.isFinite(t)) return;
		this.later ??= new DuplicateSet();
		const d = this.later;
		d.hash(r.auditID, r.stage, t);
		d.add(d.hi, d.lo, t);
	}

	record(r: AuditRecord): void {
		const t = Number.isFinite(r.stageMs) ? r.stageMs : r.receivedMs;
		if (r.auditID !== '' && Number.isFinite(t)) {
			const d = this.duplicates;
			d.hash(r.auditID, r.stage, t);
			if ((this.later !== undefined && this.later.has(d.hi, d.lo)) || d.add(d.hi, d.lo, t, this.clock)) {
				this.skip('duplicate');
				return;
			}
		}
		const clock = this.clock;
		clock.see(t);
		if (this.tombstones.size > 0 && clock.direction !== 0 && !(Math.abs(clock.now() - this.sweptAt) < 60_000)) this.sweep();
		this.events++;
		if (r.format === this.runFormat) {
			this.runCount++;
		} else {
			this.flushFormat();
			this.runFormat = r.format;
			this.runCount = 1;
		}
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
				// Its completion was read first: the watch is counted already.
				if (this.tombstones.delete(r.auditID)) return;
				if (this.options.partial) {
					const complete = this.held.get(r.auditID);
					if (complete !== undefined) {
						this.held.delete(r.auditID);
						this.orphanComplete(complete);
						return;
					}
				}
				const client = this.client(r);
				this.count(client, r, true);
				if (this.open.size >= this.options.maxOpenWatches) this.expire(t);
				if (r.auditID !== '' && this.open.size < this.options.maxOpenWatches) {
					const scope = AuditAggregator.watchScope(r);
					const timeout = Number.isFinite(r.timeoutSeconds) ? r.timeoutSeconds * 1000 : 3_600_000;
					const start = Number.isFinite(r.receivedMs) ? r.receivedMs : t;
					this.open.set(detachText(r.auditID), {client: client.key, receivedMs: start, scope, deadlineMs: start + timeout + 60_000});
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
					this.hold(detachRecord(r));
					return;
				}
				this.orphanComplete(r);
				this.tombstone(r);
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

	/** Keeps a watch completion for a start in another part. */
	private hold(r: AuditRecord): void {
		if (this.held.has(r.auditID)) this.heldAgain.push(r);
		else this.held.set(r.auditID, r);
	}

	/**
	 * After a watch was counted at its completion: its start, if it comes later (a log
	 * newest first, or shuffled), is not counted again — as long as it comes before the
	 * reading clock has moved the window past the time the request was received (its
	 * start is logged right after, within a minute allowed).
	 */
	private tombstone(r: AuditRecord): void {
		if (r.auditID === '') return;
		const received = Number.isFinite(r.receivedMs) ? r.receivedMs : r.stageMs;
		if (!Number.isFinite(received) || this.clock.passed(received, received + 60_000)) return;
		if (this.tombstones.size >= this.options.maxOpenWatches) this.sweep();
		if (this.tombstones.size < this.options.maxOpenWatches) this.tombstones.set(detachText(r.auditID), received);
	}

	/** Drops the tombstones whose start can no longer come within the window. */
	private sweep(): void {
		const clock = this.clock;
		this.sweptAt = clock.now();
		for (const [id, received] of this.tombstones) if (clock.passed(received, received + 60_000)) this.tombstones.delete(id);
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

	/** The client of a record: kubelets (system:node:<name>) are one client, their nodes its fan-out. */
	client(r: AuditRecord): ClientState {
		let user = r.user;
		if (user.startsWith('system:node:')) user = 'system:nodes';
		let byUA = this.byUser.get(user);
		if (byUA === undefined) {
			byUA = new Map();
			this.byUser.set(detachText(user), byUA);
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
					client = new ClientState(detachText(key), detachText(product), detachText(user), this.options.historyMinutes, 15);
					client.label = normalCallerLabel(product, r.userAgent, user);
					this.clients.set(client.key, client);
				}
			}
			if (byUA.size < 64) byUA.set(detachText(r.userAgent), client);
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
		if (timed) this.addGlobal(minute, verb, 1);
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
		if (verb === 1 || verb === 7 || latency >= 100 || code === 429) this.uris.count(client.key, r, latency);
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
		return {
			options: this.options,
			events: this.events,
			requests: this.requests,
			ignoredStages: this.ignoredStages,
			outsideWindow: this.outsideWindow,
			firstMs: this.firstMs,
			lastMs: this.lastMs,
			formats: [...this.formatCounts()],
			skipped: [...this.skipped],
			clients: [...this.clients.values()].map((c) => c.toData()),
			open: [...this.open],
			deferred: [...this.held.values(), ...this.heldAgain],
			tombstones: [...this.tombstones],
			clock: this.clock.toData(),
			duplicates: this.duplicates.toData(this.clock),
			uris: this.uris.entries(),
			globalMinute: this.globalMinutes.held,
			globalVerbs: this.globalVerbs,
		};
	}

	/**
	 * Adds the state of the aggregator of the *next* part of the same log (or of another
	 * log read after this one): its deferred watch completions close the open watches of
	 * the parts merged before, or wait for a start in a part merged after (a log newest
	 * first); what still waits when all parts are merged counts, at settle(), as watches
	 * opened before the log started. Every part should be read partial (the first too, when
	 * the log may run newest first: its completions may find their start in the next part).
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
		for (const c of state.clients) {
			let mine = this.clients.get(c.key);
			if (mine === undefined) {
				mine = new ClientState(c.key, c.product, c.user, this.options.historyMinutes, 15);
				mine.label = c.label;
				this.clients.set(c.key, mine);
			}
			mine.add(c);
		}
		this.clock.merge(state.clock);
		this.duplicates.merge(state.duplicates, this.clock);
		for (const r of state.deferred) {
			const ow = this.open.get(r.auditID);
			if (ow !== undefined) {
				this.open.delete(r.auditID);
				this.closeWatch(ow, r);
			} else {
				this.hold(r);
			}
		}
		for (const [id, ow] of state.open) {
			// Its completion was in a part before (a log newest first): counted once, closed.
			const complete = this.held.get(id);
			if (complete !== undefined) {
				this.held.delete(id);
				this.closeWatch(ow, complete);
			} else if (!this.open.has(id)) {
				this.open.set(id, ow);
			}
		}
		for (const [id, received] of state.tombstones)
			if (!this.clock.passed(received, received + 60_000) && this.tombstones.size < this.options.maxOpenWatches) this.tombstones.set(id, received);
		this.uris.merge(state.uris);
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

	/**
	 * After the last merge: the watch completions still waiting for a start count as
	 * watches opened before the log started (in partial mode they keep waiting, for the
	 * aggregator they are merged into).
	 */
	settle(): void {
		if (this.options.partial) return;
		for (const r of [...this.held.values(), ...this.heldAgain]) {
			this.orphanComplete(r);
			this.tombstone(r);
		}
		this.held.clear();
		this.heldAgain.length = 0;
	}

	private addGlobal(minute: number, verb: number, n: number): void {
		const slot = this.globalMinutes.slot(minute);
		if (slot < 0) return;
		const verbs = Verbs.names.length;
		if (this.globalMinutes.claimed) this.globalVerbs.fill(0, slot * verbs, (slot + 1) * verbs);
		this.globalVerbs[slot * verbs + verb] += n;
	}
}

/** This module's part of the worker kernel (see README.md). */
export function aggregateKernel(): unknown[] {
	return [AuditAggregator];
}
