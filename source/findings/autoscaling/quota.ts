/**
 * namespace-unbounded-hpa's suggestion: a ResourceQuota bounding a namespace — pods,
 * requests.cpu and requests.memory from Σ over its HPAs of maxReplicas × the target's
 * per-pod requests, plus the other pods running there now, plus 25 % headroom for
 * rolling-update surge (maxSurge defaults to 25 %). A resource is left out when any pod or
 * template in the namespace has a container without that request: a quota on
 * requests.cpu makes the API server reject such pods (unless a LimitRange fills the
 * request in, which slim state cannot see). source/plans/autoscaling.ts makes it the
 * object to create.
 */
import {formatCpu, formatMemory} from '../../formats/quantity.js';
import {podRequests} from '../../model/pod-requests.js';
import type {ClusterState} from '../../model/state.js';
import {hpaTarget, namespaceIndex, type NamespaceIndex, workloadLookup} from '../../model/workloads.js';

export const QUOTA_HEADROOM = 0.25;

export interface QuotaOptions {
	name?: string;
	/** Fraction added for rolling-update surge; default 0.25. */
	headroom?: number;
}

/** The quota's name, its hard limits, and how each was derived. */
export interface HpaQuota {
	name: string;
	namespace: string;
	hard: Record<string, string>;
	/** How each value was derived. */
	derivation: string[];
	/** Resources left out, and why. */
	omitted: string[];
	/** Σ maxReplicas over the namespace's HPAs. */
	hpaMaxPods: number;
}

function roundUp(value: number, step: number): number {
	return Math.ceil(value / step - 1e-9) * step;
}

/** The quota that bounds what the HPAs of `namespace` can add; undefined without HPAs. */
export function hpaQuota(state: ClusterState, namespace: string, options: QuotaOptions = {}, byNamespace?: NamespaceIndex): HpaQuota | undefined {
	const scope = byNamespace ?? namespaceIndex(state);
	const hpas = scope.hpas.get(namespace) ?? [];
	if (hpas.length === 0) return undefined;
	const headroom = Math.max(0, options.headroom ?? QUOTA_HEADROOM);
	const namespacePods = scope.pods.get(namespace) ?? [];
	const namespaceWorkloads = scope.workloads.get(namespace) ?? [];
	const lookup = workloadLookup(state);
	const derivation: string[] = [];
	const omitted: string[] = [];
	let cpuMissing: string | undefined;
	let memoryMissing: string | undefined;

	let pods = 0;
	let cpu = 0;
	let memory = 0;
	// Target names by kind (not "kind/name" strings: this is asked once per pod of the namespace).
	const targets = new Map<string, Set<string>>();
	const isTarget = (kind: string, name: string) => targets.get(kind)?.has(name) === true;
	for (const hpa of hpas) {
		const target = hpaTarget(hpa, lookup);
		pods += hpa.maxReplicas;
		if (!target) {
			cpuMissing ??= `the target of HPA ${hpa.name} (${hpa.target.kind}/${hpa.target.name}) is not known`;
			memoryMissing ??= cpuMissing;
			derivation.push(`${hpa.name}: max ${hpa.maxReplicas} pods (target ${hpa.target.kind}/${hpa.target.name} unknown)`);
			continue;
		}
		let names = targets.get(target.kind);
		if (names === undefined) targets.set(target.kind, (names = new Set()));
		names.add(target.name);
		const per = podRequests(target.template);
		if (per.cpuMillis === undefined) cpuMissing ??= `${target.kind}/${target.name} has a container without a cpu request`;
		if (per.memoryBytes === undefined) memoryMissing ??= `${target.kind}/${target.name} has a container without a memory request`;
		cpu += hpa.maxReplicas * (per.cpuMillis ?? 0);
		memory += hpa.maxReplicas * (per.memoryBytes ?? 0);
		const each = [
			per.cpuMillis !== undefined ? formatCpu(per.cpuMillis) : 'no cpu request',
			per.memoryBytes !== undefined ? formatMemory(per.memoryBytes, {approximate: true}) : 'no memory request',
		].join(', ');
		derivation.push(`${hpa.name}: max ${hpa.maxReplicas} × ${target.kind}/${target.name} (${each} per pod)`);
	}

	// Pods of the HPA targets: owned by the target, or by a ReplicaSet the target owns.
	const targetReplicaSets = new Set<string>();
	for (const w of namespaceWorkloads) {
		if (w.kind === 'ReplicaSet' && w.owner && isTarget(w.owner.kind, w.owner.name)) targetReplicaSets.add(w.name);
	}
	let otherPods = 0;
	let otherCpu = 0;
	let otherMemory = 0;
	for (const pod of namespacePods) {
		if (pod.phase === 'Succeeded' || pod.phase === 'Failed') continue;
		const owner = pod.owner;
		if (owner && (isTarget(owner.kind, owner.name) || (owner.kind === 'ReplicaSet' && targetReplicaSets.has(owner.name)))) continue;
		otherPods++;
		const per = podRequests(pod.spec);
		if (per.cpuMillis === undefined) cpuMissing ??= `pod ${pod.name} has a container without a cpu request`;
		if (per.memoryBytes === undefined) memoryMissing ??= `pod ${pod.name} has a container without a memory request`;
		otherCpu += per.cpuMillis ?? 0;
		otherMemory += per.memoryBytes ?? 0;
	}
	// Templates that have no pods yet will have some later.
	for (const w of namespaceWorkloads) {
		if (w.kind === 'ReplicaSet') continue;
		const per = podRequests(w.template);
		if (per.cpuMillis === undefined) cpuMissing ??= `${w.kind}/${w.name} has a container without a cpu request`;
		if (per.memoryBytes === undefined) memoryMissing ??= `${w.kind}/${w.name} has a container without a memory request`;
	}
	if (otherPods > 0)
		derivation.push(`other pods running now: ${otherPods} (${formatCpu(otherCpu)} cpu, ${formatMemory(otherMemory, {approximate: true})} memory requested)`);
	derivation.push(`+${Math.round(headroom * 100)} % headroom for rolling-update surge (maxSurge defaults to 25 %)`);

	const factor = 1 + headroom;
	const hard: Record<string, string> = {pods: String(Math.ceil((pods + otherPods) * factor - 1e-9))};
	if (cpuMissing === undefined) hard['requests.cpu'] = formatCpu(roundUp((cpu + otherCpu) * factor, 100));
	else omitted.push(`requests.cpu: ${cpuMissing}; a quota on it would make the API server reject such pods`);
	const mi = 1024 * 1024;
	if (memoryMissing === undefined) hard['requests.memory'] = formatMemory(roundUp((memory + otherMemory) * factor, 64 * mi));
	else omitted.push(`requests.memory: ${memoryMissing}; a quota on it would make the API server reject such pods`);

	return {name: options.name ?? 'autoscaling-bound', namespace, hard, derivation, omitted, hpaMaxPods: pods};
}
