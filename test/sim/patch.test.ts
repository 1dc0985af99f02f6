import test from 'ava';
import fc from 'fast-check';
import {
	applyJsonMergePatch,
	applyJsonPatch,
	applyPatch,
	applyServerSideApply,
	applyStrategicMergePatch,
	cloneJson,
	jsonEqual,
	parseRawJson,
	PatchError,
	patchTypeOf,
	type JsonObject,
} from '../../source/sim/patch.js';
import {describedKinds, schemaFor} from '../../source/sim/schema/kinds.js';
import {childNode, type TypeNode} from '../../source/sim/schema/types.js';

const deploymentSchema = schemaFor('apps/v1', 'Deployment');
const podSchema = schemaFor('v1', 'Pod');
const serviceSchema = schemaFor('v1', 'Service');

function deployment(): JsonObject {
	return {
		apiVersion: 'apps/v1',
		kind: 'Deployment',
		metadata: {
			name: 'web',
			namespace: 'shop',
			labels: {app: 'web', tier: 'front'},
			finalizers: ['example.com/keep'],
			ownerReferences: [{apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: 'u-1'}],
		},
		spec: {
			replicas: 3,
			selector: {matchLabels: {app: 'web'}},
			strategy: {type: 'RollingUpdate', rollingUpdate: {maxSurge: '25%', maxUnavailable: '25%'}},
			template: {
				metadata: {labels: {app: 'web'}},
				spec: {
					containers: [
						{
							name: 'app',
							image: 'shop:1.0',
							ports: [{containerPort: 8080, protocol: 'TCP'}],
							env: [
								{name: 'MODE', value: 'prod'},
								{name: 'LOG', value: 'info'},
							],
							resources: {requests: {cpu: '100m'}},
							volumeMounts: [{name: 'data', mountPath: '/data'}],
						},
						{name: 'proxy', image: 'envoy:1.30'},
					],
					volumes: [{name: 'data', emptyDir: {}}],
					tolerations: [{key: 'spot', operator: 'Exists'}],
				},
			},
		},
		status: {conditions: [{type: 'Available', status: 'True'}]},
	};
}

function podSpecOf(object: unknown): JsonObject {
	return ((object as JsonObject).spec as JsonObject & {template: {spec: JsonObject}}).template.spec;
}

function containers(object: unknown): JsonObject[] {
	return podSpecOf(object).containers as JsonObject[];
}

function names(items: unknown): unknown[] {
	return (items as JsonObject[]).map((item) => item.name);
}

function templatePatch(spec: JsonObject): JsonObject {
	return {spec: {template: {spec}}};
}

// ---------------------------------------------------------------------------------------
// Schema

test('schemaFor knows the built-in kinds and nothing else', (t) => {
	for (const [apiVersion, kind] of [
		['v1', 'Pod'],
		['apps/v1', 'Deployment'],
		['apps/v1', 'StatefulSet'],
		['apps/v1', 'DaemonSet'],
		['apps/v1', 'ReplicaSet'],
		['batch/v1', 'Job'],
		['batch/v1', 'CronJob'],
		['autoscaling/v2', 'HorizontalPodAutoscaler'],
		['flowcontrol.apiserver.k8s.io/v1', 'FlowSchema'],
		['flowcontrol.apiserver.k8s.io/v1', 'PriorityLevelConfiguration'],
		['scheduling.k8s.io/v1', 'PriorityClass'],
		['v1', 'PersistentVolumeClaim'],
		['v1', 'Endpoints'],
	] as const) {
		t.is(schemaFor(apiVersion, kind)?.kind, 'struct', `${apiVersion} ${kind}`);
	}
	t.is(schemaFor('keda.sh/v1alpha1', 'ScaledObject'), undefined);
	t.is(schemaFor('v1', 'Deployment'), undefined);
	t.true(describedKinds().length >= 24);
});

test('PodSpec is one shared node for pods and every template', (t) => {
	const podSpec = childNode(podSchema, 'spec');
	const walk = (node: TypeNode | undefined, path: string[]): TypeNode | undefined =>
		path.reduce<TypeNode | undefined>((current, key) => childNode(current, key), node);
	t.is(walk(deploymentSchema, ['spec', 'template', 'spec']), podSpec);
	t.is(walk(schemaFor('apps/v1', 'StatefulSet'), ['spec', 'template', 'spec']), podSpec);
	t.is(walk(schemaFor('batch/v1', 'CronJob'), ['spec', 'jobTemplate', 'spec', 'template', 'spec']), podSpec);
});

