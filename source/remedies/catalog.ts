/**
 * Every remedy a finding can offer, bound to the pure builders that make its requests
 * (source/plans/): it reads the live object it will change (the current values, which its
 * JSON patch then tests: the precondition is on the fields it writes, not on the whole
 * object's resourceVersion, so a controller's status write does not conflict), builds the
 * operations, paces batches within the client's budget, and states the risk. The engine
 * does the access check, dry run, diff, apply and undo.
 */
import {type ContainerUsage, suggestGuaranteed} from '../findings/qos-rules.js';
import {finishedJobsFor} from '../findings/etcd/jobs.js';
import {namespaceObjectCounts} from '../findings/etcd/namespaces.js';
import {oldReplicaSetsOf} from '../findings/etcd/replicasets.js';
import {Interner, podSpec} from '../kube/projections.js';
import {parseCpuMillis, parseMemoryBytes} from '../formats/quantity.js';
import type {ObjectRef} from '../model/slim.js';
import {objectKey} from '../model/state.js';
import {owningWorkload} from '../model/workloads.js';
import {dampenHpaPatch, dampenScaledObjectPatch, type MergePatchPlan, overprovisioningForPool, quotaForNamespace} from '../plans/autoscaling.js';
import {THROTTLE_SHARES, throttleOperations, throttlePlan} from '../plans/apf.js';
import {
	batchRequests,
	cronJobTtlPatch,
	deleteTargetsFor,
	jobTtlPatch,
	objectQuotaPlan,
	revisionHistoryLimitPatch,
	volumeDeletePlan,
	batchedDeletePlan,
} from '../plans/etcd.js';
import {guardedJsonPatch} from '../plans/guarded-patch.js';
import {guaranteedTemplatePatch, podFromTemplate, templateSpecPath} from '../plans/guaranteed-patch.js';
import {JSON_PATCH, kindResource, type Operation, operation, resourcePath} from '../plans/request.js';
import type {PlanContext, RemedyDefinition, RemedyParam, RemedyPlan} from './types.js';
import type {Obj} from '../formats/json-object.js';

/** The change of a merge-patch-shaped plan, sent as a JSON patch that tests what it writes on `planned` (the live object read for the plan). */
function guardedPatchOperation(plan: MergePatchPlan, kind: string, planned: Obj): Operation {
	const {group, version, resource} = kindResource(kind);
	return {
		method: 'PATCH',
		path: resourcePath(group, version, resource, plan.target.namespace, plan.target.name),
		contentType: JSON_PATCH,
		// The precondition is in the body: tests of the fields it writes (422 if someone changed them since we read them).
		body: guardedJsonPatch(planned, plan.patch),
		target: {kind, namespace: plan.target.namespace, name: plan.target.name},
		description: `patch ${kind} ${plan.target.namespace}/${plan.target.name}: ${plan.changes.join('; ')}`,
		resource: {group, resource},
		verb: 'patch',
	};
}

function createOperation(object: Obj): Operation {
	const kind = String(object.kind);
	const {group, version, resource} = kindResource(kind);
	const namespace = object.metadata?.namespace as string | undefined;
	return {
		method: 'POST',
		path: resourcePath(group, version, resource, namespace),
		contentType: 'application/json',
		body: object,
		target: {kind, ...(namespace ? {namespace} : {}), name: String(object.metadata?.name)},
		description: `create ${kind} ${namespace ? `${namespace}/` : ''}${String(object.metadata?.name)}`,
		resource: {group, resource},
		verb: 'create',
	};
}

function subjectRef(context: PlanContext): ObjectRef {
	const subject = context.finding.subject;
	if ('client' in subject) throw new Error('this remedy needs an object, not a client');
	return subject;
}

async function live(context: PlanContext, ref: ObjectRef): Promise<Obj> {
	const {group, version, resource} = kindResource(ref.kind);
	const object = await context.api.get(resourcePath(group, version, resource, ref.namespace, ref.name));
	if (!object) throw new Error(`${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name} no longer exists`);
	return object;
}

function integerParam(name: string, label: string, value: number, min: number, max: number): RemedyParam {
	return {
		name,
		label,
		value: String(value),
		validate: (text) =>
			/^\d+$/.test(text.trim()) && Number(text) >= min && Number(text) <= max ? undefined : `${label}: a whole number from ${min} to ${max}`,
	};
}

function paramNumber(context: PlanContext, param: RemedyParam): number {
	const text = context.params[param.name] ?? param.value;
	const error = param.validate(text);
	if (error) throw new Error(error);
	return Number(text);
}

