/**
 * Server-side printing: the meta.k8s.io/v1 Table the API server returns when a client
 * asks for `as=Table` (kubectl get does), with the same columns and cell formats as the
 * real printers for the kinds the simulator serves, and Name/Age for everything else.
 */
import {formatAge} from '../text/format.js';
import type {ResourceType} from './resources.js';
import type {Obj} from '../formats/json-object.js';

interface Column {
	name: string;
	type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
	format?: string;
	description: string;
	priority: number;
	cell: (object: Obj, now: number) => string | number | boolean;
}

/** kubectl's HumanDuration of the time since `createdIso`, as the AGE column shows it. */
function humanAge(createdIso: string | undefined, now: number): string {
	if (!createdIso) return '<unknown>';
	const ms = now - Date.parse(createdIso);
	return Number.isNaN(ms) ? '<unknown>' : formatAge(ms);
}

const name: Column = {
	name: 'Name',
	type: 'string',
	format: 'name',
	description: 'Name must be unique within a namespace.',
	priority: 0,
	cell: (o) => o.metadata?.name ?? '',
};
const age: Column = {
	name: 'Age',
	type: 'string',
	description: 'CreationTimestamp is a timestamp representing the server time when this object was created.',
	priority: 0,
	cell: (o, now) => humanAge(o.metadata?.creationTimestamp, now),
};

function podStatus(pod: Obj): string {
	if (pod.metadata?.deletionTimestamp) return 'Terminating';
	const reason = pod.status?.reason;
	if (reason) return reason;
	for (const cs of (pod.status?.containerStatuses ?? []) as Obj[]) {
		if (cs.state?.waiting?.reason) return cs.state.waiting.reason;
		if (cs.state?.terminated?.reason) return cs.state.terminated.reason;
	}
	return pod.status?.phase ?? 'Unknown';
}

function podReady(pod: Obj): string {
	const statuses = (pod.status?.containerStatuses ?? []) as Obj[];
	const total = (pod.spec?.containers ?? []).length;
	return `${statuses.filter((s) => s.ready).length}/${total}`;
}

function restarts(pod: Obj): number {
	return ((pod.status?.containerStatuses ?? []) as Obj[]).reduce((sum, s) => sum + Number(s.restartCount ?? 0), 0);
}

function selectorText(selector: Obj | undefined): string {
	if (!selector) return '<none>';
	const parts = Object.entries((selector.matchLabels ?? {}) as Record<string, string>).map(([k, v]) => `${k}=${v}`);
	for (const e of (selector.matchExpressions ?? []) as Obj[]) parts.push(`${e.key} ${String(e.operator).toLowerCase()} (${(e.values ?? []).join(',')})`);
	return parts.length > 0 ? parts.join(',') : '<none>';
}

function containers(o: Obj): Obj[] {
	return (o.spec?.template?.spec?.containers ?? []) as Obj[];
}

function hpaTargets(o: Obj): string {
	const metrics = (o.spec?.metrics ?? []) as Obj[];
	const currents = (o.status?.currentMetrics ?? []) as Obj[];
	if (metrics.length === 0) return '<none>';
	return metrics
		.map((m, i) => {
			const current = currents[i];
			if (m.type === 'Resource') {
				const target = m.resource?.target ?? {};
				const now = current?.resource?.current;
				if (target.type === 'Utilization')
					return `${m.resource.name}: ${now?.averageUtilization !== undefined ? `${now.averageUtilization}%` : '<unknown>'}/${target.averageUtilization}%`;
				return `${m.resource.name}: ${now?.averageValue ?? '<unknown>'}/${target.averageValue}`;
			}
			if (m.type === 'External') {
				const target = m.external?.target ?? {};
				const now = current?.external?.current;
				return `${now?.averageValue ?? now?.value ?? '<unknown>'}/${target.averageValue ?? target.value}${target.type === 'AverageValue' ? ' (avg)' : ''}`;
			}
			return '<unknown>';
		})
		.join(', ');
}

