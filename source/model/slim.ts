/**
 * Slim projections: the few fields of each kind that a finding or a remedy needs, kept
 * instead of whole objects (no managedFields beyond the replica writers, no annotations we
 * do not read, never env values, never Secret data). Times are epoch milliseconds.
 * source/kube/projections.ts builds these from API objects; analyzers read only these.
 */

export interface ObjectRef {
	kind: string;
	namespace?: string;
	name: string;
}

export interface SlimMeta {
	/** '' for cluster-scoped objects. */
	namespace: string;
	name: string;
	uid: string;
	resourceVersion: string;
	/** Epoch ms. */
	created: number;
	/** Set while the object is being deleted. */
	deleting?: number;
	/** The controlling owner (ownerReferences with controller: true), if any. */
	owner?: {kind: string; name: string; uid: string};
	/** Labels, only where a finding reads them (pods: app/instance labels; nodes: pool labels). */
	labels?: Readonly<Record<string, string>>;
}

/** cpu and memory as written in the spec (Kubernetes quantities); absent when not set. */
export interface ResourcePair {
	cpu?: string;
	memory?: string;
}

export interface SlimContainer {
	name: string;
	/** 'init' = init container, 'sidecar' = init container with restartPolicy Always. */
	role: 'container' | 'init' | 'sidecar';
	requests: ResourcePair;
	limits: ResourcePair;
}

/** A pod template's resource-relevant part, shared (interned) across objects that have the same one. */
export interface SlimPodSpec {
	containers: readonly SlimContainer[];
	/** Pod-level spec.resources (PodLevelResources). */
	podResources?: {requests: ResourcePair; limits: ResourcePair};
	priorityClassName?: string;
	serviceAccountName?: string;
	nodeSelector?: Readonly<Record<string, string>>;
}

export interface SlimPod extends SlimMeta {
	phase: 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';
	nodeName?: string;
	qosClass?: 'Guaranteed' | 'Burstable' | 'BestEffort';
	spec: SlimPodSpec;
	/** When the pod finished (latest container termination), for Succeeded/Failed pods. */
	finished?: number;
	/** PersistentVolumeClaims it mounts. */
	claims?: readonly string[];
}

export interface SlimNode extends SlimMeta {
	/** Node-pool name from AKS/EKS/GKE/Karpenter/kubeadm labels, if any. */
	pool?: string;
	ready: boolean;
	unschedulable: boolean;
	/** Allocatable cpu (millicores) and memory (bytes). */
	allocatable: {cpuMillis: number; memoryBytes: number};
}

export interface ReplicaWriter {
	manager: string;
	operation: 'Update' | 'Apply';
	subresource?: string;
	time: number;
}

export interface SlimWorkload extends SlimMeta {
	kind: 'Deployment' | 'ReplicaSet' | 'StatefulSet' | 'DaemonSet';
	generation: number;
	/** spec.replicas (DaemonSets: undefined). */
	replicas?: number;
	readyReplicas: number;
	/** status.replicas */
	currentReplicas: number;
	revisionHistoryLimit?: number;
	/** ReplicaSets: deployment.kubernetes.io/revision. */
	revision?: number;
	template: SlimPodSpec;
	/** Who owns spec.replicas in managedFields now (Deployments and StatefulSets). */
	replicaWriters?: readonly ReplicaWriter[];
}

export interface SlimJob extends SlimMeta {
	ttlSecondsAfterFinished?: number;
	outcome?: 'Complete' | 'Failed';
	started?: number;
	finished?: number;
	/** The CronJob that created it (owner), if any. */
	cronJob?: string;
	suspended: boolean;
}

export interface SlimCronJob extends SlimMeta {
	schedule: string;
	suspended: boolean;
	successfulJobsHistoryLimit: number;
	failedJobsHistoryLimit: number;
	/** spec.jobTemplate.spec.ttlSecondsAfterFinished */
	jobTtlSecondsAfterFinished?: number;
	lastScheduleTime?: number;
}

export interface ScalingRules {
	stabilizationWindowSeconds?: number;
	selectPolicy?: string;
	policies?: ReadonlyArray<{type: string; value: number; periodSeconds: number}>;
}

export interface SlimHpa extends SlimMeta {
	target: {apiVersion: string; kind: string; name: string};
	minReplicas: number;
	maxReplicas: number;
	currentReplicas: number;
	desiredReplicas: number;
	lastScaleTime?: number;
	/** spec.behavior as written (undefined = defaults). */
	behavior?: {scaleUp?: ScalingRules; scaleDown?: ScalingRules};
	/** Metric types and names, e.g. "Resource/cpu", "External/s0-redis". */
	metrics: readonly string[];
	/** Condition type → {status, reason}. */
	conditions: Readonly<Record<string, {status: string; reason: string; since?: number}>>;
	/** The KEDA ScaledObject that owns it (keda-hpa-*), if any. */
	scaledObject?: string;
}

export interface SlimScaledObject extends SlimMeta {
	target: {kind: string; name: string};
	minReplicaCount?: number;
	maxReplicaCount?: number;
	cooldownPeriod?: number;
	pollingInterval?: number;
	behavior?: {scaleUp?: ScalingRules; scaleDown?: ScalingRules};
	hpaName: string;
}

export interface SlimPersistentVolume extends SlimMeta {
	phase: string;
	reclaimPolicy: string;
	capacity?: string;
	storageClass?: string;
	claim?: {namespace: string; name: string};
	phaseSince?: number;
}

export interface SlimClaim extends SlimMeta {
	phase: string;
	volumeName?: string;
	storageClass?: string;
	request?: string;
}

export interface SlimQuota extends SlimMeta {
	hard: Readonly<Record<string, string>>;
}

export interface SlimPriorityClass extends SlimMeta {
	value: number;
	globalDefault: boolean;
}

export interface SlimFlowSchema extends SlimMeta {
	precedence: number;
	priorityLevel: string;
	distinguisher?: string;
	/** Subjects as "User:name", "Group:name", "ServiceAccount:ns/name". */
	subjects: readonly string[];
	/** Whether any rule matches resource requests (not only non-resource URLs such as /healthz). */
	resourceRules: boolean;
}
