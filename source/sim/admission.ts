/**
 * What the API server does to an object between decoding and storing it: defaulting (as
 * the scheme's SetDefaults functions do), mutating admission (LimitRanger's container
 * defaults), strategy hooks (status.qosClass on Pod creation) and validation (422 with
 * field causes). Only what a client of the simulator can observe is modelled.
 */
import {parseQuantity} from '../formats/quantity.js';
import type {StatusCause} from './errors.js';
import {computeQosClass} from './qos.js';
import type {Obj} from '../formats/json-object.js';

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function defaultPodSpec(spec: Obj | undefined): void {
	if (!spec) return;
	spec.restartPolicy ??= 'Always';
	spec.terminationGracePeriodSeconds ??= 30;
	spec.dnsPolicy ??= 'ClusterFirst';
	spec.schedulerName ??= 'default-scheduler';
	spec.securityContext ??= {};
	for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])] as Obj[]) {
		c.terminationMessagePath ??= '/dev/termination-log';
		c.terminationMessagePolicy ??= 'File';
		c.imagePullPolicy ??= typeof c.image === 'string' && (c.image.endsWith(':latest') || !c.image.includes(':')) ? 'Always' : 'IfNotPresent';
		c.resources ??= {};
	}
}

/** SetDefaults_Pod: a container's missing request defaults to its limit (Pods only, not templates). */
function defaultRequestsFromLimits(spec: Obj): void {
	for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])] as Obj[]) {
		const limits = c.resources?.limits as Obj | undefined;
		if (!limits) continue;
		for (const [name, value] of Object.entries(limits)) {
			c.resources.requests ??= {};
			if (c.resources.requests[name] === undefined) c.resources.requests[name] = value;
		}
	}
}

/** LimitRanger: containers missing limits/requests get the namespace LimitRange's defaults. */
export function applyLimitRanges(spec: Obj, limitRanges: Obj[]): void {
	for (const range of limitRanges) {
		for (const item of (range.spec?.limits ?? []) as Obj[]) {
			if (item.type !== 'Container') continue;
			const defaults = (item.default ?? {}) as Obj;
			const defaultRequests = (item.defaultRequest ?? item.default ?? {}) as Obj;
			for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])] as Obj[]) {
				c.resources ??= {};
				for (const [name, value] of Object.entries(defaults)) {
					c.resources.limits ??= {};
					if (c.resources.limits[name] === undefined) c.resources.limits[name] = value;
				}
				for (const [name, value] of Object.entries(defaultRequests)) {
					c.resources.requests ??= {};
					if (c.resources.requests[name] === undefined) c.resources.requests[name] = value;
				}
			}
		}
	}
}

const scaleUpDefault = () => ({
	stabilizationWindowSeconds: 0,
	selectPolicy: 'Max',
	policies: [
		{type: 'Pods', value: 4, periodSeconds: 15},
		{type: 'Percent', value: 100, periodSeconds: 15},
	],
});
const scaleDownDefault = () => ({selectPolicy: 'Max', policies: [{type: 'Percent', value: 100, periodSeconds: 15}]});

function defaultScalingRules(rules: Obj | undefined, defaults: Obj): Obj {
	if (!rules) return defaults;
	const out = {...rules};
	if (out.stabilizationWindowSeconds === undefined && defaults.stabilizationWindowSeconds !== undefined)
		out.stabilizationWindowSeconds = defaults.stabilizationWindowSeconds;
	out.selectPolicy ??= defaults.selectPolicy;
	if (!out.policies || out.policies.length === 0) out.policies = defaults.policies;
	return out;
}

