/**
 * The findings about one HPA (a KEDA-owned keda-hpa-* shows as its ScaledObject), one
 * function per type, and its row: hpa-fight, hpa-flapping, hpa-min-equals-max, hpa-at-max,
 * hpa-desired-mismatch. The thresholds are in source/findings/autoscaling.ts's header.
 */
import {findingId, type Finding, type RemedyRef, type Row} from '../../model/finding.js';
import type {ObjectRef, SlimHpa} from '../../model/slim.js';
import type {ReplicaPoint} from '../../model/state.js';
import {flapScoreValue, medianHalfPeriod} from '../flapping.js';
import {type HpaContext, MINUTE, replicaSpark, round1, worst} from './context.js';
import {dampenBehavior} from './dampen.js';
import type {Fight} from './fight.js';

export const AT_MAX_MINUTES = 15;
export const MISMATCH_MINUTES = 15;

/** What every finding about one HPA says the same way. */
export interface HpaFacts {
	objects: ObjectRef[];
	spark: number[];
	series: {label: string; values: number[]; stepSeconds: number};
	keda: boolean;
	/** "HPA web" or "ScaledObject ingest-worker". */
	subjectName: string;
	baseEvidence: {reversals60m: number; churnPerHour: number; swings: number; points: number; approximatePoints: number};
}

export function hpaFacts(c: HpaContext, now: number): HpaFacts {
	const {hpa, subject, score, history} = c;
	const objects: ObjectRef[] = [
		{kind: 'HorizontalPodAutoscaler', namespace: hpa.namespace, name: hpa.name},
		{kind: hpa.target.kind, namespace: hpa.namespace, name: hpa.target.name},
	];
	if (hpa.scaledObject !== undefined) objects.unshift(subject);
	const spark = replicaSpark(history, now);
	const series = {label: 'replicas, last 60 min (one value per minute)', values: spark, stepSeconds: MINUTE / 1000};
	const keda = hpa.scaledObject !== undefined;
	const subjectName = keda ? `ScaledObject ${hpa.scaledObject}` : `HPA ${hpa.name}`;
	const baseEvidence = {
		reversals60m: score.reversals,
		churnPerHour: round1(score.churnPerHour),
		swings: score.swings,
		points: score.points,
		approximatePoints: score.approximate,
	};
	return {objects, spark, series, keda, subjectName, baseEvidence};
}

function behaviorText(behavior: SlimHpa['behavior']): string {
	if (!behavior || (behavior.scaleDown === undefined && behavior.scaleUp === undefined)) return 'default';
	const down = behavior.scaleDown?.stabilizationWindowSeconds;
	const up = behavior.scaleUp?.stabilizationWindowSeconds;
	const policy = (rules: typeof behavior.scaleUp) => (rules?.selectPolicy === 'Disabled' ? ' off' : '');
	return `down ${down === undefined ? '300s*' : `${down}s`}${policy(behavior.scaleDown)} up ${up === undefined ? '0s*' : `${up}s`}${policy(behavior.scaleUp)}`;
}

/** When an HPA at max reached it: the history's last climb to max, else lastScaleTime, else the ScalingLimited transition. */
function atMaxSince(hpa: SlimHpa, points: readonly ReplicaPoint[], observedSince: number): {since: number; lowerBound: boolean} {
	for (let i = points.length - 1; i >= 0; i--) {
		if (points[i]!.replicas < hpa.maxReplicas) {
			const next = points[i + 1];
			if (next) return {since: next.time, lowerBound: false};
			break;
		}
	}
	if (hpa.lastScaleTime !== undefined) return {since: hpa.lastScaleTime, lowerBound: false};
	const limited = hpa.conditions.ScalingLimited;
	if (limited?.status === 'True' && limited.reason === 'TooManyReplicas' && limited.since !== undefined) return {since: limited.since, lowerBound: false};
	return {since: Math.min(points[0]?.time ?? observedSince, observedSince), lowerBound: true};
}

/** hpa-fight: another writer of spec.replicas fights the HPA; no dampen remedy (the fix is in the other tool's manifest). */
export function fightFinding(c: HpaContext, facts: HpaFacts, fight: Fight, now: number): Finding {
	const {hpa, subject} = c;
	const {objects, series, keda, subjectName, baseEvidence} = facts;
	const other = fight.managers.join(', ');
	return {
		id: findingId('hpa-fight', subject),
		pane: 'autoscaling',
		type: 'hpa-fight',
		severity: fight.otherWrites >= 2 && fight.hpaWrites >= 2 ? 'critical' : 'warning',
		subject,
		summary: `${other} and ${subjectName} both write ${hpa.target.kind}/${hpa.target.name} spec.replicas`,
		evidence: {
			otherManager: other,
			otherWrites60m: fight.otherWrites,
			hpaWrites60m: fight.hpaWrites,
			...(fight.lastOtherWrite !== undefined ? {lastOtherWriteSecondsAgo: Math.round((now - fight.lastOtherWrite) / 1000)} : {}),
			seenIn: fight.source,
			...baseEvidence,
		},
		objects,
		remedies: [],
		detail: [
			`${other} sets spec.replicas of ${hpa.target.kind}/${hpa.target.name} while the ${keda ? 'KEDA-owned HPA' : 'HPA'} scales it, so the count jumps between their values.`,
			`This is a fight, not a flap: dampening the HPA does not help. Remove spec.replicas from the manifest ${other} applies (Helm chart, Argo CD/Flux source) so only the HPA owns it;`,
			'with Argo CD you can also add spec.replicas to ignoreDifferences (with RespectIgnoreDifferences=true) until the manifest changes.',
		],
		series,
	};
}

