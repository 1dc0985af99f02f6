/**
 * A one-line input: the `/` filter and the editor for a remedy parameter. A label, then the
 * value with a cursor; typing inserts at the cursor, ←/→ (Ctrl-B/Ctrl-F) move it, Home/End
 * (Ctrl-A/Ctrl-E) jump, Backspace deletes before it, Ctrl-U clears the value, Enter
 * submits, Esc cancels (the keys are declared in ../key-table.ts). With `validate`, a second line shows the error for the current
 * value (blank when it is valid) and Enter does nothing while there is one.
 *
 * The cursor is an inverse cell with colour and a bar (`▏`, `|` on ASCII terminals)
 * without. A value wider than the field scrolls so the cursor stays visible, with an
 * ellipsis at a cut end. The value is edited by grapheme, so an emoji or an accented
 * letter is one step; pasted control characters are dropped and what is shown passes the
 * sanitizer.
 */
import {useLatestInput} from './use-latest-input.js';
import {useRef, useState} from 'react';
import {displayWidth} from '../../text/width.js';
import {fitLine, safeText, type Span} from '../table-layout.js';
import {asciiText, type Theme} from '../theme.js';
import {StyledLines} from './data-table.js';
import {type Action, lookup} from '../key-table.js';
import {isPrintable, keyPresses, type KeyPress} from '../keys.js';

export interface TextPromptProps {
	/** e.g. "/" or "replicas:". */
	label: string;
	initialValue?: string;
	width: number;
	theme: Theme;
	onSubmit: (value: string) => void;
	onCancel: () => void;
	/** Every change of the value (the filter applies as you type). */
	onChange?: (value: string) => void;
	/** An error message for an invalid value, undefined when it is valid. */
	validate?: (value: string) => string | undefined;
	/** Whether the prompt takes keys; default true. */
	isActive?: boolean;
	/** Draw this value and cursor and take no keys (the app keeps the state). */
	state?: PromptState;
}

export interface PromptState {
	/** The value's graphemes. */
	chars: readonly string[];
	/** Index into chars, 0…chars.length. */
	cursor: number;
}

let segmenter: Intl.Segmenter | undefined;

export function graphemesOf(text: string): string[] {
	segmenter ??= new Intl.Segmenter();
	return [...segmenter.segment(text)].map((s) => s.segment);
}

/** C0, DEL, C1 and bidi controls never enter the value. */
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

export type PromptKey = {type: 'insert'; text: string} | {type: 'backspace' | 'clear' | 'left' | 'right' | 'home' | 'end'};

/** The state after one editing key. */
export function editPrompt(state: PromptState, key: PromptKey): PromptState {
	const {chars, cursor} = state;
	switch (key.type) {
		case 'insert': {
			const added = graphemesOf(key.text.replace(CONTROLS, ''));
			if (added.length === 0) return state;
			return {chars: [...chars.slice(0, cursor), ...added, ...chars.slice(cursor)], cursor: cursor + added.length};
		}
		case 'backspace':
			return cursor === 0 ? state : {chars: [...chars.slice(0, cursor - 1), ...chars.slice(cursor)], cursor: cursor - 1};
		case 'clear':
			return {chars: [], cursor: 0};
		case 'left':
			return {chars, cursor: Math.max(0, cursor - 1)};
		case 'right':
			return {chars, cursor: Math.min(chars.length, cursor + 1)};
		case 'home':
			return {chars, cursor: 0};
		case 'end':
			return {chars, cursor: chars.length};
	}
}

/** The value's field, `width` columns, scrolled so the cursor shows. */
export function promptFieldSpans(state: PromptState, width: number, theme: Theme): Span[] {
	const ascii = !theme.unicode;
	const max = Math.max(0, Math.floor(width));
	const parts = state.chars.map((c) => safeText(c, ascii));
	const cursor = Math.min(Math.max(0, state.cursor), parts.length);
	// The items drawn: with colour the cursor is the cell it sits on (a space at the end);
	// without, a bar inserted before that cell.
	// Either way the cursor is item number `cursor`.
	const items: Span[] = [];
	if (theme.color) {
		parts.forEach((text, i) => items.push(i === cursor ? {text, inverse: true} : {text}));
		if (cursor === parts.length) items.push({text: ' ', inverse: true});
	} else {
		items.push(...parts.slice(0, cursor).map((text) => ({text})));
		items.push({text: theme.unicode ? '▏' : '|'});
		items.push(...parts.slice(cursor).map((text) => ({text})));
	}
	const at = cursor;
	const widths = items.map((item) => displayWidth(item.text));
	let start = at;
	let end = at + 1;
	let used = widths[at]!;
	const ellipses = (s: number, e: number) => (s > 0 ? 1 : 0) + (e < items.length ? 1 : 0);
	while (start > 0 && used + widths[start - 1]! + ellipses(start - 1, end) <= max) used += widths[--start]!;
	while (end < items.length && used + widths[end]! + ellipses(start, end + 1) <= max) used += widths[end++]!;
	const ellipsis = theme.unicode ? '…' : '~';
	// A field too narrow for the cursor and both ellipses loses the ellipses, not the cursor.
	let lead = start > 0 ? 1 : 0;
	let trail = end < items.length ? 1 : 0;
	if (used + lead + trail > max) trail = 0;
	if (used + lead + trail > max) lead = 0;
	const shown: Span[] = [];
	if (lead) shown.push({text: ellipsis, color: theme.colors.dim});
	shown.push(...items.slice(start, end));
	if (trail) shown.push({text: ellipsis, color: theme.colors.dim});
	return fitLine(shown, max, ascii);
}

