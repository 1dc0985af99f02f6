/**
 * How the built-in kinds the simulator serves merge and are owned, as a compact tree of
 * named types (PodSpec is one node, shared by Pod.spec and every pod template).
 *
 * Two sets of facts live on each node, both taken from the Go types in k8s.io/api:
 * - strategic merge patch: the `patchStrategy` / `patchMergeKey` struct tags
 *   (containers merge by name, ports by containerPort, tolerations are replaced, ...);
 * - server-side apply and managedFields: the `+listType`, `+listMapKey`, `+structType`
 *   and `+mapType` markers (ports are keyed by containerPort AND protocol, a
 *   LabelSelector is owned as a whole, ...). The two disagree in places, as they do in
 *   a real kube-apiserver.
 *
 * Anything not described here behaves like an undeclared field: objects merge key by
 * key, lists are replaced whole. `schemaFor` answers undefined for custom resources,
 * which have no strategic merge patch.
 */

/** A JSON object described field by field (a Go struct). */
export interface StructNode {
	readonly kind: 'struct';
	/** The Go type name, e.g. 'PodSpec'. */
	readonly name: string;
	readonly fields: ReadonlyMap<string, TypeNode>;
	/**
	 * Fields a Go zero value always serialises (non-pointer structs, lists without
	 * omitempty): the API server sees them as present-but-empty before anyone sets them,
	 * which decides where managedFields put their `.` markers.
	 */
	readonly present: ReadonlySet<string>;
	/** `+structType=atomic`: applied and owned as a whole. */
	readonly atomic: boolean;
	/** Top-level kinds only: the resource has a /status subresource. */
	readonly statusSubresource: boolean;
}

/** A JSON object with free-form keys (a Go map), e.g. labels or resource limits. */
export interface MapNode {
	readonly kind: 'map';
	/** The type of every value; undefined for strings and other scalars. */
	readonly values: TypeNode | undefined;
	/** `+mapType=atomic`: applied and owned as a whole (PodSpec.nodeSelector). */
	readonly atomic: boolean;
	/** patchStrategy for this field in a strategic merge patch. */
	readonly patchStrategy: 'merge' | 'replace';
}

/** A JSON array. */
export interface ListNode {
	readonly kind: 'list';
	/** The type of every item; undefined for scalars and undeclared objects. */
	readonly items: TypeNode | undefined;
	/** Strategic merge patch: merge with the live list, or replace it. */
	readonly patchStrategy: 'merge' | 'replace';
	/** Strategic merge patch: the field that identifies an object item (`patchMergeKey`). */
	readonly patchMergeKey: string | undefined;
	/** The field also allows the `$retainKeys` directive. */
	readonly retainKeys: boolean;
	/** Server-side apply: `+listType`. */
	readonly listType: 'atomic' | 'set' | 'map';
	/** Server-side apply: `+listMapKey`s identifying an item when listType is 'map'. */
	readonly listMapKeys: readonly string[];
	/** Values the OpenAPI schema defaults a missing key field to (ports: protocol TCP). */
	readonly keyDefaults: Readonly<Record<string, string>>;
}

export type TypeNode = StructNode | MapNode | ListNode;

/** Descends from a node to the node of one of its keys (struct field or map value). */
export function childNode(node: TypeNode | undefined, key: string): TypeNode | undefined {
	if (node === undefined) return undefined;
	if (node.kind === 'struct') return node.fields.get(key);
	if (node.kind === 'map') return node.values;
	return undefined;
}

/** The node of a list's items. */
export function itemNode(node: TypeNode | undefined): TypeNode | undefined {
	return node?.kind === 'list' ? node.items : undefined;
}

// ---------------------------------------------------------------------------------------
// Builders (module-private): small functions so the type table below reads like the Go.

interface StructOptions {
	present?: readonly string[];
	atomic?: boolean;
	statusSubresource?: boolean;
}

