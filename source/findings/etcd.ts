/**
 * Pane 1, "what fills etcd": one row per stored resource (count, share, bytes, growth,
 * flags) under an etcd size bar, and the findings behind the growth — retention offenders
 * (finished Jobs without a TTL, finished pods, Released/Failed volumes, Pending and unused
 * claims, Deployments keeping many old ReplicaSets), event storms, oversized kinds and
 * objects, busy namespaces without an object-count quota, kinds over 10,000 objects or
 * growing fast, and the etcd database near its quota. Pure: state in, PaneView out.
 *
 * Thresholds and their reasons (each finding's evidence repeats the rule it used):
 * - etcd db: warning from 50% of the quota, critical from 80% (at 100% etcd raises its
 *   NOSPACE alarm and the cluster stops accepting writes). Quota: the given one, else the
 *   2 GiB default of --quota-backend-bytes (8 GiB is the suggested maximum).
 * - a kind over 10,000 objects (AKS guidance: more objects of one type than that can hurt).
 * - a kind growing fast: watched for at least 10 minutes, at least 10 objects/h by both the
 *   since-start and the recent estimate, and one of: +25% of its count per hour, crossing
 *   10,000 within a day, or adding 5% of the etcd quota per day. Events are left out (their
 *   1 h TTL caps them; event-storm covers the rate).
 * - Deployments keeping 10+ old (zero-replica) ReplicaSets with revisionHistoryLimit unset,
 *   at the default 10 (the server fills in 10 when unset) or above: info at 10, warning above.
 * - finished Jobs without ttlSecondsAfterFinished: 10 or more in one group; critical from 1,000.
 * - finished pods older than an hour: info below 10, warning from 10, critical from 1,000.
 * - event storm: 60+ events/min from one source over the last 5 minutes; critical when
 *   the 1 h event TTL lets it hold 10,000+ events in etcd (about 167/min).
 * - oversized kind: average object 100 KiB or more. Oversized object: within 25% of the
 *   1.5 MiB etcd request limit; critical within 10%.
 * - namespace without an object-count quota: 100+ objects counted; warning from 1,000 or
 *   when the namespace also piles up Jobs, pods or ReplicaSets.
 */
import {findingId, SEVERITY_RANK, type Column, type Finding, type PaneView, type RemedyRef, type Row, type Severity} from '../model/finding.js';
import type {ObjectRef, SlimJob, SlimPod, SlimWorkload} from '../model/slim.js';
import {objectKey, type ClusterState, type CountPoint, type EventSourceRate, type ResourceCount} from '../model/state.js';
import {
	chooseJobTtl,
	isObjectCountKey,
	objectQuotaPlan,
	REVISION_HISTORY_RULE,
	SUGGESTED_REVISION_HISTORY_LIMIT,
	type DeleteTarget,
	type TtlChoice,
} from '../plans/etcd.js';
import {formatAge, formatBytes, formatCount, formatPercent} from '../text/format.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const KIB = 1024;
const MIB = 1024 * KIB;
const GIB = 1024 * MIB;

export const DEFAULT_ETCD_QUOTA_BYTES = 2 * GIB;
export const SUGGESTED_MAX_ETCD_QUOTA_BYTES = 8 * GIB;
export const ETCD_WARNING_FRACTION = 0.5;
export const ETCD_CRITICAL_FRACTION = 0.8;
/** AKS calls an etcd database over 2 GB large. */
export const AKS_LARGE_ETCD_BYTES = 2e9;
export const KIND_COUNT_GUIDANCE = 10_000;
/** etcd's default --max-request-bytes: a larger object cannot be written. */
export const REQUEST_LIMIT_BYTES = 1.5 * MIB;
export const OVERSIZED_OBJECT_FRACTION = 0.75;
export const OVERSIZED_OBJECT_CRITICAL_FRACTION = 0.9;
export const OVERSIZED_KIND_AVG_BYTES = 100 * KIB;
export const FINISHED_POD_AGE_MS = HOUR;
export const JOB_PILE_MIN = 10;
export const PILE_CRITICAL = 1000;
export const STORM_PER_MINUTE = 60;
/** Events live 1 h (--event-ttl): a source's steady rate per minute × 60 is what it keeps in etcd. */
export const EVENT_TTL_MINUTES = 60;
export const NAMESPACE_OBJECTS_MIN = 100;
export const NAMESPACE_OBJECTS_WARNING = 1000;
export const REPLICASET_HISTORY_MIN = 10;
export const DEFAULT_REVISION_HISTORY_LIMIT = 10;
/** Longest `objects` list on a finding. */
export const MAX_OBJECTS = 25;

const GROWTH_MIN_OBSERVED_MS = 10 * MINUTE;
const GROWTH_MIN_PER_HOUR = 10;
const GROWTH_RELATIVE_PER_HOUR = 0.25;
const GROWTH_QUOTA_SHARE_PER_DAY = 0.05;

export interface EtcdPaneOptions {
	/** Limit namespaced findings to one namespace (default: the state's scope). */
	namespace?: string;
	/** etcd's --quota-backend-bytes, when known. */
	quotaBytes?: number;
	/** Draw the bar with ASCII only. */
	ascii?: boolean;
}

/** Row id of a resource: "group/resource" ("/pods" for the core group). */
export function resourceRowId(group: string, resource: string): string {
	return `${group}/${resource}`;
}

/** kubectl's spelling: "pods", "jobs.batch", "datasets.ml.example.com". */
export function qualifiedResource(group: string, resource: string): string {
	return group ? `${resource}.${group}` : resource;
}

const ROW_JOBS = resourceRowId('batch', 'jobs');
const ROW_PODS = resourceRowId('', 'pods');
const ROW_PVS = resourceRowId('', 'persistentvolumes');
const ROW_PVCS = resourceRowId('', 'persistentvolumeclaims');
const ROW_REPLICASETS = resourceRowId('apps', 'replicasets');
const ROW_EVENTS = [resourceRowId('', 'events'), resourceRowId('events.k8s.io', 'events')];
const ROW_NAMESPACES = resourceRowId('', 'namespaces');

/** A bar `width` cells wide, filled to `fraction` (clamped to [0, 1]). */
export function usageBar(fraction: number, width = 20, ascii = false): string {
	const f = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
	const filled = Math.round(f * width);
	const [full, empty] = ascii ? ['#', '-'] : ['\u2588', '\u2591'];
	return `[${full.repeat(filled)}${empty.repeat(width - filled)}]`;
}

/** "2 GiB" for whole GiB, formatBytes otherwise. */
function sizeText(bytes: number): string {
	if (bytes >= GIB && bytes % GIB === 0) return `${bytes / GIB} GiB`;
	return formatBytes(bytes);
}

function growthText(perHour: number | undefined): string {
	if (perHour === undefined || !Number.isFinite(perHour)) return '-';
	const sign = perHour > 0 ? '+' : perHour < 0 ? '-' : '';
	const magnitude = Math.abs(perHour);
	const digits = magnitude >= 10 || magnitude === 0 ? formatCount(magnitude) : magnitude.toFixed(1);
	return `${sign}${digits}/h`;
}

function maxSeverity(severities: Iterable<Severity>): Severity | undefined {
	let best: Severity | undefined;
	for (const s of severities) if (best === undefined || SEVERITY_RANK[s] > SEVERITY_RANK[best]) best = s;
	return best;
}

function bounded(refs: readonly ObjectRef[]): {objects: ObjectRef[]; objectsTotal: number} {
	return {objects: refs.slice(0, MAX_OBJECTS), objectsTotal: refs.length};
}

function plural(n: number, word: string, many = `${word}s`): string {
	return `${formatCount(n)} ${n === 1 ? word : many}`;
}

// ---------------------------------------------------------------------------------------
// Kinds: counts, bytes, growth

