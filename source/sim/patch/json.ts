/**
 * Plain JSON values as the patch code handles them (copies, equality, own keys, even
 * "__proto__"), and as Go prints them in the server's messages (%v, type names,
 * encoding/json's escaping).
 */
export type JsonObject = {[key: string]: unknown};

export function isJsonObject(value: unknown): value is JsonObject {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function hasOwn(object: JsonObject, key: string): boolean {
	return Object.prototype.hasOwnProperty.call(object, key);
}

export function own(object: JsonObject, key: string): unknown {
	return hasOwn(object, key) ? object[key] : undefined;
}

/** Sets a key, even "__proto__", as an own enumerable property. */
export function setKey(object: JsonObject, key: string, value: unknown): void {
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
export function goTypeName(value: unknown): string {
	if (value === null || value === undefined) return '<nil>';
	if (Array.isArray(value)) return '[]interface {}';
	if (isJsonObject(value)) return 'map[string]interface {}';
	if (typeof value === 'string') return 'string';
	if (typeof value === 'boolean') return 'bool';
	if (typeof value === 'number') return Number.isInteger(value) ? 'int64' : 'float64';
	return typeof value;
}

/** The JSON kind Go names in "cannot unmarshal X into Go value" errors. */
export function jsonKindName(value: unknown): string {
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
export function scalarKey(value: unknown): string {
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

/** JSON as Go's encoder writes it (HTML characters and line separators escaped). */
export function goJson(value: unknown): string {
	const json = JSON.stringify(value);
	if (!goEscaped.test(json)) return json;
	return json.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const goEscaped = /[<>&\u2028\u2029]/;
