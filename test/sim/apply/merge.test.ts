import test from 'ava';
import {applyServerSideApply} from '../../../source/sim/apply/merge.js';
import {PatchError} from '../../../source/sim/patch/errors.js';
import type {JsonObject} from '../../../source/sim/patch/json.js';
import {applyStrategicMergePatch} from '../../../source/sim/patch/strategic-merge-patch.js';
import {containers, deployment, deploymentSchema, names, podSchema, podSpecOf} from '../patch/fixtures.js';

test('server-side apply merges containers by name and keeps unapplied fields', (t) => {
	const live = deployment();
	const applied = {
		apiVersion: 'apps/v1',
		kind: 'Deployment',
		metadata: {name: 'web'},
		spec: {
			template: {
				spec: {
					containers: [
						{name: 'app', image: 'shop:2.0'},
						{name: 'metrics', image: 'exporter:1'},
					],
				},
			},
		},
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
	const withManagedFields = t.throws(() => applyServerSideApply(deployment(), {apiVersion: 'apps/v1', metadata: {managedFields: []}}, deploymentSchema), {
		instanceOf: PatchError,
	});
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
