/**
 * Pane 1, "what fills etcd": one row per stored resource (count, share, bytes, growth,
 * flags) under an etcd size bar, and the findings behind the growth — retention offenders
 * (finished Jobs without a TTL, finished pods, Released/Failed volumes, Pending and unused
 * claims, Deployments keeping many old ReplicaSets), event storms, oversized kinds and
 * objects, busy namespaces without an object-count quota, kinds over 10,000 objects or
 * growing fast, and the etcd database near its quota. Pure: state in, PaneView out. This
 * file runs the groups (one module each in source/findings/etcd/) and builds the table.
 *
 * Thresholds and their reasons (each finding's evidence repeats the rule it used):
 * - etcd db: warning from 50% of the quota, critical from 80% (at 100% etcd raises its
 *   NOSPACE alarm and the cluster stops accepting writes). Quota: the given one, else the
 *   2 GiB default of --quota-backend-bytes (8 GiB is the suggested maximum).
 * - a kind over 10,000 objects (AKS guidance: more objects of one type than that can hurt).
 * - a kind growing fast: watched for at least 10 minutes, at least 10 objects/h by both the
 *   since-start and the recent estimate, and one of: +25% of its count per hour, crossing
 *   10,000 within a day, or adding 5% of the etcd quota per day. Events are left out (their
 *   1 h TTL caps them; event-storm covers the rate).
 * - Deployments keeping 10+ old (zero-replica) ReplicaSets with revisionHistoryLimit unset,
 *   at the default 10 (the server fills in 10 when unset) or above: info at 10, warning above.
 * - finished Jobs without ttlSecondsAfterFinished: 10 or more in one group; critical from 1,000.
 * - finished pods older than an hour: info below 10, warning from 10, critical from 1,000.
 * - event storm: 60+ events/min from one source over the last 5 minutes; critical when
 *   the 1 h event TTL lets it hold 10,000+ events in etcd (about 167/min).
 * - oversized kind: average object 100 KiB or more. Oversized object: within 25% of the
 *   1.5 MiB etcd request limit; critical within 10%.
 * - namespace without an object-count quota: 100+ objects counted; warning from 1,000 or
 *   when the namespace also piles up Jobs, pods or ReplicaSets.
 */
import {SEVERITY_RANK, type Column, type PaneView, type Row} from '../model/finding.js';
import type {ClusterState} from '../model/state.js';
import {formatBytes, formatCount, formatPercent} from '../text/format.js';
import {type Context, maxSeverity} from './etcd/context.js';
import {eventStormFindings} from './etcd/events.js';
import {jobFindings} from './etcd/jobs.js';
import {growthText, kindFigures, kindFindings, oversizedFindings} from './etcd/kinds.js';
import {namespaceQuotaFindings} from './etcd/namespaces.js';
import {finishedPodFindings} from './etcd/pods.js';
import {replicaSetFindings} from './etcd/replicasets.js';
import {etcdFigure, type EtcdSizeOptions} from './etcd/size.js';
import {claimFindings, volumeFindings} from './etcd/volumes.js';

export interface EtcdPaneOptions extends EtcdSizeOptions {
	/** Limit namespaced findings to one namespace (default: the state's scope). */
	namespace?: string;
}

const TYPE_ORDER = [
	'etcd-size',
	'kind-over-10k',
	'kind-growing-fast',
	'event-storm',
	'oversized-object',
	'oversized-kind',
	'job-without-ttl',
	'finished-pods',
	'replicaset-history',
	'namespace-without-object-quota',
	'released-volume',
	'pending-claim',
	'unused-claim',
];

const COLUMNS: readonly Column[] = [
	{key: 'resource', title: 'RESOURCE', align: 'left', width: 32, minWidth: 14, priority: 10},
	{key: 'count', title: 'COUNT', align: 'right', width: 7, priority: 9, numeric: true},
	{key: 'share', title: 'SHARE', align: 'right', width: 6, priority: 4, numeric: true},
	{key: 'bytes', title: 'BYTES', align: 'right', width: 9, priority: 8, numeric: true},
	{key: 'growth', title: 'GROWTH/H', align: 'right', width: 9, priority: 6, numeric: true},
	{key: 'flag', title: 'FLAG', align: 'left', width: 18, minWidth: 6, priority: 7},
];