interface KindFigures {
	id: string;
	group: string;
	resource: string;
	name: string;
	count?: number;
	countSource: string;
	bytes?: number;
	/** 'metric' (apiserver_resource_size_estimate_bytes), 'reported' (the data layer's figure), 'sampled' (avg × count), 'n/a' (secrets), 'unknown'. */
	bytesSource: 'metric' | 'reported' | 'sampled' | 'n/a' | 'unknown';
	estimated: boolean;
	avgBytes?: number;
	sampledObjects?: number;
	largest: ReadonlyArray<{namespace: string; name: string; bytes: number}>;
	sinceStartPerHour?: number;
	recentPerHour?: number;
	observedMs: number;
	history: readonly CountPoint[];
}

/** Least-squares slope of count over time, per hour. */
function slopePerHour(points: readonly CountPoint[]): number {
	const n = points.length;
	const t0 = points[0]!.time;
	let sx = 0;
	let sy = 0;
	for (const p of points) {
		sx += (p.time - t0) / HOUR;
		sy += p.count;
	}
	const mx = sx / n;
	const my = sy / n;
	let num = 0;
	let den = 0;
	for (const p of points) {
		const dx = (p.time - t0) / HOUR - mx;
		num += dx * (p.count - my);
		den += dx * dx;
	}
	return den > 0 ? num / den : 0;
}

function growthOf(rc: ResourceCount | undefined, count: number | undefined, now: number): Pick<KindFigures, 'sinceStartPerHour' | 'recentPerHour' | 'observedMs'> {
	if (rc === undefined || count === undefined) return {observedMs: 0};
	const first = rc.first ?? rc.history[0];
	const observedMs = first ? Math.max(0, now - first.time) : 0;
	const sinceStartPerHour = first && observedMs >= MINUTE ? (count - first.count) / (observedMs / HOUR) : undefined;
	const recent = rc.history.filter((p) => p.time >= now - HOUR && p.time <= now);
	const span = recent.length > 0 ? recent[recent.length - 1]!.time - recent[0]!.time : 0;
	const recentPerHour = recent.length >= 3 && span >= 5 * MINUTE ? slopePerHour(recent) : undefined;
	return {sinceStartPerHour, recentPerHour, observedMs};
}

