/**
 * Remedies precondition on the fields they change, not on the whole object: against the
 * simulator with its controllers running, a status write by the HPA or Deployment
 * controller between plan and apply does not conflict, while another client's edit of the
 * very fields a remedy (or its undo) changes still fails and leads to a re-plan.
 */
import {join} from 'node:path';
import test from 'ava';
import {AppController} from '../../source/app/controller.js';
import {ScaledClock} from '../../source/clock.js';
import type {Finding} from '../../source/model/finding.js';
import {resolveConfig} from '../../source/kube/kubeconfig.js';
import {goJsonText, remedyApi} from '../../source/remedies/remedy-api.js';
import {Session} from '../../source/kube/session.js';
import {remedyCatalog} from '../../source/remedies/catalog.js';
import {RemedyEngine} from '../../source/remedies/engine.js';
import {Journal} from '../../source/remedies/journal.js';
import type {Operation} from '../../source/plans/request.js';
import type {Obj} from '../../source/formats/json-object.js';
import type {RemedyApi} from '../../source/remedies/types.js';
import type {ResourceType} from '../../source/sim/resources.js';
import type {Simulator, SimulatorOptions} from '../../source/sim/simulator.js';
import {eventually, kubectl, tempDir, withSim, writeKubeconfig} from '../helpers/sim.js';
import {findingFinder} from '../helpers/session.js';

interface Sent {
	operation: Operation;
	dryRun: boolean;
	status?: number;
}

interface Harness {
	sim: Simulator;
	controller: AppController;
	engine: RemedyEngine;
	journal: Journal;
	/** Every operation the engine sent, dry runs included, with the server's answer. */
	sent: Sent[];
	find(type: string, predicate?: (f: Finding) => boolean): Finding;
}

async function withProduct(options: SimulatorOptions, fn: (h: Harness) => Promise<void>): Promise<void> {
	await withSim({scenario: 'incident', ...options}, async (sim) => {
		const config = resolveConfig({kubeconfig: writeKubeconfig(sim), allNamespaces: true});
		const session = new Session({config, clock: new ScaledClock(sim.clock.scale, sim.clock.now()), qps: 50, burst: 100});
		await session.connect();
		await session.start();
		await session.waitForSync(session.clock.now() + 120_000, {rescales: true});
		const journal = new Journal(join(tempDir(), 'journal.jsonl'));
		const api = remedyApi(session.client, session.access, 32);
		const sent: Sent[] = [];
		const recording: RemedyApi = {
			...api,
			async send(operation, sendOptions) {
				const entry: Sent = {operation, dryRun: sendOptions.dryRun};
				sent.push(entry);
				try {
					return await api.send(operation, sendOptions);
				} catch (error) {
					entry.status = (error as {status?: number}).status;
					throw error;
				}
			},
		};
		const engine = new RemedyEngine(recording, journal, {context: 'test', user: 'tester'}, remedyCatalog());
		const controller = new AppController({session, engine, readOnly: false, minIntervalMs: 0});
		const find = findingFinder(controller);
		try {
			await fn({sim, controller, engine, journal, sent, find});
		} finally {
			controller.dispose();
			await session.stop();
		}
	});
}

const named =
	(name: string) =>
	(f: Finding): boolean =>
		'kind' in f.subject && f.subject.name === name;
const someoneElse = {user: {name: 'someone-else', groups: []}, fieldManager: 'other'};
const PATCH_TYPES = {merge: 'application/merge-patch+json', json: 'application/json-patch+json', strategic: 'application/strategic-merge-patch+json'};

/** Another client's edit of an object meanwhile: a patch of `patchType`, its body written as JSON. */
function someoneEdits(sim: Simulator, type: ResourceType, namespace: string, name: string, patchType: keyof typeof PATCH_TYPES, body: unknown): void {
	sim.api.patch(type, namespace, name, PATCH_TYPES[patchType], JSON.stringify(body), someoneElse);
}

