import test from 'ava';
import {guaranteedTemplatePatch, podFromTemplate, templateSpecPath, type GuaranteedValues, type JsonObject} from '../../source/plans/guaranteed-patch.js';
import type {SlimContainer, SlimPodSpec} from '../../source/model/slim.js';
import {computeQosClass} from '../../source/sim/qos.js';
import type {Obj} from '../../source/formats/json-object.js';
import {guardedJsonPatch} from '../../source/plans/guarded-patch.js';
import {PatchError} from '../../source/sim/patch/errors.js';
import {applyJsonPatch} from '../../source/sim/patch/json-patch.js';
import {applyStrategicMergePatch} from '../../source/sim/patch/strategic-merge-patch.js';
import {schemaFor} from '../../source/sim/schema/kinds.js';
import {withSim} from '../helpers/sim.js';

function c(name: string, role: SlimContainer['role'] = 'container'): SlimContainer {
	return {name, role, requests: {cpu: '100m'}, limits: {}};
}

const template: SlimPodSpec = {containers: [c('web'), c('proxy', 'sidecar'), c('migrate', 'init')]};
const values = new Map<string, GuaranteedValues>([
	['web', {cpu: '500m', memory: '512Mi'}],
	['proxy', {cpu: '100m', memory: '128Mi'}],
	['migrate', {cpu: '200m', memory: '256Mi'}],
]);
const expectedSpec = {
	containers: [{name: 'web', resources: {requests: {cpu: '500m', memory: '512Mi'}, limits: {cpu: '500m', memory: '512Mi'}}}],
	initContainers: [
		{name: 'proxy', resources: {requests: {cpu: '100m', memory: '128Mi'}, limits: {cpu: '100m', memory: '128Mi'}}},
		{name: 'migrate', resources: {requests: {cpu: '200m', memory: '256Mi'}, limits: {cpu: '200m', memory: '256Mi'}}},
	],
};

for (const kind of ['Deployment', 'StatefulSet', 'DaemonSet']) {
	test(`${kind}: the patch sets requests = limits on every container and init container of spec.template.spec`, (t) => {
		const patch = guaranteedTemplatePatch({kind, template}, values);
		t.deepEqual(patch, {spec: {template: {spec: expectedSpec}}});
		t.false(JSON.stringify(patch).includes('replicas'));
	});
}

test('CronJob: the patch goes to spec.jobTemplate.spec.template.spec', (t) => {
	const patch = guaranteedTemplatePatch({kind: 'CronJob', template}, values);
	t.deepEqual(patch, {spec: {jobTemplate: {spec: {template: {spec: expectedSpec}}}}});
	t.deepEqual(templateSpecPath('CronJob'), ['spec', 'jobTemplate', 'spec', 'template', 'spec']);
});

test('no metadata; a template without init containers has no initContainers list', (t) => {
	const patch = guaranteedTemplatePatch({kind: 'Deployment', template: {containers: [c('web')]}}, new Map([['web', {cpu: '1', memory: '1Gi'}]]));
	t.deepEqual(patch, {
		spec: {template: {spec: {containers: [{name: 'web', resources: {requests: {cpu: '1', memory: '1Gi'}, limits: {cpu: '1', memory: '1Gi'}}}]}}},
	});
});

test('kinds without a patchable template are refused with a reason', (t) => {
	t.throws(() => guaranteedTemplatePatch({kind: 'Job', template}, values), {message: /cannot be changed: recreate the Job/});
	t.throws(() => guaranteedTemplatePatch({kind: 'Pod', template}, values), {message: /must be recreated/});
	t.throws(() => guaranteedTemplatePatch({kind: 'ReplicaSet', template}, values), {message: /does not replace its pods/});
	t.throws(() => guaranteedTemplatePatch({kind: 'Rollout', template}, values), {message: /cannot make a Rollout Guaranteed/});
});

