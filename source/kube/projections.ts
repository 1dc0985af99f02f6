/**
 * API objects → slim projections (source/model/slim.ts). Only the fields a finding or a
 * remedy reads survive; env values, annotations, managedFields (except who owns
 * spec.replicas) and Secret data never do. Strings that repeat across objects (namespaces,
 * node names, images' owners, label values) and identical pod specs are interned, so
 * 150,000 pods from a few thousand templates cost far less than their JSON.
 */
import type {
	ReplicaWriter,
	ResourcePair,
	ScalingRules,
	SlimClaim,
	SlimContainer,
	SlimCronJob,
	SlimFlowSchema,
	SlimHpa,
	SlimJob,
	SlimMeta,
	SlimNode,
	SlimPersistentVolume,
	SlimPod,
	SlimPodSpec,
	SlimPriorityClass,
	SlimQuota,
	SlimScaledObject,
	SlimWorkload,
} from '../model/slim.js';
import {parseCpuMillis, parseMemoryBytes} from '../formats/quantity.js';
import type {Obj} from '../formats/json-object.js';

/**
 * A map that forgets what has not been asked for lately, for the Interner: two generations.
 * A lookup that finds its key only in the older generation carries it into the newer. The
 * older is dropped, and the newer takes its place, once as many new keys have come in as
 * were carried over (in this generation or the last), and at least `minimum`. So what is
 * asked for at least once a generation is never dropped, and the table holds at most about
 * four times what is in use (or the minimum), however long the session.
 *
 * Why: the store interns the owners, labels and specs of objects that come and go (a Job
 * and its pod per CronJob run, a ReplicaSet per rollout). With one map every value ever
 * seen stayed for the whole session: 100 CronJobs running every minute grew the heap by
 * 37.5 MiB in 12 simulated hours, against 4.2 MiB now (BENCHMARKS.md, interner). A value
 * forgotten here is still held by the objects that use it; only the next equal value gets
 * an instance of its own. Nothing reads identity for correctness: a pod spec's cached
 * requests (a WeakMap) are computed again.
 */
export class Generations<V> {
	private current = new Map<string, V>();
	private previous = new Map<string, V>();
	/** Keys new to both generations since the last turn. */
	private added = 0;
	/** Keys carried from the older generation into the newer, in this generation and the last. */
	private carrying = 0;
	private carried = 0;
	/** How many times the older generation was dropped. */
	rotations = 0;

	constructor(private readonly minimum = 16_384) {}

	get(key: string): V | undefined {
		const value = this.current.get(key);
		if (value !== undefined) return value;
		const older = this.previous.get(key);
		if (older !== undefined) {
			this.current.set(key, older);
			this.carrying++;
		}
		return older;
	}

	/** A key get() did not find. */
	set(key: string, value: V): void {
		this.current.set(key, value);
		if (++this.added < Math.max(this.minimum, this.carried, this.carrying)) return;
		this.previous = this.current;
		this.current = new Map();
		this.carried = this.carrying;
		this.carrying = 0;
		this.added = 0;
		this.rotations++;
	}

	/** Entries held (a key in both generations counts twice: it is held twice). */
	get size(): number {
		return this.current.size + this.previous.size;
	}
}

/** Interns strings, small records and pod specs: equal values share one instance. */
export class Interner {
	private readonly strings: Generations<string>;
	private readonly specs: Generations<SlimPodSpec>;
	private readonly records: Generations<object>;

	/** `minimum`: the smallest generation (Generations), per table. */
	constructor(minimum?: number) {
		this.strings = new Generations(minimum);
		this.specs = new Generations(minimum);
		this.records = new Generations(minimum);
	}

	s(value: unknown): string {
		const text = value === undefined || value === null ? '' : String(value);
		if (text.length > 256) return text;
		const known = this.strings.get(text);
		if (known !== undefined) return known;
		this.strings.set(text, text);
		return text;
	}

	/** One shared instance per distinct small record (label sets, owner references). */
	record<T extends object>(value: T): T {
		const key = JSON.stringify(value);
		const known = this.records.get(key);
		if (known) return known as T;
		this.records.set(key, value);
		return value;
	}

	spec(spec: SlimPodSpec): SlimPodSpec {
		const key = JSON.stringify(spec);
		const known = this.specs.get(key);
		if (known) return known;
		this.specs.set(key, spec);
		return spec;
	}

