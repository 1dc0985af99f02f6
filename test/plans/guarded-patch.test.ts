/**
 * The JSON patches remedies send: tests of exactly the fields they write (absent ones as
 * null), names of the list items they index into, then the edits — applied here with the
 * simulator's json-patch (which follows kube-apiserver's json-patch v4), and recognised
 * when the server refuses them.
 */
import test from 'ava';
import {goJsonText} from '../../source/remedies/remedy-api.js';
import {failedPatchTest, guardedJsonPatch, pointerOf, unguardedEdit} from '../../source/plans/guarded-patch.js';
import {PatchError} from '../../source/sim/patch/errors.js';
import {applyJsonPatch} from '../../source/sim/patch/json-patch.js';
import type {Obj} from '../../source/formats/json-object.js';
import {FAILED_PATCH_TEST} from '../helpers/status.js';

function deployment(): Obj {
	return {
		metadata: {name: 'web', resourceVersion: '10', annotations: {'example.com/owner~team': 'a'}},
		spec: {
			replicas: 3,
			template: {
				spec: {
					containers: [
						{name: 'app', image: 'app:1', resources: {requests: {cpu: '1', memory: '1Gi'}, limits: {cpu: '1', memory: '1Gi'}}},
						{name: 'proxy', image: 'proxy:1', resources: {requests: {cpu: '1', memory: '1Gi'}, limits: {cpu: '1', memory: '1Gi'}}},
					],
				},
			},
		},
		status: {replicas: 3, readyReplicas: 3},
	};
}

test('a field that exists is tested with its planned value and replaced; one that does not is tested as null and added at the first absent key', (t) => {
	const live = {spec: {behavior: {scaleUp: {stabilizationWindowSeconds: 0}}}};
	t.deepEqual(
		guardedJsonPatch(live, {
			spec: {
				behavior: {
					scaleUp: {stabilizationWindowSeconds: 60, policies: [{type: 'Pods', value: 4, periodSeconds: 60}]},
					scaleDown: {stabilizationWindowSeconds: 600},
				},
			},
		}),
		[
			{op: 'test', path: '/spec/behavior/scaleUp/stabilizationWindowSeconds', value: 0},
			{op: 'test', path: '/spec/behavior/scaleUp/policies', value: null},
			{op: 'test', path: '/spec/behavior/scaleDown', value: null},
			{op: 'replace', path: '/spec/behavior/scaleUp/stabilizationWindowSeconds', value: 60},
			{op: 'add', path: '/spec/behavior/scaleUp/policies', value: [{type: 'Pods', value: 4, periodSeconds: 60}]},
			{op: 'add', path: '/spec/behavior/scaleDown', value: {stabilizationWindowSeconds: 600}},
		],
	);
});

test('lists without names are atomic: the whole list is tested and replaced; null removes a field after testing it', (t) => {
	const live = {spec: {policies: [{type: 'Pods', value: 4}], selectPolicy: 'Max'}};
	t.deepEqual(guardedJsonPatch(live, {spec: {policies: [{type: 'Percent', value: 100}], selectPolicy: null, gone: null}}), [
		{op: 'test', path: '/spec/policies', value: [{type: 'Pods', value: 4}]},
		{op: 'test', path: '/spec/selectPolicy', value: 'Max'},
		{op: 'replace', path: '/spec/policies', value: [{type: 'Percent', value: 100}]},
		{op: 'remove', path: '/spec/selectPolicy'},
	]);
});

test('keys are escaped in pointers (~ and /)', (t) => {
	t.is(pointerOf(['metadata', 'annotations', 'example.com/owner~team']), '/metadata/annotations/example.com~1owner~0team');
	const body = guardedJsonPatch(deployment(), {metadata: {annotations: {'example.com/owner~team': 'b'}}});
	t.deepEqual(body, [
		{op: 'test', path: '/metadata/annotations/example.com~1owner~0team', value: 'a'},
		{op: 'replace', path: '/metadata/annotations/example.com~1owner~0team', value: 'b'},
	]);
	t.is((applyJsonPatch(deployment(), body) as Obj).metadata.annotations['example.com/owner~team'], 'b');
});

