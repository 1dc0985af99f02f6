/**
 * The simulated Kubernetes API server, assembled: storage, the API, the HTTP(S) server,
 * the simulated controllers, a scenario, faults, RBAC, tokens, a request log and a
 * kubeconfig that the real kubectl and kubectl-assure both use. `kubectl assure --demo`
 * and `kubectl-assure sim` start one; tests and benchmarks start one in process. Its state
 * can be saved and restored (snapshot(), restore()): a cluster whose etcd was restored
 * from a backup, whose resourceVersion goes back in time.
 */
import {writeFileSync} from 'node:fs';
import {stringify as toYaml} from 'yaml';
import {SimApi} from './api.js';
import {SimAuditLog} from './audit-log.js';
import {AuditTraffic, defaultTrafficSpec, type TrafficSpec} from './audit-traffic.js';
import {Authenticator} from './auth.js';
import {SimClock} from './clock.js';
import {Autoscalers} from './controllers/autoscaling.js';
import type {ControllerContext} from './controllers/context.js';
import {EventRecorder} from './controllers/events.js';
import {Kubelets} from './controllers/kubelet.js';
import {NodeGroups, type NodePoolSpec} from './controllers/nodes.js';
import {nodeMetrics, podMetrics} from './controllers/usage.js';
import {WorkloadControllers} from './controllers/workloads.js';
import {typesFromCrd} from './crds.js';
import {Faults, type FaultSettings} from './faults.js';
import type {CompletedRequest} from './http/request-record.js';
import {SimServer} from './http/server.js';
import {ADMIN, type UserInfo} from './identity.js';
import {SimMetrics} from './metrics.js';
import {Random} from './random.js';
import {ALLOW_ALL, Authorizer, type RbacRule} from './rbac.js';
import {RequestLog} from './request-log.js';
import {builtinTypes, ResourceRegistry, type ResourceType} from './resources.js';
import {buildScenario, type ScenarioName} from './scenarios/index.js';
import {ObjectStore} from './store.js';
import {generateTls} from './tls.js';
import type {Obj} from '../formats/json-object.js';

export interface SimulatorOptions {
	scenario?: ScenarioName;
	/** `large`: number of pods (up to 150,000). */
	size?: number;
	/** `large`: number of HPAs (default size / 15). */
	hpas?: number;
	seed?: number;
	/** Kubernetes minor version the server plays (default 32). */
	minor?: number;
	https?: boolean;
	port?: number;
	host?: string;
	/** Simulated seconds per wall second (default 1). */
	timeScale?: number;
	requestLog?: string;
	auditLog?: string;
	faults?: FaultSettings;
	rbac?: RbacRule[];
	/** Bearer tokens accepted, with the user each stands for. */
	tokens?: Record<string, UserInfo>;
	/** The identity of requests without credentials; null = 401 (default: cluster admin in HTTP mode, 401 in HTTPS mode). */
	anonymous?: UserInfo | null;
	/** Watch history kept per resource for resuming watches (default 5000 events). */
	historyCapacity?: number;
	/** Run the simulated controllers (default true). */
	controllers?: boolean;
	/** Simulated ms between watch bookmarks (default 60 s). */
	bookmarkIntervalMs?: number;
	/** Renew node Leases this often (simulated ms; 0 = off). Default on for small scenarios. */
	leaseRenewMs?: number;
	/** Called for every request served, e.g. to write an audit log. */
	onRequest?: (request: CompletedRequest) => void;
}

export const ADMIN_TOKEN = 'assure-sim-admin-token';

export interface KubeconfigOptions {
	context?: string;
	namespace?: string;
	/** Authenticate with this bearer token (default: the admin token). */
	token?: string;
	/** Authenticate with an exec credential plugin instead. */
	exec?: {command: string; args?: string[]; env?: Array<{name: string; value: string}>; apiVersion?: string};
	/** Authenticate with the generated client certificate (HTTPS only). */
	clientCertificate?: boolean;
	server?: string;
}

