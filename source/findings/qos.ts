/**
 * Pane 4: pods that are not Guaranteed, one row per owning workload (Deployment through its
 * ReplicaSet, StatefulSet, DaemonSet, CronJob through its Job, a standalone Job, a bare or
 * static pod), BestEffort first, then Burstable by how exposed they are. Each row names the
 * containers (init and sidecar included) and what they miss, the node pools and priority
 * class, usage against requests when metrics.k8s.io is readable, and suggested requests =
 * limits values. The header counts pods by QoS class per namespace and per node pool.
 * System namespaces are labelled "(system)", not hidden, and their findings are one step
 * milder. Only running and pending pods count (finished pods are the etcd pane's business).
 */
import {formatCpu, formatMemory} from '../formats/quantity.js';
import type {ObjectRef, SlimPod} from '../model/slim.js';
import {accessKey, objectKey, type ClusterState} from '../model/state.js';
import {type Owner, owningWorkload} from '../model/workloads.js';
import {findingId, type Column, type Finding, type PaneView, type RemedyRef, type Row, type Severity} from '../model/finding.js';
import {
	asPodWouldGet,
	CPU_HEADROOM,
	describeGaps,
	describeSuggestions,
	exposureOf,
	gaps,
	MEMORY_HEADROOM,
	QOS_EXPOSURE_RANK,
	qosClassOf,
	resourceAmount,
	suggestGuaranteed,
	usesPodLevelResources,
	type ContainerUsage,
	type Gap,
	type QosClass,
} from './qos-rules.js';

export const DEFAULT_SYSTEM_NAMESPACES: readonly string[] = ['kube-system', 'kube-public', 'kube-node-lease'];

export interface QosOptions {
	/** Only this namespace (default: the state's scope). */
	namespace?: string;
	/** Namespaces labelled "(system)" besides the default ones. */
	systemNamespaces?: readonly string[];
	/**
	 * Answers from the previous analysis (the controller keeps it between runs). A group whose
	 * pods, node pools, workload, usage figures and priority classes are the very same
	 * objects as last time gets last time's row and finding back instead of a new one: at
	 * 150,000 pods most groups do not change between two analyses, and rebuilding them all
	 * was most of the garbage the TUI made.
	 */
	memo?: QosMemo;
}

interface MemoEntry {
	pods: readonly SlimPod[];
	pools: readonly string[];
	workload: unknown;
	result: Analyzed | undefined;
}

/** Kept between analyses; see QosOptions.memo. Opaque to callers. */
export class QosMemo {
	/** What every group's answer depends on: when one changes, nothing is reused. */
	context: readonly unknown[] = [];
	entries = new Map<string, MemoEntry>();
}

function sameList<T>(a: readonly T[], b: readonly T[]): boolean {
	if (a.length !== b.length) return false;
	for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
	return true;
}

export const QOS_FINDING = 'not-guaranteed';
export const MAKE_GUARANTEED: RemedyRef = {id: 'make-guaranteed', title: 'Make this workload Guaranteed (rolls its pods)'};

/** Kinds whose pod template the make-guaranteed remedy patches. */
export const PATCHABLE_KINDS: ReadonlySet<string> = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'CronJob']);

const CLASSES: readonly QosClass[] = ['Guaranteed', 'Burstable', 'BestEffort'];
const MAX_OBJECTS = 10;
const TOP_NAMESPACES = 5;
const TOP_POOLS = 6;

const COLUMNS: readonly Column[] = [
	{key: 'namespace', title: 'NAMESPACE', width: 20, minWidth: 8, priority: 7},
	{key: 'workload', title: 'WORKLOAD', width: 32, minWidth: 14, priority: 10},
	{key: 'qos', title: 'QOS', width: 10, minWidth: 10, priority: 9},
	{key: 'pods', title: 'PODS', align: 'right', width: 5, minWidth: 4, priority: 6, numeric: true},
	{key: 'missing', title: 'MISSING', width: 40, minWidth: 16, priority: 8},
	{key: 'usage', title: 'USAGE/REQUEST', width: 26, minWidth: 14, priority: 4},
	{key: 'pool', title: 'POOL', width: 14, minWidth: 6, priority: 3},
	{key: 'priority', title: 'PRIORITY', width: 22, minWidth: 8, priority: 2},
];

