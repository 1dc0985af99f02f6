/**
 * Sparkline: exact width at every width, Unicode blocks or the ASCII ramp, the min/max
 * annotation and what gives way when narrow, approximate (backfilled) points dimmer, and
 * colour only with a colour theme (chalk's level is set so the positive control can show
 * escape codes; see data-table.test.tsx).
 */
import test from 'ava';
import chalk from 'chalk';
import fc from 'fast-check';
import {render} from 'ink-testing-library';
import {Sparkline, sparklineLine} from '../../source/ui/components/sparkline.js';
import {lineText, lineWidth} from '../../source/ui/table-layout.js';
import {makeTheme} from '../../source/ui/theme.js';
import {SPARK_ASCII, SPARK_BLOCKS, sparkline} from '../../source/text/sparkline.js';
import {displayWidth} from '../../source/text/width.js';

chalk.level = 1;

const plain = makeTheme({color: false, unicode: true});
const ascii = makeTheme({color: false, unicode: false});
const colour = makeTheme({color: true, unicode: true});

const SERIES = [3, 3, 4, 8, 12, 14, 9, 4, 3, 3, 7, 13, 14, 6, 3, 2, 2, 5, 11, 14];

test('label, sparkline and range on one line of exactly the width', (t) => {
	for (const width of [80, 50]) {
		const {lastFrame, unmount} = render(<Sparkline values={SERIES} width={width} theme={plain} label="replicas" />);
		const frame = lastFrame() ?? '';
		t.false(frame.includes('\n'));
		t.true(displayWidth(frame) <= width);
		t.true(frame.startsWith(`replicas ${sparkline(SERIES)} `), frame);
		t.true(frame.endsWith('min 2 max 14'), frame);
		unmount();
	}
});

test('the ASCII ramp on an ASCII terminal', (t) => {
	const line = lineText(sparklineLine({values: SERIES, width: 50, theme: ascii, label: 'replicas'}));
	t.true(/^[\x20-\x7e]*$/.test(line));
	const spark = line.slice('replicas '.length, 'replicas '.length + SERIES.length);
	t.true([...spark].every((c) => SPARK_ASCII.includes(c)), spark);
	t.is(spark, sparkline(SERIES, {ascii: true}));
	t.is(spark[15], '_', 'the smallest value');
	t.is(spark[5], '#', 'the largest');
});

test('a long series is resampled into the room left', (t) => {
	const long = Array.from({length: 600}, (_, i) => (i === 300 ? 100 : i % 7));
	const line = lineText(sparklineLine({values: long, width: 40, theme: plain, showRange: false}));
	t.is(line.length, 40);
	t.true([...line].every((c) => SPARK_BLOCKS.includes(c)));
	t.true(line.includes('█'), 'the one-sample spike survives resampling');
});

test('property: exactly the width, whatever the width, label and options', (t) => {
	fc.assert(
		fc.property(
			fc.array(fc.double({min: -1e6, max: 1e6, noNaN: true}), {maxLength: 200}),
			fc.integer({min: 0, max: 120}),
			fc.string({maxLength: 40}),
			fc.boolean(),
			fc.integer({min: 0, max: 250}),
			fc.boolean(),
			(values, width, label, showRange, approximateCount, unicode) => {
				const theme = makeTheme({color: false, unicode});
				const line = sparklineLine({values, width, theme, label, showRange, approximateCount});
				return lineWidth(line) === width && !/[\x00-\x1f\x7f-\x9f]/.test(lineText(line));
			},
		),
	);
	t.pass();
});

test('when narrow the note goes first, then the range, then the label shortens', (t) => {
	const props = {values: SERIES, theme: plain, label: 'replicas', approximateCount: 5};
	t.regex(lineText(sparklineLine({...props, width: 80})), /min 2 max 14, first 5 approx\.$/);
	const medium = lineText(sparklineLine({...props, width: 44}));
	t.regex(medium, /min 2 max 14$/);
	t.false(medium.includes('approx'));
	const small = lineText(sparklineLine({...props, width: 22}));
	t.false(small.includes('min'));
	t.true(small.startsWith('replicas '));
	const tiny = lineText(sparklineLine({...props, width: 12}));
	t.is(tiny.length, 12);
	t.is(tiny, `re… ${sparkline(SERIES, {width: 8})}`, 'the label gives way so the sparkline keeps eight columns');
});

test('approximate leading points are dim', (t) => {
	const spans = sparklineLine({values: SERIES, width: 60, theme: colour, approximateCount: 4, showRange: false});
	t.is(spans[0]!.text, sparkline(SERIES).slice(0, 4));
	t.true(spans[0]!.dim);
	t.falsy(spans[1]!.dim);
	t.is(spans[1]!.text.length, SERIES.length - 4);
	// Resampled: 60 values into 20 columns, the first 30 approximate → the first 10 columns.
	const resampled = sparklineLine({values: Array.from({length: 60}, (_, i) => i), width: 20, theme: colour, approximateCount: 30, showRange: false});
	t.is(resampled[0]!.text.length, 10);
	t.true(resampled[0]!.dim);
	const {lastFrame, unmount} = render(<Sparkline values={SERIES} width={60} theme={colour} approximateCount={4} />);
	t.true((lastFrame() ?? '').includes('\x1b[2m'), 'positive control: dim is drawn with colour');
	unmount();
});

test('no escape codes without colour', (t) => {
	for (const theme of [plain, ascii]) {
		const {lastFrame, unmount} = render(<Sparkline values={SERIES} width={60} theme={theme} approximateCount={4} label="x" />);
		t.false((lastFrame() ?? '').includes('\x1b['));
		unmount();
	}
});

test('no data and hostile labels', (t) => {
	t.is(lineText(sparklineLine({values: [], width: 20, theme: plain, label: 'events/min'})).trimEnd(), 'events/min no data');
	t.is(lineText(sparklineLine({values: [NaN, Infinity], width: 20, theme: plain})).trimEnd(), 'no data');
	const hostile = lineText(sparklineLine({values: SERIES, width: 60, theme: plain, label: 'a\x1b]52;c;cHduZWQ=\x07b\u202e'}));
	t.false(/[\x00-\x1f\x7f-\x9f\u202e]/.test(hostile));
	t.false(hostile.includes('cHduZWQ'));
});
