/**
 * The UI's reducer without Ink: every key of a chunk read at once is handled in order on
 * the state the previous key left ("jjj" moves three rows, "2j" switches the pane and
 * moves, a q ends the chunk, a filter prompt takes letters as text); arrows in the detail
 * view scroll and never start a remedy; the detail view's scroll reaches its last line
 * and stops there; the row under the cursor stays under it when new views re-sort the
 * rows, from the first frame on; the remedy dialog drops answers meant for another one.
 */
import test from 'ava';
import type {Views} from '../../source/app/controller.js';
import type {Finding, Pane, PaneView, Row} from '../../source/model/finding.js';
import {currentRow, type Effect, initialState, reduceEvent, reduceKeys, type UiEnv, type UiState} from '../../source/ui/screen-state.js';
import {detailViewLines} from '../../source/ui/components/detail-view.js';
import {type KeyPress, splitTyped} from '../../source/ui/keys.js';
import {makeTheme} from '../../source/ui/theme.js';
import {detailProps, screenLayout} from '../../source/ui/screen-state.js';

const theme = makeTheme({color: false, unicode: true});
const env: UiEnv = {width: 80, height: 24, theme, readOnly: false, remedies: true};

function finding(id: string, pane: Pane, extra: Partial<Finding> = {}): Finding {
	return {
		id,
		pane,
		type: 'hpa-flapping',
		severity: 'critical',
		subject: {kind: 'HorizontalPodAutoscaler', namespace: 'checkout', name: id},
		summary: `${id} reversed 36 times in 60 min`,
		evidence: {reversals60m: 36, churnPerHour: 38.1, suggestedScaleDownWindowSeconds: 600},
		remedies: [{id: 'dampen-hpa', title: `Patch HPA ${id}`}],
		...extra,
	};
}

function pane(name: Pane, ids: readonly string[], options: {findings?: boolean; detail?: number} = {}): PaneView {
	const findings =
		options.findings === false
			? []
			: ids.map((id) =>
					finding(
						id,
						name,
						options.detail
							? {
									detail: Array.from({length: options.detail}, (_, i) => `detail line ${i}`),
									series: {label: 'replicas', values: Array.from({length: 60}, (_, i) => (i % 2 ? 10 : 3)), stepSeconds: 60},
								}
							: {},
					),
				);
	const rows: Row[] = ids.map((id) => ({id, cells: {name: id}, findingIds: findings.some((f) => f.id === id) ? [id] : []}));
	return {pane: name, title: name, header: [], columns: [{key: 'name', title: 'NAME', width: 20, priority: 10}], rows, findings};
}

function views(byPane: Partial<Record<Pane, PaneView>> = {}): Views {
	return {
		etcd: byPane.etcd ?? pane('etcd', ['e0', 'e1', 'e2', 'e3', 'e4', 'e5']),
		watchers: byPane.watchers ?? pane('watchers', ['w0', 'w1', 'w2', 'w3', 'w4']),
		autoscaling: byPane.autoscaling ?? pane('autoscaling', ['a0', 'a1', 'a2']),
		qos: byPane.qos ?? pane('qos', []),
	};
}

const DOWN: KeyPress = {text: '', name: 'down'};
const UP: KeyPress = {text: '', name: 'up'};
const PGDN: KeyPress = {text: '', name: 'pagedown'};
const PGUP: KeyPress = {text: '', name: 'pageup'};
const ENTER: KeyPress = {text: '', name: 'return'};
const ESC: KeyPress = {text: '', name: 'escape'};

function keys(state: UiState, ...chunks: Array<string | KeyPress>): {state: UiState; effects: Effect[]} {
	let current = state;
	const effects: Effect[] = [];
	for (const chunk of chunks) {
		const step = reduceKeys(current, typeof chunk === 'string' ? splitTyped(chunk) : [chunk], env);
		current = step.state;
		effects.push(...step.effects);
	}
	return {state: current, effects};
}

const cursorOf = (state: UiState) => state.panes[state.pane].cursor;

test('three j read at once move the cursor three rows, as three reads do', (t) => {
	const start = initialState(views());
	t.is(cursorOf(keys(start, 'jjj').state), 3);
	t.is(cursorOf(keys(start, 'j', 'j', 'j').state), 3);
	t.is(cursorOf(keys(start, 'jjjjjjjjjjjj').state), 5, 'clamped at the last row');
	t.is(cursorOf(keys(start, 'jjjk').state), 2);
});

