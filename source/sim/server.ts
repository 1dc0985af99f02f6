/**
 * The simulated API server's HTTP layer: routing of /api and /apis paths (and the legacy
 * /api/v1/watch/… form), discovery, content negotiation (JSON, Table,
 * PartialObjectMetadata), paged LISTs with consistent snapshots, WATCH streams with
 * bookmarks and resume, writes, SelfSubjectAccessReview, /metrics, /version; with
 * authentication, authorization, fault injection, a request log and an audit hook.
 *
 * Watches behave as the watch cache serves them (k8s.io/apiserver pkg/storage/cacher:
 * cacher.go, cache_watcher.go, watch_cache.go): a watch that asked for bookmarks gets one
 * about every minute (bookmarkFrequency) and one 2 s before its deadline
 * (cacheWatcher.nextBookmarkTime), but only once the server has a revision newer than the
 * watch's own (cacheWatcher.process sends nothing at or below it); so a watch resumed from a
 * version the server does not have yet (a server that went back in time) is accepted and
 * stays silent. Kinds served from etcd, not the cache (events), get no periodic bookmarks.
 */
import {createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http';
import {createServer as createHttpsServer} from 'node:https';
import type {Socket} from 'node:net';
import {type DeleteOptions, type RequestContext, SimApi} from './api.js';
import type {Authenticator} from './auth.js';
import type {SimTimer} from './clock.js';
import {ApiError, errors} from './errors.js';
import type {Faults} from './faults.js';
import type {UserInfo} from './identity.js';
import {Authorizer, type RbacRule} from './rbac.js';
import type {RequestLog} from './request-log.js';
import {groupVersion, type Obj, type ResourceType} from './resources.js';
import {type FieldSelector, type LabelSelector, parseFieldSelector, parseLabelSelector, SelectorError} from './selectors.js';
import {type StoreEvent, type StoredRecord, TooOldError} from './store.js';
import {decodeAuthorizationReview, PROTOBUF_CONTENT_TYPE, ProtobufError} from './protobuf.js';
import {partialMetadata, tableColumnDefinitions, tableRow} from './tables.js';

export interface CompletedRequest {
	user: UserInfo;
	verb: string;
	method: string;
	requestURI: string;
	userAgent: string;
	sourceIP: string;
	code: number;
	receivedMs: number;
	completedMs: number;
	stage: 'ResponseStarted' | 'ResponseComplete';
	auditID: string;
	objectRef?: {resource: string; namespace?: string; name?: string; apiGroup?: string; apiVersion?: string; subresource?: string};
	decision?: 'allow' | 'forbid';
}

export interface ServerOptions {
	api: SimApi;
	authenticator: Authenticator;
	authorizer: Authorizer;
	faults: Faults;
	requestLog: RequestLog;
	minor: number;
	gitVersion: string;
	metricsText: () => string;
	podMetrics: (namespace: string | undefined, page?: {name?: string; start?: number; limit?: number}) => {items: Obj[]; total: number};
	nodeMetrics: () => Obj[];
	/** Simulated ms between bookmarks on a watch that asked for them (the cacher's bookmarkFrequency, 1 min). */
	bookmarkIntervalMs?: number;
	/** POST /__sim/snapshot and /__sim/restore: the simulator takes and restores backups of its whole state. */
	backups?: {take(): Obj; restore(body: Obj): Obj};
	/** WatchList (sendInitialEvents) served: on in 1.32, off in 1.33, on from 1.34. */
	watchList: boolean;
	onRequest?: (request: CompletedRequest) => void;
	/** Called for every request, to count apiserver_request_total. */
	countRequest?: (labels: {verb: string; group: string; version: string; resource: string; subresource: string; scope: string; code: number; dryRun: boolean}) => void;
	/** Called on 429s injected by the throttle fault. */
	countRejection?: (user: UserInfo) => void;
	/** Called for every event sent on a watch. */
	countWatchEvent?: (type: ResourceType) => void;
}

type Format = 'json' | 'table' | 'meta';

interface Route {
	kind: 'resource';
	group: string;
	version: string;
	type: ResourceType;
	namespace: string;
	name?: string;
	subresource?: string;
	legacyWatch: boolean;
}

const MAX_BODY = 3 * 1024 * 1024;

/** How long the watch cache waits for a revision it has not seen yet (watch_cache.go blockTimeout). */
const BLOCK_TIMEOUT_MS = 3000;
/** The bookmark before a watch's deadline goes this long before it (cache_watcher.go nextBookmarkTime). */
const PRE_TIMEOUT_BOOKMARK_MS = 2000;

/**
 * What the watch cache answers a request for a resourceVersion newer than it has, after
 * waiting blockTimeout: storage.NewTooLargeResourceVersionError (k8s.io/apiserver
 * pkg/storage/errors.go), a Timeout (504) with retryAfterSeconds 1
 * (resourceVersionTooHighRetrySeconds) and the cause client-go's reflector looks for
 * (isTooLargeResourceVersionError: relist with resourceVersion "").
 */
function tooLargeResourceVersion(wanted: number, current: number): ApiError {
	return new ApiError(504, 'Timeout', `Timeout: Too large resource version: ${wanted}, current: ${current}`, {causes: [{reason: 'ResourceVersionTooLarge', message: 'Too large resource version'}], retryAfterSeconds: 1});
}

function parseAccept(header: string | undefined): Array<{type: string; params: Record<string, string>}> {
	if (!header) return [{type: 'application/json', params: {}}];
	return header.split(',').map((part) => {
		const [type, ...params] = part.split(';').map((s) => s.trim());
		const map: Record<string, string> = {};
		for (const p of params) {
			const eq = p.indexOf('=');
			if (eq > 0) map[p.slice(0, eq).trim()] = p.slice(eq + 1).trim();
		}
		return {type: (type ?? '').toLowerCase(), params: map};
	});
}

/** Choose the response format from Accept, or undefined for 406. */
function negotiate(header: string | undefined, allowList: boolean, allowSingle: boolean): Format | undefined {
	for (const {type, params} of parseAccept(header)) {
		if (type !== 'application/json' && type !== '*/*' && type !== 'application/*') continue;
		if (!params.as) return 'json';
		if (params.g !== 'meta.k8s.io') continue;
		if (params.as === 'Table' && (params.v === 'v1' || params.v === 'v1beta1')) return 'table';
		if (params.v !== 'v1') continue;
		if (params.as === 'PartialObjectMetadataList' && allowList) return 'meta';
		if (params.as === 'PartialObjectMetadata' && allowSingle) return 'meta';
	}
	return undefined;
}

interface ContinueToken {
	v: string;
	rv: number;
	start: string;
	s: string;
}

function encodeContinue(token: ContinueToken): string {
	return Buffer.from(JSON.stringify(token)).toString('base64');
}

function decodeContinue(text: string): ContinueToken {
	try {
		const token = JSON.parse(Buffer.from(text, 'base64').toString('utf8')) as ContinueToken;
		if (token.v !== 'meta.k8s.io/v1' || typeof token.start !== 'string') throw new Error('bad');
		return token;
	} catch {
		throw errors.badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
	}
}

/** One open WATCH response. */
class WatchStream {
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
		const object = this.format === 'meta'
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

export class SimServer {
	readonly api: SimApi;
	private readonly server: Server;
	private readonly sockets = new Set<Socket>();
	readonly watches = new Set<WatchStream>();
	private auditSeq = 0;
	private port = 0;

	constructor(readonly options: ServerOptions, tls?: {cert: string; key: string; ca: string}) {
		this.api = options.api;
		const handler = (req: IncomingMessage, res: ServerResponse) => {
			this.handle(req, res).catch((error: unknown) => {
				if (!res.headersSent) this.sendError(res, error instanceof ApiError ? error : errors.internal((error as Error).message));
				else res.destroy();
			});
		};
		this.server = tls
			? createHttpsServer({cert: tls.cert, key: tls.key, ca: tls.ca, requestCert: true, rejectUnauthorized: false}, handler)
			: createHttpServer(handler);
		this.server.keepAliveTimeout = 90_000;
		this.server.headersTimeout = 60_000;
		this.server.requestTimeout = 0;
		const onConnection = (socket: Socket) => {
			if (this.options.faults.settings.down) {
				this.options.faults.injected.refused++;
				socket.destroy();
				return;
			}
			this.sockets.add(socket);
			socket.on('close', () => this.sockets.delete(socket));
		};
		this.server.on(tls ? 'secureConnection' : 'connection', onConnection);
		if (tls) this.server.on('connection', (socket: Socket) => {
			if (this.options.faults.settings.down) socket.destroy();
		});
	}

	listen(port = 0, host = '127.0.0.1'): Promise<number> {
		return new Promise((resolve, reject) => {
			this.server.once('error', reject);
			this.server.listen(port, host, () => {
				this.server.off('error', reject);
				this.port = (this.server.address() as {port: number}).port;
				resolve(this.port);
			});
		});
	}

	get listeningPort(): number {
		return this.port;
	}

	/** Close every connection now (the server going away); listening continues unless `down` is set. */
	dropConnections(): void {
		for (const socket of this.sockets) socket.destroy();
	}

	/** Close every open watch abruptly (a dropped connection, as a load balancer or restart does). */
	dropWatches(): number {
		const n = this.watches.size;
		for (const watch of [...this.watches]) watch.close(true);
		return n;
	}

	/** Stop listening and cut every connection: clients get ECONNREFUSED until comeBack(). */
	async goDown(): Promise<void> {
		for (const watch of [...this.watches]) watch.close(true);
		for (const socket of this.sockets) socket.destroy();
		await new Promise<void>((resolve) => this.server.close(() => resolve()));
	}

	/** Listen again on the same port after goDown(). */
	async comeBack(): Promise<void> {
		await this.listen(this.port);
	}

	/** End every open watch cleanly, as a watch timeout does: clients re-watch from their last version. */
	closeWatches(): number {
		const n = this.watches.size;
		for (const watch of [...this.watches]) watch.close(false);
		return n;
	}

	async close(): Promise<void> {
		for (const watch of [...this.watches]) watch.close(true);
		for (const socket of this.sockets) socket.destroy();
		if (this.server.listening) await new Promise<void>((resolve) => this.server.close(() => resolve()));
	}

	watchClosed(watch: WatchStream): void {
		this.watches.delete(watch);
	}

	/** Open watches per resource, for apiserver_longrunning_requests. */
	openWatches(): Map<ResourceType, number> {
		const out = new Map<ResourceType, number>();
		for (const watch of this.watches) out.set(watch.type, (out.get(watch.type) ?? 0) + 1);
		return out;
	}

	private sendJson(res: ServerResponse, code: number, body: string, headers: Record<string, string> = {}): void {
		const bytes = Buffer.byteLength(body);
		(res as ServerResponse & {simBytes?: number}).simBytes = bytes;
		res.writeHead(code, {'Content-Type': 'application/json', 'Content-Length': bytes, ...headers});
		res.end(body);
	}

	private sendError(res: ServerResponse, error: ApiError): void {
		const headers: Record<string, string> = {};
		if (error.code === 429 && error.details?.retryAfterSeconds !== undefined) headers['Retry-After'] = String(error.details.retryAfterSeconds);
		this.sendJson(res, error.code, JSON.stringify(error.status()), headers);
	}

	private readBody(req: IncomingMessage): Promise<string> {
		return this.readRaw(req).then((buffer) => {
			const contentType = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
			if (contentType !== PROTOBUF_CONTENT_TYPE) return buffer.toString('utf8');
			try {
				return JSON.stringify(decodeAuthorizationReview(buffer));
			} catch (error) {
				if (error instanceof ProtobufError) throw errors.unsupportedMediaType(contentType, ['application/json', 'application/yaml']);
				throw error;
			}
		});
	}

	private readRaw(req: IncomingMessage): Promise<Buffer> {
		return new Promise((resolve, reject) => {
			const chunks: Buffer[] = [];
			let size = 0;
			req.on('data', (chunk: Buffer) => {
				size += chunk.length;
				if (size > MAX_BODY) {
					reject(new ApiError(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${MAX_BODY}`));
					req.destroy();
					return;
				}
				chunks.push(chunk);
			});
			req.on('end', () => resolve(Buffer.concat(chunks)));
			req.on('error', reject);
		});
	}

	private parseJsonBody(text: string): Obj {
		if (text.trim() === '') return {};
		try {
			return JSON.parse(text) as Obj;
		} catch (error) {
			throw errors.badRequest(`the object provided is unrecognized: ${(error as Error).message}`);
		}
	}

	private route(path: string): Route | undefined {
		const segments = path.split('/').filter(Boolean).map((s) => decodeURIComponent(s));
		let group: string;
		let version: string;
		let rest: string[];
		if (segments[0] === 'api' && segments.length >= 3) {
			group = '';
			version = segments[1]!;
			rest = segments.slice(2);
		} else if (segments[0] === 'apis' && segments.length >= 4) {
			group = segments[1]!;
			version = segments[2]!;
			rest = segments.slice(3);
		} else return undefined;
		let legacyWatch = false;
		if (rest[0] === 'watch') {
			legacyWatch = true;
			rest = rest.slice(1);
		}
		let namespace = '';
		if (rest[0] === 'namespaces' && rest.length >= 3) {
			const candidate = this.api.registry.get(group, version, rest[2]!);
			if (candidate?.namespaced) {
				namespace = rest[1]!;
				rest = rest.slice(2);
			}
		}
		const type = this.api.registry.get(group, version, rest[0] ?? '');
		if (!type || rest.length > 3) return undefined;
		if (namespace && !type.namespaced) return undefined;
		return {kind: 'resource', group, version, type, namespace, name: rest[1], subresource: rest[2], legacyWatch};
	}

	private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
		const started = Date.now();
		const receivedMs = this.api.clock.now();
		const url = new URL(req.url ?? '/', 'http://sim');
		const path = url.pathname;
		const query: Record<string, string> = {};
		for (const [key, value] of url.searchParams) query[key] = value;
		const userAgent = String(req.headers['user-agent'] ?? '');
		const method = (req.method ?? 'GET').toUpperCase();
		let user: UserInfo | undefined;
		let verb = method.toLowerCase();
		let fault: string | undefined;
		let isWatch = false;
		let route: Route | undefined;
		let decision: 'allow' | 'forbid' | undefined;
		const auditID = `${(++this.auditSeq).toString(16).padStart(8, '0')}-sim0-4000-a000-${this.port.toString(16).padStart(12, '0')}`;
		const log = (stage?: 'ResponseStarted' | 'ResponseComplete', watchBytes?: number) => {
			const status = res.statusCode;
			this.options.requestLog.add({
				time: new Date().toISOString(),
				method,
				path,
				query,
				userAgent,
				user: user?.name ?? '',
				accept: String(req.headers.accept ?? ''),
				contentType: String(req.headers['content-type'] ?? ''),
				status,
				bytes: watchBytes ?? (res as ServerResponse & {simBytes?: number}).simBytes ?? Number(res.getHeader('content-length') ?? 0),
				durationMs: Date.now() - started,
				...(isWatch ? {watch: true, stage} : {}),
				...(fault ? {fault} : {}),
			});
			if (this.options.onRequest && user && !path.startsWith('/__sim')) {
				this.options.onRequest({
					user, verb, method, requestURI: req.url ?? path, userAgent,
					sourceIP: req.socket.remoteAddress ?? '127.0.0.1', code: status, receivedMs,
					completedMs: this.api.clock.now(), stage: stage ?? 'ResponseComplete', auditID,
					objectRef: route ? {resource: route.type.resource, namespace: route.namespace || undefined, name: route.name, apiGroup: route.group || undefined, apiVersion: route.version, subresource: route.subresource} : undefined,
					decision,
				});
			}
			if (route && this.options.countRequest) {
				this.options.countRequest({
					verb: isWatch ? 'WATCH' : verb === 'list' ? 'LIST' : verb === 'get' ? 'GET' : method,
					group: route.group, version: route.version, resource: route.type.resource, subresource: route.subresource ?? '',
					scope: route.name ? 'resource' : route.namespace ? 'namespace' : 'cluster', code: status, dryRun: query.dryRun === 'All',
				});
			}
		};
		let watchStarted = false;
		res.on('finish', () => {
			// A watch logs when its stream opens and when it ends; one refused before it opened
			// (403, 429, a fault) is logged here, once, as a request that never started.
			if (!isWatch || !watchStarted) log();
		});

		const latency = this.options.faults.settings.latencyMs ?? 0;
		if (latency > 0 && !path.startsWith('/__sim')) await new Promise((resolve) => setTimeout(resolve, latency));

		if (path.startsWith('/__sim/')) {
			await this.handleAdmin(req, res, path);
			return;
		}

		user = this.options.authenticator.authenticate(req);
		if (!user) {
			fault = undefined;
			this.sendError(res, errors.unauthorized());
			return;
		}

		const throttle = this.options.faults.shouldThrottle(path);
		if (throttle !== undefined) {
			fault = '429';
			this.options.countRejection?.(user);
			this.sendError(res, errors.tooManyRequests(throttle));
			return;
		}
		const errorCode = this.options.faults.shouldError(path);
		if (errorCode !== undefined) {
			fault = String(errorCode);
			const error = errorCode === 503 ? errors.unavailable('the server is currently unable to handle the request') : errorCode === 504 ? errors.timeout('the server was unable to return a response in the time allotted, but may still be processing the request') : new ApiError(errorCode, 'InternalError', 'Internal error occurred: injected fault');
			this.sendError(res, error);
			return;
		}

		// Non-resource paths.
		if (!path.startsWith('/api/') && !path.startsWith('/apis/') || path === '/api' || path === '/apis') {
			verb = method.toLowerCase();
			if (!this.options.authorizer.allowsNonResource(user, {verb, path})) {
				decision = 'forbid';
				this.sendError(res, errors.forbidden(`forbidden: User "${user.name}" cannot ${verb} path "${path}"`));
				return;
			}
			decision = 'allow';
			this.handleNonResource(req, res, path);
			return;
		}

		route = this.route(path);
		if (!route) {
			const discovery = this.discovery(path);
			if (discovery !== undefined) {
				decision = 'allow';
				this.sendJson(res, 200, JSON.stringify(discovery));
				return;
			}
			this.sendJson(res, 404, JSON.stringify(new ApiError(404, 'NotFound', 'the server could not find the requested resource').status()));
			return;
		}

		const {type, namespace, name, subresource} = route;
		isWatch = method === 'GET' && (route.legacyWatch || query.watch === 'true' || query.watch === '1');
		verb = method === 'GET' ? (isWatch ? 'watch' : name ? 'get' : 'list')
			: method === 'POST' ? 'create'
				: method === 'PUT' ? 'update'
					: method === 'PATCH' ? 'patch'
						: method === 'DELETE' ? (name ? 'delete' : 'deletecollection') : method.toLowerCase();
		if (!type.verbs.includes(verb) && !(subresource && ['get', 'update', 'patch'].includes(verb))) {
			this.sendError(res, errors.methodNotAllowed());
			return;
		}
		const attributes = {verb, group: type.group, resource: type.resource, subresource, namespace, name: name ?? (isWatch ? parseFieldSelector(query.fieldSelector, ['metadata.name', 'metadata.namespace', ...Object.keys(type.fieldLabels?.({}) ?? {})])?.pinned('metadata.name') : undefined)};
		if (type.kind !== 'SelfSubjectAccessReview' && type.kind !== 'SelfSubjectRulesReview' && !this.options.authorizer.allowsResource(user, attributes)) {
			decision = 'forbid';
			this.sendError(res, errors.forbidden(Authorizer.forbiddenMessage(user, attributes), type, name));
			return;
		}
		decision = 'allow';

		const ctx: RequestContext = {user, userAgent, fieldManager: query.fieldManager, dryRun: query.dryRun === 'All', force: query.force === 'true', warnings: []};
		if (query.dryRun !== undefined && query.dryRun !== 'All' && query.dryRun !== '') {
			this.sendError(res, errors.invalid(type, name ?? '', [{reason: 'FieldValueNotSupported', field: 'dryRun', message: `Unsupported value: "${query.dryRun}": supported values: "All"`}]));
			return;
		}
		const warn = (): Record<string, string> => (ctx.warnings && ctx.warnings.length > 0 ? {Warning: ctx.warnings.map((w) => `299 - "${w}"`).join(', ')} : {});

		try {
			if (type.virtual) {
				this.handleVirtual(req, res, route, query, ctx, await this.readBody(req));
				return;
			}
			if (method === 'GET') {
				if (isWatch) {
					await this.handleWatch(req, res, route, query, () => {
						watchStarted = true;
						log('ResponseStarted');
					}, (bytes) => log('ResponseComplete', bytes));
					return;
				}
				if (name) {
					const format = negotiate(req.headers.accept, false, true);
					if (!format) throw errors.notAcceptable(String(req.headers.accept));
					if (subresource === 'scale') {
						this.sendJson(res, 200, JSON.stringify(this.api.getScale(type, namespace, name)));
						return;
					}
					if (subresource && subresource !== 'status') throw errors.notFound(type, name);
					const record = this.api.record(type, namespace, name);
					if (!record) throw errors.notFound(type, name);
					this.sendObject(res, 200, type, record, format, query);
					return;
				}
				await this.handleList(req, res, route, query);
				return;
			}
			const bodyText = await this.readBody(req);
			if (method === 'POST') {
				if (name) throw errors.methodNotAllowed();
				const created = this.api.create(type, namespace, this.parseJsonBody(bodyText), ctx);
				this.sendJson(res, 201, JSON.stringify(created), warn());
				return;
			}
			if (method === 'PUT') {
				if (!name) throw errors.methodNotAllowed();
				const updated = this.api.update(type, namespace, name, this.parseJsonBody(bodyText), ctx, subresource);
				this.sendJson(res, 200, JSON.stringify(updated), warn());
				return;
			}
			if (method === 'PATCH') {
				if (!name) throw errors.methodNotAllowed();
				const patched = this.api.patch(type, namespace, name, String(req.headers['content-type'] ?? ''), bodyText, ctx, subresource);
				this.sendJson(res, 200, JSON.stringify(patched), warn());
				return;
			}
			if (method === 'DELETE') {
				const options = this.deleteOptions(bodyText, query);
				if (name) {
					const result = this.api.delete(type, namespace, name, options, ctx);
					this.sendJson(res, result.code, JSON.stringify(result.body), warn());
					return;
				}
				const deleted = this.deleteCollection(route, query, options, ctx);
				this.sendJson(res, 200, JSON.stringify(deleted), warn());
				return;
			}
			throw errors.methodNotAllowed();
		} catch (error) {
			if (error instanceof ApiError) {
				this.sendError(res, error);
				return;
			}
			if (error instanceof SelectorError) {
				this.sendError(res, errors.badRequest(error.message));
				return;
			}
			throw error;
		}
	}

	private deleteOptions(bodyText: string, query: Record<string, string>): DeleteOptions {
		const body = this.parseJsonBody(bodyText);
		const options: DeleteOptions = {};
		const grace = body.gracePeriodSeconds ?? (query.gracePeriodSeconds !== undefined ? Number(query.gracePeriodSeconds) : undefined);
		if (grace !== undefined) options.gracePeriodSeconds = Number(grace);
		const policy = body.propagationPolicy ?? query.propagationPolicy;
		if (policy !== undefined) {
			if (!['Background', 'Foreground', 'Orphan'].includes(policy)) throw errors.badRequest(`DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "${String(policy)}": supported values: "Foreground", "Background", "Orphan", "nil"`);
			options.propagationPolicy = policy;
		}
		if (body.orphanDependents !== undefined) options.orphanDependents = Boolean(body.orphanDependents);
		if (body.preconditions) options.preconditions = body.preconditions;
		if ((body.dryRun ?? []).includes?.('All')) options.dryRun = true;
		return options;
	}

	private deleteCollection(route: Route, query: Record<string, string>, options: DeleteOptions, ctx: RequestContext): Obj {
		const {type, namespace} = route;
		const records = this.select(route, query);
		const items: Obj[] = [];
		for (const record of records) {
			try {
				const result = this.api.delete(type, record.namespace, record.name, options, ctx);
				items.push(result.body.kind === 'Status' ? this.api.view(type, record) : result.body);
			} catch (error) {
				if (!(error instanceof ApiError && error.code === 404)) throw error;
			}
		}
		void namespace;
		return {kind: `${type.kind}List`, apiVersion: groupVersion(type), metadata: {resourceVersion: String(this.api.store.rv)}, items};
	}

	private sendObject(res: ServerResponse, code: number, type: ResourceType, record: StoredRecord, format: Format, query: Record<string, string>): void {
		if (format === 'json') {
			this.sendJson(res, code, this.api.render(type, record));
			return;
		}
		const object = this.api.view(type, record);
		if (format === 'meta') {
			this.sendJson(res, code, JSON.stringify(partialMetadata(object)));
			return;
		}
		const table = {kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: {resourceVersion: object.metadata?.resourceVersion}, columnDefinitions: tableColumnDefinitions(type), rows: [tableRow(type, object, this.api.clock.now(), query.includeObject ?? 'Metadata')]};
		this.sendJson(res, code, JSON.stringify(table));
	}

	/** Build the filter for a list or watch: namespace, label selector, field selector. */
	private filterFor(route: Route, query: Record<string, string>): {filter: (record: StoredRecord) => boolean; selected: boolean; labelSelector?: LabelSelector; fieldSelector?: FieldSelector} {
		const {type, namespace} = route;
		const storageType = this.api.storageType(type.storage) ?? type;
		const supported = ['metadata.name', 'metadata.namespace', ...Object.keys(storageType.fieldLabels?.({}) ?? {}), ...Object.keys(type.fieldLabels?.({}) ?? {})];
		const labelSelector = parseLabelSelector(query.labelSelector);
		let fieldText = query.fieldSelector;
		if (route.legacyWatch && route.name) fieldText = fieldText ? `${fieldText},metadata.name=${route.name}` : `metadata.name=${route.name}`;
		const fieldSelector = parseFieldSelector(fieldText, supported);
		const filter = (record: StoredRecord): boolean => {
			if (namespace && record.namespace !== namespace) return false;
			if (labelSelector && !labelSelector(record.labels)) return false;
			if (fieldSelector) {
				const values = type.fieldLabels && type.convert ? {...record.fields, ...this.v1FieldAliases(record)} : record.fields;
				if (!fieldSelector.matches(values)) return false;
			}
			return true;
		};
		return {filter, selected: Boolean(labelSelector || fieldSelector), labelSelector, fieldSelector};
	}

	private v1FieldAliases(record: StoredRecord): Record<string, string> {
		const f = record.fields;
		return {
			'regarding.kind': f['involvedObject.kind'] ?? '',
			'regarding.namespace': f['involvedObject.namespace'] ?? '',
			'regarding.name': f['involvedObject.name'] ?? '',
			'regarding.uid': f['involvedObject.uid'] ?? '',
			reportingController: f.reportingComponent ?? '',
			'deprecatedSource.component': f.source ?? '',
		};
	}

	private select(route: Route, query: Record<string, string>): StoredRecord[] {
		const {filter} = this.filterFor(route, query);
		const out: StoredRecord[] = [];
		for (const record of this.api.store.resource(route.type.storage).sorted()) if (filter(record)) out.push(record);
		return out;
	}

	private async handleList(req: IncomingMessage, res: ServerResponse, route: Route, query: Record<string, string>): Promise<void> {
		const {type} = route;
		const format = negotiate(req.headers.accept, true, false);
		if (!format) throw errors.notAcceptable(String(req.headers.accept));
		const limit = query.limit !== undefined && query.limit !== '' ? Number(query.limit) : 0;
		if (!Number.isFinite(limit) || limit < 0) throw errors.badRequest(`limit must be a non-negative integer`);
		const rvParam = query.resourceVersion;
		const match = query.resourceVersionMatch;
		if (match && !['NotOlderThan', 'Exact'].includes(match)) throw errors.badRequest(`resourceVersionMatch: Unsupported value: "${match}": supported values: "Exact", "NotOlderThan"`);
		if (match && (rvParam === undefined || rvParam === '')) throw errors.badRequest('resourceVersionMatch is forbidden unless resourceVersion is provided');
		const store = this.api.store;
		let records: StoredRecord[];
		let listRv = store.rv;
		let start = 0;
		let snapshotId: string | undefined;
		const {filter, selected} = this.filterFor(route, query);
		const signature = `${route.type.storage}|${route.namespace}|${query.labelSelector ?? ''}|${query.fieldSelector ?? ''}`;
		if (query.continue) {
			if (rvParam !== undefined && rvParam !== '') throw errors.badRequest('specifying resource version is not allowed when using continue');
			const token = decodeContinue(query.continue);
			const snapshot = store.snapshot(token.s);
			if (!snapshot || snapshot.signature !== signature) {
				throw errors.expired('The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.');
			}
			records = snapshot.records;
			listRv = snapshot.rv;
			snapshotId = snapshot.id;
			let lo = 0;
			let hi = records.length;
			while (lo < hi) {
				const mid = (lo + hi) >>> 1;
				if (records[mid]!.key <= token.start) lo = mid + 1;
				else hi = mid;
			}
			start = lo;
		} else {
			if (rvParam !== undefined && rvParam !== '' && rvParam !== '0') {
				const wanted = Number(rvParam);
				if (!Number.isFinite(wanted)) throw errors.badRequest(`invalid resource version "${rvParam}"`);
				// Served from the watch cache, which waits for the revision (watch_cache.go waitUntilFreshAndBlock).
				if (wanted > store.rv && !(await this.waitUntilFresh(wanted))) throw tooLargeResourceVersion(wanted, store.rv);
				if (match === 'Exact' && wanted !== store.rv) throw errors.expired(`too old resource version: ${wanted} (${store.rv})`);
			}
			records = [];
			for (const record of store.resource(type.storage).sorted()) if (filter(record)) records.push(record);
		}
		// The watch cache serves resourceVersion=0 and ignores limit (events are not cached).
		const ignoreLimit = rvParam === '0' && type.watchCache !== false && !query.continue;
		let end = records.length;
		let nextToken: string | undefined;
		let remaining: number | undefined;
		if (limit > 0 && !ignoreLimit && start + limit < records.length) {
			end = start + limit;
			if (!snapshotId) snapshotId = store.createSnapshot(records, signature, this.api.clock.now()).id;
			nextToken = encodeContinue({v: 'meta.k8s.io/v1', rv: listRv, start: records[end - 1]!.key, s: snapshotId});
			if (!selected) remaining = records.length - end;
		} else if (snapshotId) store.dropSnapshot(snapshotId);
		const metadata: Obj = {resourceVersion: String(listRv)};
		if (nextToken) metadata.continue = nextToken;
		if (remaining !== undefined) metadata.remainingItemCount = remaining;
		const page = records.slice(start, end);
		const now = this.api.clock.now();
		let head: string;
		let render: (record: StoredRecord) => string;
		if (format === 'json') {
			head = `{"kind":"${type.kind}List","apiVersion":"${groupVersion(type)}","metadata":${JSON.stringify(metadata)},"items":[`;
			render = (record) => this.api.render(type, record);
		} else if (format === 'meta') {
			head = `{"kind":"PartialObjectMetadataList","apiVersion":"meta.k8s.io/v1","metadata":${JSON.stringify(metadata)},"items":[`;
			render = (record) => JSON.stringify(partialMetadata(this.api.view(type, record)));
		} else {
			head = `{"kind":"Table","apiVersion":"meta.k8s.io/v1","metadata":${JSON.stringify(metadata)},"columnDefinitions":${JSON.stringify(tableColumnDefinitions(type))},"rows":[`;
			render = (record) => JSON.stringify(tableRow(type, this.api.view(type, record), now, query.includeObject ?? 'Metadata'));
		}
		await this.streamList(res, head, page, render, ']}');
	}

	/** Write a list in chunks, yielding to the event loop so watches keep flowing during a huge LIST. */
	private async streamList(res: ServerResponse, head: string, records: StoredRecord[], render: (record: StoredRecord) => string, tail: string): Promise<void> {
		if (records.length <= 500) {
			const body = head + records.map(render).join(',') + tail;
			this.sendJson(res, 200, body);
			return;
		}
		res.writeHead(200, {'Content-Type': 'application/json'});
		let bytes = 0;
		const write = (chunk: string) => {
			bytes += Buffer.byteLength(chunk);
			return res.write(chunk);
		};
		write(head);
		for (let i = 0; i < records.length; i += 500) {
			const chunk = (i > 0 ? ',' : '') + records.slice(i, i + 500).map(render).join(',');
			if (!write(chunk)) await new Promise((resolve) => res.once('drain', resolve));
			else await new Promise((resolve) => setImmediate(resolve));
			if (res.destroyed) return;
		}
		write(tail);
		res.end();
		(res as ServerResponse & {simBytes?: number}).simBytes = bytes;
	}

	private async handleWatch(req: IncomingMessage, res: ServerResponse, route: Route, query: Record<string, string>, started: () => void, ended: (bytes: number) => void): Promise<void> {
		const {type} = route;
		const format = negotiate(req.headers.accept, true, true) ?? 'json';
		const expired = this.options.faults.takeExpiredWatch();
		const rvParam = query.resourceVersion ?? '';
		if (expired === 'status') {
			throw errors.gone(`too old resource version: ${rvParam || 0} (${this.api.store.rv})`);
		}
		const {filter} = this.filterFor(route, query);
		const sendInitial = query.sendInitialEvents === 'true';
		if (query.sendInitialEvents !== undefined) {
			if (!this.options.watchList) throw errors.invalid(type, '', [{reason: 'FieldValueForbidden', field: 'sendInitialEvents', message: 'Forbidden: sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled'}]);
			if (query.resourceVersionMatch !== 'NotOlderThan') throw errors.invalid(type, '', [{reason: 'FieldValueForbidden', field: 'resourceVersionMatch', message: 'Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan'}]);
			if (query.allowWatchBookmarks !== 'true') throw errors.invalid(type, '', [{reason: 'FieldValueForbidden', field: 'allowWatchBookmarks', message: 'Forbidden: sendInitialEvents requires setting allowWatchBookmarks to true'}]);
		}
		let backlog: StoreEvent[] | undefined;
		const requestedRv = rvParam !== '' && rvParam !== '0' ? Number(rvParam) : undefined;
		if (requestedRv !== undefined && !(Number.isInteger(requestedRv) && requestedRv >= 0)) throw errors.badRequest(`invalid resource version "${rvParam}"`);
		// A watch-list waits (blockTimeout) for a revision the cache has not reached and then
		// fails with an ERROR event (cacher.go waitUntilWatchCacheFreshAndForceAllEvents); a
		// plain watch from such a revision is accepted and waits for it in silence. The fault
		// answers any watch the first way, as a server that lags behind the client would.
		let tooLarge: ApiError | undefined;
		if (this.options.faults.takeTooLargeWatch()) {
			await new Promise<void>((resolve) => this.api.clock.after(BLOCK_TIMEOUT_MS, resolve));
			const wanted = requestedRv ?? this.api.store.rv;
			tooLarge = tooLargeResourceVersion(wanted, Math.max(0, wanted - 1));
		} else if (sendInitial && requestedRv !== undefined && !(await this.waitUntilFresh(requestedRv))) {
			tooLarge = tooLargeResourceVersion(requestedRv, this.api.store.rv);
		}
		if (tooLarge) {
			res.writeHead(200, {'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked'});
			started();
			const body = `{"type":"ERROR","object":${JSON.stringify(tooLarge.status())}}\n`;
			res.end(body);
			ended(Buffer.byteLength(body));
			return;
		}
		if (requestedRv !== undefined && !sendInitial) {
			const rv = requestedRv;
			try {
				backlog = this.api.store.resource(type.storage).since(rv);
			} catch (error) {
				if (!(error instanceof TooOldError)) throw error;
				if (type.watchCache === false) throw errors.gone(error.message);
				// The watch cache answers a too-old version with an ERROR event on a 200 stream.
				res.writeHead(200, {'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked'});
				started();
				const body = `{"type":"ERROR","object":${JSON.stringify(errors.expired(error.message).status())}}\n`;
				res.end(body);
				ended(Buffer.byteLength(body));
				return;
			}
		}
		const halfOpen = this.options.faults.takeHalfOpenWatch();
		res.writeHead(200, {'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private'});
		res.flushHeaders();
		const position = backlog ? requestedRv! : this.api.store.rv;
		const stream = new WatchStream(res, type, this, format, filter, query.includeObject ?? 'Metadata', halfOpen, position);
		this.watches.add(stream);
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
			stream.error(errors.expired(`too old resource version: ${rvParam || 0} (${this.api.store.rv})`).status());
			finish();
			return;
		}
		if (halfOpen) return;
		const resourceStore = this.api.store.resource(type.storage);
		// Subscribe first, then replay, all synchronously: nothing can fall in between.
		stream.subscribe(resourceStore.subscribe((event) => stream.deliver(event)));
		if (backlog) {
			for (const event of backlog) stream.deliver(event);
			// As cacheWatcher.processInterval: the watch's version is the last event replayed.
			if (backlog.length > 0) stream.advance(backlog.at(-1)!.rv);
		} else {
			for (const record of resourceStore.sorted()) stream.initial(record);
			if (sendInitial) stream.bookmark(this.api.store.rv, true);
		}
		const timeoutSeconds = query.timeoutSeconds !== undefined ? Number(query.timeoutSeconds) : 1800 * (1 + this.api.random.next());
		const opened = this.api.clock.now();
		if (timeoutSeconds > 0) stream.addTimer(this.api.clock.after(timeoutSeconds * 1000, finish));
		// Only the watch cache sends periodic bookmarks: a watch served from etcd (events) gets
		// one only for a progress notification, which the server does not ask etcd for on a
		// client's behalf (the cacher's own watch does: lister_watcher.go ProgressNotify).
		if (query.allowWatchBookmarks === 'true' && format !== 'table' && type.watchCache !== false) {
			stream.scheduleBookmarks(this.options.bookmarkIntervalMs ?? 60_000, timeoutSeconds > 0 ? opened + timeoutSeconds * 1000 : undefined);
		}
	}

	/** Resolves true as soon as the store reaches `rv`, false after blockTimeout (simulated). */
	private waitUntilFresh(rv: number): Promise<boolean> {
		const store = this.api.store;
		if (store.rv >= rv) return Promise.resolve(true);
		return new Promise((resolve) => {
			const done = (fresh: boolean) => {
				off();
				timer.cancel();
				resolve(fresh);
			};
			const off = store.onLive(() => {
				if (store.rv >= rv) done(true);
			});
			const timer = this.api.clock.after(BLOCK_TIMEOUT_MS, () => done(store.rv >= rv));
		});
	}

	private handleVirtual(req: IncomingMessage, res: ServerResponse, route: Route, query: Record<string, string>, ctx: RequestContext, bodyText: string): void {
		const {type, namespace, name} = route;
		void req;
		void query;
		if (type.kind === 'SelfSubjectAccessReview') {
			const body = this.parseJsonBody(bodyText);
			const spec = (body.spec ?? {}) as Obj;
			let allowed: boolean;
			if (spec.resourceAttributes) {
				const a = spec.resourceAttributes as Obj;
				allowed = this.options.authorizer.allowsResource(ctx.user, {verb: String(a.verb ?? ''), group: String(a.group ?? ''), resource: String(a.resource ?? ''), subresource: a.subresource || undefined, namespace: a.namespace ?? '', name: a.name || undefined});
			} else if (spec.nonResourceAttributes) {
				const a = spec.nonResourceAttributes as Obj;
				allowed = this.options.authorizer.allowsNonResource(ctx.user, {verb: String(a.verb ?? ''), path: String(a.path ?? '')});
			} else {
				throw errors.invalid(type, '', [{reason: 'FieldValueRequired', field: 'spec.resourceAttributes', message: 'Required value: exactly one of nonResourceAttributes or resourceAttributes must be specified'}]);
			}
			const response = {kind: 'SelfSubjectAccessReview', apiVersion: groupVersion(type), metadata: {creationTimestamp: null}, spec, status: allowed ? {allowed: true, reason: 'allowed by the simulator\'s RBAC table'} : {allowed: false}};
			this.sendJson(res, 201, JSON.stringify(response));
			return;
		}
		if (type.kind === 'SelfSubjectRulesReview') {
			const body = this.parseJsonBody(bodyText);
			const ns = String(body.spec?.namespace ?? '');
			const rules = this.options.authorizer.rules.filter((rule: RbacRule) => (rule.users ?? []).some((u) => u === '*' || u === ctx.user.name) || (rule.groups ?? []).some((g) => g === '*' || ctx.user.groups.includes(g)));
			const masters = ctx.user.groups.includes('system:masters');
			const resourceRules = masters ? [{verbs: ['*'], apiGroups: ['*'], resources: ['*']}] : rules.filter((r) => r.resources && (!r.namespaces || r.namespaces.includes(ns))).map((r) => ({verbs: r.verbs, apiGroups: r.apiGroups ?? ['*'], resources: r.resources, ...(r.resourceNames ? {resourceNames: r.resourceNames} : {})}));
			const nonResourceRules = masters ? [{verbs: ['*'], nonResourceURLs: ['*']}] : rules.filter((r) => r.nonResourceURLs).map((r) => ({verbs: r.verbs, nonResourceURLs: r.nonResourceURLs}));
			this.sendJson(res, 201, JSON.stringify({kind: 'SelfSubjectRulesReview', apiVersion: groupVersion(type), metadata: {creationTimestamp: null}, spec: {namespace: ns}, status: {resourceRules, nonResourceRules, incomplete: false}}));
			return;
		}
		if (type.group === 'metrics.k8s.io') {
			if (req.method !== 'GET') throw errors.methodNotAllowed();
			if (name) {
				const item = type.resource === 'pods' ? this.options.podMetrics(namespace || undefined, {name}).items[0] : this.options.nodeMetrics().find((i) => i.metadata?.name === name);
				if (!item) throw errors.notFound(type, name);
				this.sendJson(res, 200, JSON.stringify(item));
				return;
			}
			const limit = Number(query.limit ?? 0);
			let start = 0;
			if (query.continue) start = Number(Buffer.from(query.continue, 'base64').toString('utf8')) || 0;
			// Pod metrics build only the page asked for (see podMetrics); node metrics are few.
			const {items, total} = type.resource === 'pods'
				? this.options.podMetrics(namespace || undefined, {start, limit: limit > 0 ? limit : 0})
				: (() => {
					const all = this.options.nodeMetrics();
					return {items: all.slice(start, limit > 0 ? start + limit : undefined), total: all.length};
				})();
			const end = start + items.length;
			const metadata: Obj = {};
			if (end < total) metadata.continue = Buffer.from(String(end)).toString('base64');
			this.sendJson(res, 200, JSON.stringify({kind: `${type.kind}List`, apiVersion: groupVersion(type), metadata, items}));
			return;
		}
		throw errors.notFound(type, name ?? '');
	}

	private handleNonResource(_req: IncomingMessage, res: ServerResponse, path: string): void {
		if (path === '/version') {
			this.sendJson(res, 200, JSON.stringify({
				major: '1',
				minor: String(this.options.minor),
				gitVersion: this.options.gitVersion,
				gitCommit: '0000000000000000000000000000000000000000',
				gitTreeState: 'clean',
				buildDate: '2026-01-01T00:00:00Z',
				goVersion: 'go1.24.0',
				compiler: 'gc',
				platform: 'linux/amd64',
			}));
			return;
		}
		if (path === '/healthz' || path === '/readyz' || path === '/livez') {
			res.writeHead(200, {'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': 2});
			res.end('ok');
			return;
		}
		if (path === '/metrics') {
			const body = this.options.metricsText();
			(res as ServerResponse & {simBytes?: number}).simBytes = Buffer.byteLength(body);
			res.writeHead(200, {'Content-Type': 'text/plain; version=0.0.4; charset=utf-8', 'Content-Length': Buffer.byteLength(body)});
			res.end(body);
			return;
		}
		const discovery = this.discovery(path);
		if (discovery !== undefined) {
			this.sendJson(res, 200, JSON.stringify(discovery));
			return;
		}
		this.sendJson(res, 404, JSON.stringify(new ApiError(404, 'NotFound', 'the server could not find the requested resource').status()));
	}

	/** Legacy (unaggregated) discovery documents. */
	private discovery(path: string): Obj | undefined {
		const registry = this.api.registry;
		const segments = path.split('/').filter(Boolean);
		if (path === '/api' || path === '/api/') {
			return {kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{clientCIDR: '0.0.0.0/0', serverAddress: `127.0.0.1:${this.port}`}]};
		}
		const groupEntry = (group: string, versions: string[]) => ({
			name: group,
			versions: versions.map((v) => ({groupVersion: `${group}/${v}`, version: v})),
			preferredVersion: {groupVersion: `${group}/${versions[0]}`, version: versions[0]},
		});
		if (path === '/apis' || path === '/apis/') {
			return {kind: 'APIGroupList', apiVersion: 'v1', groups: registry.groups().filter((g) => g.group !== '').map((g) => groupEntry(g.group, g.versions))};
		}
		let group: string;
		let version: string;
		if (segments[0] === 'api' && segments.length === 2) {
			group = '';
			version = segments[1]!;
		} else if (segments[0] === 'apis' && segments.length === 2) {
			const entry = registry.groups().find((g) => g.group === segments[1]);
			return entry ? {kind: 'APIGroup', apiVersion: 'v1', ...groupEntry(entry.group, entry.versions)} : undefined;
		} else if (segments[0] === 'apis' && segments.length === 3) {
			group = segments[1]!;
			version = segments[2]!;
		} else return undefined;
		const types = registry.inGroupVersion(group, version);
		if (types.length === 0) return undefined;
		const resources: Obj[] = [];
		for (const type of types) {
			const entry: Obj = {name: type.resource, singularName: type.singular, namespaced: type.namespaced, kind: type.kind, verbs: type.verbs};
			if (type.shortNames) entry.shortNames = type.shortNames;
			if (type.categories) entry.categories = type.categories;
			resources.push(entry);
			for (const sub of type.subresources ?? []) {
				const subEntry: Obj = {name: `${type.resource}/${sub}`, singularName: '', namespaced: type.namespaced, kind: type.kind, verbs: ['get', 'patch', 'update']};
				if (sub === 'scale') Object.assign(subEntry, {group: 'autoscaling', version: 'v1', kind: 'Scale'});
				if (sub === 'eviction') Object.assign(subEntry, {group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create']});
				if (sub === 'binding') Object.assign(subEntry, {kind: 'Binding', verbs: ['create']});
				if (sub === 'log') Object.assign(subEntry, {verbs: ['get']});
				if (sub === 'finalize') Object.assign(subEntry, {verbs: ['update']});
				resources.push(subEntry);
			}
		}
		return {kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources};
	}

	private async handleAdmin(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
		const body = this.parseJsonBody(await this.readBody(req));
		const ok = (payload: Obj = {ok: true}) => this.sendJson(res, 200, JSON.stringify(payload));
		switch (`${req.method} ${path}`) {
			case 'GET /__sim/state': {
				const counts: Record<string, number> = {};
				for (const store of this.api.store.resources()) counts[store.storage] = store.size;
				ok({resourceVersion: this.api.store.rv, counts, openWatches: this.watches.size, faults: this.options.faults.settings, injected: this.options.faults.injected, simTime: this.api.clock.iso()});
				return;
			}
			case 'POST /__sim/faults':
				this.options.faults.set(body);
				if (body.down) this.dropConnections();
				ok({faults: this.options.faults.settings});
				return;
			case 'DELETE /__sim/faults':
				this.options.faults.clear();
				ok();
				return;
			case 'POST /__sim/drop-watches':
				ok({dropped: this.dropWatches()});
				return;
			case 'POST /__sim/go-down':
				// Answer first: after this the port refuses connections.
				ok();
				setTimeout(() => void this.goDown(), 10);
				return;
			case 'POST /__sim/close-watches':
				ok({closed: this.closeWatches()});
				return;
			case 'POST /__sim/snapshot':
				if (!this.options.backups) break;
				ok(this.options.backups.take());
				return;
			case 'POST /__sim/restore':
				if (!this.options.backups) break;
				try {
					ok(this.options.backups.restore(body));
				} catch (error) {
					this.sendJson(res, 400, JSON.stringify({error: (error as Error).message}));
				}
				return;
			case 'POST /__sim/expire-continue':
				this.api.store.expireAllSnapshots();
				ok();
				return;
			case 'POST /__sim/rbac':
				this.options.authorizer.setRules(body.rules ?? []);
				ok();
				return;
			case 'POST /__sim/tokens':
				for (const [token, user] of Object.entries((body.add ?? {}) as Record<string, UserInfo>)) this.options.authenticator.addToken(token, user);
				for (const token of (body.revoke ?? []) as string[]) this.options.authenticator.revokeToken(token);
				ok();
				return;
			default:
				break;
		}
		this.sendJson(res, 404, JSON.stringify({error: `no admin endpoint ${req.method} ${path}`}));
	}
}
