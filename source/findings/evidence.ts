/**
 * What each evidence key of a finding means, in words and with its unit: the one table
 * the detail view and the Markdown report use to print `reversals60m: 36` as
 * "reversals, last 60 min: 36" and `suggestedScaleDownWindowSeconds: 600` as "suggested
 * scale-down window: 600 s". The findings keep their raw keys (that is what `-o json`
 * prints and scripts read); only the words shown to a person come from here.
 *
 * Every key an analyzer emits has an entry: test/findings/evidence.test.ts reads the
 * analyzers' sources and runs them on the demo scenarios, and fails on a key without one.
 * A key used by several findings with different meanings (`bytes` is the database size of
 * `etcd-size` and one object's size of `oversized-object`) has a label per finding type.
 */
import {formatBytes, formatDuration, formatNumber, formatPercent} from '../text/format.js';

/** How a value is printed. Strings are always printed as they are (they carry their own unit). */
export type EvidenceUnit =
	/** A plain number ("36", "12,345", "38.7"). */
	| 'number'
	/** Bytes in IEC units ("1.5 MiB"). */
	| 'bytes'
	/** A setting in seconds, printed exactly ("600 s (10 min)"). */
	| 'seconds'
	/** Seconds elapsed before now ("25 min ago"). */
	| 'seconds-ago'
	/** A span in minutes ("58 min", "3 h"). */
	| 'minutes'
	/** A fraction printed as a percentage ("12.3%"). */
	| 'fraction'
	/** A rate ("38.7 per hour"). */
	| 'per-hour'
	| 'per-minute'
	/** Text (or a number that is just a name or a count of things named in the label). */
	| 'text';

export interface EvidenceMeaning {
	label: string;
	unit: EvidenceUnit;
}

interface EvidenceEntry extends EvidenceMeaning {
	/** Other words for the same key in findings of these types. */
	byType?: Readonly<Record<string, Partial<EvidenceMeaning>>>;
}

const SIZE_BYTES: EvidenceEntry = {
	label: 'size of all its objects',
	unit: 'bytes',
	byType: {
		'etcd-size': {label: 'database size'},
		'oversized-object': {label: 'object size (serialized)'},
	},
};

