/**
 * TextPrompt: typing, cursor movement, Backspace (both the DEL and BS bytes terminals
 * send), Ctrl-U, Enter and Esc, validation on a second line blocking Enter, pasted
 * control characters, scrolling of a long value, widths, and colour only with colour.
 */
import test from 'ava';
import fc from 'fast-check';
import {render} from 'ink-testing-library';
import {editPrompt, graphemesOf, promptFieldSpans, TextPrompt, type PromptState, type TextPromptProps} from '../../source/ui/components/text-prompt.js';
import {lineText, lineWidth} from '../../source/ui/table-layout.js';
import {makeTheme} from '../../source/ui/theme.js';
import {displayWidth} from '../../source/text/width.js';
import {plain, ascii, colour, tick} from '../helpers/ink.js';

const BACKSPACE_DEL = '\x7f';
const BACKSPACE_BS = '\b';
const CTRL_U = '\x15';
const CTRL_A = '\x01';
const CTRL_E = '\x05';
const LEFT = '\x1b[D';
const RIGHT = '\x1b[C';
const HOME = '\x1b[H';
const ENTER = '\r';
const ESC = '\x1b';

function prompt(overrides: Partial<TextPromptProps> = {}) {
	const calls = {submitted: [] as string[], cancelled: 0, changes: [] as string[]};
	const rendered = render(
		<TextPrompt
			label="/"
			width={40}
			theme={plain}
			onSubmit={(value) => calls.submitted.push(value)}
			onCancel={() => calls.cancelled++}
			onChange={(value) => calls.changes.push(value)}
			{...overrides}
		/>,
	);
	const press = async (...keys: string[]) => {
		for (const key of keys) {
			rendered.stdin.write(key);
			await tick();
		}
	};
	const line = (n = 0) => (rendered.lastFrame() ?? '').split('\n')[n] ?? '';
	return {calls, press, line, ...rendered};
}

test('typing inserts at the cursor and Enter submits', async (t) => {
	const p = prompt();
	await tick();
	await p.press('e', 't', 'l');
	t.is(p.line(), '/ etl▏');
	await p.press(LEFT, LEFT, 'x');
	t.is(p.line(), '/ ex▏tl');
	await p.press(HOME, '>');
	t.is(p.line(), '/ >▏extl');
	await p.press(CTRL_E, '<');
	t.is(p.line(), '/ >extl<▏');
	await p.press(CTRL_A, RIGHT, RIGHT, RIGHT, RIGHT, RIGHT, RIGHT, RIGHT, RIGHT, '!');
	t.is(p.line(), '/ >extl<!▏', 'right stops at the end');
	await p.press(ENTER);
	t.deepEqual(p.calls.submitted, ['>extl<!']);
	t.deepEqual(p.calls.changes, ['e', 'et', 'etl', 'extl', '>extl', '>extl<', '>extl<!']);
	p.unmount();
});

test('Backspace (DEL or BS) deletes before the cursor; Ctrl-U clears', async (t) => {
	const p = prompt({initialValue: 'kube-system'});
	await tick();
	t.is(p.line(), '/ kube-system▏', 'the cursor starts at the end');
	await p.press(BACKSPACE_DEL, BACKSPACE_BS);
	t.is(p.line(), '/ kube-syst▏');
	await p.press(HOME, BACKSPACE_DEL);
	t.is(p.line(), '/ ▏kube-syst', 'nothing before the cursor: nothing deleted');
	await p.press(CTRL_U);
	t.is(p.line(), '/ ▏');
	await p.press(ENTER);
	t.deepEqual(p.calls.submitted, ['']);
	t.deepEqual(p.calls.changes, ['kube-syste', 'kube-syst', '']);
	p.unmount();
});

test('Esc cancels', async (t) => {
	const p = prompt({initialValue: 'abc'});
	await tick();
	await p.press(ESC);
	t.is(p.calls.cancelled, 1);
	t.deepEqual(p.calls.submitted, []);
	p.unmount();
});

