/**
 * The audit traffic generator: deterministic per seed, in time order, watches paired by
 * auditID, a backfill plus a live continuation equal to one run, and every described
 * client behaving as described (and as the product then reports it).
 */
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import test from 'ava';
import {AuditAggregator} from '../../source/audit/aggregate.js';
import {snapshotOf} from '../../source/audit/snapshot.js';
import {LineDecoder} from '../../source/audit/formats.js';
import type {SimAuditEvent} from '../../source/sim/audit-writer.js';
import {AuditTraffic, defaultTrafficSpec, writeAuditLogFile} from '../../source/sim/audit-traffic.js';

const start = Date.UTC(2026, 2, 10, 14, 0, 0);
const minutes = 12;
const nodes = 5;
const events: SimAuditEvent[] = [...new AuditTraffic(defaultTrafficSpec(42, start, nodes)).until(start + minutes * 60_000)];

test('deterministic for a seed, different for another', (t) => {
	const again = new AuditTraffic(defaultTrafficSpec(42, start, nodes)).lines(start + minutes * 60_000);
	t.deepEqual(again, new AuditTraffic(defaultTrafficSpec(42, start, nodes)).lines(start + minutes * 60_000));
	t.notDeepEqual(again.slice(0, 20), new AuditTraffic(defaultTrafficSpec(43, start, nodes)).lines(start + minutes * 60_000).slice(0, 20));
});

test('events come in stage-time order inside the window', (t) => {
	t.true(events.length > 1000);
	for (let i = 1; i < events.length; i++) t.true(events[i]!.stageMs >= events[i - 1]!.stageMs);
	t.true(events.every((e) => e.stageMs >= start && e.stageMs <= start + minutes * 60_000));
});

test('a watch logs ResponseStarted then one ResponseComplete with the same auditID; older watches only end', (t) => {
	const started = new Map<string, SimAuditEvent>();
	let closedBoth = 0;
	let endedOnly = 0;
	for (const e of events) {
		if (e.verb !== 'watch') {
			t.is(e.stage, 'ResponseComplete');
			continue;
		}
		if (e.stage === 'ResponseStarted') {
			t.false(started.has(e.auditID));
			started.set(e.auditID, e);
			continue;
		}
		const s = started.get(e.auditID);
		if (s === undefined) {
			t.true(e.requestReceivedMs < start, 'a watch ending without a start opened before the window');
			endedOnly++;
		} else {
			t.true(e.stageMs > s.stageMs);
			started.delete(e.auditID);
			closedBoth++;
		}
	}
	t.true(closedBoth > 20);
	t.true(endedOnly > 5);
	t.true(started.size > 5, 'some watches are still open at the end');
});

test('a backfilled history plus a live continuation equals one run', (t) => {
	const live = new AuditTraffic(defaultTrafficSpec(42, start, nodes));
	const history = live.lines(start + 5 * 60_000);
	const more = live.lines(start + 9 * 60_000);
	const rest = live.lines(start + minutes * 60_000);
	t.true(live.peekMs() > start + minutes * 60_000);
	t.deepEqual([...history, ...more, ...rest], new AuditTraffic(defaultTrafficSpec(42, start, nodes)).lines(start + minutes * 60_000));
});

test('the DaemonSet agent watches cluster-wide collections from every node and re-watches often', (t) => {
	const cilium = events.filter((e) => e.userAgent?.startsWith('cilium-agent') && e.verb === 'watch');
	const nodeNames = new Set(cilium.map((e) => e.user.extra?.['authentication.kubernetes.io/node-name']?.[0]));
	t.is(nodeNames.size, nodes);
	t.true(cilium.every((e) => e.user.username === 'system:serviceaccount:kube-system:cilium' && !e.requestURI.includes('/namespaces/')));
	t.true(cilium.every((e) => /allowWatchBookmarks=true&resourceVersion=\d+&timeout=\w+&timeoutSeconds=\d+&watch=true$/.test(e.requestURI)));
	const opened = cilium.filter((e) => e.stage === 'ResponseStarted').length;
	t.true(opened / minutes > nodes * 2, `${opened} watches opened in ${minutes} minutes`);
});

