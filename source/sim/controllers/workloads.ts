/**
 * The simulated kube-controller-manager's workload controllers: Deployment →
 * ReplicaSet → Pods (template changes roll out a new ReplicaSet, old ones are pruned by
 * revisionHistoryLimit), StatefulSet, DaemonSet (a pod per eligible node), Job (pods run
 * to completion), CronJob (Jobs on schedule, history limits), the TTL-after-finished
 * controller and the garbage collector (background, foreground and orphan deletion).
 * This file holds their work queues, what each stored change queues, and their timers; the
 * controllers are workloads-apps.ts, workloads-batch.ts and garbage-collector.ts, sharing
 * workloads-kit.ts.
 */
import {type ControllerContext, controllerOf, keyOf, WorkQueue} from './context.js';
import {collectGarbage} from './garbage-collector.js';
import {syncDaemonSet, syncDeployment, syncReplicaSet, syncStatefulSet} from './workloads-apps.js';
import {cronTick, runCronJob, syncJob, ttlTick} from './workloads-batch.js';
import {WorkloadKit} from './workloads-kit.js';
import type {Obj} from '../../formats/json-object.js';

export class WorkloadControllers {
	private readonly kit: WorkloadKit;
	private readonly queues: Record<string, WorkQueue>;

	constructor(ctx: ControllerContext) {
		this.kit = new WorkloadKit(ctx);
		const kit = this.kit;
		this.queues = {
			Deployment: new WorkQueue((key) => syncDeployment(kit, key)),
			ReplicaSet: new WorkQueue((key) => syncReplicaSet(kit, key)),
			StatefulSet: new WorkQueue((key) => syncStatefulSet(kit, key)),
			DaemonSet: new WorkQueue((key) => syncDaemonSet(kit, key)),
			Job: new WorkQueue((key) => syncJob(kit, key)),
			gc: new WorkQueue((key) => collectGarbage(ctx, key, (uid) => this.queues.gc!.add(uid))),
		};
		ctx.onEvent((event) => {
			const object = event.object;
			const kind = object.kind as string;
			if (event.type === 'DELETED') this.queues.gc!.add(String(object.metadata?.uid));
			else if (object.metadata?.deletionTimestamp && (object.metadata.finalizers ?? []).some((f: string) => f === 'orphan' || f === 'foregroundDeletion')) {
				this.queues.gc!.add(String(object.metadata.uid));
			}
			if (this.queues[kind] && kind !== 'gc') this.queues[kind]!.add(keyOf(object));
			const owner = controllerOf(object);
			if (owner && this.queues[owner.kind] && object.metadata?.namespace) this.queues[owner.kind]!.add(`${object.metadata.namespace}/${owner.name}`);
			if (kind === 'Node') for (const ds of ctx.api.store.resource('apps/daemonsets').objects.values()) this.queues.DaemonSet!.add(ds.key);
		});
		ctx.every(60_000, () => cronTick(kit));
		ctx.every(10_000, () => ttlTick(kit));
	}

	/** Run due CronJobs and enforce their history limits. */
	cronTick(): void {
		cronTick(this.kit);
	}

	runCronJob(cj: Obj, at: Date): void {
		runCronJob(this.kit, cj, at);
	}

	/** The TTL-after-finished controller. */
	ttlTick(): void {
		ttlTick(this.kit);
	}

	/** Reconcile everything once (after seeding a scenario). */
	resyncAll(): void {
		for (const [storage, kind] of [
			['apps/deployments', 'Deployment'],
			['apps/replicasets', 'ReplicaSet'],
			['apps/statefulsets', 'StatefulSet'],
			['apps/daemonsets', 'DaemonSet'],
			['batch/jobs', 'Job'],
		] as const) {
			for (const key of this.kit.ctx.api.store.resource(storage).objects.keys()) this.queues[kind]!.add(key);
		}
	}
}
