/**
 * The simulator's audit writer reproduces kube-apiserver's bytes: checked against real
 * AKS captures (every Metadata-level event rewritten byte for byte), Go's escaping,
 * MicroTime and Duration formats, and a round trip through the product's scanner.
 */
import {readFileSync} from 'node:fs';
import test from 'ava';
import fc from 'fast-check';
import {LineDecoder} from '../../source/audit/formats.js';
import type {AuditRecord} from '../../source/audit/audit-record.js';
import {goDuration, goJsonString, microTime, writeAuditEvent, type SimAuditEvent} from '../../source/sim/audit-writer.js';
import {fixtureDir} from '../helpers/fixtures.js';
import type {Obj} from '../../source/formats/json-object.js';

const dir = fixtureDir('audit');

/** A parsed native event as the writer's input. */
function toSim(e: Obj): SimAuditEvent {
	return {
		level: e.level,
		auditID: e.auditID,
		stage: e.stage,
		requestURI: e.requestURI,
		verb: e.verb,
		user: e.user,
		impersonatedUser: e.impersonatedUser,
		sourceIPs: e.sourceIPs,
		userAgent: e.userAgent,
		objectRef: e.objectRef,
		responseStatus:
			e.responseStatus === undefined
				? undefined
				: {
						code: e.responseStatus.code ?? 0,
						status: e.responseStatus.status,
						message: e.responseStatus.message,
						reason: e.responseStatus.reason,
						details: e.responseStatus.details,
					},
		requestReceivedMs: Date.parse(e.requestReceivedTimestamp) + Number(`0.${e.requestReceivedTimestamp.slice(23, 26)}`),
		stageMs: Date.parse(e.stageTimestamp) + Number(`0.${e.stageTimestamp.slice(23, 26)}`),
		annotations: e.annotations,
	};
}

test('real AKS captures (1.29 and 1.15) are rewritten byte for byte', (t) => {
	const logs: string[] = [];
	for (const line of readFileSync(`${dir}aks-storage-PT1H-datadog.json`, 'utf8').split('\n').filter(Boolean)) logs.push(JSON.parse(line).properties.log);
	for (const r of JSON.parse(readFileSync(`${dir}aks-eventhub-batch-sysdig.json`, 'utf8')).records) logs.push(r.properties.log);
	let checked = 0;
	for (const raw of logs) {
		const original = raw.replace(/\n$/, '');
		const e = JSON.parse(original);
		if ('requestObject' in e || 'responseObject' in e) continue;
		t.is(writeAuditEvent(toSim(e)), original);
		checked++;
	}
	t.true(checked >= 35, String(checked));
});

test('Go escaping: HTML characters, line separators, control characters, invalid UTF-16', (t) => {
	const escaped: Array<[string, string]> = [
		['a&b<c>d', '"a\\u0026b\\u003cc\\u003ed"'],
		['q"\\', '"q\\"\\\\"'],
		['\n\r\t\b\f\u0001\u001f', '"\\n\\r\\t\\b\\f\\u0001\\u001f"'],
		['\u2028\u2029', '"\\u2028\\u2029"'],
		['\ud83d\ude00 é /', '"\ud83d\ude00 é /"'],
		['\ud800x', '"\\ufffdx"'],
	];
	for (const [text, json] of escaped) t.is(goJsonString(text), json, JSON.stringify(text));
	fc.assert(fc.property(fc.string({unit: 'binary'}), (s) => JSON.parse(goJsonString(s)) === s));
});

test('MicroTime and Go durations', (t) => {
	t.is(microTime(Date.UTC(2026, 2, 10, 14, 0, 28, 208) + 0.21), '2026-03-10T14:00:28.208210Z');
	t.is(microTime(Date.UTC(2026, 2, 10, 14, 0, 0)), '2026-03-10T14:00:00.000000Z');
	t.is(microTime(Date.UTC(2026, 2, 10, 14, 0, 0) + 999.9996), '2026-03-10T14:00:01.000000Z');
	const durations: Array<[number, string]> = [
		[824.728242, '824.728242ms'],
		[1500, '1.5s'],
		[90_000, '1m30s'],
		[120_000, '2m0s'],
		[3_600_000, '1h0m0s'],
		[0.0015, '1.5\u00b5s'],
		[0.000001, '1ns'],
		[0, '0s'],
		[414_000, '6m54s'],
	];
	for (const [ms, text] of durations) t.is(goDuration(ms), text, String(ms));
});

test('written events read back through the product exactly (fast path)', (t) => {
	const event = fc.record({
		auditID: fc.uuid(),
		stage: fc.constantFrom('ResponseStarted', 'ResponseComplete'),
		requestURI: fc.string({unit: 'binary', maxLength: 40}).map((s) => `/api/v1/pods?labelSelector=${s}`),
		verb: fc.constantFrom('get', 'list', 'watch'),
		user: fc.record({
			username: fc.string({unit: 'binary', maxLength: 20}),
			groups: fc.array(fc.string({maxLength: 8}), {maxLength: 3}),
			extra: fc.constant({'authentication.kubernetes.io/node-name': ['n1']}),
		}),
		sourceIPs: fc.array(fc.ipV4(), {minLength: 1, maxLength: 2}),
		userAgent: fc.string({unit: 'binary', maxLength: 30}),
		objectRef: fc.record({resource: fc.constantFrom('pods', 'secrets'), namespace: fc.constantFrom('a', ''), apiVersion: fc.constant('v1')}),
		responseStatus: fc.record({code: fc.constantFrom(200, 429, 500)}),
		requestReceivedMs: fc.integer({min: 1.7e12, max: 1.8e12}),
		stageMs: fc.integer({min: 1.7e12, max: 1.8e12}),
		annotations: fc.dictionary(fc.stringMatching(/^[a-z./-]{1,20}$/), fc.string({unit: 'binary', maxLength: 10})),
	});
	fc.assert(
		fc.property(fc.array(event, {minLength: 1, maxLength: 5}), (events) => {
			const records: AuditRecord[] = [];
			const decoder = new LineDecoder({
				record: (r) => records.push(r),
				skip: () => {
					throw new Error('skipped');
				},
			});
			decoder.chunk(events.map((e) => writeAuditEvent(e as unknown as SimAuditEvent)).join('\n'));
			if (records.length !== events.length || decoder.stats().goLayout !== events.length) throw new Error('not read by the fast path');
			records.forEach((r, i) => {
				const e = events[i]!;
				if (
					r.auditID !== e.auditID ||
					r.requestURI !== e.requestURI ||
					r.user !== e.user.username ||
					r.userAgent !== e.userAgent ||
					r.code !== e.responseStatus.code ||
					r.receivedMs !== e.requestReceivedMs ||
					r.stageMs !== e.stageMs ||
					r.nodeName !== 'n1' ||
					r.sourceIP !== e.sourceIPs[e.sourceIPs.length - 1]
				) {
					throw new Error(`mismatch at ${i}`);
				}
			});
		}),
		{numRuns: 200},
	);
	t.pass();
});
