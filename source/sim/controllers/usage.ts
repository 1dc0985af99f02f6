/**
 * The simulated metrics-server: metrics.k8s.io PodMetrics and NodeMetrics derived from
 * the running pods. Usage is deterministic per container (from the pod's uid) and drifts
 * slowly with simulated time; containers without requests still use something.
 */
import {parseCpuMillis, parseMemoryBytes} from '../../formats/quantity.js';
import type {SimApi} from '../api.js';
import type {Obj} from '../../formats/json-object.js';

function hash(text: string): number {
	let h = 2166136261;
	for (let i = 0; i < text.length; i++) {
		h ^= text.charCodeAt(i);
		h = Math.imul(h, 16777619) >>> 0;
	}
	return h / 4_294_967_296;
}

function safe(parse: (s: string) => number, value: unknown): number | undefined {
	if (value === undefined) return undefined;
	try {
		return parse(String(value));
	} catch {
		return undefined;
	}
}

export function containerUsage(pod: Obj, container: Obj, nowMs: number): {cpuMillis: number; memoryBytes: number} {
	const seed = hash(`${pod.metadata?.uid}/${container.name}`);
	const drift = 0.85 + 0.15 * Math.sin(nowMs / 600_000 + seed * 6.28);
	const requests = container.resources?.requests ?? {};
	const limits = container.resources?.limits ?? {};
	const cpuBase = safe(parseCpuMillis, requests.cpu) ?? safe(parseCpuMillis, limits.cpu) ?? 50 + seed * 400;
	const memBase = safe(parseMemoryBytes, requests.memory) ?? safe(parseMemoryBytes, limits.memory) ?? (64 + seed * 700) * 1024 * 1024;
	// Some containers run above their request (that is what Burstable allows), most below.
	const cpuFactor = (0.25 + seed * 1.1) * drift;
	const memFactor = (0.45 + seed * 0.8) * drift;
	const cpuLimit = safe(parseCpuMillis, limits.cpu);
	const memLimit = safe(parseMemoryBytes, limits.memory);
	let cpu = Math.max(1, Math.round(cpuBase * cpuFactor));
	let memory = Math.round(memBase * memFactor);
	if (cpuLimit !== undefined) cpu = Math.min(cpu, cpuLimit);
	if (memLimit !== undefined) memory = Math.min(memory, Math.round(memLimit * 0.97));
	return {cpuMillis: cpu, memoryBytes: memory};
}

/**
 * PodMetrics of the running pods, in key order: the page [start, start + limit) of them
 * (all when limit is 0), and how many there are. Only the page is built: at 150,000 pods
 * building every item for each page of 500 kept the simulator busy for seconds a page.
 */
export function podMetrics(
	api: SimApi,
	namespace: string | undefined,
	page: {name?: string; start?: number; limit?: number} = {},
): {items: Obj[]; total: number} {
	const now = api.clock.now();
	const start = Math.max(0, page.start ?? 0);
	const end = page.limit !== undefined && page.limit > 0 ? start + page.limit : Number.POSITIVE_INFINITY;
	const items: Obj[] = [];
	let index = 0;
	for (const record of api.store.resource('pods').sorted()) {
		if (namespace && record.namespace !== namespace) continue;
		if (record.fields['status.phase'] !== 'Running') continue;
		if (page.name !== undefined && record.fields['metadata.name'] !== page.name) continue;
		const at = index++;
		if (at < start || at >= end) continue;
		const pod = JSON.parse(record.json) as Obj;
		items.push({
			kind: 'PodMetrics',
			apiVersion: 'metrics.k8s.io/v1beta1',
			metadata: {name: pod.metadata.name, namespace: pod.metadata.namespace, creationTimestamp: api.clock.iso(now), labels: pod.metadata.labels},
			timestamp: api.clock.iso(now - 15_000),
			window: '15.032s',
			containers: ((pod.spec?.containers ?? []) as Obj[]).map((c) => {
				const usage = containerUsage(pod, c, now);
				return {name: c.name, usage: {cpu: `${usage.cpuMillis * 1_000_000}n`, memory: `${Math.round(usage.memoryBytes / 1024)}Ki`}};
			}),
		});
	}
	return {items, total: index};
}

export function nodeMetrics(api: SimApi): Obj[] {
	const now = api.clock.now();
	const byNode = new Map<string, {cpu: number; memory: number}>();
	for (const record of api.store.resource('pods').objects.values()) {
		const node = record.fields['spec.nodeName'];
		if (!node || record.fields['status.phase'] !== 'Running') continue;
		const pod = JSON.parse(record.json) as Obj;
		const sum = byNode.get(node) ?? {cpu: 0, memory: 0};
		for (const c of (pod.spec?.containers ?? []) as Obj[]) {
			const usage = containerUsage(pod, c, now);
			sum.cpu += usage.cpuMillis;
			sum.memory += usage.memoryBytes;
		}
		byNode.set(node, sum);
	}
	return [...api.store.resource('nodes').sorted()].map((record) => {
		const sum = byNode.get(record.name) ?? {cpu: 0, memory: 0};
		return {
			kind: 'NodeMetrics',
			apiVersion: 'metrics.k8s.io/v1beta1',
			metadata: {name: record.name, creationTimestamp: api.clock.iso(now), labels: record.labels},
			timestamp: api.clock.iso(now - 15_000),
			window: '20.05s',
			usage: {cpu: `${(sum.cpu + 150) * 1_000_000}n`, memory: `${Math.round(sum.memory / 1024) + 900_000}Ki`},
		};
	});
}