test('every container needs values, no unknown container may be named, and values must be positive quantities', (t) => {
	const missing = new Map(values);
	missing.delete('migrate');
	t.throws(() => guaranteedTemplatePatch({kind: 'Deployment', template}, missing), {message: 'no cpu and memory values for container "migrate"'});
	t.throws(() => guaranteedTemplatePatch({kind: 'Deployment', template}, new Map([...values, ['ghost', {cpu: '1', memory: '1Gi'}]])), {
		message: 'the template has no container "ghost"',
	});
	t.throws(() => guaranteedTemplatePatch({kind: 'Deployment', template}, new Map([...values, ['web', {cpu: '0', memory: '1Gi'}]])), {
		message: /container "web": cpu must be more than 0/,
	});
	t.throws(() => guaranteedTemplatePatch({kind: 'Deployment', template}, new Map([...values, ['web', {cpu: '1', memory: 'lots'}]])), {
		message: /container "web": invalid quantity "lots"/,
	});
});

test('pod-level resources need pod-level values, set as spec.resources requests = limits', (t) => {
	const podLevel: SlimPodSpec = {containers: [c('web')], podResources: {requests: {cpu: '1'}, limits: {}}};
	const one = new Map([['web', {cpu: '500m', memory: '512Mi'}]]);
	t.throws(() => guaranteedTemplatePatch({kind: 'Deployment', template: podLevel}, one), {message: /pod-level values are needed/});
	const patch = guaranteedTemplatePatch({kind: 'Deployment', template: podLevel}, one, {podLevel: {cpu: '1', memory: '1Gi'}}) as {
		spec: {template: {spec: JsonObject}};
	};
	t.deepEqual(patch.spec.template.spec.resources, {requests: {cpu: '1', memory: '1Gi'}, limits: {cpu: '1', memory: '1Gi'}});
});

// A Deployment as the API returns it: the patch, applied as kube-apiserver applies a
// strategic merge patch (the simulator's implementation), keeps everything else.
function liveDeployment(): JsonObject {
	return {
		apiVersion: 'apps/v1',
		kind: 'Deployment',
		metadata: {name: 'web', namespace: 'shop', resourceVersion: '4711', labels: {app: 'web'}},
		spec: {
			replicas: 7,
			selector: {matchLabels: {app: 'web'}},
			template: {
				metadata: {labels: {app: 'web'}, annotations: {'sidecar.istio.io/inject': 'false'}},
				spec: {
					initContainers: [
						{name: 'proxy', image: 'envoy:1', restartPolicy: 'Always', resources: {requests: {cpu: '100m'}}},
						{name: 'migrate', image: 'app:1', command: ['migrate'], resources: {}},
					],
					containers: [
						{
							name: 'web',
							image: 'app:1',
							volumeMounts: [
								{name: 'data', mountPath: '/data'},
								{name: 'config', mountPath: '/etc/app'},
							],
							resources: {requests: {cpu: '100m', 'ephemeral-storage': '1Gi'}, limits: {'ephemeral-storage': '2Gi'}},
						},
					],
					volumes: [{name: 'config', configMap: {name: 'web'}}],
					restartPolicy: 'Always',
				},
			},
		},
	};
}

test('applied as a strategic merge patch, it changes only the resources and makes the template Guaranteed', (t) => {
	const live = liveDeployment();
	const patch = guaranteedTemplatePatch({kind: 'Deployment', template}, values);
	t.truthy(schemaFor('apps/v1', 'Deployment'), 'merged by the Deployment schema (containers by name)');
	const patched = applyStrategicMergePatch(live, patch, schemaFor('apps/v1', 'Deployment')) as JsonObject & {
		spec: {replicas: number; template: {spec: {containers: JsonObject[]; initContainers: JsonObject[]}}};
	};
	t.is(patched.spec.replicas, 7);
	const web = patched.spec.template.spec.containers[0]!;
	t.is(web.image, 'app:1');
	t.deepEqual(web.resources, {
		requests: {cpu: '500m', memory: '512Mi', 'ephemeral-storage': '1Gi'},
		limits: {cpu: '500m', memory: '512Mi', 'ephemeral-storage': '2Gi'},
	});
	t.deepEqual(
		patched.spec.template.spec.initContainers.map((x) => x.name),
		['proxy', 'migrate'],
	);
	t.is(patched.spec.template.spec.initContainers[0]!.restartPolicy, 'Always');
	t.is(computeQosClass(patched.spec.template.spec), 'Guaranteed');
});

