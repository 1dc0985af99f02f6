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
 * live continuation. `writeAuditLogFile` writes large logs quickly (benchmarks).
 */
import {openSync, writeSync, closeSync} from 'node:fs';
import {goDuration, writeAuditEvent, type SimAuditEvent, type SimUserInfo} from './audit-writer.js';
import {Random} from './random.js';

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
				watches: ['/apis/cilium.io/v2/ciliumnodes', '/apis/cilium.io/v2/ciliumendpoints', '/apis/cilium.io/v2/ciliumidentities', '/apis/cilium.io/v2/ciliumnetworkpolicies', '/api/v1/namespaces', '/api/v1/services', '/apis/discovery.k8s.io/v1/endpointslices', '/api/v1/nodes'],
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
		badClients: [{
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
		}],
		informers: [
			{name: 'kube-state-metrics', namespace: 'kube-system', serviceAccount: 'kube-state-metrics', userAgent: 'kube-state-metrics/v2.13.0 (linux/amd64) kubernetes/$Format', resources: ['/api/v1/pods', '/apis/apps/v1/deployments'], objects: 1200, watchSeconds: [300, 600], streaming: true},
			{name: 'prometheus', namespace: 'monitoring', serviceAccount: 'prometheus-k8s', userAgent: 'Prometheus/2.51.2', resources: ['/api/v1/endpoints', '/api/v1/services'], objects: 300, watchSeconds: [300, 600]},
		],
		kubelets: true,
		probes: true,
		controllerManager: true,
		kubectl: true,
	};
}

/** Go's url.QueryEscape: like encodeURIComponent, but also !'()* escaped and a space as +. */
function queryEscape(s: string): string {
	return encodeURIComponent(s)
		.replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
		.replace(/%20/g, '+');
}

/** A query string as client-go encodes url.Values: keys sorted. */
function query(params: Record<string, string>): string {
	const keys = Object.keys(params).sort();
	return keys.map((k) => `${queryEscape(k)}=${queryEscape(params[k]!)}`).join('&');
}

/** Resource, group, version and namespace of a collection path. */
function refOf(path: string): {resource: string; apiGroup: string; apiVersion: string; namespace: string; name: string} {
	const clean = path.split('?')[0]!;
	const parts = clean.split('/');
	let i: number;
	let apiGroup = '';
	let apiVersion: string;
	if (parts[1] === 'api') {
		apiVersion = parts[2]!;
		i = 3;
	} else {
		apiGroup = parts[2]!;
		apiVersion = parts[3]!;
		i = 4;
	}
	let namespace = '';
	if (parts[i] === 'namespaces' && parts.length > i + 2) {
		namespace = parts[i + 1]!;
		i += 2;
	}
	return {resource: parts[i] ?? '', apiGroup, apiVersion, namespace, name: parts[i + 1] ?? ''};
}

interface Identity {
	user: SimUserInfo;
	sourceIPs: string[];
	userAgent: string;
	/** authorization.k8s.io/reason for allowed requests. */
	reason: string;
}

interface RequestOptions {
	latencyMs: number;
	code?: number;
	/** Extra annotations (latency breakdown, APF wait). */
	annotations?: Record<string, string>;
	/** APF rejection: no authorization annotations. */
	rejected?: boolean;
	/** For watches: how long the stream stays open (ms). */
	lifetimeMs?: number;
	/** Called when a watch ends (at its end time). */
	onEnd?: (atMs: number) => void;
}

/** A watch that is open: it can be cut short (its client restarts). */
interface OpenWatchHandle {
	end: SimAuditEvent;
	cut(atMs: number): void;
}

/** A minimal binary heap ordered by (time, sequence). */
class Heap<T> {
	private readonly items: {at: number; seq: number; value: T}[] = [];
	private seq = 0;

	get size(): number {
		return this.items.length;
	}

