/**
 * JSON patch (RFC 6902) as gopkg.in/evanphx/json-patch.v4 applies it inside
 * kube-apiserver, quirks included: negative indexes, `replace` of a missing key, the
 * library's error texts (kept as a 422's detail), the 10,000-operation limit.
 * Nothing here mutates its inputs.
 */
import {badRequest, PatchError, unprocessable} from './errors.js';
import {cloneJson, hasOwn, isJsonObject, jsonEqual, jsonKindName, own, setKey, type JsonObject} from './json.js';
import {rawEqual, type RawJson} from './raw-json.js';

export interface JsonPatchOperation {
	op: string;
	path: string;
	from?: string;
	value?: unknown;
}

/** The most operations kube-apiserver accepts in one JSON patch. */
export const maxJsonPatchOperations = 10000;

/** A failed step of a JSON patch; becomes a 422 carrying this text. */
class JsonPatchFailure extends Error {}

type Container = JsonObject | unknown[];

function decodePointerToken(token: string): string {
	return token.replace(/~[01]/g, (escape) => (escape === '~1' ? '/' : '~'));
}

/** strconv.Atoi: an optional sign and decimal digits. */
function atoi(text: string): number {
	if (!/^[+-]?\d+$/.test(text)) throw new JsonPatchFailure(`strconv.Atoi: parsing ${JSON.stringify(text)}: invalid syntax`);
	const value = Number(text);
	if (!Number.isSafeInteger(value)) throw new JsonPatchFailure(`strconv.Atoi: parsing ${JSON.stringify(text)}: value out of range`);
	return value;
}

function invalidIndex(index: number): JsonPatchFailure {
	return new JsonPatchFailure(`Unable to access invalid index: ${index}: invalid index referenced`);
}

/** Reads a key; undefined stands for Go's nil (a missing key, or a JSON null). */
function containerGet(container: Container, key: string): unknown {
	if (!Array.isArray(container)) {
		const value = own(container, key);
		return value === null ? undefined : value;
	}
	let index = atoi(key);
	if (index < 0) {
		if (index < -container.length) throw invalidIndex(index);
		index += container.length;
	}
	if (index >= container.length) throw invalidIndex(index);
	const value = container[index];
	return value === null ? undefined : value;
}

function containerSet(container: Container, key: string, value: unknown): void {
	if (!Array.isArray(container)) {
		setKey(container, key, value);
		return;
	}
	let index = atoi(key);
	if (index < 0) {
		if (index < -container.length) throw invalidIndex(index);
		index += container.length;
	}
	container[index] = value;
}

function containerAdd(container: Container, key: string, value: unknown): void {
	if (!Array.isArray(container)) {
		setKey(container, key, value);
		return;
	}
	if (key === '-') {
		container.push(value);
		return;
	}
	let index: number;
	try {
		index = atoi(key);
	} catch (error) {
		throw new JsonPatchFailure(`value was not a proper array index: '${key}': ${(error as Error).message}`);
	}
	const size = container.length + 1;
	if (index >= size) throw invalidIndex(index);
	if (index < 0) {
		if (index < -size) throw invalidIndex(index);
		index += size;
	}
	container.splice(index, 0, value);
}

function containerRemove(container: Container, key: string): void {
	if (!Array.isArray(container)) {
		if (!hasOwn(container, key)) throw new JsonPatchFailure(`Unable to remove nonexistent key: ${key}: missing value`);
		delete container[key];
		return;
	}
	let index = atoi(key);
	if (index >= container.length) throw invalidIndex(index);
	if (index < 0) {
		if (index < -container.length) throw invalidIndex(index);
		index += container.length;
	}
	container.splice(index, 1);
}

/** The container holding the last token of a pointer, and that token; undefined if absent. */
function findContainer(root: Container, path: string): {container: Container; key: string} | undefined {
	const tokens = path.split('/');
	if (tokens.length < 2) return undefined;
	let current: Container = root;
	for (const token of tokens.slice(1, -1)) {
		let next: unknown;
		try {
			next = containerGet(current, decodePointerToken(token));
		} catch {
			return undefined;
		}
		if (!Array.isArray(next) && !isJsonObject(next)) return undefined;
		current = next;
	}
	return {container: current, key: decodePointerToken(tokens[tokens.length - 1]!)};
}