test("sent as a guarded JSON patch: it tests each value it writes and each container's name at its index, and gives what the strategic merge patch gives", (t) => {
	const live = liveDeployment();
	const change = guaranteedTemplatePatch({kind: 'Deployment', template}, values);
	const body = guardedJsonPatch(live, change);
	const base = '/spec/template/spec';
	t.deepEqual(body, [
		{op: 'test', path: `${base}/containers/0/name`, value: 'web'},
		{op: 'test', path: `${base}/containers/0/resources/requests/cpu`, value: '100m'},
		{op: 'test', path: `${base}/containers/0/resources/requests/memory`, value: null},
		{op: 'test', path: `${base}/containers/0/resources/limits/cpu`, value: null},
		{op: 'test', path: `${base}/containers/0/resources/limits/memory`, value: null},
		{op: 'test', path: `${base}/initContainers/0/name`, value: 'proxy'},
		{op: 'test', path: `${base}/initContainers/0/resources/requests/cpu`, value: '100m'},
		{op: 'test', path: `${base}/initContainers/0/resources/requests/memory`, value: null},
		{op: 'test', path: `${base}/initContainers/0/resources/limits`, value: null},
		{op: 'test', path: `${base}/initContainers/1/name`, value: 'migrate'},
		{op: 'test', path: `${base}/initContainers/1/resources/requests`, value: null},
		{op: 'test', path: `${base}/initContainers/1/resources/limits`, value: null},
		{op: 'replace', path: `${base}/containers/0/resources/requests/cpu`, value: '500m'},
		{op: 'add', path: `${base}/containers/0/resources/requests/memory`, value: '512Mi'},
		{op: 'add', path: `${base}/containers/0/resources/limits/cpu`, value: '500m'},
		{op: 'add', path: `${base}/containers/0/resources/limits/memory`, value: '512Mi'},
		{op: 'replace', path: `${base}/initContainers/0/resources/requests/cpu`, value: '100m'},
		{op: 'add', path: `${base}/initContainers/0/resources/requests/memory`, value: '128Mi'},
		{op: 'add', path: `${base}/initContainers/0/resources/limits`, value: {cpu: '100m', memory: '128Mi'}},
		{op: 'add', path: `${base}/initContainers/1/resources/requests`, value: {cpu: '200m', memory: '256Mi'}},
		{op: 'add', path: `${base}/initContainers/1/resources/limits`, value: {cpu: '200m', memory: '256Mi'}},
	]);
	t.deepEqual(applyJsonPatch(live, body), applyStrategicMergePatch(live, change, schemaFor('apps/v1', 'Deployment')));
	// A status write does not matter; an edit of a value it writes, or a reorder, fails the patch.
	t.notThrows(() => applyJsonPatch({...live, status: {replicas: 7, readyReplicas: 6}}, body));
	const edited = structuredClone(live) as {
		spec: {template: {spec: {containers: Array<{resources: {requests: Record<string, string>}}>; initContainers: unknown[]}}};
	};
	edited.spec.template.spec.containers[0]!.resources.requests.cpu = '150m';
	t.is(t.throws(() => applyJsonPatch(edited, body), {instanceOf: PatchError})?.code, 422);
	const reordered = structuredClone(live) as typeof edited;
	reordered.spec.template.spec.initContainers.reverse();
	t.is(t.throws(() => applyJsonPatch(reordered, body), {instanceOf: PatchError})?.code, 422);
	t.throws(() => guardedJsonPatch({spec: {template: {spec: {containers: [{name: 'other'}]}}}}, change), {message: /has no item named "web"/});
});

