import test from 'ava';
import fc from 'fast-check';
import {
	asPodWouldGet,
	describeGaps,
	describeSuggestions,
	exposureOf,
	gaps,
	qosClassOf,
	roundCpuUp,
	roundMemoryUp,
	suggestGuaranteed,
	usesPodLevelResources,
	type QosClass,
} from '../../source/findings/qos-rules.js';
import {parseCpuMillis, parseMemoryBytes} from '../../source/formats/quantity.js';
import type {ResourcePair, SlimContainer, SlimPodSpec} from '../../source/model/slim.js';
import {computeQosClass} from '../../source/sim/qos.js';

type Role = SlimContainer['role'];

function c(name: string, requests: ResourcePair = {}, limits: ResourcePair = {}, role: Role = 'container'): SlimContainer {
	return {name, role, requests, limits};
}

const g = (name: string, cpu: string, memory: string, role: Role = 'container') => c(name, {cpu, memory}, {cpu, memory}, role);

function spec(containers: SlimContainer[], podResources?: SlimPodSpec['podResources']): SlimPodSpec {
	return {containers, ...(podResources ? {podResources} : {})};
}

// Each row follows ComputePodQOS in k8s.io/kubernetes pkg/apis/core/helper/qos and its unit tests.
const classCases: Array<[string, SlimPodSpec, QosClass]> = [
	['no containers', spec([]), 'BestEffort'],
	['no resources anywhere', spec([c('a'), c('b')]), 'BestEffort'],
	['requests = limits for cpu and memory', spec([g('a', '100m', '128Mi')]), 'Guaranteed'],
	['equal values written differently', spec([c('a', {cpu: '1', memory: '1Gi'}, {cpu: '1000m', memory: '1024Mi'})]), 'Guaranteed'],
	['limits only, as written (no Pod defaulting)', spec([c('a', {}, {cpu: '1', memory: '1Gi'})]), 'Burstable'],
	['requests only', spec([c('a', {cpu: '100m', memory: '128Mi'})]), 'Burstable'],
	['memory without limit', spec([c('a', {cpu: '1', memory: '1Gi'}, {cpu: '1'})]), 'Burstable'],
	['cpu request below limit', spec([c('a', {cpu: '100m', memory: '1Gi'}, {cpu: '1', memory: '1Gi'})]), 'Burstable'],
	['one Guaranteed and one BestEffort container', spec([g('a', '1', '1Gi'), c('b')]), 'Burstable'],
	['an init container without resources', spec([g('a', '1', '1Gi'), c('init', {}, {}, 'init')]), 'Burstable'],
	['a Guaranteed init container', spec([g('a', '1', '1Gi'), g('init', '500m', '64Mi', 'init')]), 'Guaranteed'],
	['a Guaranteed sidecar', spec([g('a', '1', '1Gi'), g('proxy', '100m', '128Mi', 'sidecar')]), 'Guaranteed'],
	['a sidecar with a cpu limit only', spec([g('a', '1', '1Gi'), c('proxy', {cpu: '20m', memory: '32Mi'}, {cpu: '20m'}, 'sidecar')]), 'Burstable'],
	['only a sidecar has resources', spec([c('a'), c('proxy', {cpu: '20m'}, {}, 'sidecar')]), 'Burstable'],
	['zero quantities are ignored', spec([c('a', {cpu: '0', memory: '0'}, {cpu: '0', memory: '0'})]), 'BestEffort'],
	['a zero limit does not count as a limit', spec([g('a', '1', '1Gi'), c('b', {cpu: '0', memory: '0'}, {cpu: '0', memory: '0'})]), 'Burstable'],
	[
		'sums are compared, not containers',
		spec([c('a', {cpu: '100m', memory: '1Gi'}, {cpu: '200m', memory: '1Gi'}), c('b', {cpu: '300m', memory: '1Gi'}, {cpu: '200m', memory: '1Gi'})]),
		'Guaranteed',
	],
	['sums that differ', spec([c('a', {cpu: '100m', memory: '1Gi'}, {cpu: '200m', memory: '1Gi'}), g('b', '200m', '1Gi')]), 'Burstable'],
	[
		'pod-level requests = limits decide alone',
		spec([c('a'), c('b', {cpu: '100m'})], {requests: {cpu: '1', memory: '1Gi'}, limits: {cpu: '1', memory: '1Gi'}}),
		'Guaranteed',
	],
	['pod-level limits without memory', spec([g('a', '1', '1Gi')], {requests: {cpu: '1'}, limits: {cpu: '1'}}), 'Burstable'],
	['pod-level requests only', spec([g('a', '1', '1Gi')], {requests: {cpu: '1', memory: '1Gi'}, limits: {}}), 'Burstable'],
	['pod-level limits only, as written', spec([c('a')], {requests: {}, limits: {cpu: '1', memory: '1Gi'}}), 'Burstable'],
	['pod-level resources naming nothing leave it to the containers', spec([g('a', '1', '1Gi')], {requests: {}, limits: {}}), 'Guaranteed'],
	['pod-level zero quantities still decide (and count nothing)', spec([g('a', '1', '1Gi')], {requests: {cpu: '0'}, limits: {}}), 'BestEffort'],
];

