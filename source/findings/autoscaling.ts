/**
 * Pane 3, autoscalers that scale too much and too often: one row per HPA (a KEDA-owned
 * keda-hpa-* shows as its ScaledObject) and per node group, and these findings:
 *
 * - hpa-flapping: the replica history reverses direction ≥ 4 times in 60 minutes (see
 *   flapping.ts; hysteresis state comes in and goes out through `flapStates`). Remedy
 *   dampen-hpa, or dampen-scaledobject for a KEDA-owned HPA.
 * - hpa-fight: someone other than the HPA (anything but kube-controller-manager,
 *   horizontal-pod-autoscaler, keda) writes the target's spec.replicas while the HPA
 *   scales it — seen in the recorded writers of the history or in the target's
 *   managedFields within the hour. A fight is not a flap: no dampen remedy, the fix is to
 *   drop spec.replicas from the other tool's manifest.
 * - hpa-at-max: currentReplicas = maxReplicas for ≥ 15 minutes (kubernetes-mixin
 *   KubeHpaMaxedOut).
 * - hpa-desired-mismatch: desired ≠ current for ≥ 15 minutes with no scale in between
 *   (KubeHpaReplicasMismatch).
 * - hpa-min-equals-max: an HPA that can never scale.
 * - namespace-unbounded-hpa: HPAs can add ≥ 10 pods in a namespace whose ResourceQuotas
 *   bound neither pods nor cpu nor memory. Remedy create-quota.
 * - node-group-oscillating: a node group's size reverses ≥ 4 times in 60 minutes, or
 *   (earlier) ≥ 2 reversals with ≥ 2 nodes that lived less than 30 minutes.
 * - no-overprovisioning: such a group has no pause pods at a negative priority ≥ -10.
 *   Remedy create-overprovisioning.
 *
 * On the simulator's incident cluster: checkout-web goes 3→7→10 and back to 3 every 180 s,
 * one reversal each 90 s, so live points alone reach 4 reversals 6 minutes in (churn, with
 * the 15-minute floor, ≈ 28 / 6.5 × 4 ≈ 17/h → critical); the SuccessfulRescale events it
 * still holds (10 ×19 and 3 ×19 over the last hour) backfill 38 alternating points → 36
 * reversals at once. cart holds 3 → no point changes → nothing. storefront is written by
 * argocd-controller (Apply) and kube-controller-manager (scale) in turn → hpa-fight.
 * keda-hpa-ingest-worker's events (12 ×5, 1 ×5) alternate → 8 reversals → critical, shown
 * as ScaledObject ingest-worker. The burst pool (2↔4 every 7.5 min) shows at 22.5 minutes
 * (3 reversals, 3 short-lived nodes) and flaps by the score at 30 minutes.
 */
import {objectKey, type ClusterState, type ReplicaPoint} from '../model/state.js';
import type {ObjectRef, SlimHpa, SlimNode, SlimScaledObject, SlimWorkload} from '../model/slim.js';
import {mergeReplicaHistory} from '../model/rescale.js';
import {nodeGroupStatusFor, parseAutoscalerStatus, type AutoscalerStatus} from '../model/autoscaler-status.js';
import {POOL_LABEL_KEYS} from '../model/node-pools.js';
import {podRequests} from '../model/pod-requests.js';
import {allWorkloads, hpaTarget, namespaceIndex, type NamespaceIndex, workloadLookup} from '../model/workloads.js';
import {dampenHpaPatch, dampenScaledObjectPatch, overprovisioningForPool, OVERPROVISIONING_PRIORITY, quotaForNamespace} from '../plans/autoscaling.js';
import {formatCpu, formatMemory} from '../formats/quantity.js';
import {formatAge} from '../text/format.js';
import {FLAP_WINDOW_MS, flapScoreValue, medianHalfPeriod, scoreSeries, type FlapScore, type FlapState} from './flapping.js';
import {findingId, SEVERITY_RANK, type Column, type Finding, type PaneView, type RemedyRef, type Row, type Severity} from '../model/finding.js';

export const AT_MAX_MINUTES = 15;
export const MISMATCH_MINUTES = 15;
export const UNBOUNDED_PODS = 10;
export const SHORT_LIVED_NODE_MS = 30 * 60_000;
const MINUTE = 60_000;

export interface AutoscalingOptions {
	namespace?: string;
	flapStates?: ReadonlyMap<string, FlapState>;
}

