/**
 * ConfirmDialog: focus starts on Cancel, `y` applies, Enter presses the focused button,
 * `n`/Esc cancel, Tab and arrows move the focus, parameters are edited by their key, a
 * disabled Apply cannot be reached, a busy dialog only hears Esc; widths at 80 and 50
 * columns, the height kept with a long diff, hostile strings, colour only with colour.
 */
import test from 'ava';
import {render} from 'ink-testing-library';
import {ConfirmDialog, confirmDialogLines, type ConfirmDialogProps} from '../../source/ui/components/confirm-dialog.js';
import type {DiffLine} from '../../source/ui/components/diff-view.js';
import {lineText} from '../../source/ui/table-layout.js';
import {displayWidth} from '../../source/text/width.js';
import {plain, ascii, colour, tick, frameLines} from '../helpers/ink.js';

const DIFF: DiffLine[] = [
	{op: '~', text: 'batch/v1 Job ml-pipelines/train-1'},
	{op: ' ', text: 'spec:'},
	{op: '+', text: '  ttlSecondsAfterFinished: 3600'},
];

interface Calls {
	apply: number;
	cancel: number;
	edits: string[];
}

function dialogProps(overrides: Partial<ConfirmDialogProps> = {}): {props: ConfirmDialogProps; calls: Calls} {
	const calls: Calls = {apply: 0, cancel: 0, edits: []};
	const props: ConfirmDialogProps = {
		title: 'set ttlSecondsAfterFinished on 200 Jobs',
		risk: 'Finished Jobs are deleted 1h after they finish',
		warnings: ['3 Jobs belong to CronJob nightly-etl'],
		diff: DIFF,
		parameters: [{name: 'ttlSecondsAfterFinished', value: '3600'}],
		width: 80,
		height: 20,
		theme: plain,
		onApply: () => calls.apply++,
		onCancel: () => calls.cancel++,
		onEdit: (name) => calls.edits.push(name),
		...overrides,
	};
	return {props, calls};
}

function dialog(overrides: Partial<ConfirmDialogProps> = {}) {
	const {props, calls} = dialogProps(overrides);
	const rendered = render(<ConfirmDialog {...props} />);
	const press = async (key: string) => {
		rendered.stdin.write(key);
		await tick();
	};
	const buttons = () => frameLines(rendered.lastFrame()).find((l) => l.includes('[ Cancel ]')) ?? '';
	return {calls, press, buttons, ...rendered};
}

const ESC = '\x1b';
const ENTER = '\r';
const TAB = '\t';
const LEFT = '\x1b[D';
const RIGHT = '\x1b[C';

test('focus starts on Cancel and Enter cancels', async (t) => {
	const d = dialog();
	await tick();
	t.regex(d.buttons(), /▶\[ Cancel \] {4}\[ Apply \]/);
	await d.press(ENTER);
	t.deepEqual(d.calls, {apply: 0, cancel: 1, edits: []});
	d.unmount();
});

test('y applies at once', async (t) => {
	const d = dialog();
	await tick();
	await d.press('y');
	t.deepEqual(d.calls, {apply: 1, cancel: 0, edits: []});
	d.unmount();
});

test('n and Esc cancel', async (t) => {
	for (const key of ['n', ESC]) {
		const d = dialog();
		await tick();
		await d.press(key);
		t.deepEqual(d.calls, {apply: 0, cancel: 1, edits: []}, JSON.stringify(key));
		d.unmount();
	}
});

test('Tab and the arrows move the focus; Enter presses the focused button', async (t) => {
	const d = dialog();
	await tick();
	await d.press(TAB);
	t.regex(d.buttons(), / \[ Cancel \] {3}▶\[ Apply \]/);
	await d.press(TAB);
	t.regex(d.buttons(), /▶\[ Cancel \]/, 'Tab toggles');
	await d.press(RIGHT);
	t.regex(d.buttons(), /▶\[ Apply \]/);
	await d.press(RIGHT);
	t.regex(d.buttons(), /▶\[ Apply \]/, '→ goes to Apply, it does not toggle');
	await d.press(LEFT);
	t.regex(d.buttons(), /▶\[ Cancel \]/);
	await d.press(LEFT);
	t.regex(d.buttons(), /▶\[ Cancel \]/);
	await d.press(RIGHT);
	t.is(d.calls.apply, 0, 'moving the focus applies nothing');
	await d.press(ENTER);
	t.deepEqual(d.calls, {apply: 1, cancel: 0, edits: []});
	d.unmount();
});

test('a parameter is edited with its key', async (t) => {
	const d = dialog({
		parameters: [
			{name: 'ttl', value: '3600'},
			{name: 'namespace', value: 'ml', key: 'e'},
		],
	});
	await tick();
	const frame = d.lastFrame() ?? '';
	t.true(frame.includes('ttl: 3600  [1] edit'));
	t.true(frame.includes('namespace: ml  [e] edit'));
	await d.press('1');
	await d.press('e');
	await d.press('2');
	t.deepEqual(d.calls.edits, ['ttl', 'namespace'], '"2" is nobody\'s key');
	d.unmount();
});

