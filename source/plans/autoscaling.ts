/**
 * The bodies of the autoscaling remedies, built from slim state and nothing else:
 *
 * - dampen an HPA: a change of spec.behavior (merge-patch shaped; the remedy sends it as a
 *   JSON patch that tests each field it writes, guarded-patch.ts) that raises
 *   scaleDown.stabilizationWindowSeconds (default 600 s) and the scale-up window (60 s)
 *   and, where no scale-up policies are set, limits scale-up to doubling or 4 pods per
 *   60 s. It keeps what is already set: a window already at least as long stays as it is,
 *   set policies are left alone (policies is an atomic list; patching it would drop the
 *   user's), and every other behavior field is kept. Nothing to raise → no patch.
 * - dampen a KEDA-owned HPA: the same change of the ScaledObject's
 *   spec.advanced.horizontalPodAutoscalerConfig.behavior (KEDA reverts direct HPA edits,
 *   and CRDs take no strategic merge patch).
 * - a ResourceQuota bounding a namespace: pods, requests.cpu and requests.memory from
 *   Σ over its HPAs of maxReplicas × the target's per-pod requests, plus the other pods
 *   running there now, plus 25 % headroom for rolling-update surge (maxSurge defaults to
 *   25 %). A resource is left out when any pod or template in the namespace has a
 *   container without that request: a quota on requests.cpu makes the API server reject
 *   such pods (unless a LimitRange fills the request in, which slim state cannot see).
 * - over-provisioning for a node group: a PriorityClass at -10 (the lowest priority whose
 *   pending pods still trigger scale-up: --expendable-pods-priority-cutoff defaults to -10)
 *   that never preempts, and a Deployment of pause pods sized to a share of the group's
 *   typical node, pinned to the group by its node label, with the cost stated in words.
 */
import {formatCpu, formatMemory} from '../formats/quantity.js';
import {poolLabelKey} from '../model/node-pools.js';
import {podRequests} from '../model/pod-requests.js';
import type {ScalingRules, SlimHpa} from '../model/slim.js';
import type {ClusterState} from '../model/state.js';
import {hpaTarget, namespaceIndex, type NamespaceIndex, workloadLookup} from '../model/workloads.js';

export type JsonValue = string | number | boolean | null | JsonValue[] | {[key: string]: JsonValue};
export type JsonObject = {[key: string]: JsonValue};

export const DAMPEN_SCALE_DOWN_WINDOW_SECONDS = 600;
export const DAMPEN_SCALE_UP_WINDOW_SECONDS = 60;
/** Defaults the controller applies when a window is not set (facts §8). */
export const DEFAULT_SCALE_DOWN_WINDOW_SECONDS = 300;
export const DEFAULT_SCALE_UP_WINDOW_SECONDS = 0;
export const MAX_WINDOW_SECONDS = 3600;
export const DAMPEN_SCALE_UP_POLICIES: ReadonlyArray<{type: string; value: number; periodSeconds: number}> = [
	{type: 'Percent', value: 100, periodSeconds: 60},
	{type: 'Pods', value: 4, periodSeconds: 60},
];
export const OVERPROVISIONING_PRIORITY = -10;
export const PAUSE_IMAGE = 'registry.k8s.io/pause:3.10';
export const QUOTA_HEADROOM = 0.25;
const MANAGED_BY = {'app.kubernetes.io/managed-by': 'kubectl-assure'};

export type Behavior = {scaleUp?: ScalingRules; scaleDown?: ScalingRules};

export interface DampenOptions {
	scaleDownWindowSeconds?: number;
	scaleUpWindowSeconds?: number;
}

export interface BehaviorChange {
	/** The behavior fragment to merge (only what changes). */
	behavior: JsonObject;
	/** One line per change, e.g. "scaleDown.stabilizationWindowSeconds 0 → 600". */
	changes: string[];
	/** What was kept as it was set. */
	kept: string[];
}

export interface PatchTarget {
	apiVersion: string;
	kind: string;
	namespace: string;
	name: string;
}

/** A change as a merge-patch-shaped fragment: the fields to set, nothing else. */
export interface MergePatchPlan {
	target: PatchTarget;
	patch: JsonObject;
	changes: string[];
	kept: string[];
}