export interface AutoscalingResult {
	view: PaneView;
	flapStates: Map<string, FlapState>;
}

export const AUTOSCALING_COLUMNS: readonly Column[] = [
	{key: 'namespace', title: 'NAMESPACE', width: 14, minWidth: 8, priority: 3},
	{key: 'name', title: 'HPA / SCALEDOBJECT', width: 24, minWidth: 12, priority: 10},
	{key: 'kind', title: 'KIND', width: 6, priority: 1},
	{key: 'target', title: 'TARGET', width: 22, minWidth: 10, priority: 4},
	{key: 'minMax', title: 'MIN/MAX', width: 7, align: 'right', priority: 5},
	{key: 'replicas', title: 'CUR/DES', width: 7, align: 'right', priority: 8},
	{key: 'reversals', title: 'REV/60M', width: 7, align: 'right', priority: 9, numeric: true},
	{key: 'churn', title: 'CHURN/H', width: 7, align: 'right', priority: 6, numeric: true},
	{key: 'behavior', title: 'BEHAVIOR', width: 16, minWidth: 7, priority: 2},
	{key: 'score', title: 'SCORE', width: 5, align: 'right', priority: 7, numeric: true},
	{key: 'spark', title: 'REPLICAS', width: 20, minWidth: 8, priority: 6, stepSeconds: 60},
];

/** Managers that are the autoscaler itself when they write spec.replicas. */
export function isAutoscalerManager(manager: string): boolean {
	return manager === 'kube-controller-manager' || manager === 'horizontal-pod-autoscaler' || manager === 'keda' || manager.startsWith('keda-');
}

export interface Fight {
	/** The other managers, most recent writer first. */
	managers: string[];
	/** Writes by them in the window (at least 1 when seen only in managedFields). */
	otherWrites: number;
	/** Scale writes by the autoscaler in the window seen in the history. */
	hpaWrites: number;
	lastOtherWrite?: number;
	source: 'history' | 'managedFields' | 'both';
}

