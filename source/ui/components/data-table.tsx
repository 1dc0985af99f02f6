/**
 * The dense table every pane shows: a header line with the sort indicator, the rows in
 * the scroll window around the cursor, and a position hint ("rows 12–34 of 120"), each
 * line exactly `width` columns. Columns are dropped and shrunk by `layoutColumns`; cells
 * are sanitized and truncated by `renderRowCells`.
 *
 * A `spark` column draws each row's series one cell per point, the latest points that fit
 * (see ../../text/sparkline.ts), and its title says the span they cover when it can.
 *
 * Each row starts with two one-character columns: the cursor glyph (on the cursor row) and
 * the severity marker (`!` critical, `*` warning, `.` info). With colour the cursor row is
 * also drawn inverse and warning/critical rows in their colour; without colour the glyph
 * and the marker carry the same information and not a single escape code is written.
 *
 * Rows are drawn in the order given: the caller sorts (`sortRows`) and filters
 * (`filterRows`) and keeps the cursor as an index into the rows it passes; `sort` only
 * draws the indicator. The table scrolls as little as it can between renders.
 *
 * `StyledLines` renders span lines (from `table-layout.ts`) for every component in this
 * folder; it is the one place that turns styles into Ink props, and it drops all of them
 * when the theme has no colour.
 */
import {Box, Text} from 'ink';
import {useRef} from 'react';
import type {Column, Row, Severity} from '../../model/finding.js';
import {
	cellText,
	fitLine,
	layoutColumns,
	positionText,
	renderRowCells,
	safeText,
	visibleWindow,
	type ScrollWindow,
	type SortState,
	type Span,
	type StyledLine,
} from '../table-layout.js';
import {asciiText, type Theme} from '../theme.js';
import {displayWidth, padEnd, padStart, truncate} from '../../text/width.js';
import {axisTime} from '../../text/sparkline.js';

export interface StyledLinesProps {
	lines: readonly StyledLine[];
	theme: Theme;
}

function hasStyle(span: Span): boolean {
	return span.color !== undefined || span.bold === true || span.dim === true || span.inverse === true;
}

/** One Ink line per styled line; styles only when the theme has colour. Lines never wrap. */
export function StyledLines({lines, theme}: StyledLinesProps) {
	return (
		<Box flexDirection="column">
			{lines.map((line, i) => {
				const spans = line.filter((span) => span.text !== '');
				// An empty Text takes no line in Ink; a space keeps the line.
				if (spans.length === 0) return <Text key={i}> </Text>;
				return (
					<Text key={i} wrap="truncate-end">
						{spans.map((span, j) =>
							theme.color && hasStyle(span) ? (
								<Text key={j} color={span.color} bold={span.bold} dimColor={span.dim} inverse={span.inverse}>
									{span.text}
								</Text>
							) : (
								span.text
							),
						)}
					</Text>
				);
			})}
		</Box>
	);
}

export const SEVERITY_MARKERS: Record<Severity, string> = {critical: '!', warning: '*', info: '.'};

/** Cursor glyph, severity marker, one space. */
export const ROW_PREFIX_WIDTH = 3;

export interface DataTableProps {
	columns: readonly Column[];
	/** In display order (already sorted and filtered). */
	rows: readonly Row[];
	width: number;
	/** Lines the table takes: header, rows, position hint. */
	height: number;
	/** Index into `rows`. */
	cursor: number;
	sort?: SortState;
	theme: Theme;
	/** Shown instead of rows when there are none. */
	emptyText?: string;
}

export interface DataTableLines {
	lines: Span[][];
	window: ScrollWindow;
}

function severityColor(severity: Severity | undefined, theme: Theme): string | undefined {
	if (severity === 'critical') return theme.colors.critical;
	if (severity === 'warning') return theme.colors.warning;
	return undefined;
}

/** How wide each column's content is: its title (and sort indicator) and its widest cell, over at most 5,000 rows. */
function contentWidths(columns: readonly Column[], rows: readonly Row[], ascii: boolean): Record<string, number> {
	const widths: Record<string, number> = {};
	const sample = rows.length > 5000 ? rows.slice(0, 5000) : rows;
	for (const column of columns) {
		if (column.key === 'spark') {
			widths[column.key] = column.width;
			continue;
		}
		let widest = displayWidth(column.title) + 1;
		for (const row of sample) widest = Math.max(widest, displayWidth(cellText(row.cells[column.key], ascii)));
		widths[column.key] = widest;
	}
	return widths;
}

