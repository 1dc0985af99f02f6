import test from 'ava';
import {analyzeAutoscaling} from '../../source/findings/autoscaling.js';
import {replicaSpark} from '../../source/findings/autoscaling/context.js';
import {detectFight, isAutoscalerManager} from '../../source/findings/autoscaling/fight.js';
import type {FlapState} from '../../source/findings/flapping.js';
import type {Finding} from '../../source/model/finding.js';
import {emptyState} from '../../source/model/empty-state.js';
import type {SlimNode, SlimPod, SlimPodSpec, SlimPriorityClass, SlimQuota, SlimScaledObject, SlimWorkload} from '../../source/model/slim.js';
import type {ClusterState, NodeGroupSeries, ReplicaPoint, RescaleEvent} from '../../source/model/state.js';
import {hpaBuilder} from '../helpers/slim.js';
import {simulatorFlap} from './simulator-flap.js';

const NOW = Date.UTC(2025, 5, 1, 12);
const S = 1000;
const MIN = 60 * S;
const DAY = 86_400_000;

function meta(namespace: string, name: string, created = NOW - 40 * DAY) {
	return {namespace, name, uid: `${namespace}-${name}`, resourceVersion: '11', created};
}

function keyed<T extends {namespace: string; name: string}>(items: T[]): Map<string, T> {
	return new Map(items.map((i) => [i.namespace ? `${i.namespace}/${i.name}` : i.name, i]));
}

const burst = {agentpool: 'burst'};
const spec = (cpu: string | undefined, memory: string | undefined, nodeSelector?: Record<string, string>, priorityClassName?: string): SlimPodSpec => ({
	containers: [{name: 'main', role: 'container', requests: {...(cpu ? {cpu} : {}), ...(memory ? {memory} : {})}, limits: {}}],
	...(nodeSelector ? {nodeSelector} : {}),
	...(priorityClassName ? {priorityClassName} : {}),
});

function deployment(namespace: string, name: string, replicas: number, template: SlimPodSpec, extra: Partial<SlimWorkload> = {}): SlimWorkload {
	return {...meta(namespace, name), kind: 'Deployment', generation: 1, replicas, readyReplicas: replicas, currentReplicas: replicas, template, ...extra};
}

const hpa = hpaBuilder(meta);

function node(name: string, pool: string, created = NOW - 40 * DAY): SlimNode {
	return {
		...meta('', name, created),
		pool,
		labels: {'kubernetes.azure.com/agentpool': pool, agentpool: pool},
		ready: true,
		unschedulable: false,
		allocatable: {cpuMillis: 7820, memoryBytes: 32 * 1024 ** 3},
	};
}

function find(findings: readonly Finding[], type: string, name?: string): Finding | undefined {
	return findings.find((f) => f.type === type && (name === undefined || ('name' in f.subject && f.subject.name === name)));
}

/** The burst pool: 3 → 4 after 30 s, then 2 and 4 in turn every 7.5 minutes, for `elapsed` minutes. */
function burstCounts(elapsed: number): NodeGroupSeries {
	const start = NOW - elapsed * MIN;
	const counts = [
		{time: start, count: 3},
		{time: start + 30 * S, count: 4},
	];
	const lifetimes: number[] = [];
	let created = 1;
	let deleted = 0;
	for (let k = 1; k * 7.5 <= elapsed; k++) {
		const down = k % 2 === 1;
		counts.push({time: start + k * 7.5 * MIN, count: down ? 2 : 4});
		if (down) {
			deleted += 2;
			lifetimes.push(k === 1 ? 7 * MIN : 7.5 * MIN, ...(k === 1 ? [] : [7.5 * MIN]));
		} else created += 2;
	}
	return {pool: 'burst', counts, lifetimes, created, deleted};
}

const YAML_STATUS = `time: "2025-06-01T12:00:00Z"
autoscalerStatus: Running
clusterWide:
  health: {status: Healthy}
nodeGroups:
  - name: system
    health: {status: Healthy, cloudProviderTarget: 3, minSize: 3, maxSize: 3, nodeCounts: {registered: {total: 3, ready: 3}}}
  - name: burst
    health: {status: Healthy, cloudProviderTarget: 4, minSize: 1, maxSize: 6, nodeCounts: {registered: {total: 2, ready: 2}}}
    scaleUp: {status: InProgress}
    scaleDown: {status: NoCandidates}
`;

