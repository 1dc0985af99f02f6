/**
 * Hand-built states for the etcd pane's tests: builders for each kind of object, a clean
 * cluster, and an incident-shaped one with every finding type.
 */
import type {Finding, PaneView} from '../../../source/model/finding.js';
import {deriveApiServerFigures} from '../../../source/kube/apiserver-metrics.js';
import type {ApiServerFigures} from '../../../source/model/apiserver-figures.js';
import {parsePrometheusText} from '../../../source/formats/prometheus-text.js';
import {emptyState} from '../../../source/model/empty-state.js';
import type {SlimClaim, SlimCronJob, SlimHpa, SlimJob, SlimPersistentVolume, SlimPod, SlimQuota, SlimWorkload} from '../../../source/model/slim.js';
import {objectKey, type ClusterState, type CountPoint, type EventSourceRate, type ResourceCount} from '../../../source/model/state.js';

export const MIN = 60_000;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;
export const KIB = 1024;
export const MIB = 1024 * KIB;
export const GIB = 1024 * MIB;
export const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);

let uidCounter = 0;
export function meta(namespace: string, name: string, ageMs: number) {
	uidCounter++;
	return {namespace, name, uid: `uid-${uidCounter}`, resourceVersion: String(1000 + uidCounter), created: NOW - ageMs};
}

export const SPEC = {containers: [{name: 'c', role: 'container' as const, requests: {}, limits: {}}]};

export function keyed<T extends {namespace: string; name: string}>(items: readonly T[]): Map<string, T> {
	return new Map(items.map((item) => [objectKey(item.namespace, item.name), item]));
}

