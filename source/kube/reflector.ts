/**
 * A reflector keeps one kind in sync the gentle way, where client-node 1.4.0's informer
 * does not: a paged initial LIST (limit=500 + continue, resourceVersion unset — never
 * resourceVersion=0 with a limit), restarted cleanly when a continue token expires (410);
 * then a WATCH from the list's resourceVersion with allowWatchBookmarks and a randomized
 * timeoutSeconds (5–10 min), resumed from the last seen resourceVersion when the stream
 * ends; a relist on 410; backoff with jitter on errors. Events (whose LISTs always hit
 * etcd) skip the full LIST: a limit=1 LIST gives the resourceVersion to watch from.
 *
 * A watchdog restarts a watch that went silent (a half-open connection): once the server
 * has sent this kind a bookmark, a watch that brings neither an event nor a bookmark for
 * about two bookmark intervals is dead; before that (a kind served without bookmarks),
 * after its timeout plus a margin.
 *
 * And it notices a server that went back in time (etcd restored from a backup, a server
 * restarted with a lower resourceVersion): a LIST, event or bookmark whose resourceVersion
 * is lower than the highest this kind has seen, or "Too large resource version" from the
 * server, is reported (the session then relists every kind). Such a server accepts a watch
 * resumed from the old resourceVersion and sends nothing until it reaches it, so when a
 * watch ends before its timeout, is cut, or goes silent, a limit=1 LIST checks the server's
 * resourceVersion once the next watch has started (resource-versions.ts).
 *
 * This file is the list/watch state machine; its target, handler and options are in
 * reflector-types.ts, the splitting of a watch stream into events in watch-lines.ts.
 */
import {isAbortError} from '../clock.js';
import {ApiStatusError, backoffDelay, isTooLargeResourceVersion} from './client.js';
import type {Obj} from '../formats/json-object.js';
import {compareResourceVersions, ResourceVersionProbe} from './resource-versions.js';
import {resourcePath, type ReflectorOptions, type ReflectorPhase, type TimeTravel} from './reflector-types.js';
import {WatchLines, type WatchEvent} from './watch-lines.js';

/**
 * Silence (in bookmark intervals) after which a watch that gets bookmarks is dead. The cacher
 * sends a watch that asked for them a bookmark about every minute (cacher.go
 * defaultBookmarkFrequency; cache_watcher.go nextBookmarkTime, on a timer with 0.75–1.25 s
 * jitter and 1 s buckets), but skips one for a watcher whose buffer is full
 * (nonblockingAdd): two intervals and a quarter leave room for one missed bookmark.
 */
const SILENT_INTERVALS = 2.25;
/** Up to this many more intervals, at random, so that watches that died together do not restart together. */
const SILENT_JITTER_INTERVALS = 0.25;
/** A watch the server ended this long before its timeout ended early (a restart, a dropped connection). */
const EARLY_END_SLACK_MS = 2000;

class GoneError extends Error {}

class TimeTravelError extends Error {
	constructor(readonly report: Omit<TimeTravel, 'kind'>) {
		super(`the server's resourceVersion went back from ${report.seen} to ${report.got}`);
	}
}

interface WatchOutcome {
	delivered: boolean;
	/** closed: the stream ended; silent: the watchdog gave up on it; relist: a relist was asked for. */
	end: 'closed' | 'silent' | 'relist';
	/** The server ended it before its timeout. */
	early: boolean;
}