function plan(context: PlanContext, remedyId: string, title: string, fields: Partial<RemedyPlan> & Pick<RemedyPlan, 'batches' | 'risk'>): RemedyPlan {
	return {findingId: context.finding.id, remedyId, title, warnings: [], intervalMs: 1000, params: [], undoable: true, ...fields};
}

const setJobTtl: RemedyDefinition = {
	id: 'set-job-ttl',
	title: 'Set ttlSecondsAfterFinished',
	async plan(context) {
		const ref = subjectRef(context);
		const suggested = Number(context.finding.evidence.suggestedTtlSeconds ?? 3600);
		const ttl = integerParam('ttl', 'TTL seconds', suggested, 0, 2_147_483_647);
		const seconds = paramNumber(context, ttl);
		if (ref.kind === 'CronJob') {
			const cron = await live(context, ref);
			return plan(context, 'set-job-ttl', `Set ttlSecondsAfterFinished: ${seconds} on CronJob ${ref.namespace}/${ref.name}`, {
				batches: [[operation(cronJobTtlPatch({namespace: ref.namespace!, name: ref.name, planned: cron}, seconds))]],
				risk: `Jobs created from now on are deleted ${seconds} s after they finish, with their pods and logs; existing Jobs stay until deleted`,
				params: [ttl],
			});
		}
		const jobs = finishedJobsFor(context.state, context.finding.id);
		// No GET per Job: the patch tests the TTL as the state has it (unset, for the Jobs this finding lists).
		const requests = jobs.map((job) =>
			jobTtlPatch(
				{
					namespace: job.namespace,
					name: job.name,
					planned: {spec: job.ttlSecondsAfterFinished === undefined ? {} : {ttlSecondsAfterFinished: job.ttlSecondsAfterFinished}},
					finished: job.finished,
				},
				seconds,
				context.api.now(),
			),
		);
		const batched = batchRequests(requests, context.api.budget);
		return plan(context, 'set-job-ttl', `Set ttlSecondsAfterFinished: ${seconds} on ${jobs.length} finished Jobs`, {
			batches: batched.batches.map((batch) => batch.map(operation)),
			intervalMs: batched.intervalMs,
			risk: `The TTL controller deletes every Job finished more than ${seconds} s ago at once, with its pods and logs`,
			params: [ttl],
			undoable: true,
			undoNote: 'an undo removes the TTL again, but Jobs the TTL controller already deleted are gone',
		});
	},
};

function deleteDefinition(id: string, what: string): RemedyDefinition {
	return {
		id,
		title: `Delete ${what}`,
		async plan(context) {
			const targets = deleteTargetsFor(context.state, context.finding.id);
			const batched = batchedDeletePlan(targets, context.api.budget);
			return plan(context, id, `Delete ${targets.length} ${what}`, {
				batches: batched.batches.map((batch) => batch.map(operation)),
				intervalMs: batched.intervalMs,
				risk: `Deletes ${targets.length} ${what} (propagationPolicy Background: their pods too); logs and statuses go with them; about ${Math.ceil(batched.estimatedSeconds)} s at ${batched.batchSize} per batch`,
				undoable: false,
				undoNote: 'deletions cannot be undone',
			});
		},
	};
}

const deleteReleasedVolume: RemedyDefinition = {
	id: 'delete-released-volume',
	title: 'Delete the Released PersistentVolume',
	async plan(context) {
		const ref = subjectRef(context);
		const pv = await live(context, {kind: 'PersistentVolume', name: ref.name});
		const result = volumeDeletePlan(
			{
				name: pv.metadata.name,
				uid: pv.metadata.uid,
				resourceVersion: pv.metadata.resourceVersion,
				phase: String(pv.status?.phase ?? ''),
				reclaimPolicy: String(pv.spec?.persistentVolumeReclaimPolicy ?? 'Retain'),
				capacity: pv.spec?.capacity?.storage,
				storageClass: pv.spec?.storageClassName,
				claim: pv.spec?.claimRef ? {namespace: pv.spec.claimRef.namespace, name: pv.spec.claimRef.name} : undefined,
			},
			{serverMinor: context.api.serverMinor},
		);
		if (!result.allowed || !result.request) throw new Error(result.reason ?? 'this volume cannot be deleted safely');
		return plan(context, 'delete-released-volume', `Delete PersistentVolume ${ref.name}`, {
			batches: [[operation(result.request)]],
			risk: result.warning,
			warnings: [
				result.diskKept
					? 'the disk is KEPT (reclaim policy Retain): delete it in the cloud provider when nobody needs the data'
					: 'the disk and its data are DELETED',
			],
			undoable: false,
			undoNote: 'a deleted PersistentVolume object cannot be brought back',
		});
	},
};