function kindFigures(state: ClusterState): KindFigures[] {
	const byId = new Map<string, {group: string; resource: string; rc?: ResourceCount; metricCount?: number | null}>();
	for (const rc of state.counts.values()) byId.set(resourceRowId(rc.group, rc.resource), {group: rc.group, resource: rc.resource, rc});
	const metricCounts = state.metrics?.objectCounts;
	for (const row of metricCounts?.byResource ?? []) {
		const id = resourceRowId(row.group, row.resource);
		const entry = byId.get(id);
		if (entry) entry.metricCount = row.count;
		else byId.set(id, {group: row.group, resource: row.resource, metricCount: row.count});
	}
	const sizeByKey = new Map<string, number>();
	for (const row of state.metrics?.sizeEstimates.byResource ?? []) if (row.bytes !== null) sizeByKey.set(resourceRowId(row.group, row.resource), row.bytes);

	const out: KindFigures[] = [];
	for (const [id, {group, resource, rc, metricCount}] of byId) {
		const count = rc?.count ?? (metricCount === null ? undefined : metricCount);
		const countSource = rc?.count !== undefined ? rc.source : (metricCounts?.source ?? rc?.source ?? 'unknown');
		const isSecret = group === '' && resource === 'secrets';
		let bytes: number | undefined;
		let bytesSource: KindFigures['bytesSource'] = 'unknown';
		let estimated = false;
		const metricBytes = sizeByKey.get(id);
		if (metricBytes !== undefined) {
			bytes = metricBytes;
			bytesSource = 'metric';
		} else if (rc?.bytes !== undefined && (!isSecret || rc.bytesEstimated !== true)) {
			bytes = rc.bytes;
			bytesSource = rc.bytesEstimated ? 'sampled' : 'reported';
			estimated = rc.bytesEstimated === true;
		} else if (isSecret) {
			bytesSource = 'n/a';
		} else if (rc?.sample && rc.sample.objects > 0 && count !== undefined) {
			bytes = rc.sample.avgBytes * count;
			bytesSource = 'sampled';
			estimated = true;
		}
		// The server's figure covers every object; a sample only some.
		const avgBytes = isSecret
			? undefined
			: (bytesSource === 'metric' || bytesSource === 'reported') && bytes !== undefined && count
				? bytes / count
				: rc?.sample && rc.sample.objects > 0
					? rc.sample.avgBytes
					: bytes !== undefined && count
						? bytes / count
						: undefined;
		out.push({
			id,
			group,
			resource,
			name: qualifiedResource(group, resource),
			count,
			countSource,
			bytes,
			bytesSource,
			estimated,
			avgBytes,
			sampledObjects: rc?.sample?.objects,
			largest: isSecret ? [] : rc?.sample?.largest ?? [],
			...growthOf(rc, count, state.now),
			history: rc?.history ?? [],
		});
	}
	// Heaviest first: bytes where known, then count; unknown bytes after known ones.
	out.sort((a, b) => (b.bytes ?? -1) - (a.bytes ?? -1) || (b.count ?? -1) - (a.count ?? -1) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
	return out;
}

// ---------------------------------------------------------------------------------------
// etcd size

interface EtcdFigure {
	line: string;
	extra: string[];
	finding?: Finding;
	bytes?: number;
	quota: number;
}

function etcdFigure(state: ClusterState, options: EtcdPaneOptions): EtcdFigure {
	const quotaKnown = options.quotaBytes !== undefined && options.quotaBytes > 0;
	const quota = quotaKnown ? options.quotaBytes! : DEFAULT_ETCD_QUOTA_BYTES;
	const quotaText = quotaKnown
		? `quota ${sizeText(quota)}${quota > SUGGESTED_MAX_ETCD_QUOTA_BYTES ? ' (above the 8 GiB suggested max)' : ''}`
		: `quota ${sizeText(quota)} (default)`;
	const metrics = state.metrics;
	if (metrics === undefined) {
		return {line: `etcd unknown: /metrics not readable${state.metricsUnavailable ? ` (${state.metricsUnavailable})` : ''}`, extra: [], quota};
	}
	const size = metrics.etcdSize;
	if (size.source === null) {
		return {line: 'etcd unknown: /metrics has no etcd size (apiserver_storage_size_bytes, apiserver_storage_db_total_size_in_bytes or etcd_db_total_size_in_bytes)', extra: [], quota};
	}
	if (size.bytes === null) return {line: `etcd unknown: ${size.source} reported no usable value`, extra: [], quota};
	const bytes = size.bytes;
	const fraction = bytes / quota;
	const largest = size.parts[0];
	const metricName = largest ? `${size.source}{${largest.label}="${largest.id}"}` : size.source;
	const line = `etcd ${usageBar(fraction, 20, options.ascii)} ${formatBytes(bytes)} of ${sizeText(quota)} (${formatPercent(fraction)})  ${quotaText}  ${size.source}`;
	const extra: string[] = [];
	if (size.parts.length > 1) {
		const distinct = largest?.label === 'storage_cluster_id';
		extra.push(`etcd largest of ${size.parts.length} ${distinct ? 'etcd clusters (each with its own quota)' : 'members (each holds a full copy)'} by ${largest!.label}: ${size.parts.map((p) => `${p.id} ${formatBytes(p.bytes)}`).join(', ')}`);
	}

	let severity: Severity | undefined;
	let severityRule = '';
	if (fraction >= ETCD_CRITICAL_FRACTION) {
		severity = 'critical';
		severityRule = 'critical from 80% of the quota: at 100% etcd raises its NOSPACE alarm and the API server refuses every write';
	} else if (fraction >= ETCD_WARNING_FRACTION) {
		severity = 'warning';
		severityRule = 'warning from 50% of the quota';
	} else if (bytes > AKS_LARGE_ETCD_BYTES) {
		severity = 'info';
		severityRule = 'info above 2 GB: AKS calls an etcd database that size large';
	}
	let finding: Finding | undefined;
	if (severity !== undefined) {
		const subject: ObjectRef = {kind: 'Etcd', name: largest?.id || 'etcd'};
		const detail = [
			'The size counts free pages too: after objects are deleted it only shrinks once etcd is compacted and defragmented (managed control planes do this themselves).',
			'Fix the retention findings of this pane first: they are what keeps growing.',
		];
		if (!quotaKnown && fraction >= 1) detail.unshift('The database is past the 2 GiB default quota: either the quota is larger (say so with the quota option) or etcd is in its NOSPACE alarm and refuses writes.');
		finding = {
			id: findingId('etcd-size', subject),
			pane: 'etcd',
			type: 'etcd-size',
			severity,
			subject,
			summary: `etcd database is ${formatBytes(bytes)}, ${formatPercent(fraction)} of its ${quotaKnown ? '' : 'assumed '}${sizeText(quota)} quota`,
			evidence: {
				bytes,
				quotaBytes: quota,
				quota: quotaKnown ? 'given' : 'default (2 GiB)',
				fraction: Math.round(fraction * 1000) / 1000,
				metric: metricName,
				parts: size.parts.length,
				severityRule,
			},
			remedies: [],
			detail,
		};
	}
	return {line, extra, finding, bytes, quota};
}

// ---------------------------------------------------------------------------------------
// The analyzer

interface Context {
	state: ClusterState;
	scope?: string;
	inScope: (namespace: string) => boolean;
	findings: Finding[];
	/** Row id → finding ids. */
	links: Map<string, string[]>;
	notes: string[];
}

function link(ctx: Context, rowId: string, finding: Finding): void {
	const ids = ctx.links.get(rowId) ?? [];
	ids.push(finding.id);
	ctx.links.set(rowId, ids);
}

function add(ctx: Context, finding: Finding, rows: readonly string[]): void {
	ctx.findings.push(finding);
	for (const row of rows) link(ctx, row, finding);
}

function jobRef(job: SlimJob): ObjectRef {
	return {kind: 'Job', namespace: job.namespace, name: job.name};
}

function podRef(pod: SlimPod): ObjectRef {
	return {kind: 'Pod', namespace: pod.namespace, name: pod.name};
}

function isFinishedJob(job: SlimJob): boolean {
	return job.outcome !== undefined || job.finished !== undefined;
}

function finishedAt(item: {finished?: number; created: number}): number {
	return item.finished ?? item.created;
}

/** Whether pods are listed (so "no pod mounts this claim" can be trusted). */
function podsKnown(state: ClusterState): boolean {
	for (const key of ['pods', '/pods', 'core/pods', 'v1/pods']) if (state.unreadable.has(key)) return false;
	if (state.synced.size > 0) return ['pods', '/pods', 'core/pods', 'v1/pods'].some((key) => state.synced.has(key));
	return state.pods.size > 0;
}

interface JobGroup {
	id: string;
	subject: ObjectRef;
	namespace: string;
	cronJob?: string;
	/** Every Job of the group (for the cadence). */
	all: SlimJob[];
	/** Finished Jobs without ttlSecondsAfterFinished, oldest first. */
	offenders: SlimJob[];
}

/** Jobs grouped by CronJob, or by namespace for standalone Jobs; keyed by job-without-ttl finding id. */
function collectJobGroups(state: ClusterState, inScope: (namespace: string) => boolean): Map<string, JobGroup> {
	const groups = new Map<string, JobGroup>();
	for (const job of state.jobs.values()) {
		if (!inScope(job.namespace)) continue;
		const subject: ObjectRef = job.cronJob ? {kind: 'CronJob', namespace: job.namespace, name: job.cronJob} : {kind: 'Namespace', name: job.namespace};
		const id = findingId('job-without-ttl', subject);
		const group = groups.get(id) ?? {id, subject, namespace: job.namespace, cronJob: job.cronJob, all: [], offenders: []};
		group.all.push(job);
		if (isFinishedJob(job) && job.ttlSecondsAfterFinished === undefined && job.deleting === undefined) group.offenders.push(job);
		groups.set(id, group);
	}
	for (const group of groups.values()) group.offenders.sort((a, b) => finishedAt(a) - finishedAt(b) || (a.name < b.name ? -1 : 1));
	return groups;
}

/** Returns the namespaces where finished Jobs pile up. */
function jobFindings(ctx: Context, kinds: ReadonlyMap<string, KindFigures>): Set<string> {
	const {state} = ctx;
	const groups = collectJobGroups(state, ctx.inScope);
	const podsByJob = new Map<string, number>();
	for (const pod of state.pods.values()) {
		if (pod.owner?.kind === 'Job') podsByJob.set(objectKey(pod.namespace, pod.owner.name), (podsByJob.get(objectKey(pod.namespace, pod.owner.name)) ?? 0) + 1);
	}
	const avgJobBytes = kinds.get(ROW_JOBS)?.avgBytes;
	const namespaces = new Set<string>();
	for (const group of groups.values()) {
		const offenders = group.offenders;
		if (offenders.length < JOB_PILE_MIN) continue;
		const failed = offenders.filter((j) => j.outcome === 'Failed').length;
		const oldest = offenders[0]!;
		const newest = offenders[offenders.length - 1]!;
		const podsHeld = offenders.reduce((sum, j) => sum + (podsByJob.get(objectKey(j.namespace, j.name)) ?? 0), 0);
		const ttl: TtlChoice = chooseJobTtl(group.all.map((j) => ({created: j.created, finished: j.finished, failed: j.outcome === 'Failed'})));
		const cron = group.cronJob ? state.cronJobs.get(objectKey(group.namespace, group.cronJob)) : undefined;
		const subject = group.subject;
		const severity: Severity = offenders.length >= PILE_CRITICAL ? 'critical' : 'warning';
		const evidence: Record<string, number | string> = {
			finishedJobs: offenders.length,
			failed,
			oldest: formatAge(state.now - finishedAt(oldest)),
			oldestFinishedAgoSeconds: Math.round((state.now - finishedAt(oldest)) / 1000),
			newest: formatAge(state.now - finishedAt(newest)),
			totalJobs: group.all.length,
			podsHeld,
			suggestedTtlSeconds: ttl.seconds,
			suggestedTtl: ttl.text,
			ttlRule: ttl.rule,
			severityRule: `warning from ${JOB_PILE_MIN} finished Jobs without a TTL in one group, critical from ${PILE_CRITICAL}`,
		};
		if (avgJobBytes !== undefined) evidence.estimatedBytes = Math.round(avgJobBytes * offenders.length);
		const detail: string[] = [];
		const remedies: RemedyRef[] = [];
		if (cron) {
			evidence.successfulJobsHistoryLimit = cron.successfulJobsHistoryLimit;
			evidence.failedJobsHistoryLimit = cron.failedJobsHistoryLimit;
			detail.push(`History limits ${cron.successfulJobsHistoryLimit}/${cron.failedJobsHistoryLimit} let the CronJob keep up to ${cron.successfulJobsHistoryLimit + cron.failedJobsHistoryLimit} finished Jobs (the defaults are 3/1).`);
			if (cron.jobTtlSecondsAfterFinished !== undefined) {
				detail.push(`Its jobTemplate already sets ttlSecondsAfterFinished: ${cron.jobTtlSecondsAfterFinished}; these Jobs were created before that.`);
			}
		}
		if (!cron || cron.jobTtlSecondsAfterFinished === undefined) {
			remedies.push({
				id: 'set-job-ttl',
				title: group.cronJob
					? `Set ttlSecondsAfterFinished: ${ttl.seconds} (${ttl.text}) on the CronJob's jobTemplate`
					: `Set ttlSecondsAfterFinished: ${ttl.seconds} (${ttl.text}) on the ${plural(offenders.length, 'finished Job')}`,
			});
		}
		remedies.push({id: 'delete-finished-jobs', title: `Delete the ${plural(offenders.length, 'finished Job')} and their pods (in batches, Background)`});
		if (!group.cronJob) detail.push('Setting the TTL on existing Jobs makes the TTL controller delete those finished longer ago at once; whatever creates these Jobs should set ttlSecondsAfterFinished itself.');
		const finding: Finding = {
			id: group.id,
			pane: 'etcd',
			type: 'job-without-ttl',
			severity,
			subject,
			summary: group.cronJob
				? `CronJob ${group.namespace}/${group.cronJob} keeps ${plural(offenders.length, 'finished Job')} without ttlSecondsAfterFinished (oldest ${evidence.oldest})`
				: `${plural(offenders.length, 'finished standalone Job')} without ttlSecondsAfterFinished in ${group.namespace} (oldest ${evidence.oldest})`,
			evidence,
			...bounded(offenders.map(jobRef)),
			remedies,
			detail,
		};
		add(ctx, finding, [ROW_JOBS]);
		namespaces.add(group.namespace);
	}
	return namespaces;
}

interface PodGroup {
	id: string;
	subject: ObjectRef;
	/** Finished pods older than an hour, oldest first. */
	pods: SlimPod[];
	/** Owner kind ('none' for bare pods) → pods. */
	owners: Map<string, number>;
	viaJobs: boolean;
}

/**
 * Finished pods older than an hour, grouped by namespace and owner: a CronJob's (through
 * its Jobs), a Deployment's (through its ReplicaSets), another owner's, or the namespace's
 * (standalone Jobs' pods and bare pods). Pods of Jobs with a TTL are left out (the TTL
 * controller takes them). Keyed by finished-pods finding id.
 */
function collectFinishedPodGroups(state: ClusterState, inScope: (namespace: string) => boolean): Map<string, PodGroup> {
	const groups = new Map<string, PodGroup>();
	for (const pod of state.pods.values()) {
		if (!inScope(pod.namespace)) continue;
		if ((pod.phase !== 'Succeeded' && pod.phase !== 'Failed') || pod.deleting !== undefined) continue;
		if (state.now - finishedAt(pod) < FINISHED_POD_AGE_MS) continue;
		let subject: ObjectRef = {kind: 'Namespace', name: pod.namespace};
		let ownerKind = 'none';
		let viaJobs = false;
		const owner = pod.owner;
		if (owner?.kind === 'Job') {
			const job = state.jobs.get(objectKey(pod.namespace, owner.name));
			if (job?.ttlSecondsAfterFinished !== undefined) continue;
			ownerKind = 'Job';
			viaJobs = true;
			if (job?.cronJob) subject = {kind: 'CronJob', namespace: pod.namespace, name: job.cronJob};
		} else if (owner?.kind === 'ReplicaSet') {
			const rs: SlimWorkload | undefined = state.workloads.get(objectKey(pod.namespace, owner.name));
			ownerKind = 'ReplicaSet';
			subject = rs?.owner?.kind === 'Deployment'
				? {kind: 'Deployment', namespace: pod.namespace, name: rs.owner.name}
				: {kind: 'ReplicaSet', namespace: pod.namespace, name: owner.name};
		} else if (owner) {
			ownerKind = owner.kind;
			subject = {kind: owner.kind, namespace: pod.namespace, name: owner.name};
		}
		const id = findingId('finished-pods', subject);
		const group: PodGroup = groups.get(id) ?? {id, subject, pods: [], owners: new Map(), viaJobs: false};
		group.pods.push(pod);
		group.owners.set(ownerKind, (group.owners.get(ownerKind) ?? 0) + 1);
		group.viaJobs ||= viaJobs;
		groups.set(id, group);
	}
	for (const group of groups.values()) group.pods.sort((a, b) => finishedAt(a) - finishedAt(b) || (a.name < b.name ? -1 : 1));
	return groups;
}

function finishedPodFindings(ctx: Context): Set<string> {
	const {state} = ctx;
	const groups = collectFinishedPodGroups(state, ctx.inScope);
	const namespaces = new Set<string>();
	for (const group of groups.values()) {
		const pods = group.pods;
		const n = pods.length;
		const severity: Severity = n >= PILE_CRITICAL ? 'critical' : n >= JOB_PILE_MIN ? 'warning' : 'info';
		const failed = pods.filter((p) => p.phase === 'Failed').length;
		const namespace = pods[0]!.namespace;
		const where = group.subject.kind === 'Namespace' ? `in ${namespace}` : `of ${group.subject.kind} ${namespace}/${group.subject.name}`;
		const detail = ['The pod garbage collector only removes terminated pods above 12,500 in the whole cluster (--terminated-pod-gc-threshold).'];
		if (group.viaJobs) detail.push('These pods belong to finished Jobs: deleting the Jobs (Background propagation) deletes them too.');
		const finding: Finding = {
			id: group.id,
			pane: 'etcd',
			type: 'finished-pods',
			severity,
			subject: group.subject,
			summary: `${plural(n, 'finished pod')} older than 1h ${where} (oldest ${formatAge(state.now - finishedAt(pods[0]!))})`,
			evidence: {
				pods: n,
				succeeded: n - failed,
				failed,
				oldest: formatAge(state.now - finishedAt(pods[0]!)),
				owners: [...group.owners].sort((a, b) => b[1] - a[1]).map(([kind, count]) => `${kind === 'none' ? 'no owner' : kind} ${count}`).join(', '),
				severityRule: `info below ${JOB_PILE_MIN} pods, warning from ${JOB_PILE_MIN}, critical from ${PILE_CRITICAL}`,
			},
			...bounded(pods.map(podRef)),
			remedies: [{id: 'delete-finished-pods', title: `Delete the ${plural(n, 'finished pod')} (in batches)`}],
			detail,
		};
		add(ctx, finding, [ROW_PODS]);
		if (n >= JOB_PILE_MIN) namespaces.add(namespace);
	}
	return namespaces;
}

function volumeFindings(ctx: Context): void {
	const {state} = ctx;
	for (const pv of state.volumes.values()) {
		if (pv.phase !== 'Released' && pv.phase !== 'Failed') continue;
		if (ctx.scope !== undefined && pv.claim?.namespace !== ctx.scope) continue;
		const since = pv.phaseSince ?? pv.created;
		const age = state.now - since;
		let severity: Severity;
		let severityRule: string;
		if (pv.phase === 'Failed') {
			severity = 'warning';
			severityRule = 'warning: reclaiming the volume failed and nothing retries it';
		} else if (pv.reclaimPolicy === 'Delete' || pv.reclaimPolicy === 'Recycle') {
			// The provisioner normally reclaims within minutes: give it an hour.
			if (age < HOUR) continue;
			severity = 'warning';
			severityRule = `warning: reclaim policy ${pv.reclaimPolicy} should have reclaimed it within minutes; Released for over 1h means it is stuck`;
		} else {
			severity = 'info';
			severityRule = 'info: Retain keeps the disk on purpose until someone decides; it costs money, not etcd load';
		}
		const subject: ObjectRef = {kind: 'PersistentVolume', name: pv.name};
		const detail: string[] = [];
		if (pv.phase === 'Failed') detail.push('See the PV\'s status.message for why reclaiming failed (often: the disk is still attached to a VM); fix that, then delete it.');
		if (pv.phase === 'Released' && pv.reclaimPolicy === 'Retain') detail.push('Deleting the PV keeps the disk and its data: delete the disk in the cloud provider once nobody needs it.');
		add(ctx, {
			id: findingId('released-volume', subject),
			pane: 'etcd',
			type: 'released-volume',
			severity,
			subject,
			summary: `PersistentVolume ${pv.name} is ${pv.phase} (${pv.reclaimPolicy}${pv.capacity ? `, ${pv.capacity}` : ''}) for ${formatAge(age)}`,
			evidence: {
				phase: pv.phase,
				reclaimPolicy: pv.reclaimPolicy,
				capacity: pv.capacity ?? 'unknown',
				storageClass: pv.storageClass ?? '',
				claim: pv.claim ? `${pv.claim.namespace}/${pv.claim.name}` : '',
				inPhaseFor: formatAge(age),
				severityRule,
			},
			objects: [subject],
			objectsTotal: 1,
			remedies: pv.phase === 'Released'
				? [{id: 'delete-released-volume', title: pv.reclaimPolicy === 'Delete' ? 'Delete the PV and its disk (reclaim policy Delete)' : 'Delete the PV (the disk and its data are kept)'}]
				: [],
			detail,
		}, [ROW_PVS]);
	}
}

function claimFindings(ctx: Context): void {
	const {state} = ctx;
	const mounted = new Set<string>();
	const waiting = new Map<string, number>();
	for (const pod of state.pods.values()) {
		for (const claim of pod.claims ?? []) {
			const key = objectKey(pod.namespace, claim);
			mounted.add(key);
			if (pod.phase === 'Pending') waiting.set(key, (waiting.get(key) ?? 0) + 1);
		}
	}
	const trustPods = podsKnown(state);
	if (!trustPods) ctx.notes.push('unused claims: pods are not listed yet, so claims used by no pod are not reported');
	for (const claim of state.claims.values()) {
		if (!ctx.inScope(claim.namespace) || claim.deleting !== undefined) continue;
		const key = objectKey(claim.namespace, claim.name);
		const age = state.now - claim.created;
		const subject: ObjectRef = {kind: 'PersistentVolumeClaim', namespace: claim.namespace, name: claim.name};
		if (claim.phase === 'Pending' && age >= HOUR) {
			add(ctx, {
				id: findingId('pending-claim', subject),
				pane: 'etcd',
				type: 'pending-claim',
				severity: 'warning',
				subject,
				summary: `PersistentVolumeClaim ${key} is Pending for ${formatAge(age)}`,
				evidence: {
					pendingFor: formatAge(age),
					storageClass: claim.storageClass ?? '',
					request: claim.request ?? '',
					podsWaiting: waiting.get(key) ?? 0,
					severityRule: 'warning: Pending for over 1h (provisioning takes minutes); whatever needs it is not running',
				},
				objects: [subject],
				objectsTotal: 1,
				remedies: [],
				detail: [
					'Check that the StorageClass exists and can provision in the pod\'s zone (kubectl describe pvc shows the provisioner\'s events).',
					'With volumeBindingMode WaitForFirstConsumer a claim stays Pending until a pod uses it: delete it if nothing will.',
				],
			}, [ROW_PVCS]);
		} else if (claim.phase === 'Bound' && age >= HOUR && trustPods && !mounted.has(key)) {
			add(ctx, {
				id: findingId('unused-claim', subject),
				pane: 'etcd',
				type: 'unused-claim',
				severity: 'info',
				subject,
				summary: `PersistentVolumeClaim ${key} is Bound but no pod uses it`,
				evidence: {
					boundFor: formatAge(age),
					volume: claim.volumeName ?? '',
					storageClass: claim.storageClass ?? '',
					request: claim.request ?? '',
					severityRule: 'info: a disk nobody mounts costs money, not etcd load',
				},
				objects: claim.volumeName ? [subject, {kind: 'PersistentVolume', name: claim.volumeName}] : [subject],
				objectsTotal: claim.volumeName ? 2 : 1,
				remedies: [],
				detail: ['A StatefulSet scaled down keeps its claims on purpose. Otherwise deleting the claim releases the volume (and with reclaim policy Delete, deletes its data).'],
			}, [ROW_PVCS]);
		}
	}
}

function replicaSetFindings(ctx: Context, kinds: ReadonlyMap<string, KindFigures>): Set<string> {
	const {state} = ctx;
	const oldByDeployment = indexOldReplicaSets(state);
	const avgRsBytes = kinds.get(ROW_REPLICASETS)?.avgBytes;
	const namespaces = new Set<string>();
	for (const d of state.workloads.values()) {
		if (d.kind !== 'Deployment' || !ctx.inScope(d.namespace)) continue;
		// apps/v1 defaults an unset limit to 10 on the server, so 10 reads as "left at the default".
		const limit = d.revisionHistoryLimit;
		if (limit !== undefined && limit < DEFAULT_REVISION_HISTORY_LIMIT) continue;
		const old = oldByDeployment.get(objectKey(d.namespace, d.name)) ?? [];
		if (old.length < REPLICASET_HISTORY_MIN) continue;
		const severity: Severity = old.length > DEFAULT_REVISION_HISTORY_LIMIT ? 'warning' : 'info';
		const subject: ObjectRef = {kind: 'Deployment', namespace: d.namespace, name: d.name};
		const removes = Math.max(0, old.length - SUGGESTED_REVISION_HISTORY_LIMIT);
		const evidence: Record<string, number | string> = {
			oldReplicaSets: old.length,
			revisionHistoryLimit: limit === undefined ? 'unset (default 10)' : limit === DEFAULT_REVISION_HISTORY_LIMIT ? '10 (the default)' : limit,
			suggestedLimit: SUGGESTED_REVISION_HISTORY_LIMIT,
			wouldRemove: removes,
			limitRule: REVISION_HISTORY_RULE,
			severityRule: 'info at the default cap of 10 old ReplicaSets, warning above it',
		};
		if (avgRsBytes !== undefined) evidence.estimatedBytes = Math.round(avgRsBytes * old.length);
		add(ctx, {
			id: findingId('replicaset-history', subject),
			pane: 'etcd',
			type: 'replicaset-history',
			severity,
			subject,
			summary: `Deployment ${d.namespace}/${d.name} keeps ${plural(old.length, 'old ReplicaSet')} (revisionHistoryLimit ${limit === undefined ? 'unset, default 10' : limit === DEFAULT_REVISION_HISTORY_LIMIT ? '10, the default' : limit})`,
			evidence,
			...bounded(old.map((rs) => ({kind: 'ReplicaSet', namespace: rs.namespace, name: rs.name}))),
			remedies: [{id: 'set-revision-history-limit', title: `Set revisionHistoryLimit: ${SUGGESTED_REVISION_HISTORY_LIMIT} (the controller deletes ${removes} old ReplicaSet${removes === 1 ? '' : 's'})`}],
			detail: ['If Helm or a GitOps tool manages this Deployment, set the limit in its source too, or it will be put back.'],
		}, [ROW_REPLICASETS]);
		namespaces.add(d.namespace);
	}
	return namespaces;
}

/** The mean of the last `n` buckets. */
function recentRate(perMinute: readonly number[], n = 5): number {
	const tail = perMinute.slice(-n);
	return tail.length === 0 ? 0 : tail.reduce((a, b) => a + b, 0) / tail.length;
}

function eventStormFindings(ctx: Context): void {
	const groups = new Map<string, {source: string; involvedKind: string; rates: EventSourceRate[]}>();
	for (const rate of ctx.state.eventRates) {
		if (!ctx.inScope(rate.namespace)) continue;
		const key = `${rate.source}\u0000${rate.involvedKind}`;
		const group = groups.get(key) ?? {source: rate.source, involvedKind: rate.involvedKind, rates: []};
		group.rates.push(rate);
		groups.set(key, group);
	}
	const heldLimit = KIND_COUNT_GUIDANCE;
	for (const group of groups.values()) {
		const length = Math.max(...group.rates.map((r) => r.perMinute.length));
		const series = new Array<number>(length).fill(0);
		for (const r of group.rates) {
			const offset = length - r.perMinute.length;
			r.perMinute.forEach((v, i) => (series[offset + i]! += v));
		}
		const perMinute = recentRate(series);
		if (perMinute < STORM_PER_MINUTE) continue;
		const held = Math.round(perMinute * EVENT_TTL_MINUTES);
		const severity: Severity = held >= heldLimit ? 'critical' : 'warning';
		const reasons = new Map<string, number>();
		for (const r of group.rates) for (const [reason, n] of Object.entries(r.reasons)) reasons.set(reason, (reasons.get(reason) ?? 0) + n);
		const namespaces = [...new Set(group.rates.map((r) => r.namespace))].sort();
		const objects: ObjectRef[] = [];
		for (const r of group.rates) for (const name of r.sampleObjects) objects.push({kind: group.involvedKind, namespace: r.namespace || undefined, name});
		const subject: ObjectRef = {kind: 'EventSource', name: group.source};
		add(ctx, {
			id: findingId('event-storm', {kind: group.involvedKind, name: group.source}),
			pane: 'etcd',
			type: 'event-storm',
			severity,
			subject,
			summary: `${group.source} creates ${formatCount(Math.round(perMinute))} events/min about ${group.involvedKind} objects`,
			evidence: {
				source: group.source,
				involvedKind: group.involvedKind,
				perMinute: Math.round(perMinute * 10) / 10,
				peakPerMinute: Math.max(...series),
				total: group.rates.reduce((sum, r) => sum + r.total, 0),
				heldInEtcd: held,
				namespaces: namespaces.join(', '),
				reasons: [...reasons].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([reason, n]) => `${reason} ${n}`).join(', '),
				severityRule: `warning from ${STORM_PER_MINUTE} events/min over the last 5 minutes; critical when the 1h event TTL lets it hold ${formatCount(heldLimit)}+ events in etcd (about ${Math.ceil(heldLimit / EVENT_TTL_MINUTES)}/min)`,
			},
			...bounded(objects),
			remedies: [],
			detail: [
				'Events have no watch cache: every events LIST goes to etcd, and each event lives 1h (--event-ttl).',
				'Fix the controller to emit fewer events (aggregate progress into status instead); meanwhile an APF FlowSchema can throttle its writes.',
			],
			series: {label: 'events per minute', values: series, stepSeconds: 60},
		}, ROW_EVENTS);
	}
}

