import test from 'ava';
import fc from 'fast-check';
import {SPARK_ASCII, SPARK_BLOCKS, sparkline} from '../../source/text/sparkline.js';

test('empty series or zero width draws nothing', (t) => {
	t.is(sparkline([]), '');
	t.is(sparkline([], {width: 10}), '');
	t.is(sparkline([1, 2, 3], {width: 0}), '');
});

test('a ramp uses every level once', (t) => {
	t.is(sparkline([0, 1, 2, 3, 4, 5, 6, 7]), '▁▂▃▄▅▆▇█');
	t.is(sparkline([0, 1, 2, 3, 4, 5, 6, 7], {ascii: true}), '_.-:=+*#');
	t.is(sparkline([70, 60, 50, 40, 30, 20, 10, 0]), '█▇▆▅▄▃▂▁');
});

test('a constant series is a flat line', (t) => {
	t.is(sparkline([5, 5, 5, 5]), '▁▁▁▁');
	t.is(sparkline([0, 0, 0], {ascii: true}), '___');
	t.is(sparkline([42]), '▁');
});

test('a series longer than the width keeps its latest values, one cell each, so alternation shows', (t) => {
	const flapping = Array.from({length: 60}, (_, i) => (i % 2 === 0 ? 3 : 10));
	for (const width of [20, 8, 3]) {
		const line = sparkline(flapping, {width});
		t.is(line.length, width);
		t.is(line, '▁█'.repeat(30).slice(-width), `${width} cells alternate`);
	}
	t.is(sparkline(flapping, {width: 8, ascii: true}), '_#_#_#_#');
	t.is(sparkline([1, 2, 3, 9, 1], {width: 2}), '█▁', "the scale is the whole series' (9 is off screen)");
});

test('overflow max: resampling keeps the maximum of each bucket so a spike is not lost', (t) => {
	const series = Array.from({length: 100}, () => 0);
	series[57] = 10;
	const line = sparkline(series, {width: 10, overflow: 'max'});
	t.is(line.length, 10);
	t.is(line, '▁▁▁▁▁█▁▁▁▁');
	t.is(sparkline([1, 9, 1, 1, 1, 9], {width: 3, overflow: 'max'}), '█▁█');
});

test('a shorter series is not stretched', (t) => {
	t.is(sparkline([0, 7], {width: 20}), '▁█');
});

test('min and max fix the scale and clamp outliers', (t) => {
	t.is(sparkline([0, 50, 100], {min: 0, max: 100}), '▁▅█');
	t.is(sparkline([5, 5], {min: 0, max: 10}), '▅▅');
	t.is(sparkline([-10, 200], {min: 0, max: 100}), '▁█');
	t.is(sparkline([3, 3, 3], {min: 0}), '███');
});

test('non-finite samples are gaps', (t) => {
	t.is(sparkline([0, NaN, 7]), '▁ █');
	t.is(sparkline([NaN, NaN]), '  ');
	t.is(sparkline([0, Infinity, 7]), '▁ █');
	t.is(sparkline([NaN, NaN, 0, 7], {width: 2, overflow: 'max'}), ' █');
	t.is(sparkline([0, 7, NaN, 0], {width: 2}), ' ▁');
});

test('property: length is min(values, width) and every character is on the ramp', (t) => {
	fc.assert(
		fc.property(
			fc.array(fc.double({noNaN: true, min: -1e6, max: 1e6}), {maxLength: 200}),
			fc.integer({min: 1, max: 80}),
			fc.boolean(),
			(values, width, ascii) => {
				const line = sparkline(values, {width, ascii});
				const ramp = ascii ? SPARK_ASCII : SPARK_BLOCKS;
				return line.length === Math.min(values.length, width) && [...line].every((c) => ramp.includes(c));
			},
		),
	);
	t.pass();
});

test('property: resampled by maximum, the largest value always draws the top level', (t) => {
	fc.assert(
		fc.property(fc.array(fc.integer({min: 0, max: 1000}), {minLength: 2, maxLength: 300}), fc.integer({min: 1, max: 40}), (values, width) => {
			fc.pre(Math.max(...values) > Math.min(...values));
			return sparkline(values, {width, overflow: 'max'}).includes('█');
		}),
	);
	t.pass();
});