function struct(name: string, fields: Record<string, TypeNode>, options: StructOptions = {}): StructNode {
	return {
		kind: 'struct',
		name,
		fields: new Map(Object.entries(fields)),
		present: new Set(options.present ?? []),
		atomic: options.atomic ?? false,
		statusSubresource: options.statusSubresource ?? false,
	};
}

/** A struct owned as a whole (`+structType=atomic`); its fields do not matter to us. */
function atomicStruct(name: string): StructNode {
	return struct(name, {}, {atomic: true});
}

function map(values?: TypeNode, options: {atomic?: boolean; replace?: boolean} = {}): MapNode {
	return {
		kind: 'map',
		values,
		atomic: options.atomic ?? false,
		patchStrategy: options.replace ? 'replace' : 'merge',
	};
}

interface ListOptions {
	items?: TypeNode;
	patchStrategy?: 'merge' | 'replace';
	patchMergeKey?: string;
	retainKeys?: boolean;
	listType?: 'atomic' | 'set' | 'map';
	listMapKeys?: readonly string[];
	keyDefaults?: Record<string, string>;
}

function list(options: ListOptions): ListNode {
	return {
		kind: 'list',
		items: options.items,
		patchStrategy: options.patchStrategy ?? 'replace',
		patchMergeKey: options.patchMergeKey,
		retainKeys: options.retainKeys ?? false,
		listType: options.listType ?? 'atomic',
		listMapKeys: options.listMapKeys ?? [],
		keyDefaults: options.keyDefaults ?? {},
	};
}

/** Replaced by a strategic merge patch, owned as a whole by server-side apply. */
function atomicList(items?: TypeNode): ListNode {
	return list({items});
}

/**
 * Merged by key in both worlds; `ssaKeys` defaults to the strategic merge key.
 * Pass `ssaAtomic` for lists that strategic merge patch merges but SSA owns whole.
 */
function keyedList(
	items: TypeNode | undefined,
	patchMergeKey: string,
	options: {ssaKeys?: readonly string[]; ssaAtomic?: boolean; retainKeys?: boolean; keyDefaults?: Record<string, string>} = {},
): ListNode {
	return list({
		items,
		patchStrategy: 'merge',
		patchMergeKey,
		retainKeys: options.retainKeys,
		listType: options.ssaAtomic ? 'atomic' : 'map',
		listMapKeys: options.ssaAtomic ? [] : (options.ssaKeys ?? [patchMergeKey]),
		keyDefaults: options.keyDefaults,
	});
}

/** Replaced by a strategic merge patch but keyed for server-side apply. */
function ssaOnlyKeyedList(items: TypeNode | undefined, keys: readonly string[]): ListNode {
	return list({items, listType: 'map', listMapKeys: keys});
}

/** A list of scalars treated as a set; `smpMerge` when patchStrategy is merge too. */
function setList(smpMerge: boolean): ListNode {
	return list({patchStrategy: smpMerge ? 'merge' : 'replace', listType: 'set'});
}

// ---------------------------------------------------------------------------------------
// meta/v1

const ownerReference = atomicStruct('OwnerReference');
const labelSelector = atomicStruct('LabelSelector');
const objectReference = atomicStruct('ObjectReference');
const localObjectReference = atomicStruct('LocalObjectReference');

const objectMeta = struct('ObjectMeta', {
	labels: map(),
	annotations: map(),
	ownerReferences: keyedList(ownerReference, 'uid'),
	finalizers: setList(true),
	managedFields: atomicList(),
});

const conditions = keyedList(undefined, 'type');

/** metadata + spec + status, the shape of most kinds. */
function kind(
	name: string,
	fields: Record<string, TypeNode>,
	options: {statusSubresource?: boolean} = {},
): StructNode {
	const present = ['metadata'];
	if ('spec' in fields) present.push('spec');
	if ('status' in fields) present.push('status');
	return struct(name, {metadata: objectMeta, ...fields}, {present, statusSubresource: options.statusSubresource});
}

// ---------------------------------------------------------------------------------------
// core/v1: pods and pod templates

