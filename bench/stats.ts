/** Order statistics of the suites' samples (latencies, run times). */

/** The middle sample (the upper one of an even count). */
export function median(values: number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.floor(sorted.length / 2)]!;
}

/** The sample at rank ⌊(n − 1)·p⌋ of the sorted samples, p in [0, 1]; NaN without samples. */
export function percentile(values: number[], p: number): number {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))] ?? Number.NaN;
}
