/**
 * Pure layout for the terminal UI: which table columns fit a width and how wide each is,
 * a row's cells as fitted, sanitized strings, sorting, filtering, the scroll window that
 * keeps a cursor visible, and styled lines (spans) with the frame drawn around overlays.
 *
 * Components render what these functions return and nothing else, so every line they
 * draw has a known display width: a line is never wider than the width it was laid out
 * for (a wrapped line would break an 80×24 screen). Every string that came from a
 * cluster or an audit log passes `safeText` (the one sanitizer, plus ASCII folding on a
 * non-UTF-8 terminal) before it is measured.
 */
import type {Cell, Column, Row} from '../model/finding.js';
import {sanitize} from '../text/sanitize.js';
import {sparkline} from '../text/sparkline.js';
import {displayWidth, fit, truncate} from '../text/width.js';
import type {Theme} from './theme.js';

export type SortDirection = 'asc' | 'desc';

export interface SortState {
	key: string;
	direction: SortDirection;
}

export interface LayoutOptions {
	/** Blank columns between two cells; default 1. */
	gap?: number;
	/** Give width left over after every preferred width to the text columns; default true. */
	fill?: boolean;
	/**
	 * The widest cell (or title) of each column by key, measured on the rows. With it a
	 * column is never wider than its content needs, spare width goes first to the columns
	 * whose content was cut, columns shrink lowest priority first, and while an important
	 * column (priority ≥ 7) is still cut the lowest-priority column is dropped (down to
	 * three shown): a narrow terminal shows fewer columns whole rather than many cut.
	 */
	content?: Readonly<Record<string, number>>;
}

export interface LaidOutColumn {
	column: Column;
	width: number;
}

export interface TableLayout {
	/** The shown columns, in their original order, with their widths. */
	columns: LaidOutColumn[];
	/** Columns that did not fit, lowest priority first. */
	dropped: Column[];
	gap: number;
	/** Columns the laid-out row takes, gaps included (≤ the width asked for). */
	width: number;
}

/** The narrowest a column may get: its minWidth, else its preferred width (at least 1). */
function minimumOf(column: Column): number {
	return Math.max(1, Math.floor(Math.min(column.minWidth ?? column.width, column.width)));
}

function preferredOf(column: Column): number {
	return Math.max(1, Math.floor(column.width));
}

/** Text columns take spare width; numbers, sparklines and right-aligned columns do not need it. */
function takesSpareWidth(column: Column): boolean {
	return column.numeric !== true && column.align !== 'right' && column.key !== 'spark';
}

/**
 * Fit columns into `width`:
 * 1. While even the minimum widths (plus gaps) do not fit, drop the lowest-priority column
 *    (of equal priorities, the rightmost). The last column is never dropped; it is cut to
 *    the width instead.
 * 2. Start every shown column at its preferred width. While too wide, take one column
 *    from the widest column that is still above its minimum (of equal widths, the lower
 *    priority, then the rightmost).
 * 3. Spread what is left evenly over the text columns (all columns when there are none),
 *    leftmost first, unless `fill` is false.
 */
export function layoutColumns(columns: readonly Column[], width: number, options: LayoutOptions = {}): TableLayout {
	const content = options.content;
	if (!content) return fitColumns(columns, width, options);
	const needs = (column: Column) => Math.max(1, Math.floor(content[column.key] ?? column.width));
	// A column is never wider than its content needs (its title included).
	const sized: Column[] = columns.map((column) => {
		const preferred = Math.min(preferredOf(column), needs(column));
		return {...column, width: preferred, minWidth: Math.min(minimumOf(column), preferred)};
	});
	const original = new Map<Column, Column>(sized.map((c, i) => [c, columns[i]!]));
	let shown = sized;
	const droppedEarly: Column[] = [];
	for (;;) {
		const layout = fitColumns(shown, width, {...options, fill: false}, 'priority');
		const lowest = layout.columns.reduce<Column | undefined>((low, c) => (low === undefined || c.column.priority <= low.priority ? c.column : low), undefined);
		const cut = layout.columns.some(
			(c) => c.width < c.column.width && c.column.priority >= IMPORTANT && lowest !== undefined && lowest.priority < c.column.priority,
		);
		if (!cut || layout.columns.length <= 3 || lowest === undefined) {
			const result = options.fill === false ? layout : spread(layout, width, (column) => needs(original.get(column)!));
			return {
				...result,
				columns: result.columns.map((c) => ({column: original.get(c.column)!, width: c.width})),
				dropped: [...droppedEarly, ...layout.dropped].map((c) => original.get(c) ?? c),
			};
		}
		droppedEarly.push(lowest);
		shown = shown.filter((c) => c !== lowest);
	}
}

