/**
 * Path elements as structured-merge-diff and managedFields name a field: `f:name` for a
 * field, `k:{...}` for an item of a keyed list, `v:...` for an item of a set, `i:3` for
 * an item of any other list; their canonical form, the order the server writes them in,
 * and how Go prints them in messages.
 */
import {goJson, hasOwn, isJsonObject, type JsonObject} from '../patch/json.js';
import type {ListNode} from '../schema/types.js';

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

/** The path element of a list item: its identity, or its index when it has none. */
export function itemElement(item: unknown, index: number, node: ListNode): string {
	return listItemIdentity(item, node) ?? `i:${index}`;
}

/** Puts a `k:` or `v:` element in the form the server writes (key fields sorted). */
export function canonicalElement(element: string): string | undefined {
	if (element.startsWith('f:') || element.startsWith('i:')) return element;
	try {
		if (element.startsWith('k:')) {
			const fields = JSON.parse(element.slice(2)) as unknown;
			if (!isJsonObject(fields)) return element;
			const keys = Object.keys(fields).sort();
			return `k:{${keys.map((key) => `${goJson(key)}:${goJson(fields[key])}`).join(',')}}`;
		}
		if (element.startsWith('v:')) return `v:${goJson(JSON.parse(element.slice(2)))}`;
	} catch {
		return element;
	}
	return undefined;
}

/** structured-merge-diff's order of values: numbers, strings, booleans, lists, maps, null. */
function compareValues(a: unknown, b: unknown): number {
	const rank = (value: unknown): number => {
		if (typeof value === 'number') return 0;
		if (typeof value === 'string') return 1;
		if (typeof value === 'boolean') return 2;
		if (Array.isArray(value)) return 3;
		if (isJsonObject(value)) return 4;
		return 5;
	};
	const ra = rank(a);
	const rb = rank(b);
	if (ra !== rb) return ra - rb;
	if (ra === 0) return (a as number) - (b as number);
	if (ra === 1 || ra === 2) return a === b ? 0 : String(a) < String(b) ? -1 : 1;
	const ja = JSON.stringify(a);
	const jb = JSON.stringify(b);
	return ja === jb ? 0 : ja < jb ? -1 : 1;
}

const parsedKeys = new Map<string, Array<[string, unknown]>>();

function keyFields(element: string): Array<[string, unknown]> {
	let fields = parsedKeys.get(element);
	if (fields === undefined) {
		try {
			const parsed = JSON.parse(element.slice(2)) as unknown;
			fields = isJsonObject(parsed)
				? Object.keys(parsed)
						.sort()
						.map((key): [string, unknown] => [key, parsed[key]])
				: [];
		} catch {
			fields = [];
		}
		if (parsedKeys.size > 10000) parsedKeys.clear();
		parsedKeys.set(element, fields);
	}
	return fields;
}

/** The order the server serializes path elements in: fields, keys, values, indexes. */
export function compareElements(a: string, b: string): number {
	const rank = (element: string): number => 'fkvi'.indexOf(element[0]!);
	const ra = rank(a);
	const rb = rank(b);
	if (ra !== rb) return ra - rb;
	if (ra === 1) {
		const fa = keyFields(a);
		const fb = keyFields(b);
		for (let i = 0; i < Math.min(fa.length, fb.length); i++) {
			const [na, va] = fa[i]!;
			const [nb, vb] = fb[i]!;
			if (na !== nb) return na < nb ? -1 : 1;
			const byValue = compareValues(va, vb);
			if (byValue !== 0) return byValue;
		}
		return fa.length - fb.length;
	}
	if (ra === 2) {
		try {
			return compareValues(JSON.parse(a.slice(2)), JSON.parse(b.slice(2)));
		} catch {
			return a < b ? -1 : a > b ? 1 : 0;
		}
	}
	if (ra === 3) return Number(a.slice(2)) - Number(b.slice(2));
	return a < b ? -1 : a > b ? 1 : 0;
}

/** Turns ['spec', 'replicas'] (or raw elements like 'k:{"name":"app"}') into path elements. */
export function toElements(path: readonly string[]): string[] {
	return path.map((part) => (/^[fkvi]:/.test(part) ? (canonicalElement(part) ?? part) : `f:${part}`));
}

/** A path as the server prints it in conflict messages: `.spec.containers[name="app"].image`. */
export function pathText(elements: readonly string[]): string {
	return elements.map((element) => pathElementText(element)).join('');
}
