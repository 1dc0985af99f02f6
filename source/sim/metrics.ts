/**
 * The simulator's /metrics page, derived from its own state with the metric names and
 * labels of the server version it plays: object counts (apiserver_storage_objects always;
 * etcd_object_counts before 1.25; apiserver_resource_objects and
 * apiserver_resource_size_estimate_bytes from 1.34), the etcd database size under the
 * name that version uses, open watches, request totals, watch events and APF rejections.
 * Requests and watches count both what the server really serves and what the scenario's
 * simulated clients do (countTraffic), as a real server's metrics count every client.
 */
import type {MetricFamily, Sample} from '../formats/prometheus-text.js';
import type {SimApi} from './api.js';
import type {SimAuditEvent} from './audit-writer.js';
import type {ResourceType} from './resources.js';
import type {Obj} from '../formats/json-object.js';
import {qualifiedResource} from './resources.js';
import {writePrometheusText} from './prometheus-writer.js';

/** The labels of one apiserver_request_total sample. */
export interface RequestLabels {
	verb: string;
	group: string;
	version: string;
	resource: string;
	subresource: string;
	scope: string;
	code: number;
	dryRun: boolean;
}

/** The metrics verb of a write, from the audit verb (CanonicalVerb keeps the HTTP method). */
const METHOD: Record<string, string> = {create: 'POST', update: 'PUT', patch: 'PATCH', delete: 'DELETE', deletecollection: 'DELETE'};

export class SimMetrics {
	private readonly requests = new Map<string, {labels: Record<string, string>; value: number}>();
	private readonly rejections = new Map<string, {labels: Record<string, string>; value: number}>();
	private readonly watchEvents = new Map<string, {labels: Record<string, string>; value: number}>();
	/** etcd never shrinks without a defrag: the database size only grows. */
	private dbSize = 0;
	/** Watches of the simulated clients open now: auditID → the key of their gauge labels. */
	private readonly trafficWatches = new Map<string, string>();
	private readonly trafficWatchGauge = new Map<string, {labels: Record<string, string>; kind: string | undefined; value: number}>();

	constructor(
		private readonly api: SimApi,
		private readonly minor: number,
		private readonly gitVersion: string,
		private readonly openWatches: () => Map<ResourceType, number>,
	) {}

	countRequest(labels: RequestLabels): void {
		this.addRequest({
			code: String(labels.code),
			component: 'apiserver',
			dry_run: labels.dryRun ? 'All' : '',
			group: labels.group,
			resource: labels.resource,
			scope: labels.scope,
			subresource: labels.subresource,
			verb: labels.verb,
			version: labels.version,
		});
	}

	/** A 429 from the throttle fault, attributed to the FlowSchema that would classify the user. */
	countRejection(user: {name: string; groups: string[]}): void {
		const schema = this.matchFlowSchema(user);
		const l = {flow_schema: schema.name, priority_level: schema.priorityLevel, reason: 'queue-full'};
		const key = Object.values(l).join('\u0000');
		const entry = this.rejections.get(key) ?? {labels: l, value: 0};
		entry.value++;
		this.rejections.set(key, entry);
	}