/** Spare width goes to the columns whose content was cut, up to what they need; the rest stays blank at the right, as kubectl leaves it. */
function spread(layout: TableLayout, width: number, needs: (column: Column) => number): TableLayout {
	const widths = layout.columns.map((c) => c.width);
	let spare = Math.max(0, Math.floor(width) - layout.width);
	let progress = true;
	while (spare > 0 && progress) {
		progress = false;
		for (let i = 0; i < widths.length && spare > 0; i++) {
			if (widths[i]! < needs(layout.columns[i]!.column)) {
				widths[i]!++;
				spare--;
				progress = true;
			}
		}
	}
	const columns = layout.columns.map((c, i) => ({column: c.column, width: widths[i]!}));
	return {...layout, columns, width: columns.reduce((sum, c) => sum + c.width, 0) + layout.gap * Math.max(0, columns.length - 1)};
}

/** Columns of this priority and above identify a row or carry its key figure. */
const IMPORTANT = 7;

function fitColumns(columns: readonly Column[], width: number, options: LayoutOptions, shrink: 'widest' | 'priority' = 'widest'): TableLayout {
	const gap = Math.max(0, Math.floor(options.gap ?? 1));
	const available = Math.max(0, Math.floor(width));
	const kept = columns.map((column, index) => ({column, index}));
	const dropped: Column[] = [];
	const gaps = () => gap * Math.max(0, kept.length - 1);
	const minimumTotal = () => kept.reduce((sum, k) => sum + minimumOf(k.column), 0) + gaps();

	while (kept.length > 1 && minimumTotal() > available) {
		let victim = 0;
		for (let i = 1; i < kept.length; i++) {
			if (kept[i]!.column.priority <= kept[victim]!.column.priority) victim = i;
		}
		dropped.push(kept[victim]!.column);
		kept.splice(victim, 1);
	}

	const widths = kept.map((k) => preferredOf(k.column));
	const minimums = kept.map((k) => minimumOf(k.column));
	let used = widths.reduce((sum, w) => sum + w, 0) + gaps();

	while (used > available) {
		let widest = -1;
		for (let i = 0; i < widths.length; i++) {
			if (widths[i]! <= minimums[i]!) continue;
			if (widest === -1) {
				widest = i;
				continue;
			}
			const better =
				shrink === 'priority'
					? kept[i]!.column.priority <= kept[widest]!.column.priority
					: widths[i]! > widths[widest]! || (widths[i] === widths[widest] && kept[i]!.column.priority <= kept[widest]!.column.priority);
			if (better) {
				widest = i;
			}
		}
		if (widest === -1) break;
		widths[widest]!--;
		used--;
	}

	// Only one column left and even its minimum is too wide: cut it to the width.
	if (used > available && widths.length === 1) {
		widths[0] = available;
		used = available;
	}

	if (used < available && options.fill !== false && widths.length > 0) {
		let takers = kept.map((k, i) => (takesSpareWidth(k.column) ? i : -1)).filter((i) => i >= 0);
		if (takers.length === 0) takers = widths.map((_, i) => i);
		const spare = available - used;
		const each = Math.floor(spare / takers.length);
		const extra = spare % takers.length;
		takers.forEach((i, n) => {
			widths[i]! += each + (n < extra ? 1 : 0);
		});
		used = available;
	}

	return {
		columns: kept.map((k, i) => ({column: k.column, width: widths[i]!})),
		dropped,
		gap,
		width: used,
	};
}

