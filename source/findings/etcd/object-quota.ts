/**
 * namespace-without-object-quota's suggestion: an object-count ResourceQuota sized from
 * today's counts — 50% headroom (at least 10 objects), rounded up to two significant
 * digits, never below what is there. The finding shows it; source/plans/etcd.ts creates it.
 */

/** Headroom: 50% over today's count (a rolling update surges 25% by default), at least 10 objects. */
export const QUOTA_HEADROOM_FACTOR = 1.5;
export const QUOTA_MIN_HEADROOM = 10;

export const QUOTA_RULE =
	"hard = today's count (plus what autoscalers may still add) x 1.5, at least +10, rounded up to two significant digits; never below current usage, because a quota below usage blocks every new object of that kind in the namespace at once";

/** Round up to two significant digits: 99 -> 99, 263 -> 270, 1234 -> 1300. */
export function roundUpTwoDigits(n: number): number {
	const whole = Math.ceil(n);
	if (whole < 100 || whole >= 1e15) return whole;
	const step = 10 ** (String(whole).length - 2);
	return Math.ceil(whole / step) * step;
}

/** The hard limit for one count: never below `used`. */
export function quotaHard(used: number, reserve = 0): number {
	if (!Number.isFinite(used) || used < 0) throw new RangeError(`object count must be a non-negative number, got ${used}`);
	const base = Math.ceil(used + Math.max(0, Number.isFinite(reserve) ? reserve : 0));
	const hard = roundUpTwoDigits(Math.max(Math.ceil(base * QUOTA_HEADROOM_FACTOR), base + QUOTA_MIN_HEADROOM));
	return Math.max(hard, Math.ceil(used));
}

const LEGACY_COUNT_KEYS = new Set([
	'configmaps',
	'persistentvolumeclaims',
	'replicationcontrollers',
	'resourcequotas',
	'secrets',
	'services',
	'services.loadbalancers',
	'services.nodeports',
]);

/** Whether a ResourceQuota key bounds an object count (`count/<resource>[.<group>]` or a legacy key; `pods` only counts non-terminal pods, so it does not). */
export function isObjectCountKey(key: string): boolean {
	return /^count\/[a-z0-9.-]+$/.test(key) || LEGACY_COUNT_KEYS.has(key);
}

export interface QuotaLine {
	key: string;
	used: number;
	reserve: number;
	hard: number;
}

export const OBJECT_QUOTA_NAME = 'object-counts';

/** The quota's name and limits, and the rule behind them. */
export interface ObjectQuota {
	name: string;
	lines: QuotaLine[];
	/** Quota key → the hard limit as the ResourceQuota spells it. */
	hard: Record<string, string>;
	rule: string;
}

/**
 * One `count/…` limit per key of `usage` (today's counts in the namespace), sized by
 * `quotaHard`. `reserve` adds what may legitimately appear soon (e.g. pods the
 * namespace's HPAs may still add). The name avoids `existingNames` (quotas are additive: a
 * second quota does not replace the first).
 */
export function objectQuota(
	usage: Readonly<Record<string, number>>,
	options: {reserve?: Readonly<Record<string, number>>; existingNames?: readonly string[]; name?: string} = {},
): ObjectQuota {
	const keys = Object.keys(usage).sort();
	if (keys.length === 0) throw new RangeError('an object-count quota needs at least one count');
	const lines: QuotaLine[] = [];
	const hard: Record<string, string> = {};
	for (const key of keys) {
		if (!isObjectCountKey(key)) throw new RangeError(`"${key}" is not an object-count quota key (expected count/<resource>[.<group>])`);
		const used = usage[key]!;
		const reserve = Math.max(0, options.reserve?.[key] ?? 0);
		const limit = quotaHard(used, reserve);
		lines.push({key, used, reserve, hard: limit});
		hard[key] = String(limit);
	}
	const taken = new Set(options.existingNames ?? []);
	let name = options.name ?? OBJECT_QUOTA_NAME;
	for (let i = 2; taken.has(name); i++) name = `${options.name ?? OBJECT_QUOTA_NAME}-${i}`;
	return {name, lines, hard, rule: QUOTA_RULE};
}
