/**
 * replicaset-history: Deployments keeping 10 or more old (zero-replica) ReplicaSets, with
 * revisionHistoryLimit unset, at the default 10 or above; and the old ReplicaSets of one
 * Deployment for the remedy. The limit it suggests is 3.
 */
import {findingId, type Severity} from '../../model/finding.js';
import type {ObjectRef, SlimWorkload} from '../../model/slim.js';
import {objectKey, type ClusterState} from '../../model/state.js';
import {add, bounded, type Context, plural, ROW_REPLICASETS} from './context.js';
import type {KindFigures} from './kinds.js';

/**
 * Three old ReplicaSets cover `kubectl rollout undo` (one step back) and a second look
 * further back, while cutting the default ten per Deployment to three.
 */
export const SUGGESTED_REVISION_HISTORY_LIMIT = 3;

export const REVISION_HISTORY_RULE = `revisionHistoryLimit ${SUGGESTED_REVISION_HISTORY_LIMIT}: enough for kubectl rollout undo and one more step back; the default keeps 10 old ReplicaSets per Deployment`;

export const REPLICASET_HISTORY_MIN = 10;
export const DEFAULT_REVISION_HISTORY_LIMIT = 10;

export function replicaSetFindings(ctx: Context, kinds: ReadonlyMap<string, KindFigures>): Set<string> {
	const {state} = ctx;
	const oldByDeployment = indexOldReplicaSets(state);
	const avgRsBytes = kinds.get(ROW_REPLICASETS)?.avgBytes;
	const namespaces = new Set<string>();
	for (const d of state.workloads.values()) {
		if (d.kind !== 'Deployment' || !ctx.inScope(d.namespace)) continue;
		// apps/v1 defaults an unset limit to 10 on the server, so 10 reads as "left at the default".
		const limit = d.revisionHistoryLimit;
		if (limit !== undefined && limit < DEFAULT_REVISION_HISTORY_LIMIT) continue;
		const old = oldByDeployment.get(objectKey(d.namespace, d.name)) ?? [];
		if (old.length < REPLICASET_HISTORY_MIN) continue;
		const severity: Severity = old.length > DEFAULT_REVISION_HISTORY_LIMIT ? 'warning' : 'info';
		const subject: ObjectRef = {kind: 'Deployment', namespace: d.namespace, name: d.name};
		const removes = Math.max(0, old.length - SUGGESTED_REVISION_HISTORY_LIMIT);
		const evidence: Record<string, number | string> = {
			oldReplicaSets: old.length,
			revisionHistoryLimit: limit === undefined ? 'unset (default 10)' : limit === DEFAULT_REVISION_HISTORY_LIMIT ? '10 (the default)' : limit,
			suggestedLimit: SUGGESTED_REVISION_HISTORY_LIMIT,
			wouldRemove: removes,
			limitRule: REVISION_HISTORY_RULE,
			severityRule: 'info at the default cap of 10 old ReplicaSets, warning above it',
		};
		if (avgRsBytes !== undefined) evidence.estimatedBytes = Math.round(avgRsBytes * old.length);
		add(
			ctx,
			{
				id: findingId('replicaset-history', subject),
				pane: 'etcd',
				type: 'replicaset-history',
				severity,
				subject,
				summary: `Deployment ${d.namespace}/${d.name} keeps ${plural(old.length, 'old ReplicaSet')} (revisionHistoryLimit ${limit === undefined ? 'unset, default 10' : limit === DEFAULT_REVISION_HISTORY_LIMIT ? '10, the default' : limit})`,
				evidence,
				...bounded(old.map((rs) => ({kind: 'ReplicaSet', namespace: rs.namespace, name: rs.name}))),
				remedies: [
					{
						id: 'set-revision-history-limit',
						title: `Set revisionHistoryLimit: ${SUGGESTED_REVISION_HISTORY_LIMIT} (the controller deletes ${removes} old ReplicaSet${removes === 1 ? '' : 's'})`,
					},
				],
				detail: ['If Helm or a GitOps tool manages this Deployment, set the limit in its source too, or it will be put back.'],
			},
			[ROW_REPLICASETS],
		);
		namespaces.add(d.namespace);
	}
	return namespaces;
}

/** Zero-replica ReplicaSets owned by Deployments, per Deployment key, oldest revision first. */
function indexOldReplicaSets(state: ClusterState, only?: {namespace: string; name: string}): Map<string, SlimWorkload[]> {
	const byDeployment = new Map<string, SlimWorkload[]>();
	for (const w of state.workloads.values()) {
		if (w.kind !== 'ReplicaSet' || w.owner?.kind !== 'Deployment' || w.replicas !== 0 || w.deleting !== undefined) continue;
		if (only && (w.namespace !== only.namespace || w.owner.name !== only.name)) continue;
		const key = objectKey(w.namespace, w.owner.name);
		const list = byDeployment.get(key) ?? [];
		list.push(w);
		byDeployment.set(key, list);
	}
	for (const list of byDeployment.values()) list.sort((a, b) => (a.revision ?? -1) - (b.revision ?? -1) || a.created - b.created || (a.name < b.name ? -1 : 1));
	return byDeployment;
}

/** The zero-replica ReplicaSets of a Deployment, oldest revision first. */
export function oldReplicaSetsOf(state: ClusterState, namespace: string, deployment: string): SlimWorkload[] {
	return indexOldReplicaSets(state, {namespace, name: deployment}).get(objectKey(namespace, deployment)) ?? [];
}