/** Wait until a controller has written the object's status (its resourceVersion moved on, its spec did not). */
async function statusWritten(sim: Simulator, group: string, resource: string, namespace: string, name: string, before: Obj): Promise<Obj> {
	const type = sim.type(group, resource);
	return eventually(
		() => {
			const live = sim.api.get(type, namespace, name);
			return live.metadata.resourceVersion !== before.metadata.resourceVersion ? live : undefined;
		},
		30_000,
		`a controller to write the status of ${resource} ${namespace}/${name}`,
	) as Promise<Obj>;
}

test('(a) dampen-hpa: the HPA controller writes the status between plan and apply, and the remedy still applies', async (t) => {
	await withProduct({controllers: true, timeScale: 20}, async ({sim, engine, find, controller, sent}) => {
		const finding = find('hpa-flapping', named('checkout-web'));
		const hpas = sim.type('autoscaling', 'horizontalpodautoscalers');
		const planned = sim.api.get(hpas, 'checkout', 'checkout-web');
		const prepared = await engine.prepare(finding, 'dampen-hpa', controller.state);
		t.true(prepared.allowed, prepared.reason);
		const diff = prepared.diff.filter((l) => l.op !== '~').map((l) => `${l.op} ${l.text}`);
		t.true(diff.includes('- spec.behavior.scaleDown.stabilizationWindowSeconds: 0'), diff.join('\n'));
		// One controller sync later (15 s of simulated time): the status moved on, the spec did not.
		const later = await statusWritten(
			sim,
			'autoscaling',
			'horizontalpodautoscalers',
			'checkout',
			'checkout-web',
			sim.api.get(hpas, 'checkout', 'checkout-web'),
		);
		t.deepEqual(later.spec, planned.spec, 'only the status changed');
		const result = await engine.apply(prepared);
		t.is(result.status, 'applied', result.messages.join('; '));
		const after = sim.api.get(hpas, 'checkout', 'checkout-web');
		t.is(after.spec.behavior.scaleDown.stabilizationWindowSeconds, Number(finding.evidence.suggestedScaleDownWindowSeconds ?? 600));
		t.is(after.spec.behavior.scaleUp.stabilizationWindowSeconds, 60);
		t.deepEqual(after.spec.behavior.scaleUp.policies, planned.spec.behavior.scaleUp.policies, 'set policies are kept');
		// The dry run and the apply sent the same request.
		const patches = sent.filter((s) => s.operation.method === 'PATCH');
		t.is(patches.length, 2);
		t.deepEqual(
			patches.map((s) => s.dryRun),
			[true, false],
		);
		t.deepEqual(patches[0]!.operation, patches[1]!.operation);
	});
});

test('(a) a status write is the only change between plan and apply: the diff is what it always was, and the journal records the JSON patch as sent', async (t) => {
	await withProduct({controllers: true, timeScale: 20}, async ({sim, engine, find, controller, sent, journal}) => {
		const finding = find('hpa-flapping', named('checkout-web'));
		const window = Number(finding.evidence.suggestedScaleDownWindowSeconds ?? 600);
		const hpas = sim.type('autoscaling', 'horizontalpodautoscalers');
		const prepared = await engine.prepare(finding, 'dampen-hpa', controller.state);
		t.deepEqual(
			prepared.diff.filter((l) => l.op !== '~').map((l) => `${l.op} ${l.text}`),
			[
				'- spec.behavior.scaleUp.stabilizationWindowSeconds: 0',
				'+ spec.behavior.scaleUp.stabilizationWindowSeconds: 60',
				'- spec.behavior.scaleDown.stabilizationWindowSeconds: 0',
				`+ spec.behavior.scaleDown.stabilizationWindowSeconds: ${window}`,
			],
		);
		const patch = prepared.plan.batches[0]![0]!;
		t.is(patch.contentType, 'application/json-patch+json');
		// Tests of exactly the fields it replaces, with their values as planned; nothing else.
		t.deepEqual(patch.body, [
			{op: 'test', path: '/spec/behavior/scaleDown/stabilizationWindowSeconds', value: 0},
			{op: 'test', path: '/spec/behavior/scaleUp/stabilizationWindowSeconds', value: 0},
			{op: 'replace', path: '/spec/behavior/scaleDown/stabilizationWindowSeconds', value: window},
			{op: 'replace', path: '/spec/behavior/scaleUp/stabilizationWindowSeconds', value: 60},
		]);
		await statusWritten(sim, 'autoscaling', 'horizontalpodautoscalers', 'checkout', 'checkout-web', sim.api.get(hpas, 'checkout', 'checkout-web'));
		t.is((await engine.apply(prepared)).status, 'applied');
		const applied = sent.filter((s) => s.operation.method === 'PATCH' && !s.dryRun);
		t.is(applied.length, 1);
		const entry = journal.read().at(-1)!;
		t.deepEqual(entry.operations, [
			{method: 'PATCH', path: applied[0]!.operation.path, contentType: 'application/json-patch+json', body: applied[0]!.operation.body},
		]);
	});
});

