/**
 * Tests for the etcd pane analyzer (source/findings/etcd.ts) on hand-built states: a
 * clean cluster (no finding), an incident-shaped cluster (every finding type, with its
 * counts, grouping, severity and linked rows), the etcd bar for each metric generation and
 * for "unknown", the namespace option, and the full object lists behind retention findings.
 */
import test from 'ava';
import fc from 'fast-check';
import {analyzeEtcd} from '../../source/findings/etcd.js';
import {deleteTargetsFor} from '../../source/plans/etcd.js';
import {MAX_OBJECTS, qualifiedResource, resourceRowId} from '../../source/findings/etcd/context.js';
import {finishedJobsFor} from '../../source/findings/etcd/jobs.js';
import {countObjectsByNamespace} from '../../source/findings/etcd/namespaces.js';
import {finishedPodsFor} from '../../source/findings/etcd/pods.js';
import {oldReplicaSetsOf} from '../../source/findings/etcd/replicasets.js';
import {usageBar} from '../../source/findings/etcd/size.js';
import type {Finding, PaneView} from '../../source/model/finding.js';
import {deriveApiServerFigures} from '../../source/kube/apiserver-metrics.js';
import type {ApiServerFigures} from '../../source/model/apiserver-figures.js';
import {parsePrometheusText} from '../../source/formats/prometheus-text.js';
import {emptyState} from '../../source/model/empty-state.js';
import type {SlimClaim, SlimCronJob, SlimHpa, SlimJob, SlimPersistentVolume, SlimPod, SlimQuota, SlimWorkload} from '../../source/model/slim.js';
import {objectKey, type ClusterState, type CountPoint, type EventSourceRate, type ResourceCount} from '../../source/model/state.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const KIB = 1024;
const MIB = 1024 * KIB;
const GIB = 1024 * MIB;
const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);

// ---------------------------------------------------------------------------------------
// Builders

let uidCounter = 0;
function meta(namespace: string, name: string, ageMs: number) {
	uidCounter++;
	return {namespace, name, uid: `uid-${uidCounter}`, resourceVersion: String(1000 + uidCounter), created: NOW - ageMs};
}

const SPEC = {containers: [{name: 'c', role: 'container' as const, requests: {}, limits: {}}]};

function keyed<T extends {namespace: string; name: string}>(items: readonly T[]): Map<string, T> {
	return new Map(items.map((item) => [objectKey(item.namespace, item.name), item]));
}

function job(namespace: string, name: string, opts: {cronJob?: string; finishedAgo?: number; ttl?: number; outcome?: 'Complete' | 'Failed'; running?: boolean} = {}): SlimJob {
	const finishedAgo = opts.finishedAgo ?? 2 * HOUR;
	const j: SlimJob = {...meta(namespace, name, finishedAgo + 5 * MIN), suspended: false};
	if (opts.cronJob) {
		j.cronJob = opts.cronJob;
		j.owner = {kind: 'CronJob', name: opts.cronJob, uid: `cron-${opts.cronJob}`};
	}
	if (opts.ttl !== undefined) j.ttlSecondsAfterFinished = opts.ttl;
	if (!opts.running) {
		j.outcome = opts.outcome ?? 'Complete';
		j.started = NOW - finishedAgo - 4 * MIN;
		j.finished = NOW - finishedAgo;
	}
	return j;
}

function pod(namespace: string, name: string, opts: {phase?: SlimPod['phase']; finishedAgo?: number; owner?: {kind: string; name: string}; claims?: string[]} = {}): SlimPod {
	const phase = opts.phase ?? 'Running';
	const p: SlimPod = {...meta(namespace, name, (opts.finishedAgo ?? 0) + 10 * MIN), phase, spec: SPEC};
	if (opts.owner) p.owner = {...opts.owner, uid: `owner-${opts.owner.name}`};
	if (phase === 'Succeeded' || phase === 'Failed') p.finished = NOW - (opts.finishedAgo ?? 2 * HOUR);
	if (opts.claims) p.claims = opts.claims;
	return p;
}

function jobPods(jobs: readonly SlimJob[]): SlimPod[] {
	return jobs.filter((j) => j.finished !== undefined).map((j) => pod(j.namespace, `${j.name}-x1`, {phase: j.outcome === 'Failed' ? 'Failed' : 'Succeeded', finishedAgo: NOW - j.finished!, owner: {kind: 'Job', name: j.name}}));
}

function workload(kind: SlimWorkload['kind'], namespace: string, name: string, opts: {replicas?: number; limit?: number; owner?: string; revision?: number; ageMs?: number} = {}): SlimWorkload {
	const w: SlimWorkload = {...meta(namespace, name, opts.ageMs ?? 10 * DAY), kind, generation: 1, replicas: opts.replicas ?? 1, readyReplicas: opts.replicas ?? 1, currentReplicas: opts.replicas ?? 1, template: SPEC};
	if (opts.limit !== undefined) w.revisionHistoryLimit = opts.limit;
	if (opts.owner) w.owner = {kind: 'Deployment', name: opts.owner, uid: `dep-${opts.owner}`};
	if (opts.revision !== undefined) w.revision = opts.revision;
	return w;
}

/** A Deployment with `old` zero-replica ReplicaSets and one current one. */
function deploymentWithHistory(namespace: string, name: string, old: number, limit?: number): SlimWorkload[] {
	const out = [workload('Deployment', namespace, name, {replicas: 2, limit})];
	for (let i = 1; i <= old; i++) out.push(workload('ReplicaSet', namespace, `${name}-old${i}`, {replicas: 0, owner: name, revision: i, ageMs: (old + 2 - i) * DAY}));
	out.push(workload('ReplicaSet', namespace, `${name}-cur`, {replicas: 2, owner: name, revision: old + 1, ageMs: DAY}));
	return out;
}

function pv(name: string, phase: string, reclaimPolicy: string, ageInPhase: number, claim?: {namespace: string; name: string}): SlimPersistentVolume {
	return {...meta('', name, ageInPhase + DAY), phase, reclaimPolicy, capacity: '100Gi', storageClass: 'managed-csi', claim, phaseSince: NOW - ageInPhase};
}

function claim(namespace: string, name: string, phase: string, ageMs: number): SlimClaim {
	return {...meta(namespace, name, ageMs), phase, storageClass: 'managed-csi', request: '50Gi', ...(phase === 'Bound' ? {volumeName: `pv-${name}`} : {})};
}

function quota(namespace: string, name: string, hard: Record<string, string>): SlimQuota {
	return {...meta(namespace, name, 30 * DAY), hard};
}

