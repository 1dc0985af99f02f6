/**
 * GET of one object and LIST of many: paged with limit and continue over a consistent
 * snapshot (remainingItemCount when no selector narrows it), resourceVersion and
 * resourceVersionMatch as the watch cache serves them (resourceVersion=0 ignores limit),
 * and large lists written in chunks so watches keep flowing meanwhile.
 */
import type {IncomingMessage, ServerResponse} from 'node:http';
import type {SimApi} from '../api.js';
import {errors} from '../errors.js';
import {groupVersion} from '../resources.js';
import type {StoredRecord} from '../store.js';
import {partialMetadata, tableColumnDefinitions, tableRow} from '../tables.js';
import {negotiate} from './negotiate.js';
import type {Query, Route} from './request.js';
import {sendJson, sendObject, setResponseBytes} from './respond.js';
import {selectionOf} from './selection.js';
import {tooLargeResourceVersion, waitUntilFresh} from './watch-cache.js';
import type {Obj} from '../../formats/json-object.js';

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

/** GET of one object, or of its status or scale. */
export function handleGet(api: SimApi, req: IncomingMessage, res: ServerResponse, route: Route, query: Query): void {
	const {type, namespace, subresource} = route;
	const name = route.name ?? '';
	const format = negotiate(req.headers.accept, false, true);
	if (!format) throw errors.notAcceptable(String(req.headers.accept));
	if (subresource === 'scale') {
		sendJson(res, 200, JSON.stringify(api.getScale(type, namespace, name)));
		return;
	}
	if (subresource && subresource !== 'status') throw errors.notFound(type, name);
	const record = api.record(type, namespace, name);
	if (!record) throw errors.notFound(type, name);
	sendObject(api, res, 200, type, record, format, query);
}

/** LIST of a collection, in pages when a limit is given. */
export async function handleList(api: SimApi, req: IncomingMessage, res: ServerResponse, route: Route, query: Query): Promise<void> {
	const {type} = route;
	const format = negotiate(req.headers.accept, true, false);
	if (!format) throw errors.notAcceptable(String(req.headers.accept));
	const limit = query.limit !== undefined && query.limit !== '' ? Number(query.limit) : 0;
	if (!Number.isFinite(limit) || limit < 0) throw errors.badRequest(`limit must be a non-negative integer`);
	const rvParam = query.resourceVersion;
	const match = query.resourceVersionMatch;
	if (match && !['NotOlderThan', 'Exact'].includes(match))
		throw errors.badRequest(`resourceVersionMatch: Unsupported value: "${match}": supported values: "Exact", "NotOlderThan"`);
	if (match && (rvParam === undefined || rvParam === '')) throw errors.badRequest('resourceVersionMatch is forbidden unless resourceVersion is provided');
	const store = api.store;
	let records: StoredRecord[];
	let listRv = store.rv;
	let start = 0;
	let snapshotId: string | undefined;
	const {filter, selected} = selectionOf(api, route, query);
	const signature = `${route.type.storage}|${route.namespace}|${query.labelSelector ?? ''}|${query.fieldSelector ?? ''}`;
	if (query.continue) {
		if (rvParam !== undefined && rvParam !== '') throw errors.badRequest('specifying resource version is not allowed when using continue');
		const token = decodeContinue(query.continue);
		const snapshot = store.snapshot(token.s);
		if (!snapshot || snapshot.signature !== signature) {
			throw errors.expired(
				'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
			);
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
			if (wanted > store.rv && !(await waitUntilFresh(api, wanted))) throw tooLargeResourceVersion(wanted, store.rv);
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
		if (!snapshotId) snapshotId = store.createSnapshot(records, signature, api.clock.now()).id;
		nextToken = encodeContinue({v: 'meta.k8s.io/v1', rv: listRv, start: records[end - 1]!.key, s: snapshotId});
		if (!selected) remaining = records.length - end;
	} else if (snapshotId) store.dropSnapshot(snapshotId);
	const metadata: Obj = {resourceVersion: String(listRv)};
	if (nextToken) metadata.continue = nextToken;
	if (remaining !== undefined) metadata.remainingItemCount = remaining;
	const page = records.slice(start, end);
	const now = api.clock.now();
	let head: string;
	let render: (record: StoredRecord) => string;
	if (format === 'json') {
		head = `{"kind":"${type.kind}List","apiVersion":"${groupVersion(type)}","metadata":${JSON.stringify(metadata)},"items":[`;
		render = (record) => api.render(type, record);
	} else if (format === 'meta') {
		head = `{"kind":"PartialObjectMetadataList","apiVersion":"meta.k8s.io/v1","metadata":${JSON.stringify(metadata)},"items":[`;
		render = (record) => JSON.stringify(partialMetadata(api.view(type, record)));
	} else {
		head = `{"kind":"Table","apiVersion":"meta.k8s.io/v1","metadata":${JSON.stringify(metadata)},"columnDefinitions":${JSON.stringify(tableColumnDefinitions(type))},"rows":[`;
		render = (record) => JSON.stringify(tableRow(type, api.view(type, record), now, query.includeObject ?? 'Metadata'));
	}
	await streamList(res, head, page, render, ']}');
}

/** Write a list in chunks, yielding to the event loop so watches keep flowing during a huge LIST. */
async function streamList(res: ServerResponse, head: string, records: StoredRecord[], render: (record: StoredRecord) => string, tail: string): Promise<void> {
	if (records.length <= 500) {
		const body = head + records.map(render).join(',') + tail;
		sendJson(res, 200, body);
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
		const chunk =
			(i > 0 ? ',' : '') +
			records
				.slice(i, i + 500)
				.map(render)
				.join(',');
		if (!write(chunk)) await new Promise((resolve) => res.once('drain', resolve));
		else await new Promise((resolve) => setImmediate(resolve));
		if (res.destroyed) return;
	}
	write(tail);
	res.end();
	setResponseBytes(res, bytes);
}