test('(b) dampen-hpa: another client edits behavior.scaleDown meanwhile → the server refuses (422), nothing is overwritten, the re-plan shows the new diff', async (t) => {
	await withProduct({controllers: true, timeScale: 20}, async ({sim, engine, find, controller, sent}) => {
		const finding = find('hpa-flapping', named('checkout-web'));
		const window = Number(finding.evidence.suggestedScaleDownWindowSeconds ?? 600);
		const hpas = sim.type('autoscaling', 'horizontalpodautoscalers');
		const prepared = await engine.prepare(finding, 'dampen-hpa', controller.state);
		t.true(prepared.allowed, prepared.reason);
		someoneEdits(sim, hpas, 'checkout', 'checkout-web', 'merge', {spec: {behavior: {scaleDown: {stabilizationWindowSeconds: 120}}}});
		const result = await engine.apply(prepared);
		t.is(result.status, 'conflict');
		t.regex(
			result.messages[0]!,
			/^conflict, nothing was overwritten: HorizontalPodAutoscaler checkout\/checkout-web was changed by someone else since the plan/,
		);
		t.is(sent.at(-1)!.status, 422, 'a failed test of the JSON patch');
		t.is(sim.api.get(hpas, 'checkout', 'checkout-web').spec.behavior.scaleDown.stabilizationWindowSeconds, 120, 'the other edit stands');
		const again = await engine.prepare(finding, 'dampen-hpa', controller.state);
		t.true(again.allowed, again.reason);
		const diff = again.diff.filter((l) => l.op !== '~').map((l) => `${l.op} ${l.text}`);
		t.true(diff.includes('- spec.behavior.scaleDown.stabilizationWindowSeconds: 120'), diff.join('\n'));
		t.true(diff.includes(`+ spec.behavior.scaleDown.stabilizationWindowSeconds: ${window}`), diff.join('\n'));
		t.is((await engine.apply(again)).status, 'applied');
		t.is(sim.api.get(hpas, 'checkout', 'checkout-web').spec.behavior.scaleDown.stabilizationWindowSeconds, window);
	});
});

test('(b) an edit of another spec field (minReplicas) is no conflict: the remedy applies and the other edit stands', async (t) => {
	await withProduct({controllers: false}, async ({sim, engine, find, controller}) => {
		const finding = find('hpa-flapping', named('checkout-web'));
		const hpas = sim.type('autoscaling', 'horizontalpodautoscalers');
		const prepared = await engine.prepare(finding, 'dampen-hpa', controller.state);
		someoneEdits(sim, hpas, 'checkout', 'checkout-web', 'merge', {spec: {minReplicas: 4}});
		t.is((await engine.apply(prepared)).status, 'applied');
		const after = sim.api.get(hpas, 'checkout', 'checkout-web');
		t.is(after.spec.minReplicas, 4);
		t.is(after.spec.behavior.scaleUp.stabilizationWindowSeconds, 60);
	});
});

/** The pods of a Deployment (by its app label), not being deleted. */
function podsOf(sim: Simulator, namespace: string, app: string): Obj[] {
	return sim.api.objects('pods', namespace).filter((p) => p.metadata.labels?.app === app && !p.metadata.deletionTimestamp);
}