interface Incident {
	live?: Map<string, ReplicaPoint[]>;
	events?: boolean;
	nodeGroups?: NodeGroupSeries[];
	extra?: Partial<ClusterState>;
}

/** A slim copy of the simulator's incident cluster as the data layer would hold it. */
function incident(options: Incident = {}): ClusterState {
	const checkoutWeb = deployment('checkout', 'checkout-web', 3, spec('250m', '256Mi', burst), {
		replicaWriters: [{manager: 'kube-controller-manager', operation: 'Update', subresource: 'scale', time: NOW - MIN}],
	});
	const cart = deployment('checkout', 'cart', 3, spec('300m', '384Mi', burst), {
		replicaWriters: [{manager: 'kubectl-client-side-apply', operation: 'Update', time: NOW - 40 * DAY}],
	});
	const storefront = deployment('checkout', 'storefront', 5, spec('200m', '256Mi', burst), {
		replicaWriters: [{manager: 'argocd-controller', operation: 'Apply', time: NOW - MIN}],
	});
	const recommendations = deployment('checkout', 'recommendations', 3, spec(undefined, undefined, burst));
	const ingest = deployment('data-platform', 'ingest-worker', 1, spec('500m', '1Gi', burst));
	const so: SlimScaledObject = {
		...meta('data-platform', 'ingest-worker'),
		target: {kind: 'Deployment', name: 'ingest-worker'},
		minReplicaCount: 1,
		maxReplicaCount: 20,
		pollingInterval: 30,
		cooldownPeriod: 300,
		hpaName: 'keda-hpa-ingest-worker',
	};
	const zero = {stabilizationWindowSeconds: 0, selectPolicy: 'Max'};
	const hpas = [
		hpa('checkout', 'checkout-web', 'checkout-web', 2, 12, 3, {
			lastScaleTime: NOW - MIN,
			behavior: {
				scaleUp: {
					...zero,
					policies: [
						{type: 'Pods', value: 4, periodSeconds: 15},
						{type: 'Percent', value: 100, periodSeconds: 15},
					],
				},
				scaleDown: {...zero, policies: [{type: 'Percent', value: 100, periodSeconds: 15}]},
			},
		}),
		hpa('checkout', 'cart', 'cart', 3, 10, 3, {lastScaleTime: NOW - 2 * DAY}),
		hpa('checkout', 'storefront', 'storefront', 2, 10, 5, {lastScaleTime: NOW - MIN}),
		hpa('data-platform', 'keda-hpa-ingest-worker', 'ingest-worker', 1, 20, 1, {
			lastScaleTime: NOW - 4 * MIN,
			scaledObject: 'ingest-worker',
			metrics: ['External/s0-redis'],
		}),
	];
	const rescaleEvents = new Map<string, RescaleEvent[]>();
	if (options.events !== false) {
		rescaleEvents.set('checkout/checkout-web', [
			{size: 10, reason: 'cpu resource utilization (percentage of request) above target', count: 19, first: NOW - 58 * MIN, last: NOW - 3 * MIN},
			{size: 3, reason: 'All metrics below target', count: 19, first: NOW - 56 * MIN, last: NOW - 90 * S},
		]);
		rescaleEvents.set('data-platform/keda-hpa-ingest-worker', [
			{size: 12, reason: 'external metric s0-redis above target', count: 5, first: NOW - 55 * MIN, last: NOW - 11 * MIN},
			{size: 1, reason: 'All metrics below target', count: 5, first: NOW - 48 * MIN, last: NOW - 4 * MIN},
		]);
	}
	const nodes = [
		node('aks-system-0', 'system'),
		node('aks-system-1', 'system'),
		node('aks-system-2', 'system'),
		node('aks-burst-0', 'burst'),
		node('aks-burst-1', 'burst', NOW - 5 * MIN),
	];
	const quotas: SlimQuota[] = [{...meta('payments', 'payments-quota'), hard: {'count/pods': '50', 'requests.cpu': '20'}}];
	// The BestEffort recommendations pods (not scaled by any HPA) and three of checkout-web's.
	const pods: SlimPod[] = [
		...[0, 1, 2].map((i): SlimPod => ({
			...meta('checkout', `recommendations-7c9-${i}`),
			phase: 'Running',
			nodeName: 'aks-burst-0',
			owner: {kind: 'ReplicaSet', name: 'recommendations-7c9', uid: 'r'},
			spec: recommendations.template,
		})),
		...[0, 1, 2].map((i): SlimPod => ({
			...meta('checkout', `checkout-web-5d8-${i}`),
			phase: 'Running',
			nodeName: 'aks-burst-0',
			owner: {kind: 'ReplicaSet', name: 'checkout-web-5d8', uid: 'w'},
			spec: checkoutWeb.template,
		})),
	];
	const replicaSets: SlimWorkload[] = [
		{...deployment('checkout', 'checkout-web-5d8', 3, checkoutWeb.template), kind: 'ReplicaSet', owner: {kind: 'Deployment', name: 'checkout-web', uid: 'd'}},
	];
	return emptyState({
		now: NOW,
		since: NOW,
		hpas: keyed(hpas),
		scaledObjects: keyed([so]),
		workloads: keyed([checkoutWeb, cart, storefront, recommendations, ingest, ...replicaSets]),
		pods: keyed(pods),
		nodes: keyed(nodes),
		quotas: keyed(quotas),
		replicaHistory: options.live ?? new Map(),
		rescaleEvents,
		nodeGroups: new Map((options.nodeGroups ?? []).map((g) => [g.pool, g])),
		autoscalerStatus: YAML_STATUS,
		...options.extra,
	});
}

