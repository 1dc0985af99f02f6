/**
 * The simulated API server's object operations — get, list, create, update, patch,
 * delete — with the semantics a client can observe: defaulting and admission, status
 * and scale subresources, resourceVersion preconditions (409), generation bumps,
 * managedFields, dry runs that save nothing, graceful pod deletion, finalizers and
 * propagation policies. The HTTP layer and the simulated controllers both write through
 * here, so every change reaches watchers the same way.
 */
import {parse as parseYaml} from 'yaml';
import {admitPodCreate, applyDefaults, validate} from './admission.js';
import {applyServerSideApply} from './apply/merge.js';
import type {SimClock} from './clock.js';
import {ApiError, errors, groupResource} from './errors.js';
import {managerFromUserAgent, type UserInfo} from './identity.js';
import {updateManagedFields} from './apply/managed-fields.js';
import {PatchError} from './patch/errors.js';
import {applyJsonPatch} from './patch/json-patch.js';
import {applyJsonMergePatch} from './patch/merge-patch.js';
import {parseRawJson, type RawJson} from './patch/raw-json.js';
import {applyStrategicMergePatch} from './patch/strategic-merge-patch.js';
import {schemaFor} from './schema/kinds.js';
import type {Random} from './random.js';
import {groupVersion, type ResourceRegistry, type ResourceType} from './resources.js';
import type {ObjectStore, StoredRecord} from './store.js';
import type {Obj} from '../formats/json-object.js';

export interface RequestContext {
	user: UserInfo;
	userAgent?: string;
	fieldManager?: string;
	dryRun?: boolean;
	force?: boolean;
	/** Warnings to send back as `Warning: 299 - "…"` headers. */
	warnings?: string[];
}

export interface DeleteOptions {
	gracePeriodSeconds?: number;
	propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
	orphanDependents?: boolean;
	preconditions?: {uid?: string; resourceVersion?: string};
	dryRun?: boolean;
}

export const PATCH_TYPES = {
	json: 'application/json-patch+json',
	merge: 'application/merge-patch+json',
	strategic: 'application/strategic-merge-patch+json',
	apply: 'application/apply-patch+yaml',
} as const;

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

function clone<T>(value: T): T {
	return JSON.parse(JSON.stringify(value)) as T;
}

