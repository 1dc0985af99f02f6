import test from 'ava';
import fc from 'fast-check';
import {DurationError, parseDuration, parseRequestTimeout} from '../../source/text/duration.js';

test('parseDuration accepts Go duration syntax', (t) => {
	const cases: Array<[string, number]> = [
		['90s', 90_000],
		['5m', 300_000],
		['1h30m', 5_400_000],
		['500ms', 500],
		['1.5h', 5_400_000],
		['0', 0],
		['+0', 0],
		['-0', 0],
		['0s', 0],
		['+5s', 5000],
		['-1.5h', -5_400_000],
		['.5s', 500],
		['1.s', 1000],
		['1h1m1s1ms', 3_661_001],
		['1m30s500ms', 90_500],
		['2h45m', 9_900_000],
		['1.05s', 1050],
		['1000us', 1],
		['1000\u00b5s', 1],
		['1000\u03bcs', 1],
		['1000000ns', 1],
		['100ns', 0.0001],
		['10s10s', 20_000],
		['2562047h', 2562047 * 3_600_000],
	];
	for (const [input, ms] of cases) t.is(parseDuration(input), ms, input);
});

test('parseDuration rejects malformed input with one clear line', (t) => {
	for (const input of ['', '5', '5x', 'abc', 's', '.s', '-.s', '-', '+', '1.2.3s', ' 5s', '5s ', '5 s', '1hh', '1e3s', '5S', '1d', '1h-5m', '0x10s']) {
		const error = t.throws(() => parseDuration(input), {instanceOf: DurationError}, JSON.stringify(input));
		t.regex(error!.message, /^invalid duration ".*": use a number with a unit such as 30s, 5m or 1h$/);
		t.is(error!.input, input);
	}
	t.is(t.throws(() => parseDuration('5x'))!.message, 'invalid duration "5x": use a number with a unit such as 30s, 5m or 1h');
});

test('parseDuration rejects durations beyond 2^63-1 ns', (t) => {
	for (const input of ['2562048h', '9223372036854775808ns', '99999999999999999999s', '1000000000000h']) {
		const error = t.throws(() => parseDuration(input), {instanceOf: DurationError}, input);
		t.regex(error!.message, /too long/);
	}
	// The exact figure, as written; the double nearest it is what parseDuration returns.
	// eslint-disable-next-line no-loss-of-precision
	t.is(parseDuration('9223372036854775807ns'), 9223372036854.775807);
});

test('error messages stay one line and escape-free for hostile input', (t) => {
	const error = t.throws(() => parseDuration('5\x1b[31m\nx'.repeat(20)), {instanceOf: DurationError});
	t.false(/[\x00-\x1f\x7f-\x9f]/.test(error!.message));
	t.true(error!.message.length < 160);
});

test('parseRequestTimeout: bare integers are seconds, 0 and empty mean no timeout', (t) => {
	const cases: Array<[string, number]> = [
		['0', 0],
		['', 0],
		['0s', 0],
		['30', 30_000],
		['+5', 5000],
		['007', 7000],
		['30s', 30_000],
		['1m', 60_000],
		['1h30m', 5_400_000],
		['1.5s', 1500],
		['250ms', 250],
	];
	for (const [input, ms] of cases) t.is(parseRequestTimeout(input), ms, input);
});

test('parseRequestTimeout rejects negatives and garbage', (t) => {
	for (const input of ['-5', '1.5', 'abc', '5x', ' 5', '1e3']) {
		const error = t.throws(() => parseRequestTimeout(input), {instanceOf: DurationError}, input);
		t.regex(error!.message, /^invalid request timeout ".*": use a whole number of seconds/);
	}
	t.regex(t.throws(() => parseRequestTimeout('-5s'))!.message, /must not be negative/);
	t.regex(t.throws(() => parseRequestTimeout('99999999999999'))!.message, /too long/);
});

test('property: h/m/s compositions parse to their sum', (t) => {
	fc.assert(
		fc.property(
			fc.integer({min: 0, max: 10_000}),
			fc.integer({min: 0, max: 59}),
			fc.integer({min: 0, max: 59}),
			fc.integer({min: 0, max: 999}),
			(h, m, s, ms) => parseDuration(`${h}h${m}m${s}s${ms}ms`) === ((h * 60 + m) * 60 + s) * 1000 + ms,
		),
	);
	t.pass();
});
