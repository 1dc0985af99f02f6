import test from 'ava';
import {dampenBehavior, type JsonObject} from '../../source/findings/autoscaling/dampen.js';
import {dampenHpaPatch, dampenScaledObjectPatch, overprovisioningForPool, quotaForNamespace} from '../../source/plans/autoscaling.js';
import {guardedJsonPatch} from '../../source/plans/guarded-patch.js';
import {emptyState} from '../../source/model/empty-state.js';
import type {SlimNode, SlimPod, SlimPodSpec, SlimPriorityClass, SlimScaledObject, SlimWorkload} from '../../source/model/slim.js';
import {buildScenario} from '../../source/sim/scenarios/index.js';
import {Simulator} from '../../source/sim/simulator.js';
import {container, hpaBuilder} from '../helpers/slim.js';

const NOW = Date.UTC(2025, 5, 1, 12);

function meta(namespace: string, name: string) {
	return {namespace, name, uid: `${namespace}-${name}`, resourceVersion: '7', created: NOW - 86_400_000};
}

const hpa = hpaBuilder(meta);

function deployment(namespace: string, name: string, template: SlimPodSpec, replicas = 1): SlimWorkload {
	return {...meta(namespace, name), kind: 'Deployment', generation: 1, replicas, readyReplicas: replicas, currentReplicas: replicas, template};
}

function pod(namespace: string, name: string, spec: SlimPodSpec, owner?: {kind: string; name: string}, extra: Partial<SlimPod> = {}): SlimPod {
	return {...meta(namespace, name), phase: 'Running', spec, ...(owner ? {owner: {...owner, uid: 'u'}} : {}), ...extra};
}

function node(name: string, pool: string, labels: Record<string, string>, cpuMillis = 7820, memoryBytes = 32 * 1024 ** 3): SlimNode {
	return {...meta('', name), pool, labels, ready: true, unschedulable: false, allocatable: {cpuMillis, memoryBytes}};
}

function keyed<T extends {namespace: string; name: string}>(items: T[]): Map<string, T> {
	return new Map(items.map((i) => [i.namespace ? `${i.namespace}/${i.name}` : i.name, i]));
}