test('at startup, the events the incident cluster still holds show both flapping autoscalers', (t) => {
	const {view, flapStates} = analyzeAutoscaling(incident());
	const web = find(view.findings, 'hpa-flapping', 'checkout-web');
	t.truthy(web);
	t.is(web!.severity, 'critical');
	t.deepEqual(web!.subject, {kind: 'HorizontalPodAutoscaler', namespace: 'checkout', name: 'checkout-web'});
	// 38 alternating backfilled points → 37 swings → 36 reversals.
	t.is(web!.evidence.reversals60m, 36);
	t.is(web!.evidence.approximatePoints, 38);
	t.is(web!.evidence.scaleDownWindowSeconds, 0);
	t.is(web!.evidence.suggestedScaleDownWindowSeconds, 600);
	t.deepEqual(
		web!.remedies.map((r) => r.id),
		['dampen-hpa'],
	);
	t.regex(web!.remedies[0]!.title, /scaleDown\.stabilizationWindowSeconds 0 → 600/);
	t.true(web!.detail!.some((d) => d.includes('approximate')));
	t.true(flapStates.get('checkout/checkout-web')?.flapping);

	// KEDA: shown and fixed as its ScaledObject.
	const keda = find(view.findings, 'hpa-flapping', 'ingest-worker');
	t.truthy(keda);
	t.deepEqual(keda!.subject, {kind: 'ScaledObject', namespace: 'data-platform', name: 'ingest-worker'});
	t.is(keda!.id, 'hpa-flapping/data-platform/ScaledObject/ingest-worker');
	t.is(keda!.evidence.reversals60m, 8);
	t.is(keda!.severity, 'critical');
	t.deepEqual(
		keda!.remedies.map((r) => r.id),
		['dampen-scaledobject'],
	);
	t.true(keda!.detail!.some((d) => d.includes('spec.advanced.horizontalPodAutoscalerConfig.behavior')));
	t.true(keda!.objects!.some((o) => o.kind === 'HorizontalPodAutoscaler' && o.name === 'keda-hpa-ingest-worker'));

	// The steady HPA: no finding of any kind.
	t.deepEqual(
		view.findings.filter((f) => 'name' in f.subject && f.subject.name === 'cart'),
		[],
	);
	t.false(flapStates.get('checkout/cart')?.flapping);

	// Rows: one per autoscaler; KEDA by its ScaledObject.
	const kedaRow = view.rows.find((r) => r.id === 'hpa/data-platform/keda-hpa-ingest-worker');
	t.is(kedaRow?.cells.name, 'ingest-worker');
	t.is(kedaRow?.cells.kind, 'SO');
	t.is(kedaRow?.cells.minMax, '1/20');
	const webRow = view.rows.find((r) => r.id === 'hpa/checkout/checkout-web');
	t.is(webRow?.cells.behavior, 'down 0s up 0s');
	t.is(webRow?.cells.reversals, 36);
	t.is(webRow?.severity, 'critical');
	t.true(webRow!.spark!.length >= 55 && webRow!.spark!.every((v) => v === 3 || v === 10));
	const cartRow = view.rows.find((r) => r.id === 'hpa/checkout/cart');
	t.is(cartRow?.cells.behavior, 'default');
	t.is(cartRow?.severity, undefined);
	t.deepEqual(cartRow?.findingIds, []);
	t.is(view.rows[0]!.severity, 'critical');
	t.true(view.header.some((h) => h.includes('approximate')));
});