for (const [name, input, expected] of classCases) {
	test(`qosClassOf: ${name} → ${expected}`, (t) => {
		t.is(qosClassOf(input), expected);
	});
}

test('qosClassOf ignores ephemeral-storage and other resources', (t) => {
	const storageOnly = {'ephemeral-storage': '1Gi'} as ResourcePair;
	t.is(qosClassOf(spec([c('a', storageOnly, storageOnly)])), 'BestEffort');
	const withStorage = {cpu: '1', memory: '1Gi', 'ephemeral-storage': '1Gi'} as ResourcePair;
	t.is(qosClassOf(spec([c('a', withStorage, {cpu: '1', memory: '1Gi'})])), 'Guaranteed');
});

test('asPodWouldGet copies limits into missing requests, on containers, init containers and sidecars', (t) => {
	const template = spec([
		c('a', {}, {cpu: '1', memory: '1Gi'}),
		c('init', {cpu: '100m'}, {cpu: '200m', memory: '64Mi'}, 'init'),
		c('proxy', {}, {cpu: '50m', memory: '32Mi'}, 'sidecar'),
	]);
	t.is(qosClassOf(template), 'Burstable');
	const pod = asPodWouldGet(template);
	t.deepEqual(
		pod.containers.map((x) => x.requests),
		[
			{cpu: '1', memory: '1Gi'},
			{cpu: '100m', memory: '64Mi'},
			{cpu: '50m', memory: '32Mi'},
		],
	);
	// The init container keeps its own cpu request (100m ≠ 200m): still Burstable.
	t.is(qosClassOf(pod), 'Burstable');
	t.is(qosClassOf(asPodWouldGet(spec([c('a', {}, {cpu: '1', memory: '1Gi'}), c('proxy', {}, {cpu: '50m', memory: '32Mi'}, 'sidecar')]))), 'Guaranteed');
	// Idempotent, and a pod spec comes back equal.
	t.deepEqual(asPodWouldGet(pod), pod);
	t.deepEqual(template.containers[0]!.requests, {}, 'the input is not changed');
});

test("asPodWouldGet defaults pod-level requests from pod-level limits, or from the containers' effective requests", (t) => {
	const limitsOnly = spec([c('a')], {requests: {}, limits: {cpu: '1', memory: '1Gi'}});
	t.deepEqual(asPodWouldGet(limitsOnly).podResources, {requests: {cpu: '1', memory: '1Gi'}, limits: {cpu: '1', memory: '1Gi'}});
	t.is(qosClassOf(asPodWouldGet(limitsOnly)), 'Guaranteed');
	// cpu requested by containers: pod-level cpu request = effective container requests
	// (max of the regular + sidecar sum, 150m, and init + earlier sidecars, 50m + 300m).
	const mixed = spec([c('a', {cpu: '100m'}), c('proxy', {cpu: '50m'}, {}, 'sidecar'), c('init', {cpu: '300m'}, {}, 'init')], {
		requests: {},
		limits: {cpu: '1', memory: '1Gi'},
	});
	t.deepEqual(asPodWouldGet(mixed).podResources?.requests, {cpu: '350m', memory: '1Gi'});
	t.is(qosClassOf(asPodWouldGet(mixed)), 'Burstable');
	// Without pod-level limits nothing is defaulted at the pod level.
	const requestsOnly = spec([c('a', {}, {cpu: '1', memory: '1Gi'})], {requests: {cpu: '1'}, limits: {}});
	t.deepEqual(asPodWouldGet(requestsOnly).podResources, {requests: {cpu: '1'}, limits: {}});
	t.true(usesPodLevelResources(requestsOnly));
	t.false(usesPodLevelResources(spec([c('a')], {requests: {}, limits: {}})));
});

