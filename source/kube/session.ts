/**
 * A session with one cluster: the connection (kubeconfig, credentials, the gentle client),
 * what the panes need reflected (and nothing else), /metrics and object counts on slow
 * timers, pod metrics when readable, the rescale events HPAs still have, and access
 * answers. It keeps a ClusterStore current and reports the connection state. When one
 * kind sees the server go back in time (etcd restored from a backup), every kind is
 * relisted, spread over a few seconds, so the store drops what the server no longer has.
 *
 * The kinds it can reflect and what each pane reads are in session-kinds.ts; one run of
 * the /metrics loop in metrics-poll.ts, of the pod-metrics loop in pod-metrics-poll.ts;
 * this file connects, starts the reflectors, schedules the loops and reports the inputs.
 */
import {EventEmitter} from 'node:events';
import {type Clock, wallClock} from '../clock.js';
import {ConnectionError} from '../errors.js';
import type {Pane} from '../model/finding.js';
import type {AccessAnswer} from '../model/state.js';
import {userAgent as defaultUserAgent} from '../version.js';
import {AccessChecker} from './access.js';
import {ApiStatusError, type ConnectionState, KubeClient} from './client.js';
import {ClusterStore, type StoreKind} from './cluster-store.js';
import {Counter} from './counts.js';
import {Credentials} from './credentials.js';
import {Discovery} from './discovery.js';
import type {ResolvedConfig} from './kubeconfig.js';
import {MetricsPoll} from './metrics-poll.js';
import {PodMetricsPoll} from './pod-metrics-poll.js';
import {Reflector} from './reflector.js';
import {resourcePath, type ReflectorTarget, type TimeTravel} from './reflector-types.js';
import type {InputReading, SessionInputs} from './session-inputs.js';
import {KINDS, type KindSpec, PANE_KINDS} from './session-kinds.js';
import {NetworkError, Transport} from './transport.js';
import {ProxyAuthError} from './tunnel.js';
import type {Obj} from '../formats/json-object.js';

export interface SessionOptions {
	config: ResolvedConfig;
	clock?: Clock;
	qps?: number;
	burst?: number;
	requestTimeoutMs?: number;
	readOnly?: boolean;
	panes?: readonly Pane[];
	/** The pane shown first: its kinds start first. */
	firstPane?: Pane;
	userAgent?: string;
	/** Milliseconds between /metrics reads (≥ 30 s). */
	metricsIntervalMs?: number;
	/** Milliseconds between LIST-based counts when /metrics is not readable (≥ 60 s). */
	countsIntervalMs?: number;
	podMetricsIntervalMs?: number;
	/** Watch timeout range and watchdog margin (tests shorten them). */
	watchTimeoutSeconds?: [number, number];
	watchdogMarginSeconds?: number;
	/** The server's bookmark interval (default 1 min, the watch cache's). */
	bookmarkIntervalMs?: number;
	/** When the server went back in time, the other kinds relist at random within this many ms (default 10 s). */
	relistSpreadMs?: number;
	random?: () => number;
	/** The environment: proxy variables (HTTPS_PROXY, NO_PROXY, …) and what exec plugins run with (default: this process's). */
	env?: NodeJS.ProcessEnv;
	/** Milliseconds an exec credential plugin may run (report mode with an explicit --request-timeout); default none. */
	execTimeoutMs?: number;
	/** Standard input carries data (`--audit-log -`), so no exec plugin may have it. */
	stdinUnavailable?: boolean;
	/** Whether standard input is a terminal (default: isatty(0)). */
	stdinIsTerminal?: boolean;
}

