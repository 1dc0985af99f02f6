/**
 * Report mode's output: the same panes and findings the TUI shows, as one document —
 * JSON or YAML for scripts and CI, Markdown for pasting into an incident ticket — with
 * what each pane could not read, so that a report never says "clean" on nothing. Strings
 * from the cluster are sanitized and their Markdown syntax escaped in Markdown (it is
 * read on a terminal or rendered); JSON and YAML keep them exactly, with every control,
 * format or bidi character escaped.
 */
import {Document as YamlDocument, visit as visitYaml} from 'yaml';
import type {Views} from '../app/controller.js';
import type {HeaderInfo} from '../app/header.js';
import {missing} from '../app/coverage.js';
import {ReadingClock} from '../audit/order.js';
import {describeEvidence} from '../findings/evidence.js';
import {type Finding, type InputStatus, PANES, type Pane, type PaneView, SEVERITY_RANK, type Severity, severityAtLeast, subjectText} from '../model/finding.js';
import {sanitize} from '../text/sanitize.js';

/** An input a pane could not read (or read only in part), and why. */
export interface UnreadInput {
	input: string;
	need: 'required' | 'optional';
	status: InputStatus;
	reason?: string;
}

export interface ReportPane {
	title: string;
	/** Every input was read (or is an optional API the cluster does not serve). */
	complete: boolean;
	/** An input the pane cannot do without was not read: its empty tables mean nothing. */
	noData: boolean;
	unread: UnreadInput[];
	header: readonly string[];
	columns: Array<{key: string; title: string}>;
	rows: Array<{id: string; severity?: Severity; cells: Record<string, string | number | null>; findingIds: readonly string[]}>;
	unavailable?: string;
	notes?: readonly string[];
}

export interface Report {
	context: string;
	server: {version: string | null};
	generatedAt: string;
	namespace: string | null;
	observedSeconds: number;
	/** Findings by severity; the panes that lack an input (incomplete) and those that have no data at all. */
	summary: {critical: number; warning: number; info: number; incomplete: Pane[]; noData: Pane[]};
	/** With --audit-log: what was read, what was skipped (by reason) and what could not be read. */
	audit?: {source: string; events: number; skipped: number; skippedBy: Record<string, number>; outOfOrder: number; problems: readonly string[]};
	/** The panes asked for (--panes; all by default). */
	panes: Partial<Record<Pane, ReportPane>>;
	findings: Finding[];
}

function pane(view: PaneView): ReportPane {
	// A view without coverage comes from code that did not compute it (not the controller): nothing is claimed missing.
	const inputs = view.coverage?.inputs ?? [];
	return {
		title: view.title,
		complete: view.coverage?.complete ?? true,
		noData: view.coverage?.noData ?? false,
		unread: inputs.filter(missing).map((i) => ({input: i.input, need: i.need, status: i.status, ...(i.reason === undefined ? {} : {reason: i.reason})})),
		header: view.header,
		columns: view.columns.map((c) => ({key: c.key, title: c.title})),
		rows: view.rows.map((row) => ({
			id: row.id,
			...(row.severity ? {severity: row.severity} : {}),
			cells: Object.fromEntries(view.columns.map((c) => [c.key, row.cells[c.key] ?? (c.key === 'spark' && row.spark ? row.spark.join(',') : null)])),
			findingIds: row.findingIds,
		})),
		...(view.unavailable ? {unavailable: view.unavailable} : {}),
		...(view.notes && view.notes.length > 0 ? {notes: view.notes} : {}),
	};
}

/** The report of the panes asked for (`panes`, default all four). */
export function buildReport(views: Views, header: HeaderInfo, options: {generatedAt: Date; observedSeconds: number; panes?: readonly Pane[]}): Report {
	const asked = PANES.filter((p) => options.panes === undefined || options.panes.includes(p));
	const findings = asked
		.flatMap((p) => views[p].findings)
		.sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || a.pane.localeCompare(b.pane) || a.id.localeCompare(b.id));
	const panes = Object.fromEntries(asked.map((p) => [p, pane(views[p])])) as Partial<Record<Pane, ReportPane>>;
	const summary = {critical: 0, warning: 0, info: 0, incomplete: asked.filter((p) => !panes[p]!.complete), noData: asked.filter((p) => panes[p]!.noData)};
	for (const finding of findings) summary[finding.severity]++;
	return {
		context: header.context,
		server: {version: header.server ?? null},
		generatedAt: options.generatedAt.toISOString(),
		namespace: header.namespace ?? null,
		observedSeconds: Math.round(options.observedSeconds),
		summary,
		...(header.audit
			? {
					audit: {
						source: header.audit.source,
						events: header.audit.records,
						skipped: header.audit.skipped,
						skippedBy: header.audit.skippedBy ?? {},
						outOfOrder: header.audit.outOfOrder ?? 0,
						problems: header.audit.problems ?? [],
					},
				}
			: {}),
		panes,
		findings,
	};
}

