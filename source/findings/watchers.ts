/**
 * Pane 2 from the audit log: which clients hammer the API server, and why, in words. Each
 * client (user agent product + user) gets a heaviness score from what it costs the server
 * per minute — LIST cost by kind of LIST (an unpaged, cluster-wide consistent read is the
 * most expensive thing a client can ask for), watch openings (re-watch storms), watches held,
 * throttling and errors — multiplied across the nodes a DaemonSet calls from. Known-normal
 * callers (kubelets, probes, the control plane) are labelled, not hidden, and not flagged.
 * Where the client is a workload in the cluster, the detail names it and the fix.
 */
import type {AuditSnapshot, ClientStats, WindowName, WindowStats} from '../audit/snapshot.js';
import type {ClusterState} from '../model/state.js';
import {serviceAccountOf} from '../model/users.js';
import {owningWorkload} from '../model/workloads.js';
import {formatCount} from '../text/format.js';
import {type Column, type Finding, idPart, type PaneView, type Row, type Severity} from '../model/finding.js';

export const WATCHER_COLUMNS: Column[] = [
	{key: 'client', title: 'CLIENT', width: 26, minWidth: 12, priority: 10},
	{key: 'user', title: 'USER', width: 28, minWidth: 10, priority: 4},
	{key: 'score', title: 'SCORE', width: 6, priority: 9, numeric: true, align: 'right'},
	{key: 'req', title: 'REQ/MIN', width: 8, priority: 7, numeric: true, align: 'right'},
	{key: 'lists', title: 'LIST/MIN', width: 9, priority: 8, numeric: true, align: 'right'},
	{key: 'watches', title: 'WATCH', width: 6, priority: 6, numeric: true, align: 'right'},
	{key: 'throttled', title: '429', width: 5, priority: 6, numeric: true, align: 'right'},
	{key: 'fanout', title: 'NODES', width: 6, priority: 5, numeric: true, align: 'right'},
	{key: 'p99', title: 'P99', width: 7, priority: 3, numeric: true, align: 'right'},
	{key: 'why', title: 'WHY', width: 40, minWidth: 16, priority: 7},
	{key: 'spark', title: 'REQ/MIN', width: 16, minWidth: 8, priority: 1, stepSeconds: 60},
];

/** Cost units per minute (an APF seat-ish scale): see the comments at each weight. */
const WEIGHTS = {
	// A cluster-wide LIST with no limit and no resourceVersion reads every object from etcd
	// (before 1.31) and serializes them all at once: APF charges up to 10 seats for it.
	fullRead: 10,
	// resourceVersion=0 with a limit: the watch cache ignores the limit and returns everything.
	rv0WithLimit: 6,
	// Any other cluster-wide LIST: paged, but still every object.
	clusterList: 3,
	// A namespaced or paged LIST.
	list: 1,
	// Opening a watch costs a seat while it initialises (and replays); a storm of them hurts.
	watchOpened: 1,
	// 429s mean APF already rejects this client; each retry costs admission work.
	throttled: 0.5,
	// Holding a watch costs memory and fan-out on every change.
	watchHeld: 0.05,
	other: 0.1,
};

export const HEAVY_WARNING = 20;
export const HEAVY_CRITICAL = 100;

function rate(n: number): string {
	return n >= 10 ? formatCount(Math.round(n)) : n.toFixed(1);
}

function ms(n: number): string {
	if (!Number.isFinite(n)) return '–';
	return n >= 1000 ? `${(n / 1000).toFixed(1)}s` : `${Math.round(n)}ms`;
}

export interface ClientAssessment {
	client: ClientStats;
	window: WindowStats;
	score: number;
	reasons: string[];
	label: string;
}