/** Scheme defaulting, per kind. Mutates `object`. */
export function applyDefaults(kind: string, object: Obj): void {
	const spec = object.spec as Obj | undefined;
	switch (kind) {
		case 'Pod':
			defaultPodSpec(spec);
			if (spec) defaultRequestsFromLimits(spec);
			break;
		case 'Deployment':
			if (!spec) break;
			spec.replicas ??= 1;
			spec.revisionHistoryLimit ??= 10;
			spec.progressDeadlineSeconds ??= 600;
			spec.strategy ??= {type: 'RollingUpdate', rollingUpdate: {maxUnavailable: '25%', maxSurge: '25%'}};
			defaultPodSpec(spec.template?.spec);
			break;
		case 'ReplicaSet':
		case 'StatefulSet':
			if (!spec) break;
			spec.replicas ??= 1;
			if (kind === 'StatefulSet') {
				spec.podManagementPolicy ??= 'OrderedReady';
				spec.revisionHistoryLimit ??= 10;
				spec.updateStrategy ??= {type: 'RollingUpdate', rollingUpdate: {partition: 0}};
			}
			defaultPodSpec(spec.template?.spec);
			break;
		case 'DaemonSet':
			if (!spec) break;
			spec.revisionHistoryLimit ??= 10;
			spec.updateStrategy ??= {type: 'RollingUpdate', rollingUpdate: {maxUnavailable: 1, maxSurge: 0}};
			defaultPodSpec(spec.template?.spec);
			break;
		case 'Job':
			if (!spec) break;
			spec.parallelism ??= 1;
			spec.completions ??= 1;
			spec.backoffLimit ??= 6;
			spec.completionMode ??= 'NonIndexed';
			spec.suspend ??= false;
			if (spec.template?.spec) spec.template.spec.restartPolicy ??= 'Never';
			defaultPodSpec(spec.template?.spec);
			break;
		case 'CronJob':
			if (!spec) break;
			spec.concurrencyPolicy ??= 'Allow';
			spec.suspend ??= false;
			spec.successfulJobsHistoryLimit ??= 3;
			spec.failedJobsHistoryLimit ??= 1;
			if (spec.jobTemplate?.spec) applyDefaults('Job', {spec: spec.jobTemplate.spec});
			break;
		case 'HorizontalPodAutoscaler':
			if (!spec) break;
			spec.minReplicas ??= 1;
			if (!spec.metrics || spec.metrics.length === 0)
				spec.metrics = [{type: 'Resource', resource: {name: 'cpu', target: {type: 'Utilization', averageUtilization: 80}}}];
			if (spec.behavior) {
				spec.behavior = {
					scaleUp: defaultScalingRules(spec.behavior.scaleUp, scaleUpDefault()),
					scaleDown: defaultScalingRules(spec.behavior.scaleDown, {stabilizationWindowSeconds: undefined, ...scaleDownDefault()}),
				};
			}
			break;
		case 'Namespace':
			object.spec = {finalizers: ['kubernetes'], ...(spec ?? {})};
			object.status = {phase: 'Active', ...(object.status ?? {})};
			break;
		case 'Service':
			if (!spec) break;
			spec.type ??= 'ClusterIP';
			spec.sessionAffinity ??= 'None';
			for (const port of (spec.ports ?? []) as Obj[]) {
				port.protocol ??= 'TCP';
				port.targetPort ??= port.port;
			}
			break;
		case 'PersistentVolume':
			if (spec) spec.persistentVolumeReclaimPolicy ??= 'Retain';
			break;
		case 'PersistentVolumeClaim':
			if (spec) spec.volumeMode ??= 'Filesystem';
			break;
		case 'PriorityLevelConfiguration':
			if (spec?.type === 'Limited' && spec.limited) {
				spec.limited.lendablePercent ??= 0;
				spec.limited.limitResponse ??= {type: 'Reject'};
				if (spec.limited.nominalConcurrencyShares === undefined) spec.limited.nominalConcurrencyShares = 30;
			}
			break;
		case 'FlowSchema':
			if (spec) spec.matchingPrecedence ??= 1000;
			break;
		case 'Secret':
			object.type ??= 'Opaque';
			break;
		default:
			break;
	}
}

/** Mutating admission and create-time strategy for pods: LimitRanger, then status.qosClass. */
export function admitPodCreate(pod: Obj, limitRanges: Obj[]): void {
	if (!pod.spec) return;
	applyLimitRanges(pod.spec, limitRanges);
	pod.status = {phase: 'Pending', qosClass: computeQosClass(pod.spec)};
}

function quantityCause(field: string, value: unknown): StatusCause | undefined {
	try {
		parseQuantity(String(value));
		return undefined;
	} catch {
		return {
			reason: 'FieldValueInvalid',
			field,
			message: `Invalid value: "${String(value)}": must match the regex ^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$`,
		};
	}
}

function validateResources(path: string, resources: Obj | undefined, causes: StatusCause[]): void {
	for (const section of ['requests', 'limits']) {
		for (const [name, value] of Object.entries((resources?.[section] ?? {}) as Obj)) {
			const cause = quantityCause(`${path}.${section}[${name}]`, value);
			if (cause) causes.push(cause);
		}
	}
	const requests = (resources?.requests ?? {}) as Obj;
	const limits = (resources?.limits ?? {}) as Obj;
	for (const [name, request] of Object.entries(requests)) {
		if (limits[name] === undefined) continue;
		try {
			if (parseQuantity(String(request)) > parseQuantity(String(limits[name]))) {
				causes.push({
					reason: 'FieldValueInvalid',
					field: `${path}.requests`,
					message: `Invalid value: "${String(request)}": must be less than or equal to ${name} limit of ${String(limits[name])}`,
				});
			}
		} catch {
			// Already reported as a malformed quantity.
		}
	}
}

