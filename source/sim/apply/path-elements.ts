/**
 * Path elements as structured-merge-diff and managedFields name a field: `f:name` for a
 * field, `k:{...}` for an item of a keyed list, `v:...` for an item of a set, `i:3` for
 * an item of any other list; and how Go prints them in messages.
 */
import type {ListNode} from '../schema/types.js';
import {goJson, hasOwn, isJsonObject, type JsonObject} from '../patch/json.js';

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
