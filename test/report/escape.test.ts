/**
 * -o json and -o yaml keep cluster strings exactly, yet are safe to print on a terminal:
 * no raw control, bidi, zero-width or separator character, whatever the library escapes.
 */
import test from 'ava';
import {parse as parseYaml} from 'yaml';
import fc from 'fast-check';
import {jsonChunks, renderJson, renderYaml, type Report} from '../../source/report/report.js';

const UNSAFE = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/u;
const HOSTILE = [
	'a\u202eb\u202c',
	'x\ny\tz\u0085',
	'multi\nline',
	'del\u007f',
	'lone\ud800x',
	'dev👩\u200d💻',
	'zero\u200bwidth\ufeff',
	'sep\u2028',
	'\u001b[31mred\u009b2J',
	'tag\u{E0041}',
	'plain',
	'- dash',
	'',
];

function raw(text: string): string[] {
	return [...text].filter((c) => c !== '\n' && UNSAFE.test(c)).map((c) => `U+${c.codePointAt(0)!.toString(16)}`);
}

// The renderers take any document shaped like a report; strings sit in values and in keys.
const doc = {context: HOSTILE[0], list: HOSTILE, map: Object.fromEntries(HOSTILE.map((s, i) => [s, i]))} as unknown as Report;

test('-o json: nothing unsafe is written raw, and the values round-trip exactly', (t) => {
	const out = renderJson(doc);
	t.deepEqual(raw(out), []);
	t.deepEqual(JSON.parse(out), doc);
	t.true(out.includes('\\u202e') && out.includes('\\u009b') && out.includes('\\u007f'));
});

test('-o yaml: nothing unsafe is written raw, and the values round-trip exactly', (t) => {
	const out = renderYaml(doc);
	t.deepEqual(raw(out), []);
	t.deepEqual(parseYaml(out), doc);
	t.true(out.includes('plain'), 'ordinary strings stay plain');
	t.false(out.includes('"plain"'));
});

test('the JSON written in pieces is exactly JSON.stringify with the unsafe code points escaped', (t) => {
	// Each UTF-16 unit of such a code point as \uXXXX (a tag character is a surrogate pair).
	const escaped = (text: string) =>
		text.replace(/[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/gu, (c) =>
			c === '\n'
				? c
				: c
						.split('')
						.map((unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`)
						.join(''),
		);
	const whole = (value: unknown) => `${escaped(JSON.stringify(value, null, 2))}\n`;
	fc.assert(
		fc.property(fc.jsonValue(), (value) => [...jsonChunks(value)].join('') === whole(value)),
		{numRuns: 1000},
	);
	// Values JSON leaves out or writes as null, empty containers, strings at every depth.
	fc.assert(
		fc.property(
			fc.anything({withNullPrototype: true, withSparseArray: true}),
			(value) => JSON.stringify(value) === undefined || [...jsonChunks(value)].join('') === whole(value),
		),
		{numRuns: 1000},
	);
	const deep = {a: [{b: [{c: {d: [HOSTILE, {}, []]}}], e: undefined, f: () => 1}], g: [undefined, Symbol('s')], [HOSTILE[0]!]: HOSTILE};
	t.is([...jsonChunks(deep)].join(''), whole(deep));
	t.deepEqual(raw([...jsonChunks(deep)].join('')), []);
	t.deepEqual(JSON.parse([...jsonChunks(deep)].join('')), JSON.parse(JSON.stringify(deep)));
	t.true([...jsonChunks({x: HOSTILE})].length > 3);
});