test('(c) make-guaranteed: the Deployment controller writes the status between plan and apply, and the remedy still applies', async (t) => {
	await withProduct({controllers: true, timeScale: 5}, async ({sim, engine, find, controller}) => {
		const finding = find('not-guaranteed', named('inventory-sync'));
		const deployments = sim.type('apps', 'deployments');
		const planned = sim.api.get(deployments, 'data-platform', 'inventory-sync');
		const prepared = await engine.prepare(finding, 'make-guaranteed', controller.state);
		t.true(prepared.allowed, prepared.reason);
		t.is(prepared.plan.batches[0]![0]!.contentType, 'application/json-patch+json');
		t.true(
			(prepared.plan.batches[0]![0]!.body as Array<{op: string; path: string}>).some(
				(op) => op.op === 'test' && op.path === '/spec/template/spec/containers/0/name',
			),
		);
		// A pod goes away: the ReplicaSet replaces it and the Deployment controller writes the status.
		const pod = podsOf(sim, 'data-platform', 'inventory-sync')[0]!;
		sim.api.delete(sim.type('', 'pods'), 'data-platform', pod.metadata.name, {gracePeriodSeconds: 0}, someoneElse);
		const later = await statusWritten(sim, 'apps', 'deployments', 'data-platform', 'inventory-sync', planned);
		t.deepEqual(later.spec, planned.spec, 'only the status changed');
		t.notDeepEqual(later.status, planned.status);
		const result = await engine.apply(prepared);
		t.is(result.status, 'applied', result.messages.join('; '));
		const container = sim.api.get(deployments, 'data-platform', 'inventory-sync').spec.template.spec.containers[0];
		t.deepEqual(container.resources.requests, container.resources.limits);
	});
});

test('(c) make-guaranteed: container resources edited meanwhile → conflict, nothing overwritten, the re-plan shows the edit', async (t) => {
	await withProduct({controllers: false}, async ({sim, engine, find, controller}) => {
		const finding = find('not-guaranteed', named('inventory-sync'));
		const deployments = sim.type('apps', 'deployments');
		const prepared = await engine.prepare(finding, 'make-guaranteed', controller.state);
		t.true(prepared.allowed, prepared.reason);
		someoneEdits(sim, deployments, 'data-platform', 'inventory-sync', 'strategic', {
			spec: {template: {spec: {containers: [{name: 'sync', resources: {limits: {memory: '3Gi'}}}]}}},
		});
		const result = await engine.apply(prepared);
		t.is(result.status, 'conflict');
		t.deepEqual(
			sim.api.get(deployments, 'data-platform', 'inventory-sync').spec.template.spec.containers[0].resources,
			{requests: {cpu: '100m', memory: '128Mi'}, limits: {cpu: '1', memory: '3Gi'}},
			'the other edit stands, nothing else changed',
		);
		const again = await engine.prepare(finding, 'make-guaranteed', controller.state);
		t.true(
			again.diff.some((l) => l.op === '-' && l.text === 'spec.template.spec.containers[sync].resources.limits.memory: 3Gi'),
			again.diff.map((l) => l.text).join('\n'),
		);
		t.is((await engine.apply(again)).status, 'applied');
	});
});

/** The prometheus StatefulSet's two containers, with the same values for both (so only the names tell them apart). */
const sameValues = {'prometheus.cpu': '1', 'prometheus.memory': '1Gi', 'config-reloader.cpu': '1', 'config-reloader.memory': '1Gi'};
const swapContainers = [{op: 'move', from: '/spec/template/spec/containers/1', path: '/spec/template/spec/containers/0'}];