const resourceRequirements = struct('ResourceRequirements', {
	limits: map(),
	requests: map(),
	claims: ssaOnlyKeyedList(undefined, ['name']),
});

const envVarSource = struct('EnvVarSource', {
	fieldRef: atomicStruct('ObjectFieldSelector'),
	resourceFieldRef: atomicStruct('ResourceFieldSelector'),
	configMapKeyRef: atomicStruct('ConfigMapKeySelector'),
	secretKeyRef: atomicStruct('SecretKeySelector'),
	fileKeyRef: atomicStruct('FileKeySelector'),
});

const envVar = struct('EnvVar', {valueFrom: envVarSource});

const containerFields: Record<string, TypeNode> = {
	command: atomicList(),
	args: atomicList(),
	ports: keyedList(undefined, 'containerPort', {ssaKeys: ['containerPort', 'protocol'], keyDefaults: {protocol: 'TCP'}}),
	envFrom: atomicList(),
	env: keyedList(envVar, 'name'),
	resources: resourceRequirements,
	resizePolicy: atomicList(),
	restartPolicyRules: atomicList(),
	volumeMounts: keyedList(undefined, 'mountPath'),
	volumeDevices: keyedList(undefined, 'devicePath'),
};

const container = struct('Container', containerFields, {present: ['resources']});
const ephemeralContainer = struct('EphemeralContainer', containerFields, {present: ['resources']});

const nodeSelector = atomicStruct('NodeSelector');

const affinity = struct('Affinity', {
	nodeAffinity: struct('NodeAffinity', {
		requiredDuringSchedulingIgnoredDuringExecution: nodeSelector,
		preferredDuringSchedulingIgnoredDuringExecution: atomicList(),
	}),
	podAffinity: struct('PodAffinity', {
		requiredDuringSchedulingIgnoredDuringExecution: atomicList(),
		preferredDuringSchedulingIgnoredDuringExecution: atomicList(),
	}),
	podAntiAffinity: struct('PodAntiAffinity', {
		requiredDuringSchedulingIgnoredDuringExecution: atomicList(),
		preferredDuringSchedulingIgnoredDuringExecution: atomicList(),
	}),
});

const topologySpreadConstraint = struct('TopologySpreadConstraint', {
	labelSelector,
	matchLabelKeys: atomicList(),
});

const podSpec = struct(
	'PodSpec',
	{
		volumes: keyedList(undefined, 'name', {retainKeys: true}),
		initContainers: keyedList(container, 'name'),
		containers: keyedList(container, 'name'),
		ephemeralContainers: keyedList(ephemeralContainer, 'name'),
		nodeSelector: map(undefined, {atomic: true}),
		imagePullSecrets: keyedList(localObjectReference, 'name'),
		tolerations: atomicList(),
		hostAliases: keyedList(undefined, 'ip'),
		readinessGates: atomicList(),
		topologySpreadConstraints: keyedList(topologySpreadConstraint, 'topologyKey', {
			ssaKeys: ['topologyKey', 'whenUnsatisfiable'],
		}),
		schedulingGates: keyedList(undefined, 'name'),
		resourceClaims: keyedList(undefined, 'name', {retainKeys: true}),
		affinity,
		overhead: map(),
		resources: resourceRequirements,
	},
	{present: ['containers']},
);

const podStatus = struct('PodStatus', {
	conditions,
	hostIPs: keyedList(undefined, 'ip', {ssaAtomic: true}),
	podIPs: keyedList(undefined, 'ip'),
	initContainerStatuses: atomicList(),
	containerStatuses: atomicList(),
	ephemeralContainerStatuses: atomicList(),
	resourceClaimStatuses: keyedList(undefined, 'name', {retainKeys: true}),
	allocatedResources: map(),
	resources: resourceRequirements,
});

const podTemplateSpec = struct('PodTemplateSpec', {metadata: objectMeta, spec: podSpec}, {present: ['metadata', 'spec']});