	peekAt(): number {
		return this.items.length > 0 ? this.items[0]!.at : Number.POSITIVE_INFINITY;
	}

	push(at: number, value: T): void {
		const items = this.items;
		items.push({at, seq: this.seq++, value});
		let i = items.length - 1;
		while (i > 0) {
			const parent = (i - 1) >> 1;
			if (!Heap.before(items[i]!, items[parent]!)) break;
			[items[i], items[parent]] = [items[parent]!, items[i]!];
			i = parent;
		}
	}

	pop(): T | undefined {
		const items = this.items;
		if (items.length === 0) return undefined;
		const top = items[0]!;
		const last = items.pop()!;
		if (items.length > 0) {
			items[0] = last;
			let i = 0;
			for (;;) {
				const l = 2 * i + 1;
				const r = l + 1;
				let best = i;
				if (l < items.length && Heap.before(items[l]!, items[best]!)) best = l;
				if (r < items.length && Heap.before(items[r]!, items[best]!)) best = r;
				if (best === i) break;
				[items[i], items[best]] = [items[best]!, items[i]!];
				i = best;
			}
		}
		return top.value;
	}

	private static before(a: {at: number; seq: number}, b: {at: number; seq: number}): boolean {
		return a.at < b.at || (a.at === b.at && a.seq < b.seq);
	}
}

/** Pulls audit events in time order from a simulated cluster. */
export class AuditTraffic {
	readonly spec: TrafficSpec;
	private readonly rng: Random;
	private readonly actions = new Heap<() => void>();
	private readonly pending = new Heap<SimAuditEvent>();
	/** Scheduled events that will not happen (a watch cut short logs its end earlier). */
	private readonly cancelled = new WeakSet<SimAuditEvent>();
	private resourceVersion = 41_000_000;
	private readonly nodeNames: string[] = [];
	private readonly nodeIPs: string[] = [];
	private readonly version: string;
	private readonly commit = '4e4f9f6';
	/** Time of the last action run: actions never schedule requests before it. */
	private clock: number;

	constructor(spec: TrafficSpec) {
		this.spec = spec;
		this.rng = new Random(spec.seed);
		this.version = spec.kubeVersion ?? 'v1.29.7';
		this.clock = spec.startMs - 3_600_000;
		const prefix = spec.nodePrefix ?? 'aks-nodepool1-31415926-vmss';
		for (let i = 0; i < spec.nodes; i++) {
			this.nodeNames.push(`${prefix}${i.toString(36).padStart(6, '0')}`);
			this.nodeIPs.push(`10.224.${Math.floor(i / 250)}.${4 + (i % 250)}`);
		}
		this.setup();
	}

	/** Stage time of the next event that could be emitted (Infinity when none is scheduled). */
	peekMs(): number {
		return Math.min(this.pending.peekAt(), this.actions.peekAt());
	}

