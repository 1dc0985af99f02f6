import test from 'ava';
import fc from 'fast-check';
import {sanitize} from '../../source/text/sanitize.js';
import {displayWidth, fit, padEnd, padStart, truncate} from '../../source/text/width.js';

const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
const FAMILY = '👨\u200D👩\u200D👧';

test('displayWidth counts columns, not code units', (t) => {
	t.is(displayWidth(''), 0);
	t.is(displayWidth('abc'), 3);
	t.is(displayWidth('日本語'), 6);
	t.is(displayWidth('a日b'), 4);
	t.is(displayWidth('😀'), 2);
	t.is(displayWidth(FAMILY), 2);
	t.is(displayWidth('👍🏽'), 2);
	t.is(displayWidth('🇫🇷'), 2);
	t.is(displayWidth('e\u0301'), 1);
	t.is(displayWidth('café'), 4);
	t.is(displayWidth('ｶﾀｶﾅ'), 4); // halfwidth katakana
	t.is(displayWidth('ＡＢ'), 4); // fullwidth Latin
	t.is(displayWidth('…'), 1);
	t.is(displayWidth('\uFFFD'), 1);
});

test('truncate leaves strings that fit alone', (t) => {
	t.is(truncate('abc', 3), 'abc');
	t.is(truncate('abc', 10), 'abc');
	t.is(truncate('日本', 4), '日本');
	t.is(truncate('', 0), '');
});

test('truncate cuts ASCII with an ellipsis', (t) => {
	t.is(truncate('abcdef', 4), 'abc…');
	t.is(truncate('abcdef', 4, {ascii: true}), 'abc~');
	t.is(truncate('abcdef', 1), '…');
	t.is(truncate('abcdef', 0), '');
	t.is(truncate('abcdef', -3), '');
	t.is(truncate('abcdef', 5.9), 'abcd…');
});

test('truncate never splits a wide character', (t) => {
	t.is(truncate('日本語テキスト', 5), '日本…');
	t.is(truncate('日本語テキスト', 4), '日…'); // 本 would need columns 3-4, the ellipsis the 5th
	t.is(displayWidth(truncate('日本語テキスト', 4)), 3);
	t.is(truncate('a日本語', 3), 'a…');
	t.is(truncate('日本語', 1), '…');
});

test('truncate never splits a surrogate pair or an emoji sequence', (t) => {
	t.is(truncate('😀😀😀', 4), '😀…');
	t.is(truncate('😀😀😀', 2), '…');
	t.is(truncate(`x${FAMILY}y${FAMILY}`, 4), `x${FAMILY}…`);
	t.is(truncate(`x${FAMILY}y`, 3), 'x…');
	t.is(truncate('👍🏽👍🏽', 3), '👍🏽…');
	t.is(truncate('e\u0301e\u0301e\u0301', 2), 'e\u0301…');
});

test('padEnd and padStart pad by columns', (t) => {
	t.is(padEnd('日本', 6), '日本  ');
	t.is(padStart('日本', 6), '  日本');
	t.is(padEnd('ab', 4), 'ab  ');
	t.is(padStart('😀', 3), ' 😀');
	t.is(padEnd('abcdef', 3), 'abcdef');
	t.is(padStart('abcdef', 3), 'abcdef');
});

test('fit gives exactly the requested width', (t) => {
	t.is(fit('abcdef', 4), 'abc…');
	t.is(fit('ab', 4), 'ab  ');
	t.is(fit('42', 5, {align: 'right'}), '   42');
	t.is(fit('日本語テキスト', 4), '日… ');
	t.is(fit('日本語テキスト', 4, {ascii: true, align: 'right'}), ' 日~');
});

const textArb = fc
	.array(
		fc.oneof(
			fc.constantFrom('日', '本', '😀', FAMILY, '👍🏽', 'e\u0301', 'ｶ', 'a', ' ', '🇫🇷'),
			fc.string({unit: 'grapheme', maxLength: 6}),
		),
		{maxLength: 20},
	)
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
