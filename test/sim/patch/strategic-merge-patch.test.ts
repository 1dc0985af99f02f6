import test from 'ava';
import fc from 'fast-check';
import {PatchError} from '../../../source/sim/patch/errors.js';
import {cloneJson, jsonEqual, type JsonObject} from '../../../source/sim/patch/json.js';
import {applyJsonMergePatch} from '../../../source/sim/patch/merge-patch.js';
import {applyStrategicMergePatch} from '../../../source/sim/patch/strategic-merge-patch.js';
import {containers, deployment, deploymentSchema, names, plainJson, podSchema, podSpecOf, serviceSchema, templatePatch} from './fixtures.js';

const strategicCases: Array<{title: string; patch: JsonObject; check: (result: JsonObject, t: import('ava').ExecutionContext) => void}> = [
	{
		title: 'sets a container resource by name, leaving the other container alone',
		patch: templatePatch({containers: [{name: 'app', resources: {limits: {cpu: '1', memory: '1Gi'}, requests: {memory: '1Gi'}}}]}),
		check(result, t) {
			const [app, proxy] = containers(result);
			t.deepEqual(app!.resources, {requests: {cpu: '100m', memory: '1Gi'}, limits: {cpu: '1', memory: '1Gi'}});
			t.is(app!.image, 'shop:1.0');
			t.deepEqual(proxy, {name: 'proxy', image: 'envoy:1.30'});
		},
	},
	{
		title: 'adds an env var, merged by name; a new item goes first without $setElementOrder',
		patch: templatePatch({containers: [{name: 'app', env: [{name: 'DEBUG', value: '1'}]}]}),
		check(result, t) {
			t.deepEqual(containers(result)[0]!.env, [
				{name: 'DEBUG', value: '1'},
				{name: 'MODE', value: 'prod'},
				{name: 'LOG', value: 'info'},
			]);
		},
	},
	{
		title: 'changes an existing env var in place',
		patch: templatePatch({containers: [{name: 'app', env: [{name: 'LOG', value: 'debug'}]}]}),
		check(result, t) {
			t.deepEqual(containers(result)[0]!.env, [
				{name: 'MODE', value: 'prod'},
				{name: 'LOG', value: 'debug'},
			]);
		},
	},
	{
		title: 'deletes a container with $patch: delete',
		patch: templatePatch({containers: [{name: 'proxy', $patch: 'delete'}]}),
		check(result, t) {
			t.deepEqual(names(containers(result)), ['app']);
		},
	},
	{
		title: 'replaces the container list with $patch: replace',
		patch: templatePatch({containers: [{name: 'solo', image: 'solo:2'}, {$patch: 'replace'}]}),
		check(result, t) {
			t.deepEqual(containers(result), [{name: 'solo', image: 'solo:2'}]);
		},
	},
	{
		title: 'replaces a map with $patch: replace',
		patch: {metadata: {labels: {$patch: 'replace', app: 'web2'}}},
		check(result, t) {
			t.deepEqual((result.metadata as JsonObject).labels, {app: 'web2'});
		},
	},
	{
		title: 'empties a map with $patch: delete',
		patch: {spec: {strategy: {rollingUpdate: {$patch: 'delete'}}}},
		check(result, t) {
			t.deepEqual((result.spec as JsonObject).strategy, {type: 'RollingUpdate', rollingUpdate: {}});
		},
	},
	{
		title: '$retainKeys drops the keys it does not list (switching to Recreate)',
		patch: {spec: {strategy: {$retainKeys: ['type'], type: 'Recreate'}}},
		check(result, t) {
			t.deepEqual((result.spec as JsonObject).strategy, {type: 'Recreate'});
		},
	},
	{
		title: '$setElementOrder places a new container where it says',
		patch: templatePatch({
			'$setElementOrder/containers': [{name: 'app'}, {name: 'proxy'}, {name: 'metrics'}],
			containers: [{name: 'metrics', image: 'exporter:1'}],
		}),
		check(result, t) {
			t.deepEqual(names(containers(result)), ['app', 'proxy', 'metrics']);
		},
	},
	{
		title: '$setElementOrder alone reorders the live list',
		patch: templatePatch({'$setElementOrder/containers': [{name: 'proxy'}, {name: 'app'}]}),
		check(result, t) {
			t.deepEqual(names(containers(result)), ['proxy', 'app']);
			t.is(containers(result)[1]!.image, 'shop:1.0');
		},
	},
	{
		title: 'a kubectl apply patch that deletes one container and adds another keeps the server order',
		patch: templatePatch({
			'$setElementOrder/containers': [{name: 'proxy'}, {name: 'metrics'}],
			containers: [
				{name: 'metrics', image: 'exporter:1'},
				{name: 'app', $patch: 'delete'},
			],
		}),
		check(result, t) {
			t.deepEqual(names(containers(result)), ['proxy', 'metrics']);
		},
	},
	{
		title: 'finalizers merge as a set and $deleteFromPrimitiveList removes one',
		patch: {metadata: {finalizers: ['example.com/audit'], '$deleteFromPrimitiveList/finalizers': ['example.com/keep']}},
		check(result, t) {
			t.deepEqual((result.metadata as JsonObject).finalizers, ['example.com/audit']);
		},
	},
	{
		title: 'adding an existing finalizer does not duplicate it',
		patch: {metadata: {finalizers: ['example.com/keep', 'example.com/audit']}},
		check(result, t) {
			t.deepEqual((result.metadata as JsonObject).finalizers, ['example.com/keep', 'example.com/audit']);
		},
	},
	{
		title: 'tolerations are atomic: the patch list replaces the live one',
		patch: templatePatch({tolerations: [{key: 'gpu', operator: 'Exists', effect: 'NoSchedule'}]}),
		check(result, t) {
			t.deepEqual(podSpecOf(result).tolerations, [{key: 'gpu', operator: 'Exists', effect: 'NoSchedule'}]);
		},
	},
	{
		title: 'null deletes a field and a label',
		patch: {metadata: {labels: {tier: null}}, spec: {strategy: {rollingUpdate: null}}},
		check(result, t) {
			t.deepEqual((result.metadata as JsonObject).labels, {app: 'web'});
			t.deepEqual((result.spec as JsonObject).strategy, {type: 'RollingUpdate'});
		},
	},
	{
		title: 'ports merge by containerPort and volumeMounts by mountPath',
		patch: templatePatch({
			containers: [{name: 'app', ports: [{containerPort: 8080, name: 'http'}], volumeMounts: [{mountPath: '/data', readOnly: true}]}],
		}),
		check(result, t) {
			const [app] = containers(result);
			t.deepEqual(app!.ports, [{containerPort: 8080, protocol: 'TCP', name: 'http'}]);
			t.deepEqual(app!.volumeMounts, [{name: 'data', mountPath: '/data', readOnly: true}]);
		},
	},
	{
		title: 'volumes merge by name and ownerReferences by uid',
		patch: {
			metadata: {ownerReferences: [{uid: 'u-1', controller: true}]},
			spec: {template: {spec: {volumes: [{name: 'cache', emptyDir: {medium: 'Memory'}}]}}},
		},
		check(result, t) {
			t.deepEqual((result.metadata as JsonObject).ownerReferences, [{apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: 'u-1', controller: true}]);
			t.deepEqual(names(podSpecOf(result).volumes), ['cache', 'data']);
		},
	},
	{
		title: 'conditions merge by type',
		patch: {
			status: {
				conditions: [
					{type: 'Progressing', status: 'True'},
					{type: 'Available', status: 'False'},
				],
			},
		},
		check(result, t) {
			t.deepEqual((result.status as JsonObject).conditions, [
				{type: 'Progressing', status: 'True'},
				{type: 'Available', status: 'False'},
			]);
		},
	},
	{
		title: 'unknown fields are kept; directives and nulls in new values are not',
		patch: {spec: {paused: true, extra: {kept: 'yes', dropped: null, sub: [{a: 1, $patch: 'delete'}, {b: 2}]}}},
		check(result, t) {
			t.is((result.spec as JsonObject).paused, true);
			t.deepEqual((result.spec as JsonObject).extra, {kept: 'yes', sub: [{b: 2}]});
		},
	},
];

