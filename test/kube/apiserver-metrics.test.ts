/**
 * Tests for the API-server figures derived from /metrics (source/kube/apiserver-metrics.ts):
 * the three real scrapes (v1.21.14, v1.31.0, v1.35.0) with numbers read from the files, the
 * fallbacks between metric names, "-1 means unknown", several etcd clusters, APF
 * rejections present or absent, and per-second rates between two scrapes.
 */
import {readFileSync} from 'node:fs';
import test, {type ExecutionContext} from 'ava';
import {
	deriveApiServerFigures,
	deriveApf,
	deriveEtcdSize,
	deriveObjectCounts,
	deriveOpenWatches,
	diffCounters,
	splitGroupResource,
} from '../../source/kube/apiserver-metrics.js';
import type {RequestCount} from '../../source/model/apiserver-figures.js';
import {parsePrometheusText, type MetricFamilies} from '../../source/formats/prometheus-text.js';
import {writePrometheusText} from '../../source/sim/prometheus-writer.js';
import {fixtureDir} from '../helpers/fixtures.js';

/** The three real scrapes in test/fixtures/metrics. */
type Version = 'v1.21.14' | 'v1.31.0' | 'v1.35.0';

const metricsDir = fixtureDir('metrics');
function scrape(version: Version): MetricFamilies {
	const parsed = parsePrometheusText(readFileSync(`${metricsDir}kube-apiserver-${version}.metrics.txt`, 'utf8'));
	if (parsed.errorCount > 0) throw new Error(`fixture ${version} did not parse cleanly`);
	return parsed;
}

/** A scrape with some metric families taken out, as an older or newer server would lack them. */
function scrapeWithout(version: Version, families: string[]): MetricFamilies {
	const metrics = scrape(version);
	for (const family of families) metrics.families.delete(family);
	return metrics;
}

function count(figures: ReturnType<typeof deriveObjectCounts>, group: string, resource: string): number | null | undefined {
	return figures.byResource.find((row) => row.group === group && row.resource === resource)?.count;
}

function requestValue(rows: readonly RequestCount[], match: Partial<RequestCount>): number {
	let total = 0;
	for (const row of rows) {
		if (Object.entries(match).every(([key, value]) => row[key as keyof RequestCount] === value)) total += row.value;
	}
	return total;
}

/**
 * What every real scrape is checked for, with the numbers read from the files, one table per
 * figure and one row per scrape: object counts, etcd size, open watches (the GET long-running
 * requests on pods, logs and exec, are no watches), requests, requests in flight and APF's
 * queues. What only one scrape shows has a test of its own below.
 */
const VERSIONS: Version[] = ['v1.21.14', 'v1.31.0', 'v1.35.0'];
const OBJECTS = {
	'v1.21.14': {source: 'apiserver_storage_objects', resources: 48, total: 545, pods: 27, deployments: 6, sizeEstimates: null},
	'v1.31.0': {source: 'apiserver_storage_objects', resources: 49, total: 435, pods: 22, deployments: 6, sizeEstimates: null},
	'v1.35.0': {
		source: 'apiserver_resource_objects',
		resources: 56,
		total: 460,
		pods: 21,
		deployments: 6,
		sizeEstimates: 'apiserver_resource_size_estimate_bytes',
	},
} as const;
const ETCD = {
	'v1.21.14': {
		source: 'etcd_db_total_size_in_bytes',
		bytes: 2_985_984,
		totalBytes: 2_985_984,
		parts: [{label: 'endpoint', id: 'https://127.0.0.1:2379', bytes: 2_985_984}],
	},
	'v1.31.0': {
		source: 'apiserver_storage_size_bytes',
		bytes: 2_260_992,
		totalBytes: 2_260_992,
		parts: [{label: 'storage_cluster_id', id: 'etcd-0', bytes: 2_260_992}],
	},
	'v1.35.0': {
		source: 'apiserver_storage_size_bytes',
		bytes: 2_093_056,
		totalBytes: 2_093_056,
		parts: [{label: 'storage_cluster_id', id: 'etcd-0', bytes: 2_093_056}],
	},
} as const;
const WATCHES = {
	'v1.21.14': {source: 'apiserver_longrunning_gauge', total: 130, resources: 49, pods: 6},
	'v1.31.0': {source: 'apiserver_longrunning_requests', total: 148, resources: 48, pods: 7},
	'v1.35.0': {source: 'apiserver_longrunning_requests', total: 170, resources: 55, pods: 8},
} as const;
const REQUESTS = {
	'v1.21.14': {total: 3511, rows: 213, listPods: 119, inflight: {readOnly: 1, mutating: 1}},
	'v1.31.0': {total: 1916, rows: 188, listPods: 55, inflight: {readOnly: 1, mutating: 0}},
	'v1.35.0': {total: 1873, rows: 169, listPods: 28, inflight: {readOnly: 1, mutating: 1}},
} as const;
const APF = {
	'v1.21.14': {inQueueRows: 7, executingRows: 8, executing: 1, workloadLowLimit: 293},
	'v1.31.0': {inQueueRows: 9, executingRows: 12, executing: 1, workloadLowLimit: 245},
	'v1.35.0': {inQueueRows: 7, executingRows: 10, executing: 1, workloadLowLimit: 245},
} as const;

