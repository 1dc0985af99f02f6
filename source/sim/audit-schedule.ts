/**
 * The engine of the simulated audit traffic: a seeded clock of scheduled actions and
 * pending audit events, both in time order, and the request that turns a client's call
 * into its audit events (a watch's ResponseStarted and ResponseComplete, which a client
 * restart can cut short), with the identities, URIs and annotations a real API server
 * writes.
 */
import {goDuration, type SimAuditEvent, type SimUserInfo} from './audit-writer.js';
import type {TrafficSpec} from './audit-traffic.js';
import {Random} from './random.js';

/** Go's url.QueryEscape: like encodeURIComponent, but also !'()* escaped and a space as +. */
function queryEscape(s: string): string {
	return encodeURIComponent(s)
		.replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
		.replace(/%20/g, '+');
}

/** A query string as client-go encodes url.Values: keys sorted. */
export function queryString(params: Record<string, string>): string {
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

export interface Identity {
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
export interface OpenWatchHandle {
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

/** Scheduled actions and pending events, pulled in time order. */
export class TrafficSchedule {
	readonly spec: TrafficSpec;
	readonly rng: Random;
	private readonly actions = new Heap<() => void>();
	private readonly pending = new Heap<SimAuditEvent>();
	/** Scheduled events that will not happen (a watch cut short logs its end earlier). */
	private readonly cancelled = new WeakSet<SimAuditEvent>();
	private rv = 41_000_000;
	readonly nodeNames: string[] = [];
	readonly nodeIPs: string[] = [];
	readonly version: string;
	readonly commit = '4e4f9f6';
	/** Time of the last action run: actions never schedule requests before it. */
	private now: number;

	constructor(spec: TrafficSpec) {
		this.spec = spec;
		this.rng = new Random(spec.seed);
		this.version = spec.kubeVersion ?? 'v1.29.7';
		this.now = spec.startMs - 3_600_000;
		const prefix = spec.nodePrefix ?? 'aks-nodepool1-31415926-vmss';
		for (let i = 0; i < spec.nodes; i++) {
			this.nodeNames.push(`${prefix}${i.toString(36).padStart(6, '0')}`);
			this.nodeIPs.push(`10.224.${Math.floor(i / 250)}.${4 + (i % 250)}`);
		}
	}

	/** Time of the action running now (or of the last one run). */
	get clock(): number {
		return this.now;
	}

	/** The last resourceVersion handed out. */
	get resourceVersion(): number {
		return this.rv;
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
				this.now = nextAction;
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

	at(atMs: number, fn: () => void): void {
		this.actions.push(Math.max(atMs, this.now), fn);
	}

	every(startMs: number, periodMs: number, jitterMs: number, fn: (atMs: number) => void): void {
		const tick = (t: number): void => {
			fn(t);
			this.at(t + periodMs + this.rng.next() * jitterMs, () => tick(this.now));
		};
		this.at(startMs, () => tick(this.now));
	}

	/** A random (version 4) UUID from the seeded generator. */
	uuid(): string {
		const word = (): string =>
			Math.floor(this.rng.next() * 4_294_967_296)
				.toString(16)
				.padStart(8, '0');
		const a = word();
		const b = word();
		const c = word();
		const d = word();
		return `${a}-${b.slice(0, 4)}-4${b.slice(5, 8)}-${((Number.parseInt(c[0]!, 16) & 3) | 8).toString(16)}${c.slice(1, 4)}-${c.slice(4, 8)}${d}`;
	}

	bumpRV(): string {
		this.rv += 1 + this.rng.int(0, 20);
		return String(this.rv);
	}

	uniform([min, max]: [number, number]): number {
		return min + this.rng.next() * (max - min);
	}

	/** Logs one request received at `atMs` (its events land in the pending heap). */
	request(atMs: number, who: Identity, verb: string, uri: string, options: RequestOptions): OpenWatchHandle | undefined {
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
			objectRef:
				ref === undefined
					? undefined
					: {
							resource: ref.resource,
							namespace: ref.namespace || undefined,
							name: ref.name || undefined,
							apiGroup: ref.apiGroup || undefined,
							apiVersion: ref.apiVersion,
						},
			responseStatus:
				code === 403
					? {
							code,
							status: 'Failure',
							message: `${ref?.resource ?? 'resource'} is forbidden: User "${who.user.username}" cannot ${verb} resource "${ref?.resource ?? ''}"`,
							reason: 'Forbidden',
							details: {kind: ref?.resource ?? ''},
						}
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
	latencyAnnotations(totalMs: number, apfWaitMs = 0): Record<string, string> {
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

	serviceAccount(namespace: string, name: string, pod: string | undefined, node: number | undefined): SimUserInfo {
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

	rbacReason(name: string, namespace: string): string {
		return `RBAC: allowed by ClusterRoleBinding "${name}" of ClusterRole "${name}" to ServiceAccount "${name}/${namespace}"`;
	}

	/** A watch URI as client-go sends it. */
	watchUri(path: string, seconds: number, extra: Record<string, string> = {}): string {
		const [base, existing] = path.split('?') as [string, string | undefined];
		const params: Record<string, string> = {
			allowWatchBookmarks: 'true',
			resourceVersion: this.bumpRV(),
			timeout: goDuration(seconds * 1000),
			timeoutSeconds: String(seconds),
			watch: 'true',
			...extra,
		};
		if (existing !== undefined)
			for (const pair of existing.split('&')) {
				const [k, v] = pair.split('=') as [string, string];
				params[k] = decodeURIComponent(v);
			}
		return `${base}?${queryString(params)}`;
	}
}
