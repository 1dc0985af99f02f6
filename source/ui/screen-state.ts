/**
 * The terminal UI's state and its one reducer: (state, key) → state + effects, and
 * (state, event) → state + effects for what arrives on its own (new views, the remedy
 * engine's answers). Pure and synchronous: a chunk of keys read at once is reduced key by
 * key, each key seeing the state the previous one left ("jjj" moves three rows, "2j"
 * switches the pane and then moves, "jq" moves and then quits), and it is tested without
 * Ink. Which key does what comes from the key table (key-table.ts); the handlers here are
 * looked up by mode and action, not chained.
 *
 * Rows stay under the cursor: each pane remembers the id of the row the cursor is on, from
 * the first frame it is shown in (before any key), and when new views re-sort or refilter
 * the rows the cursor follows that row; when the row is gone, the cursor keeps its index
 * (clamped) and takes the row now there. A pane not yet looked at keeps its cursor on top.
 */
import type {Views} from '../app/controller.js';
import {type Finding, type Pane, PANES, type PaneView, type Row} from '../model/finding.js';
import {confirmDialogKey, confirmDialogLines, diffPage} from './components/confirm-dialog.js';
import {detailViewLines} from './components/detail-view.js';
import {helpOverlayKey, helpOverlayLines, helpPage} from './components/help-overlay.js';
import {initialPrompt, type PromptState, textPromptKey} from './components/text-prompt.js';
import {type Action, helpGroups, type KeyMatch, lookup, type Mode} from './key-table.js';
import type {KeyPress} from './keys.js';
import {
	cancel,
	type DialogEffect,
	type DialogEvent,
	type DialogMessage,
	type DialogState,
	type DialogStep,
	dialogEvent,
	dialogProps,
	editedParam,
	planning,
	startApply,
} from './remedy-dialog.js';
import {clamp, filterRows, type SortState, sortRows} from './table-layout.js';
import type {Theme} from './theme.js';

export interface PaneUi {
	/** Index into the pane's shown (filtered, sorted) rows. */
	cursor: number;
	/** The id of the row under the cursor: the cursor follows it when the rows change. */
	selectedId?: string;
	sort?: SortState;
	filter: string;
}

export interface DetailState {
	/** The finding shown (none: the row is information only). */
	findingId?: string;
	/** The finding as last seen, and whether it is still reported. */
	last?: Finding;
	gone: boolean;
	/** The row's other findings ("Also: …"). */
	others: readonly string[];
	offset: number;
}

export interface UiState {
	views: Views;
	pane: Pane;
	mode: Mode;
	/** Where the help and the dialog go back to. */
	returnTo: 'table' | 'detail';
	panes: Readonly<Record<Pane, PaneUi>>;
	detail?: DetailState;
	helpOffset: number;
	/** The filter or parameter being typed (modes `filter` and `edit`). */
	prompt?: PromptState;
	dialog?: DialogState;
	message?: DialogMessage;
	/** The last dialog token handed out. */
	tokens: number;
}

/** What the reducer needs to know beyond the state: the screen, and what remedies can do. */
export interface UiEnv {
	width: number;
	height: number;
	theme: Theme;
	readOnly: boolean;
	/** A remedy engine is there. */
	remedies: boolean;
	/** What `u` would undo (the engine's last applied remedy), when there is one. */
	lastApplied?: {findingId: string; remedyId: string; title: string};
}

export type Effect = {type: 'quit'} | DialogEffect;

export interface Step {
	state: UiState;
	effects: Effect[];
}

export type UiEvent = {type: 'views'; views: Views} | DialogEvent;

const same = (state: UiState): Step => ({state, effects: []});

export function initialState(views: Views, pane: Pane = 'etcd'): UiState {
	const panes = Object.fromEntries(PANES.map((p) => [p, {cursor: 0, filter: ''}])) as Record<Pane, PaneUi>;
	return settleAll({views, pane, mode: 'table', returnTo: 'table', panes, helpOffset: 0, tokens: 0});
}

// Rows ---------------------------------------------------------------------------------

const shownCache = new WeakMap<readonly Row[], Map<string, readonly Row[]>>();

