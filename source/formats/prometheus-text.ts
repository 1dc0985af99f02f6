/**
 * Parser for the Prometheus text exposition format 0.0.4, as served by kube-apiserver
 * `/metrics`. It walks the page once without splitting it into an array of lines, groups
 * samples into families (histogram `_bucket`/`_sum`/`_count` and summary `_sum`/`_count`
 * under their family), and never gives up on a page because of one bad line: malformed
 * lines are recorded in `errors` with their line number and skipped. Names and label
 * values are interned and copied out of the page, so kept results never pin the page text.
 *
 * A format, not a source: the product reads /metrics with it (source/kube/apiserver-metrics.ts,
 * counts.ts) and the simulator's writer (source/sim/prometheus-writer.ts) is checked against it.
 */
import {Buffer} from 'node:buffer';

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
	/** The sample's own name, e.g. `foo_bucket` inside family `foo`. */
	name: string;
	labels: Record<string, string>;
	value: number;
	/** Present only when the line carried a timestamp (milliseconds since the epoch). */
	timestampMs?: number;
}

export interface MetricFamily {
	name: string;
	type: MetricType;
	/** HELP text with escapes resolved; '' when the page had no HELP line. */
	help: string;
	samples: Sample[];
}

export interface ParseError {
	/** 1-based line number in the page. */
	line: number;
	reason: string;
	/** The start of the offending line (at most 120 characters). */
	text: string;
}

/** Either exact label values (a missing label matches '') or a predicate over the label set. */
export type LabelFilter = Readonly<Record<string, string>> | ((labels: Record<string, string>) => boolean);

export interface MetricFamilies {
	/** Families in the order they first appeared on the page. */
	families: Map<string, MetricFamily>;
	/** The first MAX_PARSE_ERRORS malformed lines. */
	errors: ParseError[];
	/** How many lines were malformed in total (may exceed errors.length). */
	errorCount: number;
	/** The family of that name, or the family a sample name such as `foo_count` belongs to. */
	get(name: string): MetricFamily | undefined;
	/**
	 * Sum of the values of samples called `name` (a family name, or a histogram/summary
	 * sample name such as `foo_count`) that match `filter`. NaN samples are skipped. A
	 * missing family sums to 0: use get() to tell "absent" from "zero".
	 */
	sum(name: string, filter?: LabelFilter): number;
}

/** Errors beyond this many are only counted, so a page of garbage cannot blow up memory. */
export const MAX_PARSE_ERRORS = 100;

const METRIC_TYPES: ReadonlySet<string> = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

const CR = 13;
const TAB = 9;
const SPACE = 32;
const QUOTE = 34;
const BACKSLASH = 92;
const COMMA = 44;
const EQUALS = 61;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;

class LineError extends Error {}

/**
 * V8 keeps a slice of 13 or more characters as a view into its parent string, so one label
 * value kept from a parsed page would keep the whole multi-MB page alive. Strings that
 * outlive the parse are copied out (through UTF-16 code units, so lone surrogates survive).
 */
function detach(text: string): string {
	return text.length < 13 ? text : Buffer.from(text, 'utf16le').toString('utf16le');
}

function isBlank(c: number): boolean {
	return c === SPACE || c === TAB;
}

function isNameStart(c: number, allowColon: boolean): boolean {
	return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || (allowColon && c === 58);
}

function isNameChar(c: number, allowColon: boolean): boolean {
	return isNameStart(c, allowColon) || (c >= 48 && c <= 57);
}

/** Whether `name` is a valid metric name ([a-zA-Z_:][a-zA-Z0-9_:]*). */
export function isValidMetricName(name: string): boolean {
	if (name.length === 0 || !isNameStart(name.charCodeAt(0), true)) return false;
	for (let i = 1; i < name.length; i++) if (!isNameChar(name.charCodeAt(i), true)) return false;
	return true;
}

/** Whether `name` is a valid label name ([a-zA-Z_][a-zA-Z0-9_]*). */
export function isValidLabelName(name: string): boolean {
	if (name.length === 0 || !isNameStart(name.charCodeAt(0), false)) return false;
	for (let i = 1; i < name.length; i++) if (!isNameChar(name.charCodeAt(i), false)) return false;
	return true;
}

/** Sets a label as an own property even for hostile names such as `__proto__`. */
export function setLabel(labels: Record<string, string>, name: string, value: string): void {
	if (name === '__proto__') {
		Object.defineProperty(labels, name, {value, enumerable: true, writable: true, configurable: true});
	} else {
		labels[name] = value;
	}
}

