/**
 * Node pools (node groups): the node labels that name a pool on AKS, EKS, GKE and with
 * Karpenter, and which of them pins pods to one pool.
 */
import type {SlimNode} from './slim.js';

/** Node labels that name a pool, most specific first. */
export const POOL_LABEL_KEYS: readonly string[] = [
	'kubernetes.azure.com/agentpool',
	'agentpool',
	'eks.amazonaws.com/nodegroup',
	'cloud.google.com/gke-nodepool',
	'karpenter.sh/nodepool',
	'node.kubernetes.io/pool',
];

/** The label (key) that pins pods to `pool` on these nodes. */
export function poolLabelKey(nodes: readonly SlimNode[], pool: string): string | undefined {
	for (const key of POOL_LABEL_KEYS) if (nodes.some((n) => n.labels?.[key] === pool)) return key;
	for (const n of nodes) for (const [key, value] of Object.entries(n.labels ?? {})) if (value === pool) return key;
	return undefined;
}
