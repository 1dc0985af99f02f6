/**
 * Object helpers the simulated API's write paths share: the key order the real server
 * serializes objects in, a deep copy, equality as JSON, and the part of an object whose
 * change bumps metadata.generation.
 */
import type {ResourceType} from './resources.js';
import type {Obj} from '../formats/json-object.js';

const TOP_ORDER = ['kind', 'apiVersion', 'metadata'];
const META_ORDER = [
	'name',
	'generateName',
	'namespace',
	'uid',
	'resourceVersion',
	'generation',
	'creationTimestamp',
	'deletionTimestamp',
	'deletionGracePeriodSeconds',
	'labels',
	'annotations',
	'ownerReferences',
	'finalizers',
	'managedFields',
];

function ordered(object: Obj, first: string[], last: string[] = []): Obj {
	const out: Obj = {};
	for (const key of first) if (object[key] !== undefined) out[key] = object[key];
	for (const key of Object.keys(object)) if (!first.includes(key) && !last.includes(key) && object[key] !== undefined) out[key] = object[key];
	for (const key of last) if (object[key] !== undefined) out[key] = object[key];
	return out;
}

/** Key order as the real server serializes: kind, apiVersion, metadata, spec…, status. */
export function normalize(object: Obj): Obj {
	const out = ordered(object, TOP_ORDER, ['status']);
	if (out.metadata) out.metadata = ordered(out.metadata, META_ORDER);
	return out;
}

export function clone<T>(value: T): T {
	return JSON.parse(JSON.stringify(value)) as T;
}

export function sameJson(a: unknown, b: unknown): boolean {
	return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/** Fields whose change bumps metadata.generation: spec for built-ins, all but metadata/status for CRs. */
export function generationPart(type: ResourceType, object: Obj): unknown {
	if (!type.custom) return object.spec;
	const {metadata: _m, status: _s, ...rest} = object;
	return rest;
}
