/**
 * The writes: POST (create), PUT (update), PATCH, DELETE of one object and of a
 * collection, through the object operations in api.ts, with the warnings they raise as
 * `Warning: 299` headers.
 */
import type {IncomingMessage, ServerResponse} from 'node:http';
import type {DeleteOptions} from '../api-delete.js';
import type {RequestContext, SimApi} from '../api.js';
import {ApiError, errors} from '../errors.js';
import {groupVersion} from '../resources.js';
import {deleteOptionsOf, parseJsonBody, readBody, type Query, type Route} from './request.js';
import {sendJson} from './respond.js';
import {selectRecords} from './selection.js';
import type {Obj} from '../../formats/json-object.js';

/** A write to a resource route; reads the body first. */
export async function handleWrite(api: SimApi, req: IncomingMessage, res: ServerResponse, route: Route, query: Query, ctx: RequestContext): Promise<void> {
	const {type, namespace, name, subresource} = route;
	const method = (req.method ?? 'GET').toUpperCase();
	const bodyText = await readBody(req);
	if (method === 'POST') {
		if (name) throw errors.methodNotAllowed();
		const created = api.create(type, namespace, parseJsonBody(bodyText), ctx);
		sendJson(res, 201, JSON.stringify(created), warningHeaders(ctx));
		return;
	}
	if (method === 'PUT') {
		if (!name) throw errors.methodNotAllowed();
		const updated = api.update(type, namespace, name, parseJsonBody(bodyText), ctx, subresource);
		sendJson(res, 200, JSON.stringify(updated), warningHeaders(ctx));
		return;
	}
	if (method === 'PATCH') {
		if (!name) throw errors.methodNotAllowed();
		const patched = api.patch(type, namespace, name, String(req.headers['content-type'] ?? ''), bodyText, ctx, subresource);
		sendJson(res, 200, JSON.stringify(patched), warningHeaders(ctx));
		return;
	}
	if (method === 'DELETE') {
		const options = deleteOptionsOf(bodyText, query);
		if (name) {
			const result = api.delete(type, namespace, name, options, ctx);
			sendJson(res, result.code, JSON.stringify(result.body), warningHeaders(ctx));
			return;
		}
		const deleted = deleteCollection(api, route, query, options, ctx);
		sendJson(res, 200, JSON.stringify(deleted), warningHeaders(ctx));
		return;
	}
	throw errors.methodNotAllowed();
}

function warningHeaders(ctx: RequestContext): Record<string, string> {
	return ctx.warnings && ctx.warnings.length > 0 ? {Warning: ctx.warnings.map((w) => `299 - "${w}"`).join(', ')} : {};
}

function deleteCollection(api: SimApi, route: Route, query: Query, options: DeleteOptions, ctx: RequestContext): Obj {
	const {type} = route;
	const records = selectRecords(api, route, query);
	const items: Obj[] = [];
	for (const record of records) {
		try {
			const result = api.delete(type, record.namespace, record.name, options, ctx);
			items.push(result.body.kind === 'Status' ? api.view(type, record) : result.body);
		} catch (error) {
			if (!(error instanceof ApiError && error.code === 404)) throw error;
		}
	}
	return {kind: `${type.kind}List`, apiVersion: groupVersion(type), metadata: {resourceVersion: String(api.store.rv)}, items};
}
