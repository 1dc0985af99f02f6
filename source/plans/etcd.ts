/**
 * Pure builders for the etcd pane's remedies: each returns the HTTP requests it would send
 * (method, path, content type, body) plus the numbers and the plain-language rule behind
 * its choices, so the caller can show them, dry-run them, apply them and journal them. The
 * values they write are what the findings suggest (source/findings/etcd/: job-ttl.ts,
 * object-quota.ts, replicasets.ts).
 *
 * - `cronJobTtlPatch` / `jobTtlPatch`: JSON patches setting ttlSecondsAfterFinished, guarded
 *   by a test of the field as planned (guarded-patch.ts), so a status write does not conflict.
 * - `batchedDeletePlan`: DELETEs with propagationPolicy Background and uid/resourceVersion
 *   preconditions, cut into batches a QPS budget allows (the caller paces them);
 *   `batchRequests` batches any requests the same way (e.g. one TTL patch per Job);
 *   `deleteTargetsFor`: what a job-without-ttl or finished-pods finding deletes.
 * - `volumeDeletePlan`: deleting a Released PersistentVolume, with what happens to its disk.
 * - `revisionHistoryLimitPatch`: a Deployment's revisionHistoryLimit (3 by default), the
 *   same way guarded.
 * - `objectQuotaPlan`: the object-count ResourceQuota to create.
 * Nothing here does I/O.
 */
import {finishedJobsFor} from '../findings/etcd/jobs.js';
import {objectQuota, type QuotaLine} from '../findings/etcd/object-quota.js';
import {finishedPodsFor} from '../findings/etcd/pods.js';
import {REVISION_HISTORY_RULE, SUGGESTED_REVISION_HISTORY_LIMIT} from '../findings/etcd/replicasets.js';
import type {ObjectRef} from '../model/slim.js';
import type {ClusterState} from '../model/state.js';
import {guardedJsonPatch} from './guarded-patch.js';
import {JSON_PATCH, type PlannedRequest, resourcePath} from './request.js';

const SECOND = 1000;

// ---------------------------------------------------------------------------------------
// ttlSecondsAfterFinished

/** ttlSecondsAfterFinished and revisionHistoryLimit are int32 fields. */
export const INT32_MAX = 2_147_483_647;

/** Throws a RangeError unless `seconds` is a valid ttlSecondsAfterFinished (an int32 ≥ 0). */
export function validateTtlSeconds(seconds: number): void {
	if (!Number.isInteger(seconds) || seconds < 0 || seconds > INT32_MAX) {
		throw new RangeError(`ttlSecondsAfterFinished must be a whole number of seconds from 0 to ${INT32_MAX}, got ${seconds}`);
	}
}

/** The object a patch is planned against: its name, and the fields the patch tests, as they were read. */
export interface PlannedObject {
	namespace: string;
	name: string;
	/**
	 * The object as planned against (the live object, or as much of it as the state knows):
	 * the patch tests the fields it writes against these values, absent ones included.
	 */
	planned: Readonly<Record<string, unknown>>;
}

/**
 * JSON patch setting spec.jobTemplate.spec.ttlSecondsAfterFinished on a CronJob, if it
 * still holds the value planned against. Only Jobs created after the patch get the TTL;
 * existing finished Jobs stay until deleted (delete-finished-jobs) or patched one by one
 * (jobTtlPatch).
 */
export function cronJobTtlPatch(cronJob: PlannedObject, seconds: number): PlannedRequest {
	validateTtlSeconds(seconds);
	return {
		method: 'PATCH',
		path: resourcePath('batch', 'v1', 'cronjobs', cronJob.namespace, cronJob.name),
		contentType: JSON_PATCH,
		body: guardedJsonPatch(cronJob.planned, {spec: {jobTemplate: {spec: {ttlSecondsAfterFinished: seconds}}}}),
		target: {kind: 'CronJob', namespace: cronJob.namespace, name: cronJob.name},
		description: `set ttlSecondsAfterFinished: ${seconds} on the jobTemplate of CronJob ${cronJob.namespace}/${cronJob.name} (new Jobs only)`,
	};
}

/**
 * JSON patch setting spec.ttlSecondsAfterFinished on an existing Job (the field may be
 * changed after a Job was created or finished), if it still holds the value planned
 * against (for a Job the state lists as without TTL: if it is still unset). A Job that
 * finished longer ago than the TTL is deleted by the TTL controller right away, with its
 * pods; `finished` (epoch ms) and `now` let the description say so.
 */
