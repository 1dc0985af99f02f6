/**
 * The simulated horizontal-pod-autoscaler controller and KEDA operator.
 *
 * The HPA controller syncs every 15 s as the real one does: it turns a scenario-supplied
 * load (demand, in "pods at the target utilization") into a raw recommendation with the
 * 10 % tolerance, applies the behavior's stabilization windows (max over the scale-down
 * window, min over the scale-up window) and rate-limit policies, clamps to min/max,
 * writes the target's replicas through the scale subresource (so managedFields show
 * kube-controller-manager on spec.replicas with subresource "scale"), records a
 * SuccessfulRescale event and updates the HPA status. Changing the behavior (the product's
 * "dampen" remedy) therefore really damps the simulated flapping.
 *
 * The KEDA operator owns one HPA `keda-hpa-<name>` per ScaledObject and rewrites it from
 * the ScaledObject whenever it changes — reverting direct edits, as KEDA does.
 */
import {ApiError} from '../errors.js';
import type {ResourceType} from '../resources.js';
import type {Obj} from '../../formats/json-object.js';
import {type ControllerContext, keyOf, ownerRef} from './context.js';

/** Demand at a simulated time, in pods' worth of load at the HPA's target utilization. */
export type LoadModel = (simNowMs: number) => number;

interface Recommendation {
	at: number;
	replicas: number;
}

interface ScaleEvent {
	at: number;
	change: number;
}

const SYNC_MS = 15_000;
const TOLERANCE = 0.1;

export class Autoscalers {
	private readonly hpas: ResourceType;
	private readonly loads = new Map<string, LoadModel>();
	private readonly recommendations = new Map<string, Recommendation[]>();
	private readonly scaleEvents = new Map<string, ScaleEvent[]>();
	private scaledObjects: ResourceType | undefined;

	constructor(private readonly ctx: ControllerContext) {
		this.hpas = ctx.type('autoscaling', 'horizontalpodautoscalers');
		ctx.every(SYNC_MS, () => this.syncAll());
		ctx.onEvent((event) => {
			const kind = event.object.kind;
			if (kind === 'ScaledObject' && event.type !== 'DELETED') this.syncScaledObject(event.object);
			if (kind === 'HorizontalPodAutoscaler' && event.type === 'MODIFIED') {
				const owner = ((event.object.metadata?.ownerReferences ?? []) as Obj[]).find((ref) => ref.kind === 'ScaledObject');
				if (owner) {
					const so = this.scaledObjectType() && this.ctx.api.record(this.scaledObjectType()!, event.object.metadata.namespace, owner.name);
					if (so) this.syncScaledObject(JSON.parse(so.json) as Obj);
				}
			}
			if (kind === 'HorizontalPodAutoscaler' && event.type === 'DELETED') {
				this.recommendations.delete(keyOf(event.object));
				this.scaleEvents.delete(keyOf(event.object));
			}
		});
	}

	/** Give an HPA (namespace/name) a load model; without one its load equals its replicas (steady). */
	setLoad(hpaKey: string, model: LoadModel): void {
		this.loads.set(hpaKey, model);
	}

	private scaledObjectType(): ResourceType | undefined {
		this.scaledObjects ??= this.ctx.api.registry.preferred('keda.sh', 'scaledobjects');
		return this.scaledObjects;
	}

	syncAll(): void {
		for (const record of [...this.ctx.api.store.resource('autoscaling/horizontalpodautoscalers').objects.values()]) {
			try {
				this.sync(JSON.parse(record.json) as Obj);
			} catch (error) {
				if (!(error instanceof ApiError)) throw error;
			}
		}
	}

	private targetType(ref: Obj): ResourceType | undefined {
		const group = String(ref.apiVersion ?? '').includes('/') ? String(ref.apiVersion).split('/')[0]! : '';
		return this.ctx.api.registry.byKind(group, String(ref.kind));
	}

