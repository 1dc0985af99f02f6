/**
 * A series as the detail views draw it, one cell per point so that every reversal of a
 * flapping autoscaler can be seen and counted:
 *
 *     replicas, last 60 min (one value per minute)                  min 3 max 10
 *     ▁█▁█▁█▁█▁█▁█▁█▁█▁█▁█▁█▁█▁█▁█▁█▁█▁█▁█▁█▁█▁█▁█▁█▁█▁█▁█▁█▁█▁█▁█▁█▁█▁█▁█
 *     -60m                          -30m                                     now
 *
 * A title line (the label, and the scale: the series' smallest and largest values),
 * then rows of cells, each with a time axis under it: when the series says how far apart
 * its points are (`stepSeconds`, the last point being now) the axis says how long ago a
 * row starts and ends ("-60m … now"), else "oldest … latest". A series longer than the
 * width wraps onto more rows (60 points at 40 columns: two rows of 30), up to `maxRows`;
 * only a series that would need more is resampled (the maximum of each bucket, and the
 * title says so). Unicode blocks, or the ASCII ramp `_.-:=+*#` on a non-UTF-8 terminal.
 * Leading points that are approximate (backfilled from events before live data began)
 * are drawn dimmer, and the title says how many there are (dimness needs colour).
 *
 * Every line is exactly `width` columns. When the title is tight the approximation note
 * goes first, then the label is shortened; the scale stays while it fits.
 */
import {formatCount} from '../../text/format.js';
import {axisTime, finiteRange, resampleMax, sparkline} from '../../text/sparkline.js';
import {displayWidth} from '../../text/width.js';
import {fitLine, safeText, type Span} from '../table-layout.js';
import type {Theme} from '../theme.js';
import {StyledLines} from './data-table.js';

export interface SparklineProps {
	values: readonly number[];
	width: number;
	theme: Theme;
	/** The title, e.g. "replicas, last 60 min". */
	label?: string;
	/** Show "min 2 max 14" in the title; default true. */
	showRange?: boolean;
	/** Seconds between two points; the last point is now. Without it the axis says oldest … latest. */
	stepSeconds?: number;
	/** How many leading values are approximate (backfilled); drawn dimmer. */
	approximateCount?: number;
	/** Scale of the sparkline (default the series' own minimum and maximum). */
	min?: number;
	max?: number;
	/** How the scale prints a value; default a short number ("14", "0.25", "12.3k"). */
	format?: (value: number) => string;
	/** Most rows of cells (each with its axis line); default 4. */
	maxRows?: number;
}

export function formatSparkValue(value: number): string {
	if (!Number.isFinite(value)) return '-';
	if (Math.abs(value) >= 1000) return formatCount(value);
	return String(Number(value.toPrecision(3)));
}

/**
 * The axis under one row of cells: labels at the first cell, the last cell and (when there
 * is room) the middle, each placed so it starts at its cell, the last one ending at its cell.
 */
function axisLine(labels: ReadonlyArray<{at: number; text: string}>, cells: number, width: number): string {
	const line = Array.from({length: Math.max(cells, width)}, () => ' ');
	// Where the next label may start: two blanks after the previous one, or it is left out.
	let next = 0;
	labels.forEach(({at, text}, i) => {
		const last = i === labels.length - 1 && labels.length > 1;
		const start = last ? Math.max(0, at - text.length + 1) : at;
		if (start < next || start + text.length > width) return;
		for (let c = 0; c < text.length; c++) line[start + c] = text[c]!;
		next = start + text.length + 2;
	});
	return line.join('').slice(0, width);
}

/**
 * The title line: label on the left, the scale (and notes) on the right. Notes go first
 * when it is tight, then the label is shortened (to six columns at least), then the scale.
 */
