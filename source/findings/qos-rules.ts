/**
 * QoS rules on slim pod specs, written from the upstream rules (k8s.io/kubernetes
 * pkg/apis/core/helper/qos, ComputePodQOS) and the Pod defaulting that precedes them
 * (pkg/apis/core/v1/defaults.go, SetDefaults_Pod):
 * - only cpu and memory count, and only quantities > 0;
 * - regular containers and init containers (restartable sidecars included) count alike;
 * - BestEffort: no cpu/memory request or limit anywhere;
 * - Guaranteed: every container has cpu and memory limits, and the requests summed over
 *   containers equal the limits summed over containers, per resource (sums, not
 *   container by container: 100m≠200m in one container and 300m≠200m in another still
 *   compare equal);
 * - pod-level `spec.resources` (PodLevelResources), when it sets cpu or memory, decides
 *   alone and the containers are not looked at;
 * - everything else is Burstable.
 * Limits-only containers get requests copied from their limits on Pods, not on pod
 * templates: `asPodWouldGet` applies that defaulting so a template can be judged as its
 * pods will be (LimitRange admission can still change what pods get; only a server
 * dry-run shows that).
 *
 * `gaps` says, per container, what keeps the pod from Guaranteed; `suggestGuaranteed`
 * proposes requests = limits values per container, and says where each value came from.
 */
import {formatCpu, formatMemory, parseCpuMillis, parseMemoryBytes} from '../formats/quantity.js';
import type {ResourcePair, SlimContainer, SlimPodSpec} from '../model/slim.js';

export type QosClass = 'Guaranteed' | 'Burstable' | 'BestEffort';
export type QosResource = 'cpu' | 'memory';
export const QOS_RESOURCES: readonly QosResource[] = ['cpu', 'memory'];

/** Worst first: BestEffort pods are evicted first, Guaranteed last. */
export const QOS_EXPOSURE_RANK: Readonly<Record<QosClass, number>> = {BestEffort: 2, Burstable: 1, Guaranteed: 0};

/**
 * A quantity in whole units (cpu: millicores, memory: bytes), rounded up as the API server
 * stores them (it rounds every resource quantity up to milli scale); undefined when absent
 * or unparseable (the server never stores an unparseable quantity).
 */
export function resourceAmount(resource: QosResource, value: string | undefined): number | undefined {
	if (value === undefined) return undefined;
	try {
		return resource === 'cpu' ? parseCpuMillis(value) : parseMemoryBytes(value);
	} catch {
		return undefined;
	}
}

/** The amount when it counts for QoS (> 0), else undefined. */
function positive(resource: QosResource, value: string | undefined): number | undefined {
	const amount = resourceAmount(resource, value);
	return amount !== undefined && amount > 0 ? amount : undefined;
}

function formatAmount(resource: QosResource, amount: number): string {
	return resource === 'cpu' ? formatCpu(amount) : formatMemory(amount);
}

function hasAnyKey(pair: ResourcePair | undefined): boolean {
	return pair !== undefined && (pair.cpu !== undefined || pair.memory !== undefined);
}

/**
 * Whether pod-level resources decide the class: `spec.resources` names cpu or memory in
 * its requests or limits (upstream isPodLevelResourcesSet; values are not looked at).
 */
export function usesPodLevelResources(spec: SlimPodSpec): boolean {
	return spec.podResources !== undefined && (hasAnyKey(spec.podResources.requests) || hasAnyKey(spec.podResources.limits));
}

interface Totals {
	requests: Map<QosResource, number>;
	limits: Map<QosResource, number>;
	/** Every container (or the pod level) has positive cpu and memory limits. */
	allLimited: boolean;
}

function addPositive(into: Map<QosResource, number>, pair: ResourcePair): void {
	for (const resource of QOS_RESOURCES) {
		const amount = positive(resource, pair[resource]);
		if (amount !== undefined) into.set(resource, (into.get(resource) ?? 0) + amount);
	}
}

function bothLimited(limits: ResourcePair): boolean {
	return positive('cpu', limits.cpu) !== undefined && positive('memory', limits.memory) !== undefined;
}

