/**
 * What each pane read and what it could not: the inputs of every pane's analyzer, each
 * required (without it the pane has no data, and its silence means nothing) or optional
 * (the pane is only less complete), and how each fared in this session. Report mode prints
 * it, warns on stderr and exits 4 when a pane asked for has no data; the views carry it
 * for the UI.
 */
import type {InputStatus, Pane, PaneCoverage, PaneInput} from '../model/finding.js';
import type {HeaderInfo} from './header.js';
import type {InputReading, SessionInputs} from '../kube/session-inputs.js';

type Need = 'required' | 'optional';

/** An input: a kind the session reflects, or one of these. */
export const OBJECT_COUNTS = 'object counts';
export const METRICS = '/metrics';
export const AUDIT_LOG = 'audit log';
export const POD_METRICS = 'pod metrics';

/**
 * Each pane's inputs, from what its analyzer in source/findings/ reads (the kinds are
 * source/kube/session-kinds.ts PANE_KINDS):
 *
 * - etcd (etcd.ts analyzeEtcd): its rows are the object counts per resource, from /metrics
 *   (apiserver_storage_objects) or, where /metrics is not readable, one LIST limit=1 per
 *   resource — without counts it has nothing ("no object counts yet"). /metrics adds the etcd
 *   size bar and the server's size estimates. The kinds feed the retention-offender findings
 *   (Jobs without a TTL, finished pods, Released volumes, unused claims, ReplicaSet history,
 *   namespaces without a quota, event storms): each one missing loses its findings only.
 * - watchers with --audit-log (watchers.ts analyzeWatchers): the audit log is everything;
 *   /metrics is not read. The kinds only name the workload behind a service account and
 *   the FlowSchemas a throttle-client remedy meets.
 * - watchers without it (watchers-metrics.ts): /metrics is the table (open watches, request
 *   rates, APF rejections); the audit log it lacks is what would name clients.
 * - autoscaling (autoscaling.ts analyzeAutoscaling): HPAs are the pane (KEDA ScaledObjects
 *   act through the HPA they own); node groups from nodes are extra rows, but without HPAs
 *   the question the pane answers — which autoscalers flap — has no answer. The targets
 *   (Deployments, StatefulSets) give the replica history and the fight detection; events
 *   the backfilled rescales; quotas, PriorityClasses, pods and the cluster-autoscaler
 *   status ConfigMap add findings about unbounded namespaces and node groups.
 * - qos (qos.ts analyzeQos): pods are the pane. Workload kinds name the owner of each pod,
 *   nodes its pool, PriorityClasses the PRIORITY column, pod metrics (metrics.k8s.io) the
 *   usage the suggested values start from.
 */
export const PANE_INPUTS: Record<Pane, ReadonlyArray<{input: string; need: Need}>> = {
	etcd: [
		{input: OBJECT_COUNTS, need: 'required'},
		{input: METRICS, need: 'optional'},
		...['jobs', 'cronjobs', 'pods', 'volumes', 'claims', 'deployments', 'replicasets', 'quotas', 'namespaces', 'events'].map((input) => ({
			input,
			need: 'optional' as const,
		})),
	],
	// The watchers pane's first two entries depend on --audit-log: see inputsOf().
	watchers: [
		{input: AUDIT_LOG, need: 'required'},
		{input: METRICS, need: 'optional'},
		...['flowschemas', 'pods', 'deployments', 'replicasets', 'daemonsets', 'statefulsets'].map((input) => ({input, need: 'optional' as const})),
	],
	autoscaling: [
		{input: 'hpas', need: 'required'},
		...['scaledobjects', 'deployments', 'statefulsets', 'nodes', 'quotas', 'priorityclasses', 'events', 'autoscalerstatus', 'pods'].map((input) => ({
			input,
			need: 'optional' as const,
		})),
	],
	qos: [
		{input: 'pods', need: 'required'},
		...['replicasets', 'deployments', 'statefulsets', 'daemonsets', 'jobs', 'cronjobs', 'nodes', 'priorityclasses'].map((input) => ({
			input,
			need: 'optional' as const,
		})),
		{input: POD_METRICS, need: 'optional'},
	],
};

/** The pane's inputs: with --audit-log the watchers pane reads the log and not /metrics, without it /metrics. */
function inputsOf(pane: Pane, auditGiven: boolean): ReadonlyArray<{input: string; need: Need}> {
	const table = PANE_INPUTS[pane];
	if (pane !== 'watchers') return table;
	const kinds = table.filter((i) => i.input !== AUDIT_LOG && i.input !== METRICS);
	return auditGiven ? [{input: AUDIT_LOG, need: 'required'}, ...kinds] : [{input: METRICS, need: 'required'}, {input: AUDIT_LOG, need: 'optional'}, ...kinds];
}