test('podFromTemplate: a Pod for a dry-run create, with the patch applied', (t) => {
	const live = liveDeployment();
	const before = JSON.stringify(live);
	const patch = guaranteedTemplatePatch({kind: 'Deployment', template}, values);
	const pod = podFromTemplate((live.spec as JsonObject).template as JsonObject, patch, {kind: 'Deployment', namespace: 'shop', name: 'web'}) as {
		apiVersion: string;
		kind: string;
		metadata: JsonObject;
		spec: JsonObject & {containers: JsonObject[]; initContainers: JsonObject[]; volumes: JsonObject[]};
	};
	t.is(JSON.stringify(live), before, 'the template is not changed');
	t.is(pod.apiVersion, 'v1');
	t.is(pod.kind, 'Pod');
	t.deepEqual(pod.metadata, {generateName: 'web-qos-check-', namespace: 'shop', labels: {app: 'web'}, annotations: {'sidecar.istio.io/inject': 'false'}});
	t.deepEqual(pod.spec.containers[0]!.resources, {
		requests: {cpu: '500m', memory: '512Mi', 'ephemeral-storage': '1Gi'},
		limits: {cpu: '500m', memory: '512Mi', 'ephemeral-storage': '2Gi'},
	});
	t.deepEqual(pod.spec.initContainers[1]!.resources, {requests: {cpu: '200m', memory: '256Mi'}, limits: {cpu: '200m', memory: '256Mi'}});
	// "data" (a volumeClaimTemplate on a StatefulSet, say) gets an emptyDir stand-in; "config" is kept.
	t.deepEqual(pod.spec.volumes, [
		{name: 'config', configMap: {name: 'web'}},
		{name: 'data', emptyDir: {}},
	]);
	t.is(computeQosClass(pod.spec), 'Guaranteed');
});

test('podFromTemplate reads the CronJob path and refuses a patch for a container the template lacks', (t) => {
	const jobTemplate = {metadata: {}, spec: {restartPolicy: 'Never', containers: [{name: 'report', image: 'r:1'}]}};
	const patch = guaranteedTemplatePatch({kind: 'CronJob', template: {containers: [c('report')]}}, new Map([['report', {cpu: '1', memory: '2Gi'}]]));
	const pod = podFromTemplate(jobTemplate, patch, {kind: 'CronJob', namespace: 'batch', name: 'nightly'}) as {
		metadata: JsonObject;
		spec: {containers: JsonObject[]};
	};
	t.deepEqual(pod.spec.containers[0]!.resources, {requests: {cpu: '1', memory: '2Gi'}, limits: {cpu: '1', memory: '2Gi'}});
	t.deepEqual(pod.metadata, {generateName: 'nightly-qos-check-', namespace: 'batch'});
	const stale = guaranteedTemplatePatch({kind: 'CronJob', template: {containers: [c('renamed')]}}, new Map([['renamed', {cpu: '1', memory: '2Gi'}]]));
	t.throws(() => podFromTemplate(jobTemplate, stale, {kind: 'CronJob', namespace: 'batch', name: 'nightly'}), {
		message: 'the template has no container "renamed"',
	});
});

