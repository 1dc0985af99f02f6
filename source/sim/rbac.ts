/**
 * The simulator's authorizer: a table of allow rules (who, verbs, API groups, resources,
 * namespaces, non-resource URLs), evaluated like RBAC (allow-only, union of rules).
 * `system:masters` is always allowed. The default table allows everyone everything.
 * SelfSubjectAccessReview answers from the same table.
 */
import type {UserInfo} from './identity.js';

export interface RbacRule {
	/** User names, or "*". */
	users?: string[];
	/** Group names, or "*". */
	groups?: string[];
	verbs: string[];
	apiGroups?: string[];
	/** Resources, "resource/subresource", or "*". */
	resources?: string[];
	/** Namespaces the rule applies to; absent = all namespaces and cluster scope. */
	namespaces?: string[];
	resourceNames?: string[];
	nonResourceURLs?: string[];
}

export interface ResourceAttributes {
	verb: string;
	group: string;
	resource: string;
	subresource?: string;
	namespace?: string;
	name?: string;
}

export interface NonResourceAttributes {
	verb: string;
	path: string;
}

const DISCOVERY = ['/api', '/apis', '/version', '/healthz', '/livez', '/readyz', '/openapi'];

export const ALLOW_ALL: RbacRule[] = [{users: ['*'], verbs: ['*'], apiGroups: ['*'], resources: ['*'], nonResourceURLs: ['*']}];

function any(list: string[] | undefined, value: string): boolean {
	return list !== undefined && (list.includes('*') || list.includes(value));
}

function subjectMatches(rule: RbacRule, user: UserInfo): boolean {
	return any(rule.users, user.name) || (rule.groups ?? []).some((g) => g === '*' || user.groups.includes(g));
}

export class Authorizer {
	rules: RbacRule[];

	constructor(rules: RbacRule[] = ALLOW_ALL) {
		this.rules = rules;
	}

	/** Replace the table at run time (an RBAC change mid-run). */
	setRules(rules: RbacRule[]): void {
		this.rules = rules;
	}

	/** The rules that name this user or one of its groups (SelfSubjectRulesReview lists them). */
	rulesOf(user: UserInfo): RbacRule[] {
		return this.rules.filter((rule) => subjectMatches(rule, user));
	}

	allowsResource(user: UserInfo, attributes: ResourceAttributes): boolean {
		if (user.groups.includes('system:masters')) return true;
		const resource = attributes.subresource ? `${attributes.resource}/${attributes.subresource}` : attributes.resource;
		return this.rules.some(
			(rule) =>
				subjectMatches(rule, user) &&
				any(rule.verbs, attributes.verb) &&
				any(rule.apiGroups, attributes.group) &&
				(any(rule.resources, resource) || (attributes.subresource !== undefined && (rule.resources ?? []).includes(`*/${attributes.subresource}`))) &&
				(rule.namespaces === undefined ||
					(attributes.namespace !== undefined && attributes.namespace !== '' && rule.namespaces.includes(attributes.namespace))) &&
				(rule.resourceNames === undefined || (attributes.name !== undefined && rule.resourceNames.includes(attributes.name))),
		);
	}

	allowsNonResource(user: UserInfo, attributes: NonResourceAttributes): boolean {
		if (user.groups.includes('system:masters')) return true;
		// system:discovery and system:public-info-viewer are bound to every authenticated user.
		if (attributes.verb === 'get' && DISCOVERY.some((prefix) => attributes.path === prefix || attributes.path.startsWith(`${prefix}/`))) return true;
		return this.rules.some(
			(rule) =>
				subjectMatches(rule, user) &&
				any(rule.verbs, attributes.verb) &&
				(rule.nonResourceURLs ?? []).some(
					(url) => url === '*' || url === attributes.path || (url.endsWith('*') && attributes.path.startsWith(url.slice(0, -1))),
				),
		);
	}

	/** The message of a 403, worded as the real authorizer words it. */
	static forbiddenMessage(user: UserInfo, attributes: ResourceAttributes): string {
		const resource = attributes.subresource ? `${attributes.resource}/${attributes.subresource}` : attributes.resource;
		const what = attributes.name ? `${resource} "${attributes.name}"` : resource;
		const scope = attributes.namespace ? `in the namespace "${attributes.namespace}"` : 'at the cluster scope';
		return `${what} is forbidden: User "${user.name}" cannot ${attributes.verb} resource "${resource}" in API group "${attributes.group}" ${scope}`;
	}
}
