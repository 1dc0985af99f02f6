/** JSON merge patch (RFC 7386): objects merge key by key, null deletes, anything else replaces. */
import {cloneJson, isJsonObject, own, setKey, type JsonObject} from './json.js';

/** Applies a JSON merge patch: objects merge key by key, null deletes, anything else replaces. */
export function applyJsonMergePatch(target: unknown, patch: unknown): unknown {
	if (!isJsonObject(patch)) return cloneJson(patch);
	const out: JsonObject = isJsonObject(target) ? cloneJson(target) : {};
	mergePatchInto(out, patch);
	return out;
}

function mergePatchInto(target: JsonObject, patch: JsonObject): void {
	for (const key of Object.keys(patch)) {
		const value = patch[key];
		if (value === null) {
			delete target[key];
		} else if (isJsonObject(value)) {
			const current = own(target, key);
			if (isJsonObject(current)) {
				mergePatchInto(current, value);
			} else {
				setKey(target, key, applyJsonMergePatch(undefined, value));
			}
		} else {
			setKey(target, key, cloneJson(value));
		}
	}
}