// Against the simulated API server: the remedy's requests as the product will send them.
async function call(url: string, method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<{status: number; body: Obj}> {
	const response = await fetch(`${url}${path}`, {
		method,
		headers: {'User-Agent': 'assure-test/1.0', ...(body === undefined ? {} : {'Content-Type': contentType})},
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	const text = await response.text();
	return {status: response.status, body: text ? JSON.parse(text) : undefined};
}

function slimTemplate(spec: Obj): SlimPodSpec {
	const pair = (x: Obj | undefined) => ({...(x?.cpu ? {cpu: x.cpu} : {}), ...(x?.memory ? {memory: x.memory} : {})});
	return {
		containers: [
			...(spec.containers ?? []).map((x: Obj): SlimContainer => ({
				name: x.name,
				role: 'container',
				requests: pair(x.resources?.requests),
				limits: pair(x.resources?.limits),
			})),
			...(spec.initContainers ?? []).map((x: Obj): SlimContainer => ({
				name: x.name,
				role: x.restartPolicy === 'Always' ? 'sidecar' : 'init',
				requests: pair(x.resources?.requests),
				limits: pair(x.resources?.limits),
			})),
		],
	};
}

test('on the simulator: dry-run, precondition, apply, and a dry-run Pod that the server calls Guaranteed', async (t) => {
	await withSim({scenario: 'incident'}, async (sim) => {
		const path = '/apis/apps/v1/namespaces/data-platform/deployments/spark-operator';
		const live = await call(sim.url, 'GET', path);
		t.is(live.status, 200);
		const slim = slimTemplate(live.body.spec.template.spec);
		t.deepEqual(
			slim.containers.map((x) => `${x.name}:${x.role}`),
			['operator:container', 'wait-for-crds:init', 'log-shipper:sidecar'],
		);
		const chosen = new Map<string, GuaranteedValues>([
			['operator', {cpu: '200m', memory: '256Mi'}],
			['wait-for-crds', {cpu: '50m', memory: '64Mi'}],
			['log-shipper', {cpu: '20m', memory: '64Mi'}],
		]);
		const patch = guaranteedTemplatePatch({kind: 'Deployment', template: slim}, chosen);

		const pod = podFromTemplate(live.body.spec.template, patch, {kind: 'Deployment', namespace: 'data-platform', name: 'spark-operator'});
		const dryPod = await call(sim.url, 'POST', '/api/v1/namespaces/data-platform/pods?dryRun=All', pod);
		// kube-apiserver answers 201 to a dry-run create too; the simulator answers 200 (reported): accept both.
		t.true(dryPod.status === 201 || dryPod.status === 200, `status ${dryPod.status}`);
		t.is(dryPod.body.status.qosClass, 'Guaranteed');
		t.is((await call(sim.url, 'GET', `/api/v1/namespaces/data-platform/pods/${dryPod.body.metadata.name}`)).status, 404, 'a dry run stores nothing');

		const jsonPatch = 'application/json-patch+json';
		const body = guardedJsonPatch(live.body, patch);
		const dry = await call(sim.url, 'PATCH', `${path}?dryRun=All`, body, jsonPatch);
		t.is(dry.status, 200);
		t.is((await call(sim.url, 'GET', path)).body.metadata.resourceVersion, live.body.metadata.resourceVersion);
		// A guarded value that changed meanwhile: 422, nothing written.
		const stale = await call(
			sim.url,
			'PATCH',
			path,
			body.map((op) => (op.op === 'test' && op.path.endsWith('/containers/0/resources/requests/cpu') ? {...op, value: '1'} : op)),
			jsonPatch,
		);
		t.is(stale.status, 422);
		t.is((await call(sim.url, 'GET', path)).body.metadata.resourceVersion, live.body.metadata.resourceVersion);
		const applied = await call(sim.url, 'PATCH', path, body, jsonPatch);
		t.is(applied.status, 200);
		t.is(applied.body.spec.replicas, live.body.spec.replicas);
		t.is(applied.body.metadata.generation, live.body.metadata.generation + 1, 'a template change: the pods roll');
		t.deepEqual(
			applied.body.spec.template.spec.initContainers.map((x: Obj) => [x.name, x.restartPolicy, x.resources]),
			[
				['wait-for-crds', undefined, {requests: {cpu: '50m', memory: '64Mi'}, limits: {cpu: '50m', memory: '64Mi'}}],
				['log-shipper', 'Always', {requests: {cpu: '20m', memory: '64Mi'}, limits: {cpu: '20m', memory: '64Mi'}}],
			],
		);
		t.is(applied.body.spec.template.spec.containers[0].image, live.body.spec.template.spec.containers[0].image);
	});
});