export function job(
	namespace: string,
	name: string,
	opts: {cronJob?: string; finishedAgo?: number; ttl?: number; outcome?: 'Complete' | 'Failed'; running?: boolean} = {},
): SlimJob {
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

export function pod(
	namespace: string,
	name: string,
	opts: {phase?: SlimPod['phase']; finishedAgo?: number; owner?: {kind: string; name: string}; claims?: string[]} = {},
): SlimPod {
	const phase = opts.phase ?? 'Running';
	const p: SlimPod = {...meta(namespace, name, (opts.finishedAgo ?? 0) + 10 * MIN), phase, spec: SPEC};
	if (opts.owner) p.owner = {...opts.owner, uid: `owner-${opts.owner.name}`};
	if (phase === 'Succeeded' || phase === 'Failed') p.finished = NOW - (opts.finishedAgo ?? 2 * HOUR);
	if (opts.claims) p.claims = opts.claims;
	return p;
}

export function jobPods(jobs: readonly SlimJob[]): SlimPod[] {
	return jobs
		.filter((j) => j.finished !== undefined)
		.map((j) =>
			pod(j.namespace, `${j.name}-x1`, {
				phase: j.outcome === 'Failed' ? 'Failed' : 'Succeeded',
				finishedAgo: NOW - j.finished!,
				owner: {kind: 'Job', name: j.name},
			}),
		);
}

export function workload(
	kind: SlimWorkload['kind'],
	namespace: string,
	name: string,
	opts: {replicas?: number; limit?: number; owner?: string; revision?: number; ageMs?: number} = {},
): SlimWorkload {
	const w: SlimWorkload = {
		...meta(namespace, name, opts.ageMs ?? 10 * DAY),
		kind,
		generation: 1,
		replicas: opts.replicas ?? 1,
		readyReplicas: opts.replicas ?? 1,
		currentReplicas: opts.replicas ?? 1,
		template: SPEC,
	};
	if (opts.limit !== undefined) w.revisionHistoryLimit = opts.limit;
	if (opts.owner) w.owner = {kind: 'Deployment', name: opts.owner, uid: `dep-${opts.owner}`};
	if (opts.revision !== undefined) w.revision = opts.revision;
	return w;
}

/** A Deployment with `old` zero-replica ReplicaSets and one current one. */
export function deploymentWithHistory(namespace: string, name: string, old: number, limit?: number): SlimWorkload[] {
	const out = [workload('Deployment', namespace, name, {replicas: 2, limit})];
	for (let i = 1; i <= old; i++)
		out.push(workload('ReplicaSet', namespace, `${name}-old${i}`, {replicas: 0, owner: name, revision: i, ageMs: (old + 2 - i) * DAY}));
	out.push(workload('ReplicaSet', namespace, `${name}-cur`, {replicas: 2, owner: name, revision: old + 1, ageMs: DAY}));
	return out;
}

export function pv(name: string, phase: string, reclaimPolicy: string, ageInPhase: number, claim?: {namespace: string; name: string}): SlimPersistentVolume {
	return {...meta('', name, ageInPhase + DAY), phase, reclaimPolicy, capacity: '100Gi', storageClass: 'managed-csi', claim, phaseSince: NOW - ageInPhase};
}

export function claim(namespace: string, name: string, phase: string, ageMs: number): SlimClaim {
	return {...meta(namespace, name, ageMs), phase, storageClass: 'managed-csi', request: '50Gi', ...(phase === 'Bound' ? {volumeName: `pv-${name}`} : {})};
}

export function quota(namespace: string, name: string, hard: Record<string, string>): SlimQuota {
	return {...meta(namespace, name, 30 * DAY), hard};
}

export function cronJob(namespace: string, name: string, opts: {ttl?: number; success?: number; failed?: number} = {}): SlimCronJob {
	return {
		...meta(namespace, name, 10 * DAY),
		schedule: '*/2 * * * *',
		suspended: false,
		successfulJobsHistoryLimit: opts.success ?? 3,
		failedJobsHistoryLimit: opts.failed ?? 1,
		...(opts.ttl !== undefined ? {jobTtlSecondsAfterFinished: opts.ttl} : {}),
	};
}

export function hpa(namespace: string, name: string, current: number, max: number): SlimHpa {
	return {
		...meta(namespace, name, 5 * DAY),
		target: {apiVersion: 'apps/v1', kind: 'Deployment', name},
		minReplicas: 1,
		maxReplicas: max,
		currentReplicas: current,
		desiredReplicas: current,
		metrics: ['Resource/cpu'],
		conditions: {},
	};
}

export function count(group: string, resource: string, n: number, extra: Partial<ResourceCount> = {}): [string, ResourceCount] {
	return [`${group}/${resource}`, {group, resource, count: n, source: 'apiserver_storage_objects', history: [], ...extra}];
}

export function storm(source: string, involvedKind: string, namespace: string, perMinute: number[], sampleObjects: string[] = []): EventSourceRate {
	return {
		source,
		involvedKind,
		namespace,
		perMinute,
		total: perMinute.reduce((a, b) => a + b, 0),
		firstSeen: NOW - perMinute.length * MIN,
		sampleObjects,
		reasons: {SyncProgress: perMinute.reduce((a, b) => a + b, 0)},
	};
}

export function figures(text: string): ApiServerFigures {
	const parsed = parsePrometheusText(text);
	if (parsed.errorCount > 0) throw new Error('metrics text did not parse');
	return deriveApiServerFigures(parsed);
}

export const ETCD_NEW = (bytes: number) => `# TYPE apiserver_storage_size_bytes gauge\napiserver_storage_size_bytes{storage_cluster_id="etcd-0"} ${bytes}\n`;
export const ETCD_OLD = (bytes: number) => `# TYPE etcd_db_total_size_in_bytes gauge\netcd_db_total_size_in_bytes{endpoint="https://10.0.0.4:2379"} ${bytes}\n`;

export function byType(view: PaneView, type: string): Finding[] {
	return view.findings.filter((f) => f.type === type);
}

export function one(view: PaneView, id: string): Finding {
	const found = view.findings.find((f) => f.id === id);
	if (!found) throw new Error(`no finding ${id}; have ${view.findings.map((f) => f.id).join(', ')}`);
	return found;
}

export function cleanState(): ClusterState {
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

export interface Incident {
	state: ClusterState;
	cronJobs: SlimJob[];
	standalone: SlimJob[];
}

export function incidentState(): Incident {
	const cronJobs = Array.from({length: 130}, (_, i) =>
		job('ml-pipelines', `feature-refresh-${29000000 + i}`, {
			cronJob: 'feature-refresh',
			finishedAgo: 4 * HOUR + (i + 1) * 2 * MIN,
			outcome: i % 23 === 5 ? 'Failed' : 'Complete',
		}),
	);
	const standalone = Array.from({length: 90}, (_, i) =>
		job('batch-jobs', `report-${7000 + i}`, {finishedAgo: 3 * DAY - i * 40 * MIN, outcome: i % 9 === 4 ? 'Failed' : 'Complete'}),
	);
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
		...Array.from({length: 3}, (_, i) =>
			pod('checkout', `storefront-cur-ev${i}`, {phase: 'Failed', finishedAgo: 2 * HOUR, owner: {kind: 'ReplicaSet', name: 'storefront-cur'}}),
		),
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
		count('', 'pods', 300, {
			sample: {objects: 50, avgBytes: 8 * KIB, largest: [{namespace: 'checkout', name: 'checkout-web-0', bytes: 20 * KIB}]},
			history: podHistory,
			first: podHistory[0],
		}),
		count('batch', 'jobs', 221, {sample: {objects: 50, avgBytes: 4 * KIB, largest: []}}),
		count('ml.example.com', 'datasets', 35, {
			sample: {
				objects: 35,
				avgBytes: 400 * KIB,
				largest: [
					{namespace: 'data-platform', name: 'dataset-21', bytes: 1410 * KIB},
					{namespace: 'data-platform', name: 'dataset-20', bytes: 1290 * KIB},
					{namespace: 'data-platform', name: 'dataset-19', bytes: 1180 * KIB},
					{namespace: 'data-platform', name: 'dataset-18', bytes: 800 * KIB},
				],
			},
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
		namespaces: new Map(
			['kube-system', 'default', 'monitoring', 'payments', 'checkout', 'data-platform', 'ml-pipelines', 'batch-jobs', 'tenant-a'].map((n) => [
				n,
				{name: n, created: NOW - 45 * DAY},
			]),
		),
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
			storm(
				'ml.example.com/dataset-controller',
				'Dataset',
				'data-platform',
				Array.from({length: 30}, () => 480),
				['dataset-00', 'dataset-01'],
			),
			storm('cert-manager', 'Certificate', 'checkout', [50, 70, 70, 70, 70, 70, 70]),
			storm('cert-manager', 'Certificate', 'payments', [0, 10, 10, 10, 10, 10, 10]),
			storm('kubelet', 'Pod', 'checkout', [3, 2, 5, 1]),
		],
	});
	return {state, cronJobs, standalone};
}
