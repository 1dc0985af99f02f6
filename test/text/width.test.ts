import test, {type ExecutionContext} from 'ava';
import fc from 'fast-check';
import {sanitize} from '../../source/text/sanitize.js';
import {displayWidth, fit, padEnd, padStart, truncate} from '../../source/text/width.js';

const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
const FAMILY = '👨\u200D👩\u200D👧';

test('displayWidth counts columns, not code units', (t) => {
	const columns: Array<[string, number]> = [
		['', 0],
		['abc', 3],
		['日本語', 6],
		['a日b', 4],
		['😀', 2],
		[FAMILY, 2],
		['👍🏽', 2],
		['🇫🇷', 2],
		['e\u0301', 1],
		['café', 4],
		// Halfwidth katakana, fullwidth Latin, the ellipsis and the replacement character.
		['ｶﾀｶﾅ', 4],
		['ＡＢ', 4],
		['…', 1],
		['\uFFFD', 1],
	];
	for (const [text, width] of columns) t.is(displayWidth(text), width, JSON.stringify(text));
});

/** truncate(text, width, options) and what it gives. */
type TruncateCase = [text: string, width: number, expected: string, options?: {ascii?: boolean}];

function truncates(t: ExecutionContext, cases: TruncateCase[]): void {
	for (const [text, width, expected, options] of cases) t.is(truncate(text, width, options), expected, `${JSON.stringify(text)} to ${width}`);
}

test('truncate leaves strings that fit alone', (t) => {
	truncates(t, [
		['abc', 3, 'abc'],
		['abc', 10, 'abc'],
		['日本', 4, '日本'],
		['', 0, ''],
	]);
});

test('truncate cuts ASCII with an ellipsis', (t) => {
	truncates(t, [
		['abcdef', 4, 'abc…'],
		['abcdef', 4, 'abc~', {ascii: true}],
		['abcdef', 1, '…'],
		['abcdef', 0, ''],
		['abcdef', -3, ''],
		['abcdef', 5.9, 'abcd…'],
	]);
});

test('truncate never splits a wide character', (t) => {
	// At 4 columns, 本 would need columns 3-4 and the ellipsis the 5th.
	truncates(t, [
		['日本語テキスト', 5, '日本…'],
		['日本語テキスト', 4, '日…'],
		['a日本語', 3, 'a…'],
		['日本語', 1, '…'],
	]);
	t.is(displayWidth(truncate('日本語テキスト', 4)), 3);
});

test('truncate never splits a surrogate pair or an emoji sequence', (t) => {
	truncates(t, [
		['😀😀😀', 4, '😀…'],
		['😀😀😀', 2, '…'],
		[`x${FAMILY}y${FAMILY}`, 4, `x${FAMILY}…`],
		[`x${FAMILY}y`, 3, 'x…'],
		['👍🏽👍🏽', 3, '👍🏽…'],
		['e\u0301e\u0301e\u0301', 2, 'e\u0301…'],
	]);
});

test('padEnd and padStart pad by columns', (t) => {
	const pads: Array<[pad: typeof padEnd, text: string, width: number, expected: string]> = [
		[padEnd, '日本', 6, '日本  '],
		[padStart, '日本', 6, '  日本'],
		[padEnd, 'ab', 4, 'ab  '],
		[padStart, '😀', 3, ' 😀'],
		// Too long already: left as it is.
		[padEnd, 'abcdef', 3, 'abcdef'],
		[padStart, 'abcdef', 3, 'abcdef'],
	];
	for (const [pad, text, width, expected] of pads) t.is(pad(text, width), expected, `${pad.name}(${JSON.stringify(text)}, ${width})`);
});

test('fit gives exactly the requested width', (t) => {
	const fits: Array<[text: string, width: number, expected: string, options?: Parameters<typeof fit>[2]]> = [
		['abcdef', 4, 'abc…'],
		['ab', 4, 'ab  '],
		['42', 5, '   42', {align: 'right'}],
		['日本語テキスト', 4, '日… '],
		['日本語テキスト', 4, ' 日~', {ascii: true, align: 'right'}],
	];
	for (const [text, width, expected, options] of fits) t.is(fit(text, width, options), expected, `${JSON.stringify(text)} to ${width}`);
});

const textArb = fc
	.array(fc.oneof(fc.constantFrom('日', '本', '😀', FAMILY, '👍🏽', 'e\u0301', 'ｶ', 'a', ' ', '🇫🇷'), fc.string({unit: 'grapheme', maxLength: 6})), {
		maxLength: 20,
	})
	.map((parts) => sanitize(parts.join('')));

test('property: truncate stays within the width and only cuts at grapheme boundaries', (t) => {
	fc.assert(
		fc.property(textArb, fc.integer({min: 0, max: 40}), fc.boolean(), (s, width, ascii) => {
			const out = truncate(s, width, {ascii});
			if (displayWidth(out) > width) return false;
			if (LONE_SURROGATE.test(out)) return false;
			if (width === 0) return out === '';
			if (out === s) return displayWidth(s) <= width;
			const ellipsis = ascii ? '~' : '…';
			if (!out.endsWith(ellipsis)) return false;
			const kept = out.slice(0, -1);
			if (!s.startsWith(kept)) return false;
			const boundaries = new Set([...new Intl.Segmenter().segment(s)].map((g) => g.index));
			return kept.length === 0 || boundaries.has(kept.length);
		}),
		{numRuns: 2000},
	);
	t.pass();
});

test('property: fit always yields exactly the width', (t) => {
	fc.assert(
		fc.property(textArb, fc.integer({min: 1, max: 40}), (s, width) => {
			// A wide character that does not fit leaves the truncation one column short; fit pads it.
			return displayWidth(fit(s, width)) === width;
		}),
		{numRuns: 2000},
	);
	t.pass();
});
