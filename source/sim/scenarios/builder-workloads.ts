/**
 * Seeding the workload controllers' objects as kube-controller-manager would have left
 * them: a Deployment with its ReplicaSet (and older, scaled-down revisions) and pods, a
 * StatefulSet with its ordinal pods, a DaemonSet with a pod on each eligible node — each
 * with labels, owner references, managedFields and a status that says it is all ready.
 */
import {templateHash} from '../controllers/context.js';
import type {Obj} from '../../formats/json-object.js';
import type {ClusterBuilder} from './builder.js';
import type {PodTemplateOptions} from './builder-templates.js';

export interface WorkloadOptions extends PodTemplateOptions {
	replicas: number;
	/** How long ago the workload was created (ms). */
	ageMs?: number;
	revisionHistoryLimit?: number;
	/** Old, scaled-down ReplicaSets to seed (earlier revisions). */
	oldRevisions?: number;
	/** The workload's own labels (default app=<name>). */
	workloadLabels?: Record<string, string>;
	/** Who wrote spec.replicas last (a gitops tool fighting the HPA). */
	replicasManager?: {manager: string; operation: 'Apply' | 'Update'};
}

export function seedDeployment(b: ClusterBuilder, namespace: string, name: string, options: WorkloadOptions): {deployment: Obj; replicaSet: Obj; pods: Obj[]} {
	const ageMs = options.ageMs ?? 7 * 86_400_000;
	const template = b.template(name, options);
	const managedFields: Obj[] = [
		{
			manager: 'kubectl-client-side-apply',
			operation: 'Update',
			apiVersion: 'apps/v1',
			time: b.iso(ageMs),
			fieldsType: 'FieldsV1',
			fieldsV1: {'f:metadata': {'f:labels': {}}, 'f:spec': {'f:replicas': {}, 'f:selector': {}, 'f:template': {}}},
		},
	];
	if (options.replicasManager) {
		managedFields[0]!.fieldsV1 = {'f:metadata': {'f:labels': {}}, 'f:spec': {'f:selector': {}, 'f:template': {}}};
		managedFields.push({
			manager: options.replicasManager.manager,
			operation: options.replicasManager.operation,
			apiVersion: 'apps/v1',
			time: b.iso(60_000),
			fieldsType: 'FieldsV1',
			fieldsV1: {'f:spec': {'f:replicas': {}}},
		});
	}
	managedFields.push({
		manager: 'kube-controller-manager',
		operation: 'Update',
		apiVersion: 'apps/v1',
		time: b.iso(ageMs - 5000),
		fieldsType: 'FieldsV1',
		fieldsV1: {
			'f:status': {
				'f:availableReplicas': {},
				'f:conditions': {},
				'f:observedGeneration': {},
				'f:readyReplicas': {},
				'f:replicas': {},
				'f:updatedReplicas': {},
			},
		},
		subresource: 'status',
	});
	const revisions = (options.oldRevisions ?? 0) + 1;
	const deployment = b.seed('apps', 'deployments', {
		metadata: {
			name,
			namespace,
			labels: options.workloadLabels ?? {app: name},
			annotations: {'deployment.kubernetes.io/revision': String(revisions)},
			creationTimestamp: b.iso(ageMs),
			generation: revisions,
			managedFields,
		},
		spec: {
			replicas: options.replicas,
			selector: {matchLabels: {app: name}},
			template,
			...(options.revisionHistoryLimit !== undefined ? {revisionHistoryLimit: options.revisionHistoryLimit} : {}),
		},
		status: {},
	});
	const hash = templateHash(deployment.spec.template);
	for (let r = 1; r < revisions; r++) {
		// Earlier revisions differ in their image tag.
		const oldTemplate = structuredClone(deployment.spec.template) as Obj;
		for (const c of oldTemplate.spec.containers as Obj[]) c.image = `${String(c.image).split(':')[0]}:r${r}`;
		const oldHash = templateHash(oldTemplate);
		b.seed('apps', 'replicasets', {
			metadata: {
				name: `${name}-${oldHash}`,
				namespace,
				labels: {...oldTemplate.metadata.labels, 'pod-template-hash': oldHash},
				annotations: {'deployment.kubernetes.io/desired-replicas': String(options.replicas), 'deployment.kubernetes.io/revision': String(r)},
				creationTimestamp: b.iso(ageMs - r * 3_600_000),
				ownerReferences: [{apiVersion: 'apps/v1', kind: 'Deployment', name, uid: deployment.metadata.uid, controller: true, blockOwnerDeletion: true}],
			},
			spec: {
				replicas: 0,
				selector: {matchLabels: {app: name, 'pod-template-hash': oldHash}},
				template: {...oldTemplate, metadata: {...oldTemplate.metadata, labels: {...oldTemplate.metadata.labels, 'pod-template-hash': oldHash}}},
			},
			status: {replicas: 0, observedGeneration: 1},
		});
	}
	const rsTemplate = {
		...deployment.spec.template,
		metadata: {...deployment.spec.template.metadata, labels: {...deployment.spec.template.metadata.labels, 'pod-template-hash': hash}},
	};
	const rsAge = revisions > 1 ? Math.max(60_000, ageMs - revisions * 3_600_000) : ageMs;
	const replicaSet = b.seed('apps', 'replicasets', {
		metadata: {
			name: `${name}-${hash}`,
			namespace,
			labels: rsTemplate.metadata.labels,
			annotations: {
				'deployment.kubernetes.io/desired-replicas': String(options.replicas),
				'deployment.kubernetes.io/max-replicas': String(options.replicas + Math.ceil(options.replicas / 4)),
				'deployment.kubernetes.io/revision': String(revisions),
			},
			creationTimestamp: b.iso(rsAge),
			ownerReferences: [{apiVersion: 'apps/v1', kind: 'Deployment', name, uid: deployment.metadata.uid, controller: true, blockOwnerDeletion: true}],
		},
		spec: {replicas: options.replicas, selector: {matchLabels: {app: name, 'pod-template-hash': hash}}, template: rsTemplate},
		status: {
			replicas: options.replicas,
			fullyLabeledReplicas: options.replicas,
			readyReplicas: options.replicas,
			availableReplicas: options.replicas,
			observedGeneration: 1,
		},
	});
	const qosCache = new Map<Obj, string>();
	const pods: Obj[] = [];
	for (let i = 0; i < options.replicas; i++) {
		pods.push(
			b.pod(namespace, `${replicaSet.metadata.name}-${b.sim.random.suffix(5)}`, rsTemplate, {
				owner: replicaSet,
				ageMs: Math.min(rsAge, ageMs),
				qosCache,
			}),
		);
	}
	b.setStatus('apps', 'deployments', deployment, {
		observedGeneration: deployment.metadata.generation,
		replicas: options.replicas,
		updatedReplicas: options.replicas,
		readyReplicas: options.replicas,
		availableReplicas: options.replicas,
		conditions: [
			{
				type: 'Available',
				status: 'True',
				reason: 'MinimumReplicasAvailable',
				message: 'Deployment has minimum availability.',
				lastUpdateTime: b.iso(ageMs),
				lastTransitionTime: b.iso(ageMs),
			},
			{
				type: 'Progressing',
				status: 'True',
				reason: 'NewReplicaSetAvailable',
				message: `ReplicaSet "${replicaSet.metadata.name}" has successfully progressed.`,
				lastUpdateTime: b.iso(ageMs),
				lastTransitionTime: b.iso(ageMs),
			},
		],
	});
	return {deployment, replicaSet, pods};
}