/** A pane's rows as shown: filtered, then sorted (cached per rows, filter and sort). */
export function shownRows(view: PaneView, ui: PaneUi): readonly Row[] {
	const key = `${ui.filter}\u0000${ui.sort?.key ?? ''}\u0000${ui.sort?.direction ?? ''}`;
	let byKey = shownCache.get(view.rows);
	if (!byKey) {
		byKey = new Map();
		shownCache.set(view.rows, byKey);
	}
	let rows = byKey.get(key);
	if (!rows) {
		const filtered = filterRows(view.rows, ui.filter);
		rows = ui.sort ? sortRows(filtered, ui.sort.key, ui.sort.direction) : filtered;
		byKey.set(key, rows);
	}
	return rows;
}

/**
 * The cursor on the selected row if it is still shown, else at its index (clamped),
 * selecting the row there. `visible`: the pane is on screen, so the row under the cursor
 * is one the user sees and it is selected even before they moved. A pane never looked at
 * selects nothing until it is: its cursor stays at its index (the top) while its rows come in.
 */
export function settle(ui: PaneUi, rows: readonly Row[], visible = true): PaneUi {
	if (rows.length === 0) return ui.cursor === 0 ? ui : {...ui, cursor: 0};
	const found = ui.selectedId === undefined ? -1 : rows.findIndex((r) => r.id === ui.selectedId);
	const cursor = found >= 0 ? found : clamp(ui.cursor, 0, rows.length - 1);
	const selectedId = visible || ui.selectedId !== undefined ? rows[cursor]!.id : undefined;
	return cursor === ui.cursor && selectedId === ui.selectedId ? ui : {...ui, cursor, selectedId};
}

function settleAll(state: UiState): UiState {
	let changed = false;
	const panes = {...state.panes};
	for (const pane of PANES) {
		const next = settle(state.panes[pane], shownRows(state.views[pane], state.panes[pane]), pane === state.pane);
		if (next !== state.panes[pane]) {
			panes[pane] = next;
			changed = true;
		}
	}
	return changed ? {...state, panes} : state;
}

function withPane(state: UiState, change: Partial<PaneUi>): UiState {
	const ui = {...state.panes[state.pane], ...change};
	const settled = settle(ui, shownRows(state.views[state.pane], ui));
	return {...state, panes: {...state.panes, [state.pane]: settled}};
}

export function currentRows(state: UiState): readonly Row[] {
	return shownRows(state.views[state.pane], state.panes[state.pane]);
}

export function currentRow(state: UiState): Row | undefined {
	return currentRows(state)[state.panes[state.pane].cursor];
}

export function findingsOfRow(view: PaneView, row: Row | undefined): Finding[] {
	if (!row) return [];
	return row.findingIds.map((id) => view.findings.find((f) => f.id === id)).filter((f): f is Finding => f !== undefined);
}

export function findFinding(views: Views, id: string): Finding | undefined {
	for (const pane of PANES) {
		const found = views[pane].findings.find((f) => f.id === id);
		if (found) return found;
	}
	return undefined;
}

/** The finding the keys act on: the detail view's, or the first of the row under the cursor. */
export function currentFinding(state: UiState): Finding | undefined {
	const base = state.mode === 'table' || state.mode === 'filter' ? 'table' : state.mode === 'detail' ? 'detail' : state.returnTo;
	if (base === 'detail') return state.detail?.last;
	return findingsOfRow(state.views[state.pane], currentRow(state))[0];
}

// Layout -------------------------------------------------------------------------------

export interface ScreenLayout {
	/** Lines of the pane's header shown above the body. */
	paneHeader: readonly string[];
	/** Lines for the body (table, detail view, help, dialog). */
	bodyHeight: number;
}

/** Header (2), the pane's header lines, the body, status (1) and hints (1); one spare line so Ink never scrolls. */
export function screenLayout(state: UiState, env: UiEnv): ScreenLayout {
	const frameHeight = Math.max(8, env.height - 1);
	const paneHeader = state.views[state.pane].header.slice(0, Math.max(0, Math.min(4, frameHeight - 10)));
	return {paneHeader, bodyHeight: Math.max(3, frameHeight - 2 - paneHeader.length - 2)};
}

export function detailProps(state: UiState, env: UiEnv, height: number) {
	const detail = state.detail!;
	const others = detail.others.map((id) => findFinding(state.views, id)).filter((f): f is Finding => f !== undefined);
	return {
		finding: detail.last!,
		others,
		gone: detail.gone,
		width: env.width,
		height,
		offset: detail.offset,
		theme: env.theme,
		readOnly: env.readOnly || !env.remedies,
	};
}