function oversizedFindings(ctx: Context, kinds: readonly KindFigures[]): void {
	for (const k of kinds) {
		if (k.avgBytes !== undefined && k.avgBytes >= OVERSIZED_KIND_AVG_BYTES && (k.count ?? 0) > 0) {
			const subject: ObjectRef = {kind: 'Resource', name: k.name};
			add(ctx, {
				id: findingId('oversized-kind', subject),
				pane: 'etcd',
				type: 'oversized-kind',
				severity: 'warning',
				subject,
				summary: `${k.name} objects average ${formatBytes(k.avgBytes)} (${formatCount(k.count ?? 0)} objects${k.bytes !== undefined ? `, ${k.estimated ? '~' : ''}${formatBytes(k.bytes)}` : ''})`,
				evidence: {
					avgBytes: Math.round(k.avgBytes),
					count: k.count ?? 0,
					bytes: k.bytes !== undefined ? Math.round(k.bytes) : 'unknown',
					bytesFrom: k.bytesSource,
					sampledObjects: k.sampledObjects ?? 0,
					severityRule: `warning from an average of ${formatBytes(OVERSIZED_KIND_AVG_BYTES)}: every LIST and every watch event of this kind moves that much (typical objects are a few KiB)`,
				},
				...bounded(k.largest.filter((o) => ctx.inScope(o.namespace)).map((o) => ({kind: k.name, namespace: o.namespace || undefined, name: o.name}))),
				remedies: [],
				detail: ['Keep bulk data (lists of files, environment-like fields) out of the object: put it in a ConfigMap per item, object storage, or a reference.'],
			}, [k.id]);
		}
		for (const o of k.largest) {
			if (o.bytes < OVERSIZED_OBJECT_FRACTION * REQUEST_LIMIT_BYTES || !ctx.inScope(o.namespace)) continue;
			const fraction = o.bytes / REQUEST_LIMIT_BYTES;
			const subject: ObjectRef = o.namespace ? {kind: k.name, namespace: o.namespace, name: o.name} : {kind: k.name, name: o.name};
			add(ctx, {
				id: findingId('oversized-object', subject),
				pane: 'etcd',
				type: 'oversized-object',
				severity: fraction >= OVERSIZED_OBJECT_CRITICAL_FRACTION ? 'critical' : 'warning',
				subject,
				summary: `${k.name} ${o.namespace ? `${o.namespace}/` : ''}${o.name} is ${formatBytes(o.bytes)}, ${formatPercent(fraction)} of the 1.5 MiB etcd request limit`,
				evidence: {
					bytes: o.bytes,
					limitBytes: REQUEST_LIMIT_BYTES,
					fraction: Math.round(fraction * 1000) / 1000,
					measuredAs: 'serialized JSON (built-in kinds are stored as smaller protobuf; custom resources as JSON)',
					severityRule: 'warning within 25% of the 1.5 MiB limit, critical within 10%: past it every update fails with "etcdserver: request is too large"',
				},
				objects: [subject],
				objectsTotal: 1,
				remedies: [],
			}, [k.id]);
		}
	}
}