	/** Entries held per table. */
	get size(): {strings: number; specs: number; records: number} {
		return {strings: this.strings.size, specs: this.specs.size, records: this.records.size};
	}
}

function time(value: unknown): number | undefined {
	if (typeof value !== 'string' || value === '') return undefined;
	const ms = Date.parse(value);
	return Number.isNaN(ms) ? undefined : ms;
}

/** Labels that some finding reads; every other label is dropped. */
const KEPT_POD_LABELS = ['app', 'app.kubernetes.io/name', 'app.kubernetes.io/instance', 'job-name', 'batch.kubernetes.io/job-name'];

/**
 * The common metadata. Names and uids are unique per object, so they are not interned;
 * namespaces, owners and the few kept labels repeat and are.
 *
 * Projections add their fields to this object (Object.assign), never spread it into a new
 * one: V8 gave every object made by `{...meta(), …}` a hidden class of its own (about
 * 170 bytes each, 86,000 of them at 50,000 pods); added in order, objects of one kind
 * share a handful.
 */
export function meta(object: Obj, intern: Interner, keepLabels?: readonly string[]): SlimMeta {
	const m = (object.metadata ?? {}) as Obj;
	const out: SlimMeta = {
		namespace: intern.s(m.namespace ?? ''),
		name: String(m.name ?? ''),
		uid: String(m.uid ?? ''),
		resourceVersion: String(m.resourceVersion ?? ''),
		created: time(m.creationTimestamp) ?? 0,
	};
	const deleting = time(m.deletionTimestamp);
	if (deleting !== undefined) out.deleting = deleting;
	const owner = ((m.ownerReferences ?? []) as Obj[]).find((ref) => ref.controller) ?? undefined;
	if (owner) out.owner = intern.record({kind: intern.s(owner.kind), name: intern.s(owner.name), uid: intern.s(owner.uid ?? '')});
	if (keepLabels && m.labels) {
		let labels: Record<string, string> | undefined;
		for (const key of keepLabels) {
			if (m.labels[key] !== undefined) {
				labels ??= {};
				labels[intern.s(key)] = intern.s(m.labels[key]);
			}
		}
		if (labels) out.labels = intern.record(labels);
	}
	return out;
}

function pair(list: Obj | undefined, intern: Interner): ResourcePair {
	const out: ResourcePair = {};
	if (list?.cpu !== undefined) out.cpu = intern.s(list.cpu);
	if (list?.memory !== undefined) out.memory = intern.s(list.memory);
	return out;
}

function container(c: Obj, role: SlimContainer['role'], intern: Interner): SlimContainer {
	return {name: intern.s(c.name), role, requests: pair(c.resources?.requests, intern), limits: pair(c.resources?.limits, intern)};
}

export function podSpec(spec: Obj | undefined, intern: Interner): SlimPodSpec {
	const s = (spec ?? {}) as Obj;
	const containers: SlimContainer[] = [
		...((s.initContainers ?? []) as Obj[]).map((c) => container(c, c.restartPolicy === 'Always' ? 'sidecar' : 'init', intern)),
		...((s.containers ?? []) as Obj[]).map((c) => container(c, 'container', intern)),
	];
	const out: SlimPodSpec = {containers};
	if (s.resources && (s.resources.requests || s.resources.limits))
		out.podResources = {requests: pair(s.resources.requests, intern), limits: pair(s.resources.limits, intern)};
	if (s.priorityClassName) out.priorityClassName = intern.s(s.priorityClassName);
	if (s.serviceAccountName) out.serviceAccountName = intern.s(s.serviceAccountName);
	if (s.nodeSelector && Object.keys(s.nodeSelector).length > 0) {
		const selector: Record<string, string> = {};
		for (const [k, v] of Object.entries(s.nodeSelector as Record<string, string>)) selector[intern.s(k)] = intern.s(v);
		out.nodeSelector = selector;
	}
	return intern.spec(out);
}

