/**
 * job-without-ttl: finished Jobs without ttlSecondsAfterFinished piling up, grouped by
 * CronJob (or by namespace for standalone Jobs), with the TTL to set; and the full list
 * behind a finding for the remedies (a finding carries at most MAX_OBJECTS of them),
 * regrouped from the state exactly as the finding was.
 */
import {findingId, type Finding, type RemedyRef, type Severity} from '../../model/finding.js';
import type {ObjectRef, SlimJob} from '../../model/slim.js';
import {objectKey, type ClusterState} from '../../model/state.js';
import {formatAge} from '../../text/format.js';
import {add, bounded, type Context, finishedAt, JOB_PILE_MIN, PILE_CRITICAL, plural, ROW_JOBS} from './context.js';
import {chooseJobTtl, type TtlChoice} from './job-ttl.js';
import type {KindFigures} from './kinds.js';

function jobRef(job: SlimJob): ObjectRef {
	return {kind: 'Job', namespace: job.namespace, name: job.name};
}

function isFinishedJob(job: SlimJob): boolean {
	return job.outcome !== undefined || job.finished !== undefined;
}

interface JobGroup {
	id: string;
	subject: ObjectRef;
	namespace: string;
	cronJob?: string;
	/** Every Job of the group (for the cadence). */
	all: SlimJob[];
	/** Finished Jobs without ttlSecondsAfterFinished, oldest first. */
	offenders: SlimJob[];
}

/** Jobs grouped by CronJob, or by namespace for standalone Jobs; keyed by job-without-ttl finding id. */
function collectJobGroups(state: ClusterState, inScope: (namespace: string) => boolean): Map<string, JobGroup> {
	const groups = new Map<string, JobGroup>();
	for (const job of state.jobs.values()) {
		if (!inScope(job.namespace)) continue;
		const subject: ObjectRef = job.cronJob ? {kind: 'CronJob', namespace: job.namespace, name: job.cronJob} : {kind: 'Namespace', name: job.namespace};
		const id = findingId('job-without-ttl', subject);
		const group = groups.get(id) ?? {id, subject, namespace: job.namespace, cronJob: job.cronJob, all: [], offenders: []};
		group.all.push(job);
		if (isFinishedJob(job) && job.ttlSecondsAfterFinished === undefined && job.deleting === undefined) group.offenders.push(job);
		groups.set(id, group);
	}
	for (const group of groups.values()) group.offenders.sort((a, b) => finishedAt(a) - finishedAt(b) || (a.name < b.name ? -1 : 1));
	return groups;
}

/** Returns the namespaces where finished Jobs pile up. */
export function jobFindings(ctx: Context, kinds: ReadonlyMap<string, KindFigures>): Set<string> {
	const {state} = ctx;
	const groups = collectJobGroups(state, ctx.inScope);
	const podsByJob = new Map<string, number>();
	for (const pod of state.pods.values()) {
		if (pod.owner?.kind === 'Job') podsByJob.set(objectKey(pod.namespace, pod.owner.name), (podsByJob.get(objectKey(pod.namespace, pod.owner.name)) ?? 0) + 1);
	}
	const avgJobBytes = kinds.get(ROW_JOBS)?.avgBytes;
	const namespaces = new Set<string>();
	for (const group of groups.values()) {
		const offenders = group.offenders;
		if (offenders.length < JOB_PILE_MIN) continue;
		const failed = offenders.filter((j) => j.outcome === 'Failed').length;
		const oldest = offenders[0]!;
		const newest = offenders[offenders.length - 1]!;
		const podsHeld = offenders.reduce((sum, j) => sum + (podsByJob.get(objectKey(j.namespace, j.name)) ?? 0), 0);
		const ttl: TtlChoice = chooseJobTtl(group.all.map((j) => ({created: j.created, finished: j.finished, failed: j.outcome === 'Failed'})));
		const cron = group.cronJob ? state.cronJobs.get(objectKey(group.namespace, group.cronJob)) : undefined;
		const subject = group.subject;
		const severity: Severity = offenders.length >= PILE_CRITICAL ? 'critical' : 'warning';
		const evidence: Record<string, number | string> = {
			finishedJobs: offenders.length,
			failed,
			oldest: formatAge(state.now - finishedAt(oldest)),
			oldestFinishedAgoSeconds: Math.round((state.now - finishedAt(oldest)) / 1000),
			newest: formatAge(state.now - finishedAt(newest)),
			totalJobs: group.all.length,
			podsHeld,
			suggestedTtlSeconds: ttl.seconds,
			suggestedTtl: ttl.text,
			ttlRule: ttl.rule,
			severityRule: `warning from ${JOB_PILE_MIN} finished Jobs without a TTL in one group, critical from ${PILE_CRITICAL}`,
		};
		if (avgJobBytes !== undefined) evidence.estimatedBytes = Math.round(avgJobBytes * offenders.length);
		const detail: string[] = [];
		const remedies: RemedyRef[] = [];
		if (cron) {
			evidence.successfulJobsHistoryLimit = cron.successfulJobsHistoryLimit;
			evidence.failedJobsHistoryLimit = cron.failedJobsHistoryLimit;
			detail.push(
				`History limits ${cron.successfulJobsHistoryLimit}/${cron.failedJobsHistoryLimit} let the CronJob keep up to ${cron.successfulJobsHistoryLimit + cron.failedJobsHistoryLimit} finished Jobs (the defaults are 3/1).`,
			);
			if (cron.jobTtlSecondsAfterFinished !== undefined) {
				detail.push(`Its jobTemplate already sets ttlSecondsAfterFinished: ${cron.jobTtlSecondsAfterFinished}; these Jobs were created before that.`);
			}
		}
		if (!cron || cron.jobTtlSecondsAfterFinished === undefined) {
			remedies.push({
				id: 'set-job-ttl',
				title: group.cronJob
					? `Set ttlSecondsAfterFinished: ${ttl.seconds} (${ttl.text}) on the CronJob's jobTemplate`
					: `Set ttlSecondsAfterFinished: ${ttl.seconds} (${ttl.text}) on the ${plural(offenders.length, 'finished Job')}`,
			});
		}
		remedies.push({id: 'delete-finished-jobs', title: `Delete the ${plural(offenders.length, 'finished Job')} and their pods (in batches, Background)`});
		if (!group.cronJob)
			detail.push(
				'Setting the TTL on existing Jobs makes the TTL controller delete those finished longer ago at once; whatever creates these Jobs should set ttlSecondsAfterFinished itself.',
			);
		const finding: Finding = {
			id: group.id,
			pane: 'etcd',
			type: 'job-without-ttl',
			severity,
			subject,
			summary: group.cronJob
				? `CronJob ${group.namespace}/${group.cronJob} keeps ${plural(offenders.length, 'finished Job')} without ttlSecondsAfterFinished (oldest ${evidence.oldest})`
				: `${plural(offenders.length, 'finished standalone Job')} without ttlSecondsAfterFinished in ${group.namespace} (oldest ${evidence.oldest})`,
			evidence,
			...bounded(offenders.map(jobRef)),
			remedies,
			detail,
		};
		add(ctx, finding, [ROW_JOBS]);
		namespaces.add(group.namespace);
	}
	return namespaces;
}

/** Every namespace: the remedies regroup the whole state. */
const everywhere = () => true;

/** The finished Jobs without a TTL behind a job-without-ttl finding, oldest first ([] when gone). */
export function finishedJobsFor(state: ClusterState, id: string): SlimJob[] {
	return collectJobGroups(state, everywhere).get(id)?.offenders ?? [];
}