export class Session extends EventEmitter {
	readonly clock: Clock;
	readonly store: ClusterStore;
	readonly client: KubeClient;
	readonly transport: Transport;
	readonly credentials: Credentials;
	readonly discovery: Discovery;
	readonly counter: Counter;
	readonly access: AccessChecker;
	readonly reflectors = new Map<StoreKind, Reflector>();
	private readonly controller = new AbortController();
	private readonly timers: NodeJS.Timeout[] = [];
	private stopped = false;
	/** The namespace scope for namespaced kinds (undefined = all). */
	readonly scope?: string;
	readonly stats = {metricsReads: 0, podMetricsReads: 0, relistAll: 0};
	/** The last time the server was seen going back in time, and how. */
	timeTravel?: TimeTravel & {at: number};
	/** Reports until then are the same going-back (each kind relisting sees it too). */
	private relistAllUntil = -Infinity;
	/** This session's kind table (versions may differ per server, e.g. flowcontrol v1beta3). */
	private readonly kinds: Record<StoreKind, KindSpec> = {...KINDS};
	private starting: Promise<void> = Promise.resolve();
	/** The kinds this session wants, once start() has run discovery; optional kinds the server does not serve. */
	private kindsWanted?: StoreKind[];
	private readonly kindsNotServed = new Set<StoreKind>();
	/** The last 403 or 404 of each kind's reflector (cleared when it lists again). */
	private readonly kindProblems = new Map<StoreKind, InputReading>();
	/** One run of the /metrics loop, and how /metrics fared. */
	private readonly metrics: MetricsPoll;
	private countsDone = false;
	/** One run of the pod-metrics loop, and how it fared. */
	private readonly podMetrics: PodMetricsPoll;
	/** Settles after the first pod-metrics read (or at once when there is none to make). */
	private firstPodMetrics: Promise<void> = Promise.resolve();
	private firstCounts: Promise<void> = Promise.resolve();
	/** Settles when the HPA rescale history the events hold has been read (or could not be). */
	private rescalesRead: Promise<void> = Promise.resolve();
	private resolveFirstCounts: () => void = () => undefined;

	constructor(readonly options: SessionOptions) {
		super();
		this.clock = options.clock ?? wallClock;
		this.store = new ClusterStore(this.clock);
		this.store.context = options.config.contextName;
		this.scope = options.config.allNamespaces ? undefined : options.config.namespace;
		this.store.namespace = this.scope;
		this.credentials = new Credentials(options.config, {
			execTimeoutMs: options.execTimeoutMs,
			stdinUnavailable: options.stdinUnavailable,
			stdinIsTerminal: options.stdinIsTerminal,
			env: options.env,
		});
		this.transport = new Transport(options.config, this.credentials, options.userAgent ?? defaultUserAgent(), options.env);
		this.client = new KubeClient(this.transport, this.credentials, {
			qps: options.qps,
			burst: options.burst,
			clock: this.clock,
			requestTimeoutMs: options.requestTimeoutMs,
			readOnly: options.readOnly,
			random: options.random,
		});
		this.client.on('state', (state: ConnectionState) => this.emit('state', state));
		this.discovery = new Discovery(this.client);
		this.counter = new Counter(this.client, this.discovery);
		this.access = new AccessChecker(this.client, Boolean(options.readOnly), (key, answer) => this.store.setAccess(key, answer));
		const signal = this.controller.signal;
		this.metrics = new MetricsPoll({
			client: this.client,
			clock: this.clock,
			store: this.store,
			counter: this.counter,
			discovery: this.discovery,
			signal,
			options,
			stats: this.stats,
		});
		this.podMetrics = new PodMetricsPoll({
			client: this.client,
			store: this.store,
			scope: this.scope,
			signal,
			stats: this.stats,
			onPage: (pages) => {
				this.podMetricsPages = pages;
			},
		});
	}

	/** The connection state; while an exec credential plugin runs, that it is being waited for (the header ticks every second). */
	get state(): ConnectionState {
		const state = this.client.state;
		const plugin = this.credentials.running;
		if (!plugin) return state;
		const seconds = Math.max(0, Math.floor((Date.now() - plugin.since) / 1000));
		return {...state, status: state.status === 'live' ? 'reconnecting' : state.status, message: `waiting for credential plugin ${plugin.name}, ${seconds}s`};
	}