let graphemes: Intl.Segmenter | undefined;

/** Code points of one string that can ever reach the screen (8192: a 300-column, 27-line wrap). */
const SAFE_TEXT_MAX = 8192;

/**
 * A string from a cluster or an audit log as it may reach the terminal: through the one
 * sanitizer, and on an ASCII terminal with every non-ASCII character (grapheme) shown as
 * `?` so the widths we measure are the widths a LANG=C terminal draws.
 */
export function safeText(value: string, ascii: boolean): string {
	// Cut first: no screen shows more than a few thousand characters of one string, and
	// everything below costs time by the length (a name can be 100,000 characters).
	const clean = sanitize(value, {ascii, maxLength: SAFE_TEXT_MAX});
	if (!ascii || /^[\x20-\x7e]*$/.test(clean)) return clean;
	graphemes ??= new Intl.Segmenter();
	let out = '';
	for (const {segment} of graphemes.segment(clean)) out += /^[\x20-\x7e]$/.test(segment) ? segment : '?';
	return out;
}

/** A cell's text before fitting: numbers as written, nothing for a missing value. */
export function cellText(cell: Cell, ascii: boolean): string {
	if (cell === undefined) return '';
	if (typeof cell === 'number') return Number.isFinite(cell) ? String(cell) : '-';
	return safeText(cell, ascii);
}

export interface CellOptions {
	/** ASCII terminal: `~` ellipsis, ASCII sparklines, non-ASCII shown as `?`. */
	ascii?: boolean;
}

/**
 * The row's cells, one string per laid-out column, each exactly the column's width:
 * sanitized, truncated with an ellipsis, numeric and right-aligned columns padded on the
 * left. The column keyed `spark` draws `row.spark` as a sparkline as wide as the column.
 */
export function renderRowCells(row: Row, layout: TableLayout, options: CellOptions = {}): string[] {
	const ascii = options.ascii === true;
	return layout.columns.map(({column, width}) => {
		if (column.key === 'spark') {
			const line = row.spark !== undefined && row.spark.length > 0 ? sparkline(row.spark, {width, ascii}) : cellText(row.cells[column.key], ascii);
			return fit(line, width, {ascii});
		}
		const right = column.numeric === true || column.align === 'right';
		return fit(cellText(row.cells[column.key], ascii), width, {ascii, align: right ? 'right' : 'left'});
	});
}

type SortValue = number | string | undefined;

function sortValue(row: Row, key: string): SortValue {
	const raw = row.sort?.[key] ?? row.cells[key];
	if (raw === undefined || raw === '') return undefined;
	if (typeof raw === 'number') return Number.isNaN(raw) ? undefined : raw;
	return raw;
}

const collator = new Intl.Collator('en', {numeric: true, sensitivity: 'base'});

function compareValues(a: number | string, b: number | string): number {
	if (typeof a === 'number' && typeof b === 'number') return a === b ? 0 : a < b ? -1 : 1;
	if (typeof a === 'number') return -1;
	if (typeof b === 'number') return 1;
	return collator.compare(a, b);
}

/**
 * Rows ordered by one column: by `row.sort[key]` when the row has it (the raw number behind
 * "1.5 GiB"), else by the cell. Numbers compare as numbers and come before text; text
 * compares numeric-aware ("pod-2" before "pod-10") and case-insensitively. Rows without a
 * value come last in both directions; equal rows keep their order. Returns a new array.
 */
export function sortRows(rows: readonly Row[], key: string, direction: SortDirection): Row[] {
	const sign = direction === 'desc' ? -1 : 1;
	const keyed = rows.map((row, index) => ({row, index, value: sortValue(row, key)}));
	keyed.sort((x, y) => {
		if (x.value === undefined || y.value === undefined) {
			if (x.value === y.value) return x.index - y.index;
			return x.value === undefined ? 1 : -1;
		}
		return sign * compareValues(x.value, y.value) || x.index - y.index;
	});
	return keyed.map((k) => k.row);
}