/** Reads a string field of an operation the way json-patch does; an error text on failure. */
function operationString(operation: JsonObject, field: 'path' | 'from'): {value: string} | {error: string} {
	const raw = own(operation, field);
	if (raw === undefined || raw === null) {
		return {error: field === 'path' ? 'operation missing path field: missing value' : 'operation, missing from field: missing value'};
	}
	if (typeof raw !== 'string') return {error: `json: cannot unmarshal ${jsonKindName(raw)} into Go value of type string`};
	return {value: raw};
}

function wrap(prefix: string, run: () => void): void {
	try {
		run();
	} catch (error) {
		if (error instanceof JsonPatchFailure) throw new JsonPatchFailure(`${prefix}${error.message}`);
		throw error;
	}
}

/**
 * Applies a JSON patch. As in kube-apiserver (json-patch v4): negative array indexes
 * count from the end, `replace` of a missing object key adds it, `test` of a missing
 * key passes when the expected value is null, and a body that is not an array is a
 * 400. Any failing operation fails the whole patch with a 422. Given the body's text
 * (`raw`), a `test` compares scalars by their text as the server does (see RawJson);
 * without it, by value.
 */
export function applyJsonPatch(target: unknown, operations: unknown, raw?: RawJson): unknown {
	if (operations === null) return cloneJson(target);
	if (!Array.isArray(operations)) {
		throw badRequest(`json: cannot unmarshal ${jsonKindName(operations)} into Go value of type jsonpatch.Patch`);
	}
	for (const operation of operations) {
		if (!isJsonObject(operation) && operation !== null) {
			throw badRequest(`json: cannot unmarshal ${jsonKindName(operation)} into Go value of type jsonpatch.Operation`);
		}
	}
	if (operations.length > maxJsonPatchOperations) {
		throw new PatchError(
			'invalid',
			413,
			'RequestEntityTooLarge',
			`Request entity too large: The allowed maximum operations in a JSON patch is ${maxJsonPatchOperations}, got ${operations.length}`,
		);
	}
	if (!Array.isArray(target) && !isJsonObject(target)) {
		throw unprocessable(`json: cannot unmarshal ${jsonKindName(target)} into Go value of type jsonpatch.partialDoc`);
	}
	const document = {root: cloneJson(target) as Container};
	const rawItems = raw?.kind === 'array' && raw.items.length === operations.length ? raw.items : undefined;
	try {
		(operations as Array<JsonObject | null>).forEach((operation, i) => {
			const rawOperation = rawItems?.[i];
			applyOperation(document, operation ?? {}, rawOperation?.kind === 'object' ? rawOperation.entries.get('value') : undefined);
		});
	} catch (error) {
		if (error instanceof JsonPatchFailure) throw unprocessable(error.message);
		throw error;
	}
	return document.root;
}

