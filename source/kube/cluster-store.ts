/**
 * The live cluster state: slim objects per kind (fed by reflectors), and what is recorded
 * while running — each HPA's replica history (the scale target's spec.replicas and who
 * wrote it, plus the HPA's status), node-group sizes and node lifetimes, events written per
 * minute per source, the rescale events HPAs still have, the cluster-autoscaler status.
 * Every series is bounded. It implements ClusterState, so the analyzers read it directly.
 */
import type {Clock} from '../clock.js';
import type {
	SlimClaim,
	SlimCronJob,
	SlimFlowSchema,
	SlimHpa,
	SlimJob,
	SlimNode,
	SlimPersistentVolume,
	SlimPod,
	SlimPriorityClass,
	SlimQuota,
	SlimScaledObject,
	SlimWorkload,
} from '../model/slim.js';
import {
	type AccessAnswer,
	type ClusterState,
	type CountPoint,
	type EventSourceRate,
	type NodeGroupSeries,
	objectKey,
	type ReplicaPoint,
	type RescaleEvent,
	type ResourceCount,
} from '../model/state.js';
import type {PodUsage} from '../model/pod-usage.js';
import type {ApiServerFigures} from '../model/apiserver-figures.js';
import {
	Interner,
	projectClaim,
	projectCronJob,
	projectFlowSchema,
	projectHpa,
	projectJob,
	projectNode,
	projectPod,
	projectPriorityClass,
	projectQuota,
	projectScaledObject,
	projectVolume,
	projectWorkload,
} from './projections.js';
import type {ReflectorHandler} from './reflector-types.js';
import type {Obj} from '../formats/json-object.js';

export const MAX_REPLICA_POINTS = 720;
export const MAX_COUNT_POINTS = 360;
const MINUTES = 60;

/** The kinds the store can hold, by the name the session uses for them. */
export type StoreKind =
	| 'pods'
	| 'nodes'
	| 'namespaces'
	| 'deployments'
	| 'replicasets'
	| 'statefulsets'
	| 'daemonsets'
	| 'jobs'
	| 'cronjobs'
	| 'hpas'
	| 'scaledobjects'
	| 'volumes'
	| 'claims'
	| 'quotas'
	| 'priorityclasses'
	| 'flowschemas'
	| 'events'
	| 'autoscalerstatus';

function push<T>(series: T[], point: T, max: number): void {
	series.push(point);
	if (series.length > max) series.splice(0, series.length - max);
}

interface RateBucket {
	source: string;
	involvedKind: string;
	namespace: string;
	/** Minute index (clock minutes) → count, as a ring of the last 60 minutes. */
	minutes: number[];
	counts: number[];
	total: number;
	firstSeen: number;
	samples: string[];
	reasons: Record<string, number>;
}

/** "New size: 10; reason: cpu resource utilization (percentage of request) above target". */
export function parseRescale(message: string): {size: number; reason: string} | undefined {
	const match = /^New size: (\d+); reason: (.*)$/s.exec(message.trim());
	return match ? {size: Number(match[1]), reason: match[2]!.trim()} : undefined;
}

export class ClusterStore implements ClusterState {
	readonly intern = new Interner();
	readonly since: number;
	context = '';
	serverVersion?: {major: string; minor: string; gitVersion: string};
	namespace?: string;

	readonly pods = new Map<string, SlimPod>();
	readonly nodes = new Map<string, SlimNode>();
	readonly deployments = new Map<string, SlimWorkload>();
	readonly replicaSets = new Map<string, SlimWorkload>();
	readonly statefulSets = new Map<string, SlimWorkload>();
	readonly daemonSets = new Map<string, SlimWorkload>();
	private workloadsView?: {version: number; map: Map<string, SlimWorkload>};
	readonly jobs = new Map<string, SlimJob>();
	readonly cronJobs = new Map<string, SlimCronJob>();
	readonly hpas = new Map<string, SlimHpa>();
	readonly scaledObjects = new Map<string, SlimScaledObject>();
	readonly volumes = new Map<string, SlimPersistentVolume>();
	readonly claims = new Map<string, SlimClaim>();
	readonly quotas = new Map<string, SlimQuota>();
	readonly priorityClasses = new Map<string, SlimPriorityClass>();
	readonly flowSchemas = new Map<string, SlimFlowSchema>();
	readonly namespaces = new Map<string, {namespace: string; name: string; created: number}>();

