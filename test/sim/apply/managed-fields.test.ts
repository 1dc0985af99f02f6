import test from 'ava';
import fc from 'fast-check';
import {
	fieldPaths,
	formatFieldPath,
	managersOf,
	maxUpdateManagers,
	updateManagedFields,
	type ManagedFieldsEntry,
	type ManagedFieldsWrite,
} from '../../../source/sim/apply/managed-fields.js';
import {applyServerSideApply} from '../../../source/sim/apply/merge.js';
import {fieldSetOf} from '../../../source/sim/apply/object-fields.js';
import {PatchError} from '../../../source/sim/patch/errors.js';
import {cloneJson, type JsonObject} from '../../../source/sim/patch/json.js';
import {applyStrategicMergePatch} from '../../../source/sim/patch/strategic-merge-patch.js';
import {schemaFor} from '../../../source/sim/schema/kinds.js';

const deploymentSchema = schemaFor('apps/v1', 'Deployment');

function deployment(): JsonObject {
	return {
		apiVersion: 'apps/v1',
		kind: 'Deployment',
		metadata: {name: 'web', namespace: 'shop', labels: {app: 'web'}},
		spec: {
			replicas: 3,
			selector: {matchLabels: {app: 'web'}},
			strategy: {type: 'RollingUpdate', rollingUpdate: {maxSurge: '25%'}},
			template: {
				metadata: {labels: {app: 'web'}},
				spec: {
					containers: [
						{name: 'app', image: 'shop:1', ports: [{containerPort: 8080}], resources: {}},
						{name: 'proxy', image: 'envoy:1', env: [{name: 'MODE', value: 'edge'}]},
					],
				},
			},
		},
	};
}

/**
 * The fields of deployment()'s spec. `marked`: with the `.` an Update records for each
 * map or list that appeared with the object; an applied configuration's set lists only
 * what is inside them.
 */
function specFields(marked: boolean): JsonObject {
	const dot = marked ? {'.': {}} : {};
	return {
		'f:replicas': {},
		'f:selector': {},
		'f:strategy': {'f:rollingUpdate': {...dot, 'f:maxSurge': {}}, 'f:type': {}},
		'f:template': {
			'f:metadata': {'f:labels': {...dot, 'f:app': {}}},
			'f:spec': {
				'f:containers': {
					'k:{"name":"app"}': {
						'.': {},
						'f:image': {},
						'f:name': {},
						'f:ports': {...dot, 'k:{"containerPort":8080,"protocol":"TCP"}': {'.': {}, 'f:containerPort': {}}},
						'f:resources': {},
					},
					'k:{"name":"proxy"}': {
						'.': {},
						'f:env': {...dot, 'k:{"name":"MODE"}': {'.': {}, 'f:name': {}, 'f:value': {}}},
						'f:image': {},
						'f:name': {},
					},
				},
			},
		},
	};
}

type Obj = JsonObject & {metadata: JsonObject & {managedFields?: ManagedFieldsEntry[]}};

/** Creates the object as the server does: server-set metadata, managedFields of the creator. */
function create(object: JsonObject, manager: string, time: string): Obj {
	const stored = cloneJson(object) as Obj;
	Object.assign(stored.metadata, {uid: 'uid-1', resourceVersion: '1', generation: 1, creationTimestamp: time});
	stored.metadata.managedFields = updateManagedFields({before: undefined, after: stored, manager, operation: 'Update', apiVersion: 'apps/v1', time});
	return stored;
}

/** A strategic-merge PATCH by `manager`, with the bookkeeping a server does. */
function patch(live: Obj, body: JsonObject, manager: string, time: string, subresource?: string): Obj {
	const next = applyStrategicMergePatch(live, body, deploymentSchema) as Obj;
	next.metadata.resourceVersion = String(Number(live.metadata.resourceVersion) + 1);
	next.metadata.managedFields = updateManagedFields({before: live, after: next, manager, operation: 'Update', apiVersion: 'apps/v1', time, subresource});
	return next;
}