function applyOperation(document: {root: Container}, operation: JsonObject, rawValue?: RawJson): void {
	const op = typeof operation['op'] === 'string' ? operation['op'] : 'unknown';
	const hasValue = hasOwn(operation, 'value') && operation['value'] !== null;
	const value = hasValue ? cloneJson(operation['value']) : null;
	switch (op) {
		case 'add': {
			const path = operationString(operation, 'path');
			if ('error' in path) throw new JsonPatchFailure('add operation failed to decode path: missing value');
			const found = findContainer(document.root, path.value);
			if (!found) throw new JsonPatchFailure(`add operation does not apply: doc is missing path: "${path.value}": missing value`);
			wrap(`error in add for path: '${path.value}': `, () => containerAdd(found.container, found.key, value));
			return;
		}
		case 'remove': {
			const path = operationString(operation, 'path');
			if ('error' in path) throw new JsonPatchFailure('remove operation failed to decode path: missing value');
			const found = findContainer(document.root, path.value);
			if (!found) throw new JsonPatchFailure(`remove operation does not apply: doc is missing path: "${path.value}": missing value`);
			wrap(`error in remove for path: '${path.value}': `, () => containerRemove(found.container, found.key));
			return;
		}
		case 'replace': {
			const path = operationString(operation, 'path');
			if ('error' in path) throw new JsonPatchFailure(`replace operation failed to decode path: ${path.error}`);
			if (path.value === '') {
				if (!Array.isArray(value) && !isJsonObject(value)) {
					throw new JsonPatchFailure('replace operation value must be object or array');
				}
				document.root = value;
				return;
			}
			const found = findContainer(document.root, path.value);
			if (!found) throw new JsonPatchFailure(`replace operation does not apply: doc is missing path: ${path.value}: missing value`);
			try {
				containerGet(found.container, found.key);
			} catch {
				throw new JsonPatchFailure(`replace operation does not apply: doc is missing key: ${path.value}: missing value`);
			}
			wrap(`error in remove for path: '${path.value}': `, () => containerSet(found.container, found.key, value));
			return;
		}
		case 'move': {
			const from = operationString(operation, 'from');
			if ('error' in from) throw new JsonPatchFailure(`move operation failed to decode from: ${from.error}`);
			const source = findContainer(document.root, from.value);
			if (!source) throw new JsonPatchFailure(`move operation does not apply: doc is missing from path: ${from.value}: missing value`);
			let moved: unknown;
			wrap(`error in move for path: '${source.key}': `, () => {
				moved = containerGet(source.container, source.key);
				containerRemove(source.container, source.key);
			});
			const path = operationString(operation, 'path');
			if ('error' in path) throw new JsonPatchFailure(`move operation failed to decode path: ${path.error}`);
			const target = findContainer(document.root, path.value);
			if (!target) {
				throw new JsonPatchFailure(`move operation does not apply: doc is missing destination path: ${path.value}: missing value`);
			}
			wrap(`error in move for path: '${path.value}': `, () => containerAdd(target.container, target.key, moved ?? null));
			return;
		}
		case 'copy': {
			const from = operationString(operation, 'from');
			if ('error' in from) throw new JsonPatchFailure(`copy operation failed to decode from: ${from.error}`);
			const source = findContainer(document.root, from.value);
			if (!source) throw new JsonPatchFailure(`copy operation does not apply: doc is missing from path: ${from.value}: missing value`);
			let copied: unknown;
			wrap(`error in copy for from: '${from.value}': `, () => {
				copied = containerGet(source.container, source.key);
			});
			const path = operationString(operation, 'path');
			if ('error' in path) throw new JsonPatchFailure('copy operation failed to decode path: missing value');
			const target = findContainer(document.root, path.value);
			if (!target) {
				throw new JsonPatchFailure(`copy operation does not apply: doc is missing destination path: ${path.value}: missing value`);
			}
			wrap('error while adding value during copy: ', () => containerAdd(target.container, target.key, cloneJson(copied ?? null)));
			return;
		}
		case 'test': {
			const path = operationString(operation, 'path');
			if ('error' in path) throw new JsonPatchFailure(`test operation failed to decode path: ${path.error}`);
			const failed = new JsonPatchFailure(`testing value ${path.value} failed: test failed`);
			const equal = (actual: unknown): boolean => (rawValue !== undefined ? rawEqual(actual, rawValue) : jsonEqual(actual, value));
			if (path.value === '') {
				if (!equal(document.root)) throw failed;
				return;
			}
			const found = findContainer(document.root, path.value);
			if (!found) throw new JsonPatchFailure(`test operation does not apply: is missing path: ${path.value}: missing value`);
			let actual: unknown;
			wrap(`error in test for path: '${path.value}': `, () => {
				actual = containerGet(found.container, found.key);
			});
			if (actual === undefined) {
				if (!hasValue) return;
				throw failed;
			}
			if (!hasValue || !equal(actual)) throw failed;
			return;
		}
		default:
			throw new JsonPatchFailure(`Unexpected kind: ${op}`);
	}
}