// The simulator's own QoS computation was written independently from the same upstream
// code; the two must agree on any spec (the simulator is what the product is tested on).
const quantities = {cpu: [undefined, '0', '100m', '0.1', '200m', '1', '1000m'], memory: [undefined, '0', '64Mi', '67108864', '128Mi', '1Gi']};
const pairArb = fc.record({cpu: fc.constantFrom(...quantities.cpu), memory: fc.constantFrom(...quantities.memory)}).map((p) => {
	const out: ResourcePair = {};
	if (p.cpu !== undefined) out.cpu = p.cpu;
	if (p.memory !== undefined) out.memory = p.memory;
	return out;
});
const containerArb = fc.record({role: fc.constantFrom<Role>('container', 'container', 'init', 'sidecar'), requests: pairArb, limits: pairArb});
const specArb = fc
	.record({
		containers: fc.array(containerArb, {minLength: 1, maxLength: 4}),
		podResources: fc.option(fc.record({requests: pairArb, limits: pairArb}), {nil: undefined}),
	})
	.map(({containers, podResources}): SlimPodSpec =>
		spec(
			containers.map((x, i) => ({name: `c${i}`, ...x})),
			podResources,
		),
	);

function toPodObject(s: SlimPodSpec): Record<string, unknown> {
	const resources = (x: {requests: ResourcePair; limits: ResourcePair}) => ({requests: {...x.requests}, limits: {...x.limits}});
	return {
		containers: s.containers.filter((x) => x.role === 'container').map((x) => ({name: x.name, resources: resources(x)})),
		initContainers: s.containers
			.filter((x) => x.role !== 'container')
			.map((x) => ({name: x.name, resources: resources(x), ...(x.role === 'sidecar' ? {restartPolicy: 'Always'} : {})})),
		...(s.podResources ? {resources: resources(s.podResources)} : {}),
	};
}

test('qosClassOf agrees with the simulator on arbitrary specs, as written and as pods get them', (t) => {
	fc.assert(
		fc.property(specArb, (s) => {
			return qosClassOf(s) === computeQosClass(toPodObject(s)) && qosClassOf(asPodWouldGet(s)) === computeQosClass(toPodObject(asPodWouldGet(s)));
		}),
		{numRuns: 2000},
	);
	t.pass();
});

test('gaps are empty exactly when the spec is Guaranteed', (t) => {
	fc.assert(
		fc.property(specArb, (s) => (gaps(s).length === 0) === (qosClassOf(s) === 'Guaranteed')),
		{numRuns: 2000},
	);
	t.pass();
});

test('gaps use short human words', (t) => {
	const list = gaps(
		spec([
			c('web', {cpu: '100m', memory: '256Mi'}, {cpu: '1', memory: '512Mi'}),
			c('proxy', {cpu: '50m', memory: '64Mi'}, {}, 'sidecar'),
			c('setup', {}, {}, 'init'),
		]),
	);
	t.deepEqual(
		list.map((x) => [x.container, x.role, x.text]),
		[
			['proxy', 'sidecar', 'no memory limit'],
			['setup', 'init', 'no memory request or limit'],
			['web', 'container', 'memory request 256Mi ≠ limit 512Mi'],
			['proxy', 'sidecar', 'no cpu limit'],
			['setup', 'init', 'no cpu request or limit'],
			['web', 'container', 'cpu request 100m ≠ limit 1'],
		],
	);
	t.is(
		describeGaps(list),
		'proxy (sidecar): no memory limit, no cpu limit; setup (init): no requests or limits; web: memory request 256Mi ≠ limit 512Mi, cpu request 100m ≠ limit 1',
	);
	t.is(
		describeGaps(list, {short: true}),
		'proxy (sidecar): no memory limit, no cpu limit; setup (init): no requests or limits; web: memory 256Mi≠512Mi, cpu 100m≠1',
	);
});

test('gaps of a single container leave out its name in the short form', (t) => {
	const list = gaps(spec([c('web', {cpu: '100m', memory: '128Mi'}, {cpu: '1'})]));
	t.is(describeGaps(list, {short: true}), 'no memory limit, cpu 100m≠1');
	t.is(describeGaps(gaps(spec([c('web')])), {short: true}), 'no requests or limits');
});

