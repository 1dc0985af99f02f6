/**
 * Every key of the terminal UI, declared once. The table drives the dispatch (the state
 * reducer in screen-state.ts and the dialog, help and prompt key functions look a key up
 * here and act on the action they get), the `?` help overlay (grouped from the same
 * entries) and the hint line under every screen (HINTS names actions; their keys come
 * from here). A key added, moved or removed here is added, moved or removed everywhere.
 *
 * A binding gives the keys of one or more related actions (↓ and ↑ share a help line),
 * the modes it works in, the group and the words the help shows. Within a mode a key
 * belongs to one action: the first binding that lists it wins (a test keeps that so).
 */
import type {KeyHint} from './components/key-hints.js';
import {type KeyPress, keyLabel, keysLabel, type KeySpec, matches} from './keys.js';

export type Mode = 'table' | 'detail' | 'help' | 'filter' | 'dialog' | 'edit';
export const MODES: readonly Mode[] = ['table', 'detail', 'help', 'filter', 'dialog', 'edit'];

export type Action =
	| 'quit'
	| 'help'
	| 'closeHelp'
	| 'down'
	| 'up'
	| 'pageDown'
	| 'pageUp'
	| 'first'
	| 'last'
	| 'open'
	| 'back'
	| 'clearFilter'
	| 'pane'
	| 'nextPane'
	| 'previousPane'
	| 'filter'
	| 'sort'
	| 'reverseSort'
	| 'remedy'
	| 'remedyByLetter'
	| 'undo'
	| 'apply'
	| 'cancel'
	| 'toggleFocus'
	| 'focusCancel'
	| 'focusApply'
	| 'press'
	| 'editParam'
	| 'submit'
	| 'deleteBack'
	| 'cursorLeft'
	| 'cursorRight'
	| 'cursorHome'
	| 'cursorEnd'
	| 'clearValue';

export interface KeyBinding {
	/** The keys of each action, in the order the help shows them. */
	keys: Partial<Record<Action, readonly KeySpec[]>>;
	modes: readonly Mode[];
	group: string;
	/** What the help overlay says; no help: the binding is not listed (another line covers it). */
	help?: string;
}

const LIST_MODES: readonly Mode[] = ['table', 'detail'];
const PROMPTS: readonly Mode[] = ['filter', 'edit'];
const letters = (from: string, to: string): KeySpec[] =>
	Array.from({length: to.charCodeAt(0) - from.charCodeAt(0) + 1}, (_, i) => String.fromCharCode(from.charCodeAt(0) + i));

/** Remedy keys of the detail view: the finding's first, second, … remedy. */
export const REMEDY_LETTERS = letters('a', 'f');