function cronJob(namespace: string, name: string, opts: {ttl?: number; success?: number; failed?: number} = {}): SlimCronJob {
	return {...meta(namespace, name, 10 * DAY), schedule: '*/2 * * * *', suspended: false, successfulJobsHistoryLimit: opts.success ?? 3, failedJobsHistoryLimit: opts.failed ?? 1, ...(opts.ttl !== undefined ? {jobTtlSecondsAfterFinished: opts.ttl} : {})};
}

function hpa(namespace: string, name: string, current: number, max: number): SlimHpa {
	return {...meta(namespace, name, 5 * DAY), target: {apiVersion: 'apps/v1', kind: 'Deployment', name}, minReplicas: 1, maxReplicas: max, currentReplicas: current, desiredReplicas: current, metrics: ['Resource/cpu'], conditions: {}};
}

function count(group: string, resource: string, n: number, extra: Partial<ResourceCount> = {}): [string, ResourceCount] {
	return [`${group}/${resource}`, {group, resource, count: n, source: 'apiserver_storage_objects', history: [], ...extra}];
}

function storm(source: string, involvedKind: string, namespace: string, perMinute: number[], sampleObjects: string[] = []): EventSourceRate {
	return {source, involvedKind, namespace, perMinute, total: perMinute.reduce((a, b) => a + b, 0), firstSeen: NOW - perMinute.length * MIN, sampleObjects, reasons: {SyncProgress: perMinute.reduce((a, b) => a + b, 0)}};
}

function figures(text: string): ApiServerFigures {
	const parsed = parsePrometheusText(text);
	if (parsed.errorCount > 0) throw new Error('metrics text did not parse');
	return deriveApiServerFigures(parsed);
}

const ETCD_NEW = (bytes: number) => `# TYPE apiserver_storage_size_bytes gauge\napiserver_storage_size_bytes{storage_cluster_id="etcd-0"} ${bytes}\n`;
const ETCD_OLD = (bytes: number) => `# TYPE etcd_db_total_size_in_bytes gauge\netcd_db_total_size_in_bytes{endpoint="https://10.0.0.4:2379"} ${bytes}\n`;

function byType(view: PaneView, type: string): Finding[] {
	return view.findings.filter((f) => f.type === type);
}

function one(view: PaneView, id: string): Finding {
	const found = view.findings.find((f) => f.id === id);
	if (!found) throw new Error(`no finding ${id}; have ${view.findings.map((f) => f.id).join(', ')}`);
	return found;
}

// ---------------------------------------------------------------------------------------
// States

function cleanState(): ClusterState {
	const jobs = [0, 1].map((i) => job('jobs', `nightly-report-${i}`, {cronJob: 'nightly-report', ttl: 3600, finishedAgo: (i + 1) * 20 * MIN}));
	const pods = [
		pod('shop', 'web-a', {owner: {kind: 'ReplicaSet', name: 'web-cur'}}),
		pod('shop', 'web-b', {owner: {kind: 'ReplicaSet', name: 'web-cur'}}),
		pod('shop', 'db-0', {owner: {kind: 'StatefulSet', name: 'db'}, claims: ['data-db-0']}),
		// Finished 20 minutes ago: not yet "older than an hour".
		pod('jobs', 'nightly-report-0-x1', {phase: 'Succeeded', finishedAgo: 20 * MIN, owner: {kind: 'Job', name: 'nightly-report-0'}}),
	];
	return emptyState({
		now: NOW,
		since: NOW - 30 * MIN,
		namespaces: new Map(['kube-system', 'default', 'shop', 'jobs'].map((n) => [n, {name: n, created: NOW - 30 * DAY}])),
		jobs: keyed(jobs),
		cronJobs: keyed([cronJob('jobs', 'nightly-report', {ttl: 3600, success: 1, failed: 1})]),
		pods: keyed(pods),
		workloads: keyed([...deploymentWithHistory('shop', 'web', 2, 3), workload('StatefulSet', 'shop', 'db')]),
		volumes: new Map([['pv-db-0', pv('pv-db-0', 'Bound', 'Delete', 20 * DAY, {namespace: 'shop', name: 'data-db-0'})]]),
		claims: keyed([claim('shop', 'data-db-0', 'Bound', 20 * DAY)]),
		quotas: keyed([quota('shop', 'shop-quota', {'count/pods': '30', pods: '30'}), quota('jobs', 'jobs-quota', {'count/jobs.batch': '20'})]),
		counts: new Map([
			count('', 'pods', 4, {sample: {objects: 4, avgBytes: 6 * KIB, largest: []}}),
			count('batch', 'jobs', 2),
			count('', 'secrets', 12),
			count('', 'events', 40),
			count('apps', 'replicasets', 3),
		]),
		metrics: figures(ETCD_NEW(120 * MIB)),
		eventRates: [storm('kubelet', 'Pod', 'shop', [1, 0, 2, 1, 0])],
	});
}

interface Incident {
	state: ClusterState;
	cronJobs: SlimJob[];
	standalone: SlimJob[];
}