test('a disabled Apply cannot be reached and says why', async (t) => {
	const reason = 'RBAC does not allow patch on cronjobs.batch in ml-pipelines';
	const d = dialog({disabledReason: reason});
	await tick();
	t.true((d.lastFrame() ?? '').includes(`Apply disabled: ${reason}`));
	t.regex(d.buttons(), /▶\[ Cancel \] {4}\[ Apply \(not allowed\) \]/);
	await d.press('y');
	await d.press(TAB);
	await d.press(RIGHT);
	t.regex(d.buttons(), /▶\[ Cancel \]/, 'the focus stays on Cancel');
	t.is(d.calls.apply, 0);
	await d.press(ENTER);
	t.deepEqual(d.calls, {apply: 0, cancel: 1, edits: []});
	d.unmount();
});

test('busy: every key but Esc is ignored', async (t) => {
	const d = dialog({busy: 'applying 40/200…'});
	await tick();
	const frame = d.lastFrame() ?? '';
	t.true(frame.includes('applying 40/200…'));
	t.false(frame.includes('[ Apply ]'));
	t.false(frame.includes('[1] edit'));
	for (const key of ['y', 'n', ENTER, TAB, '1']) await d.press(key);
	t.deepEqual(d.calls, {apply: 0, cancel: 0, edits: []});
	await d.press(ESC);
	t.deepEqual(d.calls, {apply: 0, cancel: 1, edits: []});
	d.unmount();
});

test('every line fits at 80 and 50 columns', async (t) => {
	for (const width of [80, 50]) {
		for (const theme of [plain, ascii, colour]) {
			const d = dialog({width, theme, disabledReason: 'RBAC does not allow patch on cronjobs.batch in ml-pipelines because reasons'});
			const shown = frameLines((d.lastFrame() ?? '').replace(/\x1b\[[0-9;]*m/g, ''));
			for (const line of shown) t.is(displayWidth(line), width, JSON.stringify(line));
			if (theme === ascii) t.true(shown.every((line) => /^[\x20-\x7e]*$/.test(line)));
			d.unmount();
		}
	}
});

test('a long diff gets the room left and scrolls; the buttons always show', async (t) => {
	const long: DiffLine[] = Array.from({length: 100}, (_, i) => ({op: '+', text: `line ${i}`}));
	const warnings = Array.from({length: 16}, (_, i) => `warning ${i}`);
	const d = dialog({diff: long, warnings, height: 24});
	await tick();
	let shown = frameLines(d.lastFrame());
	t.is(shown.length, 24);
	t.true(d.buttons().includes('[ Apply ]'));
	t.true(
		shown.some((l) => l.includes('… and')),
		'warnings beyond the room are summarised',
	);
	t.true(shown.some((l) => l.includes('+ line 0')));
	t.true(shown.some((l) => /lines 1–\d+ of 100/.test(l)));
	await d.press('j');
	await d.press('j');
	shown = frameLines(d.lastFrame());
	t.false(shown.some((l) => l.includes('+ line 0 ')));
	t.true(shown.some((l) => l.includes('+ line 2 ')));
	t.deepEqual(d.calls, {apply: 0, cancel: 0, edits: []});
	d.unmount();
	const cramped = confirmDialogLines({
		...dialogProps().props,
		parameters: Array.from({length: 30}, (_, i) => ({name: `p${i}`, value: String(i)})),
		focus: 'cancel',
		diffOffset: 0,
	});
	t.true(cramped.lines.length <= 20);
	t.true(
		cramped.lines.some((l) => lineText(l).includes('[ Cancel ]')),
		'too many parameters: the buttons stay',
	);
});

test('hostile strings are sanitized', (t) => {
	const evil = 'x\x1b[31mred\x07\x1b]52;c;ZWNobyBwd25lZA==\x07\u202e\x9b2J' + 'n'.repeat(10_000);
	for (const theme of [plain, ascii]) {
		const d = dialog({
			title: evil,
			risk: evil,
			warnings: [evil],
			diff: [{op: '+', text: evil}],
			parameters: [{name: evil, value: evil}],
			disabledReason: evil,
			theme,
			width: 50,
		});
		const frame = d.lastFrame() ?? '';
		t.false(frame.includes('\x1b'));
		t.false(/[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e]/.test(frame));
		t.false(frame.includes('ZWNobyBwd25lZA'));
		for (const line of frameLines(frame)) t.true(displayWidth(line) <= 50);
		d.unmount();
	}
});

test('colour codes only with a colour theme', (t) => {
	const coloured = dialog({theme: colour});
	t.true((coloured.lastFrame() ?? '').includes('\x1b[7m'), 'positive control: the focused button is inverse');
	coloured.unmount();
	for (const theme of [plain, ascii]) {
		const d = dialog({theme});
		t.false((d.lastFrame() ?? '').includes('\x1b['));
		d.unmount();
	}
});