	readonly synced = new Set<string>();
	readonly unreadable = new Map<string, string>();
	readonly counts = new Map<string, ResourceCount>();
	metrics?: ApiServerFigures;
	metricsTime?: number;
	metricsPrevious?: {figures: ApiServerFigures; time: number};
	metricsUnavailable?: string;
	readonly replicaHistory = new Map<string, ReplicaPoint[]>();
	readonly rescaleEvents = new Map<string, RescaleEvent[]>();
	readonly nodeGroups = new Map<string, NodeGroupSeries & {counts: CountPoint[]; lifetimes: number[]}>();
	autoscalerStatus?: string;
	podUsage?: PodUsage;
	readonly access = new Map<string, AccessAnswer>();
	readonly apiVersions = new Map<string, string>();

	private readonly rates = new Map<string, RateBucket>();
	private readonly rescaleByUid = new Map<string, {hpa: string; event: RescaleEvent}>();
	/** Bumped on every change; the UI re-renders when it moves. */
	version = 0;
	private readonly listeners = new Set<() => void>();

	constructor(readonly clock: Clock) {
		this.since = clock.now();
	}

	get now(): number {
		return this.clock.now();
	}

	/** All workload kinds by "namespace/name"; on a name clash a Deployment wins over a StatefulSet, DaemonSet, ReplicaSet. */
	get workloads(): Map<string, SlimWorkload> {
		if (this.workloadsView?.version === this.version) return this.workloadsView.map;
		const map = new Map<string, SlimWorkload>();
		for (const source of [this.replicaSets, this.daemonSets, this.statefulSets, this.deployments]) for (const [key, value] of source) map.set(key, value);
		this.workloadsView = {version: this.version, map};
		return map;
	}

	get eventRates(): EventSourceRate[] {
		const nowMinute = Math.floor(this.clock.now() / 60_000);
		const out: EventSourceRate[] = [];
		for (const bucket of this.rates.values()) {
			const perMinute: number[] = [];
			for (let m = nowMinute - MINUTES + 1; m <= nowMinute; m++) {
				const slot = ((m % MINUTES) + MINUTES) % MINUTES;
				perMinute.push(bucket.minutes[slot] === m ? bucket.counts[slot]! : 0);
			}
			out.push({
				source: bucket.source,
				involvedKind: bucket.involvedKind,
				namespace: bucket.namespace,
				perMinute,
				total: bucket.total,
				firstSeen: bucket.firstSeen,
				sampleObjects: bucket.samples,
				reasons: bucket.reasons,
			});
		}
		return out.sort((a, b) => b.total - a.total);
	}

	onChange(listener: () => void): () => void {
		this.listeners.add(listener);
		return () => this.listeners.delete(listener);
	}

	changed(): void {
		this.version++;
		for (const listener of this.listeners) listener();
	}

	/** A reflector handler that projects objects of `kind` into `map`. */
	private mapHandler<T extends {namespace: string; name: string}>(
		kind: StoreKind,
		map: Map<string, T>,
		project: (object: Obj) => T,
		after?: (before: T | undefined, now: T | undefined, type: string) => void,
	): ReflectorHandler {
		let seen: Set<string> | undefined;
		return {
			beginList: () => {
				seen = new Set();
			},
			upsert: (object, type) => {
				const slim = project(object);
				const key = objectKey(slim.namespace, slim.name);
				seen?.add(key);
				const before = map.get(key);
				map.set(key, slim);
				after?.(before, slim, type);
				this.changed();
			},
			remove: (object) => {
				const key = objectKey(String(object.metadata?.namespace ?? ''), String(object.metadata?.name ?? ''));
				const before = map.get(key);
				map.delete(key);
				after?.(before, undefined, 'DELETED');
				this.changed();
			},
			endList: () => {
				if (seen)
					for (const key of [...map.keys()])
						if (!seen.has(key)) {
							const before = map.get(key);
							map.delete(key);
							after?.(before, undefined, 'DELETED');
						}
				seen = undefined;
				this.synced.add(kind);
				this.unreadable.delete(kind);
				this.changed();
			},
			unavailable: (reason) => {
				this.unreadable.set(kind, reason);
				this.changed();
			},
		};
	}

