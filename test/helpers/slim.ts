/**
 * Builders of the slim objects (model/slim.ts) that tests in several folders build alike: a
 * container with its requests and limits, and an HPA on a Deployment. The metadata stays
 * with each test file (ages and resource versions are part of what it tests).
 */
import type {SlimContainer, SlimHpa, SlimMeta} from '../../source/model/slim.js';

export function container(
	requests: SlimContainer['requests'],
	limits: SlimContainer['limits'] = {},
	role: SlimContainer['role'] = 'container',
	name = 'c',
): SlimContainer {
	return {name, role, requests, limits};
}

/** hpa(namespace, name, target, min, max, current): an HPA (with `meta`'s metadata) that scales Deployment `target` on CPU and is at `current` replicas. */
export function hpaBuilder(
	meta: (namespace: string, name: string) => SlimMeta,
): (namespace: string, name: string, target: string, min: number, max: number, current: number, extra?: Partial<SlimHpa>) => SlimHpa {
	return (namespace, name, target, min, max, current, extra = {}) => ({
		...meta(namespace, name),
		target: {apiVersion: 'apps/v1', kind: 'Deployment', name: target},
		minReplicas: min,
		maxReplicas: max,
		currentReplicas: current,
		desiredReplicas: current,
		metrics: ['Resource/cpu'],
		conditions: {},
		...extra,
	});
}
