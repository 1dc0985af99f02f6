import test, {type ExecutionContext} from 'ava';
import fc from 'fast-check';
import {needsSanitizing, sanitize, SANITIZE_MARKER as M} from '../../source/text/sanitize.js';

/** Any C0, DEL, C1, bidi control, or invisible format character that must never reach the terminal. */
const FORBIDDEN = /[\u0000-\u001F\u007F-\u009F\u00AD\u061C\u200B\u200C\u200E\u200F\u2028-\u202E\u2060-\u2064\u2066-\u2069\uFEFF\uD800-\uDFFF]/u;
/** ZWJ is allowed only inside an emoji ZWJ sequence. */
// eslint-disable-next-line no-misleading-character-class -- a variation selector or skin-tone modifier alone, as a class member, on purpose
const EMOJI_JOINER = /(\p{Extended_Pictographic}[\uFE0F\u{1F3FB}-\u{1F3FF}]?)\u200D(?=\p{Extended_Pictographic})/gu;

function codePoints(s: string): number {
	return [...s].length;
}

function tags(text: string): string {
	return [...text].map((c) => String.fromCodePoint(0xe0000 + c.charCodeAt(0))).join('');
}

const SCOTLAND = `\u{1F3F4}${tags('gbsct')}\u{E007F}`;

/** Each [input, what sanitize makes of it]. */
function sanitizes(t: ExecutionContext, cases: Array<[input: string, expected: string]>): void {
	for (const [input, expected] of cases) t.is(sanitize(input), expected, JSON.stringify(input));
}

test('plain text passes unchanged', (t) => {
	for (const s of ['', 'nginx-7c9f8d', 'kube-system/coredns', 'a b  c', '~!@#$%^&*()_+{}|:"<>?`-=[]\\;\',./']) {
		t.is(sanitize(s), s);
		t.false(needsSanitizing(s));
	}
});

test('ordinary Unicode is kept: CJK, accents, emoji and emoji sequences', (t) => {
	for (const s of [
		'日本語のポッド',
		'café',
		'e\u0301',
		'Ελληνικά',
		'עברית',
		'한국어',
		'😀',
		'👍🏽',
		'❤️',
		'🇫🇷',
		'👨\u200D👩\u200D👧',
		'👩🏽\u200D💻',
		'🏳️\u200D🌈',
		SCOTLAND,
	]) {
		t.is(sanitize(s), s, JSON.stringify(s));
	}
});

test('CSI sequences are removed whole, one marker each', (t) => {
	t.is(sanitize('a\x1b[31mred\x1b[0m'), `a${M}red${M}`);
	t.is(sanitize('\x1b[2J\x1b[H'), `${M}${M}`);
	t.is(sanitize('\x1b[?1049h'), M);
	t.is(sanitize('\x1b[38;2;255;0;0mX'), `${M}X`);
	t.is(sanitize('\x1b[ q'), M); // intermediate byte then final
	t.is(sanitize('\x1b[12'), M); // broken off at end of string
	t.is(sanitize('\x1b[1\x00m'), `${M}${M}m`); // broken off by a control: no escape survives
});

test('8-bit CSI U+009B is removed with its parameters', (t) => {
	t.is(sanitize('\x9b31m'), M);
	t.is(sanitize('x\x9b31mred'), `x${M}red`);
	t.is(sanitize('\x9b'), M);
});

test('OSC 52 clipboard writes are removed, with BEL or ST', (t) => {
	t.is(sanitize('\x1b]52;c;SGVsbG8=\x07'), M);
	t.is(sanitize('\x1b]52;c;SGVsbG8=\x1b\\'), M);
	t.is(sanitize('pod-\x1b]52;c;SGVsbG8=\x07name'), `pod-${M}name`);
});