/** Counts read from a fallback family: the same total, pods and deployments as from the scrape's first choice. */
function sameCounts(t: ExecutionContext, counts: ReturnType<typeof deriveObjectCounts>, version: Version): void {
	t.is(counts.total, OBJECTS[version].total);
	t.is(count(counts, '', 'pods'), OBJECTS[version].pods);
	t.is(count(counts, 'apps', 'deployments'), OBJECTS[version].deployments);
}

for (const version of VERSIONS) {
	test(`${version}: version, object counts, etcd size, watches, requests, in flight and APF queues`, (t) => {
		const figures = deriveApiServerFigures(scrape(version));
		t.is(figures.kubernetesVersion, version);
		t.is(figures.versionSource, 'kubernetes_build_info');

		const objects = OBJECTS[version];
		t.is(figures.objectCounts.source, objects.source);
		t.is(figures.objectCounts.byResource.length, objects.resources);
		t.is(figures.objectCounts.total, objects.total);
		t.is(figures.objectCounts.unknown, 0);
		t.is(count(figures.objectCounts, '', 'pods'), objects.pods);
		t.is(count(figures.objectCounts, 'apps', 'deployments'), objects.deployments);
		t.is(figures.sizeEstimates.source, objects.sizeEstimates);

		t.deepEqual(figures.etcdSize, ETCD[version]);

		const watches = WATCHES[version];
		t.is(figures.watches.source, watches.source);
		t.is(figures.watches.total, watches.total);
		t.is(figures.watches.byResource.length, watches.resources);
		t.deepEqual(
			figures.watches.byResource.find((row) => row.resource === 'pods'),
			{group: '', resource: 'pods', kind: null, count: watches.pods},
		);

		const requests = REQUESTS[version];
		t.is(figures.requests.source, 'apiserver_request_total');
		t.is(figures.requests.total, requests.total);
		t.is(figures.requests.rows.length, requests.rows);
		t.is(requestValue(figures.requests.rows, {verb: 'LIST', resource: 'pods', code: '200'}), requests.listPods);
		t.deepEqual(figures.inflight, {source: 'apiserver_current_inflight_requests', ...requests.inflight});

		const apf = APF[version];
		t.true(figures.apf.enabled);
		t.is(figures.apf.inQueue.rows.length, apf.inQueueRows);
		t.is(figures.apf.executing.rows.length, apf.executingRows);
		t.is(figures.apf.executing.total, apf.executing);
		t.is(figures.apf.nominalLimits.byPriorityLevel['workload-low'], apf.workloadLowLimit);
	});
}

