/**
 * Writing responses: JSON bodies (their byte count kept on the response for the request
 * log), Status errors (with Retry-After on a 429), and one stored object in the format
 * the client negotiated (JSON, Table or PartialObjectMetadata).
 */
import type {ServerResponse} from 'node:http';
import type {SimApi} from '../api.js';
import {ApiError} from '../errors.js';
import type {ResourceType} from '../resources.js';
import type {StoredRecord} from '../store.js';
import {partialMetadata, tableColumnDefinitions, tableRow} from '../tables.js';
import type {Format} from './negotiate.js';
import type {Query} from './request.js';

type CountedResponse = ServerResponse & {simBytes?: number};

/** Records how many body bytes a response sent (for responses without a Content-Length). */
export function setResponseBytes(res: ServerResponse, bytes: number): void {
	(res as CountedResponse).simBytes = bytes;
}

/** The body bytes a response sent, as far as it is known. */
export function responseBytes(res: ServerResponse): number {
	return (res as CountedResponse).simBytes ?? Number(res.getHeader('content-length') ?? 0);
}

export function sendJson(res: ServerResponse, code: number, body: string, headers: Record<string, string> = {}): void {
	const bytes = Buffer.byteLength(body);
	setResponseBytes(res, bytes);
	res.writeHead(code, {'Content-Type': 'application/json', 'Content-Length': bytes, ...headers});
	res.end(body);
}

export function sendError(res: ServerResponse, error: ApiError): void {
	const headers: Record<string, string> = {};
	if (error.code === 429 && error.details?.retryAfterSeconds !== undefined) headers['Retry-After'] = String(error.details.retryAfterSeconds);
	sendJson(res, error.code, JSON.stringify(error.status()), headers);
}

/** The 404 for a path that names nothing the server serves. */
export function sendPathNotFound(res: ServerResponse): void {
	sendError(res, new ApiError(404, 'NotFound', 'the server could not find the requested resource'));
}

export function sendObject(api: SimApi, res: ServerResponse, code: number, type: ResourceType, record: StoredRecord, format: Format, query: Query): void {
	if (format === 'json') {
		sendJson(res, code, api.render(type, record));
		return;
	}
	const object = api.view(type, record);
	if (format === 'meta') {
		sendJson(res, code, JSON.stringify(partialMetadata(object)));
		return;
	}
	const table = {
		kind: 'Table',
		apiVersion: 'meta.k8s.io/v1',
		metadata: {resourceVersion: object.metadata?.resourceVersion},
		columnDefinitions: tableColumnDefinitions(type),
		rows: [tableRow(type, object, api.clock.now(), query.includeObject ?? 'Metadata')],
	};
	sendJson(res, code, JSON.stringify(table));
}