/** Every evidence key the analyzers in this folder emit. */
export const EVIDENCE: Readonly<Record<string, EvidenceEntry>> = {
	// autoscaling: flapping and fights (source/findings/autoscaling/, flapping.ts)
	reversals60m: {label: 'reversals, last 60 min', unit: 'number'},
	churnPerHour: {label: 'churn (replica changes / mean replicas)', unit: 'per-hour'},
	swings: {label: 'significant swings, last 60 min', unit: 'number'},
	points: {label: 'replica points, last 60 min', unit: 'number'},
	approximatePoints: {label: 'of them backfilled from events', unit: 'number'},
	meanReplicas: {label: 'mean replicas', unit: 'number'},
	largestSwing: {label: 'largest swing (replicas)', unit: 'number'},
	observedMinutes: {label: 'observed for', unit: 'minutes'},
	scaleDownWindowSeconds: {label: 'scale-down window now', unit: 'seconds'},
	scaleUpWindowSeconds: {label: 'scale-up window now', unit: 'seconds'},
	suggestedScaleDownWindowSeconds: {label: 'suggested scale-down window', unit: 'seconds'},
	medianSecondsBetweenReversals: {label: 'median time between reversals', unit: 'seconds'},
	flappingSinceSecondsAgo: {label: 'flapping since', unit: 'seconds-ago'},
	otherManager: {label: 'other writer of spec.replicas', unit: 'text'},
	otherWrites60m: {label: 'its writes, last 60 min', unit: 'number'},
	hpaWrites60m: {label: "the autoscaler's writes, last 60 min", unit: 'number'},
	lastOtherWriteSecondsAgo: {label: 'last write by the other writer', unit: 'seconds-ago'},
	seenIn: {label: 'seen in', unit: 'text'},
	minReplicas: {label: 'minReplicas', unit: 'number'},
	maxReplicas: {label: 'maxReplicas', unit: 'number'},
	currentReplicas: {label: 'current replicas', unit: 'number'},
	desiredReplicas: {label: 'desired replicas', unit: 'number'},
	minutesAtMax: {label: 'at maxReplicas for', unit: 'minutes'},
	scalingLimited: {label: 'ScalingLimited reason', unit: 'text'},
	minutesSinceLastScale: {label: 'since the last scale', unit: 'minutes'},
	conditions: {label: 'failing conditions', unit: 'text'},
	// autoscaling: namespaces without a quota, node groups, over-provisioning
	hpas: {label: 'HPAs', unit: 'number'},
	podsHpasCanAdd: {label: 'pods the HPAs can add', unit: 'number'},
	cpuHpasCanAdd: {label: 'CPU requests they can add', unit: 'text'},
	memoryHpasCanAdd: {label: 'memory requests they can add', unit: 'text'},
	quotaPods: {label: 'proposed quota: pods', unit: 'text'},
	quotaRequestsCpu: {label: 'proposed quota: requests.cpu', unit: 'text'},
	quotaRequestsMemory: {label: 'proposed quota: requests.memory', unit: 'text'},
	nodes: {label: 'nodes', unit: 'number', byType: {'heavy-client': {label: 'sample of its nodes', unit: 'text'}}},
	nodesCreated: {label: 'nodes added, last 60 min', unit: 'number'},
	nodesDeleted: {label: 'nodes removed, last 60 min', unit: 'number'},
	shortLivedNodes: {label: 'nodes that lived under 30 min', unit: 'number'},
	medianNodeLifetimeMinutes: {label: 'median node lifetime', unit: 'minutes'},
	cloudProviderTarget: {label: 'cloud provider target size', unit: 'number'},
	minSize: {label: 'group minimum size', unit: 'number'},
	maxSize: {label: 'group maximum size', unit: 'number'},
	scaleUp: {label: 'cluster-autoscaler scale-up', unit: 'text'},
	scaleDown: {label: 'cluster-autoscaler scale-down', unit: 'text'},
	negativePriorityClasses: {label: 'PriorityClasses below zero', unit: 'number'},
	pausePodCpu: {label: 'CPU per pause pod', unit: 'text'},
	pausePodMemory: {label: 'memory per pause pod', unit: 'text'},
	pausePods: {label: 'pause pods', unit: 'number'},

	// etcd (source/findings/etcd/)
	bytes: SIZE_BYTES,
	quotaBytes: {label: 'etcd quota', unit: 'bytes'},
	quota: {label: 'quota from', unit: 'text'},
	fraction: {label: 'share of the quota', unit: 'fraction', byType: {'oversized-object': {label: 'share of the request limit'}}},
	metric: {label: 'measured by', unit: 'text'},
	parts: {label: 'etcd members or parts measured', unit: 'number'},
	severityRule: {label: 'severity rule', unit: 'text'},
	finishedJobs: {label: 'finished Jobs without a TTL', unit: 'number'},
	failed: {label: 'of them failed', unit: 'number'},
	oldest: {label: 'age of the oldest', unit: 'text'},
	oldestFinishedAgoSeconds: {label: 'oldest finished', unit: 'seconds-ago'},
	newest: {label: 'newest finished', unit: 'text'},
	totalJobs: {label: 'Jobs in the group', unit: 'number'},
	podsHeld: {label: 'pods they keep', unit: 'number'},
	suggestedTtlSeconds: {label: 'suggested ttlSecondsAfterFinished', unit: 'seconds'},
	suggestedTtl: {label: 'suggested TTL', unit: 'text'},
	ttlRule: {label: 'TTL rule', unit: 'text'},
	estimatedBytes: {label: 'estimated size in etcd', unit: 'bytes'},
	successfulJobsHistoryLimit: {label: 'successfulJobsHistoryLimit', unit: 'number'},
	failedJobsHistoryLimit: {label: 'failedJobsHistoryLimit', unit: 'number'},
	pods: {label: 'pods', unit: 'number', byType: {'finished-pods': {label: 'finished pods older than 1 h'}}},
	succeeded: {label: 'of them succeeded', unit: 'number'},
	owners: {label: 'owners', unit: 'text'},
	phase: {label: 'phase', unit: 'text'},
	reclaimPolicy: {label: 'reclaim policy', unit: 'text'},
	capacity: {label: 'capacity', unit: 'text'},
	storageClass: {label: 'StorageClass', unit: 'text'},
	claim: {label: 'last claim', unit: 'text'},
	inPhaseFor: {label: 'in this phase for', unit: 'text'},
	pendingFor: {label: 'Pending for', unit: 'text'},
	request: {label: 'requested size', unit: 'text'},
	podsWaiting: {label: 'pods waiting for it', unit: 'number'},
	boundFor: {label: 'Bound for', unit: 'text'},
	volume: {label: 'volume', unit: 'text'},
	oldReplicaSets: {label: 'old ReplicaSets', unit: 'number'},
	revisionHistoryLimit: {label: 'revisionHistoryLimit', unit: 'text'},
	suggestedLimit: {label: 'suggested revisionHistoryLimit', unit: 'number'},
	wouldRemove: {label: 'old ReplicaSets it would remove', unit: 'number'},
	limitRule: {label: 'limit rule', unit: 'text'},
	source: {label: 'reporting controller', unit: 'text'},
	involvedKind: {label: 'about objects of kind', unit: 'text'},
	perMinute: {label: 'events per minute, last 5 min', unit: 'number', byType: {'apf-rejections': {label: 'rejected per minute now'}}},
	peakPerMinute: {label: 'peak events in one minute', unit: 'number'},
	total: {label: 'events counted', unit: 'number'},
	heldInEtcd: {label: 'events held in etcd (1 h TTL)', unit: 'number'},
	namespaces: {label: 'namespaces', unit: 'text'},
	reasons: {label: 'top reasons', unit: 'text'},
	avgBytes: {label: 'average object size', unit: 'bytes'},
	count: {label: 'objects', unit: 'number'},
	bytesFrom: {label: 'size from', unit: 'text'},
	sampledObjects: {label: 'objects sampled for size', unit: 'number'},
	limitBytes: {label: 'etcd request limit', unit: 'bytes'},
	measuredAs: {label: 'measured as', unit: 'text'},
	countFrom: {label: 'count from', unit: 'text'},
	perHour: {label: 'growth (the lower estimate)', unit: 'per-hour'},
	sinceStartPerHour: {label: 'growth since start', unit: 'per-hour'},
	recentPerHour: {label: 'growth, last hour', unit: 'per-hour'},
	observedFor: {label: 'watched for', unit: 'text'},
	growthRule: {label: 'growth rule', unit: 'text'},
	objects: {label: 'objects in the namespace', unit: 'number'},
	quotas: {label: 'ResourceQuotas in it', unit: 'number'},
	proposed: {label: 'proposed object-count quota', unit: 'text'},
	quotaRule: {label: 'quota rule', unit: 'text'},

	// watchers (source/findings/watchers.ts, watchers-metrics.ts)
	score: {label: 'load score', unit: 'number'},
	requestsPerMin: {label: 'requests', unit: 'per-minute'},
	listsPerMin: {label: 'LISTs', unit: 'per-minute'},
	fullReadLists: {label: 'LISTs read from etcd in full', unit: 'number'},
	rv0WithLimitLists: {label: 'LISTs with resourceVersion=0 and a limit', unit: 'number'},
	listsWithoutLimit: {label: 'LISTs without a limit', unit: 'number'},
	watchesOpen: {label: 'watches open', unit: 'number'},
	watchesOpenedPerMin: {label: 'watches opened', unit: 'per-minute'},
	throttled: {label: 'requests throttled (429)', unit: 'number'},
	errors5xx: {label: 'server errors (5xx)', unit: 'number'},
	listP99: {label: 'LIST latency, 99th percentile', unit: 'text'},
	fanOut: {label: 'spread over', unit: 'text'},
	userAgents: {label: 'user agents', unit: 'text'},
	workload: {label: 'runs as', unit: 'text'},
	window: {label: 'time window', unit: 'text'},
	rejectedTotal: {label: 'rejected since the API server started', unit: 'number'},
	priorityLevel: {label: 'priority level', unit: 'text'},
	reason: {label: 'reason', unit: 'text'},

	// QoS (source/findings/qos.ts)
	qos: {label: 'QoS class (worst pod)', unit: 'text'},
	missing: {label: 'missing', unit: 'text'},
	suggested: {label: 'suggested requests = limits', unit: 'text'},
	suggestedFrom: {label: 'suggested from', unit: 'text'},
	classes: {label: 'QoS classes of its pods', unit: 'text'},
	usage: {label: 'usage', unit: 'text'},
	pool: {label: 'node pool', unit: 'text'},
	priorityClass: {label: 'PriorityClass', unit: 'text'},
	namespaceType: {label: 'namespace type', unit: 'text'},
};