test('(c) make-guaranteed: a concurrent reorder of the containers fails the patch instead of patching the wrong container', async (t) => {
	await withProduct({controllers: false}, async ({sim, engine, find, controller}) => {
		const finding = find('not-guaranteed', named('prometheus'));
		const statefulSets = sim.type('apps', 'statefulsets');
		const prepared = await engine.prepare(finding, 'make-guaranteed', controller.state, {
			'prometheus.cpu': '2',
			'prometheus.memory': '4Gi',
			'config-reloader.cpu': '10m',
			'config-reloader.memory': '25Mi',
		});
		t.true(prepared.allowed, prepared.reason);
		someoneEdits(sim, statefulSets, 'monitoring', 'prometheus', 'json', swapContainers);
		const swapped = sim.api.get(statefulSets, 'monitoring', 'prometheus').spec.template.spec.containers;
		t.deepEqual(
			swapped.map((c: Obj) => c.name),
			['config-reloader', 'prometheus'],
		);
		t.is((await engine.apply(prepared)).status, 'conflict');
		t.deepEqual(sim.api.get(statefulSets, 'monitoring', 'prometheus').spec.template.spec.containers, swapped, 'nothing written');
		const again = await engine.prepare(finding, 'make-guaranteed', controller.state, {
			'prometheus.cpu': '2',
			'prometheus.memory': '4Gi',
			'config-reloader.cpu': '10m',
			'config-reloader.memory': '25Mi',
		});
		t.is((await engine.apply(again)).status, 'applied');
		const containers = sim.api.get(statefulSets, 'monitoring', 'prometheus').spec.template.spec.containers as Obj[];
		t.deepEqual(
			containers.map((c) => [c.name, c.resources.limits.cpu]),
			[
				['config-reloader', '10m'],
				['prometheus', '2'],
			],
		);
	});
});

test('(d) undo after the HPA controller wrote the status succeeds; undo after someone edited the field refuses, naming it', async (t) => {
	await withProduct({controllers: true, timeScale: 20}, async ({sim, engine, find, controller, sent}) => {
		const finding = find('hpa-flapping', named('checkout-web'));
		const hpas = sim.type('autoscaling', 'horizontalpodautoscalers');
		const original = sim.api.get(hpas, 'checkout', 'checkout-web').spec.behavior;
		t.is((await engine.apply(await engine.prepare(finding, 'dampen-hpa', controller.state))).status, 'applied');
		const undo = await engine.prepareUndo();
		t.true(undo!.allowed, undo!.reason);
		// Exactly the fields it puts back are tested, with the values the remedy set.
		const window = sim.api.get(hpas, 'checkout', 'checkout-web').spec.behavior.scaleDown.stabilizationWindowSeconds;
		t.deepEqual(undo!.plan.batches[0]![0]!.body, [
			{op: 'test', path: '/spec/behavior/scaleUp/stabilizationWindowSeconds', value: 60},
			{op: 'test', path: '/spec/behavior/scaleDown/stabilizationWindowSeconds', value: window},
			{op: 'replace', path: '/spec/behavior/scaleUp/stabilizationWindowSeconds', value: 0},
			{op: 'replace', path: '/spec/behavior/scaleDown/stabilizationWindowSeconds', value: 0},
		]);
		await statusWritten(sim, 'autoscaling', 'horizontalpodautoscalers', 'checkout', 'checkout-web', sim.api.get(hpas, 'checkout', 'checkout-web'));
		t.is((await engine.apply(undo!)).status, 'applied');
		t.deepEqual(sim.api.get(hpas, 'checkout', 'checkout-web').spec.behavior, original);

		// Again, and this time someone edits the scale-down window after the remedy.
		t.is((await engine.apply(await engine.prepare(finding, 'dampen-hpa', controller.state))).status, 'applied');
		someoneEdits(sim, hpas, 'checkout', 'checkout-web', 'merge', {spec: {behavior: {scaleDown: {stabilizationWindowSeconds: 900}}}});
		const patchesBefore = sent.filter((s) => s.operation.method === 'PATCH').length;
		const refused = await engine.prepareUndo();
		t.false(refused!.allowed);
		t.regex(
			refused!.reason ?? '',
			new RegExp(
				`cannot undo: HorizontalPodAutoscaler checkout-web: spec\\.behavior\\.scaleDown\\.stabilizationWindowSeconds was changed since: it is 900, the remedy set ${window}`,
			),
		);
		t.is(sent.filter((s) => s.operation.method === 'PATCH').length, patchesBefore, 'not even a dry run');
		t.is(sim.api.get(hpas, 'checkout', 'checkout-web').spec.behavior.scaleDown.stabilizationWindowSeconds, 900);
	});
});