/** The heaviness score of one client in one window, and the reasons in words. */
export function assessClient(client: ClientStats, windowName: WindowName): ClientAssessment {
	const w = client.windows[windowName];
	const per = (n: number) => (w.minutes > 0 ? n / w.minutes : 0);
	const fullRead = per(w.listFullRead);
	const rv0 = per(w.listRv0WithLimit);
	const clusterLists = Math.max(0, per(w.listClusterWide) - fullRead - rv0);
	const otherLists = Math.max(0, w.listsPerMin - fullRead - rv0 - clusterLists);
	const score =
		fullRead * WEIGHTS.fullRead +
		rv0 * WEIGHTS.rv0WithLimit +
		clusterLists * WEIGHTS.clusterList +
		otherLists * WEIGHTS.list +
		w.watchesOpenedPerMin * WEIGHTS.watchOpened +
		w.throttledPerMin * WEIGHTS.throttled +
		client.watchesOpen * WEIGHTS.watchHeld +
		Math.max(0, w.requestsPerMin - w.listsPerMin - w.watchesOpenedPerMin) * WEIGHTS.other;
	const reasons: string[] = [];
	const every = (perMinute: number) => (perMinute >= 1 ? `every ${Math.max(1, Math.round(60 / perMinute))} s` : `${rate(perMinute)}/min`);
	const listLatency = w.listLatency.count > 0 ? `, p99 ${ms(w.listLatency.p99Ms)}` : '';
	if (fullRead > 0) reasons.push(`unpaged cluster-wide consistent LIST ${every(fullRead)}${listLatency}`);
	if (rv0 > 0) reasons.push(`LIST with resourceVersion=0 and a limit (the limit is ignored) ${every(rv0)}`);
	if (w.throttled > 0) reasons.push(`${formatCount(w.throttled)} × 429`);
	const nodes = client.fanOutBy === 'nodes' ? client.nodes : client.sourceIPs;
	const clusterWatches = client.watchesOpenByScope.cluster;
	if (nodes >= 3 && client.watchesOpen >= nodes) {
		reasons.push(
			`holds ${(client.watchesOpen / nodes).toFixed(1)} watches per ${client.fanOutBy === 'nodes' ? 'node' : 'source IP'} on ${nodes} ${client.fanOutBy === 'nodes' ? 'nodes' : 'IPs'}${clusterWatches > 0 ? ` (${clusterWatches} cluster-wide)` : ''}`,
		);
	} else if (clusterWatches >= 5) reasons.push(`${clusterWatches} cluster-wide watches open`);
	if (w.watchesOpenedPerMin >= 2 && client.watchLifetime.count > 0 && client.watchLifetime.p50Ms < 60_000) {
		reasons.push(`re-watches ${rate(w.watchesOpenedPerMin)}/min (half its watches end within ${ms(client.watchLifetime.p50Ms)})`);
	}
	if (w.errors5xx > 0) reasons.push(`${formatCount(w.errors5xx)} × 5xx`);
	return {client, window: w, score, reasons, label: client.label};
}

/** The workload in the cluster that runs as this service account (most pods first), if the state knows it. */
export function workloadOf(state: ClusterState, user: string): {kind: string; namespace: string; name: string; pods: number; nodes: number} | undefined {
	const sa = serviceAccountOf(user);
	if (!sa) return undefined;
	const byOwner = new Map<string, {kind: string; name: string; pods: number; nodes: Set<string>}>();
	for (const pod of state.pods.values()) {
		if (pod.namespace !== sa.namespace || pod.spec.serviceAccountName !== sa.name || pod.phase === 'Succeeded' || pod.phase === 'Failed') continue;
		const owner = owningWorkload(state, pod);
		const key = `${owner.kind}/${owner.name}`;
		const entry = byOwner.get(key) ?? {kind: owner.kind, name: owner.name, pods: 0, nodes: new Set<string>()};
		entry.pods++;
		if (pod.nodeName) entry.nodes.add(pod.nodeName);
		byOwner.set(key, entry);
	}
	const best = [...byOwner.values()].sort((a, b) => b.pods - a.pods)[0];
	return best ? {kind: best.kind, namespace: sa.namespace, name: best.name, pods: best.pods, nodes: best.nodes.size} : undefined;
}

function fixAdvice(a: ClientAssessment): string[] {
	const w = a.window;
	const advice: string[] = [];
	if (w.listFullRead > 0 || w.listNoLimit > 0)
		advice.push(
			'Page LISTs (limit=500 with continue) or, better, use an informer: one LIST, then a WATCH from its resourceVersion, instead of listing on a timer.',
		);
	if (w.listRv0WithLimit > 0)
		advice.push('resourceVersion=0 is served from the watch cache, which ignores limit: drop the limit, or drop resourceVersion=0 and page.');
	if (a.client.fanOut >= 3 && a.client.watchesOpen >= a.client.fanOut)
		advice.push(
			'A DaemonSet that watches cluster-wide from every node multiplies the cost by the node count: watch only what the node needs (fieldSelector spec.nodeName) or use a cluster-level cache (e.g. a single agent or an aggregating proxy).',
		);
	if (w.watchesOpenedPerMin >= 2)
		advice.push(
			'Watches that end quickly and reopen (a re-watch storm): keep watches open (timeoutSeconds 5–10 min), resume from the last resourceVersion with allowWatchBookmarks, back off on errors.',
		);
	if (w.throttled > 0)
		advice.push(
			'It is being throttled (429): honour Retry-After and back off with jitter; APF can isolate it in its own priority level so it cannot starve others.',
		);
	return advice;
}

export interface WatchersOptions {
	window?: WindowName;
	/** The audit source, for the header. */
	source?: string;
}

