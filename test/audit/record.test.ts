/**
 * Building a record from an event's fields: query parameters as Go reads them, resource
 * paths as the API server's RequestInfo reads them, RFC 3339 timestamps and Go durations.
 */
import test from 'ava';
import fc from 'fast-check';
import {applyQuery, applyResourcePath, parseGoDurationMs, parseTimestampMs} from '../../source/audit/fields.js';
import type {AuditRecord} from '../../source/audit/audit-record.js';
import {emptyRecord} from '../../source/audit/record.js';

function query(uri: string): AuditRecord {
	const r = emptyRecord('native');
	applyQuery(r, uri);
	return r;
}

test('query fields: watch, limit, continue, resourceVersion, selectors, WatchList, timeouts', (t) => {
	const r = query(
		'/api/v1/pods?allowWatchBookmarks=true&fieldSelector=spec.nodeName%3Dn1&labelSelector=a+b%3Dc&limit=500&resourceVersion=0&resourceVersionMatch=NotOlderThan&sendInitialEvents=1&timeout=7m&timeoutSeconds=456&watch=true',
	);
	t.is(r.path, '/api/v1/pods');
	t.true(r.watch);
	t.true(r.allowWatchBookmarks);
	t.true(r.sendInitialEvents);
	t.is(r.limit, 500);
	t.is(r.resourceVersion, '0');
	t.is(r.resourceVersionMatch, 'NotOlderThan');
	t.is(r.fieldSelector, 'spec.nodeName=n1');
	t.is(r.labelSelector, 'a b=c');
	t.is(r.timeoutSeconds, 456);
	t.false(r.hasContinue);
	const bare = query('/api/v1/pods');
	t.is(bare.path, '/api/v1/pods');
	t.is(bare.resourceVersion, undefined);
	t.true(Number.isNaN(bare.limit));
	// limit=0 means no limit; a malformed escape drops the pair (Go's ParseQuery); the first value wins.
	const odd = query('/api/v1/pods?limit=0&continue=&resourceVersion=%zz&watch=false&watch=true&resourceVersion=7&%6Cimit=9');
	t.true(Number.isNaN(odd.limit));
	t.false(odd.hasContinue);
	t.is(odd.resourceVersion, '7');
	t.false(odd.watch);
	t.true(query('/x?continue=eyJ2IjoibWV0YS5rOHMuaW8vdjEifQ%3D%3D').hasContinue);
	t.is(query('/x?%6Cimit=9').limit, 9);
});

test('query fields equal what URLSearchParams reads, for any well-formed query', (t) => {
	const keys = [
		'watch',
		'limit',
		'continue',
		'resourceVersion',
		'resourceVersionMatch',
		'labelSelector',
		'fieldSelector',
		'sendInitialEvents',
		'allowWatchBookmarks',
		'timeoutSeconds',
		'timeout',
		'x',
	];
	fc.assert(
		fc.property(fc.array(fc.tuple(fc.constantFrom(...keys), fc.string({unit: 'binary', maxLength: 8})), {maxLength: 8}), (pairs) => {
			const uri = `/api/v1/pods?${pairs.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')}`;
			const r = query(uri);
			const params = new URLSearchParams(uri.slice(uri.indexOf('?') + 1));
			const get = (k: string): string | undefined => params.get(k) ?? undefined;
			const bool = (v: string | undefined): boolean => v !== undefined && ['1', 't', 'T', 'true', 'TRUE', 'True'].includes(v);
			const int = (v: string | undefined): number => (v !== undefined && /^[0-9]+$/.test(v) ? Number(v) : Number.NaN);
			if (
				r.resourceVersion !== get('resourceVersion') ||
				r.labelSelector !== get('labelSelector') ||
				r.fieldSelector !== get('fieldSelector') ||
				r.resourceVersionMatch !== get('resourceVersionMatch')
			)
				throw new Error(uri);
			if (
				r.watch !== bool(get('watch')) ||
				r.sendInitialEvents !== bool(get('sendInitialEvents')) ||
				r.allowWatchBookmarks !== bool(get('allowWatchBookmarks'))
			)
				throw new Error(uri);
			if (r.hasContinue !== ((get('continue') ?? '') !== '')) throw new Error(uri);
			const limit = int(get('limit'));
			if (!Object.is(r.limit, limit > 0 ? limit : Number.NaN) || !Object.is(r.timeoutSeconds, int(get('timeoutSeconds')))) throw new Error(uri);
		}),
		{numRuns: 500},
	);
	t.pass();
});