	/**
	 * Get a credential (an exec plugin may run, for as long as it takes unless execTimeoutMs
	 * says otherwise), then check that the server answers (GET /version) before anything
	 * else. A plugin that fails, unreachable or unauthorized → one line (exit 3).
	 */
	async connect(deadlineMs?: number): Promise<void> {
		try {
			await this.credentials.get();
			// The default deadline counts from the credential: a login may have taken minutes.
			const version = await this.client.getJson<{major: string; minor: string; gitVersion: string}>('/version', {
				signal: this.controller.signal,
				what: 'connect',
				deadline: deadlineMs ?? this.clock.now() + 15_000,
				timeoutMs: 10_000,
			});
			this.store.serverVersion = {major: String(version.major), minor: String(version.minor).replace(/\D+$/, ''), gitVersion: String(version.gitVersion)};
		} catch (error) {
			if (error instanceof ApiStatusError && error.status === 401)
				throw new ConnectionError(`the API server at ${this.transport.server} refused our credentials (401 Unauthorized) for context "${this.store.context}"`);
			if (error instanceof ApiStatusError && error.status === 403) {
				// /version is readable by everyone on a real server; a 403 still means we got through.
				return;
			}
			if (error instanceof NetworkError || error instanceof ProxyAuthError) throw new ConnectionError(`cannot reach the API server: ${error.message}`);
			if (error instanceof ApiStatusError) throw new ConnectionError(`the API server at ${this.transport.server} answered ${error.status}: ${error.message}`);
			throw error;
		}
	}

	private wantedKinds(): StoreKind[] {
		const panes = this.options.panes ?? ['etcd', 'watchers', 'autoscaling', 'qos'];
		const order = this.options.firstPane ? [this.options.firstPane, ...panes.filter((p) => p !== this.options.firstPane)] : panes;
		const kinds: StoreKind[] = [];
		for (const pane of order) for (const kind of PANE_KINDS[pane]) if (!kinds.includes(kind)) kinds.push(kind);
		return kinds;
	}

	/** Start everything; resolves once discovery is done and the reflectors are started. */
	async start(): Promise<void> {
		const signal = this.controller.signal;
		// Groups first: optional kinds only where they exist.
		let groups = new Set<string>();
		try {
			const list = await this.client.getJson<{groups?: Array<{name: string; preferredVersion?: {version: string}}>}>('/apis', {signal, what: 'discovery'});
			groups = new Set((list.groups ?? []).map((g) => g.name));
			for (const group of list.groups ?? []) if (group.preferredVersion) this.store.apiVersions.set(group.name, group.preferredVersion.version);
			for (const group of list.groups ?? [])
				if (group.name === 'flowcontrol.apiserver.k8s.io' && group.preferredVersion)
					this.kinds.flowschemas = {...this.kinds.flowschemas, version: group.preferredVersion.version};
		} catch (error) {
			if ((error as Error).name === 'AbortError') return;
		}
		const kinds = this.wantedKinds().filter((kind) => !this.kinds[kind].optional || groups.has(this.kinds[kind].group));
		this.kindsWanted = this.wantedKinds();
		for (const kind of this.kindsWanted) if (!kinds.includes(kind)) this.kindsNotServed.add(kind);
		if (!groups.has('metrics.k8s.io')) this.podMetrics.reading = {status: 'absent', reason: 'metrics.k8s.io is not served (no metrics-server)'};
		// One kind after another: its access review, then its LIST is queued right behind it,
		// so the first pane's data arrives first instead of after every review.
		this.starting = (async () => {
			for (const kind of kinds) {
				if (this.stopped) return;
				await this.startKind(kind);
			}
		})();
		// /metrics and the object counts serve the etcd and watchers panes, pod metrics the QoS
		// pane: a session without those panes (--panes) does not read them.
		const panes = this.options.panes ?? ['etcd', 'watchers', 'autoscaling', 'qos'];
		if (panes.includes('etcd') || panes.includes('watchers')) {
			this.firstCounts = new Promise((resolve) => {
				this.resolveFirstCounts = resolve;
			});
			this.schedule(
				async () => {
					try {
						await this.metrics.poll();
					} finally {
						this.countsDone = true;
						this.resolveFirstCounts();
					}
				},
				this.options.metricsIntervalMs ?? 30_000,
				0,
			);
		}
		if (groups.has('metrics.k8s.io') && kinds.includes('pods') && panes.includes('qos')) {
			let first: () => void = () => undefined;
			this.firstPodMetrics = new Promise((resolve) => {
				first = resolve;
			});
			this.schedule(
				async () => {
					try {
						await this.podMetrics.poll();
					} finally {
						first();
					}
				},
				() => this.podMetricsPauseMs(),
				2_000,
			);
		}
		if (kinds.includes('hpas') && kinds.includes('events')) this.rescalesRead = this.backfillRescales();
		void this.waitForSync(undefined, {counts: true}).then(() => {
			this.warm = true;
			this.store.changed();
		});
	}

