/**
 * The remedy engine end to end against the simulator: findings appear, a remedy goes
 * plan → access check → dry run (nothing changes) → diff → apply (the simulator's state
 * changes as the diff said) → journal → undo; a concurrent edit is a conflict, not a
 * clobber; a remedy the user may not perform is disabled with the reason.
 */
import {join} from 'node:path';
import test from 'ava';
import {AppController} from '../../source/app/controller.js';
import {ScaledClock} from '../../source/clock.js';
import type {Finding} from '../../source/model/finding.js';
import {resolveConfig} from '../../source/kube/kubeconfig.js';
import {remedyApi} from '../../source/remedies/remedy-api.js';
import {Session} from '../../source/kube/session.js';
import {remedyCatalog} from '../../source/remedies/catalog.js';
import {RemedyEngine} from '../../source/remedies/engine.js';
import {Journal} from '../../source/remedies/journal.js';
import type {Simulator, SimulatorOptions} from '../../source/sim/simulator.js';
import {eventually, tempDir, withSim, writeKubeconfig} from '../helpers/sim.js';
import {findingFinder} from '../helpers/session.js';

interface Harness {
	sim: Simulator;
	session: Session;
	controller: AppController;
	engine: RemedyEngine;
	journal: Journal;
	find(type: string, predicate?: (f: Finding) => boolean): Finding;
}

async function withProduct(options: SimulatorOptions & {token?: string}, fn: (h: Harness) => Promise<void>): Promise<void> {
	await withSim({scenario: 'incident', ...options}, async (sim) => {
		const config = resolveConfig({kubeconfig: writeKubeconfig(sim, {token: options.token}), allNamespaces: true});
		const session = new Session({config, clock: new ScaledClock(sim.clock.scale, sim.clock.now()), qps: 50, burst: 100});
		await session.connect();
		await session.start();
		await session.waitForSync(session.clock.now() + 120_000, {rescales: true});
		const journal = new Journal(join(tempDir(), 'journal.jsonl'));
		const engine = new RemedyEngine(remedyApi(session.client, session.access, 32), journal, {context: 'test', user: 'tester'}, remedyCatalog());
		const controller = new AppController({session, engine, readOnly: false, minIntervalMs: 0});
		const find = findingFinder(controller);
		try {
			await fn({sim, session, controller, engine, journal, find});
		} finally {
			controller.dispose();
			await session.stop();
		}
	});
}

test('set-job-ttl on a CronJob: dry run changes nothing, apply changes what the diff showed, the journal records it, undo restores it', async (t) => {
	await withProduct({controllers: false}, async ({sim, engine, journal, find, controller}) => {
		const finding = find('job-without-ttl', (f) => 'kind' in f.subject && f.subject.kind === 'CronJob');
		t.deepEqual(finding.subject, {kind: 'CronJob', namespace: 'ml-pipelines', name: 'feature-refresh'});
		const cronjobs = sim.type('batch', 'cronjobs');
		const before = sim.api.get(cronjobs, 'ml-pipelines', 'feature-refresh');
		const prepared = await engine.prepare(finding, 'set-job-ttl', controller.state);
		t.true(prepared.allowed, prepared.reason);
		t.deepEqual(
			prepared.diff.filter((l) => l.op !== '~').map((l) => `${l.op} ${l.text}`),
			['- spec.jobTemplate.spec.ttlSecondsAfterFinished: (unset)', '+ spec.jobTemplate.spec.ttlSecondsAfterFinished: 3600'],
		);
		t.is(sim.api.get(cronjobs, 'ml-pipelines', 'feature-refresh').metadata.resourceVersion, before.metadata.resourceVersion, 'the dry run saved nothing');
		t.true(sim.requestLog.all().some((e) => e.method === 'PATCH' && e.query.dryRun === 'All'));
		t.true(sim.requestLog.all().some((e) => e.path.endsWith('/selfsubjectaccessreviews')));

		const result = await engine.apply(prepared);
		t.is(result.status, 'applied');
		const after = sim.api.get(cronjobs, 'ml-pipelines', 'feature-refresh');
		t.is(after.spec.jobTemplate.spec.ttlSecondsAfterFinished, 3600);
		const patch = sim.requestLog.all().filter((e) => e.method === 'PATCH' && e.query.dryRun === undefined);
		t.is(patch.length, 1);
		t.is(patch[0]!.contentType, 'application/json-patch+json');
		const entries = journal.read();
		t.is(entries.length, 1);
		t.like(entries[0], {context: 'test', user: 'tester', remedyId: 'set-job-ttl', action: 'apply', findingId: finding.id});
		t.deepEqual(
			Object.values(entries[0]!.changes)[0]!.map((c) => c.after),
			[3600],
		);
		t.is(Object.values(entries[0]!.changes)[0]![0]!.before, undefined);

		const undo = await engine.prepareUndo();
		t.truthy(undo);
		t.true(undo!.allowed, undo!.reason);
		t.deepEqual(
			undo!.diff.filter((l) => l.op !== '~').map((l) => `${l.op} ${l.text}`),
			['- spec.jobTemplate.spec.ttlSecondsAfterFinished: 3600', '+ spec.jobTemplate.spec.ttlSecondsAfterFinished: (unset)'],
		);
		const undone = await engine.apply(undo!);
		t.is(undone.status, 'applied');
		t.is(sim.api.get(cronjobs, 'ml-pipelines', 'feature-refresh').spec.jobTemplate.spec.ttlSecondsAfterFinished, undefined);
		t.is(journal.read().at(-1)!.action, 'undo');
		t.is(engine.lastApplied(), undefined, 'nothing left to undo');
	});
});

