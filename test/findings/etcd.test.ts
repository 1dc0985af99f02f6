/**
 * Tests for the etcd pane analyzer (source/findings/etcd.ts) on hand-built states: a clean
 * cluster (no finding), the rows and their links to findings, the namespace option, the
 * order of findings, and the full object lists behind retention findings. Each group of
 * findings has its tests in test/findings/etcd/.
 */
import test from 'ava';
import {analyzeEtcd} from '../../source/findings/etcd.js';
import {deleteTargetsFor} from '../../source/plans/etcd.js';
import {MAX_OBJECTS, qualifiedResource, resourceRowId} from '../../source/findings/etcd/context.js';
import {finishedJobsFor} from '../../source/findings/etcd/jobs.js';
import {finishedPodsFor} from '../../source/findings/etcd/pods.js';
import {emptyState} from '../../source/model/empty-state.js';
import {KIB, NOW, byType, cleanState, incidentState} from './etcd/fixtures.js';

test('a clean cluster produces no finding, and its rows carry no flag', (t) => {
	const view = analyzeEtcd(cleanState());
	t.deepEqual(
		view.findings.map((f) => f.id),
		[],
	);
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
	t.deepEqual(
		byType(view, 'released-volume').map((f) => f.id),
		['released-volume/_/PersistentVolume/pvc-failed'],
	);
	t.true(types.has('kind-over-10k'));
	t.true(view.notes?.some((n) => /findings are limited to namespace batch-jobs/.test(n)));
	// The state's own scope is the default.
	t.deepEqual(
		analyzeEtcd({...state, namespace: 'batch-jobs'}).findings.map((f) => f.id),
		view.findings.map((f) => f.id),
	);
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
	t.deepEqual(targets[0], {
		group: 'batch',
		version: 'v1',
		resource: 'jobs',
		kind: 'Job',
		namespace: 'ml-pipelines',
		name: oldest.name,
		uid: oldest.uid,
		resourceVersion: oldest.resourceVersion,
	});
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
