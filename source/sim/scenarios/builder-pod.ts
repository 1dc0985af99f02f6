/**
 * Seeding a pod as a kubelet would have reported it: placed on a node of its selector, its
 * requests defaulted from limits, containers running (or waiting, or terminated with an exit
 * code), conditions, IPs, QoS class, owner reference, and the managedFields the controller
 * and the kubelet would have written.
 */
import {templateHash} from '../controllers/context.js';
import {computeQosClass} from '../qos.js';
import type {Obj} from '../../formats/json-object.js';
import type {ClusterBuilder} from './builder.js';

export interface PodOptions {
	owner?: Obj;
	ageMs: number;
	phase?: 'Running' | 'Succeeded' | 'Failed' | 'Pending';
	nodeName?: string;
	labels?: Record<string, string>;
	finishedAgoMs?: number;
	/** The QoS class per template, computed once for the pods of one workload. */
	qosCache?: Map<Obj, string>;
}

function fieldsOfTemplateManager(): Obj {
	return {'f:metadata': {'f:labels': {'.': {}}}, 'f:spec': {'f:containers': {}, 'f:restartPolicy': {}}};
}

/** A pod as a kubelet would have reported it. */
export function seedPod(b: ClusterBuilder, namespace: string, name: string, template: Obj, options: PodOptions): Obj {
	const spec = structuredClone(template.spec) as Obj;
	const phase = options.phase ?? 'Running';
	const node = phase === 'Pending' ? undefined : (options.nodeName ?? b.nextNode(spec.nodeSelector));
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
	const created = b.iso(options.ageMs);
	const started = b.iso(Math.max(0, options.ageMs - 3000));
	const finished = options.finishedAgoMs !== undefined ? b.iso(options.finishedAgoMs) : started;
	const running = phase === 'Running';
	const ip = node ? b.nextPodIp() : undefined;
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
	return b.sim.api.seed(b.type('', 'pods'), pod);
}
