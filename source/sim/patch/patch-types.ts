/**
 * The four patch types of a PATCH request: the Content-Type that names each, and the
 * body checks the real server makes before applying one (a JSON patch must be an array,
 * a merge patch an object).
 */
import {applyServerSideApply} from '../apply/merge.js';
import type {TypeNode} from '../schema/types.js';
import {badRequest, PatchError} from './errors.js';
import {isJsonObject} from './json.js';
import {applyJsonPatch} from './json-patch.js';
import {applyJsonMergePatch} from './merge-patch.js';
import {applyStrategicMergePatch} from './strategic-merge-patch.js';

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

const contentTypes: ReadonlyArray<[string, PatchType]> = [
	['application/json-patch+json', 'json'],
	['application/merge-patch+json', 'merge'],
	['application/strategic-merge-patch+json', 'strategic'],
	['application/apply-patch+yaml', 'apply'],
];

/**
 * The patch type of a PATCH request's Content-Type ("; charset=..." ignored), or a 415
 * PatchError naming the accepted types. Custom resources (no schema) do not accept
 * strategic merge patch.
 */
export function patchTypeOf(contentType: string | undefined, hasSchema: boolean): PatchType {
	const bare = (contentType ?? '').split(';')[0]!.trim();
	const accepted = contentTypes.filter(([, type]) => hasSchema || type !== 'strategic');
	const match = accepted.find(([name]) => name === bare);
	if (match) return match[1];
	throw new PatchError(
		'unsupported',
		415,
		'UnsupportedMediaType',
		`the body of the request was in an unknown format - accepted media types include: ${accepted.map(([name]) => name).join(', ')}`,
	);
}

/**
 * Applies a decoded PATCH body of the given type to the live object, with the body
 * checks the real server makes (a JSON patch must be an array, a merge patch an
 * object). Apply bodies only get the merge; see applyServerSideApply.
 */
export function applyPatch(type: PatchType, live: unknown, body: unknown, schema: TypeNode | undefined): unknown {
	switch (type) {
		case 'json':
			return applyJsonPatch(live, body);
		case 'merge':
			if (Array.isArray(body)) {
				// json-patch turns the document into the array; decoding it as an object fails.
				throw new PatchError(
					'invalid',
					422,
					'Invalid',
					` "" is invalid: patch: Invalid value: ${JSON.stringify(JSON.stringify(body))}: json: cannot unmarshal array into Go value of type map[string]interface {}`,
				);
			}
			if (!isJsonObject(body)) throw badRequest('Invalid JSON Patch');
			return applyJsonMergePatch(live, body);
		case 'strategic':
			// A custom resource refuses the content type before reading the body.
			if (schema === undefined) patchTypeOf('application/strategic-merge-patch+json', false);
			return applyStrategicMergePatch(live, body, schema);
		case 'apply':
			return applyServerSideApply(live, body, schema);
	}
}