const setRevisionHistoryLimit: RemedyDefinition = {
	id: 'set-revision-history-limit',
	title: 'Set revisionHistoryLimit',
	async plan(context) {
		const ref = subjectRef(context);
		const limitParam = integerParam('limit', 'revisionHistoryLimit', 3, 0, 100);
		const limit = paramNumber(context, limitParam);
		const deployment = await live(context, ref);
		const old = oldReplicaSetsOf(context.state, ref.namespace!, ref.name).map((rs) => ({name: rs.name, revision: rs.revision, created: rs.created}));
		const result = revisionHistoryLimitPatch({namespace: ref.namespace!, name: ref.name, planned: deployment}, old, limit);
		return plan(context, 'set-revision-history-limit', `Set revisionHistoryLimit: ${limit} on Deployment ${ref.namespace}/${ref.name}`, {
			batches: [[operation(result.request)]],
			risk: `The controller deletes ${result.removes.length} old ReplicaSet${result.removes.length === 1 ? '' : 's'}: kubectl rollout undo can then go back ${limit} revision${limit === 1 ? '' : 's'} at most`,
			params: [limitParam],
			undoNote: 'an undo restores the limit; ReplicaSets the controller deleted are gone',
		});
	},
};

const createObjectQuota: RemedyDefinition = {
	id: 'create-object-quota',
	title: 'Create an object-count ResourceQuota',
	async plan(context) {
		const ref = subjectRef(context);
		const counts = namespaceObjectCounts(context.state, ref.name);
		const existing = [...context.state.quotas.values()].filter((q) => q.namespace === ref.name).map((q) => q.name);
		const result = objectQuotaPlan(ref.name, counts.usage, {reserve: counts.reserve, existingNames: existing});
		return plan(context, 'create-object-quota', `Create ResourceQuota ${ref.name}/${result.quota.metadata.name}`, {
			batches: [[operation(result.request)]],
			risk: 'Once a count is reached, creating more objects of that kind in the namespace fails (controllers retry; Jobs and pods wait)',
			warnings: [result.rule],
		});
	},
};

const dampenHpa: RemedyDefinition = {
	id: 'dampen-hpa',
	title: 'Dampen the HPA',
	async plan(context) {
		const ref = subjectRef(context);
		const hpa = context.state.hpas.get(objectKey(ref.namespace!, ref.name));
		if (!hpa) throw new Error(`HPA ${ref.namespace}/${ref.name} is not in the cluster any more`);
		const window = integerParam('scaleDown', 'scale-down window (s)', Number(context.finding.evidence.suggestedScaleDownWindowSeconds ?? 600), 0, 3600);
		const liveHpa = await live(context, ref);
		// The live behavior decides what changes: the patch tests those values.
		const result = dampenHpaPatch(
			{namespace: hpa.namespace, name: hpa.name, behavior: liveHpa.spec?.behavior},
			{scaleDownWindowSeconds: paramNumber(context, window)},
		);
		if (!result) throw new Error('the stabilization windows are already at least that long');
		return plan(context, 'dampen-hpa', `Dampen HPA ${ref.namespace}/${ref.name}`, {
			batches: [[guardedPatchOperation(result, 'HorizontalPodAutoscaler', liveHpa)]],
			risk: `Scale-down waits for the highest recommendation of the window: replicas (and cost) stay up longer after load drops; ${result.changes.join('; ')}`,
			params: [window],
		});
	},
};

const dampenScaledObject: RemedyDefinition = {
	id: 'dampen-scaledobject',
	title: 'Dampen the ScaledObject',
	async plan(context) {
		const ref = subjectRef(context);
		const window = integerParam('scaleDown', 'scale-down window (s)', Number(context.finding.evidence.suggestedScaleDownWindowSeconds ?? 600), 0, 3600);
		const liveSo = await live(context, {kind: 'ScaledObject', namespace: ref.namespace, name: ref.name});
		// The ScaledObject's own behavior, as read now, decides what changes (a JSON patch: CRDs take no strategic merge).
		const behavior = liveSo.spec?.advanced?.horizontalPodAutoscalerConfig?.behavior;
		const result = dampenScaledObjectPatch(
			{namespace: ref.namespace!, name: ref.name, ...(behavior ? {behavior} : {})},
			{scaleDownWindowSeconds: paramNumber(context, window)},
		);
		if (!result) throw new Error('the stabilization windows are already at least that long');
		return plan(context, 'dampen-scaledobject', `Dampen ScaledObject ${ref.namespace}/${ref.name}`, {
			batches: [[guardedPatchOperation(result, 'ScaledObject', liveSo)]],
			risk: `KEDA writes the new behavior into its HPA; scale-down then waits for the window: replicas stay up longer after load drops; ${result.changes.join('; ')}`,
			params: [window],
		});
	},
};