export function dialogHeight(state: UiState, env: UiEnv): number {
	const {bodyHeight} = screenLayout(state, env);
	return state.mode === 'edit' ? bodyHeight - 2 : bodyHeight;
}

// Keys ---------------------------------------------------------------------------------

type Handler = (state: UiState, match: KeyMatch, env: UiEnv) => Step;

function message(state: UiState, text: string, tone: DialogMessage['tone'] = 'warning'): Step {
	return same({...state, message: {text, tone}});
}

function withDialog(state: UiState, step: DialogStep): Step {
	const open = step.dialog !== undefined;
	const mode: Mode = open
		? state.mode === 'edit' && step.dialog?.editing !== undefined
			? 'edit'
			: 'dialog'
		: state.mode === 'dialog' || state.mode === 'edit'
			? state.returnTo
			: state.mode;
	return {
		state: {...state, dialog: step.dialog, mode, ...(step.message ? {message: step.message} : {}), tokens: Math.max(state.tokens, step.dialog?.token ?? 0)},
		effects: step.effects,
	};
}

function startRemedy(state: UiState, env: UiEnv, target: Finding | undefined, remedyId: string | undefined): Step {
	if (env.readOnly || !env.remedies) return message(state, 'read-only: remedies are off');
	if (!target || !remedyId) return message(state, 'no remedy for this row');
	const from = state.mode === 'detail' ? 'detail' : 'table';
	return withDialog({...state, mode: 'dialog', returnTo: from}, planning({finding: target, remedyId, params: {}, undo: false, token: 0}, state.tokens + 1));
}

const startUndo: Handler = (state, _match, env) => {
	if (env.readOnly || !env.remedies) return message(state, 'read-only: remedies are off');
	const last = env.lastApplied;
	if (!last) return message(state, 'nothing to undo in this session');
	const target: Finding = findFinding(state.views, last.findingId) ?? {
		id: last.findingId,
		pane: state.pane,
		type: 'undo',
		severity: 'info',
		subject: {kind: 'remedy', name: last.title},
		summary: last.title,
		evidence: {},
		remedies: [],
	};
	const from = state.mode === 'detail' ? 'detail' : 'table';
	return withDialog(
		{...state, mode: 'dialog', returnTo: from},
		planning({finding: target, remedyId: last.remedyId, params: {}, undo: true, token: 0}, state.tokens + 1),
	);
};

const quit: Handler = (state) => ({state, effects: [{type: 'quit'}]});
const openHelp: Handler = (state) => same({...state, mode: 'help', helpOffset: 0, returnTo: state.mode === 'detail' ? 'detail' : 'table'});

/** Rows a page moves: the table's rows on screen. */
function tablePage(state: UiState, env: UiEnv): number {
	return Math.max(1, screenLayout(state, env).bodyHeight - 2);
}

function moveTo(state: UiState, index: number): Step {
	const rows = currentRows(state);
	if (rows.length === 0) return same(state);
	const cursor = clamp(index, 0, rows.length - 1);
	return same(withPane(state, {cursor, selectedId: rows[cursor]!.id}));
}

const moveBy =
	(delta: (state: UiState, env: UiEnv) => number): Handler =>
	(state, _match, env) =>
		moveTo(state, state.panes[state.pane].cursor + delta(state, env));

/** Another pane: the row under its cursor is now in view, and selected. */
function switchPane(state: UiState, pane: Pane): Step {
	return same(withPane({...state, pane}, {}));
}

const nextSort: Handler = (state) => {
	const view = state.views[state.pane];
	const keys = view.columns.map((c) => c.key);
	if (keys.length === 0) return same(state);
	const sort = state.panes[state.pane].sort;
	const next = sort ? keys[(keys.indexOf(sort.key) + 1) % keys.length]! : keys[0]!;
	const numeric = view.columns.find((c) => c.key === next)?.numeric;
	return same(withPane(state, {sort: {key: next, direction: numeric ? 'desc' : 'asc'}}));
};

const reverseSort: Handler = (state, match, env) => {
	const sort = state.panes[state.pane].sort;
	if (!sort) return nextSort(state, match, env);
	return same(withPane(state, {sort: {...sort, direction: sort.direction === 'asc' ? 'desc' : 'asc'}}));
};

