/**
 * A series on one line for detail views: an optional label, the sparkline (Unicode blocks,
 * or the ASCII ramp `_.-:=+*#` on a non-UTF-8 terminal), and an optional annotation with
 * the series' smallest and largest values. Leading points that are approximate (backfilled
 * from events before live data began) are drawn dimmer; as dimness needs colour, the
 * annotation also says how many there are.
 *
 * The line is exactly `width` columns. When it is tight the approximation note goes first,
 * then the min/max annotation, then the label is shortened; the sparkline keeps at least
 * eight columns (fewer only when the width itself is smaller). A series longer than the
 * sparkline's columns is resampled by taking the maximum of each bucket, so spikes show.
 */
import {formatCount} from '../../text/format.js';
import {sparkline} from '../../text/sparkline.js';
import {displayWidth} from '../../text/width.js';
import {fitLine, safeText, type Span} from '../table-layout.js';
import type {Theme} from '../theme.js';
import {StyledLines} from './data-table.js';

export interface SparklineProps {
	values: readonly number[];
	width: number;
	theme: Theme;
	/** Shown before the sparkline, e.g. "replicas". */
	label?: string;
	/** Show "min 2 max 14" after the sparkline; default true. */
	showRange?: boolean;
	/** How many leading values are approximate (backfilled); drawn dimmer. */
	approximateCount?: number;
	/** Scale of the sparkline (default the series' own minimum and maximum). */
	min?: number;
	max?: number;
	/** How the annotation prints a value; default a short number ("14", "0.25", "12.3k"). */
	format?: (value: number) => string;
}

const MIN_SPARK = 8;

export function formatSparkValue(value: number): string {
	if (!Number.isFinite(value)) return '-';
	if (Math.abs(value) >= 1000) return formatCount(value);
	return String(Number(value.toPrecision(3)));
}

/** Which characters of a sparkline `drawn` columns long stand for approximate values. */
function approximateColumns(total: number, drawn: number, approximate: number): number {
	if (approximate <= 0 || drawn === 0) return 0;
	if (total <= drawn) return Math.min(approximate, drawn);
	// Column b covers values [floor(b·n/w), floor((b+1)·n/w)): approximate if it starts in the backfill.
	let columns = 0;
	while (columns < drawn && Math.floor((columns * total) / drawn) < approximate) columns++;
	return columns;
}

/** The sparkline's one line as spans, exactly `width` columns. */
export function sparklineLine(props: SparklineProps): Span[] {
	const {values, theme} = props;
	const ascii = !theme.unicode;
	const width = Math.max(0, Math.floor(props.width));
	const format = props.format ?? formatSparkValue;
	const label = props.label === undefined || props.label === '' ? '' : safeText(props.label, ascii);
	const finite = values.filter((v) => Number.isFinite(v));
	const approximate = Math.max(0, Math.min(values.length, Math.floor(props.approximateCount ?? 0)));

	if (finite.length === 0) {
		return fitLine([{text: label === '' ? 'no data' : `${label} no data`, color: theme.colors.dim}], width, ascii);
	}

	let lowest = finite[0]!;
	let highest = finite[0]!;
	for (const v of finite) {
		if (v < lowest) lowest = v;
		if (v > highest) highest = v;
	}
	const range = props.showRange === false ? '' : `min ${safeText(format(lowest), ascii)} max ${safeText(format(highest), ascii)}`;
	const note = approximate > 0 ? `first ${approximate} approx.` : '';

	const wanted = Math.min(values.length, MIN_SPARK);
	const labelPart = label === '' ? 0 : displayWidth(label) + 1;
	const annotations = [[range, note].filter((s) => s !== '').join(', '), range, ''];
	let annotation = '';
	for (const candidate of annotations) {
		const room = width - labelPart - (candidate === '' ? 0 : displayWidth(candidate) + 1);
		if (room >= wanted || candidate === '') {
			annotation = candidate;
			break;
		}
	}
	const annotationPart = annotation === '' ? 0 : displayWidth(annotation) + 1;
	// The label gives way last: shortened so the sparkline keeps its minimum.
	const labelFits = Math.min(labelPart, width - annotationPart - wanted);
	const labelRoom = labelFits > 1 ? labelFits : 0;
	const sparkRoom = Math.max(0, width - labelRoom - annotationPart);

	const drawn = sparkline(values, {width: sparkRoom, ascii, min: props.min, max: props.max});
	const dimColumns = approximateColumns(values.length, drawn.length, approximate);
	const spans: Span[] = [];
	if (labelRoom > 0) spans.push(...fitLine([{text: label}], labelRoom - 1, ascii), {text: ' '});
	if (dimColumns > 0) spans.push({text: drawn.slice(0, dimColumns), dim: true, color: theme.colors.dim});
	spans.push({text: drawn.slice(dimColumns), color: theme.colors.info});
	if (annotation !== '') {
		spans.push({text: ' '.repeat(Math.max(1, sparkRoom - drawn.length + 1))}, {text: annotation, color: theme.colors.dim});
	}
	return fitLine(spans, width, ascii);
}

export function Sparkline(props: SparklineProps) {
	return <StyledLines lines={[sparklineLine(props)]} theme={props.theme} />;
}