export function jobTtlPatch(job: PlannedObject & {finished?: number}, seconds: number, now?: number): PlannedRequest {
	validateTtlSeconds(seconds);
	const expired = job.finished !== undefined && now !== undefined && now - job.finished >= seconds * SECOND;
	return {
		method: 'PATCH',
		path: resourcePath('batch', 'v1', 'jobs', job.namespace, job.name),
		contentType: JSON_PATCH,
		body: guardedJsonPatch(job.planned, {spec: {ttlSecondsAfterFinished: seconds}}),
		target: {kind: 'Job', namespace: job.namespace, name: job.name},
		description: `set ttlSecondsAfterFinished: ${seconds} on Job ${job.namespace}/${job.name}${expired ? ' (finished longer ago than that: the TTL controller deletes it and its pods at once)' : ''}`,
	};
}

// ---------------------------------------------------------------------------------------
// Batched deletes

export interface DeleteTarget {
	/** '' for the core group. */
	group: string;
	version: string;
	/** Plural resource, e.g. "jobs", "pods". */
	resource: string;
	kind: string;
	/** '' or undefined for cluster-scoped objects. */
	namespace?: string;
	name: string;
	/** Preconditions: the delete fails with 409 if the object was replaced (uid) or changed (resourceVersion). */
	uid?: string;
	resourceVersion?: string;
}

export interface RequestBudget {
	/** The client's sustained request rate (requests per second). */
	qps: number;
	/** The client's burst: a batch sent at once never exceeds it. */
	burst?: number;
	/** The part of the budget a remedy may take; the rest stays for watches, relists and the UI. Default 0.5. */
	share?: number;
	/** Time between batches, ms. Default 1000. */
	intervalMs?: number;
}

export type BatchedDeletePlan = BatchedPlan;

export const DEFAULT_BUDGET_SHARE = 0.5;

/** Requests per batch: share × qps × interval, at least 1, never more than the burst. */
export function deleteBatchSize(budget: RequestBudget): number {
	if (!(budget.qps > 0) || !Number.isFinite(budget.qps)) throw new RangeError(`the request budget needs a positive qps, got ${budget.qps}`);
	const share = budget.share ?? DEFAULT_BUDGET_SHARE;
	if (!(share > 0 && share <= 1)) throw new RangeError(`the budget share must be in (0, 1], got ${share}`);
	const intervalMs = budget.intervalMs ?? 1000;
	if (!(intervalMs > 0) || !Number.isFinite(intervalMs)) throw new RangeError(`the batch interval must be positive, got ${intervalMs}`);
	let size = Math.floor((budget.qps * share * intervalMs) / 1000);
	if (budget.burst !== undefined && budget.burst >= 1) size = Math.min(size, Math.floor(budget.burst));
	return Math.max(1, size);
}

/** The DELETE for one object: DeleteOptions with propagationPolicy Background and the preconditions given. */
export function deleteRequest(target: DeleteTarget): PlannedRequest {
	const preconditions: Record<string, string> = {};
	if (target.uid) preconditions.uid = target.uid;
	if (target.resourceVersion) preconditions.resourceVersion = target.resourceVersion;
	const body: Record<string, unknown> = {apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: 'Background'};
	if (Object.keys(preconditions).length > 0) body.preconditions = preconditions;
	const ref: ObjectRef = target.namespace ? {kind: target.kind, namespace: target.namespace, name: target.name} : {kind: target.kind, name: target.name};
	return {
		method: 'DELETE',
		path: resourcePath(target.group, target.version, target.resource, target.namespace, target.name),
		contentType: 'application/json',
		body,
		target: ref,
		description: `delete ${target.kind} ${target.namespace ? `${target.namespace}/` : ''}${target.name} (propagationPolicy Background)`,
	};
}

export interface BatchedPlan {
	batches: PlannedRequest[][];
	batchSize: number;
	/** The caller sends one batch, then waits this long. */
	intervalMs: number;
	total: number;
	/** About how long the whole plan takes at that pace, seconds. */
	estimatedSeconds: number;
	rule: string;
}

/**
 * Any requests (e.g. one jobTtlPatch per standalone Job) in the order given, duplicates
 * (same method and path) dropped, in batches the budget allows: each batch is sent at
 * once, then the caller waits `intervalMs`.
 */
export function batchRequests(requests: readonly PlannedRequest[], budget: RequestBudget): BatchedPlan {
	const batchSize = deleteBatchSize(budget);
	const intervalMs = budget.intervalMs ?? 1000;
	const seen = new Set<string>();
	const unique: PlannedRequest[] = [];
	for (const request of requests) {
		const key = `${request.method} ${request.path}`;
		if (seen.has(key)) continue;
		seen.add(key);
		unique.push(request);
	}
	const batches: PlannedRequest[][] = [];
	for (let i = 0; i < unique.length; i += batchSize) batches.push(unique.slice(i, i + batchSize));
	const share = budget.share ?? DEFAULT_BUDGET_SHARE;
	return {
		batches,
		batchSize,
		intervalMs,
		total: unique.length,
		estimatedSeconds: batches.length <= 1 ? 0 : ((batches.length - 1) * intervalMs) / 1000,
		rule: `${batchSize} per batch every ${intervalMs} ms: ${Math.round(share * 100)}% of the client's ${budget.qps} requests/s${budget.burst !== undefined ? ` (burst ${budget.burst})` : ''}, the rest left for watches and relists`,
	};
}