test('validation shows on a second line and Enter does nothing while invalid', async (t) => {
	const validate = (value: string) => (/^[0-9]+$/.test(value) ? undefined : 'a whole number of seconds');
	const p = prompt({label: 'ttlSecondsAfterFinished:', initialValue: '3600', validate});
	await tick();
	t.is(p.line(0), 'ttlSecondsAfterFinished: 3600▏');
	t.is(p.line(1), '', 'valid: the error line is blank');
	await p.press('s');
	t.is(p.line(1), '! a whole number of seconds');
	await p.press(ENTER);
	t.deepEqual(p.calls.submitted, []);
	await p.press(BACKSPACE_DEL, '0', ENTER);
	t.deepEqual(p.calls.submitted, ['36000']);
	p.unmount();
});

test('pasted text is inserted without its control characters', async (t) => {
	const p = prompt();
	await tick();
	await p.press('ml-\x07pipe\u202elines');
	t.is(p.line(), '/ ml-pipelines▏');
	await p.press(ENTER);
	t.deepEqual(p.calls.submitted, ['ml-pipelines']);
	p.unmount();
});

test('a long value scrolls so the cursor stays visible', async (t) => {
	const long = 'system:serviceaccount:kube-system:horizontal-pod-autoscaler';
	const p = prompt({initialValue: long, width: 30});
	await tick();
	t.is(displayWidth(p.line()), 30);
	t.true(p.line().startsWith('/ …'), p.line());
	t.true(p.line().endsWith('autoscaler▏'));
	await p.press(HOME);
	t.true(p.line().startsWith('/ ▏system:'), p.line());
	t.true(p.line().endsWith('…'));
	t.is(displayWidth(p.line()), 30);
	p.unmount();
});

test('editing works by grapheme', (t) => {
	let state: PromptState = {chars: [], cursor: 0};
	state = editPrompt(state, {type: 'insert', text: 'a👩‍👩‍👧é'});
	t.is(state.chars.length, 3);
	state = editPrompt(state, {type: 'backspace'});
	t.deepEqual(state.chars, ['a', '👩‍👩‍👧']);
	state = editPrompt(state, {type: 'left'});
	state = editPrompt(state, {type: 'backspace'});
	t.deepEqual(state, {chars: ['👩‍👩‍👧'], cursor: 0});
	t.deepEqual(graphemesOf('e\u0301x'), ['e\u0301', 'x']);
});

test('property: the field is exactly its width and shows the cursor', (t) => {
	fc.assert(
		fc.property(fc.string({maxLength: 80, unit: 'grapheme'}), fc.nat(), fc.integer({min: 2, max: 60}), fc.boolean(), (text, at, width, unicode) => {
			const chars = graphemesOf(text);
			const state = {chars, cursor: at % (chars.length + 1)};
			const theme = makeTheme({color: false, unicode});
			const field = promptFieldSpans(state, width, theme);
			return lineWidth(field) === width && lineText(field).includes(unicode ? '▏' : '|');
		}),
	);
	t.pass();
});

test('widths at 80 and 50 columns, ASCII, and colour only with colour', async (t) => {
	for (const width of [80, 50]) {
		for (const theme of [plain, ascii]) {
			const p = prompt({width, theme, initialValue: 'x'.repeat(200), validate: () => 'e'.repeat(300)});
			const frame = p.lastFrame() ?? '';
			for (const line of frame.split('\n')) t.true(displayWidth(line) <= width);
			t.false(frame.includes('\x1b['));
			if (theme === ascii) t.true(/^[\x20-\x7e\n]*$/.test(frame));
			p.unmount();
		}
	}
	const p = prompt({theme: colour, initialValue: 'abc'});
	await tick();
	t.true((p.lastFrame() ?? '').includes('\x1b[7m'), 'positive control: the cursor is an inverse cell');
	t.false((p.lastFrame() ?? '').includes('▏'), 'no bar with colour');
	p.unmount();
});