export class Reflector {
	phase: ReflectorPhase = 'idle';
	resourceVersion = '';
	/** True once the first full list completed. */
	synced = false;
	lastEventAt?: number;
	/** The highest resourceVersion the server sent for this kind (to see it go back in time). */
	highestResourceVersion = '';
	/** The server has sent this kind a bookmark: its watches are expected to bring one about every minute. */
	bookmarksSeen = false;
	/** The last time the watchdog gave up on a watch: which rule, after how much silence (clock ms). */
	lastWatchdog?: {rule: 'bookmarks' | 'timeout'; silentMs: number; at: number};
	/** Counters for tests and the footprint. */
	readonly stats = {lists: 0, pages: 0, watches: 0, relists: 0, watchdogRestarts: 0, events: 0, bookmarks: 0, probes: 0, timeTravels: 0};
	private controller = new AbortController();
	private running = false;
	private loop?: Promise<void>;
	private readonly syncedWaiters: Array<() => void> = [];
	/** Watchdog restarts in a row with nothing received since (each doubles the silence allowed). */
	private silentRestarts = 0;
	/** The check of the server's resourceVersion after a watch that ended early or went silent. */
	private readonly probe: ResourceVersionProbe;
	private relistTimer: NodeJS.Timeout | undefined;
	private relistRequested = false;
	/** The relist under way was asked for by the session: a lower resourceVersion is expected. */
	private relistExpected = false;
	private activeWatch: AbortController | undefined;
	private ordered = true;
	/** The last watch got its response (a stream), rather than failing to start. */
	private streamed = false;

	constructor(readonly options: ReflectorOptions) {
		this.probe = new ResourceVersionProbe(options, this.stats, (seen, got, watch) => this.probeFoundBehind(seen, got, watch));
	}

	get name(): string {
		return this.options.name ?? `${this.options.target.group || 'core'}/${this.options.target.resource}`;
	}

	start(): void {
		if (this.running) return;
		this.running = true;
		this.controller = new AbortController();
		this.loop = this.run().catch(() => undefined);
	}

	async stop(): Promise<void> {
		this.running = false;
		this.phase = 'stopped';
		if (this.relistTimer) clearTimeout(this.relistTimer);
		this.relistTimer = undefined;
		this.probe.cancel();
		this.controller.abort();
		await this.loop;
	}

	/**
	 * Relist after `delayMs` (the session spreads the kinds' relists when the server went
	 * back in time): a watch under way ends, and the next LIST replaces what the store holds.
	 */
	relist(delayMs = 0): void {
		if (!this.running || this.relistTimer) return;
		this.relistTimer = this.options.clock.setTimeout(
			() => {
				this.relistTimer = undefined;
				this.relistRequested = true;
				this.activeWatch?.abort();
			},
			Math.max(0, delayMs),
		);
	}

	/** Resolves when the first list has completed (or the reflector stopped). */
	waitForSync(): Promise<void> {
		if (this.synced || !this.running) return Promise.resolve();
		return new Promise((resolve) => this.syncedWaiters.push(resolve));
	}

	private markSynced(): void {
		this.synced = true;
		for (const resolve of this.syncedWaiters.splice(0)) resolve();
	}

	private get random(): () => number {
		return this.options.random ?? Math.random;
	}

