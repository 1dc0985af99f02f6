/**
 * job-without-ttl (source/findings/etcd/jobs.ts): grouping by CronJob and namespace, the
 * TTL remedy, the pile threshold.
 */
import test from 'ava';
import fc from 'fast-check';
import {analyzeEtcd} from '../../../source/findings/etcd.js';
import {MAX_OBJECTS} from '../../../source/findings/etcd/context.js';
import {emptyState} from '../../../source/model/empty-state.js';
import {KIB, MIN, NOW, byType, cronJob, incidentState, job, keyed, one} from './fixtures.js';

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
	t.deepEqual(
		cron.remedies.map((r) => r.id),
		['set-job-ttl', 'delete-finished-jobs'],
	);
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
	t.deepEqual(
		f.remedies.map((r) => r.id),
		['delete-finished-jobs'],
	);
	t.true(f.detail?.some((d) => /already sets ttlSecondsAfterFinished: 600/.test(d)));
	const nine = emptyState({now: NOW, jobs: keyed(jobs.slice(0, 9))});
	t.deepEqual(byType(analyzeEtcd(nine), 'job-without-ttl'), []);
});

test('job-without-ttl counts exactly the finished Jobs without a TTL in groups of 10 or more', (t) => {
	fc.assert(
		fc.property(
			fc.array(fc.record({ns: fc.constantFrom('a', 'b'), cron: fc.constantFrom(undefined, 'c1', 'c2'), ttl: fc.boolean(), running: fc.boolean()}), {
				maxLength: 80,
			}),
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
