/**
 * Per-client aggregation on the native synthetic fixture (a 10-minute, 6-node cluster):
 * the numbers SOURCES.md documents, watches counted once, windows, series, labels, and
 * merging parts of a log giving what one pass gives.
 */
import {readFileSync} from 'node:fs';
import test from 'ava';
import {AuditAggregator} from '../../source/audit/aggregate.js';
import {LatencyHistogram, normalCallerLabel, userAgentProduct} from '../../source/audit/client.js';
import {snapshotOf, type AuditSnapshot, type ClientStats} from '../../source/audit/snapshot.js';
import {LineDecoder} from '../../source/audit/formats.js';
import type {AuditRecord} from '../../source/audit/audit-record.js';
import {emptyRecord} from '../../source/audit/record.js';
import {fixtureDir} from '../helpers/fixtures.js';

const fixture = readFileSync(`${fixtureDir('audit')}synthetic-native-heavy-watchers.jsonl`, 'utf8');

function analyse(text: string, agg = new AuditAggregator()): AuditAggregator {
	const decoder = new LineDecoder(agg);
	decoder.chunk(text);
	decoder.finish();
	return agg;
}

/** Numbers to 10 significant digits (floating-point sums depend on their order). */
function rounded(value: unknown): unknown {
	return JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? Number(v.toPrecision(10)) : v)));
}

function client(snap: AuditSnapshot, product: string): ClientStats {
	const found = snap.clients.find((c) => c.product === product);
	if (found === undefined) throw new Error(`no client ${product}`);
	return found;
}

test('every request counted once: 1276 events, 1241 requests (35 watches seen open and closed)', (t) => {
	const snap = snapshotOf(analyse(fixture));
	t.is(snap.events, 1276);
	t.is(snap.requests, 1241);
	t.is(snap.skipped, 0);
	t.deepEqual(snap.formats, {native: 1276});
	t.deepEqual(snap.unavailable, []);
	t.is(
		snap.clients.reduce((a, c) => a + c.windows.all.requests, 0),
		1241,
	);
});

test('acme-inventory: 240 unpaged cluster-wide LISTs without resourceVersion, slow, 71 × 429, 2 replicas', (t) => {
	const snap = snapshotOf(analyse(fixture));
	const acme = client(snap, 'acme-inventory');
	const all = acme.windows.all;
	t.is(acme.user, 'system:serviceaccount:acme:inventory-sync');
	t.is(all.lists, 240);
	t.is(all.listClusterWide, 240);
	t.is(all.listNoLimit, 240);
	t.is(all.listRvUnset, 240);
	t.is(all.listFullRead, 240);
	t.is(all.listRv0WithLimit, 0);
	t.is(all.throttled, 71);
	t.is(acme.label, '');
	t.is(acme.fanOut, 2);
	t.is(acme.fanOutBy, 'nodes');
	t.is(acme.sourceIPs, 2);
	// The successful LISTs take 1.2–5.5 s; the 429s a few ms: p99 above a second.
	t.true(all.listLatency.p99Ms > 1000);
	t.true(all.apfQueueWaitAvgMs > 0);
	t.is(acme.worstUris[0]?.verb, 'list');
	t.true(snap.worstUris[0]!.client === acme.key);
	// 429s only after minute 6 of the 10: none in the first minutes' series.
	t.true(all.throttledPerMin > 0);
});

test('cilium: watches from 6 nodes, re-LISTs with resourceVersion=0 and a limit', (t) => {
	const snap = snapshotOf(analyse(fixture));
	const cilium = client(snap, 'cilium-agent');
	t.is(cilium.fanOut, 6);
	t.is(cilium.nodes, 6);
	t.is(cilium.fanOutBy, 'nodes');
	t.true(cilium.windows.all.watchesOpened > 100);
	t.true(cilium.watchesOpen > 0);
	t.is(cilium.windows.all.listRv0WithLimit, cilium.windows.all.lists);
	t.true(cilium.watchLifetime.count > 0);
	t.true(cilium.windows.all.watchScope.cluster > 0);
});

test('kubelets are one client with their nodes as fan-out, labelled; control plane and probes labelled, not hidden', (t) => {
	const snap = snapshotOf(analyse(fixture));
	const kubelet = client(snap, 'kubelet');
	t.is(kubelet.user, 'system:nodes');
	t.is(kubelet.label, 'kubelet');
	t.is(kubelet.fanOut, 6);
	t.true(kubelet.windows.all.watchScope.cluster > 0 || kubelet.windows.all.watchScope.object > 0);
	const cm = snap.clients.find((c) => c.user === 'system:kube-controller-manager');
	t.is(cm?.label, 'control plane');
	t.is(normalCallerLabel('kube-probe', 'kube-probe/1.29', 'readinessChecker'), 'health probe');
	t.is(normalCallerLabel('Envoy', 'Envoy/HC', 'x'), 'health check');
	t.is(normalCallerLabel('acme-inventory', 'acme-inventory/0.3.1', 'system:serviceaccount:acme:x'), '');
	t.is(userAgentProduct('cilium-agent/v1.15.6 (linux/amd64) kubernetes/$Format'), 'cilium-agent');
	t.is(userAgentProduct('Fluent-Bit'), 'Fluent-Bit');
	t.is(userAgentProduct(''), '(no user agent)');
});

