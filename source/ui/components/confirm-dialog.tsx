/**
 * The confirmation every remedy passes before it touches the cluster: a title, the risk
 * line, warnings, the diff of what would change, the remedy's editable parameters with
 * their current values and the key that edits each, and two buttons, [ Cancel ] and
 * [ Apply ]. Focus starts on Cancel, so a stray Enter never applies.
 *
 * Keys (declared in ../key-table.ts, mode `dialog`): `y` applies at once; `n` or Esc
 * cancel; Tab toggles the focus, ← (h) moves it to Cancel and → (l) to Apply; Enter
 * presses the focused button; a parameter's key (1, 2, … unless given) asks to edit it;
 * ↑/↓ (j/k), PgUp/PgDn scroll the diff. When the remedy is not allowed (`disabledReason`,
 * e.g. "RBAC does not allow patch on cronjobs.batch in ml-pipelines") Apply is disabled:
 * `y` and Enter cannot apply, the focus stays on Cancel and the reason is shown. While
 * `busy` ("dry-running…", "applying 40/200…") the dialog ignores every key but Esc.
 *
 * The dialog is at most `width` × `height`, every line exactly `width` columns; when it
 * is short of lines, warnings are summarised and the diff gets what is left (and scrolls).
 * Titles, warnings, parameter values and diff lines pass the sanitizer.
 */
import {useLatestInput} from './use-latest-input.js';
import {useRef, useState} from 'react';
import {clamp, fitLine, FRAME_INSET, frameLines, safeText, type Span, type StyledLine} from '../table-layout.js';
import {asciiText, type Theme} from '../theme.js';
import {StyledLines} from './data-table.js';
import {diffMaxOffset, diffViewLines, type DiffLine} from './diff-view.js';
import {keyText} from './key-hints.js';
import {lookup} from '../key-table.js';
import {isPrintable, keyPresses, type KeyPress, matches} from '../keys.js';

export interface RemedyParameter {
	name: string;
	/** The current value, as shown. */
	value: string;
	/** One character that edits it; default "1", "2", … by position. Never y or n. */
	key?: string;
}

export type ConfirmFocus = 'cancel' | 'apply';

export interface ConfirmDialogProps {
	title: string;
	/** One line: what could go wrong and whether it can be undone. */
	risk: string;
	warnings?: readonly string[];
	diff?: readonly DiffLine[];
	parameters?: readonly RemedyParameter[];
	/** Set when the remedy is not allowed: Apply is disabled and this says why. */
	disabledReason?: string;
	/** Set while something runs ("dry-running…"): only Esc works. */
	busy?: string;
	width: number;
	/** Most lines the dialog takes. */
	height: number;
	theme: Theme;
	onApply: () => void;
	onCancel: () => void;
	onEdit?: (name: string) => void;
	/** Whether the dialog takes keys; default true. */
	isActive?: boolean;
	/** Draw this focus and diff offset and take no keys (the app keeps them; see confirmDialogKey). */
	focus?: ConfirmFocus;
	diffOffset?: number;
}

export function parameterKey(parameter: RemedyParameter, index: number): string {
	const key = parameter.key ?? String(index + 1);
	return key === 'y' || key === 'n' ? '' : key;
}

function buttonsLine(focus: ConfirmFocus, disabled: boolean, theme: Theme): Span[] {
	const glyph = theme.glyphs.cursor;
	const button = (name: ConfirmFocus, label: string, off: boolean): Span[] => {
		const focused = focus === name;
		return [
			{text: focused ? glyph : ' ', color: theme.colors.accent},
			{
				text: `[ ${label} ]`,
				inverse: focused ? true : undefined,
				bold: focused ? true : undefined,
				dim: off ? true : undefined,
				color: off ? theme.colors.dim : undefined,
			},
		];
	};
	return [...button('cancel', 'Cancel', false), {text: '   '}, ...button('apply', disabled ? 'Apply (not allowed)' : 'Apply', disabled)];
}

export interface ConfirmLinesInput extends Omit<ConfirmDialogProps, 'onApply' | 'onCancel'> {
	focus: ConfirmFocus;
	diffOffset: number;
}

