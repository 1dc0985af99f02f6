/**
 * Seeding a HorizontalPodAutoscaler as the HPA controller would have left it: a scale
 * target, bounds, metrics (CPU utilization unless given), an optional behavior, and a status
 * that holds steady (current and desired replicas, last scale time, the usual conditions).
 */
import type {Obj} from '../../formats/json-object.js';
import type {ClusterBuilder} from './builder.js';

export interface HpaOptions {
	min: number;
	max: number;
	current: number;
	desired?: number;
	behavior?: Obj;
	targetUtilization?: number;
	ageMs?: number;
	labels?: Record<string, string>;
	ownerReferences?: Obj[];
	metrics?: Obj[];
	lastScaleAgoMs?: number;
}

export function seedHpa(b: ClusterBuilder, namespace: string, name: string, target: Obj, options: HpaOptions): Obj {
	const ageMs = options.ageMs ?? 7 * 86_400_000;
	const utilization = options.targetUtilization ?? 70;
	return b.seed('autoscaling', 'horizontalpodautoscalers', {
		metadata: {
			name,
			namespace,
			creationTimestamp: b.iso(ageMs),
			...(options.labels ? {labels: options.labels} : {}),
			...(options.ownerReferences ? {ownerReferences: options.ownerReferences} : {}),
		},
		spec: {
			scaleTargetRef: {apiVersion: target.apiVersion, kind: target.kind, name: target.metadata.name},
			minReplicas: options.min,
			maxReplicas: options.max,
			metrics: options.metrics ?? [{type: 'Resource', resource: {name: 'cpu', target: {type: 'Utilization', averageUtilization: utilization}}}],
			...(options.behavior ? {behavior: options.behavior} : {}),
		},
		status: {
			currentReplicas: options.current,
			desiredReplicas: options.desired ?? options.current,
			...(options.lastScaleAgoMs !== undefined ? {lastScaleTime: b.iso(options.lastScaleAgoMs)} : {}),
			currentMetrics: [{type: 'Resource', resource: {name: 'cpu', current: {averageUtilization: utilization, averageValue: '175m'}}}],
			conditions: [
				{
					type: 'AbleToScale',
					status: 'True',
					lastTransitionTime: b.iso(ageMs),
					reason: 'ReadyForNewScale',
					message: 'recommended size matches current size',
				},
				{
					type: 'ScalingActive',
					status: 'True',
					lastTransitionTime: b.iso(ageMs),
					reason: 'ValidMetricFound',
					message: 'the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)',
				},
				{
					type: 'ScalingLimited',
					status: 'False',
					lastTransitionTime: b.iso(ageMs),
					reason: 'DesiredWithinRange',
					message: 'the desired count is within the acceptable range',
				},
			],
		},
	});
}
