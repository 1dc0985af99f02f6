/**
 * managedFields bookkeeping as kube-apiserver does it on every write, so a client can
 * see who last wrote which field: the Update rules (the writer gains the fields it
 * changed, everyone else loses them), the Apply rules (the applier owns exactly what it
 * applied; changing another manager's field is a conflict unless forced), and the
 * server's housekeeping (metadata fields it never tracks, status reset by subresource,
 * at most ten Update entries, sorted output). The field sets themselves are in
 * field-set.ts, what an object sets and what a write changed in object-fields.ts.
 */
import {PatchError} from '../patch/errors.js';
import {isJsonObject, type JsonObject} from '../patch/json.js';
import {schemaFor} from '../schema/kinds.js';
import type {StructNode, TypeNode} from '../schema/types.js';
import {
	building,
	difference,
	entryFields,
	forEachMember,
	insert,
	intersection,
	isEmpty,
	onlyChild,
	parseFields,
	serializeFields,
	union,
	withoutChild,
	type FieldNode,
	type FieldsV1,
} from './field-set.js';
import {compareObjects, fieldSetNode} from './object-fields.js';
import {pathText, toElements} from './path-elements.js';

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

/** Paths the server never records for the writer (stripMetaManager). */
const strippedPaths: FieldNode = (() => {
	const out = building();
	for (const path of [
		['f:apiVersion'],
		['f:kind'],
		['f:metadata'],
		...['name', 'namespace', 'creationTimestamp', 'selfLink', 'uid', 'clusterName', 'generation', 'managedFields', 'resourceVersion'].map((field) => [
			'f:metadata',
			`f:${field}`,
		]),
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
		return new PatchError(
			'conflict',
			409,
			'Conflict',
			`Apply failed with 1 conflict: conflict with ${printManager(only!.entry)}: ${pathText(only!.path)}`,
			causes,
		);
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
		const fieldsV1 = unchanged && isJsonObject(entry.source!.entry['fieldsV1']) ? (entry.source!.entry['fieldsV1'] as FieldsV1) : serializeFields(entry.set);
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