/** hpa-flapping: 4+ reversals in 60 minutes; the remedy dampens the HPA (or its ScaledObject). */
export function flappingFinding(c: HpaContext, facts: HpaFacts, now: number): Finding | undefined {
	const {hpa, subject, score} = c;
	if (!score.flapping || !score.severity) return undefined;
	const {objects, series, keda, subjectName, baseEvidence} = facts;
	const half = medianHalfPeriod(score);
	const suggested = half === undefined ? 600 : Math.min(3600, Math.max(600, Math.ceil((2 * half) / MINUTE) * 60));
	// A KEDA-owned HPA is dampened through its ScaledObject's behavior (its HPA's when the ScaledObject is not known).
	const change = dampenBehavior(keda && c.scaledObject ? c.scaledObject.behavior : hpa.behavior, {scaleDownWindowSeconds: suggested});
	const remedies: RemedyRef[] = change
		? [
				keda
					? {id: 'dampen-scaledobject', title: `Patch ScaledObject ${hpa.scaledObject}: ${change.changes.join('; ')}`}
					: {id: 'dampen-hpa', title: `Patch HPA ${hpa.name}: ${change.changes.join('; ')}`},
			]
		: [];
	const detail = [
		`Reversed direction ${score.reversals} times in the last 60 minutes (swings of at least max(1 pod, 10 %)); churn ${round1(score.churnPerHour)}/h (pods added and removed per hour, in multiples of the mean of ${round1(score.meanReplicas)} replicas); largest swing ${score.largestSwing} pods.`,
		`Behavior: ${behaviorText(hpa.behavior)} (* = default: scale-down window 300 s, scale-up window 0 s).`,
	];
	if (score.approximate > 0)
		detail.push(
			`${score.approximate} of ${score.points} points are approximate: backfilled from SuccessfulRescale events, which keep only a count and first/last times.`,
		);
	if (change) {
		detail.push(`The remedy changes ${change.changes.join('; ')}${change.kept.length > 0 ? `, and keeps ${change.kept.join(', ')}` : ''}.`);
		if (keda)
			detail.push(
				`KEDA owns HPA ${hpa.name} and reverts direct edits, so the ScaledObject's spec.advanced.horizontalPodAutoscalerConfig.behavior is patched instead.`,
			);
	} else
		detail.push(
			'The stabilization windows are already long: the metric itself probably oscillates (check the scaler, its target value, and readiness of new pods).',
		);
	return {
		id: findingId('hpa-flapping', subject),
		pane: 'autoscaling',
		type: 'hpa-flapping',
		severity: score.severity,
		subject,
		summary: `${subjectName} reversed ${score.reversals} times in 60 min (churn ${round1(score.churnPerHour)}/h)`,
		evidence: {
			...baseEvidence,
			meanReplicas: round1(score.meanReplicas),
			largestSwing: score.largestSwing,
			observedMinutes: Math.round(score.spanMs / MINUTE),
			scaleDownWindowSeconds: hpa.behavior?.scaleDown?.stabilizationWindowSeconds ?? 300,
			scaleUpWindowSeconds: hpa.behavior?.scaleUp?.stabilizationWindowSeconds ?? 0,
			suggestedScaleDownWindowSeconds: suggested,
			...(half !== undefined ? {medianSecondsBetweenReversals: Math.round(half / 1000)} : {}),
			...(score.state.since !== undefined ? {flappingSinceSecondsAgo: Math.round((now - score.state.since) / 1000)} : {}),
		},
		objects,
		remedies,
		detail,
		series,
	};
}

/** hpa-min-equals-max: an HPA that can never scale. */
export function minEqualsMaxFinding(c: HpaContext, facts: HpaFacts): Finding | undefined {
	const {hpa, subject} = c;
	if (hpa.minReplicas !== hpa.maxReplicas) return undefined;
	const {objects, subjectName} = facts;
	return {
		id: findingId('hpa-min-equals-max', subject),
		pane: 'autoscaling',
		type: 'hpa-min-equals-max',
		severity: 'info',
		subject,
		summary: `${subjectName} has min = max = ${hpa.maxReplicas}: it can never scale`,
		evidence: {minReplicas: hpa.minReplicas, maxReplicas: hpa.maxReplicas},
		objects,
		remedies: [],
		detail: ['Raise maxReplicas (or lower minReplicas) so the autoscaler can act, or remove it and set replicas on the workload.'],
	};
}

