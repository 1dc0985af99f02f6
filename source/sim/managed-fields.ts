/**
 * managedFields bookkeeping as kube-apiserver does it on every write, so a client can
 * see who last wrote which field: field sets in the fieldsV1 format, the Update rules
 * (the writer gains the fields it changed, everyone else loses them), the Apply rules
 * (the applier owns exactly what it applied; changing another manager's field is a
 * conflict unless forced), and the server's housekeeping (metadata fields it never
 * tracks, status reset by subresource, at most ten Update entries, sorted output).
 *
 * Field sets are tries keyed by serialized path elements ("f:spec", `k:{"name":"app"}`,
 * `v:"x"`, "i:0"), built once per fieldsV1 object (cached) and combined without
 * copying unchanged branches, so a write costs about the size of the object.
 */
import {schemaFor} from './schema/kinds.js';
import {childNode, isAtomic, type ListNode, type StructNode, type TypeNode} from './schema/types.js';
import {listItemIdentity, pathElementText} from './apply/path-elements.js';
import {PatchError} from './patch/errors.js';
import {goJson, isJsonObject, jsonEqual, type JsonObject} from './patch/json.js';

/** The fieldsV1 JSON format: nested objects keyed by path elements, `.` marks a set node. */
export type FieldsV1 = {[element: string]: FieldsV1};

export type ManagedFieldsOperation = 'Update' | 'Apply';

export interface ManagedFieldsEntry {
	manager: string;
	operation: ManagedFieldsOperation;
	apiVersion: string;
	time?: string;
	fieldsType: 'FieldsV1';
	fieldsV1: FieldsV1;
	subresource?: string;
}

// ---------------------------------------------------------------------------------------
// Field sets

/** A set of field paths: `member` says the path to this node is in the set. */
interface FieldNode {
	readonly member: boolean;
	readonly children: ReadonlyMap<string, FieldNode> | undefined;
}

/** A field set under construction. */
interface Building {
	member: boolean;
	children: Map<string, Building> | undefined;
}

const emptySet: FieldNode = {member: false, children: undefined};

function building(): Building {
	return {member: false, children: undefined};
}