	/** Every kind has done its first LIST and the first counts are in. */
	warm = false;

	private target(spec: KindSpec): ReflectorTarget {
		return {
			group: spec.group,
			version: spec.version,
			resource: spec.resource,
			namespace: spec.namespace ?? (spec.namespaced ? this.scope : undefined),
			fieldSelector: spec.fieldSelector,
		};
	}

	private async startKind(kind: StoreKind): Promise<void> {
		const spec = this.kinds[kind];
		const target = this.target(spec);
		const answer = await this.access
			.can({verb: 'list', group: spec.group, resource: spec.resource, namespace: target.namespace})
			.catch((): AccessAnswer => ({allowed: true}));
		if (this.stopped) return;
		if (!answer.allowed) {
			this.store.unreadable.set(kind, answer.reason ?? 'forbidden');
			this.store.changed();
			return;
		}
		const handler = this.store.handler(kind);
		const reflector = new Reflector({
			client: this.client,
			clock: this.clock,
			target,
			// The store keeps the reason; the session also keeps whether it was a 403 or a 404.
			handler: {
				...handler,
				unavailable: (reason, code) => {
					this.kindProblems.set(kind, {status: code === 404 ? 'absent' : 'forbidden', reason});
					handler.unavailable?.(reason, code);
				},
			},
			mode: spec.mode,
			watchTimeoutSeconds: this.options.watchTimeoutSeconds,
			watchdogMarginSeconds: this.options.watchdogMarginSeconds,
			bookmarkIntervalMs: this.options.bookmarkIntervalMs,
			random: this.options.random,
			name: kind,
			onTimeTravel: (report) => this.timeTravelled(report),
		});
		this.reflectors.set(kind, reflector);
		reflector.start();
	}

	/**
	 * A kind's server went back in time: what the store holds of every kind may name objects
	 * the server no longer has, and a watch resumed from our resourceVersion would skip
	 * every change until the server's counter passes it again. Relist every other kind, each
	 * after a random pause within relistSpreadMs (their LISTs then queue in the budget, not
	 * all at once); the kind that saw it relists itself.
	 */
	private timeTravelled(report: TimeTravel): void {
		if (this.stopped) return;
		const now = this.clock.now();
		this.timeTravel = {...report, at: now};
		if (now < this.relistAllUntil) return;
		const spread = this.options.relistSpreadMs ?? 10_000;
		this.relistAllUntil = now + spread + 30_000;
		this.stats.relistAll++;
		const random = this.options.random ?? Math.random;
		for (const [kind, reflector] of this.reflectors) if (kind !== report.kind) reflector.relist(random() * spread);
		this.store.changed();
	}

	/** Runs `fn` after `firstMs`, then `everyMs` after each run ends (a function: the pause may depend on the last run). */
	private schedule(fn: () => Promise<void>, everyMs: number | (() => number), firstMs: number): void {
		// Never rejects: a run's failure is the loop's own business, and it goes on.
		const run = async (): Promise<void> => {
			if (this.stopped) return;
			try {
				await fn();
			} catch (error) {
				if ((error as Error).name === 'AbortError') return;
			}
			if (!this.stopped) this.timers.push(this.clock.setTimeout(() => void run(), typeof everyMs === 'number' ? everyMs : everyMs()));
		};
		this.timers.push(this.clock.setTimeout(() => void run(), firstMs));
	}

	/** Pages the last pod-metrics read took. */
	private podMetricsPages = 0;

	/**
	 * The pause before the next pod-metrics read: 30 s, or longer when one read takes many
	 * pages, so that these reads use at most a fifth of the request budget. At 150,000 pods
	 * a read is 300 pages; every 30 s that alone would be twice the 5 QPS budget.
	 */
	podMetricsPauseMs(): number {
		const base = this.options.podMetricsIntervalMs ?? 30_000;
		const qps = this.options.qps ?? 5;
		return Math.max(base, (this.podMetricsPages / (0.2 * qps)) * 1000);
	}