test('v1.21.14: old metric names (storage objects, etcd_db_total_size_in_bytes, longrunning_gauge, concurrency limit)', (t) => {
	const figures = deriveApiServerFigures(scrape('v1.21.14'));
	t.deepEqual(figures.objectCounts.byResource[0], {group: '', resource: 'events', count: 154});
	t.deepEqual(figures.objectCounts.byResource[1], {group: 'rbac.authorization.k8s.io', resource: 'clusterroles', count: 69});

	t.regex(figures.sizeEstimates.note, /apiserver_resource_size_estimate_bytes absent/);
	t.deepEqual(figures.sizeEstimates.byResource, []);

	t.deepEqual(figures.watches.byResource[0], {group: '', resource: 'services', kind: null, count: 7});

	t.is(requestValue(figures.requests.rows, {verb: 'LIST'}), 341);
	t.is(requestValue(figures.requests.rows, {verb: 'WATCH'}), 105);
	t.is(
		figures.requests.rows.filter((row) => row.code.startsWith('4') || row.code.startsWith('5')).reduce((s, r) => s + r.value, 0),
		290,
	);
	t.like(figures.requests.rows[0], {verb: 'GET', resource: '', subresource: '/readyz', code: '200', value: 504});

	const apf = figures.apf;
	t.deepEqual(apf.rejected, {source: null, rows: [], total: 0, byPriorityLevel: {}});
	t.is(apf.inQueue.source, 'apiserver_flowcontrol_current_inqueue_requests');
	t.is(apf.inQueue.unit, 'requests');
	t.is(apf.inQueue.total, 0);
	t.is(apf.executing.source, 'apiserver_flowcontrol_current_executing_requests');
	t.is(apf.executing.unit, 'requests');
	t.deepEqual(apf.executing.rows[0], {flowSchema: 'service-accounts', priorityLevel: 'workload-low', value: 1});
	t.deepEqual(apf.nominalLimits, {
		source: 'apiserver_flowcontrol_request_concurrency_limit',
		byPriorityLevel: {
			'catch-all': 15,
			'global-default': 59,
			'leader-election': 30,
			system: 88,
			'workload-high': 118,
			'workload-low': 293,
		},
	});
	t.deepEqual(apf.currentLimits, {source: null, byPriorityLevel: {}});
});

test('v1.21.14: falls back to etcd_object_counts and apiserver_registered_watchers when newer families are gone', (t) => {
	const metrics = scrapeWithout('v1.21.14', ['apiserver_storage_objects', 'apiserver_longrunning_gauge']);
	const counts = deriveObjectCounts(metrics);
	t.is(counts.source, 'etcd_object_counts');
	sameCounts(t, counts, 'v1.21.14');
	const watches = deriveOpenWatches(metrics);
	t.is(watches.source, 'apiserver_registered_watchers');
	t.is(watches.total, 139);
	// 51 lines, 49 group/kind pairs: HPA and EndpointSlice are watched in two versions each.
	t.is(watches.byResource.length, 49);
	t.is(watches.byResource.find((row) => row.kind === 'HorizontalPodAutoscaler')?.count, 2);
	t.deepEqual(watches.byResource[0], {group: '', resource: null, kind: 'ConfigMap', count: 11});
	t.deepEqual(
		watches.byResource.find((row) => row.kind === 'Pod'),
		{group: '', resource: null, kind: 'Pod', count: 6},
	);
});

