/**
 * The confirmation every remedy passes before it touches the cluster: a title, the risk
 * line, warnings, the diff of what would change, the remedy's editable parameters with
 * their current values and the key that edits each, and two buttons, [ Cancel ] and
 * [ Apply ]. Focus starts on Cancel, so a stray Enter never applies.
 *
 * Keys: `y` applies at once; `n` or Esc cancel; Tab toggles the focus, ← (h) moves it to
 * Cancel and → (l) to Apply; Enter presses the focused button; a parameter's key (1, 2, …
 * unless given) asks to edit it; ↑/↓ (j/k), PgUp/PgDn scroll the diff. When the remedy is not allowed (`disabledReason`,
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
			{text: `[ ${label} ]`, inverse: focused ? true : undefined, bold: focused ? true : undefined, dim: off ? true : undefined, color: off ? theme.colors.dim : undefined},
		];
	};
	return [...button('cancel', 'Cancel', false), {text: '   '}, ...button('apply', disabled ? 'Apply (not allowed)' : 'Apply', disabled)];
}

export interface ConfirmLinesInput extends ConfirmDialogProps {
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
	const hint =
		props.busy !== undefined
			? 'Esc cancel'
			: disabled
				? 'n/Esc cancel'
				: `y apply  n/Esc cancel  Tab move  ${keyText('⏎', theme)} press`;
	// Too many parameters for the height: the buttons and the reason stay, the top goes.
	const body = [...top, ...middle, ...bottom].slice(-(height - 2)).map((line) => fitLine(line, inner, ascii));
	return {lines: frameLines(title, body, width, theme, hint), diffHeight, diffMaxOffset: maxOffset};
}

export function ConfirmDialog(props: ConfirmDialogProps) {
	const {onApply, onCancel, onEdit, isActive = true} = props;
	const disabled = props.disabledReason !== undefined;
	// Keys can arrive before the re-render that follows the previous key: handlers read
	// and write these refs, and the state only triggers the render.
	const chosen = useRef<ConfirmFocus>('cancel');
	const scrolled = useRef(0);
	const [, setRendered] = useState<{focus: ConfirmFocus; offset: number}>({focus: 'cancel', offset: 0});
	const focusOf = (): ConfirmFocus => (disabled ? 'cancel' : chosen.current);
	const {lines, diffHeight, diffMaxOffset: maxOffset} = confirmDialogLines({...props, focus: focusOf(), diffOffset: scrolled.current});
	const update = (focus: ConfirmFocus, offset: number) => {
		chosen.current = focus;
		scrolled.current = offset;
		setRendered({focus, offset});
	};

	useLatestInput(
		(input, key) => {
			const focus = focusOf();
			const offset = clamp(scrolled.current, 0, maxOffset);
			if (key.escape) {
				onCancel();
				return;
			}
			if (props.busy !== undefined) return;
			if (input === 'n') {
				onCancel();
				return;
			}
			if (input === 'y') {
				if (!disabled) onApply();
				return;
			}
			if (key.tab || key.leftArrow || key.rightArrow || input === 'h' || input === 'l') {
				// Tab toggles; ← goes to Cancel (the left button), → to Apply.
				const next: ConfirmFocus = key.tab ? (focus === 'cancel' ? 'apply' : 'cancel') : key.leftArrow || input === 'h' ? 'cancel' : 'apply';
				if (!disabled) update(next, offset);
				return;
			}
			if (key.return) {
				if (focus === 'apply' && !disabled) onApply();
				else onCancel();
				return;
			}
			const parameters = props.parameters ?? [];
			const index = parameters.findIndex((p, i) => input !== '' && parameterKey(p, i) === input);
			if (index >= 0) {
				onEdit?.(parameters[index]!.name);
				return;
			}
			const page = Math.max(1, diffHeight - 1);
			let next = offset;
			if (key.upArrow || input === 'k') next = offset - 1;
			else if (key.downArrow || input === 'j') next = offset + 1;
			else if (key.pageUp) next = offset - page;
			else if (key.pageDown) next = offset + page;
			else return;
			update(focus, clamp(next, 0, maxOffset));
		},
		{isActive},
	);

	return <StyledLines lines={lines} theme={props.theme} />;
}