/** A server-side apply by `manager`. */
function apply(live: Obj, applied: JsonObject, manager: string, time: string, force = true): Obj {
	const next = applyServerSideApply(live, applied, deploymentSchema) as Obj;
	next.metadata.managedFields = updateManagedFields({before: live, after: next, manager, operation: 'Apply', apiVersion: 'apps/v1', time, applied, force});
	return next;
}

function entry(object: Obj, manager: string, subresource?: string): ManagedFieldsEntry | undefined {
	return object.metadata.managedFields?.find((e) => e.manager === manager && e.subresource === subresource);
}

function owners(object: Obj, path: string[]): string[] {
	return managersOf(object.metadata.managedFields, path).map((owner) => owner.manager);
}

// ---------------------------------------------------------------------------------------
// Field sets

test('fieldSetOf a Deployment with two containers', (t) => {
	const object = deployment();
	(object.metadata as JsonObject).finalizers = ['example.com/keep'];
	t.deepEqual(fieldSetOf(object, deploymentSchema), {
		'f:apiVersion': {},
		'f:kind': {},
		'f:metadata': {
			'f:finalizers': {'v:"example.com/keep"': {}},
			'f:labels': {'f:app': {}},
			'f:name': {},
			'f:namespace': {},
		},
		'f:spec': specFields(false),
	});
});

test('fieldSetOf owns atomic values whole and orders keyed items like the server', (t) => {
	const object = {
		spec: {
			selector: {matchLabels: {app: 'web'}, matchExpressions: [{key: 'tier', operator: 'Exists'}]},
			template: {
				spec: {
					tolerations: [{key: 'spot', operator: 'Exists'}],
					nodeSelector: {zone: 'a'},
					containers: [
						{
							name: 'b',
							ports: [
								{containerPort: 53, protocol: 'UDP'},
								{containerPort: 53, protocol: 'TCP'},
								{containerPort: 9, protocol: 'TCP'},
							],
						},
						{name: 'a'},
					],
				},
			},
		},
	};
	const set = fieldSetOf(object, deploymentSchema) as JsonObject & {'f:spec': JsonObject & {'f:template': {'f:spec': JsonObject}}};
	t.deepEqual(set['f:spec']['f:selector'], {});
	const podSpec = set['f:spec']['f:template']['f:spec'];
	t.deepEqual(podSpec['f:tolerations'], {});
	t.deepEqual(podSpec['f:nodeSelector'], {});
	const containerKeys = Object.keys(podSpec['f:containers'] as JsonObject);
	t.deepEqual(containerKeys, ['k:{"name":"a"}', 'k:{"name":"b"}']);
	const portKeys = Object.keys(((podSpec['f:containers'] as JsonObject)['k:{"name":"b"}'] as JsonObject)['f:ports'] as JsonObject);
	t.deepEqual(portKeys, ['k:{"containerPort":9,"protocol":"TCP"}', 'k:{"containerPort":53,"protocol":"TCP"}', 'k:{"containerPort":53,"protocol":"UDP"}']);
});

// ---------------------------------------------------------------------------------------
// Update

test('create records the creator with the server\'s "." markers and without bookkeeping fields', (t) => {
	const created = create(deployment(), 'kubectl-create', '2024-05-01T10:00:00.123Z');
	t.deepEqual(created.metadata.managedFields, [
		{
			manager: 'kubectl-create',
			operation: 'Update',
			apiVersion: 'apps/v1',
			time: '2024-05-01T10:00:00Z',
			fieldsType: 'FieldsV1',
			fieldsV1: {
				'f:metadata': {'f:labels': {'.': {}, 'f:app': {}}},
				'f:spec': specFields(true),
			},
		},
	]);
});