/** A second writer of spec.replicas fighting the HPA, when there is one. */
export function detectFight(hpa: SlimHpa, target: SlimWorkload | undefined, points: readonly ReplicaPoint[], now: number, windowMs = FLAP_WINDOW_MS): Fight | undefined {
	const windowStart = now - windowMs;
	const others = new Map<string, number>();
	let otherWrites = 0;
	let hpaWrites = 0;
	let fromHistory = false;
	let fromFields = false;
	let previous: ReplicaPoint | undefined;
	for (const p of points) {
		const inWindow = p.time > windowStart && p.time <= now;
		if (inWindow) {
			const changed = previous === undefined || previous.replicas !== p.replicas;
			if (p.writer !== undefined && !isAutoscalerManager(p.writer)) {
				if (changed) {
					otherWrites++;
					others.set(p.writer, Math.max(others.get(p.writer) ?? 0, p.time));
					fromHistory = true;
				}
			} else if (changed && previous !== undefined && (p.writer !== undefined || p.approximate === true)) hpaWrites++;
		}
		previous = p;
	}
	for (const w of target?.replicaWriters ?? []) {
		if (isAutoscalerManager(w.manager) || w.time < windowStart) continue;
		fromFields = true;
		others.set(w.manager, Math.max(others.get(w.manager) ?? 0, w.time));
	}
	if (others.size === 0) return undefined;
	const hpaScaled = hpaWrites > 0 || (hpa.lastScaleTime !== undefined && hpa.lastScaleTime >= windowStart);
	if (!hpaScaled) return undefined;
	const managers = [...others.entries()].sort((a, b) => b[1] - a[1]).map(([m]) => m);
	const fight: Fight = {managers, otherWrites: Math.max(otherWrites, 1), hpaWrites, source: fromHistory && fromFields ? 'both' : fromHistory ? 'history' : 'managedFields'};
	fight.lastOtherWrite = Math.max(...others.values());
	return fight;
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

function behaviorText(behavior: SlimHpa['behavior']): string {
	if (!behavior || (behavior.scaleDown === undefined && behavior.scaleUp === undefined)) return 'default';
	const down = behavior.scaleDown?.stabilizationWindowSeconds;
	const up = behavior.scaleUp?.stabilizationWindowSeconds;
	const policy = (rules: typeof behavior.scaleUp) => (rules?.selectPolicy === 'Disabled' ? ' off' : '');
	return `down ${down === undefined ? '300s*' : `${down}s`}${policy(behavior.scaleDown)} up ${up === undefined ? '0s*' : `${up}s`}${policy(behavior.scaleUp)}`;
}

function worst(severities: readonly Severity[]): Severity | undefined {
	let out: Severity | undefined;
	for (const s of severities) if (out === undefined || SEVERITY_RANK[s] > SEVERITY_RANK[out]) out = s;
	return out;
}

function round1(n: number): number {
	return Math.round(n * 10) / 10;
}

function unreadableReason(state: ClusterState, names: readonly string[]): string | undefined {
	for (const name of names) {
		const reason = state.unreadable.get(name);
		if (reason !== undefined) return reason;
	}
	return undefined;
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

interface HpaContext {
	hpa: SlimHpa;
	key: string;
	subject: ObjectRef;
	scaledObject?: SlimScaledObject;
	target?: SlimWorkload;
	history: readonly ReplicaPoint[];
	score: FlapScore;
}

export function analyzeAutoscaling(state: ClusterState, options: AutoscalingOptions = {}): AutoscalingResult {
	const namespace = options.namespace ?? state.namespace;
	const now = state.now;
	const previous = options.flapStates ?? new Map<string, FlapState>();
	const flapStates = new Map<string, FlapState>();
	const findings: Finding[] = [];
	const rows: Row[] = [];
	const notes: string[] = [];
	const workloads = allWorkloads(state);
	const index = workloadLookup(state);

	const hpas = [...state.hpas.values()]
		.filter((h) => namespace === undefined || h.namespace === namespace)
		.sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));

	let approximateTotal = 0;
	let flappingCount = 0;
	let fightCount = 0;
	const flappingKeys = new Set<string>();
	const contexts: HpaContext[] = [];
	for (const hpa of hpas) {
		const key = objectKey(hpa.namespace, hpa.name);
		const recorded = state.replicaHistory.get(key) ?? [];
		const events = state.rescaleEvents.get(key) ?? [];
		const history = events.length > 0 ? mergeReplicaHistory(recorded, events) : [...recorded].sort((a, b) => a.time - b.time);
		const score = scoreSeries(history, now, previous.get(key));
		flapStates.set(key, score.state);
		approximateTotal += score.approximate;
		const scaledObject = hpa.scaledObject !== undefined ? state.scaledObjects.get(objectKey(hpa.namespace, hpa.scaledObject)) : undefined;
		const subject: ObjectRef = hpa.scaledObject !== undefined
			? {kind: 'ScaledObject', namespace: hpa.namespace, name: hpa.scaledObject}
			: {kind: 'HorizontalPodAutoscaler', namespace: hpa.namespace, name: hpa.name};
		const context: HpaContext = {hpa, key, subject, history, score};
		if (scaledObject) context.scaledObject = scaledObject;
		const target = hpaTarget(hpa, index);
		if (target) context.target = target;
		contexts.push(context);
	}

	for (const c of contexts) {
		const {hpa, subject, score, history} = c;
		const ids: string[] = [];
		const severities: Severity[] = [];
		const objects: ObjectRef[] = [{kind: 'HorizontalPodAutoscaler', namespace: hpa.namespace, name: hpa.name}, {kind: hpa.target.kind, namespace: hpa.namespace, name: hpa.target.name}];
		if (hpa.scaledObject !== undefined) objects.unshift(subject);
		const spark = replicaSpark(history, now);
		const series = {label: 'replicas, last 60 min (one value per minute)', values: spark, stepSeconds: MINUTE / 1000};
		const keda = hpa.scaledObject !== undefined;
		const subjectName = keda ? `ScaledObject ${hpa.scaledObject}` : `HPA ${hpa.name}`;
		const add = (finding: Finding) => {
			findings.push(finding);
			ids.push(finding.id);
			severities.push(finding.severity);
		};
		const baseEvidence = {reversals60m: score.reversals, churnPerHour: round1(score.churnPerHour), swings: score.swings, points: score.points, approximatePoints: score.approximate};

		const fight = detectFight(hpa, c.target, history, now);
		if (fight) {
			fightCount++;
			const other = fight.managers.join(', ');
			add({
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
			});
		} else if (score.flapping && score.severity) {
			flappingCount++;
			flappingKeys.add(c.key);
			const half = medianHalfPeriod(score);
			const suggested = half === undefined ? 600 : Math.min(3600, Math.max(600, Math.ceil((2 * half) / MINUTE) * 60));
			const plan = keda
				? dampenScaledObjectPatch(c.scaledObject ?? {namespace: hpa.namespace, name: hpa.scaledObject!, ...(hpa.behavior ? {behavior: hpa.behavior} : {})}, {scaleDownWindowSeconds: suggested})
				: dampenHpaPatch(hpa, {scaleDownWindowSeconds: suggested});
			const remedies: RemedyRef[] = plan
				? [keda ? {id: 'dampen-scaledobject', title: `Patch ScaledObject ${hpa.scaledObject}: ${plan.changes.join('; ')}`} : {id: 'dampen-hpa', title: `Patch HPA ${hpa.name}: ${plan.changes.join('; ')}`}]
				: [];
			const detail = [
				`Reversed direction ${score.reversals} times in the last 60 minutes (swings of at least max(1 pod, 10 %)); churn ${round1(score.churnPerHour)}/h (pods added and removed per hour, in multiples of the mean of ${round1(score.meanReplicas)} replicas); largest swing ${score.largestSwing} pods.`,
				`Behavior: ${behaviorText(hpa.behavior)} (* = default: scale-down window 300 s, scale-up window 0 s).`,
			];
			if (score.approximate > 0) detail.push(`${score.approximate} of ${score.points} points are approximate: backfilled from SuccessfulRescale events, which keep only a count and first/last times.`);
			if (plan) {
				detail.push(`The remedy changes ${plan.changes.join('; ')}${plan.kept.length > 0 ? `, and keeps ${plan.kept.join(', ')}` : ''}.`);
				if (keda) detail.push(`KEDA owns HPA ${hpa.name} and reverts direct edits, so the ScaledObject's spec.advanced.horizontalPodAutoscalerConfig.behavior is patched instead.`);
			} else detail.push('The stabilization windows are already long: the metric itself probably oscillates (check the scaler, its target value, and readiness of new pods).');
			add({
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
			});
		}

		const ranged = hpa.minReplicas !== hpa.maxReplicas;
		if (hpa.minReplicas === hpa.maxReplicas) {
			add({
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
			});
		}

		if (ranged && hpa.currentReplicas >= hpa.maxReplicas) {
			const at = atMaxSince(hpa, history, state.since);
			const minutes = Math.max(0, Math.floor((now - at.since) / MINUTE));
			if (minutes >= AT_MAX_MINUTES) {
				const limited = hpa.conditions.ScalingLimited;
				const wantsMore = limited?.status === 'True' && limited.reason === 'TooManyReplicas';
				add({
					id: findingId('hpa-at-max', subject),
					pane: 'autoscaling',
					type: 'hpa-at-max',
					severity: 'warning',
					subject,
					summary: `${subjectName} has been at its maximum of ${hpa.maxReplicas} for ${at.lowerBound ? 'at least ' : ''}${minutes} min`,
					evidence: {minutesAtMax: minutes, maxReplicas: hpa.maxReplicas, currentReplicas: hpa.currentReplicas, desiredReplicas: hpa.desiredReplicas, ...(wantsMore ? {scalingLimited: 'TooManyReplicas'} : {})},
					objects,
					remedies: [],
					detail: [
						wantsMore ? 'ScalingLimited is True (TooManyReplicas): the HPA wants more replicas than maxReplicas allows.' : 'The HPA sits at maxReplicas.',
						'Raise maxReplicas if the nodes and the namespace quota have room, or find why each pod serves less than expected.',
					],
					series,
				});
			}
		}

		if (ranged && hpa.desiredReplicas !== hpa.currentReplicas && !score.flapping && !fight) {
			const since = hpa.lastScaleTime;
			const recentChange = history.some((p, i) => i > 0 && p.time > now - MISMATCH_MINUTES * MINUTE && p.replicas !== history[i - 1]!.replicas);
			if (since !== undefined && now - since >= MISMATCH_MINUTES * MINUTE && !recentChange) {
				const minutes = Math.floor((now - since) / MINUTE);
				const failing = Object.entries(hpa.conditions).filter(([type, c]) => (type === 'AbleToScale' || type === 'ScalingActive') && c.status === 'False').map(([type, c]) => `${type}=False (${c.reason})`);
				add({
					id: findingId('hpa-desired-mismatch', subject),
					pane: 'autoscaling',
					type: 'hpa-desired-mismatch',
					severity: 'warning',
					subject,
					summary: `${subjectName} wants ${hpa.desiredReplicas} replicas but has ${hpa.currentReplicas}, ${minutes} min after its last scale`,
					evidence: {desiredReplicas: hpa.desiredReplicas, currentReplicas: hpa.currentReplicas, minutesSinceLastScale: minutes, ...(failing.length > 0 ? {conditions: failing.join(', ')} : {})},
					objects,
					remedies: [],
					detail: [
						...(failing.length > 0 ? [`Conditions: ${failing.join(', ')}.`] : []),
						'The target does not reach the size the HPA set: look for a ResourceQuota that is full, pods that cannot be created (admission), or a rollout that is stuck.',
					],
					series,
				});
			}
		}

		const severity = worst(severities);
		rows.push({
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
			findingIds: ids,
			spark,
		});
	}

	// Namespaces where HPAs can add many pods and no quota bounds them.
	const quotaUnreadable = unreadableReason(state, ['quotas', 'ResourceQuota', 'resourcequotas']);
	if (quotaUnreadable !== undefined && hpas.length > 0) notes.push(`ResourceQuotas are not readable (${quotaUnreadable}): unbounded namespaces are not checked`);
	else {
		let scope: NamespaceIndex | undefined;
		const byNamespace = new Map<string, SlimHpa[]>();
		for (const h of hpas) {
			const list = byNamespace.get(h.namespace);
			if (list) list.push(h);
			else byNamespace.set(h.namespace, [h]);
		}
		const bounded = new Set<string>();
		for (const q of state.quotas.values()) if (Object.keys(q.hard).some((k) => BOUNDING_KEYS.has(k))) bounded.add(q.namespace);
		for (const [ns, list] of byNamespace) {
			if (bounded.has(ns)) continue;
			const canAdd = list.reduce((n, h) => n + Math.max(0, h.maxReplicas - h.currentReplicas), 0);
			if (canAdd < UNBOUNDED_PODS) continue;
			let cpu = 0;
			let memory = 0;
			let requestsKnown = true;
			for (const h of list) {
				const target = hpaTarget(h, index);
				const per = target ? podRequests(target.template) : {};
				const extra = Math.max(0, h.maxReplicas - h.currentReplicas);
				if (extra > 0 && (per.cpuMillis === undefined || per.memoryBytes === undefined)) requestsKnown = false;
				cpu += extra * (per.cpuMillis ?? 0);
				memory += extra * (per.memoryBytes ?? 0);
			}
			const subject: ObjectRef = {kind: 'Namespace', name: ns};
			scope ??= namespaceIndex(state);
			const plan = quotaForNamespace(state, ns, {}, scope);
			findings.push({
				id: findingId('namespace-unbounded-hpa', subject),
				pane: 'autoscaling',
				type: 'namespace-unbounded-hpa',
				severity: 'warning',
				subject,
				summary: `HPAs in ${ns} can add ${canAdd} pods and no ResourceQuota bounds them`,
				evidence: {
					hpas: list.length,
					podsHpasCanAdd: canAdd,
					cpuHpasCanAdd: `${requestsKnown ? '' : '≥ '}${formatCpu(cpu)}`,
					memoryHpasCanAdd: `${requestsKnown ? '' : '≥ '}${formatMemory(memory, {approximate: true})}`,
					...(plan?.hard.pods !== undefined ? {quotaPods: plan.hard.pods} : {}),
					...(plan?.hard['requests.cpu'] !== undefined ? {quotaRequestsCpu: plan.hard['requests.cpu']} : {}),
					...(plan?.hard['requests.memory'] !== undefined ? {quotaRequestsMemory: plan.hard['requests.memory']} : {}),
				},
				objects: list.slice(0, 10).map((h) => ({kind: 'HorizontalPodAutoscaler', namespace: ns, name: h.name})),
				objectsTotal: list.length,
				remedies: plan ? [{id: 'create-quota', title: `Create ResourceQuota ${ns}/${String((plan.object.metadata as {name: string}).name)} (${Object.entries(plan.hard).map(([k, v]) => `${k}=${v}`).join(', ')})`}] : [],
				detail: plan ? ['Derived from:', ...plan.derivation.map((d) => `  ${d}`), ...plan.omitted.map((o) => `Left out ${o}.`)] : [],
			});
		}
	}

	// Node groups (cluster-scoped: only without a namespace scope).
	let status: AutoscalerStatus | undefined;
	if (namespace === undefined) {
		status = state.autoscalerStatus !== undefined ? parseAutoscalerStatus(state.autoscalerStatus) : undefined;
		if (state.autoscalerStatus !== undefined && !status) notes.push('The cluster-autoscaler status ConfigMap is in a format kubectl assure does not read');
		const pools = new Set<string>(state.nodeGroups.keys());
		for (const node of state.nodes.values()) if (node.pool) pools.add(node.pool);
		const priorityUnreadable = unreadableReason(state, ['priorityclasses', 'PriorityClass']);
		for (const pool of [...pools].sort()) {
			const group = state.nodeGroups.get(pool);
			const nodes = [...state.nodes.values()].filter((n) => n.pool === pool);
			const caGroup = nodeGroupStatusFor(status, pool);
			const key = `nodegroup/${pool}`;
			const points: ReplicaPoint[] = (group?.counts ?? []).map((p) => ({time: p.time, replicas: p.count}));
			const score = scoreSeries(points, now, previous.get(key));
			flapStates.set(key, score.state);
			const lifetimes = group?.lifetimes ?? [];
			const shortLived = lifetimes.filter((ms) => ms < SHORT_LIVED_NODE_MS).length;
			const oscillating = score.flapping || (score.reversals >= 2 && shortLived >= 2);
			const subject: ObjectRef = {kind: 'NodeGroup', name: pool};
			const ids: string[] = [];
			const severities: Severity[] = [];
			if (oscillating) {
				const severity: Severity = score.severity ?? 'warning';
				const sortedLifetimes = [...lifetimes].sort((a, b) => a - b);
				const medianLifetime = sortedLifetimes.length > 0 ? sortedLifetimes[Math.floor(sortedLifetimes.length / 2)]! : undefined;
				const drivers = flappingOnPool(contexts, flappingKeys, pool, nodes, state, workloads);
				const f: Finding = {
					id: findingId('node-group-oscillating', subject),
					pane: 'autoscaling',
					type: 'node-group-oscillating',
					severity,
					subject,
					summary: `Node group ${pool} changed direction ${score.reversals} times in 60 min (${group?.created ?? 0} nodes added, ${group?.deleted ?? 0} removed)`,
					evidence: {
						reversals60m: score.reversals,
						churnPerHour: round1(score.churnPerHour),
						nodes: nodes.length,
						nodesCreated: group?.created ?? 0,
						nodesDeleted: group?.deleted ?? 0,
						shortLivedNodes: shortLived,
						...(medianLifetime !== undefined ? {medianNodeLifetimeMinutes: Math.round(medianLifetime / MINUTE)} : {}),
						...(caGroup?.health?.cloudProviderTarget !== undefined ? {cloudProviderTarget: caGroup.health.cloudProviderTarget} : {}),
						...(caGroup?.health?.minSize !== undefined ? {minSize: caGroup.health.minSize} : {}),
						...(caGroup?.health?.maxSize !== undefined ? {maxSize: caGroup.health.maxSize} : {}),
						...(caGroup?.scaleUp ? {scaleUp: caGroup.scaleUp.status} : {}),
						...(caGroup?.scaleDown ? {scaleDown: caGroup.scaleDown.status} : {}),
					},
					objects: nodes.slice(0, 10).map((n) => ({kind: 'Node', name: n.name})),
					objectsTotal: nodes.length,
					remedies: [],
					detail: [
						`${shortLived} node${shortLived === 1 ? '' : 's'} lived less than 30 minutes: the cluster-autoscaler adds capacity and removes it again.`,
						...(drivers.length > 0 ? [`Flapping autoscalers whose pods run in this group: ${drivers.join(', ')}; dampening them usually calms the group.`] : []),
						'Otherwise lengthen the cluster-autoscaler\'s --scale-down-unneeded-time and --scale-down-delay-after-add (both 10m by default), or keep spare capacity with over-provisioning.',
					],
					series: {label: 'nodes, last 60 min (one value per minute)', values: replicaSpark(points, now), stepSeconds: MINUTE / 1000},
				};
				findings.push(f);
				ids.push(f.id);
				severities.push(severity);

				if (priorityUnreadable !== undefined) notes.push(`PriorityClasses are not readable (${priorityUnreadable}): over-provisioning is not checked`);
				else {
					const present = overprovisioningPresent(state, workloads, pool, nodes);
					if (!present.working) {
						const plan = overprovisioningForPool(state, pool);
						const np: Finding = {
							id: findingId('no-overprovisioning', subject),
							pane: 'autoscaling',
							type: 'no-overprovisioning',
							severity: 'warning',
							subject,
							summary: `Node group ${pool} churns and has no over-provisioning to absorb scale-ups`,
							evidence: {
								negativePriorityClasses: present.negativeClasses,
								...(plan ? {pausePodCpu: formatCpu(plan.perPod.cpuMillis), pausePodMemory: formatMemory(plan.perPod.memoryBytes), pausePods: plan.replicas} : {}),
							},
							objects: nodes.slice(0, 10).map((n) => ({kind: 'Node', name: n.name})),
							objectsTotal: nodes.length,
							remedies: plan ? [{id: 'create-overprovisioning', title: `Create PriorityClass ${plan.priorityClassName} (${OVERPROVISIONING_PRIORITY}) and ${plan.replicas} pause pod${plan.replicas === 1 ? '' : 's'} of ${formatCpu(plan.perPod.cpuMillis)} CPU / ${formatMemory(plan.perPod.memoryBytes, {approximate: true})} in ${pool}`}] : [],
							detail: [
								'Pause pods at priority -10 hold spare room; a real pod preempts them at once and the cluster-autoscaler adds a node for the pause pods instead of for the real pod.',
								...(present.tooLow.length > 0 ? [`Pods at priority below ${OVERPROVISIONING_PRIORITY} (${present.tooLow.join(', ')}) are expendable: the cluster-autoscaler ignores them, so they keep no capacity.`] : []),
								...(plan ? [`Cost: ${plan.cost}`, ...plan.notes] : ['No remedy: the group\'s nodes carry no pool label to pin pause pods to.']),
							],
						};
						findings.push(np);
						ids.push(np.id);
						severities.push(np.severity);
					}
				}
			}
			const severity = worst(severities);
			rows.push({
				id: key,
				cells: {
					namespace: '',
					name: pool,
					kind: 'NODES',
					target: caGroup?.name && caGroup.name !== pool ? caGroup.name : '-',
					minMax: caGroup?.health?.minSize !== undefined && caGroup.health.maxSize !== undefined ? `${caGroup.health.minSize}/${caGroup.health.maxSize}` : '-',
					replicas: `${nodes.length}/${caGroup?.health?.cloudProviderTarget ?? '-'}`,
					reversals: score.reversals,
					churn: round1(score.churnPerHour).toFixed(1),
					behavior: '-',
					score: flapScoreValue(score),
				},
				sort: {churn: score.churnPerHour, score: flapScoreValue(score), reversals: score.reversals},
				...(severity ? {severity} : {}),
				findingIds: ids,
				spark: replicaSpark(points, now),
			});
		}
	}

	const rank = (row: Row) => (row.severity === undefined ? 0 : SEVERITY_RANK[row.severity] + 1);
	rows.sort((a, b) => rank(b) - rank(a) || Number(b.sort?.score ?? 0) - Number(a.sort?.score ?? 0) || a.id.localeCompare(b.id));
	findings.sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || a.id.localeCompare(b.id));

	const hpaUnreadable = unreadableReason(state, ['hpas', 'HorizontalPodAutoscaler', 'horizontalpodautoscalers']);
	const header: string[] = [];
	const kedaCount = hpas.filter((h) => h.scaledObject !== undefined).length;
	header.push(`${hpas.length} HPA${hpas.length === 1 ? '' : 's'}${kedaCount > 0 ? ` (${kedaCount} owned by KEDA ScaledObjects)` : ''}: ${flappingCount} flapping, ${fightCount} fighting another writer; observed for ${formatAge(Math.max(0, now - state.since))}`);
	if (approximateTotal > 0) header.push(`${approximateTotal} replica points in the last hour are approximate (backfilled from SuccessfulRescale events)`);
	notes.push('Reversals count swings of at least max(1 pod, 10 %) in the last 60 minutes; flapping starts at 4, is critical at 8 or churn ≥ 1/h, and clears at 1');

	const view: PaneView = {
		pane: 'autoscaling',
		title: 'Autoscalers',
		header,
		columns: AUTOSCALING_COLUMNS,
		rows,
		findings,
		notes: [...new Set(notes)],
	};
	if (hpaUnreadable !== undefined && rows.length === 0) view.unavailable = `HorizontalPodAutoscalers are not readable: ${hpaUnreadable}`;
	return {view, flapStates};
}

