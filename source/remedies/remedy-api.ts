/**
 * The cluster side of the remedy engine: GET the live object, send an operation (with
 * dryRun=All for dry runs: the same request otherwise) and ask SelfSubjectAccessReview —
 * through the gentle client, so a remedy's requests share the session's budget.
 *
 * Bodies are written as Go's encoding/json writes them (<, >, &, U+2028 and U+2029 as
 * \u escapes; the same JSON value). kube-apiserver runs a JSON patch against the object
 * encoded that way, and json-patch v4 compares a `test` of a string by its raw bytes
 * (lazyNode.equal: bytes.Equal of the compacted text), so a tested value holding `&` would
 * fail against the server's `\u0026` if it were sent as JavaScript writes it.
 */
import type {AccessChecker} from '../kube/access.js';
import {ApiStatusError, type KubeClient} from '../kube/client.js';
import type {Operation} from '../plans/request.js';
import type {Obj} from '../formats/json-object.js';
import type {RemedyApi} from './types.js';

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
			return client.send<Obj>(operation.method, operation.path, operation.body === undefined ? undefined : goJsonText(operation.body), {
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

/** JSON text as Go's encoding/json writes it (HTML-safe escapes; a JSON text has these characters only inside strings). */
export function goJsonText(value: unknown): string {
	return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