const createHpaQuota: RemedyDefinition = {
	id: 'create-quota',
	title: 'Create a ResourceQuota bounding the HPAs',
	async plan(context) {
		const ref = subjectRef(context);
		const result = quotaForNamespace(context.state, ref.name);
		if (!result) throw new Error(`no quota can be derived for namespace ${ref.name}`);
		return plan(context, 'create-quota', `Create ResourceQuota ${ref.name}/${String((result.object.metadata as {name: string}).name)}`, {
			batches: [[createOperation(result.object as Obj)]],
			risk: 'Pods beyond the quota are refused: an HPA asking for more than it allows stays below its desired count',
			warnings: [...result.derivation, ...result.omitted],
		});
	},
};

const createOverprovisioning: RemedyDefinition = {
	id: 'create-overprovisioning',
	title: 'Create over-provisioning for the node group',
	async plan(context) {
		const ref = subjectRef(context);
		const result = overprovisioningForPool(context.state, ref.name);
		if (!result) throw new Error(`no over-provisioning can be planned for node group ${ref.name}`);
		const operations = [...(result.priorityClass ? [createOperation(result.priorityClass as Obj)] : []), createOperation(result.deployment as Obj)];
		return plan(context, 'create-overprovisioning', `Create over-provisioning in node group ${ref.name}`, {
			batches: [operations],
			risk: `Costs capacity that is paid for and idle: ${result.cost}`,
			warnings: result.notes,
		});
	},
};

const makeGuaranteed: RemedyDefinition = {
	id: 'make-guaranteed',
	title: 'Make the workload Guaranteed',
	async plan(context) {
		const ref = subjectRef(context);
		const object = await live(context, ref);
		const path = templateSpecPath(ref.kind);
		let template: Obj = object;
		for (const step of path.slice(0, -1)) template = template?.[step];
		const templateSpec = podSpec(template?.spec, new Interner());
		// The highest usage per container across the workload's running pods.
		const usage = new Map<string, ContainerUsage>();
		for (const pod of context.state.pods.values()) {
			if (pod.namespace !== ref.namespace || pod.phase !== 'Running') continue;
			const owner = owningWorkload(context.state, pod);
			if (owner.kind !== ref.kind || owner.name !== ref.name) continue;
			context.state.podUsage?.forEachContainer(pod.namespace, pod.name, (name, cpuMillis, memoryBytes) => {
				const seen = usage.get(name);
				usage.set(name, {cpuMillis: Math.max(seen?.cpuMillis ?? 0, cpuMillis), memoryBytes: Math.max(seen?.memoryBytes ?? 0, memoryBytes)});
			});
		}
		const suggestions = suggestGuaranteed(templateSpec, usage.size > 0 ? usage : undefined);
		const params: RemedyParam[] = [];
		const values = new Map<string, {cpu: string; memory: string}>();
		for (const s of suggestions) {
			const cpu: RemedyParam = {
				name: `${s.container}.cpu`,
				label: `${s.container} cpu`,
				value: s.cpu.value,
				validate: (v) => (quantityOk(v, parseCpuMillis) ? undefined : `${s.container} cpu: a positive quantity such as 250m or 1`),
			};
			const memory: RemedyParam = {
				name: `${s.container}.memory`,
				label: `${s.container} memory`,
				value: s.memory.value,
				validate: (v) => (quantityOk(v, parseMemoryBytes) ? undefined : `${s.container} memory: a positive quantity such as 512Mi or 2Gi`),
			};
			params.push(cpu, memory);
			for (const p of [cpu, memory]) {
				const error = p.validate(context.params[p.name] ?? p.value);
				if (error) throw new Error(error);
			}
			values.set(s.container, {cpu: context.params[cpu.name] ?? cpu.value, memory: context.params[memory.name] ?? memory.value});
		}
		const patch = guaranteedTemplatePatch({kind: ref.kind, template: templateSpec}, values);
		const {group, version, resource} = kindResource(ref.kind);
		const patchOp: Operation = {
			method: 'PATCH',
			path: resourcePath(group, version, resource, ref.namespace, ref.name),
			// The change, merged by container name as a strategic merge patch would, sent as a
			// JSON patch that tests each resource value it writes and each container's name at
			// its index: a status write does not conflict, an edit of those fields or a reorder does.
			contentType: JSON_PATCH,
			body: guardedJsonPatch(object, patch),
			target: ref,
			description: `set requests = limits for cpu and memory on every container of ${ref.kind} ${ref.namespace}/${ref.name}`,
			resource: {group, resource},
			verb: 'patch',
		};
		const pod = podFromTemplate(template as Record<string, unknown>, patch, {kind: ref.kind, namespace: ref.namespace!, name: ref.name});
		const check: Operation = {
			method: 'POST',
			path: resourcePath('', 'v1', 'pods', ref.namespace),
			contentType: 'application/json',
			body: pod,
			target: {kind: 'Pod', namespace: ref.namespace, name: `${ref.name}-dry-run`},
			description: 'dry-run a pod from the new template, for its QoS class',
			resource: {group: '', resource: 'pods'},
			verb: 'create',
		};
		return plan(context, 'make-guaranteed', `Make ${ref.kind} ${ref.namespace}/${ref.name} Guaranteed`, {
			batches: [[patchOp]],
			checks: [check],
			describeCheck: (response) =>
				`a pod from the new template would be ${String(response.status?.qosClass ?? 'of unknown QoS class')} (the server's answer, LimitRange defaults included)`,
			risk:
				ref.kind === 'CronJob'
					? 'Jobs created from now on get the new values; a container that needs more than its new limit is OOM-killed or throttled'
					: `Rolls every pod of the ${ref.kind} (each is replaced); a container that needs more than its new limit is OOM-killed or throttled`,
			warnings: suggestions.flatMap((s) => s.notes.map((note) => `${s.container}: ${note}`)),
			params,
		});
	},
};