function validatePodSpec(path: string, spec: Obj | undefined, causes: StatusCause[]): void {
	if (!spec) {
		causes.push({reason: 'FieldValueRequired', field: path, message: 'Required value'});
		return;
	}
	const containers = (spec.containers ?? []) as Obj[];
	if (containers.length === 0) causes.push({reason: 'FieldValueRequired', field: `${path}.containers`, message: 'Required value'});
	const names = new Set<string>();
	for (const [list, items] of [
		['containers', containers],
		['initContainers', (spec.initContainers ?? []) as Obj[]],
	] as const) {
		items.forEach((c, i) => {
			const field = `${path}.${list}[${i}]`;
			if (!c.name) causes.push({reason: 'FieldValueRequired', field: `${field}.name`, message: 'Required value'});
			else if (names.has(c.name)) causes.push({reason: 'FieldValueDuplicate', field: `${field}.name`, message: `Duplicate value: "${c.name}"`});
			else names.add(c.name);
			if (!c.image) causes.push({reason: 'FieldValueRequired', field: `${field}.image`, message: 'Required value'});
			validateResources(`${field}.resources`, c.resources, causes);
		});
	}
}

function nonNegative(field: string, value: unknown, causes: StatusCause[]): void {
	if (value !== undefined && (typeof value !== 'number' || value < 0 || !Number.isInteger(value))) {
		causes.push({reason: 'FieldValueInvalid', field, message: `Invalid value: ${JSON.stringify(value)}: must be greater than or equal to 0`});
	}
}