// ---------------------------------------------------------------------------------------
// core/v1: the other kinds

const servicePort = keyedList(undefined, 'port', {ssaKeys: ['port', 'protocol'], keyDefaults: {protocol: 'TCP'}});

const service = kind(
	'Service',
	{
		spec: struct('ServiceSpec', {
			ports: servicePort,
			selector: map(undefined, {atomic: true}),
			clusterIPs: atomicList(),
			externalIPs: atomicList(),
			loadBalancerSourceRanges: atomicList(),
			ipFamilies: atomicList(),
		}),
		status: struct(
			'ServiceStatus',
			{loadBalancer: struct('LoadBalancerStatus', {ingress: atomicList()}), conditions},
			{present: ['loadBalancer']},
		),
	},
	{statusSubresource: true},
);

const node = kind(
	'Node',
	{
		spec: struct('NodeSpec', {podCIDRs: setList(true), taints: atomicList()}),
		status: struct(
			'NodeStatus',
			{
				capacity: map(),
				allocatable: map(),
				conditions,
				addresses: keyedList(undefined, 'type'),
				daemonEndpoints: struct('NodeDaemonEndpoints', {}, {present: ['kubeletEndpoint']}),
				images: atomicList(),
				volumesInUse: atomicList(),
				volumesAttached: atomicList(),
				runtimeHandlers: atomicList(),
				declaredFeatures: atomicList(),
			},
			{present: ['daemonEndpoints', 'nodeInfo']},
		),
	},
	{statusSubresource: true},
);

const namespace = kind(
	'Namespace',
	{
		spec: struct('NamespaceSpec', {finalizers: atomicList()}),
		status: struct('NamespaceStatus', {conditions}),
	},
	{statusSubresource: true},
);

const configMap = kind('ConfigMap', {data: map(), binaryData: map()});
const secret = kind('Secret', {data: map(), stringData: map()});

const coreEvent = struct(
	'Event',
	{metadata: objectMeta, involvedObject: objectReference, related: objectReference},
	{present: ['metadata', 'involvedObject', 'source']},
);

const eventsEvent = struct(
	'Event',
	{metadata: objectMeta, regarding: objectReference, related: objectReference},
	{present: ['metadata', 'regarding', 'deprecatedSource']},
);

const persistentVolume = kind(
	'PersistentVolume',
	{
		spec: struct('PersistentVolumeSpec', {
			capacity: map(),
			accessModes: atomicList(),
			// +structType=granular overrides ObjectReference's atomic here.
			claimRef: struct('ObjectReference', {}),
			mountOptions: atomicList(),
			nodeAffinity: struct('VolumeNodeAffinity', {required: nodeSelector}),
		}),
		status: struct('PersistentVolumeStatus', {}),
	},
	{statusSubresource: true},
);

const persistentVolumeClaimSpec = struct(
	'PersistentVolumeClaimSpec',
	{
		accessModes: atomicList(),
		selector: labelSelector,
		resources: struct('VolumeResourceRequirements', {limits: map(), requests: map()}),
		dataSource: atomicStruct('TypedLocalObjectReference'),
	},
	{present: ['resources']},
);

const persistentVolumeClaim = kind(
	'PersistentVolumeClaim',
	{
		spec: persistentVolumeClaimSpec,
		status: struct('PersistentVolumeClaimStatus', {
			accessModes: atomicList(),
			capacity: map(),
			conditions,
			allocatedResources: map(),
			allocatedResourceStatuses: map(),
		}),
	},
	{statusSubresource: true},
);

const resourceQuota = kind(
	'ResourceQuota',
	{
		spec: struct('ResourceQuotaSpec', {hard: map(), scopes: atomicList(), scopeSelector: atomicStruct('ScopeSelector')}),
		status: struct('ResourceQuotaStatus', {hard: map(), used: map()}),
	},
	{statusSubresource: true},
);

const limitRange = kind('LimitRange', {
	spec: struct('LimitRangeSpec', {limits: atomicList()}, {present: ['limits']}),
});

