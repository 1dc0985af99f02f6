/**
 * The detail view of one finding: severity and summary, subject and id, its series (one
 * cell per point, with scale and time axis: ./sparkline.tsx), its evidence in words and
 * units (../../findings/evidence.ts) in two aligned columns, the objects behind it, what
 * to do, and its remedies with their keys — every line wrapped to the width, never cut.
 *
 * The view scrolls over all of that, series included, and the scroll is clamped to the
 * content: the last offset shows the last line (the remedies) whatever the height. When
 * the content is taller than the view, its last line says what is above and below and
 * which lines show. A finding that went away since the view opened stays shown, marked
 * as no longer reported.
 */
import {describeEvidence} from '../../findings/evidence.js';
import {type Finding, subjectText} from '../../model/finding.js';
import {displayWidth, padEnd} from '../../text/width.js';
import {REMEDY_LETTERS} from '../key-table.js';
import {clamp, fitLine, positionText, safeText, type Span, type StyledLine, wrapText} from '../table-layout.js';
import {asciiText, type Theme} from '../theme.js';
import {sparklineLines} from './sparkline.js';

export interface DetailViewProps {
	finding: Finding;
	/** The other findings of the row the view was opened from. */
	others: readonly Finding[];
	/** The finding is no longer reported (the view shows it as last seen). */
	gone?: boolean;
	width: number;
	height: number;
	offset: number;
	theme: Theme;
	/** Remedies are off (--read-only, or no remedy engine): no keys shown. */
	readOnly: boolean;
}

/** Labels never take more than this share of the width; a longer label wraps in the label column. */
const LABEL_SHARE = 0.45;
/** Below this many columns for the value, a label goes on its own line and the value under it. */
const MIN_VALUE_WIDTH = 16;

/** The evidence as aligned "label:  value" lines, labels and values wrapped in their columns. */
export function evidenceLines(finding: Finding, width: number, theme: Theme): StyledLine[] {
	const ascii = !theme.unicode;
	const entries = Object.entries(finding.evidence).map(([key, value]) => {
		const {label, text} = describeEvidence(key, value, finding.type);
		return {label: `${asciiText(label, theme)}:`, text: safeText(text, ascii)};
	});
	if (entries.length === 0) return [];
	// The values start after the longest label that fits the share; longer labels wrap in that column.
	const cap = Math.max(8, Math.floor(width * LABEL_SHARE));
	const labelWidth = Math.max(
		...entries.map((e) => displayWidth(e.label)).filter((w) => w <= cap),
		Math.min(cap, ...entries.map((e) => displayWidth(e.label))),
	);
	const valueWidth = width - labelWidth - 2;
	const lines: StyledLine[] = [];
	for (const {label, text} of entries) {
		if (valueWidth < MIN_VALUE_WIDTH) {
			for (const part of wrapText(label, width)) lines.push([{text: part, dim: true}]);
			for (const part of wrapText(text, Math.max(1, width - 2))) lines.push([{text: `  ${part}`}]);
			continue;
		}
		const labels = wrapText(label, labelWidth);
		const values = wrapText(text, valueWidth);
		for (let i = 0; i < Math.max(labels.length, values.length); i++) {
			const value = values[i] ?? '';
			lines.push(value === '' ? [{text: labels[i] ?? '', dim: true}] : [{text: `${padEnd(labels[i] ?? '', labelWidth)}  `, dim: true}, {text: value}]);
		}
	}
	return lines;
}