interface Group {
	owner: Owner;
	namespace: string;
	pods: SlimPod[];
	/** Each pod's node pool (poolOf), in the order of `pods`. */
	pools: string[];
}

/** Pod names in the order localeCompare gives, without a call per comparison. */
const byName = new Intl.Collator().compare;

function counts(): Record<QosClass, number> {
	return {Guaranteed: 0, Burstable: 0, BestEffort: 0};
}

function countsText(c: Record<QosClass, number>): string {
	return CLASSES.map((cls) => `${c[cls]} ${cls}`).join(', ');
}

function isLive(pod: SlimPod): boolean {
	return pod.phase !== 'Succeeded' && pod.phase !== 'Failed';
}

/** The server's answer when it has one, the rules otherwise. */
export function podClass(pod: SlimPod): QosClass {
	return pod.qosClass ?? qosClassOf(pod.spec);
}

function poolOf(state: ClusterState, pod: SlimPod): string {
	if (pod.nodeName === undefined) return '(unscheduled)';
	return state.nodes.get(pod.nodeName)?.pool ?? '(no pool)';
}

function listText(values: readonly string[], shown: number): string {
	if (values.length <= shown) return values.join(', ');
	return `${values.slice(0, shown).join(', ')} +${values.length - shown}`;
}

/** Per container: the highest usage seen across the group's pods (the conservative basis). */
function peakUsage(state: ClusterState, pods: readonly SlimPod[]): {peak: Map<string, ContainerUsage>; perPod: Array<{cpu: number; memory: number}>} {
	const peak = new Map<string, ContainerUsage>();
	const perPod: Array<{cpu: number; memory: number}> = [];
	for (const pod of pods) {
		let cpu = 0;
		let memory = 0;
		const containers = state.podUsage?.forEachContainer(pod.namespace, pod.name, (name, cpuMillis, memoryBytes) => {
			cpu += cpuMillis;
			memory += memoryBytes;
			const seen = peak.get(name);
			peak.set(name, {cpuMillis: Math.max(seen?.cpuMillis ?? 0, cpuMillis), memoryBytes: Math.max(seen?.memoryBytes ?? 0, memoryBytes)});
		});
		if (containers) perPod.push({cpu, memory});
	}
	return {peak, perPod};
}

interface RunningTotals {
	/** Summed requests; undefined when no running container sets one. */
	cpuRequest?: number;
	memoryRequest?: number;
	/** Summed limits; undefined when some running container has none (unbounded). */
	cpuLimit?: number;
	memoryLimit?: number;
}

/** Requests and limits of the running containers (regular and sidecar) summed. */
function runningTotals(pod: SlimPod): RunningTotals {
	const out: RunningTotals = {};
	let cpuBounded = true;
	let memoryBounded = true;
	let cpuLimit = 0;
	let memoryLimit = 0;
	for (const container of pod.spec.containers) {
		if (container.role === 'init') continue;
		const cpuRequest = resourceAmount('cpu', container.requests.cpu);
		const memoryRequest = resourceAmount('memory', container.requests.memory);
		if (cpuRequest !== undefined && cpuRequest > 0) out.cpuRequest = (out.cpuRequest ?? 0) + cpuRequest;
		if (memoryRequest !== undefined && memoryRequest > 0) out.memoryRequest = (out.memoryRequest ?? 0) + memoryRequest;
		const cpu = resourceAmount('cpu', container.limits.cpu);
		const memory = resourceAmount('memory', container.limits.memory);
		if (cpu === undefined || cpu <= 0) cpuBounded = false;
		else cpuLimit += cpu;
		if (memory === undefined || memory <= 0) memoryBounded = false;
		else memoryLimit += memory;
	}
	if (cpuBounded && cpuLimit > 0) out.cpuLimit = cpuLimit;
	if (memoryBounded && memoryLimit > 0) out.memoryLimit = memoryLimit;
	return out;
}

const cpuText = (millis: number | undefined) => (millis === undefined ? '-' : formatCpu(Math.ceil(millis)));
const memoryText = (bytes: number | undefined) => (bytes === undefined ? '-' : formatMemory(Math.ceil(bytes), {approximate: true}));

