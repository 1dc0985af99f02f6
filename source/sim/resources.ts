/**
 * The resource types the simulated API server serves: what discovery lists (verbs,
 * short names, categories, namespaced, kind), how each type's objects are keyed in
 * storage, and which field-selector labels each type supports (as the real registry's
 * GetAttrs functions define them). Custom resources are added at run time when a
 * CustomResourceDefinition is created.
 */
import type {Obj} from '../formats/json-object.js';

export interface ResourceType {
	group: string;
	version: string;
	/** Plural resource name, e.g. "pods". */
	resource: string;
	singular: string;
	kind: string;
	namespaced: boolean;
	verbs: string[];
	shortNames?: string[];
	categories?: string[];
	/** Subresources served, e.g. ["status", "scale"]. */
	subresources?: string[];
	/** Types that share one storage (core/v1 events and events.k8s.io/v1 events) share this key. */
	storage: string;
	/** Field-selector labels beyond metadata.name/metadata.namespace. */
	fieldLabels?: (object: Obj) => Record<string, string>;
	/** True for custom resources: no strategic merge patch, JSON everywhere. */
	custom?: boolean;
	/** Converts between this version's shape and the stored shape (events.k8s.io/v1 ↔ core/v1). */
	convert?: {fromStorage(object: Obj): Obj; toStorage(object: Obj): Obj};
	/** Not stored: served by a handler (SelfSubjectAccessReview, metrics.k8s.io). */
	virtual?: boolean;
	/** Whether LIST/WATCH of this type is served from the watch cache (events: no). */
	watchCache?: boolean;
}

export const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const NAMESPACE_VERBS = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];

export function groupVersion(type: Pick<ResourceType, 'group' | 'version'>): string {
	return type.group ? `${type.group}/${type.version}` : type.version;
}

/** "deployments.apps" — the name apiserver_storage_objects uses. */
export function qualifiedResource(type: Pick<ResourceType, 'group' | 'resource'>): string {
	return type.group ? `${type.resource}.${type.group}` : type.resource;
}

function str(value: unknown): string {
	if (value === undefined || value === null) return '';
	return String(value);
}

const podFields = (o: Obj): Record<string, string> => ({
	'spec.nodeName': str(o.spec?.nodeName),
	'spec.restartPolicy': str(o.spec?.restartPolicy),
	'spec.schedulerName': str(o.spec?.schedulerName),
	'spec.serviceAccountName': str(o.spec?.serviceAccountName),
	'spec.hostNetwork': str(o.spec?.hostNetwork ?? false),
	'status.phase': str(o.status?.phase),
	'status.podIP': str(o.status?.podIP),
	'status.nominatedNodeName': str(o.status?.nominatedNodeName),
});

const eventFields = (o: Obj): Record<string, string> => ({
	'involvedObject.kind': str(o.involvedObject?.kind),
	'involvedObject.namespace': str(o.involvedObject?.namespace),
	'involvedObject.name': str(o.involvedObject?.name),
	'involvedObject.uid': str(o.involvedObject?.uid),
	'involvedObject.apiVersion': str(o.involvedObject?.apiVersion),
	'involvedObject.resourceVersion': str(o.involvedObject?.resourceVersion),
	'involvedObject.fieldPath': str(o.involvedObject?.fieldPath),
	reason: str(o.reason),
	reportingComponent: str(o.reportingComponent),
	source: str(o.source?.component),
	type: str(o.type),
});

/** events.k8s.io/v1 selects on the same stored fields under its own names. */
const eventsV1Fields = (o: Obj): Record<string, string> => {
	const core = eventFields(o);
	return {
		...core,
		'regarding.kind': core['involvedObject.kind']!,
		'regarding.namespace': core['involvedObject.namespace']!,
		'regarding.name': core['involvedObject.name']!,
		'regarding.uid': core['involvedObject.uid']!,
		reportingController: core.reportingComponent!,
		'deprecatedSource.component': core.source!,
	};
};

function drop<T extends Obj>(object: T): T {
	for (const key of Object.keys(object)) if (object[key] === undefined) delete object[key];
	return object;
}