function clampWindow(seconds: number): number {
	return Math.min(MAX_WINDOW_SECONDS, Math.max(0, Math.round(seconds)));
}

/** The behavior fragment that dampens `current`, or undefined when nothing needs raising. */
export function dampenBehavior(current: Behavior | undefined, options: DampenOptions = {}): BehaviorChange | undefined {
	const downWanted = clampWindow(options.scaleDownWindowSeconds ?? DAMPEN_SCALE_DOWN_WINDOW_SECONDS);
	const upWanted = clampWindow(options.scaleUpWindowSeconds ?? DAMPEN_SCALE_UP_WINDOW_SECONDS);
	const changes: string[] = [];
	const kept: string[] = [];
	const scaleDown: JsonObject = {};
	const scaleUp: JsonObject = {};

	const downSet = current?.scaleDown?.stabilizationWindowSeconds;
	const downNow = downSet ?? DEFAULT_SCALE_DOWN_WINDOW_SECONDS;
	if (downNow < downWanted) {
		scaleDown.stabilizationWindowSeconds = downWanted;
		changes.push(`scaleDown.stabilizationWindowSeconds ${downSet === undefined ? `unset (${DEFAULT_SCALE_DOWN_WINDOW_SECONDS})` : downSet} → ${downWanted}`);
	} else if (downSet !== undefined) kept.push(`scaleDown.stabilizationWindowSeconds ${downSet}`);

	const upSet = current?.scaleUp?.stabilizationWindowSeconds;
	const upNow = upSet ?? DEFAULT_SCALE_UP_WINDOW_SECONDS;
	if (upNow < upWanted) {
		scaleUp.stabilizationWindowSeconds = upWanted;
		changes.push(`scaleUp.stabilizationWindowSeconds ${upSet === undefined ? `unset (${DEFAULT_SCALE_UP_WINDOW_SECONDS})` : upSet} → ${upWanted}`);
	} else if (upSet !== undefined) kept.push(`scaleUp.stabilizationWindowSeconds ${upSet}`);

	if (current?.scaleUp?.policies === undefined) {
		scaleUp.policies = DAMPEN_SCALE_UP_POLICIES.map((p) => ({...p}));
		changes.push('scaleUp.policies unset (4 pods or 100 % per 15 s) → 4 pods or 100 % per 60 s');
	} else kept.push(`scaleUp.policies (${current.scaleUp.policies.map((p) => `${p.type} ${p.value}/${p.periodSeconds}s`).join(', ')})`);
	if (current?.scaleDown?.policies !== undefined) kept.push('scaleDown.policies');
	if (current?.scaleUp?.selectPolicy !== undefined) kept.push(`scaleUp.selectPolicy ${current.scaleUp.selectPolicy}`);
	if (current?.scaleDown?.selectPolicy !== undefined) kept.push(`scaleDown.selectPolicy ${current.scaleDown.selectPolicy}`);

	// Only policies changing is no dampening on its own when both windows are already long.
	if (Object.keys(scaleDown).length === 0 && scaleUp.stabilizationWindowSeconds === undefined) return undefined;
	const behavior: JsonObject = {};
	if (Object.keys(scaleDown).length > 0) behavior.scaleDown = scaleDown;
	if (Object.keys(scaleUp).length > 0) behavior.scaleUp = scaleUp;
	return {behavior, changes, kept};
}

