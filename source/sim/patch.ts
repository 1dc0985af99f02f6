/**
 * The ways a kube-apiserver changes a stored object on PATCH, reproduced where a client
 * can tell the difference: JSON merge patch (RFC 7386), JSON patch (RFC 6902 as
 * gopkg.in/evanphx/json-patch.v4 applies it, quirks included), strategic merge patch
 * (k8s.io/apimachinery strategicpatch, directives included) and an approximation of
 * server-side apply's merge. Errors carry the HTTP status and Status reason the real
 * server answers with.
 *
 * Objects are plain JSON values. Nothing here mutates its inputs, and every result is a
 * fresh value that shares no structure with them.
 */
import {childNode, isAtomic, type ListNode, type TypeNode} from './schema/types.js';

export type JsonObject = {[key: string]: unknown};

// ---------------------------------------------------------------------------------------
// Errors

export type PatchErrorKind = 'invalid' | 'conflict' | 'unsupported';

/** One entry of a Status' details.causes. */
export interface StatusCause {
	type?: string;
	message: string;
	field?: string;
}

/**
 * A patch the server refuses. `code` and `reason` are what the real kube-apiserver puts
 * in the Status it answers with (reason '' is how it reports plain internal errors, for
 * instance a strategic merge patch item without its merge key, which it answers with 500).
 */
export class PatchError extends Error {
	override readonly name = 'PatchError';
	readonly kind: PatchErrorKind;
	readonly code: number;
	readonly reason: string;
	readonly causes: readonly StatusCause[];
	/**
	 * What went wrong, when the server does not say it: the json-patch library's error text
	 * for a JSON patch that did not apply (for tests and debugging; never in the Status).
	 */
	readonly detail?: string;
	/** The Status names no object: its details are empty (no group, kind or name). */
	readonly anonymous: boolean;

	constructor(kind: PatchErrorKind, code: number, reason: string, message: string, causes: readonly StatusCause[] = [], options: {detail?: string; anonymous?: boolean} = {}) {
		super(message);
		this.kind = kind;
		this.code = code;
		this.reason = reason;
		this.causes = causes;
		if (options.detail !== undefined) this.detail = options.detail;
		this.anonymous = options.anonymous ?? false;
	}
}

/** 400 BadRequest: the body could not be understood. */
function badRequest(message: string): PatchError {
	return new PatchError('invalid', 400, 'BadRequest', message);
}

/**
 * A JSON patch that did not apply (a failed test, a missing path, a bad index): kube-apiserver
 * answers errors.NewGenericServerResponse(422, "", schema.GroupResource{}, "", err.Error(), 0,
 * false) (staging/src/k8s.io/apiserver/pkg/endpoints/handlers/patch.go, applyJSPatch):
 * reason Invalid, a fixed message, and — isUnexpectedResponse being false — no causes and
 * empty details. The library's error text is not in the response; it is kept as `detail`.
 */
function unprocessable(detail: string): PatchError {
	return new PatchError('invalid', 422, 'Invalid', 'the server rejected our request due to an error in our request', [], {detail, anonymous: true});
}

/** An error the real server passes on without a Status: 500 with an empty reason. */
function plainError(message: string): PatchError {
	return new PatchError('invalid', 500, '', message);
}

// ---------------------------------------------------------------------------------------
// JSON helpers