export function failingFindings(report: Report, failOn: Severity | undefined): Finding[] {
	if (!failOn) return [];
	return report.findings.filter((finding) => severityAtLeast(finding.severity, failOn));
}

/**
 * One line per pane that lacks something, for stderr: the required inputs with their
 * reasons, the optional ones by status (their reasons are in the report), e.g.
 * "error: qos: no data: pods forbidden: …; also not read: nodes, jobs (forbidden)".
 */
export function coverageWarnings(report: Report): string[] {
	const lines: string[] = [];
	for (const p of PANES) {
		const paneReport = report.panes[p];
		if (!paneReport || paneReport.complete) continue;
		const parts = paneReport.unread.filter((u) => u.need === 'required').map((u) => `${u.input} ${u.status}${u.reason ? `: ${u.reason}` : ''}`);
		const byStatus = new Map<string, string[]>();
		for (const u of paneReport.unread.filter((x) => x.need === 'optional')) byStatus.set(u.status, [...(byStatus.get(u.status) ?? []), u.input]);
		const optional = [...byStatus].map(([status, inputs]) => `${inputs.join(', ')} (${status})`).join('; ');
		if (optional) parts.push(`${parts.length > 0 ? 'also ' : ''}not read: ${optional}`);
		lines.push(
			sanitize(`${paneReport.noData ? 'error' : 'warning'}: ${p}: ${paneReport.noData ? 'no data' : 'incomplete'}: ${parts.join('; ')}`, {maxLength: 1000}),
		);
	}
	return lines;
}

/**
 * Code points a terminal acts on or that hide or reorder text: C0 and C1 controls and DEL
 * (U+009B is CSI to a terminal that takes 8-bit controls), format characters (bidi
 * overrides such as U+202E, zero-width characters, U+FEFF), lone surrogates, and the line
 * and paragraph separators. JSON.stringify escapes only C0 and lone surrogates; the yaml
 * library only some controls. The documents must be safe to print on a terminal and
 * still round-trip exactly, so these are written as \uXXXX escapes.
 */
const UNSAFE = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/u;
const UNSAFE_ALL = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/gu;

function escapeUnsafe(text: string): string {
	return text.replace(UNSAFE_ALL, (c) =>
		c === '\n' ? c : [...Array.from({length: c.length}, (_, i) => `\\u${c.charCodeAt(i).toString(16).padStart(4, '0')}`)].join(''),
	);
}

export function renderJson(report: Report): string {
	return [...jsonChunks(report)].join('');
}

/** What JSON.stringify leaves out of an object (and writes as null in an array). */
function omitted(value: unknown): boolean {
	return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}

/**
 * The JSON document in pieces, for writing it out without ever holding it whole: at
 * 150,000 pods it is tens of MB, and one string of it (then its escaped copy, then its
 * UTF-8 buffer) was most of report mode's peak memory. The pieces join to exactly
 * `JSON.stringify(value, null, 2)` with the unsafe code points escaped, and a newline:
 * the top three levels (the report, its panes and findings, their rows) are laid out
 * here, deeper values by JSON.stringify, re-indented. Every unsafe code point is inside a
 * string (the layout is spaces and newlines), where \uXXXX is the standard escape; no
 * piece ends inside a string.
 */
export function* jsonChunks(value: unknown, indent = '', depth = 0): Generator<string> {
	const last = depth === 0 ? '\n' : '';
	if (depth < 3 && value !== null && typeof value === 'object' && typeof (value as {toJSON?: unknown}).toJSON !== 'function') {
		const inner = `${indent}  `;
		if (Array.isArray(value)) {
			if (value.length === 0) {
				yield `[]${last}`;
				return;
			}
			yield '[\n';
			for (let i = 0; i < value.length; i++) {
				yield inner;
				const item: unknown = value[i];
				if (omitted(item)) yield 'null';
				else yield* jsonChunks(item, inner, depth + 1);
				yield i < value.length - 1 ? ',\n' : '\n';
			}
			yield `${indent}]${last}`;
			return;
		}
		const entries = Object.entries(value).filter(([, item]) => !omitted(item));
		if (entries.length === 0) {
			yield `{}${last}`;
			return;
		}
		yield '{\n';
		for (let i = 0; i < entries.length; i++) {
			const [key, item] = entries[i]!;
			yield `${inner}${escapeUnsafe(JSON.stringify(key))}: `;
			yield* jsonChunks(item, inner, depth + 1);
			yield i < entries.length - 1 ? ',\n' : '\n';
		}
		yield `${indent}}${last}`;
		return;
	}
	const text = escapeUnsafe(JSON.stringify(value, null, 2));
	yield `${indent === '' ? text : text.replaceAll('\n', `\n${indent}`)}${last}`;
}

