/**
 * The simulator's /metrics page, derived from its own state with the metric names and
 * labels of the server version it plays: object counts (apiserver_storage_objects always;
 * etcd_object_counts before 1.25; apiserver_resource_objects and
 * apiserver_resource_size_estimate_bytes from 1.34), the etcd database size under the
 * name that version uses, open watches, request totals, watch events and APF rejections.
 */
import type {MetricFamily, Sample} from '../kube/prometheus.js';
import type {SimApi} from './api.js';
import type {Obj, ResourceType} from './resources.js';
import {qualifiedResource} from './resources.js';
import {writePrometheusText} from './prometheus-writer.js';

interface RequestLabels {
	verb: string;
	group: string;
	version: string;
	resource: string;
	subresource: string;
	scope: string;
	code: number;
	dryRun: boolean;
}

export class SimMetrics {
	private readonly requests = new Map<string, {labels: Record<string, string>; value: number}>();
	private readonly rejections = new Map<string, {labels: Record<string, string>; value: number}>();
	private readonly watchEvents = new Map<string, {labels: Record<string, string>; value: number}>();
	/** etcd never shrinks without a defrag: the database size only grows. */
	private dbSize = 0;

	constructor(private readonly api: SimApi, private readonly minor: number, private readonly gitVersion: string, private readonly openWatches: () => Map<ResourceType, number>) {}

