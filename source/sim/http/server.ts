/**
 * The simulated API server's HTTP server: connections (HTTP or HTTPS with client
 * certificates), going down and coming back, the open watches, and the way every
 * request goes — recorded, delayed by the latency fault, authenticated, refused by an
 * injected fault, authorized — to its handler: discovery and the other non-resource
 * paths, GET and LIST, WATCH, the writes, the kinds that are never stored, and the
 * simulator's own /__sim/ control endpoints.
 */
import {createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http';
import {createServer as createHttpsServer} from 'node:https';
import type {Socket} from 'node:net';
import type {RequestContext, SimApi} from '../api.js';
import type {Authenticator} from '../auth.js';
import {ApiError, errors} from '../errors.js';
import type {Faults} from '../faults.js';
import type {UserInfo} from '../identity.js';
import {Authorizer} from '../rbac.js';
import type {RequestLog} from '../request-log.js';
import type {ResourceType} from '../resources.js';
import type {Obj} from '../../formats/json-object.js';
import {parseFieldSelector, SelectorError} from '../selectors.js';
import {handleControl} from './control.js';
import {discoveryDocument} from './discovery.js';
import {handleGet, handleList} from './list.js';
import {handleNonResource} from './non-resource.js';
import {isWatchRequest, queryOf, readBody, routeOf, verbOf} from './request.js';
import {type CompletedRequest, RequestRecord} from './request-record.js';
import {sendError, sendJson, sendPathNotFound} from './respond.js';
import {handleVirtual} from './virtual.js';
import {handleWatch} from './watch.js';
import type {WatchStream} from './watch-stream.js';
import {handleWrite} from './writes.js';
import type {RequestLabels} from '../metrics.js';

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
	countRequest?: (labels: RequestLabels) => void;
	/** Called on 429s injected by the throttle fault. */
	countRejection?: (user: UserInfo) => void;
	/** Called for every event sent on a watch. */
	countWatchEvent?: (type: ResourceType) => void;
}

export class SimServer {
	readonly api: SimApi;
	private readonly server: Server;
	private readonly sockets = new Set<Socket>();
	readonly watches = new Set<WatchStream>();
	private auditSeq = 0;
	private port = 0;

