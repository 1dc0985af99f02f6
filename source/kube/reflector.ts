/**
 * A reflector keeps one kind in sync the gentle way, where client-node 1.4.0's informer
 * does not: a paged initial LIST (limit=500 + continue, resourceVersion unset — never
 * resourceVersion=0 with a limit), restarted cleanly when a continue token expires (410);
 * then a WATCH from the list's resourceVersion with allowWatchBookmarks and a randomized
 * timeoutSeconds (5–10 min), resumed from the last seen resourceVersion when the stream
 * ends; a relist on 410; backoff with jitter on errors; and a watchdog that restarts a
 * watch silent for longer than its timeout plus a margin (half-open sockets). Events
 * (whose LISTs always hit etcd) skip the full LIST: a limit=1 LIST gives the
 * resourceVersion to watch from.
 */
import {type Clock, isAbortError} from '../clock.js';
import {ApiStatusError, backoffDelay, type KubeClient} from './client.js';

type Obj = Record<string, any>;

export interface ReflectorTarget {
	group: string;
	version: string;
	resource: string;
	/** Only this namespace (undefined = all). */
	namespace?: string;
	labelSelector?: string;
	fieldSelector?: string;
}

export interface ReflectorHandler {
	/** A full (re)list starts: objects not upserted before endList() are gone. */
	beginList?(): void;
	upsert(object: Obj, type: 'ADDED' | 'MODIFIED' | 'LISTED'): void;
	remove(object: Obj): void;
	endList?(): void;
	/** The kind cannot be read (403) or does not exist (404). */
	unavailable?(reason: string, code: number): void;
}

export type ReflectorPhase = 'idle' | 'listing' | 'watching' | 'backoff' | 'forbidden' | 'absent' | 'stopped';

export interface ReflectorOptions {
	client: KubeClient;
	clock: Clock;
	target: ReflectorTarget;
	handler: ReflectorHandler;
	/** 'full' = paged LIST then WATCH; 'rv-only' = LIST limit=1 for the version, then WATCH (events). */
	mode?: 'full' | 'rv-only';
	pageSize?: number;
	/** Watch timeoutSeconds range (randomized per watch). */
	watchTimeoutSeconds?: [number, number];
	/** Extra seconds of silence past the timeout before the watchdog restarts a watch. */
	watchdogMarginSeconds?: number;
	random?: () => number;
	name?: string;
}

export function resourcePath(target: ReflectorTarget): string {
	const prefix = target.group ? `/apis/${target.group}/${target.version}` : `/api/${target.version}`;
	return target.namespace ? `${prefix}/namespaces/${encodeURIComponent(target.namespace)}/${target.resource}` : `${prefix}/${target.resource}`;
}

class GoneError extends Error {}

export class Reflector {
	phase: ReflectorPhase = 'idle';
	resourceVersion = '';
	/** True once the first full list completed. */
	synced = false;
	lastEventAt?: number;
	/** Counters for tests and the footprint. */
	readonly stats = {lists: 0, pages: 0, watches: 0, relists: 0, watchdogRestarts: 0, events: 0};
	private controller = new AbortController();
	private running = false;
	private loop?: Promise<void>;
	private readonly syncedWaiters: Array<() => void> = [];

