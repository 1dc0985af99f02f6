/**
 * The lookup from apiVersion and kind to the schema of a built-in kind. Custom
 * resources have none: no strategic merge patch, and server-side apply treats every
 * field as a plain granular field.
 */
import {hpaV1, hpaV2} from './autoscaling.js';
import {
	configMap,
	coreEvent,
	endpoints,
	eventsEvent,
	limitRange,
	namespace,
	node,
	persistentVolume,
	persistentVolumeClaim,
	pod,
	podTemplate,
	replicationController,
	resourceQuota,
	secret,
	service,
	serviceAccount,
} from './core.js';
import {flowSchema, priorityClass, priorityLevelConfiguration} from './priority.js';
import type {StructNode} from './types.js';
import {cronJob, daemonSet, deployment, job, replicaSet, statefulSet} from './workloads.js';

const byGroupVersion: ReadonlyMap<string, ReadonlyMap<string, StructNode>> = new Map([
	[
		'v1',
		new Map([
			['Pod', pod],
			['PodTemplate', podTemplate],
			['ReplicationController', replicationController],
			['Service', service],
			['Node', node],
			['Namespace', namespace],
			['ConfigMap', configMap],
			['Secret', secret],
			['Event', coreEvent],
			['PersistentVolume', persistentVolume],
			['PersistentVolumeClaim', persistentVolumeClaim],
			['ResourceQuota', resourceQuota],
			['LimitRange', limitRange],
			['ServiceAccount', serviceAccount],
			['Endpoints', endpoints],
		]),
	],
	[
		'apps/v1',
		new Map([
			['Deployment', deployment],
			['ReplicaSet', replicaSet],
			['StatefulSet', statefulSet],
			['DaemonSet', daemonSet],
		]),
	],
	[
		'batch/v1',
		new Map([
			['Job', job],
			['CronJob', cronJob],
		]),
	],
	['autoscaling/v2', new Map([['HorizontalPodAutoscaler', hpaV2]])],
	['autoscaling/v1', new Map([['HorizontalPodAutoscaler', hpaV1]])],
	['scheduling.k8s.io/v1', new Map([['PriorityClass', priorityClass]])],
	['events.k8s.io/v1', new Map([['Event', eventsEvent]])],
	[
		'flowcontrol.apiserver.k8s.io/v1',
		new Map([
			['FlowSchema', flowSchema],
			['PriorityLevelConfiguration', priorityLevelConfiguration],
		]),
	],
	[
		'flowcontrol.apiserver.k8s.io/v1beta3',
		new Map([
			['FlowSchema', flowSchema],
			['PriorityLevelConfiguration', priorityLevelConfiguration],
		]),
	],
]);

/**
 * The schema of a built-in kind, or undefined for anything else (a custom resource:
 * no strategic merge patch, and SSA treats every field as a plain granular field).
 */
export function schemaFor(apiVersion: string, kindName: string): StructNode | undefined {
	return byGroupVersion.get(apiVersion)?.get(kindName);
}

/** Every (apiVersion, kind) pair `schemaFor` knows. */
export function describedKinds(): Array<{apiVersion: string; kind: string}> {
	const out: Array<{apiVersion: string; kind: string}> = [];
	for (const [apiVersion, kinds] of byGroupVersion) {
		for (const kindName of kinds.keys()) out.push({apiVersion, kind: kindName});
	}
	return out;
}