/**
 * DELETE requests for `targets` (in the order given, duplicates dropped), batched by
 * `batchRequests`. With Background propagation the API server answers at once and the
 * garbage collector deletes dependents (a Job's pods) afterwards, on its own budget.
 */
export function batchedDeletePlan(targets: readonly DeleteTarget[], budget: RequestBudget): BatchedDeletePlan {
	return batchRequests(targets.map(deleteRequest), budget);
}

/** DELETE targets (with uid and resourceVersion preconditions) for a job-without-ttl or finished-pods finding. */
export function deleteTargetsFor(state: ClusterState, id: string): DeleteTarget[] {
	if (id.startsWith('job-without-ttl/')) {
		return finishedJobsFor(state, id).map((job) => ({
			group: 'batch',
			version: 'v1',
			resource: 'jobs',
			kind: 'Job',
			namespace: job.namespace,
			name: job.name,
			uid: job.uid,
			resourceVersion: job.resourceVersion,
		}));
	}
	if (id.startsWith('finished-pods/')) {
		return finishedPodsFor(state, id).map((pod) => ({
			group: '',
			version: 'v1',
			resource: 'pods',
			kind: 'Pod',
			namespace: pod.namespace,
			name: pod.name,
			uid: pod.uid,
			resourceVersion: pod.resourceVersion,
		}));
	}
	return [];
}

// ---------------------------------------------------------------------------------------
// Released PersistentVolumes

export interface VolumeToDelete {
	name: string;
	uid?: string;
	resourceVersion?: string;
	phase: string;
	reclaimPolicy: string;
	capacity?: string;
	storageClass?: string;
	claim?: {namespace: string; name: string};
}

export interface VolumeDeletePlan {
	allowed: boolean;
	/** Why not, when not allowed. */
	reason?: string;
	request?: PlannedRequest;
	/** What happens to the backing storage, in plain words, for the confirmation dialog. */
	warning: string;
	/** True when the backing disk survives the delete. */
	diskKept: boolean;
}

/** Minor version from which HonorPVReclaimPolicy is on by default (beta 1.31, GA 1.33). */
export const HONOR_RECLAIM_POLICY_MINOR = 31;

/**
 * Deleting a Released PersistentVolume. Retain (and the deprecated Recycle): only the PV
 * object goes, the disk and its data stay (and stay billed). Delete: the provisioner
 * deletes the disk and its data; before 1.31 (HonorPVReclaimPolicy off) deleting the PV
 * object first may leave the disk behind instead, so the warning says both when the server
 * version is unknown. Volumes in any other phase are refused: a Bound or Available PV is
 * in use or reusable, and a Failed one failed to reclaim (fix its cause first).
 */
export function volumeDeletePlan(volume: VolumeToDelete, options: {serverMinor?: number} = {}): VolumeDeletePlan {
	const what = `PersistentVolume ${volume.name}${volume.capacity ? ` (${volume.capacity}${volume.storageClass ? `, ${volume.storageClass}` : ''})` : ''}`;
	const claim = volume.claim ? `, last claimed by ${volume.claim.namespace}/${volume.claim.name}` : '';
	if (volume.phase !== 'Released') {
		return {
			allowed: false,
			reason:
				volume.phase === 'Failed'
					? `${what} is Failed: reclaiming it went wrong; deleting the object now would leave its disk behind without the error - fix the cause first`
					: `${what} is ${volume.phase}, not Released: it is in use or can be reused`,
			warning: '',
			diskKept: true,
		};
	}
	let warning: string;
	let diskKept: boolean;
	if (volume.reclaimPolicy === 'Retain' || volume.reclaimPolicy === 'Recycle') {
		diskKept = true;
		warning = `Deletes only the ${what}${claim}. The backing disk is KEPT, with its data, and is still billed: delete it in the cloud provider when nobody needs the data. It cannot be reattached through this PV again.`;
	} else if (volume.reclaimPolicy === 'Delete') {
		diskKept = false;
		const minor = options.serverMinor;
		const caveat =
			minor === undefined
				? ' On clusters older than 1.31 (HonorPVReclaimPolicy off) deleting the PV object first can instead leave the disk behind.'
				: minor < HONOR_RECLAIM_POLICY_MINOR
					? ` This cluster is 1.${minor}: without HonorPVReclaimPolicy the disk may be left behind instead of deleted - check the cloud provider afterwards.`
					: '';
		warning = `Deletes the ${what}${claim} AND its backing disk with all its data (reclaim policy Delete). This cannot be undone.${caveat}`;
	} else {
		return {allowed: false, reason: `${what} has reclaim policy "${volume.reclaimPolicy}": unknown what happens to its storage`, warning: '', diskKept: true};
	}
	return {
		allowed: true,
		request: deleteRequest({
			group: '',
			version: 'v1',
			resource: 'persistentvolumes',
			kind: 'PersistentVolume',
			name: volume.name,
			uid: volume.uid,
			resourceVersion: volume.resourceVersion,
		}),
		warning,
		diskKept,
	};
}