/**
 * A column's title; a spark column whose points are `stepSeconds` apart also says how
 * long a span its `width` cells show ("REPLICAS 20M"), when that fits.
 */
export function sparkTitle(column: Column, width: number): string {
	if (column.key !== 'spark' || column.stepSeconds === undefined || !(column.stepSeconds > 0)) return column.title;
	const span = axisTime(width * column.stepSeconds * 1000)
		.replace(/^-/, '')
		.toUpperCase();
	const title = `${column.title} ${span}`;
	return displayWidth(title) <= width ? title : column.title;
}

/**
 * The table's lines, exactly `height` of them (at least 3) and each exactly `width`
 * columns, given where the previous window started (`start`).
 */
export function dataTableLines(props: DataTableProps, start = 0): DataTableLines {
	const {columns, rows, theme, sort} = props;
	const ascii = !theme.unicode;
	const width = Math.max(0, Math.floor(props.width));
	const bodyHeight = Math.max(1, Math.floor(props.height) - 2);
	const layout = layoutColumns(columns, width - ROW_PREFIX_WIDTH, {content: contentWidths(columns, rows, ascii)});
	const gap = ' '.repeat(layout.gap);
	const prefix = ' '.repeat(ROW_PREFIX_WIDTH);

	const titles = layout.columns.map(({column, width: w}) => {
		const title = asciiText(sparkTitle(column, w), theme);
		const indicator = sort?.key === column.key ? (sort.direction === 'asc' ? theme.glyphs.sortAsc : theme.glyphs.sortDesc) : '';
		const text = indicator === '' ? truncate(title, w, {ascii}) : truncate(title, w - 1, {ascii}) + indicator;
		const right = column.numeric === true || column.align === 'right';
		return right ? padStart(text, w) : padEnd(text, w);
	});
	const lines: Span[][] = [fitLine([{text: prefix + titles.join(gap), bold: true}], width, ascii)];

	const window = visibleWindow(rows.length, props.cursor, bodyHeight, start);
	const cursor = rows.length === 0 ? -1 : Math.min(Math.max(0, Math.floor(props.cursor)), rows.length - 1);
	if (rows.length === 0) {
		const empty = safeText(props.emptyText ?? 'nothing to show', ascii);
		lines.push(fitLine([{text: prefix + empty, dim: true, color: theme.colors.dim}], width, ascii));
	}
	for (let i = window.start; i < window.end; i++) {
		const row = rows[i]!;
		const selected = i === cursor;
		const color = severityColor(row.severity, theme);
		const glyph = selected ? theme.glyphs.cursor : ' ';
		const marker = row.severity ? SEVERITY_MARKERS[row.severity] : ' ';
		const cells = renderRowCells(row, layout, {ascii}).join(gap);
		const style: Omit<Span, 'text'> = {color, inverse: selected ? true : undefined};
		const markerColor = row.severity ? (theme.colors[row.severity] ?? color) : color;
		lines.push(
			fitLine(
				[
					{...style, text: glyph},
					{...style, color: markerColor, bold: row.severity === 'critical' ? true : undefined, text: marker},
					{...style, text: ' ' + cells},
				],
				width,
				ascii,
				style,
			),
		);
	}
	while (lines.length < bodyHeight + 1) lines.push(fitLine([], width, ascii));

	const hint = rows.length === 0 ? '0 rows' : `rows ${positionText(window.start, window.end, rows.length, theme)}`;
	lines.push(fitLine([{text: padStart(truncate(hint, width, {ascii}), width), color: theme.colors.dim}], width, ascii));
	return {lines, window};
}

export function DataTable(props: DataTableProps) {
	// Where the window started last time, so moving the cursor scrolls as little as it can.
	const start = useRef(0);
	const {lines, window} = dataTableLines(props, start.current);
	start.current = window.start;
	return <StyledLines lines={lines} theme={props.theme} />;
}
