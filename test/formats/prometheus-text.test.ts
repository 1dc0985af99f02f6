/**
 * Tests for the Prometheus text parser (source/formats/prometheus-text.ts) and writer
 * (source/sim/prometheus-writer.ts): the three real kube-apiserver scrapes, a hand-written
 * page with escapes and malformed lines, and a write → parse round-trip property.
 */
import {readFileSync} from 'node:fs';
import {isDeepStrictEqual} from 'node:util';
import test from 'ava';
import fc from 'fast-check';
import {MAX_PARSE_ERRORS, parsePrometheusText, setLabel, type MetricFamily, type MetricType, type Sample} from '../../source/formats/prometheus-text.js';
import {
	escapeHelp,
	escapeLabelValue,
	formatSampleValue,
	histogramFromObservations,
	histogramSamples,
	writePrometheusText,
} from '../../source/sim/prometheus-writer.js';
import {fixtureDir} from '../helpers/fixtures.js';

const metricsDir = fixtureDir('metrics');
function fixture(version: string): string {
	return readFileSync(`${metricsDir}kube-apiserver-${version}.metrics.txt`, 'utf8');
}

function sampleCount(families: Iterable<MetricFamily>): number {
	let n = 0;
	for (const family of families) n += family.samples.length;
	return n;
}

// Counts read from the files: `grep -c '^# TYPE'` and `grep -cvE '^(#|$)'`.
const fixtureShapes = [
	{version: 'v1.21.14', families: 25, samples: 1537, pods: 27},
	{version: 'v1.31.0', families: 58, samples: 2835, pods: 22},
	{version: 'v1.35.0', families: 61, samples: 4744, pods: 21},
];

for (const shape of fixtureShapes) {
	test(`parses the ${shape.version} scrape without errors, every sample in a family`, (t) => {
		const parsed = parsePrometheusText(fixture(shape.version));
		t.deepEqual(parsed.errors, []);
		t.is(parsed.errorCount, 0);
		t.is(parsed.families.size, shape.families);
		t.is(sampleCount(parsed.families.values()), shape.samples);
		t.is(parsed.sum('apiserver_storage_objects', {resource: 'pods'}), shape.pods);
		const build = parsed.get('kubernetes_build_info');
		t.is(build?.type, 'gauge');
		t.is(build?.samples[0]?.labels['git_version'], shape.version);
		t.is(build?.samples[0]?.labels['platform'], 'linux/arm64');
	});
}

test('v1.21.14: exponent values, HELP text and types', (t) => {
	const parsed = parsePrometheusText(fixture('v1.21.14'));
	const etcd = parsed.get('etcd_db_total_size_in_bytes');
	t.is(etcd?.type, 'gauge');
	t.deepEqual(etcd?.samples, [{name: 'etcd_db_total_size_in_bytes', labels: {endpoint: 'https://127.0.0.1:2379'}, value: 2_985_984}]);
	t.true(etcd?.help.startsWith('[ALPHA] Total size of the etcd database file'));
	t.is(parsed.get('apiserver_request_total')?.type, 'counter');
	t.is(parsed.sum('apiserver_request_total'), 3511);
	t.is(parsed.sum('apiserver_request_total', {verb: 'LIST', resource: 'pods', code: '200'}), 119);
	t.is(parsed.get('apiserver_storage_objects')?.help, '[STABLE] Number of stored objects at the time of last check split by kind.');
});