test('a concurrent edit of the field between plan and apply is a conflict: nothing is overwritten', async (t) => {
	await withProduct({controllers: false}, async ({sim, engine, find, controller}) => {
		const finding = find('replicaset-history', (f) => 'kind' in f.subject && f.subject.name === 'legacy-admin');
		const prepared = await engine.prepare(finding, 'set-revision-history-limit', controller.state);
		t.true(prepared.allowed, prepared.reason);
		const deployments = sim.type('apps', 'deployments');
		sim.api.patch(deployments, 'checkout', 'legacy-admin', 'application/merge-patch+json', JSON.stringify({spec: {revisionHistoryLimit: 20}}), {
			user: {name: 'someone-else', groups: []},
			fieldManager: 'other',
		});
		const result = await engine.apply(prepared);
		t.is(result.status, 'conflict');
		t.regex(result.messages[0]!, /^conflict, nothing was overwritten: Deployment checkout\/legacy-admin was changed by someone else since the plan/);
		t.is(sim.api.get(deployments, 'checkout', 'legacy-admin').spec.revisionHistoryLimit, 20, 'the other edit stands');
		const again = await engine.prepare(finding, 'set-revision-history-limit', controller.state);
		t.deepEqual(
			again.diff.filter((l) => l.op !== '~').map((l) => `${l.op} ${l.text}`),
			['- spec.revisionHistoryLimit: 20', '+ spec.revisionHistoryLimit: 3'],
			're-planned against the new version',
		);
		t.is((await engine.apply(again)).status, 'applied');
	});
});

test('delete-finished-jobs removes the Jobs in batches, and says it cannot be undone', async (t) => {
	await withProduct({controllers: true, timeScale: 5}, async ({sim, engine, find, controller, session}) => {
		const finding = find('job-without-ttl', (f) => 'kind' in f.subject && f.subject.kind === 'Namespace' && f.subject.name === 'batch-jobs');
		const count = Number(finding.evidence.finishedJobs);
		t.true(count >= 80);
		const prepared = await engine.prepare(finding, 'delete-finished-jobs', controller.state);
		t.true(prepared.allowed, prepared.reason);
		t.false(prepared.plan.undoable);
		t.true(prepared.plan.batches.length > 1);
		t.regex(prepared.notes.join(' '), new RegExp(`${count} objects will be deleted, in \\d+ batches`));
		const result = await engine.apply(prepared);
		t.is(result.applied + result.skipped, count);
		const deletes = sim.requestLog.all().filter((e) => e.method === 'DELETE' && e.query.dryRun === undefined);
		t.is(deletes.length, count);
		await eventually(
			() => sim.api.objects('batch/jobs', 'batch-jobs').filter((j) => j.metadata.name.startsWith('report-7')).length === 0,
			10_000,
			'the jobs to go',
		);
		await eventually(() => !sim.api.objects('pods', 'batch-jobs').some((p) => p.metadata.name.startsWith('report-7')), 20_000, 'their pods to go (Background)');
		await eventually(() => ![...session.store.jobs.keys()].some((k) => k.startsWith('batch-jobs/report-7')), 10_000, 'the store to notice');
		const undo = await engine.prepareUndo();
		t.false(undo!.allowed);
		t.regex(undo!.reason ?? '', /only deleted objects/);
	});
});

