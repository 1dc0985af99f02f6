/**
 * An empty ClusterState, for the data layer to start from and for tests to build on:
 * `emptyState({pods: new Map([...])})`.
 */
import type {ClusterState} from './state.js';

export function emptyState(overrides: Partial<ClusterState> = {}): ClusterState {
	const now = overrides.now ?? Date.now();
	return {
		now,
		since: now,
		context: 'test',
		pods: new Map(),
		nodes: new Map(),
		workloads: new Map(),
		deployments: new Map(),
		replicaSets: new Map(),
		statefulSets: new Map(),
		daemonSets: new Map(),
		jobs: new Map(),
		cronJobs: new Map(),
		hpas: new Map(),
		scaledObjects: new Map(),
		volumes: new Map(),
		claims: new Map(),
		quotas: new Map(),
		priorityClasses: new Map(),
		flowSchemas: new Map(),
		namespaces: new Map(),
		synced: new Set(),
		unreadable: new Map(),
		counts: new Map(),
		eventRates: [],
		replicaHistory: new Map(),
		rescaleEvents: new Map(),
		nodeGroups: new Map(),
		access: new Map(),
		...overrides,
	};
}