function sameJson(a: unknown, b: unknown): boolean {
	return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/** Fields whose change bumps metadata.generation: spec for built-ins, all but metadata/status for CRs. */
function generationPart(type: ResourceType, object: Obj): unknown {
	if (!type.custom) return object.spec;
	const {metadata: _m, status: _s, ...rest} = object;
	return rest;
}

/** The Status a real server answers a refused patch with. */
function fromPatchError(error: PatchError, type: ResourceType, name: string): ApiError {
	if (error.anonymous) return new ApiError(error.code, error.reason, error.message, {});
	const causes = error.causes.map((c) => ({reason: c.type ?? 'FieldValueInvalid', message: c.message, ...(c.field ? {field: c.field} : {})}));
	return new ApiError(error.code, error.reason, error.message, {
		name,
		group: type.group || undefined,
		kind: type.resource,
		...(causes.length > 0 ? {causes} : {}),
	});
}

export class SimApi {
	/** Called when a namespace finishes terminating or a pod is bound etc.; controllers hook in here. */
	readonly hooks: {beforeCreate: Array<(type: ResourceType, object: Obj) => void>} = {beforeCreate: []};

	constructor(
		readonly registry: ResourceRegistry,
		readonly store: ObjectStore,
		readonly clock: SimClock,
		readonly random: Random,
		readonly minor: number,
	) {}

	static key(namespace: string, name: string): string {
		return namespace ? `${namespace}/${name}` : name;
	}

	/** The storage-side type for a storage key (the preferred version that owns it). */
	storageType(storage: string): ResourceType | undefined {
		return this.registry.all().find((type) => type.storage === storage && !type.convert);
	}

	record(type: ResourceType, namespace: string, name: string): StoredRecord | undefined {
		return this.store.resource(type.storage).get(SimApi.key(type.namespaced ? namespace : '', name));
	}

	/** Parse a stored record as the given type's version shows it. */
	view(type: ResourceType, record: StoredRecord): Obj {
		const stored = JSON.parse(record.json) as Obj;
		if (type.convert) return type.convert.fromStorage(stored);
		const gv = groupVersion(type);
		if (stored.apiVersion !== gv) stored.apiVersion = gv;
		return stored;
	}

	/** The JSON a client of `type` receives for this record (no re-serialization when versions match). */
	render(type: ResourceType, record: StoredRecord): string {
		if (!type.convert && record.apiVersion === groupVersion(type)) return record.json;
		return JSON.stringify(this.view(type, record));
	}

	get(type: ResourceType, namespace: string, name: string): Obj {
		const record = this.record(type, namespace, name);
		if (!record) throw errors.notFound(type, name);
		return this.view(type, record);
	}

	/** Parsed objects of a storage, optionally one namespace: for the simulated controllers. */
	objects(storage: string, namespace?: string): Obj[] {
		const out: Obj[] = [];
		for (const record of this.store.resource(storage).objects.values()) {
			if (namespace !== undefined && record.namespace !== namespace) continue;
			out.push(JSON.parse(record.json) as Obj);
		}
		return out;
	}

	private namespaceCheck(type: ResourceType, namespace: string): void {
		if (!type.namespaced) return;
		const nsType = this.registry.get('', 'v1', 'namespaces')!;
		const ns = this.record(nsType, '', namespace);
		if (!ns) throw errors.namespaceNotFound(namespace);
		if (ns.fields['status.phase'] === 'Terminating') {
			throw errors.forbidden(
				`${type.kind.toLowerCase()}s "${'name'}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`,
			);
		}
	}

	/** Make the immutable stored record for an object (which already carries its resourceVersion). */
	makeRecord(type: ResourceType, object: Obj): StoredRecord {
		const meta = object.metadata as Obj;
		const namespace = type.namespaced ? String(meta.namespace ?? '') : '';
		const name = String(meta.name);
		const fields: Record<string, string> = {'metadata.name': name, 'metadata.namespace': namespace};
		const storageType = this.storageType(type.storage) ?? type;
		if (storageType.fieldLabels) Object.assign(fields, storageType.fieldLabels(object));
		return {
			key: SimApi.key(namespace, name),
			namespace,
			name,
			uid: String(meta.uid ?? ''),
			rv: Number(meta.resourceVersion),
			json: JSON.stringify(object),
			apiVersion: String(object.apiVersion),
			labels: meta.labels as Record<string, string> | undefined,
			fields,
			owners: ((meta.ownerReferences ?? []) as Obj[]).map((ref) => String(ref.uid)),
		};
	}

	/** Put an object into storage without events or admission (scenario seeding). */
	seed(type: ResourceType, object: Obj): Obj {
		const storageType = this.storageType(type.storage) ?? type;
		const stored = normalize(type.convert ? type.convert.toStorage(object) : {...object, apiVersion: groupVersion(storageType), kind: storageType.kind});
		const meta = stored.metadata as Obj;
		meta.uid ??= this.random.uuid();
		meta.creationTimestamp ??= this.clock.iso();
		meta.resourceVersion = String(this.store.nextRv());
		if (stored.spec !== undefined && meta.generation === undefined && type.kind !== 'Pod') meta.generation = 1;
		this.store.seed(type.storage, this.makeRecord(storageType, stored));
		return stored;
	}

	private manager(ctx: RequestContext): string {
		return ctx.fieldManager ?? managerFromUserAgent(ctx.userAgent);
	}

	private toStorage(type: ResourceType, object: Obj): Obj {
		if (type.convert) return type.convert.toStorage(object);
		const storageType = this.storageType(type.storage) ?? type;
		return {...object, apiVersion: groupVersion(storageType), kind: storageType.kind};
	}

	private limitRanges(namespace: string): Obj[] {
		return this.objects('limitranges', namespace);
	}

	/** Create. `subresource` is only used internally (bindings are not modelled). */
	create(type: ResourceType, namespace: string, body: Obj, ctx: RequestContext, apply?: {applied: Obj}): Obj {
		if (!body || typeof body !== 'object' || Array.isArray(body))
			throw errors.badRequest('the object provided is unrecognized (must be of type ' + type.kind + ')');
		if (body.kind !== undefined && body.kind !== type.kind)
			throw errors.badRequest(`the API version in the data (${String(body.apiVersion)}) does not match the expected API version (${groupVersion(type)})`);
		const object = clone(body);
		object.kind = type.kind;
		object.apiVersion = groupVersion(type);
		const meta = (object.metadata ??= {}) as Obj;
		if (type.namespaced) {
			if (meta.namespace !== undefined && meta.namespace !== '' && meta.namespace !== namespace) {
				throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
			}
			meta.namespace = namespace;
			this.namespaceCheck(type, namespace);
		} else delete meta.namespace;
		if (!meta.name && meta.generateName) meta.name = `${meta.generateName}${this.random.suffix(5)}`;
		for (const field of [
			'uid',
			'resourceVersion',
			'creationTimestamp',
			'deletionTimestamp',
			'deletionGracePeriodSeconds',
			'generation',
			'managedFields',
			'selfLink',
		])
			delete meta[field];
		applyDefaults(type.kind, object);
		for (const hook of this.hooks.beforeCreate) hook(type, object);
		if (type.kind === 'Pod') admitPodCreate(object, this.limitRanges(namespace));
		else if (type.subresources?.includes('status') && type.kind !== 'Namespace') delete object.status;
		const causes = validate(type.kind, object, undefined, Boolean(type.custom));
		if (causes.length > 0) throw errors.invalid(type, String(meta.name ?? ''), causes);
		if (this.record(type, namespace, meta.name)) throw errors.alreadyExists(type, meta.name);
		meta.uid = this.random.uuid();
		meta.creationTimestamp = this.clock.iso();
		if ((object.spec !== undefined && type.kind !== 'Pod') || type.custom) meta.generation = 1;
		meta.managedFields = updateManagedFields({
			before: undefined,
			after: object,
			manager: this.manager(ctx),
			operation: apply ? 'Apply' : 'Update',
			applied: apply?.applied,
			apiVersion: groupVersion(type),
			time: this.clock.iso(),
			schema: schemaFor(groupVersion(type), type.kind) ?? null,
		});
		if (ctx.dryRun) return normalize(object);
		return this.commit(type, object);
	}

	/** Store a new version of an object and notify watchers. Returns what the client sees. */
	commit(type: ResourceType, object: Obj, previous?: {record: StoredRecord; object: Obj}): Obj {
		const storageType = this.storageType(type.storage) ?? type;
		const stored = normalize(this.toStorage(type, object));
		(stored.metadata as Obj).resourceVersion = String(this.store.nextRv());
		const record = this.makeRecord(storageType, stored);
		this.store.put(type.storage, record, stored, previous?.object);
		return type.convert ? type.convert.fromStorage(stored) : {...stored, apiVersion: groupVersion(type), kind: type.kind};
	}

	/**
	 * Apply a mutation to the live object and store it: the one path for update and patch.
	 * `mutate` gets a copy of the live object (as `type` shows it) and returns the new one.
	 */
	private write(
		type: ResourceType,
		namespace: string,
		name: string,
		ctx: RequestContext,
		subresource: string | undefined,
		mutate: (live: Obj) => Obj,
		options: {operation?: 'Update' | 'Apply'; applied?: Obj; createIfMissing?: boolean} = {},
	): Obj {
		const record = this.record(type, namespace, name);
		if (!record) {
			if (options.createIfMissing && !subresource) {
				const created = mutate({apiVersion: groupVersion(type), kind: type.kind, metadata: {name, ...(type.namespaced ? {namespace} : {})}});
				return this.create(type, namespace, created, ctx, options.operation === 'Apply' && options.applied ? {applied: options.applied} : undefined);
			}
			throw errors.notFound(type, name);
		}
		const live = this.view(type, record);
		const next = mutate(clone(live));
		if (!next || typeof next !== 'object' || Array.isArray(next)) throw errors.badRequest('the object provided is unrecognized');
		next.kind = type.kind;
		next.apiVersion = groupVersion(type);
		const meta = (next.metadata ??= {}) as Obj;
		if (meta.name !== undefined && meta.name !== name)
			throw errors.badRequest(`the name of the object (${String(meta.name)}) does not match the name on the URL (${name})`);
		if (type.namespaced && meta.namespace !== undefined && meta.namespace !== namespace)
			throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
		// A resourceVersion in the new object is a precondition.
		if (meta.resourceVersion !== undefined && meta.resourceVersion !== '' && String(meta.resourceVersion) !== String(record.rv))
			throw errors.conflict(type, name);
		// Fields the client cannot change.
		const liveMeta = live.metadata as Obj;
		meta.name = name;
		if (type.namespaced) meta.namespace = namespace;
		meta.uid = liveMeta.uid;
		meta.creationTimestamp = liveMeta.creationTimestamp;
		meta.resourceVersion = liveMeta.resourceVersion;
		if (liveMeta.deletionTimestamp) {
			meta.deletionTimestamp = liveMeta.deletionTimestamp;
			meta.deletionGracePeriodSeconds = liveMeta.deletionGracePeriodSeconds;
		} else {
			delete meta.deletionTimestamp;
			delete meta.deletionGracePeriodSeconds;
		}
		if (liveMeta.generation !== undefined) meta.generation = liveMeta.generation;
		// Status and main resource write separately where a status subresource exists.
		if (subresource === 'status') {
			const statusOnly = clone(live);
			statusOnly.status = next.status;
			if (next.metadata) {
				// Status writes may still carry metadata changes to labels/annotations? No: the real
				// status strategy resets metadata except for a few fields; keep live metadata.
			}
			return this.finishWrite(type, record, live, statusOnly, ctx, subresource, options);
		}
		if (type.subresources?.includes('status')) next.status = live.status;
		applyDefaults(type.kind, next);
		if (type.kind === 'Pod') {
			// Requests default from limits happens on decode of every pod write.
			next.status = live.status;
		}
		const causes = validate(type.kind, next, live, Boolean(type.custom));
		if (causes.length > 0) throw errors.invalid(type, name, causes);
		if ((type.custom || type.kind !== 'Pod') && !sameJson(generationPart(type, live), generationPart(type, next))) {
			meta.generation = Number(liveMeta.generation ?? 1) + 1;
		}
		return this.finishWrite(type, record, live, next, ctx, subresource, options);
	}

	private finishWrite(
		type: ResourceType,
		record: StoredRecord,
		live: Obj,
		next: Obj,
		ctx: RequestContext,
		subresource: string | undefined,
		options: {operation?: 'Update' | 'Apply'; applied?: Obj},
	): Obj {
		const meta = next.metadata as Obj;
		try {
			meta.managedFields = updateManagedFields({
				before: live,
				after: next,
				manager: this.manager(ctx),
				operation: options.operation ?? 'Update',
				apiVersion: groupVersion(type),
				time: this.clock.iso(),
				subresource,
				applied: options.applied,
				force: options.operation === 'Apply' ? Boolean(ctx.force) : undefined,
				schema: schemaFor(groupVersion(type), type.kind) ?? null,
				existing: (live.metadata as Obj).managedFields,
			});
		} catch (error) {
			if (error instanceof PatchError) throw fromPatchError(error, type, String(meta.name));
			throw error;
		}
		// A write that changes nothing is a no-op: same resourceVersion, no event.
		const {managedFields: _a, ...liveMetaRest} = live.metadata as Obj;
		const {managedFields: _b, ...nextMetaRest} = meta;
		if (sameJson({...live, metadata: liveMetaRest}, {...next, metadata: nextMetaRest})) return live;
		// An object being deleted whose last finalizer went away is removed now.
		if (meta.deletionTimestamp && (meta.finalizers ?? []).length === 0 && type.kind !== 'Pod') {
			if (ctx.dryRun) return normalize(next);
			this.remove(type, record, next);
			return next;
		}
		if (ctx.dryRun) return normalize(next);
		return this.commit(type, next, {record, object: live});
	}

	update(type: ResourceType, namespace: string, name: string, body: Obj, ctx: RequestContext, subresource?: string): Obj {
		if (!body || typeof body !== 'object' || Array.isArray(body)) throw errors.badRequest('the object provided is unrecognized');
		if (subresource === 'scale') return this.writeScale(type, namespace, name, ctx, () => body);
		return this.write(type, namespace, name, ctx, subresource, () => clone(body));
	}

	/** PATCH with one of the four content types; anything else is a 415. */
	patch(type: ResourceType, namespace: string, name: string, contentType: string, bodyText: string, ctx: RequestContext, subresource?: string): Obj {
		const mediaType = contentType.split(';')[0]!.trim().toLowerCase();
		const accepted = type.custom
			? [PATCH_TYPES.json, PATCH_TYPES.merge, PATCH_TYPES.apply]
			: [PATCH_TYPES.json, PATCH_TYPES.merge, PATCH_TYPES.strategic, PATCH_TYPES.apply];
		if (!(accepted as string[]).includes(mediaType)) throw errors.unsupportedMediaType(mediaType, accepted);
		let body: unknown;
		try {
			body = mediaType === PATCH_TYPES.apply ? parseYaml(bodyText) : JSON.parse(bodyText);
		} catch (error) {
			throw errors.badRequest(`error decoding patch: ${(error as Error).message.split('\n')[0]}`);
		}
		const schema = schemaFor(groupVersion(type), type.kind);
		let raw: RawJson | undefined;
		const rawText = (): RawJson | undefined => {
			try {
				raw ??= parseRawJson(bodyText);
			} catch {
				raw = undefined;
			}
			return raw;
		};
		const apply = (live: Obj): Obj => {
			try {
				switch (mediaType) {
					case PATCH_TYPES.json:
						if (!Array.isArray(body)) throw errors.badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
						// With the body's text: json-patch v4 compares test values by their bytes.
						return applyJsonPatch(live, body, rawText()) as Obj;
					case PATCH_TYPES.merge:
						if (!body || typeof body !== 'object' || Array.isArray(body))
							throw errors.badRequest('json: cannot unmarshal into a map: the patch must be a JSON object');
						return applyJsonMergePatch(live, body) as Obj;
					case PATCH_TYPES.strategic:
						if (!body || typeof body !== 'object' || Array.isArray(body))
							throw errors.badRequest('json: cannot unmarshal into a map: the patch must be a JSON object');
						return applyStrategicMergePatch(live, body as Obj, schema) as Obj;
					default:
						if (!body || typeof body !== 'object' || Array.isArray(body)) throw errors.badRequest('the applied configuration must be an object');
						return applyServerSideApply(live, body as Obj, schema) as Obj;
				}
			} catch (error) {
				if (error instanceof PatchError) throw fromPatchError(error, type, name);
				throw error;
			}
		};
		if (mediaType === PATCH_TYPES.apply) {
			if (!ctx.fieldManager)
				throw errors.invalid(type, name, [{reason: 'FieldValueRequired', field: 'fieldManager', message: 'Required value: is required for apply patch'}]);
			const applied = body as Obj;
			if (applied.metadata?.name !== undefined && applied.metadata.name !== name)
				throw errors.badRequest(`the name of the object (${String(applied.metadata.name)}) does not match the name on the URL (${name})`);
		}
		if (subresource === 'scale') return this.writeScale(type, namespace, name, ctx, apply);
		return this.write(type, namespace, name, ctx, subresource, apply, {
			operation: mediaType === PATCH_TYPES.apply ? 'Apply' : 'Update',
			applied: mediaType === PATCH_TYPES.apply ? (body as Obj) : undefined,
			createIfMissing: mediaType === PATCH_TYPES.apply,
		});
	}

	/** The autoscaling/v1 Scale of a workload. */
	scaleOf(object: Obj): Obj {
		const meta = object.metadata as Obj;
		const selector = object.spec?.selector;
		const selectorText = selector?.matchLabels
			? Object.entries(selector.matchLabels as Record<string, string>)
					.map(([k, v]) => `${k}=${v}`)
					.join(',')
			: '';
		return {
			kind: 'Scale',
			apiVersion: 'autoscaling/v1',
			metadata: {name: meta.name, namespace: meta.namespace, uid: meta.uid, resourceVersion: meta.resourceVersion, creationTimestamp: meta.creationTimestamp},
			spec: {replicas: object.spec?.replicas ?? 0},
			status: {replicas: object.status?.replicas ?? 0, selector: selectorText},
		};
	}

	getScale(type: ResourceType, namespace: string, name: string): Obj {
		if (!type.subresources?.includes('scale')) throw errors.notFound(type, name);
		return this.scaleOf(this.get(type, namespace, name));
	}

	private writeScale(type: ResourceType, namespace: string, name: string, ctx: RequestContext, mutate: (scale: Obj) => Obj): Obj {
		if (!type.subresources?.includes('scale')) throw errors.notFound(type, name);
		const result = this.write(type, namespace, name, ctx, 'scale', (live) => {
			const next = mutate(this.scaleOf(live));
			const replicas = next?.spec?.replicas;
			if (typeof replicas !== 'number' || replicas < 0 || !Number.isInteger(replicas)) {
				throw new ApiError(
					422,
					'Invalid',
					`Scale.autoscaling "${name}" is invalid: spec.replicas: Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`,
				);
			}
			const rv = next.metadata?.resourceVersion;
			if (rv !== undefined && rv !== '' && String(rv) !== String(live.metadata.resourceVersion)) throw errors.conflict(type, name);
			return {...live, spec: {...live.spec, replicas}};
		});
		return this.scaleOf(result);
	}

	/** DELETE of one object: graceful for pods, finalizers and propagation policies honoured. */
	delete(type: ResourceType, namespace: string, name: string, options: DeleteOptions, ctx: RequestContext): {body: Obj; code: number} {
		const record = this.record(type, namespace, name);
		if (!record) throw errors.notFound(type, name);
		const live = this.view(type, record);
		const meta = live.metadata as Obj;
		if (options.preconditions?.uid && options.preconditions.uid !== meta.uid) {
			throw errors.conflict(type, name, `Precondition failed: UID in precondition: ${options.preconditions.uid}, UID in object meta: ${String(meta.uid)}`);
		}
		if (options.preconditions?.resourceVersion && options.preconditions.resourceVersion !== meta.resourceVersion) {
			throw errors.conflict(
				type,
				name,
				`Precondition failed: ResourceVersion in precondition: ${options.preconditions.resourceVersion}, ResourceVersion in meta: ${String(meta.resourceVersion)}`,
			);
		}
		let policy = options.propagationPolicy ?? (options.orphanDependents === true ? 'Orphan' : options.orphanDependents === false ? 'Background' : undefined);
		if (!policy && type.kind === 'Job' && type.group === 'batch' && type.version === 'v1') {
			policy = 'Orphan';
			ctx.warnings?.push(
				'child pods are preserved by default when jobs are deleted; set propagationPolicy=Background to remove them or set propagationPolicy=Orphan to suppress this warning',
			);
		}
		policy ??= 'Background';
		const dryRun = Boolean(options.dryRun || ctx.dryRun);
		const finalizers = new Set<string>((meta.finalizers ?? []) as string[]);
		if (policy === 'Orphan' && record.owners !== undefined && this.store.dependentsOf(record.uid).length > 0) finalizers.add('orphan');
		if (policy === 'Foreground' && this.store.dependentsOf(record.uid).length > 0) finalizers.add('foregroundDeletion');

		if (type.kind === 'Pod') {
			const grace = options.gracePeriodSeconds ?? live.spec?.terminationGracePeriodSeconds ?? 30;
			const terminal = ['Succeeded', 'Failed'].includes(live.status?.phase);
			const graceful = grace > 0 && Boolean(live.spec?.nodeName) && !terminal;
			if (graceful || finalizers.size > 0) {
				const next = clone(live);
				const now = this.clock.now();
				const existing = meta.deletionTimestamp ? Date.parse(meta.deletionTimestamp) : undefined;
				const deadline = now + (graceful ? grace : 0) * 1000;
				if (existing === undefined || deadline < existing) {
					next.metadata.deletionTimestamp = this.clock.iso(deadline);
					next.metadata.deletionGracePeriodSeconds = graceful ? grace : 0;
				}
				if (finalizers.size > 0) next.metadata.finalizers = [...finalizers];
				if (dryRun) return {body: normalize(next), code: 200};
				if (sameJson(next.metadata, live.metadata)) return {body: live, code: 200};
				next.metadata.generation = Number(meta.generation ?? 0) + 1;
				return {body: this.commit(type, next, {record, object: live}), code: 200};
			}
			if (dryRun) return {body: live, code: 200};
			this.remove(type, record, live);
			return {body: live, code: 200};
		}

		if (finalizers.size > 0) {
			if (meta.deletionTimestamp && sameJson([...finalizers].sort(), [...(meta.finalizers ?? [])].sort())) return {body: live, code: 202};
			const next = clone(live);
			next.metadata.deletionTimestamp ??= this.clock.iso();
			next.metadata.deletionGracePeriodSeconds = 0;
			next.metadata.finalizers = [...finalizers];
			if (type.kind === 'Namespace') next.status = {...next.status, phase: 'Terminating'};
			if (dryRun) return {body: normalize(next), code: 200};
			const stored = this.commit(type, next, {record, object: live});
			return {body: stored, code: policy !== 'Background' && options.orphanDependents === false ? 202 : 200};
		}
		if (dryRun) return {body: this.successStatus(type, live), code: 200};
		this.remove(type, record, live);
		return {body: this.successStatus(type, live), code: 200};
	}

	successStatus(type: ResourceType, object: Obj): Obj {
		return {
			kind: 'Status',
			apiVersion: 'v1',
			metadata: {},
			status: 'Success',
			details: {name: object.metadata?.name, group: type.group || undefined, kind: type.resource, uid: object.metadata?.uid},
		};
	}

	/** Remove an object from storage now, sending DELETED with a fresh resourceVersion. */
	remove(type: ResourceType, record: StoredRecord, object: Obj): void {
		const storageType = this.storageType(type.storage) ?? type;
		const tombstoneObject = normalize(this.toStorage(type, object));
		(tombstoneObject.metadata as Obj).resourceVersion = String(this.store.nextRv());
		const tombstone = this.makeRecord(storageType, tombstoneObject);
		this.store.remove(type.storage, record.key, tombstone, tombstoneObject);
	}

	/** Internal write by a simulated controller: no preconditions, manager named explicitly. */
	controllerWrite(type: ResourceType, object: Obj, manager: string, subresource?: string): Obj | undefined {
		const meta = object.metadata as Obj;
		try {
			return this.write(
				type,
				String(meta.namespace ?? ''),
				String(meta.name),
				{user: {name: `system:serviceaccount:kube-system:${manager}`, groups: []}, fieldManager: manager},
				subresource,
				(live) => {
					const next = clone(object);
					next.metadata.resourceVersion = live.metadata.resourceVersion;
					return next;
				},
			);
		} catch (error) {
			if (error instanceof ApiError && error.code === 404) return undefined;
			throw error;
		}
	}

	describe(type: ResourceType): string {
		return groupResource(type);
	}
}