test('v1.31.0: apiserver_storage_size_bytes, longrunning_requests, seats and nominal limits', (t) => {
	const figures = deriveApiServerFigures(scrape('v1.31.0'));
	t.is(count(figures.objectCounts, '', 'nodes'), 0);
	t.is(count(figures.objectCounts, '', 'events'), 151);

	t.deepEqual(figures.watches.byResource[0], {group: '', resource: 'configmaps', kind: null, count: 12});

	t.is(requestValue(figures.requests.rows, {verb: 'GET'}), 713);
	t.like(figures.requests.rows[0], {verb: 'POST', resource: 'events', code: '201', value: 150});

	const apf = figures.apf;
	t.is(apf.rejected.total, 0);
	t.is(apf.rejected.source, null);
	t.is(apf.inQueue.source, 'apiserver_flowcontrol_current_inqueue_seats');
	t.is(apf.inQueue.unit, 'seats');
	t.is(apf.executing.source, 'apiserver_flowcontrol_current_executing_seats');
	t.is(apf.nominalLimits.source, 'apiserver_flowcontrol_nominal_limit_seats');
	t.deepEqual(apf.nominalLimits.byPriorityLevel, {
		'catch-all': 13,
		exempt: 0,
		'global-default': 49,
		'leader-election': 25,
		'node-high': 98,
		system: 74,
		'workload-high': 98,
		'workload-low': 245,
	});
	t.is(apf.currentLimits.source, 'apiserver_flowcontrol_current_limit_seats');
	t.is(apf.currentLimits.byPriorityLevel['workload-high'], 114);
	t.is(apf.currentLimits.byPriorityLevel['node-high'], 170);
});

test('v1.31.0: executing seats fall back to the deprecated request_concurrency_in_use', (t) => {
	const apf = deriveApf(scrapeWithout('v1.31.0', ['apiserver_flowcontrol_current_executing_seats']));
	t.is(apf.executing.source, 'apiserver_flowcontrol_request_concurrency_in_use');
	t.is(apf.executing.unit, 'seats');
	t.is(apf.executing.total, 1);
	t.is(apf.executing.rows.length, 12);
});

test('v1.35.0: apiserver_resource_objects and size estimates', (t) => {
	const figures = deriveApiServerFigures(scrape('v1.35.0'));
	t.is(count(figures.objectCounts, '', 'events'), 101);

	t.is(figures.sizeEstimates.note, '');
	t.is(figures.sizeEstimates.byResource.length, 56);
	t.deepEqual(figures.sizeEstimates.byResource[0], {group: '', resource: 'pods', bytes: 92_925});
	t.deepEqual(
		figures.sizeEstimates.byResource.find((row) => row.resource === 'deployments'),
		{group: 'apps', resource: 'deployments', bytes: 21_372},
	);
	// The scrape reports -1 (an error) for events: unknown, listed last, not subtracted.
	t.deepEqual(figures.sizeEstimates.byResource.at(-1), {group: '', resource: 'events', bytes: null});
	t.is(figures.sizeEstimates.byResource.filter((row) => row.bytes === null).length, 1);
	t.is(
		figures.sizeEstimates.byResource.reduce((sum, row) => sum + (row.bytes ?? 0), 0),
		414_929,
	);

	t.is(requestValue(figures.requests.rows, {verb: 'LIST'}), 56);
});

test('v1.35.0: without apiserver_resource_objects the deprecated storage objects are split into group and resource', (t) => {
	const counts = deriveObjectCounts(scrapeWithout('v1.35.0', ['apiserver_resource_objects']));
	t.is(counts.source, 'apiserver_storage_objects');
	sameCounts(t, counts, 'v1.35.0');
	t.is(count(counts, 'apiextensions.k8s.io', 'customresourcedefinitions'), 0);
	t.is(count(counts, 'apiextensions.k8s.io', 'customresourcedefinitions.apiextensions.k8s.io'), undefined);
});

test('splitGroupResource', (t) => {
	t.deepEqual(splitGroupResource('pods'), {group: '', resource: 'pods'});
	t.deepEqual(splitGroupResource('deployments.apps'), {group: 'apps', resource: 'deployments'});
	t.deepEqual(splitGroupResource('scaledobjects.keda.sh'), {group: 'keda.sh', resource: 'scaledobjects'});
});

