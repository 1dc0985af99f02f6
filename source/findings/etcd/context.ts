/**
 * What the etcd pane's finding groups share: the analysis context (the state, the
 * namespace scope, the findings so far and which table row each belongs to), the row ids
 * of the resources they link to, the thresholds more than one group uses, and small
 * helpers for their words and object lists.
 */
import {SEVERITY_RANK, type Finding, type Severity} from '../../model/finding.js';
import type {ObjectRef} from '../../model/slim.js';
import type {ClusterState} from '../../model/state.js';
import {formatCount} from '../../text/format.js';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const KIB = 1024;
export const MIB = 1024 * KIB;
export const GIB = 1024 * MIB;

export const KIND_COUNT_GUIDANCE = 10_000;
export const JOB_PILE_MIN = 10;
export const PILE_CRITICAL = 1000;
/** Longest `objects` list on a finding. */
export const MAX_OBJECTS = 25;

/** Row id of a resource: "group/resource" ("/pods" for the core group). */
export function resourceRowId(group: string, resource: string): string {
	return `${group}/${resource}`;
}

/** kubectl's spelling: "pods", "jobs.batch", "datasets.ml.example.com". */
export function qualifiedResource(group: string, resource: string): string {
	return group ? `${resource}.${group}` : resource;
}

export const ROW_JOBS = resourceRowId('batch', 'jobs');
export const ROW_PODS = resourceRowId('', 'pods');
export const ROW_PVS = resourceRowId('', 'persistentvolumes');
export const ROW_PVCS = resourceRowId('', 'persistentvolumeclaims');
export const ROW_REPLICASETS = resourceRowId('apps', 'replicasets');
export const ROW_EVENTS = [resourceRowId('', 'events'), resourceRowId('events.k8s.io', 'events')];
export const ROW_NAMESPACES = resourceRowId('', 'namespaces');

export interface Context {
	state: ClusterState;
	scope?: string;
	inScope: (namespace: string) => boolean;
	findings: Finding[];
	/** Row id → finding ids. */
	links: Map<string, string[]>;
	notes: string[];
}

function link(ctx: Context, rowId: string, finding: Finding): void {
	const ids = ctx.links.get(rowId) ?? [];
	ids.push(finding.id);
	ctx.links.set(rowId, ids);
}

export function add(ctx: Context, finding: Finding, rows: readonly string[]): void {
	ctx.findings.push(finding);
	for (const row of rows) link(ctx, row, finding);
}

export function maxSeverity(severities: Iterable<Severity>): Severity | undefined {
	let best: Severity | undefined;
	for (const s of severities) if (best === undefined || SEVERITY_RANK[s] > SEVERITY_RANK[best]) best = s;
	return best;
}

export function bounded(refs: readonly ObjectRef[]): {objects: ObjectRef[]; objectsTotal: number} {
	return {objects: refs.slice(0, MAX_OBJECTS), objectsTotal: refs.length};
}

export function plural(n: number, word: string, many = `${word}s`): string {
	return `${formatCount(n)} ${n === 1 ? word : many}`;
}

export function finishedAt(item: {finished?: number; created: number}): number {
	return item.finished ?? item.created;
}
