/**
 * The small functions the kind tables are written with, so they read like the Go types,
 * and the meta/v1 types every kind shares (ObjectMeta, conditions, selectors, references).
 */
import type {ListNode, MapNode, StructNode, TypeNode} from './types.js';

interface StructOptions {
	present?: readonly string[];
	atomic?: boolean;
	statusSubresource?: boolean;
}

export function struct(name: string, fields: Record<string, TypeNode>, options: StructOptions = {}): StructNode {
	return {
		kind: 'struct',
		name,
		fields: new Map(Object.entries(fields)),
		present: new Set(options.present ?? []),
		atomic: options.atomic ?? false,
		statusSubresource: options.statusSubresource ?? false,
	};
}

/** A struct owned as a whole (`+structType=atomic`); its fields do not matter to us. */
export function atomicStruct(name: string): StructNode {
	return struct(name, {}, {atomic: true});
}

export function map(values?: TypeNode, options: {atomic?: boolean; replace?: boolean} = {}): MapNode {
	return {
		kind: 'map',
		values,
		atomic: options.atomic ?? false,
		patchStrategy: options.replace ? 'replace' : 'merge',
	};
}

interface ListOptions {
	items?: TypeNode;
	patchStrategy?: 'merge' | 'replace';
	patchMergeKey?: string;
	retainKeys?: boolean;
	listType?: 'atomic' | 'set' | 'map';
	listMapKeys?: readonly string[];
	keyDefaults?: Record<string, string>;
}

function list(options: ListOptions): ListNode {
	return {
		kind: 'list',
		items: options.items,
		patchStrategy: options.patchStrategy ?? 'replace',
		patchMergeKey: options.patchMergeKey,
		retainKeys: options.retainKeys ?? false,
		listType: options.listType ?? 'atomic',
		listMapKeys: options.listMapKeys ?? [],
		keyDefaults: options.keyDefaults ?? {},
	};
}

/** Replaced by a strategic merge patch, owned as a whole by server-side apply. */
export function atomicList(items?: TypeNode): ListNode {
	return list({items});
}

/**
 * Merged by key in both worlds; `ssaKeys` defaults to the strategic merge key.
 * Pass `ssaAtomic` for lists that strategic merge patch merges but SSA owns whole.
 */
export function keyedList(
	items: TypeNode | undefined,
	patchMergeKey: string,
	options: {ssaKeys?: readonly string[]; ssaAtomic?: boolean; retainKeys?: boolean; keyDefaults?: Record<string, string>} = {},
): ListNode {
	return list({
		items,
		patchStrategy: 'merge',
		patchMergeKey,
		retainKeys: options.retainKeys,
		listType: options.ssaAtomic ? 'atomic' : 'map',
		listMapKeys: options.ssaAtomic ? [] : (options.ssaKeys ?? [patchMergeKey]),
		keyDefaults: options.keyDefaults,
	});
}

/** Replaced by a strategic merge patch but keyed for server-side apply. */
export function ssaOnlyKeyedList(items: TypeNode | undefined, keys: readonly string[]): ListNode {
	return list({items, listType: 'map', listMapKeys: keys});
}

/** A list of scalars treated as a set; `smpMerge` when patchStrategy is merge too. */
export function setList(smpMerge: boolean): ListNode {
	return list({patchStrategy: smpMerge ? 'merge' : 'replace', listType: 'set'});
}

// ---------------------------------------------------------------------------------------
// meta/v1

const ownerReference = atomicStruct('OwnerReference');
export const labelSelector = atomicStruct('LabelSelector');
export const objectReference = atomicStruct('ObjectReference');
export const localObjectReference = atomicStruct('LocalObjectReference');

export const objectMeta = struct('ObjectMeta', {
	labels: map(),
	annotations: map(),
	ownerReferences: keyedList(ownerReference, 'uid'),
	finalizers: setList(true),
	managedFields: atomicList(),
});

export const conditions = keyedList(undefined, 'type');

/** metadata + spec + status, the shape of most kinds. */
export function kind(name: string, fields: Record<string, TypeNode>, options: {statusSubresource?: boolean} = {}): StructNode {
	const present = ['metadata'];
	if ('spec' in fields) present.push('spec');
	if ('status' in fields) present.push('status');
	return struct(name, {metadata: objectMeta, ...fields}, {present, statusSubresource: options.statusSubresource});
}
