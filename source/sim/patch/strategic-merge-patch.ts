/**
 * Strategic merge patch as k8s.io/apimachinery's strategicpatch applies it: lists merge
 * by the key the schema gives, directives included, errors as the real server words
 * them. Nothing here mutates its inputs, and every result is a fresh value.
 */
import {childNode, type ListNode, type TypeNode} from '../schema/types.js';
import {badRequest, PatchError, plainError} from './errors.js';
import {cloneJson, goFormat, goTypeName, hasOwn, isJsonObject, jsonKindName, scalarKey, setKey, type JsonObject} from './json.js';

const directiveMarker = '$patch';
const retainKeysDirective = '$retainKeys';
const deleteFromPrimitiveListPrefix = '$deleteFromPrimitiveList';
const setElementOrderPrefix = '$setElementOrder';

function isDirectiveKey(key: string): boolean {
	return key === directiveMarker || key === retainKeysDirective || key.startsWith(deleteFromPrimitiveListPrefix) || key.startsWith(setElementOrderPrefix);
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
export function typedValue(value: unknown): unknown {
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
				setKey(original, key, mergeSlice(current as unknown[], patchValue, listNode, listNode?.patchMergeKey ?? '', isDeleteList));
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
				listNode?.patchStrategy === 'merge' ? mergeSlice(originalItems, patchItems, listNode, mergeKey, false, backing) : (typedValue(patchItems) as unknown[]);
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
		throw plainError(`the order in patch list:\n${goFormat(patchItems)}\n doesn't match ${setElementOrderPrefix} list:\n${goFormat(order)}`);
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
	const live = original.slice();
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
			for (let at = 0; at < live.length;) {
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