test('a count of -1 is unknown, not negative', (t) => {
	const metrics = parsePrometheusText(
		[
			'# TYPE apiserver_storage_objects gauge',
			'apiserver_storage_objects{resource="pods"} 150000',
			'apiserver_storage_objects{resource="widgets.example.com"} -1',
			'apiserver_storage_objects{resource="customresourcedefinitions.apiextensions.k8s.io"} 12',
			'apiserver_storage_objects{resource="events"} 4.2e4',
			'# TYPE apiserver_resource_size_estimate_bytes gauge',
			'apiserver_resource_size_estimate_bytes{group="",resource="pods"} -1',
			'apiserver_resource_size_estimate_bytes{group="",resource="events"} 5e7',
		].join('\n'),
	);
	const figures = deriveApiServerFigures(metrics);
	t.deepEqual(figures.objectCounts, {
		source: 'apiserver_storage_objects',
		byResource: [
			{group: '', resource: 'pods', count: 150_000},
			{group: '', resource: 'events', count: 42_000},
			{group: 'apiextensions.k8s.io', resource: 'customresourcedefinitions', count: 12},
			{group: 'example.com', resource: 'widgets', count: null},
		],
		total: 192_012,
		unknown: 1,
	});
	t.deepEqual(figures.sizeEstimates.byResource, [
		{group: '', resource: 'events', bytes: 5e7},
		{group: '', resource: 'pods', bytes: null},
	]);
});

test('etcd size: several members of one cluster (1.26-1.27 name) and several clusters (1.28+) take the largest part', (t) => {
	const members = parsePrometheusText(
		[
			'# TYPE apiserver_storage_db_total_size_in_bytes gauge',
			'apiserver_storage_db_total_size_in_bytes{endpoint="https://10.0.0.1:2379"} 1.2e9',
			'apiserver_storage_db_total_size_in_bytes{endpoint="https://10.0.0.2:2379"} 1.25e9',
			'apiserver_storage_db_total_size_in_bytes{endpoint="https://10.0.0.3:2379"} 1.1e9',
		].join('\n'),
	);
	const memberSize = deriveEtcdSize(members);
	t.is(memberSize.source, 'apiserver_storage_db_total_size_in_bytes');
	t.is(memberSize.bytes, 1.25e9);
	t.deepEqual(
		memberSize.parts.map((part) => part.id),
		['https://10.0.0.2:2379', 'https://10.0.0.1:2379', 'https://10.0.0.3:2379'],
	);

	// Written by the simulator's writer, as its /metrics would serve it.
	const clusters = parsePrometheusText(
		writePrometheusText([
			{
				name: 'apiserver_storage_size_bytes',
				type: 'gauge',
				help: '[STABLE] Size of the storage database file physically allocated in bytes.',
				samples: [
					{name: 'apiserver_storage_size_bytes', labels: {storage_cluster_id: 'etcd-events'}, value: 8e8},
					{name: 'apiserver_storage_size_bytes', labels: {storage_cluster_id: 'etcd-main'}, value: 1.9e9},
				],
			},
			{
				name: 'etcd_db_total_size_in_bytes',
				type: 'gauge',
				help: '',
				samples: [{name: 'etcd_db_total_size_in_bytes', labels: {endpoint: 'x'}, value: 5}],
			},
		]),
	);
	t.deepEqual(deriveEtcdSize(clusters), {
		source: 'apiserver_storage_size_bytes',
		bytes: 1.9e9,
		totalBytes: 2.7e9,
		parts: [
			{label: 'storage_cluster_id', id: 'etcd-main', bytes: 1.9e9},
			{label: 'storage_cluster_id', id: 'etcd-events', bytes: 8e8},
		],
	});
});

test('APF rejections by flow schema and priority level', (t) => {
	const metrics = parsePrometheusText(
		[
			'# TYPE apiserver_flowcontrol_rejected_requests_total counter',
			'apiserver_flowcontrol_rejected_requests_total{flow_schema="service-accounts",priority_level="workload-low",reason="queue-full"} 120',
			'apiserver_flowcontrol_rejected_requests_total{flow_schema="service-accounts",priority_level="workload-low",reason="time-out"} 30',
			'apiserver_flowcontrol_rejected_requests_total{flow_schema="global-default",priority_level="global-default",reason="concurrency-limit"} 5',
		].join('\n'),
	);
	const apf = deriveApf(metrics);
	t.true(apf.enabled);
	t.is(apf.rejected.source, 'apiserver_flowcontrol_rejected_requests_total');
	t.is(apf.rejected.total, 155);
	t.deepEqual(apf.rejected.byPriorityLevel, {'workload-low': 150, 'global-default': 5});
	t.deepEqual(
		apf.rejected.rows.map((row) => [row.flowSchema, row.priorityLevel, row.reason, row.value]),
		[
			['service-accounts', 'workload-low', 'queue-full', 120],
			['service-accounts', 'workload-low', 'time-out', 30],
			['global-default', 'global-default', 'concurrency-limit', 5],
		],
	);
	t.is(apf.inQueue.source, null);
	t.is(apf.inQueue.total, null);
});