const serviceAccount = kind('ServiceAccount', {
	secrets: keyedList(objectReference, 'name'),
	imagePullSecrets: atomicList(localObjectReference),
});

const endpoints = kind('Endpoints', {subsets: atomicList()});

const podTemplate = struct('PodTemplate', {metadata: objectMeta, template: podTemplateSpec}, {present: ['metadata', 'template']});

const pod = kind('Pod', {spec: podSpec, status: podStatus}, {statusSubresource: true});

const replicationController = kind(
	'ReplicationController',
	{
		spec: struct('ReplicationControllerSpec', {selector: map(undefined, {atomic: true}), template: podTemplateSpec}),
		status: struct('ReplicationControllerStatus', {conditions}),
	},
	{statusSubresource: true},
);

// ---------------------------------------------------------------------------------------
// apps/v1

const deployment = kind(
	'Deployment',
	{
		spec: struct(
			'DeploymentSpec',
			{selector: labelSelector, template: podTemplateSpec, strategy: struct('DeploymentStrategy', {})},
			{present: ['template', 'strategy']},
		),
		status: struct('DeploymentStatus', {conditions}),
	},
	{statusSubresource: true},
);

const replicaSet = kind(
	'ReplicaSet',
	{
		spec: struct('ReplicaSetSpec', {selector: labelSelector, template: podTemplateSpec}, {present: ['template']}),
		status: struct('ReplicaSetStatus', {conditions}),
	},
	{statusSubresource: true},
);

const statefulSet = kind(
	'StatefulSet',
	{
		spec: struct(
			'StatefulSetSpec',
			{
				selector: labelSelector,
				template: podTemplateSpec,
				volumeClaimTemplates: atomicList(),
				updateStrategy: struct('StatefulSetUpdateStrategy', {}),
			},
			{present: ['template', 'updateStrategy']},
		),
		status: struct('StatefulSetStatus', {conditions}),
	},
	{statusSubresource: true},
);

const daemonSet = kind(
	'DaemonSet',
	{
		spec: struct(
			'DaemonSetSpec',
			{selector: labelSelector, template: podTemplateSpec, updateStrategy: struct('DaemonSetUpdateStrategy', {})},
			{present: ['template', 'updateStrategy']},
		),
		status: struct('DaemonSetStatus', {conditions}),
	},
	{statusSubresource: true},
);

// ---------------------------------------------------------------------------------------
// batch/v1

const jobSpec = struct(
	'JobSpec',
	{
		selector: labelSelector,
		template: podTemplateSpec,
		podFailurePolicy: struct('PodFailurePolicy', {rules: atomicList()}),
		successPolicy: struct('SuccessPolicy', {rules: atomicList()}),
	},
	{present: ['template']},
);

const job = kind(
	'Job',
	{
		spec: jobSpec,
		status: struct('JobStatus', {
			// Strategic merge patch merges conditions by type; SSA owns the list whole.
			conditions: keyedList(undefined, 'type', {ssaAtomic: true}),
			uncountedTerminatedPods: struct('UncountedTerminatedPods', {succeeded: setList(false), failed: setList(false)}),
		}),
	},
	{statusSubresource: true},
);

const cronJob = kind(
	'CronJob',
	{
		spec: struct(
			'CronJobSpec',
			{jobTemplate: struct('JobTemplateSpec', {metadata: objectMeta, spec: jobSpec}, {present: ['metadata', 'spec']})},
			{present: ['jobTemplate']},
		),
		status: struct('CronJobStatus', {active: atomicList(objectReference)}),
	},
	{statusSubresource: true},
);

// ---------------------------------------------------------------------------------------
// autoscaling, scheduling, flowcontrol

const scalingRules = struct('HPAScalingRules', {policies: atomicList()});

