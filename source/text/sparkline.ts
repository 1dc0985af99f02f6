/**
 * One-line sparklines for series (replica counts, request rates): one character per
 * value, eight levels with Unicode blocks `▁▂▃▄▅▆▇█`, or `_.-:=+*#` on ASCII terminals.
 *
 * - One cell per value, so a series that alternates 3, 10, 3, 10 draws alternating cells
 *   and every reversal can be counted. A series longer than `width` keeps its most recent
 *   `width` values (`overflow: 'latest'`, the default: a table cell shows the last minutes
 *   at full resolution). `overflow: 'max'` instead resamples into `width` buckets, each the
 *   maximum of its values, so a one-sample spike still shows — but alternation inside a
 *   bucket does not, so it is for shapes, not for counting. A shorter series is not
 *   stretched: the line is as long as the series (pad it if the cell needs a fixed width).
 * - The scale runs from `min` to `max` (default: the whole series' own minimum and
 *   maximum, before cutting or resampling); values outside are clamped. A flat scale
 *   (constant series) draws the lowest level.
 * - NaN and infinite samples are gaps, drawn as a space; an empty series gives "".
 *
 * `axisTime` writes the short "how long ago" of a sparkline's time axis ("-60m", "now").
 */

export interface SparklineOptions {
	/** Most characters to draw; default the number of values. */
	width?: number;
	/** Use the ASCII ramp `_.-:=+*#`. */
	ascii?: boolean;
	/** Value drawn as the lowest level; default the smallest finite value. */
	min?: number;
	/** Value drawn as the highest level; default the largest finite value. */
	max?: number;
	/** A series longer than `width`: keep the latest values (default) or the maximum of each bucket. */
	overflow?: 'latest' | 'max';
}

export const SPARK_BLOCKS = '\u2581\u2582\u2583\u2584\u2585\u2586\u2587\u2588';
export const SPARK_ASCII = '_.-:=+*#';

/** The smallest and largest finite values (Infinity/-Infinity when there are none). */
export function finiteRange(values: readonly number[]): {lo: number; hi: number} {
	let lo = Infinity;
	let hi = -Infinity;
	for (const v of values) {
		if (!Number.isFinite(v)) continue;
		if (v < lo) lo = v;
		if (v > hi) hi = v;
	}
	return {lo, hi};
}

export function sparkline(values: readonly number[], options: SparklineOptions = {}): string {
	const width = options.width === undefined ? values.length : Math.floor(options.width);
	if (values.length === 0 || !(width > 0)) return '';
	const samples = values.length <= width ? values : options.overflow === 'max' ? resampleMax(values, width) : values.slice(values.length - width);

	let lo = options.min;
	let hi = options.max;
	if (lo === undefined || hi === undefined) {
		const seen = finiteRange(values);
		lo ??= seen.lo;
		hi ??= seen.hi;
	}

	const ramp = options.ascii === true ? SPARK_ASCII : SPARK_BLOCKS;
	const top = ramp.length - 1;
	const span = hi - lo;
	let out = '';
	for (const v of samples) {
		if (!Number.isFinite(v)) {
			out += ' ';
			continue;
		}
		let level = 0;
		if (span > 0 && Number.isFinite(span)) {
			level = Math.round(((v - lo) / span) * top);
			if (level < 0) level = 0;
			else if (level > top) level = top;
		} else if (span <= 0 && v > hi) {
			level = top;
		}
		out += ramp[level];
	}
	return out;
}

/** `width` buckets over the series, each the maximum of its finite samples (NaN if none). */
export function resampleMax(values: readonly number[], width: number): number[] {
	const out: number[] = [];
	const n = values.length;
	for (let b = 0; b < width; b++) {
		const start = Math.floor((b * n) / width);
		const end = Math.floor(((b + 1) * n) / width);
		let best = NaN;
		for (let i = start; i < end; i++) {
			const v = values[i]!;
			if (Number.isFinite(v) && !(v <= best)) best = v;
		}
		out.push(best);
	}
	return out;
}

/** A time before now for the axis: "-90s", "-60m", "-2h", "-1.5h", "-3d". */
export function axisTime(ms: number): string {
	if (ms <= 0) return 'now';
	const s = Math.round(ms / 1000);
	if (s < 120) return `-${s}s`;
	const m = Math.round(ms / 60_000);
	if (m < 120) return `-${m}m`;
	const h = Math.round((ms / 3_600_000) * 10) / 10;
	if (h < 48) return `-${h}h`;
	return `-${Math.round((ms / 86_400_000) * 10) / 10}d`;
}