test('the schema carries the real list strategies', (t) => {
	const podSpec = childNode(podSchema, 'spec');
	const containerList = childNode(podSpec, 'containers');
	t.like(containerList, {kind: 'list', patchStrategy: 'merge', patchMergeKey: 'name', listType: 'map', listMapKeys: ['name']});
	const container = containerList?.kind === 'list' ? containerList.items : undefined;
	t.like(childNode(container, 'ports'), {patchMergeKey: 'containerPort', listMapKeys: ['containerPort', 'protocol']});
	t.like(childNode(container, 'volumeMounts'), {patchMergeKey: 'mountPath'});
	t.like(childNode(podSpec, 'tolerations'), {patchStrategy: 'replace', listType: 'atomic'});
	t.like(childNode(podSpec, 'volumes'), {patchMergeKey: 'name', retainKeys: true});
	const meta = childNode(podSchema, 'metadata');
	t.like(childNode(meta, 'finalizers'), {patchStrategy: 'merge', listType: 'set'});
	t.like(childNode(meta, 'ownerReferences'), {patchMergeKey: 'uid'});
	t.like(childNode(childNode(serviceSchema, 'spec'), 'ports'), {patchMergeKey: 'port', listMapKeys: ['port', 'protocol']});
	t.like(childNode(childNode(schemaFor('batch/v1', 'Job'), 'status'), 'conditions'), {patchStrategy: 'merge', listType: 'atomic'});
});

