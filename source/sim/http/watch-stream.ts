/**
 * One open WATCH response as the watch cache serves it (k8s.io/apiserver
 * pkg/storage/cacher: cache_watcher.go): store events translated through the watch's
 * selector (an object leaving it is DELETED, entering it ADDED), encoded as JSON lines in
 * the negotiated format, bookmarks on the cacher's schedule, nothing at or below the
 * watch's own resourceVersion, and a watcher that cannot keep up cut off.
 */
import type {ServerResponse} from 'node:http';
import type {SimTimer} from '../clock.js';
import {groupVersion, type ResourceType} from '../resources.js';
import type {StoreEvent, StoredRecord} from '../store.js';
import {partialMetadata, tableColumnDefinitions, tableRow} from '../tables.js';
import type {Format} from './negotiate.js';
import type {SimServer} from './server.js';
import type {Obj} from '../../formats/json-object.js';

/** The bookmark before a watch's deadline goes this long before it (cache_watcher.go nextBookmarkTime). */
const PRE_TIMEOUT_BOOKMARK_MS = 2000;

/** One open WATCH response. */
export class WatchStream {
	private readonly queue: string[] = [];
	private pumping = false;
	closed = false;
	sent = 0;
	private bytes = 0;
	private readonly timers: SimTimer[] = [];
	private bookmarkTimer: SimTimer | undefined;
	private unsubscribe: (() => void) | undefined;
	private firstTable = true;
	/** Periodic bookmarks sent (the initial-events-end one is not counted). */
	bookmarks = 0;

	constructor(
		readonly res: ServerResponse,
		readonly type: ResourceType,
		private readonly server: SimServer,
		private readonly format: Format,
		private readonly filter: (record: StoredRecord) => boolean,
		private readonly includeObject: string,
		readonly halfOpen: boolean,
		/** The watch's resourceVersion: nothing at or below it is sent (cacheWatcher.process). */
		private position: number,
	) {}

	get written(): number {
		return this.bytes;
	}

	subscribe(unsubscribe: () => void): void {
		this.unsubscribe = unsubscribe;
	}

	addTimer(timer: SimTimer): void {
		this.timers.push(timer);
	}

	private encode(type: string, record: StoredRecord): string {
		const api = this.server.api;
		if (this.format === 'json') return `{"type":"${type}","object":${api.render(this.type, record)}}\n`;
		const object = api.view(this.type, record);
		if (this.format === 'meta') return `{"type":"${type}","object":${JSON.stringify(partialMetadata(object))}}\n`;
		const table: Obj = {kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: {resourceVersion: object.metadata?.resourceVersion}};
		if (this.firstTable) table.columnDefinitions = tableColumnDefinitions(this.type);
		else table.columnDefinitions = null;
		this.firstTable = false;
		table.rows = [tableRow(this.type, object, this.server.api.clock.now(), this.includeObject)];
		return `{"type":"${type}","object":${JSON.stringify(table)}}\n`;
	}

	/** Deliver a store event, translating selector transitions as the watch cache does. */
	deliver(event: StoreEvent): void {
		if (this.closed || this.halfOpen) return;
		// A watch from a version the server has not reached sees only what comes after it.
		if (event.rv <= this.position) return;
		const now = this.filter(event.record);
		if (event.type === 'ADDED') {
			if (now) this.push(this.encode('ADDED', event.record));
		} else if (event.type === 'DELETED') {
			if (event.previous ? this.filter(event.previous) : now) this.push(this.encode('DELETED', event.record));
		} else {
			const before = event.previous ? this.filter(event.previous) : now;
			if (before && now) this.push(this.encode('MODIFIED', event.record));
			else if (before) this.push(this.encode('DELETED', event.record));
			else if (now) this.push(this.encode('ADDED', event.record));
		}
	}

	/** The watch has sent everything up to `rv`. */
	advance(rv: number): void {
		if (rv > this.position) this.position = rv;
	}

	initial(record: StoredRecord): void {
		if (this.filter(record)) this.push(this.encode('ADDED', record));
	}

	bookmark(rv: number, initialEventsEnd = false): void {
		if (this.closed || this.halfOpen) return;
		// The cacher sends a periodic bookmark only when its revision is past the watch's.
		if (!initialEventsEnd && rv <= this.position) return;
		if (!initialEventsEnd) this.bookmarks++;
		const metadata: Obj = {resourceVersion: String(rv), creationTimestamp: null};
		if (initialEventsEnd) metadata.annotations = {'k8s.io/initial-events-end': 'true'};
		const object =
			this.format === 'meta'
				? {kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata}
				: {kind: this.type.kind, apiVersion: groupVersion(this.type), metadata};
		this.push(`{"type":"BOOKMARK","object":${JSON.stringify(object)}}\n`, false);
	}

	/**
	 * Bookmarks as the cacher schedules them (cacheWatcher.nextBookmarkTime): the next one an
	 * interval from now, or 2 s before the deadline if that comes first; none after that one.
	 */
	scheduleBookmarks(intervalMs: number, deadline: number | undefined): void {
		const clock = this.server.api.clock;
		const now = clock.now();
		let next = now + intervalMs;
		const last = deadline !== undefined && deadline - PRE_TIMEOUT_BOOKMARK_MS < next;
		if (last) next = deadline - PRE_TIMEOUT_BOOKMARK_MS;
		if (next <= now || this.closed) return;
		this.bookmarkTimer = clock.after(next - now, () => {
			this.bookmark(this.server.api.store.rv);
			if (!last) this.scheduleBookmarks(intervalMs, deadline);
		});
	}

	error(status: Obj): void {
		this.push(`{"type":"ERROR","object":${JSON.stringify(status)}}\n`, false);
	}

	private push(line: string, counted = true): void {
		if (counted) this.server.options.countWatchEvent?.(this.type);
		this.queue.push(line);
		this.sent++;
		if (this.queue.length > 200_000) {
			// A watcher that cannot keep up is terminated, as the watch cache does.
			this.close(true);
			return;
		}
		if (!this.pumping) this.pump();
	}

	private pump(): void {
		if (this.closed) return;
		this.pumping = true;
		while (this.queue.length > 0) {
			const batch = this.queue.splice(0, 256).join('');
			this.bytes += Buffer.byteLength(batch);
			const ok = this.res.write(batch);
			if (!ok) {
				this.res.once('drain', () => this.pump());
				return;
			}
		}
		this.pumping = false;
	}

	close(abrupt = false): void {
		if (this.closed) return;
		this.closed = true;
		this.unsubscribe?.();
		for (const timer of this.timers) timer.cancel();
		this.bookmarkTimer?.cancel();
		if (abrupt) this.res.socket?.destroy();
		else if (!this.res.writableEnded) {
			if (this.queue.length > 0 && !this.halfOpen) this.res.write(this.queue.splice(0).join(''));
			this.res.end();
		}
		this.server.watchClosed(this);
	}
}