test('the gitops writer on storefront is a fight, not a flap, with no dampen remedy', (t) => {
	// Live history: argocd-controller applies 3 every two minutes, the HPA scales back to 5.
	const live: ReplicaPoint[] = [{time: NOW - 9 * MIN, replicas: 5, writer: 'kube-controller-manager'}];
	for (let k = 4; k >= 1; k--) {
		live.push({time: NOW - k * 2 * MIN, replicas: 3, writer: 'argocd-controller'});
		live.push({time: NOW - k * 2 * MIN + 15 * S, replicas: 5, writer: 'kube-controller-manager'});
	}
	const {view} = analyzeAutoscaling(incident({live: new Map([['checkout/storefront', live]])}));
	const fight = find(view.findings, 'hpa-fight', 'storefront');
	t.truthy(fight);
	t.is(fight!.severity, 'critical');
	t.is(fight!.evidence.otherManager, 'argocd-controller');
	t.is(fight!.evidence.otherWrites60m, 4);
	t.is(fight!.evidence.hpaWrites60m, 4);
	t.is(fight!.evidence.seenIn, 'both');
	t.deepEqual(fight!.remedies, []);
	t.true(fight!.detail!.some((d) => d.includes('Remove spec.replicas from the manifest')));
	// 7 reversals would be a flap, but a fight is reported instead.
	t.is(fight!.evidence.reversals60m, 7);
	t.is(find(view.findings, 'hpa-flapping', 'storefront'), undefined);
	t.is(view.rows.find((r) => r.id === 'hpa/checkout/storefront')?.cells.score, '-');
});

test('a fight is seen from managedFields alone, and an old writer is no fight', (t) => {
	const {view} = analyzeAutoscaling(incident());
	const fight = find(view.findings, 'hpa-fight', 'storefront');
	t.is(fight?.severity, 'warning');
	t.is(fight?.evidence.seenIn, 'managedFields');
	// cart's spec.replicas is owned by kubectl-client-side-apply since it was created: latent, not a fight.
	t.is(find(view.findings, 'hpa-fight', 'cart'), undefined);
	t.true(isAutoscalerManager('kube-controller-manager'));
	t.true(isAutoscalerManager('keda-operator'));
	t.false(isAutoscalerManager('helm'));
	// A writer in the window while the HPA has not scaled for a day: no fight either.
	const quiet = hpa('a', 'b', 'b', 1, 5, 2, {lastScaleTime: NOW - DAY});
	t.is(
		detectFight(quiet, deployment('a', 'b', 2, spec('1', '1Gi'), {replicaWriters: [{manager: 'helm', operation: 'Update', time: NOW - MIN}]}), [], NOW),
		undefined,
	);
});