const openDetail: Handler = (state) => {
	const row = currentRow(state);
	if (!row) return same(state);
	const [first, ...others] = findingsOfRow(state.views[state.pane], row);
	return same({...state, mode: 'detail', detail: {findingId: first?.id, last: first, gone: false, others: others.map((f) => f.id), offset: 0}});
};

/** The detail view's scroll, clamped to its content. */
function scrollDetail(to: (offset: number, view: {maxOffset: number; page: number}) => number): Handler {
	return (state, _match, env) => {
		const detail = state.detail;
		if (!detail?.last) return same(state);
		const view = detailViewLines(detailProps(state, env, screenLayout(state, env).bodyHeight));
		const offset = clamp(to(view.offset, view), 0, view.maxOffset);
		return offset === detail.offset ? same(state) : same({...state, detail: {...detail, offset}});
	};
}

const TABLE_KEYS: Partial<Record<Action, Handler>> = {
	quit,
	help: openHelp,
	undo: startUndo,
	down: moveBy(() => 1),
	up: moveBy(() => -1),
	pageDown: moveBy((s, e) => tablePage(s, e)),
	pageUp: moveBy((s, e) => -tablePage(s, e)),
	first: (state) => moveTo(state, 0),
	last: (state) => moveTo(state, currentRows(state).length - 1),
	open: openDetail,
	clearFilter: (state) => (state.panes[state.pane].filter === '' ? same(state) : same(withPane(state, {filter: '', cursor: 0, selectedId: undefined}))),
	pane: (state, match) => switchPane(state, PANES[match.index]!),
	nextPane: (state) => switchPane(state, PANES[(PANES.indexOf(state.pane) + 1) % PANES.length]!),
	previousPane: (state) => switchPane(state, PANES[(PANES.indexOf(state.pane) + PANES.length - 1) % PANES.length]!),
	filter: (state) => same({...state, mode: 'filter', prompt: initialPrompt(state.panes[state.pane].filter)}),
	sort: nextSort,
	reverseSort,
	remedy: (state, _match, env) => {
		const finding = currentFinding(state);
		return startRemedy(state, env, finding, finding?.remedies[0]?.id);
	},
};

const DETAIL_KEYS: Partial<Record<Action, Handler>> = {
	quit,
	help: openHelp,
	undo: startUndo,
	back: (state) => same({...state, mode: 'table'}),
	down: scrollDetail((offset) => offset + 1),
	up: scrollDetail((offset) => offset - 1),
	pageDown: scrollDetail((offset, view) => offset + view.page),
	pageUp: scrollDetail((offset, view) => offset - view.page),
	first: scrollDetail(() => 0),
	last: scrollDetail((_offset, view) => view.maxOffset),
	remedyByLetter: (state, match, env) => {
		const finding = state.detail?.last;
		const remedy = finding?.remedies[match.index];
		if (finding && !remedy && !env.readOnly && env.remedies) return message(state, `this finding has no remedy ${String.fromCharCode(97 + match.index)}`);
		return startRemedy(state, env, finding, remedy?.id);
	},
};

function helpKey(state: UiState, press: KeyPress, env: UiEnv): Step {
	const height = screenLayout(state, env).bodyHeight;
	const {maxOffset} = helpOverlayLines(helpGroups(), env.width, height, state.helpOffset, env.theme);
	const next = helpOverlayKey(state.helpOffset, press, {maxOffset, page: helpPage(height)});
	return same({...state, helpOffset: next.offset, ...(next.close ? {mode: state.returnTo} : {})});
}

function filterKey(state: UiState, press: KeyPress): Step {
	const prompt = state.prompt ?? initialPrompt(state.panes[state.pane].filter);
	const {state: next, outcome} = textPromptKey(prompt, press, 'filter');
	if (outcome === 'submit') return same({...state, mode: 'table', prompt: undefined});
	if (outcome === 'cancel') return same({...withPane(state, {filter: '', cursor: 0, selectedId: undefined}), mode: 'table', prompt: undefined});
	const text = next.chars.join('');
	// The filter applies as it is typed; the cursor goes to the first match.
	const filtered = text === state.panes[state.pane].filter ? state : withPane(state, {filter: text, cursor: 0, selectedId: undefined});
	return same({...filtered, prompt: next});
}

