import test from 'ava';
import fc from 'fast-check';
import {cloneJson, jsonEqual, type JsonObject} from '../../../source/sim/patch/json.js';
import {applyJsonMergePatch} from '../../../source/sim/patch/merge-patch.js';
import {plainJson} from './fixtures.js';

const mergeCases: Array<{title: string; target: unknown; patch: unknown; expected: unknown}> = [
	{title: 'null deletes a key', target: {a: 1, b: 2}, patch: {a: null}, expected: {b: 2}},
	{
		title: 'objects merge recursively',
		target: {spec: {replicas: 1, paused: false}},
		patch: {spec: {replicas: 5}},
		expected: {spec: {replicas: 5, paused: false}},
	},
	{title: 'arrays are replaced whole', target: {items: [1, 2, 3]}, patch: {items: [4]}, expected: {items: [4]}},
	{title: 'a new object loses its nulls', target: {}, patch: {a: {b: null, c: 1}}, expected: {a: {c: 1}}},
	{title: 'an object replaces a scalar', target: {a: 'x'}, patch: {a: {b: 1}}, expected: {a: {b: 1}}},
	{title: 'a non-object patch replaces the target', target: {a: 1}, patch: ['x'], expected: ['x']},
	{title: 'deleting a missing key is a no-op', target: {a: 1}, patch: {z: null}, expected: {a: 1}},
];

for (const {title, target, patch, expected} of mergeCases) {
	test(`JSON merge patch: ${title}`, (t) => {
		const before = cloneJson(target);
		t.deepEqual(applyJsonMergePatch(target, patch), expected);
		t.deepEqual(target, before);
	});
}

function setProperty(object: JsonObject, key: string, value: unknown): void {
	Object.defineProperty(object, key, {value, enumerable: true, writable: true, configurable: true});
}

/** The merge patch that turns `a` into `b`. */
function mergeDiff(a: JsonObject, b: JsonObject): JsonObject {
	const patch: JsonObject = {};
	for (const key of Object.keys(a)) {
		if (!Object.prototype.hasOwnProperty.call(b, key)) setProperty(patch, key, null);
	}
	for (const key of Object.keys(b)) {
		const before = Object.prototype.hasOwnProperty.call(a, key) ? a[key] : undefined;
		const after = b[key];
		const bothObjects = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
		if (bothObjects(before) && bothObjects(after)) {
			const sub = mergeDiff(before, after);
			if (Object.keys(sub).length > 0) setProperty(patch, key, sub);
		} else if (!jsonEqual(before, after)) {
			setProperty(patch, key, after);
		}
	}
	return patch;
}

test('property: the merge patch of diff(a, b) applied to a gives b', (t) => {
	fc.assert(
		fc.property(plainJson.object, plainJson.object, (a, b) => {
			const result = applyJsonMergePatch(a, mergeDiff(a as JsonObject, b as JsonObject));
			return jsonEqual(result, b);
		}),
	);
	t.pass();
});