// ---------------------------------------------------------------------------------------
// revisionHistoryLimit

export interface OldReplicaSet {
	name: string;
	revision?: number;
	created: number;
}

export interface RevisionHistoryPlan {
	request: PlannedRequest;
	limit: number;
	/** Old ReplicaSets the Deployment controller deletes at its next sync (oldest first). */
	removes: string[];
	rule: string;
}

/**
 * JSON patch of spec.revisionHistoryLimit, if it still holds the value planned against.
 * `oldReplicaSets` are the Deployment's zero-replica ReplicaSets; the controller keeps the
 * newest `limit` of them (by revision, then creation time) and deletes the rest. No
 * rollout: the template is untouched.
 */
export function revisionHistoryLimitPatch(
	deployment: PlannedObject,
	oldReplicaSets: readonly OldReplicaSet[],
	limit = SUGGESTED_REVISION_HISTORY_LIMIT,
): RevisionHistoryPlan {
	if (!Number.isInteger(limit) || limit < 0 || limit > INT32_MAX)
		throw new RangeError(`revisionHistoryLimit must be a whole number from 0 to ${INT32_MAX}, got ${limit}`);
	const newestFirst = [...oldReplicaSets].sort(
		(a, b) => (b.revision ?? -1) - (a.revision ?? -1) || b.created - a.created || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
	);
	const removes = newestFirst
		.slice(limit)
		.reverse()
		.map((rs) => rs.name);
	return {
		request: {
			method: 'PATCH',
			path: resourcePath('apps', 'v1', 'deployments', deployment.namespace, deployment.name),
			contentType: JSON_PATCH,
			body: guardedJsonPatch(deployment.planned, {spec: {revisionHistoryLimit: limit}}),
			target: {kind: 'Deployment', namespace: deployment.namespace, name: deployment.name},
			description: `set revisionHistoryLimit: ${limit} on Deployment ${deployment.namespace}/${deployment.name} (the controller then deletes ${removes.length} old ReplicaSet${removes.length === 1 ? '' : 's'})`,
		},
		limit,
		removes,
		rule: limit === SUGGESTED_REVISION_HISTORY_LIMIT ? REVISION_HISTORY_RULE : `revisionHistoryLimit ${limit} (chosen by the user)`,
	};
}

// ---------------------------------------------------------------------------------------
// Object-count ResourceQuota

export interface ObjectQuotaPlan {
	request: PlannedRequest;
	quota: {
		apiVersion: 'v1';
		kind: 'ResourceQuota';
		metadata: {name: string; namespace: string; labels: Record<string, string>};
		spec: {hard: Record<string, string>};
	};
	lines: QuotaLine[];
	rule: string;
}

/**
 * The ResourceQuota `objectQuota` sizes for `namespace` (source/findings/etcd/object-quota.ts),
 * and the POST that creates it.
 */
export function objectQuotaPlan(
	namespace: string,
	usage: Readonly<Record<string, number>>,
	options: {reserve?: Readonly<Record<string, number>>; existingNames?: readonly string[]; name?: string} = {},
): ObjectQuotaPlan {
	const {name, lines, hard, rule} = objectQuota(usage, options);
	const quota = {
		apiVersion: 'v1' as const,
		kind: 'ResourceQuota' as const,
		metadata: {name, namespace, labels: {'app.kubernetes.io/managed-by': 'kubectl-assure'}},
		spec: {hard},
	};
	return {
		request: {
			method: 'POST',
			path: resourcePath('', 'v1', 'resourcequotas', namespace),
			contentType: 'application/json',
			body: quota,
			target: {kind: 'ResourceQuota', namespace, name},
			description: `create ResourceQuota ${namespace}/${name}: ${lines.map((l) => `${l.key}=${l.hard}`).join(', ')}`,
		},
		quota,
		lines,
		rule,
	};
}
