import test from 'ava';
import fc from 'fast-check';
import {formatCpu, formatMemory, parseCpuMillis, parseMemoryBytes, parseQuantity, QuantityError} from '../../source/formats/quantity.js';

test('parseQuantity reads every suffix family', (t) => {
	const cases: Array<[string, number]> = [
		['100m', 0.1],
		['0.5', 0.5],
		['1', 1],
		['0', 0],
		['2Gi', 2 * 1024 ** 3],
		['500Mi', 500 * 1024 ** 2],
		['1e3', 1000],
		['1E3', 1000],
		['1e+3', 1000],
		['1e-3', 0.001],
		['1.5G', 1.5e9],
		['1k', 1000],
		['128974848', 128974848],
		['+1', 1],
		['-1', -1],
		['12Ki', 12 * 1024],
		['1E', 1e18],
		['1Ei', 2 ** 60],
		['1.5Gi', 1.5 * 1024 ** 3],
		['1n', 1e-9],
		['1u', 1e-6],
		['1M', 1e6],
		['1T', 1e12],
		['1P', 1e15],
		['1Ti', 1024 ** 4],
		['1Pi', 1024 ** 5],
		['.5', 0.5],
		['1.', 1],
		['007', 7],
		['0.000', 0],
		['-0', 0],
	];
	for (const [input, value] of cases) t.is(parseQuantity(input), value, input);
});

