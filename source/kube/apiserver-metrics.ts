/**
 * Derives the figures kubectl assure reads from one kube-apiserver `/metrics` scrape (their
 * types: source/model/apiserver-figures.ts): version,
 * stored objects and their estimated size per resource, etcd database size, open watches,
 * request counters, in-flight requests and API Priority and Fairness state. Metric names
 * changed across Kubernetes versions; each figure tries the current name first, falls back
 * to older ones, and says in `source` which metric it used (null when none was present).
 */
import {labelValue, type MetricFamilies, type MetricFamily} from '../formats/prometheus-text.js';
import type {
	ApfFigures,
	ApfLimits,
	ApfPerFlow,
	ApfRejection,
	ApfRow,
	ApiServerFigures,
	CounterRow,
	EtcdSize,
	EtcdSizePart,
	EtcdSizeSource,
	GroupResource,
	Inflight,
	ObjectCount,
	ObjectCountSource,
	ObjectCounts,
	OpenWatches,
	RequestCount,
	RequestTotals,
	SizeEstimate,
	SizeEstimates,
	WatchCount,
} from '../model/apiserver-figures.js';

function nonEmpty(metrics: MetricFamilies, name: string): MetricFamily | undefined {
	const family = metrics.get(name);
	return family !== undefined && family.name === name && family.samples.length > 0 ? family : undefined;
}

/** Splits `deployments.apps` into {group: 'apps', resource: 'deployments'}; `pods` is core. */
export function splitGroupResource(qualified: string): GroupResource {
	const dot = qualified.indexOf('.');
	if (dot < 0) return {group: '', resource: qualified};
	return {group: qualified.slice(dot + 1), resource: qualified.slice(0, dot)};
}

function groupResourceKey(group: string, resource: string): string {
	return `${group}\u0000${resource}`;
}

function compareNames(a: GroupResource, b: GroupResource): number {
	return a.group < b.group ? -1 : a.group > b.group ? 1 : a.resource < b.resource ? -1 : a.resource > b.resource ? 1 : 0;
}

/** Largest first, null last, then by name. */
function compareNullableDesc(a: number | null, b: number | null): number {
	if (a === null || b === null) return a === null ? (b === null ? 0 : 1) : -1;
	return b - a;
}

/** A gauge that means "error" when negative or not a number. */
function knownOrNull(value: number): number | null {
	return Number.isFinite(value) && value >= 0 ? value : null;
}

function perResourceGauge(family: MetricFamily, splitQualified: boolean): Map<string, GroupResource & {value: number | null}> {
	const byKey = new Map<string, GroupResource & {value: number | null}>();
	for (const sample of family.samples) {
		const name = splitQualified
			? splitGroupResource(labelValue(sample.labels, 'resource'))
			: {group: labelValue(sample.labels, 'group'), resource: labelValue(sample.labels, 'resource')};
		const key = groupResourceKey(name.group, name.resource);
		const value = knownOrNull(sample.value);
		const existing = byKey.get(key);
		if (existing === undefined) byKey.set(key, {...name, value});
		else existing.value = existing.value === null || value === null ? null : existing.value + value;
	}
	return byKey;
}

export function deriveObjectCounts(metrics: MetricFamilies): ObjectCounts {
	const candidates: Array<[ObjectCountSource, boolean]> = [
		['apiserver_resource_objects', false],
		['apiserver_storage_objects', true],
		['etcd_object_counts', true],
	];
	for (const [source, splitQualified] of candidates) {
		const family = nonEmpty(metrics, source);
		if (family === undefined) continue;
		const byResource: ObjectCount[] = [...perResourceGauge(family, splitQualified).values()].map((row) => ({
			group: row.group,
			resource: row.resource,
			count: row.value,
		}));
		byResource.sort((a, b) => compareNullableDesc(a.count, b.count) || compareNames(a, b));
		let total = 0;
		let unknown = 0;
		for (const row of byResource) {
			if (row.count === null) unknown++;
			else total += row.count;
		}
		return {source, byResource, total, unknown};
	}
	return {source: null, byResource: [], total: 0, unknown: 0};
}