	private async run(): Promise<void> {
		const {clock} = this.options;
		let needList = true;
		let failures = 0;
		while (this.running) {
			const signal = this.controller.signal;
			try {
				if (this.relistRequested) {
					this.relistRequested = false;
					this.relistExpected = true;
					if (!needList) this.stats.relists++;
					needList = true;
				}
				if (needList) {
					this.phase = 'listing';
					if ((this.options.mode ?? 'full') === 'full') await this.list(signal);
					else await this.latestVersion(signal);
					needList = false;
					this.probe.due = false;
					this.relistExpected = false;
					this.probe.checked = true;
					this.markSynced();
				}
				this.phase = 'watching';
				// A relist asked for while we listed: before watching, not after the watch.
				if (this.relistRequested) continue;
				const outcome = await this.watch(signal);
				if (outcome.end === 'relist') continue;
				// A watch the server ended early (a restart?) or that went silent: check the
				// server's resourceVersion once the next watch has started. (A silent watch that
				// began right after a check needs none: a server that goes back in time ends the
				// watches it has, and that end is early.)
				if ((outcome.end === 'silent' && !this.probe.checked) || outcome.early) this.probe.due = true;
				this.probe.checked = false;
				// A watch that ended without delivering anything, quickly, is not healthy: back off.
				if (outcome.delivered) failures = 0;
				else {
					this.phase = 'backoff';
					await clock.sleep(backoffDelay(failures++, this.random), signal);
				}
			} catch (error) {
				if (isAbortError(error) || !this.running) return;
				const travel =
					error instanceof TimeTravelError
						? error.report
						: isTooLargeResourceVersion(error)
							? {seen: this.highestResourceVersion, got: '', how: 'too-large' as const}
							: undefined;
				if (travel) {
					// The server is behind what we saw (client-go's reflector relists with
					// resourceVersion "" on "Too large resource version": reflector.go
					// isTooLargeResourceVersionError). Relist; the session relists the other kinds.
					this.report(travel);
					this.highestResourceVersion = '';
					needList = true;
					this.stats.relists++;
					this.phase = 'backoff';
					await clock.sleep(this.random() * 1000, signal).catch(() => undefined);
					continue;
				}
				if (error instanceof GoneError || (error instanceof ApiStatusError && error.status === 410)) {
					// The version is too old: relist, after a short jittered pause (not all at once).
					needList = true;
					this.stats.relists++;
					this.phase = 'backoff';
					await clock.sleep(this.random() * 1000, signal).catch(() => undefined);
					continue;
				}
				if (error instanceof ApiStatusError && (error.status === 403 || error.status === 404)) {
					this.phase = error.status === 403 ? 'forbidden' : 'absent';
					this.options.handler.unavailable?.(error.message, error.status);
					this.markSynced();
					needList = true;
					await clock.sleep(error.status === 403 ? 60_000 : 300_000, signal).catch(() => undefined);
					continue;
				}
				// A watch cut mid-stream (a connection cut, a server restarting): check the
				// server's resourceVersion once the next watch has started (then the server answers
				// again; a check while it is down would only add a request to each backoff step).
				if (!needList && this.streamed) this.probe.due = true;
				if (this.streamed) this.probe.checked = false;
				this.phase = 'backoff';
				await clock.sleep(backoffDelay(failures++, this.random), signal).catch(() => undefined);
			}
		}
	}

	/** Tell the session; count it. */
	private report(travel: Omit<TimeTravel, 'kind'>): void {
		this.stats.timeTravels++;
		this.options.onTimeTravel?.({kind: this.name, ...travel});
	}

	/**
	 * Note a resourceVersion the server sent for this kind. True when it is lower than the
	 * highest seen (then the highest stays); resourceVersions that are not integers are
	 * opaque and never compared.
	 */
	private wentBack(rv: string): boolean {
		if (!rv) return false;
		const order = this.highestResourceVersion ? compareResourceVersions(rv, this.highestResourceVersion) : 1;
		if (order !== undefined && order < 0) return true;
		this.highestResourceVersion = rv;
		return false;
	}

	/** A full LIST answered at `rv`: report if the server went back; that list is the new baseline either way. */
	private listedAt(rv: string): void {
		const seen = this.highestResourceVersion;
		if (this.wentBack(rv) && !this.relistExpected) this.report({seen, got: rv, how: 'list'});
		if (rv) this.highestResourceVersion = rv;
	}

	/** The check found the server behind what this kind saw before the watch: report it, relist now (what we hold may name objects the server no longer has). */
	private probeFoundBehind(seen: string, got: string, watch: AbortController): void {
		if (!this.running) return;
		this.report({seen, got, how: 'probe'});
		this.highestResourceVersion = got;
		this.relistRequested = true;
		watch.abort();
		this.activeWatch?.abort();
	}

