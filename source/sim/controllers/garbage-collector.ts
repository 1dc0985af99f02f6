/**
 * The simulated garbage collector: when an owner is gone, its dependents are deleted
 * (background); when it is being deleted with the orphan finalizer, their owner reference is
 * removed; with foregroundDeletion, they are deleted first and the owner's finalizer is
 * released once none is left.
 */
import type {ResourceType} from '../resources.js';
import type {Obj} from '../../formats/json-object.js';
import type {ControllerContext} from './context.js';

/** For one owner uid: delete or orphan its dependents, then release its finalizer; `requeue` tries the uid again later. */
export function collectGarbage(ctx: ControllerContext, uid: string, requeue: (uid: string) => void): void {
	const dependents = ctx.api.store.dependentsOf(uid);
	const owner = findByUid(ctx, uid);
	const finalizers = (owner?.object.metadata?.finalizers ?? []) as string[];
	const orphan = finalizers.includes('orphan');
	for (const [storage, key] of dependents) {
		const type = ctx.api.storageType(storage);
		const record = ctx.api.store.resource(storage).get(key);
		if (!type || !record) continue;
		const dependent = JSON.parse(record.json) as Obj;
		if (owner && !orphan && !finalizers.includes('foregroundDeletion')) continue;
		if (orphan) {
			const refs = ((dependent.metadata.ownerReferences ?? []) as Obj[]).filter((ref) => ref.uid !== uid);
			const next = {...dependent, metadata: {...dependent.metadata, ownerReferences: refs}};
			if (refs.length === 0) delete next.metadata.ownerReferences;
			ctx.api.controllerWrite(type, next, 'kube-controller-manager');
		} else if (!dependent.metadata.deletionTimestamp) {
			try {
				ctx.api.delete(
					type,
					record.namespace,
					record.name,
					{propagationPolicy: owner ? 'Foreground' : 'Background'},
					{user: {name: 'system:serviceaccount:kube-system:generic-garbage-collector', groups: []}},
				);
			} catch {
				// Gone.
			}
		}
	}
	if (owner && (orphan || finalizers.includes('foregroundDeletion'))) {
		const remaining = ctx.api.store.dependentsOf(uid).length;
		if (orphan || remaining === 0) {
			const next = structuredClone(owner.object);
			next.metadata.finalizers = finalizers.filter((f) => f !== 'orphan' && f !== 'foregroundDeletion');
			ctx.api.controllerWrite(owner.type, next, 'kube-controller-manager');
		} else ctx.after(1000, () => requeue(uid));
	}
}

function findByUid(ctx: ControllerContext, uid: string): {type: ResourceType; object: Obj} | undefined {
	for (const store of ctx.api.store.resources()) {
		for (const record of store.objects.values()) {
			if (record.uid === uid) {
				const type = ctx.api.storageType(store.storage);
				if (type) return {type, object: JSON.parse(record.json) as Obj};
			}
		}
	}
	return undefined;
}