test("(d) an edit between the undo's plan and its apply: the server refuses, nothing is overwritten", async (t) => {
	await withProduct({controllers: false}, async ({sim, engine, find, controller}) => {
		const finding = find('hpa-flapping', named('checkout-web'));
		const hpas = sim.type('autoscaling', 'horizontalpodautoscalers');
		t.is((await engine.apply(await engine.prepare(finding, 'dampen-hpa', controller.state))).status, 'applied');
		const undo = await engine.prepareUndo();
		t.true(undo!.allowed, undo!.reason);
		someoneEdits(sim, hpas, 'checkout', 'checkout-web', 'merge', {spec: {behavior: {scaleUp: {stabilizationWindowSeconds: 30}}}});
		const result = await engine.apply(undo!);
		t.is(result.status, 'conflict');
		t.is(sim.api.get(hpas, 'checkout', 'checkout-web').spec.behavior.scaleUp.stabilizationWindowSeconds, 30);
		t.not(sim.api.get(hpas, 'checkout', 'checkout-web').spec.behavior.scaleDown.stabilizationWindowSeconds, 0, 'no half undo');
	});
});

test("(d) undo of make-guaranteed tests each container's name: a reorder since makes it fail instead of restoring the wrong container", async (t) => {
	await withProduct({controllers: false}, async ({sim, engine, find, controller}) => {
		const finding = find('not-guaranteed', named('prometheus'));
		const statefulSets = sim.type('apps', 'statefulsets');
		const before = sim.api.get(statefulSets, 'monitoring', 'prometheus').spec.template.spec.containers as Obj[];
		t.is((await engine.apply(await engine.prepare(finding, 'make-guaranteed', controller.state, sameValues))).status, 'applied');
		const undo = await engine.prepareUndo();
		t.true(undo!.allowed, undo!.reason);
		const body = undo!.plan.batches[0]![0]!.body as Array<{op: string; path: string; value?: unknown}>;
		t.deepEqual(
			body.filter((op) => op.path.endsWith('/name')),
			[
				{op: 'test', path: '/spec/template/spec/containers/0/name', value: 'prometheus'},
				{op: 'test', path: '/spec/template/spec/containers/1/name', value: 'config-reloader'},
			],
		);
		// Both containers now hold the same values: only the name tests tell them apart.
		someoneEdits(sim, statefulSets, 'monitoring', 'prometheus', 'json', swapContainers);
		t.is((await engine.apply(undo!)).status, 'conflict');
		const containers = sim.api.get(statefulSets, 'monitoring', 'prometheus').spec.template.spec.containers as Obj[];
		t.deepEqual(
			containers.map((c) => [c.name, c.resources.limits]),
			[
				['config-reloader', {cpu: '1', memory: '1Gi'}],
				['prometheus', {cpu: '1', memory: '1Gi'}],
			],
			'nothing restored onto the wrong container',
		);
		// Planned again against the new order, the undo puts each container's own values back.
		const again = await engine.prepareUndo();
		t.is((await engine.apply(again!)).status, 'applied');
		const restored = sim.api.get(statefulSets, 'monitoring', 'prometheus').spec.template.spec.containers as Obj[];
		for (const original of before) t.deepEqual(restored.find((c) => c.name === original.name)!.resources, original.resources);
	});
});