/** Every line of the view before scrolling, each at most `width` columns. */
export function detailContent(props: Omit<DetailViewProps, 'height' | 'offset'>): StyledLine[] {
	const {finding, theme, readOnly} = props;
	const width = Math.max(1, Math.floor(props.width));
	const ascii = !theme.unicode;
	const cluster = (value: string) => safeText(value, ascii);
	const wrapped = (text: string, style: Omit<Span, 'text'> = {}, indent = ''): StyledLine[] =>
		wrapText(text, Math.max(1, width - displayWidth(indent))).map((part, i) => [{...style, text: `${i === 0 ? '' : indent}${part}`}]);
	const lines: StyledLine[] = [];

	const severityColor = finding.severity === 'critical' ? theme.colors.critical : finding.severity === 'warning' ? theme.colors.warning : theme.colors.info;
	const severity = finding.severity.toUpperCase();
	wrapText(`${severity} ${cluster(finding.summary)}`, width).forEach((part, i) => {
		lines.push(
			i === 0
				? [
						{text: severity, color: severityColor, bold: true},
						{text: part.slice(severity.length), bold: true},
					]
				: [{text: part, bold: true}],
		);
	});
	const subject = cluster(subjectText(finding.subject));
	const id = `id ${cluster(finding.id)}`;
	// Subject and id on one line when they fit, else each on its own.
	if (displayWidth(subject) + 3 + displayWidth(id) <= width) lines.push([{text: `${subject}   ${id}`, dim: true}]);
	else lines.push(...wrapped(subject, {dim: true}, '  '), ...wrapped(id, {dim: true}, '  '));
	if (props.gone)
		lines.push(...wrapped(asciiText('No longer reported: the condition cleared at the last refresh (shown as last seen).', theme), {color: theme.colors.ok}));
	lines.push([]);

	if (finding.series) {
		lines.push(...sparklineLines({values: finding.series.values, width, theme, label: cluster(finding.series.label), stepSeconds: finding.series.stepSeconds}));
		lines.push([]);
	}

	const evidence = evidenceLines(finding, width, theme);
	if (evidence.length > 0) lines.push(...evidence);

	const objects = finding.objects ?? [];
	const objectsTotal = finding.objectsTotal ?? objects.length;
	if (objects.length > 0) {
		lines.push([], [{text: `Objects (${objectsTotal}):`, bold: true}]);
		for (const object of objects.slice(0, 12))
			lines.push(...wrapped(`  ${cluster(`${object.kind}/${object.namespace ? `${object.namespace}/` : ''}${object.name}`)}`, {}, '    '));
		if (objectsTotal > 12) lines.push([{text: asciiText(`  … ${objectsTotal - 12} more`, theme), dim: true}]);
	}
	if (finding.detail && finding.detail.length > 0) {
		lines.push([]);
		for (const line of finding.detail) lines.push(...wrapped(cluster(line), {}, '  '));
	}

	lines.push([]);
	if (finding.remedies.length > 0) {
		lines.push([{text: 'Remedies:', bold: true}]);
		finding.remedies.forEach((remedy, i) => {
			const key = readOnly || i >= REMEDY_LETTERS.length ? '  - ' : `  ${REMEDY_LETTERS[i]}  `;
			wrapText(cluster(remedy.title), Math.max(1, width - key.length)).forEach((part, j) => {
				lines.push([
					{text: j === 0 ? key : ' '.repeat(key.length), bold: true},
					{text: part, dim: readOnly},
				]);
			});
		});
		if (readOnly) lines.push([{text: '  (read-only: remedies are off)', dim: true}]);
	} else lines.push([{text: 'No remedy: see above for what to do.', dim: true}]);
	for (const other of props.others) lines.push([], ...wrapped(`Also: ${cluster(other.summary)}`, {dim: true}, '  '));
	return lines;
}

export interface DetailViewLines {
	/** Exactly `height` lines of exactly `width` columns. */
	lines: Span[][];
	/** The offset used (clamped), the largest there is, and a page for PgUp/PgDn. */
	offset: number;
	maxOffset: number;
	page: number;
	scrolls: boolean;
}

/** The view at a scroll offset: the content's window and, when it scrolls, where it is. */
export function detailViewLines(props: DetailViewProps): DetailViewLines {
	const {theme} = props;
	const ascii = !theme.unicode;
	const width = Math.max(1, Math.floor(props.width));
	const height = Math.max(1, Math.floor(props.height));
	const content = detailContent(props);
	const scrolls = content.length > height;
	// The last line says where the view is when there is more than fits.
	const visible = scrolls ? Math.max(1, height - 1) : height;
	const maxOffset = Math.max(0, content.length - visible);
	const offset = clamp(Math.floor(props.offset), 0, maxOffset);
	const lines = content.slice(offset, offset + visible).map((line) => fitLine(line, width, ascii));
	while (lines.length < visible) lines.push(fitLine([], width, ascii));
	if (scrolls) {
		const above = offset > 0;
		const below = offset < maxOffset;
		const [up, down] = theme.unicode ? ['↑', '↓'] : ['^', 'v'];
		const where = [above ? `${up} more above` : '', below ? `${down} more below` : '', `lines ${positionText(offset, offset + visible, content.length, theme)}`]
			.filter((s) => s !== '')
			.join('   ');
		lines.push(fitLine([{text: ' '.repeat(Math.max(0, width - displayWidth(where)))}, {text: where, color: theme.colors.accent, bold: below}], width, ascii));
	}
	return {lines, offset, maxOffset, page: Math.max(1, visible - 1), scrolls};
}
