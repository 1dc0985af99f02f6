/**
 * The fast scanner must give exactly what JSON.parse + recordFromEvent gives: property
 * tests over generated events with hostile strings, nested request objects, numbers,
 * whitespace, key order shuffles, escaped keys, duplicate keys, and over corrupted and
 * truncated lines (which must be skipped, never turned into a wrong record).
 */
import {deepStrictEqual} from 'node:assert/strict';
import test from 'ava';
import fc from 'fast-check';
import {createFeeder} from '../../source/audit/feeder.js';
import {LineDecoder} from '../../source/audit/formats.js';
import type {AuditRecord} from '../../source/audit/audit-record.js';
import {recordFromEvent} from '../../source/audit/record.js';
import {ScanCursor} from '../../source/audit/scan-cursor.js';
import {scanEventText} from '../../source/audit/scanner.js';
import {goJsonString} from '../../source/sim/audit-writer.js';

/** A record, or a skipped line (why it was skipped is informational: not compared). */
type Outcome = {kind: 'record'; record: AuditRecord} | {kind: 'skip'};

/** What the reference (JSON.parse) makes of one line. */
function reference(line: string): Outcome {
	let value: unknown;
	try {
		value = JSON.parse(line);
	} catch {
		return {kind: 'skip'};
	}
	const record = recordFromEvent(value, 'native');
	return record === null ? {kind: 'skip'} : {kind: 'record', record};
}

/** What the product makes of lines fed as bytes (wasm control check, latin1/UTF-8 pieces, caches). */
function product(lines: string[]): {outcomes: Outcome[]; decoder: LineDecoder} {
	const outcomes: Outcome[] = [];
	const decoder = new LineDecoder({
		record: (record) => outcomes.push({kind: 'record', record: {...record}}),
		skip: () => outcomes.push({kind: 'skip'}),
	});
	const feeder = createFeeder(decoder, 1 << 16);
	feeder.push(Buffer.from(`${lines.join('\n')}\n`, 'utf8'));
	feeder.end();
	return {outcomes, decoder};
}

/** Strings meant to break a scanner: escapes, quotes, braces, unicode, control characters. */
const hostile = fc.oneof(
	fc.string({unit: 'binary', maxLength: 12}),
	fc.string({unit: 'binary-ascii', maxLength: 12}),
	fc.string({
		unit: fc.constantFrom(
			'"',
			'\\',
			'/',
			'&',
			'<',
			'>',
			'{',
			'}',
			'[',
			']',
			',',
			':',
			'a',
			'u',
			'0',
			'\u00e9',
			'\ud83d\ude00',
			'\u2028',
			'\t',
			'\n',
			'\u0000',
			' ',
		),
		maxLength: 16,
	}),
	fc.constantFrom('', '\u0026', '","verb":"list', '},"', '"}}', 'a\\"b', '\\u0026', 'system:node:n1', '2026-03-10T14:00:28.208210Z', '1.5s', '0.824728242s'),
);

const word = fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/);

const uri = fc.oneof(
	fc.constantFrom(
		'/api/v1/pods',
		'/api/v1/pods?limit=500&resourceVersion=0',
		'/api/v1/namespaces/shop/pods?watch=true&resourceVersion=12&allowWatchBookmarks=true&timeoutSeconds=300',
		'/apis/apps/v1/namespaces/a/deployments/web',
		'/api/v1/watch/namespaces/x/pods',
		'/readyz',
		'/api/v1/secrets?labelSelector=acme.io%2Fmanaged%3Dtrue&limit=0',
		'/api/v1/pods?fieldSelector=spec.nodeName%3Dn1&watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan',
		'/api/v1/pods?continue=abc%3D&limit=10',
		'/api/v1/nodes?limit=%zz&timeoutSeconds=x',
		'/api/v1/namespaces/ns/status',
	),
	fc.tuple(word, hostile).map(([a, b]) => `/api/v1/${a}?q=${b}`),
	hostile,
);

