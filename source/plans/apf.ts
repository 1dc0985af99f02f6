/**
 * Throttle a client with API Priority and Fairness: a PriorityLevelConfiguration of its
 * own (Limited, 5 nominal shares, nothing lent, Reject when full) and a FlowSchema that puts
 * the client's service account (or user) there for LIST and WATCH, named after the subject,
 * with a matchingPrecedence just ahead of the built-in schema that classifies it today
 * (never ahead of exempt/probes, and under 900 for kube-system service accounts). Uses
 * flowcontrol v1 (GA 1.29), or v1beta3 where discovery says so. Undo deletes both. The
 * remedy that asks for the parameters and states the risk is throttle-client in
 * source/remedies/catalog.ts.
 */
import type {ClusterState} from '../model/state.js';
import type {SlimFlowSchema} from '../model/slim.js';
import {serviceAccountOf} from '../model/users.js';
import {type Operation, resourcePath} from './request.js';
import type {Obj} from '../formats/json-object.js';

export const THROTTLE_SHARES = 5;

/** The FlowSchema that classifies a user today: the matching one with the lowest precedence. */
export function matchingFlowSchema(state: ClusterState, user: string, groups: readonly string[]): SlimFlowSchema | undefined {
	const sa = serviceAccountOf(user);
	const matches = (schema: SlimFlowSchema): boolean =>
		schema.subjects.some((subject) => {
			const [kind, rest = ''] = subject.split(/:(.*)/s) as [string, string];
			if (kind === 'User') return rest === '*' || rest === user;
			if (kind === 'Group') return rest === '*' || groups.includes(rest);
			if (kind === 'ServiceAccount' && sa) {
				const [namespace, name] = rest.split('/');
				return namespace === sa.namespace && (name === '*' || name === sa.name);
			}
			return false;
		});
	return [...state.flowSchemas.values()].filter((schema) => schema.resourceRules !== false && matches(schema)).sort((a, b) => a.precedence - b.precedence)[0];
}

function slug(text: string): string {
	return (
		text
			.toLowerCase()
			.replace(/[^a-z0-9-]+/g, '-')
			.replace(/^-+|-+$/g, '')
			.slice(0, 40)
			.replace(/-+$/, '') || 'client'
	);
}

/** The objects and the precedence reasoning for throttling `user`. */
export function throttlePlan(
	state: ClusterState,
	user: string,
	options: {shares?: number; version?: string} = {},
): {priorityLevel: Obj; flowSchema: Obj; precedence: number; reason: string} {
	const sa = serviceAccountOf(user);
	const groups = sa ? ['system:serviceaccounts', `system:serviceaccounts:${sa.namespace}`, 'system:authenticated'] : ['system:authenticated'];
	const current = matchingFlowSchema(state, user, groups);
	// Ahead of what matches today; the built-in exempt (1) and probes (2) stay first, and
	// kube-system service accounts are matched by kube-system-service-accounts at 900.
	let precedence = current ? Math.max(3, current.precedence - 100) : 1000;
	if (current && precedence >= current.precedence) precedence = Math.max(3, current.precedence - 1);
	if (sa?.namespace === 'kube-system') precedence = Math.min(precedence, 899);
	const name = `assure-throttle-${slug(sa ? `${sa.namespace}-${sa.name}` : user)}`;
	const version = options.version ?? 'v1';
	const apiVersion = `flowcontrol.apiserver.k8s.io/${version}`;
	const labels = {'app.kubernetes.io/managed-by': 'kubectl-assure'};
	const priorityLevel = {
		apiVersion,
		kind: 'PriorityLevelConfiguration',
		metadata: {name, labels},
		spec: {type: 'Limited', limited: {nominalConcurrencyShares: options.shares ?? THROTTLE_SHARES, lendablePercent: 0, limitResponse: {type: 'Reject'}}},
	};
	const subject = sa ? {kind: 'ServiceAccount', serviceAccount: {namespace: sa.namespace, name: sa.name}} : {kind: 'User', user: {name: user}};
	const flowSchema = {
		apiVersion,
		kind: 'FlowSchema',
		metadata: {name, labels},
		spec: {
			priorityLevelConfiguration: {name},
			matchingPrecedence: precedence,
			distinguisherMethod: {type: 'ByUser'},
			rules: [{subjects: [subject], resourceRules: [{verbs: ['list', 'watch'], apiGroups: ['*'], resources: ['*'], clusterScope: true, namespaces: ['*']}]}],
		},
	};
	const reason = current
		? `matchingPrecedence ${precedence}: ahead of ${current.name} (${current.precedence}, priority level ${current.priorityLevel}), which classifies it today`
		: `matchingPrecedence ${precedence}: no schema matched it in the cached state`;
	return {priorityLevel, flowSchema, precedence, reason};
}

function create(object: Obj, resource: string, version: string): Operation {
	return {
		method: 'POST',
		path: resourcePath('flowcontrol.apiserver.k8s.io', version, resource, undefined),
		contentType: 'application/json',
		body: object,
		target: {kind: String(object.kind), name: String(object.metadata.name)},
		description: `create ${String(object.kind)} ${String(object.metadata.name)}`,
		resource: {group: 'flowcontrol.apiserver.k8s.io', resource},
		verb: 'create',
	};
}

/** The two creates that throttle a client: its PriorityLevelConfiguration, then its FlowSchema. */
export function throttleOperations(plan: {priorityLevel: Obj; flowSchema: Obj}, version: string): Operation[] {
	return [create(plan.priorityLevel, 'prioritylevelconfigurations', version), create(plan.flowSchema, 'flowschemas', version)];
}
