/**
 * What the autoscaling pane's finding groups share: each HPA's context (its replica
 * history, merged with the SuccessfulRescale events it still has, scored for flapping; its
 * ScaledObject and target workload), the replica sparkline, and small helpers.
 */
import {SEVERITY_RANK, type Severity} from '../../model/finding.js';
import {mergeReplicaHistory} from '../../model/rescale.js';
import type {ObjectRef, SlimHpa, SlimScaledObject, SlimWorkload} from '../../model/slim.js';
import {objectKey, type ClusterState, type ReplicaPoint} from '../../model/state.js';
import {hpaTarget, type WorkloadLookup} from '../../model/workloads.js';
import {scoreSeries, type FlapScore, type FlapState} from '../flapping.js';

export const MINUTE = 60_000;

export interface HpaContext {
	hpa: SlimHpa;
	key: string;
	subject: ObjectRef;
	scaledObject?: SlimScaledObject;
	target?: SlimWorkload;
	history: readonly ReplicaPoint[];
	score: FlapScore;
}

/**
 * The context of each HPA, in the order given. Each one's flap state goes into
 * `flapStates`, carried over from `previous`.
 */
export function hpaContexts(
	state: ClusterState,
	hpas: readonly SlimHpa[],
	index: WorkloadLookup,
	previous: ReadonlyMap<string, FlapState>,
	flapStates: Map<string, FlapState>,
): HpaContext[] {
	const now = state.now;
	const contexts: HpaContext[] = [];
	for (const hpa of hpas) {
		const key = objectKey(hpa.namespace, hpa.name);
		const recorded = state.replicaHistory.get(key) ?? [];
		const events = state.rescaleEvents.get(key) ?? [];
		const history = events.length > 0 ? mergeReplicaHistory(recorded, events) : [...recorded].sort((a, b) => a.time - b.time);
		const score = scoreSeries(history, now, previous.get(key));
		flapStates.set(key, score.state);
		const scaledObject = hpa.scaledObject !== undefined ? state.scaledObjects.get(objectKey(hpa.namespace, hpa.scaledObject)) : undefined;
		const subject: ObjectRef =
			hpa.scaledObject !== undefined
				? {kind: 'ScaledObject', namespace: hpa.namespace, name: hpa.scaledObject}
				: {kind: 'HorizontalPodAutoscaler', namespace: hpa.namespace, name: hpa.name};
		const context: HpaContext = {hpa, key, subject, history, score};
		if (scaledObject) context.scaledObject = scaledObject;
		const target = hpaTarget(hpa, index);
		if (target) context.target = target;
		contexts.push(context);
	}
	return contexts;
}

/** Replicas at the end of each minute of the last hour, from the first observed minute on. */
export function replicaSpark(points: readonly ReplicaPoint[], now: number, buckets = 60, bucketMs = MINUTE): number[] {
	if (points.length === 0) return [];
	const sorted = [...points].sort((a, b) => a.time - b.time);
	const out: number[] = [];
	let i = 0;
	let level: number | undefined;
	for (let b = buckets - 1; b >= 0; b--) {
		const end = now - b * bucketMs;
		while (i < sorted.length && sorted[i]!.time <= end) level = sorted[i++]!.replicas;
		if (level !== undefined) out.push(level);
	}
	return out;
}

export function worst(severities: readonly Severity[]): Severity | undefined {
	let out: Severity | undefined;
	for (const s of severities) if (out === undefined || SEVERITY_RANK[s] > SEVERITY_RANK[out]) out = s;
	return out;
}

export function round1(n: number): number {
	return Math.round(n * 10) / 10;
}

export function unreadableReason(state: ClusterState, names: readonly string[]): string | undefined {
	for (const name of names) {
		const reason = state.unreadable.get(name);
		if (reason !== undefined) return reason;
	}
	return undefined;
}
