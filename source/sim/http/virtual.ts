/**
 * The kinds the server answers without storing them: SelfSubjectAccessReview and
 * SelfSubjectRulesReview (from the simulator's RBAC table), and metrics.k8s.io's
 * PodMetrics and NodeMetrics (from the simulated usage, paged like a LIST).
 */
import type {IncomingMessage, ServerResponse} from 'node:http';
import type {RequestContext} from '../api.js';
import {errors} from '../errors.js';
import {groupVersion, type ResourceType} from '../resources.js';
import {parseJsonBody, type Query, type Route} from './request.js';
import {sendJson} from './respond.js';
import type {SimServer} from './server.js';
import type {Obj} from '../../formats/json-object.js';

/** A request for one of these kinds (its body already read). */
export function handleVirtual(
	server: SimServer,
	req: IncomingMessage,
	res: ServerResponse,
	route: Route,
	query: Query,
	ctx: RequestContext,
	bodyText: string,
): void {
	const {type} = route;
	if (type.kind === 'SelfSubjectAccessReview') {
		accessReview(server, res, type, ctx, bodyText);
		return;
	}
	if (type.kind === 'SelfSubjectRulesReview') {
		rulesReview(server, res, type, ctx, bodyText);
		return;
	}
	if (type.group === 'metrics.k8s.io') {
		if (req.method !== 'GET') throw errors.methodNotAllowed();
		resourceMetrics(server, res, route, query);
		return;
	}
	throw errors.notFound(type, route.name ?? '');
}

function accessReview(server: SimServer, res: ServerResponse, type: ResourceType, ctx: RequestContext, bodyText: string): void {
	const {authorizer} = server.options;
	const body = parseJsonBody(bodyText);
	const spec = (body.spec ?? {}) as Obj;
	let allowed: boolean;
	if (spec.resourceAttributes) {
		const a = spec.resourceAttributes as Obj;
		allowed = authorizer.allowsResource(ctx.user, {
			verb: String(a.verb ?? ''),
			group: String(a.group ?? ''),
			resource: String(a.resource ?? ''),
			subresource: a.subresource || undefined,
			namespace: a.namespace ?? '',
			name: a.name || undefined,
		});
	} else if (spec.nonResourceAttributes) {
		const a = spec.nonResourceAttributes as Obj;
		allowed = authorizer.allowsNonResource(ctx.user, {verb: String(a.verb ?? ''), path: String(a.path ?? '')});
	} else {
		throw errors.invalid(type, '', [
			{
				reason: 'FieldValueRequired',
				field: 'spec.resourceAttributes',
				message: 'Required value: exactly one of nonResourceAttributes or resourceAttributes must be specified',
			},
		]);
	}
	const response = {
		kind: 'SelfSubjectAccessReview',
		apiVersion: groupVersion(type),
		metadata: {creationTimestamp: null},
		spec,
		status: allowed ? {allowed: true, reason: "allowed by the simulator's RBAC table"} : {allowed: false},
	};
	sendJson(res, 201, JSON.stringify(response));
}

function rulesReview(server: SimServer, res: ServerResponse, type: ResourceType, ctx: RequestContext, bodyText: string): void {
	const body = parseJsonBody(bodyText);
	const ns = String(body.spec?.namespace ?? '');
	const rules = server.options.authorizer.rulesOf(ctx.user);
	const masters = ctx.user.groups.includes('system:masters');
	const resourceRules = masters
		? [{verbs: ['*'], apiGroups: ['*'], resources: ['*']}]
		: rules
				.filter((r) => r.resources && (!r.namespaces || r.namespaces.includes(ns)))
				.map((r) => ({verbs: r.verbs, apiGroups: r.apiGroups ?? ['*'], resources: r.resources, ...(r.resourceNames ? {resourceNames: r.resourceNames} : {})}));
	const nonResourceRules = masters
		? [{verbs: ['*'], nonResourceURLs: ['*']}]
		: rules.filter((r) => r.nonResourceURLs).map((r) => ({verbs: r.verbs, nonResourceURLs: r.nonResourceURLs}));
	sendJson(
		res,
		201,
		JSON.stringify({
			kind: 'SelfSubjectRulesReview',
			apiVersion: groupVersion(type),
			metadata: {creationTimestamp: null},
			spec: {namespace: ns},
			status: {resourceRules, nonResourceRules, incomplete: false},
		}),
	);
}

function resourceMetrics(server: SimServer, res: ServerResponse, route: Route, query: Query): void {
	const {type, namespace, name} = route;
	const {podMetrics, nodeMetrics} = server.options;
	if (name) {
		const item = type.resource === 'pods' ? podMetrics(namespace || undefined, {name}).items[0] : nodeMetrics().find((i) => i.metadata?.name === name);
		if (!item) throw errors.notFound(type, name);
		sendJson(res, 200, JSON.stringify(item));
		return;
	}
	const limit = Number(query.limit ?? 0);
	let start = 0;
	if (query.continue) start = Number(Buffer.from(query.continue, 'base64').toString('utf8')) || 0;
	// Pod metrics build only the page asked for (see podMetrics); node metrics are few.
	const {items, total} =
		type.resource === 'pods'
			? podMetrics(namespace || undefined, {start, limit: limit > 0 ? limit : 0})
			: (() => {
					const all = nodeMetrics();
					return {items: all.slice(start, limit > 0 ? start + limit : undefined), total: all.length};
				})();
	const end = start + items.length;
	const metadata: Obj = {};
	if (end < total) metadata.continue = Buffer.from(String(end)).toString('base64');
	sendJson(res, 200, JSON.stringify({kind: `${type.kind}List`, apiVersion: groupVersion(type), metadata, items}));
}
