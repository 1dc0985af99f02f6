/**
 * namespace-unbounded-hpa: HPAs can add 10 or more pods in a namespace whose
 * ResourceQuotas bound neither pods nor cpu nor memory; the remedy creates a quota sized
 * from what they may add.
 */
import {formatCpu, formatMemory} from '../../formats/quantity.js';
import {findingId, type Finding} from '../../model/finding.js';
import {podRequests} from '../../model/pod-requests.js';
import type {ObjectRef, SlimHpa} from '../../model/slim.js';
import type {ClusterState} from '../../model/state.js';
import {hpaTarget, namespaceIndex, type NamespaceIndex, type WorkloadLookup} from '../../model/workloads.js';
import {unreadableReason} from './context.js';
import {hpaQuota} from './quota.js';

export const UNBOUNDED_PODS = 10;

/** Quota keys that bound what an HPA can add. */
const BOUNDING_KEYS = new Set(['pods', 'count/pods', 'cpu', 'requests.cpu', 'limits.cpu', 'memory', 'requests.memory', 'limits.memory']);

/** The namespaces where HPAs can add many pods unbounded; a note instead when quotas cannot be read. */
export function unboundedNamespaceFindings(state: ClusterState, hpas: readonly SlimHpa[], index: WorkloadLookup, notes: string[]): Finding[] {
	const findings: Finding[] = [];
	const quotaUnreadable = unreadableReason(state, ['quotas', 'ResourceQuota', 'resourcequotas']);
	if (quotaUnreadable !== undefined && hpas.length > 0)
		notes.push(`ResourceQuotas are not readable (${quotaUnreadable}): unbounded namespaces are not checked`);
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
			const quota = hpaQuota(state, ns, {}, scope);
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
					...(quota?.hard.pods !== undefined ? {quotaPods: quota.hard.pods} : {}),
					...(quota?.hard['requests.cpu'] !== undefined ? {quotaRequestsCpu: quota.hard['requests.cpu']} : {}),
					...(quota?.hard['requests.memory'] !== undefined ? {quotaRequestsMemory: quota.hard['requests.memory']} : {}),
				},
				objects: list.slice(0, 10).map((h) => ({kind: 'HorizontalPodAutoscaler', namespace: ns, name: h.name})),
				objectsTotal: list.length,
				remedies: quota
					? [
							{
								id: 'create-quota',
								title: `Create ResourceQuota ${ns}/${quota.name} (${Object.entries(quota.hard)
									.map(([k, v]) => `${k}=${v}`)
									.join(', ')})`,
							},
						]
					: [],
				detail: quota ? ['Derived from:', ...quota.derivation.map((d) => `  ${d}`), ...quota.omitted.map((o) => `Left out ${o}.`)] : [],
			});
		}
	}
	return findings;
}