function kindFindings(ctx: Context, kinds: readonly KindFigures[], etcd: EtcdFigure): void {
	for (const k of kinds) {
		const subject: ObjectRef = {kind: 'Resource', name: k.name};
		const count = k.count;
		if (count !== undefined && count > KIND_COUNT_GUIDANCE) {
			add(ctx, {
				id: findingId('kind-over-10k', subject),
				pane: 'etcd',
				type: 'kind-over-10k',
				severity: 'warning',
				subject,
				summary: `${formatCount(count)} ${k.name} objects: over the ${formatCount(KIND_COUNT_GUIDANCE)} per kind AKS warns about`,
				evidence: {
					count,
					countFrom: k.countSource,
					bytes: k.bytes !== undefined ? Math.round(k.bytes) : 'unknown',
					severityRule: 'warning above 10,000 objects of one kind (AKS guidance: every LIST of the kind reads them all)',
				},
				remedies: [],
				detail: ['Look at the retention findings for this kind below; clients that LIST it without paging pay for every object.'],
			}, [k.id]);
		}
		if (k.group === '' && k.resource === 'events') continue;
		if (k.group === 'events.k8s.io') continue;
		if (count === undefined || k.observedMs < GROWTH_MIN_OBSERVED_MS) continue;
		const estimates = [k.sinceStartPerHour, k.recentPerHour].filter((v): v is number => v !== undefined);
		if (estimates.length === 0) continue;
		const rate = Math.min(...estimates);
		if (rate < GROWTH_MIN_PER_HOUR) continue;
		const reasons: string[] = [];
		if (rate >= GROWTH_RELATIVE_PER_HOUR * Math.max(1, count)) reasons.push(`+${formatPercent(rate / Math.max(1, count))} of its count per hour`);
		if (count <= KIND_COUNT_GUIDANCE && count + 24 * rate > KIND_COUNT_GUIDANCE) reasons.push(`passes ${formatCount(KIND_COUNT_GUIDANCE)} within a day`);
		const bytesPerHour = k.avgBytes !== undefined ? rate * k.avgBytes : undefined;
		if (bytesPerHour !== undefined && bytesPerHour * 24 >= GROWTH_QUOTA_SHARE_PER_DAY * etcd.quota) reasons.push(`adds ${formatBytes(bytesPerHour * 24)}/day, ${formatPercent((bytesPerHour * 24) / etcd.quota)} of the etcd quota`);
		if (reasons.length === 0) continue;
		let severity: Severity = 'warning';
		let severityRule = 'warning: grows fast by the rule above';
		if (etcd.bytes !== undefined && bytesPerHour !== undefined && bytesPerHour > 0 && (etcd.quota - etcd.bytes) / bytesPerHour < 24) {
			severity = 'critical';
			severityRule = 'critical: at this rate it fills the rest of the etcd quota within a day';
		}
		add(ctx, {
			id: findingId('kind-growing-fast', subject),
			pane: 'etcd',
			type: 'kind-growing-fast',
			severity,
			subject,
			summary: `${k.name} grows by ${growthText(rate)} (${formatCount(count)} now): ${reasons.join('; ')}`,
			evidence: {
				count,
				perHour: Math.round(rate * 10) / 10,
				sinceStartPerHour: k.sinceStartPerHour !== undefined ? Math.round(k.sinceStartPerHour * 10) / 10 : 'unknown',
				recentPerHour: k.recentPerHour !== undefined ? Math.round(k.recentPerHour * 10) / 10 : 'unknown',
				observedFor: formatAge(k.observedMs),
				growthRule: 'watched 10m+, 10+/h by both the since-start and the last-hour estimate, and +25%/h, or past 10,000 within a day, or 5% of the etcd quota per day',
				severityRule,
			},
			remedies: [],
			series: {label: 'objects (a point at each change of the count)', values: k.history.map((p) => p.count)},
		}, [k.id]);
	}
}

