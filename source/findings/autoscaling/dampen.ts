/**
 * hpa-flapping's suggestion: how to dampen an HPA's spec.behavior (merge-patch shaped) —
 * raise scaleDown.stabilizationWindowSeconds (default 600 s) and the scale-up window
 * (60 s) and, where no scale-up policies are set, limit scale-up to doubling or 4 pods per
 * 60 s. It keeps what is already set: a window already at least as long stays as it is,
 * set policies are left alone (policies is an atomic list; patching it would drop the
 * user's), and every other behavior field is kept. Nothing to raise → no change. The
 * finding shows the change; source/plans/autoscaling.ts makes it the patch of the HPA or
 * of its ScaledObject.
 */
import type {ScalingRules} from '../../model/slim.js';

export type JsonValue = string | number | boolean | null | JsonValue[] | {[key: string]: JsonValue};

export type JsonObject = {[key: string]: JsonValue};

export const DAMPEN_SCALE_DOWN_WINDOW_SECONDS = 600;
export const DAMPEN_SCALE_UP_WINDOW_SECONDS = 60;
/**
 * Defaults the controller applies when a window is not set: scale-up 0 s (k/k
 * pkg/apis/autoscaling/v2/defaults.go); scale-down is left unset by the API and filled by the
 * HPA controller (pkg/controller/podautoscaler/horizontal.go) from
 * --horizontal-pod-autoscaler-downscale-stabilization, 5 min by default
 * (pkg/controller/podautoscaler/config/v1alpha1/defaults.go).
 */
export const DEFAULT_SCALE_DOWN_WINDOW_SECONDS = 300;
export const DEFAULT_SCALE_UP_WINDOW_SECONDS = 0;
export const MAX_WINDOW_SECONDS = 3600;
export const DAMPEN_SCALE_UP_POLICIES: ReadonlyArray<{type: string; value: number; periodSeconds: number}> = [
	{type: 'Percent', value: 100, periodSeconds: 60},
	{type: 'Pods', value: 4, periodSeconds: 60},
];

export type Behavior = {scaleUp?: ScalingRules; scaleDown?: ScalingRules};

export interface DampenOptions {
	scaleDownWindowSeconds?: number;
	scaleUpWindowSeconds?: number;
}

export interface BehaviorChange {
	/** The behavior fragment to merge (only what changes). */
	behavior: JsonObject;
	/** One line per change, e.g. "scaleDown.stabilizationWindowSeconds 0 → 600". */
	changes: string[];
	/** What was kept as it was set. */
	kept: string[];
}

function clampWindow(seconds: number): number {
	return Math.min(MAX_WINDOW_SECONDS, Math.max(0, Math.round(seconds)));
}

/** The behavior fragment that dampens `current`, or undefined when nothing needs raising. */
export function dampenBehavior(current: Behavior | undefined, options: DampenOptions = {}): BehaviorChange | undefined {
	const downWanted = clampWindow(options.scaleDownWindowSeconds ?? DAMPEN_SCALE_DOWN_WINDOW_SECONDS);
	const upWanted = clampWindow(options.scaleUpWindowSeconds ?? DAMPEN_SCALE_UP_WINDOW_SECONDS);
	const changes: string[] = [];
	const kept: string[] = [];
	const scaleDown: JsonObject = {};
	const scaleUp: JsonObject = {};

	const downSet = current?.scaleDown?.stabilizationWindowSeconds;
	const downNow = downSet ?? DEFAULT_SCALE_DOWN_WINDOW_SECONDS;
	if (downNow < downWanted) {
		scaleDown.stabilizationWindowSeconds = downWanted;
		changes.push(`scaleDown.stabilizationWindowSeconds ${downSet === undefined ? `unset (${DEFAULT_SCALE_DOWN_WINDOW_SECONDS})` : downSet} → ${downWanted}`);
	} else if (downSet !== undefined) kept.push(`scaleDown.stabilizationWindowSeconds ${downSet}`);

	const upSet = current?.scaleUp?.stabilizationWindowSeconds;
	const upNow = upSet ?? DEFAULT_SCALE_UP_WINDOW_SECONDS;
	if (upNow < upWanted) {
		scaleUp.stabilizationWindowSeconds = upWanted;
		changes.push(`scaleUp.stabilizationWindowSeconds ${upSet === undefined ? `unset (${DEFAULT_SCALE_UP_WINDOW_SECONDS})` : upSet} → ${upWanted}`);
	} else if (upSet !== undefined) kept.push(`scaleUp.stabilizationWindowSeconds ${upSet}`);

	if (current?.scaleUp?.policies === undefined) {
		scaleUp.policies = DAMPEN_SCALE_UP_POLICIES.map((p) => ({...p}));
		changes.push('scaleUp.policies unset (4 pods or 100 % per 15 s) → 4 pods or 100 % per 60 s');
	} else kept.push(`scaleUp.policies (${current.scaleUp.policies.map((p) => `${p.type} ${p.value}/${p.periodSeconds}s`).join(', ')})`);
	if (current?.scaleDown?.policies !== undefined) kept.push('scaleDown.policies');
	if (current?.scaleUp?.selectPolicy !== undefined) kept.push(`scaleUp.selectPolicy ${current.scaleUp.selectPolicy}`);
	if (current?.scaleDown?.selectPolicy !== undefined) kept.push(`scaleDown.selectPolicy ${current.scaleDown.selectPolicy}`);

	// Only policies changing is no dampening on its own when both windows are already long.
	if (Object.keys(scaleDown).length === 0 && scaleUp.stabilizationWindowSeconds === undefined) return undefined;
	const behavior: JsonObject = {};
	if (Object.keys(scaleDown).length > 0) behavior.scaleDown = scaleDown;
	if (Object.keys(scaleUp).length > 0) behavior.scaleUp = scaleUp;
	return {behavior, changes, kept};
}
