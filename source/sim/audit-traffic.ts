/**
 * A seeded, deterministic generator of realistic API-server audit traffic for a
 * described cluster: kubelets (lease updates, node-scoped watches), DaemonSet agents
 * watching cluster-wide collections from every node and re-watching often, a bad client
 * doing unpaged cluster-wide LISTs without resourceVersion that gets slow and then
 * throttled (429), well-behaved informers (a paged LIST, then long watches with bookmarks
 * and resourceVersion), API-server health probes, kube-controller-manager and a human
 * with kubectl.
 *
 * Events come out in stage-time order: a watch logs ResponseStarted when it opens and
 * ResponseComplete (same auditID) when it closes; watches open before the window start
 * only show their end. Pull a backfilled history with `until(now)` and keep pulling for a
 * live continuation. `writeAuditLogFile` writes large logs quickly (benchmarks). What the
 * clients do is in audit-clients.ts, the scheduling and the events in audit-schedule.ts.
 */
import {closeSync, openSync, writeSync} from 'node:fs';
import {startClients} from './audit-clients.js';
import {TrafficSchedule} from './audit-schedule.js';
import {writeAuditEvent, type SimAuditEvent} from './audit-writer.js';

export interface DaemonSetClient {
	/** Pod name prefix, e.g. "cilium". */
	name: string;
	namespace: string;
	serviceAccount: string;
	/** e.g. "cilium-agent/v1.15.6 (linux/amd64) kubernetes/$Format". */
	userAgent: string;
	/** Collections each pod LISTs then watches cluster-wide, e.g. "/apis/cilium.io/v2/ciliumendpoints". */
	watches: string[];
	/** How long each watch lasts before the agent re-watches, in seconds [min, max]. */
	rewatchSeconds: [number, number];
	/** Pod restarts per pod per hour: its watches end at once and it LISTs everything again. */
	restartsPerHour?: number;
	/** Per-pod GETs of single objects per minute (Fluent Bit reading pod metadata). */
	getsPerMinute?: number;
}

export interface BadClient {
	/** Pod name prefix, e.g. "inventory-sync". */
	name: string;
	namespace: string;
	serviceAccount: string;
	userAgent: string;
	replicas: number;
	/** Each replica sends every LIST every this many seconds. */
	everySeconds: number;
	/** Cluster-wide collection URIs sent with no limit and no resourceVersion. */
	lists: string[];
	/** Server latency of one LIST [min, max] in ms. */
	latencyMs: [number, number];
	/** Minutes after the start when APF begins to reject a share of its requests with 429. */
	throttleAfterMinutes: number;
	/** Share of its requests rejected once throttled (0..1). */
	throttleShare: number;
}

export interface InformerClient {
	name: string;
	namespace: string;
	serviceAccount: string;
	userAgent: string;
	/** Collections it lists (paged) and then watches. */
	resources: string[];
	/** Objects per collection (pages of 500). */
	objects: number;
	/** Watch lifetime in seconds [min, max] (its timeoutSeconds). */
	watchSeconds: [number, number];
	/** Use the WatchList streaming form (sendInitialEvents) instead of a paged LIST. */
	streaming?: boolean;
}

export interface TrafficSpec {
	seed: number;
	/** Window start (epoch ms): nothing is logged before it. */
	startMs: number;
	nodes: number;
	/** Node name prefix; names end in a 6-character base-36 index (AKS VMSS style). */
	nodePrefix?: string;
	/** Kubernetes version in component user agents, e.g. "v1.29.7". */
	kubeVersion?: string;
	daemonSets?: DaemonSetClient[];
	badClients?: BadClient[];
	informers?: InformerClient[];
	kubelets?: boolean;
	probes?: boolean;
	controllerManager?: boolean;
	kubectl?: boolean;
}