function totals(spec: SlimPodSpec): Totals {
	const requests = new Map<QosResource, number>();
	const limits = new Map<QosResource, number>();
	let allLimited = true;
	if (usesPodLevelResources(spec)) {
		const pod = spec.podResources!;
		addPositive(requests, pod.requests);
		// Upstream only checks the limits when the pod-level limits list is not empty.
		if (hasAnyKey(pod.limits)) {
			addPositive(limits, pod.limits);
			if (!bothLimited(pod.limits)) allLimited = false;
		}
	} else {
		for (const container of spec.containers) {
			addPositive(requests, container.requests);
			addPositive(limits, container.limits);
			if (!bothLimited(container.limits)) allLimited = false;
		}
	}
	return {requests, limits, allLimited};
}

/** The QoS class of a pod with this spec, exactly as the API server computes it (spec as given: no defaulting). */
export function qosClassOf(spec: SlimPodSpec): QosClass {
	const {requests, limits, allLimited} = totals(spec);
	if (requests.size === 0 && limits.size === 0) return 'BestEffort';
	let guaranteed = allLimited;
	if (guaranteed) {
		for (const [resource, request] of requests) {
			if (limits.get(resource) !== request) {
				guaranteed = false;
				break;
			}
		}
	}
	return guaranteed && requests.size === limits.size ? 'Guaranteed' : 'Burstable';
}

function defaultRequestsFromLimits(container: SlimContainer): SlimContainer {
	const requests: ResourcePair = {...container.requests};
	let changed = false;
	for (const resource of QOS_RESOURCES) {
		if (container.limits[resource] !== undefined && requests[resource] === undefined) {
			requests[resource] = container.limits[resource];
			changed = true;
		}
	}
	return changed ? {...container, requests} : container;
}

/**
 * Effective container requests per resource, as upstream AggregateContainerRequests: the
 * sum over regular containers and sidecars, or, if larger, what the pod needs while an
 * init container runs (that init container plus the sidecars started before it).
 * Only resources some container requests are returned.
 */
function aggregateContainerRequests(containers: readonly SlimContainer[]): Map<QosResource, number> {
	const out = new Map<QosResource, number>();
	const sidecarsSoFar = new Map<QosResource, number>();
	const initPeak = new Map<QosResource, number>();
	for (const container of containers) {
		if (container.role === 'init') continue;
		for (const resource of QOS_RESOURCES) {
			const amount = resourceAmount(resource, container.requests[resource]);
			if (amount !== undefined) out.set(resource, (out.get(resource) ?? 0) + amount);
		}
	}
	for (const container of containers) {
		if (container.role === 'container') continue;
		for (const resource of QOS_RESOURCES) {
			const amount = resourceAmount(resource, container.requests[resource]);
			if (container.role === 'sidecar') {
				if (amount !== undefined) sidecarsSoFar.set(resource, (sidecarsSoFar.get(resource) ?? 0) + amount);
				const running = sidecarsSoFar.get(resource);
				if (running !== undefined) initPeak.set(resource, Math.max(initPeak.get(resource) ?? 0, running));
			} else if (amount !== undefined) {
				initPeak.set(resource, Math.max(initPeak.get(resource) ?? 0, amount + (sidecarsSoFar.get(resource) ?? 0)));
			}
		}
	}
	for (const [resource, peak] of initPeak) out.set(resource, Math.max(out.get(resource) ?? 0, peak));
	return out;
}

/**
 * The spec a Pod created from this template would have after the API server's defaulting
 * (before admission plugins such as LimitRanger):
 * - per container and init container, a limit without a request gives the request;
 * - pod-level limits without pod-level requests: the pod-level request defaults to the
 *   containers' effective requests when some container requests that resource, else to
 *   the pod-level limit (defaultPodRequests, PodLevelResources).
 * Not applied: the pod-level limit defaulting from container limits that servers from 1.36
 * do behind PodLevelResourcesFixUpdateDefaulting. Idempotent: a Pod's spec comes back as is.
 */