test("dampening the simulator's flapping HPA raises both windows and keeps its policies", (t) => {
	// The incident scenario's checkout-web as the simulator seeds it.
	const sim = new Simulator({scenario: 'incident', controllers: false});
	buildScenario(sim, 'incident', {});
	sim.clock.stop();
	const live = sim.api.get(sim.type('autoscaling', 'horizontalpodautoscalers'), 'checkout', 'checkout-web');
	const behavior = live.spec.behavior;
	const plan = dampenHpaPatch({namespace: 'checkout', name: 'checkout-web', behavior});
	t.truthy(plan);
	t.deepEqual(plan!.target, {apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', namespace: 'checkout', name: 'checkout-web'});
	// Only the windows: policies (an atomic list) and selectPolicy stay as they are.
	t.deepEqual(plan!.patch, {spec: {behavior: {scaleDown: {stabilizationWindowSeconds: 600}, scaleUp: {stabilizationWindowSeconds: 60}}}});
	// Sent as a JSON patch that tests exactly those two fields as planned (not the status, not the rest of the spec).
	t.deepEqual(guardedJsonPatch(live, plan!.patch), [
		{op: 'test', path: '/spec/behavior/scaleDown/stabilizationWindowSeconds', value: 0},
		{op: 'test', path: '/spec/behavior/scaleUp/stabilizationWindowSeconds', value: 0},
		{op: 'replace', path: '/spec/behavior/scaleDown/stabilizationWindowSeconds', value: 600},
		{op: 'replace', path: '/spec/behavior/scaleUp/stabilizationWindowSeconds', value: 60},
	]);
	t.deepEqual(plan!.changes, ['scaleDown.stabilizationWindowSeconds 0 → 600', 'scaleUp.stabilizationWindowSeconds 0 → 60']);
	t.true(plan!.kept.some((k) => k.startsWith('scaleUp.policies (Pods 4/15s')));
	t.true(plan!.kept.includes('scaleDown.policies'));
});

test('dampening an HPA with default behavior sets windows and a per-minute scale-up policy', (t) => {
	const change = dampenBehavior(undefined);
	t.deepEqual(change?.behavior, {
		scaleDown: {stabilizationWindowSeconds: 600},
		scaleUp: {
			stabilizationWindowSeconds: 60,
			policies: [
				{type: 'Percent', value: 100, periodSeconds: 60},
				{type: 'Pods', value: 4, periodSeconds: 60},
			],
		},
	});
	t.is(change?.changes[0], 'scaleDown.stabilizationWindowSeconds unset (300) → 600');
	// No behavior at all: the patch tests that it is still absent, then adds it.
	const plan = dampenHpaPatch({namespace: 'a', name: 'b', behavior: undefined});
	t.deepEqual(guardedJsonPatch({spec: {minReplicas: 1, maxReplicas: 5}}, plan!.patch), [
		{op: 'test', path: '/spec/behavior', value: null},
		{op: 'add', path: '/spec/behavior', value: change!.behavior},
	]);
});

test('longer windows already set are kept; nothing to raise → no patch', (t) => {
	const partly = dampenBehavior({scaleDown: {stabilizationWindowSeconds: 900}});
	t.deepEqual(partly?.behavior, {
		scaleUp: {
			stabilizationWindowSeconds: 60,
			policies: [
				{type: 'Percent', value: 100, periodSeconds: 60},
				{type: 'Pods', value: 4, periodSeconds: 60},
			],
		},
	});
	t.true(partly!.kept.includes('scaleDown.stabilizationWindowSeconds 900'));
	t.is(dampenBehavior({scaleDown: {stabilizationWindowSeconds: 900}, scaleUp: {stabilizationWindowSeconds: 120}}), undefined);
	t.is(
		dampenHpaPatch({
			namespace: 'a',
			name: 'b',
			behavior: {scaleDown: {stabilizationWindowSeconds: 600}, scaleUp: {stabilizationWindowSeconds: 60, policies: []}},
		}),
		undefined,
	);
	// A suggested window above the API's 3600 s limit is clamped.
	t.deepEqual(dampenBehavior(undefined, {scaleDownWindowSeconds: 7200})?.behavior.scaleDown, {stabilizationWindowSeconds: 3600});
});

test('a KEDA-owned HPA is dampened through its ScaledObject (a JSON patch: CRDs take no strategic merge)', (t) => {
	const so: SlimScaledObject = {
		...meta('data-platform', 'ingest-worker'),
		target: {kind: 'Deployment', name: 'ingest-worker'},
		minReplicaCount: 1,
		maxReplicaCount: 20,
		hpaName: 'keda-hpa-ingest-worker',
		behavior: {scaleUp: {policies: [{type: 'Pods', value: 2, periodSeconds: 30}]}},
	};
	const plan = dampenScaledObjectPatch(so, {scaleDownWindowSeconds: 720});
	t.deepEqual(plan?.target, {apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', namespace: 'data-platform', name: 'ingest-worker'});
	t.deepEqual(plan?.patch, {
		spec: {advanced: {horizontalPodAutoscalerConfig: {behavior: {scaleDown: {stabilizationWindowSeconds: 720}, scaleUp: {stabilizationWindowSeconds: 60}}}}},
	});
	const live = {
		spec: {scaleTargetRef: {name: 'ingest-worker'}, advanced: {horizontalPodAutoscalerConfig: {behavior: so.behavior}}},
		status: {hpaName: 'keda-hpa-ingest-worker'},
	};
	t.deepEqual(guardedJsonPatch(live, plan!.patch), [
		{op: 'test', path: '/spec/advanced/horizontalPodAutoscalerConfig/behavior/scaleDown', value: null},
		{op: 'test', path: '/spec/advanced/horizontalPodAutoscalerConfig/behavior/scaleUp/stabilizationWindowSeconds', value: null},
		{op: 'add', path: '/spec/advanced/horizontalPodAutoscalerConfig/behavior/scaleDown', value: {stabilizationWindowSeconds: 720}},
		{op: 'add', path: '/spec/advanced/horizontalPodAutoscalerConfig/behavior/scaleUp/stabilizationWindowSeconds', value: 60},
	]);
});

test("a quota from the HPAs' max × per-pod requests plus other pods plus 25 % surge", (t) => {
	const web = deployment('shop', 'web', {containers: [container({cpu: '250m', memory: '256Mi'})]}, 3);
	const api = deployment('shop', 'api', {containers: [container({cpu: '500m', memory: '512Mi'})]}, 2);
	const worker = deployment('shop', 'worker', {containers: [container({cpu: '100m', memory: '128Mi'})]}, 1);
	const rs: SlimWorkload = {...deployment('shop', 'web-5d8f', web.template, 3), kind: 'ReplicaSet', owner: {kind: 'Deployment', name: 'web', uid: 'u'}};
	const state = emptyState({
		now: NOW,
		hpas: keyed([hpa('shop', 'web', 'web', 2, 12, 3), hpa('shop', 'api', 'api', 2, 8, 2)]),
		workloads: keyed([web, api, worker, rs]),
		pods: keyed([
			pod('shop', 'web-5d8f-a', web.template, {kind: 'ReplicaSet', name: 'web-5d8f'}),
			pod('shop', 'worker-x', worker.template, {kind: 'ReplicaSet', name: 'worker-77'}),
			pod('shop', 'done', worker.template, undefined, {phase: 'Succeeded'}),
			pod('other', 'elsewhere', worker.template),
		]),
	});
	const plan = quotaForNamespace(state, 'shop');
	t.truthy(plan);
	// pods: (12 + 8 + 1 other) × 1.25 = 26.25 → 27.
	// cpu: 12×250m + 8×500m + 100m = 7100m × 1.25 = 8875m → 8900m.
	// memory: 12×256Mi + 8×512Mi + 128Mi = 7296Mi × 1.25 = 9120Mi → 9152Mi (64Mi steps).
	t.deepEqual(plan!.hard, {pods: '27', 'requests.cpu': '8900m', 'requests.memory': '9152Mi'});
	t.is(plan!.hpaMaxPods, 20);
	t.deepEqual(plan!.omitted, []);
	const object = plan!.object as {apiVersion: string; kind: string; metadata: JsonObject; spec: {hard: JsonObject}};
	t.is(object.kind, 'ResourceQuota');
	t.is(object.apiVersion, 'v1');
	t.deepEqual(object.metadata, {name: 'autoscaling-bound', namespace: 'shop', labels: {'app.kubernetes.io/managed-by': 'kubectl-assure'}});
	t.deepEqual(object.spec.hard, plan!.hard);
	t.true(plan!.derivation.some((d) => d.startsWith('web: max 12 × Deployment/web (250m')));
	t.true(plan!.derivation.some((d) => d.startsWith('other pods running now: 1')));
	t.is(quotaForNamespace(state, 'other'), undefined);
});

test('a quota leaves out a resource some pod does not request, and says why', (t) => {
	const web = deployment('checkout', 'web', {containers: [container({cpu: '250m', memory: '256Mi'})]}, 3);
	const bestEffort = deployment('checkout', 'recommendations', {containers: [container({})]}, 3);
	const state = emptyState({
		now: NOW,
		hpas: keyed([hpa('checkout', 'web', 'web', 2, 12, 3)]),
		workloads: keyed([web, bestEffort]),
	});
	const plan = quotaForNamespace(state, 'checkout', {headroom: 0});
	t.deepEqual(plan!.hard, {pods: '12'});
	t.is(plan!.omitted.length, 2);
	t.regex(
		plan!.omitted[0]!,
		/^requests\.cpu: Deployment\/recommendations has a container without a cpu request; a quota on it would make the API server reject such pods$/,
	);
});

test('over-provisioning: PriorityClass -10 and pause pods pinned to the pool, with the cost', (t) => {
	const aks = {'kubernetes.azure.com/agentpool': 'burst', agentpool: 'burst', 'node.kubernetes.io/instance-type': 'Standard_D8s_v5'};
	const state = emptyState({
		now: NOW,
		nodes: keyed([
			node('aks-burst-0', 'burst', aks),
			node('aks-burst-1', 'burst', aks),
			node('aks-system-0', 'system', {agentpool: 'system'}, 3820, 16 * 1024 ** 3),
		]),
	});
	const plan = overprovisioningForPool(state, 'burst');
	t.truthy(plan);
	t.is(plan!.labelKey, 'kubernetes.azure.com/agentpool');
	t.deepEqual(plan!.priorityClass, {
		apiVersion: 'scheduling.k8s.io/v1',
		kind: 'PriorityClass',
		metadata: {name: 'overprovisioning', labels: {'app.kubernetes.io/managed-by': 'kubectl-assure'}},
		value: -10,
		globalDefault: false,
		preemptionPolicy: 'Never',
		description: 'Pause pods that keep spare node capacity; any real pod preempts them.',
	});
	// Half of 7820m → 3900m (100m steps); half of 32Gi → 16Gi.
	t.deepEqual(plan!.perPod, {cpuMillis: 3900, memoryBytes: 16 * 1024 ** 3});
	const deployment = plan!.deployment as {
		kind: string;
		metadata: {name: string; namespace: string};
		spec: {
			replicas: number;
			selector: {matchLabels: Record<string, string>};
			template: {
				metadata: {labels: Record<string, string>};
				spec: {
					priorityClassName: string;
					nodeSelector: Record<string, string>;
					containers: Array<{image: string; resources: {requests: Record<string, string>}}>;
				};
			};
		};
	};
	t.is(deployment.kind, 'Deployment');
	t.deepEqual(deployment.metadata.name, 'overprovisioning-burst');
	t.is(deployment.spec.replicas, 1);
	t.is(deployment.spec.template.spec.priorityClassName, 'overprovisioning');
	t.deepEqual(deployment.spec.template.spec.nodeSelector, {'kubernetes.azure.com/agentpool': 'burst'});
	t.deepEqual(deployment.spec.template.spec.containers[0]!.resources.requests, {cpu: '3900m', memory: '16Gi'});
	t.is(deployment.spec.template.spec.containers[0]!.image, 'registry.k8s.io/pause:3.10');
	for (const [k, v] of Object.entries(deployment.spec.selector.matchLabels)) t.is(deployment.spec.template.metadata.labels[k], v);
	t.regex(plan!.cost, /^Reserves 3900m CPU and 16Gi in node group burst at all times \(about 0\.5 of a Standard_D8s_v5 node/);
	t.regex(plan!.cost, /up to 1 extra node while/);
});

test('over-provisioning reuses a PriorityClass at -10 and avoids a taken name', (t) => {
	const nodes = keyed([node('gke-pool-a-1', 'pool-a', {'cloud.google.com/gke-nodepool': 'pool-a'})]);
	const existing: SlimPriorityClass = {...meta('', 'spare-capacity'), value: -10, globalDefault: false};
	const reused = overprovisioningForPool(emptyState({now: NOW, nodes, priorityClasses: keyed([existing])}), 'pool-a', {replicas: 2, share: 0.25});
	t.is(reused?.priorityClass, undefined);
	t.is(reused?.priorityClassName, 'spare-capacity');
	t.is(reused?.replicas, 2);
	t.is(reused?.labelKey, 'cloud.google.com/gke-nodepool');
	const taken: SlimPriorityClass = {...meta('', 'overprovisioning'), value: -1, globalDefault: false};
	const renamed = overprovisioningForPool(emptyState({now: NOW, nodes, priorityClasses: keyed([taken])}), 'pool-a');
	t.is(renamed?.priorityClassName, 'overprovisioning-assure');
	t.is((renamed?.priorityClass?.metadata as {name: string}).name, 'overprovisioning-assure');
});

test('no plan without nodes', (t) => {
	t.is(overprovisioningForPool(emptyState({now: NOW}), 'burst'), undefined);
});

test('an HPA on a StatefulSet finds it even when a Deployment has the same name', (t) => {
	const db: SlimWorkload = {...deployment('data', 'db', {containers: [container({cpu: '1', memory: '4Gi'})]}, 3), kind: 'StatefulSet'};
	const other = deployment('data', 'db', {containers: [container({cpu: '100m', memory: '128Mi'})]}, 1);
	const state = emptyState({
		now: NOW,
		hpas: keyed([{...hpa('data', 'db', 'db', 3, 6, 3), target: {apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db'}}]),
		// The combined map keeps one of the two; the per-kind maps keep both.
		workloads: keyed([other]),
		deployments: keyed([other]),
		statefulSets: keyed([db]),
	});
	const plan = quotaForNamespace(state, 'data', {headroom: 0});
	t.deepEqual(plan?.hard, {pods: '6', 'requests.cpu': '6', 'requests.memory': '24Gi'});
});