	/** What the events still hold about HPA rescales: one paged LIST with a field selector, once. */
	private async backfillRescales(): Promise<void> {
		const path = resourcePath({group: '', version: 'v1', resource: 'events', namespace: this.scope});
		let token: string | undefined;
		try {
			do {
				const page = await this.client.getJson<{items?: Obj[]; metadata?: {continue?: string}}>(path, {
					query: {limit: 500, continue: token, fieldSelector: 'involvedObject.kind=HorizontalPodAutoscaler,reason=SuccessfulRescale'},
					signal: this.controller.signal,
					what: 'list rescale events',
					maxAttempts: 3,
					background: true,
				});
				for (const event of page.items ?? []) this.store.ingestPastEvent(event);
				token = page.metadata?.continue || undefined;
			} while (token);
			this.store.changed();
		} catch (error) {
			if ((error as Error).name === 'AbortError') return;
		}
	}

	/**
	 * What has been read so far, per input (source/app/coverage.ts turns this into each
	 * pane's coverage). A kind is read once its reflector listed it; forbidden or absent
	 * after a 403 or 404 (or a denied access review) until a later list succeeds.
	 */
	inputs(): SessionInputs {
		const kinds = new Map<StoreKind, InputReading>();
		for (const kind of this.kindsWanted ?? this.wantedKinds()) kinds.set(kind, this.kindReading(kind));
		let counts: InputReading = {status: 'pending'};
		if (this.store.counts.size > 0) counts = {status: 'read', reason: [...new Set([...this.store.counts.values()].map((c) => c.source))].join(', ')};
		else if (this.countsDone) {
			const metrics = this.metrics.reading;
			const why = `${this.store.metricsUnavailable ?? metrics.reason ?? '/metrics has no object counts'}; no resource could be counted with LIST`;
			counts = {status: metrics.status === 'forbidden' || metrics.status === 'absent' ? metrics.status : 'failed', reason: why};
		}
		return {kinds, metrics: this.metrics.reading, counts, podMetrics: this.podMetrics.reading};
	}

	private kindReading(kind: StoreKind): InputReading {
		const spec = this.kinds[kind];
		if (this.kindsNotServed.has(kind))
			return {status: 'absent', reason: `${spec.group || 'core'}/${spec.version} ${spec.resource} is not served by this cluster`};
		const reflector = this.reflectors.get(kind);
		if (!reflector) {
			// Not started: the access review said no, or it is still queued behind other kinds.
			const reason = this.store.unreadable.get(kind);
			return reason === undefined ? {status: 'pending'} : {status: 'forbidden', reason};
		}
		const problem = this.kindProblems.get(kind);
		if (reflector.phase === 'watching' || (reflector.synced && problem === undefined)) {
			this.kindProblems.delete(kind);
			return {status: 'read'};
		}
		return problem ?? {status: 'pending'};
	}

	/**
	 * Resolves when every started reflector has done its first list — and with `counts` the
	 * first object counts are in, with `podMetrics` the first pod-metrics read is done, with
	 * `rescales` the HPA rescale history the events hold is read — or false when `deadline`
	 * passes first.
	 */
	async waitForSync(deadline?: number, options: {counts?: boolean; podMetrics?: boolean; rescales?: boolean} = {}): Promise<boolean> {
		const all = this.starting
			.then(() => Promise.all([...this.reflectors.values()].map((r) => r.waitForSync())))
			.then(() => (options.counts ? this.firstCounts : undefined))
			.then(() => (options.podMetrics ? this.firstPodMetrics : undefined))
			.then(() => (options.rescales ? this.rescalesRead : undefined))
			.then(() => true);
		if (deadline === undefined) return all;
		const remaining = Math.max(0, deadline - this.clock.now());
		let timer: NodeJS.Timeout | undefined;
		const late = new Promise<boolean>((resolve) => {
			timer = this.clock.setTimeout(() => resolve(false), remaining);
		});
		// The deadline's timer goes when the sync wins: it would keep a finished report alive.
		return Promise.race([all, late]).finally(() => clearTimeout(timer));
	}

	async stop(): Promise<void> {
		this.stopped = true;
		for (const timer of this.timers) clearTimeout(timer);
		this.controller.abort();
		await this.credentials.stop();
		await Promise.all([...this.reflectors.values()].map((r) => r.stop()));
		this.transport.close();
	}
}