export class Simulator {
	readonly registry: ResourceRegistry;
	readonly store: ObjectStore;
	readonly clock: SimClock;
	readonly random: Random;
	readonly api: SimApi;
	readonly faults: Faults;
	readonly authenticator: Authenticator;
	readonly authorizer: Authorizer;
	readonly requestLog: RequestLog;
	readonly metrics: SimMetrics;
	readonly server: SimServer;
	readonly events: EventRecorder;
	workloads?: WorkloadControllers;
	kubelets?: Kubelets;
	autoscalers?: Autoscalers;
	nodeGroups?: NodeGroups;
	readonly minor: number;
	readonly gitVersion: string;
	readonly tls?: ReturnType<typeof generateTls>;
	auditLog?: SimAuditLog;
	/** The scenario's simulated clients (kubelets, DaemonSets, informers, a bad client…): their requests are in /metrics and the audit log. */
	traffic?: AuditTraffic;
	private readonly stoppers: Array<() => void> = [];
	private readonly eventListeners: Array<(event: Parameters<Parameters<ObjectStore['onLive']>[0]>[0]) => void> = [];
	port = 0;

	constructor(readonly options: SimulatorOptions = {}) {
		this.minor = options.minor ?? 32;
		this.gitVersion = `v1.${this.minor}.4`;
		this.random = new Random(options.seed ?? 42);
		this.clock = new SimClock({scale: options.timeScale ?? 1});
		this.registry = new ResourceRegistry(builtinTypes(this.minor));
		this.store = new ObjectStore({historyCapacity: options.historyCapacity});
		this.api = new SimApi(this.registry, this.store, this.clock, this.random, this.minor);
		this.faults = new Faults(new Random((options.seed ?? 42) ^ 0x5eed), options.faults);
		const anonymous = options.anonymous === null ? undefined : (options.anonymous ?? (options.https ? undefined : ADMIN));
		this.authenticator = new Authenticator(anonymous, {[ADMIN_TOKEN]: ADMIN, ...(options.tokens ?? {})});
		this.authorizer = new Authorizer(options.rbac ?? ALLOW_ALL);
		this.requestLog = new RequestLog(options.requestLog);
		if (options.https) this.tls = generateTls();
		// The metrics read the server's open watches when scraped, after it is made.
		this.metrics = new SimMetrics(this.api, this.minor, this.gitVersion, () => server.openWatches());
		const server = new SimServer(
			{
				api: this.api,
				authenticator: this.authenticator,
				authorizer: this.authorizer,
				faults: this.faults,
				requestLog: this.requestLog,
				minor: this.minor,
				gitVersion: this.gitVersion,
				metricsText: () => this.metrics.text(),
				podMetrics: (namespace, page) => podMetrics(this.api, namespace, page),
				nodeMetrics: () => nodeMetrics(this.api),
				bookmarkIntervalMs: options.bookmarkIntervalMs,
				backups: {
					take: () => this.snapshot(),
					restore: (body) => this.restore(String(body.snapshot ?? ''), {bumpRevision: body.bumpRevision === undefined ? undefined : Number(body.bumpRevision)}),
				},
				watchList: this.minor === 32 || this.minor >= 34,
				onRequest: (request) => {
					this.auditLog?.request(request);
					options.onRequest?.(request);
				},
				countRequest: (labels) => this.metrics.countRequest(labels),
				countRejection: (user) => this.metrics.countRejection(user),
				countWatchEvent: (type) => this.metrics.countWatchEvent(type),
			},
			this.tls ? {cert: this.tls.serverCertPem, key: this.tls.serverKeyPem, ca: this.tls.caCertPem} : undefined,
		);
		this.server = server;
		// CRDs make their kinds servable as soon as they are stored.
		this.store.onLive((event) => {
			if (event.storage !== 'apiextensions.k8s.io/customresourcedefinitions') return;
			if (event.type === 'DELETED') this.registry.remove(String(event.object.spec?.group), String(event.object.spec?.names?.plural));
			else for (const type of typesFromCrd(event.object)) this.registry.add(type);
		});
		this.store.onLive((event) => {
			for (const listener of this.eventListeners) listener(event);
		});
		this.events = new EventRecorder(this.controllerContext(false));
	}

	type(group: string, resource: string): ResourceType {
		const type = this.registry.preferred(group, resource);
		if (!type) throw new Error(`simulator: no resource ${resource} in group "${group}"`);
		return type;
	}

	/** Register a CRD seeded directly into storage. */
	registerCrd(crd: Obj): void {
		for (const type of typesFromCrd(crd)) this.registry.add(type);
	}

