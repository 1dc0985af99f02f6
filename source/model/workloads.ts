/**
 * Lookups over the workloads in the cluster state: every workload once, one by namespace,
 * kind and name, the target of an HPA, pods, workloads and HPAs grouped by namespace, and
 * the workload a pod belongs to (pod → ReplicaSet → Deployment, pod → Job → CronJob).
 * Pure: the analyzers and the remedies ask the same questions of the same state.
 */
import type {SlimHpa, SlimPod, SlimWorkload} from './slim.js';
import {objectKey, type ClusterState, type Keyed} from './state.js';

/** The per-kind workload maps by kind name. */
function workloadMaps(state: ClusterState): Record<string, Keyed<SlimWorkload> | undefined> {
	return {Deployment: state.deployments, StatefulSet: state.statefulSets, ReplicaSet: state.replicaSets, DaemonSet: state.daemonSets};
}

/**
 * Every workload once, from the per-kind maps and the combined one (which keeps one object
 * when two kinds share a name).
 */
export function allWorkloads(state: ClusterState): SlimWorkload[] {
	const out: SlimWorkload[] = [];
	const listed = new Set<SlimWorkload>();
	const byKind = workloadMaps(state);
	for (const map of Object.values(byKind)) {
		for (const w of map?.values() ?? []) {
			out.push(w);
			listed.add(w);
		}
	}
	// The combined map holds the same objects (the store builds it from the per-kind ones);
	// it adds only what a per-kind map lacks, and that is rare enough to key by string.
	const extra = new Set<string>();
	for (const w of state.workloads?.values() ?? []) {
		if (listed.has(w)) continue;
		const key = `${w.namespace}/${w.kind}/${w.name}`;
		if (byKind[w.kind]?.has(objectKey(w.namespace, w.name)) || extra.has(key)) continue;
		extra.add(key);
		out.push(w);
	}
	return out;
}

/** A workload by namespace, kind and name. */
export type WorkloadLookup = (namespace: string, kind: string, name: string) => SlimWorkload | undefined;

/** Looks workloads up in the state's per-kind maps (then the combined one), without indexing them again. */
export function workloadLookup(state: ClusterState): WorkloadLookup {
	const byKind = workloadMaps(state);
	return (namespace, kind, name) => {
		const key = objectKey(namespace, name);
		const own = byKind[kind]?.get(key);
		if (own !== undefined) return own;
		const any = state.workloads?.get(key);
		return any?.kind === kind ? any : undefined;
	};
}

/** The workload an HPA scales, when it is one the state holds. */
export function hpaTarget(hpa: SlimHpa, lookup: WorkloadLookup): SlimWorkload | undefined {
	return lookup(hpa.namespace, hpa.target.kind, hpa.target.name);
}

/** Pods and workloads grouped by namespace, so planning quotas for many namespaces reads each object once. */
export interface NamespaceIndex {
	pods: ReadonlyMap<string, readonly SlimPod[]>;
	workloads: ReadonlyMap<string, readonly SlimWorkload[]>;
	/** HPAs by namespace, sorted by name. */
	hpas: ReadonlyMap<string, readonly SlimHpa[]>;
}

function groupBy<T extends {namespace: string}>(items: Iterable<T>): Map<string, T[]> {
	const out = new Map<string, T[]>();
	for (const item of items) {
		const list = out.get(item.namespace);
		if (list) list.push(item);
		else out.set(item.namespace, [item]);
	}
	return out;
}

export function namespaceIndex(state: ClusterState): NamespaceIndex {
	const hpas = groupBy(state.hpas.values());
	for (const list of hpas.values()) list.sort((a, b) => a.name.localeCompare(b.name));
	return {pods: groupBy(state.pods.values()), workloads: groupBy(allWorkloads(state)), hpas};
}

export interface Owner {
	kind: string;
	name: string;
	/** Static pods: the node whose manifest defines the pod. */
	staticOn?: string;
}

/** "web-7d4f9c6b8" → "web" when a Deployment of that name exists (the ReplicaSet itself is not known). */
function deploymentFromReplicaSetName(state: ClusterState, namespace: string, rsName: string): string | undefined {
	const cut = rsName.lastIndexOf('-');
	if (cut <= 0) return undefined;
	const candidate = rsName.slice(0, cut);
	return state.workloads.get(objectKey(namespace, candidate))?.kind === 'Deployment' ? candidate : undefined;
}

/** "nightly-29001234" → "nightly" when a CronJob of that name exists (the Job itself is not known). */
function cronJobFromJobName(state: ClusterState, namespace: string, jobName: string): string | undefined {
	const match = /^(.+)-\d+$/.exec(jobName);
	if (!match) return undefined;
	return state.cronJobs.has(objectKey(namespace, match[1]!)) ? match[1] : undefined;
}

/** The workload a pod belongs to: pod → ReplicaSet → Deployment, pod → Job → CronJob, or the direct owner. */
export function owningWorkload(state: ClusterState, pod: SlimPod): Owner {
	const owner = pod.owner;
	if (owner === undefined) return {kind: 'Pod', name: pod.name};
	if (owner.kind === 'Node') return {kind: 'Pod', name: pod.name, staticOn: owner.name};
	if (owner.kind === 'ReplicaSet') {
		const rs = state.workloads.get(objectKey(pod.namespace, owner.name));
		if (rs !== undefined && rs.kind === 'ReplicaSet') {
			// A Deployment, or another controller that manages ReplicaSets (an Argo Rollout, say).
			if (rs.owner !== undefined) return {kind: rs.owner.kind, name: rs.owner.name};
			return {kind: 'ReplicaSet', name: owner.name};
		}
		const deployment = deploymentFromReplicaSetName(state, pod.namespace, owner.name);
		return deployment !== undefined ? {kind: 'Deployment', name: deployment} : {kind: 'ReplicaSet', name: owner.name};
	}
	if (owner.kind === 'Job') {
		const job = state.jobs.get(objectKey(pod.namespace, owner.name));
		const cronJob = job !== undefined ? job.cronJob : cronJobFromJobName(state, pod.namespace, owner.name);
		return cronJob !== undefined ? {kind: 'CronJob', name: cronJob} : {kind: 'Job', name: owner.name};
	}
	return {kind: owner.kind, name: owner.name};
}