for (const {title, patch, check} of strategicCases) {
	test(`strategic merge patch ${title}`, (t) => {
		const live = deployment();
		const before = cloneJson(live);
		const patchCopy = cloneJson(patch);
		const result = applyStrategicMergePatch(live, patch, deploymentSchema);
		check(result, t);
		t.deepEqual(live, before, 'the live object is not mutated');
		t.deepEqual(patch, patchCopy, 'the patch is not mutated');
	});
}

test('strategic merge patch merges service ports by port', (t) => {
	const live = {
		spec: {
			ports: [
				{port: 80, targetPort: 8080, protocol: 'TCP'},
				{port: 443, targetPort: 8443, protocol: 'TCP'},
			],
		},
	};
	const result = applyStrategicMergePatch(live, {spec: {ports: [{port: 443, nodePort: 30443}]}}, serviceSchema);
	t.deepEqual((result.spec as JsonObject).ports, [
		{port: 80, targetPort: 8080, protocol: 'TCP'},
		{port: 443, targetPort: 8443, protocol: 'TCP', nodePort: 30443},
	]);
});

test('strategic merge patch returns values that share nothing with the inputs', (t) => {
	const live = deployment();
	const result = applyStrategicMergePatch(live, {metadata: {labels: {extra: 'x'}}}, deploymentSchema);
	((result.spec as JsonObject).selector as JsonObject).matchLabels = {};
	containers(result)[0]!.image = 'changed';
	t.deepEqual(live, deployment());
});