test('an Update by a second manager takes spec.replicas from the first', (t) => {
	const created = create(deployment(), 'kubectl-create', '2024-05-01T10:00:00Z');
	const before = cloneJson(created);
	const scaled = patch(created, {spec: {replicas: 7}}, 'kube-controller-manager', '2024-05-01T10:05:00Z', 'scale');
	t.deepEqual(created, before, 'the live object is not mutated');
	t.deepEqual(entry(scaled, 'kube-controller-manager', 'scale'), {
		manager: 'kube-controller-manager',
		operation: 'Update',
		apiVersion: 'apps/v1',
		time: '2024-05-01T10:05:00Z',
		fieldsType: 'FieldsV1',
		fieldsV1: {'f:spec': {'f:replicas': {}}},
		subresource: 'scale',
	});
	t.false('f:replicas' in (entry(scaled, 'kubectl-create')!.fieldsV1['f:spec'] as JsonObject));
	t.is(entry(scaled, 'kubectl-create')!.time, '2024-05-01T10:00:00Z', 'losing fields does not touch the time');
	t.deepEqual(owners(scaled, ['spec', 'replicas']), ['kube-controller-manager']);
	t.deepEqual(owners(scaled, ['spec', 'template', 'spec', 'containers', 'k:{"name":"app"}', 'image']), ['kubectl-create']);

	// Argo CD writes replicas back: ownership flips again, and the scaler's empty entry goes.
	const reverted = patch(scaled, {spec: {replicas: 3}}, 'argocd-controller', '2024-05-01T10:06:00Z');
	t.deepEqual(owners(reverted, ['spec', 'replicas']), ['argocd-controller']);
	t.is(entry(reverted, 'kube-controller-manager', 'scale'), undefined);
	t.deepEqual(
		reverted.metadata.managedFields!.map((e) => e.manager),
		['kubectl-create', 'argocd-controller'],
		'entries are sorted by time',
	);
});

test('an Update that changes nothing leaves managedFields as they were', (t) => {
	const created = create(deployment(), 'kubectl-create', '2024-05-01T10:00:00Z');
	const same = patch(created, {spec: {replicas: 3}}, 'someone-else', '2024-05-01T11:00:00Z');
	t.deepEqual(same.metadata.managedFields, created.metadata.managedFields);
});

test('removing a container removes its fields from every manager and drops emptied entries', (t) => {
	const created = create(deployment(), 'kubectl-create', '2024-05-01T10:00:00Z');
	const retagged = patch(created, {spec: {template: {spec: {containers: [{name: 'proxy', image: 'envoy:2'}]}}}}, 'image-updater', '2024-05-01T10:01:00Z');
	t.deepEqual(entry(retagged, 'image-updater')!.fieldsV1, {
		'f:spec': {'f:template': {'f:spec': {'f:containers': {'k:{"name":"proxy"}': {'f:image': {}}}}}},
	});
	const removed = patch(retagged, {spec: {template: {spec: {containers: [{name: 'proxy', $patch: 'delete'}]}}}}, 'kubectl-edit', '2024-05-01T10:02:00Z');
	t.is(entry(removed, 'image-updater'), undefined);
	t.is(entry(removed, 'kubectl-edit'), undefined, 'a pure removal gains its writer nothing');
	const containers = (entry(removed, 'kubectl-create')!.fieldsV1['f:spec'] as JsonObject)['f:template'] as {'f:spec': {'f:containers': JsonObject}};
	t.deepEqual(Object.keys(containers['f:spec']['f:containers']), ['k:{"name":"app"}']);
});

test('status writes are recorded on the status subresource only', (t) => {
	const created = create(deployment(), 'kubectl-create', '2024-05-01T10:00:00Z');
	const withStatus = cloneJson(created) as Obj;
	withStatus.status = {replicas: 3, conditions: [{type: 'Available', status: 'True'}]};
	withStatus.metadata.managedFields = updateManagedFields({
		before: created,
		after: withStatus,
		manager: 'kube-controller-manager',
		operation: 'Update',
		apiVersion: 'apps/v1',
		time: '2024-05-01T10:00:05Z',
		subresource: 'status',
	});
	t.deepEqual(entry(withStatus, 'kube-controller-manager', 'status')!.fieldsV1, {
		'f:status': {'f:conditions': {'.': {}, 'k:{"type":"Available"}': {'.': {}, 'f:status': {}, 'f:type': {}}}, 'f:replicas': {}},
	});
	// The same change through the main resource is reset by the server: nobody gains status.
	const main = cloneJson(withStatus) as Obj;
	(main.status as JsonObject).replicas = 4;
	const mainFields = updateManagedFields({
		before: withStatus,
		after: main,
		manager: 'kubectl-edit',
		operation: 'Update',
		apiVersion: 'apps/v1',
		time: '2024-05-01T10:00:06Z',
	});
	t.deepEqual(mainFields, withStatus.metadata.managedFields);
});