export function asPodWouldGet(spec: SlimPodSpec): SlimPodSpec {
	const containers = spec.containers.map(defaultRequestsFromLimits);
	let podResources = spec.podResources;
	if (podResources !== undefined && hasAnyKey(podResources.limits)) {
		const requests: ResourcePair = {...podResources.requests};
		const aggregated = aggregateContainerRequests(containers);
		for (const resource of QOS_RESOURCES) {
			if (requests[resource] !== undefined) continue;
			const fromContainers = aggregated.get(resource);
			if (fromContainers !== undefined) requests[resource] = formatAmount(resource, fromContainers);
			else if (podResources.limits[resource] !== undefined) requests[resource] = podResources.limits[resource];
		}
		podResources = {requests, limits: podResources.limits};
	}
	return {...spec, containers, ...(podResources ? {podResources} : {})};
}

export type GapRole = SlimContainer['role'] | 'pod';

export type GapProblem =
	/** Neither a request nor a limit. */
	| 'missing'
	/** A request but no limit. */
	| 'no-limit'
	/** A limit but no request (templates: pods get the request from the limit). */
	| 'no-request'
	/** Both, but different. */
	| 'differs';

export interface Gap {
	/** Container name; '' for pod-level resources. */
	container: string;
	role: GapRole;
	resource: QosResource;
	problem: GapProblem;
	request?: string;
	limit?: string;
	/** Short human words: "no memory limit", "cpu request 100m ≠ limit 1". */
	text: string;
	/** Higher = more exposed (see `gapExposure`). */
	exposure: number;
}

/**
 * How exposed a gap leaves the pod, for sorting (higher is worse):
 * - memory without a limit (100): nothing bounds it, it drives the node into memory
 *   pressure and its pod is among the first evicted;
 * - memory request below its limit (50–90, higher the further below): the node is
 *   overcommitted by the difference, and usage above the request makes the pod an early
 *   eviction candidate;
 * - a memory limit without a request (20): templates only, pods get request = limit;
 * - cpu gaps (5–15): cpu is compressible, the cost is throttling and contention, not kills.
 */
export function gapExposure(resource: QosResource, problem: GapProblem, request?: number, limit?: number): number {
	const shortfall = request !== undefined && limit !== undefined && limit > 0 ? Math.min(1, Math.max(0, 1 - request / limit)) : 0;
	if (resource === 'memory') {
		if (problem === 'missing' || problem === 'no-limit') return 100;
		if (problem === 'differs') return 50 + 40 * shortfall;
		return 20;
	}
	if (problem === 'missing' || problem === 'no-limit') return 15;
	if (problem === 'differs') return 10 + 4 * shortfall;
	return 5;
}

function gapText(resource: QosResource, problem: GapProblem, request?: string, limit?: string): string {
	switch (problem) {
		case 'missing':
			return `no ${resource} request or limit`;
		case 'no-limit':
			return `no ${resource} limit`;
		case 'no-request':
			return `no ${resource} request`;
		case 'differs':
			return `${resource} request ${request ?? '?'} ≠ limit ${limit ?? '?'}`;
	}
}

function makeGap(container: string, role: GapRole, resource: QosResource, pair: {requests: ResourcePair; limits: ResourcePair}): Gap | undefined {
	const request = positive(resource, pair.requests[resource]);
	const limit = positive(resource, pair.limits[resource]);
	let problem: GapProblem;
	if (request === undefined && limit === undefined) problem = 'missing';
	else if (limit === undefined) problem = 'no-limit';
	else if (request === undefined) problem = 'no-request';
	else if (request !== limit) problem = 'differs';
	else return undefined;
	const requestText = request === undefined ? undefined : pair.requests[resource];
	const limitText = limit === undefined ? undefined : pair.limits[resource];
	return {
		container,
		role,
		resource,
		problem,
		...(requestText !== undefined ? {request: requestText} : {}),
		...(limitText !== undefined ? {limit: limitText} : {}),
		text: gapText(resource, problem, requestText, limitText),
		exposure: gapExposure(resource, problem, request, limit),
	};
}

/**
 * What keeps a pod with this spec from Guaranteed, per container (init and sidecar
 * containers included), judged on the spec as given (pass `asPodWouldGet(template)` for
 * templates). Empty when the spec is Guaranteed. Exact: a missing limit always counts; a
 * request ≠ limit counts only for a resource whose sums over containers differ, since
 * upstream compares sums. With pod-level resources, the gaps are on those (role 'pod').
 * Sorted by exposure, worst first (stable within a container order otherwise).
 */
