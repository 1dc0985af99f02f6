/**
 * The simulated batch/v1 controllers: Job (pods run to completion, Complete or Failed at the
 * backoff limit, with events), CronJob (a Job per due schedule, concurrencyPolicy Forbid,
 * history limits) and the TTL-after-finished controller, and the cron matching they use.
 */
import type {Obj} from '../../formats/json-object.js';
import {ownerRef} from './context.js';
import {isFinished, isReady, isTerminating, MANAGER, type WorkloadKit} from './workloads-kit.js';

function jobFinished(job: Obj): 'Complete' | 'Failed' | undefined {
	for (const c of (job.status?.conditions ?? []) as Obj[]) {
		if ((c.type === 'Complete' || c.type === 'Failed') && c.status === 'True') return c.type;
	}
	return undefined;
}

/** Minimal cron matching: minute and hour fields with *, * /N, N, N-M and lists; @hourly etc. */
export function cronMatches(schedule: string, at: Date): boolean {
	const macros: Record<string, string> = {
		'@hourly': '0 * * * *',
		'@daily': '0 0 * * *',
		'@midnight': '0 0 * * *',
		'@weekly': '0 0 * * 0',
		'@monthly': '0 0 1 * *',
		'@yearly': '0 0 1 1 *',
		'@annually': '0 0 1 1 *',
	};
	const fields = (macros[schedule.trim()] ?? schedule).trim().split(/\s+/);
	if (fields.length !== 5) return false;
	const values = [at.getUTCMinutes(), at.getUTCHours(), at.getUTCDate(), at.getUTCMonth() + 1, at.getUTCDay()];
	return fields.every((field, i) =>
		field.split(',').some((part) => {
			const [range, stepText] = part.split('/');
			const step = stepText ? Number(stepText) : 1;
			const value = values[i]!;
			if (range === '*') return value % step === 0;
			const [lo, hi] = range!.split('-').map(Number);
			if (hi === undefined) return stepText ? value >= lo! && (value - lo!) % step === 0 : value === lo;
			return value >= lo! && value <= hi && (value - lo!) % step === 0;
		}),
	);
}