	handler(kind: StoreKind): ReflectorHandler {
		const i = this.intern;
		switch (kind) {
			case 'pods':
				return this.mapHandler(kind, this.pods, (o) => projectPod(o, i));
			case 'nodes':
				return this.mapHandler(
					kind,
					this.nodes,
					(o) => projectNode(o, i),
					(before, now, type) => this.recordNode(before, now, type),
				);
			case 'namespaces':
				return this.mapHandler(kind, this.namespaces, (o) => ({
					namespace: '',
					name: i.s(o.metadata?.name),
					created: Date.parse(o.metadata?.creationTimestamp ?? '') || 0,
				}));
			case 'deployments':
			case 'replicasets':
			case 'statefulsets':
			case 'daemonsets': {
				const map = {deployments: this.deployments, replicasets: this.replicaSets, statefulsets: this.statefulSets, daemonsets: this.daemonSets}[kind];
				const workloadKind = (
					{deployments: 'Deployment', replicasets: 'ReplicaSet', statefulsets: 'StatefulSet', daemonsets: 'DaemonSet'} as Record<string, string>
				)[kind];
				return this.mapHandler(
					kind,
					map,
					(o) => projectWorkload({...o, kind: workloadKind}, i),
					(before, now) => this.recordTarget(before, now),
				);
			}
			case 'jobs':
				return this.mapHandler(kind, this.jobs, (o) => projectJob(o, i));
			case 'cronjobs':
				return this.mapHandler(kind, this.cronJobs, (o) => projectCronJob(o, i));
			case 'hpas':
				return this.mapHandler(
					kind,
					this.hpas,
					(o) => projectHpa(o, i),
					(before, now) => this.recordHpa(before, now),
				);
			case 'scaledobjects':
				return this.mapHandler(kind, this.scaledObjects, (o) => projectScaledObject(o, i));
			case 'volumes':
				return this.mapHandler(kind, this.volumes, (o) => projectVolume(o, i));
			case 'claims':
				return this.mapHandler(kind, this.claims, (o) => projectClaim(o, i));
			case 'quotas':
				return this.mapHandler(kind, this.quotas, (o) => projectQuota(o, i));
			case 'priorityclasses':
				return this.mapHandler(kind, this.priorityClasses, (o) => projectPriorityClass(o, i));
			case 'flowschemas':
				return this.mapHandler(kind, this.flowSchemas, (o) => projectFlowSchema(o, i));
			case 'events':
				return this.eventHandler();
			case 'autoscalerstatus': {
				// A relist that no longer has the ConfigMap (a server restored from a backup) forgets it.
				let listed: boolean | undefined;
				return {
					beginList: () => {
						listed = false;
					},
					upsert: (object) => {
						if (listed !== undefined) listed = true;
						this.autoscalerStatus = typeof object.data?.status === 'string' ? object.data.status : undefined;
						this.changed();
					},
					remove: () => {
						this.autoscalerStatus = undefined;
						this.changed();
					},
					endList: () => {
						if (listed === false && this.autoscalerStatus !== undefined) {
							this.autoscalerStatus = undefined;
							this.changed();
						}
						listed = undefined;
						this.synced.add(kind);
					},
					unavailable: (reason) => {
						this.unreadable.set(kind, reason);
					},
				};
			}
		}
	}