test('v1.31.0: histogram samples are grouped under their family', (t) => {
	const parsed = parsePrometheusText(fixture('v1.31.0'));
	const name = 'apiserver_flowcontrol_request_wait_duration_seconds';
	const family = parsed.get(name);
	t.is(family?.type, 'histogram');
	t.is(family?.samples.length, 160);
	t.is(parsed.families.has(`${name}_bucket`), false);
	t.is(parsed.families.has(`${name}_count`), false);
	t.is(parsed.get(`${name}_count`), family);
	t.is(parsed.sum(`${name}_count`), 1269);
	const series = {execute: 'true', flow_schema: 'catch-all', priority_level: 'catch-all'};
	t.is(parsed.sum(`${name}_bucket`, {...series, le: '+Inf'}), 47);
	t.is(parsed.sum(`${name}_bucket`, {...series, le: '0.005'}), 47);
	t.is(parsed.sum(`${name}_bucket`, {...series, le: '0'}), 0);
	t.is(parsed.sum(`${name}_count`, series), 47);
	// The family name alone sums nothing: a histogram has no bare sample.
	t.is(parsed.sum(name), 0);
	t.is(parsed.sum('apiserver_storage_size_bytes'), 2_260_992);
	t.is(parsed.sum('apiserver_flowcontrol_seat_fair_frac'), 2.3333333333333335);
});

test('v1.35.0: sums with a label predicate and a missing family', (t) => {
	const parsed = parsePrometheusText(fixture('v1.35.0'));
	t.is(parsed.sum('apiserver_resource_objects', {group: 'apps', resource: 'deployments'}), 6);
	// A raw sum: the events row is -1 (an error); apiserver-metrics.ts treats it as unknown.
	t.is(parsed.sum('apiserver_resource_size_estimate_bytes'), 414_928);
	t.is(parsed.sum('apiserver_resource_size_estimate_bytes', {resource: 'events'}), -1);
	t.is(
		parsed.sum('apiserver_longrunning_requests', (labels) => labels['verb'] === 'WATCH'),
		170,
	);
	t.is(parsed.sum('apiserver_request_total', {verb: 'LIST'}), 56);
	t.is(parsed.get('apiserver_flowcontrol_rejected_requests_total'), undefined);
	t.is(parsed.sum('apiserver_flowcontrol_rejected_requests_total'), 0);
});

const handWritten = [
	'# A free comment that is not HELP or TYPE',
	'# HELP odd_labels Label values with \\\\ backslashes\\nand a newline.',
	'# TYPE odd_labels gauge',
	'odd_labels{path="C:\\\\dir\\\\file",quote="say \\"hi\\"",multi="line1\\nline2",empty=""} 1.5e3',
	'odd_labels{path="plain" , trailing="comma",} -2.5E-3 1700000000000',
	'',
	'odd_labels{broken="unterminated} 7',
	'odd_labels{path="after the bad line"} +Inf',
	'odd_labels{path="negative infinity"} -Inf',
	'odd_labels{path="not a number"} NaN',
	'# TYPE lat summary',
	'lat{quantile="0.5"} 0.25',
	'lat{quantile="0.99"} 1',
	'lat_sum 42',
	'lat_count 100',
	'no_type_line{a="b"} 3',
	'no_type_line 4 -5',
	'   ',
	'trailing_garbage 1 2 3',
].join('\r\n');

