/**
 * The simulated API server's object operations — get, list, create, update, patch,
 * delete — with the semantics a client can observe: defaulting and admission, status
 * and scale subresources, resourceVersion preconditions (409), generation bumps,
 * managedFields, dry runs that save nothing, graceful pod deletion, finalizers and
 * propagation policies. The HTTP layer and the simulated controllers both write through
 * here, so every change reaches watchers the same way. This file holds reads, storage
 * records, create and the write path that update and patch share; a patch body is decoded
 * by api-patch.ts, the Scale by api-scale.ts, DELETE by api-delete.ts.
 */
import {admitPodCreate, applyDefaults, validate} from './admission.js';
import {clone, generationPart, normalize, sameJson} from './api-objects.js';
import {deleteObject, type DeleteOptions} from './api-delete.js';
import {decodePatch, fromPatchError} from './api-patch.js';
import {scaleMutation, scaleOf} from './api-scale.js';
import type {SimClock} from './clock.js';
import {ApiError, errors, groupResource} from './errors.js';
import {managerFromUserAgent, type UserInfo} from './identity.js';
import {updateManagedFields} from './apply/managed-fields.js';
import {PatchError} from './patch/errors.js';
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
			// The live metadata is kept whole. The real status strategies keep the spec and parts of
			// metadata (a pod's ownerReferences) but let labels and annotations through: not simulated.
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
		const decoded = decodePatch(type, name, contentType, bodyText, ctx);
		if (subresource === 'scale') return this.writeScale(type, namespace, name, ctx, decoded.mutate);
		return this.write(type, namespace, name, ctx, subresource, decoded.mutate, decoded.options);
	}

	getScale(type: ResourceType, namespace: string, name: string): Obj {
		if (!type.subresources?.includes('scale')) throw errors.notFound(type, name);
		return scaleOf(this.get(type, namespace, name));
	}

	private writeScale(type: ResourceType, namespace: string, name: string, ctx: RequestContext, mutate: (scale: Obj) => Obj): Obj {
		if (!type.subresources?.includes('scale')) throw errors.notFound(type, name);
		const result = this.write(type, namespace, name, ctx, 'scale', scaleMutation(type, name, mutate));
		return scaleOf(result);
	}

	/** DELETE of one object: graceful for pods, finalizers and propagation policies honoured. */
	delete(type: ResourceType, namespace: string, name: string, options: DeleteOptions, ctx: RequestContext): {body: Obj; code: number} {
		return deleteObject(this, type, namespace, name, options, ctx);
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
