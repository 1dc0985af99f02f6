/**
 * Hand-built states for the QoS pane's tests: containers and pod specs of each QoS shape,
 * pods, owners, workloads, jobs and nodes, a cluster state around them, and lookups of a
 * row or finding by its workload cell.
 */
import type {PaneView} from '../../../source/model/finding.js';
import {emptyState} from '../../../source/model/empty-state.js';
import type {ResourcePair, SlimContainer, SlimJob, SlimNode, SlimPod, SlimPodSpec, SlimWorkload} from '../../../source/model/slim.js';
import {objectKey, type ClusterState} from '../../../source/model/state.js';

export const MI = 2 ** 20;

export function c(name: string, requests: ResourcePair = {}, limits: ResourcePair = {}, role: SlimContainer['role'] = 'container'): SlimContainer {
	return {name, role, requests, limits};
}
export const g = (name: string, cpu: string, memory: string, role: SlimContainer['role'] = 'container') => c(name, {cpu, memory}, {cpu, memory}, role);

export const GUARANTEED: SlimPodSpec = {containers: [g('app', '500m', '512Mi')]};
export const BEST_EFFORT: SlimPodSpec = {containers: [c('app')]};
export const NO_MEMORY_LIMIT: SlimPodSpec = {containers: [c('app', {cpu: '100m', memory: '128Mi'}, {cpu: '100m'})]};
export const MEMORY_FAR_BELOW: SlimPodSpec = {containers: [c('app', {cpu: '1', memory: '128Mi'}, {cpu: '1', memory: '2Gi'})]};
export const CPU_ONLY: SlimPodSpec = {containers: [c('app', {cpu: '100m', memory: '256Mi'}, {cpu: '1', memory: '256Mi'})]};

let uid = 0;
export function meta(namespace: string, name: string) {
	return {namespace, name, uid: `uid-${++uid}`, resourceVersion: '1', created: 0};
}

export function pod(namespace: string, name: string, spec: SlimPodSpec, extra: Partial<SlimPod> = {}): SlimPod {
	return {...meta(namespace, name), phase: 'Running', nodeName: 'node-a1', spec, ...extra};
}

export function owned(kind: string, ownerName: string): {owner: {kind: string; name: string; uid: string}} {
	return {owner: {kind, name: ownerName, uid: `uid-${kind}-${ownerName}`}};
}

export function workload(kind: SlimWorkload['kind'], namespace: string, name: string, template: SlimPodSpec, extra: Partial<SlimWorkload> = {}): SlimWorkload {
	return {...meta(namespace, name), kind, generation: 1, readyReplicas: 1, currentReplicas: 1, template, ...extra};
}

export function job(namespace: string, name: string, cronJob?: string): SlimJob {
	return {...meta(namespace, name), suspended: false, ...(cronJob ? {cronJob} : {})};
}

export function node(name: string, pool?: string): SlimNode {
	return {...meta('', name), ...(pool ? {pool} : {}), ready: true, unschedulable: false, allocatable: {cpuMillis: 4000, memoryBytes: 16 * 2 ** 30}};
}

export function keyed<T extends {namespace: string; name: string}>(items: readonly T[]): Map<string, T> {
	return new Map(items.map((item) => [objectKey(item.namespace, item.name), item]));
}

export function state(pods: SlimPod[], overrides: Partial<ClusterState> = {}): ClusterState {
	return emptyState({
		now: 1_700_000_000_000,
		pods: keyed(pods),
		nodes: keyed([node('node-a1', 'apps'), node('node-s1', 'system'), node('node-x')]),
		...overrides,
	});
}

export function rowOf(view: PaneView, workloadCell: string) {
	return view.rows.find((row) => row.cells.workload === workloadCell);
}

export function findingOf(view: PaneView, workloadCell: string) {
	const row = rowOf(view, workloadCell);
	return view.findings.find((f) => f.id === row?.id);
}
