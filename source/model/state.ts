/**
 * The state the analyzers read: slim objects per kind, the series recorded while running
 * (replica history, node counts, object counts), event rates, object counts and /metrics
 * figures, and what the user may do. The data layer (source/kube/) keeps it current; the
 * analyzers (source/findings/) are pure functions of it.
 */
import type {ApiServerFigures} from './apiserver-figures.js';
import type {PodUsage} from './pod-usage.js';
import type {
	SlimClaim,
	SlimCronJob,
	SlimFlowSchema,
	SlimHpa,
	SlimJob,
	SlimNode,
	SlimPersistentVolume,
	SlimPod,
	SlimPriorityClass,
	SlimQuota,
	SlimScaledObject,
	SlimWorkload,
} from './slim.js';

export type Keyed<T> = ReadonlyMap<string, T>;

/** "namespace/name" for namespaced objects, "name" for cluster-scoped ones. */
export function objectKey(namespace: string, name: string): string {
	return namespace ? `${namespace}/${name}` : name;
}

/** A point of an HPA's replica history. `approximate` marks points backfilled from events. */
export interface ReplicaPoint {
	time: number;
	/** The scale target's spec.replicas, or the size an event reported. */
	replicas: number;
	/** status.desiredReplicas at that time, when known. */
	desired?: number;
	approximate?: boolean;
	/** Who wrote spec.replicas (managedFields), when the point came from the target's watch. */
	writer?: string;
}

export interface CountPoint {
	time: number;
	count: number;
}

export interface ResourceCount {
	group: string;
	resource: string;
	count?: number;
	/** Estimated bytes in etcd, when known. */
	bytes?: number;
	/** Where the count came from: a metric name, or "LIST limit=1 (remainingItemCount)". */
	source: string;
	/** Bytes are an estimate from sampled object sizes × count. */
	bytesEstimated?: boolean;
	/** Object sizes measured on a sample of full objects (serialized JSON bytes). */
	sample?: {objects: number; avgBytes: number; largest: ReadonlyArray<{namespace: string; name: string; bytes: number}>};
	/** Object counts over time, bounded. */
	history: readonly CountPoint[];
	/** The first count seen since start. */
	first?: CountPoint;
}

export interface EventSourceRate {
	/** reportingController, or source.component for old-style events. */
	source: string;
	involvedKind: string;
	namespace: string;
	/** Events created per minute, oldest first, bounded (last 60 minutes). */
	perMinute: readonly number[];
	total: number;
	firstSeen: number;
	/** A few involved object names. */
	sampleObjects: readonly string[];
	reasons: Readonly<Record<string, number>>;
}

/** A rescale event an HPA still has: "New size: N; reason: …", with its count and times. */
export interface RescaleEvent {
	size: number;
	reason: string;
	count: number;
	first: number;
	last: number;
}

export interface NodeGroupSeries {
	pool: string;
	/** Node count over time (on every change), bounded. */
	counts: readonly CountPoint[];
	/** Lifetimes (ms) of nodes that came and went while running. */
	lifetimes: readonly number[];
	created: number;
	deleted: number;
}

export interface AccessAnswer {
	allowed: boolean;
	reason?: string;
}

export interface ClusterState {
	/** Epoch ms "now" for the analyzers (the data layer's clock). */
	now: number;
	/** When observation started. */
	since: number;
	context: string;
	serverVersion?: {major: string; minor: string; gitVersion: string};
	/** The namespace scope; undefined = all namespaces. */
	namespace?: string;

	pods: Keyed<SlimPod>;
	nodes: Keyed<SlimNode>;
	/**
	 * Deployments, ReplicaSets, StatefulSets and DaemonSets together, keyed "namespace/name".
	 * Two kinds can share a name: use the per-kind maps below to look one kind up.
	 */
	workloads: Keyed<SlimWorkload>;
	deployments: Keyed<SlimWorkload>;
	replicaSets: Keyed<SlimWorkload>;
	statefulSets: Keyed<SlimWorkload>;
	daemonSets: Keyed<SlimWorkload>;
	jobs: Keyed<SlimJob>;
	cronJobs: Keyed<SlimCronJob>;
	hpas: Keyed<SlimHpa>;
	scaledObjects: Keyed<SlimScaledObject>;
	volumes: Keyed<SlimPersistentVolume>;
	claims: Keyed<SlimClaim>;
	quotas: Keyed<SlimQuota>;
	priorityClasses: Keyed<SlimPriorityClass>;
	flowSchemas: Keyed<SlimFlowSchema>;
	/** Namespace names (and their creation times). */
	namespaces: Keyed<{name: string; created: number}>;

	/** Which kinds are synced (listed and watched); absent = not (yet) available. */
	synced: ReadonlySet<string>;
	/** Kinds the user may not read, with the reason. */
	unreadable: ReadonlyMap<string, string>;

	counts: ReadonlyMap<string, ResourceCount>;
	metrics?: ApiServerFigures;
	/** When `metrics` was read, and the reading before it (rates come from the difference). */
	metricsTime?: number;
	metricsPrevious?: {figures: ApiServerFigures; time: number};
	/** Why /metrics is not available, when it is not. */
	metricsUnavailable?: string;
	eventRates: readonly EventSourceRate[];
	/** Per HPA key: its replica history (live points and backfilled ones). */
	replicaHistory: ReadonlyMap<string, readonly ReplicaPoint[]>;
	/** Per HPA key: the rescale events still held. */
	rescaleEvents: ReadonlyMap<string, readonly RescaleEvent[]>;
	nodeGroups: ReadonlyMap<string, NodeGroupSeries>;
	/** The cluster-autoscaler status ConfigMap's text, if present and readable. */
	autoscalerStatus?: string;
	/** Per pod: container usage from metrics.k8s.io, when readable (held compactly: source/model/pod-usage.ts). */
	podUsage?: PodUsage;
	/** The server's preferred version per API group (from discovery), when known. */
	apiVersions?: ReadonlyMap<string, string>;
	/** Access answers keyed "verb group/resource [namespace]". */
	access: ReadonlyMap<string, AccessAnswer>;
}

export function accessKey(verb: string, group: string, resource: string, namespace?: string): string {
	return `${verb} ${group}/${resource}${namespace ? ` ${namespace}` : ''}`;
}