/** Average usage per pod beside the requests (the cell) and the limits (the evidence). */
function usageText(perPod: ReadonlyArray<{cpu: number; memory: number}>, totals: RunningTotals): {cell: string; evidence: string; memory: number} | undefined {
	if (perPod.length === 0) return undefined;
	const cpu = perPod.reduce((sum, p) => sum + p.cpu, 0) / perPod.length;
	const memory = perPod.reduce((sum, p) => sum + p.memory, 0) / perPod.length;
	const limit = (text: string) => (text === '-' ? 'no limit' : `limit ${text}`);
	const request = (text: string) => (text === '-' ? 'no request' : `request ${text}`);
	return {
		cell: `cpu ${cpuText(cpu)}/${cpuText(totals.cpuRequest)} mem ${memoryText(memory)}/${memoryText(totals.memoryRequest)}`,
		evidence: `per pod: cpu ${cpuText(cpu)} (${request(cpuText(totals.cpuRequest))}, ${limit(cpuText(totals.cpuLimit))}), memory ${memoryText(memory)} (${request(memoryText(totals.memoryRequest))}, ${limit(memoryText(totals.memoryLimit))})`,
		memory,
	};
}

/** Why there is no usage data, when there is none. */
function noUsageReason(state: ClusterState, namespace: string | undefined): string | undefined {
	if (state.podUsage !== undefined) return undefined;
	const answer = state.access.get(accessKey('list', 'metrics.k8s.io', 'pods', namespace)) ?? state.access.get(accessKey('list', 'metrics.k8s.io', 'pods'));
	if (answer !== undefined && !answer.allowed) return `metrics.k8s.io is not readable${answer.reason ? ` (${answer.reason})` : ''}`;
	return 'metrics.k8s.io is not available';
}

function hasUnboundedMemory(list: readonly Gap[]): boolean {
	return list.some((gap) => gap.resource === 'memory' && (gap.problem === 'missing' || gap.problem === 'no-limit'));
}

/**
 * BestEffort → critical: its pods are evicted first under any node pressure and nothing
 * bounds what they use. Burstable with a container (or pod) without a memory limit →
 * warning: unbounded memory is what drives a node into memory pressure and gets pods
 * evicted or OOM-killed, its own and others'. Other Burstable → info: memory is bounded
 * by its limits; the gap is overcommit or cpu throttling, worth fixing but not urgent.
 * System namespaces one step milder (critical → warning, warning → info): those pods are
 * usually owned by the cluster provider or an add-on, not by the person on call.
 */
function severityOf(cls: QosClass, list: readonly Gap[], system: boolean): Severity {
	const severity: Severity = cls === 'BestEffort' ? 'critical' : hasUnboundedMemory(list) ? 'warning' : 'info';
	if (!system) return severity;
	return severity === 'critical' ? 'warning' : 'info';
}

interface Analyzed {
	finding: Finding;
	row: Row;
	rank: number;
	exposure: number;
	system: boolean;
}

