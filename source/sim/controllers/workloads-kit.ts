/**
 * What the simulated workload controllers share: handles for the kinds they manage, an
 * owner's dependents read through the owner index, pods created and deleted as a controller
 * does (its service account and field manager; a failure left to the next sync), status
 * writes that skip a change of nothing, and the pod states they count by.
 */
import type {ResourceType} from '../resources.js';
import type {Obj} from '../../formats/json-object.js';
import {type ControllerContext, ownerRef, splitKey} from './context.js';

export const MANAGER = 'kube-controller-manager';

export function isTerminating(pod: Obj): boolean {
	return Boolean(pod.metadata?.deletionTimestamp);
}

export function isFinished(pod: Obj): boolean {
	return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

export function isReady(pod: Obj): boolean {
	return pod.status?.phase === 'Running' && ((pod.status?.conditions ?? []) as Obj[]).some((c) => c.type === 'Ready' && c.status === 'True');
}

export class WorkloadKit {
	readonly pods: ResourceType;
	readonly replicasets: ResourceType;
	readonly deployments: ResourceType;
	readonly statefulsets: ResourceType;
	readonly daemonsets: ResourceType;
	readonly jobs: ResourceType;
	readonly cronjobs: ResourceType;

	constructor(readonly ctx: ControllerContext) {
		this.pods = ctx.type('', 'pods');
		this.replicasets = ctx.type('apps', 'replicasets');
		this.deployments = ctx.type('apps', 'deployments');
		this.statefulsets = ctx.type('apps', 'statefulsets');
		this.daemonsets = ctx.type('apps', 'daemonsets');
		this.jobs = ctx.type('batch', 'jobs');
		this.cronjobs = ctx.type('batch', 'cronjobs');
	}

	/** Parsed dependents of an owner in one storage. */
	owned(ownerUid: string, storage: string): Obj[] {
		const out: Obj[] = [];
		for (const [dependentStorage, key] of this.ctx.api.store.dependentsOf(ownerUid)) {
			if (dependentStorage !== storage) continue;
			const record = this.ctx.api.store.resource(storage).get(key);
			if (record) out.push(JSON.parse(record.json) as Obj);
		}
		return out;
	}

	get(type: ResourceType, key: string): Obj | undefined {
		const [namespace, name] = splitKey(key);
		const record = this.ctx.api.record(type, namespace, name);
		return record ? (JSON.parse(record.json) as Obj) : undefined;
	}

	createPod(owner: Obj, template: Obj, name: string, extra: {labels?: Record<string, string>; nodeName?: string; hostname?: string} = {}): void {
		const spec = structuredClone(template.spec ?? {}) as Obj;
		if (extra.nodeName) spec.nodeName = extra.nodeName;
		if (extra.hostname) spec.hostname = extra.hostname;
		const pod: Obj = {
			apiVersion: 'v1',
			kind: 'Pod',
			metadata: {
				name,
				namespace: owner.metadata.namespace,
				labels: {...(template.metadata?.labels ?? {}), ...(extra.labels ?? {})},
				...(template.metadata?.annotations ? {annotations: template.metadata.annotations} : {}),
				ownerReferences: [ownerRef(owner)],
			},
			spec,
		};
		try {
			this.ctx.api.create(this.pods, owner.metadata.namespace, pod, {
				user: {name: `system:serviceaccount:kube-system:${owner.kind.toLowerCase()}-controller`, groups: []},
				fieldManager: MANAGER,
			});
		} catch {
			// Quota or a name clash: the next sync tries again, as the real controller does.
		}
	}

	deletePod(pod: Obj): void {
		this.deleteAs('replicaset-controller', this.pods, pod, {});
	}

	/** Delete `object` as the kube-system controller `controller` does; one already gone is no error. */
	deleteAs(controller: string, type: ResourceType, object: Obj, options: {propagationPolicy?: 'Background'} = {propagationPolicy: 'Background'}): void {
		try {
			this.ctx.api.delete(type, object.metadata.namespace, object.metadata.name, options, {
				user: {name: `system:serviceaccount:kube-system:${controller}`, groups: []},
			});
		} catch {
			// Already gone.
		}
	}

	writeStatus(type: ResourceType, object: Obj, status: Obj): void {
		if (JSON.stringify(object.status ?? {}) === JSON.stringify({...(object.status ?? {}), ...status})) return;
		this.ctx.api.controllerWrite(type, {...object, status: {...(object.status ?? {}), ...status}}, MANAGER, 'status');
	}
}
