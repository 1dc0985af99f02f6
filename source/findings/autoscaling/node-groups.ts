/**
 * The node groups (cluster-scoped, so only without a namespace scope): node-group-oscillating,
 * a group's size reversing 4 times or more in 60 minutes (or, earlier, twice with 2 nodes
 * or more that lived less than 30 minutes), and no-overprovisioning, such a group without
 * pause pods at a negative priority ≥ -10 to absorb scale-ups; and their rows.
 */
import {formatCpu, formatMemory} from '../../formats/quantity.js';
import {nodeGroupStatusFor, parseAutoscalerStatus, type NodeGroupStatus} from '../../model/autoscaler-status.js';
import {findingId, type Finding, type Row, type Severity} from '../../model/finding.js';
import {POOL_LABEL_KEYS} from '../../model/node-pools.js';
import type {ObjectRef, SlimNode, SlimWorkload} from '../../model/slim.js';
import type {ClusterState, NodeGroupSeries, ReplicaPoint} from '../../model/state.js';
import {allWorkloads} from '../../model/workloads.js';
import {flapScoreValue, scoreSeries, type FlapScore, type FlapState} from '../flapping.js';
import {type HpaContext, MINUTE, replicaSpark, round1, unreadableReason, worst} from './context.js';
import {OVERPROVISIONING_PRIORITY, overprovisioningSizing} from './overprovisioning.js';

export const SHORT_LIVED_NODE_MS = 30 * 60_000;

/** One node group as its findings and row see it. */
interface NodeGroup {
	pool: string;
	subject: ObjectRef;
	group?: NodeGroupSeries;
	nodes: SlimNode[];
	caGroup?: NodeGroupStatus;
	points: ReplicaPoint[];
	score: FlapScore;
	lifetimes: readonly number[];
	shortLived: number;
}

/** What the node groups need from the HPAs' analysis: which autoscalers flap, to name those that drive a group. */
export interface FlappingHpas {
	contexts: readonly HpaContext[];
	flapping: ReadonlySet<string>;
}

/**
 * Every node group's findings and row. Flap states go into `flapStates` (keyed
 * "nodegroup/<pool>"), carried over from `previous`; notes about what could not be
 * checked go into `notes`.
 */
export function nodeGroupFindings(
	state: ClusterState,
	hpas: FlappingHpas,
	previous: ReadonlyMap<string, FlapState>,
	flapStates: Map<string, FlapState>,
	notes: string[],
): {findings: Finding[]; rows: Row[]} {
	const now = state.now;
	const findings: Finding[] = [];
	const rows: Row[] = [];
	const workloads = allWorkloads(state);
	const status = state.autoscalerStatus !== undefined ? parseAutoscalerStatus(state.autoscalerStatus) : undefined;
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
		const g: NodeGroup = {pool, subject: {kind: 'NodeGroup', name: pool}, nodes, points, score, lifetimes, shortLived};
		if (group) g.group = group;
		if (caGroup) g.caGroup = caGroup;
		const found: Finding[] = [];
		if (oscillating) {
			found.push(oscillatingFinding(g, state, hpas, workloads));
			if (priorityUnreadable !== undefined) notes.push(`PriorityClasses are not readable (${priorityUnreadable}): over-provisioning is not checked`);
			else {
				const missing = noOverprovisioningFinding(g, state, workloads);
				if (missing) found.push(missing);
			}
		}
		findings.push(...found);
		rows.push(nodeGroupRow(g, key, found, now));
	}
	return {findings, rows};
}

/** node-group-oscillating: the group adds capacity and removes it again. */
function oscillatingFinding(g: NodeGroup, state: ClusterState, hpas: FlappingHpas, workloads: readonly SlimWorkload[]): Finding {
	const {pool, subject, group, nodes, caGroup, points, score, lifetimes, shortLived} = g;
	const now = state.now;
	const severity: Severity = score.severity ?? 'warning';
	const sortedLifetimes = [...lifetimes].sort((a, b) => a - b);
	const medianLifetime = sortedLifetimes.length > 0 ? sortedLifetimes[Math.floor(sortedLifetimes.length / 2)]! : undefined;
	const drivers = flappingOnPool(hpas.contexts, hpas.flapping, pool, nodes, state, workloads);
	return {
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
			"Otherwise lengthen the cluster-autoscaler's --scale-down-unneeded-time and --scale-down-delay-after-add (both 10m by default), or keep spare capacity with over-provisioning.",
		],
		series: {label: 'nodes, last 60 min (one value per minute)', values: replicaSpark(points, now), stepSeconds: MINUTE / 1000},
	};
}

/** no-overprovisioning: an oscillating group without pause pods to absorb its scale-ups (undefined when it has them). */
function noOverprovisioningFinding(g: NodeGroup, state: ClusterState, workloads: readonly SlimWorkload[]): Finding | undefined {
	const {pool, subject, nodes} = g;
	const present = overprovisioningPresent(state, workloads, pool, nodes);
	if (present.working) return undefined;
	const sizing = overprovisioningSizing(state, pool);
	return {
		id: findingId('no-overprovisioning', subject),
		pane: 'autoscaling',
		type: 'no-overprovisioning',
		severity: 'warning',
		subject,
		summary: `Node group ${pool} churns and has no over-provisioning to absorb scale-ups`,
		evidence: {
			negativePriorityClasses: present.negativeClasses,
			...(sizing ? {pausePodCpu: formatCpu(sizing.perPod.cpuMillis), pausePodMemory: formatMemory(sizing.perPod.memoryBytes), pausePods: sizing.replicas} : {}),
		},
		objects: nodes.slice(0, 10).map((n) => ({kind: 'Node', name: n.name})),
		objectsTotal: nodes.length,
		remedies: sizing
			? [
					{
						id: 'create-overprovisioning',
						title: `Create PriorityClass ${sizing.priorityClassName} (${OVERPROVISIONING_PRIORITY}) and ${sizing.replicas} pause pod${sizing.replicas === 1 ? '' : 's'} of ${formatCpu(sizing.perPod.cpuMillis)} CPU / ${formatMemory(sizing.perPod.memoryBytes, {approximate: true})} in ${pool}`,
					},
				]
			: [],
		detail: [
			'Pause pods at priority -10 hold spare room; a real pod preempts them at once and the cluster-autoscaler adds a node for the pause pods instead of for the real pod.',
			...(present.tooLow.length > 0
				? [
						`Pods at priority below ${OVERPROVISIONING_PRIORITY} (${present.tooLow.join(', ')}) are expendable: the cluster-autoscaler ignores them, so they keep no capacity.`,
					]
				: []),
			...(sizing ? [`Cost: ${sizing.cost}`, ...sizing.notes] : ["No remedy: the group's nodes carry no pool label to pin pause pods to."]),
		],
	};
}

function nodeGroupRow(g: NodeGroup, key: string, found: readonly Finding[], now: number): Row {
	const {pool, nodes, caGroup, points, score} = g;
	const severity = worst(found.map((f) => f.severity));
	return {
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
		findingIds: found.map((f) => f.id),
		spark: replicaSpark(points, now),
	};
}

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
function flappingOnPool(
	contexts: readonly HpaContext[],
	flapping: ReadonlySet<string>,
	pool: string,
	nodes: readonly SlimNode[],
	state: ClusterState,
	workloads: readonly SlimWorkload[],
): string[] {
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
function overprovisioningPresent(
	state: ClusterState,
	workloads: readonly SlimWorkload[],
	pool: string,
	nodes: readonly SlimNode[],
): {working: boolean; negativeClasses: number; tooLow: string[]} {
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