/**
 * Rows whose cell texts contain every whitespace-separated word of `text`, ignoring case
 * (each word may match a different cell). An empty filter returns the rows unchanged.
 * Cells are matched as they are displayed, after sanitizing.
 */
export function filterRows(rows: readonly Row[], text: string): readonly Row[] {
	const words = text
		.trim()
		.toLowerCase()
		.split(/\s+/)
		.filter((w) => w !== '');
	if (words.length === 0) return rows;
	return rows.filter((row) => {
		const haystack = Object.values(row.cells)
			.map((cell) => cellText(cell, false).toLowerCase())
			.join('\u0000');
		return words.every((word) => haystack.includes(word));
	});
}

export interface ScrollWindow {
	/** First visible index. */
	start: number;
	/** One past the last visible index. */
	end: number;
}

/**
 * The rows to show so the cursor is visible, scrolling as little as possible from the
 * previous window's `start` (default 0): the cursor above the window brings it to the
 * top, below the window to the bottom. The window is always as full as `total` allows.
 */
export function visibleWindow(total: number, cursor: number, height: number, start = 0): ScrollWindow {
	const count = Math.max(0, Math.floor(total));
	const size = Math.min(count, Math.max(0, Math.floor(height)));
	if (size === 0) return {start: 0, end: 0};
	const at = clamp(Math.floor(cursor), 0, count - 1);
	let first = clamp(Math.floor(start), 0, count - size);
	if (at < first) first = at;
	else if (at >= first + size) first = at - size + 1;
	return {start: first, end: first + size};
}

export function clamp(value: number, low: number, high: number): number {
	if (!(value >= low)) return low;
	return value > high ? high : value;
}

/** A run of text with one style. Styles are ignored when the theme has no colour. */
export interface Span {
	text: string;
	color?: string;
	bold?: boolean;
	dim?: boolean;
	inverse?: boolean;
}

export type StyledLine = readonly Span[];

export function lineWidth(line: StyledLine): number {
	return line.reduce((sum, span) => sum + displayWidth(span.text), 0);
}

/** The line's text without styles. */
export function lineText(line: StyledLine): string {
	return line.map((span) => span.text).join('');
}

/**
 * Exactly `width` columns: spans cut at the width (the last visible one ending in an
 * ellipsis) and the rest padded with spaces in the style of `padStyle` (so an inverse
 * cursor row stays inverse to the edge).
 */
export function fitLine(line: StyledLine, width: number, ascii: boolean, padStyle: Omit<Span, 'text'> = {}): Span[] {
	const max = Math.max(0, Math.floor(width));
	const out: Span[] = [];
	let used = 0;
	const fits = lineWidth(line) <= max;
	// When the line is too wide, content gets max - 1 columns and the ellipsis the last one.
	const budget = fits ? max : max - 1;
	for (let i = 0; i < line.length; i++) {
		const span = line[i]!;
		const w = displayWidth(span.text);
		if (used + w <= budget) {
			if (span.text !== '') out.push(span);
			used += w;
			continue;
		}
		// The rest of the line follows this span, so the cut always ends in an ellipsis.
		const rest = line
			.slice(i)
			.map((s) => s.text)
			.join('');
		const cut = truncate(rest, budget - used + 1, {ascii});
		if (cut !== '') out.push({...span, text: cut});
		used += displayWidth(cut);
		break;
	}
	if (used < max) out.push({...padStyle, text: ' '.repeat(max - used)});
	return out;
}

export interface FrameGlyphs {
	topLeft: string;
	topRight: string;
	bottomLeft: string;
	bottomRight: string;
	horizontal: string;
	vertical: string;
}