export const KEY_TABLE: readonly KeyBinding[] = [
	// Quitting works everywhere with Ctrl-C; q only where no text is typed and no dialog is open.
	{
		keys: {quit: ['ctrl+c']},
		modes: ['table', 'detail', 'help', 'filter', 'dialog', 'edit'],
		group: 'General',
		help: 'quit, from anywhere (not while a remedy is being applied)',
	},

	{
		keys: {down: ['down', 'j'], up: ['up', 'k']},
		modes: ['table', 'detail', 'help', 'dialog'],
		group: 'Navigation',
		help: 'move the cursor; scroll the detail view, the help and the diff',
	},
	{keys: {pageDown: ['pagedown'], pageUp: ['pageup']}, modes: ['table', 'detail', 'help', 'dialog'], group: 'Navigation', help: 'a page down / up'},
	{keys: {first: ['g', 'home'], last: ['G', 'end']}, modes: ['table', 'detail', 'help'], group: 'Navigation', help: 'first / last row; top / bottom'},
	{keys: {open: ['return']}, modes: ['table'], group: 'Navigation', help: "open the detail view of the row's finding"},
	{keys: {back: ['escape', 'backspace', 'delete', 'left']}, modes: ['detail'], group: 'Navigation', help: 'back from the detail view to the table'},

	{keys: {pane: ['1', '2', '3', '4']}, modes: ['table'], group: 'Panes', help: 'etcd, watchers, autoscaling, QoS'},
	{keys: {nextPane: ['tab'], previousPane: ['shift+tab']}, modes: ['table'], group: 'Panes', help: 'next / previous pane'},

	{keys: {filter: ['/']}, modes: ['table'], group: 'Table', help: 'filter rows (⏎ keeps the filter, Esc clears it)'},
	{keys: {clearFilter: ['escape']}, modes: ['table'], group: 'Table', help: 'clear the filter'},
	{keys: {sort: ['s'], reverseSort: ['S']}, modes: ['table'], group: 'Table', help: 'sort by the next column / reverse the order'},

	{keys: {remedy: ['r']}, modes: ['table'], group: 'Remedies', help: "the first remedy of the row's finding: plan, access check, dry run, diff, confirm"},
	{keys: {remedyByLetter: REMEDY_LETTERS}, modes: ['detail'], group: 'Remedies', help: 'in the detail view: that remedy of the finding'},
	{keys: {undo: ['u']}, modes: LIST_MODES, group: 'Remedies', help: 'undo the last remedy of this session (same care)'},
	{keys: {apply: ['y']}, modes: ['dialog'], group: 'Remedies', help: 'apply (in the confirm dialog; the focus starts on Cancel)'},
	{keys: {cancel: ['n', 'escape']}, modes: ['dialog'], group: 'Remedies', help: 'cancel (in the confirm dialog)'},
	{
		keys: {toggleFocus: ['tab'], focusCancel: ['left', 'h'], focusApply: ['right', 'l']},
		modes: ['dialog'],
		group: 'Remedies',
		help: 'move between Cancel and Apply',
	},
	{keys: {press: ['return']}, modes: ['dialog'], group: 'Remedies', help: 'press the focused button'},
	{keys: {editParam: letters('1', '9')}, modes: ['dialog'], group: 'Remedies', help: 'edit a remedy parameter (the dry run runs again)'},

	{keys: {submit: ['return'], cancel: ['escape']}, modes: PROMPTS, group: 'Typing a filter or a value', help: 'keep / cancel (a cancelled filter is cleared)'},
	{
		keys: {deleteBack: ['backspace', 'delete'], clearValue: ['ctrl+u']},
		modes: PROMPTS,
		group: 'Typing a filter or a value',
		help: 'delete the character before the cursor / everything',
	},
	{keys: {cursorLeft: ['left', 'ctrl+b'], cursorRight: ['right', 'ctrl+f']}, modes: PROMPTS, group: 'Typing a filter or a value', help: 'move the cursor'},
	{keys: {cursorHome: ['home', 'ctrl+a'], cursorEnd: ['end', 'ctrl+e']}, modes: PROMPTS, group: 'Typing a filter or a value', help: 'to the start / the end'},

	{keys: {help: ['?']}, modes: LIST_MODES, group: 'General', help: 'show this help'},
	{keys: {closeHelp: ['escape', '?', 'q']}, modes: ['help'], group: 'General', help: 'close the help'},
	{keys: {quit: ['q']}, modes: LIST_MODES, group: 'General', help: 'quit (the terminal is restored)'},
];

export interface KeyMatch {
	action: Action;
	/** Which of the action's keys it was (the pane of 1–4, the remedy of a–h). */
	index: number;
}

/** The action of `press` in `mode`, if the table has one. */
export function lookup(mode: Mode, press: KeyPress): KeyMatch | undefined {
	for (const binding of KEY_TABLE) {
		if (!binding.modes.includes(mode)) continue;
		for (const [action, specs] of Object.entries(binding.keys) as Array<[Action, readonly KeySpec[]]>) {
			const index = specs.findIndex((spec) => matches(spec, press));
			if (index >= 0) return {action, index};
		}
	}
	return undefined;
}

/** The keys of `action` in `mode`. */
export function keysOf(action: Action, mode: Mode): readonly KeySpec[] {
	return KEY_TABLE.filter((b) => b.modes.includes(mode)).flatMap((b) => b.keys[action] ?? []);
}

export interface HelpGroup {
	title: string;
	bindings: ReadonlyArray<{keys: string; action: string}>;
}

