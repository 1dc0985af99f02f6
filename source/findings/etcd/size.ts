/**
 * etcd-size: the etcd database against its quota, as the bar above the etcd pane's table
 * and a finding from half the quota (/metrics: apiserver_storage_size_bytes and its older
 * names, see source/kube/apiserver-metrics.ts).
 */
import {findingId, type Finding, type Severity} from '../../model/finding.js';
import type {ObjectRef} from '../../model/slim.js';
import type {ClusterState} from '../../model/state.js';
import {formatBytes, formatPercent} from '../../text/format.js';
import {GIB} from './context.js';

export const DEFAULT_ETCD_QUOTA_BYTES = 2 * GIB;
export const SUGGESTED_MAX_ETCD_QUOTA_BYTES = 8 * GIB;
export const ETCD_WARNING_FRACTION = 0.5;
export const ETCD_CRITICAL_FRACTION = 0.8;
/** AKS calls an etcd database over 2 GB large. */
export const AKS_LARGE_ETCD_BYTES = 2e9;

/** What the bar needs to know beyond the state. */
export interface EtcdSizeOptions {
	/** etcd's --quota-backend-bytes, when known. */
	quotaBytes?: number;
	/** Draw the bar with ASCII only. */
	ascii?: boolean;
}

/** A bar `width` cells wide, filled to `fraction` (clamped to [0, 1]). */
export function usageBar(fraction: number, width = 20, ascii = false): string {
	const f = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
	const filled = Math.round(f * width);
	const [full, empty] = ascii ? ['#', '-'] : ['\u2588', '\u2591'];
	return `[${full.repeat(filled)}${empty.repeat(width - filled)}]`;
}

/** "2 GiB" for whole GiB, formatBytes otherwise. */
function sizeText(bytes: number): string {
	if (bytes >= GIB && bytes % GIB === 0) return `${bytes / GIB} GiB`;
	return formatBytes(bytes);
}

export interface EtcdFigure {
	line: string;
	extra: string[];
	finding?: Finding;
	bytes?: number;
	quota: number;
}

export function etcdFigure(state: ClusterState, options: EtcdSizeOptions): EtcdFigure {
	const quotaKnown = options.quotaBytes !== undefined && options.quotaBytes > 0;
	const quota = quotaKnown ? options.quotaBytes! : DEFAULT_ETCD_QUOTA_BYTES;
	const quotaText = quotaKnown
		? `quota ${sizeText(quota)}${quota > SUGGESTED_MAX_ETCD_QUOTA_BYTES ? ' (above the 8 GiB suggested max)' : ''}`
		: `quota ${sizeText(quota)} (default)`;
	const metrics = state.metrics;
	if (metrics === undefined) {
		return {line: `etcd unknown: /metrics not readable${state.metricsUnavailable ? ` (${state.metricsUnavailable})` : ''}`, extra: [], quota};
	}
	const size = metrics.etcdSize;
	if (size.source === null) {
		return {
			line: 'etcd unknown: /metrics has no etcd size (apiserver_storage_size_bytes, apiserver_storage_db_total_size_in_bytes or etcd_db_total_size_in_bytes)',
			extra: [],
			quota,
		};
	}
	if (size.bytes === null) return {line: `etcd unknown: ${size.source} reported no usable value`, extra: [], quota};
	const bytes = size.bytes;
	const fraction = bytes / quota;
	const largest = size.parts[0];
	const metricName = largest ? `${size.source}{${largest.label}="${largest.id}"}` : size.source;
	const line = `etcd ${usageBar(fraction, 20, options.ascii)} ${formatBytes(bytes)} of ${sizeText(quota)} (${formatPercent(fraction)})  ${quotaText}  ${size.source}`;
	const extra: string[] = [];
	if (size.parts.length > 1) {
		const distinct = largest?.label === 'storage_cluster_id';
		extra.push(
			`etcd largest of ${size.parts.length} ${distinct ? 'etcd clusters (each with its own quota)' : 'members (each holds a full copy)'} by ${largest!.label}: ${size.parts.map((p) => `${p.id} ${formatBytes(p.bytes)}`).join(', ')}`,
		);
	}

	let severity: Severity | undefined;
	let severityRule = '';
	if (fraction >= ETCD_CRITICAL_FRACTION) {
		severity = 'critical';
		severityRule = 'critical from 80% of the quota: at 100% etcd raises its NOSPACE alarm and the API server refuses every write';
	} else if (fraction >= ETCD_WARNING_FRACTION) {
		severity = 'warning';
		severityRule = 'warning from 50% of the quota';
	} else if (bytes > AKS_LARGE_ETCD_BYTES) {
		severity = 'info';
		severityRule = 'info above 2 GB: AKS calls an etcd database that size large';
	}
	let finding: Finding | undefined;
	if (severity !== undefined) {
		const subject: ObjectRef = {kind: 'Etcd', name: largest?.id || 'etcd'};
		const detail = [
			'The size counts free pages too: after objects are deleted it only shrinks once etcd is compacted and defragmented (managed control planes do this themselves).',
			'Fix the retention findings of this pane first: they are what keeps growing.',
		];
		if (!quotaKnown && fraction >= 1)
			detail.unshift(
				'The database is past the 2 GiB default quota: either the quota is larger (say so with the quota option) or etcd is in its NOSPACE alarm and refuses writes.',
			);
		finding = {
			id: findingId('etcd-size', subject),
			pane: 'etcd',
			type: 'etcd-size',
			severity,
			subject,
			summary: `etcd database is ${formatBytes(bytes)}, ${formatPercent(fraction)} of its ${quotaKnown ? '' : 'assumed '}${sizeText(quota)} quota`,
			evidence: {
				bytes,
				quotaBytes: quota,
				quota: quotaKnown ? 'given' : 'default (2 GiB)',
				fraction: Math.round(fraction * 1000) / 1000,
				metric: metricName,
				parts: size.parts.length,
				severityRule,
			},
			remedies: [],
			detail,
		};
	}
	return {line, extra, finding, bytes, quota};
}