/** Quota keys that bound what an HPA can add. */
const BOUNDING_KEYS = new Set(['pods', 'count/pods', 'cpu', 'requests.cpu', 'limits.cpu', 'memory', 'requests.memory', 'limits.memory']);

/** Whether a pod spec's nodeSelector pins it to `pool` (a pool label of the group's nodes, or a known pool label). */
function pinnedToPool(nodeSelector: Readonly<Record<string, string>> | undefined, pool: string, nodes: readonly SlimNode[]): boolean {
	for (const [key, value] of Object.entries(nodeSelector ?? {})) {
		if (value !== pool) continue;
		if (POOL_LABEL_KEYS.includes(key) || nodes.some((n) => n.labels?.[key] === pool)) return true;
	}
	return false;
}

/** Whether pods of `target` run on one of `nodeNames` (owned by it or by a ReplicaSet it owns). */
function runsOn(state: ClusterState, workloads: readonly SlimWorkload[], target: SlimWorkload, nodeNames: ReadonlySet<string>): boolean {
	const replicaSets = new Set<string>();
	for (const w of workloads) {
		if (w.namespace === target.namespace && w.kind === 'ReplicaSet' && w.owner?.kind === target.kind && w.owner.name === target.name) replicaSets.add(w.name);
	}
	for (const p of state.pods.values()) {
		if (p.namespace !== target.namespace || p.nodeName === undefined || !nodeNames.has(p.nodeName) || !p.owner) continue;
		if ((p.owner.kind === target.kind && p.owner.name === target.name) || (p.owner.kind === 'ReplicaSet' && replicaSets.has(p.owner.name))) return true;
	}
	return false;
}