function analyzeGroup(state: ClusterState, group: Group, system: boolean, metricsMissing: string | undefined): Analyzed | undefined {
	const {owner, namespace} = group;
	const pods = [...group.pods].sort((a, b) => byName(a.name, b.name));
	const byClass = counts();
	let worst: QosClass = 'Guaranteed';
	for (const pod of pods) {
		const cls = podClass(pod);
		byClass[cls]++;
		if (QOS_EXPOSURE_RANK[cls] > QOS_EXPOSURE_RANK[worst]) worst = cls;
	}
	if (worst === 'Guaranteed') return undefined;
	const representative = pods.find((pod) => podClass(pod) === worst)!;
	const gapList = gaps(representative.spec);
	const mixed = CLASSES.filter((cls) => byClass[cls] > 0).length > 1;
	const classesText = CLASSES.filter((cls) => byClass[cls] > 0)
		.sort((a, b) => QOS_EXPOSURE_RANK[b] - QOS_EXPOSURE_RANK[a])
		.map((cls) => `${byClass[cls]} ${cls}`)
		.join(', ');
	const {peak, perPod} = peakUsage(state, pods);
	const suggestions = suggestGuaranteed(representative.spec, peak.size > 0 ? peak : undefined);
	const missingUsage = metricsMissing ?? (peak.size === 0 ? 'metrics.k8s.io reports none for these pods' : undefined);
	const usage = usageText(perPod, runningTotals(representative));
	const pools = [...new Set(group.pools)].sort();
	const priorities = [...new Set(pods.map((pod) => pod.spec.priorityClassName).filter((name): name is string => name !== undefined))].sort();
	const podLevel = usesPodLevelResources(representative.spec);
	const workload = state.workloads.get(objectKey(namespace, owner.name));
	const template = workload !== undefined && workload.kind === owner.kind ? workload.template : undefined;
	const templateFixed = template !== undefined && qosClassOf(asPodWouldGet(template)) === 'Guaranteed';

	const ref: ObjectRef = {kind: owner.kind, namespace, name: owner.name};
	const id = findingId(QOS_FINDING, ref);
	const severity = severityOf(worst, gapList, system);
	const systemLabel = system ? ' (system)' : '';
	const missingFull = gapList.length > 0 ? describeGaps(gapList) : `the server reports ${worst}; the spec looks Guaranteed (admission changed it?)`;
	const missingShort = gapList.length > 0 ? describeGaps(gapList, {short: true}) : `server says ${worst}`;

	const detail: string[] = [];
	if (mixed) detail.push(`Pods disagree (a rollout in progress?): ${classesText}; showing the worst.`);
	detail.push(`Missing: ${missingFull}.`);
	detail.push(`Suggested requests = limits: ${describeSuggestions(suggestions)}.`);
	for (const suggestion of suggestions) for (const note of suggestion.notes) detail.push(`  ${suggestion.container}: ${note}.`);
	if (missingUsage !== undefined) detail.push(`No usage data (${missingUsage}): the values come from the current limits and requests.`);
	const remedies: RemedyRef[] = [];
	if (podLevel) {
		detail.push(
			'This pod uses pod-level resources (spec.resources), which decide its class alone: set spec.resources requests = limits for cpu and memory in its template.',
		);
	} else if (templateFixed) {
		detail.push(`The ${owner.kind}'s template is already Guaranteed: the remaining pods change as they are replaced.`);
	} else if (PATCHABLE_KINDS.has(owner.kind)) {
		remedies.push(MAKE_GUARANTEED);
		detail.push(
			'make-guaranteed sets requests = limits for cpu and memory on every container and init container of the pod template (strategic merge, values editable); it never touches spec.replicas.',
		);
		if (owner.kind === 'CronJob')
			detail.push('The QoS class is fixed when a pod is created: the change applies to Jobs created from now on; running Jobs keep their pods.');
		else detail.push('The QoS class is fixed when a pod is created and cannot change in place: applying this rolls the pods (each one is replaced).');
	} else if (owner.kind === 'Job') {
		detail.push("A Job's pod template cannot be changed: recreate the Job (or change whatever creates it) with requests = limits for cpu and memory.");
	} else if (owner.kind === 'ReplicaSet') {
		detail.push(
			'A ReplicaSet without a Deployment does not replace its pods when its template changes: change the template, then delete its pods one at a time.',
		);
	} else if (owner.staticOn !== undefined) {
		detail.push(
			`A static pod (a manifest on node ${owner.staticOn}): edit the manifest there, with requests = limits for cpu and memory; the kubelet recreates the pod.`,
		);
	} else if (owner.kind === 'Pod') {
		detail.push(
			'A bare pod (no controller): its QoS class cannot change in place, so the pod must be recreated with requests = limits for cpu and memory in every container. Nothing is deleted automatically.',
		);
	} else {
		detail.push(`Owned by ${owner.kind} ${owner.name}: set requests = limits for cpu and memory in the pod template it manages.`);
	}
	if (system)
		detail.push(
			'System namespace: these pods usually belong to the cluster provider or an add-on; change them through their owner (add-on settings, Helm values) or the change may be reverted.',
		);

	const evidence: Record<string, number | string> = {
		qos: worst,
		pods: pods.length,
		missing: missingFull,
		suggested: describeSuggestions(suggestions),
		suggestedFrom:
			missingUsage === undefined
				? `usage (cpu x${CPU_HEADROOM}, memory x${MEMORY_HEADROOM}) or the current request, whichever is larger`
				: `current limits and requests (no usage data: ${missingUsage})`,
	};
	if (mixed) evidence.classes = classesText;
	if (usage !== undefined) evidence.usage = usage.evidence;
	if (pools.length > 0) evidence.pool = pools.join(', ');
	if (priorities.length > 0)
		evidence.priorityClass = priorities
			.map((name) => {
				const value = state.priorityClasses.get(name)?.value;
				return value === undefined ? name : `${name} (${value})`;
			})
			.join(', ');
	if (system) evidence.namespaceType = 'system';

	const finding: Finding = {
		id,
		pane: 'qos',
		type: QOS_FINDING,
		severity,
		subject: ref,
		summary: `${owner.kind} ${namespace}/${owner.name}${systemLabel}: ${byClass[worst]} ${worst} ${byClass[worst] === 1 ? 'pod' : 'pods'}${mixed ? ` of ${pods.length}` : ''}, ${missingShort}`,
		evidence,
		objects: pods.slice(0, MAX_OBJECTS).map((pod) => ({kind: 'Pod', namespace: pod.namespace, name: pod.name})),
		objectsTotal: pods.length,
		remedies,
		detail,
	};
	const exposure = exposureOf(gapList);
	const row: Row = {
		id,
		cells: {
			namespace: `${namespace}${systemLabel}`,
			workload: `${owner.kind}/${owner.name}`,
			qos: worst,
			pods: pods.length,
			missing: missingShort,
			usage: usage?.cell,
			pool: listText(pools, 2),
			priority: priorities.length > 0 ? listText(priorities, 1) : undefined,
		},
		sort: {namespace, qos: QOS_EXPOSURE_RANK[worst], missing: exposure, ...(usage !== undefined ? {usage: usage.memory} : {})},
		severity,
		findingIds: [id],
	};
	return {finding, row, rank: QOS_EXPOSURE_RANK[worst], exposure, system};
}