	private sync(hpa: Obj): void {
		const key = keyOf(hpa);
		const spec = hpa.spec ?? {};
		const namespace = hpa.metadata.namespace as string;
		const ref = spec.scaleTargetRef ?? {};
		const type = this.targetType(ref);
		const now = this.ctx.clock.now();
		const nowIso = this.ctx.clock.iso(now);
		const record = type ? this.ctx.api.record(type, namespace, ref.name) : undefined;
		if (!type || !record) {
			this.writeStatus(hpa, {
				currentReplicas: 0,
				desiredReplicas: 0,
				conditions: [
					{
						type: 'AbleToScale',
						status: 'False',
						lastTransitionTime: nowIso,
						reason: 'FailedGetScale',
						message: `the HPA controller was unable to get the target's current scale: ${String(ref.kind).toLowerCase()}s "${ref.name}" not found`,
					},
				],
			});
			return;
		}
		const target = JSON.parse(record.json) as Obj;
		const current = Number(target.spec?.replicas ?? 1);
		const min = Number(spec.minReplicas ?? 1);
		const max = Number(spec.maxReplicas ?? 1);
		const targetUtilization = Number(((spec.metrics ?? []) as Obj[]).find((m) => m.type === 'Resource')?.resource?.target?.averageUtilization ?? 80);
		if (current === 0) return; // Scaled to zero: the HPA is disabled, as upstream.
		const demand = this.loads.get(key)?.(now) ?? current;
		const utilization = Math.round((demand / current) * targetUtilization);
		const ratio = utilization / targetUtilization;
		const raw = Math.abs(ratio - 1) <= TOLERANCE ? current : Math.ceil(current * ratio);

		// Stabilization windows.
		const behavior = spec.behavior ?? {};
		const upWindow = Number(behavior.scaleUp?.stabilizationWindowSeconds ?? 0) * 1000;
		const downWindow = Number(behavior.scaleDown?.stabilizationWindowSeconds ?? 300) * 1000;
		const history = this.recommendations.get(key) ?? [];
		history.push({at: now, replicas: raw});
		const keep = Math.max(upWindow, downWindow, SYNC_MS);
		while (history.length > 0 && history[0]!.at < now - keep) history.shift();
		this.recommendations.set(key, history);
		let upRecommendation = raw;
		let downRecommendation = raw;
		for (const r of history) {
			if (r.at >= now - upWindow) upRecommendation = Math.min(upRecommendation, r.replicas);
			if (r.at >= now - downWindow) downRecommendation = Math.max(downRecommendation, r.replicas);
		}
		let desired = current;
		if (desired < upRecommendation) desired = upRecommendation;
		if (desired > downRecommendation) desired = downRecommendation;

		// Rate limits from the policies.
		const events = (this.scaleEvents.get(key) ?? []).filter((e) => e.at >= now - 1_800_000);
		const changeSince = (periodMs: number, sign: 1 | -1) =>
			events.filter((e) => e.at > now - periodMs && Math.sign(e.change) === sign).reduce((sum, e) => sum + Math.abs(e.change), 0);
		if (desired > current) {
			const rules = behavior.scaleUp ?? {
				policies: [
					{type: 'Pods', value: 4, periodSeconds: 15},
					{type: 'Percent', value: 100, periodSeconds: 15},
				],
				selectPolicy: 'Max',
			};
			if (rules.selectPolicy !== 'Disabled') {
				const limits = ((rules.policies ?? []) as Obj[]).map((p) => {
					const start = current - changeSince(p.periodSeconds * 1000, 1);
					return p.type === 'Pods' ? start + p.value : Math.ceil(start * (1 + p.value / 100));
				});
				const limit = limits.length === 0 ? desired : rules.selectPolicy === 'Min' ? Math.min(...limits) : Math.max(...limits);
				desired = Math.min(desired, limit);
			} else desired = current;
		} else if (desired < current) {
			const rules = behavior.scaleDown ?? {policies: [{type: 'Percent', value: 100, periodSeconds: 15}], selectPolicy: 'Max'};
			if (rules.selectPolicy !== 'Disabled') {
				const limits = ((rules.policies ?? []) as Obj[]).map((p) => {
					const start = current + changeSince(p.periodSeconds * 1000, -1);
					return p.type === 'Pods' ? start - p.value : Math.ceil(start * (1 - p.value / 100));
				});
				const limit = limits.length === 0 ? desired : rules.selectPolicy === 'Min' ? Math.max(...limits) : Math.min(...limits);
				desired = Math.max(desired, limit);
			} else desired = current;
		}
		let limited: 'TooManyReplicas' | 'TooFewReplicas' | undefined;
		if (desired > max) {
			desired = max;
			limited = 'TooManyReplicas';
		}
		if (desired < min) {
			desired = min;
			limited = 'TooFewReplicas';
		}

		const scaled = desired !== current;
		if (scaled) {
			const scale = this.ctx.api.getScale(type, namespace, ref.name);
			scale.spec.replicas = desired;
			this.ctx.api.update(
				type,
				namespace,
				ref.name,
				scale,
				{user: {name: 'system:serviceaccount:kube-system:horizontal-pod-autoscaler', groups: []}, fieldManager: 'kube-controller-manager'},
				'scale',
			);
			events.push({at: now, change: desired - current});
			const reason = desired > current ? `${this.metricName(spec)} above target` : 'All metrics below target';
			this.ctx.recordEvent(hpa, 'Normal', 'SuccessfulRescale', `New size: ${desired}; reason: ${reason}`, 'horizontal-pod-autoscaler');
		}
		this.scaleEvents.set(key, events);
		const conditions = [
			{
				type: 'AbleToScale',
				status: 'True',
				lastTransitionTime: hpa.status?.conditions?.[0]?.lastTransitionTime ?? nowIso,
				reason: scaled ? 'SucceededRescale' : 'ReadyForNewScale',
				message: scaled ? `the HPA controller was able to update the target scale to ${desired}` : 'recommended size matches current size',
			},
			{
				type: 'ScalingActive',
				status: 'True',
				lastTransitionTime: hpa.status?.conditions?.[1]?.lastTransitionTime ?? nowIso,
				reason: 'ValidMetricFound',
				message: `the HPA was able to successfully calculate a replica count from ${this.metricName(spec)}`,
			},
			{
				type: 'ScalingLimited',
				status: limited ? 'True' : 'False',
				lastTransitionTime: nowIso,
				reason: limited ?? 'DesiredWithinRange',
				message:
					limited === 'TooManyReplicas'
						? 'the desired replica count is more than the maximum replica count'
						: limited === 'TooFewReplicas'
							? 'the desired replica count is less than the minimum replica count'
							: 'the desired count is within the acceptable range',
			},
		];
		const status: Obj = {
			currentReplicas: current,
			desiredReplicas: desired,
			currentMetrics: this.currentMetrics(spec, utilization, demand, current),
			conditions,
		};
		if (scaled) status.lastScaleTime = nowIso;
		else if (hpa.status?.lastScaleTime) status.lastScaleTime = hpa.status.lastScaleTime;
		this.writeStatus(hpa, status);
	}