	countRequest(labels: RequestLabels): void {
		const l: Record<string, string> = {code: String(labels.code), component: 'apiserver', dry_run: labels.dryRun ? 'All' : '', group: labels.group, resource: labels.resource, scope: labels.scope, subresource: labels.subresource, verb: labels.verb, version: labels.version};
		const key = Object.values(l).join('\u0000');
		const entry = this.requests.get(key) ?? {labels: l, value: 0};
		entry.value++;
		this.requests.set(key, entry);
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

	countWatchEvent(type: ResourceType): void {
		const l: Record<string, string> = this.minor >= 34 ? {group: type.group, resource: type.resource, version: type.version} : {group: type.group, kind: type.kind, version: type.version};
		const key = Object.values(l).join('\u0000');
		const entry = this.watchEvents.get(key) ?? {labels: l, value: 0};
		entry.value++;
		this.watchEvents.set(key, entry);
	}

	/** The FlowSchema with the lowest matchingPrecedence whose subjects match the user. */
	matchFlowSchema(user: {name: string; groups: string[]}): {name: string; priorityLevel: string} {
		const schemas = this.api.objects('flowcontrol.apiserver.k8s.io/flowschemas').sort((a, b) => Number(a.spec?.matchingPrecedence ?? 10000) - Number(b.spec?.matchingPrecedence ?? 10000));
		for (const schema of schemas) {
			for (const rule of (schema.spec?.rules ?? []) as Obj[]) {
				// The throttle fault answers resource requests: rules for non-resource URLs only (probes) do not apply.
				if (((rule.resourceRules ?? []) as Obj[]).length === 0) continue;
				for (const subject of (rule.subjects ?? []) as Obj[]) {
					const match = subject.kind === 'User' ? subject.user?.name === '*' || subject.user?.name === user.name
						: subject.kind === 'Group' ? subject.group?.name === '*' || user.groups.includes(subject.group?.name)
							: subject.kind === 'ServiceAccount' ? user.name === `system:serviceaccount:${subject.serviceAccount?.namespace}:${subject.serviceAccount?.name}` || (subject.serviceAccount?.name === '*' && user.name.startsWith(`system:serviceaccount:${subject.serviceAccount?.namespace}:`))
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
		gauge('kubernetes_build_info', '[ALPHA] A metric with a constant \'1\' value labeled by major, minor, git version, git commit, git tree state, build date, Go version, and compiler from which Kubernetes was built, and platform on which it is running.', [
			{name: 'kubernetes_build_info', labels: {build_date: '2026-01-01T00:00:00Z', compiler: 'gc', git_commit: '0000000000000000000000000000000000000000', git_tree_state: 'clean', git_version: this.gitVersion, go_version: 'go1.24.0', major: '1', minor: String(this.minor), platform: 'linux/amd64'}, value: 1},
		]);
		void patch;

		const stored = this.api.registry.stored().filter((type) => !type.virtual);
		const counts = stored.map((type) => {
			const store = this.api.store.resource(type.storage);
			return {type, count: store.size, bytes: store.bytes};
		});
		gauge('apiserver_storage_objects', `[STABLE] Number of stored objects at the time of last check split by kind.${this.minor >= 34 ? ' In case of a fetching error, the value will be -1.' : ''}`, counts.map(({type, count}) => ({name: 'apiserver_storage_objects', labels: {resource: qualifiedResource(type)}, value: count})));
		if (this.minor < 25) gauge('etcd_object_counts', '[ALPHA] (Deprecated since 1.22.0) Number of stored objects at the time of last check split by kind. This metric is replaced by apiserver_storage_object_counts.', counts.map(({type, count}) => ({name: 'etcd_object_counts', labels: {resource: qualifiedResource(type)}, value: count})));
		if (this.minor >= 34) {
			gauge('apiserver_resource_objects', '[ALPHA] Number of stored objects at the time of last check split by kind. In case of a fetching error, the value will be -1.', counts.map(({type, count}) => ({name: 'apiserver_resource_objects', labels: {group: type.group, resource: type.resource}, value: count})));
			gauge('apiserver_resource_size_estimate_bytes', '[ALPHA] Estimated size of stored objects in database. Estimate is based on sum of last observed sizes of serialized objects. In case of a fetching error, the value will be -1.', counts.map(({type, bytes}) => ({name: 'apiserver_resource_size_estimate_bytes', labels: {group: type.group, resource: type.resource}, value: type.resource === 'secrets' || type.resource === 'events' ? -1 : bytes})));
		}
		// Stored JSON is larger than etcd's protobuf, but etcd keeps history until compaction
		// and bbolt keeps free pages: twice the live bytes plus a base is a fair stand-in.
		const live = counts.reduce((sum, c) => sum + c.bytes, 0);
		this.dbSize = Math.max(this.dbSize, 16 * 1024 * 1024 + live * 2);
		if (this.minor <= 25) gauge('etcd_db_total_size_in_bytes', '[ALPHA] Total size of the etcd database file physically allocated in bytes.', [{name: 'etcd_db_total_size_in_bytes', labels: {endpoint: 'https://127.0.0.1:2379'}, value: this.dbSize}]);
		else if (this.minor <= 27) gauge('apiserver_storage_db_total_size_in_bytes', '[ALPHA] Total size of the storage database file physically allocated in bytes.', [{name: 'apiserver_storage_db_total_size_in_bytes', labels: {endpoint: 'https://127.0.0.1:2379'}, value: this.dbSize}]);
		else gauge('apiserver_storage_size_bytes', '[STABLE] Size of the storage database file physically allocated in bytes.', [{name: 'apiserver_storage_size_bytes', labels: {storage_cluster_id: 'etcd-0'}, value: this.dbSize}]);

		const watches = this.openWatches();
		if (this.minor >= 23) {
			gauge('apiserver_longrunning_requests', '[STABLE] Gauge of all active long-running apiserver requests broken out by verb, group, version, resource, scope and component. Not all requests are tracked this way.', [...watches].map(([type, n]) => ({name: 'apiserver_longrunning_requests', labels: {component: 'apiserver', group: type.group, resource: type.resource, scope: type.namespaced ? 'namespace' : 'cluster', subresource: '', verb: 'WATCH', version: type.version}, value: n})));
		} else {
			gauge('apiserver_longrunning_gauge', '[ALPHA] Gauge of all active long-running apiserver requests broken out by verb, group, version, resource, scope and component. Not all requests are tracked this way.', [...watches].map(([type, n]) => ({name: 'apiserver_longrunning_gauge', labels: {component: 'apiserver', group: type.group, resource: type.resource, scope: type.namespaced ? 'namespace' : 'cluster', subresource: '', verb: 'WATCH', version: type.version}, value: n})));
			gauge('apiserver_registered_watchers', '[ALPHA] Number of currently registered watchers for a given resources', [...watches].map(([type, n]) => ({name: 'apiserver_registered_watchers', labels: {group: type.group, kind: type.kind, version: type.version}, value: n})));
		}
		counter('apiserver_request_total', '[STABLE] Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.', [...this.requests.values()].map((e) => ({name: 'apiserver_request_total', labels: e.labels, value: e.value})));
		counter('apiserver_watch_events_total', '[ALPHA] Number of events sent in watch clients', [...this.watchEvents.values()].map((e) => ({name: 'apiserver_watch_events_total', labels: e.labels, value: e.value})));
		if (this.rejections.size > 0) {
			counter('apiserver_flowcontrol_rejected_requests_total', '[BETA] Number of requests rejected by API Priority and Fairness subsystem', [...this.rejections.values()].map((e) => ({name: 'apiserver_flowcontrol_rejected_requests_total', labels: e.labels, value: e.value})));
		}
		const levels = this.api.objects('flowcontrol.apiserver.k8s.io/prioritylevelconfigurations');
		const shares = levels.filter((l) => l.spec?.type === 'Limited').map((l) => ({name: String(l.metadata.name), shares: Number(l.spec?.limited?.nominalConcurrencyShares ?? 30)}));
		const total = shares.reduce((sum, s) => sum + s.shares, 0) || 1;
		gauge('apiserver_flowcontrol_nominal_limit_seats', '[BETA] Nominal number of execution seats configured for each priority level', shares.map((s) => ({name: 'apiserver_flowcontrol_nominal_limit_seats', labels: {priority_level: s.name}, value: Math.ceil((600 * s.shares) / total)})));
		return writePrometheusText(families);
	}
}