function incidentState(): Incident {
	const cronJobs = Array.from({length: 130}, (_, i) => job('ml-pipelines', `feature-refresh-${29000000 + i}`, {cronJob: 'feature-refresh', finishedAgo: 4 * HOUR + (i + 1) * 2 * MIN, outcome: i % 23 === 5 ? 'Failed' : 'Complete'}));
	const standalone = Array.from({length: 90}, (_, i) => job('batch-jobs', `report-${7000 + i}`, {finishedAgo: 3 * DAY - i * 40 * MIN, outcome: i % 9 === 4 ? 'Failed' : 'Complete'}));
	const withTtl = job('batch-jobs', 'report-ttl-ok', {ttl: 3600, finishedAgo: 4 * MIN});
	// Five finished Jobs without a TTL in a namespace: below the pile threshold.
	const few = Array.from({length: 5}, (_, i) => job('data-platform', `oneoff-${i}`, {finishedAgo: (i + 2) * HOUR}));
	const allJobs = [...cronJobs, ...standalone, withTtl, ...few];
	const pods: SlimPod[] = [
		...jobPods(cronJobs),
		...jobPods(standalone),
		...jobPods([withTtl]),
		pod('default', 'debug-shell', {phase: 'Failed', finishedAgo: 3 * DAY}),
		// Evicted pods of a Deployment, through its ReplicaSet.
		...Array.from({length: 3}, (_, i) => pod('checkout', `storefront-cur-ev${i}`, {phase: 'Failed', finishedAgo: 2 * HOUR, owner: {kind: 'ReplicaSet', name: 'storefront-cur'}})),
		// Finished half an hour ago: too fresh.
		pod('default', 'just-done', {phase: 'Succeeded', finishedAgo: 30 * MIN}),
		pod('monitoring', 'prometheus-0', {owner: {kind: 'StatefulSet', name: 'prometheus'}, claims: ['prometheus-db']}),
		pod('payments', 'ledger-0', {owner: {kind: 'StatefulSet', name: 'ledger'}, claims: ['ledger-data']}),
		...Array.from({length: 6}, (_, i) => pod('checkout', `checkout-web-${i}`, {owner: {kind: 'ReplicaSet', name: 'checkout-web-cur'}})),
	];
	const workloads = [
		...deploymentWithHistory('payments', 'payments-api', 10),
		...deploymentWithHistory('checkout', 'legacy-admin', 35, 50),
		...deploymentWithHistory('checkout', 'storefront', 2),
		// Limit unset but only 4 old ReplicaSets: not "many".
		...deploymentWithHistory('checkout', 'checkout-web', 4),
		...deploymentWithHistory('ml-pipelines', 'pipeline-runner', 1, 3),
	];
	const volumes = [
		pv('pvc-released-1', 'Released', 'Retain', 9 * DAY, {namespace: 'ml-pipelines', name: 'train-scratch-1'}),
		pv('pvc-released-2', 'Released', 'Retain', 8 * DAY, {namespace: 'ml-pipelines', name: 'train-scratch-2'}),
		pv('pvc-released-3', 'Released', 'Retain', 21 * DAY, {namespace: 'data-platform', name: 'old-kafka-0'}),
		pv('pvc-released-delete', 'Released', 'Delete', 3 * DAY, {namespace: 'checkout', name: 'old-cache'}),
		// Released with Delete ten minutes ago: the provisioner is still at it.
		pv('pvc-released-fresh', 'Released', 'Delete', 10 * MIN, {namespace: 'checkout', name: 'tmp'}),
		pv('pvc-failed', 'Failed', 'Delete', 5 * DAY, {namespace: 'batch-jobs', name: 'report-cache'}),
		pv('pvc-prom', 'Bound', 'Delete', 20 * DAY, {namespace: 'monitoring', name: 'prometheus-db'}),
	];
	const claims = [
		claim('monitoring', 'prometheus-db', 'Bound', 20 * DAY),
		claim('payments', 'ledger-data', 'Bound', 20 * DAY),
		claim('ml-pipelines', 'feature-cache', 'Bound', 20 * DAY),
		claim('data-platform', 'old-spark-history', 'Bound', 20 * DAY),
		claim('batch-jobs', 'scratch-xl', 'Pending', 26 * HOUR),
		claim('data-platform', 'ingest-spool', 'Pending', 26 * HOUR),
		// Pending for ten minutes: still provisioning. Bound five minutes ago: its pod may be starting.
		claim('checkout', 'fresh', 'Pending', 10 * MIN),
		claim('checkout', 'new-bound', 'Bound', 5 * MIN),
	];
	const quotas = [
		quota('payments', 'payments-quota', {'count/pods': '50', 'count/jobs.batch': '20', 'requests.cpu': '20'}),
		quota('tenant-a', 'object-counts', {'count/pods': '20'}),
		// Compute-only quota: does not bound object counts.
		quota('checkout', 'compute', {'requests.cpu': '10', pods: '40'}),
	];
	// Datasets: growing 20/h for the last 40 minutes, average 400 KiB, three near the limit.
	const datasetHistory: CountPoint[] = Array.from({length: 9}, (_, i) => ({time: NOW - (40 - i * 5) * MIN, count: Math.round(22 + (i * 5 * 20) / 60)}));
	// Pods: swinging up and down with a flapping HPA, no net growth.
	const podHistory: CountPoint[] = Array.from({length: 13}, (_, i) => ({time: NOW - (60 - i * 5) * MIN, count: i % 2 === 0 ? 300 : 307}));
	const counts = new Map([
		count('', 'pods', 300, {sample: {objects: 50, avgBytes: 8 * KIB, largest: [{namespace: 'checkout', name: 'checkout-web-0', bytes: 20 * KIB}]}, history: podHistory, first: podHistory[0]}),
		count('batch', 'jobs', 221, {sample: {objects: 50, avgBytes: 4 * KIB, largest: []}}),
		count('ml.example.com', 'datasets', 35, {
			sample: {objects: 35, avgBytes: 400 * KIB, largest: [{namespace: 'data-platform', name: 'dataset-21', bytes: 1410 * KIB}, {namespace: 'data-platform', name: 'dataset-20', bytes: 1290 * KIB}, {namespace: 'data-platform', name: 'dataset-19', bytes: 1180 * KIB}, {namespace: 'data-platform', name: 'dataset-18', bytes: 800 * KIB}]},
			history: datasetHistory,
			first: datasetHistory[0],
		}),
		count('', 'events', 12_500, {sample: {objects: 20, avgBytes: 1 * KIB, largest: []}}),
		count('', 'secrets', 40),
		count('apps', 'replicasets', 60),
		count('', 'configmaps', 30),
	]);
	const state = emptyState({
		now: NOW,
		since: NOW - 40 * MIN,
		namespaces: new Map(['kube-system', 'default', 'monitoring', 'payments', 'checkout', 'data-platform', 'ml-pipelines', 'batch-jobs', 'tenant-a'].map((n) => [n, {name: n, created: NOW - 45 * DAY}])),
		jobs: keyed(allJobs),
		cronJobs: keyed([cronJob('ml-pipelines', 'feature-refresh', {success: 500, failed: 20})]),
		pods: keyed(pods),
		workloads: keyed(workloads),
		volumes: new Map(volumes.map((v) => [v.name, v])),
		claims: keyed(claims),
		quotas: keyed(quotas),
		hpas: keyed([hpa('checkout', 'checkout-web', 6, 12)]),
		counts,
		metrics: figures(ETCD_NEW(1.7 * GIB)),
		eventRates: [
			storm('ml.example.com/dataset-controller', 'Dataset', 'data-platform', Array.from({length: 30}, () => 480), ['dataset-00', 'dataset-01']),
			storm('cert-manager', 'Certificate', 'checkout', [50, 70, 70, 70, 70, 70, 70]),
			storm('cert-manager', 'Certificate', 'payments', [0, 10, 10, 10, 10, 10, 10]),
			storm('kubelet', 'Pod', 'checkout', [3, 2, 5, 1]),
		],
	});
	return {state, cronJobs, standalone};
}

// ---------------------------------------------------------------------------------------
// Tests

test('a clean cluster produces no finding, and its rows carry no flag', (t) => {
	const view = analyzeEtcd(cleanState());
	t.deepEqual(view.findings.map((f) => f.id), []);
	t.is(view.pane, 'etcd');
	t.is(view.unavailable, undefined);
	t.is(view.rows.length, 5);
	for (const row of view.rows) {
		t.deepEqual(row.findingIds, []);
		t.is(row.cells.flag, '');
		t.is(row.severity, undefined);
	}
});

