/**
 * no-overprovisioning's suggestion for a node group that churns: pause pods at priority -10
 * (the lowest whose pending pods still trigger scale-up: --expendable-pods-priority-cutoff
 * defaults to -10), each sized to a share of the group's typical node and pinned to the
 * group by its node label, with the cost stated in words. source/plans/autoscaling.ts makes
 * it the PriorityClass and Deployment to create.
 */
import {formatCpu, formatMemory} from '../../formats/quantity.js';
import {poolLabelKey} from '../../model/node-pools.js';
import type {ClusterState} from '../../model/state.js';

export const OVERPROVISIONING_PRIORITY = -10;

export interface OverprovisioningOptions {
	/** Share of a typical node each pause pod requests; default 0.5. */
	share?: number;
	replicas?: number;
	namespace?: string;
	priorityClassName?: string;
}

export interface OverprovisioningSizing {
	pool: string;
	namespace: string;
	/** The node label that pins the pause pods to the group. */
	labelKey: string;
	perPod: {cpuMillis: number; memoryBytes: number};
	replicas: number;
	/** An existing PriorityClass at -10, or the name of the one to create. */
	priorityClassName: string;
	createPriorityClass: boolean;
	/** The cost, in words. */
	cost: string;
	notes: string[];
}

function median(values: number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	const mid = Math.floor(sorted.length / 2);
	return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** How much to keep spare in `pool`, and at what priority; undefined when the pool has no nodes or no pool label. */
export function overprovisioningSizing(state: ClusterState, pool: string, options: OverprovisioningOptions = {}): OverprovisioningSizing | undefined {
	const nodes = [...state.nodes.values()].filter((n) => n.pool === pool);
	if (nodes.length === 0) return undefined;
	const labelKey = poolLabelKey(nodes, pool);
	if (!labelKey) return undefined;
	const share = Math.min(1, Math.max(0.05, options.share ?? 0.5));
	const replicas = Math.max(1, Math.floor(options.replicas ?? 1));
	const nodeCpu = median(nodes.map((n) => n.allocatable.cpuMillis));
	const nodeMemory = median(nodes.map((n) => n.allocatable.memoryBytes));
	const mi = 1024 * 1024;
	const perPod = {
		cpuMillis: Math.max(100, Math.floor((nodeCpu * share) / 100) * 100),
		memoryBytes: Math.max(64 * mi, Math.floor((nodeMemory * share) / (64 * mi)) * 64 * mi),
	};

	const existing = [...state.priorityClasses.values()]
		.filter((p) => p.value === OVERPROVISIONING_PRIORITY && !p.globalDefault)
		.sort((a, b) => a.name.localeCompare(b.name))[0];
	let priorityClassName = existing?.name ?? options.priorityClassName ?? 'overprovisioning';
	// A class of that name at another value cannot be changed (value is immutable): pick another name.
	while (!existing && [...state.priorityClasses.values()].some((p) => p.name === priorityClassName)) priorityClassName = `${priorityClassName}-assure`;
	const namespace = options.namespace ?? 'default';
	const totalCpu = perPod.cpuMillis * replicas;
	const totalMemory = perPod.memoryBytes * replicas;
	const nodesWorth = (perPod.cpuMillis * replicas) / nodeCpu;
	const instance = nodes.map((n) => n.labels?.['node.kubernetes.io/instance-type']).find((t) => t !== undefined);
	const notes: string[] = [];
	const cost =
		`Reserves ${formatCpu(totalCpu)} CPU and ${formatMemory(totalMemory, {approximate: true})} in node group ${pool} at all times ` +
		`(about ${nodesWorth.toFixed(1)} of a${instance ? ` ${instance}` : ''} node of ${formatCpu(nodeCpu)} CPU / ${formatMemory(nodeMemory, {approximate: true})}); ` +
		`the cluster-autoscaler keeps that much capacity running, so expect to pay for up to ${Math.ceil(nodesWorth - 1e-9)} extra node${Math.ceil(nodesWorth - 1e-9) === 1 ? '' : 's'} while the group would otherwise be smaller.`;
	notes.push(`Pinned with nodeSelector ${labelKey}=${pool}; if the group's nodes are tainted, add matching tolerations.`);
	if (existing) notes.push(`Uses the existing PriorityClass ${existing.name} (value ${OVERPROVISIONING_PRIORITY}).`);
	return {pool, namespace, labelKey, perPod, replicas, priorityClassName, createPriorityClass: !existing, cost, notes};
}