const WORKLOAD_COUNT_KEYS: Readonly<Record<SlimWorkload['kind'], string>> = {
	Deployment: 'count/deployments.apps',
	ReplicaSet: 'count/replicasets.apps',
	StatefulSet: 'count/statefulsets.apps',
	DaemonSet: 'count/daemonsets.apps',
};

export interface NamespaceCounts {
	/** Quota key → today's count, only kinds the namespace has. */
	usage: Record<string, number>;
	/** What may legitimately appear soon: pods its HPAs may still add (maxReplicas − currentReplicas). */
	reserve: Record<string, number>;
	total: number;
}

/**
 * Object counts per namespace for the kinds kubectl assure lists (pods, Jobs, CronJobs,
 * Deployments, ReplicaSets, StatefulSets, DaemonSets, claims, HPAs), in one pass.
 * `only` limits it to one namespace.
 */
export function countObjectsByNamespace(state: ClusterState, only?: string): Map<string, NamespaceCounts> {
	const out = new Map<string, NamespaceCounts>();
	const bump = (namespace: string, key: string, n = 1) => {
		if (!namespace || (only !== undefined && namespace !== only)) return;
		let entry = out.get(namespace);
		if (!entry) {
			entry = {usage: {}, reserve: {}, total: 0};
			out.set(namespace, entry);
		}
		entry.usage[key] = (entry.usage[key] ?? 0) + n;
		entry.total += n;
	};
	for (const pod of state.pods.values()) bump(pod.namespace, 'count/pods');
	for (const job of state.jobs.values()) bump(job.namespace, 'count/jobs.batch');
	for (const cron of state.cronJobs.values()) bump(cron.namespace, 'count/cronjobs.batch');
	for (const w of state.workloads.values()) bump(w.namespace, WORKLOAD_COUNT_KEYS[w.kind]);
	for (const claim of state.claims.values()) bump(claim.namespace, 'count/persistentvolumeclaims');
	for (const hpa of state.hpas.values()) {
		bump(hpa.namespace, 'count/horizontalpodautoscalers.autoscaling');
		const entry = out.get(hpa.namespace);
		const room = Math.max(0, hpa.maxReplicas - hpa.currentReplicas);
		if (entry && room > 0) entry.reserve['count/pods'] = (entry.reserve['count/pods'] ?? 0) + room;
	}
	return out;
}