/** hpa-at-max: currentReplicas = maxReplicas for 15 minutes or more. */
export function atMaxFinding(c: HpaContext, facts: HpaFacts, observedSince: number, now: number): Finding | undefined {
	const {hpa, subject, history} = c;
	if (hpa.minReplicas === hpa.maxReplicas || hpa.currentReplicas < hpa.maxReplicas) return undefined;
	const {objects, series, subjectName} = facts;
	const at = atMaxSince(hpa, history, observedSince);
	const minutes = Math.max(0, Math.floor((now - at.since) / MINUTE));
	if (minutes < AT_MAX_MINUTES) return undefined;
	const limited = hpa.conditions.ScalingLimited;
	const wantsMore = limited?.status === 'True' && limited.reason === 'TooManyReplicas';
	return {
		id: findingId('hpa-at-max', subject),
		pane: 'autoscaling',
		type: 'hpa-at-max',
		severity: 'warning',
		subject,
		summary: `${subjectName} has been at its maximum of ${hpa.maxReplicas} for ${at.lowerBound ? 'at least ' : ''}${minutes} min`,
		evidence: {
			minutesAtMax: minutes,
			maxReplicas: hpa.maxReplicas,
			currentReplicas: hpa.currentReplicas,
			desiredReplicas: hpa.desiredReplicas,
			...(wantsMore ? {scalingLimited: 'TooManyReplicas'} : {}),
		},
		objects,
		remedies: [],
		detail: [
			wantsMore ? 'ScalingLimited is True (TooManyReplicas): the HPA wants more replicas than maxReplicas allows.' : 'The HPA sits at maxReplicas.',
			'Raise maxReplicas if the nodes and the namespace quota have room, or find why each pod serves less than expected.',
		],
		series,
	};
}

/** hpa-desired-mismatch: desired ≠ current for 15 minutes or more with no scale in between (not while it flaps or fights). */
export function mismatchFinding(c: HpaContext, facts: HpaFacts, fight: Fight | undefined, now: number): Finding | undefined {
	const {hpa, subject, score, history} = c;
	if (hpa.minReplicas === hpa.maxReplicas || hpa.desiredReplicas === hpa.currentReplicas || score.flapping || fight) return undefined;
	const {objects, series, subjectName} = facts;
	const since = hpa.lastScaleTime;
	const recentChange = history.some((p, i) => i > 0 && p.time > now - MISMATCH_MINUTES * MINUTE && p.replicas !== history[i - 1]!.replicas);
	if (since === undefined || now - since < MISMATCH_MINUTES * MINUTE || recentChange) return undefined;
	const minutes = Math.floor((now - since) / MINUTE);
	const failing = Object.entries(hpa.conditions)
		.filter(([type, c]) => (type === 'AbleToScale' || type === 'ScalingActive') && c.status === 'False')
		.map(([type, c]) => `${type}=False (${c.reason})`);
	return {
		id: findingId('hpa-desired-mismatch', subject),
		pane: 'autoscaling',
		type: 'hpa-desired-mismatch',
		severity: 'warning',
		subject,
		summary: `${subjectName} wants ${hpa.desiredReplicas} replicas but has ${hpa.currentReplicas}, ${minutes} min after its last scale`,
		evidence: {
			desiredReplicas: hpa.desiredReplicas,
			currentReplicas: hpa.currentReplicas,
			minutesSinceLastScale: minutes,
			...(failing.length > 0 ? {conditions: failing.join(', ')} : {}),
		},
		objects,
		remedies: [],
		detail: [
			...(failing.length > 0 ? [`Conditions: ${failing.join(', ')}.`] : []),
			'The target does not reach the size the HPA set: look for a ResourceQuota that is full, pods that cannot be created (admission), or a rollout that is stuck.',
		],
		series,
	};
}

/** The HPA's row, linked to its findings. */
export function hpaRow(c: HpaContext, facts: HpaFacts, found: readonly Finding[], fight: Fight | undefined): Row {
	const {hpa, score} = c;
	const {keda, spark} = facts;
	const severity = worst(found.map((f) => f.severity));
	return {
		id: `hpa/${c.key}`,
		cells: {
			namespace: hpa.namespace,
			name: keda ? hpa.scaledObject : hpa.name,
			kind: keda ? 'SO' : 'HPA',
			target: `${hpa.target.kind}/${hpa.target.name}`,
			minMax: `${c.scaledObject?.minReplicaCount ?? hpa.minReplicas}/${c.scaledObject?.maxReplicaCount ?? hpa.maxReplicas}`,
			replicas: `${hpa.currentReplicas}/${hpa.desiredReplicas}`,
			reversals: score.reversals,
			churn: round1(score.churnPerHour).toFixed(1),
			behavior: behaviorText(hpa.behavior),
			score: fight ? '-' : flapScoreValue(score),
		},
		sort: {churn: score.churnPerHour, score: fight ? 100 : flapScoreValue(score), reversals: score.reversals},
		...(severity ? {severity} : {}),
		findingIds: found.map((f) => f.id),
		spark,
	};
}
