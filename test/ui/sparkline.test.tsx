/**
 * The series block of the detail views: one cell per point (a series alternating 3, 10,
 * 3, 10 draws alternating cells at 80 columns and, wrapped onto more rows, at narrower
 * widths), the scale in the title, the time axis ("-60m … now"), exact widths, the ASCII
 * ramp, approximate points dimmer, and colour only with a colour theme (chalk's level is
 * set so the positive control can show escape codes; see test/helpers/ink.ts).
 */
import test from 'ava';
import fc from 'fast-check';
import {render} from 'ink-testing-library';
import {Sparkline, sparklineLines} from '../../source/ui/components/sparkline.js';
import {lineText, lineWidth} from '../../source/ui/table-layout.js';
import {makeTheme} from '../../source/ui/theme.js';
import {axisTime, SPARK_ASCII, SPARK_BLOCKS, sparkline} from '../../source/text/sparkline.js';
import {plain, ascii, colour} from '../helpers/ink.js';

const SERIES = [3, 3, 4, 8, 12, 14, 9, 4, 3, 3, 7, 13, 14, 6, 3, 2, 2, 5, 11, 14];
/** An hour of a flapping HPA, one value per minute: 3, 10, 3, 10, … */
const FLAPPING = Array.from({length: 60}, (_, i) => (i % 2 === 0 ? 3 : 10));

const text = (lines: ReturnType<typeof sparklineLines>) => lines.map(lineText);

/** The rows of cells (every other line after the title) joined: one character per point drawn. */
function cells(lines: string[]): string {
	return lines
		.filter((_, i) => i % 2 === 1)
		.map((l) => l.trimEnd())
		.join('');
}

test('a flapping hour at 80 columns: one cell per minute, every reversal visible, scale and axis', (t) => {
	const lines = text(sparklineLines({values: FLAPPING, width: 80, theme: plain, label: 'replicas, last 60 min', stepSeconds: 60}));
	t.is(lines.length, 3, 'title, cells, axis');
	t.true(lines[0]!.startsWith('replicas, last 60 min'));
	t.true(lines[0]!.endsWith('min 3 max 10'), lines[0]);
	t.is(lines[1]!.trimEnd(), '▁█'.repeat(30), 'low, high, low, high…: 60 cells, none merged');
	t.true(lines[2]!.startsWith('-60m '), lines[2]);
	t.true(lines[2]!.includes('-30m'), 'the middle of the hour is marked');
	t.is(lines[2]!.trimEnd().length, 60, 'the axis ends under the last cell');
	t.true(lines[2]!.trimEnd().endsWith('now'));
	for (const line of lines) t.is(line.length, 80);
});

test('narrower than the series: the points wrap onto more rows, still one cell each', (t) => {
	for (const width of [50, 40, 30, 20]) {
		const lines = text(sparklineLines({values: FLAPPING, width, theme: plain, label: 'replicas', stepSeconds: 60}));
		const drawn = cells(lines);
		t.is(drawn, '▁█'.repeat(30), `${width} columns: every point drawn, alternating`);
		for (const line of lines) t.is(line.length, width, `${width}: ${JSON.stringify(line)}`);
		const rows = Math.ceil(60 / width);
		t.is(lines.length, 1 + 2 * rows);
		t.true(lines[2]!.startsWith('-60m'), lines[2]);
		t.true(lines.at(-1)!.trimEnd().endsWith('now'), lines.at(-1));
	}
	// 60 points at 40 columns: two rows of 30, the first ending where the second starts.
	const two = text(sparklineLines({values: FLAPPING, width: 40, theme: plain, stepSeconds: 60}));
	t.regex(two[2]!, /^-60m\s+-45m\s+-30m\s*$/);
	t.regex(two[4]!, /^-30m\s+-15m\s+now\s*$/);
});

test('too narrow for four rows: resampled to the maximum of each bucket, and the title says so', (t) => {
	const lines = text(sparklineLines({values: FLAPPING, width: 10, theme: plain, label: 'r', stepSeconds: 60}));
	t.is(lines.length, 1 + 2 * 4, 'four rows at most');
	for (const line of lines) t.is(line.length, 10);
	t.is(cells(lines).length, 40, '60 points in 40 cells');
	const long = Array.from({length: 400}, (_, i) => i % 50);
	const title = text(sparklineLines({values: long, width: 60, theme: plain, label: 'x', stepSeconds: 60}))[0]!;
	t.regex(title, /min 0 max 49, max of 1\.7 per cell$/);
});