	/**
	 * An audit event of a simulated client, counted as kube-apiserver counts requests
	 * (staging/src/k8s.io/apiserver/pkg/endpoints/metrics/metrics.go): apiserver_request_total
	 * once, when the request completes (a WATCH when it ends: MonitorRequest runs after the
	 * handler returns), with CleanScope's scope (a name or a create: resource; a namespace:
	 * namespace; else cluster) and a non-resource path as the subresource; an APF rejection
	 * also as code 429 (RecordDroppedRequest) and in apiserver_flowcontrol_rejected_requests_total;
	 * apiserver_longrunning_requests up while a watch is open (RecordLongRunning).
	 */
	countTraffic(event: SimAuditEvent): void {
		const ref = event.objectRef;
		const path = event.requestURI.split('?')[0]!;
		const watch = event.verb === 'watch';
		if (ref === undefined || ref.resource === undefined) {
			if (event.stage !== 'ResponseComplete') return;
			this.addRequest({
				code: String(event.responseStatus?.code ?? 200),
				component: '',
				dry_run: '',
				group: '',
				resource: '',
				scope: '',
				subresource: path,
				verb: event.verb.toUpperCase(),
				version: '',
			});
			return;
		}
		const group = ref.apiGroup ?? '';
		const version = ref.apiVersion ?? '';
		// The path after the resource: a name, then a subresource (nodes/NAME/status).
		const parts = path.split('/');
		const at = parts.indexOf(ref.resource);
		const name = ref.name ?? (at >= 0 ? parts[at + 1] : undefined);
		const subresource = ref.subresource ?? (at >= 0 && name ? (parts[at + 2] ?? '') : '');
		const scope = name || event.verb === 'create' ? 'resource' : ref.namespace ? 'namespace' : 'cluster';
		const verb = watch ? 'WATCH' : event.verb === 'get' ? 'GET' : event.verb === 'list' ? 'LIST' : (METHOD[event.verb] ?? event.verb.toUpperCase());
		if (watch) {
			const gauge = {component: 'apiserver', group, resource: ref.resource, scope, subresource, verb: 'WATCH', version};
			const key = Object.values(gauge).join('\u0000');
			if (event.stage === 'ResponseStarted') {
				if (this.trafficWatches.has(event.auditID)) return;
				this.trafficWatches.set(event.auditID, key);
				const entry = this.trafficWatchGauge.get(key) ?? {labels: gauge, kind: this.api.registry.preferred(group, ref.resource)?.kind, value: 0};
				entry.value++;
				this.trafficWatchGauge.set(key, entry);
				return;
			}
			const open = this.trafficWatches.get(event.auditID);
			if (open !== undefined) {
				this.trafficWatches.delete(event.auditID);
				// A gauge keeps its series at 0 once it has been seen, as client_golang does.
				this.trafficWatchGauge.get(open)!.value--;
			}
		}
		if (event.stage !== 'ResponseComplete') return;
		const code = event.responseStatus?.code ?? 200;
		this.addRequest({code: String(code), component: 'apiserver', dry_run: '', group, resource: ref.resource, scope, subresource, verb, version});
		// An APF rejection carries no authorization decision: the request never got that far.
		if (code === 429 && event.annotations?.['authorization.k8s.io/decision'] === undefined)
			this.countRejection({name: event.user.username, groups: event.user.groups ?? []});
	}

	/** One more request with these labels (in the order the key is made of: code, component, dry_run, group, resource, scope, subresource, verb, version). */
	private addRequest(l: Record<string, string>): void {
		const key = Object.values(l).join('\u0000');
		const entry = this.requests.get(key) ?? {labels: l, value: 0};
		entry.value++;
		this.requests.set(key, entry);
	}

	countWatchEvent(type: ResourceType): void {
		const l: Record<string, string> =
			this.minor >= 34 ? {group: type.group, resource: type.resource, version: type.version} : {group: type.group, kind: type.kind, version: type.version};
		const key = Object.values(l).join('\u0000');
		const entry = this.watchEvents.get(key) ?? {labels: l, value: 0};
		entry.value++;
		this.watchEvents.set(key, entry);
	}

	/** The FlowSchema with the lowest matchingPrecedence whose subjects match the user. */
	matchFlowSchema(user: {name: string; groups: string[]}): {name: string; priorityLevel: string} {
		const schemas = this.api
			.objects('flowcontrol.apiserver.k8s.io/flowschemas')
			.sort((a, b) => Number(a.spec?.matchingPrecedence ?? 10000) - Number(b.spec?.matchingPrecedence ?? 10000));
		for (const schema of schemas) {
			for (const rule of (schema.spec?.rules ?? []) as Obj[]) {
				// The throttle fault answers resource requests: rules for non-resource URLs only (probes) do not apply.
				if (((rule.resourceRules ?? []) as Obj[]).length === 0) continue;
				for (const subject of (rule.subjects ?? []) as Obj[]) {
					const match =
						subject.kind === 'User'
							? subject.user?.name === '*' || subject.user?.name === user.name
							: subject.kind === 'Group'
								? subject.group?.name === '*' || user.groups.includes(subject.group?.name)
								: subject.kind === 'ServiceAccount'
									? user.name === `system:serviceaccount:${subject.serviceAccount?.namespace}:${subject.serviceAccount?.name}` ||
										(subject.serviceAccount?.name === '*' && user.name.startsWith(`system:serviceaccount:${subject.serviceAccount?.namespace}:`))
									: false;
					if (match) return {name: schema.metadata.name, priorityLevel: String(schema.spec?.priorityLevelConfiguration?.name ?? '')};
				}
			}
		}
		return {name: 'global-default', priorityLevel: 'global-default'};
	}

