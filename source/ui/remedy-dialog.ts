/**
 * The remedy dialog's state machine, pure: plan → access check → dry run → diff → confirm
 * (focus on Cancel) → apply → result, and the same for an undo. The state says what the
 * dialog shows; the engine's answers come back as events; what must happen outside
 * (ask the engine to prepare or apply, refresh the data) comes out as effects, which the
 * app runs. Each preparation has a token, so an answer for a dialog that was cancelled or
 * re-planned meanwhile is dropped.
 */
import type {Finding} from '../model/finding.js';
import type {ApplyResult, Prepared} from '../remedies/engine.js';
import type {RemedyParam} from '../remedies/types.js';
import {sanitize} from '../text/sanitize.js';
import type {ConfirmDialogProps, ConfirmFocus} from './components/confirm-dialog.js';
import {asciiText, type Theme} from './theme.js';

export interface DialogState {
	/** Which preparation the dialog waits for or shows. */
	token: number;
	finding: Finding;
	remedyId: string;
	/** Parameter values the user set, by parameter name. */
	params: Readonly<Record<string, string>>;
	undo: boolean;
	prepared?: Prepared;
	/** Something runs ("dry-running…", "applying 40/200…"): only Esc works, and not while applying. */
	busy?: string;
	applying: boolean;
	/** The preparation failed (Apply is disabled, this says why). */
	error?: string;
	/** The label of the parameter being edited (mode `edit`). */
	editing?: string;
	focus: ConfirmFocus;
	diffOffset: number;
}

export type DialogEffect = {type: 'prepare'; dialog: DialogState} | {type: 'apply'; dialog: DialogState} | {type: 'refresh'};

export type DialogEvent =
	| {type: 'prepared'; token: number; prepared: Prepared}
	| {type: 'nothingToUndo'; token: number}
	| {type: 'prepareFailed'; token: number; error: string}
	| {type: 'progress'; token: number; done: number; total: number}
	| {type: 'applied'; token: number; result: ApplyResult}
	| {type: 'applyFailed'; token: number; error: string};

export interface DialogMessage {
	text: string;
	tone: 'ok' | 'warning' | 'critical';
}

/** What an event does to the dialog: the dialog after it (undefined: closed), a message, effects. */
export interface DialogStep {
	dialog: DialogState | undefined;
	message?: DialogMessage;
	effects: DialogEffect[];
}

/** A dialog that (re)starts planning with a fresh token, the focus back on Cancel. */
export function planning(dialog: Omit<DialogState, 'busy' | 'applying' | 'focus' | 'diffOffset'>, token: number): DialogStep {
	const next: DialogState = {
		...dialog,
		prepared: undefined,
		error: undefined,
		editing: undefined,
		token,
		busy: dialog.undo ? 'planning the undo…' : 'planning, checking access, dry-running…',
		applying: false,
		focus: 'cancel',
		diffOffset: 0,
	};
	return {dialog: next, effects: [{type: 'prepare', dialog: next}]};
}

/** `y` or Enter on Apply: only a prepared, allowed dialog that is not busy applies, once. */
export function startApply(dialog: DialogState): DialogStep {
	if (!dialog.prepared || !dialog.prepared.allowed || dialog.busy !== undefined || dialog.error !== undefined || dialog.applying) return {dialog, effects: []};
	const next: DialogState = {...dialog, busy: 'applying…', applying: true};
	return {dialog: next, effects: [{type: 'apply', dialog: next}]};
}

/** Esc, n or Enter on Cancel: closes the dialog, except while requests are going out (they cannot be taken back). */
export function cancel(dialog: DialogState): DialogStep {
	return dialog.applying ? {dialog, effects: []} : {dialog: undefined, effects: []};
}

/** The engine's answer. `nextToken` is the token a re-plan (after a conflict) takes. */
export function dialogEvent(dialog: DialogState | undefined, event: DialogEvent, nextToken: number): DialogStep {
	if (!dialog || dialog.token !== event.token) return {dialog, effects: []};
	switch (event.type) {
		case 'prepared':
			return {dialog: {...dialog, prepared: event.prepared, busy: undefined, error: undefined}, effects: []};
		case 'nothingToUndo':
			return {dialog: undefined, message: {text: 'nothing to undo in this session', tone: 'warning'}, effects: []};
		case 'prepareFailed':
			return {dialog: {...dialog, busy: undefined, error: sanitize(event.error)}, effects: []};
		case 'progress':
			return {dialog: {...dialog, busy: `applying ${event.done}/${event.total}…`}, effects: []};
		case 'applyFailed':
			return {
				dialog: undefined,
				message: {text: sanitize(`${dialog.prepared?.plan.title ?? 'remedy'}: failed: ${event.error}`), tone: 'critical'},
				effects: [{type: 'refresh'}],
			};
		case 'applied': {
			const {result} = event;
			if (result.status === 'conflict') {
				// Changed since the plan: nothing more was sent; plan again from what is there now.
				const step = planning(dialog, nextToken);
				return {...step, message: {text: sanitize(result.messages[0] ?? 'changed since the plan'), tone: 'warning'}};
			}
			const plan = dialog.prepared?.plan;
			const counts = `${result.applied} applied${result.skipped > 0 ? `, ${result.skipped} skipped` : ''}${result.failed > 0 ? `, ${result.failed} failed` : ''}`;
			const text = `${plan?.title ?? 'remedy'}: ${result.status} (${counts})${result.messages.length > 0 ? `: ${result.messages[0]}` : ''}${plan?.undoable && !dialog.undo ? ' — u undoes' : ''}`;
			return {dialog: undefined, message: {text: sanitize(text), tone: result.status === 'applied' ? 'ok' : 'warning'}, effects: [{type: 'refresh'}]};
		}
	}
}

/** The parameter being edited, from the plan. */
export function editedParam(dialog: DialogState): RemedyParam | undefined {
	return dialog.prepared?.plan.params.find((p) => p.label === dialog.editing);
}

/** What the confirm dialog draws for this state (everything but its callbacks). */
export function dialogProps(dialog: DialogState, theme: Theme, width: number, height: number): Omit<ConfirmDialogProps, 'onApply' | 'onCancel'> {
	const {prepared} = dialog;
	const text = (s: string) => asciiText(sanitize(s), theme);
	const title =
		prepared?.plan.title ?? (dialog.undo ? 'Undo the last remedy' : (dialog.finding.remedies.find((r) => r.id === dialog.remedyId)?.title ?? dialog.remedyId));
	return {
		title: text(title),
		risk: text(prepared ? `${prepared.plan.risk}${prepared.plan.undoable ? '' : ` — ${prepared.plan.undoNote ?? 'cannot be undone'}`}` : (dialog.error ?? '')),
		warnings: [...(prepared?.plan.warnings ?? []), ...(prepared?.notes ?? [])].map(text),
		diff: (prepared?.diff ?? []).map((line) => ({op: line.op, text: text(line.text)})),
		parameters: (prepared?.plan.params ?? []).map((p) => ({name: p.label, value: sanitize(dialog.params[p.name] ?? p.value)})),
		disabledReason:
			dialog.error !== undefined ? asciiText(dialog.error, theme) : prepared && !prepared.allowed ? text(prepared.reason ?? 'not allowed') : undefined,
		busy: dialog.busy === undefined ? undefined : asciiText(dialog.busy, theme),
		width,
		height,
		theme,
	};
}
