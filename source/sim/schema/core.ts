/**
 * The core/v1 kinds (pods and pod templates first, then the others) and the
 * events.k8s.io/v1 Event, which mirrors the core one.
 */
import {
	atomicList,
	atomicStruct,
	conditions,
	keyedList,
	kind,
	labelSelector,
	localObjectReference,
	map,
	objectMeta,
	objectReference,
	setList,
	ssaOnlyKeyedList,
	struct,
} from './builders.js';
import type {TypeNode} from './types.js';

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

export const podTemplateSpec = struct('PodTemplateSpec', {metadata: objectMeta, spec: podSpec}, {present: ['metadata', 'spec']});

// ---------------------------------------------------------------------------------------
// core/v1: the other kinds

const servicePort = keyedList(undefined, 'port', {ssaKeys: ['port', 'protocol'], keyDefaults: {protocol: 'TCP'}});

export const service = kind(
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
		status: struct('ServiceStatus', {loadBalancer: struct('LoadBalancerStatus', {ingress: atomicList()}), conditions}, {present: ['loadBalancer']}),
	},
	{statusSubresource: true},
);

export const node = kind(
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

export const namespace = kind(
	'Namespace',
	{
		spec: struct('NamespaceSpec', {finalizers: atomicList()}),
		status: struct('NamespaceStatus', {conditions}),
	},
	{statusSubresource: true},
);

export const configMap = kind('ConfigMap', {data: map(), binaryData: map()});
export const secret = kind('Secret', {data: map(), stringData: map()});

export const coreEvent = struct(
	'Event',
	{metadata: objectMeta, involvedObject: objectReference, related: objectReference},
	{present: ['metadata', 'involvedObject', 'source']},
);

export const eventsEvent = struct(
	'Event',
	{metadata: objectMeta, regarding: objectReference, related: objectReference},
	{present: ['metadata', 'regarding', 'deprecatedSource']},
);

export const persistentVolume = kind(
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

export const persistentVolumeClaim = kind(
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

export const resourceQuota = kind(
	'ResourceQuota',
	{
		spec: struct('ResourceQuotaSpec', {hard: map(), scopes: atomicList(), scopeSelector: atomicStruct('ScopeSelector')}),
		status: struct('ResourceQuotaStatus', {hard: map(), used: map()}),
	},
	{statusSubresource: true},
);

export const limitRange = kind('LimitRange', {
	spec: struct('LimitRangeSpec', {limits: atomicList()}, {present: ['limits']}),
});

export const serviceAccount = kind('ServiceAccount', {
	secrets: keyedList(objectReference, 'name'),
	imagePullSecrets: atomicList(localObjectReference),
});

export const endpoints = kind('Endpoints', {subsets: atomicList()});

export const podTemplate = struct('PodTemplate', {metadata: objectMeta, template: podTemplateSpec}, {present: ['metadata', 'template']});

export const pod = kind('Pod', {spec: podSpec, status: podStatus}, {statusSubresource: true});

export const replicationController = kind(
	'ReplicationController',
	{
		spec: struct('ReplicationControllerSpec', {selector: map(undefined, {atomic: true}), template: podTemplateSpec}),
		status: struct('ReplicationControllerStatus', {conditions}),
	},
	{statusSubresource: true},
);