/** Validation for create and update (`old` set on update). Returns the causes of a 422. */
export function validate(kind: string, object: Obj, old: Obj | undefined, custom: boolean): StatusCause[] {
	const causes: StatusCause[] = [];
	const meta = (object.metadata ?? {}) as Obj;
	if (!meta.name) causes.push({reason: 'FieldValueRequired', field: 'metadata.name', message: 'Required value: name or generateName is required'});
	else if ((!custom && kind !== 'Event' && !(kind === 'Namespace' ? DNS1123_LABEL : DNS1123_SUBDOMAIN).test(meta.name)) || String(meta.name).length > 253) {
		causes.push({
			reason: 'FieldValueInvalid',
			field: 'metadata.name',
			message: `Invalid value: "${meta.name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`,
		});
	}
	for (const [key, value] of Object.entries((meta.labels ?? {}) as Obj)) {
		if (typeof value !== 'string' || value.length > 63 || !/^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/.test(value)) {
			causes.push({
				reason: 'FieldValueInvalid',
				field: `metadata.labels`,
				message: `Invalid value: "${String(value)}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.' (label ${key})`,
			});
		}
	}
	const spec = object.spec as Obj | undefined;
	switch (kind) {
		case 'Pod':
			validatePodSpec('spec', spec, causes);
			if (old) validatePodUpdate(old.spec as Obj, spec ?? {}, causes);
			break;
		case 'Deployment':
		case 'ReplicaSet':
		case 'StatefulSet':
		case 'DaemonSet':
			nonNegative('spec.replicas', spec?.replicas, causes);
			nonNegative('spec.revisionHistoryLimit', spec?.revisionHistoryLimit, causes);
			validatePodSpec('spec.template.spec', spec?.template?.spec, causes);
			break;
		case 'Job':
			nonNegative('spec.ttlSecondsAfterFinished', spec?.ttlSecondsAfterFinished, causes);
			validatePodSpec('spec.template.spec', spec?.template?.spec, causes);
			break;
		case 'CronJob':
			if (!spec?.schedule) causes.push({reason: 'FieldValueRequired', field: 'spec.schedule', message: 'Required value'});
			nonNegative('spec.jobTemplate.spec.ttlSecondsAfterFinished', spec?.jobTemplate?.spec?.ttlSecondsAfterFinished, causes);
			validatePodSpec('spec.jobTemplate.spec.template.spec', spec?.jobTemplate?.spec?.template?.spec, causes);
			break;
		case 'HorizontalPodAutoscaler': {
			const min = spec?.minReplicas ?? 1;
			if (!spec?.scaleTargetRef?.name) causes.push({reason: 'FieldValueRequired', field: 'spec.scaleTargetRef.name', message: 'Required value'});
			if (typeof spec?.maxReplicas !== 'number' || spec.maxReplicas < 1)
				causes.push({
					reason: 'FieldValueInvalid',
					field: 'spec.maxReplicas',
					message: `Invalid value: ${JSON.stringify(spec?.maxReplicas)}: must be greater than 0`,
				});
			else if (min > spec.maxReplicas)
				causes.push({
					reason: 'FieldValueInvalid',
					field: 'spec.maxReplicas',
					message: `Invalid value: ${spec.maxReplicas}: must be greater than or equal to \`minReplicas\``,
				});
			for (const direction of ['scaleUp', 'scaleDown']) {
				const rules = spec?.behavior?.[direction] as Obj | undefined;
				const window = rules?.stabilizationWindowSeconds;
				if (window !== undefined && (typeof window !== 'number' || window < 0 || window > 3600)) {
					causes.push({
						reason: 'FieldValueInvalid',
						field: `spec.behavior.${direction}.stabilizationWindowSeconds`,
						message: `Invalid value: ${JSON.stringify(window)}: must be less than or equal to 3600`,
					});
				}
				for (const [i, policy] of ((rules?.policies ?? []) as Obj[]).entries()) {
					if (!['Pods', 'Percent'].includes(policy.type))
						causes.push({
							reason: 'FieldValueNotSupported',
							field: `spec.behavior.${direction}.policies[${i}].type`,
							message: `Unsupported value: "${policy.type}": supported values: "Percent", "Pods"`,
						});
					if (!(policy.periodSeconds > 0 && policy.periodSeconds <= 1800))
						causes.push({
							reason: 'FieldValueInvalid',
							field: `spec.behavior.${direction}.policies[${i}].periodSeconds`,
							message: `Invalid value: ${JSON.stringify(policy.periodSeconds)}: must be greater than zero and less than or equal to 1800`,
						});
					if (!(policy.value > 0))
						causes.push({
							reason: 'FieldValueInvalid',
							field: `spec.behavior.${direction}.policies[${i}].value`,
							message: `Invalid value: ${JSON.stringify(policy.value)}: must be greater than zero`,
						});
				}
			}
			break;
		}
		case 'ResourceQuota':
			for (const [name, value] of Object.entries((spec?.hard ?? {}) as Obj)) {
				const cause = quantityCause(`spec.hard[${name}]`, value);
				if (cause) causes.push(cause);
			}
			break;
		case 'PriorityClass':
			if (typeof object.value !== 'number') causes.push({reason: 'FieldValueRequired', field: 'value', message: 'Required value'});
			else if (object.value > 1_000_000_000 && !String(meta.name).startsWith('system-'))
				causes.push({reason: 'FieldValueForbidden', field: 'value', message: 'Forbidden: maximum allowed value of a user defined priority is 1000000000'});
			if (old && old.value !== object.value)
				causes.push({reason: 'FieldValueForbidden', field: 'value', message: 'Forbidden: may not be changed in an update.'});
			break;
		case 'FlowSchema': {
			const precedence = spec?.matchingPrecedence;
			if (typeof precedence !== 'number' || precedence < 1 || precedence > 10000)
				causes.push({
					reason: 'FieldValueInvalid',
					field: 'spec.matchingPrecedence',
					message: `Invalid value: ${JSON.stringify(precedence)}: must be between 1 and 10000, inclusive`,
				});
			if (!spec?.priorityLevelConfiguration?.name)
				causes.push({reason: 'FieldValueRequired', field: 'spec.priorityLevelConfiguration.name', message: 'Required value: must reference a priority level'});
			break;
		}
		case 'PriorityLevelConfiguration':
			if (!['Exempt', 'Limited'].includes(spec?.type))
				causes.push({
					reason: 'FieldValueNotSupported',
					field: 'spec.type',
					message: `Unsupported value: "${String(spec?.type)}": supported values: "Exempt", "Limited"`,
				});
			break;
		default:
			break;
	}
	return causes;
}

/** Pod spec updates may only change images, activeDeadlineSeconds, tolerations (additions) and the grace period. */
function validatePodUpdate(old: Obj, next: Obj, causes: StatusCause[]): void {
	const strip = (spec: Obj): string => {
		const copy = structuredClone(spec) as Obj;
		for (const c of [...(copy.containers ?? []), ...(copy.initContainers ?? [])] as Obj[]) delete c.image;
		delete copy.activeDeadlineSeconds;
		delete copy.tolerations;
		delete copy.terminationGracePeriodSeconds;
		return JSON.stringify(sortKeys(copy));
	};
	if (strip(old) !== strip(next)) {
		causes.push({
			reason: 'FieldValueForbidden',
			field: 'spec',
			message:
				'Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
		});
	}
}

export function sortKeys(value: unknown): unknown {
	if (Array.isArray(value)) return value.map(sortKeys);
	if (value && typeof value === 'object') {
		const out: Obj = {};
		for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as Obj)[key]);
		return out;
	}
	return value;
}