test('an empty or foreign page gives empty figures, not errors', (t) => {
	const figures = deriveApiServerFigures(parsePrometheusText('# TYPE go_goroutines gauge\ngo_goroutines 12\n'));
	t.is(figures.kubernetesVersion, null);
	t.is(figures.versionSource, null);
	t.deepEqual(figures.objectCounts, {source: null, byResource: [], total: 0, unknown: 0});
	t.deepEqual(figures.etcdSize, {source: null, bytes: null, totalBytes: null, parts: []});
	t.deepEqual(figures.watches, {source: null, total: null, byResource: []});
	t.deepEqual(figures.requests, {source: null, rows: [], total: 0});
	t.deepEqual(figures.inflight, {source: null, readOnly: null, mutating: null});
	t.false(figures.apf.enabled);
	// APF looks off: rejections are unknown, not zero.
	t.is(figures.apf.rejected.total, null);
	t.is(figures.apf.nominalLimits.source, null);
});

test('kubernetes_build_info with a gitVersion label is read too', (t) => {
	const figures = deriveApiServerFigures(parsePrometheusText('kubernetes_build_info{gitVersion="v1.27.3-eks-a5565ad",major="1",minor="27+"} 1\n'));
	t.is(figures.kubernetesVersion, 'v1.27.3-eks-a5565ad');
});

test('diffCounters: rates between two scrapes, new series and counter resets', (t) => {
	const before = deriveApiServerFigures(scrape('v1.31.0')).requests.rows;
	const eventsKey = before.find((row) => row.verb === 'POST' && row.resource === 'events')!.key;
	const readyzKey = before.find((row) => row.subresource === '/readyz' && row.code === '200')!.key;
	const after: RequestCount[] = before.map((row) => {
		if (row.key === eventsKey) return {...row, value: row.value + 300}; // 150 → 450
		if (row.key === readyzKey) return {...row, value: 4}; // 99 → 4: the server restarted
		return row;
	});
	const newKey = 'LIST\u0000\u0000secrets\u0000\u0000429';
	t.false(before.some((row) => row.key === newKey));
	after.push({key: newKey, verb: 'LIST', group: '', resource: 'secrets', subresource: '', code: '429', value: 60});
	const rates = diffCounters(before, after, 30);
	t.is(rates.length, after.length);
	t.like(rates[0], {key: eventsKey, increase: 300, perSecond: 10, reset: false});
	t.like(rates[1], {resource: 'secrets', code: '429', increase: 60, perSecond: 2, reset: false});
	t.like(
		rates.find((rate) => rate.key === readyzKey),
		{increase: 4, reset: true},
	);
	t.is(rates.find((rate) => rate.key === readyzKey)?.perSecond, 4 / 30);
	const unchanged = rates.filter((rate) => rate.key !== eventsKey && rate.key !== readyzKey && rate.key !== newKey);
	t.is(unchanged.length, before.length - 2);
	t.true(unchanged.every((rate) => rate.increase === 0 && rate.perSecond === 0 && !rate.reset));
	// Rows that vanished are left out.
	t.is(diffCounters(before, after.slice(1), 30).length, after.length - 1);
	for (const seconds of [0, -5, Number.NaN, Number.POSITIVE_INFINITY]) {
		t.throws(() => diffCounters(before, after, seconds), {instanceOf: RangeError});
	}
});
