/**
 * The scenarios and the simulated controllers: what the incident cluster holds, that the
 * controllers keep it moving as a real cluster would (the flapping HPA flaps, KEDA reverts
 * edits to its HPA, the gitops writer fights the HPA, the node pool churns, CronJobs run),
 * and that scenarios are deterministic for a seed.
 */
import test from 'ava';
import type {Obj} from '../../source/formats/json-object.js';
import {Simulator} from '../../source/sim/simulator.js';
import {eventually, withSim} from '../helpers/sim.js';

const admin = {user: {name: 'test', groups: ['system:masters']}};

test('incident: the planted offenders for every pane are there', async (t) => {
	await withSim({scenario: 'incident', controllers: false}, async (sim) => {
		const jobs = sim.api.objects('batch/jobs');
		const finished = jobs.filter((j) =>
			((j.status?.conditions ?? []) as Obj[]).some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True'),
		);
		const withoutTtl = finished.filter((j) => j.spec.ttlSecondsAfterFinished === undefined);
		t.true(withoutTtl.length >= 150, `${withoutTtl.length} finished jobs without a TTL`);
		t.is(finished.length - withoutTtl.length, 1, 'one job has a TTL');
		t.true(withoutTtl.some((j) => j.metadata.ownerReferences?.[0]?.kind === 'CronJob'));
		const pods = sim.api.objects('pods');
		t.true(pods.length >= 250 && pods.length <= 350, `${pods.length} pods`);
		t.true(pods.filter((p) => p.status.phase === 'Succeeded' || p.status.phase === 'Failed').length >= 150);
		t.true(pods.some((p) => p.status.qosClass === 'BestEffort'));
		t.true(pods.some((p) => p.status.qosClass === 'Burstable'));
		t.true(pods.some((p) => p.status.qosClass === 'Guaranteed'));
		const pvs = sim.api.objects('persistentvolumes');
		t.is(pvs.filter((pv) => pv.status.phase === 'Released').length, 4);
		t.is(pvs.filter((pv) => pv.status.phase === 'Failed').length, 1);
		t.is(sim.api.objects('persistentvolumeclaims').filter((pvc) => pvc.status.phase === 'Pending').length, 2);
		const oldSets = sim.api.objects('apps/replicasets', 'checkout').filter((rs) => rs.metadata.name.startsWith('legacy-admin-') && rs.spec.replicas === 0);
		t.is(oldSets.length, 35);
		const datasets = sim.api.objects('ml.example.com/datasets');
		t.true(
			datasets.some((d) => JSON.stringify(d).length > 1.125 * 1024 * 1024),
			'an object within 25% of the 1.5 MiB limit',
		);
		const hpas = sim.api.objects('autoscaling/horizontalpodautoscalers');
		t.deepEqual(hpas.map((h) => `${h.metadata.namespace}/${h.metadata.name}`).sort(), [
			'checkout/cart',
			'checkout/checkout-web',
			'checkout/storefront',
			'data-platform/keda-hpa-ingest-worker',
		]);
		t.is(sim.api.objects('resourcequotas', 'checkout').length, 0, 'checkout has HPAs and no quota');
		const storefront = sim.api.get(sim.type('apps', 'deployments'), 'checkout', 'storefront');
		t.true(storefront.metadata.managedFields.some((m: Obj) => m.manager === 'argocd-controller' && JSON.stringify(m.fieldsV1).includes('f:replicas')));
		const rescales = sim.api.objects('events', 'checkout').filter((e) => e.reason === 'SuccessfulRescale');
		t.is(
			rescales.reduce((n, e) => n + e.count, 0),
			38,
			'the last hour of rescales, deduplicated into two events',
		);
		t.is(sim.api.objects('scheduling.k8s.io/priorityclasses').filter((pc) => pc.value < 0).length, 0, 'no over-provisioning');
		t.true(sim.api.objects('secrets').length > 0);
	});
});

