/**
 * Request decoding: the path of an /api or /apis request as a route (group, version,
 * resource, namespace, name, subresource, and the legacy /watch/ form), the query, the
 * verb, and the body (size limit, media type, JSON; DeleteOptions from body and query).
 */
import type {IncomingMessage} from 'node:http';
import type {DeleteOptions} from '../api-delete.js';
import {ApiError, errors} from '../errors.js';
import {decodeAuthorizationReview, PROTOBUF_CONTENT_TYPE, ProtobufError} from '../protobuf.js';
import type {ResourceRegistry, ResourceType} from '../resources.js';
import type {Obj} from '../../formats/json-object.js';

export interface Route {
	kind: 'resource';
	group: string;
	version: string;
	type: ResourceType;
	namespace: string;
	name?: string;
	subresource?: string;
	legacyWatch: boolean;
}

export type Query = Record<string, string>;

const MAX_BODY = 3 * 1024 * 1024;

/** The query parameters; a repeated one keeps its last value. */
export function queryOf(url: URL): Query {
	const query: Query = {};
	for (const [key, value] of url.searchParams) query[key] = value;
	return query;
}

/** The route of a resource path, or undefined when it names no served resource. */
export function routeOf(registry: ResourceRegistry, path: string): Route | undefined {
	const segments = path
		.split('/')
		.filter(Boolean)
		.map((s) => decodeURIComponent(s));
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
		const candidate = registry.get(group, version, rest[2]!);
		if (candidate?.namespaced) {
			namespace = rest[1]!;
			rest = rest.slice(2);
		}
	}
	const type = registry.get(group, version, rest[0] ?? '');
	if (!type || rest.length > 3) return undefined;
	if (namespace && !type.namespaced) return undefined;
	return {kind: 'resource', group, version, type, namespace, name: rest[1], subresource: rest[2], legacyWatch};
}

/** A GET that asks for a watch: the legacy /watch/ path or the watch parameter. */
export function isWatchRequest(method: string, route: Route, query: Query): boolean {
	return method === 'GET' && (route.legacyWatch || query.watch === 'true' || query.watch === '1');
}

/** The authorization verb of a resource request. */
export function verbOf(method: string, isWatch: boolean, name: string | undefined): string {
	return method === 'GET'
		? isWatch
			? 'watch'
			: name
				? 'get'
				: 'list'
		: method === 'POST'
			? 'create'
			: method === 'PUT'
				? 'update'
				: method === 'PATCH'
					? 'patch'
					: method === 'DELETE'
						? name
							? 'delete'
							: 'deletecollection'
						: method.toLowerCase();
}

/** The body as text; a protobuf body (the authorization reviews) is decoded to its JSON. */
export function readBody(req: IncomingMessage): Promise<string> {
	return readRaw(req).then((buffer) => {
		const contentType = String(req.headers['content-type'] ?? '')
			.split(';')[0]!
			.trim()
			.toLowerCase();
		if (contentType !== PROTOBUF_CONTENT_TYPE) return buffer.toString('utf8');
		try {
			return JSON.stringify(decodeAuthorizationReview(buffer));
		} catch (error) {
			if (error instanceof ProtobufError) throw errors.unsupportedMediaType(contentType, ['application/json', 'application/yaml']);
			throw error;
		}
	});
}

function readRaw(req: IncomingMessage): Promise<Buffer> {
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

/** A JSON body as an object; an empty body is an empty object. */
export function parseJsonBody(text: string): Obj {
	if (text.trim() === '') return {};
	try {
		return JSON.parse(text) as Obj;
	} catch (error) {
		throw errors.badRequest(`the object provided is unrecognized: ${(error as Error).message}`);
	}
}

/** DeleteOptions from the body, with gracePeriodSeconds and propagationPolicy also taken from the query. */
export function deleteOptionsOf(bodyText: string, query: Query): DeleteOptions {
	const body = parseJsonBody(bodyText);
	const options: DeleteOptions = {};
	const grace = body.gracePeriodSeconds ?? (query.gracePeriodSeconds !== undefined ? Number(query.gracePeriodSeconds) : undefined);
	if (grace !== undefined) options.gracePeriodSeconds = Number(grace);
	const policy = body.propagationPolicy ?? query.propagationPolicy;
	if (policy !== undefined) {
		if (!['Background', 'Foreground', 'Orphan'].includes(policy))
			throw errors.badRequest(
				`DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "${String(policy)}": supported values: "Foreground", "Background", "Orphan", "nil"`,
			);
		options.propagationPolicy = policy;
	}
	if (body.orphanDependents !== undefined) options.orphanDependents = Boolean(body.orphanDependents);
	if (body.preconditions) options.preconditions = body.preconditions;
	if ((body.dryRun ?? []).includes?.('All')) options.dryRun = true;
	return options;
}