const hpaV2 = kind(
	'HorizontalPodAutoscaler',
	{
		spec: struct(
			'HorizontalPodAutoscalerSpec',
			{
				metrics: atomicList(),
				behavior: struct('HorizontalPodAutoscalerBehavior', {scaleUp: scalingRules, scaleDown: scalingRules}),
			},
			{present: ['scaleTargetRef']},
		),
		status: struct('HorizontalPodAutoscalerStatus', {currentMetrics: atomicList(), conditions}),
	},
	{statusSubresource: true},
);

const hpaV1 = kind(
	'HorizontalPodAutoscaler',
	{
		spec: struct('HorizontalPodAutoscalerSpec', {}, {present: ['scaleTargetRef']}),
		status: struct('HorizontalPodAutoscalerStatus', {}),
	},
	{statusSubresource: true},
);

const priorityClass = kind('PriorityClass', {});

const flowSchema = kind(
	'FlowSchema',
	{
		spec: struct('FlowSchemaSpec', {rules: atomicList()}, {present: ['priorityLevelConfiguration']}),
		status: struct('FlowSchemaStatus', {conditions}),
	},
	{statusSubresource: true},
);

const priorityLevelConfiguration = kind(
	'PriorityLevelConfiguration',
	{
		spec: struct('PriorityLevelConfigurationSpec', {
			limited: struct('LimitedPriorityLevelConfiguration', {}, {present: ['limitResponse']}),
		}),
		status: struct('PriorityLevelConfigurationStatus', {conditions}),
	},
	{statusSubresource: true},
);

// ---------------------------------------------------------------------------------------
// The lookup

const byGroupVersion: ReadonlyMap<string, ReadonlyMap<string, StructNode>> = new Map([
	[
		'v1',
		new Map([
			['Pod', pod],
			['PodTemplate', podTemplate],
			['ReplicationController', replicationController],
			['Service', service],
			['Node', node],
			['Namespace', namespace],
			['ConfigMap', configMap],
			['Secret', secret],
			['Event', coreEvent],
			['PersistentVolume', persistentVolume],
			['PersistentVolumeClaim', persistentVolumeClaim],
			['ResourceQuota', resourceQuota],
			['LimitRange', limitRange],
			['ServiceAccount', serviceAccount],
			['Endpoints', endpoints],
		]),
	],
	[
		'apps/v1',
		new Map([
			['Deployment', deployment],
			['ReplicaSet', replicaSet],
			['StatefulSet', statefulSet],
			['DaemonSet', daemonSet],
		]),
	],
	[
		'batch/v1',
		new Map([
			['Job', job],
			['CronJob', cronJob],
		]),
	],
	['autoscaling/v2', new Map([['HorizontalPodAutoscaler', hpaV2]])],
	['autoscaling/v1', new Map([['HorizontalPodAutoscaler', hpaV1]])],
	['scheduling.k8s.io/v1', new Map([['PriorityClass', priorityClass]])],
	['events.k8s.io/v1', new Map([['Event', eventsEvent]])],
	[
		'flowcontrol.apiserver.k8s.io/v1',
		new Map([
			['FlowSchema', flowSchema],
			['PriorityLevelConfiguration', priorityLevelConfiguration],
		]),
	],
	[
		'flowcontrol.apiserver.k8s.io/v1beta3',
		new Map([
			['FlowSchema', flowSchema],
			['PriorityLevelConfiguration', priorityLevelConfiguration],
		]),
	],
]);

/**
 * The schema of a built-in kind, or undefined for anything else (a custom resource:
 * no strategic merge patch, and SSA treats every field as a plain granular field).
 */
export function schemaFor(apiVersion: string, kindName: string): StructNode | undefined {
	return byGroupVersion.get(apiVersion)?.get(kindName);
}

/** Every (apiVersion, kind) pair `schemaFor` knows. */
export function describedKinds(): Array<{apiVersion: string; kind: string}> {
	const out: Array<{apiVersion: string; kind: string}> = [];
	for (const [apiVersion, kinds] of byGroupVersion) {
		for (const kindName of kinds.keys()) out.push({apiVersion, kind: kindName});
	}
	return out;
}
