/**
 * Seeds a consistent cluster straight into storage (no events, no admission round trips):
 * namespaces, node pools, and workloads with the ReplicaSets, pods, owner references,
 * labels, statuses and managedFields the real controllers would have written, so the
 * simulated controllers find nothing to fix when they start. Fast enough for 150,000 pods.
 */
import {applyDefaults} from '../admission.js';
import {templateHash} from '../controllers/context.js';
import {nodeName, nodeObject, type NodePoolSpec} from '../controllers/nodes.js';
import {computeQosClass} from '../qos.js';
import type {ResourceType} from '../resources.js';
import type {Obj} from '../../formats/json-object.js';
import type {Simulator} from '../simulator.js';

export interface ContainerSpec {
	name: string;
	image: string;
	requests?: Record<string, string>;
	limits?: Record<string, string>;
	env?: Array<{name: string; value?: string; valueFrom?: Obj}>;
	command?: string[];
	ports?: number[];
	/** For init containers: "Always" makes a native sidecar. */
	restartPolicy?: 'Always';
}

export interface PodTemplateOptions {
	containers: ContainerSpec[];
	initContainers?: ContainerSpec[];
	labels?: Record<string, string>;
	annotations?: Record<string, string>;
	nodeSelector?: Record<string, string>;
	priorityClassName?: string;
	serviceAccountName?: string;
	restartPolicy?: string;
	podResources?: {requests?: Record<string, string>; limits?: Record<string, string>};
}

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

function containerObject(c: ContainerSpec): Obj {
	const resources: Obj = {};
	if (c.requests) resources.requests = {...c.requests};
	if (c.limits) resources.limits = {...c.limits};
	return {
		name: c.name,
		image: c.image,
		...(c.command ? {command: c.command} : {}),
		...(c.ports ? {ports: c.ports.map((p) => ({containerPort: p, protocol: 'TCP'}))} : {}),
		...(c.env ? {env: c.env} : {}),
		resources,
		...(c.restartPolicy ? {restartPolicy: c.restartPolicy} : {}),
	};
}

export function podSpec(options: PodTemplateOptions): Obj {
	return {
		...(options.initContainers ? {initContainers: options.initContainers.map(containerObject)} : {}),
		containers: options.containers.map(containerObject),
		restartPolicy: options.restartPolicy ?? 'Always',
		...(options.nodeSelector ? {nodeSelector: options.nodeSelector} : {}),
		...(options.priorityClassName ? {priorityClassName: options.priorityClassName} : {}),
		...(options.serviceAccountName ? {serviceAccountName: options.serviceAccountName, serviceAccount: options.serviceAccountName} : {}),
		...(options.podResources ? {resources: options.podResources} : {}),
	};
}