interface HeaderCounts {
	total: Record<QosClass, number>;
	byNamespace: Map<string, Record<QosClass, number>>;
	byPool: Map<string, Record<QosClass, number>>;
}

function countPod(counted: HeaderCounts, namespace: string, pool: string, cls: QosClass): void {
	counted.total[cls]++;
	let ns = counted.byNamespace.get(namespace);
	if (ns === undefined) counted.byNamespace.set(namespace, (ns = counts()));
	ns[cls]++;
	let byPool = counted.byPool.get(pool);
	if (byPool === undefined) counted.byPool.set(pool, (byPool = counts()));
	byPool[cls]++;
}

function headerLines({total, byNamespace, byPool}: HeaderCounts, isSystem: (namespace: string) => boolean): string[] {
	const lines = [`pods by QoS: ${countsText(total)}`];
	if (byNamespace.size > 1) {
		const namespaces = [...byNamespace.entries()].sort(
			([an, a], [bn, b]) => b.BestEffort - a.BestEffort || b.Burstable - a.Burstable || b.Guaranteed - a.Guaranteed || an.localeCompare(bn),
		);
		for (const [name, c] of namespaces.slice(0, TOP_NAMESPACES)) lines.push(`  namespace ${name}${isSystem(name) ? ' (system)' : ''}: ${countsText(c)}`);
		if (namespaces.length > TOP_NAMESPACES) lines.push(`  and ${namespaces.length - TOP_NAMESPACES} more namespaces`);
	}
	const pools = [...byPool.entries()].sort(([a], [b]) => a.localeCompare(b));
	for (const [name, c] of pools.slice(0, TOP_POOLS)) lines.push(`  pool ${name}: ${countsText(c)}`);
	if (pools.length > TOP_POOLS) lines.push(`  and ${pools.length - TOP_POOLS} more pools`);
	return lines;
}

