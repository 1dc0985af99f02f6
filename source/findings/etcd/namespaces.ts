/**
 * namespace-without-object-quota: busy namespaces with no object-count ResourceQuota, and
 * the quota to create; the object counts per namespace it is sized from.
 */
import {findingId, type Severity} from '../../model/finding.js';
import type {ObjectRef, SlimWorkload} from '../../model/slim.js';
import type {ClusterState} from '../../model/state.js';
import {formatCount} from '../../text/format.js';
import {add, type Context, plural, ROW_NAMESPACES} from './context.js';
import {isObjectCountKey, objectQuota} from './object-quota.js';

export const NAMESPACE_OBJECTS_MIN = 100;
export const NAMESPACE_OBJECTS_WARNING = 1000;

const WORKLOAD_COUNT_KEYS: Readonly<Record<SlimWorkload['kind'], string>> = {
	Deployment: 'count/deployments.apps',
	ReplicaSet: 'count/replicasets.apps',
	StatefulSet: 'count/statefulsets.apps',
	DaemonSet: 'count/daemonsets.apps',
};

export interface NamespaceCounts {
	/** Quota key → today's count, only kinds the namespace has. */
	usage: Record<string, number>;
	/** What may legitimately appear soon: pods its HPAs may still add (maxReplicas − currentReplicas). */
	reserve: Record<string, number>;
	total: number;
}

/**
 * Object counts per namespace for the kinds kubectl assure lists (pods, Jobs, CronJobs,
 * Deployments, ReplicaSets, StatefulSets, DaemonSets, claims, HPAs), in one pass.
 * `only` limits it to one namespace.
 */
export function countObjectsByNamespace(state: ClusterState, only?: string): Map<string, NamespaceCounts> {
	const out = new Map<string, NamespaceCounts>();
	const bump = (namespace: string, key: string, n = 1) => {
		if (!namespace || (only !== undefined && namespace !== only)) return;
		let entry = out.get(namespace);
		if (!entry) {
			entry = {usage: {}, reserve: {}, total: 0};
			out.set(namespace, entry);
		}
		entry.usage[key] = (entry.usage[key] ?? 0) + n;
		entry.total += n;
	};
	for (const pod of state.pods.values()) bump(pod.namespace, 'count/pods');
	for (const job of state.jobs.values()) bump(job.namespace, 'count/jobs.batch');
	for (const cron of state.cronJobs.values()) bump(cron.namespace, 'count/cronjobs.batch');
	for (const w of state.workloads.values()) bump(w.namespace, WORKLOAD_COUNT_KEYS[w.kind]);
	for (const claim of state.claims.values()) bump(claim.namespace, 'count/persistentvolumeclaims');
	for (const hpa of state.hpas.values()) {
		bump(hpa.namespace, 'count/horizontalpodautoscalers.autoscaling');
		const entry = out.get(hpa.namespace);
		const room = Math.max(0, hpa.maxReplicas - hpa.currentReplicas);
		if (entry && room > 0) entry.reserve['count/pods'] = (entry.reserve['count/pods'] ?? 0) + room;
	}
	return out;
}

/** countObjectsByNamespace for one namespace (zero counts when it holds none of those kinds). */
export function namespaceObjectCounts(state: ClusterState, namespace: string): NamespaceCounts {
	return countObjectsByNamespace(state, namespace).get(namespace) ?? {usage: {}, reserve: {}, total: 0};
}

export function namespaceQuotaFindings(ctx: Context, pilingUp: ReadonlySet<string>): void {
	const {state} = ctx;
	const counts = countObjectsByNamespace(state, ctx.scope);
	const names = new Set<string>([...state.namespaces.keys(), ...counts.keys()]);
	const quotaNames = new Map<string, string[]>();
	const hasCountQuota = new Set<string>();
	for (const quota of state.quotas.values()) {
		quotaNames.set(quota.namespace, [...(quotaNames.get(quota.namespace) ?? []), quota.name]);
		if (Object.keys(quota.hard).some(isObjectCountKey)) hasCountQuota.add(quota.namespace);
	}
	for (const ns of [...names].sort()) {
		// kube-* namespaces hold the control plane's own objects: a quota there can block system pods.
		if (!ctx.inScope(ns) || ns.startsWith('kube-') || hasCountQuota.has(ns)) continue;
		const entry = counts.get(ns);
		if (entry === undefined || entry.total < NAMESPACE_OBJECTS_MIN) continue;
		const {usage, reserve, total} = entry;
		const quota = objectQuota(usage, {reserve, existingNames: quotaNames.get(ns) ?? []});
		const piling = pilingUp.has(ns);
		const severity: Severity = total >= NAMESPACE_OBJECTS_WARNING || piling ? 'warning' : 'info';
		const subject: ObjectRef = {kind: 'Namespace', name: ns};
		const evidence: Record<string, number | string> = {
			objects: total,
			quotas: (quotaNames.get(ns) ?? []).length,
			proposed: quota.lines.map((l) => `${l.key}=${l.hard}`).join(', '),
			quotaRule: quota.rule,
			severityRule: `info from ${NAMESPACE_OBJECTS_MIN} objects, warning from ${formatCount(NAMESPACE_OBJECTS_WARNING)} or when objects already pile up in it (finished Jobs, pods or old ReplicaSets)`,
		};
		for (const [key, n] of Object.entries(usage)) evidence[key] = n;
		add(
			ctx,
			{
				id: findingId('namespace-without-object-quota', subject),
				pane: 'etcd',
				type: 'namespace-without-object-quota',
				severity,
				subject,
				summary: `Namespace ${ns} holds ${plural(total, 'object')} and no object-count ResourceQuota${piling ? ' while objects pile up in it' : ''}`,
				evidence,
				objects: [subject],
				objectsTotal: 1,
				remedies: [{id: 'create-object-quota', title: `Create ResourceQuota ${quota.name} (${quota.lines.map((l) => `${l.key}=${l.hard}`).join(', ')})`}],
				detail: [
					'Counts cover the kinds kubectl assure lists (pods, Jobs, CronJobs, workloads, claims, HPAs); ConfigMaps and Secrets are not counted here.',
					'A count quota is a fence, not a cleanup: it stops a runaway controller from filling etcd, and blocks new objects of that kind once reached.',
				],
			},
			[ROW_NAMESPACES],
		);
	}
}

// most MAX_OBJECTS refs). They regroup from the state exactly as the findings did.