/** events.k8s.io/v1 ↔ core/v1 Event (the stored form), field for field as the real conversion. */
export const eventsV1Conversion = {
	fromStorage(core: Obj): Obj {
		return drop({
			kind: 'Event',
			apiVersion: 'events.k8s.io/v1',
			metadata: core.metadata,
			eventTime: core.eventTime ?? null,
			series: core.series,
			reportingController: core.reportingComponent ?? '',
			reportingInstance: core.reportingInstance ?? '',
			action: core.action,
			reason: core.reason,
			regarding: core.involvedObject,
			related: core.related,
			note: core.message,
			type: core.type,
			deprecatedSource: core.source,
			deprecatedFirstTimestamp: core.firstTimestamp ?? undefined,
			deprecatedLastTimestamp: core.lastTimestamp ?? undefined,
			deprecatedCount: core.count,
		});
	},
	toStorage(v1: Obj): Obj {
		return drop({
			kind: 'Event',
			apiVersion: 'v1',
			metadata: v1.metadata,
			involvedObject: v1.regarding ?? {},
			reason: v1.reason,
			message: v1.note,
			source: v1.deprecatedSource ?? {},
			firstTimestamp: v1.deprecatedFirstTimestamp ?? null,
			lastTimestamp: v1.deprecatedLastTimestamp ?? null,
			count: v1.deprecatedCount,
			type: v1.type,
			eventTime: v1.eventTime ?? null,
			series: v1.series,
			action: v1.action,
			related: v1.related,
			reportingComponent: v1.reportingController ?? '',
			reportingInstance: v1.reportingInstance ?? '',
		});
	},
};

function t(partial: Omit<ResourceType, 'storage' | 'verbs' | 'singular'> & {verbs?: string[]; singular?: string; storage?: string}): ResourceType {
	return {
		verbs: ALL_VERBS,
		singular: partial.kind.toLowerCase(),
		storage: partial.group ? `${partial.group}/${partial.resource}` : partial.resource,
		watchCache: true,
		...partial,
	};
}

/**
 * flowcontrol.apiserver.k8s.io: v1 is GA from 1.29; v1beta3 is served 1.26–1.31; v1beta2
 * before that. The first listed is the preferred version.
 */
export function flowcontrolVersions(minor: number): string[] {
	const versions: string[] = [];
	if (minor >= 29) versions.push('v1');
	if (minor >= 26 && minor <= 31) versions.push('v1beta3');
	if (minor < 26) versions.push('v1beta2');
	return versions;
}