	text(): string {
		const families: MetricFamily[] = [];
		const gauge = (name: string, help: string, samples: Sample[]) => families.push({name, type: 'gauge', help, samples});
		const counter = (name: string, help: string, samples: Sample[]) => families.push({name, type: 'counter', help, samples});
		const [, , patch] = this.gitVersion.replace(/^v/, '').split('.');
		gauge(
			'kubernetes_build_info',
			"[ALPHA] A metric with a constant '1' value labeled by major, minor, git version, git commit, git tree state, build date, Go version, and compiler from which Kubernetes was built, and platform on which it is running.",
			[
				{
					name: 'kubernetes_build_info',
					labels: {
						build_date: '2026-01-01T00:00:00Z',
						compiler: 'gc',
						git_commit: '0000000000000000000000000000000000000000',
						git_tree_state: 'clean',
						git_version: this.gitVersion,
						go_version: 'go1.24.0',
						major: '1',
						minor: String(this.minor),
						platform: 'linux/amd64',
					},
					value: 1,
				},
			],
		);
		void patch;

		const stored = this.api.registry.stored().filter((type) => !type.virtual);
		const counts = stored.map((type) => {
			const store = this.api.store.resource(type.storage);
			return {type, count: store.size, bytes: store.bytes};
		});
		gauge(
			'apiserver_storage_objects',
			`[STABLE] Number of stored objects at the time of last check split by kind.${this.minor >= 34 ? ' In case of a fetching error, the value will be -1.' : ''}`,
			counts.map(({type, count}) => ({name: 'apiserver_storage_objects', labels: {resource: qualifiedResource(type)}, value: count})),
		);
		if (this.minor < 25)
			gauge(
				'etcd_object_counts',
				'[ALPHA] (Deprecated since 1.22.0) Number of stored objects at the time of last check split by kind. This metric is replaced by apiserver_storage_object_counts.',
				counts.map(({type, count}) => ({name: 'etcd_object_counts', labels: {resource: qualifiedResource(type)}, value: count})),
			);
		if (this.minor >= 34) {
			gauge(
				'apiserver_resource_objects',
				'[ALPHA] Number of stored objects at the time of last check split by kind. In case of a fetching error, the value will be -1.',
				counts.map(({type, count}) => ({name: 'apiserver_resource_objects', labels: {group: type.group, resource: type.resource}, value: count})),
			);
			gauge(
				'apiserver_resource_size_estimate_bytes',
				'[ALPHA] Estimated size of stored objects in database. Estimate is based on sum of last observed sizes of serialized objects. In case of a fetching error, the value will be -1.',
				counts.map(({type, bytes}) => ({
					name: 'apiserver_resource_size_estimate_bytes',
					labels: {group: type.group, resource: type.resource},
					value: type.resource === 'secrets' || type.resource === 'events' ? -1 : bytes,
				})),
			);
		}
		// Stored JSON is larger than etcd's protobuf, but etcd keeps history until compaction
		// and bbolt keeps free pages: twice the live bytes plus a base is a fair stand-in.
		const live = counts.reduce((sum, c) => sum + c.bytes, 0);
		this.dbSize = Math.max(this.dbSize, 16 * 1024 * 1024 + live * 2);
		if (this.minor <= 25)
			gauge('etcd_db_total_size_in_bytes', '[ALPHA] Total size of the etcd database file physically allocated in bytes.', [
				{name: 'etcd_db_total_size_in_bytes', labels: {endpoint: 'https://127.0.0.1:2379'}, value: this.dbSize},
			]);
		else if (this.minor <= 27)
			gauge('apiserver_storage_db_total_size_in_bytes', '[ALPHA] Total size of the storage database file physically allocated in bytes.', [
				{name: 'apiserver_storage_db_total_size_in_bytes', labels: {endpoint: 'https://127.0.0.1:2379'}, value: this.dbSize},
			]);
		else
			gauge('apiserver_storage_size_bytes', '[STABLE] Size of the storage database file physically allocated in bytes.', [
				{name: 'apiserver_storage_size_bytes', labels: {storage_cluster_id: 'etcd-0'}, value: this.dbSize},
			]);

		// Open watches: the server's own (by type) and the simulated clients' (by their labels), summed per label set.
		const longrunning = new Map<string, {labels: Record<string, string>; value: number}>();
		const registered = new Map<string, {labels: Record<string, string>; value: number}>();
		const addWatches = (labels: Record<string, string>, kind: string | undefined, n: number) => {
			const key = Object.values(labels).join('\u0000');
			const entry = longrunning.get(key) ?? {labels, value: 0};
			entry.value += n;
			longrunning.set(key, entry);
			if (kind === undefined) return;
			const watcher = {group: labels.group!, kind, version: labels.version!};
			const wkey = Object.values(watcher).join('\u0000');
			const w = registered.get(wkey) ?? {labels: watcher, value: 0};
			w.value += n;
			registered.set(wkey, w);
		};
		for (const [type, n] of this.openWatches())
			addWatches(
				{
					component: 'apiserver',
					group: type.group,
					resource: type.resource,
					scope: type.namespaced ? 'namespace' : 'cluster',
					subresource: '',
					verb: 'WATCH',
					version: type.version,
				},
				type.kind,
				n,
			);
		for (const entry of this.trafficWatchGauge.values()) addWatches(entry.labels, entry.kind, entry.value);
		const longSamples = (name: string) => [...longrunning.values()].map((e) => ({name, labels: e.labels, value: e.value}));
		if (this.minor >= 23) {
			gauge(
				'apiserver_longrunning_requests',
				'[STABLE] Gauge of all active long-running apiserver requests broken out by verb, group, version, resource, scope and component. Not all requests are tracked this way.',
				longSamples('apiserver_longrunning_requests'),
			);
		} else {
			gauge(
				'apiserver_longrunning_gauge',
				'[ALPHA] Gauge of all active long-running apiserver requests broken out by verb, group, version, resource, scope and component. Not all requests are tracked this way.',
				longSamples('apiserver_longrunning_gauge'),
			);
			gauge(
				'apiserver_registered_watchers',
				'[ALPHA] Number of currently registered watchers for a given resources',
				[...registered.values()].map((e) => ({name: 'apiserver_registered_watchers', labels: e.labels, value: e.value})),
			);
		}
		counter(
			'apiserver_request_total',
			'[STABLE] Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.',
			[...this.requests.values()].map((e) => ({name: 'apiserver_request_total', labels: e.labels, value: e.value})),
		);
		counter(
			'apiserver_watch_events_total',
			'[ALPHA] Number of events sent in watch clients',
			[...this.watchEvents.values()].map((e) => ({name: 'apiserver_watch_events_total', labels: e.labels, value: e.value})),
		);
		if (this.rejections.size > 0) {
			counter(
				'apiserver_flowcontrol_rejected_requests_total',
				'[BETA] Number of requests rejected by API Priority and Fairness subsystem',
				[...this.rejections.values()].map((e) => ({name: 'apiserver_flowcontrol_rejected_requests_total', labels: e.labels, value: e.value})),
			);
		}
		const levels = this.api.objects('flowcontrol.apiserver.k8s.io/prioritylevelconfigurations');
		const shares = levels
			.filter((l) => l.spec?.type === 'Limited')
			.map((l) => ({name: String(l.metadata.name), shares: Number(l.spec?.limited?.nominalConcurrencyShares ?? 30)}));
		const total = shares.reduce((sum, s) => sum + s.shares, 0) || 1;
		gauge(
			'apiserver_flowcontrol_nominal_limit_seats',
			'[BETA] Nominal number of execution seats configured for each priority level',
			shares.map((s) => ({name: 'apiserver_flowcontrol_nominal_limit_seats', labels: {priority_level: s.name}, value: Math.ceil((600 * s.shares) / total)})),
		);
		return writePrometheusText(families);
	}
}