const strategicErrors: Array<{title: string; patch: unknown; code: number; message: RegExp}> = [
	{
		title: '$patch: merge on a list item',
		patch: templatePatch({containers: [{name: 'app', $patch: 'merge'}]}),
		code: 500,
		message: /merging lists cannot yet be specified/,
	},
	{
		title: 'an unknown $patch on a map',
		patch: {metadata: {labels: {$patch: 'explode'}}},
		code: 500,
		message: /unknown patch type: explode in map: map\[\$patch:explode\]/,
	},
	{
		title: 'a list item without its merge key',
		patch: templatePatch({containers: [{image: 'x'}]}),
		code: 500,
		message: /map: map\[image:x\] does not contain declared merge key: name/,
	},
	{
		title: 'a field missing from $retainKeys',
		patch: {spec: {strategy: {$retainKeys: ['type'], rollingUpdate: {}}}},
		code: 400,
		message: /invalid patch format of retainKeys/,
	},
	{
		title: 'a malformed $deleteFromPrimitiveList key',
		patch: {metadata: {$deleteFromPrimitiveList: ['x']}},
		code: 400,
		message: /invalid patch format of primitive list/,
	},
	{
		title: 'a patch list out of its $setElementOrder',
		patch: templatePatch({'$setElementOrder/containers': [{name: 'app'}], containers: [{name: 'other'}]}),
		code: 500,
		message: /doesn't match \$setElementOrder list/,
	},
	{title: 'a body that is not an object', patch: [{op: 'add'}], code: 400, message: /cannot unmarshal array into Go value of type map/},
];

for (const {title, patch, code, message} of strategicErrors) {
	test(`strategic merge patch refuses ${title}`, (t) => {
		const error = t.throws(() => applyStrategicMergePatch(deployment(), patch, deploymentSchema), {instanceOf: PatchError});
		t.is(error?.code, code);
		t.regex(error?.message ?? '', message);
		t.is(error?.kind, 'invalid');
	});
}

test('strategic merge patch refuses lists of lists with 422', (t) => {
	const nested = t.throws(() => applyStrategicMergePatch({metadata: {finalizers: [['x']]}}, {metadata: {finalizers: [['y']]}}, podSchema), {
		instanceOf: PatchError,
	});
	t.is(nested?.code, 422);
	t.is(nested?.causes[0]?.message, 'lists of lists are not supported');
});

test('property: a strategic merge patch without keyed lists equals a JSON merge patch', (t) => {
	// Patches may delete (null) at any object level; arrays hold no nulls, which both
	// formats would treat differently inside array items.
	const patchValue = fc.letrec((tie) => ({
		value: fc.oneof({depthSize: 'small'}, fc.string({maxLength: 4}), fc.integer(), fc.array(fc.string({maxLength: 2}), {maxLength: 3}), tie('object')),
		object: fc.dictionary(
			fc.string({maxLength: 3}).filter((key) => !key.startsWith('$')),
			fc.oneof(fc.constant(null), tie('value')),
			{maxKeys: 4},
		),
	}));
	fc.assert(
		fc.property(plainJson.object, patchValue.object, (target, patch) => {
			const strategic = applyStrategicMergePatch(target, patch, undefined);
			const merge = applyJsonMergePatch(target, patch);
			return jsonEqual(strategic, merge);
		}),
	);
	t.pass();
});

test('property: strategic merge patches never mutate their inputs', (t) => {
	const label = fc.constantFrom('app', 'tier', 'team');
	const containerPatch = fc.record({name: fc.constantFrom('app', 'proxy', 'new'), image: fc.string({maxLength: 5})});
	fc.assert(
		fc.property(
			fc.dictionary(label, fc.oneof(fc.constant(null), fc.string({maxLength: 3}))),
			fc.array(containerPatch, {maxLength: 3}),
			fc.option(fc.integer({min: 0, max: 10}), {nil: undefined}),
			(labels, patchContainers, replicas) => {
				const live = deployment();
				const patch = {metadata: {labels}, spec: {replicas, template: {spec: {containers: patchContainers}}}};
				const patchCopy = cloneJson(patch);
				const result = applyStrategicMergePatch(live, patch, deploymentSchema);
				const containerNames = containers(result).map((c) => c.name);
				return jsonEqual(live, deployment()) && jsonEqual(patch, patchCopy) && new Set(containerNames).size === containerNames.length;
			},
		),
	);
	t.pass();
});