export function syncJob(kit: WorkloadKit, key: string): void {
	const job = kit.get(kit.jobs, key);
	if (!job || job.metadata.deletionTimestamp || jobFinished(job)) return;
	if (job.spec?.suspend) return;
	const pods = kit.owned(job.metadata.uid, 'pods');
	const succeeded = pods.filter((pod) => pod.status?.phase === 'Succeeded').length;
	const failed = pods.filter((pod) => pod.status?.phase === 'Failed').length;
	const active = pods.filter((pod) => !isFinished(pod) && !isTerminating(pod));
	const completions = Number(job.spec?.completions ?? 1);
	const parallelism = Number(job.spec?.parallelism ?? 1);
	const now = kit.ctx.clock.iso();
	const status: Obj = {
		startTime: job.status?.startTime ?? now,
		active: active.length,
		succeeded,
		failed,
		ready: active.filter(isReady).length,
		terminating: pods.filter(isTerminating).length,
		uncountedTerminatedPods: {},
	};
	if (succeeded >= completions) {
		status.completionTime = now;
		status.active = 0;
		status.conditions = [
			{
				type: 'SuccessCriteriaMet',
				status: 'True',
				lastProbeTime: now,
				lastTransitionTime: now,
				reason: 'CompletionsReached',
				message: 'Reached expected number of succeeded pods',
			},
			{
				type: 'Complete',
				status: 'True',
				lastProbeTime: now,
				lastTransitionTime: now,
				reason: 'CompletionsReached',
				message: 'Reached expected number of succeeded pods',
			},
		];
		kit.ctx.recordEvent(job, 'Normal', 'Completed', 'Job completed', 'job-controller');
	} else if (failed > Number(job.spec?.backoffLimit ?? 6)) {
		status.active = 0;
		status.conditions = [
			{
				type: 'FailureTarget',
				status: 'True',
				lastProbeTime: now,
				lastTransitionTime: now,
				reason: 'BackoffLimitExceeded',
				message: 'Job has reached the specified backoff limit',
			},
			{
				type: 'Failed',
				status: 'True',
				lastProbeTime: now,
				lastTransitionTime: now,
				reason: 'BackoffLimitExceeded',
				message: 'Job has reached the specified backoff limit',
			},
		];
		kit.ctx.recordEvent(job, 'Warning', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit', 'job-controller');
	} else {
		const wanted = Math.min(parallelism, completions - succeeded) - active.length;
		for (let i = 0; i < wanted; i++) {
			kit.createPod(job, job.spec?.template ?? {}, `${job.metadata.name}-${kit.ctx.random.suffix(5)}`, {
				labels: {
					'batch.kubernetes.io/controller-uid': job.metadata.uid,
					'batch.kubernetes.io/job-name': job.metadata.name,
					'controller-uid': job.metadata.uid,
					'job-name': job.metadata.name,
				},
			});
			if (i === 0) kit.ctx.recordEvent(job, 'Normal', 'SuccessfulCreate', `Created pod: ${job.metadata.name}-…`, 'job-controller');
		}
		status.active = active.length + Math.max(0, wanted);
	}
	kit.writeStatus(kit.jobs, job, status);
}

/** Run due CronJobs and enforce their history limits. */
export function cronTick(kit: WorkloadKit): void {
	const now = new Date(kit.ctx.clock.now());
	now.setUTCSeconds(0, 0);
	for (const record of kit.ctx.api.store.resource('batch/cronjobs').objects.values()) {
		const cj = JSON.parse(record.json) as Obj;
		if (cj.spec?.suspend || cj.metadata.deletionTimestamp) continue;
		const jobs = kit.owned(cj.metadata.uid, 'batch/jobs');
		if (cronMatches(String(cj.spec?.schedule ?? ''), now) && cj.status?.lastScheduleTime !== kit.ctx.clock.iso(now.getTime())) {
			const running = jobs.filter((job) => !jobFinished(job));
			if (!(cj.spec?.concurrencyPolicy === 'Forbid' && running.length > 0)) runCronJob(kit, cj, now);
		}
		enforceHistory(kit, cj, jobs);
	}
}

export function runCronJob(kit: WorkloadKit, cj: Obj, at: Date): void {
	const template = cj.spec?.jobTemplate ?? {};
	const name = `${cj.metadata.name}-${Math.floor(at.getTime() / 60_000)}`;
	const job: Obj = {
		apiVersion: 'batch/v1',
		kind: 'Job',
		metadata: {
			name,
			namespace: cj.metadata.namespace,
			labels: {...(template.metadata?.labels ?? {}), 'batch.kubernetes.io/cronjob-name': cj.metadata.name},
			annotations: {...(template.metadata?.annotations ?? {}), 'batch.kubernetes.io/cronjob-scheduled-timestamp': at.toISOString().replace('.000Z', 'Z')},
			ownerReferences: [ownerRef(cj)],
		},
		spec: structuredClone(template.spec ?? {}),
	};
	try {
		kit.ctx.api.create(kit.jobs, cj.metadata.namespace, job, {
			user: {name: 'system:serviceaccount:kube-system:cronjob-controller', groups: []},
			fieldManager: MANAGER,
		});
		kit.ctx.recordEvent(cj, 'Normal', 'SuccessfulCreate', `Created job ${name}`, 'cronjob-controller');
		kit.writeStatus(kit.cronjobs, cj, {lastScheduleTime: kit.ctx.clock.iso(at.getTime())});
	} catch {
		// Exists already (a tick twice in the same minute).
	}
}

function enforceHistory(kit: WorkloadKit, cj: Obj, jobs: Obj[]): void {
	const finished = jobs.filter((job) => jobFinished(job));
	for (const [state, limit] of [
		['Complete', Number(cj.spec?.successfulJobsHistoryLimit ?? 3)],
		['Failed', Number(cj.spec?.failedJobsHistoryLimit ?? 1)],
	] as const) {
		const some = finished
			.filter((job) => jobFinished(job) === state)
			.sort((a, b) => String(a.metadata.creationTimestamp).localeCompare(String(b.metadata.creationTimestamp)));
		for (const job of some.slice(0, Math.max(0, some.length - limit))) {
			kit.deleteAs('cronjob-controller', kit.jobs, job);
		}
	}
}

/** The TTL-after-finished controller. */
export function ttlTick(kit: WorkloadKit): void {
	const now = kit.ctx.clock.now();
	for (const record of [...kit.ctx.api.store.resource('batch/jobs').objects.values()]) {
		if (!record.json.includes('"ttlSecondsAfterFinished"')) continue;
		const job = JSON.parse(record.json) as Obj;
		const ttl = job.spec?.ttlSecondsAfterFinished;
		if (typeof ttl !== 'number' || !jobFinished(job) || job.metadata.deletionTimestamp) continue;
		const finishedAt = Date.parse(
			job.status?.completionTime ?? ((job.status?.conditions ?? []) as Obj[]).find((c) => c.type === 'Failed')?.lastTransitionTime ?? '',
		);
		if (Number.isNaN(finishedAt) || finishedAt + ttl * 1000 > now) continue;
		kit.deleteAs('ttl-after-finished-controller', kit.jobs, job);
	}
}
