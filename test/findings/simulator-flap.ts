/**
 * The simulator's checkout-web swing as the product observes it, for the flapping tests: the
 * scenario's HPA has a scale-down window of 0, its load is 90 s busy and 90 s quiet, and it
 * syncs every 15 s, so the replicas go 3 → 7 → 10 in the busy half (the scale-up policy
 * allows 4 pods per 15 s) and back to 3 at the first sync of the quiet half.
 */
import type {ReplicaPoint} from '../../source/model/state.js';

const S = 1000;

/** Observed from `startAgo` seconds before `now` for `elapsed` seconds; the first point is one second before the first busy sync. */
export function simulatorFlap(now: number, startAgo: number, elapsed: number): ReplicaPoint[] {
	const out: ReplicaPoint[] = [{time: now - (startAgo + 1) * S, replicas: 3, writer: 'kube-controller-manager'}];
	for (let base = 0; base <= elapsed; base += 180) {
		for (const [offset, replicas] of [
			[0, 7],
			[15, 10],
			[90, 3],
		] as const) {
			if (base + offset <= elapsed) out.push({time: now - (startAgo - base - offset) * S, replicas, writer: 'kube-controller-manager'});
		}
	}
	return out;
}
