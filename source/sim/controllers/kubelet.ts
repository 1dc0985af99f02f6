/**
 * The simulated scheduler and kubelets: pending pods are bound to a node whose labels
 * match their nodeSelector, then start (Running, Ready, an IP); Job pods run to
 * completion (a container whose command ends in `exit N` with N ≠ 0 fails); graceful
 * deletion finishes when the containers have stopped; pods on a deleted node are removed
 * (pod GC). Optional node heartbeats (Lease renewals) generate the steady write traffic a
 * real cluster has.
 */
import type {ResourceType} from '../resources.js';
import type {Obj} from '../../formats/json-object.js';
import {type ControllerContext, controllerOf, keyOf, splitKey, WorkQueue} from './context.js';

export interface KubeletOptions {
	/** Simulated ms from binding to Running. */
	startMs?: number;
	/** Simulated ms a Job pod runs before it exits. */
	jobRunMs?: [number, number];
	/** Simulated ms a container takes to stop on SIGTERM (capped by the grace period). */
	stopMs?: number;
	/** Renew each node's Lease every this many simulated ms (0 = off). */
	leaseRenewMs?: number;
}

function exitCode(pod: Obj): number {
	for (const c of (pod.spec?.containers ?? []) as Obj[]) {
		const command = [...(c.command ?? []), ...(c.args ?? [])].join(' ');
		const match = /exit (\d+)\s*$/.exec(command);
		if (match) return Number(match[1]);
	}
	return 0;
}

export class Kubelets {
	private readonly pods: ResourceType;
	private readonly leases: ResourceType;
	private readonly queue: WorkQueue;
	private nextNode = 0;
	private ipCounter = 10;
	private readonly timers = new Set<string>();

	constructor(
		private readonly ctx: ControllerContext,
		private readonly options: KubeletOptions = {},
	) {
		this.pods = ctx.type('', 'pods');
		this.leases = ctx.type('coordination.k8s.io', 'leases');
		this.queue = new WorkQueue((key) => this.sync(key));
		ctx.onEvent((event) => {
			if (event.object.kind === 'Pod' && event.type !== 'DELETED') this.queue.add(keyOf(event.object));
			if (event.object.kind === 'Node' && event.type === 'DELETED') this.podGc(String(event.object.metadata.name));
		});
		if ((options.leaseRenewMs ?? 0) > 0) ctx.every(options.leaseRenewMs!, () => this.renewLeases());
	}

	private later(key: string, ms: number): void {
		if (this.timers.has(key)) return;
		this.timers.add(key);
		this.ctx.after(ms, () => {
			this.timers.delete(key);
			this.queue.add(key);
		});
	}

	private schedule(pod: Obj): string | undefined {
		const selector = (pod.spec?.nodeSelector ?? {}) as Record<string, string>;
		const nodes = [...this.ctx.api.store.resource('nodes').objects.values()].filter(
			(record) => Object.entries(selector).every(([k, v]) => record.labels?.[k] === v) && !record.fields['spec.unschedulable']?.startsWith('true'),
		);
		if (nodes.length === 0) return undefined;
		const node = nodes[this.nextNode++ % nodes.length]!;
		return node.name;
	}

	private sync(key: string): void {
		const [namespace, name] = splitKey(key);
		const record = this.ctx.api.record(this.pods, namespace, name);
		if (!record) return;
		const pod = JSON.parse(record.json) as Obj;
		const now = this.ctx.clock.now();
		if (pod.metadata.deletionTimestamp) {
			if ((pod.metadata.finalizers ?? []).length > 0) return;
			const grace = Number(pod.metadata.deletionGracePeriodSeconds ?? 0) * 1000;
			const requested = Date.parse(pod.metadata.deletionTimestamp) - grace;
			const done = requested + Math.min(grace, this.options.stopMs ?? 1000);
			if (now >= done) this.ctx.api.remove(this.pods, record, pod);
			else this.later(key, done - now);
			return;
		}
		if (!pod.spec?.nodeName) {
			const node = this.schedule(pod);
			if (!node) {
				if (pod.status?.conditions?.[0]?.reason !== 'Unschedulable') {
					this.write(pod, {
						phase: 'Pending',
						conditions: [
							{
								type: 'PodScheduled',
								status: 'False',
								lastProbeTime: null,
								lastTransitionTime: this.ctx.clock.iso(),
								reason: 'Unschedulable',
								message: "0/0 nodes are available: no node matches the pod's node selector.",
							},
						],
					});
				}
				return;
			}
			const bound = structuredClone(pod);
			bound.spec.nodeName = node;
			this.ctx.api.commit(this.pods, bound, {record, object: pod});
			return;
		}
		const phase = pod.status?.phase;
		const started = Date.parse(pod.status?.startTime ?? '');
		if (phase === 'Pending' || phase === undefined) {
			const bindAt = Date.parse(pod.metadata.creationTimestamp);
			const startAt = bindAt + (this.options.startMs ?? 2000);
			if (now < startAt) {
				this.later(key, startAt - now);
				return;
			}
			this.start(pod);
			return;
		}
		if (phase === 'Running' && controllerOf(pod)?.kind === 'Job') {
			const [lo, hi] = this.options.jobRunMs ?? [20_000, 60_000];
			const runFor = lo + (Number.parseInt(String(pod.metadata.uid).slice(0, 6), 16) % Math.max(1, hi - lo));
			if (now < started + runFor) {
				this.later(key, started + runFor - now);
				return;
			}
			this.finish(pod, exitCode(pod));
		}
	}

