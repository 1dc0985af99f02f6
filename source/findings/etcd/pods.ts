/**
 * finished-pods: Succeeded and Failed pods older than an hour, grouped by the workload
 * that left them (a CronJob through its Jobs, a Deployment through its ReplicaSets) or by
 * namespace; and the full list behind a finding for the remedies.
 */
import {findingId, type Finding, type Severity} from '../../model/finding.js';
import type {ObjectRef, SlimPod, SlimWorkload} from '../../model/slim.js';
import {objectKey, type ClusterState} from '../../model/state.js';
import {formatAge} from '../../text/format.js';
import {add, bounded, type Context, finishedAt, HOUR, JOB_PILE_MIN, PILE_CRITICAL, plural, ROW_PODS} from './context.js';

export const FINISHED_POD_AGE_MS = HOUR;

function podRef(pod: SlimPod): ObjectRef {
	return {kind: 'Pod', namespace: pod.namespace, name: pod.name};
}

interface PodGroup {
	id: string;
	subject: ObjectRef;
	/** Finished pods older than an hour, oldest first. */
	pods: SlimPod[];
	/** Owner kind ('none' for bare pods) → pods. */
	owners: Map<string, number>;
	viaJobs: boolean;
}

/**
 * Finished pods older than an hour, grouped by namespace and owner: a CronJob's (through
 * its Jobs), a Deployment's (through its ReplicaSets), another owner's, or the namespace's
 * (standalone Jobs' pods and bare pods). Pods of Jobs with a TTL are left out (the TTL
 * controller takes them). Keyed by finished-pods finding id.
 */
function collectFinishedPodGroups(state: ClusterState, inScope: (namespace: string) => boolean): Map<string, PodGroup> {
	const groups = new Map<string, PodGroup>();
	for (const pod of state.pods.values()) {
		if (!inScope(pod.namespace)) continue;
		if ((pod.phase !== 'Succeeded' && pod.phase !== 'Failed') || pod.deleting !== undefined) continue;
		if (state.now - finishedAt(pod) < FINISHED_POD_AGE_MS) continue;
		let subject: ObjectRef = {kind: 'Namespace', name: pod.namespace};
		let ownerKind = 'none';
		let viaJobs = false;
		const owner = pod.owner;
		if (owner?.kind === 'Job') {
			const job = state.jobs.get(objectKey(pod.namespace, owner.name));
			if (job?.ttlSecondsAfterFinished !== undefined) continue;
			ownerKind = 'Job';
			viaJobs = true;
			if (job?.cronJob) subject = {kind: 'CronJob', namespace: pod.namespace, name: job.cronJob};
		} else if (owner?.kind === 'ReplicaSet') {
			const rs: SlimWorkload | undefined = state.workloads.get(objectKey(pod.namespace, owner.name));
			ownerKind = 'ReplicaSet';
			subject =
				rs?.owner?.kind === 'Deployment'
					? {kind: 'Deployment', namespace: pod.namespace, name: rs.owner.name}
					: {kind: 'ReplicaSet', namespace: pod.namespace, name: owner.name};
		} else if (owner) {
			ownerKind = owner.kind;
			subject = {kind: owner.kind, namespace: pod.namespace, name: owner.name};
		}
		const id = findingId('finished-pods', subject);
		const group: PodGroup = groups.get(id) ?? {id, subject, pods: [], owners: new Map(), viaJobs: false};
		group.pods.push(pod);
		group.owners.set(ownerKind, (group.owners.get(ownerKind) ?? 0) + 1);
		group.viaJobs ||= viaJobs;
		groups.set(id, group);
	}
	for (const group of groups.values()) group.pods.sort((a, b) => finishedAt(a) - finishedAt(b) || (a.name < b.name ? -1 : 1));
	return groups;
}

export function finishedPodFindings(ctx: Context): Set<string> {
	const {state} = ctx;
	const groups = collectFinishedPodGroups(state, ctx.inScope);
	const namespaces = new Set<string>();
	for (const group of groups.values()) {
		const pods = group.pods;
		const n = pods.length;
		const severity: Severity = n >= PILE_CRITICAL ? 'critical' : n >= JOB_PILE_MIN ? 'warning' : 'info';
		const failed = pods.filter((p) => p.phase === 'Failed').length;
		const namespace = pods[0]!.namespace;
		const where = group.subject.kind === 'Namespace' ? `in ${namespace}` : `of ${group.subject.kind} ${namespace}/${group.subject.name}`;
		const detail = ['The pod garbage collector only removes terminated pods above 12,500 in the whole cluster (--terminated-pod-gc-threshold).'];
		if (group.viaJobs) detail.push('These pods belong to finished Jobs: deleting the Jobs (Background propagation) deletes them too.');
		const finding: Finding = {
			id: group.id,
			pane: 'etcd',
			type: 'finished-pods',
			severity,
			subject: group.subject,
			summary: `${plural(n, 'finished pod')} older than 1h ${where} (oldest ${formatAge(state.now - finishedAt(pods[0]!))})`,
			evidence: {
				pods: n,
				succeeded: n - failed,
				failed,
				oldest: formatAge(state.now - finishedAt(pods[0]!)),
				owners: [...group.owners]
					.sort((a, b) => b[1] - a[1])
					.map(([kind, count]) => `${kind === 'none' ? 'no owner' : kind} ${count}`)
					.join(', '),
				severityRule: `info below ${JOB_PILE_MIN} pods, warning from ${JOB_PILE_MIN}, critical from ${PILE_CRITICAL}`,
			},
			...bounded(pods.map(podRef)),
			remedies: [{id: 'delete-finished-pods', title: `Delete the ${plural(n, 'finished pod')} (in batches)`}],
			detail,
		};
		add(ctx, finding, [ROW_PODS]);
		if (n >= JOB_PILE_MIN) namespaces.add(namespace);
	}
	return namespaces;
}

/** The finished pods behind a finished-pods finding, oldest first ([] when gone). */
export function finishedPodsFor(state: ClusterState, id: string): SlimPod[] {
	return collectFinishedPodGroups(state, () => true).get(id)?.pods ?? [];
}
