/**
 * What the server keeps of each request, filled in as the request goes through
 * authentication, faults and authorization: the request log line, the audit hook's
 * completed request, and apiserver_request_total. A watch is recorded when its stream
 * opens and again when it ends.
 */
import type {IncomingMessage, ServerResponse} from 'node:http';
import type {UserInfo} from '../identity.js';
import type {Query, Route} from './request.js';
import {responseBytes} from './respond.js';
import type {ServerOptions} from './server.js';

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

export class RequestRecord {
	private readonly startedAt = Date.now();
	private readonly receivedMs: number;
	readonly userAgent: string;
	user: UserInfo | undefined;
	verb: string;
	/** The fault injected instead of an answer ('429', '503', ...). */
	fault: string | undefined;
	isWatch = false;
	route: Route | undefined;
	decision: 'allow' | 'forbid' | undefined;

	constructor(
		private readonly options: Pick<ServerOptions, 'requestLog' | 'onRequest' | 'countRequest'>,
		private readonly now: () => number,
		private readonly req: IncomingMessage,
		private readonly res: ServerResponse,
		readonly method: string,
		readonly path: string,
		readonly query: Query,
		private readonly auditID: string,
	) {
		this.receivedMs = now();
		this.userAgent = String(req.headers['user-agent'] ?? '');
		this.verb = method.toLowerCase();
	}

	/** Records the request as it stands: its status and bytes so far (a watch's from `watchBytes`). */
	log(stage?: 'ResponseStarted' | 'ResponseComplete', watchBytes?: number): void {
		const {req, res, method, path, query, userAgent, user, verb, route} = this;
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
			bytes: watchBytes ?? responseBytes(res),
			durationMs: Date.now() - this.startedAt,
			...(this.isWatch ? {watch: true, stage} : {}),
			...(this.fault ? {fault: this.fault} : {}),
		});
		if (this.options.onRequest && user && !path.startsWith('/__sim')) {
			this.options.onRequest({
				user,
				verb,
				method,
				requestURI: req.url ?? path,
				userAgent,
				sourceIP: req.socket.remoteAddress ?? '127.0.0.1',
				code: status,
				receivedMs: this.receivedMs,
				completedMs: this.now(),
				stage: stage ?? 'ResponseComplete',
				auditID: this.auditID,
				objectRef: route
					? {
							resource: route.type.resource,
							namespace: route.namespace || undefined,
							name: route.name,
							apiGroup: route.group || undefined,
							apiVersion: route.version,
							subresource: route.subresource,
						}
					: undefined,
				decision: this.decision,
			});
		}
		if (route && this.options.countRequest) {
			this.options.countRequest({
				verb: this.isWatch ? 'WATCH' : verb === 'list' ? 'LIST' : verb === 'get' ? 'GET' : method,
				group: route.group,
				version: route.version,
				resource: route.type.resource,
				subresource: route.subresource ?? '',
				scope: route.name ? 'resource' : route.namespace ? 'namespace' : 'cluster',
				code: status,
				dryRun: query.dryRun === 'All',
			});
		}
	}
}