function fieldsOfTemplateManager(): Obj {
	return {'f:metadata': {'f:labels': {'.': {}}}, 'f:spec': {'f:containers': {}, 'f:restartPolicy': {}}};
}

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

	private nextNode(selector: Record<string, string> | undefined): string | undefined {
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

	private ip(): string {
		const n = this.ipCounter++;
		return `10.244.${(n >> 8) & 255}.${n & 255}`;
	}

	/** A pod as a kubelet would have reported it. */
	pod(
		namespace: string,
		name: string,
		template: Obj,
		options: {
			owner?: Obj;
			ageMs: number;
			phase?: 'Running' | 'Succeeded' | 'Failed' | 'Pending';
			nodeName?: string;
			labels?: Record<string, string>;
			finishedAgoMs?: number;
			qosCache?: Map<Obj, string>;
		},
	): Obj {
		const spec = structuredClone(template.spec) as Obj;
		const phase = options.phase ?? 'Running';
		const node = phase === 'Pending' ? undefined : (options.nodeName ?? this.nextNode(spec.nodeSelector));
		if (node) spec.nodeName = node;
		// Requests default from limits on pods (SetDefaults_Pod).
		for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])] as Obj[]) {
			for (const [k, v] of Object.entries((c.resources?.limits ?? {}) as Obj)) {
				c.resources.requests ??= {};
				c.resources.requests[k] ??= v;
			}
		}
		let qosClass = options.qosCache?.get(template);
		if (!qosClass) {
			qosClass = computeQosClass(spec);
			options.qosCache?.set(template, qosClass);
		}
		const created = this.iso(options.ageMs);
		const started = this.iso(Math.max(0, options.ageMs - 3000));
		const finished = options.finishedAgoMs !== undefined ? this.iso(options.finishedAgoMs) : started;
		const running = phase === 'Running';
		const ip = node ? this.ip() : undefined;
		const containerStatuses = ((spec.containers ?? []) as Obj[]).map((c) => ({
			name: c.name,
			state: running
				? {running: {startedAt: started}}
				: phase === 'Pending'
					? {waiting: {reason: 'ContainerCreating'}}
					: {
							terminated: {
								exitCode: phase === 'Succeeded' ? 0 : 1,
								reason: phase === 'Succeeded' ? 'Completed' : 'Error',
								startedAt: started,
								finishedAt: finished,
							},
						},
			lastState: {},
			ready: running,
			restartCount: 0,
			image: c.image,
			imageID: `${String(c.image).split(':')[0]}@sha256:${templateHash(c.image).padEnd(64, '0').slice(0, 64)}`,
			started: running,
		}));
		const owner = options.owner;
		const pod: Obj = {
			apiVersion: 'v1',
			kind: 'Pod',
			metadata: {
				name,
				generateName: owner ? `${owner.metadata.name}-` : undefined,
				namespace,
				creationTimestamp: created,
				labels: {...(template.metadata?.labels ?? {}), ...(options.labels ?? {})},
				...(template.metadata?.annotations ? {annotations: template.metadata.annotations} : {}),
				...(owner
					? {
							ownerReferences: [
								{
									apiVersion: owner.apiVersion,
									kind: owner.kind,
									name: owner.metadata.name,
									uid: owner.metadata.uid,
									controller: true,
									blockOwnerDeletion: true,
								},
							],
						}
					: {}),
				managedFields: [
					{
						manager: owner ? 'kube-controller-manager' : 'kubectl-run',
						operation: 'Update',
						apiVersion: 'v1',
						time: created,
						fieldsType: 'FieldsV1',
						fieldsV1: fieldsOfTemplateManager(),
					},
					...(node
						? [
								{
									manager: 'kubelet',
									operation: 'Update',
									apiVersion: 'v1',
									time: started,
									fieldsType: 'FieldsV1',
									fieldsV1: {
										'f:status': {
											'f:conditions': {},
											'f:containerStatuses': {},
											'f:hostIP': {},
											'f:phase': {},
											'f:podIP': {},
											'f:podIPs': {},
											'f:startTime': {},
										},
									},
									subresource: 'status',
								},
							]
						: []),
				],
			},
			spec,
			status: {
				phase,
				conditions: [
					{type: 'PodReadyToStartContainers', status: phase === 'Pending' ? 'False' : 'True', lastProbeTime: null, lastTransitionTime: started},
					{type: 'Initialized', status: 'True', lastProbeTime: null, lastTransitionTime: started},
					{
						type: 'Ready',
						status: running ? 'True' : 'False',
						lastProbeTime: null,
						lastTransitionTime: running ? started : finished,
						...(running ? {} : {reason: 'PodCompleted'}),
					},
					{
						type: 'ContainersReady',
						status: running ? 'True' : 'False',
						lastProbeTime: null,
						lastTransitionTime: running ? started : finished,
						...(running ? {} : {reason: 'PodCompleted'}),
					},
					{type: 'PodScheduled', status: node ? 'True' : 'False', lastProbeTime: null, lastTransitionTime: created},
				],
				...(node ? {hostIP: '10.240.0.4', hostIPs: [{ip: '10.240.0.4'}], podIP: ip, podIPs: [{ip}], startTime: started} : {}),
				containerStatuses,
				qosClass,
			},
		};
		if (!owner) delete pod.metadata.generateName;
		return this.sim.api.seed(this.type('', 'pods'), pod);
	}

	template(name: string, options: PodTemplateOptions): Obj {
		return {
			metadata: {labels: {app: name, ...(options.labels ?? {})}, ...(options.annotations ? {annotations: options.annotations} : {})},
			spec: podSpec(options),
		};
	}

	deployment(namespace: string, name: string, options: WorkloadOptions): {deployment: Obj; replicaSet: Obj; pods: Obj[]} {
		const ageMs = options.ageMs ?? 7 * 86_400_000;
		const template = this.template(name, options);
		const managedFields: Obj[] = [
			{
				manager: 'kubectl-client-side-apply',
				operation: 'Update',
				apiVersion: 'apps/v1',
				time: this.iso(ageMs),
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
				time: this.iso(60_000),
				fieldsType: 'FieldsV1',
				fieldsV1: {'f:spec': {'f:replicas': {}}},
			});
		}
		managedFields.push({
			manager: 'kube-controller-manager',
			operation: 'Update',
			apiVersion: 'apps/v1',
			time: this.iso(ageMs - 5000),
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
		const deployment = this.seed('apps', 'deployments', {
			metadata: {
				name,
				namespace,
				labels: options.workloadLabels ?? {app: name},
				annotations: {'deployment.kubernetes.io/revision': String(revisions)},
				creationTimestamp: this.iso(ageMs),
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
			this.seed('apps', 'replicasets', {
				metadata: {
					name: `${name}-${oldHash}`,
					namespace,
					labels: {...oldTemplate.metadata.labels, 'pod-template-hash': oldHash},
					annotations: {'deployment.kubernetes.io/desired-replicas': String(options.replicas), 'deployment.kubernetes.io/revision': String(r)},
					creationTimestamp: this.iso(ageMs - r * 3_600_000),
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
		const replicaSet = this.seed('apps', 'replicasets', {
			metadata: {
				name: `${name}-${hash}`,
				namespace,
				labels: rsTemplate.metadata.labels,
				annotations: {
					'deployment.kubernetes.io/desired-replicas': String(options.replicas),
					'deployment.kubernetes.io/max-replicas': String(options.replicas + Math.ceil(options.replicas / 4)),
					'deployment.kubernetes.io/revision': String(revisions),
				},
				creationTimestamp: this.iso(rsAge),
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
				this.pod(namespace, `${replicaSet.metadata.name}-${this.sim.random.suffix(5)}`, rsTemplate, {
					owner: replicaSet,
					ageMs: Math.min(rsAge, ageMs),
					qosCache,
				}),
			);
		}
		this.setStatus('apps', 'deployments', deployment, {
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
					lastUpdateTime: this.iso(ageMs),
					lastTransitionTime: this.iso(ageMs),
				},
				{
					type: 'Progressing',
					status: 'True',
					reason: 'NewReplicaSetAvailable',
					message: `ReplicaSet "${replicaSet.metadata.name}" has successfully progressed.`,
					lastUpdateTime: this.iso(ageMs),
					lastTransitionTime: this.iso(ageMs),
				},
			],
		});
		return {deployment, replicaSet, pods};
	}

	statefulSet(namespace: string, name: string, options: WorkloadOptions): {statefulSet: Obj; pods: Obj[]} {
		const ageMs = options.ageMs ?? 14 * 86_400_000;
		const template = this.template(name, options);
		const statefulSet = this.seed('apps', 'statefulsets', {
			metadata: {name, namespace, labels: options.workloadLabels ?? {app: name}, creationTimestamp: this.iso(ageMs), generation: 1},
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
				this.pod(namespace, podName, podTemplate, {
					owner: statefulSet,
					ageMs,
					qosCache,
					labels: {'controller-revision-hash': revision, 'statefulset.kubernetes.io/pod-name': podName, 'apps.kubernetes.io/pod-index': String(i)},
				}),
			);
		}
		this.setStatus('apps', 'statefulsets', statefulSet, {
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

	daemonSet(namespace: string, name: string, options: PodTemplateOptions & {ageMs?: number}): {daemonSet: Obj; pods: Obj[]} {
		const ageMs = options.ageMs ?? 20 * 86_400_000;
		const template = this.template(name, options);
		const daemonSet = this.seed('apps', 'daemonsets', {
			metadata: {name, namespace, labels: {app: name}, creationTimestamp: this.iso(ageMs), generation: 1},
			spec: {selector: {matchLabels: {app: name}}, template},
			status: {},
		});
		const hash = templateHash(daemonSet.spec.template);
		const nodes = [...this.sim.store.resource('nodes').sorted()].filter((record) =>
			Object.entries((options.nodeSelector ?? {}) as Record<string, string>).every(([k, v]) => record.labels?.[k] === v),
		);
		const qosCache = new Map<Obj, string>();
		const pods = nodes.map((node) =>
			this.pod(namespace, `${name}-${this.sim.random.suffix(5)}`, daemonSet.spec.template, {
				owner: daemonSet,
				ageMs: Math.min(ageMs, this.now - Date.parse(JSON.parse(node.json).metadata.creationTimestamp)),
				nodeName: node.name,
				qosCache,
				labels: {'controller-revision-hash': hash, 'pod-template-generation': '1'},
			}),
		);
		this.setStatus('apps', 'daemonsets', daemonSet, {
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

	/** A finished (or running) Job with its pod, optionally owned by a CronJob. */
	job(
		namespace: string,
		name: string,
		options: PodTemplateOptions & {
			ageMs: number;
			durationMs?: number;
			outcome?: 'Complete' | 'Failed' | 'Running';
			owner?: Obj;
			ttlSecondsAfterFinished?: number;
			labels?: Record<string, string>;
		},
	): {job: Obj; pod: Obj} {
		const outcome = options.outcome ?? 'Complete';
		const duration = options.durationMs ?? 45_000;
		const template = this.template(name, {...options, restartPolicy: 'Never'});
		delete template.metadata.labels.app;
		const start = this.iso(options.ageMs);
		const end = this.iso(Math.max(0, options.ageMs - duration));
		const job = this.seed('batch', 'jobs', {
			metadata: {
				name,
				namespace,
				creationTimestamp: start,
				generation: 1,
				labels: {...(options.labels ?? {}), ...(options.owner ? {'batch.kubernetes.io/cronjob-name': options.owner.metadata.name} : {})},
				...(options.owner
					? {
							annotations: {'batch.kubernetes.io/cronjob-scheduled-timestamp': start},
							ownerReferences: [
								{
									apiVersion: 'batch/v1',
									kind: 'CronJob',
									name: options.owner.metadata.name,
									uid: options.owner.metadata.uid,
									controller: true,
									blockOwnerDeletion: true,
								},
							],
						}
					: {}),
			},
			spec: {template, ...(options.ttlSecondsAfterFinished !== undefined ? {ttlSecondsAfterFinished: options.ttlSecondsAfterFinished} : {})},
			status: {},
		});
		const uid = job.metadata.uid as string;
		job.spec.selector = {matchLabels: {'batch.kubernetes.io/controller-uid': uid}};
		job.spec.template.metadata.labels = {
			...job.spec.template.metadata.labels,
			'batch.kubernetes.io/controller-uid': uid,
			'batch.kubernetes.io/job-name': name,
			'controller-uid': uid,
			'job-name': name,
		};
		const pod = this.pod(namespace, `${name}-${this.sim.random.suffix(5)}`, job.spec.template, {
			owner: job,
			ageMs: options.ageMs,
			phase: outcome === 'Complete' ? 'Succeeded' : outcome === 'Failed' ? 'Failed' : 'Running',
			finishedAgoMs: Math.max(0, options.ageMs - duration),
		});
		const status: Obj = {
			startTime: start,
			active: outcome === 'Running' ? 1 : 0,
			succeeded: outcome === 'Complete' ? 1 : 0,
			failed: outcome === 'Failed' ? 1 : 0,
			ready: 0,
			terminating: 0,
			uncountedTerminatedPods: {},
		};
		if (outcome === 'Complete') {
			status.completionTime = end;
			status.conditions = [
				{
					type: 'SuccessCriteriaMet',
					status: 'True',
					lastProbeTime: end,
					lastTransitionTime: end,
					reason: 'CompletionsReached',
					message: 'Reached expected number of succeeded pods',
				},
				{
					type: 'Complete',
					status: 'True',
					lastProbeTime: end,
					lastTransitionTime: end,
					reason: 'CompletionsReached',
					message: 'Reached expected number of succeeded pods',
				},
			];
		} else if (outcome === 'Failed') {
			status.conditions = [
				{
					type: 'FailureTarget',
					status: 'True',
					lastProbeTime: end,
					lastTransitionTime: end,
					reason: 'BackoffLimitExceeded',
					message: 'Job has reached the specified backoff limit',
				},
				{
					type: 'Failed',
					status: 'True',
					lastProbeTime: end,
					lastTransitionTime: end,
					reason: 'BackoffLimitExceeded',
					message: 'Job has reached the specified backoff limit',
				},
			];
			job.spec.backoffLimit = 0;
		}
		this.setStatus('batch', 'jobs', job, status);
		return {job, pod};
	}

	hpa(
		namespace: string,
		name: string,
		target: Obj,
		options: {
			min: number;
			max: number;
			current: number;
			desired?: number;
			behavior?: Obj;
			targetUtilization?: number;
			ageMs?: number;
			labels?: Record<string, string>;
			ownerReferences?: Obj[];
			metrics?: Obj[];
			lastScaleAgoMs?: number;
		},
	): Obj {
		const ageMs = options.ageMs ?? 7 * 86_400_000;
		const utilization = options.targetUtilization ?? 70;
		return this.seed('autoscaling', 'horizontalpodautoscalers', {
			metadata: {
				name,
				namespace,
				creationTimestamp: this.iso(ageMs),
				...(options.labels ? {labels: options.labels} : {}),
				...(options.ownerReferences ? {ownerReferences: options.ownerReferences} : {}),
			},
			spec: {
				scaleTargetRef: {apiVersion: target.apiVersion, kind: target.kind, name: target.metadata.name},
				minReplicas: options.min,
				maxReplicas: options.max,
				metrics: options.metrics ?? [{type: 'Resource', resource: {name: 'cpu', target: {type: 'Utilization', averageUtilization: utilization}}}],
				...(options.behavior ? {behavior: options.behavior} : {}),
			},
			status: {
				currentReplicas: options.current,
				desiredReplicas: options.desired ?? options.current,
				...(options.lastScaleAgoMs !== undefined ? {lastScaleTime: this.iso(options.lastScaleAgoMs)} : {}),
				currentMetrics: [{type: 'Resource', resource: {name: 'cpu', current: {averageUtilization: utilization, averageValue: '175m'}}}],
				conditions: [
					{
						type: 'AbleToScale',
						status: 'True',
						lastTransitionTime: this.iso(ageMs),
						reason: 'ReadyForNewScale',
						message: 'recommended size matches current size',
					},
					{
						type: 'ScalingActive',
						status: 'True',
						lastTransitionTime: this.iso(ageMs),
						reason: 'ValidMetricFound',
						message: 'the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)',
					},
					{
						type: 'ScalingLimited',
						status: 'False',
						lastTransitionTime: this.iso(ageMs),
						reason: 'DesiredWithinRange',
						message: 'the desired count is within the acceptable range',
					},
				],
			},
		});
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