test('hand-written page: escapes, CRLF, special values, summaries, untyped, and bad lines skipped', (t) => {
	const parsed = parsePrometheusText(handWritten);
	const odd = parsed.get('odd_labels');
	t.is(odd?.help, 'Label values with \\ backslashes\nand a newline.');
	t.deepEqual(odd?.samples[0], {
		name: 'odd_labels',
		labels: {path: 'C:\\dir\\file', quote: 'say "hi"', multi: 'line1\nline2', empty: ''},
		value: 1500,
	});
	t.deepEqual(odd?.samples[1], {
		name: 'odd_labels',
		labels: {path: 'plain', trailing: 'comma'},
		value: -0.0025,
		timestampMs: 1_700_000_000_000,
	});
	t.is(odd?.samples.length, 5);
	t.deepEqual(odd?.samples[2]?.labels, {path: 'after the bad line'});
	t.is(odd?.samples[2]?.value, Number.POSITIVE_INFINITY);
	t.is(odd?.samples[3]?.value, Number.NEGATIVE_INFINITY);
	t.true(Number.isNaN(odd?.samples[4]?.value));
	// NaN is skipped by sum; +Inf and -Inf are not.
	t.is(parsed.sum('odd_labels', {path: 'not a number'}), 0);
	t.is(parsed.sum('odd_labels', {empty: '', path: 'C:\\dir\\file'}), 1500);

	const lat = parsed.get('lat');
	t.is(lat?.type, 'summary');
	t.deepEqual(
		lat?.samples.map((s) => s.name),
		['lat', 'lat', 'lat_sum', 'lat_count'],
	);
	t.is(parsed.sum('lat_count'), 100);

	const untyped = parsed.get('no_type_line');
	t.is(untyped?.type, 'untyped');
	t.is(untyped?.help, '');
	t.deepEqual(untyped?.samples[1], {name: 'no_type_line', labels: {}, value: 4, timestampMs: -5});

	t.deepEqual(
		parsed.errors.map((e) => e.line),
		[7, 19],
	);
	t.is(parsed.errors[0]?.reason, 'unterminated label value');
	t.is(parsed.errors[0]?.text, 'odd_labels{broken="unterminated} 7');
	t.is(parsed.errors[1]?.reason, 'unexpected text after the timestamp');
	t.is(parsed.errorCount, 2);
	t.deepEqual([...parsed.families.keys()], ['odd_labels', 'lat', 'no_type_line']);
});

const badLines: Array<[string, RegExp]> = [
	['m{a="b\\x"} 1', /invalid escape \\x/],
	['m{a="b"', /unterminated|expected/],
	['m{a="1",a="2"} 1', /duplicate label a/],
	['m{1a="b"} 1', /label name/],
	['m{a=b} 1', /quoted label value/],
	['m{a "b"} 1', /expected "="/],
	['m{a="b" c="d"} 1', /expected "," or "}"/],
	['m', /missing value/],
	['m{a="b"}', /missing value/],
	['m 12abc', /invalid value "12abc"/],
	['m 0x10', /invalid value/],
	['m 1 1.5', /invalid timestamp/],
	['m{a="b"}1', /blank before the value/],
	['9m 1', /metric name/],
	['<html><body>Forbidden</body></html>', /metric name/],
	['# TYPE m widget', /unknown metric type "widget"/],
	['# TYPE m gauge extra', /unexpected text after the TYPE/],
	['# TYPE', /without a metric name/],
	['# HELP 1bad text', /metric name/],
];

for (const [line, reason] of badLines) {
	test(`malformed line is reported, not fatal: ${JSON.stringify(line)}`, (t) => {
		const parsed = parsePrometheusText(`before 1\n${line}\nafter 2\n`);
		t.is(parsed.errors.length, 1);
		t.is(parsed.errors[0]?.line, 2);
		t.regex(parsed.errors[0]?.reason ?? '', reason);
		t.is(parsed.sum('before'), 1);
		t.is(parsed.sum('after'), 2);
	});
}

test('structural errors: second TYPE, TYPE after samples, second HELP, bucket without le, bare histogram sample', (t) => {
	const page = [
		'# TYPE g gauge',
		'g 1',
		'# TYPE g counter',
		'u 1',
		'# TYPE u counter',
		'# HELP h first',
		'# HELP h second',
		'# TYPE h histogram',
		'h_bucket{le="1"} 1',
		'h_bucket{x="y"} 1',
		'h 3',
		'h_count 1',
		'# TYPE s summary',
		's{a="b"} 1',
		's_sum 1',
	].join('\n');
	const parsed = parsePrometheusText(page);
	t.deepEqual(
		parsed.errors.map((e) => [e.line, e.reason]),
		[
			[3, 'second TYPE line for g'],
			[5, 'TYPE line for u after its samples'],
			[7, 'second HELP line for h'],
			[10, 'histogram bucket h_bucket without an "le" label'],
			[11, 'sample h does not fit its histogram family'],
			[14, 'summary sample s without a "quantile" label'],
		],
	);
	t.is(parsed.get('g')?.type, 'gauge');
	t.is(parsed.get('u')?.type, 'untyped');
	t.is(parsed.get('h')?.help, 'first');
	t.deepEqual(
		parsed.get('h')?.samples.map((s) => s.name),
		['h_bucket', 'h_count'],
	);
	t.deepEqual(
		parsed.get('s')?.samples.map((s) => s.name),
		['s_sum'],
	);
});