	private currentMetrics(spec: Obj, utilization: number, demand: number, replicas: number): Obj[] {
		const metric = ((spec.metrics ?? []) as Obj[])[0];
		if (metric?.type === 'External') {
			const target = Number.parseFloat(String(metric.external?.target?.averageValue ?? '5')) || 5;
			return [
				{
					type: 'External',
					external: {metric: {name: metric.external?.metric?.name ?? 's0'}, current: {averageValue: `${Math.round((demand / replicas) * target * 1000)}m`}},
				},
			];
		}
		return [{type: 'Resource', resource: {name: 'cpu', current: {averageUtilization: utilization, averageValue: `${Math.round(utilization * 2.5)}m`}}}];
	}

	private metricName(spec: Obj): string {
		const metric = ((spec.metrics ?? []) as Obj[])[0];
		if (metric?.type === 'External') return `external metric ${metric.external?.metric?.name ?? 's0'}`;
		return 'cpu resource utilization (percentage of request)';
	}

	private writeStatus(hpa: Obj, status: Obj): void {
		const previous = {...(hpa.status ?? {})};
		const strip = (s: Obj) => JSON.stringify({...s, conditions: ((s.conditions ?? []) as Obj[]).map(({lastTransitionTime: _t, ...c}) => c)});
		if (strip(previous) === strip(status)) return;
		this.ctx.api.controllerWrite(this.hpas, {...hpa, status}, 'kube-controller-manager', 'status');
	}