test('clean: nothing to find', async (t) => {
	await withSim({scenario: 'clean', controllers: false}, async (sim) => {
		const pods = sim.api.objects('pods');
		t.true(pods.length > 0);
		t.true(
			pods.every((p) => p.status.qosClass === 'Guaranteed'),
			'every pod Guaranteed',
		);
		t.is(sim.api.objects('persistentvolumes').filter((pv) => pv.status.phase !== 'Bound').length, 0);
		for (const ns of ['shop', 'jobs']) t.is(sim.api.objects('resourcequotas', ns).length, 1);
		t.true(sim.api.objects('scheduling.k8s.io/priorityclasses').some((pc) => pc.value === -10));
		t.true(sim.api.objects('batch/cronjobs').every((cj) => cj.spec.jobTemplate.spec.ttlSecondsAfterFinished > 0));
	});
});

test('scenarios are deterministic for a seed', async (t) => {
	const names = async (seed: number) =>
		withSim({scenario: 'incident', seed, controllers: false}, async (sim) =>
			sim.api
				.objects('pods')
				.map((p) => `${p.metadata.namespace}/${p.metadata.name}/${p.metadata.uid}`)
				.sort(),
		);
	const a = await names(7);
	t.deepEqual(await names(7), a);
	t.notDeepEqual(await names(8), a);
});

test('large: pods, nodes, namespaces and HPAs in proportion', async (t) => {
	await withSim({scenario: 'large', size: 3000, controllers: false}, async (sim) => {
		const pods = sim.store.resource('pods').size;
		t.true(pods > 2950 && pods <= 3000, `${pods} pods`);
		t.is(sim.store.resource('nodes').size, 100);
		t.is(sim.store.resource('autoscaling/horizontalpodautoscalers').size, 200);
		const perNamespace = new Map<string, number>();
		for (const record of sim.store.resource('pods').objects.values()) perNamespace.set(record.namespace, (perNamespace.get(record.namespace) ?? 0) + 1);
		t.true(Math.max(...[...perNamespace.values()]) <= 3000);
		const pod = sim.store
			.resource('pods')
			.sorted()
			.find((r) => r.namespace.startsWith('team-'))!;
		t.true(pod.json.length > 2500, 'pods are realistic in size');
	});
});

test("controllers: the flapping HPA changes its target's replicas up and down; the steady one does not", async (t) => {
	await withSim({scenario: 'incident', timeScale: 40}, async (sim) => {
		const deployments = sim.type('apps', 'deployments');
		const seen: number[] = [];
		await eventually(
			() => {
				const replicas = sim.api.get(deployments, 'checkout', 'checkout-web').spec.replicas as number;
				if (seen.at(-1) !== replicas) seen.push(replicas);
				return seen.length >= 5;
			},
			30_000,
			'four changes of checkout-web',
		);
		t.true(seen.some((n) => n >= 9) && seen.some((n) => n <= 4), `replicas went ${seen.join(' → ')}`);
		t.is(sim.api.get(deployments, 'checkout', 'cart').spec.replicas, 3);
		const hpa = sim.api.get(sim.type('autoscaling', 'horizontalpodautoscalers'), 'checkout', 'checkout-web');
		t.is(hpa.status.conditions[0].type, 'AbleToScale');
		const deployment = sim.api.get(deployments, 'checkout', 'checkout-web');
		t.true(deployment.metadata.managedFields.some((m: Obj) => m.manager === 'kube-controller-manager' && m.subresource === 'scale'));
		const events = sim.api.objects('events', 'checkout').filter((e) => e.reason === 'SuccessfulRescale' && e.involvedObject.name === 'checkout-web');
		t.true(events.some((e) => /^New size: \d+; reason: /.test(e.message)));
	});
});

test('controllers: a stabilization window damps the flapping HPA', async (t) => {
	await withSim({scenario: 'incident', timeScale: 40}, async (sim) => {
		const hpas = sim.type('autoscaling', 'horizontalpodautoscalers');
		sim.api.patch(
			hpas,
			'checkout',
			'checkout-web',
			'application/merge-patch+json',
			JSON.stringify({spec: {behavior: {scaleDown: {stabilizationWindowSeconds: 600}}}}),
			admin,
		);
		const deployments = sim.type('apps', 'deployments');
		const seen: number[] = [];
		const start = Date.now();
		while (Date.now() - start < 12_000) {
			const replicas = sim.api.get(deployments, 'checkout', 'checkout-web').spec.replicas as number;
			if (seen.at(-1) !== replicas) seen.push(replicas);
			await new Promise((resolve) => setTimeout(resolve, 50));
		}
		// 12 s × 40 = 8 simulated minutes: it scales up once and then holds.
		const downs = seen.filter((n, i) => i > 0 && n < seen[i - 1]!).length;
		t.is(downs, 0, `replicas went ${seen.join(' → ')}`);
	});
});