/** The etcd pane: the size bar, one row per resource, and the findings. */
export function analyzeEtcd(state: ClusterState, options: EtcdPaneOptions = {}): PaneView {
	const scope = options.namespace ?? state.namespace;
	const ctx: Context = {
		state,
		scope,
		inScope: (namespace) => scope === undefined || namespace === scope,
		findings: [],
		links: new Map(),
		notes: [],
	};
	const kinds = kindFigures(state);
	const kindsById = new Map(kinds.map((k) => [k.id, k]));
	const etcd = etcdFigure(state, options);
	if (etcd.finding) ctx.findings.push(etcd.finding);

	kindFindings(ctx, kinds, etcd);
	eventStormFindings(ctx);
	oversizedFindings(ctx, kinds);
	const pilingJobs = jobFindings(ctx, kindsById);
	const pilingPods = finishedPodFindings(ctx);
	const pilingReplicaSets = replicaSetFindings(ctx, kindsById);
	namespaceQuotaFindings(ctx, new Set([...pilingJobs, ...pilingPods, ...pilingReplicaSets]));
	volumeFindings(ctx);
	claimFindings(ctx);

	const rank = (type: string) => {
		const i = TYPE_ORDER.indexOf(type);
		return i < 0 ? TYPE_ORDER.length : i;
	};
	const findings = ctx.findings.sort(
		(a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || rank(a.type) - rank(b.type) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
	);
	const severityById = new Map(findings.map((f) => [f.id, f.severity]));

	const total = kinds.reduce((sum, k) => sum + (k.count ?? 0), 0);
	const rows: Row[] = kinds.map((k) => {
		const findingIds = ctx.links.get(k.id) ?? [];
		const flags: string[] = [];
		for (const id of findingIds) {
			if (id.startsWith('kind-over-10k/')) flags.push('>10k');
			else if (id.startsWith('kind-growing-fast/')) flags.push('fast growth');
			else if (id.startsWith('oversized-kind/')) flags.push('large objects');
		}
		const growth = k.recentPerHour ?? k.sinceStartPerHour;
		const row: Row = {
			id: k.id,
			cells: {
				resource: k.name,
				count: k.count === undefined ? '?' : formatCount(k.count),
				share: k.count === undefined || total === 0 ? '-' : formatPercent(k.count / total),
				bytes: k.bytesSource === 'n/a' ? 'n/a' : k.bytes === undefined ? '?' : `${k.estimated ? '~' : ''}${formatBytes(k.bytes)}`,
				growth: growthText(growth),
				flag: [...new Set(flags)].join(', '),
			},
			sort: {
				resource: k.name,
				count: k.count ?? -1,
				share: k.count === undefined || total === 0 ? -1 : k.count / total,
				bytes: k.bytes ?? -1,
				growth: growth ?? 0,
				flag: flags.length,
			},
			severity: maxSeverity(findingIds.flatMap((id) => severityById.get(id) ?? [])),
			findingIds: [...new Set(findingIds)],
		};
		if (k.history.length > 1) row.spark = k.history.map((p) => p.count);
		return row;
	});

	const header: string[] = [etcd.line, ...etcd.extra];
	if (kinds.length > 0) {
		const countSources = [...new Set(kinds.map((k) => k.countSource))].join(', ');
		const sampled = kinds.some((k) => k.estimated);
		const metricSizes = state.metrics?.sizeEstimates.source;
		const bytesFrom = metricSizes
			? `${metricSizes}${sampled ? '; ~ = sampled sizes x count' : ''}`
			: sampled
				? '~ = sampled object sizes x count'
				: 'unknown (no size metric, no sampled sizes)';
		header.push(`${formatCount(total)} objects in ${kinds.length} resources  counts: ${countSources}  bytes: ${bytesFrom}`);
	}

	const notes = [...ctx.notes];
	if (scope !== undefined) notes.push(`object counts are cluster-wide; findings are limited to namespace ${scope}`);
	if (state.metrics && state.metrics.sizeEstimates.source === null)
		notes.push(`bytes: ${state.metrics.sizeEstimates.note}; sampled object sizes are used where known`);
	if (kinds.some((k) => k.bytesSource === 'n/a')) notes.push('secrets: sizes are not sampled (their data is never read): n/a');

	const view: PaneView = {
		pane: 'etcd',
		title: 'etcd: what fills it',
		header,
		columns: COLUMNS,
		rows,
		findings,
		notes,
	};
	if (rows.length === 0 && findings.length === 0 && state.counts.size === 0 && state.metrics === undefined) {
		view.unavailable = `no object counts yet: ${state.metricsUnavailable ? `/metrics not readable (${state.metricsUnavailable})` : 'waiting for the first count'}`;
	}
	return view;
}