export function deriveSizeEstimates(metrics: MetricFamilies): SizeEstimates {
	const family = nonEmpty(metrics, 'apiserver_resource_size_estimate_bytes');
	if (family === undefined) {
		return {
			source: null,
			note: 'apiserver_resource_size_estimate_bytes absent (Kubernetes 1.34+ with SizeBasedListCostEstimate only)',
			byResource: [],
		};
	}
	const byResource: SizeEstimate[] = [...perResourceGauge(family, false).values()].map((row) => ({
		group: row.group,
		resource: row.resource,
		bytes: row.value,
	}));
	byResource.sort((a, b) => compareNullableDesc(a.bytes, b.bytes) || compareNames(a, b));
	return {source: 'apiserver_resource_size_estimate_bytes', note: '', byResource};
}

export function deriveEtcdSize(metrics: MetricFamilies): EtcdSize {
	const candidates: Array<[EtcdSizeSource, string]> = [
		['apiserver_storage_size_bytes', 'storage_cluster_id'],
		['apiserver_storage_db_total_size_in_bytes', 'endpoint'],
		['etcd_db_total_size_in_bytes', 'endpoint'],
	];
	for (const [source, label] of candidates) {
		const family = nonEmpty(metrics, source);
		if (family === undefined) continue;
		const partsById = new Map<string, EtcdSizePart>();
		for (const sample of family.samples) {
			const bytes = knownOrNull(sample.value);
			if (bytes === null) continue;
			const id = labelValue(sample.labels, label);
			const existing = partsById.get(id);
			if (existing === undefined || existing.bytes < bytes) partsById.set(id, {label, id, bytes});
		}
		const parts = [...partsById.values()].sort((a, b) => b.bytes - a.bytes || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
		if (parts.length === 0) return {source, bytes: null, totalBytes: null, parts};
		const totalBytes = parts.reduce((sum, part) => sum + part.bytes, 0);
		return {source, bytes: parts[0]!.bytes, totalBytes, parts};
	}
	return {source: null, bytes: null, totalBytes: null, parts: []};
}

export function deriveOpenWatches(metrics: MetricFamilies): OpenWatches {
	for (const source of ['apiserver_longrunning_requests', 'apiserver_longrunning_gauge'] as const) {
		const family = nonEmpty(metrics, source);
		if (family === undefined) continue;
		const byKey = new Map<string, WatchCount>();
		let total = 0;
		for (const sample of family.samples) {
			if (labelValue(sample.labels, 'verb') !== 'WATCH' || !Number.isFinite(sample.value)) continue;
			const group = labelValue(sample.labels, 'group');
			const resource = labelValue(sample.labels, 'resource');
			const key = groupResourceKey(group, resource);
			const row = byKey.get(key) ?? {group, resource, kind: null, count: 0};
			row.count += sample.value;
			byKey.set(key, row);
			total += sample.value;
		}
		return {source, total, byResource: sortWatches([...byKey.values()])};
	}
	const family = nonEmpty(metrics, 'apiserver_registered_watchers');
	if (family !== undefined) {
		const byKey = new Map<string, WatchCount>();
		let total = 0;
		for (const sample of family.samples) {
			if (!Number.isFinite(sample.value)) continue;
			const group = labelValue(sample.labels, 'group');
			const kind = labelValue(sample.labels, 'kind');
			const key = groupResourceKey(group, kind);
			const row = byKey.get(key) ?? {group, resource: null, kind, count: 0};
			row.count += sample.value;
			byKey.set(key, row);
			total += sample.value;
		}
		return {source: 'apiserver_registered_watchers', total, byResource: sortWatches([...byKey.values()])};
	}
	return {source: null, total: null, byResource: []};
}

function sortWatches(rows: WatchCount[]): WatchCount[] {
	return rows.sort(
		(a, b) => b.count - a.count || compareNames({group: a.group, resource: a.resource ?? a.kind ?? ''}, {group: b.group, resource: b.resource ?? b.kind ?? ''}),
	);
}

export function deriveRequestTotals(metrics: MetricFamilies): RequestTotals {
	const family = nonEmpty(metrics, 'apiserver_request_total');
	if (family === undefined) return {source: null, rows: [], total: 0};
	const byKey = new Map<string, RequestCount>();
	let total = 0;
	for (const sample of family.samples) {
		if (!Number.isFinite(sample.value)) continue;
		const verb = labelValue(sample.labels, 'verb');
		const group = labelValue(sample.labels, 'group');
		const resource = labelValue(sample.labels, 'resource');
		const subresource = labelValue(sample.labels, 'subresource');
		const code = labelValue(sample.labels, 'code');
		const key = [verb, group, resource, subresource, code].join('\u0000');
		const row = byKey.get(key) ?? {key, verb, group, resource, subresource, code, value: 0};
		row.value += sample.value;
		byKey.set(key, row);
		total += sample.value;
	}
	const rows = [...byKey.values()].sort((a, b) => b.value - a.value || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
	return {source: 'apiserver_request_total', rows, total};
}

export function deriveInflight(metrics: MetricFamilies): Inflight {
	const family = nonEmpty(metrics, 'apiserver_current_inflight_requests');
	if (family === undefined) return {source: null, readOnly: null, mutating: null};
	let readOnly: number | null = null;
	let mutating: number | null = null;
	for (const sample of family.samples) {
		const kind = labelValue(sample.labels, 'request_kind');
		if (kind === 'readOnly') readOnly = (readOnly ?? 0) + sample.value;
		else if (kind === 'mutating') mutating = (mutating ?? 0) + sample.value;
	}
	return {source: 'apiserver_current_inflight_requests', readOnly, mutating};
}

function perFlow(metrics: MetricFamilies, candidates: ReadonlyArray<[string, 'seats' | 'requests']>): ApfPerFlow {
	for (const [source, unit] of candidates) {
		const family = nonEmpty(metrics, source);
		if (family === undefined) continue;
		const byKey = new Map<string, ApfRow>();
		let total = 0;
		for (const sample of family.samples) {
			if (!Number.isFinite(sample.value)) continue;
			const flowSchema = labelValue(sample.labels, 'flow_schema');
			const priorityLevel = labelValue(sample.labels, 'priority_level');
			const key = `${flowSchema}\u0000${priorityLevel}`;
			const row = byKey.get(key) ?? {flowSchema, priorityLevel, value: 0};
			row.value += sample.value;
			byKey.set(key, row);
			total += sample.value;
		}
		const rows = [...byKey.values()].sort((a, b) => b.value - a.value || (a.flowSchema < b.flowSchema ? -1 : a.flowSchema > b.flowSchema ? 1 : 0));
		return {source, unit, rows, total};
	}
	return {source: null, unit: null, rows: [], total: null};
}

function perPriorityLevel(metrics: MetricFamilies, candidates: readonly string[]): ApfLimits {
	for (const source of candidates) {
		const family = nonEmpty(metrics, source);
		if (family === undefined) continue;
		const byPriorityLevel = new Map<string, number>();
		for (const sample of family.samples) {
			if (!Number.isFinite(sample.value)) continue;
			const level = labelValue(sample.labels, 'priority_level');
			byPriorityLevel.set(level, (byPriorityLevel.get(level) ?? 0) + sample.value);
		}
		return {source, byPriorityLevel: Object.fromEntries(byPriorityLevel)};
	}
	return {source: null, byPriorityLevel: {}};
}

export function deriveApf(metrics: MetricFamilies): ApfFigures {
	let enabled = false;
	for (const name of metrics.families.keys()) {
		if (name.startsWith('apiserver_flowcontrol_') && (metrics.families.get(name)?.samples.length ?? 0) > 0) {
			enabled = true;
			break;
		}
	}
	const rejectedFamily = nonEmpty(metrics, 'apiserver_flowcontrol_rejected_requests_total');
	const byKey = new Map<string, ApfRejection>();
	const byPriorityLevel = new Map<string, number>();
	let total: number | null = enabled ? 0 : null;
	if (rejectedFamily !== undefined) {
		total = 0;
		for (const sample of rejectedFamily.samples) {
			if (!Number.isFinite(sample.value)) continue;
			const flowSchema = labelValue(sample.labels, 'flow_schema');
			const priorityLevel = labelValue(sample.labels, 'priority_level');
			const reason = labelValue(sample.labels, 'reason');
			const key = [flowSchema, priorityLevel, reason].join('\u0000');
			const row = byKey.get(key) ?? {key, flowSchema, priorityLevel, reason, value: 0};
			row.value += sample.value;
			byKey.set(key, row);
			byPriorityLevel.set(priorityLevel, (byPriorityLevel.get(priorityLevel) ?? 0) + sample.value);
			total += sample.value;
		}
	}
	const rows = [...byKey.values()].sort((a, b) => b.value - a.value || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
	return {
		enabled,
		rejected: {
			source: rejectedFamily === undefined ? null : 'apiserver_flowcontrol_rejected_requests_total',
			rows,
			total,
			byPriorityLevel: Object.fromEntries(byPriorityLevel),
		},
		inQueue: perFlow(metrics, [
			['apiserver_flowcontrol_current_inqueue_seats', 'seats'],
			['apiserver_flowcontrol_current_inqueue_requests', 'requests'],
		]),
		executing: perFlow(metrics, [
			['apiserver_flowcontrol_current_executing_seats', 'seats'],
			['apiserver_flowcontrol_request_concurrency_in_use', 'seats'],
			['apiserver_flowcontrol_current_executing_requests', 'requests'],
		]),
		nominalLimits: perPriorityLevel(metrics, ['apiserver_flowcontrol_nominal_limit_seats', 'apiserver_flowcontrol_request_concurrency_limit']),
		currentLimits: perPriorityLevel(metrics, ['apiserver_flowcontrol_current_limit_seats']),
	};
}

export function deriveKubernetesVersion(metrics: MetricFamilies): string | null {
	const family = nonEmpty(metrics, 'kubernetes_build_info');
	if (family === undefined) return null;
	for (const sample of family.samples) {
		const version = labelValue(sample.labels, 'git_version') || labelValue(sample.labels, 'gitVersion');
		if (version !== '') return version;
	}
	return null;
}

/** Everything kubectl assure reads from one scrape. Missing families give null/empty figures, never errors. */
export function deriveApiServerFigures(metrics: MetricFamilies): ApiServerFigures {
	const kubernetesVersion = deriveKubernetesVersion(metrics);
	return {
		kubernetesVersion,
		versionSource: kubernetesVersion === null ? null : 'kubernetes_build_info',
		objectCounts: deriveObjectCounts(metrics),
		sizeEstimates: deriveSizeEstimates(metrics),
		etcdSize: deriveEtcdSize(metrics),
		watches: deriveOpenWatches(metrics),
		requests: deriveRequestTotals(metrics),
		inflight: deriveInflight(metrics),
		apf: deriveApf(metrics),
	};
}

export type CounterRate<T extends CounterRow> = T & {
	/** Increase between the scrapes. */
	increase: number;
	/** Increase per second. */
	perSecond: number;
	/** True when the counter went down (API server restarted): the increase counts from 0. */
	reset: boolean;
};

/**
 * Per-second rates between two scrapes of the same counters, `seconds` apart. A row only
 * in `b` is new (counter vectors omit series that never incremented), so its whole value
 * is the increase; a row whose value went down was reset by a restart, so its new value is
 * the increase; rows only in `a` are gone and left out. Sorted by rate, fastest first.
 */
export function diffCounters<T extends CounterRow>(a: readonly T[], b: readonly T[], seconds: number): Array<CounterRate<T>> {
	if (!(seconds > 0) || !Number.isFinite(seconds)) throw new RangeError(`diffCounters needs a positive interval, got ${seconds}`);
	const before = new Map<string, number>();
	for (const row of a) before.set(row.key, (before.get(row.key) ?? 0) + row.value);
	const out: Array<CounterRate<T>> = [];
	for (const row of b) {
		const previous = before.get(row.key) ?? 0;
		const reset = row.value < previous;
		const increase = reset ? row.value : row.value - previous;
		out.push({...row, increase, perSecond: increase / seconds, reset});
	}
	return out.sort((x, y) => y.perSecond - x.perSecond || (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
}
