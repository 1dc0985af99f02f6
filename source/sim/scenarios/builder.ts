/**
 * Seeds a consistent cluster straight into storage (no events, no admission round trips):
 * namespaces, node pools, and workloads with the ReplicaSets, pods, owner references,
 * labels, statuses and managedFields the real controllers would have written, so the
 * simulated controllers find nothing to fix when they start. Fast enough for 150,000 pods.
 * This file holds the builder the scenarios call: storage, time, namespaces, node pools and
 * pod placement; the objects themselves are written by builder-pod.ts, builder-workloads.ts,
 * builder-job.ts and builder-hpa.ts.
 */
import {applyDefaults} from '../admission.js';
import {nodeName, nodeObject, type NodePoolSpec} from '../controllers/nodes.js';
import type {ResourceType} from '../resources.js';
import type {Obj} from '../../formats/json-object.js';
import type {Simulator} from '../simulator.js';
import {seedHpa, type HpaOptions} from './builder-hpa.js';
import {seedJob, type JobOptions} from './builder-job.js';
import {type PodOptions, seedPod} from './builder-pod.js';
import {podSpec, type PodTemplateOptions} from './builder-templates.js';
import {seedDaemonSet, seedDeployment, seedStatefulSet, type WorkloadOptions} from './builder-workloads.js';

export class ClusterBuilder {
	readonly now: number;
	private ipCounter = 1;
	private readonly placement = new Map<string, number>();
	readonly nodesByPool = new Map<string, string[]>();
	private readonly types: Record<string, ResourceType> = {};

	constructor(readonly sim: Simulator) {
		this.now = sim.clock.now();
	}

	type(group: string, resource: string): ResourceType {
		const key = `${group}/${resource}`;
		this.types[key] ??= this.sim.type(group, resource);
		return this.types[key]!;
	}

	iso(agoMs: number): string {
		return this.sim.clock.iso(this.now - agoMs);
	}

	/** Seed an object; defaults are applied so later writes do not change the template hash. */
	seed(group: string, resource: string, object: Obj): Obj {
		const type = this.type(group, resource);
		applyDefaults(type.kind, object);
		return this.sim.api.seed(type, object);
	}

	namespace(name: string, labels: Record<string, string> = {}, ageMs = 30 * 86_400_000): Obj {
		return this.seed('', 'namespaces', {
			metadata: {name, labels: {'kubernetes.io/metadata.name': name, ...labels}, creationTimestamp: this.iso(ageMs)},
			spec: {finalizers: ['kubernetes']},
			status: {phase: 'Active'},
		});
	}

	pool(pool: NodePoolSpec, ageMs = 20 * 86_400_000): string[] {
		const names: string[] = [];
		for (let i = 0; i < pool.size; i++) {
			const node = nodeObject(pool, i, this.iso(ageMs - i * 60_000), this.sim.gitVersion);
			this.sim.api.seed(this.type('', 'nodes'), node);
			names.push(nodeName(pool, i));
		}
		this.nodesByPool.set(pool.name, names);
		this.candidates.clear();
		return names;
	}

	private readonly candidates = new Map<string, string[]>();

	/** The node for the next pod with this node selector: round robin over the matching nodes of every pool. */
	nextNode(selector: Record<string, string> | undefined): string | undefined {
		const key = JSON.stringify(selector ?? {});
		let candidates = this.candidates.get(key);
		if (!candidates) {
			candidates = [];
			const nodes = this.sim.store.resource('nodes');
			for (const [, names] of this.nodesByPool)
				for (const name of names) {
					const record = nodes.get(name);
					if (record && Object.entries(selector ?? {}).every(([k, v]) => record.labels?.[k] === v)) candidates.push(name);
				}
			this.candidates.set(key, candidates);
		}
		if (candidates.length === 0) return undefined;
		const n = this.placement.get(key) ?? 0;
		this.placement.set(key, n + 1);
		return candidates[n % candidates.length];
	}

	/** The next pod IP (10.244.0.0/16, in order). */
	nextPodIp(): string {
		const n = this.ipCounter++;
		return `10.244.${(n >> 8) & 255}.${n & 255}`;
	}

	/** A pod as a kubelet would have reported it. */
	pod(namespace: string, name: string, template: Obj, options: PodOptions): Obj {
		return seedPod(this, namespace, name, template, options);
	}

	template(name: string, options: PodTemplateOptions): Obj {
		return {
			metadata: {labels: {app: name, ...(options.labels ?? {})}, ...(options.annotations ? {annotations: options.annotations} : {})},
			spec: podSpec(options),
		};
	}

	deployment(namespace: string, name: string, options: WorkloadOptions): {deployment: Obj; replicaSet: Obj; pods: Obj[]} {
		return seedDeployment(this, namespace, name, options);
	}

	statefulSet(namespace: string, name: string, options: WorkloadOptions): {statefulSet: Obj; pods: Obj[]} {
		return seedStatefulSet(this, namespace, name, options);
	}

	daemonSet(namespace: string, name: string, options: PodTemplateOptions & {ageMs?: number}): {daemonSet: Obj; pods: Obj[]} {
		return seedDaemonSet(this, namespace, name, options);
	}

	/** A finished (or running) Job with its pod, optionally owned by a CronJob. */
	job(namespace: string, name: string, options: JobOptions): {job: Obj; pod: Obj} {
		return seedJob(this, namespace, name, options);
	}

	hpa(namespace: string, name: string, target: Obj, options: HpaOptions): Obj {
		return seedHpa(this, namespace, name, target, options);
	}

	/** Replace an object's status in storage (seeding only). */
	setStatus(group: string, resource: string, object: Obj, status: Obj): Obj {
		object.status = status;
		return this.sim.api.seed(this.type(group, resource), object);
	}

	plain(group: string, resource: string, object: Obj): Obj {
		return this.seed(group, resource, object);
	}
}
