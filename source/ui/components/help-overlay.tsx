/**
 * The `?` overlay: every key binding, grouped (navigation, panes, table, remedies,
 * general), in a frame exactly `width` × at most `height`, scrolling when it is taller
 * (↑/↓, j/k, PgUp/PgDn, g/G; Esc, `?` or `q` close it).
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
import {clamp, fitLine, FRAME_INSET, frameLines, positionText, type Span, type StyledLine} from '../table-layout.js';
import type {Theme} from '../theme.js';
import {StyledLines} from './data-table.js';
import {keyText} from './key-hints.js';

export interface KeyBinding {
	/** The key or keys, e.g. "↑/↓  j/k". */
	keys: string;
	action: string;
}

export interface KeyBindingGroup {
	title: string;
	bindings: readonly KeyBinding[];
}

/** The bindings the issue defines; the app passes its own keymap when it has more. */
export const KEY_BINDINGS: readonly KeyBindingGroup[] = [
	{
		title: 'Navigation',
		bindings: [
			{keys: '↑/↓  j/k', action: 'move the cursor'},
			{keys: 'PgUp/PgDn', action: 'move a page'},
			{keys: 'g / G', action: 'first / last row'},
			{keys: '⏎', action: 'open the detail view'},
			{keys: 'Esc', action: 'back: close the detail view, prompt or overlay'},
		],
	},
	{
		title: 'Panes',
		bindings: [
			{keys: '1 2 3 4', action: 'etcd, watchers, autoscaling, QoS'},
			{keys: 'Tab / Shift-Tab', action: 'next / previous pane'},
		],
	},
	{
		title: 'Table',
		bindings: [
			{keys: '/', action: 'filter rows (⏎ keeps the filter, Esc clears it)'},
			{keys: 's', action: 'sort by the next column'},
			{keys: 'S', action: 'reverse the sort order'},
		],
	},
	{
		title: 'Remedies',
		bindings: [
			{keys: 'f', action: 'fix: show the remedy, its diff, and confirm'},
			{keys: 'y', action: 'apply (in the confirm dialog)'},
			{keys: 'n / Esc', action: 'cancel (in the confirm dialog)'},
			{keys: 'Tab  ← →', action: 'move between Cancel and Apply'},
			{keys: '⏎', action: 'press the focused button (Cancel at first)'},
			{keys: '1-9', action: 'edit a remedy parameter'},
		],
	},
	{
		title: 'General',
		bindings: [
			{keys: '?', action: 'show or hide this help'},
			{keys: 'q', action: 'quit'},
			{keys: 'Ctrl-C', action: 'quit'},
		],
	},
];

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
		for (const binding of group.bindings) {
			const keys = fitLine([{text: keyText(binding.keys, theme), bold: true}], keyColumn, ascii);
			const line: Span[] = [{text: '  '}, ...keys, {text: '  '}, {text: keyText(binding.action, theme)}];
			lines.push(fitLine(line, inner, ascii));
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

export function HelpOverlay({width, height, theme, groups = KEY_BINDINGS, onClose, isActive = true}: HelpOverlayProps) {
	// Keys can arrive before the re-render that follows the previous key: the handler
	// reads and writes the ref, the state only triggers the render.
	const offset = useRef(0);
	const [, setRendered] = useState(0);
	const {lines, maxOffset} = helpOverlayLines(groups, width, height, offset.current, theme);
	const page = Math.max(1, Math.floor(height) - 3);

	useLatestInput(
		(input, key) => {
			if (key.escape || input === '?' || input === 'q') {
				onClose?.();
				return;
			}
			const shown = clamp(offset.current, 0, maxOffset);
			let next = shown;
			if (key.upArrow || input === 'k') next = shown - 1;
			else if (key.downArrow || input === 'j') next = shown + 1;
			else if (key.pageUp) next = shown - page;
			else if (key.pageDown || input === ' ') next = shown + page;
			else if (key.home || input === 'g') next = 0;
			else if (key.end || input === 'G') next = maxOffset;
			else return;
			offset.current = clamp(next, 0, maxOffset);
			setRendered(offset.current);
		},
		{isActive},
	);

	return <StyledLines lines={lines} theme={theme} />;
}