export function isJsonObject(value: unknown): value is JsonObject {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function hasOwn(object: JsonObject, key: string): boolean {
	return Object.prototype.hasOwnProperty.call(object, key);
}

function own(object: JsonObject, key: string): unknown {
	return hasOwn(object, key) ? object[key] : undefined;
}

/** Sets a key, even "__proto__", as an own enumerable property. */
function setKey(object: JsonObject, key: string, value: unknown): void {
	if (key === '__proto__') {
		Object.defineProperty(object, key, {value, writable: true, enumerable: true, configurable: true});
	} else {
		object[key] = value;
	}
}

/** A deep copy of a JSON value. */
export function cloneJson<T>(value: T): T {
	if (Array.isArray(value)) return value.map((item) => cloneJson(item)) as T;
	if (isJsonObject(value)) {
		const out: JsonObject = {};
		for (const key of Object.keys(value)) setKey(out, key, cloneJson(value[key]));
		return out as T;
	}
	return value;
}

/** Structural equality of two JSON values (key order does not matter). */
export function jsonEqual(a: unknown, b: unknown): boolean {
	if (a === b) return true;
	if (Array.isArray(a)) {
		if (!Array.isArray(b) || a.length !== b.length) return false;
		for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
		return true;
	}
	if (isJsonObject(a)) {
		if (!isJsonObject(b)) return false;
		const keys = Object.keys(a);
		if (keys.length !== Object.keys(b).length) return false;
		for (const key of keys) {
			if (!hasOwn(b, key) || !jsonEqual(a[key], b[key])) return false;
		}
		return true;
	}
	return false;
}

/** The Go type encoding/json decodes a value to, as reflect prints it. */
function goTypeName(value: unknown): string {
	if (value === null || value === undefined) return '<nil>';
	if (Array.isArray(value)) return '[]interface {}';
	if (isJsonObject(value)) return 'map[string]interface {}';
	if (typeof value === 'string') return 'string';
	if (typeof value === 'boolean') return 'bool';
	if (typeof value === 'number') return Number.isInteger(value) ? 'int64' : 'float64';
	return typeof value;
}

/** The JSON kind Go names in "cannot unmarshal X into Go value" errors. */
function jsonKindName(value: unknown): string {
	if (Array.isArray(value)) return 'array';
	if (isJsonObject(value)) return 'object';
	if (typeof value === 'boolean') return 'bool';
	return typeof value;
}

function goFloat(value: number): string {
	const text = String(value);
	return text.replace(/e([+-])(\d)$/, 'e$10$2');
}

/** Formats a JSON value the way Go's %v prints decoded JSON, for error messages. */
export function goFormat(value: unknown): string {
	if (value === null || value === undefined) return '<nil>';
	if (typeof value === 'number') return Number.isInteger(value) ? String(value) : goFloat(value);
	if (typeof value === 'string') return value;
	if (typeof value === 'boolean') return String(value);
	if (Array.isArray(value)) return `[${value.map((item) => goFormat(item)).join(' ')}]`;
	if (isJsonObject(value)) {
		const keys = Object.keys(value).sort();
		return `map[${keys.map((key) => `${key}:${goFormat(value[key])}`).join(' ')}]`;
	}
	return String(value);
}

/** A string identifying a scalar by type and value, for use as a Map key. */
function scalarKey(value: unknown): string {
	switch (typeof value) {
		case 'string':
			return `s${value}`;
		case 'number':
			return `n${value}`;
		case 'boolean':
			return `b${value}`;
		default:
			return value === null || value === undefined ? 'z' : `j${JSON.stringify(value)}`;
	}
}

// ---------------------------------------------------------------------------------------
// JSON merge patch (RFC 7386)

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

// ---------------------------------------------------------------------------------------
// JSON patch (RFC 6902, as json-patch v4 applies it inside kube-apiserver)

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
 * A JSON value as its text spells it: scalars keep their text. json-patch v4 compares a
 * `test` value with the document scalar by scalar, byte for byte (lazyNode.equal:
 * bytes.Equal of the compacted raw text), so `600.0` is not `600` and `"a&b"` is not the
 * server's `"a\u0026b"` (the document is the object as Go's encoding/json writes it).
 */
export type RawJson = {kind: 'scalar'; text: string} | {kind: 'array'; items: RawJson[]} | {kind: 'object'; entries: Map<string, RawJson>};

/** Parses a JSON text keeping each scalar's text; throws a SyntaxError on text JSON.parse would refuse. */
export function parseRawJson(text: string): RawJson {
	let at = 0;
	const fail = (): never => {
		throw new SyntaxError(`unexpected input at ${at}`);
	};
	const space = (): void => {
		while (at < text.length && ' \t\n\r'.includes(text[at]!)) at++;
	};
	const stringEnd = (): number => {
		let i = at + 1;
		while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
		if (i >= text.length) fail();
		return i + 1;
	};
	const value = (): RawJson => {
		space();
		const c = text[at];
		if (c === '{') {
			at++;
			const entries = new Map<string, RawJson>();
			space();
			if (text[at] === '}') {
				at++;
				return {kind: 'object', entries};
			}
			for (;;) {
				space();
				if (text[at] !== '"') fail();
				const end = stringEnd();
				const key = JSON.parse(text.slice(at, end)) as string;
				at = end;
				space();
				if (text[at] !== ':') fail();
				at++;
				entries.set(key, value());
				space();
				if (text[at] === ',') {
					at++;
					continue;
				}
				if (text[at] !== '}') fail();
				at++;
				return {kind: 'object', entries};
			}
		}
		if (c === '[') {
			at++;
			const items: RawJson[] = [];
			space();
			if (text[at] === ']') {
				at++;
				return {kind: 'array', items};
			}
			for (;;) {
				items.push(value());
				space();
				if (text[at] === ',') {
					at++;
					continue;
				}
				if (text[at] !== ']') fail();
				at++;
				return {kind: 'array', items};
			}
		}
		if (c === '"') {
			const end = stringEnd();
			const raw = text.slice(at, end);
			at = end;
			return {kind: 'scalar', text: raw};
		}
		const match = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null/y;
		match.lastIndex = at;
		const found = match.exec(text);
		if (!found) fail();
		at += found![0].length;
		return {kind: 'scalar', text: found![0]};
	};
	const out = value();
	space();
	if (at !== text.length) fail();
	return out;
}