/** The QoS pane: one finding and row per workload whose running or pending pods are not all Guaranteed. */
export function analyzeQos(state: ClusterState, options: QosOptions = {}): PaneView {
	const scope = options.namespace ?? state.namespace;
	const systemNamespaces = new Set([...DEFAULT_SYSTEM_NAMESPACES, ...(options.systemNamespaces ?? [])]);
	const isSystem = (namespace: string) => systemNamespaces.has(namespace);
	const base = {pane: 'qos' as const, title: 'Pods that are not Guaranteed', columns: COLUMNS};
	const unreadable = state.unreadable.get('pods');
	if (unreadable !== undefined) return {...base, header: [], rows: [], findings: [], unavailable: `cannot list pods: ${unreadable}`};

	const counted: HeaderCounts = {total: counts(), byNamespace: new Map(), byPool: new Map()};
	const groups = new Map<string, Group>();
	// Pods of one controller share one (interned) owner reference: resolve it once per namespace.
	const byOwnerRef = new Map<string, Map<object, Group>>();
	const pools = new Map<string, string>();
	for (const pod of state.pods.values()) {
		if (scope !== undefined && pod.namespace !== scope) continue;
		if (!isLive(pod)) continue;
		let pool = pod.nodeName === undefined ? '(unscheduled)' : pools.get(pod.nodeName);
		if (pool === undefined) pools.set(pod.nodeName!, (pool = poolOf(state, pod)));
		countPod(counted, pod.namespace, pool, podClass(pod));
		const ref = pod.owner !== undefined && pod.owner.kind !== 'Node' ? pod.owner : undefined;
		let inNamespace = ref !== undefined ? byOwnerRef.get(pod.namespace) : undefined;
		let group = ref !== undefined ? inNamespace?.get(ref) : undefined;
		if (group === undefined) {
			const owner = owningWorkload(state, pod);
			const key = `${pod.namespace}\u0000${owner.kind}\u0000${owner.name}`;
			group = groups.get(key);
			if (group === undefined) groups.set(key, (group = {owner, namespace: pod.namespace, pods: [], pools: []}));
			if (ref !== undefined) {
				if (inNamespace === undefined) byOwnerRef.set(pod.namespace, (inNamespace = new Map()));
				inNamespace.set(ref, group);
			}
		}
		group.pods.push(pod);
		group.pools.push(pool);
	}

	const missingUsage = noUsageReason(state, scope);
	const memo = options.memo;
	const context: unknown[] = [
		state.podUsage,
		missingUsage,
		...systemNamespaces,
		'|',
		...[...state.priorityClasses.values()].map((c) => `${c.name}=${c.value}`),
	];
	const reuse = memo !== undefined && sameList(memo.context, context);
	const entries = new Map<string, MemoEntry>();
	const analyzed: Analyzed[] = [];
	for (const [key, group] of groups) {
		const workload = state.workloads.get(objectKey(group.namespace, group.owner.name));
		const known = reuse ? memo.entries.get(key) : undefined;
		const result =
			known !== undefined && known.workload === workload && sameList(known.pods, group.pods) && sameList(known.pools, group.pools)
				? known.result
				: analyzeGroup(state, group, isSystem(group.namespace), missingUsage);
		if (memo !== undefined) entries.set(key, {pods: group.pods, pools: group.pools, workload, result});
		if (result) analyzed.push(result);
	}
	if (memo !== undefined) {
		memo.context = context;
		memo.entries = entries;
	}
	// BestEffort first, then by exposure; apps before system at equal exposure; bigger first.
	analyzed.sort(
		(a, b) =>
			b.rank - a.rank ||
			b.exposure - a.exposure ||
			Number(a.system) - Number(b.system) ||
			Number(b.row.cells.pods) - Number(a.row.cells.pods) ||
			String(a.row.sort?.namespace).localeCompare(String(b.row.sort?.namespace)) ||
			String(a.row.cells.workload).localeCompare(String(b.row.cells.workload)),
	);

	const notes: string[] = [];
	if (missingUsage !== undefined) notes.push(`No usage data (${missingUsage}): suggested values come from the current requests and limits.`);
	return {
		...base,
		header: headerLines(counted, isSystem),
		rows: analyzed.map((a) => a.row),
		findings: analyzed.map((a) => a.finding),
		...(notes.length > 0 ? {notes} : {}),
	};
}