export function renderYaml(report: Report): string {
	const doc = new YamlDocument(report);
	// A string with such a code point is written double-quoted, the only YAML style with
	// escapes; then whatever the library left raw in it becomes \uXXXX.
	visitYaml(doc, {
		Scalar(_key, node) {
			if (typeof node.value === 'string' && UNSAFE.test(node.value.replace(/\n/g, ''))) node.type = 'QUOTE_DOUBLE';
		},
	});
	return escapeUnsafe(doc.toString({lineWidth: 0}));
}

/**
 * Inline syntax a string from a cluster or an audit log must not bring into Markdown
 * (CommonMark and GitHub's extensions): the backslash itself; code spans (`); emphasis and
 * strikethrough (* and ~; _ where it can open or close emphasis: not between two letters
 * or digits, so snake_case stays as it is); links, images and footnotes ([ ]); autolinks
 * and raw HTML (<); entities (& before a name or #); table cells (|); GitHub's math ($).
 * Each becomes a backslash escape, which renders as the character itself. Other
 * punctuation (. : / - !) is left alone, so names and versions read as they are.
 */
const INLINE = /[\\`*~[\]<|$]|_|&(?=[#A-Za-z])/g;
const WORD = /[\p{L}\p{N}\p{M}]/u;

/**
 * Markdown text of a string from a cluster or an audit log: sanitized (no controls,
 * bidi or invisible characters, one line of at most 300 characters), trimmed, and
 * escaped so that it renders as itself — no link, emphasis, code, image, HTML, entity,
 * broken table row, or (with `block`, where it starts a list item, quote or heading) a
 * heading, quote, list or thematic break. GFM also links bare URLs: "www." and "scheme://"
 * get their "." or ":" escaped, which its autolink extension does not see through
 * (cmark-gfm extensions/autolink.c matches "www." and "://" in the source). Email
 * addresses are the one exception: GFM links them after escapes are resolved, so no
 * escape prevents it; the link is the address itself, never another target.
 */
export function md(text: unknown, options: {block?: boolean} = {}): string {
	const clean = sanitize(String(text ?? ''), {maxLength: 300}).trim();
	let out = clean.replace(INLINE, (c, offset: number) => {
		if (c === '_' && WORD.test(clean[offset - 1] ?? '') && WORD.test(clean[offset + 1] ?? '')) return c;
		return `\\${c}`;
	});
	out = out.replace(/(www)\./gi, '$1\\.').replace(/([A-Za-z]):(?=\/\/)/g, '$1\\:');
	if (options.block) {
		// At the start of a block: an ATX heading ("# "), a quote (">"), a list item ("- ", "+ ",
		// "1. ", "1) "), dashes alone (after the list marker "- ", even "--" is a thematic
		// break); at the end of a heading, its closing #s. ("#tag", "-5" or "10.0.0.1" start
		// nothing and stay as they are; * and _ are escaped already.)
		out = out
			.replace(/^(#{1,6}|[+-])(?=\s|$)/, '\\$1')
			.replace(/^-[-\s]*$/, '\\$&')
			.replace(/^>/, '\\>')
			.replace(/^(\d{1,9})([.)])(?=\s|$)/, '$1\\$2')
			.replace(/(\s)(#+)$/, '$1\\$2');
	}
	return out;
}

/** A finding or remedy id inside a code span: ids are built safe (findingId), this only makes sure. */
function mdId(id: string): string {
	return sanitize(id, {maxLength: 300}).replace(/`/g, '');
}

const SEVERITY_LABEL: Record<Severity, string> = {critical: 'CRITICAL', warning: 'warning', info: 'info'};

