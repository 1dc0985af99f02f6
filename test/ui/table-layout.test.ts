/**
 * Pure table layout: column dropping and shrinking, fitted and sanitized cells, sorting,
 * filtering, the scroll window, span lines and frames.
 */
import test from 'ava';
import fc from 'fast-check';
import type {Column, Row} from '../../source/model/finding.js';
import {
	filterRows,
	fitLine,
	frameLines,
	layoutColumns,
	lineText,
	lineWidth,
	renderRowCells,
	safeText,
	sortRows,
	visibleWindow,
	wrapText,
} from '../../source/ui/table-layout.js';
import {makeTheme} from '../../source/ui/theme.js';
import {displayWidth} from '../../source/text/width.js';
import {SPARK_ASCII, SPARK_BLOCKS} from '../../source/text/sparkline.js';

const COLUMNS: Column[] = [
	{key: 'name', title: 'NAME', width: 30, minWidth: 12, priority: 10},
	{key: 'namespace', title: 'NAMESPACE', width: 16, minWidth: 8, priority: 5},
	{key: 'count', title: 'COUNT', width: 7, priority: 8, numeric: true},
	{key: 'spark', title: 'TREND', width: 12, minWidth: 6, priority: 2},
	{key: 'age', title: 'AGE', width: 5, priority: 0, align: 'right'},
];

function row(id: string, cells: Row['cells'], extra: Partial<Row> = {}): Row {
	return {id, cells, findingIds: [], ...extra};
}

const HOSTILE = [
	'red\x1b[31mALERT\x1b[0m',
	'clip\x1b]52;c;ZWNobyBwd25lZA==\x07board',
	'bell\x07\x07',
	'bidi\u202eexe.txt',
	'c1\x9b2Jclear',
	'x'.repeat(10_000),
];

test('everything at preferred width fits and the spare width goes to the text columns', (t) => {
	const layout = layoutColumns(COLUMNS, 100);
	t.deepEqual(layout.dropped, []);
	t.is(layout.width, 100);
	const widths = Object.fromEntries(layout.columns.map((c) => [c.column.key, c.width]));
	// 30+16+7+12+5 + 4 gaps = 74; 26 spare split over name and namespace.
	t.deepEqual(widths, {name: 43, namespace: 29, count: 7, spark: 12, age: 5});
});

test('fill: false leaves preferred widths', (t) => {
	const layout = layoutColumns(COLUMNS, 100, {fill: false});
	t.is(layout.width, 74);
	t.deepEqual(
		layout.columns.map((c) => c.width),
		[30, 16, 7, 12, 5],
	);
});

test('a narrower width shrinks the widest flexible column first, never below minWidth', (t) => {
	const layout = layoutColumns(COLUMNS, 64);
	const widths = Object.fromEntries(layout.columns.map((c) => [c.column.key, c.width]));
	// 10 columns to lose: all from name (30 → 20), the widest.
	t.deepEqual(widths, {name: 20, namespace: 16, count: 7, spark: 12, age: 5});
	const tighter = Object.fromEntries(layoutColumns(COLUMNS, 52).columns.map((c) => [c.column.key, c.width]));
	// 22 to lose: name and namespace level down together, then spark.
	t.is(tighter['count'], 7, 'a column without minWidth keeps its width');
	t.is(tighter['age'], 5);
	t.true(tighter['name']! >= 12 && tighter['namespace']! >= 8 && tighter['spark']! >= 6);
	t.is(Object.values(tighter).reduce((a, b) => a + b, 0) + 4, 52);
});