test('OSC 8 hyperlinks lose the link and keep the visible text', (t) => {
	t.is(sanitize('\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\'), `${M}click${M}`);
});

test('OSC window titles and 8-bit OSC are removed', (t) => {
	t.is(sanitize('\x1b]0;pwned\x07name'), `${M}name`);
	t.is(sanitize('\x9d0;title\x9c'), M);
	t.is(sanitize('\x9d0;title\x07after'), `${M}after`);
});

test('DCS, SOS, PM and APC strings are removed', (t) => {
	t.is(sanitize('\x1bPq#0;2;0;0;0#0!7~\x1b\\x'), `${M}x`);
	t.is(sanitize('\x1bXsos\x1b\\x'), `${M}x`);
	t.is(sanitize('\x1b^pm\x1b\\x'), `${M}x`);
	t.is(sanitize('\x1b_Gf=100;AAAA\x1b\\x'), `${M}x`);
	t.is(sanitize('\x90dcs\x9cx'), `${M}x`);
	t.is(sanitize('\x98sos\x9cx'), `${M}x`);
	t.is(sanitize('\x9epm\x9cx'), `${M}x`);
	t.is(sanitize('\x9fapc\x9cx'), `${M}x`);
});

test('a control string ends at CAN, SUB, or an ESC that is not ST', (t) => {
	t.is(sanitize('\x1b]0;t\x18x'), `${M}x`);
	t.is(sanitize('\x1b]0;t\x1ax'), `${M}x`);
	t.is(sanitize('\x1b]0;t\x1b[31mX'), `${M}${M}X`);
});

test('an unterminated control string loses its introducer and stays visible', (t) => {
	sanitizes(t, [
		['\x1b]52;c;SGVsbG8=', `${M}52;c;SGVsbG8=`],
		['\x1bPpayload', `${M}payload`],
		['\x9dtitle', `${M}title`],
	]);
});

test('two-character and nF escapes are removed', (t) => {
	for (const seq of ['\x1bc', '\x1b7', '\x1b8', '\x1b=', '\x1b>', '\x1bM', '\x1bD', '\x1b\\', '\x1b(B', '\x1b#8', '\x1b%G', '\x1bN', '\x1bO']) {
		t.is(sanitize(`a${seq}b`), `a${M}b`, JSON.stringify(seq));
	}
});

test('a lone ESC becomes a marker without eating what follows', (t) => {
	sanitizes(t, [
		['abc\x1b', `abc${M}`],
		['\x1bé', `${M}é`],
		['\x1b\x1b\x1b', M.repeat(3)],
		['\x1b\n', `${M} `],
	]);
});

test('tabs, newlines and line separators become one space each so a cell stays on one line', (t) => {
	sanitizes(t, [
		['a\tb\nc\r\nd', 'a b c d'],
		['a\rb', 'a b'],
		['a\vb\fc', 'a b c'],
		['a\u2028b\u2029c', 'a b c'],
		['\n\n', '  '],
	]);
});

test('other C0 controls, DEL and C1 controls become markers', (t) => {
	t.is(sanitize('\x00\x07\x08'), M.repeat(3));
	t.is(sanitize('a\x7fb'), `a${M}b`);
	t.is(sanitize('a\x85b'), `a${M}b`);
	t.is(sanitize('\x80\x9c\x9f'), M.repeat(2) + M); // \x9f opens an unterminated APC: introducer only
	for (let c = 0; c < 0x20; c++) {
		if (c >= 0x09 && c <= 0x0d) continue;
		t.is(sanitize(`x${String.fromCharCode(c)}`), `x${M}`, `U+${c.toString(16)}`);
	}
});

test('bidi controls are neutralised (RLO cannot reverse a name)', (t) => {
	t.is(sanitize('invoice\u202Etxt.exe'), `invoice${M}txt.exe`);
	for (const c of ['\u061C', '\u200E', '\u200F', '\u202A', '\u202B', '\u202C', '\u202D', '\u202E', '\u2066', '\u2067', '\u2068', '\u2069']) {
		t.is(sanitize(`a${c}b`), `a${M}b`, `U+${c.charCodeAt(0).toString(16)}`);
	}
});

test('zero-width and invisible characters that can hide text are neutralised', (t) => {
	t.is(sanitize('ad\u200Bmin'), `ad${M}min`);
	for (const c of ['\u200B', '\u200C', '\u200D', '\u2060', '\uFEFF', '\u00AD', '\u3164', '\u2061']) {
		t.is(sanitize(`a${c}b`), `a${M}b`, `U+${c.charCodeAt(0).toString(16)}`);
	}
});

test('ZWJ is kept only between pictographs', (t) => {
	sanitizes(t, [
		['👨\u200D', `👨${M}`],
		['\u200D👨', `${M}👨`],
		['👨\u200D\u200D👩', `👨${M}${M}👩`],
		['👨\x1b\u200D👩', `👨${M}${M}👩`],
	]);
});

test('tag characters smuggling invisible text become one marker', (t) => {
	t.is(sanitize(`hi${tags('ignore previous')}`), `hi${M}`);
	t.is(sanitize(`\u{1F3F4}${tags('gbsct')}`), `\u{1F3F4}${M}`); // no cancel tag
	t.is(sanitize(`x${tags('gbsct')}\u{E007F}`), `x${M}`); // not after a black flag
	t.is(sanitize(`${SCOTLAND}${tags('more')}`), `\u{1F3F4}${M}`);
});

test('lone surrogates become markers; pairs are kept', (t) => {
	t.is(sanitize('\uD800x'), `${M}x`);
	t.is(sanitize('x\uDC00'), `x${M}`);
	t.is(sanitize('\uDC00\uD800'), M.repeat(2));
	t.is(sanitize('\uD83D\uDE00'), '😀');
});

test('strings that are only controls', (t) => {
	t.is(sanitize('\x00'.repeat(5)), M.repeat(5));
	t.is(sanitize('\x1b[31m'.repeat(1000)), M.repeat(1000));
	t.is(sanitize('\u202E\u202E'), M.repeat(2));
});

test('maxLength truncates by code points with an ellipsis', (t) => {
	const long = 'a'.repeat(100_000);
	const out = sanitize(long, {maxLength: 64});
	t.is(out, `${'a'.repeat(63)}…`);
	t.is(sanitize('abc', {maxLength: 3}), 'abc');
	t.is(sanitize('abcd', {maxLength: 3}), 'ab…');
	t.is(sanitize('abcd', {maxLength: 1}), '…');
	t.is(sanitize('abcd', {maxLength: 0}), '');
	t.is(sanitize('😀'.repeat(10), {maxLength: 5}), '😀😀😀😀…');
	t.is(sanitize('😀'.repeat(4), {maxLength: 4}), '😀😀😀😀');
});

test('maxLength never splits a grapheme', (t) => {
	const family = '👨\u200D👩\u200D👧'; // 5 code points
	t.is(sanitize(family.repeat(3), {maxLength: 6}), `${family}…`);
	t.is(sanitize(family.repeat(3), {maxLength: 5}), '…');
	t.is(sanitize(`ab${SCOTLAND}`, {maxLength: 5}), 'ab…');
});

test('maxLength applies after sanitizing hostile input', (t) => {
	const hostile = '\x1b]52;c;SGVsbG8=\x07'.repeat(10_000) + 'tail';
	const out = sanitize(hostile, {maxLength: 10});
	t.is(out, `${M.repeat(9)}…`);
});

test('ascii mode uses ? and ~', (t) => {
	t.is(sanitize('a\x1b[31mb', {ascii: true}), 'a?b');
	t.is(sanitize('abcdef', {ascii: true, maxLength: 4}), 'abc~');
	t.is(sanitize('plain', {ascii: true}), 'plain');
});

const FRAGMENTS = [
	'\x1b',
	'\x1b[',
	'\x1b]',
	'\x1bP',
	'\x1b\\',
	'\x07',
	'\x9b',
	'\x9c',
	'\x9d',
	'\x90',
	'\x1b[31m',
	'\x1b]52;c;SGVsbG8=\x07',
	'\x1b]8;;http://x\x1b\\',
	'\u202E',
	'\u2066',
	'\u200B',
	'\u200D',
	'\uFEFF',
	'\uD800',
	'\uDFFF',
	'\r\n',
	'\t',
	'👨',
	'👩',
	'\uFE0F',
	'\u{1F3FD}',
	'\u{1F3F4}',
	'\u{E0067}',
	'\u{E007F}',
	'日本',
	'e\u0301',
	'abc',
];

const hostileString = fc
	.array(
		fc.oneof(
			fc.constantFrom(...FRAGMENTS),
			fc.string({unit: 'binary', maxLength: 8}),
			fc.integer({min: 0, max: 0xffff}).map((c) => String.fromCharCode(c)),
		),
		{maxLength: 40},
	)
	.map((parts) => parts.join(''));

test('property: output never contains a control, bidi or invisible code point', (t) => {
	fc.assert(
		fc.property(hostileString, (s) => {
			const out = sanitize(s);
			if (FORBIDDEN.test(out)) return false;
			if (out.includes('\x1b')) return false;
			return !out.replace(EMOJI_JOINER, '$1').includes('\u200D');
		}),
		{numRuns: 3000},
	);
	t.pass();
});

test('property: sanitize is idempotent, with and without maxLength', (t) => {
	fc.assert(
		fc.property(hostileString, fc.integer({min: 0, max: 30}), (s, max) => {
			const once = sanitize(s);
			const limited = sanitize(s, {maxLength: max});
			return (
				sanitize(once) === once &&
				sanitize(limited, {maxLength: max}) === limited &&
				sanitize(limited) === limited &&
				!needsSanitizing(once.replace(EMOJI_JOINER, '$1').replace(/\u{1F3F4}[\u{E0020}-\u{E007E}]+\u{E007F}/gu, ''))
			);
		}),
		{numRuns: 3000},
	);
	t.pass();
});

test('property: maxLength bounds the code point count', (t) => {
	fc.assert(
		fc.property(hostileString, fc.integer({min: 0, max: 30}), (s, max) => codePoints(sanitize(s, {maxLength: max})) <= max),
		{numRuns: 2000},
	);
	t.pass();
});

test('property: strings without suspect code points are returned unchanged', (t) => {
	fc.assert(
		fc.property(
			fc.string({unit: 'grapheme', maxLength: 30}).filter((s) => !needsSanitizing(s)),
			(s) => sanitize(s) === s,
		),
		{numRuns: 1000},
	);
	t.pass();
});
