/**
 * A diff of what a remedy would change: added (`+`), removed (`-`), context (` `) and note
 * (`~`) lines, each drawn with its op as the first character so it reads without colour
 * (with colour: added green, removed red, notes dim). Lines are sanitized (they carry
 * object names and values from the cluster) and cut with an ellipsis at `width`, never
 * wrapped. When there are more lines than `height`, the view shows the window starting at
 * `offset` and its last line says which lines are shown.
 */
import {clamp, fitLine, positionText, safeText, type Span} from '../table-layout.js';
import type {Theme} from '../theme.js';
import {StyledLines} from './data-table.js';

export type DiffOp = '+' | '-' | ' ' | '~';

export interface DiffLine {
	op: DiffOp;
	text: string;
}

export interface DiffViewProps {
	lines: readonly DiffLine[];
	width: number;
	/** Most lines the view takes, the position line included. */
	height: number;
	/** First diff line shown; clamped. */
	offset?: number;
	theme: Theme;
}

/** Diff lines shown at once: all of them, or `height - 1` and the position line. */
function windowSize(count: number, height: number): number {
	const h = Math.max(1, Math.floor(height));
	return count <= h ? count : Math.max(1, h - 1);
}

/** The largest useful offset for `count` lines in `height`. */
export function diffMaxOffset(count: number, height: number): number {
	return Math.max(0, count - windowSize(count, height));
}

function opColor(op: DiffOp, theme: Theme): string | undefined {
	if (op === '+') return theme.colors.ok;
	if (op === '-') return theme.colors.critical;
	if (op === '~') return theme.colors.dim;
	return undefined;
}

export function diffViewLines(props: DiffViewProps): {lines: Span[][]; offset: number} {
	const {lines, theme} = props;
	const ascii = !theme.unicode;
	const width = Math.max(0, Math.floor(props.width));
	if (lines.length === 0) return {lines: [fitLine([{text: '  (no changes)', color: theme.colors.dim}], width, ascii)], offset: 0};
	const size = windowSize(lines.length, props.height);
	const offset = clamp(Math.floor(props.offset ?? 0), 0, lines.length - size);
	const out: Span[][] = lines.slice(offset, offset + size).map((line) => {
		const op: DiffOp = line.op === '+' || line.op === '-' || line.op === '~' ? line.op : ' ';
		return fitLine([{text: `${op} ${safeText(line.text, ascii)}`, color: opColor(op, theme), dim: op === '~' ? true : undefined}], width, ascii);
	});
	if (size < lines.length) {
		const more = lines.length - offset - size;
		const where = `lines ${positionText(offset, offset + size, lines.length, theme)}${more > 0 ? `, ${more} more below` : ''}`;
		out.push(fitLine([{text: `  ${where}`, color: theme.colors.dim}], width, ascii));
	}
	return {lines: out, offset};
}

export function DiffView(props: DiffViewProps) {
	return <StyledLines lines={diffViewLines(props).lines} theme={props.theme} />;
}