const throttleClient: RemedyDefinition = {
	id: 'throttle-client',
	title: 'Throttle the client with API Priority and Fairness',
	async plan(context) {
		const subject = context.finding.subject;
		if (!('client' in subject)) throw new Error('throttle-client needs a client finding');
		const user = subject.client.user;
		if (!user || user === 'system:admin' || user.startsWith('system:node:'))
			throw new Error(`${user || 'an anonymous client'} cannot be given its own priority level safely`);
		const version =
			context.state.apiVersions?.get('flowcontrol.apiserver.k8s.io') ??
			(context.api.serverMinor !== undefined && context.api.serverMinor < 29 ? 'v1beta3' : 'v1');
		const shares = {
			name: 'shares',
			label: 'nominal concurrency shares',
			value: String(THROTTLE_SHARES),
			validate: (v: string) => (/^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= 100 ? undefined : 'shares: a whole number from 1 to 100'),
		};
		const plan = throttlePlan(context.state, user, {shares: Number(context.params.shares ?? shares.value), version});
		return {
			findingId: context.finding.id,
			remedyId: 'throttle-client',
			title: `Throttle ${user} (LIST and WATCH) with API Priority and Fairness`,
			risk: `Its LISTs and WATCHes beyond ${plan.priorityLevel.spec.limited.nominalConcurrencyShares} shares of concurrency are rejected with 429: a client that does not back off will fail more (that is the point); system:masters is always exempt`,
			warnings: [
				plan.reason,
				'Check it bites: apiserver_flowcontrol_rejected_requests_total{flow_schema="' +
					String(plan.flowSchema.metadata.name) +
					'"} and the X-Kubernetes-PF-FlowSchema-UID response header',
			],
			batches: [throttleOperations(plan, version)],
			intervalMs: 1000,
			params: [shares],
			undoable: true,
		};
	},
};

function quantityOk(value: string, parse: (s: string) => number): boolean {
	try {
		return parse(value.trim()) > 0;
	} catch {
		return false;
	}
}

export function remedyCatalog(extra: readonly RemedyDefinition[] = []): Map<string, RemedyDefinition> {
	const all = [
		setJobTtl,
		deleteDefinition('delete-finished-jobs', 'finished Jobs'),
		deleteDefinition('delete-finished-pods', 'finished pods'),
		deleteReleasedVolume,
		setRevisionHistoryLimit,
		createObjectQuota,
		dampenHpa,
		dampenScaledObject,
		createHpaQuota,
		createOverprovisioning,
		makeGuaranteed,
		throttleClient,
		...extra,
	];
	return new Map(all.map((definition) => [definition.id, definition]));
}