const timestamp = fc.oneof(
	fc
		.date({min: new Date('2020-01-01T00:00:00Z'), max: new Date('2030-01-01T00:00:00Z'), noInvalidDate: true})
		.map((d) => d.toISOString().replace(/\.(\d{3})Z$/, '.$1123Z')),
	fc.constantFrom('2026-03-10T14:00:28.208210Z', '2026-03-10T14:00:28Z', '2026-03-10 14:00:28.210', '2026-03-10T14:00:28.2+01:00', 'not a time', ''),
	hostile,
);

const user = fc.record(
	{
		username: fc.oneof(word, hostile, fc.constantFrom('system:node:aks-1', 'system:serviceaccount:kube-system:cilium')),
		uid: fc.uuid(),
		groups: fc.array(fc.oneof(hostile, word), {maxLength: 3}),
		extra: fc.dictionary(
			fc.oneof(
				fc.constantFrom(
					'authentication.kubernetes.io/node-name',
					'authentication.kubernetes.io/pod-name',
					'authentication.kubernetes.io/pod-uid',
					'authentication.kubernetes.io/credential-id',
				),
				word,
			),
			fc.array(fc.oneof(hostile, word), {maxLength: 2}),
		),
	},
	{requiredKeys: ['username']},
);

const objectRef = fc.record(
	{
		resource: fc.oneof(word, hostile),
		namespace: fc.oneof(word, hostile),
		name: fc.oneof(word, hostile),
		apiGroup: fc.oneof(word, fc.constant('')),
		apiVersion: fc.constantFrom('v1', 'v2', 'v1beta1'),
		subresource: fc.constantFrom('status', 'scale', ''),
	},
	{requiredKeys: []},
);

const annotations = fc.dictionary(
	fc.oneof(
		fc.constantFrom(
			'authorization.k8s.io/decision',
			'authorization.k8s.io/reason',
			'apiserver.latency.k8s.io/total',
			'apiserver.latency.k8s.io/apf-queue-wait',
			'apiserver.latency.k8s.io/etcd',
		),
		word,
	),
	fc.oneof(hostile, fc.constantFrom('allow', 'forbid', '1.2s', '823.5ms', '3\u00b5s', '1m2.5s', '0', 'abc')),
);

/** Any JSON value, with deep nesting and numbers: what a requestObject can hold. */
const body = fc.jsonValue({maxDepth: 5});

const event = fc.record(
	{
		kind: fc.oneof(fc.constant('Event'), fc.constant('EventList'), hostile),
		apiVersion: fc.oneof(fc.constant('audit.k8s.io/v1'), fc.constant('audit.k8s.io/v1beta1'), hostile),
		level: fc.constantFrom('Metadata', 'Request', 'RequestResponse'),
		auditID: fc.oneof(fc.uuid(), hostile),
		stage: fc.constantFrom('ResponseComplete', 'ResponseStarted', 'RequestReceived', 'Panic', ''),
		requestURI: uri,
		verb: fc.oneof(fc.constantFrom('get', 'list', 'watch', 'update', 'patch', 'create', 'delete'), hostile),
		user: fc.oneof({weight: 6, arbitrary: user}, {weight: 1, arbitrary: body}),
		impersonatedUser: user,
		sourceIPs: fc.array(fc.oneof(fc.ipV4(), hostile, fc.integer()), {maxLength: 3}),
		userAgent: fc.oneof(fc.constantFrom('kubelet/v1.29.7 (linux/amd64) kubernetes/4e4f9f6', 'cilium-agent/v1.15.6'), hostile),
		objectRef: fc.oneof({weight: 6, arbitrary: objectRef}, {weight: 1, arbitrary: fc.constant(null)}),
		responseStatus: fc.oneof(
			fc.record({
				metadata: fc.constant({}),
				code: fc.oneof(fc.constantFrom(200, 201, 403, 404, 409, 429, 500, 503), fc.integer(), fc.double({noNaN: true, noDefaultInfinity: true}), hostile),
			}),
			fc.record({metadata: fc.constant({}), status: fc.constant('Failure'), message: hostile, reason: word, details: body, code: fc.constantFrom(403, 429)}),
		),
		requestObject: body,
		responseObject: body,
		requestReceivedTimestamp: timestamp,
		stageTimestamp: timestamp,
		timestamp,
		annotations,
		extraKey: body,
	},
	{requiredKeys: ['auditID', 'requestURI', 'verb']},
);