test('columns are dropped lowest priority first when even their minimum widths do not fit', (t) => {
	// Minimums: 12+8+7+6+5 + 4 gaps = 42.
	t.deepEqual(layoutColumns(COLUMNS, 42).dropped, []);
	t.deepEqual(
		layoutColumns(COLUMNS, 41).dropped.map((c) => c.key),
		['age'],
	);
	t.deepEqual(
		layoutColumns(COLUMNS, 30).dropped.map((c) => c.key),
		['age', 'spark'],
	);
	const narrow = layoutColumns(COLUMNS, 20);
	t.deepEqual(
		narrow.dropped.map((c) => c.key),
		['age', 'spark', 'namespace'],
	);
	t.deepEqual(
		narrow.columns.map((c) => c.column.key),
		['name', 'count'],
		'the kept columns keep their order',
	);
	t.deepEqual(
		layoutColumns(COLUMNS, 10).columns.map((c) => [c.column.key, c.width]),
		[['name', 10]],
		'the last column is cut to the width rather than dropped',
	);
});

test('of equal priorities the rightmost column goes first', (t) => {
	const same: Column[] = [
		{key: 'a', title: 'A', width: 10, priority: 1},
		{key: 'b', title: 'B', width: 10, priority: 1},
		{key: 'c', title: 'C', width: 10, priority: 1},
	];
	t.deepEqual(
		layoutColumns(same, 25).columns.map((c) => c.column.key),
		['a', 'b'],
	);
});

const columnArb = fc.record({
	key: fc.constantFrom('name', 'namespace', 'kind', 'count', 'spark', 'age', 'size'),
	title: fc.string({maxLength: 12}),
	width: fc.integer({min: 1, max: 40}),
	minWidth: fc.option(fc.integer({min: 1, max: 40}), {nil: undefined}),
	priority: fc.integer({min: 0, max: 5}),
	numeric: fc.option(fc.boolean(), {nil: undefined}),
});

test('property: the layout fits, keeps minimums, and drops by priority', (t) => {
	fc.assert(
		fc.property(fc.array(columnArb, {minLength: 1, maxLength: 8}), fc.integer({min: 1, max: 200}), (columns, width) => {
			const layout = layoutColumns(columns, width);
			const total = layout.columns.reduce((sum, c) => sum + c.width, 0) + layout.gap * (layout.columns.length - 1);
			if (total !== layout.width || total > width) return false;
			if (layout.columns.length + layout.dropped.length !== columns.length || layout.columns.length === 0) return false;
			if (layout.columns.length > 1) {
				for (const c of layout.columns) if (c.width < Math.min(c.column.minWidth ?? c.column.width, c.column.width)) return false;
			}
			const lowestKept = Math.min(...layout.columns.map((c) => c.column.priority));
			return layout.dropped.every((d) => d.priority <= lowestKept);
		}),
	);
	t.pass();
});

test('renderRowCells fits every cell to its column, numbers padded on the left', (t) => {
	const layout = layoutColumns(COLUMNS, 80, {fill: false});
	const cells = renderRowCells(row('1', {name: 'api-server-audit-consumer-very-long-name', namespace: 'kube-system', count: 42, age: '3d'}), layout);
	t.deepEqual(
		cells.map((c) => displayWidth(c)),
		layout.columns.map((c) => c.width),
	);
	t.is(cells[0], 'api-server-audit-consumer-ver…');
	t.is(cells[1], 'kube-system     ');
	t.is(cells[2], '     42');
	t.is(cells[3], ' '.repeat(12), 'no series, no value: blank');
	t.is(cells[4], '   3d');
	const ascii = renderRowCells(row('1', {name: 'api-server-audit-consumer-very-long-name'}), layout, {ascii: true});
	t.is(ascii[0], 'api-server-audit-consumer-ver~');
});

test('the spark column draws row.spark as a sparkline of the column width', (t) => {
	const layout = layoutColumns(COLUMNS, 80, {fill: false});
	const series = Array.from({length: 40}, (_, i) => (i * 7) % 13);
	const [, , , spark] = renderRowCells(row('1', {name: 'x'}, {spark: series}), layout);
	t.is(spark!.length, 12);
	t.true([...spark!].every((c) => SPARK_BLOCKS.includes(c)));
	const [, , , asciiSpark] = renderRowCells(row('1', {name: 'x'}, {spark: series}), layout, {ascii: true});
	t.true([...asciiSpark!].every((c) => SPARK_ASCII.includes(c)));
	const [, , , short] = renderRowCells(row('1', {name: 'x'}, {spark: [1, 5, 3]}), layout);
	t.is(short, '▁█▅' + ' '.repeat(9), 'a short series is not stretched, the cell is padded');
});