export function renderMarkdown(report: Report): string {
	const lines: string[] = [];
	lines.push(`# kubectl assure: ${md(report.context, {block: true})}`);
	lines.push('');
	lines.push(
		`Server ${md(report.server.version ?? 'unknown')}, ${report.namespace ? `namespace ${md(report.namespace)}` : 'all namespaces'}, generated ${report.generatedAt}${report.observedSeconds > 0 ? ` after observing for ${report.observedSeconds} s` : ''}.`,
	);
	lines.push('');
	lines.push(`**${report.summary.critical} critical, ${report.summary.warning} warning, ${report.summary.info} info.**`);
	lines.push('');
	// What could not be read comes right after the count, so nobody takes an empty pane for a clean one.
	const lacking = PANES.filter((p) => report.panes[p] && !report.panes[p]!.complete);
	if (lacking.length > 0) {
		const onlyIncomplete = report.summary.incomplete.filter((p) => !report.summary.noData.includes(p));
		const parts = [
			report.summary.noData.length > 0 ? `no data: ${report.summary.noData.join(', ')}` : '',
			onlyIncomplete.length > 0 ? `incomplete: ${onlyIncomplete.join(', ')}` : '',
		].filter(Boolean);
		lines.push(`**Not everything could be read (${parts.join('; ')}).** A pane without data says nothing about its subject.`, '');
		for (const p of lacking) {
			const paneReport = report.panes[p]!;
			lines.push(`- **${p}: ${paneReport.noData ? 'no data' : 'incomplete'}.** Not read:`);
			for (const u of paneReport.unread)
				lines.push(`  - ${md(u.input, {block: true})}${u.need === 'required' ? ' (required)' : ''}: ${u.status}${u.reason ? `: ${md(u.reason)}` : ''}`);
		}
		lines.push('');
	}
	if (report.audit) {
		const reasons = Object.entries(report.audit.skippedBy)
			.map(([reason, n]) => `${md(reason)} ${n}`)
			.join(', ');
		const late =
			report.audit.outOfOrder > 0
				? ` ${report.audit.outOfOrder} events out of order by more than ${ReadingClock.windowMs / 60_000} min: watches and repeated events near them may be counted twice.`
				: '';
		lines.push(
			`Audit log ${md(report.audit.source)}: ${report.audit.events} events read, ${report.audit.skipped} lines skipped${reasons ? ` (${reasons})` : ''}.${late}`,
		);
		for (const problem of report.audit.problems) lines.push(`- ${md(problem, {block: true})}`);
		lines.push('');
	}
	if (report.findings.length > 0) {
		lines.push('## Findings', '');
		lines.push('| severity | pane | finding | subject |', '|---|---|---|---|');
		for (const f of report.findings) lines.push(`| ${SEVERITY_LABEL[f.severity]} | ${f.pane} | ${md(f.summary)} | ${md(subjectText(f.subject))} |`);
		lines.push('');
		for (const f of report.findings.filter((x) => x.severity !== 'info')) {
			lines.push(`### ${SEVERITY_LABEL[f.severity]}: ${md(f.summary, {block: true})}`, '');
			lines.push(`- id: \`${mdId(f.id)}\``);
			// In words with units, as the detail view shows them; -o json and yaml keep the raw keys.
			for (const [key, value] of Object.entries(f.evidence)) {
				const said = describeEvidence(key, value, f.type);
				lines.push(`- ${md(said.label, {block: true})}: ${md(said.text)}`);
			}
			if (f.objectsTotal !== undefined && f.objects && f.objects.length > 0)
				lines.push(
					`- objects (${f.objectsTotal}): ${f.objects
						.slice(0, 10)
						.map((o) => md(`${o.kind}/${o.namespace ? `${o.namespace}/` : ''}${o.name}`))
						.join(', ')}${f.objectsTotal > 10 ? ', …' : ''}`,
				);
			for (const line of f.detail ?? []) lines.push(`- ${md(line, {block: true})}`);
			for (const remedy of f.remedies)
				lines.push(`- remedy \`${mdId(remedy.id)}\`: ${md(remedy.title)} (\`kubectl assure -o markdown --yes --apply ${mdId(f.id)}:${mdId(remedy.id)}\`)`);
			lines.push('');
		}
	} else lines.push('No findings.', '');
	for (const p of PANES) {
		const paneReport = report.panes[p];
		if (!paneReport) continue;
		lines.push(`## ${md(paneReport.title, {block: true})}`, '');
		if (paneReport.unavailable) lines.push(`_${md(paneReport.unavailable)}_`, '');
		if (paneReport.header.length > 0) {
			// Inside a fence nothing is markup; only a line of three backticks could end it early.
			lines.push('```');
			for (const h of paneReport.header) lines.push(sanitize(h).replace(/```/g, "'''"));
			lines.push('```', '');
		}
		if (paneReport.rows.length > 0) {
			const columns = paneReport.columns.filter((c) => c.key !== 'spark');
			lines.push(`| ${columns.map((c) => md(c.title)).join(' | ')} |`, `|${columns.map(() => '---').join('|')}|`);
			for (const row of paneReport.rows.slice(0, 50)) lines.push(`| ${columns.map((c) => md(row.cells[c.key] ?? '')).join(' | ')} |`);
			if (paneReport.rows.length > 50) lines.push('', `(${paneReport.rows.length - 50} more rows in -o json)`);
			lines.push('');
		}
		for (const note of paneReport.notes ?? []) lines.push(`> ${md(note, {block: true})}`);
		if ((paneReport.notes ?? []).length > 0) lines.push('');
	}
	return `${lines.join('\n')}\n`;
}
