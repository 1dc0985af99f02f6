/**
 * The QoS class the API server writes into a new Pod's status.qosClass, following the
 * upstream computation (k8s.io/kubernetes pkg/apis/core/helper/qos): only cpu and memory
 * with quantities > 0 count; init containers (sidecars included) count with the regular
 * containers, ephemeral containers do not; requests and limits are summed over containers
 * and compared as sums; pod-level spec.resources decides alone when it is set.
 */
import {parseQuantity} from '../formats/quantity.js';
import type {Obj} from '../formats/json-object.js';

const QOS_RESOURCES = ['cpu', 'memory'];

function positive(list: Record<string, unknown> | undefined): Map<string, number> {
	const out = new Map<string, number>();
	for (const [name, value] of Object.entries(list ?? {})) {
		if (!QOS_RESOURCES.includes(name)) continue;
		const quantity = parseQuantity(String(value));
		if (quantity > 0) out.set(name, quantity);
	}
	return out;
}

function add(into: Map<string, number>, from: Map<string, number>): void {
	for (const [name, value] of from) into.set(name, (into.get(name) ?? 0) + value);
}

export function computeQosClass(podSpec: Obj, podLevelResources = true): 'Guaranteed' | 'Burstable' | 'BestEffort' {
	const requests = new Map<string, number>();
	const limits = new Map<string, number>();
	let guaranteed = true;
	const podResources = podSpec.resources as Obj | undefined;
	if (podLevelResources && podResources && (Object.keys(podResources.requests ?? {}).length > 0 || Object.keys(podResources.limits ?? {}).length > 0)) {
		add(requests, positive(podResources.requests));
		if (Object.keys(podResources.limits ?? {}).length > 0) {
			const found = positive(podResources.limits);
			add(limits, found);
			if (!found.has('cpu') || !found.has('memory')) guaranteed = false;
		}
	} else {
		const containers = [...(podSpec.containers ?? []), ...(podSpec.initContainers ?? [])] as Obj[];
		for (const container of containers) {
			add(requests, positive(container.resources?.requests));
			const found = positive(container.resources?.limits);
			add(limits, found);
			if (!found.has('cpu') || !found.has('memory')) guaranteed = false;
		}
	}
	if (requests.size === 0 && limits.size === 0) return 'BestEffort';
	if (guaranteed) {
		for (const [name, request] of requests) {
			const limit = limits.get(name);
			if (limit === undefined || Math.abs(limit - request) > 1e-9 * Math.max(limit, request)) {
				guaranteed = false;
				break;
			}
		}
	}
	return guaranteed && requests.size === limits.size ? 'Guaranteed' : 'Burstable';
}
