/**
 * What moves in the incident scenario: the loads that drive its HPAs (one that flaps, KEDA's
 * that bounces 1↔N), the rescale history the events already hold when it starts, and, once
 * the controllers run, a gitops tool re-applying spec.replicas against an HPA, an operator's
 * event storm, and a custom kind that keeps growing.
 */
import type {Obj} from '../../formats/json-object.js';
import type {Simulator} from '../simulator.js';
import type {ClusterBuilder} from './builder.js';
import {DATASET_SIZES_KIB, datasetObject} from './incident-etcd.js';

const MIN = 60_000;

/** Loads for the HPAs that move: demand in pods' worth at target utilization. */
export function flappingLoad(startMs: number): (now: number) => number {
	// 90 s busy, 90 s quiet: with scale-down stabilization at 0 the HPA follows every swing.
	return (now) => (Math.floor((now - startMs) / 90_000) % 2 === 0 ? 9.4 : 2.6);
}

export function kedaLoad(startMs: number): (now: number) => number {
	// Queue bursts: 6 minutes of work, 6 minutes idle. The default 300 s scale-down window
	// lets it drop to 1 just before the next burst.
	return (now) => (Math.floor((now - startMs) / (6 * MIN)) % 2 === 0 ? 11.5 : 0.2);
}

/** Seeded before the controllers start: the rescales of the last hour, as deduplicated events. */
export function seedRescaleHistory(b: ClusterBuilder): void {
	const sim = b.sim;
	// History the events still hold: the flapping HPA's last hour and the churning pool.
	const hpa = JSON.parse(sim.store.resource('autoscaling/horizontalpodautoscalers').get('checkout/checkout-web')!.json) as Obj;
	sim.events.seedHistory(
		hpa,
		'Normal',
		'SuccessfulRescale',
		'New size: 10; reason: cpu resource utilization (percentage of request) above target',
		'horizontal-pod-autoscaler',
		b.now - 58 * MIN,
		b.now - 3 * MIN,
		19,
	);
	sim.events.seedHistory(
		hpa,
		'Normal',
		'SuccessfulRescale',
		'New size: 3; reason: All metrics below target',
		'horizontal-pod-autoscaler',
		b.now - 56 * MIN,
		b.now - 90_000,
		19,
	);
	const keda = JSON.parse(sim.store.resource('autoscaling/horizontalpodautoscalers').get('data-platform/keda-hpa-ingest-worker')!.json) as Obj;
	sim.events.seedHistory(
		keda,
		'Normal',
		'SuccessfulRescale',
		'New size: 12; reason: external metric s0-redis(&LabelSelector{MatchLabels:map[string]string{scaledobject.keda.sh/name: ingest-worker,},MatchExpressions:[]LabelSelectorRequirement{},}) above target',
		'horizontal-pod-autoscaler',
		b.now - 55 * MIN,
		b.now - 11 * MIN,
		5,
	);
	sim.events.seedHistory(
		keda,
		'Normal',
		'SuccessfulRescale',
		'New size: 1; reason: All metrics below target',
		'horizontal-pod-autoscaler',
		b.now - 48 * MIN,
		b.now - 4 * MIN,
		5,
	);
}

/** Called once the controllers run: the loads, the gitops writer, the event storm, the growing kind. */
export function startIncidentActivity(s: Simulator): void {
	const start = s.clock.now();
	s.autoscalers!.setLoad('checkout/checkout-web', flappingLoad(start));
	s.autoscalers!.setLoad('checkout/storefront', () => 5);
	s.autoscalers!.setLoad('data-platform/keda-hpa-ingest-worker', kedaLoad(start));
	// A gitops tool re-applies spec.replicas: 3 every two minutes (a fight with the HPA).
	const deployments = s.type('apps', 'deployments');
	s.addStopper(
		s.clock.every(2 * MIN, () => {
			try {
				s.api.patch(
					deployments,
					'checkout',
					'storefront',
					'application/apply-patch+yaml',
					JSON.stringify({apiVersion: 'apps/v1', kind: 'Deployment', metadata: {name: 'storefront', namespace: 'checkout'}, spec: {replicas: 3}}),
					{user: {name: 'system:serviceaccount:argocd:argocd-application-controller', groups: []}, fieldManager: 'argocd-controller', force: true},
				);
			} catch {
				// Deleted by someone: the gitops tool gives up.
			}
		}).cancel,
	);
	// The dataset operator publishes progress as events: an event storm.
	s.addStopper(
		s.events.storm({
			namespace: 'data-platform',
			component: 'ml.example.com/dataset-controller',
			involvedKind: 'Dataset',
			involvedApiVersion: 'ml.example.com/v1',
			involvedNames: DATASET_SIZES_KIB.map((_, i) => `dataset-${String(i).padStart(2, '0')}`),
			reason: 'SyncProgress',
			perSecond: 8,
			newApi: true,
		}),
	);
	// ...and keeps adding datasets: a kind that grows.
	const datasets = s.type('ml.example.com', 'datasets');
	let n = DATASET_SIZES_KIB.length;
	s.addStopper(
		s.clock.every(3 * MIN, () => {
			try {
				s.api.create(datasets, 'data-platform', datasetObject(`dataset-${String(n++).padStart(2, '0')}`, 'data-platform', 60 + (n % 5) * 40), {
					user: {name: 'system:serviceaccount:data-platform:dataset-controller', groups: []},
					fieldManager: 'dataset-controller',
				});
			} catch {
				// Namespace gone.
			}
		}).cancel,
	);
}