// ---------------------------------------------------------------------------------------
// Strategic merge patch

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
			containers: [{name: 'metrics', image: 'exporter:1'}, {name: 'app', $patch: 'delete'}],
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
			containers: [
				{name: 'app', ports: [{containerPort: 8080, name: 'http'}], volumeMounts: [{mountPath: '/data', readOnly: true}]},
			],
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
			t.deepEqual((result.metadata as JsonObject).ownerReferences, [
				{apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: 'u-1', controller: true},
			]);
			t.deepEqual(names(podSpecOf(result).volumes), ['cache', 'data']);
		},
	},
	{
		title: 'conditions merge by type',
		patch: {status: {conditions: [{type: 'Progressing', status: 'True'}, {type: 'Available', status: 'False'}]}},
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
	const live = {spec: {ports: [{port: 80, targetPort: 8080, protocol: 'TCP'}, {port: 443, targetPort: 8443, protocol: 'TCP'}]}};
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
	{title: '$patch: merge on a list item', patch: templatePatch({containers: [{name: 'app', $patch: 'merge'}]}), code: 500, message: /merging lists cannot yet be specified/},
	{title: 'an unknown $patch on a map', patch: {metadata: {labels: {$patch: 'explode'}}}, code: 500, message: /unknown patch type: explode in map: map\[\$patch:explode\]/},
	{title: 'a list item without its merge key', patch: templatePatch({containers: [{image: 'x'}]}), code: 500, message: /map: map\[image:x\] does not contain declared merge key: name/},
	{title: 'a field missing from $retainKeys', patch: {spec: {strategy: {$retainKeys: ['type'], rollingUpdate: {}}}}, code: 400, message: /invalid patch format of retainKeys/},
	{title: 'a malformed $deleteFromPrimitiveList key', patch: {metadata: {$deleteFromPrimitiveList: ['x']}}, code: 400, message: /invalid patch format of primitive list/},
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

// ---------------------------------------------------------------------------------------
// JSON merge patch

const mergeCases: Array<{title: string; target: unknown; patch: unknown; expected: unknown}> = [
	{title: 'null deletes a key', target: {a: 1, b: 2}, patch: {a: null}, expected: {b: 2}},
	{title: 'objects merge recursively', target: {spec: {replicas: 1, paused: false}}, patch: {spec: {replicas: 5}}, expected: {spec: {replicas: 5, paused: false}}},
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

// ---------------------------------------------------------------------------------------
// JSON patch

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
	{title: 'a test of a missing key with a value', body: [{op: 'test', path: '/spec/missing', value: 1}], code: 422, detail: /testing value \/spec\/missing failed/},
	{title: 'add under a missing parent', body: [{op: 'add', path: '/spec/nope/x', value: 1}], code: 422, detail: /add operation does not apply: doc is missing path: "\/spec\/nope\/x"/},
	{title: 'remove of a missing key', body: [{op: 'remove', path: '/spec/nope'}], code: 422, detail: /Unable to remove nonexistent key: nope/},
	{title: 'replace past the end of an array', body: [{op: 'replace', path: '/spec/list/7', value: 1}], code: 422, detail: /doc is missing key: \/spec\/list\/7/},
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
	t.is(t.throws(run('[{"op":"test","path":"/metadata/annotations/owner","value":"a&b <ops>"}]'), {instanceOf: PatchError})?.detail, 'testing value /metadata/annotations/owner failed: test failed');
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
	t.deepEqual(parseRawJson(' [1.50, "a\\u0026", {"k": true, "k": null}] '), {kind: 'array', items: [
		{kind: 'scalar', text: '1.50'},
		{kind: 'scalar', text: '"a\\u0026"'},
		{kind: 'object', entries: new Map([['k', {kind: 'scalar', text: 'null'}]])},
	]});
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

// ---------------------------------------------------------------------------------------
// Server-side apply (merge)

test('server-side apply merges containers by name and keeps unapplied fields', (t) => {
	const live = deployment();
	const applied = {
		apiVersion: 'apps/v1',
		kind: 'Deployment',
		metadata: {name: 'web'},
		spec: {template: {spec: {containers: [{name: 'app', image: 'shop:2.0'}, {name: 'metrics', image: 'exporter:1'}]}}},
	};
	const result = applyServerSideApply(live, applied, deploymentSchema);
	t.deepEqual(names(containers(result)), ['app', 'proxy', 'metrics']);
	t.is(containers(result)[0]!.image, 'shop:2.0');
	t.deepEqual(containers(result)[0]!.env, [
		{name: 'MODE', value: 'prod'},
		{name: 'LOG', value: 'info'},
	]);
	t.is((result.spec as JsonObject).replicas, 3);
	t.deepEqual(live, deployment());
});

test('server-side apply keys ports by containerPort and protocol, unlike strategic merge', (t) => {
	const live = {apiVersion: 'v1', kind: 'Pod', spec: {containers: [{name: 'dns', ports: [{containerPort: 53, protocol: 'UDP'}]}]}};
	const addTcp = {spec: {containers: [{name: 'dns', ports: [{containerPort: 53, protocol: 'TCP'}]}]}};
	const applied = applyServerSideApply(live, {apiVersion: 'v1', kind: 'Pod', ...addTcp}, podSchema);
	t.deepEqual((applied.spec as {containers: JsonObject[]}).containers[0]!.ports, [
		{containerPort: 53, protocol: 'UDP'},
		{containerPort: 53, protocol: 'TCP'},
	]);
	const patched = applyStrategicMergePatch(live, addTcp, podSchema);
	t.deepEqual((patched.spec as {containers: JsonObject[]}).containers[0]!.ports, [{containerPort: 53, protocol: 'TCP'}]);
});

test('server-side apply replaces atomic lists and structs and unsets nulls', (t) => {
	const result = applyServerSideApply(
		deployment(),
		{
			apiVersion: 'apps/v1',
			spec: {
				selector: {matchExpressions: [{key: 'app', operator: 'Exists'}]},
				strategy: null,
				template: {spec: {tolerations: [{key: 'gpu', operator: 'Exists'}]}},
			},
		},
		deploymentSchema,
	);
	t.deepEqual((result.spec as JsonObject).selector, {matchExpressions: [{key: 'app', operator: 'Exists'}]});
	t.false('strategy' in (result.spec as JsonObject));
	t.deepEqual(podSpecOf(result).tolerations, [{key: 'gpu', operator: 'Exists'}]);
});

test('server-side apply refuses what the real server refuses', (t) => {
	const withManagedFields = t.throws(
		() => applyServerSideApply(deployment(), {apiVersion: 'apps/v1', metadata: {managedFields: []}}, deploymentSchema),
		{instanceOf: PatchError},
	);
	t.is(withManagedFields?.code, 400);
	t.is(withManagedFields?.message, 'metadata.managedFields must be nil');
	const wrongVersion = t.throws(() => applyServerSideApply(deployment(), {apiVersion: 'apps/v1beta1'}, deploymentSchema), {instanceOf: PatchError});
	t.regex(wrongVersion?.message ?? '', /Specified patch version: apps\/v1beta1, expected: apps\/v1/);
	const duplicate = t.throws(
		() => applyServerSideApply(deployment(), {apiVersion: 'apps/v1', spec: {template: {spec: {containers: [{name: 'a'}, {name: 'a'}]}}}}, deploymentSchema),
		{instanceOf: PatchError},
	);
	t.regex(duplicate?.message ?? '', /duplicate entries for key \[name="a"\]/);
	const missingKey = t.throws(
		() => applyServerSideApply(deployment(), {apiVersion: 'apps/v1', spec: {template: {spec: {containers: [{image: 'x'}]}}}}, deploymentSchema),
		{instanceOf: PatchError},
	);
	t.regex(missingKey?.message ?? '', /omits key field "name"/);
});

// ---------------------------------------------------------------------------------------
// Content types

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

// ---------------------------------------------------------------------------------------
// Properties

/** JSON values without nulls (merge patch cannot express a null value). */
const plainJson = fc.letrec((tie) => ({
	value: fc.oneof(
		{depthSize: 'small', withCrossShrink: true},
		fc.string({maxLength: 4}),
		fc.integer(),
		fc.boolean(),
		fc.array(tie('value'), {maxLength: 3}),
		tie('object'),
	),
	object: fc.dictionary(fc.string({maxLength: 3}).filter((key) => !key.startsWith('$')), tie('value'), {maxKeys: 4}),
}));

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

test('property: a strategic merge patch without keyed lists equals a JSON merge patch', (t) => {
	// Patches may delete (null) at any object level; arrays hold no nulls, which both
	// formats would treat differently inside array items.
	const patchValue = fc.letrec((tie) => ({
		value: fc.oneof({depthSize: 'small'}, fc.string({maxLength: 4}), fc.integer(), fc.array(fc.string({maxLength: 2}), {maxLength: 3}), tie('object')),
		object: fc.dictionary(fc.string({maxLength: 3}).filter((key) => !key.startsWith('$')), fc.oneof(fc.constant(null), tie('value')), {maxKeys: 4}),
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