/** Events with every field kube-apiserver writes, so the layout fast path is taken (values still hostile). */
const goEvent = fc.record(
	{
		kind: fc.constant('Event'),
		apiVersion: fc.constant('audit.k8s.io/v1'),
		level: fc.constant('Metadata'),
		auditID: fc.oneof(fc.uuid(), hostile),
		stage: fc.constantFrom('ResponseComplete', 'ResponseStarted', 'Panic'),
		requestURI: uri,
		verb: fc.oneof(fc.constantFrom('get', 'list', 'watch', 'update'), hostile),
		user: fc.oneof({weight: 8, arbitrary: user}, {weight: 1, arbitrary: body}),
		impersonatedUser: user,
		sourceIPs: fc.array(fc.oneof(fc.ipV4(), hostile), {maxLength: 2}),
		userAgent: fc.oneof(fc.constantFrom('kubelet/v1.29.7 (linux/amd64) kubernetes/4e4f9f6', 'cilium-agent/v1.15.6'), hostile),
		objectRef,
		responseStatus: fc.oneof(
			fc.record({metadata: fc.constant({}), code: fc.oneof(fc.constantFrom(200, 201, 429, 500), fc.integer({min: 0, max: 99999999}))}),
			fc.record({metadata: fc.constant({}), status: fc.constant('Failure'), message: hostile, reason: word, details: body, code: fc.constantFrom(403, 429)}),
		),
		requestObject: body,
		responseObject: body,
		requestReceivedTimestamp: timestamp,
		stageTimestamp: timestamp,
		annotations,
	},
	{requiredKeys: ['kind', 'apiVersion', 'level', 'auditID', 'stage', 'requestURI', 'verb', 'user', 'requestReceivedTimestamp', 'stageTimestamp']},
);

/** Serialises like Go: Event field order, HTML-safe escapes, no whitespace (the fast path). */
function goOrder(e: Record<string, unknown>): string {
	const order = [
		'kind',
		'apiVersion',
		'level',
		'auditID',
		'stage',
		'requestURI',
		'verb',
		'user',
		'impersonatedUser',
		'sourceIPs',
		'userAgent',
		'objectRef',
		'responseStatus',
		'requestObject',
		'responseObject',
		'requestReceivedTimestamp',
		'stageTimestamp',
		'annotations',
	];
	const parts: string[] = [];
	for (const key of order) if (key in e) parts.push(`${goJsonString(key)}:${goValue(e[key])}`);
	return `{${parts.join(',')}}`;
}

function goValue(v: unknown): string {
	if (typeof v === 'string') return goJsonString(v);
	if (Array.isArray(v)) return `[${v.map(goValue).join(',')}]`;
	if (v !== null && typeof v === 'object')
		return `{${Object.entries(v)
			.map(([k, x]) => `${goJsonString(k)}:${goValue(x)}`)
			.join(',')}}`;
	return JSON.stringify(v) ?? 'null';
}

