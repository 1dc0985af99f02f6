/**
 * DataTable as Ink renders it: widths at 80 and 50 columns, dropped columns, the sort
 * indicator, the cursor and the scroll window, severity markers, the empty state, hostile
 * cells, and colour only when the theme has colour (chalk's level is set so that a positive
 * control can show escape codes; see test/helpers/ink.ts).
 */
import test from 'ava';
import {render} from 'ink-testing-library';
import type {Column, Row} from '../../source/model/finding.js';
import {DataTable, dataTableLines} from '../../source/ui/components/data-table.js';
import {lineText, sortRows} from '../../source/ui/table-layout.js';
import {displayWidth} from '../../source/text/width.js';
import {plain, ascii, colour, tick, frameLines} from '../helpers/ink.js';

const COLUMNS: Column[] = [
	{key: 'kind', title: 'KIND', width: 26, minWidth: 10, priority: 5},
	{key: 'namespace', title: 'NAMESPACE', width: 16, minWidth: 8, priority: 2},
	{key: 'count', title: 'OBJECTS', width: 8, priority: 4, numeric: true},
	{key: 'size', title: 'SIZE', width: 9, priority: 4, numeric: true},
	{key: 'spark', title: 'TREND', width: 12, minWidth: 6, priority: 1},
	{key: 'age', title: 'AGE', width: 6, priority: 0, align: 'right'},
];

const HOSTILE = [
	'red\x1b[31mALERT\x1b[0m',
	'clip\x1b]52;c;ZWNobyBwd25lZA==\x07board',
	'bell\x07\x07ring',
	'bidi\u202eexe.txt',
	'c1\x9b2Jclear',
	'n'.repeat(10_000),
];

function rows(count: number): Row[] {
	return Array.from({length: count}, (_, i) => ({
		id: `r${i}`,
		cells: {kind: `kind-${i}`, namespace: `ns-${i}`, count: i * 10, size: `${i}.5 MiB`, age: '3d'},
		sort: {size: i * 1024 + 512},
		severity: i % 5 === 0 ? ('critical' as const) : i % 3 === 0 ? ('warning' as const) : undefined,
		findingIds: [],
		spark: [1, 3, 2, 8, 4, i],
	}));
}

const stripAnsi = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '');

for (const width of [80, 50]) {
	for (const [name, theme] of [
		['unicode', plain],
		['ascii', ascii],
		['colour', colour],
	] as const) {
		test(`every line fits ${width} columns (${name})`, (t) => {
			const {lastFrame, unmount} = render(
				<DataTable columns={COLUMNS} rows={rows(40)} width={width} height={12} cursor={7} sort={{key: 'size', direction: 'desc'}} theme={theme} />,
			);
			const lines = frameLines(lastFrame());
			t.is(lines.length, 12);
			for (const line of lines) t.true(displayWidth(stripAnsi(line)) <= width, JSON.stringify(line));
			if (theme === ascii) t.true(lines.every((line) => /^[\x20-\x7e]*$/.test(line)));
			unmount();
		});
	}
}

test('at 44 columns the lowest-priority columns are dropped, at 80 all show', (t) => {
	const wide = render(<DataTable columns={COLUMNS} rows={rows(3)} width={80} height={6} cursor={0} theme={plain} />);
	const header80 = frameLines(wide.lastFrame())[0]!;
	for (const title of ['KIND', 'NAMESPACE', 'OBJECTS', 'SIZE', 'TREND', 'AGE']) t.true(header80.includes(title), title);
	wide.unmount();
	const narrow = render(<DataTable columns={COLUMNS} rows={rows(3)} width={44} height={6} cursor={0} theme={plain} />);
	const header44 = frameLines(narrow.lastFrame())[0]!;
	t.false(header44.includes('AGE'), 'priority 0 goes first');
	t.true(header44.includes('TREND'));
	t.true(header44.includes('KIND'));
	narrow.unmount();
	const narrower = render(<DataTable columns={COLUMNS} rows={rows(3)} width={40} height={6} cursor={0} theme={plain} />);
	const header40 = frameLines(narrower.lastFrame())[0]!;
	t.false(header40.includes('TREND'), 'then priority 1');
	t.true(header40.includes('OBJECTS'));
	narrower.unmount();
});

test('the sorted column shows the direction', (t) => {
	const desc = dataTableLines({columns: COLUMNS, rows: rows(3), width: 80, height: 6, cursor: 0, theme: plain, sort: {key: 'size', direction: 'desc'}});
	t.regex(lineText(desc.lines[0]!), /SIZE▼/);
	const asc = dataTableLines({columns: COLUMNS, rows: rows(3), width: 80, height: 6, cursor: 0, theme: ascii, sort: {key: 'kind', direction: 'asc'}});
	t.regex(lineText(asc.lines[0]!), /KIND\^/);
});

test('the rows are drawn in the order given (sorted by the caller)', (t) => {
	const sorted = sortRows(rows(4), 'size', 'desc');
	const {lines} = dataTableLines({columns: COLUMNS, rows: sorted, width: 80, height: 8, cursor: 0, theme: plain});
	const kinds = lines.slice(1, 5).map((l) => /kind-\d+/.exec(lineText(l))?.[0]);
	t.deepEqual(kinds, ['kind-3', 'kind-2', 'kind-1', 'kind-0']);
});

test('the cursor row carries the cursor glyph and severities their marker', (t) => {
	const {lastFrame, unmount} = render(<DataTable columns={COLUMNS} rows={rows(6)} width={80} height={10} cursor={2} theme={ascii} />);
	const lines = frameLines(lastFrame());
	t.true(lines[3]!.startsWith('>  kind-2'), lines[3]);
	t.true(lines[1]!.startsWith(' ! kind-0'), 'critical');
	t.true(lines[4]!.startsWith(' * kind-3'), 'warning');
	t.true(lines[2]!.startsWith('   kind-1'), 'no finding, no marker');
	t.is(lines.filter((l) => l.startsWith('>')).length, 1);
	unmount();
});

