/**
 * The `?` overlay: every key binding of the key table (../key-table.ts), grouped
 * (navigation, panes, table, remedies, typing, general), in a frame exactly `width` × at
 * most `height`, scrolling when it is taller (↑/↓, j/k, PgUp/PgDn, g/G; Esc, `?` or `q`
 * close it).
 *
 * Not drawn with @alcalzone/ink-table: that table puts a rule line between every two
 * rows (2 lines per binding, so about 9 bindings on a 24-line screen instead of 18),
 * measures cells with String.length rather than display width (a wide character shifts
 * its border), sizes a column to its longest cell with no maximum or truncation (a long
 * description pushes the table past 80 columns and Ink wraps it), draws only Unicode box
 * characters and has no notion of group headings or a scroll window. A two-column list
 * in our own frame does all of that in half the lines.
 */
import {useLatestInput} from './use-latest-input.js';
import {useRef, useState} from 'react';
import {displayWidth} from '../../text/width.js';
import {clamp, fitLine, FRAME_INSET, frameLines, positionText, type Span, type StyledLine, wrapText} from '../table-layout.js';
import type {Theme} from '../theme.js';
import {StyledLines} from './data-table.js';
import {keyText} from './key-hints.js';
import {helpGroups, type HelpGroup, lookup} from '../key-table.js';
import {keyPresses, type KeyPress} from '../keys.js';

/** A group of the overlay: its title and lines of keys ("↓ j / ↑ k") and what they do. */
export type KeyBindingGroup = HelpGroup;

export interface HelpOverlayProps {
	width: number;
	/** Most lines the overlay takes, frame included. */
	height: number;
	theme: Theme;
	groups?: readonly KeyBindingGroup[];
	/** Esc, `?` or `q`. */
	onClose?: () => void;
	/** Whether the overlay takes keys; default true. */
	isActive?: boolean;
	/** Draw this scroll offset and take no keys (the app keeps the offset). */
	offset?: number;
}

/** Every line of the overlay's body (not yet scrolled), each fitted to `inner` columns. */
export function helpBodyLines(groups: readonly KeyBindingGroup[], inner: number, theme: Theme): StyledLine[] {
	const ascii = !theme.unicode;
	const keyWidths = groups.flatMap((g) => g.bindings.map((b) => displayWidth(keyText(b.keys, theme))));
	// The key column is as wide as its longest key, but leaves the action at least 60 %.
	const keyColumn = Math.max(1, Math.min(Math.max(0, ...keyWidths), Math.floor(inner * 0.4)));
	const lines: StyledLine[] = [];
	groups.forEach((group, i) => {
		if (i > 0) lines.push([]);
		lines.push(fitLine([{text: keyText(group.title, theme), bold: true, color: theme.colors.accent}], inner, ascii));
		// What a key does wraps under itself rather than being cut.
		const actionWidth = Math.max(1, inner - keyColumn - 4);
		for (const binding of group.bindings) {
			const keys = fitLine([{text: keyText(binding.keys, theme), bold: true}], keyColumn, ascii);
			wrapText(keyText(binding.action, theme), actionWidth).forEach((part, i) => {
				const line: Span[] = [{text: '  '}, ...(i === 0 ? keys : [{text: ' '.repeat(keyColumn)}]), {text: '  '}, {text: part}];
				lines.push(fitLine(line, inner, ascii));
			});
		}
	});
	return lines;
}

/** The overlay's lines for a scroll offset (clamped), and the offset used. */
export function helpOverlayLines(
	groups: readonly KeyBindingGroup[],
	width: number,
	height: number,
	offset: number,
	theme: Theme,
): {lines: Span[][]; offset: number; maxOffset: number} {
	const inner = Math.max(0, Math.floor(width) - FRAME_INSET);
	const body = helpBodyLines(groups, inner, theme);
	const visible = Math.max(1, Math.floor(height) - 2);
	const maxOffset = Math.max(0, body.length - visible);
	const first = clamp(Math.floor(offset), 0, maxOffset);
	const shown = body.slice(first, first + visible);
	const scrolls = maxOffset > 0;
	const close = `Esc close${scrolls ? `  ${keyText('↑↓', theme)} scroll  ${positionText(first, first + shown.length, body.length, theme)}` : ''}`;
	return {lines: frameLines('Keys', shown, width, theme, close), offset: first, maxOffset};
}

/** One key in the overlay (the key table's `help` mode): the offset after it, and whether it closes. */
export function helpOverlayKey(offset: number, press: KeyPress, context: {maxOffset: number; page: number}): {offset: number; close: boolean} {
	const shown = clamp(offset, 0, context.maxOffset);
	const to = (next: number) => ({offset: clamp(next, 0, context.maxOffset), close: false});
	switch (lookup('help', press)?.action) {
		case 'closeHelp':
			return {offset: shown, close: true};
		case 'up':
			return to(shown - 1);
		case 'down':
			return to(shown + 1);
		case 'pageUp':
			return to(shown - context.page);
		case 'pageDown':
			return to(shown + context.page);
		case 'first':
			return to(0);
		case 'last':
			return to(context.maxOffset);
		default:
			return {offset: shown, close: false};
	}
}

/** The overlay's page: its body less one line of overlap. */
export function helpPage(height: number): number {
	return Math.max(1, Math.floor(height) - 3);
}

/**
 * The overlay on its own: it keeps its scroll offset and takes its keys (every key of a
 * chunk, in order), or, with `offset`, draws that offset and takes none (the app's reducer
 * sends keys through `helpOverlayKey`).
 */
export function HelpOverlay({width, height, theme, groups = helpGroups(), onClose, isActive = true, offset: given}: HelpOverlayProps) {
	// Keys can arrive before the re-render that follows the previous key: the handler
	// reads and writes the ref, the state only triggers the render.
	const offset = useRef(0);
	const [, setRendered] = useState(0);
	const {lines, maxOffset} = helpOverlayLines(groups, width, height, given ?? offset.current, theme);

	useLatestInput(
		(input, key) => {
			for (const press of keyPresses(input, key)) {
				const next = helpOverlayKey(offset.current, press, {maxOffset, page: helpPage(height)});
				offset.current = next.offset;
				setRendered(next.offset);
				if (next.close) {
					onClose?.();
					return;
				}
			}
		},
		{isActive: isActive && given === undefined},
	);

	return <StyledLines lines={lines} theme={theme} />;
}