test('a status write does not fail the patch; an edit of a tested field does, as does a removed parent', (t) => {
	const change = {spec: {template: {spec: {containers: [{name: 'app', resources: {limits: {cpu: '2'}, requests: {cpu: '2', 'ephemeral-storage': '1Gi'}}}]}}}};
	const body = guardedJsonPatch(deployment(), change);
	const statusWritten = {...deployment(), metadata: {...deployment().metadata, resourceVersion: '11'}, status: {replicas: 3, readyReplicas: 2}};
	const patched = applyJsonPatch(statusWritten, body) as Obj;
	t.deepEqual(patched.spec.template.spec.containers[0].resources, {
		requests: {cpu: '2', memory: '1Gi', 'ephemeral-storage': '1Gi'},
		limits: {cpu: '2', memory: '1Gi'},
	});
	const edited = deployment();
	edited.spec.template.spec.containers[0].resources.limits.cpu = '3';
	t.is(
		t.throws(() => applyJsonPatch(edited, body), {instanceOf: PatchError})?.detail,
		'testing value /spec/template/spec/containers/0/resources/limits/cpu failed: test failed',
	);
	// Someone added the field the plan saw absent.
	const added = deployment();
	added.spec.template.spec.containers[0].resources.requests['ephemeral-storage'] = '5Gi';
	t.regex(t.throws(() => applyJsonPatch(added, body), {instanceOf: PatchError})?.detail ?? '', /testing value .*ephemeral-storage failed/);
	// Someone removed the parent of a field the plan saw absent.
	const noRequests = deployment();
	delete noRequests.spec.template.spec.containers[0].resources.requests;
	t.regex(t.throws(() => applyJsonPatch(noRequests, body), {instanceOf: PatchError})?.detail ?? '', /missing path/);
});

test('a reorder of two containers with the same values fails on the name test alone', (t) => {
	const change = {spec: {template: {spec: {containers: [{name: 'proxy', resources: {limits: {cpu: '500m'}, requests: {cpu: '500m'}}}]}}}};
	const body = guardedJsonPatch(deployment(), change);
	t.deepEqual(body.slice(0, 1), [{op: 'test', path: '/spec/template/spec/containers/1/name', value: 'proxy'}]);
	const reordered = deployment();
	reordered.spec.template.spec.containers.reverse();
	// Every value test still passes (both containers hold the same values): only the name test catches it.
	const withoutNames = body.filter((op) => !op.path.endsWith('/name'));
	t.is(
		(applyJsonPatch(reordered, withoutNames) as Obj).spec.template.spec.containers[1].name,
		'app',
		'without the name test the wrong container would be patched',
	);
	t.is(
		t.throws(() => applyJsonPatch(reordered, body), {instanceOf: PatchError})?.detail,
		'testing value /spec/template/spec/containers/1/name failed: test failed',
	);
	t.is((applyJsonPatch(deployment(), body) as Obj).spec.template.spec.containers[1].resources.limits.cpu, '500m');
});

test('unguardedEdit: every edit tested at its own path, every index with a name test', (t) => {
	t.is(unguardedEdit(guardedJsonPatch(deployment(), {spec: {template: {spec: {containers: [{name: 'app', resources: {limits: {cpu: '2'}}}]}}}})), undefined);
	t.regex(unguardedEdit([{op: 'add', path: '/spec/x', value: 1}]) ?? '', /without a test/);
	t.regex(
		unguardedEdit([
			{op: 'test', path: '/spec/c/3/x', value: 1},
			{op: 'replace', path: '/spec/c/3/x', value: 2},
		]) ?? '',
		/list index 3/,
	);
	t.regex(unguardedEdit([{op: 'copy', from: '/a', path: '/b'}]) ?? '', /a copy operation/);
	t.regex(unguardedEdit([]) ?? '', /empty/);
});

test('failedPatchTest recognises the 422 a JSON patch that did not apply gets, and nothing else', (t) => {
	const op = {method: 'PATCH' as const, contentType: 'application/json-patch+json', body: [{op: 'test' as const, path: '/a', value: 1}]};
	const generic = FAILED_PATCH_TEST;
	t.true(failedPatchTest({status: 422, body: generic}, op));
	t.false(
		failedPatchTest(
			{
				status: 422,
				body: {
					...generic,
					message: 'HorizontalPodAutoscaler.autoscaling "h" is invalid: spec.behavior.scaleDown.stabilizationWindowSeconds: Invalid value: 7200',
					details: {name: 'h', group: 'autoscaling', kind: 'HorizontalPodAutoscaler', causes: [{reason: 'FieldValueInvalid', field: 'spec.behavior'}]},
				},
			},
			op,
		),
		'a validation error names the object',
	);
	t.false(failedPatchTest({status: 409, body: {...generic, reason: 'Conflict', code: 409}}, op));
	t.false(failedPatchTest({status: 422, body: generic}, {...op, contentType: 'application/merge-patch+json'}));
	t.false(failedPatchTest(new Error('socket hang up'), op));
});

test('bodies are written as Go writes JSON: <, >, & and U+2028/2029 escaped (json-patch v4 compares strings by their bytes)', (t) => {
	const body = [{op: 'test', path: '/metadata/annotations/a', value: 'x<y>&z\u2028'}];
	const text = goJsonText(body);
	t.is(text, '[{"op":"test","path":"/metadata/annotations/a","value":"x\\u003cy\\u003e\\u0026z\\u2028"}]');
	t.deepEqual(JSON.parse(text), body, 'the same JSON value');
});