export function frameGlyphs(theme: Theme): FrameGlyphs {
	return theme.unicode
		? {topLeft: '┌', topRight: '┐', bottomLeft: '└', bottomRight: '┘', horizontal: '─', vertical: '│'}
		: {topLeft: '+', topRight: '+', bottomLeft: '+', bottomRight: '+', horizontal: '-', vertical: '|'};
}

/** Columns a frame adds around its body: a border and a space on each side. */
export const FRAME_INSET = 4;

/**
 * A box drawn around `body`, exactly `width` columns wide: the title in the top border,
 * an optional label in the bottom border (e.g. "rows 1–20 of 48"), each body line fitted to
 * `width - 4` between "│ " and " │". Title and label are our own text (pass cluster
 * strings through `safeText` first).
 */
export function frameLines(title: string, body: readonly StyledLine[], width: number, theme: Theme, bottomLabel = ''): Span[][] {
	const g = frameGlyphs(theme);
	const ascii = !theme.unicode;
	const w = Math.max(FRAME_INSET, Math.floor(width));
	const inner = w - 2;
	const border: Omit<Span, 'text'> = theme.colors.dim ? {color: theme.colors.dim} : {};
	const rule = (left: string, label: string, right: string, labelStyle: Omit<Span, 'text'>): Span[] => {
		// One rule character stays on each side of the label.
		const text = label === '' ? '' : ` ${truncate(label, inner - 4, {ascii})} `;
		const shown = inner >= 6 && text !== '' ? text : '';
		const before = shown === '' ? 0 : 1;
		const after = inner - before - displayWidth(shown);
		const out: Span[] = [{...border, text: left + g.horizontal.repeat(before)}];
		if (shown !== '') out.push({...labelStyle, text: shown});
		out.push({...border, text: g.horizontal.repeat(Math.max(0, after)) + right});
		return out;
	};
	const lines: Span[][] = [rule(g.topLeft, title, g.topRight, {bold: true, color: theme.colors.accent})];
	for (const line of body) {
		lines.push([{...border, text: `${g.vertical} `}, ...fitLine(line, w - FRAME_INSET, ascii), {...border, text: ` ${g.vertical}`}]);
	}
	lines.push(rule(g.bottomLeft, bottomLabel, g.bottomRight, {color: theme.colors.dim}));
	return lines;
}

/** "12–34 of 120" (ASCII "12-34 of 120"); "0 of 0" when empty. */
export function positionText(start: number, end: number, total: number, theme: Theme): string {
	if (total <= 0 || end <= start) return `0 of ${Math.max(0, total)}`;
	return `${start + 1}${theme.unicode ? '–' : '-'}${end} of ${total}`;
}

/**
 * `text` broken into lines of at most `width` columns: at spaces where it can, inside a
 * word (by grapheme) only when the word alone is wider than a line. Runs of spaces at a
 * break are dropped; an empty text is one empty line. Pass sanitized text.
 */
export function wrapText(text: string, width: number): string[] {
	const max = Math.max(1, Math.floor(width));
	const lines: string[] = [];
	let line = '';
	let used = 0;
	graphemes ??= new Intl.Segmenter();
	const push = () => {
		lines.push(line.trimEnd());
		line = '';
		used = 0;
	};
	for (const word of text.split(/ +/)) {
		const w = displayWidth(word);
		if (used > 0 && used + 1 + w <= max) {
			line += ` ${word}`;
			used += 1 + w;
			continue;
		}
		if (w <= max) {
			if (used > 0) push();
			line = word;
			used = w;
			continue;
		}
		// A word longer than a line is cut wherever a line ends, starting on this one.
		if (used > 0 && used + 2 <= max) {
			line += ' ';
			used += 1;
		} else if (used > 0) push();
		for (const {segment} of graphemes.segment(word)) {
			const g = displayWidth(segment);
			if (used + g > max && used > 0) push();
			line += segment;
			used += g;
		}
	}
	if (used > 0 || lines.length === 0) push();
	return lines;
}
