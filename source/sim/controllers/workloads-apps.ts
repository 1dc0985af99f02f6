/**
 * The simulated apps/v1 controllers: Deployment → ReplicaSet (a template change rolls out a
 * new ReplicaSet, old ones are scaled to 0 and pruned by revisionHistoryLimit), ReplicaSet →
 * Pods (pending ones deleted first, then the youngest), StatefulSet (ordinal pods, replaced
 * on a new revision), DaemonSet (a pod per eligible node), each writing its status.
 */
import type {StoredRecord} from '../store.js';
import type {Obj} from '../../formats/json-object.js';
import {ownerRef, templateHash} from './context.js';
import {isFinished, isReady, isTerminating, MANAGER, type WorkloadKit} from './workloads-kit.js';

export function syncDeployment(kit: WorkloadKit, key: string): void {
	const deployment = kit.get(kit.deployments, key);
	if (!deployment || deployment.metadata.deletionTimestamp) return;
	const template = deployment.spec?.template ?? {};
	const hash = templateHash(template);
	const sets = kit.owned(deployment.metadata.uid, 'apps/replicasets');
	let current = sets.find((rs) => rs.metadata?.labels?.['pod-template-hash'] === hash);
	const revision = (rs: Obj) => Number(rs.metadata?.annotations?.['deployment.kubernetes.io/revision'] ?? 0);
	const maxRevision = sets.reduce((max, rs) => Math.max(max, revision(rs)), 0);
	const replicas = Number(deployment.spec?.replicas ?? 1);
	if (!current) {
		const rs: Obj = {
			apiVersion: 'apps/v1',
			kind: 'ReplicaSet',
			metadata: {
				name: `${deployment.metadata.name}-${hash}`,
				namespace: deployment.metadata.namespace,
				labels: {...(template.metadata?.labels ?? {}), 'pod-template-hash': hash},
				annotations: {
					'deployment.kubernetes.io/desired-replicas': String(replicas),
					'deployment.kubernetes.io/max-replicas': String(replicas + Math.ceil(replicas / 4)),
					'deployment.kubernetes.io/revision': String(maxRevision + 1),
				},
				ownerReferences: [ownerRef(deployment)],
			},
			spec: {
				replicas,
				selector: {matchLabels: {...(deployment.spec?.selector?.matchLabels ?? {}), 'pod-template-hash': hash}},
				template: {...template, metadata: {...(template.metadata ?? {}), labels: {...(template.metadata?.labels ?? {}), 'pod-template-hash': hash}}},
			},
		};
		try {
			current = kit.ctx.api.create(kit.replicasets, deployment.metadata.namespace, rs, {
				user: {name: 'system:serviceaccount:kube-system:deployment-controller', groups: []},
				fieldManager: MANAGER,
			});
		} catch {
			return;
		}
	} else if (Number(current.spec?.replicas ?? 0) !== replicas) {
		kit.ctx.api.controllerWrite(
			kit.replicasets,
			{
				...current,
				spec: {...current.spec, replicas},
				metadata: {
					...current.metadata,
					annotations: {...(current.metadata.annotations ?? {}), 'deployment.kubernetes.io/desired-replicas': String(replicas)},
				},
			},
			MANAGER,
		);
	}
	const old = sets.filter((rs) => rs.metadata.uid !== current!.metadata.uid);
	for (const rs of old) {
		if (Number(rs.spec?.replicas ?? 0) !== 0) kit.ctx.api.controllerWrite(kit.replicasets, {...rs, spec: {...rs.spec, replicas: 0}}, MANAGER);
	}
	// revisionHistoryLimit: keep that many old, scaled-down ReplicaSets; delete the oldest beyond it.
	const limit = Number(deployment.spec?.revisionHistoryLimit ?? 10);
	const idle = old.filter((rs) => Number(rs.status?.replicas ?? 0) === 0).sort((a, b) => revision(a) - revision(b));
	for (const rs of idle.slice(0, Math.max(0, idle.length - limit))) {
		kit.deleteAs('deployment-controller', kit.replicasets, rs);
	}
	const all = [current, ...old];
	const sum = (f: (rs: Obj) => number) => all.reduce((n, rs) => n + f(rs), 0);
	const ready = sum((rs) => Number(rs.status?.readyReplicas ?? 0));
	kit.writeStatus(kit.deployments, deployment, {
		observedGeneration: deployment.metadata.generation,
		replicas: sum((rs) => Number(rs.status?.replicas ?? 0)),
		updatedReplicas: Number(current.status?.replicas ?? 0),
		readyReplicas: ready,
		availableReplicas: ready,
		...(sum((rs) => Number(rs.status?.replicas ?? 0)) - ready > 0 ? {unavailableReplicas: sum((rs) => Number(rs.status?.replicas ?? 0)) - ready} : {}),
		conditions: [
			{
				type: 'Available',
				status: ready >= Math.max(0, replicas - Math.floor(replicas / 4)) ? 'True' : 'False',
				reason: ready >= replicas ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable',
				message: ready >= replicas ? 'Deployment has minimum availability.' : 'Deployment does not have minimum availability.',
			},
			{type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${current.metadata.name}" has successfully progressed.`},
		],
	});
}

export function syncReplicaSet(kit: WorkloadKit, key: string): void {
	const rs = kit.get(kit.replicasets, key);
	if (!rs || rs.metadata.deletionTimestamp) return;
	const pods = kit.owned(rs.metadata.uid, 'pods');
	const active = pods.filter((pod) => !isTerminating(pod) && !isFinished(pod));
	const wanted = Number(rs.spec?.replicas ?? 1);
	if (active.length < wanted) {
		for (let i = active.length; i < wanted; i++) kit.createPod(rs, rs.spec?.template ?? {}, `${rs.metadata.name}-${kit.ctx.random.suffix(5)}`);
	} else if (active.length > wanted) {
		// Delete pending before running, then the youngest.
		const order = [...active].sort(
			(a, b) =>
				Number(Boolean(a.spec?.nodeName)) - Number(Boolean(b.spec?.nodeName)) ||
				String(b.metadata.creationTimestamp).localeCompare(String(a.metadata.creationTimestamp)),
		);
		for (const pod of order.slice(0, active.length - wanted)) kit.deletePod(pod);
	}
	const ready = active.filter(isReady).length;
	kit.writeStatus(kit.replicasets, rs, {
		replicas: active.length,
		fullyLabeledReplicas: active.length,
		readyReplicas: ready,
		availableReplicas: ready,
		observedGeneration: rs.metadata.generation,
	});
}

export function syncStatefulSet(kit: WorkloadKit, key: string): void {
	const sts = kit.get(kit.statefulsets, key);
	if (!sts || sts.metadata.deletionTimestamp) return;
	const revision = `${sts.metadata.name}-${templateHash(sts.spec?.template ?? {})}`;
	const pods = kit.owned(sts.metadata.uid, 'pods');
	const wanted = Number(sts.spec?.replicas ?? 1);
	const byName = new Map(pods.map((pod) => [pod.metadata.name as string, pod]));
	for (let i = 0; i < wanted; i++) {
		const name = `${sts.metadata.name}-${i}`;
		const pod = byName.get(name);
		if (!pod)
			kit.createPod(sts, sts.spec?.template ?? {}, name, {
				labels: {'controller-revision-hash': revision, 'statefulset.kubernetes.io/pod-name': name, 'apps.kubernetes.io/pod-index': String(i)},
				hostname: name,
			});
		else if (!isTerminating(pod) && pod.metadata.labels?.['controller-revision-hash'] !== revision) kit.deletePod(pod);
	}
	for (const pod of pods) {
		const index = Number(String(pod.metadata.name).slice(String(sts.metadata.name).length + 1));
		if (index >= wanted && !isTerminating(pod)) kit.deletePod(pod);
	}
	const current = pods.filter((pod) => !isTerminating(pod));
	const ready = current.filter(isReady).length;
	kit.writeStatus(kit.statefulsets, sts, {
		replicas: current.length,
		readyReplicas: ready,
		availableReplicas: ready,
		currentReplicas: current.length,
		updatedReplicas: current.filter((pod) => pod.metadata.labels?.['controller-revision-hash'] === revision).length,
		currentRevision: revision,
		updateRevision: revision,
		observedGeneration: sts.metadata.generation,
	});
}

function nodeMatches(node: Obj, template: Obj): boolean {
	const selector = (template.spec?.nodeSelector ?? {}) as Record<string, string>;
	const labels = (node.metadata?.labels ?? {}) as Record<string, string>;
	return Object.entries(selector).every(([k, v]) => labels[k] === v) && !node.metadata?.deletionTimestamp;
}

export function syncDaemonSet(kit: WorkloadKit, key: string): void {
	const ds = kit.get(kit.daemonsets, key);
	if (!ds || ds.metadata.deletionTimestamp) return;
	const template = ds.spec?.template ?? {};
	const hash = templateHash(template);
	const nodes = [...kit.ctx.api.store.resource('nodes').objects.values()]
		.map((r: StoredRecord) => JSON.parse(r.json) as Obj)
		.filter((node) => nodeMatches(node, template));
	const pods = kit.owned(ds.metadata.uid, 'pods').filter((pod) => !isTerminating(pod));
	const byNode = new Map<string, Obj>();
	const eligible = new Set(nodes.map((n) => String(n.metadata.name)));
	for (const pod of pods) {
		const node = String(pod.spec?.nodeName ?? '');
		if (byNode.has(node) || !eligible.has(node)) kit.deletePod(pod);
		else byNode.set(node, pod);
	}
	for (const node of nodes) {
		const pod = byNode.get(node.metadata.name);
		if (!pod)
			kit.createPod(ds, template, `${ds.metadata.name}-${kit.ctx.random.suffix(5)}`, {
				nodeName: node.metadata.name,
				labels: {'controller-revision-hash': hash, 'pod-template-generation': String(ds.metadata.generation ?? 1)},
			});
		else if (pod.metadata.labels?.['controller-revision-hash'] !== hash) kit.deletePod(pod);
	}
	const ready = pods.filter(isReady).length;
	kit.writeStatus(kit.daemonsets, ds, {
		desiredNumberScheduled: nodes.length,
		currentNumberScheduled: byNode.size,
		numberReady: ready,
		numberAvailable: ready,
		updatedNumberScheduled: pods.filter((pod) => pod.metadata.labels?.['controller-revision-hash'] === hash).length,
		numberMisscheduled: 0,
		observedGeneration: ds.metadata.generation,
	});
}