test('controllers: KEDA reverts a direct edit of its HPA; the gitops writer fights the HPA', async (t) => {
	await withSim({scenario: 'incident', timeScale: 40}, async (sim) => {
		const hpas = sim.type('autoscaling', 'horizontalpodautoscalers');
		sim.api.patch(hpas, 'data-platform', 'keda-hpa-ingest-worker', 'application/merge-patch+json', JSON.stringify({spec: {maxReplicas: 50}}), admin);
		await eventually(() => sim.api.get(hpas, 'data-platform', 'keda-hpa-ingest-worker').spec.maxReplicas === 20, 5000, 'KEDA to revert maxReplicas');
		const scaledObjects = sim.type('keda.sh', 'scaledobjects');
		sim.api.patch(
			scaledObjects,
			'data-platform',
			'ingest-worker',
			'application/merge-patch+json',
			JSON.stringify({spec: {advanced: {horizontalPodAutoscalerConfig: {behavior: {scaleDown: {stabilizationWindowSeconds: 900}}}}}}),
			admin,
		);
		await eventually(
			() => sim.api.get(hpas, 'data-platform', 'keda-hpa-ingest-worker').spec.behavior?.scaleDown?.stabilizationWindowSeconds === 900,
			5000,
			'the behavior to reach the HPA',
		);
		const deployments = sim.type('apps', 'deployments');
		await eventually(() => sim.api.get(deployments, 'checkout', 'storefront').spec.replicas === 3, 10_000, 'argocd to set 3');
		const owners = () =>
			(sim.api.get(deployments, 'checkout', 'storefront').metadata.managedFields as Obj[])
				.filter((m) => m.fieldsV1?.['f:spec']?.['f:replicas'])
				.map((m) => `${m.manager}/${m.operation}`);
		t.deepEqual(owners(), ['argocd-controller/Apply']);
		await eventually(() => sim.api.get(deployments, 'checkout', 'storefront').spec.replicas > 3, 10_000, 'the HPA to scale it up again');
		t.deepEqual(owners(), ['kube-controller-manager/Update']);
	});
});

test('controllers: the burst pool churns, with the autoscaler status ConfigMap and events; CronJobs run', async (t) => {
	await withSim({scenario: 'incident', timeScale: 60}, async (sim) => {
		const burst = () => [...sim.store.resource('nodes').objects.values()].filter((r) => r.labels?.agentpool === 'burst').length;
		t.is(burst(), 3);
		await eventually(() => burst() === 4, 15_000, 'scale-up to 4');
		await eventually(() => burst() === 2, 20_000, 'scale-down to 2');
		const status = sim.api.get(sim.type('', 'configmaps'), 'kube-system', 'cluster-autoscaler-status');
		t.regex(status.data.status, /nodeGroups:\n\s*- name: system/);
		t.true(sim.api.objects('events', 'kube-system').some((e) => e.reason === 'ScaledUpGroup'));
		const before = sim.api.objects('batch/jobs', 'ml-pipelines').length;
		await eventually(() => sim.api.objects('batch/jobs', 'ml-pipelines').length > before, 15_000, 'the CronJob to create a job');
		t.pass();
	});
});

test('the simulator can be built twice in one process without sharing state', async (t) => {
	const a = new Simulator({scenario: 'empty', controllers: false});
	const b = new Simulator({scenario: 'empty', controllers: false});
	await a.start();
	await b.start();
	a.api.create(a.type('', 'configmaps'), 'default', {metadata: {name: 'only-in-a'}}, admin);
	t.truthy(a.store.resource('configmaps').get('default/only-in-a'));
	t.falsy(b.store.resource('configmaps').get('default/only-in-a'));
	await a.close();
	await b.close();
});