/** Names of flapping autoscalers whose targets are pinned to, or run in, `pool`. */
function flappingOnPool(contexts: readonly HpaContext[], flapping: ReadonlySet<string>, pool: string, nodes: readonly SlimNode[], state: ClusterState, workloads: readonly SlimWorkload[]): string[] {
	const nodeNames = new Set(nodes.map((n) => n.name));
	const out: string[] = [];
	for (const c of contexts) {
		if (!flapping.has(c.key) || !c.target) continue;
		if (pinnedToPool(c.target.template.nodeSelector, pool, nodes) || runsOn(state, workloads, c.target, nodeNames)) {
			out.push(`${c.subject.kind === 'ScaledObject' ? 'ScaledObject' : 'HPA'} ${c.subject.namespace}/${c.subject.name}`);
		}
	}
	return out;
}

/** Whether pause pods at a negative priority ≥ -10 run in (or are pinned to) `pool`. */
function overprovisioningPresent(state: ClusterState, workloads: readonly SlimWorkload[], pool: string, nodes: readonly SlimNode[]): {working: boolean; negativeClasses: number; tooLow: string[]} {
	const negative = new Map([...state.priorityClasses.values()].filter((p) => p.value < 0).map((p) => [p.name, p.value]));
	const nodeNames = new Set(nodes.map((n) => n.name));
	let working = false;
	const tooLow = new Set<string>();
	const consider = (className: string | undefined) => {
		if (className === undefined) return;
		const value = negative.get(className);
		if (value === undefined) return;
		if (value >= OVERPROVISIONING_PRIORITY) working = true;
		else tooLow.add(`${className} ${value}`);
	};
	if (negative.size === 0) return {working, negativeClasses: 0, tooLow: []};
	for (const pod of state.pods.values()) {
		if (pod.phase === 'Succeeded' || pod.phase === 'Failed') continue;
		if ((pod.nodeName !== undefined && nodeNames.has(pod.nodeName)) || pinnedToPool(pod.spec.nodeSelector, pool, nodes)) consider(pod.spec.priorityClassName);
	}
	for (const w of workloads) {
		if (w.kind !== 'ReplicaSet' && (w.replicas ?? 1) > 0 && pinnedToPool(w.template.nodeSelector, pool, nodes)) consider(w.template.priorityClassName);
	}
	return {working, negativeClasses: negative.size, tooLow: [...tooLow]};
}
