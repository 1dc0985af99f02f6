/**
 * PATCH bodies for the simulated API: the four content types a real server accepts (three
 * for custom resources, which have no strategic merge), the body decoded and turned into the
 * change to make to the live object, the checks a server-side apply needs first (a field
 * manager, the name on the URL), and the Status a refused patch is answered with.
 */
import {parse as parseYaml} from 'yaml';
import type {RequestContext} from './api.js';
import {applyServerSideApply} from './apply/merge.js';
import {ApiError, errors} from './errors.js';
import {PatchError} from './patch/errors.js';
import {applyJsonPatch} from './patch/json-patch.js';
import {applyJsonMergePatch} from './patch/merge-patch.js';
import {parseRawJson, type RawJson} from './patch/raw-json.js';
import {applyStrategicMergePatch} from './patch/strategic-merge-patch.js';
import {schemaFor} from './schema/kinds.js';
import {groupVersion, type ResourceType} from './resources.js';
import type {Obj} from '../formats/json-object.js';

export const PATCH_TYPES = {
	json: 'application/json-patch+json',
	merge: 'application/merge-patch+json',
	strategic: 'application/strategic-merge-patch+json',
	apply: 'application/apply-patch+yaml',
} as const;

/** The Status a real server answers a refused patch with. */
export function fromPatchError(error: PatchError, type: ResourceType, name: string): ApiError {
	if (error.anonymous) return new ApiError(error.code, error.reason, error.message, {});
	const causes = error.causes.map((c) => ({reason: c.type ?? 'FieldValueInvalid', message: c.message, ...(c.field ? {field: c.field} : {})}));
	return new ApiError(error.code, error.reason, error.message, {
		name,
		group: type.group || undefined,
		kind: type.resource,
		...(causes.length > 0 ? {causes} : {}),
	});
}

/** A decoded patch: the change to the live object, and how the write records it. */
export interface DecodedPatch {
	mutate: (live: Obj) => Obj;
	options: {operation: 'Update' | 'Apply'; applied: Obj | undefined; createIfMissing: boolean};
}

/** Decode a PATCH body of one of the four content types; anything else is a 415. */
export function decodePatch(type: ResourceType, name: string, contentType: string, bodyText: string, ctx: RequestContext): DecodedPatch {
	const mediaType = contentType.split(';')[0]!.trim().toLowerCase();
	const accepted = type.custom
		? [PATCH_TYPES.json, PATCH_TYPES.merge, PATCH_TYPES.apply]
		: [PATCH_TYPES.json, PATCH_TYPES.merge, PATCH_TYPES.strategic, PATCH_TYPES.apply];
	if (!(accepted as string[]).includes(mediaType)) throw errors.unsupportedMediaType(mediaType, accepted);
	let body: unknown;
	try {
		body = mediaType === PATCH_TYPES.apply ? parseYaml(bodyText) : JSON.parse(bodyText);
	} catch (error) {
		throw errors.badRequest(`error decoding patch: ${(error as Error).message.split('\n')[0]}`);
	}
	const schema = schemaFor(groupVersion(type), type.kind);
	let raw: RawJson | undefined;
	const rawText = (): RawJson | undefined => {
		try {
			raw ??= parseRawJson(bodyText);
		} catch {
			raw = undefined;
		}
		return raw;
	};
	const apply = (live: Obj): Obj => {
		try {
			switch (mediaType) {
				case PATCH_TYPES.json:
					if (!Array.isArray(body)) throw errors.badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
					// With the body's text: json-patch v4 compares test values by their bytes.
					return applyJsonPatch(live, body, rawText()) as Obj;
				case PATCH_TYPES.merge:
					if (!body || typeof body !== 'object' || Array.isArray(body))
						throw errors.badRequest('json: cannot unmarshal into a map: the patch must be a JSON object');
					return applyJsonMergePatch(live, body) as Obj;
				case PATCH_TYPES.strategic:
					if (!body || typeof body !== 'object' || Array.isArray(body))
						throw errors.badRequest('json: cannot unmarshal into a map: the patch must be a JSON object');
					return applyStrategicMergePatch(live, body as Obj, schema) as Obj;
				default:
					if (!body || typeof body !== 'object' || Array.isArray(body)) throw errors.badRequest('the applied configuration must be an object');
					return applyServerSideApply(live, body as Obj, schema) as Obj;
			}
		} catch (error) {
			if (error instanceof PatchError) throw fromPatchError(error, type, name);
			throw error;
		}
	};
	if (mediaType === PATCH_TYPES.apply) {
		if (!ctx.fieldManager)
			throw errors.invalid(type, name, [{reason: 'FieldValueRequired', field: 'fieldManager', message: 'Required value: is required for apply patch'}]);
		const applied = body as Obj;
		if (applied.metadata?.name !== undefined && applied.metadata.name !== name)
			throw errors.badRequest(`the name of the object (${String(applied.metadata.name)}) does not match the name on the URL (${name})`);
	}
	return {
		mutate: apply,
		options: {
			operation: mediaType === PATCH_TYPES.apply ? 'Apply' : 'Update',
			applied: mediaType === PATCH_TYPES.apply ? (body as Obj) : undefined,
			createIfMissing: mediaType === PATCH_TYPES.apply,
		},
	};
}