export interface CoverageSources {
	/** The session's inputs (none: no cluster, an audit log only). */
	session?: SessionInputs;
	/** --audit-log was given: what it held. */
	audit?: HeaderInfo['audit'];
	auditGiven: boolean;
	/** Report mode's sync deadline passed: what is still pending was not synced in time (the words to say so). */
	syncTimedOut?: string;
	/** The TUI: an audit log without events yet is still to come. */
	live?: boolean;
}

function fromReading(reading: InputReading | undefined, timedOut: string | undefined): {status: InputStatus; reason?: string} {
	if (!reading) return {status: 'absent', reason: 'not read by this session'};
	if (reading.status === 'pending') return timedOut ? {status: 'timeout', reason: timedOut} : {status: 'pending', reason: 'not read yet'};
	return {status: reading.status, ...(reading.reason === undefined || reading.status === 'read' ? {} : {reason: reading.reason})};
}

function auditStatus(sources: CoverageSources): {status: InputStatus; reason?: string} {
	if (!sources.auditGiven) return {status: 'not-given', reason: 'per-client data needs --audit-log'};
	const audit = sources.audit;
	if (!audit) return {status: 'pending', reason: 'not read yet'};
	const skipped = Object.entries(audit.skippedBy ?? {})
		.map(([why, n]) => `${why} ${n}`)
		.join(', ');
	if (audit.records === 0) {
		const what = `no audit events${audit.skipped > 0 ? ` (${audit.skipped} line${audit.skipped === 1 ? '' : 's'} skipped${skipped ? `: ${skipped}` : ''})` : ''}`;
		if (sources.live) return {status: 'pending', reason: `${what} yet`};
		return {status: 'failed', reason: `${audit.source} holds ${what}${audit.problems && audit.problems.length > 0 ? `; ${audit.problems[0]}` : ''}`};
	}
	const problems = audit.problems ?? [];
	if (problems.length > 0) return {status: 'partial', reason: `${problems[0]}${problems.length > 1 ? ` (and ${problems.length - 1} more parts)` : ''}`};
	return {status: 'read'};
}

/** How the pane's inputs fared: per input, and whether the pane is complete or has no data at all. */
export function paneCoverage(pane: Pane, sources: CoverageSources): PaneCoverage {
	const inputs: PaneInput[] = [];
	for (const {input, need} of inputsOf(pane, sources.auditGiven)) {
		let result: {status: InputStatus; reason?: string};
		if (input === AUDIT_LOG) result = auditStatus(sources);
		else if (!sources.session) result = {status: 'not-given', reason: 'no cluster: reading an audit log only'};
		else if (input === METRICS) result = fromReading(sources.session.metrics, sources.syncTimedOut);
		else if (input === OBJECT_COUNTS) result = fromReading(sources.session.counts, sources.syncTimedOut);
		else if (input === POD_METRICS) result = fromReading(sources.session.podMetrics, sources.syncTimedOut);
		else result = fromReading(sources.session.kinds.get(input as never), sources.syncTimedOut);
		inputs.push({input, need, status: result.status, ...(result.reason === undefined ? {} : {reason: result.reason})});
	}
	return summarize(inputs);
}

/** Statuses that count as having the input (partial: read, with parts missing). */
const HAVE: ReadonlySet<InputStatus> = new Set(['read', 'partial']);

/**
 * An optional input the cluster does not serve (KEDA's ScaledObjects, metrics.k8s.io) is
 * absent, not missing: there is nothing of it to read; nor is an audit log nobody passed
 * (the pane says how to get one). Anything else not read is missing.
 */
export function missing(input: PaneInput): boolean {
	if (input.status === 'read') return false;
	if (input.need === 'optional' && (input.status === 'absent' || input.status === 'not-given')) return false;
	return true;
}

function summarize(inputs: PaneInput[]): PaneCoverage {
	return {
		complete: !inputs.some(missing),
		noData: inputs.some((i) => i.need === 'required' && !HAVE.has(i.status)),
		inputs,
	};
}

/** A pane left out by --panes: nothing of it was read. */
export function notAskedCoverage(pane: Pane, auditGiven: boolean, flag: string): PaneCoverage {
	return {
		complete: false,
		noData: true,
		inputs: inputsOf(pane, auditGiven).map(({input, need}) => ({input, need, status: 'not-asked' as const, reason: `not asked for (${flag})`})),
	};
}

/** One line about the inputs a pane could not read: "pods (forbidden: …); hpas (not synced …)". */
export function unreadText(inputs: readonly PaneInput[]): string {
	return inputs
		.filter(missing)
		.map((i) => `${i.input} (${i.status}${i.reason ? `: ${i.reason}` : ''})`)
		.join('; ');
}