/** A label's value, '' when absent (Prometheus treats a missing label as empty). */
export function labelValue(labels: Record<string, string>, name: string): string {
	return Object.hasOwn(labels, name) ? labels[name] : '';
}

const FLOAT_PATTERN = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const SPECIAL_FLOAT_PATTERN = /^([+-]?)(?:(inf(?:inity)?)|(nan))$/i;
const INTEGER_PATTERN = /^-?\d+$/;

/** Parses a sample value: decimal/exponent numbers, NaN, +Inf, -Inf (case-insensitive, as Go's ParseFloat). */
export function parseSampleValue(text: string): number | undefined {
	if (FLOAT_PATTERN.test(text)) return Number(text);
	const special = SPECIAL_FLOAT_PATTERN.exec(text);
	if (special === null) return undefined;
	if (special[3] !== undefined) return Number.NaN;
	return special[1] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
}

/** Resolves `\\` and `\n` in HELP text; any other backslash is kept as written. */
function unescapeHelp(text: string): string {
	if (!text.includes('\\')) return text;
	let out = '';
	for (let i = 0; i < text.length; i++) {
		const c = text[i];
		if (c === '\\' && i + 1 < text.length) {
			const next = text[i + 1];
			if (next === '\\') {
				out += '\\';
				i++;
				continue;
			}
			if (next === 'n') {
				out += '\n';
				i++;
				continue;
			}
		}
		out += c;
	}
	return out;
}

function suffixOf(sampleName: string, familyName: string): string | undefined {
	if (sampleName === familyName) return '';
	if (sampleName.length > familyName.length && sampleName.startsWith(familyName)) return sampleName.slice(familyName.length);
	return undefined;
}

/** Whether a sample of this name may belong to the family (by its type's naming rules). */
export function sampleBelongsTo(family: Pick<MetricFamily, 'name' | 'type'>, sampleName: string): boolean {
	const suffix = suffixOf(sampleName, family.name);
	if (suffix === undefined) return false;
	if (suffix === '') return family.type !== 'histogram';
	if (family.type === 'histogram') return suffix === '_bucket' || suffix === '_sum' || suffix === '_count';
	if (family.type === 'summary') return suffix === '_sum' || suffix === '_count';
	return false;
}

const HISTOGRAM_SUFFIXES = ['_bucket', '_sum', '_count'];

function baseNameCandidates(sampleName: string): string[] {
	const out: string[] = [];
	for (const suffix of HISTOGRAM_SUFFIXES) {
		if (sampleName.endsWith(suffix) && sampleName.length > suffix.length) out.push(sampleName.slice(0, -suffix.length));
	}
	return out;
}

interface FamilyState {
	family: MetricFamily;
	typed: boolean;
	helped: boolean;
}

class Parser {
	readonly families = new Map<string, MetricFamily>();
	private readonly state = new Map<string, FamilyState>();
	/** One detached copy per distinct name or label value: repeated labels share it. */
	private readonly strings = new Map<string, string>();
	readonly errors: ParseError[] = [];
	errorCount = 0;
	private current: FamilyState | undefined;

	private line = '';
	private pos = 0;

	private intern(text: string): string {
		let kept = this.strings.get(text);
		if (kept === undefined) {
			kept = detach(text);
			this.strings.set(kept, kept);
		}
		return kept;
	}

	fail(reason: string): never {
		throw new LineError(reason);
	}

	record(lineNumber: number, line: string, reason: string): void {
		this.errorCount++;
		if (this.errors.length < MAX_PARSE_ERRORS) this.errors.push({line: lineNumber, reason, text: detach(line.slice(0, 120))});
	}

	parseLine(line: string): void {
		this.line = line;
		this.pos = 0;
		this.skipBlanks();
		if (this.pos >= line.length) return;
		if (line.charCodeAt(this.pos) === 35 /* # */) {
			this.parseComment();
			return;
		}
		this.parseSample();
	}

	private skipBlanks(): void {
		while (this.pos < this.line.length && isBlank(this.line.charCodeAt(this.pos))) this.pos++;
	}

	private readName(allowColon: boolean, what: string): string {
		const start = this.pos;
		if (start >= this.line.length || !isNameStart(this.line.charCodeAt(start), allowColon)) this.fail(`expected ${what}`);
		this.pos++;
		while (this.pos < this.line.length && isNameChar(this.line.charCodeAt(this.pos), allowColon)) this.pos++;
		return this.intern(this.line.slice(start, this.pos));
	}

