import test from 'ava';
import fc from 'fast-check';
import {formatAge, formatBytes, formatCount, formatDuration, formatNumber, formatPercent, formatRate} from '../../source/text/format.js';

const S = 1000;
const MIN = 60 * S;
const H = 60 * MIN;
const D = 24 * H;
const Y = 365 * D;

test('formatBytes uses IEC units', (t) => {
	const cases: Array<[number, string]> = [
		[0, '0 B'],
		[1, '1 B'],
		[1023, '1023 B'],
		[1024, '1.0 KiB'],
		[1536, '1.5 KiB'],
		[10 * 1024, '10 KiB'],
		[10 * 1024 - 1, '10 KiB'],
		[1024 * 1024 - 1, '1.0 MiB'], // rounding carries into the next unit
		[512 * 1024 * 1024, '512 MiB'],
		[2 * 1024 ** 3, '2.0 GiB'],
		[1.25 * 1024 ** 4, '1.3 TiB'],
		[1024 ** 6, '1.0 EiB'],
		[2048 * 1024 ** 6, '2048 EiB'],
		[-1536, '-1.5 KiB'],
		[NaN, '-'],
		[Infinity, '-'],
	];
	for (const [input, expected] of cases) t.is(formatBytes(input), expected, String(input));
});

test('formatAge reproduces HumanDuration on every boundary', (t) => {
	const cases: Array<[number, string]> = [
		[-2 * S, '<invalid>'],
		[-2 * S + 1, '0s'],
		[-1, '0s'],
		[0, '0s'],
		[S - 1, '0s'],
		[S, '1s'],
		[70 * S, '70s'],
		[2 * MIN - 1, '119s'],
		[2 * MIN, '2m'],
		[2 * MIN + S, '2m1s'],
		[190 * S, '3m10s'],
		[10 * MIN - 1, '9m59s'],
		[10 * MIN, '10m'],
		[10 * MIN + S, '10m'],
		[70 * MIN, '70m'],
		[3 * H - 1, '179m'],
		[3 * H, '3h'],
		[3 * H + MIN, '3h1m'],
		[8 * H - 1, '7h59m'],
		[8 * H, '8h'],
		[8 * H + 59 * MIN, '8h'],
		[47 * H, '47h'],
		[2 * D - 1, '47h'],
		[2 * D, '2d'],
		[49 * H, '2d1h'],
		[2 * D + H, '2d1h'],
		[8 * D - 1, '7d23h'],
		[8 * D, '8d'],
		[8 * D + 2 * H, '8d'],
		[8 * D + 23 * H, '8d'],
		[367 * D, '367d'],
		[2 * Y - 1, '729d'],
		[2 * Y, '2y'],
		[2 * Y + 23 * H, '2y'],
		[2 * Y + 23 * H + 59 * MIN, '2y'],
		[2 * Y + D - 1, '2y'],
		[2 * Y + D, '2y1d'],
		[2 * Y + 25 * H, '2y1d'],
		[3 * Y, '3y'],
		[7 * Y, '7y'],
		[8 * Y - 1, '7y364d'],
		[8 * Y, '8y'],
		[8 * Y + 2 * H, '8y'],
		[8 * Y + 364 * D, '8y'],
		[9 * Y, '9y'],
		[NaN, '<invalid>'],
		[-Infinity, '<invalid>'],
	];
	for (const [input, expected] of cases) t.is(formatAge(input), expected, String(input));
});

test('formatAge output always matches the HumanDuration shape', (t) => {
	fc.assert(fc.property(fc.integer({min: 0, max: 20 * Y}), (ms) => /^(\d+s|\d+m(\d+s)?|\d+h(\d+m)?|\d+d(\d+h)?|\d+y(\d+d)?)$/.test(formatAge(ms))));
	t.pass();
});

test('formatCount uses SI suffixes with about three significant digits', (t) => {
	const cases: Array<[number, string]> = [
		[0, '0'],
		[7, '7'],
		[999, '999'],
		[999.6, '1.0k'],
		[1000, '1.0k'],
		[1234, '1.2k'],
		[12345, '12.3k'],
		[99_949, '99.9k'],
		[99_950, '100k'],
		[123_456, '123k'],
		[999_499, '999k'],
		[999_500, '1.0M'],
		[4_600_000, '4.6M'],
		[2.5e9, '2.5G'],
		[-12345, '-12.3k'],
		[NaN, '-'],
	];
	for (const [input, expected] of cases) t.is(formatCount(input), expected, String(input));
});

test('formatPercent takes a fraction and never rounds to 0% or 100% wrongly', (t) => {
	const cases: Array<[number, string]> = [
		[0, '0%'],
		[0.0001, '<0.1%'],
		[0.0005, '0.1%'],
		[0.031, '3.1%'],
		[0.0999, '10%'],
		[0.123, '12%'],
		[0.456, '46%'],
		[0.996, '99%'],
		[0.9999, '99%'],
		[1, '100%'],
		[1.5, '150%'],
		[-0.25, '-25%'],
		[Infinity, '-'],
	];
	for (const [input, expected] of cases) t.is(formatPercent(input), expected, String(input));
});

test('formatRate picks per second, per minute or per hour', (t) => {
	const cases: Array<[number, string]> = [
		[0, '0/s'],
		[12, '12/s'],
		[1.5, '1.5/s'],
		[1, '1.0/s'],
		[12_345, '12.3k/s'],
		[3.1 / 60, '3.1/min'],
		[0.5, '30/min'],
		[0.96, '58/min'],
		[0.99, '59/min'],
		[2 / 3600, '2.0/h'],
		[1 / 60, '1.0/min'],
		[0.9 / 60, '54/h'],
		[-2, '-2.0/s'],
		[NaN, '-'],
	];
	for (const [input, expected] of cases) t.is(formatRate(input), expected, String(input));
});

test('formatDuration reads as s, min, h, d', (t) => {
	const cases: Array<[number, string]> = [
		[0, '0 s'],
		[92 * S, '92 s'],
		[119 * S, '119 s'],
		[120 * S, '2 min'],
		[25 * MIN, '25 min'],
		[119 * MIN, '119 min'],
		[2 * H, '2 h'],
		[190 * MIN, '3.2 h'],
		[30 * H, '30 h'],
		[48 * H, '2 d'],
		[3.5 * D, '3.5 d'],
		[-90 * S, '-90 s'],
		[NaN, '-'],
	];
	for (const [input, expected] of cases) t.is(formatDuration(input), expected, String(input));
});

test('formatNumber separates thousands and keeps two decimals at most', (t) => {
	t.is(formatNumber(12345), '12,345');
	t.is(formatNumber(38.7), '38.7');
	t.is(formatNumber(1 / 3), '0.33');
	t.is(formatNumber(Infinity), '-');
});
