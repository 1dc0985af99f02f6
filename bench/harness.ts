/**
 * The benchmark harness: every measure is printed beside a baseline measured in the
 * same run, and the ratio between them is what we track. Suites live in bench/*.ts and
 * export `suite: BenchSuite`.
 */
export interface Measure {
	/** What is measured, e.g. "build large scenario (150k pods)". */
	name: string;
	/** The product's figure. */
	value: number;
	unit: string;
	/** The same measure for a baseline run in the same process or run. */
	baseline?: {name: string; value: number};
	/** How the ratio reads: "lower" when smaller values are better (time, bytes). */
	better: 'lower' | 'higher';
	/** A free-text note (goal, caveat). */
	note?: string;
}

export interface BenchSuite {
	name: string;
	run(options: {quick: boolean; log: (line: string) => void}): Promise<Measure[]>;
}

/** baseline/value for lower-is-better, value/baseline for higher-is-better: > 1 means we win. */
export function advantage(m: Measure): number | undefined {
	if (!m.baseline || m.baseline.value === 0 || m.value === 0) return undefined;
	return m.better === 'lower' ? m.baseline.value / m.value : m.value / m.baseline.value;
}

export function formatValue(value: number, unit: string): string {
	if (unit === 'ms') return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(1)} ms`;
	if (unit === 'bytes') {
		const units = ['B', 'KiB', 'MiB', 'GiB'];
		let v = value;
		let i = 0;
		while (Math.abs(v) >= 1024 && i < units.length - 1) {
			v /= 1024;
			i++;
		}
		return `${v.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
	}
	if (Number.isInteger(value)) return `${value} ${unit}`;
	return `${value.toFixed(2)} ${unit}`;
}

export function renderTable(suite: string, measures: Measure[]): string {
	const rows = measures.map((m) => {
		const adv = advantage(m);
		return [
			m.name,
			formatValue(m.value, m.unit),
			m.baseline ? `${formatValue(m.baseline.value, m.unit)} (${m.baseline.name})` : '—',
			adv === undefined ? '—' : `${adv.toFixed(2)}×`,
			m.note ?? '',
		];
	});
	const header = ['measure', 'kubectl-assure', 'baseline (same run)', 'advantage', 'note'];
	const lines = [`### ${suite}`, '', `| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
	for (const r of rows) lines.push(`| ${r.join(' | ')} |`);
	return lines.join('\n');
}