test('"2j" switches the pane, then moves in it', (t) => {
	const {state} = keys(initialState(views()), '2j');
	t.is(state.pane, 'watchers');
	t.is(cursorOf(state), 1);
	t.is(state.panes.etcd.cursor, 0, 'the etcd pane did not move');
	t.is(currentRow(state)?.id, 'w1');
});

test('a chunk with q quits after the keys before it, and nothing after', (t) => {
	const {state, effects} = keys(initialState(views()), 'jjqjj');
	t.deepEqual(effects, [{type: 'quit'}]);
	t.is(cursorOf(state), 2);
});

test('in the filter prompt a chunk is text: q and j are letters, Enter keeps the filter', (t) => {
	const start = initialState(views({etcd: pane('etcd', ['alpha', 'jq-1', 'beta', 'jq-2'])}));
	const {state, effects} = keys(start, '/jq\rj');
	t.deepEqual(effects, [], 'no quit');
	t.is(state.mode, 'table');
	t.is(state.panes.etcd.filter, 'jq');
	t.is(currentRow(state)?.id, 'jq-2', 'after Enter, the last j moves in the filtered rows');
	const pasted = keys(start, '/', 'jjq').state;
	t.is(pasted.mode, 'filter');
	t.is(pasted.prompt?.chars.join(''), 'jjq');
});

test('arrows and PgUp/PgDn in the detail view scroll and never start a remedy', (t) => {
	const start = keys(initialState(views({autoscaling: pane('autoscaling', ['a0'], {detail: 30})}), 'autoscaling'), ENTER).state;
	t.is(start.mode, 'detail');
	const {state, effects} = keys(start, DOWN, DOWN, PGDN, UP, PGUP, DOWN, {text: '', name: 'home'}, {text: '', name: 'end'});
	t.deepEqual(effects, [], 'no access check, no dry run');
	t.is(state.mode, 'detail');
	t.is(state.dialog, undefined);
	// The letter still starts the remedy.
	const remedy = keys(start, 'a');
	t.is(remedy.state.mode, 'dialog');
	t.deepEqual(
		remedy.effects.map((e) => e.type),
		['prepare'],
	);
});

test('the detail view scrolls to its last line at 80x24, and no further', (t) => {
	const start = keys(initialState(views({autoscaling: pane('autoscaling', ['a0'], {detail: 30})}), 'autoscaling'), ENTER).state;
	const height = screenLayout(start, env).bodyHeight;
	const first = detailViewLines(detailProps(start, env, height));
	t.true(first.scrolls);
	t.false(
		first.lines.some((l) =>
			l
				.map((s) => s.text)
				.join('')
				.includes('Remedies:'),
		),
		'the remedies are below at first',
	);
	const bottom = keys(start, ...Array.from({length: 20}, () => PGDN)).state;
	const shown = detailViewLines(detailProps(bottom, env, height));
	t.is(bottom.detail!.offset, shown.maxOffset, 'stops at the end');
	const text = shown.lines.map((l) => l.map((s) => s.text).join(''));
	t.true(text.some((l) => l.includes('Remedies:')));
	t.true(text.some((l) => l.includes('a  Patch HPA a0')));
	t.regex(text.at(-1)!, /↑ more above/);
	t.notRegex(text.at(-1)!, /more below/);
	// One key up from the end moves one line up, not back from an overshoot.
	t.is(keys(bottom, UP).state.detail!.offset, shown.maxOffset - 1);
	t.is(keys(bottom, 'G').state.detail!.offset, shown.maxOffset);
	t.is(keys(bottom, 'g').state.detail!.offset, 0);
});

test('the selected row stays selected when new views re-sort the rows, even before the cursor moved', (t) => {
	const start = initialState(views({etcd: pane('etcd', ['pods', 'jobs', 'events'])}));
	t.is(currentRow(start)?.id, 'pods', 'the first frame: the cursor on pods, not yet moved');
	// Byte estimates arrive and the table re-sorts: pods is now third.
	const resorted = reduceEvent(start, {type: 'views', views: views({etcd: pane('etcd', ['jobs', 'events', 'pods'])})}).state;
	t.is(currentRow(resorted)?.id, 'pods');
	t.is(cursorOf(resorted), 2);
	// Enter opens the finding of the row under the cursor.
	t.is(keys(resorted, ENTER).state.detail?.findingId, 'pods');
	const moved = keys(resorted, 'k').state;
	t.is(currentRow(moved)?.id, 'events');
	const again = reduceEvent(moved, {type: 'views', views: views({etcd: pane('etcd', ['events', 'pods', 'jobs'])})}).state;
	t.is(currentRow(again)?.id, 'events');
	t.is(cursorOf(again), 0);
});