export function projectPod(pod: Obj, intern: Interner): SlimPod {
	const status = (pod.status ?? {}) as Obj;
	const out: SlimPod = Object.assign(meta(pod, intern, KEPT_POD_LABELS), {
		phase: (status.phase ?? 'Pending') as SlimPod['phase'],
		spec: podSpec(pod.spec, intern),
	});
	if (pod.spec?.nodeName) out.nodeName = intern.s(pod.spec.nodeName);
	if (status.qosClass) out.qosClass = status.qosClass;
	if (status.phase === 'Succeeded' || status.phase === 'Failed') {
		let finished: number | undefined;
		for (const cs of [...((status.containerStatuses ?? []) as Obj[]), ...((status.initContainerStatuses ?? []) as Obj[])]) {
			const at = time(cs.state?.terminated?.finishedAt);
			if (at !== undefined && (finished === undefined || at > finished)) finished = at;
		}
		const fallback = ((status.conditions ?? []) as Obj[]).find((c) => c.type === 'Ready')?.lastTransitionTime;
		out.finished = finished ?? time(fallback) ?? time(status.startTime);
	}
	const claims = ((pod.spec?.volumes ?? []) as Obj[]).map((v) => v.persistentVolumeClaim?.claimName).filter((n): n is string => typeof n === 'string');
	if (claims.length > 0) out.claims = claims.map((c) => intern.s(c));
	return out;
}

export const POOL_LABELS = [
	'agentpool',
	'kubernetes.azure.com/agentpool',
	'eks.amazonaws.com/nodegroup',
	'alpha.eksctl.io/nodegroup-name',
	'cloud.google.com/gke-nodepool',
	'karpenter.sh/nodepool',
	'karpenter.sh/provisioner-name',
	'node.kubernetes.io/pool',
	'node-pool',
];

export function projectNode(node: Obj, intern: Interner): SlimNode {
	const labels = (node.metadata?.labels ?? {}) as Record<string, string>;
	const poolLabel = POOL_LABELS.find((key) => labels[key] !== undefined);
	const allocatable = (node.status?.allocatable ?? {}) as Obj;
	let cpuMillis = 0;
	let memoryBytes = 0;
	try {
		cpuMillis = allocatable.cpu ? parseCpuMillis(String(allocatable.cpu)) : 0;
		memoryBytes = allocatable.memory ? parseMemoryBytes(String(allocatable.memory)) : 0;
	} catch {
		// A malformed quantity leaves the figure unknown (0).
	}
	const out: SlimNode = Object.assign(meta(node, intern, poolLabel ? [poolLabel] : undefined), {
		ready: ((node.status?.conditions ?? []) as Obj[]).some((c) => c.type === 'Ready' && c.status === 'True'),
		unschedulable: Boolean(node.spec?.unschedulable),
		allocatable: {cpuMillis, memoryBytes},
	});
	if (poolLabel) out.pool = intern.s(labels[poolLabel]);
	return out;
}

/** Who owns spec.replicas now, from managedFields. */
export function replicaWriters(object: Obj, intern: Interner): ReplicaWriter[] | undefined {
	const writers: ReplicaWriter[] = [];
	for (const entry of (object.metadata?.managedFields ?? []) as Obj[]) {
		if (entry.fieldsV1?.['f:spec']?.['f:replicas'] === undefined) continue;
		const writer: ReplicaWriter = {manager: intern.s(entry.manager), operation: entry.operation === 'Apply' ? 'Apply' : 'Update', time: time(entry.time) ?? 0};
		if (entry.subresource) writer.subresource = intern.s(entry.subresource);
		writers.push(writer);
	}
	return writers.length > 0 ? writers : undefined;
}

export function projectWorkload(object: Obj, intern: Interner): SlimWorkload {
	const kind = object.kind as SlimWorkload['kind'];
	const spec = (object.spec ?? {}) as Obj;
	const status = (object.status ?? {}) as Obj;
	const out: SlimWorkload = Object.assign(meta(object, intern), {
		kind,
		generation: Number(object.metadata?.generation ?? 0),
		readyReplicas: Number(status.readyReplicas ?? status.numberReady ?? 0),
		currentReplicas: Number(status.replicas ?? status.currentNumberScheduled ?? 0),
		template: podSpec(spec.template?.spec, intern),
	});
	if (kind !== 'DaemonSet') out.replicas = Number(spec.replicas ?? 1);
	if (spec.revisionHistoryLimit !== undefined) out.revisionHistoryLimit = Number(spec.revisionHistoryLimit);
	const revision = object.metadata?.annotations?.['deployment.kubernetes.io/revision'];
	if (kind === 'ReplicaSet' && revision !== undefined) out.revision = Number(revision);
	if (kind === 'Deployment' || kind === 'StatefulSet') {
		const writers = replicaWriters(object, intern);
		if (writers) out.replicaWriters = writers;
	}
	return out;
}