test('resource paths as the API server reads them', (t) => {
	const path = (p: string): Partial<AuditRecord> => {
		const r = emptyRecord('native');
		applyResourcePath(r, p);
		return {apiGroup: r.apiGroup, apiVersion: r.apiVersion, namespace: r.namespace, resource: r.resource, name: r.name, subresource: r.subresource};
	};
	for (const [uri, apiGroup, apiVersion, namespace, resource, name, subresource] of [
		['/api/v1/namespaces/shop/pods/web/status', '', 'v1', 'shop', 'pods', 'web', 'status'],
		['/apis/apps/v1/deployments', 'apps', 'v1', '', 'deployments', '', ''],
		['/api/v1/watch/namespaces/x/pods', '', 'v1', 'x', 'pods', '', ''],
		['/api/v1/namespaces/kube-system', '', 'v1', '', 'namespaces', 'kube-system', ''],
		['/api/v1/namespaces/ns/finalize', '', 'v1', '', 'namespaces', 'ns', 'finalize'],
		['/readyz', '', '', '', '', '', ''],
		['/apis/metrics.k8s.io/v1beta1', 'metrics.k8s.io', 'v1beta1', '', '', '', ''],
	] as const)
		t.deepEqual(path(uri), {apiGroup, apiVersion, namespace, resource, name, subresource}, uri);
});

test('timestamps: RFC 3339 with any fraction and zone, as Date.parse reads them (to the ms)', (t) => {
	const at = (s: string): number => parseTimestampMs(s, 0, s.length);
	t.is(at('2026-03-10T14:00:28.208210Z'), Date.UTC(2026, 2, 10, 14, 0, 28, 208) + 0.21);
	t.is(at('2026-03-10 14:00:28.210'), Date.UTC(2026, 2, 10, 14, 0, 28, 210));
	t.is(at('2026-03-10T15:00:28+01:00'), Date.UTC(2026, 2, 10, 14, 0, 28));
	t.is(at('2026-03-10T14:00:28.123456789Z'), Date.UTC(2026, 2, 10, 14, 0, 28, 123) + 0.456789);
	for (const bad of ['', 'not a time', '2026-13-10T14:00:28Z', '2026-03-10T14:00:28.Z', '2026-03-10T14:00:28Zx', '2026-03-10T14:00'])
		t.true(Number.isNaN(at(bad)), bad);
	fc.assert(
		fc.property(
			fc.date({min: new Date('1990-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true}),
			(d) => at(d.toISOString()) === d.getTime(),
		),
	);
});

test('Go durations (latency annotations) in ms', (t) => {
	t.is(parseGoDurationMs('0.824728242s'), 824.728242);
	t.is(parseGoDurationMs('492.906ms'), 492.906);
	t.is(parseGoDurationMs('1m2.5s'), 62_500);
	t.is(parseGoDurationMs('1h0m0s'), 3_600_000);
	t.is(parseGoDurationMs('3\u00b5s'), 0.003);
	t.is(parseGoDurationMs('3us'), 0.003);
	t.is(parseGoDurationMs('500ns'), 0.0005);
	t.is(parseGoDurationMs('0'), 0);
	for (const bad of ['', 's', '1x', '1.5', 'abc', '-']) t.true(Number.isNaN(parseGoDurationMs(bad)), bad);
});
