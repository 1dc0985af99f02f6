/**
 * The Status bodies (kind Status, apiVersion v1) that kube-apiserver answers a failed request
 * with, as tests expect them; and the one a JSON patch gets when one of its tests fails:
 * 422 Invalid with a generic message and no details (why: source/plans/guarded-patch.ts).
 */
import type {Obj} from '../../source/formats/json-object.js';

export function failureStatus(code: number, reason: string, message: string, details: Obj = {}): Obj {
	return {kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, details, code};
}

export const FAILED_PATCH_TEST = failureStatus(422, 'Invalid', 'the server rejected our request due to an error in our request');
