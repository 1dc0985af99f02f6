/**
 * A pod's effective cpu and memory requests, as quota admission and the scheduler count
 * them, from its slim spec; worked out once per interned spec.
 */
import {parseCpuMillis, parseMemoryBytes} from '../formats/quantity.js';
import type {SlimPodSpec} from './slim.js';

export interface PodRequests {
	/** undefined when some container has no request (nor limit) for it. */
	cpuMillis?: number;
	memoryBytes?: number;
}

function amount(resource: 'cpu' | 'memory', value: string | undefined): number | undefined {
	if (value === undefined) return undefined;
	try {
		return resource === 'cpu' ? parseCpuMillis(value) : parseMemoryBytes(value);
	} catch {
		return undefined;
	}
}

function resourceRequest(spec: SlimPodSpec, resource: 'cpu' | 'memory'): number | undefined {
	const podLevel = spec.podResources ? amount(resource, spec.podResources.requests[resource] ?? spec.podResources.limits[resource]) : undefined;
	if (podLevel !== undefined) return podLevel;
	let regular = 0;
	let sidecars = 0;
	let maxInit = 0;
	for (const c of spec.containers) {
		// A request defaults to the limit when only the limit is set (Pod defaulting).
		const value = amount(resource, c.requests[resource] ?? c.limits[resource]);
		if (value === undefined) return undefined;
		if (c.role === 'container') regular += value;
		else if (c.role === 'sidecar') sidecars += value;
		else maxInit = Math.max(maxInit, value + sidecars);
	}
	return Math.max(regular + sidecars, maxInit);
}

/**
 * A pod's effective requests as quota admission counts them: regular containers plus
 * sidecars, or the largest init container (plus the sidecars started before it), whichever
 * is larger; pod-level resources when set.
 */
export function podRequests(spec: SlimPodSpec): Readonly<PodRequests> {
	const known = requestsBySpec.get(spec);
	if (known !== undefined) return known;
	const out: PodRequests = {};
	const cpu = resourceRequest(spec, 'cpu');
	if (cpu !== undefined) out.cpuMillis = cpu;
	const memory = resourceRequest(spec, 'memory');
	if (memory !== undefined) out.memoryBytes = memory;
	requestsBySpec.set(spec, out);
	return out;
}

/**
 * Pod specs are interned and never changed once built (source/kube/projections.ts), so a
 * spec's requests are worked out once: 150,000 pods share a few thousand specs.
 */
const requestsBySpec = new WeakMap<SlimPodSpec, Readonly<PodRequests>>();