test('an empty state says why it has nothing to show', (t) => {
	const view = analyzeEtcd(emptyState({now: NOW, metricsUnavailable: 'forbidden: User "dev" cannot get path "/metrics"'}));
	t.deepEqual(view.findings, []);
	t.deepEqual(view.rows, []);
	t.regex(view.unavailable ?? '', /\/metrics not readable \(forbidden/);
	t.is(view.header[0], 'etcd unknown: /metrics not readable (forbidden: User "dev" cannot get path "/metrics")');
});

test('rows: one per resource, heaviest first, with share, bytes (~ when sampled, n/a for secrets) and growth', (t) => {
	const {state} = incidentState();
	const view = analyzeEtcd(state);
	const ids = view.rows.map((r) => r.id);
	// datasets 35 × 400 KiB = 13.7 MiB > events 12.2 MiB > pods 2.3 MiB > jobs 884 KiB; no bytes last.
	t.deepEqual(ids.slice(0, 4), ['ml.example.com/datasets', '/events', '/pods', 'batch/jobs']);
	// Then by count.
	t.deepEqual(ids.slice(4), ['apps/replicasets', '/secrets', '/configmaps']);
	const datasets = view.rows[0]!;
	t.is(datasets.cells.resource, 'datasets.ml.example.com');
	t.is(datasets.cells.count, '35');
	t.is(datasets.cells.bytes, '~14 MiB');
	t.is(datasets.sort?.bytes, 35 * 400 * KIB);
	t.is(datasets.cells.growth, '+20/h');
	t.is(datasets.cells.flag, 'fast growth, large objects');
	t.is(datasets.spark?.length, 9);
	const secrets = view.rows.find((r) => r.id === '/secrets')!;
	t.is(secrets.cells.bytes, 'n/a');
	t.is(view.rows.find((r) => r.id === '/configmaps')!.cells.bytes, '?');
	const total = 300 + 221 + 35 + 12_500 + 40 + 60 + 30;
	t.is(view.rows.find((r) => r.id === '/events')!.sort?.share, 12_500 / total);
	t.is(view.rows.find((r) => r.id === '/events')!.cells.share, '95%');
	t.is(view.rows.find((r) => r.id === '/events')!.cells.flag, '>10k');
	t.regex(view.header[1] ?? '', /^13\.2k objects in 7 resources {2}counts: apiserver_storage_objects {2}bytes: ~ = sampled object sizes x count/);
	t.true(view.notes?.some((n) => /secrets: sizes are not sampled/.test(n)));
});

test('rows link to their findings and take the worst severity', (t) => {
	const view = analyzeEtcd(incidentState().state);
	const row = (id: string) => view.rows.find((r) => r.id === id)!;
	t.deepEqual([...row('batch/jobs').findingIds].sort(), ['job-without-ttl/_/Namespace/batch-jobs', 'job-without-ttl/ml-pipelines/CronJob/feature-refresh']);
	t.is(row('batch/jobs').severity, 'warning');
	t.true(row('/pods').findingIds.includes('finished-pods/ml-pipelines/CronJob/feature-refresh'));
	t.true(row('/events').findingIds.includes('event-storm/_/Dataset/ml.example.com/dataset-controller'));
	t.true(row('/events').findingIds.includes('kind-over-10k/_/Resource/events'));
	t.is(row('/events').severity, 'critical');
	t.true(row('apps/replicasets').findingIds.includes('replicaset-history/checkout/Deployment/legacy-admin'));
	t.is(row('ml.example.com/datasets').severity, 'critical');
	t.is(row('/configmaps').findingIds.length, 0);
	// Every linked id names a finding of the view.
	const ids = new Set(view.findings.map((f) => f.id));
	for (const r of view.rows) for (const id of r.findingIds) t.true(ids.has(id), id);
});

test('job-without-ttl: one finding per CronJob and per namespace of standalone Jobs', (t) => {
	const {state} = incidentState();
	const view = analyzeEtcd(state);
	const findings = byType(view, 'job-without-ttl');
	t.deepEqual(findings.map((f) => f.id).sort(), ['job-without-ttl/_/Namespace/batch-jobs', 'job-without-ttl/ml-pipelines/CronJob/feature-refresh']);

	const cron = one(view, 'job-without-ttl/ml-pipelines/CronJob/feature-refresh');
	t.is(cron.severity, 'warning');
	t.deepEqual(cron.subject, {kind: 'CronJob', namespace: 'ml-pipelines', name: 'feature-refresh'});
	t.is(cron.evidence.finishedJobs, 130);
	t.is(cron.evidence.failed, 6);
	t.is(cron.evidence.totalJobs, 130);
	t.is(cron.evidence.podsHeld, 130);
	// 4h + 130 × 2m = 8h20m, printed as kubectl prints ages.
	t.is(cron.evidence.oldest, '8h');
	t.is(cron.evidence.oldestFinishedAgoSeconds, 8 * 3600 + 20 * 60);
	t.is(cron.evidence.successfulJobsHistoryLimit, 500);
	t.is(cron.evidence.suggestedTtlSeconds, 3600);
	t.regex(String(cron.evidence.ttlRule), /runs every 2m \(median\).*1h floor/);
	t.is(cron.evidence.estimatedBytes, 130 * 4 * KIB);
	t.is(cron.objects?.length, MAX_OBJECTS);
	t.is(cron.objectsTotal, 130);
	// Oldest first.
	t.is(cron.objects?.[0]?.name, 'feature-refresh-29000129');
	t.deepEqual(cron.remedies.map((r) => r.id), ['set-job-ttl', 'delete-finished-jobs']);
	t.regex(cron.remedies[0]!.title, /ttlSecondsAfterFinished: 3600 \(1h\) on the CronJob's jobTemplate/);
	t.regex(cron.summary, /keeps 130 finished Jobs without ttlSecondsAfterFinished/);

	const batch = one(view, 'job-without-ttl/_/Namespace/batch-jobs');
	t.deepEqual(batch.subject, {kind: 'Namespace', name: 'batch-jobs'});
	t.is(batch.evidence.finishedJobs, 90);
	t.is(batch.evidence.failed, 10);
	// report-ttl-ok counts in the group's total, not among the offenders.
	t.is(batch.evidence.totalJobs, 91);
	t.is(batch.evidence.suggestedTtlSeconds, 14 * 3600);
	t.is(batch.objectsTotal, 90);
	t.false(batch.objects?.some((o) => o.name === 'report-ttl-ok'));
});

test('job-without-ttl: no set-job-ttl remedy when the CronJob template already has a TTL; critical from 1,000', (t) => {
	const jobs = Array.from({length: 1000}, (_, i) => job('etl', `sync-${i}`, {cronJob: 'sync', finishedAgo: (i + 1) * MIN}));
	const state = emptyState({now: NOW, jobs: keyed(jobs), cronJobs: keyed([cronJob('etl', 'sync', {ttl: 600})])});
	const f = one(analyzeEtcd(state), 'job-without-ttl/etl/CronJob/sync');
	t.is(f.severity, 'critical');
	t.deepEqual(f.remedies.map((r) => r.id), ['delete-finished-jobs']);
	t.true(f.detail?.some((d) => /already sets ttlSecondsAfterFinished: 600/.test(d)));
	const nine = emptyState({now: NOW, jobs: keyed(jobs.slice(0, 9))});
	t.deepEqual(byType(analyzeEtcd(nine), 'job-without-ttl'), []);
});

test('job-without-ttl counts exactly the finished Jobs without a TTL in groups of 10 or more', (t) => {
	fc.assert(
		fc.property(
			fc.array(fc.record({ns: fc.constantFrom('a', 'b'), cron: fc.constantFrom(undefined, 'c1', 'c2'), ttl: fc.boolean(), running: fc.boolean()}), {maxLength: 80}),
			(specs) => {
				const jobs = specs.map((s, i) => job(s.ns, `j${i}`, {cronJob: s.cron, ttl: s.ttl ? 60 : undefined, running: s.running, finishedAgo: (i + 1) * MIN}));
				const groups = new Map<string, number>();
				for (const s of specs) if (!s.ttl && !s.running) groups.set(`${s.ns}/${s.cron ?? ''}`, (groups.get(`${s.ns}/${s.cron ?? ''}`) ?? 0) + 1);
				const expected = [...groups.values()].filter((n) => n >= 10);
				const found = byType(analyzeEtcd(emptyState({now: NOW, jobs: keyed(jobs)})), 'job-without-ttl');
				return found.length === expected.length && found.reduce((s, f) => s + (f.objectsTotal ?? 0), 0) === expected.reduce((a, b) => a + b, 0);
			},
		),
		{numRuns: 60},
	);
	t.pass();
});

test('finished-pods: grouped by namespace and owner, older than an hour, severities by count', (t) => {
	const view = analyzeEtcd(incidentState().state);
	const findings = byType(view, 'finished-pods');
	t.deepEqual(findings.map((f) => f.id).sort(), [
		'finished-pods/_/Namespace/batch-jobs',
		'finished-pods/_/Namespace/default',
		'finished-pods/checkout/Deployment/storefront',
		'finished-pods/ml-pipelines/CronJob/feature-refresh',
	]);
	const cron = one(view, 'finished-pods/ml-pipelines/CronJob/feature-refresh');
	t.is(cron.severity, 'warning');
	t.is(cron.evidence.pods, 130);
	t.is(cron.evidence.failed, 6);
	t.is(cron.evidence.owners, 'Job 130');
	t.is(cron.objectsTotal, 130);
	t.true(cron.detail?.some((d) => /deleting the Jobs/.test(d)));
	t.deepEqual(cron.remedies.map((r) => r.id), ['delete-finished-pods']);
	// The pod of the Job with a TTL is left to the TTL controller.
	t.is(one(view, 'finished-pods/_/Namespace/batch-jobs').evidence.pods, 90);
	const debug = one(view, 'finished-pods/_/Namespace/default');
	t.is(debug.severity, 'info');
	t.is(debug.evidence.pods, 1);
	t.is(debug.evidence.owners, 'no owner 1');
	t.deepEqual(debug.objects, [{kind: 'Pod', namespace: 'default', name: 'debug-shell'}]);
	const evicted = one(view, 'finished-pods/checkout/Deployment/storefront');
	t.is(evicted.evidence.pods, 3);
	t.is(evicted.evidence.owners, 'ReplicaSet 3');
});

test('released-volume: one per PV, severity by reclaim policy and phase, delete only when Released', (t) => {
	const view = analyzeEtcd(incidentState().state);
	const findings = byType(view, 'released-volume');
	t.deepEqual(findings.map((f) => f.subject).map((s) => ('name' in s ? s.name : '')).sort(), ['pvc-failed', 'pvc-released-1', 'pvc-released-2', 'pvc-released-3', 'pvc-released-delete']);
	const retain = one(view, 'released-volume/_/PersistentVolume/pvc-released-1');
	t.is(retain.severity, 'info');
	t.is(retain.evidence.claim, 'ml-pipelines/train-scratch-1');
	t.is(retain.evidence.inPhaseFor, '9d');
	t.deepEqual(retain.remedies, [{id: 'delete-released-volume', title: 'Delete the PV (the disk and its data are kept)'}]);
	const del = one(view, 'released-volume/_/PersistentVolume/pvc-released-delete');
	t.is(del.severity, 'warning');
	t.regex(del.remedies[0]!.title, /and its disk/);
	const failed = one(view, 'released-volume/_/PersistentVolume/pvc-failed');
	t.is(failed.severity, 'warning');
	t.deepEqual(failed.remedies, []);
});

test('pending-claim and unused-claim: only past an hour, only claims no pod mounts', (t) => {
	const view = analyzeEtcd(incidentState().state);
	t.deepEqual(byType(view, 'pending-claim').map((f) => f.id).sort(), ['pending-claim/batch-jobs/PersistentVolumeClaim/scratch-xl', 'pending-claim/data-platform/PersistentVolumeClaim/ingest-spool']);
	const pending = one(view, 'pending-claim/batch-jobs/PersistentVolumeClaim/scratch-xl');
	t.is(pending.severity, 'warning');
	t.is(pending.evidence.pendingFor, '26h');
	t.deepEqual(byType(view, 'unused-claim').map((f) => f.id).sort(), ['unused-claim/data-platform/PersistentVolumeClaim/old-spark-history', 'unused-claim/ml-pipelines/PersistentVolumeClaim/feature-cache']);
	const unused = one(view, 'unused-claim/ml-pipelines/PersistentVolumeClaim/feature-cache');
	t.is(unused.severity, 'info');
	t.deepEqual(unused.objects, [{kind: 'PersistentVolumeClaim', namespace: 'ml-pipelines', name: 'feature-cache'}, {kind: 'PersistentVolume', name: 'pv-feature-cache'}]);
});

test('unused-claim is not reported when pods are not synced or not readable', (t) => {
	const {state} = incidentState();
	const unsynced = analyzeEtcd({...state, synced: new Set(['batch/jobs'])});
	t.deepEqual(byType(unsynced, 'unused-claim'), []);
	t.true(unsynced.notes?.some((n) => /pods are not listed yet/.test(n)));
	t.deepEqual(byType(analyzeEtcd({...state, unreadable: new Map([['/pods', 'forbidden']])}), 'unused-claim'), []);
	t.is(byType(analyzeEtcd({...state, synced: new Set(['/pods'])}), 'unused-claim').length, 2);
	t.deepEqual(byType(analyzeEtcd({...state, pods: new Map()}), 'unused-claim'), []);
});

test('replicaset-history: limit unset or above 10, with 10 or more old ReplicaSets', (t) => {
	const view = analyzeEtcd(incidentState().state);
	t.deepEqual(byType(view, 'replicaset-history').map((f) => f.id).sort(), ['replicaset-history/checkout/Deployment/legacy-admin', 'replicaset-history/payments/Deployment/payments-api']);
	const payments = one(view, 'replicaset-history/payments/Deployment/payments-api');
	t.is(payments.severity, 'info');
	t.is(payments.evidence.revisionHistoryLimit, 'unset (default 10)');
	t.is(payments.evidence.oldReplicaSets, 10);
	t.is(payments.evidence.wouldRemove, 7);
	const legacy = one(view, 'replicaset-history/checkout/Deployment/legacy-admin');
	t.is(legacy.severity, 'warning');
	t.is(legacy.evidence.revisionHistoryLimit, 50);
	t.is(legacy.evidence.oldReplicaSets, 35);
	t.is(legacy.objectsTotal, 35);
	t.is(legacy.objects?.[0]?.name, 'legacy-admin-old1');
	t.deepEqual(legacy.remedies, [{id: 'set-revision-history-limit', title: 'Set revisionHistoryLimit: 3 (the controller deletes 32 old ReplicaSets)'}]);
	t.deepEqual(oldReplicaSetsOf(incidentState().state, 'checkout', 'legacy-admin').map((r) => r.revision), Array.from({length: 35}, (_, i) => i + 1));
});

test('replicaset-history: the server fills in 10 when unset, so 10 counts as the default; a chosen lower limit does not', (t) => {
	const state = emptyState({now: NOW, workloads: keyed([...deploymentWithHistory('a', 'defaulted', 10, 10), ...deploymentWithHistory('a', 'chosen', 12, 5)])});
	const view = analyzeEtcd(state);
	t.deepEqual(byType(view, 'replicaset-history').map((f) => f.id), ['replicaset-history/a/Deployment/defaulted']);
	const f = one(view, 'replicaset-history/a/Deployment/defaulted');
	t.is(f.evidence.revisionHistoryLimit, '10 (the default)');
	t.regex(f.summary, /revisionHistoryLimit 10, the default/);
});

test('event-storm: per source and involved kind, summed over namespaces, critical when it holds 10k events', (t) => {
	const view = analyzeEtcd(incidentState().state);
	const storms = byType(view, 'event-storm');
	t.deepEqual(storms.map((f) => f.id).sort(), ['event-storm/_/Certificate/cert-manager', 'event-storm/_/Dataset/ml.example.com/dataset-controller']);
	const dataset = one(view, 'event-storm/_/Dataset/ml.example.com/dataset-controller');
	t.is(dataset.severity, 'critical');
	t.is(dataset.evidence.perMinute, 480);
	t.is(dataset.evidence.heldInEtcd, 28_800);
	t.deepEqual(dataset.subject, {kind: 'EventSource', name: 'ml.example.com/dataset-controller'});
	t.deepEqual(dataset.objects, [{kind: 'Dataset', namespace: 'data-platform', name: 'dataset-00'}, {kind: 'Dataset', namespace: 'data-platform', name: 'dataset-01'}]);
	t.is(dataset.series?.values.length, 30);
	const cert = one(view, 'event-storm/_/Certificate/cert-manager');
	// 70 + 10 per minute over the last five minutes.
	t.is(cert.evidence.perMinute, 80);
	t.is(cert.severity, 'warning');
	t.is(cert.evidence.namespaces, 'checkout, payments');
	t.deepEqual(cert.series?.values, [50, 80, 80, 80, 80, 80, 80]);
});

test('oversized-kind and oversized-object: average over 100 KiB; objects within 25% and 10% of 1.5 MiB', (t) => {
	const view = analyzeEtcd(incidentState().state);
	const kind = one(view, 'oversized-kind/_/Resource/datasets.ml.example.com');
	t.is(kind.severity, 'warning');
	t.is(kind.evidence.avgBytes, 400 * KIB);
	t.is(kind.evidence.bytesFrom, 'sampled');
	const objects = byType(view, 'oversized-object');
	t.deepEqual(objects.map((f) => [f.id, f.severity]).sort(), [
		['oversized-object/data-platform/datasets.ml.example.com/dataset-19', 'warning'],
		['oversized-object/data-platform/datasets.ml.example.com/dataset-20', 'warning'],
		['oversized-object/data-platform/datasets.ml.example.com/dataset-21', 'critical'],
	]);
	t.regex(one(view, 'oversized-object/data-platform/datasets.ml.example.com/dataset-21').summary, /1\.4 MiB, 92% of the 1\.5 MiB etcd request limit/);
	t.deepEqual(byType(view, 'oversized-kind').length, 1);
});

test('namespace-without-object-quota: busy namespaces without a count quota, with a quota never below usage', (t) => {
	const {state} = incidentState();
	const view = analyzeEtcd(state);
	t.deepEqual(byType(view, 'namespace-without-object-quota').map((f) => f.id).sort(), ['namespace-without-object-quota/_/Namespace/batch-jobs', 'namespace-without-object-quota/_/Namespace/ml-pipelines']);
	const ml = one(view, 'namespace-without-object-quota/_/Namespace/ml-pipelines');
	t.is(ml.severity, 'warning');
	t.is(ml.evidence['count/jobs.batch'], 130);
	t.is(ml.evidence['count/pods'], 130);
	// Jobs, pods, the CronJob, pipeline-runner's Deployment and two ReplicaSets, a claim.
	t.is(ml.evidence.objects, 130 + 130 + 1 + 3 + 1);
	t.regex(String(ml.evidence.proposed), /count\/jobs\.batch=200/);
	t.regex(String(ml.evidence.proposed), /count\/pods=200/);
	t.deepEqual(ml.remedies.map((r) => r.id), ['create-object-quota']);
	t.regex(String(ml.evidence.quotaRule), /never below current usage/);
	const counts = countObjectsByNamespace(state);
	t.deepEqual(counts.get('checkout')?.reserve, {'count/pods': 6});

	// A quiet namespace of 150 objects with no pile-up is info.
	const quiet = emptyState({now: NOW, pods: keyed(Array.from({length: 150}, (_, i) => pod('web', `w-${i}`)))});
	const f = one(analyzeEtcd(quiet), 'namespace-without-object-quota/_/Namespace/web');
	t.is(f.severity, 'info');
	t.is(f.evidence.proposed, 'count/pods=230');
	// kube-system is never asked to take a quota.
	const system = emptyState({now: NOW, pods: keyed(Array.from({length: 150}, (_, i) => pod('kube-system', `s-${i}`)))});
	t.deepEqual(byType(analyzeEtcd(system), 'namespace-without-object-quota'), []);
});

test('kind-over-10k and kind-growing-fast; a swinging kind and events do not count as growing', (t) => {
	const view = analyzeEtcd(incidentState().state);
	const over = one(view, 'kind-over-10k/_/Resource/events');
	t.is(over.severity, 'warning');
	t.is(over.evidence.count, 12_500);
	t.deepEqual(byType(view, 'kind-over-10k').length, 1);
	const growing = byType(view, 'kind-growing-fast');
	t.deepEqual(growing.map((f) => f.id), ['kind-growing-fast/_/Resource/datasets.ml.example.com']);
	const g = growing[0]!;
	// The smaller of the two estimates: since start (22 → 35 in 40m) 19.5/h, the slope over the rounded history 19.8/h.
	t.is(g.evidence.perHour, 19.5);
	t.is(g.evidence.sinceStartPerHour, 19.5);
	t.is(g.evidence.recentPerHour, 19.8);
	t.is(g.evidence.observedFor, '40m');
	t.regex(g.summary, /\+56% of its count per hour/);
	t.regex(g.summary, /of the etcd quota/);
	// 1.7 GiB of 2 GiB used, 7.8 MiB/h: more than a day left, so not critical.
	t.is(g.severity, 'warning');
	t.is(g.series?.values.length, 9);
});

test('kind-growing-fast needs ten minutes of observation and is critical when it fills the quota within a day', (t) => {
	const history = (minutes: number, perHour: number, start: number): CountPoint[] => Array.from({length: 7}, (_, i) => ({time: NOW - minutes * MIN + (i * minutes * MIN) / 6, count: Math.round(start + (perHour * minutes * i) / 6 / 60)}));
	const stateWith = (h: CountPoint[], etcdBytes: number) => emptyState({
		now: NOW,
		counts: new Map([count('acme.io', 'widgets', h[h.length - 1]!.count, {sample: {objects: 10, avgBytes: 10 * KIB, largest: []}, history: h, first: h[0]})]),
		metrics: figures(ETCD_NEW(etcdBytes)),
	});
	t.deepEqual(byType(analyzeEtcd(stateWith(history(8, 600, 100), 100 * MIB)), 'kind-growing-fast'), []);
	// 600/h × 10 KiB ≈ 5.9 MiB/h: 1.9 GiB left lasts two weeks.
	const fast = byType(analyzeEtcd(stateWith(history(30, 600, 100), 100 * MIB)), 'kind-growing-fast');
	t.is(fast.length, 1);
	t.is(fast[0]!.severity, 'warning');
	// With 60 MiB left it lasts ten hours.
	const filling = byType(analyzeEtcd(stateWith(history(30, 600, 100), 2 * GIB - 60 * MIB)), 'kind-growing-fast');
	// Slow growth of a big kind: none of the three reasons.
	const slowHistory = Array.from({length: 7}, (_, i) => ({time: NOW - 30 * MIN + i * 5 * MIN, count: 2000 + i * 2}));
	t.deepEqual(byType(analyzeEtcd(stateWith(slowHistory, 100 * MIB)), 'kind-growing-fast'), []);
	t.is(filling[0]!.severity, 'critical');
	t.regex(String(filling[0]!.evidence.severityRule), /fills the rest of the etcd quota within a day/);
});

test('etcd bar: 1.28+ metric, older metric, ASCII, several clusters, unknown', (t) => {
	const base = cleanState();
	const modern = analyzeEtcd({...base, metrics: figures(ETCD_NEW(1.5 * GIB))});
	t.is(modern.header[0], `etcd [${'\u2588'.repeat(15)}${'\u2591'.repeat(5)}] 1.5 GiB of 2 GiB (75%)  quota 2 GiB (default)  apiserver_storage_size_bytes`);
	const warn = one(modern, 'etcd-size/_/Etcd/etcd-0');
	t.is(warn.severity, 'warning');
	t.is(warn.evidence.metric, 'apiserver_storage_size_bytes{storage_cluster_id="etcd-0"}');

	const old = analyzeEtcd({...base, metrics: figures(ETCD_OLD(1.8 * GIB))}, {ascii: true});
	t.is(old.header[0], `etcd [${'#'.repeat(18)}${'-'.repeat(2)}] 1.8 GiB of 2 GiB (90%)  quota 2 GiB (default)  etcd_db_total_size_in_bytes`);
	const crit = old.findings.find((f) => f.type === 'etcd-size')!;
	t.is(crit.severity, 'critical');
	t.regex(String(crit.evidence.severityRule), /NOSPACE/);
	t.is(crit.evidence.metric, 'etcd_db_total_size_in_bytes{endpoint="https://10.0.0.4:2379"}');

	const known = analyzeEtcd({...base, metrics: figures(ETCD_NEW(1.8 * GIB))}, {quotaBytes: 8 * GIB});
	t.is(known.header[0], `etcd [${'\u2588'.repeat(5)}${'\u2591'.repeat(15)}] 1.8 GiB of 8 GiB (23%)  quota 8 GiB  apiserver_storage_size_bytes`);
	t.deepEqual(byType(known, 'etcd-size'), []);
	const large = analyzeEtcd({...base, metrics: figures(ETCD_NEW(3 * GIB))}, {quotaBytes: 8 * GIB});
	t.is(byType(large, 'etcd-size')[0]?.severity, 'info');

	const two = analyzeEtcd({...base, metrics: figures('# TYPE apiserver_storage_size_bytes gauge\napiserver_storage_size_bytes{storage_cluster_id="etcd-0"} 104857600\napiserver_storage_size_bytes{storage_cluster_id="etcd-events"} 524288000\n')});
	t.regex(two.header[0]!, /500 MiB of 2 GiB/);
	t.is(two.header[1], 'etcd largest of 2 etcd clusters (each with its own quota) by storage_cluster_id: etcd-events 500 MiB, etcd-0 100 MiB');

	const noMetrics = analyzeEtcd({...base, metrics: undefined, metricsUnavailable: 'forbidden'});
	t.is(noMetrics.header[0], 'etcd unknown: /metrics not readable (forbidden)');
	const noFamily = analyzeEtcd({...base, metrics: figures('# TYPE apiserver_storage_objects gauge\napiserver_storage_objects{resource="pods"} 4\n')});
	t.regex(noFamily.header[0]!, /^etcd unknown: \/metrics has no etcd size/);

	const past = analyzeEtcd({...base, metrics: figures(ETCD_NEW(2.2 * GIB))});
	const pastFinding = byType(past, 'etcd-size')[0]!;
	t.is(pastFinding.severity, 'critical');
	t.true(pastFinding.detail?.some((d) => /past the 2 GiB default quota/.test(d)));
});

test('usageBar clamps and rounds', (t) => {
	t.is(usageBar(0, 10, true), '[----------]');
	t.is(usageBar(0.5, 10, true), '[#####-----]');
	t.is(usageBar(1.7, 10, true), '[##########]');
	t.is(usageBar(Number.NaN, 4, true), '[----]');
	t.is(usageBar(0.25, 4), '[\u2588\u2591\u2591\u2591]');
});

test('metric sizes win over samples and carry no ~', (t) => {
	const text = [
		'# TYPE apiserver_resource_objects gauge',
		'apiserver_resource_objects{group="",resource="configmaps"} 50',
		'apiserver_resource_objects{group="",resource="secrets"} 20',
		'apiserver_resource_objects{group="",resource="events"} 10',
		'# TYPE apiserver_resource_size_estimate_bytes gauge',
		'apiserver_resource_size_estimate_bytes{group="",resource="configmaps"} 5242880',
		'apiserver_resource_size_estimate_bytes{group="",resource="secrets"} -1',
		'apiserver_resource_size_estimate_bytes{group="",resource="events"} -1',
		ETCD_NEW(100 * MIB),
	].join('\n');
	const state = emptyState({
		now: NOW,
		metrics: figures(text),
		counts: new Map([count('', 'configmaps', 50, {sample: {objects: 5, avgBytes: 2 * KIB, largest: []}}), count('', 'events', 10, {sample: {objects: 5, avgBytes: 1 * KIB, largest: []}})]),
	});
	const view = analyzeEtcd(state);
	const row = (id: string) => view.rows.find((r) => r.id === id)!;
	t.is(row('/configmaps').cells.bytes, '5.0 MiB');
	t.is(row('/events').cells.bytes, '~10 KiB');
	// Secrets come from the metric only (count 20), bytes n/a.
	t.is(row('/secrets').cells.count, '20');
	t.is(row('/secrets').cells.bytes, 'n/a');
	// The configmaps average (100 KiB from the metric) makes an oversized kind.
	t.is(one(view, 'oversized-kind/_/Resource/configmaps').evidence.bytesFrom, 'metric');
	t.regex(view.header[1]!, /bytes: apiserver_resource_size_estimate_bytes; ~ = sampled sizes x count/);
});

test('the namespace option limits namespaced findings and keeps cluster-wide ones', (t) => {
	const {state} = incidentState();
	const view = analyzeEtcd(state, {namespace: 'batch-jobs'});
	const types = new Set(view.findings.map((f) => f.type));
	for (const f of view.findings) {
		if (['etcd-size', 'kind-over-10k', 'kind-growing-fast', 'oversized-kind'].includes(f.type)) continue;
		const s = f.subject;
		const ns = 'client' in s ? '' : s.kind === 'Namespace' ? s.name : s.kind === 'PersistentVolume' ? 'batch-jobs' : s.namespace;
		t.is(ns, 'batch-jobs', f.id);
	}
	t.true(types.has('job-without-ttl'));
	t.true(types.has('finished-pods'));
	t.true(types.has('pending-claim'));
	t.true(types.has('namespace-without-object-quota'));
	t.false(types.has('event-storm'));
	t.false(types.has('oversized-object'));
	t.false(types.has('replicaset-history'));
	// Only the Failed PV that was claimed from batch-jobs.
	t.deepEqual(byType(view, 'released-volume').map((f) => f.id), ['released-volume/_/PersistentVolume/pvc-failed']);
	t.true(types.has('kind-over-10k'));
	t.true(view.notes?.some((n) => /findings are limited to namespace batch-jobs/.test(n)));
	// The state's own scope is the default.
	t.deepEqual(analyzeEtcd({...state, namespace: 'batch-jobs'}).findings.map((f) => f.id), view.findings.map((f) => f.id));
});

test('findings are ordered by severity, then type', (t) => {
	const view = analyzeEtcd(incidentState().state);
	const ranks = view.findings.map((f) => ({info: 0, warning: 1, critical: 2})[f.severity]);
	for (let i = 1; i < ranks.length; i++) t.true(ranks[i - 1]! >= ranks[i]!);
	t.is(view.findings[0]!.type, 'etcd-size');
	t.is(new Set(view.findings.map((f) => f.id)).size, view.findings.length);
	for (const f of view.findings) {
		t.notRegex(f.id, /[:\s]/);
		t.true((f.objects?.length ?? 0) <= MAX_OBJECTS);
		if (f.objects) t.true((f.objectsTotal ?? 0) >= f.objects.length);
		t.notRegex(f.summary, /\.$/);
	}
});

test('deleteTargetsFor and the full lists behind retention findings', (t) => {
	const {state, cronJobs} = incidentState();
	const id = 'job-without-ttl/ml-pipelines/CronJob/feature-refresh';
	const jobs = finishedJobsFor(state, id);
	t.is(jobs.length, 130);
	const targets = deleteTargetsFor(state, id);
	t.is(targets.length, 130);
	const oldest = cronJobs[129]!;
	t.deepEqual(targets[0], {group: 'batch', version: 'v1', resource: 'jobs', kind: 'Job', namespace: 'ml-pipelines', name: oldest.name, uid: oldest.uid, resourceVersion: oldest.resourceVersion});
	const pods = deleteTargetsFor(state, 'finished-pods/_/Namespace/batch-jobs');
	t.is(pods.length, 90);
	t.is(pods[0]!.resource, 'pods');
	t.is(pods[0]!.group, '');
	t.is(finishedPodsFor(state, 'finished-pods/_/Namespace/default')[0]?.name, 'debug-shell');
	t.deepEqual(deleteTargetsFor(state, 'job-without-ttl/_/Namespace/nowhere'), []);
	t.deepEqual(deleteTargetsFor(state, 'released-volume/_/PersistentVolume/pvc-failed'), []);
});

test('resource names and row ids', (t) => {
	t.is(resourceRowId('', 'pods'), '/pods');
	t.is(resourceRowId('batch', 'jobs'), 'batch/jobs');
	t.is(qualifiedResource('', 'pods'), 'pods');
	t.is(qualifiedResource('ml.example.com', 'datasets'), 'datasets.ml.example.com');
});