test('make-guaranteed: the dry-run pod is Guaranteed, the new pods are, and undo restores the template', async (t) => {
	await withProduct({controllers: true, timeScale: 5}, async ({sim, engine, find, controller}) => {
		const finding = find('not-guaranteed', (f) => 'kind' in f.subject && f.subject.name === 'inventory-sync');
		const prepared = await engine.prepare(finding, 'make-guaranteed', controller.state);
		t.true(prepared.allowed, prepared.reason);
		t.true(
			prepared.notes.some((n) => n.includes('would be Guaranteed')),
			prepared.notes.join(' '),
		);
		t.true(
			prepared.diff.some((l) => l.op === '+' && /containers\[sync\]\.resources\.requests\.cpu/.test(l.text)),
			prepared.diff.map((l) => l.text).join('\n'),
		);
		t.false(JSON.stringify(prepared.plan.batches[0]![0]!.body).includes('replicas'));
		const deployments = sim.type('apps', 'deployments');
		const replicas = sim.api.get(deployments, 'data-platform', 'inventory-sync').spec.replicas;
		t.is((await engine.apply(prepared)).status, 'applied');
		t.is(sim.api.get(deployments, 'data-platform', 'inventory-sync').spec.replicas, replicas, 'replicas untouched');
		await eventually(
			() => {
				const pods = sim.api.objects('pods', 'data-platform').filter((p) => p.metadata.labels?.app === 'inventory-sync' && !p.metadata.deletionTimestamp);
				return pods.length > 0 && pods.every((p) => p.status.qosClass === 'Guaranteed');
			},
			20_000,
			'every inventory-sync pod to be Guaranteed',
		);
		const undo = await engine.prepareUndo();
		t.true(undo!.allowed, undo!.reason);
		t.is((await engine.apply(undo!)).status, 'applied');
		const container = sim.api.get(deployments, 'data-platform', 'inventory-sync').spec.template.spec.containers[0];
		t.deepEqual(container.resources, {requests: {cpu: '100m', memory: '128Mi'}, limits: {cpu: '1', memory: '2Gi'}});
	});
});

test('dampen the KEDA-owned HPA: the ScaledObject is patched (a JSON patch: no strategic merge on CRDs), not its HPA', async (t) => {
	await withProduct({controllers: true, timeScale: 20}, async ({sim, engine, find, controller}) => {
		const finding = find('hpa-flapping', (f) => 'kind' in f.subject && f.subject.kind === 'ScaledObject');
		t.deepEqual(
			finding.remedies.map((r) => r.id),
			['dampen-scaledobject'],
		);
		const prepared = await engine.prepare(finding, 'dampen-scaledobject', controller.state);
		t.true(prepared.allowed, prepared.reason);
		t.is((await engine.apply(prepared)).status, 'applied');
		const patches = sim.requestLog.all().filter((e) => e.method === 'PATCH' && e.query.dryRun === undefined);
		t.deepEqual(
			patches.map((e) => [e.path, e.contentType]),
			[['/apis/keda.sh/v1alpha1/namespaces/data-platform/scaledobjects/ingest-worker', 'application/json-patch+json']],
		);
		const hpas = sim.type('autoscaling', 'horizontalpodautoscalers');
		await eventually(
			() => sim.api.get(hpas, 'data-platform', 'keda-hpa-ingest-worker').spec.behavior?.scaleDown?.stabilizationWindowSeconds >= 600,
			10_000,
			'KEDA to carry the behavior into its HPA',
		);
		const undo = await engine.prepareUndo();
		t.is((await engine.apply(undo!)).status, 'applied');
		t.is(sim.api.get(sim.type('keda.sh', 'scaledobjects'), 'data-platform', 'ingest-worker').spec.advanced, undefined);
	});
});

test('a remedy the user may not perform is disabled with the RBAC reason, and nothing is sent', async (t) => {
	await withProduct(
		{
			controllers: false,
			https: true,
			token: 'viewer',
			tokens: {viewer: {name: 'viewer', groups: ['system:authenticated']}},
			rbac: [{users: ['viewer'], verbs: ['get', 'list', 'watch'], apiGroups: ['*'], resources: ['*'], nonResourceURLs: ['*']}],
		},
		async ({sim, engine, find, controller}) => {
			const finding = find('job-without-ttl', (f) => 'kind' in f.subject && f.subject.kind === 'CronJob');
			const prepared = await engine.prepare(finding, 'set-job-ttl', controller.state);
			t.false(prepared.allowed);
			t.regex(prepared.reason ?? '', /patch.*cronjobs/);
			t.false(sim.requestLog.all().some((e) => e.method === 'PATCH'));
			const result = await engine.apply(prepared);
			t.is(result.status, 'failed');
			t.false(sim.requestLog.all().some((e) => e.method === 'PATCH'));
		},
	);
});