	constructor(
		readonly options: ServerOptions,
		tls?: {cert: string; key: string; ca: string},
	) {
		this.api = options.api;
		const handler = (req: IncomingMessage, res: ServerResponse) => {
			this.handle(req, res).catch((error: unknown) => {
				if (!res.headersSent) sendError(res, error instanceof ApiError ? error : errors.internal((error as Error).message));
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
		options.faults.onDown(() => this.dropConnections());
		if (tls)
			this.server.on('connection', (socket: Socket) => {
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
		return this.endWatches(true);
	}

	/** End every open watch cleanly, as a watch timeout does: clients re-watch from their last version. */
	closeWatches(): number {
		return this.endWatches(false);
	}

	private endWatches(abrupt: boolean): number {
		const n = this.watches.size;
		for (const watch of [...this.watches]) watch.close(abrupt);
		return n;
	}

	/** Stop listening and cut every connection: clients get ECONNREFUSED until comeBack(). */
	async goDown(): Promise<void> {
		this.dropWatches();
		this.dropConnections();
		if (this.server.listening) await new Promise<void>((resolve) => this.server.close(() => resolve()));
	}

	/** Listen again on the same port after goDown(). */
	async comeBack(): Promise<void> {
		await this.listen(this.port);
	}

	async close(): Promise<void> {
		await this.goDown();
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

	private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
		const url = new URL(req.url ?? '/', 'http://sim');
		const path = url.pathname;
		const method = (req.method ?? 'GET').toUpperCase();
		const auditID = `${(++this.auditSeq).toString(16).padStart(8, '0')}-sim0-4000-a000-${this.port.toString(16).padStart(12, '0')}`;
		const record = new RequestRecord(this.options, () => this.api.clock.now(), req, res, method, path, queryOf(url), auditID);
		let watchStarted = false;
		res.on('finish', () => {
			// A watch logs when its stream opens and when it ends; one refused before it opened
			// (403, 429, a fault) is logged here, once, as a request that never started.
			if (!record.isWatch || !watchStarted) record.log();
		});

		const latency = this.options.faults.settings.latencyMs ?? 0;
		if (latency > 0 && !path.startsWith('/__sim')) await new Promise((resolve) => setTimeout(resolve, latency));

		if (path.startsWith('/__sim/')) {
			await handleControl(this, req, res, path);
			return;
		}

		const user = this.options.authenticator.authenticate(req);
		record.user = user;
		if (!user) {
			sendError(res, errors.unauthorized());
			return;
		}
		if (this.injectFault(record, user, res)) return;

		if ((!path.startsWith('/api/') && !path.startsWith('/apis/')) || path === '/api' || path === '/apis') {
			if (!this.options.authorizer.allowsNonResource(user, {verb: record.verb, path})) {
				record.decision = 'forbid';
				sendError(res, errors.forbidden(`forbidden: User "${user.name}" cannot ${record.verb} path "${path}"`));
				return;
			}
			record.decision = 'allow';
			handleNonResource(this, res, path);
			return;
		}
		await this.handleResource(record, user, req, res, () => {
			watchStarted = true;
		});
	}

	/** Answers with the throttle or error fault when one is due for this path; true when it did. */
	private injectFault(record: RequestRecord, user: UserInfo, res: ServerResponse): boolean {
		const {faults} = this.options;
		const throttle = faults.shouldThrottle(record.path);
		if (throttle !== undefined) {
			record.fault = '429';
			this.options.countRejection?.(user);
			sendError(res, errors.tooManyRequests(throttle));
			return true;
		}
		const errorCode = faults.shouldError(record.path);
		if (errorCode === undefined) return false;
		record.fault = String(errorCode);
		const error =
			errorCode === 503
				? errors.unavailable('the server is currently unable to handle the request')
				: errorCode === 504
					? errors.timeout('the server was unable to return a response in the time allotted, but may still be processing the request')
					: new ApiError(errorCode, 'InternalError', 'Internal error occurred: injected fault');
		sendError(res, error);
		return true;
	}

	/** A request under /api/ or /apis/: routed, authorized, then handled by its verb. */
	private async handleResource(record: RequestRecord, user: UserInfo, req: IncomingMessage, res: ServerResponse, watchOpened: () => void): Promise<void> {
		const {method, path, query} = record;
		const route = routeOf(this.api.registry, path);
		record.route = route;
		if (!route) {
			const discovery = discoveryDocument(this.api.registry, path, this.port);
			if (discovery !== undefined) {
				record.decision = 'allow';
				sendJson(res, 200, JSON.stringify(discovery));
				return;
			}
			sendPathNotFound(res);
			return;
		}

		const {type, namespace, name, subresource} = route;
		const isWatch = isWatchRequest(method, route, query);
		record.isWatch = isWatch;
		const verb = verbOf(method, isWatch, name);
		record.verb = verb;
		if (!type.verbs.includes(verb) && !(subresource && ['get', 'update', 'patch'].includes(verb))) {
			sendError(res, errors.methodNotAllowed());
			return;
		}
		const attributes = {
			verb,
			group: type.group,
			resource: type.resource,
			subresource,
			namespace,
			name:
				name ??
				(isWatch
					? parseFieldSelector(query.fieldSelector, ['metadata.name', 'metadata.namespace', ...Object.keys(type.fieldLabels?.({}) ?? {})])?.pinned(
							'metadata.name',
						)
					: undefined),
		};
		if (type.kind !== 'SelfSubjectAccessReview' && type.kind !== 'SelfSubjectRulesReview' && !this.options.authorizer.allowsResource(user, attributes)) {
			record.decision = 'forbid';
			sendError(res, errors.forbidden(Authorizer.forbiddenMessage(user, attributes), type, name));
			return;
		}
		record.decision = 'allow';

		const ctx: RequestContext = {
			user,
			userAgent: record.userAgent,
			fieldManager: query.fieldManager,
			dryRun: query.dryRun === 'All',
			force: query.force === 'true',
			warnings: [],
		};
		if (query.dryRun !== undefined && query.dryRun !== 'All' && query.dryRun !== '') {
			sendError(
				res,
				errors.invalid(type, name ?? '', [
					{reason: 'FieldValueNotSupported', field: 'dryRun', message: `Unsupported value: "${query.dryRun}": supported values: "All"`},
				]),
			);
			return;
		}

		try {
			if (type.virtual) {
				handleVirtual(this, req, res, route, query, ctx, await readBody(req));
				return;
			}
			if (method !== 'GET') {
				await handleWrite(this.api, req, res, route, query, ctx);
				return;
			}
			if (isWatch) {
				await handleWatch(
					this,
					req,
					res,
					route,
					query,
					() => {
						watchOpened();
						record.log('ResponseStarted');
					},
					(bytes) => record.log('ResponseComplete', bytes),
				);
				return;
			}
			if (name) handleGet(this.api, req, res, route, query);
			else await handleList(this.api, req, res, route, query);
		} catch (error) {
			if (error instanceof ApiError) {
				sendError(res, error);
				return;
			}
			if (error instanceof SelectorError) {
				sendError(res, errors.badRequest(error.message));
				return;
			}
			throw error;
		}
	}
}
