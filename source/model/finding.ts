/**
 * A finding is data: what is wrong, about which subject, how bad, the evidence in numbers
 * and short strings, the objects behind it, and the remedies that apply. Each pane's
 * analyzer returns its findings and the table the pane shows. Nothing here touches a
 * terminal or the network; report mode prints the same data. The types are in model/
 * because every layer above it speaks of panes and findings: the sources (which inputs a
 * pane reads), the analyzers, the remedies, the UI and the reports.
 */
import type {ObjectRef} from './slim.js';

export type Pane = 'etcd' | 'watchers' | 'autoscaling' | 'qos';
export const PANES: readonly Pane[] = ['etcd', 'watchers', 'autoscaling', 'qos'];

export type Severity = 'info' | 'warning' | 'critical';
export const SEVERITY_RANK: Record<Severity, number> = {info: 0, warning: 1, critical: 2};

export type Subject = ObjectRef | {client: {userAgent: string; user: string}};

export interface RemedyRef {
	/** Stable id, e.g. "set-job-ttl"; `--apply <finding-id>:<remedy-id>` names it. */
	id: string;
	title: string;
}

export interface Finding {
	/** Stable across refreshes, no ':' or whitespace: "<type>/<namespace or _>/<kind>/<name>". */
	id: string;
	pane: Pane;
	/** e.g. "job-without-ttl". */
	type: string;
	severity: Severity;
	subject: Subject;
	/** One line, no trailing period. */
	summary: string;
	/** Named numbers and short strings. */
	evidence: Readonly<Record<string, number | string>>;
	/** The objects behind the finding (bounded; `objectsTotal` says how many in all). */
	objects?: readonly ObjectRef[];
	objectsTotal?: number;
	remedies: readonly RemedyRef[];
	/** Free-text detail lines for the detail view (what to do when no remedy applies). */
	detail?: readonly string[];
	/**
	 * A series for the detail view's sparkline (e.g. replicas, events per minute), oldest
	 * first; `stepSeconds` apart when the points are evenly spaced, the last one being now.
	 */
	series?: {label: string; values: readonly number[]; stepSeconds?: number; approximateFrom?: number};
}

export interface Column {
	key: string;
	title: string;
	align?: 'left' | 'right';
	/** Preferred and minimum widths in columns. */
	width: number;
	minWidth?: number;
	/** Higher is dropped last when the terminal is narrow (0 = drop first). */
	priority: number;
	/** Numeric columns sort numerically. */
	numeric?: boolean;
	/**
	 * The `spark` column: seconds between two points of `row.spark`. The column draws the
	 * latest points, one cell each, and its title says how long a span that is ("REPLICAS 8M").
	 */
	stepSeconds?: number;
}

export type Cell = string | number | undefined;

export interface Row {
	/** Stable row id. */
	id: string;
	cells: Readonly<Record<string, Cell>>;
	/** Raw values for sorting when a cell's text is formatted ("1.5 GiB"). */
	sort?: Readonly<Record<string, number | string>>;
	severity?: Severity;
	findingIds: readonly string[];
	/** A series drawn as a sparkline in a "spark" column, oldest first (the latest points show). */
	spark?: readonly number[];
}

export interface PaneView {
	pane: Pane;
	title: string;
	/** Lines above the table (the etcd size bar, a summary, "no per-client data: …"). */
	header: readonly string[];
	columns: readonly Column[];
	rows: readonly Row[];
	findings: readonly Finding[];
	/** Why the pane cannot show data (RBAC, no audit log and no /metrics), if it cannot. */
	unavailable?: string;
	/** Measures that are unavailable from the input (e.g. GKE audit logs have no latency). */
	notes?: readonly string[];
	/** What the pane read and what it could not (source/app/coverage.ts); absent before the app knows. */
	coverage?: PaneCoverage;
}

/**
 * How one input of a pane fared: read; partial (read, but parts could not be); forbidden
 * (403, or an access review said no); absent (404, or the API is not served); timeout (not
 * synced within --request-timeout); pending (not read yet); failed (another error);
 * not-given (the audit log without --audit-log, the cluster's inputs without a cluster);
 * not-asked (the pane was left out by --panes).
 */
export type InputStatus = 'read' | 'partial' | 'forbidden' | 'absent' | 'timeout' | 'pending' | 'failed' | 'not-given' | 'not-asked';

export interface PaneInput {
	/** "pods", "hpas", "/metrics", "object counts", "audit log", "pod metrics", … */
	input: string;
	/** Required: without it the pane has no data. Optional: the pane is only less complete. */
	need: 'required' | 'optional';
	status: InputStatus;
	/** Why, when it was not read (the server's or the OS's words, sanitized later). */
	reason?: string;
}

export interface PaneCoverage {
	/** Every input read (or absent because the cluster does not serve that optional API). */
	complete: boolean;
	/** A required input is missing: the pane's silence means nothing. */
	noData: boolean;
	inputs: readonly PaneInput[];
}

/** Characters an id part keeps; ':' and whitespace become '_' (the id is "finding:remedy" on the command line). */
const ID_CHARS = /^[A-Za-z0-9._/@+=,-]*$/;
const ID_PART_MAX = 100;
const ID_PART_KEEP = 60;

/** 32-bit FNV-1a of the UTF-16 units, as 8 hex digits: stable across runs and versions. */
function fnv1a(s: string): string {
	let h = 0x811c9dc5;
	for (let i = 0; i < s.length; i++) {
		h ^= s.charCodeAt(i);
		h = Math.imul(h, 0x01000193) >>> 0;
	}
	return h.toString(16).padStart(8, '0');
}

/**
 * One part of a finding id. Names from a cluster or an audit log are untrusted: an owner
 * reference's kind or a user agent can carry terminal escapes, shell metacharacters or
 * 100,000 characters, and the id is printed (Markdown's `--apply` line) and pasted into a
 * shell. So a part keeps only [A-Za-z0-9._/@+=,-]; anything else becomes '_', a part is cut
 * to 60 characters when longer than 100, and whenever either happened the part ends in '~'
 * and a hash of the original, so two different names never share an id.
 */
export function idPart(s: string): string {
	const clean = s.replace(/[:\s]/g, '_');
	if (clean.length <= ID_PART_MAX && ID_CHARS.test(clean)) return clean;
	const kept = [...clean.slice(0, ID_PART_KEEP * 2)]
		.slice(0, ID_PART_KEEP)
		.map((c) => (ID_CHARS.test(c) ? c : '_'))
		.join('');
	return `${kept}~${fnv1a(s)}`;
}

/** Finding ids: "<type>/<namespace or _>/<kind>/<name>", safe for --apply and for a terminal. */
export function findingId(type: string, ref: ObjectRef): string {
	return `${idPart(type)}/${idPart(ref.namespace || '_')}/${idPart(ref.kind)}/${idPart(ref.name)}`;
}

export function severityAtLeast(severity: Severity, threshold: Severity): boolean {
	return SEVERITY_RANK[severity] >= SEVERITY_RANK[threshold];
}

export function subjectText(subject: Subject): string {
	if ('client' in subject) return `${subject.client.userAgent} (${subject.client.user})`;
	return `${subject.kind}/${subject.namespace ? `${subject.namespace}/` : ''}${subject.name}`;
}
