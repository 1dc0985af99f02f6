/**
 * The one-line footer of key hints ("↑↓ move  / filter  s sort  ? help  q quit"). It never
 * wraps: when the hints do not fit the width, the lowest-priority hints are dropped first
 * (of equal priorities, the rightmost), then every label is shortened to the same length
 * with an ellipsis, then labels go and only keys remain. `?` (help) and `q` (quit) are never
 * dropped, and are added when the list lacks them (unless the caller's hints already say
 * where they work: the app's come from the key table).
 *
 * Key names are our own text: arrows and the return symbol become words on an ASCII
 * terminal (`keyText`), so "↑/↓" reads "Up/Down" under LANG=C.
 */
import {sanitize} from '../../text/sanitize.js';
import {displayWidth} from '../../text/width.js';
import {fitLine, type Span} from '../table-layout.js';
import {asciiText, type Theme} from '../theme.js';
import {StyledLines} from './data-table.js';

export interface KeyHint {
	key: string;
	label: string;
	/** Higher stays longer when the line is narrow. */
	priority: number;
}

export interface KeyHintsProps {
	hints: readonly KeyHint[];
	width: number;
	theme: Theme;
	/** Add `? help` and `q quit` when the hints lack them (default true; the app's hints say where they work). */
	addMissing?: boolean;
}

const ASCII_KEYS: Array<[RegExp, string]> = [
	[/↑↓/g, 'Up/Down'],
	[/←→/g, 'Left/Right'],
	[/↑/g, 'Up'],
	[/↓/g, 'Down'],
	[/←/g, 'Left'],
	[/→/g, 'Right'],
	[/[⏎↵]/g, 'Enter'],
	[/⇥/g, 'Tab'],
	[/⌫/g, 'Backspace'],
];

/**
 * A key's name (or a text about keys) as this terminal can draw it: sanitized like any
 * string, and on an ASCII terminal with arrows and the return symbol spelled out.
 */
export function keyText(key: string, theme: Theme): string {
	const clean = sanitize(key, {ascii: !theme.unicode});
	if (theme.unicode) return clean;
	let out = clean;
	for (const [pattern, name] of ASCII_KEYS) out = out.replace(pattern, name);
	return asciiText(out, theme);
}

const ALWAYS: readonly KeyHint[] = [
	{key: '?', label: 'help', priority: Infinity},
	{key: 'q', label: 'quit', priority: Infinity},
];

function isRequired(hint: KeyHint): boolean {
	return hint.key === '?' || hint.key === 'q';
}

const SEPARATOR = '  ';

interface Shown {
	key: string;
	label: string;
	priority: number;
	required: boolean;
}

function widthOf(items: readonly Shown[], labelLimit: number): number {
	let total = 0;
	items.forEach((item, i) => {
		if (i > 0) total += SEPARATOR.length;
		total += displayWidth(item.key);
		const label = Math.min(displayWidth(item.label), labelLimit);
		if (label > 0) total += 1 + label;
	});
	return total;
}

/** The footer as spans, exactly `width` columns. */
export function keyHintsLine(hints: readonly KeyHint[], width: number, theme: Theme, addMissing = true): Span[] {
	const ascii = !theme.unicode;
	const max = Math.max(0, Math.floor(width));
	const all = addMissing ? [...hints, ...ALWAYS.filter((a) => !hints.some((h) => h.key === a.key))] : [...hints];
	const items: Shown[] = all.map((hint) => ({
		key: keyText(hint.key, theme),
		label: keyText(hint.label, theme),
		priority: hint.priority,
		required: isRequired(hint),
	}));

	while (widthOf(items, Infinity) > max) {
		let victim = -1;
		items.forEach((item, i) => {
			if (item.required) return;
			if (victim === -1 || item.priority <= items[victim]!.priority) victim = i;
		});
		if (victim === -1) break;
		items.splice(victim, 1);
	}

	let labelLimit = Infinity;
	if (widthOf(items, labelLimit) > max) {
		const longest = Math.max(0, ...items.map((item) => displayWidth(item.label)));
		labelLimit = 0;
		// A label cut to one column would be a lone ellipsis: below two, keys only.
		for (let limit = longest - 1; limit >= 2; limit--) {
			if (widthOf(items, limit) <= max) {
				labelLimit = limit;
				break;
			}
		}
	}

	const spans: Span[] = [];
	items.forEach((item, i) => {
		if (i > 0) spans.push({text: SEPARATOR});
		spans.push({text: item.key, bold: true, color: theme.colors.accent});
		if (labelLimit > 0) {
			const label = fitLine([{text: item.label}], Math.min(displayWidth(item.label), labelLimit), ascii);
			spans.push({text: ' '}, ...label);
		}
	});
	return fitLine(spans, max, ascii);
}

export function KeyHints({hints, width, theme, addMissing = true}: KeyHintsProps) {
	return <StyledLines lines={[keyHintsLine(hints, width, theme, addMissing)]} theme={theme} />;
}