	private readToken(): string {
		const start = this.pos;
		while (this.pos < this.line.length && !isBlank(this.line.charCodeAt(this.pos))) this.pos++;
		return this.line.slice(start, this.pos);
	}

	private stateFor(name: string): FamilyState {
		let state = this.state.get(name);
		if (state === undefined) {
			const family: MetricFamily = {name, type: 'untyped', help: '', samples: []};
			state = {family, typed: false, helped: false};
			this.state.set(name, state);
			this.families.set(name, family);
		}
		return state;
	}

	private parseComment(): void {
		this.pos++;
		this.skipBlanks();
		const keyword = this.readToken();
		if (keyword !== 'HELP' && keyword !== 'TYPE') return; // an ordinary comment
		if (this.pos >= this.line.length) this.fail(`${keyword} line without a metric name`);
		this.skipBlanks();
		const name = this.readName(true, 'a metric name');
		if (this.pos < this.line.length && !isBlank(this.line.charCodeAt(this.pos))) this.fail('invalid character in metric name');
		this.skipBlanks();
		if (keyword === 'HELP') {
			const existing = this.state.get(name);
			if (existing?.helped) this.fail(`second HELP line for ${name}`);
			const state = existing ?? this.stateFor(name);
			state.family.help = detach(unescapeHelp(this.line.slice(this.pos)));
			state.helped = true;
			this.current = state;
			return;
		}
		const type = this.readToken();
		this.skipBlanks();
		if (this.pos < this.line.length) this.fail('unexpected text after the TYPE');
		if (!METRIC_TYPES.has(type)) this.fail(`unknown metric type "${type}"`);
		const existing = this.state.get(name);
		if (existing?.typed) this.fail(`second TYPE line for ${name}`);
		if (existing !== undefined && existing.family.samples.length > 0) this.fail(`TYPE line for ${name} after its samples`);
		const state = existing ?? this.stateFor(name);
		state.family.type = type as MetricType;
		state.typed = true;
		this.current = state;
	}

	private familyForSample(sampleName: string): FamilyState {
		const current = this.current;
		if (current !== undefined && sampleBelongsTo(current.family, sampleName)) return current;
		const exact = this.state.get(sampleName);
		if (exact !== undefined && sampleBelongsTo(exact.family, sampleName)) return exact;
		for (const base of baseNameCandidates(sampleName)) {
			const state = this.state.get(base);
			if (state !== undefined && sampleBelongsTo(state.family, sampleName)) return state;
		}
		if (exact !== undefined) this.fail(`sample ${sampleName} does not fit its ${exact.family.type} family`);
		return this.stateFor(sampleName);
	}

	private parseLabelValue(): string {
		const line = this.line;
		if (line.charCodeAt(this.pos) !== QUOTE) this.fail('expected a quoted label value');
		this.pos++;
		const start = this.pos;
		// Fast path: no escapes before the closing quote.
		const close = line.indexOf('"', start);
		if (close < 0) this.fail('unterminated label value');
		const slash = line.indexOf('\\', start);
		if (slash < 0 || slash > close) {
			this.pos = close + 1;
			return this.intern(line.slice(start, close));
		}
		let out = line.slice(start, slash);
		let i = slash;
		for (;;) {
			if (i >= line.length) this.fail('unterminated label value');
			const c = line.charCodeAt(i);
			if (c === QUOTE) break;
			if (c === BACKSLASH) {
				const next = line[i + 1];
				if (next === '\\') out += '\\';
				else if (next === '"') out += '"';
				else if (next === 'n') out += '\n';
				else this.fail(next === undefined ? 'unterminated label value' : `invalid escape \\${next} in label value`);
				i += 2;
				continue;
			}
			const nextSpecial = nextQuoteOrBackslash(line, i);
			if (nextSpecial < 0) this.fail('unterminated label value');
			out += line.slice(i, nextSpecial);
			i = nextSpecial;
		}
		this.pos = i + 1;
		return this.intern(out);
	}

	private parseLabels(): Record<string, string> {
		const labels: Record<string, string> = {};
		this.pos++; // {
		for (;;) {
			this.skipBlanks();
			if (this.pos >= this.line.length) this.fail('unterminated label set');
			if (this.line.charCodeAt(this.pos) === CLOSE_BRACE) {
				this.pos++;
				return labels;
			}
			const name = this.readName(false, 'a label name');
			this.skipBlanks();
			if (this.line.charCodeAt(this.pos) !== EQUALS) this.fail(`expected "=" after label ${name}`);
			this.pos++;
			this.skipBlanks();
			const value = this.parseLabelValue();
			if (Object.hasOwn(labels, name)) this.fail(`duplicate label ${name}`);
			setLabel(labels, name, value);
			this.skipBlanks();
			const c = this.line.charCodeAt(this.pos);
			if (c === COMMA) {
				this.pos++;
				continue;
			}
			if (c === CLOSE_BRACE) {
				this.pos++;
				return labels;
			}
			this.fail('expected "," or "}" in label set');
		}
	}