	private write(pod: Obj, status: Obj): void {
		this.ctx.api.controllerWrite(this.pods, {...pod, status: {...(pod.status ?? {}), ...status}}, 'kubelet', 'status');
	}

	private start(pod: Obj): void {
		const now = this.ctx.clock.iso();
		const n = this.ipCounter++;
		const ip = `10.244.${(n >> 8) & 255}.${n & 255}`;
		const containerStatuses = ((pod.spec?.containers ?? []) as Obj[]).map((c) => ({
			name: c.name,
			state: {running: {startedAt: now}},
			lastState: {},
			ready: true,
			restartCount: 0,
			image: c.image,
			imageID: `${String(c.image).split(':')[0]}@sha256:${'0'.repeat(64)}`,
			containerID: `containerd://${this.ctx.random.hex(64)}`,
			started: true,
		}));
		const initContainerStatuses = ((pod.spec?.initContainers ?? []) as Obj[]).map((c) => ({
			name: c.name,
			state: c.restartPolicy === 'Always' ? {running: {startedAt: now}} : {terminated: {exitCode: 0, reason: 'Completed', startedAt: now, finishedAt: now}},
			lastState: {},
			ready: c.restartPolicy === 'Always',
			restartCount: 0,
			image: c.image,
			imageID: '',
			started: c.restartPolicy === 'Always',
		}));
		this.write(pod, {
			phase: 'Running',
			conditions: [
				{type: 'PodReadyToStartContainers', status: 'True', lastProbeTime: null, lastTransitionTime: now},
				{type: 'Initialized', status: 'True', lastProbeTime: null, lastTransitionTime: now},
				{type: 'Ready', status: 'True', lastProbeTime: null, lastTransitionTime: now},
				{type: 'ContainersReady', status: 'True', lastProbeTime: null, lastTransitionTime: now},
				{type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: pod.metadata.creationTimestamp},
			],
			hostIP: '10.240.0.4',
			podIP: ip,
			podIPs: [{ip}],
			startTime: now,
			containerStatuses,
			...(initContainerStatuses.length > 0 ? {initContainerStatuses} : {}),
			qosClass: pod.status?.qosClass,
		});
	}

	private finish(pod: Obj, code: number): void {
		const now = this.ctx.clock.iso();
		const reason = code === 0 ? 'Completed' : 'Error';
		this.write(pod, {
			phase: code === 0 ? 'Succeeded' : 'Failed',
			conditions: ((pod.status?.conditions ?? []) as Obj[]).map((c) =>
				c.type === 'Ready' || c.type === 'ContainersReady' ? {...c, status: 'False', reason: 'PodCompleted', lastTransitionTime: now} : c,
			),
			containerStatuses: ((pod.status?.containerStatuses ?? []) as Obj[]).map((s) => ({
				...s,
				ready: false,
				started: false,
				state: {terminated: {exitCode: code, reason, startedAt: s.state?.running?.startedAt ?? now, finishedAt: now, containerID: s.containerID}},
			})),
		});
	}

	private podGc(node: string): void {
		for (const record of [...this.ctx.api.store.resource('pods').objects.values()]) {
			if (record.fields['spec.nodeName'] !== node) continue;
			const pod = JSON.parse(record.json) as Obj;
			this.ctx.api.remove(this.pods, record, pod);
		}
	}

	private renewLeases(): void {
		for (const node of [...this.ctx.api.store.resource('nodes').objects.values()]) {
			const record = this.ctx.api.record(this.leases, 'kube-node-lease', node.name);
			const lease = record ? (JSON.parse(record.json) as Obj) : undefined;
			const spec = {holderIdentity: node.name, leaseDurationSeconds: 40, renewTime: this.ctx.clock.microIso()};
			if (!lease) {
				try {
					this.ctx.api.create(
						this.leases,
						'kube-node-lease',
						{metadata: {name: node.name, ownerReferences: [{apiVersion: 'v1', kind: 'Node', name: node.name, uid: node.uid}]}, spec},
						{user: {name: `system:node:${node.name}`, groups: ['system:nodes']}, fieldManager: 'kubelet'},
					);
				} catch {
					// Namespace missing: leases are off for this scenario.
				}
			} else this.ctx.api.controllerWrite(this.leases, {...lease, spec}, 'kubelet');
		}
	}
}
