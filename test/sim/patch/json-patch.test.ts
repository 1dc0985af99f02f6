import test from 'ava';
import fc from 'fast-check';
import {PatchError} from '../../../source/sim/patch/errors.js';
import {jsonEqual, type JsonObject} from '../../../source/sim/patch/json.js';
import {applyJsonPatch} from '../../../source/sim/patch/json-patch.js';
import {parseRawJson} from '../../../source/sim/patch/raw-json.js';
import {plainJson} from './fixtures.js';

const jsonPatchDoc = (): JsonObject => ({
	metadata: {name: 'web', labels: {app: 'web'}, annotations: {'example.com/a~b': 'x', 'example.com/c/d': 'y'}},
	spec: {replicas: 3, list: ['a', 'b', 'c']},
});

const jsonPatchCases: Array<{title: string; ops: unknown[]; check: (result: JsonObject, t: import('ava').ExecutionContext) => void}> = [
	{
		title: 'add sets an object key',
		ops: [{op: 'add', path: '/metadata/labels/tier', value: 'front'}],
		check: (r, t) => t.deepEqual((r.metadata as JsonObject).labels, {app: 'web', tier: 'front'}),
	},
	{
		title: 'add inserts into an array, appends with "-" and counts negative indexes from the end',
		ops: [
			{op: 'add', path: '/spec/list/1', value: 'x'},
			{op: 'add', path: '/spec/list/-', value: 'z'},
			{op: 'add', path: '/spec/list/-1', value: 'y'},
		],
		check: (r, t) => t.deepEqual((r.spec as JsonObject).list, ['a', 'x', 'b', 'c', 'z', 'y']),
	},
	{
		title: 'remove deletes a key and an array item',
		ops: [
			{op: 'remove', path: '/metadata/labels/app'},
			{op: 'remove', path: '/spec/list/0'},
		],
		check(r, t) {
			t.deepEqual((r.metadata as JsonObject).labels, {});
			t.deepEqual((r.spec as JsonObject).list, ['b', 'c']);
		},
	},
	{
		title: 'replace changes a value; a missing object key is added as json-patch v4 does',
		ops: [
			{op: 'replace', path: '/spec/replicas', value: 5},
			{op: 'replace', path: '/spec/paused', value: true},
		],
		check: (r, t) => t.like(r.spec, {replicas: 5, paused: true}),
	},
	{
		title: 'move and copy',
		ops: [
			{op: 'copy', from: '/spec/replicas', path: '/spec/minReplicas'},
			{op: 'move', from: '/metadata/labels', path: '/spec/selector'},
		],
		check(r, t) {
			t.like(r.spec, {replicas: 3, minReplicas: 3, selector: {app: 'web'}});
			t.false('labels' in (r.metadata as JsonObject));
		},
	},
	{
		title: 'test passes on an equal value and on a missing key tested against null',
		ops: [
			{op: 'test', path: '/spec/list', value: ['a', 'b', 'c']},
			{op: 'test', path: '/spec/missing', value: null},
			{op: 'replace', path: '/spec/replicas', value: 1},
		],
		check: (r, t) => t.is((r.spec as JsonObject).replicas, 1),
	},
	{
		title: 'pointer escapes ~0 and ~1 address keys with ~ and /',
		ops: [
			{op: 'replace', path: '/metadata/annotations/example.com~1c~1d', value: 'Y'},
			{op: 'remove', path: '/metadata/annotations/example.com~1a~0b'},
		],
		check: (r, t) => t.deepEqual((r.metadata as JsonObject).annotations, {'example.com/c/d': 'Y'}),
	},
];

for (const {title, ops, check} of jsonPatchCases) {
	test(`JSON patch: ${title}`, (t) => {
		const doc = jsonPatchDoc();
		const result = applyJsonPatch(doc, ops) as JsonObject;
		check(result, t);
		t.deepEqual(doc, jsonPatchDoc(), 'the target is not mutated');
	});
}

const jsonPatchErrors: Array<{title: string; body: unknown; code: number; detail: RegExp}> = [
	{title: 'a failed test', body: [{op: 'test', path: '/spec/replicas', value: 4}], code: 422, detail: /^testing value \/spec\/replicas failed: test failed$/},
	{
		title: 'a test of a missing key with a value',
		body: [{op: 'test', path: '/spec/missing', value: 1}],
		code: 422,
		detail: /testing value \/spec\/missing failed/,
	},
	{
		title: 'add under a missing parent',
		body: [{op: 'add', path: '/spec/nope/x', value: 1}],
		code: 422,
		detail: /add operation does not apply: doc is missing path: "\/spec\/nope\/x"/,
	},
	{title: 'remove of a missing key', body: [{op: 'remove', path: '/spec/nope'}], code: 422, detail: /Unable to remove nonexistent key: nope/},
	{
		title: 'replace past the end of an array',
		body: [{op: 'replace', path: '/spec/list/7', value: 1}],
		code: 422,
		detail: /doc is missing key: \/spec\/list\/7/,
	},
	{title: 'add past the end of an array', body: [{op: 'add', path: '/spec/list/9', value: 1}], code: 422, detail: /invalid index referenced/},
	{title: 'a non-numeric array index', body: [{op: 'add', path: '/spec/list/x', value: 1}], code: 422, detail: /not a proper array index/},
	{title: 'move from a missing key', body: [{op: 'move', from: '/spec/nope', path: '/spec/x'}], code: 422, detail: /Unable to remove nonexistent key/},
	{title: 'an unknown op', body: [{op: 'frobnicate', path: '/spec'}], code: 422, detail: /^Unexpected kind: frobnicate$/},
	{title: 'an op without a path', body: [{op: 'add', value: 1}], code: 422, detail: /add operation failed to decode path/},
	{title: 'an op without op', body: [{path: '/spec'}], code: 422, detail: /Unexpected kind: unknown/},
];