/** The columns PersistentVolumes and PersistentVolumeClaims share (spec fields of both). */
const accessModes: Column = {
	name: 'Access Modes',
	type: 'string',
	description: 'Access modes.',
	priority: 0,
	cell: (o) =>
		((o.spec?.accessModes ?? []) as string[])
			.map((m) => ({ReadWriteOnce: 'RWO', ReadOnlyMany: 'ROX', ReadWriteMany: 'RWX', ReadWriteOncePod: 'RWOP'})[m] ?? m)
			.join(','),
};
const storageClass: Column = {name: 'StorageClass', type: 'string', description: 'Storage class.', priority: 0, cell: (o) => o.spec?.storageClassName ?? ''};
const volumeAttributesClass: Column = {
	name: 'VolumeAttributesClass',
	type: 'string',
	description: 'Volume attributes class.',
	priority: 0,
	cell: (o) => o.spec?.volumeAttributesClassName ?? '<unset>',
};

const columnsByKind: Record<string, Column[]> = {
	Pod: [
		name,
		{name: 'Ready', type: 'string', description: 'The aggregate readiness state of this pod for accepting traffic.', priority: 0, cell: podReady},
		{name: 'Status', type: 'string', description: 'The aggregate status of the containers in this pod.', priority: 0, cell: podStatus},
		{
			name: 'Restarts',
			type: 'string',
			description: 'The number of times the containers in this pod have been restarted.',
			priority: 0,
			cell: (o) => String(restarts(o)),
		},
		age,
		{name: 'IP', type: 'string', description: 'The IP address assigned to the pod', priority: 1, cell: (o) => o.status?.podIP ?? '<none>'},
		{name: 'Node', type: 'string', description: 'The name of the node the pod is assigned to', priority: 1, cell: (o) => o.spec?.nodeName ?? '<none>'},
		{name: 'Nominated Node', type: 'string', description: 'The nominated node for the pod', priority: 1, cell: (o) => o.status?.nominatedNodeName ?? '<none>'},
		{
			name: 'Readiness Gates',
			type: 'string',
			description: 'The readiness gates of the pod',
			priority: 1,
			cell: (o) => (((o.spec?.readinessGates ?? []) as Obj[]).length > 0 ? `0/${o.spec.readinessGates.length}` : '<none>'),
		},
	],
	Node: [
		name,
		{
			name: 'Status',
			type: 'string',
			description: 'The status of the node',
			priority: 0,
			cell: (o) => {
				const ready = ((o.status?.conditions ?? []) as Obj[]).find((c) => c.type === 'Ready');
				const base = ready?.status === 'True' ? 'Ready' : 'NotReady';
				return o.spec?.unschedulable ? `${base},SchedulingDisabled` : base;
			},
		},
		{
			name: 'Roles',
			type: 'string',
			description: 'The roles of the node',
			priority: 0,
			cell: (o) =>
				Object.keys(o.metadata?.labels ?? {})
					.filter((k) => k.startsWith('node-role.kubernetes.io/'))
					.map((k) => k.slice(24))
					.join(',') || '<none>',
		},
		age,
		{name: 'Version', type: 'string', description: 'Kubelet Version reported by the node.', priority: 0, cell: (o) => o.status?.nodeInfo?.kubeletVersion ?? ''},
		{
			name: 'Internal-IP',
			type: 'string',
			description: 'The node internal IP',
			priority: 1,
			cell: (o) => ((o.status?.addresses ?? []) as Obj[]).find((a) => a.type === 'InternalIP')?.address ?? '<none>',
		},
	],
	Namespace: [name, {name: 'Status', type: 'string', description: 'The status of the namespace', priority: 0, cell: (o) => o.status?.phase ?? ''}, age],
	Deployment: [
		name,
		{
			name: 'Ready',
			type: 'string',
			description: 'Number of the pod with ready state',
			priority: 0,
			cell: (o) => `${o.status?.readyReplicas ?? 0}/${o.spec?.replicas ?? 0}`,
		},
		{
			name: 'Up-to-date',
			type: 'integer',
			description: 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.',
			priority: 0,
			cell: (o) => o.status?.updatedReplicas ?? 0,
		},
		{
			name: 'Available',
			type: 'integer',
			description: 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.',
			priority: 0,
			cell: (o) => o.status?.availableReplicas ?? 0,
		},
		age,
		{
			name: 'Containers',
			type: 'string',
			description: 'Names of each container in the template.',
			priority: 1,
			cell: (o) =>
				containers(o)
					.map((c) => c.name)
					.join(','),
		},
		{
			name: 'Images',
			type: 'string',
			description: 'Images referenced by each container in the template.',
			priority: 1,
			cell: (o) =>
				containers(o)
					.map((c) => c.image)
					.join(','),
		},
		{name: 'Selector', type: 'string', description: 'Label selector for pods.', priority: 1, cell: (o) => selectorText(o.spec?.selector)},
	],
	ReplicaSet: [
		name,
		{name: 'Desired', type: 'integer', description: 'Number of desired pods.', priority: 0, cell: (o) => o.spec?.replicas ?? 0},
		{name: 'Current', type: 'integer', description: 'Number of actual replicas.', priority: 0, cell: (o) => o.status?.replicas ?? 0},
		{name: 'Ready', type: 'integer', description: 'Number of ready replicas.', priority: 0, cell: (o) => o.status?.readyReplicas ?? 0},
		age,
	],
	StatefulSet: [
		name,
		{
			name: 'Ready',
			type: 'string',
			description: 'Number of the pod with ready state',
			priority: 0,
			cell: (o) => `${o.status?.readyReplicas ?? 0}/${o.spec?.replicas ?? 0}`,
		},
		age,
	],
	DaemonSet: [
		name,
		{name: 'Desired', type: 'integer', description: 'The desired number of nodes.', priority: 0, cell: (o) => o.status?.desiredNumberScheduled ?? 0},
		{
			name: 'Current',
			type: 'integer',
			description: 'The number of nodes running a daemon pod.',
			priority: 0,
			cell: (o) => o.status?.currentNumberScheduled ?? 0,
		},
		{name: 'Ready', type: 'integer', description: 'The number of nodes with a ready daemon pod.', priority: 0, cell: (o) => o.status?.numberReady ?? 0},
		{
			name: 'Up-to-date',
			type: 'integer',
			description: 'The number of nodes running the updated daemon pod.',
			priority: 0,
			cell: (o) => o.status?.updatedNumberScheduled ?? 0,
		},
		{
			name: 'Available',
			type: 'integer',
			description: 'The number of nodes with an available daemon pod.',
			priority: 0,
			cell: (o) => o.status?.numberAvailable ?? 0,
		},
		{
			name: 'Node Selector',
			type: 'string',
			description: 'The node selector of the pods.',
			priority: 0,
			cell: (o) =>
				Object.entries((o.spec?.template?.spec?.nodeSelector ?? {}) as Record<string, string>)
					.map(([k, v]) => `${k}=${v}`)
					.join(',') || '<none>',
		},
		age,
	],
	Job: [
		name,
		{
			name: 'Status',
			type: 'string',
			description: 'Status of the job.',
			priority: 0,
			cell: (o) => {
				const conditions = (o.status?.conditions ?? []) as Obj[];
				if (conditions.some((c) => c.type === 'Complete' && c.status === 'True')) return 'Complete';
				if (conditions.some((c) => c.type === 'Failed' && c.status === 'True')) return 'Failed';
				return o.spec?.suspend ? 'Suspended' : 'Running';
			},
		},
		{
			name: 'Completions',
			type: 'string',
			description: 'The desired number of successfully finished pods the job should be run with.',
			priority: 0,
			cell: (o) => `${o.status?.succeeded ?? 0}/${o.spec?.completions ?? 1}`,
		},
		{
			name: 'Duration',
			type: 'string',
			description: 'Time required to complete the job.',
			priority: 0,
			cell: (o, now) => {
				const start = o.status?.startTime;
				if (!start) return '';
				const end = o.status?.completionTime ? Date.parse(o.status.completionTime) : now;
				return humanAge(start, end);
			},
		},
		age,
	],
	CronJob: [
		name,
		{name: 'Schedule', type: 'string', description: 'The schedule in Cron format.', priority: 0, cell: (o) => o.spec?.schedule ?? ''},
		{name: 'Timezone', type: 'string', description: 'The time zone.', priority: 0, cell: (o) => o.spec?.timeZone ?? '<none>'},
		{name: 'Suspend', type: 'boolean', description: 'Whether the cron job is suspended.', priority: 0, cell: (o) => Boolean(o.spec?.suspend)},
		{name: 'Active', type: 'integer', description: 'Number of currently running jobs.', priority: 0, cell: (o) => (o.status?.active ?? []).length},
		{
			name: 'Last Schedule',
			type: 'date',
			description: 'When the job was last scheduled.',
			priority: 0,
			cell: (o, now) => (o.status?.lastScheduleTime ? humanAge(o.status.lastScheduleTime, now) : '<none>'),
		},
		age,
	],
	HorizontalPodAutoscaler: [
		name,
		{
			name: 'Reference',
			type: 'string',
			description: 'The scale target reference.',
			priority: 0,
			cell: (o) => `${o.spec?.scaleTargetRef?.kind ?? ''}/${o.spec?.scaleTargetRef?.name ?? ''}`,
		},
		{name: 'Targets', type: 'string', description: 'Current and target metrics.', priority: 0, cell: hpaTargets},
		{name: 'MinPods', type: 'string', description: 'Lower bound of replicas.', priority: 0, cell: (o) => String(o.spec?.minReplicas ?? 1)},
		{name: 'MaxPods', type: 'integer', description: 'Upper bound of replicas.', priority: 0, cell: (o) => o.spec?.maxReplicas ?? 0},
		{name: 'Replicas', type: 'integer', description: 'Current number of replicas.', priority: 0, cell: (o) => o.status?.currentReplicas ?? 0},
		age,
	],
	PersistentVolume: [
		name,
		{name: 'Capacity', type: 'string', description: 'Capacity of the volume.', priority: 0, cell: (o) => o.spec?.capacity?.storage ?? ''},
		accessModes,
		{name: 'Reclaim Policy', type: 'string', description: 'Reclaim policy.', priority: 0, cell: (o) => o.spec?.persistentVolumeReclaimPolicy ?? ''},
		{name: 'Status', type: 'string', description: 'Phase of the volume.', priority: 0, cell: (o) => o.status?.phase ?? ''},
		{
			name: 'Claim',
			type: 'string',
			description: 'The bound claim.',
			priority: 0,
			cell: (o) => (o.spec?.claimRef ? `${o.spec.claimRef.namespace}/${o.spec.claimRef.name}` : ''),
		},
		storageClass,
		volumeAttributesClass,
		{name: 'Reason', type: 'string', description: 'Reason for the phase.', priority: 0, cell: (o) => o.status?.reason ?? ''},
		age,
	],
	PersistentVolumeClaim: [
		name,
		{name: 'Status', type: 'string', description: 'Phase of the claim.', priority: 0, cell: (o) => o.status?.phase ?? ''},
		{name: 'Volume', type: 'string', description: 'The bound volume.', priority: 0, cell: (o) => o.spec?.volumeName ?? ''},
		{name: 'Capacity', type: 'string', description: 'Capacity.', priority: 0, cell: (o) => o.status?.capacity?.storage ?? ''},
		accessModes,
		storageClass,
		volumeAttributesClass,
		age,
	],
	Event: [
		{
			name: 'Last Seen',
			type: 'string',
			description: 'Time since the event was last seen.',
			priority: 0,
			cell: (o, now) => humanAge(o.lastTimestamp ?? o.eventTime ?? o.metadata?.creationTimestamp, now),
		},
		{name: 'Type', type: 'string', description: 'Type of the event.', priority: 0, cell: (o) => o.type ?? ''},
		{name: 'Reason', type: 'string', description: 'Reason of the event.', priority: 0, cell: (o) => o.reason ?? ''},
		{
			name: 'Object',
			type: 'string',
			description: 'The object the event is about.',
			priority: 0,
			cell: (o) => `${String(o.involvedObject?.kind ?? '').toLowerCase()}/${o.involvedObject?.name ?? ''}`,
		},
		{name: 'Message', type: 'string', description: 'The event message.', priority: 0, cell: (o) => o.message ?? ''},
	],
	Service: [
		name,
		{name: 'Type', type: 'string', description: 'Service type.', priority: 0, cell: (o) => o.spec?.type ?? 'ClusterIP'},
		{name: 'Cluster-IP', type: 'string', description: 'Cluster IP.', priority: 0, cell: (o) => o.spec?.clusterIP ?? '<none>'},
		{name: 'External-IP', type: 'string', description: 'External IPs.', priority: 0, cell: () => '<none>'},
		{
			name: 'Port(s)',
			type: 'string',
			description: 'Ports.',
			priority: 0,
			cell: (o) => ((o.spec?.ports ?? []) as Obj[]).map((p) => `${p.port}/${p.protocol ?? 'TCP'}`).join(',') || '<none>',
		},
		age,
	],
	ConfigMap: [
		name,
		{
			name: 'Data',
			type: 'integer',
			description: 'Number of data entries.',
			priority: 0,
			cell: (o) => Object.keys(o.data ?? {}).length + Object.keys(o.binaryData ?? {}).length,
		},
		age,
	],
	Secret: [
		name,
		{name: 'Type', type: 'string', description: 'Secret type.', priority: 0, cell: (o) => o.type ?? 'Opaque'},
		{name: 'Data', type: 'integer', description: 'Number of data entries.', priority: 0, cell: (o) => Object.keys(o.data ?? {}).length},
		age,
	],
	ResourceQuota: [
		name,
		age,
		{
			name: 'Request',
			type: 'string',
			description: 'Used/hard requests.',
			priority: 0,
			cell: (o) =>
				Object.entries((o.status?.hard ?? o.spec?.hard ?? {}) as Obj)
					.filter(([k]) => !k.startsWith('limits.'))
					.map(([k, v]) => `${k}: ${String(o.status?.used?.[k] ?? 0)}/${String(v)}`)
					.join(', '),
		},
	],
	PriorityClass: [
		name,
		{name: 'Value', type: 'integer', description: 'Priority value.', priority: 0, cell: (o) => o.value ?? 0},
		{name: 'Global-Default', type: 'boolean', description: 'Global default.', priority: 0, cell: (o) => Boolean(o.globalDefault)},
		{name: 'Preemptionpolicy', type: 'string', description: 'Preemption policy.', priority: 0, cell: (o) => o.preemptionPolicy ?? 'PreemptLowerPriority'},
		age,
	],
	FlowSchema: [
		name,
		{name: 'PriorityLevel', type: 'string', description: 'Priority level.', priority: 0, cell: (o) => o.spec?.priorityLevelConfiguration?.name ?? ''},
		{name: 'MatchingPrecedence', type: 'string', description: 'Matching precedence.', priority: 0, cell: (o) => String(o.spec?.matchingPrecedence ?? '')},
		{
			name: 'DistinguisherMethod',
			type: 'string',
			description: 'Distinguisher method.',
			priority: 0,
			cell: (o) => o.spec?.distinguisherMethod?.type ?? '<none>',
		},
		age,
	],
	PriorityLevelConfiguration: [
		name,
		{name: 'Type', type: 'string', description: 'Type.', priority: 0, cell: (o) => o.spec?.type ?? ''},
		{
			name: 'NominalConcurrencyShares',
			type: 'string',
			description: 'Shares.',
			priority: 0,
			cell: (o) => String(o.spec?.limited?.nominalConcurrencyShares ?? '<none>'),
		},
		age,
	],
};

function columnsFor(type: ResourceType): Column[] {
	if (type.custom) return [name, age];
	return columnsByKind[type.kind] ?? [name, age];
}

export function partialMetadata(object: Obj): Obj {
	return {kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: object.metadata};
}

export function tableColumnDefinitions(type: ResourceType): Obj[] {
	return columnsFor(type).map(({cell: _cell, ...definition}) => ({format: '', ...definition}));
}

/** One table row; `includeObject` as the query parameter (None, Metadata — the default — or Object). */
export function tableRow(type: ResourceType, object: Obj, now: number, includeObject: string): Obj {
	const row: Obj = {cells: columnsFor(type).map((column) => column.cell(object, now))};
	if (includeObject === 'Object') row.object = object;
	else if (includeObject !== 'None') row.object = partialMetadata(object);
	return row;
}