test("(e) the real kubectl sends the product's JSON patches: accepted after a status write, refused as the product expects after an edit of a tested field", async (t) => {
	await withProduct({controllers: true, timeScale: 20}, async ({sim, engine, find, controller}) => {
		const kubeconfig = writeKubeconfig(sim);
		const hpas = sim.type('autoscaling', 'horizontalpodautoscalers');
		const finding = find('hpa-flapping', named('checkout-web'));
		const prepared = await engine.prepare(finding, 'dampen-hpa', controller.state);
		const body = goJsonText(prepared.plan.batches[0]![0]!.body);
		const patch = (extra: string[] = []) =>
			kubectl(kubeconfig, ['patch', 'horizontalpodautoscaler', 'checkout-web', '-n', 'checkout', '--type=json', '-p', body, ...extra]);

		// Someone edits a tested field: kubectl gets the 422 the product treats as a conflict.
		const hpa = sim.api.get(hpas, 'checkout', 'checkout-web');
		someoneEdits(sim, hpas, 'checkout', 'checkout-web', 'merge', {spec: {behavior: {scaleUp: {stabilizationWindowSeconds: 5}}}});
		const refused = await patch();
		t.is(refused.code, 1, refused.stdout);
		t.is(refused.stderr.trim(), 'The request is invalid: the server rejected our request due to an error in our request');
		t.is(sim.api.get(hpas, 'checkout', 'checkout-web').spec.behavior.scaleUp.stabilizationWindowSeconds, 5, 'nothing overwritten');

		// Put it back as planned; then a controller status write happens: the same body goes through.
		someoneEdits(sim, hpas, 'checkout', 'checkout-web', 'merge', {spec: {behavior: {scaleUp: {stabilizationWindowSeconds: 0}}}});
		await statusWritten(sim, 'autoscaling', 'horizontalpodautoscalers', 'checkout', 'checkout-web', sim.api.get(hpas, 'checkout', 'checkout-web'));
		const dry = await patch(['--dry-run=server']);
		t.is(dry.code, 0, dry.stderr);
		t.is(sim.api.get(hpas, 'checkout', 'checkout-web').spec.behavior.scaleUp.stabilizationWindowSeconds, 0, 'a server dry run saves nothing');
		const accepted = await patch();
		t.is(accepted.code, 0, accepted.stderr);
		t.regex(accepted.stdout, /horizontalpodautoscaler\.autoscaling\/checkout-web patched/);
		const after = sim.api.get(hpas, 'checkout', 'checkout-web');
		t.is(after.spec.behavior.scaleUp.stabilizationWindowSeconds, 60);
		t.deepEqual({...after.spec, behavior: undefined}, {...hpa.spec, behavior: undefined});
	});
});