test('hostile cells are sanitized and cut to the column', (t) => {
	const layout = layoutColumns([{key: 'name', title: 'NAME', width: 24, priority: 1}], 24);
	for (const name of HOSTILE) {
		for (const ascii of [false, true]) {
			const [cell] = renderRowCells(row('1', {name}), layout, {ascii});
			t.is(displayWidth(cell!), 24);
			t.false(/[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/.test(cell!), JSON.stringify(cell));
			t.false(cell!.includes('ZWNobyBwd25lZA'), 'the OSC 52 payload is removed with its sequence');
			if (ascii) t.true(/^[\x20-\x7e]*$/.test(cell!));
		}
	}
});

test('safeText folds non-ASCII to one ? per character on an ASCII terminal', (t) => {
	t.is(safeText('名前-é', true), '??-?');
	t.is(safeText('名前-é', false), '名前-é');
	t.is(safeText('a\x1b[2Jb', true), 'a?b');
});

test('sortRows uses raw sort values when present and is numeric aware', (t) => {
	const rows = [
		row('small', {size: '512 MiB'}, {sort: {size: 512 * 2 ** 20}}),
		row('big', {size: '1.5 GiB'}, {sort: {size: 1.5 * 2 ** 30}}),
		row('none', {size: undefined}),
		row('mid', {size: '900 MiB'}, {sort: {size: 900 * 2 ** 20}}),
	];
	t.deepEqual(
		sortRows(rows, 'size', 'asc').map((r) => r.id),
		['small', 'mid', 'big', 'none'],
	);
	t.deepEqual(
		sortRows(rows, 'size', 'desc').map((r) => r.id),
		['big', 'mid', 'small', 'none'],
		'missing values stay last in both directions',
	);
	t.deepEqual(
		rows.map((r) => r.id),
		['small', 'big', 'none', 'mid'],
		'the input is not reordered',
	);
	const pods = ['pod-10', 'Pod-2', 'pod-1', 'pod-2'].map((name) => row(name, {name}));
	t.deepEqual(
		sortRows(pods, 'name', 'asc').map((r) => r.id),
		['pod-1', 'Pod-2', 'pod-2', 'pod-10'],
		'numeric aware, case-insensitive, stable for equal keys',
	);
	const counts = [5, 40, 300].map((n) => row(String(n), {count: n}));
	t.deepEqual(
		sortRows(counts, 'count', 'desc').map((r) => r.id),
		['300', '40', '5'],
	);
});

test('filterRows matches every word in any cell, ignoring case', (t) => {
	const rows = [
		row('a', {name: 'nightly-ETL', namespace: 'ml-pipelines', count: 200}),
		row('b', {name: 'coredns', namespace: 'kube-system', count: 2}),
		row('c', {name: 'etl-backfill', namespace: 'data', count: 17}),
	];
	t.deepEqual(
		filterRows(rows, 'etl').map((r) => r.id),
		['a', 'c'],
	);
	t.deepEqual(
		filterRows(rows, '  ETL   ml ').map((r) => r.id),
		['a'],
	);
	t.deepEqual(
		filterRows(rows, '200').map((r) => r.id),
		['a'],
	);
	t.is(filterRows(rows, '   '), rows);
	t.deepEqual(filterRows(rows, 'nomatch'), []);
	const hostile = [row('h', {name: 'red\x1b[31mALERT'})];
	t.is(filterRows(hostile, 'redalert').length, 0, 'matched on the text as displayed (red�ALERT)');
	t.is(filterRows(hostile, 'alert').length, 1);
});

test('visibleWindow scrolls as little as possible', (t) => {
	t.deepEqual(visibleWindow(100, 0, 10), {start: 0, end: 10});
	t.deepEqual(visibleWindow(100, 9, 10, 0), {start: 0, end: 10});
	t.deepEqual(visibleWindow(100, 10, 10, 0), {start: 1, end: 11}, 'one below brings the cursor to the bottom');
	t.deepEqual(visibleWindow(100, 50, 10, 45), {start: 45, end: 55}, 'inside the window: no scroll');
	t.deepEqual(visibleWindow(100, 40, 10, 45), {start: 40, end: 50}, 'above: the cursor goes to the top');
	t.deepEqual(visibleWindow(100, 99, 10, 0), {start: 90, end: 100});
	t.deepEqual(visibleWindow(5, 3, 10, 0), {start: 0, end: 5});
	t.deepEqual(visibleWindow(0, 3, 10), {start: 0, end: 0});
	t.deepEqual(visibleWindow(20, 500, 10, 0), {start: 10, end: 20}, 'a cursor past the end is clamped');
	t.deepEqual(visibleWindow(20, 15, 10, 50), {start: 10, end: 20}, 'a stale start after filtering is clamped');
});

test('property: the cursor is always in the window and the window is full', (t) => {
	fc.assert(
		fc.property(
			fc.integer({min: 0, max: 500}),
			fc.integer({min: -5, max: 600}),
			fc.integer({min: 1, max: 60}),
			fc.integer({min: -10, max: 600}),
			(total, cursor, height, start) => {
				const w = visibleWindow(total, cursor, height, start);
				if (total === 0) return w.start === 0 && w.end === 0;
				const at = Math.min(Math.max(cursor, 0), total - 1);
				return w.start <= at && at < w.end && w.end - w.start === Math.min(total, height) && w.start >= 0 && w.end <= total;
			},
		),
	);
	t.pass();
});

test('fitLine gives exactly the width and ends a cut line in an ellipsis', (t) => {
	const line = [{text: 'abc', bold: true}, {text: 'defgh'}, {text: 'ijk'}];
	t.is(lineText(fitLine(line, 20, false)), 'abcdefghijk' + ' '.repeat(9));
	t.is(lineText(fitLine(line, 6, false)), 'abcde…');
	t.is(lineText(fitLine(line, 3, false)), 'ab…', 'cut exactly at a span boundary still shows the ellipsis');
	t.is(lineText(fitLine(line, 4, true)), 'abc~');
	t.is(lineText(fitLine([{text: '名前名前'}], 6, false)), '名前… ', 'a wide character that does not fit leaves a padded column');
	for (let w = 0; w < 14; w++) t.is(lineWidth(fitLine(line, w, false)), w);
});

test('frameLines draws Unicode or ASCII borders exactly the width', (t) => {
	const body = [[{text: 'hello'}], [{text: 'x'.repeat(200)}]];
	const unicode = frameLines('Title', body, 30, makeTheme({color: false, unicode: true}), 'bottom');
	t.deepEqual(
		unicode.map((l) => lineWidth(l)),
		[30, 30, 30, 30],
	);
	t.is(lineText(unicode[0]!), '┌─ Title ' + '─'.repeat(20) + '┐');
	t.is(lineText(unicode[1]!), '│ hello                      │');
	t.true(lineText(unicode[2]!).endsWith('x… │'));
	t.is(lineText(unicode[3]!), '└─ bottom ' + '─'.repeat(19) + '┘');
	const ascii = frameLines('Title', body, 30, makeTheme({color: false, unicode: false}));
	t.is(lineText(ascii[0]!), '+- Title ' + '-'.repeat(20) + '+');
	t.true(ascii.every((l) => /^[\x20-\x7e]*$/.test(lineText(l))));
	t.is(lineText(ascii[3]!), '+' + '-'.repeat(28) + '+');
});

const PANE: Column[] = [
	{key: 'namespace', title: 'NAMESPACE', width: 20, minWidth: 8, priority: 7},
	{key: 'workload', title: 'WORKLOAD', width: 32, minWidth: 14, priority: 10},
	{key: 'pods', title: 'PODS', width: 5, priority: 6, numeric: true, align: 'right'},
	{key: 'missing', title: 'MISSING', width: 40, minWidth: 16, priority: 8},
	{key: 'pool', title: 'POOL', width: 14, minWidth: 6, priority: 3},
	{key: 'priority', title: 'PRIORITY', width: 22, minWidth: 8, priority: 2},
];

test('with content widths: a column is never wider than its content, and nothing is filled', (t) => {
	const content = {namespace: 10, workload: 20, pods: 5, missing: 30, pool: 6, priority: 9};
	const layout = layoutColumns(PANE, 200, {content});
	t.deepEqual(
		layout.columns.map((c) => c.width),
		[10, 20, 5, 30, 6, 9],
	);
	t.is(layout.width, 80 + 5);
});

test('with content widths: an important column is not cut while a low-priority column can give way', (t) => {
	const content = {namespace: 20, workload: 30, pods: 5, missing: 40, pool: 13, priority: 20};
	// Everything needs 128 + 5 gaps; at 100 the cut would fall on namespace or workload.
	const layout = layoutColumns(PANE, 100, {content});
	const widths = Object.fromEntries(layout.columns.map((c) => [c.column.key, c.width]));
	t.deepEqual(
		layout.dropped.map((c) => c.key),
		['priority', 'pool'],
	);
	t.deepEqual(widths, {namespace: 20, workload: 30, pods: 5, missing: 40});
	// Narrower: columns shrink lowest priority first; never fewer than three are shown.
	const narrow = layoutColumns(PANE, 60, {content});
	t.true(narrow.columns.length >= 3);
	t.is(narrow.columns.find((c) => c.column.key === 'workload')?.width, 30, 'the most important column is whole');
	t.true(narrow.width <= 60);
});

test('with content widths: spare width goes to a column whose content was longer than its preferred width', (t) => {
	const content = {namespace: 10, workload: 50, pods: 5, missing: 10, pool: 6, priority: 9};
	const layout = layoutColumns(PANE, 120, {content});
	t.is(layout.columns.find((c) => c.column.key === 'workload')?.width, 50);
	const tight = layoutColumns(PANE, 70, {content});
	t.true(tight.width <= 70);
	t.deepEqual(
		tight.dropped.map((c) => c.key),
		['priority'],
		'the lowest-priority column gave way',
	);
	t.is(tight.columns.find((c) => c.column.key === 'workload')!.width, 70 - (10 + 5 + 10 + 6 + 4), 'workload takes what is left, beyond its preferred 32');
});

test('safeText cuts a 100,000-character string before folding it (a combining mark on every letter took 80 s on LANG=C)', (t) => {
	const long = 'x\u0301'.repeat(60_000);
	const ascii = safeText(long, true);
	t.true(ascii.length <= 8192, `${ascii.length} characters`);
	t.regex(ascii, /^\?+~$/, 'one ? per grapheme, then the ASCII ellipsis');
	const unicode = safeText(`é${'L'.repeat(100_000)}`, false);
	t.is([...unicode].length, 8192);
	t.true(unicode.endsWith('…'));
});

test('wrapText breaks at spaces, and inside a word only when the word is longer than a line', (t) => {
	t.deepEqual(wrapText('reversals, last 60 min', 12), ['reversals,', 'last 60 min']);
	t.deepEqual(wrapText('', 10), ['']);
	t.deepEqual(wrapText('a  b', 10), ['a b']);
	t.deepEqual(
		wrapText('id not-guaranteed/checkout/Deployment', 16),
		['id not-guarantee', 'd/checkout/Deplo', 'yment'],
		'a long word starts on the line it meets',
	);
	t.deepEqual(wrapText('日本語のテキスト', 5), ['日本', '語の', 'テキ', 'スト'], 'by display width');
	fc.assert(
		fc.property(fc.string({maxLength: 200}), fc.integer({min: 1, max: 60}), (text, width) => {
			const lines = wrapText(text.replace(/[\x00-\x1f\x7f-\x9f]/g, ''), width);
			return lines.every((line) => displayWidth(line) <= Math.max(width, 2));
		}),
	);
});