/** json-patch v4's equality of a document value and a test value given as text (see RawJson). */
function rawEqual(document: unknown, raw: RawJson): boolean {
	if (Array.isArray(document)) return raw.kind === 'array' && raw.items.length === document.length && document.every((item, i) => rawEqual(item, raw.items[i]!));
	if (isJsonObject(document)) {
		if (raw.kind !== 'object') return false;
		const keys = Object.keys(document);
		if (keys.length !== raw.entries.size) return false;
		return keys.every((key) => {
			const other = raw.entries.get(key);
			if (other === undefined) return false;
			// A JSON null decodes to a nil node on both sides; nil equals only nil.
			const nil = document[key] === null;
			const otherNil = other.kind === 'scalar' && other.text === 'null';
			if (nil || otherNil) return nil === otherNil;
			return rawEqual(document[key], other);
		});
	}
	return raw.kind === 'scalar' && goJson(document) === raw.text;
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

// ---------------------------------------------------------------------------------------
// Strategic merge patch

const directiveMarker = '$patch';
const retainKeysDirective = '$retainKeys';
const deleteFromPrimitiveListPrefix = '$deleteFromPrimitiveList';
const setElementOrderPrefix = '$setElementOrder';

function isDirectiveKey(key: string): boolean {
	return (
		key === directiveMarker ||
		key === retainKeysDirective ||
		key.startsWith(deleteFromPrimitiveListPrefix) ||
		key.startsWith(setElementOrderPrefix)
	);
}

/**
 * Applies a strategic merge patch against a kind's schema: lists merge by key where
 * the schema says so and are replaced otherwise, null deletes, and the directives
 * `$patch` (replace | delete on maps and list items), `$retainKeys`,
 * `$deleteFromPrimitiveList/<field>` and `$setElementOrder/<field>` work as in
 * kube-apiserver. `$patch: merge` is refused as the real server refuses it. New list
 * items keep the server's order rules (a new item without `$setElementOrder` lands
 * first). Unknown fields are kept; directive keys and nulls never reach the result.
 */
export function applyStrategicMergePatch(target: unknown, patch: unknown, schema: TypeNode | undefined): JsonObject {
	if (patch === null) return isJsonObject(target) ? cloneJson(target) : {};
	if (!isJsonObject(patch)) {
		throw badRequest(`json: cannot unmarshal ${jsonKindName(patch)} into Go value of type map[string]interface {}`);
	}
	const original = isJsonObject(target) ? cloneJson(target) : {};
	return mergeMap(original, cloneJson(patch), schema);
}

function noMergeKey(item: unknown, mergeKey: string): PatchError {
	return plainError(`map: ${goFormat(item)} does not contain declared merge key: ${mergeKey}`);
}

function badArgType(expected: string, actual: unknown): PatchError {
	return plainError(`expected a ${expected}, but received a ${goTypeName(actual)}`);
}

/** Trims "$prefix/" off a directive key. */
function extractKey(key: string, prefix: string): string {
	const slash = key.indexOf('/');
	if (slash < 0 || key.slice(0, slash) !== prefix) {
		if (prefix === deleteFromPrimitiveListPrefix) throw badRequest('invalid patch format of primitive list');
		throw badRequest('invalid patch format of setElementOrder list');
	}
	return key.slice(slash + 1);
}

/**
 * What a typed object keeps of a raw patch value: null fields and directive keys
 * vanish, everything else stays (the server round-trips through Go structs).
 */
function typedValue(value: unknown): unknown {
	if (Array.isArray(value)) return value.map((item) => typedValue(item));
	if (!isJsonObject(value)) return value;
	const out: JsonObject = {};
	for (const key of Object.keys(value)) {
		const item = value[key];
		if (item === null || isDirectiveKey(key)) continue;
		setKey(out, key, typedValue(item));
	}
	return out;
}

/**
 * A patch value for a key the live object lacks: maps carrying `$patch` are dropped
 * (strategicpatch's removeDirectives), then it is made typed.
 */
function newValue(value: unknown): {keep: boolean; value?: unknown} {
	if (Array.isArray(value)) {
		const out: unknown[] = [];
		for (const item of value) {
			const kept = newValue(item);
			if (kept.keep) out.push(kept.value);
		}
		return {keep: true, value: out};
	}
	if (!isJsonObject(value)) return {keep: true, value};
	if (hasOwn(value, directiveMarker)) return {keep: false};
	const out: JsonObject = {};
	for (const key of Object.keys(value)) {
		const item = value[key];
		if (item === null || isDirectiveKey(key)) continue;
		const kept = newValue(item);
		if (kept.keep) setKey(out, key, kept.value);
	}
	return {keep: true, value: out};
}

/** The Go type of a decoded JSON value, which decides whether values merge or replace. */
function goKind(value: unknown): string {
	if (value === null || value === undefined) return 'nil';
	if (Array.isArray(value)) return 'slice';
	if (isJsonObject(value)) return 'map';
	if (typeof value === 'number') return Number.isInteger(value) ? 'int64' : 'float64';
	return typeof value;
}

function mergeMap(original: JsonObject, patch: JsonObject, node: TypeNode | undefined): JsonObject {
	if (hasOwn(patch, directiveMarker)) {
		const directive = patch[directiveMarker];
		if (directive === 'replace') {
			delete patch[directiveMarker];
			return typedValue(patch) as JsonObject;
		}
		if (directive === 'delete') return {};
		throw plainError(`unknown patch type: ${goFormat(directive)} in map: ${goFormat(patch)}`);
	}
	applyRetainKeys(original, patch);
	applySetElementOrder(original, patch, node);

	// Go visits map keys in random order; deletions from primitive lists go first here.
	const keys = Object.keys(patch).sort((a, b) => {
		const da = a.startsWith(deleteFromPrimitiveListPrefix) ? 0 : 1;
		const db = b.startsWith(deleteFromPrimitiveListPrefix) ? 0 : 1;
		return da - db;
	});
	for (const patchKey of keys) {
		const patchValue = patch[patchKey];
		let key = patchKey;
		let isDeleteList = false;
		if (patchKey.startsWith(deleteFromPrimitiveListPrefix)) {
			key = extractKey(patchKey, deleteFromPrimitiveListPrefix);
			isDeleteList = true;
		}
		if (patchValue === null) {
			delete original[key];
			continue;
		}
		if (!hasOwn(original, key) || goKind(original[key]) !== goKind(patchValue)) {
			if (!isDeleteList) {
				const kept = newValue(patchValue);
				if (kept.keep) setKey(original, key, kept.value);
				else delete original[key];
			}
			continue;
		}
		const child = childNode(node, key);
		const current = original[key];
		if (isJsonObject(patchValue)) {
			const replace = child?.kind === 'map' && child.patchStrategy === 'replace';
			setKey(original, key, replace ? typedValue(patchValue) : mergeMap(current as JsonObject, patchValue, child));
		} else if (Array.isArray(patchValue)) {
			const listNode = child?.kind === 'list' ? child : undefined;
			if (listNode?.patchStrategy === 'merge' || isDeleteList) {
				setKey(
					original,
					key,
					mergeSlice(current as unknown[], patchValue, listNode, listNode?.patchMergeKey ?? '', isDeleteList),
				);
			} else {
				setKey(original, key, typedValue(patchValue));
			}
		} else {
			setKey(original, key, patchValue);
		}
	}
	return original;
}

function applyRetainKeys(original: JsonObject, patch: JsonObject): void {
	if (!hasOwn(patch, retainKeysDirective)) return;
	const retained = patch[retainKeysDirective];
	delete patch[retainKeysDirective];
	if (!Array.isArray(retained)) throw badRequest('invalid patch format of retainKeys');
	const allowed = new Set(retained.map((key) => scalarKey(key)));
	for (const key of Object.keys(patch)) {
		if (patch[key] === null || key.startsWith(deleteFromPrimitiveListPrefix) || key.startsWith(setElementOrderPrefix)) continue;
		if (!allowed.has(scalarKey(key))) throw badRequest('invalid patch format of retainKeys');
	}
	for (const key of Object.keys(original)) {
		if (!allowed.has(scalarKey(key))) delete original[key];
	}
}

/** The kind shared by every element of some lists: 'map', 'string', 'int64', ... */
function sliceElementKind(lists: ReadonlyArray<readonly unknown[]>): string {
	let kind: string | undefined;
	for (const items of lists) {
		for (const item of items) {
			const current = goKind(item);
			if (kind === undefined) {
				if (current === 'slice') {
					throw new PatchError('invalid', 422, 'Invalid', 'the server rejected our request due to an error in our request', [
						{type: 'UnexpectedServerResponse', message: 'lists of lists are not supported'},
					]);
				}
				kind = current;
			} else if (kind !== current) {
				throw plainError(`list element types are not identical: ${goFormat(lists)}`);
			}
		}
	}
	if (kind === undefined) throw plainError('no elements in any of the given slices');
	return kind;
}

function applySetElementOrder(original: JsonObject, patch: JsonObject, node: TypeNode | undefined): void {
	for (const key of Object.keys(patch)) {
		if (!key.startsWith(setElementOrderPrefix)) continue;
		const order = patch[key];
		delete patch[key];
		if (!Array.isArray(order)) throw badArgType('[]interface {}', order);
		const listKey = extractKey(key, setElementOrderPrefix);
		const foundOriginal = hasOwn(original, listKey);
		const foundPatch = hasOwn(patch, listKey);
		const originalList = original[listKey];
		const patchList = patch[listKey];
		if (foundOriginal && !Array.isArray(originalList)) throw badArgType('[]interface {}', originalList);
		if (foundPatch && !Array.isArray(patchList)) throw badArgType('[]interface {}', patchList);
		const originalItems = (foundOriginal ? originalList : []) as unknown[];
		const patchItems = (foundPatch ? patchList : []) as unknown[];
		const child = childNode(node, listKey);
		const listNode = child?.kind === 'list' ? child : undefined;
		const mergeKey = listNode?.patchMergeKey ?? '';
		validateAgainstOrder(patchItems, order, mergeKey);

		const backing = new BackingArray(originalItems);
		let merged: unknown[];
		if (foundOriginal && !foundPatch) {
			merged = originalItems;
		} else if (!foundOriginal && foundPatch) {
			merged = newValue(patchItems).value as unknown[];
		} else if (foundOriginal && foundPatch) {
			merged =
				listNode?.patchStrategy === 'merge'
					? mergeSlice(originalItems, patchItems, listNode, mergeKey, false, backing)
					: (typedValue(patchItems) as unknown[]);
		} else {
			continue;
		}
		const [inOrder, serverOnly] = partition(merged, order, mergeKey);
		const kind = sliceElementKind([backing.view, patchItems]);
		setKey(original, listKey, normalizeOrder(inOrder, serverOnly, order, backing.view, mergeKey, kind === 'map'));
		delete patch[listKey];
	}
}

function containsDirective(item: unknown): boolean {
	return isJsonObject(item) && hasOwn(item, directiveMarker);
}

/** Every item of a patch list must appear in its $setElementOrder list, in that order. */
function validateAgainstOrder(patchItems: readonly unknown[], order: readonly unknown[], mergeKey: string): void {
	if (order.length === 0 || patchItems.length === 0) return;
	let items = patchItems;
	if (mergeKey !== '') {
		items = patchItems.filter((item) => {
			if (!isJsonObject(item)) throw badArgType('map[string]interface {}', item);
			return item[directiveMarker] !== 'delete';
		});
	}
	let p = 0;
	let o = 0;
	while (p < items.length && o < order.length) {
		if (containsDirective(items[p])) {
			p++;
			continue;
		}
		if (keyValue(items[p], mergeKey) === keyValue(order[o], mergeKey)) p++;
		o++;
	}
	if (p < items.length && o >= order.length) {
		throw plainError(
			`the order in patch list:\n${goFormat(patchItems)}\n doesn't match ${setElementOrderPrefix} list:\n${goFormat(order)}`,
		);
	}
}

/** The identity of a list item: its merge key's value, or the item itself for scalars. */
function keyValue(item: unknown, mergeKey: string): string {
	if (mergeKey === '') return scalarKey(item);
	if (!isJsonObject(item)) throw badArgType('map[string]interface {}', item);
	if (!hasOwn(item, mergeKey)) throw noMergeKey(item, mergeKey);
	return scalarKey(item[mergeKey]);
}

/** Splits items into those present in `by` (same key) and the rest, keeping order. */
function partition(items: readonly unknown[], by: readonly unknown[], mergeKey: string): [unknown[], unknown[]] {
	const present = new Set<string>();
	for (const item of by) {
		if (mergeKey === '') {
			present.add(scalarKey(item));
		} else {
			if (!isJsonObject(item)) throw badArgType('map[string]interface {}', item);
			if (hasOwn(item, mergeKey)) present.add(scalarKey(item[mergeKey]));
		}
	}
	const inside: unknown[] = [];
	const outside: unknown[] = [];
	for (const item of items) {
		(present.has(keyValue(item, mergeKey)) ? inside : outside).push(item);
	}
	return [inside, outside];
}

/** First position of every key in a list. */
function positions(items: readonly unknown[], mergeKey: string, isMap: boolean): Map<string, number> {
	const out = new Map<string, number>();
	items.forEach((item, index) => {
		const key = isMap ? (isJsonObject(item) ? scalarKey(item[mergeKey]) : undefined) : scalarKey(item);
		if (key !== undefined && !out.has(key)) out.set(key, index);
	});
	return out;
}

function itemKey(item: unknown, mergeKey: string, isMap: boolean): string {
	return isMap ? scalarKey((item as JsonObject)[mergeKey]) : scalarKey(item);
}

/** Stable sort by position in `order`; items `order` lacks go first, as Go's sort leaves them. */
function sortByOrder(items: unknown[], order: readonly unknown[], mergeKey: string, isMap: boolean): unknown[] {
	let toDelete: unknown[] = [];
	let toSort = items;
	if (isMap) {
		for (const item of [...items, ...order]) {
			if (!isJsonObject(item)) throw badArgType('map[string]interface {}', item);
			if (!hasOwn(item, mergeKey)) throw noMergeKey(item, mergeKey);
		}
		toSort = items.filter((item) => (item as JsonObject)[directiveMarker] !== 'delete');
		toDelete = items.filter((item) => (item as JsonObject)[directiveMarker] === 'delete');
	}
	const where = positions(order, mergeKey, isMap);
	const ranked = toSort.map((item, index) => ({item, index, at: where.get(itemKey(item, mergeKey, isMap)) ?? -1}));
	ranked.sort((a, b) => a.at - b.at || a.index - b.index);
	return [...ranked.map((entry) => entry.item), ...toDelete];
}

/**
 * The order strategicpatch gives a merged list: patch items in patch order, server-only
 * items in live order, interleaved so each server-only item stays before the patch
 * items it preceded in the live list (a patch item new to the list goes first).
 */
function normalizeOrder(
	patchItems: unknown[],
	serverOnly: unknown[],
	patchOrder: readonly unknown[],
	serverOrder: readonly unknown[],
	mergeKey: string,
	isMap: boolean,
): unknown[] {
	const right = sortByOrder(patchItems, patchOrder, mergeKey, isMap);
	const left = sortByOrder(serverOnly, serverOrder, mergeKey, isMap);
	const where = positions(serverOrder, mergeKey, isMap);
	const out: unknown[] = [];
	let i = 0;
	let j = 0;
	while (i < left.length || j < right.length) {
		if (i >= left.length) {
			out.push(right[j++]);
		} else if (j >= right.length) {
			out.push(left[i++]);
		} else {
			const li = where.get(itemKey(left[i], mergeKey, isMap));
			const ri = where.get(itemKey(right[j], mergeKey, isMap));
			if (li !== undefined && ri !== undefined && li < ri) out.push(left[i++]);
			else out.push(right[j++]);
		}
	}
	return out;
}

/**
 * The Go backing array of the live list while strategicpatch merges into it. Deleting
 * keyed items shifts it in place and appends fill the freed slots, and the
 * `$setElementOrder` step then orders server-only items by this mutated array, not by
 * the list as it was. Reproducing that keeps `kubectl apply` orders identical.
 */
class BackingArray {
	readonly view: unknown[];
	private length: number;
	private detached = false;

	constructor(items: readonly unknown[]) {
		this.view = items.slice();
		this.length = items.length;
	}

	remove(index: number): void {
		if (this.detached) return;
		for (let i = index; i < this.length - 1; i++) this.view[i] = this.view[i + 1];
		this.length--;
	}

	push(item: unknown): void {
		if (this.detached) return;
		if (this.length < this.view.length) this.view[this.length++] = item;
		else this.detached = true;
	}
}

function mergeSlice(
	original: unknown[],
	patch: unknown[],
	listNode: ListNode | undefined,
	mergeKey: string,
	isDeleteList: boolean,
	backing?: BackingArray,
): unknown[] {
	if (original.length === 0 && patch.length === 0) return original;
	const kind = sliceElementKind([original, patch]);
	if (kind !== 'map') {
		if (isDeleteList) {
			const doomed = new Set(patch.map((item) => scalarKey(item)));
			return original.filter((item) => !doomed.has(scalarKey(item)));
		}
		const seen = new Set<string>();
		const merged: unknown[] = [];
		for (const item of [...original, ...patch]) {
			const key = scalarKey(item);
			if (!seen.has(key)) {
				seen.add(key);
				merged.push(item);
			}
		}
		const [inPatch, serverOnly] = partition(merged, patch, '');
		return normalizeOrder(inPatch, serverOnly, patch, original, '', false);
	}
	if (mergeKey === '') {
		const name = listNode?.items?.kind === 'struct' ? listNode.items.name : 'map';
		throw plainError(`cannot merge lists without merge key for ${name}`);
	}
	const [live, plain] = applyListDirectives(original, patch, mergeKey, backing);
	const merged = mergeByKey(live, plain, mergeKey, listNode?.items, backing);
	const [inPatch, serverOnly] = partition(merged, plain, mergeKey);
	return normalizeOrder(inPatch, serverOnly, plain, live, mergeKey, true);
}

/** Handles `$patch` items of a keyed list: delete removes matches, replace drops the live list. */
function applyListDirectives(original: unknown[], patch: unknown[], mergeKey: string, backing?: BackingArray): [unknown[], unknown[]] {
	let live = original.slice();
	const plain: unknown[] = [];
	let replace = false;
	for (const item of patch) {
		const entry = item as JsonObject;
		if (!hasOwn(entry, directiveMarker)) {
			plain.push(item);
			continue;
		}
		const directive = entry[directiveMarker];
		if (directive === 'delete') {
			if (!hasOwn(entry, mergeKey)) throw noMergeKey(entry, mergeKey);
			const doomed = scalarKey(entry[mergeKey]);
			for (let at = 0; at < live.length; ) {
				const candidate = live[at];
				if (isJsonObject(candidate) && hasOwn(candidate, mergeKey) && scalarKey(candidate[mergeKey]) === doomed) {
					live.splice(at, 1);
					backing?.remove(at);
				} else {
					at++;
				}
			}
		} else if (directive === 'replace') {
			replace = true;
		} else if (directive === 'merge') {
			throw plainError('merging lists cannot yet be specified in the patch');
		} else {
			throw plainError(`unknown patch type: ${goFormat(directive)} in map: ${goFormat(entry)}`);
		}
	}
	if (replace) return [plain.map((item) => typedValue(item)), []];
	return [live, plain];
}

/** Merges patch items into live items with the same key; new items are appended. */
function mergeByKey(live: unknown[], patch: unknown[], mergeKey: string, item: TypeNode | undefined, backing?: BackingArray): unknown[] {
	const out = live.slice();
	const index = new Map<string, number>();
	out.forEach((entry, at) => {
		if (isJsonObject(entry) && hasOwn(entry, mergeKey)) {
			const key = scalarKey(entry[mergeKey]);
			if (!index.has(key)) index.set(key, at);
		}
	});
	for (const entry of patch) {
		const patchItem = entry as JsonObject;
		if (!hasOwn(patchItem, mergeKey)) throw noMergeKey(patchItem, mergeKey);
		const key = scalarKey(patchItem[mergeKey]);
		const at = index.get(key);
		if (at !== undefined) {
			out[at] = mergeMap(out[at] as JsonObject, patchItem, item);
		} else {
			const added = typedValue(patchItem);
			out.push(added);
			backing?.push(added);
			index.set(key, out.length - 1);
		}
	}
	return out;
}

// ---------------------------------------------------------------------------------------
// Server-side apply (the merge only)

/**
 * Merges an applied configuration into the live object the way server-side apply
 * merges: objects key by key, keyed lists (`+listType=map`) item by item in the order
 * structured-merge-diff produces, sets (`+listType=set`) by value, and atomic lists,
 * atomic structs and scalars replaced by the applied value. A null in the applied
 * configuration unsets the field.
 *
 * What real SSA does beyond this: it removes fields this manager applied last time but
 * no longer applies (unless another manager owns them), it refuses with 409 Conflict
 * when the applied values change fields another manager owns (unless force=true), and
 * it re-runs defaulting on the result. Ownership and conflicts are computed in
 * managed-fields.ts; pruning of no-longer-applied fields is not done at all.
 */
export function applyServerSideApply(live: unknown, applied: unknown, schema: TypeNode | undefined): JsonObject {
	if (!isJsonObject(applied)) {
		throw badRequest(`error decoding patch: json: cannot unmarshal ${jsonKindName(applied)} into Go value of type map[string]interface {}`);
	}
	const metadata = own(applied, 'metadata');
	if (isJsonObject(metadata) && own(metadata, 'managedFields') !== undefined && metadata['managedFields'] !== null) {
		throw badRequest('metadata.managedFields must be nil');
	}
	const liveVersion = isJsonObject(live) ? own(live, 'apiVersion') : undefined;
	const appliedVersion = own(applied, 'apiVersion');
	if (typeof liveVersion === 'string' && appliedVersion !== liveVersion) {
		throw badRequest(
			`Incorrect version specified in apply patch. Specified patch version: ${typeof appliedVersion === 'string' ? appliedVersion : ''}, expected: ${liveVersion}`,
		);
	}
	validateApplied(applied, schema, '');
	return ssaMerge(isJsonObject(live) ? live : {}, applied, schema) as JsonObject;
}

/** JSON as Go's encoder writes it (HTML characters and line separators escaped). */
export function goJson(value: unknown): string {
	const json = JSON.stringify(value);
	if (!goEscaped.test(json)) return json;
	return json.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const goEscaped = /[<>&\u2028\u2029]/;

/**
 * The identity of an item of a keyed (`k:{...}`, key fields sorted by name) or set
 * (`v:...`) list, as managedFields name it; undefined when a key field is missing.
 */
export function listItemIdentity(item: unknown, node: ListNode): string | undefined {
	if (node.listType === 'set') return `v:${goJson(item)}`;
	if (node.listType !== 'map' || !isJsonObject(item)) return undefined;
	const fields: Array<[string, unknown]> = [];
	for (const key of node.listMapKeys) {
		if (hasOwn(item, key) && item[key] !== null) fields.push([key, item[key]]);
		else if (hasOwn(node.keyDefaults, key)) fields.push([key, node.keyDefaults[key]]);
		else return undefined;
	}
	fields.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
	return `k:{${fields.map(([key, value]) => `${goJson(key)}:${goJson(value)}`).join(',')}}`;
}

/** A managedFields path element ("f:name", "k:{...}", "v:...", "i:3") as Go prints it in paths. */
export function pathElementText(element: string): string {
	const body = element.slice(2);
	switch (element.slice(0, 2)) {
		case 'f:':
			return `.${body}`;
		case 'k:': {
			try {
				const fields = JSON.parse(body) as JsonObject;
				return `[${Object.keys(fields)
					.sort()
					.map((key) => `${key}=${valueText(fields[key])}`)
					.join(',')}]`;
			} catch {
				return `[${body}]`;
			}
		}
		case 'v:':
			try {
				return `[=${valueText(JSON.parse(body))}]`;
			} catch {
				return `[=${body}]`;
			}
		case 'i:':
			return `[${body}]`;
		default:
			return element;
	}
}

/** structured-merge-diff's value.ToString: strings quoted, numbers and booleans bare. */
function valueText(value: unknown): string {
	if (typeof value === 'string') return JSON.stringify(value);
	if (value === null) return 'null';
	if (typeof value === 'object') return JSON.stringify(value);
	return String(value);
}

/** What the real server checks while typing an applied configuration: keys present, no duplicates. */
function validateApplied(value: unknown, node: TypeNode | undefined, path: string): void {
	if (isAtomic(node)) return;
	if (Array.isArray(value)) {
		if (node?.kind !== 'list' || node.listType === 'atomic') return;
		const seen = new Set<string>();
		value.forEach((item, index) => {
			const identity = listItemIdentity(item, node);
			if (identity === undefined) {
				const missing = node.listMapKeys.find((key) => !isJsonObject(item) || !hasOwn(item, key)) ?? node.listMapKeys[0];
				throw plainError(
					`failed to create typed patch object: ${path}: element ${index}: associative list with keys has an element that omits key field ${JSON.stringify(missing)} (and doesn't have default value)`,
				);
			}
			if (seen.has(identity)) {
				throw plainError(`failed to create typed patch object: ${path}: duplicate entries for key ${pathElementText(identity)}`);
			}
			seen.add(identity);
			validateApplied(item, node.items, `${path}[${index}]`);
		});
		return;
	}
	if (isJsonObject(value)) {
		for (const key of Object.keys(value)) validateApplied(value[key], childNode(node, key), `${path}.${key}`);
	}
}

function ssaMerge(live: unknown, applied: unknown, node: TypeNode | undefined): unknown {
	if (applied === undefined) return cloneJson(live);
	if (live === undefined || live === null || isAtomic(node)) return typedValue(applied);
	if (isJsonObject(applied) && isJsonObject(live)) {
		const out = cloneJson(live);
		for (const key of Object.keys(applied)) {
			const value = applied[key];
			if (value === null) {
				delete out[key];
				continue;
			}
			setKey(out, key, ssaMerge(own(live, key), value, childNode(node, key)));
		}
		return out;
	}
	if (Array.isArray(applied) && Array.isArray(live) && node?.kind === 'list' && node.listType !== 'atomic') {
		return mergeAssociativeList(live, applied, node);
	}
	return typedValue(applied);
}

/**
 * structured-merge-diff's list merge: items shared by both lists come out in the
 * applied order, live-only items keep their place among them, new items are placed
 * where the applied list has them.
 */
function mergeAssociativeList(live: unknown[], applied: unknown[], node: ListNode): unknown[] {
	const name = (item: unknown, index: number): string => listItemIdentity(item, node) ?? `i:${index}`;
	const livePEs = live.map(name);
	const appliedPEs = applied.map(name);
	const liveByPE = new Map<string, unknown>();
	const liveCount = new Map<string, number>();
	livePEs.forEach((pe, index) => {
		liveCount.set(pe, (liveCount.get(pe) ?? 0) + 1);
		if (!liveByPE.has(pe)) liveByPE.set(pe, live[index]);
	});
	const appliedByPE = new Map<string, unknown>();
	appliedPEs.forEach((pe, index) => appliedByPE.set(pe, applied[index]));
	// A duplicated live item is not merged with the applied one.
	const liveItem = (pe: string): unknown => ((liveCount.get(pe) ?? 0) > 1 ? undefined : liveByPE.get(pe));
	const merge = (pe: string): unknown => ssaMerge(liveItem(pe), appliedByPE.get(pe), node.items);

	const shared = appliedPEs.filter((pe) => liveByPE.has(pe));
	let nextShared = 0;
	const merged = new Set<string>();
	const out: unknown[] = [];
	let l = 0;
	let r = 0;
	while (l < livePEs.length || r < appliedPEs.length) {
		if (l < livePEs.length && r < appliedPEs.length) {
			const pe = livePEs[l]!;
			if (pe === appliedPEs[r]) {
				merged.add(pe);
				out.push(merge(pe));
				l++;
				r++;
				nextShared++;
				continue;
			}
			if (appliedByPE.has(pe) && nextShared < shared.length && shared[nextShared] !== pe) {
				l++;
				continue;
			}
		}
		if (l < livePEs.length) {
			const pe = livePEs[l]!;
			if (!appliedByPE.has(pe)) {
				out.push(cloneJson(live[l]));
				l++;
				continue;
			} else if (merged.has(pe)) {
				l++;
			}
		}
		if (r < appliedPEs.length) {
			const pe = appliedPEs[r]!;
			merged.add(pe);
			out.push(merge(pe));
			r++;
			if (nextShared < shared.length && shared[nextShared] === pe) nextShared++;
		}
	}
	return out;
}

// ---------------------------------------------------------------------------------------
// Content types

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
