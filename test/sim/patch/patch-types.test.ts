import test from 'ava';
import {PatchError} from '../../../source/sim/patch/errors.js';
import {applyPatch, patchTypeOf} from '../../../source/sim/patch/patch-types.js';

test('patchTypeOf maps the four content types and answers 415 otherwise', (t) => {
	t.is(patchTypeOf('application/json-patch+json', true), 'json');
	t.is(patchTypeOf('application/merge-patch+json; charset=utf-8', true), 'merge');
	t.is(patchTypeOf('application/strategic-merge-patch+json', true), 'strategic');
	t.is(patchTypeOf('application/apply-patch+yaml', false), 'apply');
	const unknown = t.throws(() => patchTypeOf('application/json', true), {instanceOf: PatchError});
	t.is(unknown?.code, 415);
	t.is(unknown?.kind, 'unsupported');
	t.is(
		unknown?.message,
		'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml',
	);
	const custom = t.throws(() => patchTypeOf('application/strategic-merge-patch+json', false), {instanceOf: PatchError});
	t.is(custom?.code, 415);
	t.notRegex(custom?.message ?? '', /strategic/);
});

test('applyPatch checks body shapes per type', (t) => {
	t.is(t.throws(() => applyPatch('merge', {}, 'x', undefined), {instanceOf: PatchError})?.code, 400);
	t.is(t.throws(() => applyPatch('merge', {}, [1], undefined), {instanceOf: PatchError})?.code, 422);
	t.is(t.throws(() => applyPatch('strategic', {}, {}, undefined), {instanceOf: PatchError})?.code, 415);
	t.deepEqual(applyPatch('merge', {a: 1}, {b: 2}, undefined), {a: 1, b: 2});
	t.deepEqual(applyPatch('json', {a: 1}, [{op: 'remove', path: '/a'}], undefined), {});
});