test('malformed quantities throw a QuantityError with one clear line', (t) => {
	const malformed = ['', ' ', '1 ', ' 1', 'abc', '+', '-', '.', '--1', '1.2.3', 'Mi', 'e3', '1,5', '1e3.5', '1 Gi', '1\n'];
	for (const input of malformed) {
		const error = t.throws(() => parseQuantity(input), {instanceOf: QuantityError}, JSON.stringify(input));
		t.regex(error!.message, /^invalid quantity ".*": expected a number with an optional suffix such as 100m, 0\.5, 2Gi or 1e3$/);
		t.is(error!.input, input);
	}
	for (const input of ['1K', '1KB', '1kb', '1gi', '1e', '1Ee3', '1mi', '1b', '0x10', '1e-']) {
		const error = t.throws(() => parseQuantity(input), {instanceOf: QuantityError}, input);
		t.regex(error!.message, /^invalid quantity ".*": unknown suffix ".*" \(use m, k, M, G/);
	}
	t.is(
		t.throws(() => parseQuantity('1K'))!.message,
		'invalid quantity "1K": unknown suffix "K" (use m, k, M, G, T, P, E, Ki, Mi, Gi, Ti, Pi, Ei or an exponent such as e3)',
	);
	for (const input of ['1e400', '1e99999999']) {
		t.regex(t.throws(() => parseQuantity(input), {instanceOf: QuantityError})!.message, /out of range/);
	}
});

test('error messages never carry escapes from the input', (t) => {
	const error = t.throws(() => parseQuantity('\x1b]52;c;SGVsbG8=\x07'), {instanceOf: QuantityError});
	t.false(/[\x00-\x1f\x7f-\x9f]/.test(error!.message));
});

test('parseCpuMillis rounds up like Quantity.MilliValue', (t) => {
	const cases: Array<[string, number]> = [
		['100m', 100],
		['0.5', 500],
		['2', 2000],
		['1.5', 1500],
		['0.1m', 1],
		['1.0001', 1001],
		['1e-3', 1],
		['250000u', 250],
		['250000001n', 251],
		['1e-30', 1],
		['0', 0],
		['0e99999', 0],
		['1k', 1_000_000],
	];
	for (const [input, millis] of cases) t.is(parseCpuMillis(input), millis, input);
	t.regex(t.throws(() => parseCpuMillis('-1'), {instanceOf: QuantityError})!.message, /^invalid CPU quantity "-1": must not be negative$/);
	t.regex(t.throws(() => parseCpuMillis('1E'), {instanceOf: QuantityError})!.message, /out of range/);
});

test('parseMemoryBytes rounds up to whole bytes like Quantity.Value', (t) => {
	const cases: Array<[string, number]> = [
		['2Gi', 2 * 1024 ** 3],
		['500Mi', 524_288_000],
		['128974848', 128_974_848],
		['1.5Ki', 1536],
		['1e3', 1000],
		['1.5G', 1_500_000_000],
		['0.5', 1],
		['100m', 1],
		['7Ei', 7 * 2 ** 60],
	];
	for (const [input, bytes] of cases) t.is(parseMemoryBytes(input), bytes, input);
	t.regex(t.throws(() => parseMemoryBytes('-1Mi'), {instanceOf: QuantityError})!.message, /must not be negative/);
	t.regex(t.throws(() => parseMemoryBytes('8Ei'), {instanceOf: QuantityError})!.message, /out of range/); // 2^63 > int64 max
});

test('formatCpu gives canonical CPU quantities', (t) => {
	const cases: Array<[number, string]> = [
		[0, '0'],
		[1, '1m'],
		[100, '100m'],
		[1500, '1500m'],
		[2000, '2'],
		[64_000, '64'],
		[0.1 * 1000, '100m'], // float noise is not rounded up
		[0.5, '1m'],
		[1000.4, '1001m'],
	];
	for (const [millis, text] of cases) t.is(formatCpu(millis), text, String(millis));
	for (const bad of [-1, NaN, Infinity]) t.throws(() => formatCpu(bad), {instanceOf: QuantityError}, String(bad));
});

test('formatMemory gives exact quantities with the largest exact suffix', (t) => {
	const cases: Array<[number, string]> = [
		[0, '0'],
		[512, '512'],
		[1000, '1k'],
		[1024, '1Ki'],
		[1500, '1500'],
		[512 * 1024 ** 2, '512Mi'],
		[1024 ** 3, '1Gi'],
		[1536 * 1024 ** 2, '1536Mi'],
		[128_974_848, '123Mi'],
		[1e9, '1G'],
		[2_048_000, '2048k'], // shorter than 2000Ki
		[2_048_000 * 1024, '2000Mi'], // shorter than 2097152k
		[10_112_000, '9875Ki'], // tie with 10112k goes to binary
		[2.5, '3'],
		[2 ** 60, '1Ei'],
		[1e18, '1E'],
	];
	for (const [bytes, text] of cases) t.is(formatMemory(bytes), text, String(bytes));
	for (const bad of [-1, NaN, Infinity, 2 ** 63]) t.throws(() => formatMemory(bad), {instanceOf: QuantityError}, String(bad));
});

test('formatMemory approximate is short and close, for display only', (t) => {
	const cases: Array<[number, string]> = [
		[0, '0'],
		[1000, '1000'],
		[1536, '1.5Ki'],
		[1.5 * 1024 ** 3, '1.5Gi'],
		[1e9, '954Mi'],
		[1024 ** 3 - 1, '1Gi'],
		[512 * 1024 ** 2, '512Mi'],
	];
	for (const [bytes, text] of cases) t.is(formatMemory(bytes, {approximate: true}), text, String(bytes));
});

test('property: CPU millis round-trip exactly', (t) => {
	fc.assert(
		fc.property(fc.integer({min: 0, max: 1e12}), (millis) => {
			const text = formatCpu(millis);
			return parseCpuMillis(text) === millis && Math.abs(parseQuantity(text) * 1000 - millis) <= millis * 1e-12;
		}),
	);
	t.pass();
});

test('property: memory bytes round-trip exactly', (t) => {
	const bytes = fc.oneof(
		fc.integer({min: 0, max: Number.MAX_SAFE_INTEGER}),
		fc.tuple(fc.integer({min: 1, max: 4096}), fc.integer({min: 0, max: 5})).map(([n, k]) => n * 1024 ** k),
		fc.tuple(fc.integer({min: 1, max: 999}), fc.integer({min: 0, max: 5})).map(([n, k]) => n * 1000 ** k),
	);
	fc.assert(
		fc.property(bytes, (b) => {
			const text = formatMemory(b);
			return parseMemoryBytes(text) === b && parseQuantity(text) === b;
		}),
	);
	t.pass();
});

test('property: approximate memory stays within 5% and parses', (t) => {
	fc.assert(
		fc.property(fc.integer({min: 1024, max: Number.MAX_SAFE_INTEGER}), (b) => {
			const back = parseMemoryBytes(formatMemory(b, {approximate: true}));
			return Math.abs(back - b) / b <= 0.05;
		}),
	);
	t.pass();
});

test('parsing is remembered by value only: errors repeat, and more distinct inputs than the cache holds still parse right', (t) => {
	for (let i = 0; i < 3; i++) {
		t.throws(() => parseCpuMillis('-1'), {instanceOf: QuantityError});
		t.throws(() => parseMemoryBytes('12Q'), {instanceOf: QuantityError});
		t.is(parseCpuMillis('250m'), 250);
		t.is(parseMemoryBytes('1.5Gi'), 1_610_612_736);
	}
	// 10,000 distinct values: the cache empties itself on the way and every answer is exact.
	for (let i = 1; i <= 10_000; i++) {
		t.is(parseCpuMillis(`${i}m`), i);
		t.is(parseMemoryBytes(`${i}Ki`), i * 1024);
	}
	t.is(parseCpuMillis('1'), 1000);
	// Inputs too long to be worth remembering still parse (71 characters: 0.1 core in nanocores).
	const long = `${'0'.repeat(61)}100000000n`;
	t.is(parseCpuMillis(long), 100);
	t.is(parseCpuMillis(long), 100);
});