test('a page of garbage keeps only the first errors but counts them all', (t) => {
	const page = Array.from({length: 1000}, (_, i) => `!garbage ${i}`).join('\n');
	const parsed = parsePrometheusText(page);
	t.is(parsed.errors.length, MAX_PARSE_ERRORS);
	t.is(parsed.errorCount, 1000);
	t.is(parsed.errors[MAX_PARSE_ERRORS - 1]?.line, MAX_PARSE_ERRORS);
	t.is(parsed.families.size, 0);
});

test('a sample of another family between TYPE blocks still lands in its own family', (t) => {
	const page = ['# TYPE a histogram', 'a_bucket{le="+Inf"} 2', '# TYPE b gauge', 'b 1', 'a_count 2', 'a_sum 3'].join('\n');
	const parsed = parsePrometheusText(page);
	t.deepEqual(parsed.errors, []);
	t.deepEqual(
		parsed.get('a')?.samples.map((s) => s.name),
		['a_bucket', 'a_count', 'a_sum'],
	);
	t.deepEqual(
		parsed.get('b')?.samples.map((s) => s.value),
		[1],
	);
});

test('label name __proto__ is kept as an ordinary label', (t) => {
	const parsed = parsePrometheusText('m{__proto__="x",constructor="y"} 1\n');
	const labels = parsed.get('m')?.samples[0]?.labels ?? {};
	t.deepEqual(Object.keys(labels), ['__proto__', 'constructor']);
	t.is(Object.getOwnPropertyDescriptor(labels, '__proto__')?.value, 'x');
	t.is(Object.getPrototypeOf(labels), Object.prototype);
	const filter: Record<string, string> = {};
	setLabel(filter, '__proto__', 'x');
	t.is(parsed.sum('m', filter), 1);
	setLabel(filter, '__proto__', 'other');
	t.is(parsed.sum('m', filter), 0);
});

test('writer: escaping, value formatting and stable label order', (t) => {
	t.is(escapeHelp('a\\b\nc"d'), 'a\\\\b\\nc"d');
	t.is(escapeLabelValue('a\\b\nc"d'), 'a\\\\b\\nc\\"d');
	t.deepEqual([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 0, 1e21, 2.5e-7].map(formatSampleValue), [
		'NaN',
		'+Inf',
		'-Inf',
		'-0',
		'0',
		'1e+21',
		'2.5e-7',
	]);
	const text = writePrometheusText([
		{
			name: 'req_total',
			type: 'counter',
			help: 'Requests\nby "verb"',
			samples: [
				{name: 'req_total', labels: {verb: 'GET', code: '200', le: 'x', app: 'a"b'}, value: 3},
				{name: 'req_total', labels: {}, value: 1, timestampMs: 5},
			],
		},
		{name: 'quiet', type: 'untyped', help: '', samples: []},
	]);
	t.is(
		text,
		[
			'# HELP req_total Requests\\nby "verb"',
			'# TYPE req_total counter',
			'req_total{app="a\\"b",code="200",verb="GET",le="x"} 3',
			'req_total 1 5',
			'# TYPE quiet untyped',
			'',
		].join('\n'),
	);
	t.is(writePrometheusText([]), '');
});

