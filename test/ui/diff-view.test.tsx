/**
 * DiffView: the op prefix on every line, colours only with colour, truncation instead of
 * wrapping, the scroll window and its position line, hostile text.
 */
import test from 'ava';
import {render} from 'ink-testing-library';
import {DiffView, diffMaxOffset, diffViewLines, type DiffLine} from '../../source/ui/components/diff-view.js';
import {lineText} from '../../source/ui/table-layout.js';
import {displayWidth} from '../../source/text/width.js';
import {plain, ascii, colour, frameLines} from '../helpers/ink.js';

const DIFF: DiffLine[] = [
	{op: '~', text: 'batch/v1 Job ml-pipelines/train-1 (1 of 200)'},
	{op: ' ', text: 'spec:'},
	{op: '-', text: '  ttlSecondsAfterFinished: null'},
	{op: '+', text: '  ttlSecondsAfterFinished: 3600'},
	{op: ' ', text: '  backoffLimit: 6'},
];

test('every line starts with its op so the diff reads without colour', (t) => {
	const {lastFrame, unmount} = render(<DiffView lines={DIFF} width={80} height={10} theme={plain} />);
	t.deepEqual(frameLines(lastFrame()), [
		'~ batch/v1 Job ml-pipelines/train-1 (1 of 200)',
		'  spec:',
		'-   ttlSecondsAfterFinished: null',
		'+   ttlSecondsAfterFinished: 3600',
		'    backoffLimit: 6',
	]);
	t.false((lastFrame() ?? '').includes('\x1b['));
	unmount();
});

test('with colour, added lines are green and removed lines red', (t) => {
	const {lastFrame, unmount} = render(<DiffView lines={DIFF} width={80} height={10} theme={colour} />);
	const shown = frameLines(lastFrame());
	t.true(shown[3]!.startsWith('\x1b[32m+'), JSON.stringify(shown[3]));
	t.true(shown[2]!.startsWith('\x1b[31m-'), JSON.stringify(shown[2]));
	t.false(shown[1]!.includes('\x1b['), 'context lines are plain');
	unmount();
});

test('long lines are cut with an ellipsis, never wrapped', (t) => {
	const long: DiffLine[] = [{op: '+', text: `  command: ["sh", "-c", "${'x'.repeat(300)}"]`}];
	for (const [theme, ellipsis] of [
		[plain, '…'],
		[ascii, '~'],
	] as const) {
		for (const width of [80, 50]) {
			const {lastFrame, unmount} = render(<DiffView lines={[...DIFF, ...long]} width={width} height={10} theme={theme} />);
			const shown = frameLines(lastFrame());
			t.is(shown.length, DIFF.length + 1);
			for (const line of shown) t.true(displayWidth(line) <= width);
			t.is(displayWidth(shown.at(-1)!), width);
			t.true(shown.at(-1)!.endsWith(ellipsis));
			unmount();
		}
	}
});

test('a diff taller than the height scrolls from the offset and says where it is', (t) => {
	const many: DiffLine[] = Array.from({length: 30}, (_, i) => ({op: i % 2 === 0 ? '+' : '-', text: `line ${i}`}));
	const {lastFrame, rerender, unmount} = render(<DiffView lines={many} width={60} height={8} offset={0} theme={plain} />);
	let shown = frameLines(lastFrame());
	t.is(shown.length, 8);
	t.is(shown[0], '+ line 0');
	t.is(shown[6], '+ line 6');
	t.is(shown[7], '  lines 1–7 of 30, 23 more below');
	rerender(<DiffView lines={many} width={60} height={8} offset={10} theme={plain} />);
	shown = frameLines(lastFrame());
	t.is(shown[0], '+ line 10');
	t.is(shown[7], '  lines 11–17 of 30, 13 more below');
	rerender(<DiffView lines={many} width={60} height={8} offset={500} theme={plain} />);
	shown = frameLines(lastFrame());
	t.is(shown[0], '- line 23', 'clamped to the last window');
	t.is(shown[6], '- line 29');
	t.is(shown[7], '  lines 24–30 of 30');
	t.is(diffMaxOffset(30, 8), 23);
	t.is(diffMaxOffset(5, 8), 0);
	unmount();
});

test('hostile text is sanitized and an empty diff says so', (t) => {
	const hostile: DiffLine[] = [
		{op: '+', text: 'name: red\x1b[31mALERT\x07'},
		{op: '+', text: 'ua: \x1b]52;c;ZWNobyBwd25lZA==\x07curl'},
		{op: '-', text: 'bidi\u202eexe.txt \x9b2J'},
		{op: '+', text: 'n'.repeat(10_000)},
	];
	for (const theme of [plain, ascii, colour]) {
		const {lines: out} = diffViewLines({lines: hostile, width: 50, height: 10, theme});
		for (const line of out) {
			const text = lineText(line);
			t.false(/[\x00-\x1f\x7f-\x9f\u202e]/.test(text), JSON.stringify(text));
			t.false(text.includes('ZWNobyBwd25lZA'));
			t.is(displayWidth(text), 50);
		}
	}
	t.is(lineText(diffViewLines({lines: [], width: 20, height: 5, theme: plain}).lines[0]!).trim(), '(no changes)');
});