	/** The paged initial LIST. A 410 on a continue token restarts it from the first page. */
	private async list(signal: AbortSignal): Promise<void> {
		const {client, target, handler} = this.options;
		const path = resourcePath(target);
		for (;;) {
			this.stats.lists++;
			handler.beginList?.();
			let token: string | undefined;
			let restart = false;
			do {
				let page: {metadata?: {resourceVersion?: string; continue?: string}; items?: Obj[]; kind?: string; apiVersion?: string};
				try {
					page = await client.getJson(path, {
						query: {limit: this.options.pageSize ?? 500, continue: token, labelSelector: target.labelSelector, fieldSelector: target.fieldSelector},
						signal,
						what: `list ${target.resource}`,
					});
				} catch (error) {
					if (error instanceof ApiStatusError && error.status === 410 && token) {
						restart = true;
						break;
					}
					throw error;
				}
				this.stats.pages++;
				const kind = String(page.kind ?? '').replace(/List$/, '');
				for (const item of page.items ?? []) {
					if (!item.kind && kind) item.kind = kind;
					if (!item.apiVersion && page.apiVersion) item.apiVersion = page.apiVersion;
					handler.upsert(item, 'LISTED');
				}
				token = page.metadata?.continue || undefined;
				if (!token) this.resourceVersion = page.metadata?.resourceVersion ?? '';
			} while (token);
			if (!restart) {
				handler.endList?.();
				this.listedAt(this.resourceVersion);
				this.lastEventAt = this.options.clock.now();
				// Fresh data: the header's age of the last event starts again.
				client.touch();
				return;
			}
			// The continue token expired mid-list: start over, without hammering.
			this.stats.relists++;
			await this.options.clock.sleep(this.random() * 1000, signal);
		}
	}

	/** For events: the current resourceVersion without listing every event. */
	private async latestVersion(signal: AbortSignal): Promise<void> {
		const {client, target} = this.options;
		this.stats.lists++;
		const page = await client.getJson<{metadata?: {resourceVersion?: string}}>(resourcePath(target), {
			query: {limit: 1, labelSelector: target.labelSelector, fieldSelector: target.fieldSelector},
			signal,
			what: `list ${target.resource}`,
		});
		this.resourceVersion = page.metadata?.resourceVersion ?? '';
		this.listedAt(this.resourceVersion);
	}