test('writer: refuses what the format cannot carry', (t) => {
	const family = (overrides: Partial<MetricFamily>): MetricFamily => ({name: 'm', type: 'gauge', help: '', samples: [], ...overrides});
	t.throws(() => writePrometheusText([family({name: 'bad-name'})]), {instanceOf: TypeError});
	t.throws(() => writePrometheusText([family({}), family({})]), {message: /written twice/});
	t.throws(() => writePrometheusText([family({samples: [{name: 'm', labels: {'bad-label': 'x'}, value: 1}]})]), {
		message: /invalid label name/,
	});
	t.throws(() => writePrometheusText([family({samples: [{name: 'other', labels: {}, value: 1}]})]), {
		message: /does not belong/,
	});
	t.throws(() => writePrometheusText([family({samples: [{name: 'm_bucket', labels: {}, value: 1}]})]), {
		message: /does not belong/,
	});
	t.throws(() => writePrometheusText([family({samples: [{name: 'm', labels: {}, value: 1, timestampMs: 1.5}]})]), {
		message: /not an integer/,
	});
});

test('writer: histograms from observations have cumulative le buckets, +Inf, _sum and _count', (t) => {
	const data = histogramFromObservations([1, 0.1, 0.5], [0.05, 0.1, 0.3, 0.7, 2, 9]);
	t.deepEqual(data.buckets, [
		{le: 0.1, count: 2},
		{le: 0.5, count: 3},
		{le: 1, count: 4},
	]);
	t.is(data.count, 6);
	t.is(data.sum, 0.05 + 0.1 + 0.3 + 0.7 + 2 + 9);
	const samples = histogramSamples('wait_seconds', {pl: 'x'}, data);
	const text = writePrometheusText([{name: 'wait_seconds', type: 'histogram', help: 'Wait.', samples}]);
	t.is(
		text,
		[
			'# HELP wait_seconds Wait.',
			'# TYPE wait_seconds histogram',
			'wait_seconds_bucket{pl="x",le="0.1"} 2',
			'wait_seconds_bucket{pl="x",le="0.5"} 3',
			'wait_seconds_bucket{pl="x",le="1"} 4',
			'wait_seconds_bucket{pl="x",le="+Inf"} 6',
			`wait_seconds_sum{pl="x"} ${formatSampleValue(data.sum)}`,
			'wait_seconds_count{pl="x"} 6',
			'',
		].join('\n'),
	);
	const parsed = parsePrometheusText(text);
	t.deepEqual(parsed.errors, []);
	t.is(parsed.sum('wait_seconds_bucket', {le: '+Inf'}), 6);
	t.throws(() => histogramSamples('h', {le: '1'}, data), {message: /must not contain "le"/});
	t.throws(
		() =>
			histogramSamples(
				'h',
				{},
				{
					buckets: [
						{le: 1, count: 3},
						{le: 2, count: 1},
					],
					sum: 0,
					count: 3,
				},
			),
		{
			message: /cumulative/,
		},
	);
});

for (const shape of fixtureShapes) {
	test(`writing the parsed ${shape.version} scrape and parsing it again gives the same families`, (t) => {
		const parsed = parsePrometheusText(fixture(shape.version));
		const again = parsePrometheusText(writePrometheusText(parsed.families.values()));
		t.deepEqual(again.errors, []);
		t.deepEqual([...again.families.values()], [...parsed.families.values()]);
	});
}

// ---- round-trip property ----

const hostileChars = ['"', '\\', '\n', 'n', '{', '}', ',', '=', ' ', '\t', '\r', '#', 'é', '\u2028', 'x'];
const labelValueArb = fc.oneof(
	fc.string({unit: 'binary', maxLength: 12}),
	fc.array(fc.constantFrom(...hostileChars), {maxLength: 10}).map((chars) => chars.join('')),
	fc.constantFrom('', '"', '\\', '\\"', '\\n', '"} 1', 'a="b",c="d"', '+Inf', 'NaN'),
);
const labelNameArb = fc.oneof(
	fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,8}$/),
	fc.constantFrom('__proto__', 'constructor', 'toString', 'le', 'quantile', 'hasOwnProperty'),
);
const metricNameArb = fc.oneof(fc.stringMatching(/^[a-zA-Z_:][a-zA-Z0-9_:]{0,10}$/), fc.constantFrom('a', 'a_bucket', 'a_sum', 'a_count', 'b_total'));
const helpArb = fc
	.oneof(
		fc.string({unit: 'binary', maxLength: 30}),
		fc.array(fc.constantFrom(...hostileChars), {maxLength: 12}).map((chars) => chars.join('')),
	)
	// The format reads blanks after the name as separators and a final CR as part of CRLF.
	.filter((help) => !/^[ \t]/.test(help) && !help.endsWith('\r'));