/**
 * Keys made from data: the object counts of a namespace without an object-count quota
 * are keyed like the quota's own `count/<resource>` keys (etcd.ts, namespaceQuotaFindings).
 */
const PATTERNS: ReadonlyArray<{pattern: RegExp; meaning: (match: RegExpExecArray) => EvidenceMeaning}> = [
	{pattern: /^count\/(.+)$/, meaning: (m) => ({label: `objects: ${m[1]!}`, unit: 'number'})},
];

/** The words and unit for `key` (in a finding of `type`), or undefined for a key this table lacks. */
export function evidenceMeaning(key: string, type?: string): EvidenceMeaning | undefined {
	const entry = Object.hasOwn(EVIDENCE, key) ? EVIDENCE[key] : undefined;
	if (entry) {
		const special = type !== undefined && entry.byType && Object.hasOwn(entry.byType, type) ? entry.byType[type] : undefined;
		return {label: special?.label ?? entry.label, unit: special?.unit ?? entry.unit};
	}
	for (const {pattern, meaning} of PATTERNS) {
		const match = pattern.exec(key);
		if (match) return meaning(match);
	}
	return undefined;
}

/** "otherWrites60m" → "other writes 60m": what a key without an entry shows (the tests make sure none is left). */
function wordsOf(key: string): string {
	return key.replace(/([a-z])([A-Z0-9])/g, '$1 $2').toLowerCase();
}

