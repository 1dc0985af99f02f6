/**
 * The etcd pane's rows and the findings about whole kinds: per stored resource its count,
 * bytes (the server's estimate, or sampled sizes × count) and growth; kind-over-10k,
 * kind-growing-fast, oversized-kind and oversized-object.
 */
import {findingId, type Severity} from '../../model/finding.js';
import type {ObjectRef} from '../../model/slim.js';
import type {ClusterState, CountPoint, ResourceCount} from '../../model/state.js';
import {formatAge, formatBytes, formatCount, formatPercent} from '../../text/format.js';
import {add, bounded, type Context, HOUR, KIB, KIND_COUNT_GUIDANCE, MIB, MINUTE, qualifiedResource, resourceRowId} from './context.js';
import type {EtcdFigure} from './size.js';

/** etcd's default --max-request-bytes: a larger object cannot be written. */
export const REQUEST_LIMIT_BYTES = 1.5 * MIB;
export const OVERSIZED_OBJECT_FRACTION = 0.75;
export const OVERSIZED_OBJECT_CRITICAL_FRACTION = 0.9;
export const OVERSIZED_KIND_AVG_BYTES = 100 * KIB;

const GROWTH_MIN_OBSERVED_MS = 10 * MINUTE;
const GROWTH_MIN_PER_HOUR = 10;
const GROWTH_RELATIVE_PER_HOUR = 0.25;
const GROWTH_QUOTA_SHARE_PER_DAY = 0.05;

export function growthText(perHour: number | undefined): string {
	if (perHour === undefined || !Number.isFinite(perHour)) return '-';
	const sign = perHour > 0 ? '+' : perHour < 0 ? '-' : '';
	const magnitude = Math.abs(perHour);
	const digits = magnitude >= 10 || magnitude === 0 ? formatCount(magnitude) : magnitude.toFixed(1);
	return `${sign}${digits}/h`;
}

export interface KindFigures {
	id: string;
	group: string;
	resource: string;
	name: string;
	count?: number;
	countSource: string;
	bytes?: number;
	/** 'metric' (apiserver_resource_size_estimate_bytes), 'reported' (the data layer's figure), 'sampled' (avg × count), 'n/a' (secrets), 'unknown'. */
	bytesSource: 'metric' | 'reported' | 'sampled' | 'n/a' | 'unknown';
	estimated: boolean;
	avgBytes?: number;
	sampledObjects?: number;
	largest: ReadonlyArray<{namespace: string; name: string; bytes: number}>;
	sinceStartPerHour?: number;
	recentPerHour?: number;
	observedMs: number;
	history: readonly CountPoint[];
}

/** Least-squares slope of count over time, per hour. */
function slopePerHour(points: readonly CountPoint[]): number {
	const n = points.length;
	const t0 = points[0]!.time;
	let sx = 0;
	let sy = 0;
	for (const p of points) {
		sx += (p.time - t0) / HOUR;
		sy += p.count;
	}
	const mx = sx / n;
	const my = sy / n;
	let num = 0;
	let den = 0;
	for (const p of points) {
		const dx = (p.time - t0) / HOUR - mx;
		num += dx * (p.count - my);
		den += dx * dx;
	}
	return den > 0 ? num / den : 0;
}

function growthOf(
	rc: ResourceCount | undefined,
	count: number | undefined,
	now: number,
): Pick<KindFigures, 'sinceStartPerHour' | 'recentPerHour' | 'observedMs'> {
	if (rc === undefined || count === undefined) return {observedMs: 0};
	const first = rc.first ?? rc.history[0];
	const observedMs = first ? Math.max(0, now - first.time) : 0;
	const sinceStartPerHour = first && observedMs >= MINUTE ? (count - first.count) / (observedMs / HOUR) : undefined;
	const recent = rc.history.filter((p) => p.time >= now - HOUR && p.time <= now);
	const span = recent.length > 0 ? recent[recent.length - 1]!.time - recent[0]!.time : 0;
	const recentPerHour = recent.length >= 3 && span >= 5 * MINUTE ? slopePerHour(recent) : undefined;
	return {sinceStartPerHour, recentPerHour, observedMs};
}