	/** One WATCH; resolves when the stream ends, the watchdog gives up on it, or a relist is asked for. */
	private async watch(signal: AbortSignal): Promise<WatchOutcome> {
		const {client, target, clock} = this.options;
		const [low, high] = this.options.watchTimeoutSeconds ?? [300, 600];
		const timeoutSeconds = Math.round(low + this.random() * (high - low));
		const interval = this.options.bookmarkIntervalMs ?? 60_000;
		const timeoutLimitMs = (timeoutSeconds + (this.options.watchdogMarginSeconds ?? 30)) * 1000;
		const jitterMs = this.random() * SILENT_JITTER_INTERVALS * interval;
		const local = new AbortController();
		const abort = () => local.abort();
		signal.addEventListener('abort', abort, {once: true});
		this.activeWatch = local;
		this.streamed = false;
		const seenBefore = this.highestResourceVersion;
		this.stats.watches++;
		let delivered = false;
		// Events of a watch from a resourceVersion come in order; a watch without one starts
		// with every object's ADDED in key order, whose versions say nothing of time.
		this.ordered = Boolean(this.resourceVersion);
		let watchdog: NodeJS.Timeout | undefined;
		let stalled = false;
		const startedAt = clock.now();
		let lastTraffic = startedAt;
		const armWatchdog = () => {
			if (watchdog) clearTimeout(watchdog);
			// A kind that gets bookmarks: silent for about two intervals (doubling after each
			// restart that brought nothing, for a server whose bookmarks stopped for a reason
			// we cannot see); otherwise its timeout plus a margin.
			const bookmarkLimitMs = this.bookmarksSeen ? SILENT_INTERVALS * interval * 2 ** Math.min(this.silentRestarts, 4) + jitterMs : Infinity;
			const limit = Math.min(timeoutLimitMs, bookmarkLimitMs);
			const rule = bookmarkLimitMs < timeoutLimitMs ? ('bookmarks' as const) : ('timeout' as const);
			watchdog = clock.setTimeout(() => {
				stalled = true;
				this.stats.watchdogRestarts++;
				this.silentRestarts++;
				this.lastWatchdog = {rule, silentMs: clock.now() - lastTraffic, at: clock.now()};
				local.abort();
			}, limit);
		};
		try {
			armWatchdog();
			const response = await client.raw('GET', resourcePath(target), {
				query: {
					watch: 'true',
					resourceVersion: this.resourceVersion || undefined,
					allowWatchBookmarks: 'true',
					timeoutSeconds,
					labelSelector: target.labelSelector,
					fieldSelector: target.fieldSelector,
				},
				signal: local.signal,
				stream: true,
				// One layer of backoff for watches: the reflector's (failures carry across attempts).
				// Retried inside the client, a watchdog firing mid-backoff restarted it at 0.5 s.
				retry: false,
				what: `watch ${target.resource}`,
			});
			const stream = response.stream!;
			this.streamed = true;
			this.probe.start(signal, seenBefore, local);
			const lines = new WatchLines();
			for await (const chunk of stream) {
				lastTraffic = clock.now();
				this.silentRestarts = 0;
				armWatchdog();
				for (const event of lines.push(chunk as Buffer)) {
					delivered = true;
					this.handleEvent(event);
				}
			}
			return {delivered, end: 'closed', early: clock.now() < startedAt + timeoutSeconds * 1000 - EARLY_END_SLACK_MS};
		} catch (error) {
			if (!signal.aborted && this.relistRequested) return {delivered, end: 'relist', early: false};
			if (stalled && !signal.aborted) {
				// The watchdog fired: a silent, half-open connection. Re-watch from where we were.
				return {delivered, end: 'silent', early: false};
			}
			throw error;
		} finally {
			if (watchdog) clearTimeout(watchdog);
			// A check not yet sent goes with the next watch (needProbe stays).
			this.probe.cancel();
			signal.removeEventListener('abort', abort);
			if (this.activeWatch === local) this.activeWatch = undefined;
			local.abort();
		}
	}

	private handleEvent(event: WatchEvent): void {
		const {handler, client, clock} = this.options;
		const object = event.object ?? {};
		this.lastEventAt = clock.now();
		const rv = String(object.metadata?.resourceVersion ?? '');
		switch (event.type) {
			case 'ADDED':
			case 'MODIFIED':
			case 'DELETED':
			case 'BOOKMARK': {
				const seen = this.highestResourceVersion;
				if (this.ordered && this.wentBack(rv)) throw new TimeTravelError({seen, got: rv, how: 'event'});
				if (this.ordered) this.probe.progressed(rv);
				// Watch traffic (an event or a bookmark): the header's age of the last event.
				client.touch();
				break;
			}
			default:
				break;
		}
		switch (event.type) {
			case 'ADDED':
			case 'MODIFIED':
				this.stats.events++;
				this.resourceVersion = rv || this.resourceVersion;
				handler.upsert(object, event.type);
				break;
			case 'DELETED':
				this.stats.events++;
				this.resourceVersion = rv || this.resourceVersion;
				handler.remove(object);
				break;
			case 'BOOKMARK':
				this.stats.bookmarks++;
				this.bookmarksSeen = true;
				this.resourceVersion = rv || this.resourceVersion;
				break;
			case 'ERROR':
				if (object.code === 410) throw new GoneError(String(object.message ?? 'resource version too old'));
				throw new ApiStatusError(
					Number(object.code ?? 500),
					String(object.reason ?? 'InternalError'),
					`watch ${this.options.target.resource}: ${String(object.message ?? 'error event')}`,
					object,
				);
			default:
				break;
		}
	}
}