test('live points alone: the flap is found six minutes in, not at five, and hysteresis holds it', (t) => {
	const at = (elapsed: number, states?: Map<string, FlapState>) =>
		analyzeAutoscaling(
			incident({
				events: false,
				live: new Map([
					['checkout/checkout-web', simulatorFlap(NOW, elapsed, elapsed)],
					['checkout/cart', [{time: NOW - elapsed * S, replicas: 3, writer: 'kubectl-client-side-apply'}]],
				]),
			}),
			states ? {flapStates: states} : {},
		);
	const five = at(300);
	t.is(find(five.view.findings, 'hpa-flapping', 'checkout-web'), undefined);
	t.is(five.view.rows.find((r) => r.id === 'hpa/checkout/checkout-web')?.cells.reversals, 3);
	const six = at(361, five.flapStates);
	const web = find(six.view.findings, 'hpa-flapping', 'checkout-web');
	t.truthy(web);
	t.is(web!.evidence.reversals60m, 4);
	t.is(web!.evidence.approximatePoints, 0);
	t.is(web!.severity, 'critical');
	t.is(find(six.view.findings, 'hpa-flapping', 'cart'), undefined);

	// Later only two reversals remain in view: still flapping with the kept state, not without.
	const calmer: ReplicaPoint[] = [
		{time: NOW - 50 * MIN, replicas: 3},
		{time: NOW - 40 * MIN, replicas: 10},
		{time: NOW - 20 * MIN, replicas: 3},
		{time: NOW - 5 * MIN, replicas: 10},
	];
	const state = incident({events: false, live: new Map([['checkout/checkout-web', calmer]])});
	t.truthy(find(analyzeAutoscaling(state, {flapStates: six.flapStates}).view.findings, 'hpa-flapping', 'checkout-web'));
	t.is(find(analyzeAutoscaling(state).view.findings, 'hpa-flapping', 'checkout-web'), undefined);
});

test('namespaces whose HPAs can add many pods without a quota get a create-quota remedy', (t) => {
	const {view} = analyzeAutoscaling(incident());
	const checkout = find(view.findings, 'namespace-unbounded-hpa', 'checkout');
	t.truthy(checkout);
	t.deepEqual(checkout!.subject, {kind: 'Namespace', name: 'checkout'});
	// (12−3) + (10−3) + (10−5) = 21 pods.
	t.is(checkout!.evidence.podsHpasCanAdd, 21);
	t.is(checkout!.evidence.cpuHpasCanAdd, '5350m');
	t.deepEqual(
		checkout!.remedies.map((r) => r.id),
		['create-quota'],
	);
	// recommendations is BestEffort: a cpu/memory quota would reject it, so only pods.
	// Σ max (32) + the 3 recommendations pods (checkout-web's own pods are inside its max), +25 %.
	t.is(checkout!.evidence.quotaPods, String(Math.ceil((12 + 10 + 10 + 3) * 1.25)));
	t.false('quotaRequestsCpu' in checkout!.evidence);
	t.true(checkout!.detail!.some((d) => d.startsWith('Left out requests.cpu')));
	const data = find(view.findings, 'namespace-unbounded-hpa', 'data-platform');
	t.is(data?.evidence.podsHpasCanAdd, 19);
	// 20 × 500m × 1.25 = 12500m.
	t.is(data?.evidence.quotaRequestsCpu, '12500m');

	// A quota on pods bounds the namespace; fewer than 10 addable pods is no finding.
	const bounded = incident({extra: {quotas: keyed<SlimQuota>([{...meta('checkout', 'q'), hard: {'count/pods': '40'}}])}});
	t.is(find(analyzeAutoscaling(bounded).view.findings, 'namespace-unbounded-hpa', 'checkout'), undefined);
	const small = emptyState({now: NOW, hpas: keyed([hpa('tiny', 'web', 'web', 1, 5, 2)])});
	t.deepEqual(analyzeAutoscaling(small).view.findings, []);
});

test('the churning burst pool oscillates and has no over-provisioning', (t) => {
	const {view, flapStates} = analyzeAutoscaling(incident({nodeGroups: [burstCounts(60)]}));
	const pool = find(view.findings, 'node-group-oscillating', 'burst');
	t.truthy(pool);
	t.deepEqual(pool!.subject, {kind: 'NodeGroup', name: 'burst'});
	// Turns at 7.5, 15, …, 60 minutes: 8 reversals (the first climb, 3 → 4, is none).
	t.is(pool!.evidence.reversals60m, 8);
	t.is(pool!.severity, 'critical');
	t.is(pool!.evidence.minSize, 1);
	t.is(pool!.evidence.maxSize, 6);
	t.is(pool!.evidence.cloudProviderTarget, 4);
	t.is(pool!.evidence.shortLivedNodes, 7);
	t.true(pool!.detail!.some((d) => d.includes('HPA checkout/checkout-web')));
	t.true(flapStates.get('nodegroup/burst')?.flapping);

	const none = find(view.findings, 'no-overprovisioning', 'burst');
	t.truthy(none);
	t.deepEqual(
		none!.remedies.map((r) => r.id),
		['create-overprovisioning'],
	);
	t.regex(none!.remedies[0]!.title, /PriorityClass overprovisioning \(-10\) and 1 pause pod of 3900m CPU/);
	t.true(none!.detail!.some((d) => d.startsWith('Cost: Reserves 3900m CPU')));
	const row = view.rows.find((r) => r.id === 'nodegroup/burst');
	t.is(row?.cells.minMax, '1/6');
	t.is(row?.cells.replicas, '2/4');
	t.deepEqual([...row!.findingIds].sort(), [pool!.id, none!.id].sort());
	// The steady system pool: a row, no finding.
	t.deepEqual(view.rows.find((r) => r.id === 'nodegroup/system')?.findingIds, []);
});

