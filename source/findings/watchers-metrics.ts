/**
 * Pane 2 without an audit log: what /metrics can say — open watches per resource, request
 * rates per resource and verb (from two scrapes; after one, the rates are unknown and
 * shown as such, with the totals since the server started in the header), APF rejections
 * per flow schema and priority level — clearly labelled "no per-client data", with how to
 * get the audit log on AKS, EKS, GKE and kubeadm clusters.
 */
import {diffCounters} from '../kube/apiserver-metrics.js';
import type {ClusterState} from '../model/state.js';
import {formatCount} from '../text/format.js';
import {type Column, type Finding, findingId, type PaneView, type Row} from '../model/finding.js';

export const AUDIT_HOWTO: readonly string[] = [
	'no per-client data: pass --audit-log (a file, a directory of rotated files, or - for stdin).',
	'  AKS: diagnostic setting "kube-audit-admin" to a storage account or Log Analytics, then export;',
	'  EKS: enable control-plane logging "audit" (CloudWatch /aws/eks/<cluster>/cluster), export or pipe it;',
	'  GKE: Cloud Logging, resource k8s_cluster, log cloudaudit.googleapis.com%2Fdata_access;',
	'  kubeadm: --audit-log-path and --audit-policy-file on kube-apiserver (/var/log/kubernetes/audit).',
];

const COLUMNS: Column[] = [
	{key: 'resource', title: 'RESOURCE', width: 30, minWidth: 14, priority: 10},
	{key: 'watches', title: 'WATCHES', width: 8, priority: 9, numeric: true, align: 'right'},
	{key: 'lists', title: 'LIST/MIN', width: 9, priority: 8, numeric: true, align: 'right'},
	{key: 'gets', title: 'GET/MIN', width: 8, priority: 5, numeric: true, align: 'right'},
	{key: 'writes', title: 'WRITE/MIN', width: 10, priority: 6, numeric: true, align: 'right'},
	{key: 'errors', title: '429+5XX/MIN', width: 11, priority: 7, numeric: true, align: 'right'},
];

function rate(n: number): string {
	return n < 10 ? n.toFixed(1) : formatCount(Math.round(n));
}

/** A rate not known yet (one /metrics read so far): not 0. */
const UNKNOWN = '–';

export function analyzeWatchersFromMetrics(state: ClusterState): PaneView {
	const header = [...AUDIT_HOWTO];
	const findings: Finding[] = [];
	const metrics = state.metrics;
	if (!metrics) {
		return {
			pane: 'watchers',
			title: 'API clients',
			header,
			columns: COLUMNS,
			rows: [],
			findings,
			unavailable: state.metricsUnavailable ?? 'waiting for /metrics',
		};
	}
	type Entry = {resource: string; watches: number; lists: number; gets: number; writes: number; errors: number};
	const byResource = new Map<string, Entry>();
	const entry = (group: string, resource: string): Entry => {
		const key = group ? `${resource}.${group}` : resource;
		let e = byResource.get(key);
		if (!e) {
			e = {resource: key, watches: 0, lists: 0, gets: 0, writes: 0, errors: 0};
			byResource.set(key, e);
		}
		return e;
	};
	for (const w of metrics.watches.byResource) entry(w.group, w.resource ?? (w.kind ?? '?').toLowerCase()).watches += w.count;
	const previous = state.metricsPrevious;
	const watchSource = metrics.watches.source ?? `none in /metrics (no apiserver_longrunning_requests series)`;
	const rated = previous !== undefined && state.metricsTime !== undefined && state.metricsTime > previous.time;
	if (rated) {
		const seconds = (state.metricsTime! - previous.time) / 1000;
		for (const row of diffCounters(previous.figures.requests.rows, metrics.requests.rows, seconds)) {
			if (!row.resource) continue;
			const perMinute = row.perSecond * 60;
			const e = entry(row.group, row.resource);
			if (row.verb === 'LIST') e.lists += perMinute;
			else if (row.verb === 'GET') e.gets += perMinute;
			else if (row.verb !== 'WATCH' && row.verb !== 'CONNECT') e.writes += perMinute;
			if (row.code === '429' || row.code.startsWith('5')) e.errors += perMinute;
		}
		header.push(`request rates over the last ${Math.round(seconds)} s, from apiserver_request_total; open watches from ${watchSource}`);
	} else {
		header.push(`open watches from ${watchSource}; request rates after the next /metrics read`);
		// One reading: the counters since the server started are all there is to say about requests.
		const requests = metrics.requests;
		if (requests.source !== null && requests.total > 0) {
			let throttled = 0;
			let failed = 0;
			for (const row of requests.rows) {
				if (row.code === '429') throttled += row.value;
				else if (row.code.startsWith('5')) failed += row.value;
			}
			header.push(
				`since the API server started: ${formatCount(requests.total)} requests, ${formatCount(throttled)} answered 429, ${formatCount(failed)} 5xx (apiserver_request_total)`,
			);
		}
	}
	const rejected = metrics.apf.rejected;
	if (rejected.total !== null && rejected.rows.length > 0) {
		const recent = previous
			? diffCounters(previous.figures.apf.rejected.rows, rejected.rows, Math.max(1, ((state.metricsTime ?? 0) - previous.time) / 1000))
			: [];
		for (const row of rejected.rows) {
			const perMinute = (recent.find((r) => r.key === row.key)?.perSecond ?? 0) * 60;
			const subject = {kind: 'FlowSchema', name: row.flowSchema};
			findings.push({
				id: findingId('apf-rejections', subject),
				pane: 'watchers',
				type: 'apf-rejections',
				severity: perMinute > 0 ? 'warning' : 'info',
				subject,
				summary: `APF rejected ${formatCount(row.value)} requests classified by flow schema ${row.flowSchema} (priority level ${row.priorityLevel}, ${row.reason})${perMinute > 0 ? `, ${rate(perMinute)}/min now` : ''}`,
				evidence: {rejectedTotal: row.value, perMinute: Math.round(perMinute * 10) / 10, priorityLevel: row.priorityLevel, reason: row.reason},
				remedies: [],
				detail: [
					'/metrics cannot say which client was throttled: the audit log can (--audit-log). Rejected clients retry; a client that does not honour Retry-After makes it worse.',
				],
			});
		}
		header.push(
			`APF rejections since the API server started: ${formatCount(rejected.total)} (${Object.entries(rejected.byPriorityLevel)
				.map(([level, n]) => `${level} ${formatCount(n)}`)
				.join(', ')})`,
		);
	}
	const rows: Row[] = [...byResource.values()]
		.filter((e) => e.watches > 0 || e.lists + e.gets + e.writes > 0)
		.sort((a, b) => b.watches - a.watches || b.lists - a.lists)
		.map((e) => ({
			id: e.resource,
			cells: {
				resource: e.resource,
				watches: e.watches,
				lists: rated ? rate(e.lists) : UNKNOWN,
				gets: rated ? rate(e.gets) : UNKNOWN,
				writes: rated ? rate(e.writes) : UNKNOWN,
				errors: rated ? rate(e.errors) : UNKNOWN,
			},
			sort: {watches: e.watches, lists: e.lists, gets: e.gets, writes: e.writes, errors: e.errors},
			findingIds: [],
		}));
	return {
		pane: 'watchers',
		title: 'API clients (from /metrics)',
		header,
		columns: COLUMNS,
		rows,
		findings,
		notes: ['Per-client measures (who opens the watches, who lists badly) need the audit log.'],
	};
}
