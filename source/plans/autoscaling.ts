/**
 * The bodies of the autoscaling remedies, built from what the findings suggest
 * (source/findings/autoscaling/: dampen.ts, quota.ts, overprovisioning.ts) and slim state:
 *
 * - dampen an HPA: the change of spec.behavior (merge-patch shaped; the remedy sends it as a
 *   JSON patch that tests each field it writes, guarded-patch.ts).
 * - dampen a KEDA-owned HPA: the same change of the ScaledObject's
 *   spec.advanced.horizontalPodAutoscalerConfig.behavior (KEDA reverts direct HPA edits,
 *   and CRDs take no strategic merge patch).
 * - a ResourceQuota bounding what a namespace's HPAs can add.
 * - over-provisioning for a node group: a PriorityClass at -10 that never preempts (unless
 *   one exists), and a Deployment of pause pods pinned to the group by its node label.
 */
import {formatCpu, formatMemory} from '../formats/quantity.js';
import {type Behavior, dampenBehavior, type DampenOptions, type JsonObject} from '../findings/autoscaling/dampen.js';
import {OVERPROVISIONING_PRIORITY, type OverprovisioningOptions, overprovisioningSizing} from '../findings/autoscaling/overprovisioning.js';
import {hpaQuota, type QuotaOptions} from '../findings/autoscaling/quota.js';
import type {SlimHpa} from '../model/slim.js';
import type {ClusterState} from '../model/state.js';
import type {NamespaceIndex} from '../model/workloads.js';

export const PAUSE_IMAGE = 'registry.k8s.io/pause:3.10';
const MANAGED_BY = {'app.kubernetes.io/managed-by': 'kubectl-assure'};

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
export function dampenScaledObjectPatch(
	scaledObject: {namespace: string; name: string; behavior?: Behavior},
	options: DampenOptions = {},
): MergePatchPlan | undefined {
	const change = dampenBehavior(scaledObject.behavior, options);
	if (!change) return undefined;
	return {
		target: {apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', namespace: scaledObject.namespace, name: scaledObject.name},
		patch: {spec: {advanced: {horizontalPodAutoscalerConfig: {behavior: change.behavior}}}},
		changes: change.changes,
		kept: change.kept,
	};
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

/** A ResourceQuota for `namespace` bounding what its HPAs can add; undefined without HPAs. */
export function quotaForNamespace(state: ClusterState, namespace: string, options: QuotaOptions = {}, byNamespace?: NamespaceIndex): QuotaPlan | undefined {
	const quota = hpaQuota(state, namespace, options, byNamespace);
	if (!quota) return undefined;
	const {name, hard} = quota;
	return {
		object: {apiVersion: 'v1', kind: 'ResourceQuota', metadata: {name, namespace, labels: {...MANAGED_BY}}, spec: {hard: {...hard}}},
		hard,
		derivation: quota.derivation,
		omitted: quota.omitted,
		hpaMaxPods: quota.hpaMaxPods,
	};
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

function dnsLabel(text: string): string {
	const clean = text
		.toLowerCase()
		.replace(/[^a-z0-9-]+/g, '-')
		.replace(/^-+|-+$/g, '');
	return clean.slice(0, 40).replace(/-+$/, '') || 'pool';
}

/** The over-provisioning objects for `pool`; undefined when the pool has no nodes or no pool label. */
export function overprovisioningForPool(state: ClusterState, pool: string, options: OverprovisioningOptions = {}): OverprovisioningPlan | undefined {
	const sizing = overprovisioningSizing(state, pool, options);
	if (!sizing) return undefined;
	const {namespace, labelKey, perPod, replicas, priorityClassName} = sizing;
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
					containers: [
						{name: 'pause', image: PAUSE_IMAGE, resources: {requests: {cpu: formatCpu(perPod.cpuMillis), memory: formatMemory(perPod.memoryBytes)}}},
					],
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
		cost: sizing.cost,
		notes: sizing.notes,
	};
	if (sizing.createPriorityClass) {
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
	return plan;
}