test('managedFields: [{}] in a write resets them, and an untracked object stays untracked on Update', (t) => {
	const created = create(deployment(), 'kubectl-create', '2024-05-01T10:00:00Z');
	const reset = cloneJson(created) as Obj;
	reset.metadata.managedFields = [{} as ManagedFieldsEntry];
	(reset.spec as JsonObject).replicas = 4;
	t.deepEqual(
		updateManagedFields({before: created, after: reset, manager: 'kubectl', operation: 'Update', apiVersion: 'apps/v1', time: '2024-05-01T10:01:00Z'}),
		[],
	);

	const untracked = cloneJson(created) as Obj;
	delete untracked.metadata.managedFields;
	const changed = cloneJson(untracked) as Obj;
	(changed.spec as JsonObject).replicas = 9;
	t.deepEqual(
		updateManagedFields({before: untracked, after: changed, manager: 'kubectl', operation: 'Update', apiVersion: 'apps/v1', time: '2024-05-01T10:02:00Z'}),
		[],
	);
});

test('more than ten Update managers fold the oldest into ancient-changes', (t) => {
	let object = create(deployment(), 'creator', '2024-05-01T10:00:00Z');
	for (let i = 0; i < 12; i++) {
		const minute = String(i + 1).padStart(2, '0');
		object = patch(object, {metadata: {labels: {[`team-${i}`]: 'x'}}}, `bot-${i}`, `2024-05-01T10:${minute}:00Z`);
	}
	const updaters = object.metadata.managedFields!.filter((e) => e.operation === 'Update');
	t.is(updaters.length, maxUpdateManagers);
	const ancient = entry(object, 'ancient-changes')!;
	t.truthy(ancient);
	t.deepEqual(
		managersOf(object.metadata.managedFields, ['metadata', 'labels', 'team-0']).map((o) => o.manager),
		['ancient-changes'],
	);
	t.deepEqual(owners(object, ['spec', 'replicas']), ['ancient-changes'], 'the creator was folded in too');
	t.deepEqual(owners(object, ['metadata', 'labels', 'team-11']), ['bot-11']);
});

// ---------------------------------------------------------------------------------------
// Apply