for (const {title, body, code, detail} of jsonPatchErrors) {
	test(`JSON patch fails the whole patch on ${title}`, (t) => {
		const error = t.throws(() => applyJsonPatch(jsonPatchDoc(), [{op: 'add', path: '/spec/first', value: 1}, ...(body as unknown[])]), {
			instanceOf: PatchError,
		});
		t.is(error?.code, code);
		t.is(error?.reason, 'Invalid');
		t.is(error?.message, 'the server rejected our request due to an error in our request');
		// The library's text stays inside the server: the Status names no object and has no causes.
		t.regex(error?.detail ?? '', detail);
		t.deepEqual(error?.causes, []);
		t.true(error?.anonymous);
	});
}

test('JSON patch test compares scalars by their text, as json-patch v4 does against the Go-encoded object', (t) => {
	const doc = {metadata: {annotations: {owner: 'a&b <ops>'}}, spec: {replicas: 3, window: 600, selector: {app: 'web', tier: 'front'}}};
	const run = (text: string) => () => applyJsonPatch(doc, JSON.parse(text), parseRawJson(text));
	// The server holds "a\u0026b \u003cops\u003e": a test spelled as JavaScript writes it fails, spelled as Go writes it passes.
	t.is(
		t.throws(run('[{"op":"test","path":"/metadata/annotations/owner","value":"a&b <ops>"}]'), {instanceOf: PatchError})?.detail,
		'testing value /metadata/annotations/owner failed: test failed',
	);
	t.notThrows(run('[{"op":"test","path":"/metadata/annotations/owner","value":"a\\u0026b \\u003cops\\u003e"}]'));
	// Numbers: 600 is not 600.0 nor 6e2.
	t.notThrows(run('[{"op":"test","path":"/spec/window","value":600}]'));
	t.throws(run('[{"op":"test","path":"/spec/window","value":600.0}]'), {instanceOf: PatchError});
	t.throws(run('[{"op":"test","path":"/spec/window","value":6e2}]'), {instanceOf: PatchError});
	// Objects compare key by key, in any order and spacing; nothing more, nothing less.
	t.notThrows(run('[{"op":"test","path":"/spec/selector","value":{ "tier" : "front", "app":"web" }}]'));
	t.throws(run('[{"op":"test","path":"/spec/selector","value":{"app":"web"}}]'), {instanceOf: PatchError});
	t.throws(run('[{"op":"test","path":"/spec/selector","value":{"app":"web","tier":"front","x":null}}]'), {instanceOf: PatchError});
	// Absent tested as null still passes; without the text (value comparison) the same bodies pass too.
	t.notThrows(run('[{"op":"test","path":"/spec/missing","value":null}]'));
	t.notThrows(() => applyJsonPatch(doc, [{op: 'test', path: '/spec/window', value: 600.0}]));
});

test('parseRawJson keeps scalar text and refuses what JSON.parse refuses', (t) => {
	t.deepEqual(parseRawJson(' [1.50, "a\\u0026", {"k": true, "k": null}] '), {
		kind: 'array',
		items: [
			{kind: 'scalar', text: '1.50'},
			{kind: 'scalar', text: '"a\\u0026"'},
			{kind: 'object', entries: new Map([['k', {kind: 'scalar', text: 'null'}]])},
		],
	});
	for (const bad of ['[1,]', '{"a" 1}', '01', '"open', '[1] 2', 'nul']) t.throws(() => parseRawJson(bad), {instanceOf: SyntaxError}, bad);
});

test('JSON patch bodies must be arrays of objects', (t) => {
	const notArray = t.throws(() => applyJsonPatch(jsonPatchDoc(), {op: 'add', path: '/a', value: 1}), {instanceOf: PatchError});
	t.is(notArray?.code, 400);
	t.is(notArray?.message, 'json: cannot unmarshal object into Go value of type jsonpatch.Patch');
	const notObject = t.throws(() => applyJsonPatch(jsonPatchDoc(), ['add']), {instanceOf: PatchError});
	t.is(notObject?.code, 400);
	t.regex(notObject?.message ?? '', /jsonpatch\.Operation/);
	t.deepEqual(applyJsonPatch(jsonPatchDoc(), null), jsonPatchDoc(), 'a null body is an empty patch');
	const huge = Array.from({length: 10001}, () => ({op: 'test', path: '/spec/replicas', value: 3}));
	const tooLarge = t.throws(() => applyJsonPatch(jsonPatchDoc(), huge), {instanceOf: PatchError});
	t.is(tooLarge?.code, 413);
});

test('property: a JSON patch add followed by a test of the same value always passes', (t) => {
	fc.assert(
		fc.property(fc.string({maxLength: 6}), plainJson.value, (key, value) => {
			const pointer = `/metadata/labels/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
			const result = applyJsonPatch(jsonPatchDoc(), [
				{op: 'add', path: pointer, value},
				{op: 'test', path: pointer, value},
			]) as JsonObject;
			return jsonEqual(((result.metadata as JsonObject).labels as JsonObject)[key], value);
		}),
	);
	t.pass();
});