function titleLine(label: string, annotations: readonly string[], width: number, theme: Theme): Span[] {
	const ascii = !theme.unicode;
	const labelWidth = displayWidth(label);
	const room = (annotation: string) => width - (annotation === '' ? 0 : displayWidth(annotation) + 1);
	const scale = annotations.filter((a) => a !== '').at(-1);
	const annotation = annotations.find((a) => a === '' || room(a) >= labelWidth || (a === scale && room(a) >= Math.min(labelWidth, 6))) ?? '';
	const shown = Math.min(labelWidth, room(annotation));
	const spans: Span[] = shown > 0 ? fitLine([{text: label}], shown, ascii) : [];
	if (annotation !== '') spans.push({text: ' '.repeat(Math.max(1, width - shown - displayWidth(annotation)))}, {text: annotation, color: theme.colors.dim});
	return fitLine(spans, width, ascii);
}

/** The series' lines (title, then cells and axis per row), each exactly `width` columns. */
export function sparklineLines(props: SparklineProps): Span[][] {
	const {values, theme} = props;
	const ascii = !theme.unicode;
	const width = Math.max(0, Math.floor(props.width));
	const format = props.format ?? formatSparkValue;
	const label = props.label === undefined || props.label === '' ? '' : safeText(props.label, ascii);
	const {lo, hi} = finiteRange(values);
	if (!Number.isFinite(lo)) return [fitLine([{text: label === '' ? 'no data' : `${label}: no data`, color: theme.colors.dim}], width, ascii)];
	if (width === 0) return [[]];

	const maxRows = Math.max(1, Math.floor(props.maxRows ?? 4));
	const n = values.length;
	let rowCount = Math.ceil(n / width);
	let points: readonly number[] = values;
	let perCell = 1;
	let approximate = Math.max(0, Math.min(n, Math.floor(props.approximateCount ?? 0)));
	if (rowCount > maxRows) {
		// Too narrow even for maxRows rows of one cell per point: the maximum of each bucket.
		rowCount = maxRows;
		points = resampleMax(values, maxRows * width);
		perCell = n / points.length;
		approximate = Math.ceil(approximate / perCell);
	}
	const perRow = Math.ceil(points.length / rowCount);

	const range = props.showRange === false ? '' : `min ${safeText(format(props.min ?? lo), ascii)} max ${safeText(format(props.max ?? hi), ascii)}`;
	const notes = [perCell > 1 ? `max of ${Number(perCell.toFixed(1))} per cell` : '', approximate > 0 ? `first ${props.approximateCount} approx.` : ''].filter(
		(s) => s !== '',
	);
	const annotations = [[range, ...notes].filter((s) => s !== '').join(', '), range, ''];
	const lines: Span[][] = [titleLine(label, [...new Set(annotations)], width, theme)];

	const step = props.stepSeconds !== undefined && props.stepSeconds > 0 ? props.stepSeconds * 1000 * perCell : undefined;
	const total = points.length;
	const scale = {min: props.min ?? lo, max: props.max ?? hi};
	for (let start = 0; start < total; start += perRow) {
		const row = points.slice(start, start + perRow);
		const drawn = sparkline(row, {ascii, ...scale});
		const dim = Math.max(0, Math.min(row.length, approximate - start));
		const spans: Span[] = [];
		if (dim > 0) spans.push({text: drawn.slice(0, dim), dim: true, color: theme.colors.dim});
		spans.push({text: drawn.slice(dim), color: theme.colors.info});
		lines.push(fitLine(spans, width, ascii));
		const end = start + row.length - 1;
		// Cell i covers the step that ends (total - 1 - i) steps before now.
		const time = (i: number, edge: 'start' | 'end') =>
			step === undefined ? (i === 0 ? 'oldest' : i === total - 1 ? 'latest' : '') : axisTime((total - i - (edge === 'start' ? 0 : 1)) * step);
		const labels: Array<{at: number; text: string}> = [{at: 0, text: time(start, 'start')}];
		const middle = Math.floor(row.length / 2);
		if (step !== undefined && row.length >= 24) labels.push({at: middle, text: time(start + middle, 'start')});
		if (row.length > 1) labels.push({at: row.length - 1, text: time(end, 'end')});
		const axis = axisLine(
			labels.filter((l) => l.text !== ''),
			row.length,
			width,
		);
		lines.push(fitLine([{text: axis, color: theme.colors.dim}], width, ascii));
	}
	return lines;
}

export function Sparkline(props: SparklineProps) {
	return <StyledLines lines={sparklineLines(props)} theme={props.theme} />;
}