test("Apply makes the applied configuration the manager's whole set", (t) => {
	const created = create(deployment(), 'kubectl-create', '2024-05-01T10:00:00Z');
	const first = apply(
		created,
		{apiVersion: 'apps/v1', kind: 'Deployment', metadata: {name: 'web'}, spec: {replicas: 4, template: {spec: {containers: [{name: 'app', image: 'shop:2'}]}}}},
		'argocd',
		'2024-05-01T10:10:00Z',
	);
	t.deepEqual(entry(first, 'argocd'), {
		manager: 'argocd',
		operation: 'Apply',
		apiVersion: 'apps/v1',
		time: '2024-05-01T10:10:00Z',
		fieldsType: 'FieldsV1',
		fieldsV1: {'f:spec': {'f:replicas': {}, 'f:template': {'f:spec': {'f:containers': {'k:{"name":"app"}': {'.': {}, 'f:image': {}, 'f:name': {}}}}}}},
	});
	t.is(first.metadata.managedFields![0]!.manager, 'argocd', 'Apply entries sort first');
	t.deepEqual(owners(first, ['spec', 'replicas']), ['argocd']);
	t.deepEqual(
		owners(first, ['spec', 'template', 'spec', 'containers', 'k:{"name":"app"}', 'name']).sort(),
		['argocd', 'kubectl-create'],
		'unchanged values are shared',
	);

	// Helm applies the same replicas (shared ownership), then Argo CD stops applying them.
	const shared = apply(first, {apiVersion: 'apps/v1', kind: 'Deployment', metadata: {name: 'web'}, spec: {replicas: 4}}, 'helm', '2024-05-01T10:15:00Z');
	t.deepEqual(owners(shared, ['spec', 'replicas']).sort(), ['argocd', 'helm']);
	const second = apply(
		shared,
		{apiVersion: 'apps/v1', kind: 'Deployment', metadata: {name: 'web'}, spec: {template: {spec: {containers: [{name: 'app', image: 'shop:2'}]}}}},
		'argocd',
		'2024-05-01T10:20:00Z',
	);
	t.deepEqual(entry(second, 'argocd')!.fieldsV1, {
		'f:spec': {'f:template': {'f:spec': {'f:containers': {'k:{"name":"app"}': {'.': {}, 'f:image': {}, 'f:name': {}}}}}},
	});
	t.is(entry(second, 'argocd')!.time, '2024-05-01T10:10:00Z', 'an apply that changes nothing keeps the time');
	t.deepEqual(owners(second, ['spec', 'replicas']), ['helm']);
});

test("Apply without force fails with 409 on another manager's field; with force it takes it", (t) => {
	const created = create(deployment(), 'kubectl-create', '2024-05-01T10:00:00Z');
	const scaled = patch(created, {spec: {replicas: 7}}, 'kube-controller-manager', '2024-05-01T10:05:00Z', 'scale');
	const applied = {apiVersion: 'apps/v1', kind: 'Deployment', metadata: {name: 'web'}, spec: {replicas: 2}};
	const error = t.throws(() => apply(scaled, applied, 'helm', '2024-05-01T10:06:00Z', false), {instanceOf: PatchError});
	t.is(error?.code, 409);
	t.is(error?.kind, 'conflict');
	t.is(error?.message, 'Apply failed with 1 conflict: conflict with "kube-controller-manager" with subresource "scale" using apps/v1: .spec.replicas');
	t.deepEqual(error?.causes, [
		{type: 'FieldManagerConflict', message: 'conflict with "kube-controller-manager" with subresource "scale" using apps/v1', field: '.spec.replicas'},
	]);

	const agreeing = apply(scaled, {...applied, spec: {replicas: 7}}, 'helm', '2024-05-01T10:06:00Z', false);
	t.deepEqual(owners(agreeing, ['spec', 'replicas']).sort(), ['helm', 'kube-controller-manager'], 'applying the same value is no conflict');

	const forced = apply(scaled, applied, 'helm', '2024-05-01T10:07:00Z', true);
	t.deepEqual(owners(forced, ['spec', 'replicas']), ['helm']);
});

test('the first Apply to an untracked object records the existing fields as before-first-apply', (t) => {
	const untracked = cloneJson(create(deployment(), 'x', '2024-05-01T10:00:00Z')) as Obj;
	delete untracked.metadata.managedFields;
	const applied = apply(untracked, {apiVersion: 'apps/v1', kind: 'Deployment', metadata: {name: 'web'}, spec: {replicas: 5}}, 'helm', '2024-05-01T10:30:00Z');
	t.deepEqual(
		applied.metadata.managedFields!.map((e) => [e.manager, e.operation]),
		[
			['helm', 'Apply'],
			['before-first-apply', 'Update'],
		],
	);
	t.deepEqual(owners(applied, ['spec', 'replicas']), ['helm']);
	t.deepEqual(owners(applied, ['spec', 'selector']), ['before-first-apply']);
});

// ---------------------------------------------------------------------------------------
// Questions about ownership