test('(e) the real kubectl with the make-guaranteed and CronJob TTL bodies: name tests and "absent" tests (null) as the product sends them', async (t) => {
	await withProduct({controllers: false}, async ({sim, engine, find, controller}) => {
		const kubeconfig = writeKubeconfig(sim);
		// make-guaranteed on spark-operator: init containers by index, each with a test of its name.
		const guaranteed = await engine.prepare(find('not-guaranteed', named('spark-operator')), 'make-guaranteed', controller.state);
		t.true(guaranteed.allowed, guaranteed.reason);
		const body = guaranteed.plan.batches[0]![0]!.body as Array<{op: string; path: string; value?: unknown}>;
		t.true(body.some((op) => op.op === 'test' && op.path === '/spec/template/spec/initContainers/1/name' && op.value === 'log-shipper'));
		t.true(
			body.some((op) => op.op === 'test' && op.value === null),
			'a field the remedy adds is tested as absent',
		);
		const deployments = sim.type('apps', 'deployments');
		const patch = (name: string, kind: string, namespace: string, text: string) =>
			kubectl(kubeconfig, ['patch', kind, name, '-n', namespace, '--type=json', '-p', text]);
		// Reordered init containers: refused.
		const original = sim.api.get(deployments, 'data-platform', 'spark-operator');
		someoneEdits(sim, deployments, 'data-platform', 'spark-operator', 'json', [
			{op: 'move', from: '/spec/template/spec/initContainers/1', path: '/spec/template/spec/initContainers/0'},
		]);
		const refused = await patch('spark-operator', 'deployment', 'data-platform', goJsonText(body));
		t.is(refused.code, 1);
		t.regex(refused.stderr, /the server rejected our request due to an error in our request/);
		// Back in the planned order (and a status write on top): accepted.
		someoneEdits(sim, deployments, 'data-platform', 'spark-operator', 'json', [
			{op: 'move', from: '/spec/template/spec/initContainers/1', path: '/spec/template/spec/initContainers/0'},
		]);
		const live = sim.api.get(deployments, 'data-platform', 'spark-operator');
		sim.api.controllerWrite(
			deployments,
			{...live, status: {...live.status, observedGeneration: live.metadata.generation, unavailableReplicas: 1}},
			'kube-controller-manager',
			'status',
		);
		const accepted = await patch('spark-operator', 'deployment', 'data-platform', goJsonText(body));
		t.is(accepted.code, 0, accepted.stderr);
		const spec = sim.api.get(deployments, 'data-platform', 'spark-operator').spec.template.spec;
		t.deepEqual(
			spec.initContainers.map((c: Obj) => c.name),
			original.spec.template.spec.initContainers.map((c: Obj) => c.name),
		);
		for (const c of [...spec.containers, ...spec.initContainers]) t.deepEqual(c.resources.requests, c.resources.limits, c.name);

		// The CronJob TTL: "test absent" (null) then add; refused once someone set a TTL.
		const ttl = await engine.prepare(
			find('job-without-ttl', (f) => 'kind' in f.subject && f.subject.kind === 'CronJob'),
			'set-job-ttl',
			controller.state,
		);
		const ttlBody = ttl.plan.batches[0]![0]!.body;
		t.deepEqual((ttlBody as unknown[])[0], {op: 'test', path: '/spec/jobTemplate/spec/ttlSecondsAfterFinished', value: null});
		const cronjobs = sim.type('batch', 'cronjobs');
		someoneEdits(sim, cronjobs, 'ml-pipelines', 'feature-refresh', 'merge', {spec: {jobTemplate: {spec: {ttlSecondsAfterFinished: 60}}}});
		t.is((await patch('feature-refresh', 'cronjob', 'ml-pipelines', goJsonText(ttlBody))).code, 1);
		t.is(sim.api.get(cronjobs, 'ml-pipelines', 'feature-refresh').spec.jobTemplate.spec.ttlSecondsAfterFinished, 60);
		someoneEdits(sim, cronjobs, 'ml-pipelines', 'feature-refresh', 'json', [{op: 'remove', path: '/spec/jobTemplate/spec/ttlSecondsAfterFinished'}]);
		const set = await patch('feature-refresh', 'cronjob', 'ml-pipelines', goJsonText(ttlBody));
		t.is(set.code, 0, set.stderr);
		t.is(sim.api.get(cronjobs, 'ml-pipelines', 'feature-refresh').spec.jobTemplate.spec.ttlSecondsAfterFinished, 3600);
	});
});

test('(e) strings are compared by their bytes, as kube-apiserver compares them: kubectl and the product write them as Go does, a raw "&" fails', async (t) => {
	await withProduct({controllers: false}, async ({sim}) => {
		const kubeconfig = writeKubeconfig(sim);
		const deployments = sim.type('apps', 'deployments');
		someoneEdits(sim, deployments, 'checkout', 'cart', 'merge', {metadata: {annotations: {note: 'R&D <team>'}}});
		const body = [
			{op: 'test', path: '/metadata/annotations/note', value: 'R&D <team>'},
			{op: 'replace', path: '/metadata/annotations/note', value: 'ops'},
		];
		const asJavaScriptWritesIt = JSON.stringify(body);
		const error = t.throws(() => sim.api.patch(deployments, 'checkout', 'cart', 'application/json-patch+json', asJavaScriptWritesIt, someoneElse)) as {
			code?: number;
		};
		t.is(error?.code, 422);
		// kubectl re-encodes -p with Go's encoder, so the same text passes from kubectl; the product's text passes as it is.
		const viaKubectl = await kubectl(kubeconfig, [
			'patch',
			'deployment',
			'cart',
			'-n',
			'checkout',
			'--type=json',
			'--dry-run=server',
			'-p',
			asJavaScriptWritesIt,
		]);
		t.is(viaKubectl.code, 0, viaKubectl.stderr);
		t.notThrows(() => sim.api.patch(deployments, 'checkout', 'cart', 'application/json-patch+json', goJsonText(body), someoneElse));
		t.is(sim.api.get(deployments, 'checkout', 'cart').metadata.annotations.note, 'ops');
	});
});