export function projectJob(job: Obj, intern: Interner): SlimJob {
	const conditions = (job.status?.conditions ?? []) as Obj[];
	const done = conditions.find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
	const out: SlimJob = Object.assign(meta(job, intern), {suspended: Boolean(job.spec?.suspend)});
	if (job.spec?.ttlSecondsAfterFinished !== undefined) out.ttlSecondsAfterFinished = Number(job.spec.ttlSecondsAfterFinished);
	if (done) out.outcome = done.type;
	const started = time(job.status?.startTime);
	if (started !== undefined) out.started = started;
	const finished = time(job.status?.completionTime) ?? (done ? time(done.lastTransitionTime) : undefined);
	if (finished !== undefined) out.finished = finished;
	if (out.owner?.kind === 'CronJob') out.cronJob = out.owner.name;
	return out;
}

export function projectCronJob(cj: Obj, intern: Interner): SlimCronJob {
	const spec = (cj.spec ?? {}) as Obj;
	const out: SlimCronJob = Object.assign(meta(cj, intern), {
		schedule: String(spec.schedule ?? ''),
		suspended: Boolean(spec.suspend),
		successfulJobsHistoryLimit: Number(spec.successfulJobsHistoryLimit ?? 3),
		failedJobsHistoryLimit: Number(spec.failedJobsHistoryLimit ?? 1),
	});
	const ttl = spec.jobTemplate?.spec?.ttlSecondsAfterFinished;
	if (ttl !== undefined) out.jobTtlSecondsAfterFinished = Number(ttl);
	const last = time(cj.status?.lastScheduleTime);
	if (last !== undefined) out.lastScheduleTime = last;
	return out;
}

function rules(value: Obj | undefined): ScalingRules | undefined {
	if (!value) return undefined;
	return {
		...(value.stabilizationWindowSeconds !== undefined ? {stabilizationWindowSeconds: Number(value.stabilizationWindowSeconds)} : {}),
		...(value.selectPolicy ? {selectPolicy: String(value.selectPolicy)} : {}),
		...(value.policies
			? {policies: (value.policies as Obj[]).map((p) => ({type: String(p.type), value: Number(p.value), periodSeconds: Number(p.periodSeconds)}))}
			: {}),
	};
}

export function projectHpa(hpa: Obj, intern: Interner): SlimHpa {
	const spec = (hpa.spec ?? {}) as Obj;
	const status = (hpa.status ?? {}) as Obj;
	const conditions: Record<string, {status: string; reason: string; since?: number}> = {};
	for (const c of (status.conditions ?? []) as Obj[])
		conditions[c.type] = {
			status: String(c.status),
			reason: String(c.reason ?? ''),
			...(time(c.lastTransitionTime) !== undefined ? {since: time(c.lastTransitionTime)} : {}),
		};
	const out: SlimHpa = Object.assign(meta(hpa, intern), {
		target: {
			apiVersion: intern.s(spec.scaleTargetRef?.apiVersion ?? ''),
			kind: intern.s(spec.scaleTargetRef?.kind ?? ''),
			name: intern.s(spec.scaleTargetRef?.name ?? ''),
		},
		minReplicas: Number(spec.minReplicas ?? 1),
		maxReplicas: Number(spec.maxReplicas ?? 1),
		currentReplicas: Number(status.currentReplicas ?? 0),
		desiredReplicas: Number(status.desiredReplicas ?? 0),
		metrics: ((spec.metrics ?? []) as Obj[]).map((m) =>
			intern.s(
				`${m.type}/${m.resource?.name ?? m.external?.metric?.name ?? m.pods?.metric?.name ?? m.object?.metric?.name ?? m.containerResource?.name ?? ''}`,
			),
		),
		conditions,
	});
	const last = time(status.lastScaleTime);
	if (last !== undefined) out.lastScaleTime = last;
	if (spec.behavior) out.behavior = {scaleUp: rules(spec.behavior.scaleUp), scaleDown: rules(spec.behavior.scaleDown)};
	const owner = ((hpa.metadata?.ownerReferences ?? []) as Obj[]).find((ref) => ref.kind === 'ScaledObject');
	if (owner) out.scaledObject = intern.s(owner.name);
	return out;
}