	private parseSample(): void {
		const name = this.readName(true, 'a metric name');
		const afterName = this.pos;
		this.skipBlanks();
		let labels: Record<string, string> = {};
		let separated = this.pos > afterName;
		if (this.line.charCodeAt(this.pos) === OPEN_BRACE) {
			labels = this.parseLabels();
			const afterLabels = this.pos;
			this.skipBlanks();
			separated = this.pos > afterLabels;
		}
		if (this.pos < this.line.length && !separated) this.fail('expected a blank before the value');
		const valueText = this.readToken();
		if (valueText === '') this.fail('missing value');
		const value = parseSampleValue(valueText);
		if (value === undefined) this.fail(`invalid value "${valueText.slice(0, 40)}"`);
		this.skipBlanks();
		let timestampMs: number | undefined;
		if (this.pos < this.line.length) {
			const tsText = this.readToken();
			if (!INTEGER_PATTERN.test(tsText)) this.fail(`invalid timestamp "${tsText.slice(0, 40)}"`);
			timestampMs = Number(tsText);
			this.skipBlanks();
			if (this.pos < this.line.length) this.fail('unexpected text after the timestamp');
		}
		const state = this.familyForSample(name);
		const family = state.family;
		if (family.type === 'histogram' && name.endsWith('_bucket') && !Object.hasOwn(labels, 'le')) {
			this.fail(`histogram bucket ${name} without an "le" label`);
		}
		if (family.type === 'summary' && name === family.name && !Object.hasOwn(labels, 'quantile')) {
			this.fail(`summary sample ${name} without a "quantile" label`);
		}
		const sample: Sample = timestampMs === undefined ? {name, labels, value} : {name, labels, value, timestampMs};
		family.samples.push(sample);
		this.current = state;
	}
}

function nextQuoteOrBackslash(line: string, from: number): number {
	for (let i = from; i < line.length; i++) {
		const c = line.charCodeAt(i);
		if (c === QUOTE || c === BACKSLASH) return i;
	}
	return -1;
}

function matches(labels: Record<string, string>, filter: LabelFilter | undefined): boolean {
	if (filter === undefined) return true;
	if (typeof filter === 'function') return filter(labels);
	for (const key of Object.keys(filter)) {
		if (labelValue(labels, key) !== filter[key]) return false;
	}
	return true;
}

/** Wraps a family map with the get/sum helpers. */
export function metricFamilies(families: Map<string, MetricFamily>, errors: ParseError[] = [], errorCount = errors.length): MetricFamilies {
	const get = (name: string): MetricFamily | undefined => {
		const exact = families.get(name);
		if (exact !== undefined) return exact;
		for (const base of baseNameCandidates(name)) {
			const family = families.get(base);
			if (family !== undefined && sampleBelongsTo(family, name)) return family;
		}
		return undefined;
	};
	const sum = (name: string, filter?: LabelFilter): number => {
		const family = get(name);
		if (family === undefined) return 0;
		let total = 0;
		for (const sample of family.samples) {
			if (sample.name !== name || Number.isNaN(sample.value)) continue;
			if (matches(sample.labels, filter)) total += sample.value;
		}
		return total;
	};
	return {families, errors, errorCount, get, sum};
}

/** Parses a whole exposition page. Never throws on malformed input. */
export function parsePrometheusText(text: string): MetricFamilies {
	const parser = new Parser();
	let start = 0;
	let lineNumber = 0;
	const length = text.length;
	while (start < length) {
		let end = text.indexOf('\n', start);
		if (end < 0) end = length;
		lineNumber++;
		const stop = end > start && text.charCodeAt(end - 1) === CR ? end - 1 : end;
		if (stop > start) {
			const line = text.slice(start, stop);
			try {
				parser.parseLine(line);
			} catch (error) {
				if (!(error instanceof LineError)) throw error;
				parser.record(lineNumber, line, error.message);
			}
		}
		start = end + 1;
	}
	return metricFamilies(parser.families, parser.errors, parser.errorCount);
}
