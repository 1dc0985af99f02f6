/**
 * Seeding a Job as the job controller would have left it: its pod (Succeeded, Failed or
 * still Running), the selector and labels tied to its uid, the CronJob that owns it if any,
 * and the status and conditions of a Job that completed or hit its backoff limit.
 */
import type {Obj} from '../../formats/json-object.js';
import type {ClusterBuilder} from './builder.js';
import type {PodTemplateOptions} from './builder-templates.js';

export interface JobOptions extends PodTemplateOptions {
	ageMs: number;
	durationMs?: number;
	outcome?: 'Complete' | 'Failed' | 'Running';
	owner?: Obj;
	ttlSecondsAfterFinished?: number;
	labels?: Record<string, string>;
}

/** A finished (or running) Job with its pod, optionally owned by a CronJob. */
export function seedJob(b: ClusterBuilder, namespace: string, name: string, options: JobOptions): {job: Obj; pod: Obj} {
	const outcome = options.outcome ?? 'Complete';
	const duration = options.durationMs ?? 45_000;
	const template = b.template(name, {...options, restartPolicy: 'Never'});
	delete template.metadata.labels.app;
	const start = b.iso(options.ageMs);
	const end = b.iso(Math.max(0, options.ageMs - duration));
	const job = b.seed('batch', 'jobs', {
		metadata: {
			name,
			namespace,
			creationTimestamp: start,
			generation: 1,
			labels: {...(options.labels ?? {}), ...(options.owner ? {'batch.kubernetes.io/cronjob-name': options.owner.metadata.name} : {})},
			...(options.owner
				? {
						annotations: {'batch.kubernetes.io/cronjob-scheduled-timestamp': start},
						ownerReferences: [
							{
								apiVersion: 'batch/v1',
								kind: 'CronJob',
								name: options.owner.metadata.name,
								uid: options.owner.metadata.uid,
								controller: true,
								blockOwnerDeletion: true,
							},
						],
					}
				: {}),
		},
		spec: {template, ...(options.ttlSecondsAfterFinished !== undefined ? {ttlSecondsAfterFinished: options.ttlSecondsAfterFinished} : {})},
		status: {},
	});
	const uid = job.metadata.uid as string;
	job.spec.selector = {matchLabels: {'batch.kubernetes.io/controller-uid': uid}};
	job.spec.template.metadata.labels = {
		...job.spec.template.metadata.labels,
		'batch.kubernetes.io/controller-uid': uid,
		'batch.kubernetes.io/job-name': name,
		'controller-uid': uid,
		'job-name': name,
	};
	const pod = b.pod(namespace, `${name}-${b.sim.random.suffix(5)}`, job.spec.template, {
		owner: job,
		ageMs: options.ageMs,
		phase: outcome === 'Complete' ? 'Succeeded' : outcome === 'Failed' ? 'Failed' : 'Running',
		finishedAgoMs: Math.max(0, options.ageMs - duration),
	});
	const status: Obj = {
		startTime: start,
		active: outcome === 'Running' ? 1 : 0,
		succeeded: outcome === 'Complete' ? 1 : 0,
		failed: outcome === 'Failed' ? 1 : 0,
		ready: 0,
		terminating: 0,
		uncountedTerminatedPods: {},
	};
	if (outcome === 'Complete') {
		status.completionTime = end;
		status.conditions = [
			{
				type: 'SuccessCriteriaMet',
				status: 'True',
				lastProbeTime: end,
				lastTransitionTime: end,
				reason: 'CompletionsReached',
				message: 'Reached expected number of succeeded pods',
			},
			{
				type: 'Complete',
				status: 'True',
				lastProbeTime: end,
				lastTransitionTime: end,
				reason: 'CompletionsReached',
				message: 'Reached expected number of succeeded pods',
			},
		];
	} else if (outcome === 'Failed') {
		status.conditions = [
			{
				type: 'FailureTarget',
				status: 'True',
				lastProbeTime: end,
				lastTransitionTime: end,
				reason: 'BackoffLimitExceeded',
				message: 'Job has reached the specified backoff limit',
			},
			{
				type: 'Failed',
				status: 'True',
				lastProbeTime: end,
				lastTransitionTime: end,
				reason: 'BackoffLimitExceeded',
				message: 'Job has reached the specified backoff limit',
			},
		];
		job.spec.backoffLimit = 0;
	}
	b.setStatus('batch', 'jobs', job, status);
	return {job, pod};
}