	/** The next event with a stage time ≤ untilMs, in time order; undefined when there is none yet. */
	next(untilMs: number): SimAuditEvent | undefined {
		for (;;) {
			const nextEvent = this.pending.peekAt();
			const nextAction = this.actions.peekAt();
			if (nextAction <= nextEvent && nextAction <= untilMs) {
				this.clock = nextAction;
				this.actions.pop()!();
				continue;
			}
			if (nextEvent <= untilMs) {
				const e = this.pending.pop()!;
				if (e.stageMs < this.spec.startMs || this.cancelled.has(e)) continue;
				return e;
			}
			return undefined;
		}
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

	private at(atMs: number, fn: () => void): void {
		this.actions.push(Math.max(atMs, this.clock), fn);
	}

	private every(startMs: number, periodMs: number, jitterMs: number, fn: (atMs: number) => void): void {
		const tick = (t: number): void => {
			fn(t);
			this.at(t + periodMs + this.rng.next() * jitterMs, () => tick(this.clock));
		};
		this.at(startMs, () => tick(this.clock));
	}

	/** A random (version 4) UUID from the seeded generator. */
	private uuid(): string {
		const word = (): string => Math.floor(this.rng.next() * 4_294_967_296).toString(16).padStart(8, '0');
		const a = word();
		const b = word();
		const c = word();
		const d = word();
		return `${a}-${b.slice(0, 4)}-4${b.slice(5, 8)}-${((Number.parseInt(c[0]!, 16) & 3) | 8).toString(16)}${c.slice(1, 4)}-${c.slice(4, 8)}${d}`;
	}

	private bumpRV(): string {
		this.resourceVersion += 1 + this.rng.int(0, 20);
		return String(this.resourceVersion);
	}

	private uniform([min, max]: [number, number]): number {
		return min + this.rng.next() * (max - min);
	}

	/** Logs one request received at `atMs` (its events land in the pending heap). */
	private request(atMs: number, who: Identity, verb: string, uri: string, options: RequestOptions): OpenWatchHandle | undefined {
		const auditID = this.uuid();
		const code = options.code ?? 200;
		const annotations: Record<string, string> = {};
		if (!options.rejected) {
			annotations['authorization.k8s.io/decision'] = code === 403 ? 'forbid' : 'allow';
			annotations['authorization.k8s.io/reason'] = code === 403 ? '' : who.reason;
		}
		Object.assign(annotations, options.annotations);
		const path = uri.split('?')[0]!;
		const ref = path.startsWith('/api/') || path.startsWith('/apis/') ? refOf(uri) : undefined;
		const base: Omit<SimAuditEvent, 'stage' | 'stageMs'> = {
			auditID,
			requestURI: uri,
			verb,
			user: who.user,
			sourceIPs: who.sourceIPs,
			userAgent: who.userAgent,
			objectRef: ref === undefined ? undefined : {resource: ref.resource, namespace: ref.namespace || undefined, name: ref.name || undefined, apiGroup: ref.apiGroup || undefined, apiVersion: ref.apiVersion},
			responseStatus: code === 403
				? {code, status: 'Failure', message: `${ref?.resource ?? 'resource'} is forbidden: User "${who.user.username}" cannot ${verb} resource "${ref?.resource ?? ''}"`, reason: 'Forbidden', details: {kind: ref?.resource ?? ''}}
				: {code},
			requestReceivedMs: atMs,
			annotations,
		};
		if (verb === 'watch' && code === 200) {
			const startedMs = atMs + 0.5 + this.rng.next() * 3;
			this.pending.push(startedMs, {...base, stage: 'ResponseStarted', stageMs: startedMs});
			const endMs = atMs + (options.lifetimeMs ?? 300_000);
			const end: SimAuditEvent = {...base, stage: 'ResponseComplete', stageMs: endMs};
			this.pending.push(endMs, end);
			let cutShort = false;
			if (options.onEnd !== undefined) {
				const onEnd = options.onEnd;
				this.at(endMs, () => {
					if (!cutShort) onEnd(endMs);
				});
			}
			const handle: OpenWatchHandle = {
				end,
				cut: (cutMs: number) => {
					if (cutShort || cutMs >= endMs) return;
					cutShort = true;
					this.cancelled.add(end);
					const early: SimAuditEvent = {...base, stage: 'ResponseComplete', stageMs: Math.max(cutMs, startedMs + 1)};
					handle.end = early;
					this.pending.push(early.stageMs, early);
				},
			};
			return handle;
		}
		const endMs = atMs + options.latencyMs;
		this.pending.push(endMs, {...base, stage: 'ResponseComplete', stageMs: endMs});
		return undefined;
	}

	/** The `apiserver.latency.k8s.io/*` annotations the API server adds above 500 ms. */
	private latencyAnnotations(totalMs: number, apfWaitMs = 0): Record<string, string> {
		if (totalMs <= 500) return {};
		const etcd = totalMs * (0.45 + this.rng.next() * 0.2);
		const serialize = totalMs * (0.08 + this.rng.next() * 0.05);
		const write = totalMs * (0.15 + this.rng.next() * 0.1);
		const out: Record<string, string> = {
			'apiserver.latency.k8s.io/etcd': goDuration(etcd),
			'apiserver.latency.k8s.io/serialize-response-object': goDuration(serialize),
			'apiserver.latency.k8s.io/response-write': goDuration(write),
			'apiserver.latency.k8s.io/total': goDuration(totalMs),
		};
		if (apfWaitMs > 0) out['apiserver.latency.k8s.io/apf-queue-wait'] = goDuration(apfWaitMs);
		return out;
	}

	private serviceAccount(namespace: string, name: string, pod: string | undefined, node: number | undefined): SimUserInfo {
		const user: SimUserInfo = {
			username: `system:serviceaccount:${namespace}:${name}`,
			uid: this.uuid(),
			groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'],
		};
		if (pod !== undefined) {
			user.extra = {
				'authentication.kubernetes.io/credential-id': [`JTI=${this.uuid()}`],
				'authentication.kubernetes.io/pod-name': [pod],
				'authentication.kubernetes.io/pod-uid': [this.uuid()],
			};
			if (node !== undefined) {
				user.extra['authentication.kubernetes.io/node-name'] = [this.nodeNames[node]!];
				user.extra['authentication.kubernetes.io/node-uid'] = [this.uuid()];
			}
		}
		return user;
	}

	private rbacReason(name: string, namespace: string): string {
		return `RBAC: allowed by ClusterRoleBinding "${name}" of ClusterRole "${name}" to ServiceAccount "${name}/${namespace}"`;
	}

	/** A watch URI as client-go sends it. */
	private watchUri(path: string, seconds: number, extra: Record<string, string> = {}): string {
		const [base, existing] = path.split('?') as [string, string | undefined];
		const params: Record<string, string> = {allowWatchBookmarks: 'true', resourceVersion: this.bumpRV(), timeout: goDuration(seconds * 1000), timeoutSeconds: String(seconds), watch: 'true', ...extra};
		if (existing !== undefined) for (const pair of existing.split('&')) {
			const [k, v] = pair.split('=') as [string, string];
			params[k] = decodeURIComponent(v);
		}
		return `${base}?${query(params)}`;
	}

	private setup(): void {
		const spec = this.spec;
		const start = spec.startMs;
		if (spec.kubelets ?? true) for (let i = 0; i < spec.nodes; i++) this.kubelet(i, start);
		for (const ds of spec.daemonSets ?? []) for (let i = 0; i < spec.nodes; i++) this.daemonPod(ds, i, start);
		for (const bad of spec.badClients ?? []) for (let r = 0; r < bad.replicas; r++) this.badReplica(bad, r, start);
		for (const informer of spec.informers ?? []) this.informer(informer, start);
		if (spec.probes ?? true) this.probes(start);
		if (spec.controllerManager ?? true) this.controllerManager(start);
		if (spec.kubectl ?? true) this.human(start);
	}

	private kubelet(i: number, start: number): void {
		const node = this.nodeNames[i]!;
		const who: Identity = {
			user: {username: `system:node:${node}`, groups: ['system:nodes', 'system:authenticated']},
			sourceIPs: [this.nodeIPs[i]!],
			userAgent: `kubelet/${this.version} (linux/amd64) kubernetes/${this.commit}`,
			reason: '',
		};
		this.every(start + this.rng.next() * 10_000, 10_000, 200, (t) => {
			this.request(t, who, 'update', `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${node}?timeout=10s`, {latencyMs: 4 + this.rng.next() * 12});
		});
		this.every(start + this.rng.next() * 60_000, 60_000, 1000, (t) => {
			this.request(t, who, 'patch', `/api/v1/nodes/${node}/status?timeout=10s`, {latencyMs: 6 + this.rng.next() * 20});
		});
		const watches = [
			['/api/v1/pods', {fieldSelector: `spec.nodeName=${node}`}],
			['/api/v1/nodes', {fieldSelector: `metadata.name=${node}`}],
			['/api/v1/services', {}],
		] as const;
		for (const [path, extra] of watches) {
			const open = (t: number): void => {
				const seconds = this.rng.int(300, 600);
				const uri = this.watchUri(path, seconds, extra);
				this.request(t, who, 'watch', uri, {latencyMs: 0, lifetimeMs: seconds * 1000 + this.rng.next() * 50, onEnd: (end) => open(end + 5 + this.rng.next() * 20)});
			};
			this.at(start - this.rng.next() * 300_000, () => open(this.clock));
		}
	}

	private daemonPod(ds: DaemonSetClient, i: number, start: number): void {
		const pod = `${ds.name}-${this.rng.suffix(5)}`;
		const who: Identity = {
			user: this.serviceAccount(ds.namespace, ds.serviceAccount, pod, i),
			sourceIPs: [this.nodeIPs[i]!],
			userAgent: ds.userAgent,
			reason: this.rbacReason(ds.serviceAccount, ds.namespace),
		};
		let generation = 0;
		const open = new Set<OpenWatchHandle>();
		const startWatches = (t: number, relist: boolean): void => {
			const mine = generation;
			for (const path of ds.watches) {
				let at = t;
				if (relist) {
					const latency = 40 + this.rng.next() * 400;
					this.request(at, who, 'list', `${path}?limit=500&resourceVersion=0`, {latencyMs: latency});
					at += latency + 1;
				}
				const watch = (when: number): void => {
					if (generation !== mine) return;
					const seconds = Math.round(this.uniform(ds.rewatchSeconds));
					const handle = this.request(when, who, 'watch', this.watchUri(path, seconds), {latencyMs: 0, lifetimeMs: seconds * 1000, onEnd: (end) => {
						if (handle !== undefined) open.delete(handle);
						watch(end + 2 + this.rng.next() * 30);
					}});
					if (handle !== undefined) open.add(handle);
				};
				this.at(at, () => watch(this.clock));
			}
		};
		// The pod started some time before the window: its first watches began then.
		this.at(start - this.rng.next() * ds.rewatchSeconds[0] * 1000, () => startWatches(this.clock, false));
		const restarts = ds.restartsPerHour ?? 0;
		if (restarts > 0) {
			const scheduleRestart = (from: number): void => {
				const gap = -Math.log(1 - this.rng.next()) * (3_600_000 / restarts);
				this.at(from + gap, () => {
					// The agent restarts: its watches end now, it lists everything again and re-watches.
					generation++;
					for (const handle of open) handle.cut(this.clock);
					open.clear();
					startWatches(this.clock + 5000, true);
					scheduleRestart(this.clock);
				});
			};
			scheduleRestart(start);
		}
		const gets = ds.getsPerMinute ?? 0;
		if (gets > 0) {
			this.every(start + this.rng.next() * 15_000, 60_000 / gets, 2000, (t) => {
				const ns = this.rng.pick(['shop', 'payments', 'default', 'monitoring']);
				this.request(t, who, 'get', `/api/v1/namespaces/${ns}/pods/web-${this.rng.suffix(9)}-${this.rng.suffix(5)}`, {latencyMs: 5 + this.rng.next() * 25});
			});
		}
	}

	private badReplica(bad: BadClient, r: number, start: number): void {
		const node = this.rng.int(0, Math.max(0, this.spec.nodes - 1));
		const pod = `${bad.name}-${this.rng.suffix(9)}-${this.rng.suffix(5)}`;
		const who: Identity = {
			user: this.serviceAccount(bad.namespace, bad.serviceAccount, pod, this.spec.nodes > 0 ? node : undefined),
			sourceIPs: [`10.244.${node + 1}.${10 + r * 7}`],
			userAgent: bad.userAgent,
			reason: this.rbacReason(bad.serviceAccount, bad.namespace),
		};
		const throttleFrom = start + bad.throttleAfterMinutes * 60_000;
		this.every(start + this.rng.next() * bad.everySeconds * 1000, bad.everySeconds * 1000, 400, (t) => {
			let at = t;
			for (const uri of bad.lists) {
				const throttled = t >= throttleFrom && this.rng.chance(bad.throttleShare);
				if (throttled) {
					this.request(at, who, 'list', uri, {latencyMs: 1 + this.rng.next() * 4, code: 429, rejected: true});
					at += 5;
					continue;
				}
				const latency = this.uniform(bad.latencyMs);
				const wait = t >= throttleFrom ? 50 + this.rng.next() * 400 : 0;
				this.request(at, who, 'list', uri, {latencyMs: latency, annotations: this.latencyAnnotations(latency, wait)});
				at += latency + 2;
			}
		});
	}

	private informer(inf: InformerClient, start: number): void {
		const node = this.rng.int(0, Math.max(0, this.spec.nodes - 1));
		const pod = `${inf.name}-${this.rng.suffix(9)}-${this.rng.suffix(5)}`;
		const who: Identity = {
			user: this.serviceAccount(inf.namespace, inf.serviceAccount, pod, this.spec.nodes > 0 ? node : undefined),
			sourceIPs: [`10.244.${node + 1}.${40 + this.rng.int(0, 100)}`],
			userAgent: inf.userAgent,
			reason: this.rbacReason(inf.serviceAccount, inf.namespace),
		};
		const begin = start + 20_000 + this.rng.next() * 60_000;
		for (const path of inf.resources) {
			const watch = (t: number): void => {
				const seconds = this.rng.int(inf.watchSeconds[0], inf.watchSeconds[1]);
				this.request(t, who, 'watch', this.watchUri(path, seconds), {latencyMs: 0, lifetimeMs: seconds * 1000, onEnd: (end) => watch(end + 1)});
			};
			this.at(begin, () => {
				let t = this.clock;
				if (inf.streaming === true) {
					const seconds = this.rng.int(inf.watchSeconds[0], inf.watchSeconds[1]);
					const uri = `${path}?${query({allowWatchBookmarks: 'true', resourceVersionMatch: 'NotOlderThan', sendInitialEvents: 'true', timeout: goDuration(seconds * 1000), timeoutSeconds: String(seconds), watch: 'true'})}`;
					this.request(t, who, 'watch', uri, {latencyMs: 0, lifetimeMs: seconds * 1000, onEnd: (end) => watch(end + 1)});
					return;
				}
				const pages = Math.max(1, Math.ceil(inf.objects / 500));
				for (let page = 0; page < pages; page++) {
					const latency = 30 + this.rng.next() * 120;
					const params: Record<string, string> = {limit: '500'};
					if (page > 0) params.continue = Buffer.from(`{"v":"meta.k8s.io/v1","rv":${this.resourceVersion},"start":"page-${page}"}`).toString('base64');
					this.request(t, who, 'list', `${path}?${query(params)}`, {latencyMs: latency});
					t += latency + 1;
				}
				this.at(t + 1, () => watch(this.clock));
			});
		}
	}

	private probes(start: number): void {
		const who: Identity = {user: {username: 'readinessChecker', uid: '1', groups: ['system:authenticated']}, sourceIPs: ['10.200.0.38'], userAgent: 'kube-probe/1.29', reason: 'RBAC: allowed by ClusterRoleBinding "system:discovery" of ClusterRole "system:discovery" to Group "system:authenticated"'};
		for (const path of ['/readyz', '/livez']) {
			this.every(start + this.rng.next() * 10_000, 10_000, 100, (t) => this.request(t, who, 'get', path, {latencyMs: 1 + this.rng.next() * 8}));
		}
	}

	private controllerManager(start: number): void {
		const base = `kube-controller-manager/${this.version} (linux/amd64) kubernetes/${this.commit}`;
		const cm: Identity = {user: {username: 'system:kube-controller-manager', groups: ['system:authenticated']}, sourceIPs: ['10.224.0.2'], userAgent: `${base}/leader-election`, reason: 'RBAC: allowed by ClusterRoleBinding "system:kube-controller-manager" of ClusterRole "system:kube-controller-manager" to User "system:kube-controller-manager"'};
		this.every(start + this.rng.next() * 2000, 2000, 100, (t) => {
			this.request(t, cm, 'update', '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-controller-manager?timeout=5s', {latencyMs: 3 + this.rng.next() * 8});
		});
		const informers: Identity = {...cm, userAgent: `${base}/shared-informers`};
		for (const path of ['/api/v1/pods', '/api/v1/nodes', '/apis/apps/v1/replicasets', '/apis/apps/v1/deployments', '/api/v1/namespaces']) {
			const open = (t: number): void => {
				const seconds = this.rng.int(300, 600);
				this.request(t, informers, 'watch', this.watchUri(path, seconds), {latencyMs: 0, lifetimeMs: seconds * 1000, onEnd: (end) => open(end + 1)});
			};
			this.at(start - this.rng.next() * 300_000, () => open(this.clock));
		}
		const rs: Identity = {user: this.serviceAccount('kube-system', 'replicaset-controller', undefined, undefined), sourceIPs: ['10.224.0.2'], userAgent: `${base}/system:serviceaccount:kube-system:replicaset-controller`, reason: 'RBAC: allowed by ClusterRoleBinding "system:controller:replicaset-controller" of ClusterRole "system:controller:replicaset-controller" to ServiceAccount "replicaset-controller/kube-system"'};
		this.every(start + this.rng.next() * 50_000, 50_000, 10_000, (t) => {
			this.request(t, rs, 'update', `/apis/apps/v1/namespaces/shop/replicasets/web-${this.rng.suffix(9)}/status`, {latencyMs: 5 + this.rng.next() * 15});
		});
	}

	private human(start: number): void {
		const who: Identity = {user: {username: 'alice@example.com', groups: ['system:authenticated']}, sourceIPs: ['203.0.113.45', '10.224.0.4'], userAgent: 'kubectl/v1.30.2 (darwin/arm64) kubernetes/3968350', reason: 'RBAC: allowed by ClusterRoleBinding "oncall" of ClusterRole "view" to User "alice@example.com"'};
		let step = 0;
		this.every(start + 30_000 + this.rng.next() * 60_000, 120_000, 60_000, (t) => {
			// A person going through the same few commands: list everything, list one namespace, get one object, and a forbidden read.
			const pick = step++ % 4;
			if (pick === 0) this.request(t, who, 'list', '/api/v1/pods?limit=500', {latencyMs: 200 + this.rng.next() * 500});
			else if (pick === 1) this.request(t, who, 'list', '/api/v1/namespaces/shop/pods?limit=500', {latencyMs: 20 + this.rng.next() * 40});
			else if (pick === 2) this.request(t, who, 'get', '/apis/apps/v1/namespaces/shop/deployments/web', {latencyMs: 5 + this.rng.next() * 10});
			else this.request(t, who, 'get', '/api/v1/namespaces/kube-system/secrets/bootstrap-token', {latencyMs: 3, code: 403});
		});
	}
}

/**
 * Writes a native audit log of `events` events (or up to `untilMs`) generated from `spec`
 * to `path`, quickly: lines are joined and written in large blocks. Returns the number
 * of events and bytes written.
 */
export function writeAuditLogFile(path: string, spec: TrafficSpec, limit: {events?: number; untilMs?: number}): {events: number; bytes: number; lastMs: number} {
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