export function gaps(spec: SlimPodSpec): Gap[] {
	if (qosClassOf(spec) === 'Guaranteed') return [];
	const out: Gap[] = [];
	if (usesPodLevelResources(spec)) {
		for (const resource of QOS_RESOURCES) {
			const gap = makeGap('', 'pod', resource, spec.podResources!);
			if (gap) out.push(gap);
		}
	} else {
		const {requests, limits} = totals(spec);
		const sumsDiffer = (resource: QosResource) => requests.get(resource) !== limits.get(resource);
		for (const container of spec.containers) {
			for (const resource of QOS_RESOURCES) {
				const gap = makeGap(container.name, container.role, resource, container);
				if (!gap) continue;
				if ((gap.problem === 'differs' || gap.problem === 'no-request') && !sumsDiffer(resource)) continue;
				out.push(gap);
			}
		}
	}
	return out
		.map((gap, index) => ({gap, index}))
		.sort((a, b) => b.gap.exposure - a.gap.exposure || a.index - b.index)
		.map(({gap}) => gap);
}

/** The exposure of a spec's gaps: the worst one (0 when there are none). */
export function exposureOf(list: readonly Gap[]): number {
	let worst = 0;
	for (const gap of list) worst = Math.max(worst, gap.exposure);
	return worst;
}

function shortGap(gap: Gap): string {
	if (gap.problem === 'differs') return `${gap.resource} ${gap.request ?? '?'}≠${gap.limit ?? '?'}`;
	return gap.text;
}

function containerLabel(container: string, role: GapRole): string {
	if (role === 'pod') return 'pod';
	return role === 'container' ? container : `${container} (${role})`;
}

/**
 * The gaps as one line, grouped by container in first-appearance order (gaps come worst
 * first): "web: no memory limit, cpu request 100m ≠ limit 1; istio-proxy (sidecar): …".
 * A container with neither requests nor limits reads "no requests or limits". `short`
 * gives the table-cell form ("no memory limit, cpu 100m≠1") and leaves out the container
 * name when only one container (or the pod level) has gaps.
 */
export function describeGaps(list: readonly Gap[], options: {short?: boolean} = {}): string {
	const byContainer = new Map<string, Gap[]>();
	for (const gap of list) {
		const key = `${gap.role}\u0000${gap.container}`;
		const entry = byContainer.get(key);
		if (entry) entry.push(gap);
		else byContainer.set(key, [gap]);
	}
	const parts: string[] = [];
	for (const entry of byContainer.values()) {
		const first = entry[0]!;
		const nothing = entry.length === QOS_RESOURCES.length && entry.every((gap) => gap.problem === 'missing');
		const words = nothing ? 'no requests or limits' : entry.map((gap) => (options.short === true ? shortGap(gap) : gap.text)).join(', ');
		const label = containerLabel(first.container, first.role);
		parts.push(options.short === true && byContainer.size === 1 && first.role !== 'pod' ? words : `${label}: ${words}`);
	}
	return parts.join('; ');
}

// --- Suggested Guaranteed values -------------------------------------------------------

/** Container usage as metrics.k8s.io reports it (a recent average, not a peak). */
export interface ContainerUsage {
	cpuMillis: number;
	memoryBytes: number;
}

export type ValueSource = 'usage' | 'limit' | 'request' | 'default';

export interface SuggestedValue {
	/** A quantity for requests = limits ("300m", "640Mi", or the current value as written). */
	value: string;
	source: ValueSource;
}

export interface ContainerSuggestion {
	container: string;
	role: SlimContainer['role'];
	cpu: SuggestedValue;
	memory: SuggestedValue;
	/** Cautions about the values (a lowered limit, no data). */
	notes: readonly string[];
}

/**
 * Headroom over observed usage. CPU 1.5: at a Guaranteed limit the container is throttled
 * (CFS quota), and metrics.k8s.io reports a ~15–60 s average that hides bursts, so half
 * again covers ordinary spikes. Memory 1.3: memory moves more slowly than cpu but going
 * over the limit is an OOM kill, so 30 % above the working set covers GC and cache
 * growth without reserving much memory nobody else can use (Guaranteed reserves it all).
 */