/** The help overlay's groups, in the order the table first names them. */
export function helpGroups(table: readonly KeyBinding[] = KEY_TABLE): HelpGroup[] {
	const groups = new Map<string, Array<{keys: string; action: string}>>();
	for (const binding of table) {
		if (binding.help === undefined) continue;
		const keys = (Object.values(binding.keys) as Array<readonly KeySpec[]>).map((specs) => keysLabel(specs)).join(' / ');
		const list = groups.get(binding.group) ?? [];
		list.push({keys, action: binding.help});
		groups.set(binding.group, list);
	}
	// General (help, quit) last, as every help screen ends.
	const ordered = [...groups].sort(([a], [b]) => Number(a === 'General') - Number(b === 'General'));
	return ordered.map(([title, bindings]) => ({title, bindings}));
}

/** What the hint line knows about the screen. */
export interface HintContext {
	readOnly: boolean;
	/** Remedies of the finding under the cursor or in the detail view. */
	remedies: ReadonlyArray<{id: string}>;
	/** The open dialog has parameters to edit. */
	editable: boolean;
	/** The detail view scrolls. */
	scrolls: boolean;
}

interface HintSpec {
	/** The actions whose first keys make the hint's key ("↑↓"), or `all` keys of one action ("n/Esc"). */
	actions: readonly Action[];
	all?: boolean;
	label: string;
	priority: number;
	when?: (context: HintContext) => boolean;
}

const writes = (c: HintContext) => !c.readOnly;

/** The hint line of each mode (`?` help and `q` quit are added by the hint line itself where they work). */
const HINTS: Readonly<Record<Mode, readonly HintSpec[]>> = {
	table: [
		{actions: ['pane'], all: true, label: 'pane', priority: 8},
		{actions: ['up', 'down'], label: 'move', priority: 4},
		{actions: ['open'], label: 'detail', priority: 7},
		{actions: ['remedy'], label: 'remedy', priority: 8, when: (c) => writes(c) && c.remedies.length > 0},
		{actions: ['filter'], label: 'filter', priority: 6},
		{actions: ['sort'], label: 'sort', priority: 5},
		{actions: ['undo'], label: 'undo', priority: 3, when: writes},
	],
	detail: [
		{actions: ['back'], label: 'back', priority: 10},
		{actions: ['up', 'down'], label: 'scroll', priority: 5, when: (c) => c.scrolls},
		{actions: ['undo'], label: 'undo', priority: 3, when: writes},
	],
	help: [
		{actions: ['closeHelp'], label: 'close help', priority: 10},
		{actions: ['up', 'down'], label: 'scroll', priority: 5},
	],
	filter: [
		{actions: ['submit'], label: 'keep filter', priority: 10},
		{actions: ['cancel'], label: 'clear', priority: 10},
	],
	dialog: [
		{actions: ['apply'], label: 'apply', priority: 10},
		{actions: ['cancel'], all: true, label: 'cancel', priority: 10},
		{actions: ['toggleFocus'], label: 'move', priority: 5},
		{actions: ['editParam'], label: 'edit value', priority: 7, when: (c) => c.editable},
	],
	edit: [
		{actions: ['submit'], label: 'keep value', priority: 10},
		{actions: ['cancel'], label: 'cancel', priority: 10},
	],
};

/** The key hints of a mode, from the table: only keys that work there and then. */
export function hintsFor(mode: Mode, context: HintContext): KeyHint[] {
	const hints: KeyHint[] = [];
	for (const spec of HINTS[mode]) {
		if (spec.when && !spec.when(context)) continue;
		const keys = spec.all ? keysLabel(keysOf(spec.actions[0]!, mode)).replace(/ /g, '/') : spec.actions.map((a) => keyLabel(keysOf(a, mode)[0] ?? '')).join('');
		hints.push({key: keys, label: spec.label, priority: spec.priority});
	}
	// The detail view's remedies, each with its letter and id.
	if (mode === 'detail' && !context.readOnly) {
		context.remedies.slice(0, 3).forEach((remedy, i) => hints.splice(1 + i, 0, {key: REMEDY_LETTERS[i]!, label: remedy.id, priority: 8}));
	}
	for (const action of ['help', 'quit'] as const) {
		const key = keysOf(action, mode).find((spec) => spec.length === 1);
		if (key !== undefined) hints.push({key, label: action, priority: 9});
	}
	return hints;
}