test('a pool is flagged at 22.5 minutes from short-lived nodes, before the score would', (t) => {
	t.is(find(analyzeAutoscaling(incident({nodeGroups: [burstCounts(15)]})).view.findings, 'node-group-oscillating'), undefined);
	const early = find(analyzeAutoscaling(incident({nodeGroups: [burstCounts(22.5)]})).view.findings, 'node-group-oscillating');
	t.truthy(early);
	t.is(early!.evidence.reversals60m, 3);
	t.is(early!.severity, 'warning');
	t.is(early!.evidence.shortLivedNodes, 3);
});

test('working over-provisioning on the pool silences no-overprovisioning; below -10 it does not', (t) => {
	const pause = (priorityClassName: string): SlimPod => ({
		...meta('default', `pause-${priorityClassName}`),
		phase: 'Running',
		nodeName: 'aks-burst-0',
		spec: spec('1', '1Gi', burst, priorityClassName),
	});
	const classes: SlimPriorityClass[] = [
		{...meta('', 'overprovisioning'), value: -10, globalDefault: false},
		{...meta('', 'too-low'), value: -20, globalDefault: false},
	];
	const working = incident({nodeGroups: [burstCounts(60)], extra: {priorityClasses: keyed(classes), pods: keyed([pause('overprovisioning')])}});
	t.is(find(analyzeAutoscaling(working).view.findings, 'no-overprovisioning'), undefined);
	const expendable = incident({nodeGroups: [burstCounts(60)], extra: {priorityClasses: keyed(classes), pods: keyed([pause('too-low')])}});
	const finding = find(analyzeAutoscaling(expendable).view.findings, 'no-overprovisioning');
	t.truthy(finding);
	t.true(finding!.detail!.some((d) => d.includes('too-low -20') && d.includes('expendable')));
	// The existing -10 class is reused rather than created again.
	t.regex(finding!.remedies[0]!.title, /PriorityClass overprovisioning/);
});

test('at max for more than 15 minutes, desired ≠ current for more than 15 minutes, min = max', (t) => {
	const hpas = [
		hpa('shop', 'maxed', 'maxed', 2, 6, 6, {lastScaleTime: NOW - 20 * MIN, conditions: {ScalingLimited: {status: 'True', reason: 'TooManyReplicas'}}}),
		hpa('shop', 'just-maxed', 'just-maxed', 2, 6, 6, {lastScaleTime: NOW - 10 * MIN}),
		hpa('shop', 'stuck', 'stuck', 2, 9, 5, {
			desiredReplicas: 8,
			lastScaleTime: NOW - 25 * MIN,
			conditions: {AbleToScale: {status: 'False', reason: 'FailedUpdateScale'}},
		}),
		hpa('shop', 'catching-up', 'catching-up', 2, 9, 5, {desiredReplicas: 8, lastScaleTime: NOW - 5 * MIN}),
		hpa('shop', 'pinned', 'pinned', 4, 4, 4),
	];
	// History shows a climb to max 30 minutes ago, older than any lastScaleTime.
	const history = new Map([
		[
			'shop/by-history',
			[
				{time: NOW - 40 * MIN, replicas: 3},
				{time: NOW - 30 * MIN, replicas: 8},
			],
		],
	]);
	hpas.push(hpa('shop', 'by-history', 'by-history', 1, 8, 8));
	const {view} = analyzeAutoscaling(emptyState({now: NOW, hpas: keyed(hpas), replicaHistory: history}));
	const maxed = find(view.findings, 'hpa-at-max', 'maxed');
	t.is(maxed?.evidence.minutesAtMax, 20);
	t.is(maxed?.evidence.scalingLimited, 'TooManyReplicas');
	t.is(find(view.findings, 'hpa-at-max', 'just-maxed'), undefined);
	t.is(find(view.findings, 'hpa-at-max', 'by-history')?.evidence.minutesAtMax, 30);
	const stuck = find(view.findings, 'hpa-desired-mismatch', 'stuck');
	t.like(stuck?.evidence, {desiredReplicas: 8, currentReplicas: 5, minutesSinceLastScale: 25, conditions: 'AbleToScale=False (FailedUpdateScale)'});
	t.is(find(view.findings, 'hpa-desired-mismatch', 'catching-up'), undefined);
	const pinned = find(view.findings, 'hpa-min-equals-max', 'pinned');
	t.is(pinned?.severity, 'info');
	// min = max is not also "at max".
	t.is(find(view.findings, 'hpa-at-max', 'pinned'), undefined);
});