/** The watchers pane from an audit snapshot (and the cluster state, for workloads and flow schemas). */
export function analyzeWatchers(snapshot: AuditSnapshot, state: ClusterState, options: WatchersOptions = {}): PaneView {
	const windowName = options.window ?? 'all';
	const header: string[] = [];
	const span = Number.isFinite(snapshot.firstMs) && Number.isFinite(snapshot.lastMs) ? (snapshot.lastMs - snapshot.firstMs) / 60_000 : 0;
	const duplicates = snapshot.skippedByReason.duplicate ?? 0;
	header.push(
		`${formatCount(snapshot.requests)} requests from ${snapshot.clients.length} clients over ${span.toFixed(span < 10 ? 1 : 0)} min${options.source ? ` (${options.source})` : ''}; window ${windowName === 'all' ? 'whole log' : `last ${windowName}`}; ${formatCount(snapshot.watchesOpen)} watches open; ${formatCount(snapshot.skipped)} lines skipped${duplicates > 0 ? ` (${formatCount(duplicates)} duplicates)` : ''}`,
	);
	if (snapshot.outOfOrder > 0)
		header.push(
			`! ${formatCount(snapshot.outOfOrder)} events out of order by more than ${snapshot.orderWindowMinutes} min: watches and repeated events near them may be counted twice`,
		);
	if (snapshot.unavailable.length > 0) header.push(`unavailable from this log format: ${snapshot.unavailable.join('; ')}`);
	const assessed = snapshot.clients.map((client) => assessClient(client, windowName)).sort((a, b) => b.score - a.score);
	const findings: Finding[] = [];
	const rows: Row[] = [];
	for (const a of assessed) {
		const c = a.client;
		const normal = a.label !== '';
		const id = `heavy-client/_/client/${idPart(`${c.product}_${c.user}`)}`;
		let findingIds: string[] = [];
		const severity: Severity | undefined =
			normal || a.reasons.length === 0 ? undefined : a.score >= HEAVY_CRITICAL ? 'critical' : a.score >= HEAVY_WARNING ? 'warning' : undefined;
		if (severity) {
			const workload = workloadOf(state, c.user);
			const detail = [...fixAdvice(a)];
			if (workload)
				detail.unshift(
					`Runs as ${workload.kind} ${workload.namespace}/${workload.name}: ${workload.pods} pod${workload.pods === 1 ? '' : 's'} on ${workload.nodes} node${workload.nodes === 1 ? '' : 's'}.`,
				);
			const sa = serviceAccountOf(c.user);
			const remedies =
				c.user && !c.user.startsWith('system:node:') && c.user !== 'system:admin'
					? [
							{
								id: 'throttle-client',
								title: `Throttle ${sa ? `service account ${sa.namespace}/${sa.name}` : `user ${c.user}`} with API Priority and Fairness (LIST and WATCH)`,
							},
						]
					: [];
			findings.push({
				id,
				pane: 'watchers',
				type: 'heavy-client',
				severity,
				subject: {client: {userAgent: c.userAgents[0] ?? c.product, user: c.user}},
				summary: `${c.product} (${c.user || 'anonymous'}): ${a.reasons.join('; ')}`,
				evidence: {
					score: Math.round(a.score),
					requestsPerMin: Math.round(a.window.requestsPerMin * 10) / 10,
					listsPerMin: Math.round(a.window.listsPerMin * 10) / 10,
					fullReadLists: a.window.listFullRead,
					rv0WithLimitLists: a.window.listRv0WithLimit,
					listsWithoutLimit: a.window.listNoLimit,
					watchesOpen: c.watchesOpen,
					watchesOpenedPerMin: Math.round(a.window.watchesOpenedPerMin * 10) / 10,
					throttled: a.window.throttled,
					errors5xx: a.window.errors5xx,
					listP99: ms(a.window.listLatency.p99Ms),
					fanOut: `${c.fanOut} ${c.fanOutBy}`,
					userAgents: c.userAgents.slice(0, 3).join(', '),
					...(c.sampleNodes.length > 0 ? {nodes: c.sampleNodes.slice(0, 5).join(', ')} : {}),
					...(workload ? {workload: `${workload.kind} ${workload.namespace}/${workload.name}`} : {}),
					window: windowName,
				},
				remedies,
				detail,
				series: {label: 'requests per minute, all verbs (last 30 min)', values: sumSeries(c.series), stepSeconds: 60},
			});
			findingIds = [id];
		}
		rows.push({
			id: c.key,
			cells: {
				client: c.product,
				user: c.user,
				score: Math.round(a.score),
				req: rate(a.window.requestsPerMin),
				lists: rate(a.window.listsPerMin),
				watches: c.watchesOpen,
				throttled: a.window.throttled,
				fanout: c.fanOut,
				p99: ms(a.window.listLatency.count > 0 ? a.window.listLatency.p99Ms : Number.NaN),
				why: normal ? `(${a.label}) ${a.reasons.join('; ')}`.trim() : a.reasons.join('; '),
			},
			sort: {
				score: a.score,
				req: a.window.requestsPerMin,
				lists: a.window.listsPerMin,
				watches: c.watchesOpen,
				throttled: a.window.throttled,
				fanout: c.fanOut,
				p99: a.window.listLatency.p99Ms,
			},
			...(severity ? {severity} : {}),
			findingIds,
			spark: sumSeries(c.series),
		});
	}
	const notes = snapshot.unavailable.length > 0 ? [`This log format cannot tell: ${snapshot.unavailable.join('; ')}`] : [];
	return {pane: 'watchers', title: 'API clients (audit log)', header, columns: WATCHER_COLUMNS, rows, findings, notes};
}

function sumSeries(series: Record<string, number[]>): number[] {
	const out: number[] = [];
	for (const values of Object.values(series))
		values.forEach((v, i) => {
			out[i] = (out[i] ?? 0) + v;
		});
	return out;
}