export const CPU_HEADROOM = 1.5;
export const MEMORY_HEADROOM = 1.3;

/** Defaults when nothing is known (no usage, no request, no limit): small, and flagged. */
export const DEFAULT_CPU = '100m';
export const DEFAULT_MEMORY = '256Mi';

const MI = 1024 * 1024;

/** CPU up to 50m steps below one core, 100m steps from one core; at least 50m. */
export function roundCpuUp(millis: number): number {
	const step = millis < 1000 ? 50 : 100;
	return Math.max(50, Math.ceil(millis / step) * step);
}

/** Memory up to a multiple of 64Mi; at least 64Mi. */
export function roundMemoryUp(bytes: number): number {
	const step = 64 * MI;
	return Math.max(step, Math.ceil(bytes / step) * step);
}

function suggestOne(resource: QosResource, container: SlimContainer, used: number | undefined, notes: string[]): SuggestedValue {
	const request = positive(resource, container.requests[resource]);
	const limit = positive(resource, container.limits[resource]);
	if (used !== undefined) {
		const fromUsage = resource === 'cpu' ? roundCpuUp(used * CPU_HEADROOM) : roundMemoryUp(used * MEMORY_HEADROOM);
		const chosen: SuggestedValue =
			request !== undefined && request > fromUsage
				? {value: container.requests[resource]!, source: 'request'}
				: {value: formatAmount(resource, fromUsage), source: 'usage'};
		const amount = Math.max(fromUsage, request ?? 0);
		if (limit !== undefined && amount < limit) {
			const risk = resource === 'memory' ? 'an OOM kill if usage peaks above it' : 'more throttling at peaks';
			notes.push(`${resource} limit lowered from ${container.limits[resource]!} to ${chosen.value}: usage is a recent average, not a peak (risk: ${risk})`);
		} else if (limit !== undefined && amount > limit) {
			notes.push(
				`${resource} limit raised from ${container.limits[resource]!} to ${chosen.value}: usage with headroom is above it (the pod reserves more; check it still fits its nodes)`,
			);
		}
		return chosen;
	}
	if (limit !== undefined) return {value: container.limits[resource]!, source: 'limit'};
	if (request !== undefined) {
		if (resource === 'memory')
			notes.push(`memory limit set to the current request ${container.requests.memory!} without usage data: check the container does not use more`);
		return {value: container.requests[resource]!, source: 'request'};
	}
	notes.push(`no data for ${resource} (no usage, request or limit): default ${resource === 'cpu' ? DEFAULT_CPU : DEFAULT_MEMORY}, adjust before applying`);
	return {value: resource === 'cpu' ? DEFAULT_CPU : DEFAULT_MEMORY, source: 'default'};
}

/**
 * Requests = limits values for every container and init container of a spec.
 * With usage for a container (init containers have none: they are not running): the larger
 * of usage × headroom (rounded up to 50m/100m and 64Mi steps) and the current request —
 * never below usage; a note when that lowers an existing limit. Without usage: the current
 * limit (keeps today's ceiling), else the current request (noted for memory), else a small
 * default with a "no data" note.
 */
export function suggestGuaranteed(spec: SlimPodSpec, usage?: ReadonlyMap<string, ContainerUsage>): ContainerSuggestion[] {
	return spec.containers.map((container) => {
		const notes: string[] = [];
		const used = container.role === 'init' ? undefined : usage?.get(container.name);
		const cpu = suggestOne('cpu', container, used?.cpuMillis, notes);
		const memory = suggestOne('memory', container, used?.memoryBytes, notes);
		return {container: container.name, role: container.role, cpu, memory, notes};
	});
}

/** "web: cpu 300m (usage), memory 640Mi (usage); init-db (init): cpu 100m (limit), …" */
export function describeSuggestions(list: readonly ContainerSuggestion[]): string {
	return list
		.map((s) => `${containerLabel(s.container, s.role)}: cpu ${s.cpu.value} (${s.cpu.source}), memory ${s.memory.value} (${s.memory.source})`)
		.join('; ');
}