/** The built-in types of a 1.<minor> server. Order is discovery order within a group version. */
export function builtinTypes(minor = 32): ResourceType[] {
	return [
		t({
			group: '',
			version: 'v1',
			resource: 'namespaces',
			kind: 'Namespace',
			namespaced: false,
			verbs: NAMESPACE_VERBS,
			shortNames: ['ns'],
			subresources: ['status', 'finalize'],
			fieldLabels: (o) => ({'status.phase': str(o.status?.phase)}),
		}),
		t({
			group: '',
			version: 'v1',
			resource: 'nodes',
			kind: 'Node',
			namespaced: false,
			shortNames: ['no'],
			subresources: ['status'],
			fieldLabels: (o) => ({'spec.unschedulable': str(o.spec?.unschedulable ?? false)}),
		}),
		t({
			group: '',
			version: 'v1',
			resource: 'pods',
			kind: 'Pod',
			namespaced: true,
			shortNames: ['po'],
			categories: ['all'],
			subresources: ['status', 'eviction', 'binding', 'log'],
			fieldLabels: podFields,
		}),
		t({
			group: '',
			version: 'v1',
			resource: 'events',
			kind: 'Event',
			namespaced: true,
			shortNames: ['ev'],
			storage: 'events',
			fieldLabels: eventFields,
			watchCache: false,
		}),
		t({group: '', version: 'v1', resource: 'configmaps', kind: 'ConfigMap', namespaced: true, shortNames: ['cm']}),
		t({group: '', version: 'v1', resource: 'secrets', kind: 'Secret', namespaced: true, fieldLabels: (o) => ({type: str(o.type)})}),
		t({group: '', version: 'v1', resource: 'serviceaccounts', kind: 'ServiceAccount', namespaced: true, shortNames: ['sa']}),
		t({
			group: '',
			version: 'v1',
			resource: 'services',
			kind: 'Service',
			namespaced: true,
			shortNames: ['svc'],
			categories: ['all'],
			subresources: ['status'],
			verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
		}),
		t({group: '', version: 'v1', resource: 'endpoints', kind: 'Endpoints', namespaced: true, shortNames: ['ep']}),
		t({
			group: '',
			version: 'v1',
			resource: 'persistentvolumes',
			kind: 'PersistentVolume',
			namespaced: false,
			shortNames: ['pv'],
			subresources: ['status'],
			fieldLabels: (o) => ({'status.phase': str(o.status?.phase)}),
		}),
		t({
			group: '',
			version: 'v1',
			resource: 'persistentvolumeclaims',
			kind: 'PersistentVolumeClaim',
			namespaced: true,
			shortNames: ['pvc'],
			subresources: ['status'],
		}),
		t({group: '', version: 'v1', resource: 'resourcequotas', kind: 'ResourceQuota', namespaced: true, shortNames: ['quota'], subresources: ['status']}),
		t({group: '', version: 'v1', resource: 'limitranges', kind: 'LimitRange', namespaced: true, shortNames: ['limits']}),
		t({
			group: 'apps',
			version: 'v1',
			resource: 'deployments',
			kind: 'Deployment',
			namespaced: true,
			shortNames: ['deploy'],
			categories: ['all'],
			subresources: ['status', 'scale'],
		}),
		t({
			group: 'apps',
			version: 'v1',
			resource: 'replicasets',
			kind: 'ReplicaSet',
			namespaced: true,
			shortNames: ['rs'],
			categories: ['all'],
			subresources: ['status', 'scale'],
			fieldLabels: (o) => ({'status.replicas': str(o.status?.replicas ?? 0)}),
		}),
		t({
			group: 'apps',
			version: 'v1',
			resource: 'statefulsets',
			kind: 'StatefulSet',
			namespaced: true,
			shortNames: ['sts'],
			categories: ['all'],
			subresources: ['status', 'scale'],
		}),
		t({
			group: 'apps',
			version: 'v1',
			resource: 'daemonsets',
			kind: 'DaemonSet',
			namespaced: true,
			shortNames: ['ds'],
			categories: ['all'],
			subresources: ['status'],
		}),
		t({
			group: 'batch',
			version: 'v1',
			resource: 'jobs',
			kind: 'Job',
			namespaced: true,
			categories: ['all'],
			subresources: ['status'],
			fieldLabels: (o) => ({'status.successful': str(o.status?.succeeded ?? 0)}),
		}),
		t({
			group: 'batch',
			version: 'v1',
			resource: 'cronjobs',
			kind: 'CronJob',
			namespaced: true,
			shortNames: ['cj'],
			categories: ['all'],
			subresources: ['status'],
		}),
		t({
			group: 'autoscaling',
			version: 'v2',
			resource: 'horizontalpodautoscalers',
			kind: 'HorizontalPodAutoscaler',
			namespaced: true,
			shortNames: ['hpa'],
			categories: ['all'],
			subresources: ['status'],
		}),
		t({
			group: 'events.k8s.io',
			version: 'v1',
			resource: 'events',
			kind: 'Event',
			namespaced: true,
			shortNames: ['ev'],
			storage: 'events',
			fieldLabels: eventsV1Fields,
			watchCache: false,
			convert: eventsV1Conversion,
		}),
		t({group: 'scheduling.k8s.io', version: 'v1', resource: 'priorityclasses', kind: 'PriorityClass', namespaced: false, shortNames: ['pc']}),
		t({group: 'coordination.k8s.io', version: 'v1', resource: 'leases', kind: 'Lease', namespaced: true}),
		...flowcontrolVersions(minor).flatMap((version) => [
			t({group: 'flowcontrol.apiserver.k8s.io', version, resource: 'flowschemas', kind: 'FlowSchema', namespaced: false, subresources: ['status']}),
			t({
				group: 'flowcontrol.apiserver.k8s.io',
				version,
				resource: 'prioritylevelconfigurations',
				kind: 'PriorityLevelConfiguration',
				namespaced: false,
				subresources: ['status'],
			}),
		]),
		t({
			group: 'apiextensions.k8s.io',
			version: 'v1',
			resource: 'customresourcedefinitions',
			kind: 'CustomResourceDefinition',
			namespaced: false,
			shortNames: ['crd', 'crds'],
			categories: ['api-extensions'],
			subresources: ['status'],
		}),
		t({
			group: 'authorization.k8s.io',
			version: 'v1',
			resource: 'selfsubjectaccessreviews',
			kind: 'SelfSubjectAccessReview',
			namespaced: false,
			verbs: ['create'],
			virtual: true,
		}),
		t({
			group: 'authorization.k8s.io',
			version: 'v1',
			resource: 'selfsubjectrulesreviews',
			kind: 'SelfSubjectRulesReview',
			namespaced: false,
			verbs: ['create'],
			virtual: true,
		}),
		t({
			group: 'metrics.k8s.io',
			version: 'v1beta1',
			resource: 'pods',
			kind: 'PodMetrics',
			namespaced: true,
			verbs: ['get', 'list'],
			virtual: true,
			storage: 'metrics.k8s.io/pods',
		}),
		t({
			group: 'metrics.k8s.io',
			version: 'v1beta1',
			resource: 'nodes',
			kind: 'NodeMetrics',
			namespaced: false,
			verbs: ['get', 'list'],
			virtual: true,
			storage: 'metrics.k8s.io/nodes',
		}),
	];
}

