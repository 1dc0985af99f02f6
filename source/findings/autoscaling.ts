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
import {SEVERITY_RANK, type Column, type Finding, type PaneView, type Row} from '../model/finding.js';
import type {ClusterState} from '../model/state.js';
import {workloadLookup} from '../model/workloads.js';
import {formatAge} from '../text/format.js';
import {hpaContexts, unreadableReason} from './autoscaling/context.js';
import {detectFight} from './autoscaling/fight.js';
import {atMaxFinding, fightFinding, flappingFinding, hpaFacts, hpaRow, minEqualsMaxFinding, mismatchFinding} from './autoscaling/hpas.js';
import {unboundedNamespaceFindings} from './autoscaling/namespaces.js';
import {nodeGroupFindings} from './autoscaling/node-groups.js';
import type {FlapState} from './flapping.js';

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

/** The autoscaling pane: each HPA's findings and row, then the namespaces HPAs can flood, then the node groups. */
export function analyzeAutoscaling(state: ClusterState, options: AutoscalingOptions = {}): AutoscalingResult {
	const namespace = options.namespace ?? state.namespace;
	const now = state.now;
	const previous = options.flapStates ?? new Map<string, FlapState>();
	const flapStates = new Map<string, FlapState>();
	const findings: Finding[] = [];
	const rows: Row[] = [];
	const notes: string[] = [];
	const index = workloadLookup(state);

	const hpas = [...state.hpas.values()]
		.filter((h) => namespace === undefined || h.namespace === namespace)
		.sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
	const contexts = hpaContexts(state, hpas, index, previous, flapStates);
	const approximateTotal = contexts.reduce((sum, c) => sum + c.score.approximate, 0);

	let flappingCount = 0;
	let fightCount = 0;
	const flappingKeys = new Set<string>();
	for (const c of contexts) {
		const fight = detectFight(c.hpa, c.target, c.history, now);
		if (fight) fightCount++;
		else if (c.score.flapping && c.score.severity) {
			flappingCount++;
			flappingKeys.add(c.key);
		}
		const facts = hpaFacts(c, now);
		const found = [
			fight ? fightFinding(c, facts, fight, now) : flappingFinding(c, facts, now),
			minEqualsMaxFinding(c, facts),
			atMaxFinding(c, facts, state.since, now),
			mismatchFinding(c, facts, fight, now),
		].filter((f): f is Finding => f !== undefined);
		findings.push(...found);
		rows.push(hpaRow(c, facts, found, fight));
	}

	findings.push(...unboundedNamespaceFindings(state, hpas, index, notes));
	if (namespace === undefined) {
		const groups = nodeGroupFindings(state, {contexts, flapping: flappingKeys}, previous, flapStates, notes);
		findings.push(...groups.findings);
		rows.push(...groups.rows);
	}

	const rank = (row: Row) => (row.severity === undefined ? 0 : SEVERITY_RANK[row.severity] + 1);
	rows.sort((a, b) => rank(b) - rank(a) || Number(b.sort?.score ?? 0) - Number(a.sort?.score ?? 0) || a.id.localeCompare(b.id));
	findings.sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || a.id.localeCompare(b.id));

	const hpaUnreadable = unreadableReason(state, ['hpas', 'HorizontalPodAutoscaler', 'horizontalpodautoscalers']);
	const header: string[] = [];
	const kedaCount = hpas.filter((h) => h.scaledObject !== undefined).length;
	header.push(
		`${hpas.length} HPA${hpas.length === 1 ? '' : 's'}${kedaCount > 0 ? ` (${kedaCount} owned by KEDA ScaledObjects)` : ''}: ${flappingCount} flapping, ${fightCount} fighting another writer; observed for ${formatAge(Math.max(0, now - state.since))}`,
	);
	if (approximateTotal > 0) header.push(`${approximateTotal} replica points in the last hour are approximate (backfilled from SuccessfulRescale events)`);
	notes.push(
		'Reversals count swings of at least max(1 pod, 10 %) in the last 60 minutes; flapping starts at 4, is critical at 8 or churn ≥ 1/h, and clears at 1',
	);

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