/** The dialog's lines, and the diff's height and largest offset (for scrolling). */
export function confirmDialogLines(props: ConfirmLinesInput): {lines: Span[][]; diffHeight: number; diffMaxOffset: number} {
	const {theme} = props;
	const ascii = !theme.unicode;
	const width = Math.max(FRAME_INSET, Math.floor(props.width));
	const inner = width - FRAME_INSET;
	const height = Math.max(3, Math.floor(props.height));
	const disabled = props.disabledReason !== undefined;
	const warnings = props.warnings ?? [];
	const diff = props.diff ?? [];
	const parameters = props.parameters ?? [];

	const top: StyledLine[] = [[{text: safeText(props.risk, ascii), bold: true, color: theme.colors.warning}]];
	const bottom: StyledLine[] = [];
	if (parameters.length > 0) bottom.push([]);
	parameters.forEach((parameter, i) => {
		const key = parameterKey(parameter, i);
		const line: Span[] = [{text: `${safeText(parameter.name, ascii)}: `}, {text: safeText(parameter.value, ascii), bold: true}];
		if (key !== '' && props.busy === undefined) line.push({text: '  '}, {text: `[${keyText(key, theme)}]`, color: theme.colors.accent}, {text: ' edit'});
		bottom.push(line);
	});
	bottom.push([]);
	if (props.busy !== undefined) {
		bottom.push([{text: `${theme.glyphs.bullet} ${safeText(props.busy, ascii)}`, bold: true, color: theme.colors.info}]);
	} else {
		bottom.push(buttonsLine(props.focus, disabled, theme));
		if (disabled) bottom.push([{text: `Apply disabled: ${safeText(props.disabledReason ?? '', ascii)}`, color: theme.colors.critical}]);
	}

	// Frame (2) + top + bottom are fixed; warnings and the diff share the rest.
	let room = Math.max(0, height - 2 - top.length - bottom.length);
	const diffWanted = diff.length === 0 ? 0 : Math.min(diff.length, 3) + 1;
	let warningRoom = Math.min(warnings.length, Math.max(room - diffWanted, Math.min(1, room)));
	const warningLines: StyledLine[] = [];
	const shownWarnings = warningRoom < warnings.length ? Math.max(0, warningRoom - 1) : warnings.length;
	for (const warning of warnings.slice(0, shownWarnings)) {
		warningLines.push([{text: `! ${safeText(warning, ascii)}`, color: theme.colors.warning}]);
	}
	if (shownWarnings < warnings.length && warningRoom > 0) {
		const summary = shownWarnings === 0 ? `! ${warnings.length} warnings, no room to show them` : `! … and ${warnings.length - shownWarnings} more`;
		warningLines.push([{text: asciiText(summary, theme), color: theme.colors.warning}]);
	}
	warningRoom = warningLines.length;
	room -= warningRoom;

	const middle: StyledLine[] = [...warningLines];
	let diffHeight = 0;
	let maxOffset = 0;
	if (diff.length > 0 && room >= 2) {
		diffHeight = room - 1;
		maxOffset = diffMaxOffset(diff.length, diffHeight);
		const view = diffViewLines({lines: diff, width: inner, height: diffHeight, offset: props.diffOffset, theme});
		middle.push([], ...view.lines);
	}

	const title = asciiText('Confirm: ', theme) + safeText(props.title, ascii);
	const hint = props.busy !== undefined ? 'Esc cancel' : disabled ? 'n/Esc cancel' : `y apply  n/Esc cancel  Tab move  ${keyText('⏎', theme)} press`;
	// Too many parameters for the height: the buttons and the reason stay, the top goes.
	const body = [...top, ...middle, ...bottom].slice(-(height - 2)).map((line) => fitLine(line, inner, ascii));
	return {lines: frameLines(title, body, width, theme, hint), diffHeight, diffMaxOffset: maxOffset};
}

export interface ConfirmKeyState {
	focus: ConfirmFocus;
	/** The diff's scroll offset. */
	offset: number;
}

export interface ConfirmKeyContext {
	/** Apply is not allowed (`disabledReason`). */
	disabled: boolean;
	/** Something runs: only Esc works. */
	busy: boolean;
	parameters: readonly RemedyParameter[];
	/** The diff's largest offset and page (from confirmDialogLines). */
	maxOffset: number;
	page: number;
}