export function seedStatefulSet(b: ClusterBuilder, namespace: string, name: string, options: WorkloadOptions): {statefulSet: Obj; pods: Obj[]} {
	const ageMs = options.ageMs ?? 14 * 86_400_000;
	const template = b.template(name, options);
	const statefulSet = b.seed('apps', 'statefulsets', {
		metadata: {name, namespace, labels: options.workloadLabels ?? {app: name}, creationTimestamp: b.iso(ageMs), generation: 1},
		spec: {replicas: options.replicas, selector: {matchLabels: {app: name}}, serviceName: name, template},
		status: {},
	});
	const revision = `${name}-${templateHash(statefulSet.spec.template)}`;
	const qosCache = new Map<Obj, string>();
	const pods: Obj[] = [];
	for (let i = 0; i < options.replicas; i++) {
		const podName = `${name}-${i}`;
		const podTemplate = {...statefulSet.spec.template, spec: {...statefulSet.spec.template.spec, hostname: podName}};
		pods.push(
			b.pod(namespace, podName, podTemplate, {
				owner: statefulSet,
				ageMs,
				qosCache,
				labels: {'controller-revision-hash': revision, 'statefulset.kubernetes.io/pod-name': podName, 'apps.kubernetes.io/pod-index': String(i)},
			}),
		);
	}
	b.setStatus('apps', 'statefulsets', statefulSet, {
		replicas: options.replicas,
		readyReplicas: options.replicas,
		availableReplicas: options.replicas,
		currentReplicas: options.replicas,
		updatedReplicas: options.replicas,
		currentRevision: revision,
		updateRevision: revision,
		observedGeneration: 1,
	});
	return {statefulSet, pods};
}

export function seedDaemonSet(
	b: ClusterBuilder,
	namespace: string,
	name: string,
	options: PodTemplateOptions & {ageMs?: number},
): {daemonSet: Obj; pods: Obj[]} {
	const ageMs = options.ageMs ?? 20 * 86_400_000;
	const template = b.template(name, options);
	const daemonSet = b.seed('apps', 'daemonsets', {
		metadata: {name, namespace, labels: {app: name}, creationTimestamp: b.iso(ageMs), generation: 1},
		spec: {selector: {matchLabels: {app: name}}, template},
		status: {},
	});
	const hash = templateHash(daemonSet.spec.template);
	const nodes = [...b.sim.store.resource('nodes').sorted()].filter((record) =>
		Object.entries((options.nodeSelector ?? {}) as Record<string, string>).every(([k, v]) => record.labels?.[k] === v),
	);
	const qosCache = new Map<Obj, string>();
	const pods = nodes.map((node) =>
		b.pod(namespace, `${name}-${b.sim.random.suffix(5)}`, daemonSet.spec.template, {
			owner: daemonSet,
			ageMs: Math.min(ageMs, b.now - Date.parse(JSON.parse(node.json).metadata.creationTimestamp)),
			nodeName: node.name,
			qosCache,
			labels: {'controller-revision-hash': hash, 'pod-template-generation': '1'},
		}),
	);
	b.setStatus('apps', 'daemonsets', daemonSet, {
		desiredNumberScheduled: nodes.length,
		currentNumberScheduled: nodes.length,
		numberReady: nodes.length,
		numberAvailable: nodes.length,
		updatedNumberScheduled: nodes.length,
		numberMisscheduled: 0,
		observedGeneration: 1,
	});
	return {daemonSet, pods};
}