/** The change of the HPA's spec.behavior, or undefined when it is damped already. */
export function dampenHpaPatch(hpa: Pick<SlimHpa, 'namespace' | 'name' | 'behavior'>, options: DampenOptions = {}): MergePatchPlan | undefined {
	const change = dampenBehavior(hpa.behavior, options);
	if (!change) return undefined;
	return {
		target: {apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', namespace: hpa.namespace, name: hpa.name},
		patch: {spec: {behavior: change.behavior}},
		changes: change.changes,
		kept: change.kept,
	};
}

/**
 * The change of a ScaledObject's spec.advanced.horizontalPodAutoscalerConfig.behavior.
 * `behavior` is the ScaledObject's (when unknown, pass the owned HPA's: KEDA copies it).
 */
export function dampenScaledObjectPatch(scaledObject: {namespace: string; name: string; behavior?: Behavior}, options: DampenOptions = {}): MergePatchPlan | undefined {
	const change = dampenBehavior(scaledObject.behavior, options);
	if (!change) return undefined;
	return {
		target: {apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', namespace: scaledObject.namespace, name: scaledObject.name},
		patch: {spec: {advanced: {horizontalPodAutoscalerConfig: {behavior: change.behavior}}}},
		changes: change.changes,
		kept: change.kept,
	};
}

// ---- ResourceQuota ----

export interface QuotaOptions {
	name?: string;
	/** Fraction added for rolling-update surge; default 0.25. */
	headroom?: number;
}

export interface QuotaPlan {
	object: JsonObject;
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

/** A ResourceQuota for `namespace` bounding what its HPAs can add; undefined without HPAs. */
export function quotaForNamespace(state: ClusterState, namespace: string, options: QuotaOptions = {}, byNamespace?: NamespaceIndex): QuotaPlan | undefined {
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
		if (names === undefined) targets.set(target.kind, names = new Set());
		names.add(target.name);
		const per = podRequests(target.template);
		if (per.cpuMillis === undefined) cpuMissing ??= `${target.kind}/${target.name} has a container without a cpu request`;
		if (per.memoryBytes === undefined) memoryMissing ??= `${target.kind}/${target.name} has a container without a memory request`;
		cpu += hpa.maxReplicas * (per.cpuMillis ?? 0);
		memory += hpa.maxReplicas * (per.memoryBytes ?? 0);
		const each = [per.cpuMillis !== undefined ? formatCpu(per.cpuMillis) : 'no cpu request', per.memoryBytes !== undefined ? formatMemory(per.memoryBytes, {approximate: true}) : 'no memory request'].join(', ');
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
	if (otherPods > 0) derivation.push(`other pods running now: ${otherPods} (${formatCpu(otherCpu)} cpu, ${formatMemory(otherMemory, {approximate: true})} memory requested)`);
	derivation.push(`+${Math.round(headroom * 100)} % headroom for rolling-update surge (maxSurge defaults to 25 %)`);

	const factor = 1 + headroom;
	const hard: Record<string, string> = {pods: String(Math.ceil((pods + otherPods) * factor - 1e-9))};
	if (cpuMissing === undefined) hard['requests.cpu'] = formatCpu(roundUp((cpu + otherCpu) * factor, 100));
	else omitted.push(`requests.cpu: ${cpuMissing}; a quota on it would make the API server reject such pods`);
	const mi = 1024 * 1024;
	if (memoryMissing === undefined) hard['requests.memory'] = formatMemory(roundUp((memory + otherMemory) * factor, 64 * mi));
	else omitted.push(`requests.memory: ${memoryMissing}; a quota on it would make the API server reject such pods`);

	const name = options.name ?? 'autoscaling-bound';
	return {
		object: {apiVersion: 'v1', kind: 'ResourceQuota', metadata: {name, namespace, labels: {...MANAGED_BY}}, spec: {hard: {...hard}}},
		hard,
		derivation,
		omitted,
		hpaMaxPods: pods,
	};
}

// ---- Over-provisioning ----

export interface OverprovisioningOptions {
	/** Share of a typical node each pause pod requests; default 0.5. */
	share?: number;
	replicas?: number;
	namespace?: string;
	priorityClassName?: string;
}

export interface OverprovisioningPlan {
	/** Absent when a PriorityClass at -10 exists already (then `priorityClassName` is it). */
	priorityClass?: JsonObject;
	priorityClassName: string;
	deployment: JsonObject;
	labelKey: string;
	perPod: {cpuMillis: number; memoryBytes: number};
	replicas: number;
	/** The cost, in words. */
	cost: string;
	notes: string[];
}

function median(values: number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	const mid = Math.floor(sorted.length / 2);
	return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function dnsLabel(text: string): string {
	const clean = text.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '');
	return clean.slice(0, 40).replace(/-+$/, '') || 'pool';
}

/** The over-provisioning objects for `pool`; undefined when the pool has no nodes or no pool label. */
export function overprovisioningForPool(state: ClusterState, pool: string, options: OverprovisioningOptions = {}): OverprovisioningPlan | undefined {
	const nodes = [...state.nodes.values()].filter((n) => n.pool === pool);
	if (nodes.length === 0) return undefined;
	const labelKey = poolLabelKey(nodes, pool);
	if (!labelKey) return undefined;
	const share = Math.min(1, Math.max(0.05, options.share ?? 0.5));
	const replicas = Math.max(1, Math.floor(options.replicas ?? 1));
	const nodeCpu = median(nodes.map((n) => n.allocatable.cpuMillis));
	const nodeMemory = median(nodes.map((n) => n.allocatable.memoryBytes));
	const mi = 1024 * 1024;
	const perPod = {
		cpuMillis: Math.max(100, Math.floor((nodeCpu * share) / 100) * 100),
		memoryBytes: Math.max(64 * mi, Math.floor((nodeMemory * share) / (64 * mi)) * 64 * mi),
	};

	const existing = [...state.priorityClasses.values()].filter((p) => p.value === OVERPROVISIONING_PRIORITY && !p.globalDefault).sort((a, b) => a.name.localeCompare(b.name))[0];
	let priorityClassName = existing?.name ?? options.priorityClassName ?? 'overprovisioning';
	// A class of that name at another value cannot be changed (value is immutable): pick another name.
	while (!existing && [...state.priorityClasses.values()].some((p) => p.name === priorityClassName)) priorityClassName = `${priorityClassName}-assure`;
	const namespace = options.namespace ?? 'default';
	const labels = {'app.kubernetes.io/name': 'overprovisioning', 'app.kubernetes.io/instance': dnsLabel(pool), ...MANAGED_BY};
	const selector = {'app.kubernetes.io/name': 'overprovisioning', 'app.kubernetes.io/instance': dnsLabel(pool)};
	const deployment: JsonObject = {
		apiVersion: 'apps/v1',
		kind: 'Deployment',
		metadata: {name: `overprovisioning-${dnsLabel(pool)}`, namespace, labels: {...labels}},
		spec: {
			replicas,
			selector: {matchLabels: {...selector}},
			template: {
				metadata: {labels: {...labels}},
				spec: {
					priorityClassName,
					terminationGracePeriodSeconds: 0,
					automountServiceAccountToken: false,
					nodeSelector: {[labelKey]: pool},
					containers: [{name: 'pause', image: PAUSE_IMAGE, resources: {requests: {cpu: formatCpu(perPod.cpuMillis), memory: formatMemory(perPod.memoryBytes)}}}],
				},
			},
		},
	};
	const plan: OverprovisioningPlan = {
		priorityClassName,
		deployment,
		labelKey,
		perPod,
		replicas,
		cost: '',
		notes: [],
	};
	if (!existing) {
		plan.priorityClass = {
			apiVersion: 'scheduling.k8s.io/v1',
			kind: 'PriorityClass',
			metadata: {name: priorityClassName, labels: {...MANAGED_BY}},
			value: OVERPROVISIONING_PRIORITY,
			globalDefault: false,
			preemptionPolicy: 'Never',
			description: 'Pause pods that keep spare node capacity; any real pod preempts them.',
		};
	}
	const totalCpu = perPod.cpuMillis * replicas;
	const totalMemory = perPod.memoryBytes * replicas;
	const nodesWorth = (perPod.cpuMillis * replicas) / nodeCpu;
	const instance = nodes.map((n) => n.labels?.['node.kubernetes.io/instance-type']).find((t) => t !== undefined);
	plan.cost = `Reserves ${formatCpu(totalCpu)} CPU and ${formatMemory(totalMemory, {approximate: true})} in node group ${pool} at all times `
		+ `(about ${nodesWorth.toFixed(1)} of a${instance ? ` ${instance}` : ''} node of ${formatCpu(nodeCpu)} CPU / ${formatMemory(nodeMemory, {approximate: true})}); `
		+ `the cluster-autoscaler keeps that much capacity running, so expect to pay for up to ${Math.ceil(nodesWorth - 1e-9)} extra node${Math.ceil(nodesWorth - 1e-9) === 1 ? '' : 's'} while the group would otherwise be smaller.`;
	plan.notes.push(`Pinned with nodeSelector ${labelKey}=${pool}; if the group's nodes are tainted, add matching tolerations.`);
	if (existing) plan.notes.push(`Uses the existing PriorityClass ${existing.name} (value ${OVERPROVISIONING_PRIORITY}).`);
	return plan;
}