/** countObjectsByNamespace for one namespace (zero counts when it holds none of those kinds). */
export function namespaceObjectCounts(state: ClusterState, namespace: string): NamespaceCounts {
	return countObjectsByNamespace(state, namespace).get(namespace) ?? {usage: {}, reserve: {}, total: 0};
}

function namespaceQuotaFindings(ctx: Context, pilingUp: ReadonlySet<string>): void {
	const {state} = ctx;
	const counts = countObjectsByNamespace(state, ctx.scope);
	const names = new Set<string>([...state.namespaces.keys(), ...counts.keys()]);
	const quotaNames = new Map<string, string[]>();
	const hasCountQuota = new Set<string>();
	for (const quota of state.quotas.values()) {
		quotaNames.set(quota.namespace, [...(quotaNames.get(quota.namespace) ?? []), quota.name]);
		if (Object.keys(quota.hard).some(isObjectCountKey)) hasCountQuota.add(quota.namespace);
	}
	for (const ns of [...names].sort()) {
		// kube-* namespaces hold the control plane's own objects: a quota there can block system pods.
		if (!ctx.inScope(ns) || ns.startsWith('kube-') || hasCountQuota.has(ns)) continue;
		const entry = counts.get(ns);
		if (entry === undefined || entry.total < NAMESPACE_OBJECTS_MIN) continue;
		const {usage, reserve, total} = entry;
		const plan = objectQuotaPlan(ns, usage, {reserve, existingNames: quotaNames.get(ns) ?? []});
		const piling = pilingUp.has(ns);
		const severity: Severity = total >= NAMESPACE_OBJECTS_WARNING || piling ? 'warning' : 'info';
		const subject: ObjectRef = {kind: 'Namespace', name: ns};
		const evidence: Record<string, number | string> = {
			objects: total,
			quotas: (quotaNames.get(ns) ?? []).length,
			proposed: plan.lines.map((l) => `${l.key}=${l.hard}`).join(', '),
			quotaRule: plan.rule,
			severityRule: `info from ${NAMESPACE_OBJECTS_MIN} objects, warning from ${formatCount(NAMESPACE_OBJECTS_WARNING)} or when objects already pile up in it (finished Jobs, pods or old ReplicaSets)`,
		};
		for (const [key, n] of Object.entries(usage)) evidence[key] = n;
		add(ctx, {
			id: findingId('namespace-without-object-quota', subject),
			pane: 'etcd',
			type: 'namespace-without-object-quota',
			severity,
			subject,
			summary: `Namespace ${ns} holds ${plural(total, 'object')} and no object-count ResourceQuota${piling ? ' while objects pile up in it' : ''}`,
			evidence,
			objects: [subject],
			objectsTotal: 1,
			remedies: [{id: 'create-object-quota', title: `Create ResourceQuota ${plan.quota.metadata.name} (${plan.lines.map((l) => `${l.key}=${l.hard}`).join(', ')})`}],
			detail: [
				'Counts cover the kinds kubectl assure lists (pods, Jobs, CronJobs, workloads, claims, HPAs); ConfigMaps and Secrets are not counted here.',
				'A count quota is a fence, not a cleanup: it stops a runaway controller from filling etcd, and blocks new objects of that kind once reached.',
			],
		}, [ROW_NAMESPACES]);
	}
}

// ---------------------------------------------------------------------------------------
// The full object lists behind retention findings, for the remedies (findings carry at
// most MAX_OBJECTS refs). They regroup from the state exactly as the findings did.

const everywhere = () => true;

/** The finished Jobs without a TTL behind a job-without-ttl finding, oldest first ([] when gone). */
export function finishedJobsFor(state: ClusterState, id: string): SlimJob[] {
	return collectJobGroups(state, everywhere).get(id)?.offenders ?? [];
}

/** The finished pods behind a finished-pods finding, oldest first ([] when gone). */
export function finishedPodsFor(state: ClusterState, id: string): SlimPod[] {
	return collectFinishedPodGroups(state, everywhere).get(id)?.pods ?? [];
}

