/**
 * The cluster side of the remedy engine: GET the live object, send an operation (with
 * dryRun=All for dry runs) and ask SelfSubjectAccessReview — through the gentle client, so
 * a remedy's requests share the session's budget.
 */
import type {Operation, RemedyApi} from '../remedies/types.js';
import type {AccessChecker} from './access.js';
import {ApiStatusError, type KubeClient} from './client.js';

type Obj = Record<string, any>;

export function remedyApi(client: KubeClient, access: AccessChecker, serverMinor?: number): RemedyApi {
	return {
		async get(path) {
			try {
				return await client.getJson<Obj>(path, {what: `read ${path}`, maxAttempts: 3, urgent: true});
			} catch (error) {
				if (error instanceof ApiStatusError && error.status === 404) return undefined;
				throw error;
			}
		},
		async send(operation: Operation, {dryRun}) {
			return client.send<Obj>(operation.method, operation.path, operation.body, {
				contentType: operation.contentType ?? 'application/json',
				query: {...(dryRun ? {dryRun: 'All'} : {}), ...(operation.method === 'DELETE' ? {} : {fieldManager: 'kubectl-assure'})},
				what: operation.description,
				urgent: true,
			});
		},
		can(question) {
			return access.can(question);
		},
		budget: {qps: client.options.qps ?? 5, burst: client.options.burst ?? 10},
		serverMinor,
		now: () => client.clock.now(),
	};
}
