/**
 * What a remedy changes, as a person reads it: the fields that differ between the live
 * object and the server's dry-run result (bookkeeping fields ignored), list items that
 * carry a `name` matched by name; rendered as -/+ lines. The same changes give the undo
 * (a JSON patch that tests the values the remedy set, then puts the old ones back) without
 * keeping whole objects.
 */
import {pointerToken} from '../plans/guarded-patch.js';
import type {JsonPatchOperation} from '../plans/request.js';
import type {Obj} from '../formats/json-object.js';

/** A path step: an object key, or a list item identified by its name. */
export type PathStep = string | {list: string; name: string};

export interface Change {
	path: PathStep[];
	before: unknown;
	after: unknown;
}

export interface DiffLine {
	op: '+' | '-' | ' ' | '~';
	text: string;
}

const IGNORED_METADATA = new Set(['resourceVersion', 'generation', 'managedFields', 'uid', 'creationTimestamp', 'selfLink']);

function isObject(value: unknown): value is Obj {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function namedList(value: unknown): value is Array<{name: string}> {
	return Array.isArray(value) && value.length > 0 && value.every((item) => isObject(item) && typeof item.name === 'string');
}

function same(a: unknown, b: unknown): boolean {
	return JSON.stringify(a) === JSON.stringify(b);
}

/** Field-level differences between two versions of an object (status and bookkeeping ignored). */
export function diffObjects(before: unknown, after: unknown, options: {includeStatus?: boolean} = {}): Change[] {
	const changes: Change[] = [];
	const walk = (a: unknown, b: unknown, path: PathStep[]): void => {
		if (same(a, b)) return;
		if (isObject(a) && isObject(b)) {
			for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
				if (path.length === 0 && key === 'status' && !options.includeStatus) continue;
				if (path.length === 1 && path[0] === 'metadata' && IGNORED_METADATA.has(key)) continue;
				walk(a[key], b[key], [...path, key]);
			}
			return;
		}
		if (((namedList(a) || a === undefined) && namedList(b)) || (namedList(a) && b === undefined)) {
			const left = new Map((namedList(a) ? a : []).map((item) => [item.name, item]));
			const right = new Map((namedList(b) ? b : []).map((item) => [item.name, item]));
			const listKey = String(path.at(-1));
			const parent = path.slice(0, -1);
			for (const name of new Set([...left.keys(), ...right.keys()])) walk(left.get(name), right.get(name), [...parent, {list: listKey, name}]);
			return;
		}
		changes.push({path, before: a, after: b});
	};
	walk(before, after, []);
	return changes;
}

export function pathText(path: readonly PathStep[]): string {
	return path.map((step, i) => (typeof step === 'string' ? `${i > 0 ? '.' : ''}${step}` : `${i > 0 ? '.' : ''}${step.list}[${step.name}]`)).join('');
}

function valueText(value: unknown): string {
	if (value === undefined) return '(unset)';
	if (typeof value === 'string') return value;
	return JSON.stringify(value);
}

/** -/+ lines for a list of changes. */
export function renderChanges(changes: readonly Change[]): DiffLine[] {
	const lines: DiffLine[] = [];
	for (const change of changes) {
		const path = pathText(change.path);
		lines.push({op: '-', text: `${path}: ${valueText(change.before)}`});
		lines.push({op: '+', text: `${path}: ${valueText(change.after)}`});
	}
	return lines;
}

/** + lines for an object that will be created (YAML-like, bookkeeping left out). */
export function renderCreation(object: Obj): DiffLine[] {
	const lines: DiffLine[] = [];
	const walk = (value: unknown, indent: string, key?: string): void => {
		const prefix = key === undefined ? indent : `${indent}${key}:`;
		if (isObject(value)) {
			if (key !== undefined) lines.push({op: '+', text: prefix});
			for (const [k, v] of Object.entries(value)) {
				if (indent === '' && k === 'status') continue;
				if (key === 'metadata' && IGNORED_METADATA.has(k)) continue;
				walk(v, key === undefined ? indent : `${indent}  `, k);
			}
		} else if (Array.isArray(value)) {
			if (value.every((v) => !isObject(v) && !Array.isArray(v))) lines.push({op: '+', text: `${prefix} [${value.map(valueText).join(', ')}]`});
			else {
				lines.push({op: '+', text: prefix});
				for (const item of value) {
					lines.push({op: '+', text: `${indent}  -`});
					walk(item, `${indent}    `);
				}
			}
		} else lines.push({op: '+', text: `${prefix} ${valueText(value)}`});
	};
	walk(object, '');
	return lines;
}

/** Where a change's path is in `live`: its JSON pointer, its value there, and the named list items on the way (pointer and name). */
export interface Location {
	pointer: string;
	value: unknown;
	items: Array<{pointer: string; name: string}>;
}

/** Locate a change's path in `live` (named list items found by name), or undefined if an item is gone. */
export function locate(live: unknown, path: readonly PathStep[]): Location | undefined {
	let node: unknown = live;
	let pointer = '';
	const items: Location['items'] = [];
	for (const step of path) {
		if (typeof step === 'string') {
			pointer += `/${pointerToken(step)}`;
			node = isObject(node) ? node[step] : undefined;
			continue;
		}
		const list = isObject(node) ? node[step.list] : undefined;
		pointer += `/${pointerToken(step.list)}`;
		if (!Array.isArray(list)) return undefined;
		const index = list.findIndex((item) => isObject(item) && item.name === step.name);
		if (index < 0) return undefined;
		pointer += `/${index}`;
		items.push({pointer, name: step.name});
		node = list[index];
	}
	return {pointer, value: node, items};
}

/**
 * The undo of a patch as a JSON patch against the live object. It tests exactly the
 * fields it puts back — each still holds the value the remedy set, or is still absent if
 * the remedy removed it (a test of null: see source/plans/guarded-patch.ts) — and the name of each
 * list item on the way at its index (so a reorder fails the undo instead of restoring the
 * wrong container); then it puts the old values back. A status write since the remedy
 * does not matter; someone else's edit of those fields makes the server refuse it (422)
 * and nothing is overwritten. Returns a reason instead, without a request, when a field
 * can no longer be found or already holds another value.
 */
export function undoJsonPatch(live: unknown, changes: readonly Change[]): {operations: JsonPatchOperation[]} | {conflict: string} {
	const tests: JsonPatchOperation[] = [];
	const edits: JsonPatchOperation[] = [];
	const named = new Set<string>();
	for (const change of changes) {
		const location = locate(live, change.path);
		if (location === undefined) return {conflict: `${pathText(change.path)} is not there any more`};
		if (!same(location.value, change.after))
			return {conflict: `${pathText(change.path)} was changed since: it is ${valueText(location.value)}, the remedy set ${valueText(change.after)}`};
		for (const item of location.items) {
			if (named.has(item.pointer)) continue;
			named.add(item.pointer);
			tests.push({op: 'test', path: `${item.pointer}/name`, value: item.name});
		}
		tests.push({op: 'test', path: location.pointer, value: change.after === undefined ? null : change.after});
		if (change.before === undefined) {
			if (change.after !== undefined) edits.push({op: 'remove', path: location.pointer});
		} else edits.push({op: change.after === undefined ? 'add' : 'replace', path: location.pointer, value: change.before});
	}
	return {operations: [...tests, ...edits]};
}
