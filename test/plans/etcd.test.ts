/**
 * Tests for the etcd pane's remedy builders (source/plans/etcd.ts): the patch bodies and
 * their preconditions, batch sizes from a QPS budget, the PV delete warnings per reclaim
 * policy and server version, the revisionHistoryLimit plan, and quotas that never fall
 * below usage.
 */
import test from 'ava';
import fc from 'fast-check';
import {
	batchedDeletePlan,
	batchRequests,
	cronJobTtlPatch,
	deleteBatchSize,
	jobTtlPatch,
	objectQuotaPlan,
	revisionHistoryLimitPatch,
	validateTtlSeconds,
	volumeDeletePlan,
	type DeleteTarget,
} from '../../source/plans/etcd.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);

test('validateTtlSeconds accepts int32 seconds and rejects the rest', (t) => {
	t.notThrows(() => validateTtlSeconds(0));
	t.notThrows(() => validateTtlSeconds(2_147_483_647));
	for (const bad of [-1, 1.5, 2_147_483_648, Number.NaN]) t.throws(() => validateTtlSeconds(bad), {instanceOf: RangeError});
});

const cronJob = {
	metadata: {name: 'feature-refresh', resourceVersion: '4711'},
	spec: {schedule: '*/5 * * * *', jobTemplate: {spec: {template: {spec: {containers: [{name: 'refresh'}]}}}}},
	status: {lastScheduleTime: '2026-01-01T00:00:00Z'},
};

test('cronJobTtlPatch sets the jobTemplate TTL with a JSON patch that tests the field as planned, not the whole object', (t) => {
	const plain = cronJobTtlPatch({namespace: 'ml-pipelines', name: 'feature-refresh', planned: cronJob}, 3600);
	t.is(plain.method, 'PATCH');
	t.is(plain.path, '/apis/batch/v1/namespaces/ml-pipelines/cronjobs/feature-refresh');
	t.is(plain.contentType, 'application/json-patch+json');
	t.deepEqual(plain.body, [
		{op: 'test', path: '/spec/jobTemplate/spec/ttlSecondsAfterFinished', value: null},
		{op: 'add', path: '/spec/jobTemplate/spec/ttlSecondsAfterFinished', value: 3600},
	]);
	t.deepEqual(plain.target, {kind: 'CronJob', namespace: 'ml-pipelines', name: 'feature-refresh'});
	const withTtl = {...cronJob, spec: {...cronJob.spec, jobTemplate: {spec: {...cronJob.spec.jobTemplate.spec, ttlSecondsAfterFinished: 86_400}}}};
	t.deepEqual(cronJobTtlPatch({namespace: 'ml-pipelines', name: 'feature-refresh', planned: withTtl}, 7200).body, [
		{op: 'test', path: '/spec/jobTemplate/spec/ttlSecondsAfterFinished', value: 86_400},
		{op: 'replace', path: '/spec/jobTemplate/spec/ttlSecondsAfterFinished', value: 7200},
	]);
	t.throws(() => cronJobTtlPatch({namespace: 'a', name: 'b', planned: cronJob}, -5), {instanceOf: RangeError});
});

test('jobTtlPatch patches spec.ttlSecondsAfterFinished and says when the Job goes at once', (t) => {
	const old = jobTtlPatch({namespace: 'batch-jobs', name: 'report-7000', planned: {spec: {}}, finished: NOW - 2 * DAY}, 3600, NOW);
	t.is(old.path, '/apis/batch/v1/namespaces/batch-jobs/jobs/report-7000');
	t.is(old.contentType, 'application/json-patch+json');
	// Only if the Job still has no TTL: a status write by the Job controller does not matter.
	t.deepEqual(old.body, [
		{op: 'test', path: '/spec/ttlSecondsAfterFinished', value: null},
		{op: 'add', path: '/spec/ttlSecondsAfterFinished', value: 3600},
	]);
	t.regex(old.description, /deletes it and its pods at once/);
	const recent = jobTtlPatch(
		{namespace: 'batch-jobs', name: 'report-7089', planned: {spec: {ttlSecondsAfterFinished: 60}}, finished: NOW - 10 * MIN},
		3600,
		NOW,
	);
	t.notRegex(recent.description, /at once/);
	t.deepEqual(recent.body, [
		{op: 'test', path: '/spec/ttlSecondsAfterFinished', value: 60},
		{op: 'replace', path: '/spec/ttlSecondsAfterFinished', value: 3600},
	]);
});