test('when the selected row goes away the cursor keeps its index, clamped', (t) => {
	const start = keys(initialState(views({etcd: pane('etcd', ['a', 'b', 'c', 'd'])})), 'jj').state;
	t.is(currentRow(start)?.id, 'c');
	const gone = reduceEvent(start, {type: 'views', views: views({etcd: pane('etcd', ['a', 'b', 'd', 'e'])})}).state;
	t.is(cursorOf(gone), 2);
	t.is(currentRow(gone)?.id, 'd', 'the row now at that index');
	const shorter = reduceEvent(gone, {type: 'views', views: views({etcd: pane('etcd', ['x'])})}).state;
	t.is(cursorOf(shorter), 0);
	t.is(currentRow(shorter)?.id, 'x');
	// Other panes keep their rows too: the autoscaling cursor follows its row while etcd is shown.
	const auto = keys(initialState(views()), '3j1').state;
	const reordered = reduceEvent(auto, {type: 'views', views: views({autoscaling: pane('autoscaling', ['a1', 'a2', 'a0'])})}).state;
	t.is(reordered.panes.autoscaling.cursor, 0);
	t.is(reordered.panes.autoscaling.selectedId, 'a1');
});

test('a pane not yet looked at keeps its cursor on top while its rows come in; shown, its row stays', (t) => {
	const start = initialState(views({autoscaling: pane('autoscaling', ['burst', 'system'])}));
	t.is(start.panes.autoscaling.selectedId, undefined, 'nobody has seen the autoscaling rows');
	const more = reduceEvent(start, {type: 'views', views: views({autoscaling: pane('autoscaling', ['checkout-web', 'storefront', 'burst', 'system'])})}).state;
	const shown = keys(more, '3').state;
	t.is(currentRow(shown)?.id, 'checkout-web', 'the top row when the pane is first shown');
	const resorted = reduceEvent(shown, {
		type: 'views',
		views: views({autoscaling: pane('autoscaling', ['storefront', 'checkout-web', 'burst', 'system'])}),
	}).state;
	t.is(currentRow(resorted)?.id, 'checkout-web', 'then it stays under the cursor');
});

test('the sort keeps the selected row under the cursor', (t) => {
	const start = keys(initialState(views({etcd: pane('etcd', ['b', 'c', 'a'])})), 'j').state;
	t.is(currentRow(start)?.id, 'c');
	const sorted = keys(start, 's').state;
	t.deepEqual(sorted.panes.etcd.sort, {key: 'name', direction: 'asc'});
	t.is(currentRow(sorted)?.id, 'c');
	t.is(cursorOf(sorted), 2);
});

test('the dialog: y once applies once; an answer for a cancelled dialog is dropped; Esc cannot stop an apply', (t) => {
	const start = keys(initialState(views(), 'autoscaling'), 'r').state;
	t.is(start.mode, 'dialog');
	const token = start.dialog!.token;
	const prepared = {
		plan: {findingId: 'a0', remedyId: 'dampen-hpa', title: 'Dampen', risk: 'r', warnings: [], params: [], undoable: true},
		allowed: true,
		diff: [],
		notes: [],
		patched: new Map(),
	} as never;
	const ready = reduceEvent(start, {type: 'prepared', token, prepared}).state;
	t.is(ready.dialog!.busy, undefined);
	const {state: applying, effects} = keys(ready, 'yy');
	t.deepEqual(
		effects.map((e) => e.type),
		['apply'],
		'the second y in the same chunk sees the first',
	);
	t.is(keys(applying, ESC).state.mode, 'dialog', 'requests are going out: Esc does not close');
	t.deepEqual(keys(applying, {text: 'c', ctrl: true}).effects, [], 'nor does Ctrl-C quit');
	const cancelled = keys(start, ESC).state;
	t.is(cancelled.mode, 'table');
	const late = reduceEvent(cancelled, {type: 'prepared', token, prepared}).state;
	t.is(late.dialog, undefined, 'the late answer does not bring the dialog back');
	t.is(late.mode, 'table');
});

test('read-only: no remedy and no undo, with a message', (t) => {
	const readOnly = {...env, readOnly: true};
	const start = initialState(views(), 'autoscaling');
	for (const key of ['r', 'u']) {
		const step = reduceKeys(start, splitTyped(key), readOnly);
		t.deepEqual(step.effects, []);
		t.is(step.state.message?.text, 'read-only: remedies are off');
	}
});
