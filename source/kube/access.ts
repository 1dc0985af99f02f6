/**
 * "May I?" — SelfSubjectAccessReview for each verb and resource the product uses, cached
 * for the session, so panes and remedies the user cannot use are not offered (and say why).
 * In --read-only mode no review is sent (it is a POST); reads are judged by their answers.
 */
import {accessKey, type AccessAnswer} from '../model/state.js';
import {ApiStatusError, type KubeClient} from './client.js';

export interface AccessQuestion {
	verb: string;
	group: string;
	resource: string;
	subresource?: string;
	namespace?: string;
	name?: string;
}

export class AccessChecker {
	private readonly cache = new Map<string, Promise<AccessAnswer>>();
	reviews = 0;

	constructor(
		private readonly client: KubeClient,
		private readonly readOnly: boolean,
		private readonly record?: (key: string, answer: AccessAnswer) => void,
	) {}

	static key(q: AccessQuestion): string {
		return accessKey(q.verb, q.group, q.subresource ? `${q.resource}/${q.subresource}` : q.resource, q.namespace);
	}

	can(question: AccessQuestion): Promise<AccessAnswer> {
		const key = AccessChecker.key(question);
		let answer = this.cache.get(key);
		if (!answer) {
			answer = this.ask(question);
			this.cache.set(key, answer);
			answer.then(
				(a) => this.record?.(key, a),
				() => undefined,
			);
		}
		return answer;
	}

	private async ask(q: AccessQuestion): Promise<AccessAnswer> {
		const mutating = !['get', 'list', 'watch'].includes(q.verb);
		if (this.readOnly) return mutating ? {allowed: false, reason: 'read-only mode'} : {allowed: true, reason: 'not checked (read-only mode)'};
		this.reviews++;
		try {
			const review = await this.client.send<{status?: {allowed?: boolean; denied?: boolean; reason?: string; evaluationError?: string}}>(
				'POST',
				'/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
				{
					apiVersion: 'authorization.k8s.io/v1',
					kind: 'SelfSubjectAccessReview',
					spec: {
						resourceAttributes: {
							verb: q.verb,
							group: q.group,
							resource: q.resource,
							...(q.subresource ? {subresource: q.subresource} : {}),
							...(q.namespace ? {namespace: q.namespace} : {}),
							...(q.name ? {name: q.name} : {}),
						},
					},
				},
				{what: 'access review'},
			);
			const allowed = Boolean(review.status?.allowed);
			const scope = q.namespace ? `in namespace ${q.namespace}` : 'cluster-wide';
			return {
				allowed,
				reason: allowed
					? review.status?.reason
					: review.status?.reason || `RBAC does not allow ${q.verb} on ${q.group ? `${q.resource}.${q.group}` : q.resource} ${scope}`,
			};
		} catch (error) {
			if ((error as Error).name === 'AbortError') throw error;
			// The review itself failed: do not hide anything on a guess; the request will tell.
			return {allowed: true, reason: `not checked: ${error instanceof ApiStatusError ? error.reason : (error as Error).message}`};
		}
	}
}
