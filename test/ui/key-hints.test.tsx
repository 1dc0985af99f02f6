/**
 * KeyHints: one line that never wraps, low-priority hints dropped first, labels shortened
 * next, `?` and `q` always there, ASCII key names, colour only with a colour theme.
 */
import test from 'ava';
import fc from 'fast-check';
import {render} from 'ink-testing-library';
import {KeyHints, keyHintsLine, keyText, type KeyHint} from '../../source/ui/components/key-hints.js';
import {lineText, lineWidth} from '../../source/ui/table-layout.js';
import {makeTheme} from '../../source/ui/theme.js';
import {displayWidth} from '../../source/text/width.js';
import {plain, ascii, colour} from '../helpers/ink.js';

const HINTS: KeyHint[] = [
	{key: '↑↓', label: 'move', priority: 9},
	{key: '/', label: 'filter', priority: 8},
	{key: 's', label: 'sort', priority: 5},
	{key: '⏎', label: 'detail', priority: 7},
	{key: 'f', label: 'fix', priority: 6},
	{key: 'Tab', label: 'next pane', priority: 3},
	{key: '?', label: 'help', priority: 1},
	{key: 'q', label: 'quit', priority: 0},
];

const text = (width: number, theme = plain, hints = HINTS) => lineText(keyHintsLine(hints, width, theme)).trimEnd();

test('everything fits at 80 columns, on one line', (t) => {
	const {lastFrame, unmount} = render(<KeyHints hints={HINTS} width={80} theme={plain} />);
	t.is(lastFrame(), '↑↓ move  / filter  s sort  ⏎ detail  f fix  Tab next pane  ? help  q quit');
	unmount();
});

test('hints are dropped lowest priority first; ? and q stay even with the lowest priorities', (t) => {
	const lineAt: Array<[width: number, line: string]> = [
		[60, '↑↓ move  / filter  s sort  ⏎ detail  f fix  ? help  q quit'],
		[50, '↑↓ move  / filter  ⏎ detail  f fix  ? help  q quit'],
		[43, '↑↓ move  / filter  ⏎ detail  ? help  q quit'],
		[42, '↑↓ move  / filter  ? help  q quit'],
		[30, '↑↓ move  ? help  q quit'],
	];
	for (const [width, line] of lineAt) t.is(text(width), line, `${width} columns`);
});

test('labels shorten only when no droppable hint is left', (t) => {
	const onlyRequired = [
		{key: '?', label: 'help', priority: 0},
		{key: 'q', label: 'quit', priority: 0},
	];
	t.is(text(14, plain, onlyRequired), '? help  q quit');
	t.is(text(12, plain, onlyRequired), '? he…  q qu…');
	t.is(text(10, plain, onlyRequired), '? h…  q q…');
	t.is(text(8, plain, onlyRequired), '?  q', 'keys only when a label would be a lone ellipsis');
	t.is(lineWidth(keyHintsLine(onlyRequired, 2, plain)), 2, 'cut, never wrapped, at absurd widths');
});

test('? and q are added when the list lacks them', (t) => {
	t.is(text(80, plain, [{key: '/', label: 'filter', priority: 1}]), '/ filter  ? help  q quit');
	t.is(text(16, plain, [{key: '/', label: 'filter', priority: 1}]), '? help  q quit');
});

test('property: exactly the width and ? and q always shown from 14 columns', (t) => {
	const hintArb = fc.record({
		key: fc.constantFrom('a', 'b', '↑↓', '⏎', 'Tab', 'PgUp', '/'),
		label: fc.string({maxLength: 20}),
		priority: fc.integer({min: 0, max: 9}),
	});
	fc.assert(
		fc.property(fc.array(hintArb, {maxLength: 12}), fc.integer({min: 0, max: 160}), fc.boolean(), (hints, width, unicode) => {
			const theme = makeTheme({color: false, unicode});
			const line = keyHintsLine(hints, width, theme);
			if (lineWidth(line) !== width) return false;
			if (width < 14) return true;
			const shown = lineText(line);
			return /(^| )\? /.test(shown) && /(^| )q /.test(shown);
		}),
	);
	t.pass();
});

test('ASCII terminals get key names instead of arrows', (t) => {
	t.is(keyText('↑↓', ascii), 'Up/Down');
	t.is(keyText('↑/↓', ascii), 'Up/Down');
	t.is(keyText('⏎', ascii), 'Enter');
	t.is(keyText('← →', ascii), 'Left Right');
	t.is(keyText('⏎', plain), '⏎');
	const line = text(80, ascii);
	t.true(/^[\x20-\x7e]*$/.test(line));
	t.true(line.startsWith('Up/Down move  / filter'));
	t.true(line.includes('Enter detail'));
});

test('widths at 80 and 50 columns and colour only with a colour theme', (t) => {
	for (const width of [80, 50]) {
		for (const theme of [plain, ascii]) {
			const {lastFrame, unmount} = render(<KeyHints hints={HINTS} width={width} theme={theme} />);
			const frame = lastFrame() ?? '';
			t.false(frame.includes('\n'));
			t.true(displayWidth(frame) <= width);
			t.false(frame.includes('\x1b['));
			unmount();
		}
	}
	const {lastFrame, unmount} = render(<KeyHints hints={HINTS} width={80} theme={colour} />);
	t.true((lastFrame() ?? '').includes('\x1b[1m'), 'positive control: keys are bold with colour');
	unmount();
});
