/**
 * WATCH, as the watch cache serves it (k8s.io/apiserver pkg/storage/cacher: cacher.go,
 * cache_watcher.go, watch_cache.go): from a resourceVersion within the cache's history
 * (410 Expired, or an ERROR event, when older), with the initial events first
 * (sendInitialEvents, where the WatchList feature serves it), until timeoutSeconds. A
 * watch that asked for bookmarks gets one about every minute (bookmarkFrequency) and one
 * 2 s before its deadline (cacheWatcher.nextBookmarkTime), but only once the server has a
 * revision newer than the watch's own (cacheWatcher.process sends nothing at or below
 * it); so a watch resumed from a version the server does not have yet (a server that went
 * back in time) is accepted and stays silent. Kinds served from etcd, not the cache
 * (events), get no periodic bookmarks.
 */
import type {IncomingMessage, ServerResponse} from 'node:http';
import {ApiError, errors} from '../errors.js';
import type {ResourceType} from '../resources.js';
import {type StoreEvent, TooOldError} from '../store.js';
import {negotiate} from './negotiate.js';
import type {Query, Route} from './request.js';
import {selectionOf} from './selection.js';
import type {SimServer} from './server.js';
import {BLOCK_TIMEOUT_MS, tooLargeResourceVersion, waitUntilFresh} from './watch-cache.js';
import {WatchStream} from './watch-stream.js';

/** WATCH of a collection (or of one object, by field selector or the legacy path). */
export async function handleWatch(
	server: SimServer,
	req: IncomingMessage,
	res: ServerResponse,
	route: Route,
	query: Query,
	started: () => void,
	ended: (bytes: number) => void,
): Promise<void> {
	const {api, options} = server;
	const {type} = route;
	const format = negotiate(req.headers.accept, true, true) ?? 'json';
	const expired = options.faults.takeExpiredWatch();
	const rvParam = query.resourceVersion ?? '';
	if (expired === 'status') {
		throw errors.gone(`too old resource version: ${rvParam || 0} (${api.store.rv})`);
	}
	const {filter} = selectionOf(api, route, query);
	const sendInitial = query.sendInitialEvents === 'true';
	if (query.sendInitialEvents !== undefined) checkWatchList(type, query, options.watchList);
	let backlog: StoreEvent[] | undefined;
	const requestedRv = rvParam !== '' && rvParam !== '0' ? Number(rvParam) : undefined;
	if (requestedRv !== undefined && !(Number.isInteger(requestedRv) && requestedRv >= 0)) throw errors.badRequest(`invalid resource version "${rvParam}"`);
	// A watch-list waits (blockTimeout) for a revision the cache has not reached and then
	// fails with an ERROR event (cacher.go waitUntilWatchCacheFreshAndForceAllEvents); a
	// plain watch from such a revision is accepted and waits for it in silence. The fault
	// answers any watch the first way, as a server that lags behind the client would.
	let tooLarge: ApiError | undefined;
	if (options.faults.takeTooLargeWatch()) {
		await new Promise<void>((resolve) => api.clock.after(BLOCK_TIMEOUT_MS, resolve));
		const wanted = requestedRv ?? api.store.rv;
		tooLarge = tooLargeResourceVersion(wanted, Math.max(0, wanted - 1));
	} else if (sendInitial && requestedRv !== undefined && !(await waitUntilFresh(api, requestedRv))) {
		tooLarge = tooLargeResourceVersion(requestedRv, api.store.rv);
	}
	if (tooLarge) {
		answerWithErrorEvent(res, tooLarge, started, ended);
		return;
	}
	if (requestedRv !== undefined && !sendInitial) {
		const rv = requestedRv;
		try {
			backlog = api.store.resource(type.storage).since(rv);
		} catch (error) {
			if (!(error instanceof TooOldError)) throw error;
			if (type.watchCache === false) throw errors.gone(error.message);
			// The watch cache answers a too-old version with an ERROR event on a 200 stream.
			answerWithErrorEvent(res, errors.expired(error.message), started, ended);
			return;
		}
	}
	const halfOpen = options.faults.takeHalfOpenWatch();
	res.writeHead(200, {'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private'});
	res.flushHeaders();
	const position = backlog ? requestedRv! : api.store.rv;
	const stream = new WatchStream(res, type, server, format, filter, query.includeObject ?? 'Metadata', halfOpen, position);
	server.watches.add(stream);
	started();
	const finish = () => {
		stream.close();
		ended(stream.written);
	};
	req.on('close', () => {
		if (!stream.closed) finish();
	});
	res.on('close', () => {
		if (!stream.closed) finish();
	});
	if (expired === 'event') {
		stream.error(errors.expired(`too old resource version: ${rvParam || 0} (${api.store.rv})`).status());
		finish();
		return;
	}
	if (halfOpen) return;
	const resourceStore = api.store.resource(type.storage);
	// Subscribe first, then replay, all synchronously: nothing can fall in between.
	stream.subscribe(resourceStore.subscribe((event) => stream.deliver(event)));
	if (backlog) {
		for (const event of backlog) stream.deliver(event);
		// As cacheWatcher.processInterval: the watch's version is the last event replayed.
		if (backlog.length > 0) stream.advance(backlog.at(-1)!.rv);
	} else {
		for (const record of resourceStore.sorted()) stream.initial(record);
		if (sendInitial) stream.bookmark(api.store.rv, true);
	}
	const timeoutSeconds = query.timeoutSeconds !== undefined ? Number(query.timeoutSeconds) : 1800 * (1 + api.random.next());
	const opened = api.clock.now();
	if (timeoutSeconds > 0) stream.addTimer(api.clock.after(timeoutSeconds * 1000, finish));
	// Only the watch cache sends periodic bookmarks: a watch served from etcd (events) gets
	// one only for a progress notification, which the server does not ask etcd for on a
	// client's behalf (the cacher's own watch does: lister_watcher.go ProgressNotify).
	if (query.allowWatchBookmarks === 'true' && format !== 'table' && type.watchCache !== false) {
		stream.scheduleBookmarks(options.bookmarkIntervalMs ?? 60_000, timeoutSeconds > 0 ? opened + timeoutSeconds * 1000 : undefined);
	}
}

/** The options a watch-list (sendInitialEvents) must come with, and whether the server serves it at all. */
function checkWatchList(type: ResourceType, query: Query, served: boolean): void {
	if (!served)
		throw errors.invalid(type, '', [
			{
				reason: 'FieldValueForbidden',
				field: 'sendInitialEvents',
				message: 'Forbidden: sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled',
			},
		]);
	if (query.resourceVersionMatch !== 'NotOlderThan')
		throw errors.invalid(type, '', [
			{
				reason: 'FieldValueForbidden',
				field: 'resourceVersionMatch',
				message: 'Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan',
			},
		]);
	if (query.allowWatchBookmarks !== 'true')
		throw errors.invalid(type, '', [
			{reason: 'FieldValueForbidden', field: 'allowWatchBookmarks', message: 'Forbidden: sendInitialEvents requires setting allowWatchBookmarks to true'},
		]);
}

/** A watch the cache answers with one ERROR event on a 200 stream, and ends. */
function answerWithErrorEvent(res: ServerResponse, error: ApiError, started: () => void, ended: (bytes: number) => void): void {
	res.writeHead(200, {'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked'});
	started();
	const body = `{"type":"ERROR","object":${JSON.stringify(error.status())}}\n`;
	res.end(body);
	ended(Buffer.byteLength(body));
}