/** The cluster of the synthetic fixture, scaled to `nodes`: cilium, fluent-bit, acme-inventory, kube-state-metrics, Prometheus… */
export function defaultTrafficSpec(seed: number, startMs: number, nodes = 6): TrafficSpec {
	return {
		seed,
		startMs,
		nodes,
		daemonSets: [
			{
				name: 'cilium',
				namespace: 'kube-system',
				serviceAccount: 'cilium',
				userAgent: 'cilium-agent/v1.15.6 (linux/amd64) kubernetes/$Format',
				watches: [
					'/apis/cilium.io/v2/ciliumnodes',
					'/apis/cilium.io/v2/ciliumendpoints',
					'/apis/cilium.io/v2/ciliumidentities',
					'/apis/cilium.io/v2/ciliumnetworkpolicies',
					'/api/v1/namespaces',
					'/api/v1/services',
					'/apis/discovery.k8s.io/v1/endpointslices',
					'/api/v1/nodes',
				],
				rewatchSeconds: [60, 240],
				restartsPerHour: 0.5,
			},
			{
				name: 'fluent-bit',
				namespace: 'logging',
				serviceAccount: 'fluent-bit',
				userAgent: 'fluent-bit/2.2',
				watches: [],
				rewatchSeconds: [300, 600],
				getsPerMinute: 4,
			},
		],
		badClients: [
			{
				name: 'inventory-sync',
				namespace: 'acme',
				serviceAccount: 'inventory-sync',
				userAgent: 'acme-inventory/0.3.1 (linux/amd64) kubernetes/$Format',
				replicas: 2,
				everySeconds: 10,
				lists: ['/api/v1/pods', '/api/v1/secrets?labelSelector=acme.io%2Fmanaged%3Dtrue'],
				latencyMs: [1200, 5500],
				throttleAfterMinutes: 6,
				throttleShare: 0.3,
			},
		],
		informers: [
			{
				name: 'kube-state-metrics',
				namespace: 'kube-system',
				serviceAccount: 'kube-state-metrics',
				userAgent: 'kube-state-metrics/v2.13.0 (linux/amd64) kubernetes/$Format',
				resources: ['/api/v1/pods', '/apis/apps/v1/deployments'],
				objects: 1200,
				watchSeconds: [300, 600],
				streaming: true,
			},
			{
				name: 'prometheus',
				namespace: 'monitoring',
				serviceAccount: 'prometheus-k8s',
				userAgent: 'Prometheus/2.51.2',
				resources: ['/api/v1/endpoints', '/api/v1/services'],
				objects: 300,
				watchSeconds: [300, 600],
			},
		],
		kubelets: true,
		probes: true,
		controllerManager: true,
		kubectl: true,
	};
}

/** Pulls audit events in time order from a simulated cluster. */
export class AuditTraffic {
	readonly spec: TrafficSpec;
	private readonly schedule: TrafficSchedule;

	constructor(spec: TrafficSpec) {
		this.spec = spec;
		this.schedule = new TrafficSchedule(spec);
		startClients(this.schedule);
	}

	/** Stage time of the next event that could be emitted (Infinity when none is scheduled). */
	peekMs(): number {
		return this.schedule.peekMs();
	}

	/** The next event with a stage time ≤ untilMs, in time order; undefined when there is none yet. */
	next(untilMs: number): SimAuditEvent | undefined {
		return this.schedule.next(untilMs);
	}

	/** Every event up to untilMs. */
	*until(untilMs: number): Generator<SimAuditEvent> {
		for (;;) {
			const e = this.next(untilMs);
			if (e === undefined) return;
			yield e;
		}
	}

	/** Every event up to untilMs, as native audit log lines. */
	lines(untilMs: number): string[] {
		const out: string[] = [];
		for (const e of this.until(untilMs)) out.push(writeAuditEvent(e));
		return out;
	}
}

/**
 * Writes a native audit log of `events` events (or up to `untilMs`) generated from `spec`
 * to `path`, quickly: lines are joined and written in large blocks. Returns the number
 * of events and bytes written.
 */
export function writeAuditLogFile(
	path: string,
	spec: TrafficSpec,
	limit: {events?: number; untilMs?: number},
): {events: number; bytes: number; lastMs: number} {
	const traffic = new AuditTraffic(spec);
	const fd = openSync(path, 'w');
	let events = 0;
	let bytes = 0;
	let lastMs = spec.startMs;
	const maxEvents = limit.events ?? Number.POSITIVE_INFINITY;
	const until = limit.untilMs ?? Number.POSITIVE_INFINITY;
	try {
		let batch: string[] = [];
		while (events < maxEvents) {
			const e = traffic.next(until);
			if (e === undefined) break;
			batch.push(writeAuditEvent(e));
			lastMs = e.stageMs;
			events++;
			if (batch.length >= 1024) {
				const text = `${batch.join('\n')}\n`;
				bytes += writeSync(fd, text);
				batch = [];
			}
		}
		if (batch.length > 0) bytes += writeSync(fd, `${batch.join('\n')}\n`);
	} finally {
		closeSync(fd);
	}
	return {events, bytes, lastMs};
}