test('managersOf answers for exact paths and keyed items; paths print like the server', (t) => {
	const created = create(deployment(), 'kubectl-create', '2024-05-01T10:00:00Z');
	t.deepEqual(owners(created, ['spec', 'selector']), ['kubectl-create']);
	t.deepEqual(owners(created, ['spec', 'selector', 'matchLabels']), [], 'an atomic field is owned whole');
	t.deepEqual(owners(created, ['spec', 'template', 'spec', 'containers', 'k:{"name":"proxy"}']), ['kubectl-create']);
	t.deepEqual(owners(created, ['spec', 'template', 'spec', 'containers', 'k:{"name":"missing"}']), []);
	t.deepEqual(owners(created, ['spec', 'template']), [], 'intermediate structs are not owned');
	t.deepEqual(managersOf('not a list', ['spec']), []);
	const paths = fieldPaths(created.metadata.managedFields![0]!.fieldsV1).map((path) => formatFieldPath(path));
	t.true(paths.includes('.spec.replicas'));
	t.true(paths.includes('.spec.template.spec.containers[name="app"].ports[containerPort=8080,protocol="TCP"]'));
	t.true(paths.includes('.spec.template.spec.containers[name="proxy"].env[name="MODE"].value'));
});

test('the schema is looked up from the object and can be overridden', (t) => {
	const pod = {apiVersion: 'v1', kind: 'Pod', metadata: {name: 'p'}, spec: {containers: [{name: 'c', image: 'i'}]}};
	const write: ManagedFieldsWrite = {before: undefined, after: pod, manager: 'm', operation: 'Update', apiVersion: 'v1', time: new Date(Date.UTC(2024, 0, 1))};
	const typed = updateManagedFields(write);
	t.deepEqual(typed[0]!.fieldsV1, {'f:spec': {'f:containers': {'k:{"name":"c"}': {'.': {}, 'f:image': {}, 'f:name': {}}}}});
	t.is(typed[0]!.time, '2024-01-01T00:00:00Z');
	const untyped = updateManagedFields({...write, schema: null});
	t.deepEqual(untyped[0]!.fieldsV1, {'f:spec': {'.': {}, 'f:containers': {}}}, 'without a schema lists are atomic');
});

// ---------------------------------------------------------------------------------------
// Properties

test('property: after two Updates no field has two Update owners', (t) => {
	const labels = fc.dictionary(fc.constantFrom('app', 'tier', 'team', 'env'), fc.constantFrom('a', 'b'), {maxKeys: 4});
	const state = fc.record({labels, replicas: fc.integer({min: 0, max: 3}), image: fc.constantFrom('shop:1', 'shop:2')});
	fc.assert(
		fc.property(state, state, state, (first, second, third) => {
			const make = (s: typeof first): JsonObject => {
				const object = deployment();
				(object.metadata as JsonObject).labels = s.labels;
				(object.spec as JsonObject).replicas = s.replicas;
				(object.spec as {template: {spec: {containers: JsonObject[]}}}).template.spec.containers[0]!.image = s.image;
				return object;
			};
			const a = create(make(first), 'alpha', '2024-05-01T10:00:00Z');
			const write = (live: Obj, target: JsonObject, manager: string, time: string): Obj => {
				const next = cloneJson(target) as Obj;
				next.metadata = {...next.metadata, uid: 'uid-1', managedFields: live.metadata.managedFields};
				next.metadata.managedFields = updateManagedFields({before: live, after: next, manager, operation: 'Update', apiVersion: 'apps/v1', time});
				return next;
			};
			const b = write(a, make(second), 'beta', '2024-05-01T10:01:00Z');
			const c = write(b, make(third), 'gamma', '2024-05-01T10:02:00Z');
			for (const e of c.metadata.managedFields!) {
				for (const path of fieldPaths(e.fieldsV1)) {
					if (managersOf(c.metadata.managedFields, path).length !== 1) return false;
				}
			}
			// Whoever wrote replicas last with a change owns it.
			const replicaOwner = owners(c, ['spec', 'replicas']);
			const expected = third.replicas !== second.replicas ? 'gamma' : second.replicas !== first.replicas ? 'beta' : 'alpha';
			return replicaOwner.length === 1 && replicaOwner[0] === expected;
		}),
	);
	t.pass();
});
