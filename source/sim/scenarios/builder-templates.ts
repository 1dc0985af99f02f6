/**
 * Containers and pod specs as the scenarios describe them: the short ContainerSpec and
 * PodTemplateOptions a scenario writes, turned into the pod spec a workload's template holds
 * (ports, env, resources, native sidecars, node selector, priority, service account).
 */
import type {Obj} from '../../formats/json-object.js';

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

/** Requests equal to limits for CPU and memory: a container of a Guaranteed pod. */
export const guaranteed = (cpu: string, memory: string): Pick<ContainerSpec, 'requests' | 'limits'> => ({requests: {cpu, memory}, limits: {cpu, memory}});