export type ConfirmOutcome = {type: 'apply'} | {type: 'cancel'} | {type: 'edit'; name: string};

/**
 * One key in the dialog (the key table's `dialog` mode): the focus and diff offset after
 * it, and whether it applies, cancels or asks to edit a parameter. Pure, so the app's
 * reducer and this component share it.
 */
export function confirmDialogKey(state: ConfirmKeyState, press: KeyPress, context: ConfirmKeyContext): {state: ConfirmKeyState; outcome?: ConfirmOutcome} {
	const focus: ConfirmFocus = context.disabled ? 'cancel' : state.focus;
	const offset = clamp(state.offset, 0, context.maxOffset);
	const same = {state: {focus, offset}};
	const match = lookup('dialog', press);
	if (context.busy) return matches('escape', press) ? {...same, outcome: {type: 'cancel'}} : same;
	// A parameter's own key ("1", or the one it names) edits it.
	const parameter = isPrintable(press) ? context.parameters.find((p, i) => parameterKey(p, i) === press.text) : undefined;
	if (parameter && (match === undefined || match.action === 'editParam')) return {...same, outcome: {type: 'edit', name: parameter.name}};
	const move = (next: ConfirmFocus) => ({state: {focus: context.disabled ? 'cancel' : next, offset}});
	const scroll = (next: number) => ({state: {focus, offset: clamp(next, 0, context.maxOffset)}});
	switch (match?.action) {
		case 'cancel':
			return {...same, outcome: {type: 'cancel'}};
		case 'apply':
			return context.disabled ? same : {...same, outcome: {type: 'apply'}};
		case 'toggleFocus':
			return move(focus === 'cancel' ? 'apply' : 'cancel');
		case 'focusCancel':
			return move('cancel');
		case 'focusApply':
			return move('apply');
		case 'press':
			return {...same, outcome: focus === 'apply' && !context.disabled ? {type: 'apply'} : {type: 'cancel'}};
		case 'up':
			return scroll(offset - 1);
		case 'down':
			return scroll(offset + 1);
		case 'pageUp':
			return scroll(offset - context.page);
		case 'pageDown':
			return scroll(offset + context.page);
		default:
			return same;
	}
}

/** The diff's page: the diff's height less one line of overlap. */
export function diffPage(diffHeight: number): number {
	return Math.max(1, diffHeight - 1);
}

/**
 * The dialog on its own: it keeps its focus and scroll and takes its keys (every key of a
 * chunk read at once, in order). The app draws `confirmDialogLines` from its own state
 * and sends keys through `confirmDialogKey` instead.
 */
export function ConfirmDialog(props: ConfirmDialogProps) {
	const {onApply, onCancel, onEdit, isActive = true} = props;
	const disabled = props.disabledReason !== undefined;
	// Keys can arrive before the re-render that follows the previous key: the handler reads
	// and writes this ref, and the state only triggers the render.
	const current = useRef<ConfirmKeyState>({focus: 'cancel', offset: 0});
	const [, setRendered] = useState<ConfirmKeyState>(current.current);
	const controlled = props.focus !== undefined;
	const focus = disabled ? 'cancel' : (props.focus ?? current.current.focus);
	const {lines, diffHeight, diffMaxOffset: maxOffset} = confirmDialogLines({...props, focus, diffOffset: props.diffOffset ?? current.current.offset});

	useLatestInput(
		(input, key) => {
			for (const press of keyPresses(input, key)) {
				const {state, outcome} = confirmDialogKey(current.current, press, {
					disabled,
					busy: props.busy !== undefined,
					parameters: props.parameters ?? [],
					maxOffset,
					page: diffPage(diffHeight),
				});
				current.current = state;
				setRendered(state);
				if (outcome?.type === 'apply') onApply();
				else if (outcome?.type === 'cancel') onCancel();
				else if (outcome?.type === 'edit') onEdit?.(outcome.name);
				if (outcome) return;
			}
		},
		{isActive: isActive && !controlled},
	);

	return <StyledLines lines={lines} theme={props.theme} />;
}