	/** KEDA: derive the owned HPA from the ScaledObject, reverting anything else. */
	private syncScaledObject(so: Obj): void {
		if (so.metadata?.deletionTimestamp) return;
		const namespace = so.metadata.namespace as string;
		const name = so.spec?.advanced?.horizontalPodAutoscalerConfig?.name ?? `keda-hpa-${so.metadata.name}`;
		const target = so.spec?.scaleTargetRef ?? {};
		const trigger = ((so.spec?.triggers ?? []) as Obj[])[0] ?? {type: 'cpu'};
		const behavior = so.spec?.advanced?.horizontalPodAutoscalerConfig?.behavior;
		const spec: Obj = {
			scaleTargetRef: {apiVersion: target.apiVersion ?? 'apps/v1', kind: target.kind ?? 'Deployment', name: target.name},
			minReplicas: so.spec?.minReplicaCount ?? 1,
			maxReplicas: so.spec?.maxReplicaCount ?? 100,
			metrics: [
				{
					type: 'External',
					external: {
						metric: {name: `s0-${String(trigger.type)}`, selector: {matchLabels: {'scaledobject.keda.sh/name': so.metadata.name}}},
						target: {type: 'AverageValue', averageValue: String(trigger.metadata?.value ?? '5')},
					},
				},
			],
			...(behavior ? {behavior} : {}),
		};
		const existing = this.ctx.api.record(this.hpas, namespace, name);
		const ctx = {user: {name: 'system:serviceaccount:keda:keda-operator', groups: []}, fieldManager: 'keda'};
		if (!existing) {
			try {
				this.ctx.api.create(
					this.hpas,
					namespace,
					{
						metadata: {
							name,
							namespace,
							labels: {
								'app.kubernetes.io/managed-by': 'keda-operator',
								'app.kubernetes.io/name': name,
								'app.kubernetes.io/part-of': so.metadata.name,
								'scaledobject.keda.sh/name': so.metadata.name,
							},
							ownerReferences: [ownerRef(so)],
						},
						spec,
					},
					ctx,
				);
			} catch {
				// Retried on the next change.
			}
			return;
		}
		const hpa = JSON.parse(existing.json) as Obj;
		const defaulted = structuredClone(spec);
		// Compare with the server's defaults applied, so an unchanged spec is no write.
		if (
			JSON.stringify(hpa.spec.scaleTargetRef) === JSON.stringify(defaulted.scaleTargetRef) &&
			hpa.spec.minReplicas === defaulted.minReplicas &&
			hpa.spec.maxReplicas === defaulted.maxReplicas &&
			JSON.stringify(hpa.spec.metrics) === JSON.stringify(defaulted.metrics) &&
			(behavior === undefined
				? hpa.spec.behavior === undefined
				: JSON.stringify(hpa.spec.behavior?.scaleDown?.stabilizationWindowSeconds) ===
						JSON.stringify(behavior.scaleDown?.stabilizationWindowSeconds ?? hpa.spec.behavior?.scaleDown?.stabilizationWindowSeconds) &&
					JSON.stringify(hpa.spec.behavior?.scaleUp?.stabilizationWindowSeconds) === JSON.stringify(behavior.scaleUp?.stabilizationWindowSeconds ?? 0))
		)
			return;
		this.ctx.api.controllerWrite(this.hpas, {...hpa, spec}, 'keda');
	}
}
