/**
 * The "make this workload Guaranteed" remedy as data: a change of the owner's pod template
 * (strategic-merge-patch shaped) that sets requests = limits for cpu and memory on every
 * container and init container (sidecars included), merged by container name as
 * `kubectl set resources` does; the remedy sends it as a JSON patch that tests each value
 * it writes and each container's name at its index (guarded-patch.ts). Other resources in the same lists (ephemeral-storage,
 * extended resources) and every other field are left alone; spec.replicas is never in the
 * patch, so an HPA keeps owning it. The QoS class is fixed when a pod is created, so
 * applying the patch rolls the pods (CronJobs: it applies to the next Jobs).
 *
 * `podFromTemplate` builds a Pod from the live template with the same patch applied, for a
 * server-side dry-run create: admission (LimitRange, mutating webhooks that inject
 * sidecars) can change what pods get, and the dry-run's status.qosClass is the truth.
 */
import {parseCpuMillis, parseMemoryBytes} from '../formats/quantity.js';
import type {SlimPodSpec} from '../model/slim.js';

export interface GuaranteedValues {
	cpu: string;
	memory: string;
}

export type JsonObject = {[key: string]: unknown};

/** Where each kind keeps its pod template's spec. Standalone Jobs are not here: their template is immutable. */
const TEMPLATE_SPEC_PATHS: Readonly<Record<string, readonly string[]>> = {
	Deployment: ['spec', 'template', 'spec'],
	StatefulSet: ['spec', 'template', 'spec'],
	DaemonSet: ['spec', 'template', 'spec'],
	CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};

/** The path of the pod template's spec in an object of this kind; throws for kinds the remedy does not patch. */
export function templateSpecPath(kind: string): readonly string[] {
	const path = TEMPLATE_SPEC_PATHS[kind];
	if (path !== undefined) return path;
	if (kind === 'Job') throw new Error("a Job's pod template cannot be changed: recreate the Job instead");
	if (kind === 'ReplicaSet') throw new Error('a ReplicaSet does not replace its pods when its template changes: patch its Deployment, or recreate the pods');
	if (kind === 'Pod') throw new Error("a pod's QoS class cannot change in place: the pod must be recreated");
	throw new Error(`cannot make a ${kind} Guaranteed: only Deployment, StatefulSet, DaemonSet and CronJob templates are patched`);
}

function checkedValues(what: string, values: GuaranteedValues): GuaranteedValues {
	let cpu: number;
	let memory: number;
	try {
		cpu = parseCpuMillis(values.cpu);
		memory = parseMemoryBytes(values.memory);
	} catch (error) {
		throw new Error(`${what}: ${error instanceof Error ? error.message : String(error)}`, {cause: error});
	}
	// A zero quantity does not count for QoS: the pod would not become Guaranteed.
	if (cpu <= 0) throw new Error(`${what}: cpu must be more than 0 (got "${values.cpu}")`);
	if (memory <= 0) throw new Error(`${what}: memory must be more than 0 (got "${values.memory}")`);
	return {cpu: values.cpu, memory: values.memory};
}

function resourcesEntry(values: GuaranteedValues): JsonObject {
	return {requests: {cpu: values.cpu, memory: values.memory}, limits: {cpu: values.cpu, memory: values.memory}};
}

function nest(path: readonly string[], leaf: JsonObject): JsonObject {
	let out = leaf;
	for (let i = path.length - 1; i >= 0; i--) out = {[path[i]!]: out};
	return out;
}

export interface GuaranteedPatchOptions {
	/**
	 * Pod-level values, required when the template sets pod-level cpu/memory resources
	 * (they decide the class alone); they are set as spec.resources requests = limits.
	 */
	podLevel?: GuaranteedValues;
}

/**
 * The change, as a strategic merge patch body would carry it (containers merged by name),
 * for a Deployment, StatefulSet, DaemonSet or CronJob. `values` must name every container
 * and init container of the template, and nothing else (a name the live object lacks
 * would add a container). Throws, with a message for the user, on a kind that cannot be
 * patched, a missing or extra container, or a value that is not a positive quantity.
 */