function formatValue(value: number, unit: EvidenceUnit): string {
	switch (unit) {
		case 'bytes':
			return formatBytes(value);
		case 'seconds':
			return value >= 120 && value % 60 === 0 ? `${formatNumber(value)} s (${formatDuration(value * 1000)})` : `${formatNumber(value)} s`;
		case 'seconds-ago':
			return `${formatDuration(value * 1000)} ago`;
		case 'minutes':
			return formatDuration(value * 60_000);
		case 'fraction':
			return formatPercent(value);
		case 'per-hour':
			return `${formatNumber(value)} per hour`;
		case 'per-minute':
			return `${formatNumber(value)} per minute`;
		case 'number':
		case 'text':
			return formatNumber(value);
	}
}

export interface DescribedEvidence {
	/** Words for the key, e.g. "suggested scale-down window". */
	label: string;
	/** The value with its unit, e.g. "600 s (10 min)". Not sanitized: it may carry cluster strings. */
	text: string;
	/** False when the key has no entry (the label is then made from the key itself). */
	known: boolean;
}

/** One evidence entry for a person: words and a unit instead of a raw key and a bare number. */
export function describeEvidence(key: string, value: number | string, type?: string): DescribedEvidence {
	const meaning = evidenceMeaning(key, type);
	const label = meaning?.label ?? wordsOf(key);
	const text = typeof value === 'number' ? formatValue(value, meaning?.unit ?? 'number') : value === '' ? '-' : value;
	return {label, text, known: meaning !== undefined};
}