export function kindFigures(state: ClusterState): KindFigures[] {
	const byId = new Map<string, {group: string; resource: string; rc?: ResourceCount; metricCount?: number | null}>();
	for (const rc of state.counts.values()) byId.set(resourceRowId(rc.group, rc.resource), {group: rc.group, resource: rc.resource, rc});
	const metricCounts = state.metrics?.objectCounts;
	for (const row of metricCounts?.byResource ?? []) {
		const id = resourceRowId(row.group, row.resource);
		const entry = byId.get(id);
		if (entry) entry.metricCount = row.count;
		else byId.set(id, {group: row.group, resource: row.resource, metricCount: row.count});
	}
	const sizeByKey = new Map<string, number>();
	for (const row of state.metrics?.sizeEstimates.byResource ?? []) if (row.bytes !== null) sizeByKey.set(resourceRowId(row.group, row.resource), row.bytes);

	const out: KindFigures[] = [];
	for (const [id, {group, resource, rc, metricCount}] of byId) {
		const count = rc?.count ?? (metricCount === null ? undefined : metricCount);
		const countSource = rc?.count !== undefined ? rc.source : (metricCounts?.source ?? rc?.source ?? 'unknown');
		const isSecret = group === '' && resource === 'secrets';
		let bytes: number | undefined;
		let bytesSource: KindFigures['bytesSource'] = 'unknown';
		let estimated = false;
		const metricBytes = sizeByKey.get(id);
		if (metricBytes !== undefined) {
			bytes = metricBytes;
			bytesSource = 'metric';
		} else if (rc?.bytes !== undefined && (!isSecret || rc.bytesEstimated !== true)) {
			bytes = rc.bytes;
			bytesSource = rc.bytesEstimated ? 'sampled' : 'reported';
			estimated = rc.bytesEstimated === true;
		} else if (isSecret) {
			bytesSource = 'n/a';
		} else if (rc?.sample && rc.sample.objects > 0 && count !== undefined) {
			bytes = rc.sample.avgBytes * count;
			bytesSource = 'sampled';
			estimated = true;
		}
		// The server's figure covers every object; a sample only some.
		const avgBytes = isSecret
			? undefined
			: (bytesSource === 'metric' || bytesSource === 'reported') && bytes !== undefined && count
				? bytes / count
				: rc?.sample && rc.sample.objects > 0
					? rc.sample.avgBytes
					: bytes !== undefined && count
						? bytes / count
						: undefined;
		out.push({
			id,
			group,
			resource,
			name: qualifiedResource(group, resource),
			count,
			countSource,
			bytes,
			bytesSource,
			estimated,
			avgBytes,
			sampledObjects: rc?.sample?.objects,
			largest: isSecret ? [] : (rc?.sample?.largest ?? []),
			...growthOf(rc, count, state.now),
			history: rc?.history ?? [],
		});
	}
	// Heaviest first: bytes where known, then count; unknown bytes after known ones.
	out.sort((a, b) => (b.bytes ?? -1) - (a.bytes ?? -1) || (b.count ?? -1) - (a.count ?? -1) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
	return out;
}

export function kindFindings(ctx: Context, kinds: readonly KindFigures[], etcd: EtcdFigure): void {
	for (const k of kinds) {
		const subject: ObjectRef = {kind: 'Resource', name: k.name};
		const count = k.count;
		if (count !== undefined && count > KIND_COUNT_GUIDANCE) {
			add(
				ctx,
				{
					id: findingId('kind-over-10k', subject),
					pane: 'etcd',
					type: 'kind-over-10k',
					severity: 'warning',
					subject,
					summary: `${formatCount(count)} ${k.name} objects: over the ${formatCount(KIND_COUNT_GUIDANCE)} per kind AKS warns about`,
					evidence: {
						count,
						countFrom: k.countSource,
						bytes: k.bytes !== undefined ? Math.round(k.bytes) : 'unknown',
						severityRule: 'warning above 10,000 objects of one kind (AKS guidance: every LIST of the kind reads them all)',
					},
					remedies: [],
					detail: ['Look at the retention findings for this kind below; clients that LIST it without paging pay for every object.'],
				},
				[k.id],
			);
		}
		if (k.group === '' && k.resource === 'events') continue;
		if (k.group === 'events.k8s.io') continue;
		if (count === undefined || k.observedMs < GROWTH_MIN_OBSERVED_MS) continue;
		const estimates = [k.sinceStartPerHour, k.recentPerHour].filter((v): v is number => v !== undefined);
		if (estimates.length === 0) continue;
		const rate = Math.min(...estimates);
		if (rate < GROWTH_MIN_PER_HOUR) continue;
		const reasons: string[] = [];
		if (rate >= GROWTH_RELATIVE_PER_HOUR * Math.max(1, count)) reasons.push(`+${formatPercent(rate / Math.max(1, count))} of its count per hour`);
		if (count <= KIND_COUNT_GUIDANCE && count + 24 * rate > KIND_COUNT_GUIDANCE) reasons.push(`passes ${formatCount(KIND_COUNT_GUIDANCE)} within a day`);
		const bytesPerHour = k.avgBytes !== undefined ? rate * k.avgBytes : undefined;
		if (bytesPerHour !== undefined && bytesPerHour * 24 >= GROWTH_QUOTA_SHARE_PER_DAY * etcd.quota)
			reasons.push(`adds ${formatBytes(bytesPerHour * 24)}/day, ${formatPercent((bytesPerHour * 24) / etcd.quota)} of the etcd quota`);
		if (reasons.length === 0) continue;
		let severity: Severity = 'warning';
		let severityRule = 'warning: grows fast by the rule above';
		if (etcd.bytes !== undefined && bytesPerHour !== undefined && bytesPerHour > 0 && (etcd.quota - etcd.bytes) / bytesPerHour < 24) {
			severity = 'critical';
			severityRule = 'critical: at this rate it fills the rest of the etcd quota within a day';
		}
		add(
			ctx,
			{
				id: findingId('kind-growing-fast', subject),
				pane: 'etcd',
				type: 'kind-growing-fast',
				severity,
				subject,
				summary: `${k.name} grows by ${growthText(rate)} (${formatCount(count)} now): ${reasons.join('; ')}`,
				evidence: {
					count,
					perHour: Math.round(rate * 10) / 10,
					sinceStartPerHour: k.sinceStartPerHour !== undefined ? Math.round(k.sinceStartPerHour * 10) / 10 : 'unknown',
					recentPerHour: k.recentPerHour !== undefined ? Math.round(k.recentPerHour * 10) / 10 : 'unknown',
					observedFor: formatAge(k.observedMs),
					growthRule:
						'watched 10m+, 10+/h by both the since-start and the last-hour estimate, and +25%/h, or past 10,000 within a day, or 5% of the etcd quota per day',
					severityRule,
				},
				remedies: [],
				series: {label: 'objects (a point at each change of the count)', values: k.history.map((p) => p.count)},
			},
			[k.id],
		);
	}
}

export function oversizedFindings(ctx: Context, kinds: readonly KindFigures[]): void {
	for (const k of kinds) {
		if (k.avgBytes !== undefined && k.avgBytes >= OVERSIZED_KIND_AVG_BYTES && (k.count ?? 0) > 0) {
			const subject: ObjectRef = {kind: 'Resource', name: k.name};
			add(
				ctx,
				{
					id: findingId('oversized-kind', subject),
					pane: 'etcd',
					type: 'oversized-kind',
					severity: 'warning',
					subject,
					summary: `${k.name} objects average ${formatBytes(k.avgBytes)} (${formatCount(k.count ?? 0)} objects${k.bytes !== undefined ? `, ${k.estimated ? '~' : ''}${formatBytes(k.bytes)}` : ''})`,
					evidence: {
						avgBytes: Math.round(k.avgBytes),
						count: k.count ?? 0,
						bytes: k.bytes !== undefined ? Math.round(k.bytes) : 'unknown',
						bytesFrom: k.bytesSource,
						sampledObjects: k.sampledObjects ?? 0,
						severityRule: `warning from an average of ${formatBytes(OVERSIZED_KIND_AVG_BYTES)}: every LIST and every watch event of this kind moves that much (typical objects are a few KiB)`,
					},
					...bounded(k.largest.filter((o) => ctx.inScope(o.namespace)).map((o) => ({kind: k.name, namespace: o.namespace || undefined, name: o.name}))),
					remedies: [],
					detail: [
						'Keep bulk data (lists of files, environment-like fields) out of the object: put it in a ConfigMap per item, object storage, or a reference.',
					],
				},
				[k.id],
			);
		}
		for (const o of k.largest) {
			if (o.bytes < OVERSIZED_OBJECT_FRACTION * REQUEST_LIMIT_BYTES || !ctx.inScope(o.namespace)) continue;
			const fraction = o.bytes / REQUEST_LIMIT_BYTES;
			const subject: ObjectRef = o.namespace ? {kind: k.name, namespace: o.namespace, name: o.name} : {kind: k.name, name: o.name};
			add(
				ctx,
				{
					id: findingId('oversized-object', subject),
					pane: 'etcd',
					type: 'oversized-object',
					severity: fraction >= OVERSIZED_OBJECT_CRITICAL_FRACTION ? 'critical' : 'warning',
					subject,
					summary: `${k.name} ${o.namespace ? `${o.namespace}/` : ''}${o.name} is ${formatBytes(o.bytes)}, ${formatPercent(fraction)} of the 1.5 MiB etcd request limit`,
					evidence: {
						bytes: o.bytes,
						limitBytes: REQUEST_LIMIT_BYTES,
						fraction: Math.round(fraction * 1000) / 1000,
						measuredAs: 'serialized JSON (built-in kinds are stored as smaller protobuf; custom resources as JSON)',
						severityRule: 'warning within 25% of the 1.5 MiB limit, critical within 10%: past it every update fails with "etcdserver: request is too large"',
					},
					objects: [subject],
					objectsTotal: 1,
					remedies: [],
				},
				[k.id],
			);
		}
	}
}
