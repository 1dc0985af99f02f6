/**
 * The field sets of objects, as structured-merge-diff computes them against a kind's
 * schema: the fields an object sets (what an applier owns), and the fields that
 * appeared, changed or vanished between two versions of an object (what a writer
 * changed).
 */
import {hasOwn, isJsonObject, jsonEqual, type JsonObject} from '../patch/json.js';
import {childNode, isAtomic, type ListNode, type TypeNode} from '../schema/types.js';
import {building, insert, serializeFields, type Building, type FieldNode, type FieldsV1} from './field-set.js';
import {itemElement} from './path-elements.js';

function collectFieldSet(value: unknown, node: TypeNode | undefined, path: string[], out: Building): void {
	if (path.length > 0 && isAtomic(node)) {
		insert(out, path);
		return;
	}
	if (isJsonObject(value) && node?.kind !== 'list') {
		for (const key of Object.keys(value)) {
			const item = value[key];
			path.push(`f:${key}`);
			collectFieldSet(item, childNode(node, key), path, out);
			// Null and empty objects are owned as leaves; so are map entries (not declared fields).
			if (item === null || (isJsonObject(item) && Object.keys(item).length === 0) || node?.kind === 'map') insert(out, path);
			path.pop();
		}
		return;
	}
	if (Array.isArray(value) && node?.kind === 'list' && node.listType !== 'atomic') {
		value.forEach((item, index) => {
			path.push(itemElement(item, index, node));
			collectFieldSet(item, node.items, path, out);
			insert(out, path);
			path.pop();
		});
		return;
	}
	if (path.length > 0) insert(out, path);
}

export function fieldSetNode(object: unknown, schema: TypeNode | undefined): FieldNode {
	const out = building();
	collectFieldSet(object, schema, [], out);
	return out;
}

/**
 * The fields an object sets, in the fieldsV1 format as server-side apply records an
 * applied configuration: scalars and atomic values as leaves, keyed list items as
 * `k:{...}` (with `.` when their fields are listed too), set items as `v:...`, map
 * entries as members. Declared struct fields are not members themselves.
 */
export function fieldSetOf(object: unknown, schema: TypeNode | undefined): FieldsV1 {
	return serializeFields(fieldSetNode(object, schema));
}

export interface Comparison {
	added: Building;
	modified: Building;
	removed: Building;
}

/** The zero value a Go struct serialises for a field it always writes. */
function zeroOf(node: TypeNode | undefined): unknown {
	return node?.kind === 'list' ? null : {};
}

function leaf(left: unknown, right: unknown, path: readonly string[], out: Comparison): void {
	if (left === undefined) insert(out.added, path);
	else if (right === undefined) insert(out.removed, path);
	else if (!jsonEqual(left, right)) insert(out.modified, path);
}

function isEmptyContainer(value: unknown): boolean {
	if (value === undefined || value === null) return true;
	if (Array.isArray(value)) return value.length === 0;
	return isJsonObject(value) && Object.keys(value).length === 0;
}

/**
 * structured-merge-diff's comparison: leaves that appeared, changed or vanished, plus
 * every non-leaf node that appeared or vanished as a whole. `undefined` is absent.
 */
function objectish(value: unknown): boolean {
	return value === undefined || value === null || isJsonObject(value);
}

function listish(value: unknown): boolean {
	return value === undefined || value === null || Array.isArray(value);
}

function compareValue(left: unknown, right: unknown, node: TypeNode | undefined, path: string[], out: Comparison): void {
	if (left === right) return;
	let shape: 'leaf' | 'object' | 'list' = 'leaf';
	if (!isAtomic(node)) {
		if (node?.kind === 'list') {
			if (listish(left) && listish(right)) shape = 'list';
		} else if ((isJsonObject(left) || isJsonObject(right)) && objectish(left) && objectish(right)) {
			shape = 'object';
		}
	}
	if (shape === 'leaf' || (isEmptyContainer(left) && isEmptyContainer(right))) {
		leaf(left, right, path, out);
		return;
	}
	if (shape === 'object') {
		compareObject(isJsonObject(left) ? left : undefined, isJsonObject(right) ? right : undefined, node, path, out);
	} else {
		compareList(Array.isArray(left) ? left : [], Array.isArray(right) ? right : [], node as ListNode, path, out);
	}
	if (path.length > 0) {
		if (left === undefined) insert(out.added, path);
		else if (right === undefined) insert(out.removed, path);
	}
}

function compareObject(left: JsonObject | undefined, right: JsonObject | undefined, node: TypeNode | undefined, path: string[], out: Comparison): void {
	if (left !== undefined) for (const key of Object.keys(left)) compareField(left, right, key, node, path, out);
	if (right !== undefined) {
		for (const key of Object.keys(right)) {
			if (left === undefined || !hasOwn(left, key)) compareField(left, right, key, node, path, out);
		}
	}
}

function compareField(
	left: JsonObject | undefined,
	right: JsonObject | undefined,
	key: string,
	node: TypeNode | undefined,
	path: string[],
	out: Comparison,
): void {
	const child = childNode(node, key);
	let l = left !== undefined && hasOwn(left, key) ? left[key] : undefined;
	let r = right !== undefined && hasOwn(right, key) ? right[key] : undefined;
	if (node?.kind === 'struct' && node.present.has(key)) {
		if (left !== undefined && l === undefined) l = zeroOf(child);
		if (right !== undefined && r === undefined) r = zeroOf(child);
	}
	path.push(`f:${key}`);
	compareValue(l, r, child, path, out);
	path.pop();
}

/** Groups list items by identity; records identities first seen here in `order`. */
function groupItems(items: unknown[], node: ListNode, into: Map<string, unknown[]>, seen: Map<string, unknown[]> | undefined, order: string[]): void {
	for (let index = 0; index < items.length; index++) {
		const item = items[index];
		const element = itemElement(item, index, node);
		const existing = into.get(element);
		if (existing === undefined) {
			into.set(element, [item]);
			if (seen === undefined || !seen.has(element)) order.push(element);
		} else {
			existing.push(item);
		}
	}
}

function compareList(left: unknown[], right: unknown[], node: ListNode, path: string[], out: Comparison): void {
	const order: string[] = [];
	const lefts = new Map<string, unknown[]>();
	const rights = new Map<string, unknown[]>();
	groupItems(left, node, lefts, undefined, order);
	groupItems(right, node, rights, lefts, order);
	for (const element of order) {
		const l = lefts.get(element) ?? [];
		const r = rights.get(element) ?? [];
		path.push(element);
		if (l.length <= 1 && r.length <= 1) {
			compareValue(l[0], r[0], node.items, path, out);
		} else if (l.length >= 2 && r.length >= 2) {
			if (!jsonEqual(l, r)) insert(out.modified, path);
		} else if (l.length >= 2) {
			if (r.length > 0) compareValue(undefined, r[0], node.items, path, out);
			insert(out.removed, path);
		} else {
			if (l.length > 0) compareValue(l[0], undefined, node.items, path, out);
			insert(out.added, path);
		}
		path.pop();
	}
}

export function compareObjects(before: unknown, after: unknown, schema: TypeNode | undefined): Comparison {
	const out: Comparison = {added: building(), modified: building(), removed: building()};
	compareValue(before ?? {}, after ?? {}, schema, [], out);
	return out;
}