test('a limit without a request on a template reads "no … request"; on the pod it would not be a gap', (t) => {
	const template = spec([c('web', {memory: '1Gi'}, {cpu: '1', memory: '1Gi'})]);
	t.deepEqual(
		gaps(template).map((x) => x.text),
		['no cpu request'],
	);
	t.deepEqual(gaps(asPodWouldGet(template)), []);
});

test('request ≠ limit is not reported for a resource whose sums match', (t) => {
	// cpu: 100m+300m requested, 200m+200m limited: equal sums, not what blocks Guaranteed.
	const list = gaps(spec([c('a', {cpu: '100m', memory: '1Gi'}, {cpu: '200m', memory: '1Gi'}), c('b', {cpu: '300m', memory: '1Gi'}, {cpu: '200m'})]));
	t.deepEqual(
		list.map((x) => `${x.container} ${x.text}`),
		['b no memory limit'],
	);
});

test('pod-level resources: the gaps are on the pod level', (t) => {
	const list = gaps(spec([c('a')], {requests: {cpu: '500m', memory: '1Gi'}, limits: {cpu: '1'}}));
	t.deepEqual(
		list.map((x) => [x.role, x.text]),
		[
			['pod', 'no memory limit'],
			['pod', 'cpu request 500m ≠ limit 1'],
		],
	);
	t.is(describeGaps(list, {short: true}), 'pod: no memory limit, cpu 500m≠1');
});

test('exposure: memory without a limit, then memory far below its limit, then cpu', (t) => {
	const noMemoryLimit = exposureOf(gaps(spec([c('a', {cpu: '1', memory: '1Gi'}, {cpu: '1'})])));
	const farBelow = exposureOf(gaps(spec([c('a', {cpu: '1', memory: '128Mi'}, {cpu: '1', memory: '2Gi'})])));
	const halfBelow = exposureOf(gaps(spec([c('a', {cpu: '1', memory: '256Mi'}, {cpu: '1', memory: '512Mi'})])));
	const cpuOnly = exposureOf(gaps(spec([c('a', {cpu: '100m', memory: '1Gi'}, {memory: '1Gi'})])));
	const cpuBelow = exposureOf(gaps(spec([c('a', {cpu: '100m', memory: '1Gi'}, {cpu: '2', memory: '1Gi'})])));
	t.true(noMemoryLimit > farBelow);
	t.true(farBelow > halfBelow);
	t.true(halfBelow > cpuOnly);
	t.true(cpuOnly > cpuBelow);
	t.true(cpuBelow > 0);
	t.is(exposureOf([]), 0);
});

test('rounding: cpu to 50m below one core and 100m from one core, memory to 64Mi', (t) => {
	for (const [millis, rounded] of [
		[1, 50],
		[180, 200],
		[200, 200],
		[999, 1000],
		[1350, 1400],
	] as const)
		t.is(roundCpuUp(millis), rounded, `${millis}m`);
	const mi = 2 ** 20;
	for (const [bytes, rounded] of [
		[1, 64 * mi],
		[390 * mi, 448 * mi],
		[512 * mi, 512 * mi],
	] as const)
		t.is(roundMemoryUp(bytes), rounded, `${bytes} bytes`);
});