/** Zero-replica ReplicaSets owned by Deployments, per Deployment key, oldest revision first. */
function indexOldReplicaSets(state: ClusterState, only?: {namespace: string; name: string}): Map<string, SlimWorkload[]> {
	const byDeployment = new Map<string, SlimWorkload[]>();
	for (const w of state.workloads.values()) {
		if (w.kind !== 'ReplicaSet' || w.owner?.kind !== 'Deployment' || w.replicas !== 0 || w.deleting !== undefined) continue;
		if (only && (w.namespace !== only.namespace || w.owner.name !== only.name)) continue;
		const key = objectKey(w.namespace, w.owner.name);
		const list = byDeployment.get(key) ?? [];
		list.push(w);
		byDeployment.set(key, list);
	}
	for (const list of byDeployment.values()) list.sort((a, b) => (a.revision ?? -1) - (b.revision ?? -1) || a.created - b.created || (a.name < b.name ? -1 : 1));
	return byDeployment;
}

/** The zero-replica ReplicaSets of a Deployment, oldest revision first. */
export function oldReplicaSetsOf(state: ClusterState, namespace: string, deployment: string): SlimWorkload[] {
	return indexOldReplicaSets(state, {namespace, name: deployment}).get(objectKey(namespace, deployment)) ?? [];
}

/** DELETE targets (with uid and resourceVersion preconditions) for a job-without-ttl or finished-pods finding. */
export function deleteTargetsFor(state: ClusterState, id: string): DeleteTarget[] {
	if (id.startsWith('job-without-ttl/')) {
		return finishedJobsFor(state, id).map((job) => ({group: 'batch', version: 'v1', resource: 'jobs', kind: 'Job', namespace: job.namespace, name: job.name, uid: job.uid, resourceVersion: job.resourceVersion}));
	}
	if (id.startsWith('finished-pods/')) {
		return finishedPodsFor(state, id).map((pod) => ({group: '', version: 'v1', resource: 'pods', kind: 'Pod', namespace: pod.namespace, name: pod.name, uid: pod.uid, resourceVersion: pod.resourceVersion}));
	}
	return [];
}

const TYPE_ORDER = [
	'etcd-size',
	'kind-over-10k',
	'kind-growing-fast',
	'event-storm',
	'oversized-object',
	'oversized-kind',
	'job-without-ttl',
	'finished-pods',
	'replicaset-history',
	'namespace-without-object-quota',
	'released-volume',
	'pending-claim',
	'unused-claim',
];

const COLUMNS: readonly Column[] = [
	{key: 'resource', title: 'RESOURCE', align: 'left', width: 32, minWidth: 14, priority: 10},
	{key: 'count', title: 'COUNT', align: 'right', width: 7, priority: 9, numeric: true},
	{key: 'share', title: 'SHARE', align: 'right', width: 6, priority: 4, numeric: true},
	{key: 'bytes', title: 'BYTES', align: 'right', width: 9, priority: 8, numeric: true},
	{key: 'growth', title: 'GROWTH/H', align: 'right', width: 9, priority: 6, numeric: true},
	{key: 'flag', title: 'FLAG', align: 'left', width: 18, minWidth: 6, priority: 7},
];

/** The etcd pane: the size bar, one row per resource, and the findings. */
export function analyzeEtcd(state: ClusterState, options: EtcdPaneOptions = {}): PaneView {
	const scope = options.namespace ?? state.namespace;
	const ctx: Context = {
		state,
		scope,
		inScope: (namespace) => scope === undefined || namespace === scope,
		findings: [],
		links: new Map(),
		notes: [],
	};
	const kinds = kindFigures(state);
	const kindsById = new Map(kinds.map((k) => [k.id, k]));
	const etcd = etcdFigure(state, options);
	if (etcd.finding) ctx.findings.push(etcd.finding);

	kindFindings(ctx, kinds, etcd);
	eventStormFindings(ctx);
	oversizedFindings(ctx, kinds);
	const pilingJobs = jobFindings(ctx, kindsById);
	const pilingPods = finishedPodFindings(ctx);
	const pilingReplicaSets = replicaSetFindings(ctx, kindsById);
	namespaceQuotaFindings(ctx, new Set([...pilingJobs, ...pilingPods, ...pilingReplicaSets]));
	volumeFindings(ctx);
	claimFindings(ctx);

	const rank = (type: string) => {
		const i = TYPE_ORDER.indexOf(type);
		return i < 0 ? TYPE_ORDER.length : i;
	};
	const findings = ctx.findings.sort(
		(a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || rank(a.type) - rank(b.type) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
	);
	const severityById = new Map(findings.map((f) => [f.id, f.severity]));

	const total = kinds.reduce((sum, k) => sum + (k.count ?? 0), 0);
	const rows: Row[] = kinds.map((k) => {
		const findingIds = ctx.links.get(k.id) ?? [];
		const flags: string[] = [];
		for (const id of findingIds) {
			if (id.startsWith('kind-over-10k/')) flags.push('>10k');
			else if (id.startsWith('kind-growing-fast/')) flags.push('fast growth');
			else if (id.startsWith('oversized-kind/')) flags.push('large objects');
		}
		const growth = k.recentPerHour ?? k.sinceStartPerHour;
		const row: Row = {
			id: k.id,
			cells: {
				resource: k.name,
				count: k.count === undefined ? '?' : formatCount(k.count),
				share: k.count === undefined || total === 0 ? '-' : formatPercent(k.count / total),
				bytes: k.bytesSource === 'n/a' ? 'n/a' : k.bytes === undefined ? '?' : `${k.estimated ? '~' : ''}${formatBytes(k.bytes)}`,
				growth: growthText(growth),
				flag: [...new Set(flags)].join(', '),
			},
			sort: {
				resource: k.name,
				count: k.count ?? -1,
				share: k.count === undefined || total === 0 ? -1 : k.count / total,
				bytes: k.bytes ?? -1,
				growth: growth ?? 0,
				flag: flags.length,
			},
			severity: maxSeverity(findingIds.flatMap((id) => severityById.get(id) ?? [])),
			findingIds: [...new Set(findingIds)],
		};
		if (k.history.length > 1) row.spark = k.history.map((p) => p.count);
		return row;
	});

	const header: string[] = [etcd.line, ...etcd.extra];
	if (kinds.length > 0) {
		const countSources = [...new Set(kinds.map((k) => k.countSource))].join(', ');
		const sampled = kinds.some((k) => k.estimated);
		const metricSizes = state.metrics?.sizeEstimates.source;
		const bytesFrom = metricSizes ? `${metricSizes}${sampled ? '; ~ = sampled sizes x count' : ''}` : sampled ? '~ = sampled object sizes x count' : 'unknown (no size metric, no sampled sizes)';
		header.push(`${formatCount(total)} objects in ${kinds.length} resources  counts: ${countSources}  bytes: ${bytesFrom}`);
	}

	const notes = [...ctx.notes];
	if (scope !== undefined) notes.push(`object counts are cluster-wide; findings are limited to namespace ${scope}`);
	if (state.metrics && state.metrics.sizeEstimates.source === null) notes.push(`bytes: ${state.metrics.sizeEstimates.note}; sampled object sizes are used where known`);
	if (kinds.some((k) => k.bytesSource === 'n/a')) notes.push('secrets: sizes are not sampled (their data is never read): n/a');

	const view: PaneView = {
		pane: 'etcd',
		title: 'etcd: what fills it',
		header,
		columns: COLUMNS,
		rows,
		findings,
		notes,
	};
	if (rows.length === 0 && findings.length === 0 && state.counts.size === 0 && state.metrics === undefined) {
		view.unavailable = `no object counts yet: ${state.metricsUnavailable ? `/metrics not readable (${state.metricsUnavailable})` : 'waiting for the first count'}`;
	}
	return view;
}