test('the bad client: unpaged cluster-wide LISTs without resourceVersion from 2 replicas, slow, then 429s', (t) => {
	const acme = events.filter((e) => e.userAgent?.startsWith('acme-inventory'));
	t.true(acme.every((e) => e.verb === 'list' && !/[?&](limit|resourceVersion)=/.test(e.requestURI) && !e.requestURI.includes('/namespaces/')));
	t.is(new Set(acme.map((e) => e.user.extra?.['authentication.kubernetes.io/pod-name']?.[0])).size, 2);
	const throttled = acme.filter((e) => e.responseStatus?.code === 429);
	t.true(throttled.length > 10);
	t.true(throttled.every((e) => e.requestReceivedMs >= start + 6 * 60_000 && e.annotations?.['authorization.k8s.io/decision'] === undefined));
	const slow = acme.filter((e) => e.responseStatus?.code === 200);
	t.true(slow.every((e) => e.stageMs - e.requestReceivedMs >= 1200 && e.annotations?.['apiserver.latency.k8s.io/total'] !== undefined));
	// Lists repeat every ~10 s per replica.
	t.true(acme.length / minutes > 15);
});

test('the informers: one paged LIST (or a WatchList stream), then long watches with bookmarks and a resourceVersion', (t) => {
	const prom = events.filter((e) => e.userAgent === 'Prometheus/2.51.2' && e.requestURI.startsWith('/api/v1/endpoints'));
	const lists = prom.filter((e) => e.verb === 'list');
	t.true(lists.length >= 1);
	t.true(lists.every((e) => /limit=500/.test(e.requestURI)));
	const firstWatch = prom.find((e) => e.verb === 'watch')!;
	t.true(firstWatch.requestReceivedMs > lists[lists.length - 1]!.stageMs);
	t.regex(firstWatch.requestURI, /allowWatchBookmarks=true&resourceVersion=\d+/);
	const ksm = events.filter((e) => e.userAgent?.startsWith('kube-state-metrics') && e.verb === 'watch');
	t.true(ksm.some((e) => e.requestURI.includes('resourceVersionMatch=NotOlderThan&sendInitialEvents=true')));
});

test('kubelets renew leases every 10 s and watch their own pods; probes, controller-manager and kubectl are there', (t) => {
	const leases = events.filter((e) => e.user.username.startsWith('system:node:') && e.verb === 'update' && e.requestURI.includes('/leases/'));
	t.true(Math.abs(leases.length - nodes * minutes * 6) <= nodes * 2, String(leases.length));
	t.true(events.some((e) => e.user.username.startsWith('system:node:') && e.verb === 'watch' && e.requestURI.includes('fieldSelector=spec.nodeName%3D')));
	t.true(events.some((e) => e.userAgent === 'kube-probe/1.29' && e.requestURI === '/readyz'));
	t.true(events.some((e) => e.user.username === 'system:kube-controller-manager' && e.requestURI.includes('/leases/kube-controller-manager')));
	t.true(events.some((e) => e.userAgent?.startsWith('kubectl/') && e.sourceIPs?.length === 2));
	t.true(events.some((e) => e.responseStatus?.code === 403));
});

test('the product reads the generated log as described', (t) => {
	const agg = new AuditAggregator();
	const decoder = new LineDecoder(agg);
	decoder.chunk(new AuditTraffic(defaultTrafficSpec(42, start, nodes)).lines(start + minutes * 60_000).join('\n'));
	t.is(decoder.stats().goLayout, events.length);
	const snap = snapshotOf(agg);
	const cilium = snap.clients.find((c) => c.product === 'cilium-agent')!;
	t.is(cilium.fanOut, nodes);
	const acme = snap.clients.find((c) => c.product === 'acme-inventory')!;
	t.is(acme.windows.all.listFullRead, acme.windows.all.lists);
	t.true(acme.windows.all.throttled > 10);
	t.is(snap.clients.find((c) => c.product === 'kube-probe')?.label, 'health probe');
	t.is(snap.clients.find((c) => c.product === 'kubelet')?.fanOut, nodes);
});

test('writeAuditLogFile writes the requested number of events quickly', (t) => {
	const dir = mkdtempSync(join(tmpdir(), 'assure-gen-'));
	t.teardown(() => rmSync(dir, {recursive: true, force: true}));
	const path = join(dir, 'audit.log');
	const written = writeAuditLogFile(path, defaultTrafficSpec(1, start, 20), {events: 5000});
	const text = readFileSync(path, 'utf8');
	t.is(written.events, 5000);
	t.is(written.bytes, Buffer.byteLength(text));
	t.is(text.split('\n').length, 5001);
});
