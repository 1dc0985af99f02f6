/**
 * Storage that stays behind: released-volume (a PersistentVolume Released or Failed, its
 * disk still there), pending-claim (a claim Pending for over an hour) and unused-claim (a
 * Bound claim no pod mounts).
 */
import {findingId, type Severity} from '../../model/finding.js';
import type {ObjectRef} from '../../model/slim.js';
import {objectKey, type ClusterState} from '../../model/state.js';
import {formatAge} from '../../text/format.js';
import {add, type Context, HOUR, ROW_PVCS, ROW_PVS} from './context.js';

/** Whether pods are listed (so "no pod mounts this claim" can be trusted). */
function podsKnown(state: ClusterState): boolean {
	for (const key of ['pods', '/pods', 'core/pods', 'v1/pods']) if (state.unreadable.has(key)) return false;
	if (state.synced.size > 0) return ['pods', '/pods', 'core/pods', 'v1/pods'].some((key) => state.synced.has(key));
	return state.pods.size > 0;
}

export function volumeFindings(ctx: Context): void {
	const {state} = ctx;
	for (const pv of state.volumes.values()) {
		if (pv.phase !== 'Released' && pv.phase !== 'Failed') continue;
		if (ctx.scope !== undefined && pv.claim?.namespace !== ctx.scope) continue;
		const since = pv.phaseSince ?? pv.created;
		const age = state.now - since;
		let severity: Severity;
		let severityRule: string;
		if (pv.phase === 'Failed') {
			severity = 'warning';
			severityRule = 'warning: reclaiming the volume failed and nothing retries it';
		} else if (pv.reclaimPolicy === 'Delete' || pv.reclaimPolicy === 'Recycle') {
			// The provisioner normally reclaims within minutes: give it an hour.
			if (age < HOUR) continue;
			severity = 'warning';
			severityRule = `warning: reclaim policy ${pv.reclaimPolicy} should have reclaimed it within minutes; Released for over 1h means it is stuck`;
		} else {
			severity = 'info';
			severityRule = 'info: Retain keeps the disk on purpose until someone decides; it costs money, not etcd load';
		}
		const subject: ObjectRef = {kind: 'PersistentVolume', name: pv.name};
		const detail: string[] = [];
		if (pv.phase === 'Failed')
			detail.push("See the PV's status.message for why reclaiming failed (often: the disk is still attached to a VM); fix that, then delete it.");
		if (pv.phase === 'Released' && pv.reclaimPolicy === 'Retain')
			detail.push('Deleting the PV keeps the disk and its data: delete the disk in the cloud provider once nobody needs it.');
		add(
			ctx,
			{
				id: findingId('released-volume', subject),
				pane: 'etcd',
				type: 'released-volume',
				severity,
				subject,
				summary: `PersistentVolume ${pv.name} is ${pv.phase} (${pv.reclaimPolicy}${pv.capacity ? `, ${pv.capacity}` : ''}) for ${formatAge(age)}`,
				evidence: {
					phase: pv.phase,
					reclaimPolicy: pv.reclaimPolicy,
					capacity: pv.capacity ?? 'unknown',
					storageClass: pv.storageClass ?? '',
					claim: pv.claim ? `${pv.claim.namespace}/${pv.claim.name}` : '',
					inPhaseFor: formatAge(age),
					severityRule,
				},
				objects: [subject],
				objectsTotal: 1,
				remedies:
					pv.phase === 'Released'
						? [
								{
									id: 'delete-released-volume',
									title:
										pv.reclaimPolicy === 'Delete' ? 'Delete the PV and its disk (reclaim policy Delete)' : 'Delete the PV (the disk and its data are kept)',
								},
							]
						: [],
				detail,
			},
			[ROW_PVS],
		);
	}
}

export function claimFindings(ctx: Context): void {
	const {state} = ctx;
	const mounted = new Set<string>();
	const waiting = new Map<string, number>();
	for (const pod of state.pods.values()) {
		for (const claim of pod.claims ?? []) {
			const key = objectKey(pod.namespace, claim);
			mounted.add(key);
			if (pod.phase === 'Pending') waiting.set(key, (waiting.get(key) ?? 0) + 1);
		}
	}
	const trustPods = podsKnown(state);
	if (!trustPods) ctx.notes.push('unused claims: pods are not listed yet, so claims used by no pod are not reported');
	for (const claim of state.claims.values()) {
		if (!ctx.inScope(claim.namespace) || claim.deleting !== undefined) continue;
		const key = objectKey(claim.namespace, claim.name);
		const age = state.now - claim.created;
		const subject: ObjectRef = {kind: 'PersistentVolumeClaim', namespace: claim.namespace, name: claim.name};
		if (claim.phase === 'Pending' && age >= HOUR) {
			add(
				ctx,
				{
					id: findingId('pending-claim', subject),
					pane: 'etcd',
					type: 'pending-claim',
					severity: 'warning',
					subject,
					summary: `PersistentVolumeClaim ${key} is Pending for ${formatAge(age)}`,
					evidence: {
						pendingFor: formatAge(age),
						storageClass: claim.storageClass ?? '',
						request: claim.request ?? '',
						podsWaiting: waiting.get(key) ?? 0,
						severityRule: 'warning: Pending for over 1h (provisioning takes minutes); whatever needs it is not running',
					},
					objects: [subject],
					objectsTotal: 1,
					remedies: [],
					detail: [
						"Check that the StorageClass exists and can provision in the pod's zone (kubectl describe pvc shows the provisioner's events).",
						'With volumeBindingMode WaitForFirstConsumer a claim stays Pending until a pod uses it: delete it if nothing will.',
					],
				},
				[ROW_PVCS],
			);
		} else if (claim.phase === 'Bound' && age >= HOUR && trustPods && !mounted.has(key)) {
			add(
				ctx,
				{
					id: findingId('unused-claim', subject),
					pane: 'etcd',
					type: 'unused-claim',
					severity: 'info',
					subject,
					summary: `PersistentVolumeClaim ${key} is Bound but no pod uses it`,
					evidence: {
						boundFor: formatAge(age),
						volume: claim.volumeName ?? '',
						storageClass: claim.storageClass ?? '',
						request: claim.request ?? '',
						severityRule: 'info: a disk nobody mounts costs money, not etcd load',
					},
					objects: claim.volumeName ? [subject, {kind: 'PersistentVolume', name: claim.volumeName}] : [subject],
					objectsTotal: claim.volumeName ? 2 : 1,
					remedies: [],
					detail: [
						'A StatefulSet scaled down keeps its claims on purpose. Otherwise deleting the claim releases the volume (and with reclaim policy Delete, deletes its data).',
					],
				},
				[ROW_PVCS],
			);
		}
	}
}