test('windows: the last 1/5/15 minutes end at the newest event; per-minute series per verb', (t) => {
	const snap = snapshotOf(analyse(fixture), {seriesMinutes: 12});
	const acme = client(snap, 'acme-inventory');
	t.true(acme.windows['1m'].requests <= acme.windows['5m'].requests);
	t.true(acme.windows['5m'].requests <= acme.windows['15m'].requests);
	// The log spans 10 minutes: the 15-minute window holds everything.
	t.is(acme.windows['15m'].requests, acme.windows.all.requests);
	t.is(acme.series.list?.length, 12);
	t.is(
		acme.series.list?.reduce((a, b) => a + b, 0),
		240,
	);
	t.is(Object.keys(snap.series).sort().join(','), 'get,list,update,watch');
	// Throttling starts after minute 6: the last 5 minutes hold more 429s per minute than the whole log.
	t.true(acme.windows['5m'].throttledPerMin > acme.windows.all.throttledPerMin);
});

test('a watch is counted once: started + completed, completed only (opened before the log), still open', (t) => {
	const agg = new AuditAggregator();
	const base = (id: string, stage: string, received: number, stageMs: number): AuditRecord => ({
		...emptyRecord('native'),
		auditID: id,
		stage,
		verb: 'watch',
		watch: true,
		requestURI: '/api/v1/pods?watch=true',
		path: '/api/v1/pods',
		user: 'system:serviceaccount:x:y',
		userAgent: 'w/1',
		code: 200,
		receivedMs: received,
		stageMs,
		timeoutSeconds: 600,
	});
	const t0 = Date.UTC(2026, 0, 1);
	agg.record(base('a', 'ResponseStarted', t0, t0 + 2));
	agg.record(base('b', 'ResponseComplete', t0 - 300_000, t0 + 10_000));
	agg.record(base('a', 'ResponseComplete', t0, t0 + 120_000));
	agg.record(base('c', 'ResponseStarted', t0 + 130_000, t0 + 130_001));
	agg.record(base('c', 'ResponseStarted', t0 + 130_000, t0 + 130_001));
	const snap = snapshotOf(agg);
	const w = snap.clients[0]!;
	t.is(snap.requests, 3);
	t.is(w.windows.all.watchesOpened, 3);
	t.is(w.watchesOpen, 1);
	t.is(w.watchLifetime.count, 2);
	// The open watch expires once its timeoutSeconds (600 s) plus a minute have passed.
	const later = snapshotOf(agg, {nowMs: t0 + 130_000 + 661_000});
	t.is(later.clients[0]!.watchesOpen, 0);
});

test('latency histograms: quantiles within one bucket (9 %)', (t) => {
	const h = new Uint32Array(LatencyHistogram.buckets);
	for (let ms = 1; ms <= 1000; ms++) h[LatencyHistogram.index(ms)]!++;
	const p50 = LatencyHistogram.quantile([h], 0.5);
	const p99 = LatencyHistogram.quantile([h], 0.99);
	t.true(Math.abs(p50 - 500) / 500 < 0.1, String(p50));
	t.true(Math.abs(p99 - 990) / 990 < 0.1, String(p99));
	t.true(Number.isNaN(LatencyHistogram.quantile([new Uint32Array(LatencyHistogram.buckets)], 0.5)));
});

test('--since drops older events; memory stays bounded by clients, not events', (t) => {
	const since = Date.parse('2026-03-10T14:05:00Z');
	const snap = snapshotOf(analyse(fixture, new AuditAggregator({sinceMs: since})));
	t.true(snap.outsideWindow > 0);
	t.is(snap.events, 1276);
	t.true(snap.firstMs >= since);
	const acme = client(snap, 'acme-inventory');
	t.true(acme.windows.all.lists < 240);
});

test('merging consecutive parts (as the worker threads do) gives what one pass gives', (t) => {
	const lines = fixture.trim().split('\n');
	const whole = snapshotOf(analyse(fixture));
	for (const cut of [1, 200, 637, 1100]) {
		const first = analyse(lines.slice(0, cut).join('\n'));
		const second = analyse(lines.slice(cut).join('\n'), new AuditAggregator({partial: true}));
		const merged = new AuditAggregator();
		merged.merge(first.exportState());
		merged.merge(structuredClone(second.exportState()));
		// Sums of latencies added in another order differ in the last bits only.
		t.deepEqual(rounded(snapshotOf(merged)), rounded(whole), `cut at ${cut}`);
	}
});

test('events without timestamps count in the totals, not in the minute windows', (t) => {
	const agg = new AuditAggregator();
	const r: AuditRecord = {
		...emptyRecord('native'),
		auditID: 'x',
		stage: 'ResponseComplete',
		verb: 'list',
		requestURI: '/api/v1/pods',
		path: '/api/v1/pods',
		user: 'u',
		userAgent: 'a/1',
		code: 200,
		latencyMs: 12,
	};
	agg.record(r);
	agg.record({...r, auditID: 'y', verb: 'watch', stage: 'ResponseComplete'});
	const snap = snapshotOf(agg, {nowMs: Date.UTC(2026, 0, 1)});
	const c = snap.clients[0]!;
	t.is(c.windows.all.requests, 2);
	t.is(c.windows.all.lists, 1);
	t.is(c.windows['15m'].requests, 0);
	t.is(c.windows.all.latencyByVerb.list?.count, 1);
	t.deepEqual(snap.series, {});
});
