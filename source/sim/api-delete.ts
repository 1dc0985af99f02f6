/**
 * DELETE in the simulated API: preconditions on uid and resourceVersion, the propagation
 * policy (Background, Foreground, Orphan, and Jobs' orphaning default with its warning),
 * graceful pod deletion, finalizers that hold an object in deletion, dry runs, and the
 * Status a finished delete answers with.
 */
import type {RequestContext, SimApi} from './api.js';
import {clone, normalize, sameJson} from './api-objects.js';
import {errors} from './errors.js';
import type {ResourceType} from './resources.js';
import type {Obj} from '../formats/json-object.js';

export interface DeleteOptions {
	gracePeriodSeconds?: number;
	propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
	orphanDependents?: boolean;
	preconditions?: {uid?: string; resourceVersion?: string};
	dryRun?: boolean;
}

/** DELETE of one object: graceful for pods, finalizers and propagation policies honoured. */
export function deleteObject(
	api: SimApi,
	type: ResourceType,
	namespace: string,
	name: string,
	options: DeleteOptions,
	ctx: RequestContext,
): {body: Obj; code: number} {
	const record = api.record(type, namespace, name);
	if (!record) throw errors.notFound(type, name);
	const live = api.view(type, record);
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
	if (policy === 'Orphan' && record.owners !== undefined && api.store.dependentsOf(record.uid).length > 0) finalizers.add('orphan');
	if (policy === 'Foreground' && api.store.dependentsOf(record.uid).length > 0) finalizers.add('foregroundDeletion');

	if (type.kind === 'Pod') {
		const grace = options.gracePeriodSeconds ?? live.spec?.terminationGracePeriodSeconds ?? 30;
		const terminal = ['Succeeded', 'Failed'].includes(live.status?.phase);
		const graceful = grace > 0 && Boolean(live.spec?.nodeName) && !terminal;
		if (graceful || finalizers.size > 0) {
			const next = clone(live);
			const now = api.clock.now();
			const existing = meta.deletionTimestamp ? Date.parse(meta.deletionTimestamp) : undefined;
			const deadline = now + (graceful ? grace : 0) * 1000;
			if (existing === undefined || deadline < existing) {
				next.metadata.deletionTimestamp = api.clock.iso(deadline);
				next.metadata.deletionGracePeriodSeconds = graceful ? grace : 0;
			}
			if (finalizers.size > 0) next.metadata.finalizers = [...finalizers];
			if (dryRun) return {body: normalize(next), code: 200};
			if (sameJson(next.metadata, live.metadata)) return {body: live, code: 200};
			next.metadata.generation = Number(meta.generation ?? 0) + 1;
			return {body: api.commit(type, next, {record, object: live}), code: 200};
		}
		if (dryRun) return {body: live, code: 200};
		api.remove(type, record, live);
		return {body: live, code: 200};
	}

	if (finalizers.size > 0) {
		if (meta.deletionTimestamp && sameJson([...finalizers].sort(), [...(meta.finalizers ?? [])].sort())) return {body: live, code: 202};
		const next = clone(live);
		next.metadata.deletionTimestamp ??= api.clock.iso();
		next.metadata.deletionGracePeriodSeconds = 0;
		next.metadata.finalizers = [...finalizers];
		if (type.kind === 'Namespace') next.status = {...next.status, phase: 'Terminating'};
		if (dryRun) return {body: normalize(next), code: 200};
		const stored = api.commit(type, next, {record, object: live});
		return {body: stored, code: policy !== 'Background' && options.orphanDependents === false ? 202 : 200};
	}
	if (dryRun) return {body: successStatus(type, live), code: 200};
	api.remove(type, record, live);
	return {body: successStatus(type, live), code: 200};
}

export function successStatus(type: ResourceType, object: Obj): Obj {
	return {
		kind: 'Status',
		apiVersion: 'v1',
		metadata: {},
		status: 'Success',
		details: {name: object.metadata?.name, group: type.group || undefined, kind: type.resource, uid: object.metadata?.uid},
	};
}
