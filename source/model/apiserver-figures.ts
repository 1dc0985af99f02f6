/**
 * The figures read from one kube-apiserver `/metrics` scrape, as the cluster state keeps
 * them: version, stored objects and their estimated size per resource, etcd database size,
 * open watches, request counters, in-flight requests and API Priority and Fairness state.
 * Types only: source/kube/apiserver-metrics.ts derives them from the page, the analyzers
 * read them from the state.
 */
/** A group/resource pair; group '' is the core group. */
export interface GroupResource {
	group: string;
	resource: string;
}

export interface ObjectCount extends GroupResource {
	/** null when the API server reported -1 (it failed to count) or a non-number. */
	count: number | null;
}

export type ObjectCountSource = 'apiserver_resource_objects' | 'apiserver_storage_objects' | 'etcd_object_counts';

export interface ObjectCounts {
	source: ObjectCountSource | null;
	/** Sorted by count, largest first; unknown counts last; ties by group then resource. */
	byResource: ObjectCount[];
	/** Sum of the known counts. */
	total: number;
	/** How many resources have an unknown count. */
	unknown: number;
}

export interface SizeEstimate extends GroupResource {
	/** null when the API server reported -1. */
	bytes: number | null;
}

export interface SizeEstimates {
	source: 'apiserver_resource_size_estimate_bytes' | null;
	/** Why there is no figure, when source is null. */
	note: string;
	/** Sorted by bytes, largest first; unknown last. */
	byResource: SizeEstimate[];
}

export type EtcdSizeSource = 'apiserver_storage_size_bytes' | 'apiserver_storage_db_total_size_in_bytes' | 'etcd_db_total_size_in_bytes';

export interface EtcdSizePart {
	/** The label that tells the parts apart: `storage_cluster_id` (1.28+) or `endpoint` (older). */
	label: string;
	id: string;
	bytes: number;
}

export interface EtcdSize {
	source: EtcdSizeSource | null;
	/**
	 * The largest part, in bytes. Not the sum: before 1.28 the parts are the members
	 * (endpoints) of one etcd cluster, each holding a full copy, so a sum would count the
	 * data once per member; from 1.28 the parts are distinct etcd clusters (e.g. events
	 * split off with --etcd-servers-overrides), each with its own quota, so the largest one
	 * is the one closest to its `--quota-backend-bytes` alarm. null when nothing was usable.
	 */
	bytes: number | null;
	/** Sum over the parts: only meaningful for distinct clusters (storage_cluster_id). */
	totalBytes: number | null;
	parts: EtcdSizePart[];
}

export type WatchSource = 'apiserver_longrunning_requests' | 'apiserver_longrunning_gauge' | 'apiserver_registered_watchers';

export interface WatchCount {
	group: string;
	/** The resource (longrunning metrics); null for apiserver_registered_watchers. */
	resource: string | null;
	/** The kind (apiserver_registered_watchers only); null otherwise. */
	kind: string | null;
	count: number;
}

export interface OpenWatches {
	source: WatchSource | null;
	/** Sum over all resources; null when no source was present. */
	total: number | null;
	/** Sorted by count, largest first. */
	byResource: WatchCount[];
}

/** A counter row with a stable key, for diffCounters. */
export interface CounterRow {
	key: string;
	value: number;
}

export interface RequestCount extends CounterRow {
	verb: string;
	group: string;
	resource: string;
	/** The subresource, or for non-resource requests the path (e.g. `/readyz`). */
	subresource: string;
	code: string;
}

export interface RequestTotals {
	source: 'apiserver_request_total' | null;
	/** Raw counter totals since the API server started, summed over scope, version, component and dry_run. */
	rows: RequestCount[];
	total: number;
}

export interface Inflight {
	source: 'apiserver_current_inflight_requests' | null;
	readOnly: number | null;
	mutating: number | null;
}

export interface ApfRejection extends CounterRow {
	flowSchema: string;
	priorityLevel: string;
	reason: string;
}

export interface ApfRow {
	flowSchema: string;
	priorityLevel: string;
	value: number;
}

export interface ApfPerFlow {
	/** The metric used; null when absent. */
	source: string | null;
	/** Whether `source` counts seats or requests (the older fallbacks count requests). */
	unit: 'seats' | 'requests' | null;
	rows: ApfRow[];
	total: number | null;
}

export interface ApfLimits {
	source: string | null;
	byPriorityLevel: Record<string, number>;
}

export interface ApfFigures {
	/** Whether any apiserver_flowcontrol_* family was present (APF enabled and exposed). */
	enabled: boolean;
	rejected: {
		/**
		 * 'apiserver_flowcontrol_rejected_requests_total' when present. When APF is on but the
		 * family is missing, nothing was rejected since start: source is null, total 0.
		 * When APF looks off, total is null (unknown).
		 */
		source: 'apiserver_flowcontrol_rejected_requests_total' | null;
		rows: ApfRejection[];
		total: number | null;
		byPriorityLevel: Record<string, number>;
	};
	inQueue: ApfPerFlow;
	executing: ApfPerFlow;
	/** Nominal seats per priority level (configured share of the server's total). */
	nominalLimits: ApfLimits;
	/** Current seats per priority level after borrowing (1.26+). */
	currentLimits: ApfLimits;
}

export interface ApiServerFigures {
	/** `git_version` of kubernetes_build_info, e.g. "v1.31.0"; null when absent. */
	kubernetesVersion: string | null;
	versionSource: 'kubernetes_build_info' | null;
	objectCounts: ObjectCounts;
	sizeEstimates: SizeEstimates;
	etcdSize: EtcdSize;
	watches: OpenWatches;
	requests: RequestTotals;
	inflight: Inflight;
	apf: ApfFigures;
}