export function projectScaledObject(so: Obj, intern: Interner): SlimScaledObject {
	const spec = (so.spec ?? {}) as Obj;
	const behavior = spec.advanced?.horizontalPodAutoscalerConfig?.behavior as Obj | undefined;
	const out: SlimScaledObject = Object.assign(meta(so, intern), {
		target: {kind: intern.s(spec.scaleTargetRef?.kind ?? 'Deployment'), name: intern.s(spec.scaleTargetRef?.name ?? '')},
		hpaName: intern.s(spec.advanced?.horizontalPodAutoscalerConfig?.name ?? so.status?.hpaName ?? `keda-hpa-${so.metadata?.name}`),
	});
	if (spec.minReplicaCount !== undefined) out.minReplicaCount = Number(spec.minReplicaCount);
	if (spec.maxReplicaCount !== undefined) out.maxReplicaCount = Number(spec.maxReplicaCount);
	if (spec.cooldownPeriod !== undefined) out.cooldownPeriod = Number(spec.cooldownPeriod);
	if (spec.pollingInterval !== undefined) out.pollingInterval = Number(spec.pollingInterval);
	if (behavior) out.behavior = {scaleUp: rules(behavior.scaleUp), scaleDown: rules(behavior.scaleDown)};
	return out;
}

export function projectVolume(pv: Obj, intern: Interner): SlimPersistentVolume {
	const spec = (pv.spec ?? {}) as Obj;
	const out: SlimPersistentVolume = Object.assign(meta(pv, intern), {
		phase: intern.s(pv.status?.phase ?? ''),
		reclaimPolicy: intern.s(spec.persistentVolumeReclaimPolicy ?? 'Retain'),
	});
	if (spec.capacity?.storage) out.capacity = intern.s(spec.capacity.storage);
	if (spec.storageClassName) out.storageClass = intern.s(spec.storageClassName);
	if (spec.claimRef?.name) out.claim = {namespace: intern.s(spec.claimRef.namespace ?? ''), name: intern.s(spec.claimRef.name)};
	const since = time(pv.status?.lastPhaseTransitionTime);
	if (since !== undefined) out.phaseSince = since;
	return out;
}

export function projectClaim(pvc: Obj, intern: Interner): SlimClaim {
	const out: SlimClaim = Object.assign(meta(pvc, intern), {phase: intern.s(pvc.status?.phase ?? 'Pending')});
	if (pvc.spec?.volumeName) out.volumeName = intern.s(pvc.spec.volumeName);
	if (pvc.spec?.storageClassName) out.storageClass = intern.s(pvc.spec.storageClassName);
	if (pvc.spec?.resources?.requests?.storage) out.request = intern.s(pvc.spec.resources.requests.storage);
	return out;
}

export function projectQuota(quota: Obj, intern: Interner): SlimQuota {
	const hard: Record<string, string> = {};
	for (const [key, value] of Object.entries((quota.spec?.hard ?? {}) as Obj)) hard[intern.s(key)] = intern.s(value);
	return Object.assign(meta(quota, intern), {hard});
}

export function projectPriorityClass(pc: Obj, intern: Interner): SlimPriorityClass {
	return Object.assign(meta(pc, intern), {value: Number(pc.value ?? 0), globalDefault: Boolean(pc.globalDefault)});
}

export function projectFlowSchema(fs: Obj, intern: Interner): SlimFlowSchema {
	const subjects: string[] = [];
	for (const rule of (fs.spec?.rules ?? []) as Obj[]) {
		for (const subject of (rule.subjects ?? []) as Obj[]) {
			if (subject.kind === 'User') subjects.push(`User:${subject.user?.name}`);
			else if (subject.kind === 'Group') subjects.push(`Group:${subject.group?.name}`);
			else if (subject.kind === 'ServiceAccount') subjects.push(`ServiceAccount:${subject.serviceAccount?.namespace}/${subject.serviceAccount?.name}`);
		}
	}
	const out: SlimFlowSchema = Object.assign(meta(fs, intern), {
		precedence: Number(fs.spec?.matchingPrecedence ?? 1000),
		priorityLevel: intern.s(fs.spec?.priorityLevelConfiguration?.name ?? ''),
		subjects: subjects.map((s) => intern.s(s)),
		resourceRules: ((fs.spec?.rules ?? []) as Obj[]).some((rule) => ((rule.resourceRules ?? []) as Obj[]).length > 0),
	});
	if (fs.spec?.distinguisherMethod?.type) out.distinguisher = intern.s(fs.spec.distinguisherMethod.type);
	return out;
}
