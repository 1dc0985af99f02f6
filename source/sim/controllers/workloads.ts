/**
 * The simulated kube-controller-manager's workload controllers: Deployment →
 * ReplicaSet → Pods (template changes roll out a new ReplicaSet, old ones are pruned by
 * revisionHistoryLimit), StatefulSet, DaemonSet (a pod per eligible node), Job (pods run
 * to completion), CronJob (Jobs on schedule, history limits), the TTL-after-finished
 * controller and the garbage collector (background, foreground and orphan deletion).
 */
import type {ResourceType} from '../resources.js';
import type {Obj} from '../../formats/json-object.js';
import type {StoredRecord} from '../store.js';
import {type ControllerContext, controllerOf, keyOf, ownerRef, splitKey, templateHash, WorkQueue} from './context.js';

const MANAGER = 'kube-controller-manager';

function isTerminating(pod: Obj): boolean {
	return Boolean(pod.metadata?.deletionTimestamp);
}

function isFinished(pod: Obj): boolean {
	return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

function isReady(pod: Obj): boolean {
	return pod.status?.phase === 'Running' && ((pod.status?.conditions ?? []) as Obj[]).some((c) => c.type === 'Ready' && c.status === 'True');
}

function jobFinished(job: Obj): 'Complete' | 'Failed' | undefined {
	for (const c of (job.status?.conditions ?? []) as Obj[]) {
		if ((c.type === 'Complete' || c.type === 'Failed') && c.status === 'True') return c.type;
	}
	return undefined;
}

/** Minimal cron matching: minute and hour fields with *, * /N, N, N-M and lists; @hourly etc. */
export function cronMatches(schedule: string, at: Date): boolean {
	const macros: Record<string, string> = {
		'@hourly': '0 * * * *',
		'@daily': '0 0 * * *',
		'@midnight': '0 0 * * *',
		'@weekly': '0 0 * * 0',
		'@monthly': '0 0 1 * *',
		'@yearly': '0 0 1 1 *',
		'@annually': '0 0 1 1 *',
	};
	const fields = (macros[schedule.trim()] ?? schedule).trim().split(/\s+/);
	if (fields.length !== 5) return false;
	const values = [at.getUTCMinutes(), at.getUTCHours(), at.getUTCDate(), at.getUTCMonth() + 1, at.getUTCDay()];
	return fields.every((field, i) =>
		field.split(',').some((part) => {
			const [range, stepText] = part.split('/');
			const step = stepText ? Number(stepText) : 1;
			const value = values[i]!;
			if (range === '*') return value % step === 0;
			const [lo, hi] = range!.split('-').map(Number);
			if (hi === undefined) return stepText ? value >= lo! && (value - lo!) % step === 0 : value === lo;
			return value >= lo! && value <= hi && (value - lo!) % step === 0;
		}),
	);
}

export class WorkloadControllers {
	private readonly pods: ResourceType;
	private readonly replicasets: ResourceType;
	private readonly deployments: ResourceType;
	private readonly statefulsets: ResourceType;
	private readonly daemonsets: ResourceType;
	private readonly jobs: ResourceType;
	private readonly cronjobs: ResourceType;
	private readonly queues: Record<string, WorkQueue>;

	constructor(private readonly ctx: ControllerContext) {
		this.pods = ctx.type('', 'pods');
		this.replicasets = ctx.type('apps', 'replicasets');
		this.deployments = ctx.type('apps', 'deployments');
		this.statefulsets = ctx.type('apps', 'statefulsets');
		this.daemonsets = ctx.type('apps', 'daemonsets');
		this.jobs = ctx.type('batch', 'jobs');
		this.cronjobs = ctx.type('batch', 'cronjobs');
		this.queues = {
			Deployment: new WorkQueue((key) => this.syncDeployment(key)),
			ReplicaSet: new WorkQueue((key) => this.syncReplicaSet(key)),
			StatefulSet: new WorkQueue((key) => this.syncStatefulSet(key)),
			DaemonSet: new WorkQueue((key) => this.syncDaemonSet(key)),
			Job: new WorkQueue((key) => this.syncJob(key)),
			gc: new WorkQueue((key) => this.collect(key)),
		};
		ctx.onEvent((event) => {
			const object = event.object;
			const kind = object.kind as string;
			if (event.type === 'DELETED') this.queues.gc!.add(String(object.metadata?.uid));
			else if (object.metadata?.deletionTimestamp && (object.metadata.finalizers ?? []).some((f: string) => f === 'orphan' || f === 'foregroundDeletion')) {
				this.queues.gc!.add(String(object.metadata.uid));
			}
			if (this.queues[kind] && kind !== 'gc') this.queues[kind]!.add(keyOf(object));
			const owner = controllerOf(object);
			if (owner && this.queues[owner.kind] && object.metadata?.namespace) this.queues[owner.kind]!.add(`${object.metadata.namespace}/${owner.name}`);
			if (kind === 'Node') for (const ds of ctx.api.store.resource('apps/daemonsets').objects.values()) this.queues.DaemonSet!.add(ds.key);
		});
		ctx.every(60_000, () => this.cronTick());
		ctx.every(10_000, () => this.ttlTick());
	}

	/** Parsed dependents of an owner in one storage, skipping those being deleted if asked. */
	private owned(ownerUid: string, storage: string): Obj[] {
		const out: Obj[] = [];
		for (const [dependentStorage, key] of this.ctx.api.store.dependentsOf(ownerUid)) {
			if (dependentStorage !== storage) continue;
			const record = this.ctx.api.store.resource(storage).get(key);
			if (record) out.push(JSON.parse(record.json) as Obj);
		}
		return out;
	}

	private get(type: ResourceType, key: string): Obj | undefined {
		const [namespace, name] = splitKey(key);
		const record = this.ctx.api.record(type, namespace, name);
		return record ? (JSON.parse(record.json) as Obj) : undefined;
	}

	private createPod(owner: Obj, template: Obj, name: string, extra: {labels?: Record<string, string>; nodeName?: string; hostname?: string} = {}): void {
		const spec = structuredClone(template.spec ?? {}) as Obj;
		if (extra.nodeName) spec.nodeName = extra.nodeName;
		if (extra.hostname) spec.hostname = extra.hostname;
		const pod: Obj = {
			apiVersion: 'v1',
			kind: 'Pod',
			metadata: {
				name,
				namespace: owner.metadata.namespace,
				labels: {...(template.metadata?.labels ?? {}), ...(extra.labels ?? {})},
				...(template.metadata?.annotations ? {annotations: template.metadata.annotations} : {}),
				ownerReferences: [ownerRef(owner)],
			},
			spec,
		};
		try {
			this.ctx.api.create(this.pods, owner.metadata.namespace, pod, {
				user: {name: `system:serviceaccount:kube-system:${owner.kind.toLowerCase()}-controller`, groups: []},
				fieldManager: MANAGER,
			});
		} catch {
			// Quota or a name clash: the next sync tries again, as the real controller does.
		}
	}

	private deletePod(pod: Obj): void {
		try {
			this.ctx.api.delete(
				this.pods,
				pod.metadata.namespace,
				pod.metadata.name,
				{},
				{user: {name: 'system:serviceaccount:kube-system:replicaset-controller', groups: []}},
			);
		} catch {
			// Already gone.
		}
	}

	private writeStatus(type: ResourceType, object: Obj, status: Obj): void {
		if (JSON.stringify(object.status ?? {}) === JSON.stringify({...(object.status ?? {}), ...status})) return;
		this.ctx.api.controllerWrite(type, {...object, status: {...(object.status ?? {}), ...status}}, MANAGER, 'status');
	}

	private syncDeployment(key: string): void {
		const deployment = this.get(this.deployments, key);
		if (!deployment || deployment.metadata.deletionTimestamp) return;
		const template = deployment.spec?.template ?? {};
		const hash = templateHash(template);
		const sets = this.owned(deployment.metadata.uid, 'apps/replicasets');
		let current = sets.find((rs) => rs.metadata?.labels?.['pod-template-hash'] === hash);
		const revision = (rs: Obj) => Number(rs.metadata?.annotations?.['deployment.kubernetes.io/revision'] ?? 0);
		const maxRevision = sets.reduce((max, rs) => Math.max(max, revision(rs)), 0);
		const replicas = Number(deployment.spec?.replicas ?? 1);
		if (!current) {
			const rs: Obj = {
				apiVersion: 'apps/v1',
				kind: 'ReplicaSet',
				metadata: {
					name: `${deployment.metadata.name}-${hash}`,
					namespace: deployment.metadata.namespace,
					labels: {...(template.metadata?.labels ?? {}), 'pod-template-hash': hash},
					annotations: {
						'deployment.kubernetes.io/desired-replicas': String(replicas),
						'deployment.kubernetes.io/max-replicas': String(replicas + Math.ceil(replicas / 4)),
						'deployment.kubernetes.io/revision': String(maxRevision + 1),
					},
					ownerReferences: [ownerRef(deployment)],
				},
				spec: {
					replicas,
					selector: {matchLabels: {...(deployment.spec?.selector?.matchLabels ?? {}), 'pod-template-hash': hash}},
					template: {...template, metadata: {...(template.metadata ?? {}), labels: {...(template.metadata?.labels ?? {}), 'pod-template-hash': hash}}},
				},
			};
			try {
				current = this.ctx.api.create(this.replicasets, deployment.metadata.namespace, rs, {
					user: {name: 'system:serviceaccount:kube-system:deployment-controller', groups: []},
					fieldManager: MANAGER,
				});
			} catch {
				return;
			}
		} else if (Number(current.spec?.replicas ?? 0) !== replicas) {
			this.ctx.api.controllerWrite(
				this.replicasets,
				{
					...current,
					spec: {...current.spec, replicas},
					metadata: {
						...current.metadata,
						annotations: {...(current.metadata.annotations ?? {}), 'deployment.kubernetes.io/desired-replicas': String(replicas)},
					},
				},
				MANAGER,
			);
		}
		const old = sets.filter((rs) => rs.metadata.uid !== current!.metadata.uid);
		for (const rs of old) {
			if (Number(rs.spec?.replicas ?? 0) !== 0) this.ctx.api.controllerWrite(this.replicasets, {...rs, spec: {...rs.spec, replicas: 0}}, MANAGER);
		}
		// revisionHistoryLimit: keep that many old, scaled-down ReplicaSets; delete the oldest beyond it.
		const limit = Number(deployment.spec?.revisionHistoryLimit ?? 10);
		const idle = old.filter((rs) => Number(rs.status?.replicas ?? 0) === 0).sort((a, b) => revision(a) - revision(b));
		for (const rs of idle.slice(0, Math.max(0, idle.length - limit))) {
			try {
				this.ctx.api.delete(
					this.replicasets,
					rs.metadata.namespace,
					rs.metadata.name,
					{propagationPolicy: 'Background'},
					{user: {name: 'system:serviceaccount:kube-system:deployment-controller', groups: []}},
				);
			} catch {
				// Gone already.
			}
		}
		const all = [current, ...old];
		const sum = (f: (rs: Obj) => number) => all.reduce((n, rs) => n + f(rs), 0);
		const ready = sum((rs) => Number(rs.status?.readyReplicas ?? 0));
		this.writeStatus(this.deployments, deployment, {
			observedGeneration: deployment.metadata.generation,
			replicas: sum((rs) => Number(rs.status?.replicas ?? 0)),
			updatedReplicas: Number(current.status?.replicas ?? 0),
			readyReplicas: ready,
			availableReplicas: ready,
			...(sum((rs) => Number(rs.status?.replicas ?? 0)) - ready > 0 ? {unavailableReplicas: sum((rs) => Number(rs.status?.replicas ?? 0)) - ready} : {}),
			conditions: [
				{
					type: 'Available',
					status: ready >= Math.max(0, replicas - Math.floor(replicas / 4)) ? 'True' : 'False',
					reason: ready >= replicas ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable',
					message: ready >= replicas ? 'Deployment has minimum availability.' : 'Deployment does not have minimum availability.',
				},
				{type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${current.metadata.name}" has successfully progressed.`},
			],
		});
	}

	private syncReplicaSet(key: string): void {
		const rs = this.get(this.replicasets, key);
		if (!rs || rs.metadata.deletionTimestamp) return;
		const pods = this.owned(rs.metadata.uid, 'pods');
		const active = pods.filter((pod) => !isTerminating(pod) && !isFinished(pod));
		const wanted = Number(rs.spec?.replicas ?? 1);
		if (active.length < wanted) {
			for (let i = active.length; i < wanted; i++) this.createPod(rs, rs.spec?.template ?? {}, `${rs.metadata.name}-${this.ctx.random.suffix(5)}`);
		} else if (active.length > wanted) {
			// Delete pending before running, then the youngest.
			const order = [...active].sort(
				(a, b) =>
					Number(Boolean(a.spec?.nodeName)) - Number(Boolean(b.spec?.nodeName)) ||
					String(b.metadata.creationTimestamp).localeCompare(String(a.metadata.creationTimestamp)),
			);
			for (const pod of order.slice(0, active.length - wanted)) this.deletePod(pod);
		}
		const ready = active.filter(isReady).length;
		this.writeStatus(this.replicasets, rs, {
			replicas: active.length,
			fullyLabeledReplicas: active.length,
			readyReplicas: ready,
			availableReplicas: ready,
			observedGeneration: rs.metadata.generation,
		});
	}

	private syncStatefulSet(key: string): void {
		const sts = this.get(this.statefulsets, key);
		if (!sts || sts.metadata.deletionTimestamp) return;
		const revision = `${sts.metadata.name}-${templateHash(sts.spec?.template ?? {})}`;
		const pods = this.owned(sts.metadata.uid, 'pods');
		const wanted = Number(sts.spec?.replicas ?? 1);
		const byName = new Map(pods.map((pod) => [pod.metadata.name as string, pod]));
		for (let i = 0; i < wanted; i++) {
			const name = `${sts.metadata.name}-${i}`;
			const pod = byName.get(name);
			if (!pod)
				this.createPod(sts, sts.spec?.template ?? {}, name, {
					labels: {'controller-revision-hash': revision, 'statefulset.kubernetes.io/pod-name': name, 'apps.kubernetes.io/pod-index': String(i)},
					hostname: name,
				});
			else if (!isTerminating(pod) && pod.metadata.labels?.['controller-revision-hash'] !== revision) this.deletePod(pod);
		}
		for (const pod of pods) {
			const index = Number(String(pod.metadata.name).slice(String(sts.metadata.name).length + 1));
			if (index >= wanted && !isTerminating(pod)) this.deletePod(pod);
		}
		const current = pods.filter((pod) => !isTerminating(pod));
		const ready = current.filter(isReady).length;
		this.writeStatus(this.statefulsets, sts, {
			replicas: current.length,
			readyReplicas: ready,
			availableReplicas: ready,
			currentReplicas: current.length,
			updatedReplicas: current.filter((pod) => pod.metadata.labels?.['controller-revision-hash'] === revision).length,
			currentRevision: revision,
			updateRevision: revision,
			observedGeneration: sts.metadata.generation,
		});
	}

	private nodeMatches(node: Obj, template: Obj): boolean {
		const selector = (template.spec?.nodeSelector ?? {}) as Record<string, string>;
		const labels = (node.metadata?.labels ?? {}) as Record<string, string>;
		return Object.entries(selector).every(([k, v]) => labels[k] === v) && !node.metadata?.deletionTimestamp;
	}

	private syncDaemonSet(key: string): void {
		const ds = this.get(this.daemonsets, key);
		if (!ds || ds.metadata.deletionTimestamp) return;
		const template = ds.spec?.template ?? {};
		const hash = templateHash(template);
		const nodes = [...this.ctx.api.store.resource('nodes').objects.values()]
			.map((r: StoredRecord) => JSON.parse(r.json) as Obj)
			.filter((node) => this.nodeMatches(node, template));
		const pods = this.owned(ds.metadata.uid, 'pods').filter((pod) => !isTerminating(pod));
		const byNode = new Map<string, Obj>();
		const eligible = new Set(nodes.map((n) => String(n.metadata.name)));
		for (const pod of pods) {
			const node = String(pod.spec?.nodeName ?? '');
			if (byNode.has(node) || !eligible.has(node)) this.deletePod(pod);
			else byNode.set(node, pod);
		}
		for (const node of nodes) {
			const pod = byNode.get(node.metadata.name);
			if (!pod)
				this.createPod(ds, template, `${ds.metadata.name}-${this.ctx.random.suffix(5)}`, {
					nodeName: node.metadata.name,
					labels: {'controller-revision-hash': hash, 'pod-template-generation': String(ds.metadata.generation ?? 1)},
				});
			else if (pod.metadata.labels?.['controller-revision-hash'] !== hash) this.deletePod(pod);
		}
		const ready = pods.filter(isReady).length;
		this.writeStatus(this.daemonsets, ds, {
			desiredNumberScheduled: nodes.length,
			currentNumberScheduled: byNode.size,
			numberReady: ready,
			numberAvailable: ready,
			updatedNumberScheduled: pods.filter((pod) => pod.metadata.labels?.['controller-revision-hash'] === hash).length,
			numberMisscheduled: 0,
			observedGeneration: ds.metadata.generation,
		});
	}

	private syncJob(key: string): void {
		const job = this.get(this.jobs, key);
		if (!job || job.metadata.deletionTimestamp || jobFinished(job)) return;
		if (job.spec?.suspend) return;
		const pods = this.owned(job.metadata.uid, 'pods');
		const succeeded = pods.filter((pod) => pod.status?.phase === 'Succeeded').length;
		const failed = pods.filter((pod) => pod.status?.phase === 'Failed').length;
		const active = pods.filter((pod) => !isFinished(pod) && !isTerminating(pod));
		const completions = Number(job.spec?.completions ?? 1);
		const parallelism = Number(job.spec?.parallelism ?? 1);
		const now = this.ctx.clock.iso();
		const status: Obj = {
			startTime: job.status?.startTime ?? now,
			active: active.length,
			succeeded,
			failed,
			ready: active.filter(isReady).length,
			terminating: pods.filter(isTerminating).length,
			uncountedTerminatedPods: {},
		};
		if (succeeded >= completions) {
			status.completionTime = now;
			status.active = 0;
			status.conditions = [
				{
					type: 'SuccessCriteriaMet',
					status: 'True',
					lastProbeTime: now,
					lastTransitionTime: now,
					reason: 'CompletionsReached',
					message: 'Reached expected number of succeeded pods',
				},
				{
					type: 'Complete',
					status: 'True',
					lastProbeTime: now,
					lastTransitionTime: now,
					reason: 'CompletionsReached',
					message: 'Reached expected number of succeeded pods',
				},
			];
			this.ctx.recordEvent(job, 'Normal', 'Completed', 'Job completed', 'job-controller');
		} else if (failed > Number(job.spec?.backoffLimit ?? 6)) {
			status.active = 0;
			status.conditions = [
				{
					type: 'FailureTarget',
					status: 'True',
					lastProbeTime: now,
					lastTransitionTime: now,
					reason: 'BackoffLimitExceeded',
					message: 'Job has reached the specified backoff limit',
				},
				{
					type: 'Failed',
					status: 'True',
					lastProbeTime: now,
					lastTransitionTime: now,
					reason: 'BackoffLimitExceeded',
					message: 'Job has reached the specified backoff limit',
				},
			];
			this.ctx.recordEvent(job, 'Warning', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit', 'job-controller');
		} else {
			const wanted = Math.min(parallelism, completions - succeeded) - active.length;
			for (let i = 0; i < wanted; i++) {
				this.createPod(job, job.spec?.template ?? {}, `${job.metadata.name}-${this.ctx.random.suffix(5)}`, {
					labels: {
						'batch.kubernetes.io/controller-uid': job.metadata.uid,
						'batch.kubernetes.io/job-name': job.metadata.name,
						'controller-uid': job.metadata.uid,
						'job-name': job.metadata.name,
					},
				});
				if (i === 0) this.ctx.recordEvent(job, 'Normal', 'SuccessfulCreate', `Created pod: ${job.metadata.name}-…`, 'job-controller');
			}
			status.active = active.length + Math.max(0, wanted);
		}
		this.writeStatus(this.jobs, job, status);
	}

	/** Run due CronJobs and enforce their history limits. */
	cronTick(): void {
		const now = new Date(this.ctx.clock.now());
		now.setUTCSeconds(0, 0);
		for (const record of this.ctx.api.store.resource('batch/cronjobs').objects.values()) {
			const cj = JSON.parse(record.json) as Obj;
			if (cj.spec?.suspend || cj.metadata.deletionTimestamp) continue;
			const jobs = this.owned(cj.metadata.uid, 'batch/jobs');
			if (cronMatches(String(cj.spec?.schedule ?? ''), now) && cj.status?.lastScheduleTime !== this.ctx.clock.iso(now.getTime())) {
				const running = jobs.filter((job) => !jobFinished(job));
				if (!(cj.spec?.concurrencyPolicy === 'Forbid' && running.length > 0)) this.runCronJob(cj, now);
			}
			this.enforceHistory(cj, jobs);
		}
	}

	runCronJob(cj: Obj, at: Date): void {
		const template = cj.spec?.jobTemplate ?? {};
		const name = `${cj.metadata.name}-${Math.floor(at.getTime() / 60_000)}`;
		const job: Obj = {
			apiVersion: 'batch/v1',
			kind: 'Job',
			metadata: {
				name,
				namespace: cj.metadata.namespace,
				labels: {...(template.metadata?.labels ?? {}), 'batch.kubernetes.io/cronjob-name': cj.metadata.name},
				annotations: {...(template.metadata?.annotations ?? {}), 'batch.kubernetes.io/cronjob-scheduled-timestamp': at.toISOString().replace('.000Z', 'Z')},
				ownerReferences: [ownerRef(cj)],
			},
			spec: structuredClone(template.spec ?? {}),
		};
		try {
			this.ctx.api.create(this.jobs, cj.metadata.namespace, job, {
				user: {name: 'system:serviceaccount:kube-system:cronjob-controller', groups: []},
				fieldManager: MANAGER,
			});
			this.ctx.recordEvent(cj, 'Normal', 'SuccessfulCreate', `Created job ${name}`, 'cronjob-controller');
			this.writeStatus(this.cronjobs, cj, {lastScheduleTime: this.ctx.clock.iso(at.getTime())});
		} catch {
			// Exists already (a tick twice in the same minute).
		}
	}

	private enforceHistory(cj: Obj, jobs: Obj[]): void {
		const finished = jobs.filter((job) => jobFinished(job));
		for (const [state, limit] of [
			['Complete', Number(cj.spec?.successfulJobsHistoryLimit ?? 3)],
			['Failed', Number(cj.spec?.failedJobsHistoryLimit ?? 1)],
		] as const) {
			const some = finished
				.filter((job) => jobFinished(job) === state)
				.sort((a, b) => String(a.metadata.creationTimestamp).localeCompare(String(b.metadata.creationTimestamp)));
			for (const job of some.slice(0, Math.max(0, some.length - limit))) {
				try {
					this.ctx.api.delete(
						this.jobs,
						job.metadata.namespace,
						job.metadata.name,
						{propagationPolicy: 'Background'},
						{user: {name: 'system:serviceaccount:kube-system:cronjob-controller', groups: []}},
					);
				} catch {
					// Gone.
				}
			}
		}
	}

	/** The TTL-after-finished controller. */
	ttlTick(): void {
		const now = this.ctx.clock.now();
		for (const record of [...this.ctx.api.store.resource('batch/jobs').objects.values()]) {
			if (!record.json.includes('"ttlSecondsAfterFinished"')) continue;
			const job = JSON.parse(record.json) as Obj;
			const ttl = job.spec?.ttlSecondsAfterFinished;
			if (typeof ttl !== 'number' || !jobFinished(job) || job.metadata.deletionTimestamp) continue;
			const finishedAt = Date.parse(
				job.status?.completionTime ?? ((job.status?.conditions ?? []) as Obj[]).find((c) => c.type === 'Failed')?.lastTransitionTime ?? '',
			);
			if (Number.isNaN(finishedAt) || finishedAt + ttl * 1000 > now) continue;
			try {
				this.ctx.api.delete(
					this.jobs,
					job.metadata.namespace,
					job.metadata.name,
					{propagationPolicy: 'Background'},
					{user: {name: 'system:serviceaccount:kube-system:ttl-after-finished-controller', groups: []}},
				);
			} catch {
				// Gone.
			}
		}
	}

	/** The garbage collector, for one owner uid: delete or orphan its dependents, then release its finalizer. */
	private collect(uid: string): void {
		const dependents = this.ctx.api.store.dependentsOf(uid);
		const owner = this.findByUid(uid);
		const finalizers = (owner?.object.metadata?.finalizers ?? []) as string[];
		const orphan = finalizers.includes('orphan');
		for (const [storage, key] of dependents) {
			const type = this.ctx.api.storageType(storage);
			const record = this.ctx.api.store.resource(storage).get(key);
			if (!type || !record) continue;
			const dependent = JSON.parse(record.json) as Obj;
			if (owner && !orphan && !finalizers.includes('foregroundDeletion')) continue;
			if (orphan) {
				const refs = ((dependent.metadata.ownerReferences ?? []) as Obj[]).filter((ref) => ref.uid !== uid);
				const next = {...dependent, metadata: {...dependent.metadata, ownerReferences: refs}};
				if (refs.length === 0) delete next.metadata.ownerReferences;
				this.ctx.api.controllerWrite(type, next, 'kube-controller-manager');
			} else if (!dependent.metadata.deletionTimestamp) {
				try {
					this.ctx.api.delete(
						type,
						record.namespace,
						record.name,
						{propagationPolicy: owner ? 'Foreground' : 'Background'},
						{user: {name: 'system:serviceaccount:kube-system:generic-garbage-collector', groups: []}},
					);
				} catch {
					// Gone.
				}
			}
		}
		if (owner && (orphan || finalizers.includes('foregroundDeletion'))) {
			const remaining = this.ctx.api.store.dependentsOf(uid).length;
			if (orphan || remaining === 0) {
				const next = structuredClone(owner.object);
				next.metadata.finalizers = finalizers.filter((f) => f !== 'orphan' && f !== 'foregroundDeletion');
				this.ctx.api.controllerWrite(owner.type, next, 'kube-controller-manager');
			} else this.ctx.after(1000, () => this.queues.gc!.add(uid));
		}
	}

	private findByUid(uid: string): {type: ResourceType; object: Obj} | undefined {
		for (const store of this.ctx.api.store.resources()) {
			for (const record of store.objects.values()) {
				if (record.uid === uid) {
					const type = this.ctx.api.storageType(store.storage);
					if (type) return {type, object: JSON.parse(record.json) as Obj};
				}
			}
		}
		return undefined;
	}

	/** Reconcile everything once (after seeding a scenario). */
	resyncAll(): void {
		for (const [storage, kind] of [
			['apps/deployments', 'Deployment'],
			['apps/replicasets', 'ReplicaSet'],
			['apps/statefulsets', 'StatefulSet'],
			['apps/daemonsets', 'DaemonSet'],
			['batch/jobs', 'Job'],
		] as const) {
			for (const key of this.ctx.api.store.resource(storage).objects.keys()) this.queues[kind]!.add(key);
		}
	}
}