/** The registry: every served type, looked up by group/version/resource or by kind. */
export class ResourceRegistry {
	private readonly types: ResourceType[] = [];
	private readonly byGvr = new Map<string, ResourceType>();
	private readonly changeListeners: Array<() => void> = [];

	constructor(types: ResourceType[]) {
		for (const type of types) this.add(type);
	}

	add(type: ResourceType): void {
		const key = `${type.group}/${type.version}/${type.resource}`;
		const existing = this.byGvr.get(key);
		if (existing) this.types.splice(this.types.indexOf(existing), 1);
		this.types.push(type);
		this.byGvr.set(key, type);
		for (const listener of this.changeListeners) listener();
	}

	remove(group: string, resource: string): void {
		for (const type of [...this.types]) {
			if (type.group === group && type.resource === resource) {
				this.types.splice(this.types.indexOf(type), 1);
				this.byGvr.delete(`${type.group}/${type.version}/${type.resource}`);
			}
		}
		for (const listener of this.changeListeners) listener();
	}

	onChange(listener: () => void): void {
		this.changeListeners.push(listener);
	}

	get(group: string, version: string, resource: string): ResourceType | undefined {
		return this.byGvr.get(`${group}/${version}/${resource}`);
	}

	/** The preferred (first registered) type for a group and resource, any version. */
	preferred(group: string, resource: string): ResourceType | undefined {
		return this.types.find((type) => type.group === group && type.resource === resource);
	}

	byKind(group: string, kind: string): ResourceType | undefined {
		return this.types.find((type) => type.group === group && type.kind === kind);
	}

	all(): readonly ResourceType[] {
		return this.types;
	}

	/** Group names in discovery order ("" first), with their versions. */
	groups(): Array<{group: string; versions: string[]}> {
		const out: Array<{group: string; versions: string[]}> = [];
		for (const type of this.types) {
			let entry = out.find((g) => g.group === type.group);
			if (!entry) {
				entry = {group: type.group, versions: []};
				out.push(entry);
			}
			if (!entry.versions.includes(type.version)) entry.versions.push(type.version);
		}
		return out;
	}

	inGroupVersion(group: string, version: string): ResourceType[] {
		return this.types.filter((type) => type.group === group && type.version === version);
	}

	/** Every distinct stored resource (one per storage key). */
	stored(): ResourceType[] {
		const seen = new Set<string>();
		const out: ResourceType[] = [];
		for (const type of this.types) {
			if (type.virtual || seen.has(type.storage)) continue;
			seen.add(type.storage);
			out.push(type);
		}
		return out;
	}
}