test('the scroll window follows the cursor and scrolls as little as it can', async (t) => {
	const data = rows(30);
	const view = (cursor: number) => <DataTable columns={COLUMNS} rows={data} width={80} height={10} cursor={cursor} theme={plain} />;
	const {lastFrame, rerender, unmount} = render(view(0));
	const cursorLine = () => frameLines(lastFrame()).find((l) => l.startsWith('▶'));
	const shown = () =>
		frameLines(lastFrame())
			.map((l) => /kind-(\d+)/.exec(l)?.[1])
			.filter((k) => k !== undefined)
			.map(Number);
	t.deepEqual(shown(), [0, 1, 2, 3, 4, 5, 6, 7]);
	t.regex(frameLines(lastFrame()).at(-1)!, /rows 1–8 of 30$/);

	rerender(view(20));
	await tick();
	t.true(cursorLine()!.includes('kind-20'));
	t.deepEqual(shown(), [13, 14, 15, 16, 17, 18, 19, 20], 'the cursor at the bottom');
	t.regex(frameLines(lastFrame()).at(-1)!, /rows 14–21 of 30$/);

	rerender(view(15));
	await tick();
	t.deepEqual(shown(), [13, 14, 15, 16, 17, 18, 19, 20], 'inside the window: no scroll');
	t.true(cursorLine()!.includes('kind-15'));

	rerender(view(10));
	await tick();
	t.deepEqual(shown()[0], 10, 'above the window: the cursor at the top');

	rerender(view(29));
	await tick();
	t.deepEqual(shown(), [22, 23, 24, 25, 26, 27, 28, 29]);
	t.regex(frameLines(lastFrame()).at(-1)!, /rows 23–30 of 30$/);
	unmount();
});

test('an empty table says so', (t) => {
	const {lastFrame, unmount} = render(<DataTable columns={COLUMNS} rows={[]} width={80} height={6} cursor={0} theme={plain} emptyText="no rows match /etl" />);
	const lines = frameLines(lastFrame());
	t.is(lines.length, 6);
	t.true(lines[1]!.includes('no rows match /etl'));
	t.regex(lines.at(-1)!, /0 rows$/);
	unmount();
});

test('hostile cells never reach the frame raw', (t) => {
	const data: Row[] = HOSTILE.map((kind, i) => ({id: String(i), cells: {kind, namespace: kind, count: 1, size: kind, age: kind}, findingIds: []}));
	for (const theme of [plain, ascii, colour]) {
		for (const width of [80, 50]) {
			const {lastFrame, unmount} = render(<DataTable columns={COLUMNS} rows={data} width={width} height={10} cursor={1} theme={theme} emptyText={'\x1b[2J'} />);
			const frame = lastFrame() ?? '';
			const visible = stripAnsi(frame);
			t.false(/[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/.test(visible), `no control or bidi code point left (${width})`);
			t.false(frame.includes('\x1b]'), 'no OSC');
			t.false(frame.includes('ZWNobyBwd25lZA'), 'the clipboard payload is gone');
			t.false(frame.includes('\x1b[31mALERT'), 'the cell cannot colour itself');
			t.false(frame.includes('\x1b[2J'));
			for (const line of frameLines(visible)) t.true(displayWidth(line) <= width);
			if (!theme.color) t.false(frame.includes('\x1b'), 'not one ESC without colour');
			unmount();
		}
	}
});

test('no escape codes without colour; inverse cursor and severity colours with it', (t) => {
	const data = rows(6);
	const coloured = render(<DataTable columns={COLUMNS} rows={data} width={80} height={10} cursor={1} sort={{key: 'kind', direction: 'asc'}} theme={colour} />);
	const frame = coloured.lastFrame() ?? '';
	t.true(frame.includes('\x1b[7m'), 'positive control: the cursor row is inverse');
	t.true(frame.includes('\x1b[31m'), 'critical rows are red');
	coloured.unmount();
	for (const theme of [plain, ascii]) {
		const {lastFrame, unmount} = render(
			<DataTable columns={COLUMNS} rows={data} width={80} height={10} cursor={1} sort={{key: 'kind', direction: 'asc'}} theme={theme} />,
		);
		t.false((lastFrame() ?? '').includes('\x1b['));
		unmount();
	}
});

test('a spark column draws the latest points one cell each, and its title says the span', (t) => {
	const columns: Column[] = [
		{key: 'name', title: 'NAME', width: 10, priority: 9},
		{key: 'spark', title: 'REPLICAS', width: 20, minWidth: 8, priority: 6, stepSeconds: 60},
	];
	const flapping = Array.from({length: 60}, (_, i) => (i % 2 === 0 ? 3 : 10));
	const table = [{id: 'a', cells: {name: 'web'}, findingIds: [], spark: flapping}];
	const wide = dataTableLines({columns, rows: table, width: 40, height: 5, cursor: 0, theme: plain}).lines.map(lineText);
	t.regex(wide[0]!, /NAME\s+REPLICAS 20M/);
	t.true(wide[1]!.includes('▁█'.repeat(10)), `an hour of flapping squeezed into 20 cells would be a flat bar: ${wide[1]}`);
	const narrow = dataTableLines({columns, rows: table, width: 22, height: 5, cursor: 0, theme: ascii}).lines.map(lineText);
	t.regex(narrow[0]!, /REPLICAS/);
	t.true(narrow[1]!.includes('_#_#'), narrow[1]);
});
