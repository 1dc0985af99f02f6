/**
 * Field sets: the sets of field paths managedFields record, as tries keyed by
 * serialized path elements ("f:spec", `k:{"name":"app"}`, `v:"x"`, "i:0"), read from and
 * written to the fieldsV1 format once per object (cached), and combined without copying
 * unchanged branches, so a write costs about the size of the object.
 */
import {isJsonObject, jsonEqual, type JsonObject} from '../patch/json.js';
import {canonicalElement, compareElements} from './path-elements.js';

/** The fieldsV1 JSON format: nested objects keyed by path elements, `.` marks a set node. */
export type FieldsV1 = {[element: string]: FieldsV1};

/** A set of field paths: `member` says the path to this node is in the set. */
export interface FieldNode {
	readonly member: boolean;
	readonly children: ReadonlyMap<string, FieldNode> | undefined;
}

/** A field set under construction. */
export interface Building {
	member: boolean;
	children: Map<string, Building> | undefined;
}

export const emptySet: FieldNode = {member: false, children: undefined};

export function building(): Building {
	return {member: false, children: undefined};
}

export function insert(root: Building, path: readonly string[]): void {
	let node = root;
	for (const element of path) {
		node.children ??= new Map();
		let next = node.children.get(element);
		if (next === undefined) {
			next = building();
			node.children.set(element, next);
		}
		node = next;
	}
	node.member = true;
}

export function isEmpty(node: FieldNode): boolean {
	return !node.member && (node.children === undefined || node.children.size === 0);
}

export function union(a: FieldNode, b: FieldNode): FieldNode {
	if (isEmpty(a)) return b;
	if (isEmpty(b) || a === b) return a;
	let children = a.children;
	if (b.children !== undefined && b.children.size > 0) {
		const merged = new Map(a.children ?? []);
		for (const [element, child] of b.children) {
			const mine = merged.get(element);
			merged.set(element, mine === undefined ? child : union(mine, child));
		}
		children = merged;
	}
	return {member: a.member || b.member, children};
}

/** Removes from `a` every path that is a member of `b` (not their descendants). */
export function difference(a: FieldNode, b: FieldNode): FieldNode {
	if (isEmpty(a) || isEmpty(b)) return a;
	const member = a.member && !b.member;
	let children = a.children;
	let changed = member !== a.member;
	if (a.children !== undefined && b.children !== undefined) {
		let next: Map<string, FieldNode> | undefined;
		for (const [element, bChild] of b.children) {
			const aChild = a.children.get(element);
			if (aChild === undefined) continue;
			const rest = difference(aChild, bChild);
			if (rest === aChild) continue;
			next ??= new Map(a.children);
			if (isEmpty(rest)) next.delete(element);
			else next.set(element, rest);
		}
		if (next !== undefined) {
			children = next;
			changed = true;
		}
	}
	return changed ? {member, children} : a;
}

export function intersection(a: FieldNode, b: FieldNode): FieldNode {
	if (isEmpty(a) || isEmpty(b)) return emptySet;
	let children: Map<string, FieldNode> | undefined;
	if (a.children !== undefined && b.children !== undefined) {
		const [small, large] = a.children.size <= b.children.size ? [a.children, b.children] : [b.children, a.children];
		for (const [element, child] of small) {
			const other = large.get(element);
			if (other === undefined) continue;
			const both = intersection(child, other);
			if (isEmpty(both)) continue;
			children ??= new Map();
			children.set(element, both);
		}
	}
	return {member: a.member && b.member, children};
}

export function withoutChild(node: FieldNode, element: string): FieldNode {
	if (node.children === undefined || !node.children.has(element)) return node;
	const children = new Map(node.children);
	children.delete(element);
	return {member: node.member, children};
}

export function onlyChild(node: FieldNode, element: string): FieldNode {
	const child = node.children?.get(element);
	return child === undefined ? emptySet : {member: false, children: new Map([[element, child]])};
}

/** Calls back with every member path: a node's members first, then its sub-trees, sorted. */
export function forEachMember(node: FieldNode, visit: (path: readonly string[]) => void, prefix: string[] = []): void {
	if (node.children === undefined) return;
	const elements = [...node.children.keys()].sort(compareElements);
	for (const element of elements) {
		if (node.children.get(element)!.member) visit([...prefix, element]);
	}
	for (const element of elements) {
		const child = node.children.get(element)!;
		if (child.children !== undefined && child.children.size > 0) forEachMember(child, visit, [...prefix, element]);
	}
}

/** Parsed fieldsV1 objects, including the ones this module writes. */
const parsedFields = new WeakMap<object, FieldNode>();

export function parseFields(json: unknown): FieldNode {
	if (!isJsonObject(json)) return emptySet;
	const cached = parsedFields.get(json);
	if (cached !== undefined) return cached;
	const node = parseNode(json, true);
	parsedFields.set(json, node);
	return node;
}

function parseNode(json: JsonObject, isRoot: boolean): FieldNode {
	let dot = false;
	let children: Map<string, FieldNode> | undefined;
	for (const key of Object.keys(json)) {
		if (key === '.') {
			dot = true;
			continue;
		}
		const element = canonicalElement(key);
		if (element === undefined) continue;
		const value = json[key];
		const child = isJsonObject(value) ? parseNode(value, false) : {member: true, children: undefined};
		children ??= new Map();
		const existing = children.get(element);
		children.set(element, existing === undefined ? child : union(existing, child));
	}
	const member = !isRoot && (dot || children === undefined);
	return {member, children};
}

export function serializeFields(node: FieldNode): FieldsV1 {
	const out = serializeNode(node, false);
	parsedFields.set(out, node);
	return out;
}

function serializeNode(node: FieldNode, includeSelf: boolean): FieldsV1 {
	const out: FieldsV1 = {};
	const hasChildren = node.children !== undefined && node.children.size > 0;
	if (includeSelf && node.member && hasChildren) out['.'] = {};
	if (hasChildren) {
		for (const element of [...node.children!.keys()].sort(compareElements)) {
			const child = node.children!.get(element)!;
			const value = serializeNode(child, true);
			if (element === '__proto__') {
				Object.defineProperty(out, element, {value, writable: true, enumerable: true, configurable: true});
			} else {
				out[element] = value;
			}
		}
	}
	return out;
}

/**
 * The field set of a fieldsV1 object. Objects are usually copies of the live entry's
 * (patches return fresh objects), so an equal live entry's parse is reused.
 */
export function entryFields(fieldsV1: unknown, live: unknown): FieldNode {
	if (!isJsonObject(fieldsV1)) return emptySet;
	if (!parsedFields.has(fieldsV1) && isJsonObject(live)) {
		const liveFields = live['fieldsV1'];
		if (isJsonObject(liveFields) && parsedFields.has(liveFields) && jsonEqual(fieldsV1, liveFields)) {
			const node = parsedFields.get(liveFields)!;
			parsedFields.set(fieldsV1, node);
			return node;
		}
	}
	return parseFields(fieldsV1);
}