test('the ASCII ramp on an ASCII terminal, alternating too', (t) => {
	for (const width of [80, 40]) {
		const lines = text(sparklineLines({values: FLAPPING, width, theme: ascii, label: 'replicas', stepSeconds: 60}));
		t.true(lines.every((l) => /^[\x20-\x7e]*$/.test(l)));
		t.is(cells(lines), '_#'.repeat(30));
	}
	const line = text(sparklineLines({values: SERIES, width: 50, theme: ascii}))[1]!;
	t.is(line.trimEnd(), sparkline(SERIES, {ascii: true}));
	t.true([...line.trimEnd()].every((c) => SPARK_ASCII.includes(c)));
});

test('without a step the axis says oldest and latest', (t) => {
	const lines = text(sparklineLines({values: SERIES, width: 60, theme: plain, label: 'objects'}));
	t.regex(lines[2]!, /^oldest\s+latest\s*$/);
	t.is(lines[2]!.trimEnd().length, SERIES.length, 'latest ends under the last cell');
});

test('axis times read as minutes, hours, days', (t) => {
	t.is(axisTime(0), 'now');
	t.is(axisTime(90_000), '-90s');
	t.is(axisTime(60 * 60_000), '-60m');
	t.is(axisTime(3 * 3_600_000), '-3h');
	t.is(axisTime(90 * 3_600_000), '-3.8d');
});

test('property: every line exactly the width, and every point drawn while it fits four rows', (t) => {
	fc.assert(
		fc.property(
			fc.array(fc.double({min: -1e6, max: 1e6, noNaN: true}), {minLength: 1, maxLength: 200}),
			fc.integer({min: 1, max: 120}),
			fc.string({maxLength: 40}),
			fc.boolean(),
			fc.option(fc.integer({min: 1, max: 3600}), {nil: undefined}),
			fc.boolean(),
			(values, width, label, showRange, stepSeconds, unicode) => {
				const theme = makeTheme({color: false, unicode});
				const lines = sparklineLines({values, width, theme, label, showRange, stepSeconds});
				const exact = lines.every((line) => lineWidth(line) === width && !/[\x00-\x1f\x7f-\x9f]/.test(lineText(line)));
				const ramp = unicode ? SPARK_BLOCKS : SPARK_ASCII;
				const drawn = lines
					.filter((_, i) => i % 2 === 1)
					.map((l) => lineText(l).trimEnd())
					.join('');
				const everyPoint = values.length > 4 * width || (drawn.length === values.length && [...drawn].every((c) => ramp.includes(c)));
				return exact && everyPoint;
			},
		),
	);
	t.pass();
});

test('when the title is tight the note goes first, then the label shortens; the scale stays', (t) => {
	const props = {values: SERIES, theme: plain, label: 'replicas, last 60 min', approximateCount: 5};
	t.regex(text(sparklineLines({...props, width: 80}))[0]!, /min 2 max 14, first 5 approx\.$/);
	const medium = text(sparklineLines({...props, width: 40}))[0]!;
	t.regex(medium, /^replicas, last 60 min +min 2 max 14$/);
	const small = text(sparklineLines({...props, width: 24}))[0]!;
	t.regex(small, /^replicas, … min 2 max 14$/);
});

test('approximate leading points are dim', (t) => {
	const lines = sparklineLines({values: SERIES, width: 60, theme: colour, approximateCount: 4, showRange: false});
	const row = lines[1]!;
	t.is(row[0]!.text, sparkline(SERIES).slice(0, 4));
	t.true(row[0]!.dim);
	t.falsy(row[1]!.dim);
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
	t.is(text(sparklineLines({values: [], width: 20, theme: plain, label: 'events/min'}))[0]!.trimEnd(), 'events/min: no data');
	t.is(text(sparklineLines({values: [NaN, Infinity], width: 20, theme: plain}))[0]!.trimEnd(), 'no data');
	const hostile = text(sparklineLines({values: SERIES, width: 60, theme: plain, label: 'a\x1b]52;c;cHduZWQ=\x07b\u202e'})).join('\n');
	t.false(/[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e]/.test(hostile));
	t.false(hostile.includes('cHduZWQ'));
});
