/**
 * The `incident` scenario (the demo default): six AKS nodes in two pools, ~300 pods, and
 * something real for each pane to find —
 * etcd: finished Jobs without a TTL piling up (a CronJob with a long history, standalone
 *   batch Jobs), finished pods, Released/Failed PVs, Pending and unused PVCs, Deployments
 *   keeping many old ReplicaSets, an event storm from one controller, a custom kind with
 *   oversized objects that keeps growing, a busy namespace without an object-count quota;
 * watchers: (the matching audit log is written by the audit traffic generator);
 * autoscaling: an HPA that flaps (scale-down window 0), a KEDA ScaledObject that bounces
 *   1↔N, a gitops tool fighting an HPA over spec.replicas, a steady HPA, a node pool that
 *   churns, HPAs in a namespace without a ResourceQuota, no over-provisioning;
 * QoS: BestEffort and Burstable workloads (limits-only, init containers, a sidecar
 *   without a memory limit, a LimitRange that changes what pods get) next to Guaranteed ones.
 */
import type {NodePoolSpec} from '../controllers/nodes.js';
import type {Simulator} from '../simulator.js';
import type {ClusterBuilder} from './builder.js';
import {seedRescaleHistory, startIncidentActivity} from './incident-activity.js';
import {seedIncidentEtcd} from './incident-etcd.js';
import {seedIncidentWorkloads} from './incident-workloads.js';
import {seedNamespaceDefaults, seedSystem} from './system.js';

const MIN = 60_000;
const DAY = 86_400_000;

export const INCIDENT_POOLS: NodePoolSpec[] = [
	{name: 'system', provider: 'aks', size: 3, min: 3, max: 3, instanceType: 'Standard_D4s_v5', cpu: '4', memory: '16393216Ki'},
	{name: 'burst', provider: 'aks', size: 3, min: 1, max: 6, instanceType: 'Standard_D8s_v5', oscillate: {low: 2, high: 4, periodMs: 7.5 * MIN}},
];

export function seedIncident(b: ClusterBuilder): {pools: NodePoolSpec[]; leaseRenewMs: number; resync: boolean; afterControllers: (sim: Simulator) => void} {
	seedSystem(b, {guaranteedSystem: false, flowSchemas: true});
	const namespaces = ['monitoring', 'logging', 'payments', 'checkout', 'data-platform', 'ml-pipelines', 'batch-jobs', 'keda', 'tenant-a'];
	for (const ns of namespaces) b.namespace(ns, {team: ns.split('-')[0]!}, 45 * DAY);
	for (const ns of ['kube-system', 'default', ...namespaces]) seedNamespaceDefaults(b, ns);
	for (const pool of INCIDENT_POOLS) b.pool(pool);
	// In this order: names and uids come from the seeded PRNG.
	seedIncidentWorkloads(b);
	seedIncidentEtcd(b, namespaces);
	seedRescaleHistory(b);
	return {
		pools: INCIDENT_POOLS,
		leaseRenewMs: 10_000,
		resync: true,
		afterControllers: startIncidentActivity,
	};
}
