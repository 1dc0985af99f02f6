/**
 * The requests a plan is made of. A `PlannedRequest` is what a pure builder returns: method,
 * path (`resourcePath`), content type, body (an object, or a JSON patch) and the object it
 * changes. An `Operation` is the same request as the remedy engine sends it, with the API
 * group/resource and verb an access review asks about (`operation` derives them from the
 * target's kind).
 */
import type {ObjectRef} from '../model/slim.js';

export const JSON_PATCH = 'application/json-patch+json';

export type JsonPatchOperation =
	{op: 'test'; path: string; value: unknown} | {op: 'add' | 'replace'; path: string; value: unknown} | {op: 'remove'; path: string};

export type PatchContentType = typeof JSON_PATCH;

/** A request body: an object (create, DeleteOptions) or a JSON patch. */
export type RequestBody = Readonly<Record<string, unknown>> | readonly JsonPatchOperation[];

/** One HTTP request a remedy would send. `path` has no query string; the caller adds `dryRun=All`. */
export interface PlannedRequest {
	method: 'POST' | 'PATCH' | 'DELETE';
	path: string;
	contentType?: PatchContentType | 'application/json';
	body: RequestBody;
	/** The object the request changes (for a POST: the object it creates). */
	target: ObjectRef;
	/** One line for the plan view, no trailing period. */
	description: string;
}

/** Names are DNS labels/subdomains on a real server; encode anyway so a path never breaks. */
function segment(s: string): string {
	return encodeURIComponent(s);
}

/** `/api/v1/...` for the core group, `/apis/<group>/<version>/...` otherwise. */
export function resourcePath(group: string, version: string, resource: string, namespace: string | undefined, name?: string): string {
	const base = group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
	const scope = namespace ? `/namespaces/${segment(namespace)}` : '';
	return `${base}${scope}/${resource}${name === undefined ? '' : `/${segment(name)}`}`;
}

/**
 * One request a remedy sends. A PATCH is a JSON patch whose tests check the fields it
 * writes (guarded-patch.ts); the engine refuses one that writes a field it did not test.
 */
export interface Operation extends Omit<PlannedRequest, 'method' | 'contentType' | 'body'> {
	method: 'POST' | 'PATCH' | 'DELETE';
	contentType?: string;
	body?: RequestBody;
	/** API group/resource of the target, for access reviews. */
	resource: {group: string; resource: string};
	/** The verb an access review asks about. */
	verb: 'create' | 'patch' | 'delete';
}

const KIND_RESOURCES: Record<string, {group: string; version: string; resource: string}> = {
	Pod: {group: '', version: 'v1', resource: 'pods'},
	Job: {group: 'batch', version: 'v1', resource: 'jobs'},
	CronJob: {group: 'batch', version: 'v1', resource: 'cronjobs'},
	Deployment: {group: 'apps', version: 'v1', resource: 'deployments'},
	StatefulSet: {group: 'apps', version: 'v1', resource: 'statefulsets'},
	DaemonSet: {group: 'apps', version: 'v1', resource: 'daemonsets'},
	HorizontalPodAutoscaler: {group: 'autoscaling', version: 'v2', resource: 'horizontalpodautoscalers'},
	ScaledObject: {group: 'keda.sh', version: 'v1alpha1', resource: 'scaledobjects'},
	ResourceQuota: {group: '', version: 'v1', resource: 'resourcequotas'},
	PersistentVolume: {group: '', version: 'v1', resource: 'persistentvolumes'},
	PriorityClass: {group: 'scheduling.k8s.io', version: 'v1', resource: 'priorityclasses'},
	FlowSchema: {group: 'flowcontrol.apiserver.k8s.io', version: 'v1', resource: 'flowschemas'},
	PriorityLevelConfiguration: {group: 'flowcontrol.apiserver.k8s.io', version: 'v1', resource: 'prioritylevelconfigurations'},
};

export function kindResource(kind: string): {group: string; version: string; resource: string} {
	const known = KIND_RESOURCES[kind];
	if (!known) throw new Error(`no API resource known for kind ${kind}`);
	return known;
}

/** A PlannedRequest (from the pure builders) as an engine Operation. */
export function operation(request: PlannedRequest | (Omit<PlannedRequest, 'method'> & {method: Operation['method']})): Operation {
	const {group, resource} = kindResource(request.target.kind);
	return {
		...request,
		method: request.method,
		resource: {group, resource},
		verb: request.method === 'POST' ? 'create' : request.method === 'PATCH' ? 'patch' : 'delete',
	};
}