test('deleteBatchSize takes half the QPS per second, never more than the burst, at least one', (t) => {
	t.is(deleteBatchSize({qps: 5}), 2);
	t.is(deleteBatchSize({qps: 50}), 25);
	t.is(deleteBatchSize({qps: 50, burst: 10}), 10);
	t.is(deleteBatchSize({qps: 1}), 1);
	t.is(deleteBatchSize({qps: 20, share: 1, intervalMs: 2000}), 40);
	t.is(deleteBatchSize({qps: 20, share: 0.25}), 5);
	t.throws(() => deleteBatchSize({qps: 0}), {instanceOf: RangeError});
	t.throws(() => deleteBatchSize({qps: 5, share: 1.5}), {instanceOf: RangeError});
	t.throws(() => deleteBatchSize({qps: 5, intervalMs: 0}), {instanceOf: RangeError});
});

function jobTarget(i: number, extra: Partial<DeleteTarget> = {}): DeleteTarget {
	return {
		group: 'batch',
		version: 'v1',
		resource: 'jobs',
		kind: 'Job',
		namespace: 'batch-jobs',
		name: `report-${i}`,
		uid: `uid-${i}`,
		resourceVersion: String(100 + i),
		...extra,
	};
}

test('batchedDeletePlan cuts DELETEs with Background propagation and preconditions into batches', (t) => {
	const targets = Array.from({length: 7}, (_, i) => jobTarget(i));
	const plan = batchedDeletePlan(targets, {qps: 5});
	t.is(plan.batchSize, 2);
	t.deepEqual(
		plan.batches.map((b) => b.length),
		[2, 2, 2, 1],
	);
	t.is(plan.total, 7);
	t.is(plan.intervalMs, 1000);
	t.is(plan.estimatedSeconds, 3);
	t.regex(plan.rule, /2 per batch every 1000 ms: 50% of the client's 5 requests\/s/);
	const first = plan.batches[0]![0]!;
	t.is(first.method, 'DELETE');
	t.is(first.path, '/apis/batch/v1/namespaces/batch-jobs/jobs/report-0');
	t.deepEqual(first.body, {apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: 'Background', preconditions: {uid: 'uid-0', resourceVersion: '100'}});
	t.deepEqual(first.target, {kind: 'Job', namespace: 'batch-jobs', name: 'report-0'});
});

test('batchedDeletePlan drops duplicates, omits absent preconditions, handles cluster-scoped objects', (t) => {
	const pod: DeleteTarget = {group: '', version: 'v1', resource: 'pods', kind: 'Pod', namespace: 'default', name: 'debug-shell'};
	const pv: DeleteTarget = {group: '', version: 'v1', resource: 'persistentvolumes', kind: 'PersistentVolume', name: 'pv-1', uid: 'u'};
	const plan = batchedDeletePlan([pod, pod, pv], {qps: 50, burst: 100});
	t.is(plan.total, 2);
	t.is(plan.batches.length, 1);
	t.is(plan.estimatedSeconds, 0);
	t.deepEqual(plan.batches[0]![0]!.body, {apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: 'Background'});
	t.is(plan.batches[0]![1]!.path, '/api/v1/persistentvolumes/pv-1');
	t.deepEqual(plan.batches[0]![1]!.body, {apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: 'Background', preconditions: {uid: 'u'}});
	t.deepEqual(plan.batches[0]![1]!.target, {kind: 'PersistentVolume', name: 'pv-1'});
	t.deepEqual(batchedDeletePlan([], {qps: 5}).batches, []);
});

test('batchedDeletePlan keeps order and never exceeds the batch size or the burst', (t) => {
	fc.assert(
		fc.property(
			fc.array(fc.integer({min: 0, max: 40}), {maxLength: 120}),
			fc.double({min: 0.1, max: 500, noNaN: true}),
			fc.option(fc.integer({min: 1, max: 50}), {nil: undefined}),
			(ids, qps, burst) => {
				const plan = batchedDeletePlan(
					ids.map((i) => jobTarget(i)),
					{qps, burst},
				);
				const flat = plan.batches.flat().map((r) => r.target.name);
				const expected = [...new Set(ids)].map((i) => `report-${i}`);
				const sizesOk = plan.batches.every((b) => b.length >= 1 && b.length <= plan.batchSize && (burst === undefined || b.length <= burst));
				return JSON.stringify(flat) === JSON.stringify(expected) && sizesOk && plan.total === expected.length;
			},
		),
	);
	t.pass();
});

test('batchRequests paces TTL patches for standalone Jobs like deletes', (t) => {
	const patches = Array.from({length: 5}, (_, i) => jobTtlPatch({namespace: 'batch-jobs', name: `report-${i}`, planned: {spec: {}}}, 3600));
	const plan = batchRequests([...patches, patches[0]!], {qps: 10, burst: 3});
	t.is(plan.batchSize, 3);
	t.deepEqual(
		plan.batches.map((b) => b.map((r) => r.target.name)),
		[
			['report-0', 'report-1', 'report-2'],
			['report-3', 'report-4'],
		],
	);
	t.true(plan.batches.flat().every((r) => r.method === 'PATCH'));
	t.is(plan.estimatedSeconds, 1);
});

test('volumeDeletePlan: Retain says plainly that the disk is kept', (t) => {
	const plan = volumeDeletePlan({
		name: 'pvc-3f9a1c2e-released-1',
		uid: 'u1',
		resourceVersion: '9',
		phase: 'Released',
		reclaimPolicy: 'Retain',
		capacity: '512Gi',
		storageClass: 'managed-csi',
		claim: {namespace: 'ml-pipelines', name: 'train-scratch-1'},
	});
	t.true(plan.allowed);
	t.true(plan.diskKept);
	t.regex(plan.warning, /backing disk is KEPT, with its data, and is still billed/);
	t.regex(plan.warning, /512Gi, managed-csi/);
	t.regex(plan.warning, /ml-pipelines\/train-scratch-1/);
	t.is(plan.request?.method, 'DELETE');
	t.is(plan.request?.path, '/api/v1/persistentvolumes/pvc-3f9a1c2e-released-1');
	t.deepEqual(plan.request?.body, {apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: 'Background', preconditions: {uid: 'u1', resourceVersion: '9'}});
});

test('volumeDeletePlan: Delete says the disk and its data go, with the version caveat', (t) => {
	const volume = {name: 'pvc-7b2d-released-delete', phase: 'Released', reclaimPolicy: 'Delete', capacity: '64Gi'};
	const unknown = volumeDeletePlan(volume);
	t.true(unknown.allowed);
	t.false(unknown.diskKept);
	t.regex(unknown.warning, /AND its backing disk with all its data/);
	t.regex(unknown.warning, /cannot be undone/);
	t.regex(unknown.warning, /older than 1\.31/);
	t.regex(volumeDeletePlan(volume, {serverMinor: 29}).warning, /This cluster is 1\.29: without HonorPVReclaimPolicy the disk may be left behind/);
	t.notRegex(volumeDeletePlan(volume, {serverMinor: 32}).warning, /1\.31|left behind/);
});

test('volumeDeletePlan refuses Failed, Bound and unknown-policy volumes', (t) => {
	const failed = volumeDeletePlan({name: 'pvc-9c1e-failed', phase: 'Failed', reclaimPolicy: 'Delete'});
	t.false(failed.allowed);
	t.is(failed.request, undefined);
	t.regex(failed.reason ?? '', /Failed: reclaiming it went wrong/);
	const bound = volumeDeletePlan({name: 'pv-bound', phase: 'Bound', reclaimPolicy: 'Retain'});
	t.false(bound.allowed);
	t.regex(bound.reason ?? '', /Bound, not Released/);
	t.false(volumeDeletePlan({name: 'pv-x', phase: 'Released', reclaimPolicy: 'Weird'}).allowed);
	const recycle = volumeDeletePlan({name: 'pv-r', phase: 'Released', reclaimPolicy: 'Recycle'});
	t.true(recycle.allowed);
	t.true(recycle.diskKept);
});

test('revisionHistoryLimitPatch sets 3 and lists the old ReplicaSets the controller deletes', (t) => {
	const old = Array.from({length: 35}, (_, i) => ({name: `legacy-admin-${i + 1}`, revision: i + 1, created: NOW - (40 - i) * DAY}));
	const deployment = {
		metadata: {name: 'legacy-admin', resourceVersion: '77'},
		spec: {replicas: 2, revisionHistoryLimit: 50},
		status: {replicas: 2, readyReplicas: 2},
	};
	const plan = revisionHistoryLimitPatch({namespace: 'checkout', name: 'legacy-admin', planned: deployment}, old);
	t.is(plan.limit, 3);
	t.is(plan.request.path, '/apis/apps/v1/namespaces/checkout/deployments/legacy-admin');
	t.is(plan.request.contentType, 'application/json-patch+json');
	t.deepEqual(plan.request.body, [
		{op: 'test', path: '/spec/revisionHistoryLimit', value: 50},
		{op: 'replace', path: '/spec/revisionHistoryLimit', value: 3},
	]);
	t.is(plan.removes.length, 32);
	t.is(plan.removes[0], 'legacy-admin-1');
	t.is(plan.removes[31], 'legacy-admin-32');
	t.false(plan.removes.includes('legacy-admin-33'));
	t.regex(plan.rule, /rollout undo/);
	t.regex(plan.request.description, /deletes 32 old ReplicaSets/);

	const custom = revisionHistoryLimitPatch({namespace: 'payments', name: 'payments-api', planned: {spec: {revisionHistoryLimit: 10}}}, old.slice(0, 2), 5);
	t.deepEqual(custom.removes, []);
	t.deepEqual(custom.request.body, [
		{op: 'test', path: '/spec/revisionHistoryLimit', value: 10},
		{op: 'replace', path: '/spec/revisionHistoryLimit', value: 5},
	]);
	t.throws(() => revisionHistoryLimitPatch({namespace: 'a', name: 'b', planned: deployment}, [], -1), {instanceOf: RangeError});
});

test("objectQuotaPlan creates a ResourceQuota from today's counts with headroom", (t) => {
	const plan = objectQuotaPlan('batch-jobs', {'count/pods': 91, 'count/jobs.batch': 91, 'count/persistentvolumeclaims': 1}, {reserve: {'count/pods': 6}});
	t.is(plan.request.method, 'POST');
	t.is(plan.request.path, '/api/v1/namespaces/batch-jobs/resourcequotas');
	t.is(plan.quota.metadata.name, 'object-counts');
	t.deepEqual(plan.quota.spec.hard, {'count/jobs.batch': '140', 'count/persistentvolumeclaims': '11', 'count/pods': '150'});
	t.deepEqual(plan.request.body, plan.quota);
	t.deepEqual(
		plan.lines.map((l) => l.key),
		['count/jobs.batch', 'count/persistentvolumeclaims', 'count/pods'],
	);
	t.is(plan.lines.find((l) => l.key === 'count/pods')?.reserve, 6);
	t.regex(plan.rule, /never below current usage/);
	t.regex(plan.rule, /blocks every new object/);
	for (const line of plan.lines) t.true(line.hard >= line.used);
});

test('objectQuotaPlan avoids existing names and rejects bad input', (t) => {
	const plan = objectQuotaPlan('tenant-b', {'count/pods': 3}, {existingNames: ['object-counts', 'object-counts-2']});
	t.is(plan.quota.metadata.name, 'object-counts-3');
	t.throws(() => objectQuotaPlan('x', {}), {instanceOf: RangeError});
	t.throws(() => objectQuotaPlan('x', {'requests.cpu': 4}), {instanceOf: RangeError});
});

test('objectQuotaPlan: every hard value is at least the usage', (t) => {
	fc.assert(
		fc.property(
			fc.dictionary(fc.constantFrom('count/pods', 'count/jobs.batch', 'count/replicasets.apps', 'configmaps'), fc.integer({min: 0, max: 1_000_000}), {
				minKeys: 1,
			}),
			(usage) => {
				const plan = objectQuotaPlan('ns', usage);
				return plan.lines.every((l) => Number(plan.quota.spec.hard[l.key]) === l.hard && l.hard >= usage[l.key]!);
			},
		),
	);
	t.pass();
});
