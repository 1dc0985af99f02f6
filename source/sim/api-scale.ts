/**
 * The scale subresource of the simulated API: a workload seen as an autoscaling/v1 Scale,
 * and a write to the Scale turned into a write of the workload's spec.replicas (refused
 * when the replicas are not a whole number from 0, or its resourceVersion is stale).
 */
import {ApiError, errors} from './errors.js';
import type {ResourceType} from './resources.js';
import type {Obj} from '../formats/json-object.js';

/** The autoscaling/v1 Scale of a workload. */
export function scaleOf(object: Obj): Obj {
	const meta = object.metadata as Obj;
	const selector = object.spec?.selector;
	const selectorText = selector?.matchLabels
		? Object.entries(selector.matchLabels as Record<string, string>)
				.map(([k, v]) => `${k}=${v}`)
				.join(',')
		: '';
	return {
		kind: 'Scale',
		apiVersion: 'autoscaling/v1',
		metadata: {name: meta.name, namespace: meta.namespace, uid: meta.uid, resourceVersion: meta.resourceVersion, creationTimestamp: meta.creationTimestamp},
		spec: {replicas: object.spec?.replicas ?? 0},
		status: {replicas: object.status?.replicas ?? 0, selector: selectorText},
	};
}

/** The change to the live workload for a change to its Scale (`mutate` gets the Scale and returns the new one). */
export function scaleMutation(type: ResourceType, name: string, mutate: (scale: Obj) => Obj): (live: Obj) => Obj {
	return (live) => {
		const next = mutate(scaleOf(live));
		const replicas = next?.spec?.replicas;
		if (typeof replicas !== 'number' || replicas < 0 || !Number.isInteger(replicas)) {
			throw new ApiError(
				422,
				'Invalid',
				`Scale.autoscaling "${name}" is invalid: spec.replicas: Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`,
			);
		}
		const rv = next.metadata?.resourceVersion;
		if (rv !== undefined && rv !== '' && String(rv) !== String(live.metadata.resourceVersion)) throw errors.conflict(type, name);
		return {...live, spec: {...live.spec, replicas}};
	};
}