	controllerContext(withRecorder = true): ControllerContext {
		return {
			api: this.api,
			clock: this.clock,
			random: this.random,
			type: (group, resource) => this.type(group, resource),
			onEvent: (listener) => this.eventListeners.push(listener),
			every: (ms, fn) => {
				const timer = this.clock.every(ms, fn);
				this.stoppers.push(() => timer.cancel());
				return timer;
			},
			after: (ms, fn) => this.clock.after(ms, fn),
			recordEvent: withRecorder
				? (involved, type, reason, message, component) => this.events.record(involved, type, reason, message, component)
				: () => undefined,
		};
	}

	/** Start the controllers for the node pools of the scenario. */
	startControllers(pools: NodePoolSpec[], options: {leaseRenewMs?: number; autoscaler?: boolean} = {}): void {
		const ctx = this.controllerContext();
		this.workloads = new WorkloadControllers(ctx);
		this.kubelets = new Kubelets(ctx, {leaseRenewMs: options.leaseRenewMs ?? this.options.leaseRenewMs ?? 0});
		this.autoscalers = new Autoscalers(ctx);
		this.nodeGroups = new NodeGroups(ctx, pools, {kubeletVersion: this.gitVersion, autoscalerEnabled: options.autoscaler ?? true, startMs: this.clock.now()});
	}

	/** Save the whole stored state now (an etcd snapshot): restore(id) brings it back. */
	snapshot(): {snapshot: string; resourceVersion: string} {
		const backup = this.store.backup(this.clock.now());
		return {snapshot: backup.id, resourceVersion: String(backup.rv)};
	}

	/**
	 * Restore a snapshot as an operator restores etcd from a backup and restarts the API
	 * server: every object as it was then, the resourceVersion back at the snapshot's (unless
	 * `bumpRevision` moves it forward, as `etcdutl snapshot restore --bump-revision
	 * --mark-compacted` does), the watch history gone (a resume from before it gets 410, from
	 * after it waits in silence), continue tokens expired, and every open watch cut as the
	 * restarted server cuts them. The simulated controllers resync from the restored state.
	 */
	restore(id: string, options: {bumpRevision?: number} = {}): {resourceVersion: string; restoredFrom: string; droppedWatches: number} {
		const backup = this.store.getBackup(id);
		if (!backup) throw new Error(`no snapshot "${id}" (take one with POST /__sim/snapshot)`);
		if (options.bumpRevision !== undefined && !(Number.isInteger(options.bumpRevision) && options.bumpRevision >= 0))
			throw new Error('bumpRevision must be a non-negative integer');
		const crdStorage = 'apiextensions.k8s.io/customresourcedefinitions';
		const crds = (records: Iterable<{json: string}>) => [...records].map((record) => JSON.parse(record.json) as Obj);
		const before = crds(this.store.resource(crdStorage).objects.values());
		this.store.restore(backup, options.bumpRevision);
		const after = crds(this.store.resource(crdStorage).objects.values());
		const name = (crd: Obj) => `${crd.spec?.group}/${crd.spec?.names?.plural}`;
		const kept = new Set(after.map(name));
		const had = new Set(before.map(name));
		for (const crd of before) if (!kept.has(name(crd))) this.registry.remove(String(crd.spec?.group), String(crd.spec?.names?.plural));
		for (const crd of after) if (!had.has(name(crd))) for (const type of typesFromCrd(crd)) this.registry.add(type);
		const droppedWatches = this.server.dropWatches();
		this.faults.injected.restored++;
		this.workloads?.resyncAll();
		return {resourceVersion: String(this.store.rv), restoredFrom: String(backup.rv), droppedWatches};
	}

	addStopper(stop: () => void): void {
		this.stoppers.push(stop);
	}

	get url(): string {
		return `${this.tls ? 'https' : 'http'}://127.0.0.1:${this.port}`;
	}

	async start(): Promise<this> {
		const scenario = buildScenario(this, this.options.scenario ?? 'incident', {size: this.options.size, hpas: this.options.hpas});
		this.store.markCompacted();
		if (this.options.controllers !== false) {
			this.startControllers(scenario.pools, {leaseRenewMs: scenario.leaseRenewMs});
			scenario.afterControllers?.(this);
			if (scenario.resync !== false) this.workloads!.resyncAll();
			this.nodeGroups!.writeStatus();
		}
		this.startTraffic(this.options.scenario ?? 'incident');
		this.port = await this.server.listen(this.options.port ?? 0, this.options.host ?? '127.0.0.1');
		return this;
	}