export function guaranteedTemplatePatch(
	workload: {kind: string; template: SlimPodSpec},
	values: ReadonlyMap<string, GuaranteedValues>,
	options: GuaranteedPatchOptions = {},
): JsonObject {
	const path = templateSpecPath(workload.kind);
	const containers: JsonObject[] = [];
	const initContainers: JsonObject[] = [];
	const known = new Set<string>();
	for (const container of workload.template.containers) {
		known.add(container.name);
		const given = values.get(container.name);
		if (given === undefined) throw new Error(`no cpu and memory values for container "${container.name}"`);
		const entry = {name: container.name, resources: resourcesEntry(checkedValues(`container "${container.name}"`, given))};
		(container.role === 'container' ? containers : initContainers).push(entry);
	}
	for (const name of values.keys()) {
		if (!known.has(name)) throw new Error(`the template has no container "${name}"`);
	}
	const spec: JsonObject = {};
	if (containers.length > 0) spec.containers = containers;
	if (initContainers.length > 0) spec.initContainers = initContainers;
	const podResources = workload.template.podResources;
	const hasPodLevel =
		podResources !== undefined && [podResources.requests, podResources.limits].some((pair) => pair.cpu !== undefined || pair.memory !== undefined);
	if (options.podLevel !== undefined) spec.resources = resourcesEntry(checkedValues('pod-level resources', options.podLevel));
	else if (hasPodLevel) throw new Error('the template sets pod-level resources, which decide the QoS class alone: pod-level values are needed');
	return nest(path, spec);
}

function isObject(value: unknown): value is JsonObject {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function at(object: JsonObject, path: readonly string[]): unknown {
	let current: unknown = object;
	for (const key of path) {
		if (!isObject(current)) return undefined;
		current = current[key];
	}
	return current;
}

function mergeResources(target: JsonObject, patch: unknown): void {
	if (!isObject(patch)) return;
	const resources = isObject(target.resources) ? target.resources : {};
	for (const list of ['requests', 'limits']) {
		const patched = patch[list];
		if (!isObject(patched)) continue;
		resources[list] = {...(isObject(resources[list]) ? resources[list] : {}), ...patched};
	}
	target.resources = resources;
}

/**
 * A Pod for a dry-run create (POST /api/v1/namespaces/<ns>/pods?dryRun=All) that shows the
 * QoS class the patched workload's pods would really get.
 *
 * The caller passes: `template`, the live pod template exactly as the API returned it
 * (plain JSON; Deployment/StatefulSet/DaemonSet: `spec.template`, CronJob:
 * `spec.jobTemplate.spec.template`, each with its `metadata` and `spec`); `patch`, the body
 * from `guaranteedTemplatePatch`; and `target`, the workload's kind, namespace and name.
 * Labels and annotations are kept (webhooks that inject sidecars select on them); the
 * name is generated ("<name>-qos-check-xxxxx"). Volume mounts whose volume is not in the
 * template (StatefulSet volumeClaimTemplates) get an emptyDir stand-in so validation
 * passes; volumes do not affect the QoS class. Throws when the patch names a container
 * the template lacks.
 */
export function podFromTemplate(template: JsonObject, patch: JsonObject, target: {kind: string; namespace: string; name: string}): JsonObject {
	const copy = structuredClone(template);
	const spec = isObject(copy.spec) ? copy.spec : {};
	const specPatch = at(patch, templateSpecPath(target.kind));
	if (isObject(specPatch)) {
		for (const list of ['containers', 'initContainers']) {
			const patched = specPatch[list];
			if (!Array.isArray(patched)) continue;
			const live = Array.isArray(spec[list]) ? (spec[list] as unknown[]).filter(isObject) : [];
			for (const entry of patched) {
				if (!isObject(entry)) continue;
				const container = live.find((c) => c.name === entry.name);
				if (container === undefined) throw new Error(`the template has no ${list === 'containers' ? 'container' : 'init container'} "${String(entry.name)}"`);
				mergeResources(container, entry.resources);
			}
		}
		if (isObject(specPatch.resources)) mergeResources(spec, specPatch.resources);
	}
	const volumes = Array.isArray(spec.volumes) ? (spec.volumes as unknown[]).filter(isObject) : [];
	const named = new Set(volumes.map((v) => v.name));
	for (const list of ['containers', 'initContainers']) {
		for (const container of Array.isArray(spec[list]) ? (spec[list] as unknown[]).filter(isObject) : []) {
			for (const mount of Array.isArray(container.volumeMounts) ? container.volumeMounts.filter(isObject) : []) {
				if (typeof mount.name === 'string' && !named.has(mount.name)) {
					named.add(mount.name);
					volumes.push({name: mount.name, emptyDir: {}});
				}
			}
		}
	}
	if (volumes.length > 0) spec.volumes = volumes;
	const metadata = isObject(copy.metadata) ? copy.metadata : {};
	return {
		apiVersion: 'v1',
		kind: 'Pod',
		metadata: {
			generateName: `${target.name}-qos-check-`,
			namespace: target.namespace,
			...(isObject(metadata.labels) ? {labels: metadata.labels} : {}),
			...(isObject(metadata.annotations) ? {annotations: metadata.annotations} : {}),
		},
		spec,
	};
}
