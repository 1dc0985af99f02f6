/**
 * One-line sparklines for series in table cells (replica counts, request rates):
 * eight levels with Unicode blocks `▁▂▃▄▅▆▇█`, or `_.-:=+*#` on ASCII terminals.
 *
 * - A series longer than `width` is resampled by taking the maximum of each bucket, so a
 *   one-sample spike still shows. A shorter series is not stretched: the line is as long
 *   as the series (pad it if the cell needs a fixed width).
 * - The scale runs from `min` to `max` (default: the whole series' own minimum and
 *   maximum, before resampling);
 *   values outside are clamped. A flat scale (constant series) draws the lowest level.
 * - NaN and infinite samples are gaps, drawn as a space; an empty series gives "".
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
}

export const SPARK_BLOCKS = '\u2581\u2582\u2583\u2584\u2585\u2586\u2587\u2588';
export const SPARK_ASCII = '_.-:=+*#';

export function sparkline(values: readonly number[], options: SparklineOptions = {}): string {
	const width = options.width === undefined ? values.length : Math.floor(options.width);
	if (values.length === 0 || !(width > 0)) return '';
	const samples = values.length > width ? resampleMax(values, width) : values;

	let lo = options.min;
	let hi = options.max;
	if (lo === undefined || hi === undefined) {
		let seenLo = Infinity;
		let seenHi = -Infinity;
		for (const v of values) {
			if (!Number.isFinite(v)) continue;
			if (v < seenLo) seenLo = v;
			if (v > seenHi) seenHi = v;
		}
		lo ??= seenLo;
		hi ??= seenHi;
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
function resampleMax(values: readonly number[], width: number): number[] {
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