	/**
	 * The scenario's simulated clients, backfilled for the last half hour and continued once
	 * a simulated second: a real API server always serves clients besides the one looking
	 * at it, and its /metrics counts them all (open watches, requests per verb and code, APF
	 * rejections). Counted in /metrics whenever the simulated cluster runs (controllers on);
	 * written to the audit log when one is asked for. `incident` and `clean` have clients of
	 * their own; other scenarios get the incident's only for an audit log.
	 */
	private startTraffic(scenario: ScenarioName): void {
		const counted = this.options.controllers !== false;
		const spec = scenarioTraffic(
			scenario,
			this.options.seed ?? 42,
			this.clock.now() - 30 * 60_000,
			Math.max(1, this.store.resource('nodes').size),
			this.gitVersion,
			this.options.auditLog !== undefined,
		);
		if (spec === undefined || (!counted && !this.options.auditLog)) return;
		if (this.options.auditLog) this.auditLog = new SimAuditLog(this.options.auditLog);
		const traffic = new AuditTraffic(spec);
		this.traffic = traffic;
		const pump = () => {
			for (const event of traffic.until(this.clock.now())) {
				if (counted) this.metrics.countTraffic(event);
				this.auditLog?.event(event);
			}
			this.auditLog?.flush();
		};
		pump();
		const timer = this.clock.every(1000, pump);
		this.stoppers.push(() => timer.cancel());
	}

	async close(): Promise<void> {
		this.auditLog?.stop();
		for (const stop of this.stoppers) stop();
		this.clock.stop();
		await this.server.close();
		this.requestLog.flush();
	}

	/** A kubeconfig (YAML) for the real kubectl and for kubectl-assure. */
	kubeconfig(options: KubeconfigOptions = {}): string {
		const name = options.context ?? 'assure-sim';
		const cluster: Obj = {server: options.server ?? this.url};
		if (this.tls) cluster['certificate-authority-data'] = Buffer.from(this.tls.caCertPem).toString('base64');
		else cluster['insecure-skip-tls-verify'] = true;
		let user: Obj;
		if (options.exec)
			user = {
				exec: {
					apiVersion: options.exec.apiVersion ?? 'client.authentication.k8s.io/v1',
					command: options.exec.command,
					args: options.exec.args ?? [],
					env: options.exec.env ?? null,
					interactiveMode: 'Never',
					provideClusterInfo: false,
				},
			};
		else if (options.clientCertificate && this.tls)
			user = {
				'client-certificate-data': Buffer.from(this.tls.clientCertPem).toString('base64'),
				'client-key-data': Buffer.from(this.tls.clientKeyPem).toString('base64'),
			};
		else user = {token: options.token ?? ADMIN_TOKEN};
		return toYaml({
			apiVersion: 'v1',
			kind: 'Config',
			clusters: [{name, cluster}],
			contexts: [{name, context: {cluster: name, user: `${name}-user`, ...(options.namespace ? {namespace: options.namespace} : {})}}],
			'current-context': name,
			users: [{name: `${name}-user`, user}],
			preferences: {},
		});
	}

	writeKubeconfig(path: string, options: KubeconfigOptions = {}): void {
		writeFileSync(path, this.kubeconfig(options), {mode: 0o600});
	}
}

/**
 * The simulated clients of a scenario: the incident's (a DaemonSet watching from every
 * node, a client making unpaged cluster-wide LISTs that APF throttles, informers, kubelets,
 * probes, the controller-manager, a human with kubectl), the clean cluster's (the same
 * without the bad client), or none.
 */
export function scenarioTraffic(
	scenario: ScenarioName,
	seed: number,
	startMs: number,
	nodes: number,
	gitVersion: string,
	forAuditLog: boolean,
): TrafficSpec | undefined {
	const spec = defaultTrafficSpec(seed, startMs, nodes);
	if (scenario === 'clean') return {...spec, kubeVersion: gitVersion, badClients: []};
	if (scenario !== 'incident' && !forAuditLog) return undefined;
	return {
		...spec,
		nodePrefix: 'aks-system-31415926-vmss',
		kubeVersion: gitVersion,
		badClients: (spec.badClients ?? []).map((client) => ({...client, namespace: 'data-platform', serviceAccount: 'acme-inventory'})),
	};
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
	return new Simulator(options).start();
}