test('suggestions from usage: the larger of usage with headroom and the current request', (t) => {
	const s = spec([
		c('web', {cpu: '100m', memory: '512Mi'}, {cpu: '1', memory: '1Gi'}),
		c('proxy', {cpu: '50m', memory: '64Mi'}, {}, 'sidecar'),
		c('setup', {cpu: '100m'}, {cpu: '200m', memory: '64Mi'}, 'init'),
	]);
	const usage = new Map([
		['web', {cpuMillis: 120, memoryBytes: 300 * 2 ** 20}],
		['proxy', {cpuMillis: 900, memoryBytes: 100 * 2 ** 20}],
		['setup', {cpuMillis: 999, memoryBytes: 999 * 2 ** 20}],
	]);
	const out = suggestGuaranteed(s, usage);
	// web: cpu 120m × 1.5 = 180m → 200m; memory 300Mi × 1.3 = 390Mi → 448Mi < request 512Mi.
	t.deepEqual(out[0]!.cpu, {value: '200m', source: 'usage'});
	t.deepEqual(out[0]!.memory, {value: '512Mi', source: 'request'});
	t.true(out[0]!.notes.some((n) => n.startsWith('memory limit lowered from 1Gi to 512Mi')));
	t.true(out[0]!.notes.some((n) => n.startsWith('cpu limit lowered from 1 to 200m')));
	// proxy: cpu 900m × 1.5 = 1350m → 1400m; memory 130Mi → 192Mi.
	t.deepEqual(out[1]!.cpu, {value: '1400m', source: 'usage'});
	t.deepEqual(out[1]!.memory, {value: '192Mi', source: 'usage'});
	// Init containers do not run, so their usage is not used: their limits are.
	t.deepEqual(out[2]!.cpu, {value: '200m', source: 'limit'});
	t.deepEqual(out[2]!.memory, {value: '64Mi', source: 'limit'});
	t.is(
		describeSuggestions(out),
		'web: cpu 200m (usage), memory 512Mi (request); proxy (sidecar): cpu 1400m (usage), memory 192Mi (usage); setup (init): cpu 200m (limit), memory 64Mi (limit)',
	);
});

test('suggestions from usage above the current limit raise it and say so', (t) => {
	const out = suggestGuaranteed(
		spec([c('web', {cpu: '500m', memory: '256Mi'}, {cpu: '500m', memory: '256Mi'})]),
		new Map([['web', {cpuMillis: 500, memoryBytes: 250 * 2 ** 20}]]),
	);
	t.deepEqual(out[0]!.memory, {value: '384Mi', source: 'usage'});
	t.true(out[0]!.notes.some((n) => n.startsWith('memory limit raised from 256Mi to 384Mi')));
});

test('suggestions without usage: the limit, else the request, else a default, and say so', (t) => {
	const out = suggestGuaranteed(
		spec([c('limited', {cpu: '100m', memory: '128Mi'}, {cpu: '1', memory: '1Gi'}), c('requested', {cpu: '100m', memory: '128Mi'}), c('nothing')]),
	);
	t.deepEqual(
		[out[0]!.cpu, out[0]!.memory],
		[
			{value: '1', source: 'limit'},
			{value: '1Gi', source: 'limit'},
		],
	);
	t.deepEqual(out[0]!.notes, []);
	t.deepEqual(
		[out[1]!.cpu, out[1]!.memory],
		[
			{value: '100m', source: 'request'},
			{value: '128Mi', source: 'request'},
		],
	);
	t.true(out[1]!.notes.some((n) => n.includes('without usage data')));
	t.deepEqual([out[2]!.cpu.source, out[2]!.memory.source], ['default', 'default']);
	t.is(out[2]!.notes.filter((n) => n.startsWith('no data for')).length, 2);
	// A container missing from the usage map falls back the same way.
	t.deepEqual(suggestGuaranteed(spec([c('a', {}, {cpu: '1', memory: '1Gi'})]), new Map([['other', {cpuMillis: 1, memoryBytes: 1}]]))[0]!.memory, {
		value: '1Gi',
		source: 'limit',
	});
});

test('a suggested memory value is never below usage, and is a positive quantity that makes the pod Guaranteed', (t) => {
	const usageArb = fc.record({cpuMillis: fc.integer({min: 0, max: 64_000}), memoryBytes: fc.integer({min: 0, max: 2 ** 38})});
	fc.assert(
		fc.property(specArb, fc.array(usageArb, {minLength: 4, maxLength: 4}), fc.boolean(), (s, usages, withUsage) => {
			const usage = new Map(s.containers.map((x, i) => [x.name, usages[i]!]));
			const out = suggestGuaranteed(s, withUsage ? usage : undefined);
			const guaranteed = spec(s.containers.map((x, i) => g(x.name, out[i]!.cpu.value, out[i]!.memory.value, x.role)));
			if (qosClassOf(guaranteed) !== 'Guaranteed') return false;
			return s.containers.every((x, i) => {
				const memory = parseMemoryBytes(out[i]!.memory.value);
				const cpu = parseCpuMillis(out[i]!.cpu.value);
				if (memory <= 0 || cpu <= 0) return false;
				if (!withUsage || x.role === 'init') return true;
				return memory >= usage.get(x.name)!.memoryBytes && cpu >= usage.get(x.name)!.cpuMillis;
			});
		}),
		{numRuns: 1000},
	);
	t.pass();
});