	/** Keys of the workloads that key `target` for HPAs (Deployment/StatefulSet by name). */
	private hpasTargeting(namespace: string, kind: string, name: string): string[] {
		const out: string[] = [];
		for (const [key, hpa] of this.hpas) if (hpa.namespace === namespace && hpa.target.kind === kind && hpa.target.name === name) out.push(key);
		return out;
	}

	private series(hpaKey: string): ReplicaPoint[] {
		let series = this.replicaHistory.get(hpaKey);
		if (!series) {
			series = [];
			this.replicaHistory.set(hpaKey, series);
		}
		return series;
	}

	/** A scale target's spec.replicas changed: that is the ground truth of the replica history. */
	private recordTarget(before: SlimWorkload | undefined, now: SlimWorkload | undefined): void {
		if (!now || (now.kind !== 'Deployment' && now.kind !== 'StatefulSet') || now.replicas === undefined) return;
		if (before && before.replicas === now.replicas) return;
		for (const key of this.hpasTargeting(now.namespace, now.kind, now.name)) {
			const writers = [...(now.replicaWriters ?? [])].sort((a, b) => b.time - a.time);
			const series = this.series(key);
			if (series.at(-1)?.replicas === now.replicas && !series.at(-1)?.approximate) continue;
			push(
				series,
				{time: this.clock.now(), replicas: now.replicas, desired: this.hpas.get(key)?.desiredReplicas, ...(writers[0] ? {writer: writers[0].manager} : {})},
				MAX_REPLICA_POINTS,
			);
		}
	}

	/** An HPA changed: record its status when its target is not watched (or on first sight). */
	private recordHpa(before: SlimHpa | undefined, now: SlimHpa | undefined): void {
		if (!now) return;
		const key = objectKey(now.namespace, now.name);
		const series = this.series(key);
		const target = (now.target.kind === 'StatefulSet' ? this.statefulSets : this.deployments).get(objectKey(now.namespace, now.target.name));
		const targetWatched = target !== undefined && target.kind === now.target.kind && target.replicas !== undefined;
		if (targetWatched) {
			if (series.length === 0 || series.at(-1)!.approximate)
				push(series, {time: this.clock.now(), replicas: target.replicas!, desired: now.desiredReplicas}, MAX_REPLICA_POINTS);
			return;
		}
		if (before && before.currentReplicas === now.currentReplicas && before.desiredReplicas === now.desiredReplicas && series.length > 0) return;
		if (series.at(-1)?.replicas === now.currentReplicas && series.at(-1)?.desired === now.desiredReplicas) return;
		push(series, {time: this.clock.now(), replicas: now.currentReplicas, desired: now.desiredReplicas}, MAX_REPLICA_POINTS);
	}

	private recordNode(before: SlimNode | undefined, now: SlimNode | undefined, type: string): void {
		const node = now ?? before;
		if (!node) return;
		const pool = node.pool ?? '(no pool label)';
		let group = this.nodeGroups.get(pool);
		if (!group) {
			group = {pool, counts: [], lifetimes: [], created: 0, deleted: 0};
			this.nodeGroups.set(pool, group);
		}
		if (type === 'ADDED') group.created++;
		if (type === 'DELETED' && before) {
			group.deleted++;
			push(group.lifetimes, this.clock.now() - before.created, MAX_COUNT_POINTS);
		}
		let count = 0;
		for (const n of this.nodes.values()) if ((n.pool ?? '(no pool label)') === pool) count++;
		if (group.counts.at(-1)?.count !== count) push(group.counts, {time: this.clock.now(), count}, MAX_COUNT_POINTS);
	}

	private eventHandler(): ReflectorHandler {
		return {
			upsert: (event, type) => {
				if (type === 'LISTED') return;
				this.countEvent(event);
				this.recordRescale(event);
				this.changed();
			},
			remove: (event) => {
				this.rescaleByUid.delete(String(event.metadata?.uid));
			},
			endList: () => {
				this.synced.add('events');
			},
			unavailable: (reason) => {
				this.unreadable.set('events', reason);
			},
		};
	}