test('a steady HPA on a clean cluster gives no finding', (t) => {
	const state = emptyState({
		now: NOW,
		since: NOW - 2 * 3_600_000,
		hpas: keyed([hpa('web', 'front', 'front', 2, 8, 3, {lastScaleTime: NOW - DAY})]),
		workloads: keyed([
			deployment('web', 'front', 3, spec('100m', '128Mi'), {
				replicaWriters: [{manager: 'kube-controller-manager', operation: 'Update', subresource: 'scale', time: NOW - DAY}],
			}),
		]),
		replicaHistory: new Map([['web/front', [{time: NOW - 2 * 3_600_000, replicas: 3, writer: 'kube-controller-manager'}]]]),
		nodes: keyed([node('n1', 'pool'), node('n2', 'pool')]),
		nodeGroups: new Map([['pool', {pool: 'pool', counts: [{time: NOW - 2 * 3_600_000, count: 2}], lifetimes: [], created: 0, deleted: 0}]]),
	});
	const {view, flapStates} = analyzeAutoscaling(state);
	t.deepEqual(view.findings, []);
	t.is(view.rows.length, 2);
	t.true(view.rows.every((r) => r.severity === undefined));
	t.false(flapStates.get('web/front')?.flapping);
	t.is(view.unavailable, undefined);
});

test('a namespace scope shows only its autoscalers and no node groups', (t) => {
	const {view, flapStates} = analyzeAutoscaling(incident({nodeGroups: [burstCounts(60)]}), {namespace: 'data-platform'});
	t.deepEqual(
		view.rows.map((r) => r.id),
		['hpa/data-platform/keda-hpa-ingest-worker'],
	);
	t.true(view.findings.every((f) => !('name' in f.subject) || f.subject.namespace === 'data-platform' || f.subject.name === 'data-platform'));
	t.false(flapStates.has('nodegroup/burst'));
});

test('unreadable HPAs make the pane unavailable; unreadable quotas are a note', (t) => {
	const none = analyzeAutoscaling(emptyState({now: NOW, unreadable: new Map([['horizontalpodautoscalers', 'forbidden: cannot list']])}));
	t.regex(none.view.unavailable ?? '', /forbidden/);
	const noQuota = analyzeAutoscaling(incident({extra: {unreadable: new Map([['resourcequotas', 'forbidden']])}}));
	t.is(find(noQuota.view.findings, 'namespace-unbounded-hpa'), undefined);
	t.true(noQuota.view.notes!.some((n) => n.startsWith('ResourceQuotas are not readable')));
});

test('the replica spark samples the end of each minute from the first observed one', (t) => {
	t.deepEqual(replicaSpark([], NOW), []);
	const spark = replicaSpark(
		[
			{time: NOW - 3 * MIN - S, replicas: 2},
			{time: NOW - 90 * S, replicas: 5},
			{time: NOW - 10 * S, replicas: 4},
		],
		NOW,
	);
	// Minute ends at −3, −2, −1 and 0 minutes.
	t.deepEqual(spark, [2, 2, 5, 4]);
	t.is(replicaSpark([{time: NOW - 5 * 3_600_000, replicas: 7}], NOW).length, 60);
});
