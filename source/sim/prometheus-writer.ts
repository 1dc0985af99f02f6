/**
 * Writer for the Prometheus text exposition format 0.0.4, used by the simulated API
 * server's `/metrics`. Families become `# HELP`/`# TYPE` blocks with escaped HELP text and
 * label values, labels in a stable order (by name, `le`/`quantile` last), and histograms
 * built with cumulative `le` buckets ending in `+Inf`, `_sum` and `_count`. What it writes
 * parses back to the same families with source/formats/prometheus-text.ts.
 */
import {isValidLabelName, isValidMetricName, sampleBelongsTo, setLabel, type MetricFamily, type Sample} from '../formats/prometheus-text.js';

/** Formats a sample value the way Prometheus clients do for the special values. */
export function formatSampleValue(value: number): string {
	if (Number.isNaN(value)) return 'NaN';
	if (value === Number.POSITIVE_INFINITY) return '+Inf';
	if (value === Number.NEGATIVE_INFINITY) return '-Inf';
	if (Object.is(value, -0)) return '-0';
	return String(value);
}

/** Escapes HELP text: backslash and newline. */
export function escapeHelp(text: string): string {
	return text.replace(/[\\\n]/g, (c) => (c === '\n' ? '\\n' : '\\\\'));
}

/** Escapes a label value: backslash, double quote and newline. */
export function escapeLabelValue(value: string): string {
	return value.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : c === '"' ? '\\"' : '\\\\'));
}

function labelRank(name: string): number {
	return name === 'le' || name === 'quantile' ? 1 : 0;
}

/** Label names in the order the writer emits them: by name (code units), `le`/`quantile` last. */
export function orderedLabelNames(labels: Record<string, string>): string[] {
	return Object.keys(labels).sort((a, b) => labelRank(a) - labelRank(b) || (a < b ? -1 : a > b ? 1 : 0));
}

function formatLabels(labels: Record<string, string>): string {
	const names = orderedLabelNames(labels);
	if (names.length === 0) return '';
	const parts: string[] = [];
	for (const name of names) {
		if (!isValidLabelName(name)) throw new TypeError(`invalid label name ${JSON.stringify(name)}`);
		parts.push(`${name}="${escapeLabelValue(labels[name] as string)}"`);
	}
	return `{${parts.join(',')}}`;
}

function formatSample(family: MetricFamily, sample: Sample): string {
	if (!isValidMetricName(sample.name) || !sampleBelongsTo(family, sample.name)) {
		throw new TypeError(`sample ${JSON.stringify(sample.name)} does not belong to ${family.type} family ${family.name}`);
	}
	let line = `${sample.name}${formatLabels(sample.labels)} ${formatSampleValue(sample.value)}`;
	if (sample.timestampMs !== undefined) {
		if (!Number.isSafeInteger(sample.timestampMs)) throw new TypeError(`timestamp of ${sample.name} is not an integer`);
		line += ` ${sample.timestampMs}`;
	}
	return line;
}

/**
 * Writes families as exposition text, in the order given, samples in the order given.
 * HELP is omitted when empty. Throws TypeError on names the format cannot carry (invalid
 * metric or label names, a sample not named after its family, a family written twice).
 * HELP text cannot keep leading blanks (the format reads them as separators).
 */
export function writePrometheusText(families: Iterable<MetricFamily>): string {
	const out: string[] = [];
	const seen = new Set<string>();
	for (const family of families) {
		if (!isValidMetricName(family.name)) throw new TypeError(`invalid metric name ${JSON.stringify(family.name)}`);
		if (seen.has(family.name)) throw new TypeError(`family ${family.name} written twice`);
		seen.add(family.name);
		if (family.help !== '') out.push(`# HELP ${family.name} ${escapeHelp(family.help)}`);
		out.push(`# TYPE ${family.name} ${family.type}`);
		for (const sample of family.samples) out.push(formatSample(family, sample));
	}
	return out.length === 0 ? '' : `${out.join('\n')}\n`;
}

export interface HistogramData {
	/** Cumulative counts per upper bound; `+Inf` is added (with `count`) when missing. */
	buckets: ReadonlyArray<{le: number; count: number}>;
	sum: number;
	count: number;
}

/** Buckets a set of observations: cumulative counts for each bound, plus sum and count. */
export function histogramFromObservations(bounds: readonly number[], observations: Iterable<number>): HistogramData {
	const sorted = [...new Set(bounds)].filter((b) => b !== Number.POSITIVE_INFINITY).sort((a, b) => a - b);
	const perBucket = new Array<number>(sorted.length).fill(0);
	let sum = 0;
	let count = 0;
	for (const value of observations) {
		sum += value;
		count++;
		// First bound >= value (binary search); values above every bound land only in +Inf.
		let lo = 0;
		let hi = sorted.length;
		while (lo < hi) {
			const mid = (lo + hi) >>> 1;
			if ((sorted[mid] as number) < value) lo = mid + 1;
			else hi = mid;
		}
		if (lo < sorted.length) perBucket[lo] = (perBucket[lo] as number) + 1;
	}
	let running = 0;
	const buckets = sorted.map((le, i) => {
		running += perBucket[i] as number;
		return {le, count: running};
	});
	return {buckets, sum, count};
}

/**
 * The samples of one histogram series: `<name>_bucket{…,le}` for each bound in ascending
 * order ending with `le="+Inf"`, then `<name>_sum` and `<name>_count`.
 */
export function histogramSamples(name: string, labels: Record<string, string>, data: HistogramData): Sample[] {
	if (Object.hasOwn(labels, 'le')) throw new TypeError('histogram labels must not contain "le"');
	const buckets = [...data.buckets].sort((a, b) => a.le - b.le);
	if (buckets.length === 0 || buckets[buckets.length - 1]!.le !== Number.POSITIVE_INFINITY) {
		buckets.push({le: Number.POSITIVE_INFINITY, count: data.count});
	}
	const samples: Sample[] = [];
	let previous = 0;
	for (const bucket of buckets) {
		if (bucket.count < previous) throw new RangeError(`histogram ${name}: bucket counts must be cumulative`);
		previous = bucket.count;
		const bucketLabels = {...labels};
		setLabel(bucketLabels, 'le', formatSampleValue(bucket.le));
		samples.push({name: `${name}_bucket`, labels: bucketLabels, value: bucket.count});
	}
	samples.push({name: `${name}_sum`, labels: {...labels}, value: data.sum});
	samples.push({name: `${name}_count`, labels: {...labels}, value: data.count});
	return samples;
}