/** Serialises with a key order, optional escaping of every character, whitespace and duplicate keys. */
function variant(e: Record<string, unknown>, seed: {order: number[]; escapeAll: boolean; spaces: string[]; duplicate: boolean}): string {
	const keys = Object.keys(e);
	const order = keys
		.map((k, i) => ({k, w: seed.order[i % seed.order.length]! + i / 1000}))
		.sort((a, b) => a.w - b.w)
		.map((x) => x.k);
	let space = 0;
	const ws = (): string => seed.spaces[space++ % seed.spaces.length]!;
	const str = (s: string): string =>
		seed.escapeAll ? `"${[...s].map((ch) => [...ch].map((u) => `\\u${u.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')).join('')}"` : JSON.stringify(s);
	const val = (v: unknown): string => {
		if (typeof v === 'string') return str(v);
		if (Array.isArray(v)) return `[${ws()}${v.map(val).join(`${ws()},${ws()}`)}${ws()}]`;
		if (v !== null && typeof v === 'object')
			return `{${ws()}${Object.entries(v)
				.map(([k, x]) => `${str(k)}${ws()}:${ws()}${val(x)}`)
				.join(`,${ws()}`)}${ws()}}`;
		return JSON.stringify(v) ?? 'null';
	};
	const members = order.map((k) => `${str(k)}${ws()}:${ws()}${val(e[k])}`);
	if (seed.duplicate && order.length > 0) members.push(`${str(order[0]!)}:${val('dup')}`);
	return `${ws()}{${ws()}${members.join(`${ws()},${ws()}`)}${ws()}}${ws()}`;
}

const layout = fc.record({
	order: fc.array(fc.integer({min: 0, max: 100}), {minLength: 1, maxLength: 20}),
	escapeAll: fc.boolean(),
	spaces: fc.array(fc.constantFrom('', '', '', ' ', '\t', '  ', '\r'), {minLength: 1, maxLength: 5}),
	duplicate: fc.boolean(),
});

/** Throws (so fast-check shrinks to a minimal counterexample) when the product differs from JSON.parse. */
function assertSame(lines: string[]): void {
	const {outcomes} = product(lines);
	// The product reads bytes: a lone surrogate (half of a deleted pair) arrives as U+FFFD.
	const expected = lines
		.map((l) => Buffer.from(l, 'utf8').toString('utf8'))
		.filter((l) => l.trim() !== '')
		.map(reference);
	deepStrictEqual(outcomes, expected);
}

test('Go-layout events: the fast path gives what JSON.parse gives', (t) => {
	fc.assert(
		fc.property(fc.array(event, {minLength: 1, maxLength: 6}), (events) => {
			const lines = events.map((e) => goOrder(e as Record<string, unknown>));
			assertSame(lines);
		}),
		{numRuns: 300},
	);
	t.pass();
});

test('any key order, whitespace, escaped characters and keys, duplicate keys: same as JSON.parse', (t) => {
	fc.assert(
		fc.property(fc.array(fc.tuple(event, layout), {minLength: 1, maxLength: 4}), (items) => {
			const lines = items.map(([e, l]) => variant(e as Record<string, unknown>, l)).filter((l) => !l.includes('\n'));
			assertSame(lines);
		}),
		{numRuns: 300},
	);
	t.pass();
});

test('repeated users, objectRefs and annotations (the text caches) stay exact', (t) => {
	const pool = fc.array(fc.tuple(user, objectRef, annotations), {minLength: 1, maxLength: 3});
	fc.assert(
		fc.property(pool, fc.array(fc.tuple(event, fc.nat()), {minLength: 2, maxLength: 12}), (shared, events) => {
			const lines = events.map(([e, pick]) => {
				const [u, ref, ann] = shared[pick % shared.length]!;
				return goOrder({
					...e,
					kind: 'Event',
					apiVersion: 'audit.k8s.io/v1',
					level: 'Metadata',
					user: u,
					objectRef: ref,
					annotations: ann,
					requestReceivedTimestamp: '2026-03-10T14:00:28.208210Z',
					stageTimestamp: '2026-03-10T14:00:29.208210Z',
				});
			});
			assertSame(lines);
		}),
		{numRuns: 200},
	);
	t.pass();
});

const corruption = fc.oneof(
	fc.record({op: fc.constant('truncate' as const), at: fc.nat()}),
	fc.record({op: fc.constant('delete' as const), at: fc.nat()}),
	fc.record({
		op: fc.constant('insert' as const),
		at: fc.nat(),
		ch: fc.constantFrom('"', '\\', '{', '}', '[', ']', ',', ':', '\u0001', '\t', 'x', '0', '\u00e9', ' '),
	}),
	fc.record({op: fc.constant('replace' as const), at: fc.nat(), ch: fc.constantFrom('"', '\\', '{', '}', ',', ':', '\u001f', 'Z', '9')}),
	fc.record({op: fc.constant('join' as const), at: fc.nat()}),
);

function corrupt(line: string, other: string, c: {op: string; at: number; ch?: string}): string {
	const at = c.at % (line.length + 1);
	switch (c.op) {
		case 'truncate':
			return line.slice(0, at);
		case 'delete':
			return line.slice(0, at) + line.slice(at + 1);
		case 'insert':
			return line.slice(0, at) + c.ch! + line.slice(at);
		case 'replace':
			return line.slice(0, at) + c.ch! + line.slice(at + 1);
		default:
			return line.slice(0, at) + other; // a line cut off and the next written after it
	}
}

test('corrupted and truncated lines are skipped or read exactly as JSON.parse reads them', (t) => {
	fc.assert(
		fc.property(fc.oneof(goEvent, event), goEvent, fc.array(corruption, {minLength: 1, maxLength: 3}), fc.boolean(), (a, b, cuts, go) => {
			const lineA = go ? goOrder(a as Record<string, unknown>) : JSON.stringify(a);
			const lineB = goOrder(b as Record<string, unknown>);
			let broken = lineA;
			for (const c of cuts) broken = corrupt(broken, lineB, c);
			const lines = [lineB, broken.replace(/\n/g, ' '), lineB];
			assertSame(lines);
		}),
		{numRuns: 500},
	);
	t.pass();
});

test('realistic Go lines go through the layout fast path, others through the general scanner', (t) => {
	const go =
		'{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"a1","stage":"ResponseComplete","requestURI":"/api/v1/pods?limit=500\\u0026resourceVersion=0","verb":"list","user":{"username":"u","groups":["g"]},"sourceIPs":["10.0.0.1"],"userAgent":"x/1","objectRef":{"resource":"pods","apiVersion":"v1"},"responseStatus":{"metadata":{},"code":200},"requestReceivedTimestamp":"2026-03-10T14:00:00.000000Z","stageTimestamp":"2026-03-10T14:00:00.100000Z","annotations":{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":""}}';
	const shuffled =
		'{"verb":"list","kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"a2","stage":"ResponseComplete","requestURI":"/api/v1/pods","user":{"username":"u"}}';
	const {outcomes, decoder} = product([go, go.replace('"a1"', '"a3"'), shuffled]);
	t.is(outcomes.length, 3);
	t.deepEqual(decoder.stats(), {goLayout: 2, anyLayout: 1, jsonParse: 0});
	const first = outcomes[0]!;
	t.is(first.kind, 'record');
	if (first.kind === 'record') {
		t.is(first.record.requestURI, '/api/v1/pods?limit=500&resourceVersion=0');
		t.is(first.record.limit, 500);
		t.is(first.record.resourceVersion, '0');
		t.is(first.record.latencyMs, 100);
	}
});

test('an embedded event text (cloud wrappers) is scanned exactly too', (t) => {
	fc.assert(
		fc.property(fc.oneof(goEvent, event), fc.constantFrom('', '\n', ' \r\n', '\t'), (e, tail) => {
			const text = goOrder(e as Record<string, unknown>) + tail;
			const got = scanEventText(new ScanCursor(), text, 'aks-storage');
			if (got === null) return;
			const ref = recordFromEvent(JSON.parse(text), 'aks-storage');
			deepStrictEqual({...got}, ref);
		}),
		{numRuns: 300},
	);
	t.pass();
});