export function promptLines(label: string, state: PromptState, width: number, theme: Theme, error: string | undefined, validates: boolean): Span[][] {
	const ascii = !theme.unicode;
	const max = Math.max(0, Math.floor(width));
	const head = asciiText(label, theme);
	const headWidth = Math.min(displayWidth(head), Math.max(0, max - 2));
	const labelSpans = headWidth > 0 ? fitLine([{text: head, bold: true, color: theme.colors.accent}], headWidth, ascii) : [];
	const field = promptFieldSpans(state, max - headWidth - (headWidth > 0 ? 1 : 0), theme);
	const lines: Span[][] = [fitLine([...labelSpans, ...(headWidth > 0 ? [{text: ' '}] : []), ...field], max, ascii)];
	if (validates) {
		lines.push(fitLine(error === undefined ? [] : [{text: `! ${safeText(error, ascii)}`, color: theme.colors.critical}], max, ascii));
	}
	return lines;
}

export type PromptOutcome = 'submit' | 'cancel';

const PROMPT_EDITS: Partial<Record<Action, PromptKey>> = {
	deleteBack: {type: 'backspace'},
	clearValue: {type: 'clear'},
	cursorLeft: {type: 'left'},
	cursorRight: {type: 'right'},
	cursorHome: {type: 'home'},
	cursorEnd: {type: 'end'},
};

/**
 * One key in a prompt (the key table's `filter` and `edit` modes): the state after it,
 * and whether it submits or cancels. A printable key the table does not claim is typed:
 * in a prompt `q` and `j` are letters. Validation is the caller's (Enter submits only a
 * valid value).
 */
export function textPromptKey(state: PromptState, press: KeyPress, mode: 'filter' | 'edit' = 'edit'): {state: PromptState; outcome?: PromptOutcome} {
	const match = lookup(mode, press);
	if (match?.action === 'submit') return {state, outcome: 'submit'};
	if (match?.action === 'cancel') return {state, outcome: 'cancel'};
	const edit = match ? PROMPT_EDITS[match.action] : isPrintable(press) ? {type: 'insert' as const, text: press.text} : undefined;
	return {state: edit === undefined ? state : editPrompt(state, edit)};
}

export function initialPrompt(value: string): PromptState {
	const chars = graphemesOf(value.replace(CONTROLS, ''));
	return {chars, cursor: chars.length};
}

/**
 * The prompt on its own: it keeps its value and takes its keys (every key of a chunk, in
 * order; a paste is typed key by key, its control characters dropped), or, with `state`,
 * draws that state and takes none (the app's reducer sends keys through `textPromptKey`).
 */
export function TextPrompt(props: TextPromptProps) {
	const {onSubmit, onCancel, onChange, validate, isActive = true} = props;
	const [state, setState] = useState<PromptState>(() => initialPrompt(props.initialValue ?? ''));
	// Keys can arrive faster than renders: each one edits the latest state, not the rendered one.
	const latest = useRef(state);
	const shown = props.state ?? state;
	const error = validate?.(shown.chars.join(''));

	useLatestInput(
		(input, key) => {
			for (const press of keyPresses(input, key)) {
				const current = latest.current;
				const text = current.chars.join('');
				const {state: next, outcome} = textPromptKey(current, press);
				if (outcome === 'cancel') {
					onCancel();
					return;
				}
				if (outcome === 'submit') {
					if (validate?.(text) !== undefined) continue;
					onSubmit(text);
					return;
				}
				if (next === current) continue;
				latest.current = next;
				setState(next);
				const nextText = next.chars.join('');
				if (nextText !== text) onChange?.(nextText);
			}
		},
		{isActive: isActive && props.state === undefined},
	);

	return <StyledLines lines={promptLines(props.label, shown, props.width, props.theme, error, validate !== undefined)} theme={props.theme} />;
}