function editKey(state: UiState, press: KeyPress): Step {
	const dialog = state.dialog;
	const param = dialog ? editedParam(dialog) : undefined;
	if (!dialog || !param) return same({...state, mode: 'dialog', prompt: undefined});
	const prompt = state.prompt ?? initialPrompt(dialog.params[param.name] ?? param.value);
	const {state: next, outcome} = textPromptKey(prompt, press, 'edit');
	if (outcome === 'cancel') return same({...state, mode: 'dialog', prompt: undefined, dialog: {...dialog, editing: undefined}});
	if (outcome === 'submit') {
		const value = next.chars.join('');
		if (param.validate(value) !== undefined) return same({...state, prompt: next});
		// A new value is a new plan: the dry run runs again.
		const step = planning({...dialog, params: {...dialog.params, [param.name]: value}, editing: undefined}, state.tokens + 1);
		return withDialog({...state, mode: 'dialog', prompt: undefined}, step);
	}
	return same({...state, prompt: next});
}

function dialogKey(state: UiState, press: KeyPress, env: UiEnv): Step {
	const dialog = state.dialog;
	if (!dialog) return same({...state, mode: state.returnTo});
	const props = dialogProps(dialog, env.theme, env.width, dialogHeight(state, env));
	const layout = confirmDialogLines({...props, focus: dialog.focus, diffOffset: dialog.diffOffset});
	const {state: keyState, outcome} = confirmDialogKey({focus: dialog.focus, offset: dialog.diffOffset}, press, {
		disabled: props.disabledReason !== undefined,
		busy: dialog.busy !== undefined,
		parameters: props.parameters ?? [],
		maxOffset: layout.diffMaxOffset,
		page: diffPage(layout.diffHeight),
	});
	const moved: DialogState = {...dialog, focus: keyState.focus, diffOffset: keyState.offset};
	const next = {...state, dialog: moved};
	if (outcome?.type === 'apply') return withDialog(next, startApply(moved));
	if (outcome?.type === 'cancel') return withDialog(next, cancel(moved));
	if (outcome?.type === 'edit') {
		const editing: DialogState = {...moved, editing: outcome.name};
		const param = editedParam(editing);
		if (!param) return same(next);
		return same({...next, mode: 'edit', dialog: editing, prompt: initialPrompt(moved.params[param.name] ?? param.value)});
	}
	return same(next);
}

/** One key. */
export function reduceKey(state: UiState, press: KeyPress, env: UiEnv): Step {
	const match = lookup(state.mode, press);
	if (match?.action === 'quit') {
		// Requests that are going out cannot be taken back: quitting waits for the result.
		if (state.dialog?.applying) return message(state, 'applying: the remedy finishes first, then q or Ctrl-C quits');
		return quit(state, match, env);
	}
	switch (state.mode) {
		case 'table':
		case 'detail': {
			const handler = match ? (state.mode === 'table' ? TABLE_KEYS : DETAIL_KEYS)[match.action] : undefined;
			return handler ? handler(state, match!, env) : same(state);
		}
		case 'help':
			return helpKey(state, press, env);
		case 'filter':
			return filterKey(state, press);
		case 'edit':
			return editKey(state, press);
		case 'dialog':
			return dialogKey(state, press, env);
	}
}

/** The keys of one read, in order, each on the state the previous one left; nothing after a quit. */
export function reduceKeys(state: UiState, presses: readonly KeyPress[], env: UiEnv): Step {
	let current = state;
	const effects: Effect[] = [];
	for (const press of presses) {
		const step = reduceKey(current, press, env);
		current = step.state;
		effects.push(...step.effects);
		if (step.effects.some((e) => e.type === 'quit')) break;
	}
	return {state: current, effects};
}

// Events -------------------------------------------------------------------------------

/** New views: every pane's cursor follows its row; the detail view follows its finding. */
function newViews(state: UiState, views: Views): UiState {
	let next = settleAll({...state, views});
	const detail = next.detail;
	if (detail?.findingId !== undefined) {
		const found = findFinding(views, detail.findingId);
		next = {...next, detail: {...detail, last: found ?? detail.last, gone: found === undefined}};
	}
	return next;
}

export function reduceEvent(state: UiState, event: UiEvent): Step {
	if (event.type === 'views') return same(newViews(state, event.views));
	return withDialog(state, dialogEvent(state.dialog, event, state.tokens + 1));
}
