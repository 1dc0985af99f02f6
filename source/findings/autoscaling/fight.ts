/**
 * hpa-fight's detector: someone other than the autoscaler (anything but
 * kube-controller-manager, horizontal-pod-autoscaler, keda) writes the target's
 * spec.replicas while the HPA scales it, seen in the recorded writers of the replica
 * history or in the target's managedFields within the hour.
 */
import type {SlimHpa, SlimWorkload} from '../../model/slim.js';
import type {ReplicaPoint} from '../../model/state.js';
import {FLAP_WINDOW_MS} from '../flapping.js';

/** Managers that are the autoscaler itself when they write spec.replicas. */
export function isAutoscalerManager(manager: string): boolean {
	return manager === 'kube-controller-manager' || manager === 'horizontal-pod-autoscaler' || manager === 'keda' || manager.startsWith('keda-');
}

export interface Fight {
	/** The other managers, most recent writer first. */
	managers: string[];
	/** Writes by them in the window (at least 1 when seen only in managedFields). */
	otherWrites: number;
	/** Scale writes by the autoscaler in the window seen in the history. */
	hpaWrites: number;
	lastOtherWrite?: number;
	source: 'history' | 'managedFields' | 'both';
}

/** A second writer of spec.replicas fighting the HPA, when there is one. */
export function detectFight(
	hpa: SlimHpa,
	target: SlimWorkload | undefined,
	points: readonly ReplicaPoint[],
	now: number,
	windowMs = FLAP_WINDOW_MS,
): Fight | undefined {
	const windowStart = now - windowMs;
	const others = new Map<string, number>();
	let otherWrites = 0;
	let hpaWrites = 0;
	let fromHistory = false;
	let fromFields = false;
	let previous: ReplicaPoint | undefined;
	for (const p of points) {
		const inWindow = p.time > windowStart && p.time <= now;
		if (inWindow) {
			const changed = previous === undefined || previous.replicas !== p.replicas;
			if (p.writer !== undefined && !isAutoscalerManager(p.writer)) {
				if (changed) {
					otherWrites++;
					others.set(p.writer, Math.max(others.get(p.writer) ?? 0, p.time));
					fromHistory = true;
				}
			} else if (changed && previous !== undefined && (p.writer !== undefined || p.approximate === true)) hpaWrites++;
		}
		previous = p;
	}
	for (const w of target?.replicaWriters ?? []) {
		if (isAutoscalerManager(w.manager) || w.time < windowStart) continue;
		fromFields = true;
		others.set(w.manager, Math.max(others.get(w.manager) ?? 0, w.time));
	}
	if (others.size === 0) return undefined;
	const hpaScaled = hpaWrites > 0 || (hpa.lastScaleTime !== undefined && hpa.lastScaleTime >= windowStart);
	if (!hpaScaled) return undefined;
	const managers = [...others.entries()].sort((a, b) => b[1] - a[1]).map(([m]) => m);
	const fight: Fight = {
		managers,
		otherWrites: Math.max(otherWrites, 1),
		hpaWrites,
		source: fromHistory && fromFields ? 'both' : fromHistory ? 'history' : 'managedFields',
	};
	fight.lastOtherWrite = Math.max(...others.values());
	return fight;
}