	/** Every event written (created or updated) counts against its source, per minute. */
	private countEvent(event: Obj): void {
		const source = String(event.reportingComponent || event.reportingController || event.source?.component || 'unknown');
		const involved = (event.involvedObject ?? event.regarding ?? {}) as Obj;
		const kind = String(involved.kind ?? '');
		const namespace = String(event.metadata?.namespace ?? '');
		const key = `${source}\u0000${kind}\u0000${namespace}`;
		let bucket = this.rates.get(key);
		const now = this.clock.now();
		if (!bucket) {
			bucket = {
				source: this.intern.s(source),
				involvedKind: this.intern.s(kind),
				namespace: this.intern.s(namespace),
				minutes: new Array(MINUTES).fill(-1),
				counts: new Array(MINUTES).fill(0),
				total: 0,
				firstSeen: now,
				samples: [],
				reasons: {},
			};
			this.rates.set(key, bucket);
			if (this.rates.size > 2000) this.rates.delete(this.rates.keys().next().value!);
		}
		const minute = Math.floor(now / 60_000);
		const slot = ((minute % MINUTES) + MINUTES) % MINUTES;
		if (bucket.minutes[slot] !== minute) {
			bucket.minutes[slot] = minute;
			bucket.counts[slot] = 0;
		}
		bucket.counts[slot]!++;
		bucket.total++;
		const reason = String(event.reason ?? '');
		if (reason && (bucket.reasons[reason] !== undefined || Object.keys(bucket.reasons).length < 10)) bucket.reasons[reason] = (bucket.reasons[reason] ?? 0) + 1;
		const name = String(involved.name ?? '');
		if (name && bucket.samples.length < 5 && !bucket.samples.includes(name)) bucket.samples.push(this.intern.s(name));
	}

	/** SuccessfulRescale events are what the HPA's history still has from before we started. */
	private recordRescale(event: Obj): void {
		if (event.reason !== 'SuccessfulRescale') return;
		const involved = (event.involvedObject ?? event.regarding ?? {}) as Obj;
		if (involved.kind !== 'HorizontalPodAutoscaler') return;
		const parsed = parseRescale(String(event.message ?? event.note ?? ''));
		if (!parsed) return;
		const hpa = objectKey(String(involved.namespace ?? event.metadata?.namespace ?? ''), String(involved.name ?? ''));
		const first = Date.parse(event.firstTimestamp ?? event.eventTime ?? event.metadata?.creationTimestamp ?? '') || this.clock.now();
		const last = Date.parse(event.lastTimestamp ?? event.series?.lastObservedTime ?? event.eventTime ?? '') || first;
		const rescale: RescaleEvent = {
			size: parsed.size,
			reason: this.intern.s(parsed.reason),
			count: Number(event.count ?? event.series?.count ?? 1),
			first,
			last,
		};
		this.rescaleByUid.set(String(event.metadata?.uid), {hpa, event: rescale});
		const list: RescaleEvent[] = [];
		for (const entry of this.rescaleByUid.values()) if (entry.hpa === hpa) list.push(entry.event);
		this.rescaleEvents.set(hpa, list.sort((a, b) => a.last - b.last).slice(-50));
		if (this.rescaleByUid.size > 10_000) this.rescaleByUid.delete(this.rescaleByUid.keys().next().value!);
	}

	/** Seed what a one-off LIST of current events holds (rescale history), without counting rates. */
	ingestPastEvent(event: Obj): void {
		this.recordRescale(event);
	}

	/** A new /metrics reading; the previous one is kept for rates. */
	setMetrics(figures: ApiServerFigures | undefined): void {
		if (this.metrics && this.metricsTime !== undefined && figures) this.metricsPrevious = {figures: this.metrics, time: this.metricsTime};
		this.metrics = figures;
		this.metricsTime = figures ? this.clock.now() : undefined;
	}

	setCounts(counts: Iterable<ResourceCount>): void {
		for (const count of counts) this.counts.set(`${count.group}/${count.resource}`, count);
		this.changed();
	}

	setAccess(key: string, answer: AccessAnswer): void {
		this.access.set(key, answer);
	}
}