	constructor(readonly options: ReflectorOptions) {}

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
		this.controller.abort();
		await this.loop;
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
				if (needList) {
					this.phase = 'listing';
					if ((this.options.mode ?? 'full') === 'full') await this.list(signal);
					else await this.latestVersion(signal);
					needList = false;
					this.markSynced();
				}
				this.phase = 'watching';
				const delivered = await this.watch(signal);
				// A watch that ended without delivering anything, quickly, is not healthy: back off.
				if (delivered) failures = 0;
				else {
					this.phase = 'backoff';
					await clock.sleep(backoffDelay(failures++, this.random), signal);
				}
			} catch (error) {
				if (isAbortError(error) || !this.running) return;
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
				this.phase = 'backoff';
				await clock.sleep(backoffDelay(failures++, this.random), signal).catch(() => undefined);
			}
		}
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
				this.lastEventAt = this.options.clock.now();
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
		const page = await client.getJson<{metadata?: {resourceVersion?: string}}>(resourcePath(target), {query: {limit: 1, labelSelector: target.labelSelector, fieldSelector: target.fieldSelector}, signal, what: `list ${target.resource}`});
		this.resourceVersion = page.metadata?.resourceVersion ?? '';
	}

	/** One WATCH; resolves when the stream ends normally (true if it delivered anything). */
	private async watch(signal: AbortSignal): Promise<boolean> {
		const {client, target, clock} = this.options;
		const [low, high] = this.options.watchTimeoutSeconds ?? [300, 600];
		const timeoutSeconds = Math.round(low + this.random() * (high - low));
		const local = new AbortController();
		const abort = () => local.abort();
		signal.addEventListener('abort', abort, {once: true});
		this.stats.watches++;
		let delivered = false;
		let watchdog: NodeJS.Timeout | undefined;
		let stalled = false;
		const armWatchdog = () => {
			if (watchdog) clearTimeout(watchdog);
			watchdog = clock.setTimeout(() => {
				stalled = true;
				this.stats.watchdogRestarts++;
				local.abort();
			}, (timeoutSeconds + (this.options.watchdogMarginSeconds ?? 30)) * 1000);
		};
		try {
			armWatchdog();
			const response = await client.raw('GET', resourcePath(target), {
				query: {watch: 'true', resourceVersion: this.resourceVersion || undefined, allowWatchBookmarks: 'true', timeoutSeconds, labelSelector: target.labelSelector, fieldSelector: target.fieldSelector},
				signal: local.signal,
				stream: true,
				// One layer of backoff for watches: the reflector's (failures carry across attempts).
				// Retried inside the client, a watchdog firing mid-backoff restarted it at 0.5 s.
				retry: false,
				what: `watch ${target.resource}`,
			});
			const stream = response.stream!;
			let buffer = '';
			for await (const chunk of stream) {
				armWatchdog();
				buffer += (chunk as Buffer).toString('utf8');
				let newline: number;
				while ((newline = buffer.indexOf('\n')) >= 0) {
					const line = buffer.slice(0, newline).trim();
					buffer = buffer.slice(newline + 1);
					if (line === '') continue;
					let event: {type?: string; object?: Obj};
					try {
						event = JSON.parse(line) as typeof event;
					} catch {
						// A line that is not JSON: skip it, the next resume catches up.
						continue;
					}
					delivered = true;
					this.handleEvent(event);
				}
			}
			return delivered;
		} catch (error) {
			if (stalled && !signal.aborted) {
				// The watchdog fired: a silent, half-open connection. Re-watch from where we were.
				return delivered;
			}
			throw error;
		} finally {
			if (watchdog) clearTimeout(watchdog);
			signal.removeEventListener('abort', abort);
			local.abort();
		}
	}

	private handleEvent(event: {type?: string; object?: Obj}): void {
		const {handler, client, clock} = this.options;
		const object = event.object ?? {};
		this.lastEventAt = clock.now();
		client.touch();
		switch (event.type) {
			case 'ADDED':
			case 'MODIFIED':
				this.stats.events++;
				this.resourceVersion = String(object.metadata?.resourceVersion ?? this.resourceVersion);
				handler.upsert(object, event.type);
				break;
			case 'DELETED':
				this.stats.events++;
				this.resourceVersion = String(object.metadata?.resourceVersion ?? this.resourceVersion);
				handler.remove(object);
				break;
			case 'BOOKMARK':
				this.resourceVersion = String(object.metadata?.resourceVersion ?? this.resourceVersion);
				break;
			case 'ERROR':
				if (object.code === 410) throw new GoneError(String(object.message ?? 'resource version too old'));
				throw new ApiStatusError(Number(object.code ?? 500), String(object.reason ?? 'InternalError'), `watch ${this.options.target.resource}: ${String(object.message ?? 'error event')}`, object);
			default:
				break;
		}
	}
}