function insert(root: Building, path: readonly string[]): void {
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

function isEmpty(node: FieldNode): boolean {
	return !node.member && (node.children === undefined || node.children.size === 0);
}

function union(a: FieldNode, b: FieldNode): FieldNode {
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
function difference(a: FieldNode, b: FieldNode): FieldNode {
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

function intersection(a: FieldNode, b: FieldNode): FieldNode {
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

function withoutChild(node: FieldNode, element: string): FieldNode {
	if (node.children === undefined || !node.children.has(element)) return node;
	const children = new Map(node.children);
	children.delete(element);
	return {member: node.member, children};
}

function onlyChild(node: FieldNode, element: string): FieldNode {
	const child = node.children?.get(element);
	return child === undefined ? emptySet : {member: false, children: new Map([[element, child]])};
}

/** Calls back with every member path: a node's members first, then its sub-trees, sorted. */
function forEachMember(node: FieldNode, visit: (path: readonly string[]) => void, prefix: string[] = []): void {
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

// ---------------------------------------------------------------------------------------
// Path elements and the fieldsV1 format

/** Puts a `k:` or `v:` element in the form the server writes (key fields sorted). */
function canonicalElement(element: string): string | undefined {
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
			fields = isJsonObject(parsed) ? Object.keys(parsed).sort().map((key): [string, unknown] => [key, parsed[key]]) : [];
		} catch {
			fields = [];
		}
		if (parsedKeys.size > 10000) parsedKeys.clear();
		parsedKeys.set(element, fields);
	}
	return fields;
}

/** The order the server serializes path elements in: fields, keys, values, indexes. */
function compareElements(a: string, b: string): number {
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

/** Parsed fieldsV1 objects, including the ones this module writes. */
const parsedFields = new WeakMap<object, FieldNode>();

function parseFields(json: unknown): FieldNode {
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

function serializeFields(node: FieldNode): FieldsV1 {
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

/** Turns ['spec', 'replicas'] (or raw elements like 'k:{"name":"app"}') into path elements. */
function toElements(path: readonly string[]): string[] {
	return path.map((part) => (/^[fkvi]:/.test(part) ? (canonicalElement(part) ?? part) : `f:${part}`));
}

/** A path as the server prints it in conflict messages: `.spec.containers[name="app"].image`. */
function pathText(elements: readonly string[]): string {
	return elements.map((element) => pathElementText(element)).join('');
}

// ---------------------------------------------------------------------------------------
// Field sets of objects

function itemElement(item: unknown, index: number, node: ListNode): string {
	return listItemIdentity(item, node) ?? `i:${index}`;
}

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

function fieldSetNode(object: unknown, schema: TypeNode | undefined): FieldNode {
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

interface Comparison {
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

function compareObject(
	left: JsonObject | undefined,
	right: JsonObject | undefined,
	node: TypeNode | undefined,
	path: string[],
	out: Comparison,
): void {
	if (left !== undefined) for (const key of Object.keys(left)) compareField(left, right, key, node, path, out);
	if (right !== undefined) {
		for (const key of Object.keys(right)) {
			if (left === undefined || !hasOwn(left, key)) compareField(left, right, key, node, path, out);
		}
	}
}

function hasOwn(object: JsonObject, key: string): boolean {
	return Object.prototype.hasOwnProperty.call(object, key);
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

function compareObjects(before: unknown, after: unknown, schema: TypeNode | undefined): Comparison {
	const out: Comparison = {added: building(), modified: building(), removed: building()};
	compareValue(before ?? {}, after ?? {}, schema, [], out);
	return out;
}

// ---------------------------------------------------------------------------------------
// The managedFields list

/** Paths the server never records for the writer (stripMetaManager). */
const strippedPaths: FieldNode = (() => {
	const out = building();
	for (const path of [
		['f:apiVersion'],
		['f:kind'],
		['f:metadata'],
		...['name', 'namespace', 'creationTimestamp', 'selfLink', 'uid', 'clusterName', 'generation', 'managedFields', 'resourceVersion'].map(
			(field) => ['f:metadata', `f:${field}`],
		),
	]) {
		insert(out, path);
	}
	return out;
})();

/** How many Update entries an object keeps before the oldest merge into "ancient-changes". */
export const maxUpdateManagers = 10;

interface Managed {
	manager: string;
	operation: string;
	apiVersion: string;
	subresource: string | undefined;
	time: string | undefined;
	set: FieldNode;
	/** The entry this came from, reused when nothing about it changed. */
	source?: {entry: JsonObject; set: FieldNode; time: string | undefined};
}

function identity(manager: string, operation: string, apiVersion: string, subresource: string | undefined): string {
	const id: Record<string, string> = {};
	if (manager !== '') id['manager'] = manager;
	if (operation !== '') id['operation'] = operation;
	if (operation !== 'Apply' && apiVersion !== '') id['apiVersion'] = apiVersion;
	if (subresource) id['subresource'] = subresource;
	return JSON.stringify(id);
}

function text(value: unknown): string {
	return typeof value === 'string' ? value : '';
}

/**
 * The field set of a fieldsV1 object. Objects are usually copies of the live entry's
 * (patches return fresh objects), so an equal live entry's parse is reused.
 */
function entryFields(fieldsV1: unknown, live: unknown): FieldNode {
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

/** Decodes managedFields; undefined when they cannot be decoded (the server then starts afresh). */
function decodeManaged(list: unknown, liveList?: unknown): Map<string, Managed> | undefined {
	const out = new Map<string, Managed>();
	if (list === undefined || list === null) return out;
	if (!Array.isArray(list)) return undefined;
	const lives = Array.isArray(liveList) && liveList !== list ? liveList : [];
	for (let index = 0; index < list.length; index++) {
		const entry = list[index] as unknown;
		if (!isJsonObject(entry)) return undefined;
		if (entry['fieldsType'] !== 'FieldsV1') return undefined;
		const fieldsV1 = entry['fieldsV1'];
		if (fieldsV1 !== undefined && fieldsV1 !== null && !isJsonObject(fieldsV1)) return undefined;
		const manager = text(entry['manager']);
		const operation = text(entry['operation']);
		const apiVersion = text(entry['apiVersion']);
		const subresource = text(entry['subresource']) || undefined;
		const time = text(entry['time']) || undefined;
		const set = entryFields(fieldsV1, lives[index]);
		out.set(identity(manager, operation, apiVersion, subresource), {
			manager,
			operation,
			apiVersion,
			subresource,
			time,
			set,
			source: {entry, set, time},
		});
	}
	return out;
}

function metadataOf(object: unknown): JsonObject | undefined {
	if (!isJsonObject(object)) return undefined;
	const metadata = object['metadata'];
	return isJsonObject(metadata) ? metadata : undefined;
}

/** `[]` or `[{}]` in a written object asks the server to drop all managedFields. */
function isResetRequest(list: unknown): boolean {
	if (!Array.isArray(list)) return false;
	if (list.length === 0) return true;
	return list.length === 1 && isJsonObject(list[0]) && Object.values(list[0]).every((value) => value === null || value === '');
}

/** Which managedFields a write starts from: the written object's, unless absent or a subresource write. */
function startingPoint(before: unknown, after: unknown, existing: unknown, useLive: boolean): Map<string, Managed> {
	const live = existing !== undefined ? existing : metadataOf(before)?.['managedFields'];
	if (useLive) return decodeManaged(live) ?? new Map();
	const written = metadataOf(after)?.['managedFields'];
	if (isResetRequest(written)) return new Map();
	const decoded = decodeManaged(written, live);
	if (decoded === undefined || decoded.size === 0) return decodeManaged(live) ?? new Map();
	return decoded;
}

/** Metadata the server maintains itself; changes to it never make anyone an owner. */
const bookkeeping = ['managedFields', 'resourceVersion', 'generation', 'uid', 'creationTimestamp'];

function withoutBookkeeping(object: unknown): unknown {
	const metadata = metadataOf(object);
	if (metadata === undefined || !bookkeeping.some((key) => Object.prototype.hasOwnProperty.call(metadata, key))) return object;
	const rest: JsonObject = {...metadata};
	for (const key of bookkeeping) delete rest[key];
	return {...(object as JsonObject), metadata: rest};
}

function formatTime(time: string | Date): string {
	const date = typeof time === 'string' ? new Date(time) : time;
	if (Number.isNaN(date.getTime())) return String(time);
	return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function seconds(time: string | undefined): number {
	if (time === undefined) return 0;
	const parsed = Date.parse(time);
	return Number.isNaN(parsed) ? 0 : Math.floor(parsed / 1000);
}

/** Reset fields: a status write records only status; a main write of a kind with /status never does. */
function resetFilter(subresource: string | undefined, statusSubresource: boolean): (set: FieldNode) => FieldNode {
	if (subresource === 'status') return (set) => onlyChild(set, 'f:status');
	if (statusSubresource) return (set) => withoutChild(set, 'f:status');
	return (set) => set;
}

export interface ManagedFieldsWrite {
	/** The live object before the write; undefined on create. */
	before: unknown;
	/** The object about to be stored (for Apply: after merging the applied configuration). */
	after: unknown;
	/** The fieldManager of the request (or the user agent's first word, as the server derives it). */
	manager: string;
	operation: ManagedFieldsOperation;
	/** The group/version the request used, e.g. 'apps/v1'. */
	apiVersion: string;
	/** When the write happens; stored with second precision. */
	time: string | Date;
	/** 'status', 'scale', ... for subresource writes. */
	subresource?: string;
	/** Apply: the applied configuration. */
	applied?: unknown;
	/** Apply: force=true takes fields from other managers instead of failing with 409. Default true. */
	force?: boolean;
	/** The kind's schema; looked up from the object's apiVersion and kind when omitted. */
	schema?: TypeNode | null;
	/** Whether the resource has a /status subresource; taken from the schema when omitted. */
	statusSubresource?: boolean;
	/** The live object's managedFields, when `before` does not carry them itself. */
	existing?: unknown;
}

/**
 * The `metadata.managedFields` the object gets from this write, as the server computes
 * them. An empty array means the object carries none (for instance an existing object
 * that had none is not tracked by Update, as in the real server, until someone applies).
 * Throws a 409 PatchError for an Apply that changes another manager's fields when
 * `force` is false.
 */
export function updateManagedFields(write: ManagedFieldsWrite): ManagedFieldsEntry[] {
	const schema = write.schema === undefined ? lookupSchema(write.after ?? write.before, write.apiVersion) : (write.schema ?? undefined);
	const statusSubresource = write.statusSubresource ?? (schema?.kind === 'struct' ? schema.statusSubresource : false);
	const context: WriteContext = {
		schema,
		filter: resetFilter(write.subresource, statusSubresource),
		apiVersion: write.apiVersion,
		subresource: write.subresource,
		time: formatTime(write.time),
	};
	const useLive = write.operation === 'Apply' || (write.subresource !== undefined && write.subresource !== '');
	const managed = startingPoint(write.before, write.after, write.existing, useLive);
	const before = withoutBookkeeping(write.before);
	const after = withoutBookkeeping(write.after);

	if (write.operation === 'Update') {
		const existing = typeof metadataOf(write.before)?.['uid'] === 'string' && metadataOf(write.before)?.['uid'] !== '';
		if (managed.size === 0 && existing) return [];
		recordUpdate(managed, before, after, write.manager, context);
		capUpdateManagers(managed);
	} else {
		if (managed.size === 0) {
			recordUpdate(managed, undefined, before, 'before-first-apply', context);
			capUpdateManagers(managed);
		}
		recordApply(managed, before, after, write.applied, write.manager, write.force ?? true, context);
	}
	return encode(managed);
}

interface WriteContext {
	schema: TypeNode | undefined;
	filter: (set: FieldNode) => FieldNode;
	apiVersion: string;
	subresource: string | undefined;
	time: string;
}

function lookupSchema(object: unknown, apiVersion: string): StructNode | undefined {
	if (!isJsonObject(object)) return undefined;
	const version = typeof object['apiVersion'] === 'string' ? object['apiVersion'] : apiVersion;
	return typeof object['kind'] === 'string' ? schemaFor(version, object['kind']) : undefined;
}

function changesOf(before: unknown, after: unknown, context: WriteContext): {changed: FieldNode; removed: FieldNode; any: boolean} {
	const comparison = compareObjects(before, after, context.schema);
	const any = !isEmpty(comparison.added) || !isEmpty(comparison.modified) || !isEmpty(comparison.removed);
	return {
		changed: context.filter(union(comparison.modified, comparison.added)),
		removed: context.filter(comparison.removed),
		any,
	};
}

function dropEmpty(managed: Map<string, Managed>): void {
	for (const [id, entry] of managed) if (isEmpty(entry.set)) managed.delete(id);
}

/** Update: everyone loses what changed; the writer gains it (if anything changed for it). */
function recordUpdate(managed: Map<string, Managed>, before: unknown, after: unknown, manager: string, context: WriteContext): void {
	const {changed, removed} = changesOf(before, after, context);
	for (const entry of managed.values()) entry.set = difference(difference(entry.set, changed), removed);
	dropEmpty(managed);
	const gained = difference(changed, strippedPaths);
	if (isEmpty(gained)) return;
	const id = identity(manager, 'Update', context.apiVersion, context.subresource);
	const previous = managed.get(id);
	managed.set(id, {
		manager,
		operation: 'Update',
		apiVersion: context.apiVersion,
		subresource: context.subresource,
		time: context.time,
		set: previous === undefined ? gained : union(gained, previous.set),
		source: previous?.source,
	});
}

/** Apply: the applier owns exactly what it applied; others lose what changed (or it conflicts). */
function recordApply(
	managed: Map<string, Managed>,
	live: unknown,
	after: unknown,
	applied: unknown,
	manager: string,
	force: boolean,
	context: WriteContext,
): void {
	const id = identity(manager, 'Apply', context.apiVersion, context.subresource);
	const appliedSet = difference(context.filter(fieldSetNode(applied, context.schema)), strippedPaths);
	const {changed, removed, any} = changesOf(live, after, context);
	if (!force) {
		const conflicts: Array<{entry: Managed; id: string; path: readonly string[]}> = [];
		for (const [otherId, entry] of managed) {
			if (otherId === id) continue;
			forEachMember(intersection(entry.set, changed), (path) => conflicts.push({entry, id: otherId, path}));
		}
		if (conflicts.length > 0) throw conflictError(conflicts);
	}
	for (const [otherId, entry] of managed) {
		if (otherId !== id) entry.set = difference(difference(entry.set, changed), removed);
	}
	const previous = managed.get(id);
	managed.set(id, {
		manager,
		operation: 'Apply',
		apiVersion: context.apiVersion,
		subresource: context.subresource,
		time: any ? context.time : previous?.time,
		set: appliedSet,
		source: previous?.source,
	});
	dropEmpty(managed);
}

function printManager(entry: Managed): string {
	let out = JSON.stringify(entry.manager);
	if (entry.subresource) out += ` with subresource ${JSON.stringify(entry.subresource)}`;
	if (entry.operation === 'Update') out += ` using ${entry.apiVersion}`;
	return out;
}

function conflictError(conflicts: Array<{entry: Managed; id: string; path: readonly string[]}>): PatchError {
	const causes = conflicts.map(({entry, path}) => ({
		type: 'FieldManagerConflict',
		message: `conflict with ${printManager(entry)}`,
		field: pathText(path),
	}));
	if (conflicts.length === 1) {
		const [only] = conflicts;
		return new PatchError('conflict', 409, 'Conflict', `Apply failed with 1 conflict: conflict with ${printManager(only!.entry)}: ${pathText(only!.path)}`, causes);
	}
	const byManager = new Map<string, {entry: Managed; paths: string[]}>();
	for (const {entry, id, path} of conflicts) {
		const group = byManager.get(id) ?? {entry, paths: []};
		group.paths.push(pathText(path));
		byManager.set(id, group);
	}
	const lines: string[] = [];
	for (const id of [...byManager.keys()].sort()) {
		const group = byManager.get(id)!;
		lines.push(`conflicts with ${printManager(group.entry)}:`);
		for (const path of group.paths) lines.push(`- ${path}`);
	}
	return new PatchError('conflict', 409, 'Conflict', `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`, causes);
}

/** Merges the oldest Update entries into "ancient-changes" once there are more than ten. */
function capUpdateManagers(managed: Map<string, Managed>): void {
	const updaters = [...managed.entries()].filter(([, entry]) => entry.operation !== 'Apply');
	if (updaters.length <= maxUpdateManagers) return;
	updaters.sort(([idA, a], [idB, b]) => seconds(a.time) - seconds(b.time) || (idA < idB ? -1 : idA > idB ? 1 : 0));
	const firstOfVersion = new Map<string, string>();
	let length = updaters.length;
	for (let i = 0; i < updaters.length && length > maxUpdateManagers; i++) {
		const [id, entry] = updaters[i]!;
		const bucket = identity('ancient-changes', 'Update', entry.apiVersion, undefined);
		const first = firstOfVersion.get(entry.apiVersion);
		if (first === undefined) {
			firstOfVersion.set(entry.apiVersion, id);
			continue;
		}
		if (!managed.has(bucket)) {
			const moved = managed.get(first)!;
			managed.delete(first);
			managed.set(bucket, {...moved, manager: 'ancient-changes', operation: 'Update', subresource: undefined, source: undefined});
		}
		const target = managed.get(bucket)!;
		target.set = union(entry.set, target.set);
		target.time = entry.time;
		target.source = undefined;
		managed.delete(id);
		length--;
	}
}

function encode(managed: Map<string, Managed>): ManagedFieldsEntry[] {
	const entries = [...managed.values()];
	entries.sort(
		(a, b) =>
			(a.operation < b.operation ? -1 : a.operation > b.operation ? 1 : 0) ||
			seconds(a.time) - seconds(b.time) ||
			(a.manager < b.manager ? -1 : a.manager > b.manager ? 1 : 0) ||
			(a.apiVersion < b.apiVersion ? -1 : a.apiVersion > b.apiVersion ? 1 : 0) ||
			((a.subresource ?? '') < (b.subresource ?? '') ? -1 : (a.subresource ?? '') > (b.subresource ?? '') ? 1 : 0),
	);
	return entries.map((entry) => {
		const unchanged = entry.source !== undefined && entry.source.set === entry.set && entry.source.time === entry.time;
		const fieldsV1 =
			unchanged && isJsonObject(entry.source!.entry['fieldsV1'])
				? (entry.source!.entry['fieldsV1'] as FieldsV1)
				: serializeFields(entry.set);
		return {
			manager: entry.manager,
			operation: entry.operation as ManagedFieldsOperation,
			apiVersion: entry.apiVersion,
			...(entry.time === undefined ? {} : {time: entry.time}),
			fieldsType: 'FieldsV1',
			fieldsV1,
			...(entry.subresource ? {subresource: entry.subresource} : {}),
		};
	});
}

// ---------------------------------------------------------------------------------------
// Questions about ownership

export interface FieldOwner {
	manager: string;
	operation: ManagedFieldsOperation;
	apiVersion: string;
	subresource?: string;
	time?: string;
}

/**
 * The managers that own a field, e.g. `managersOf(obj.metadata.managedFields,
 * ['spec', 'replicas'])`. A path part is a field name, or a raw element such as
 * `k:{"name":"app"}`. A manager owns the path when the path itself is in its set;
 * atomic fields are owned whole, so ask for spec.selector, not for a key inside it.
 */
export function managersOf(managedFields: unknown, path: readonly string[]): FieldOwner[] {
	const elements = toElements(path);
	const owners: FieldOwner[] = [];
	const decoded = decodeManaged(managedFields);
	if (decoded === undefined) return owners;
	for (const entry of decoded.values()) {
		if (!owns(entry.set, elements)) continue;
		const owner: FieldOwner = {manager: entry.manager, operation: entry.operation as ManagedFieldsOperation, apiVersion: entry.apiVersion};
		if (entry.subresource) owner.subresource = entry.subresource;
		if (entry.time !== undefined) owner.time = entry.time;
		owners.push(owner);
	}
	return owners;
}

function owns(set: FieldNode, elements: readonly string[]): boolean {
	let node: FieldNode | undefined = set;
	for (const element of elements) {
		node = node.children?.get(element);
		if (node === undefined) return false;
	}
	return elements.length > 0 && node.member;
}

/** Every path (as elements) an entry's fieldsV1 holds, in the server's order. */
export function fieldPaths(fieldsV1: unknown): string[][] {
	const out: string[][] = [];
	forEachMember(parseFields(fieldsV1), (path) => out.push([...path]));
	return out;
}

/** A path of elements as the server prints it, e.g. `.spec.template.spec.containers[name="app"]`. */
export function formatFieldPath(elements: readonly string[]): string {
	return pathText(elements);
}