const valueArb = fc.oneof(fc.double(), fc.integer(), fc.constantFrom(0, -1, Number.NaN, Number.POSITIVE_INFINITY));

function labelsArb(excluded: readonly string[]): fc.Arbitrary<Record<string, string>> {
	return fc
		.uniqueArray(
			fc.tuple(
				labelNameArb.filter((name) => !excluded.includes(name)),
				labelValueArb,
			),
			{
				selector: ([name]) => name,
				maxLength: 4,
			},
		)
		.map((pairs) => {
			const labels: Record<string, string> = {};
			for (const [name, value] of pairs) setLabel(labels, name, value);
			return labels;
		});
}

function plainSamplesArb(name: string): fc.Arbitrary<Sample[]> {
	return fc.array(
		fc.record(
			{name: fc.constant(name), labels: labelsArb([]), value: valueArb, timestampMs: fc.maxSafeInteger()},
			{requiredKeys: ['name', 'labels', 'value'], noNullPrototype: true},
		),
		{maxLength: 4},
	);
}

function histogramSamplesArb(name: string): fc.Arbitrary<Sample[]> {
	const series = fc.record({
		labels: labelsArb(['le']),
		bounds: fc.uniqueArray(fc.double({noNaN: true}), {maxLength: 5}),
		increments: fc.array(fc.nat(1000), {minLength: 6, maxLength: 6}),
		sum: valueArb,
	});
	return fc.array(series, {maxLength: 3}).map((all) =>
		all.flatMap(({labels, bounds, increments, sum}) => {
			let running = 0;
			const buckets = [...bounds].sort((a, b) => a - b).map((le, i) => ({le, count: (running += increments[i] ?? 0)}));
			return histogramSamples(name, labels, {buckets, sum, count: running + (increments[5] ?? 0)});
		}),
	);
}

function summarySamplesArb(name: string): fc.Arbitrary<Sample[]> {
	const series = fc.record({
		labels: labelsArb(['quantile']),
		quantiles: fc.uniqueArray(fc.double({min: 0, max: 1, noNaN: true}), {maxLength: 3}),
		values: fc.array(valueArb, {minLength: 5, maxLength: 5}),
	});
	return fc.array(series, {maxLength: 3}).map((all) =>
		all.flatMap(({labels, quantiles, values}) => [
			...quantiles.map((q, i) => {
				const withQuantile = {...labels};
				setLabel(withQuantile, 'quantile', formatSampleValue(q));
				return {name, labels: withQuantile, value: values[i] ?? 0};
			}),
			{name: `${name}_sum`, labels: {...labels}, value: values[3] ?? 0},
			{name: `${name}_count`, labels: {...labels}, value: values[4] ?? 0},
		]),
	);
}

const familyArb: fc.Arbitrary<MetricFamily> = fc
	.record({name: metricNameArb, type: fc.constantFrom<MetricType>('counter', 'gauge', 'histogram', 'summary', 'untyped'), help: helpArb})
	.chain(({name, type, help}) => {
		const samples = type === 'histogram' ? histogramSamplesArb(name) : type === 'summary' ? summarySamplesArb(name) : plainSamplesArb(name);
		return samples.map((s): MetricFamily => ({name, type, help, samples: s}));
	});

test('round-trip property: write(families) parses back to the same families', (t) => {
	t.notThrows(() => {
		fc.assert(
			fc.property(fc.uniqueArray(familyArb, {selector: (family) => family.name, maxLength: 6}), (families) => {
				const parsed = parsePrometheusText(writePrometheusText(families));
				return parsed.errorCount === 0 && isDeepStrictEqual([...parsed.families.values()], families);
			}),
			{numRuns: 300},
		);
	});
});
