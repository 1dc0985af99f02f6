/**
 * The rows' figures and the findings about whole kinds (source/findings/etcd/kinds.ts):
 * oversized-kind, oversized-object, kind-over-10k, kind-growing-fast; metric sizes over
 * samples.
 */
import test from 'ava';
import {analyzeEtcd} from '../../../source/findings/etcd.js';
import {emptyState} from '../../../source/model/empty-state.js';
import type {CountPoint} from '../../../source/model/state.js';
import {ETCD_NEW, GIB, KIB, MIB, MIN, NOW, byType, count, figures, incidentState, one} from './fixtures.js';

test('oversized-kind and oversized-object: average over 100 KiB; objects within 25% and 10% of 1.5 MiB', (t) => {
	const view = analyzeEtcd(incidentState().state);
	const kind = one(view, 'oversized-kind/_/Resource/datasets.ml.example.com');
	t.is(kind.severity, 'warning');
	t.is(kind.evidence.avgBytes, 400 * KIB);
	t.is(kind.evidence.bytesFrom, 'sampled');
	const objects = byType(view, 'oversized-object');
	t.deepEqual(objects.map((f) => [f.id, f.severity]).sort(), [
		['oversized-object/data-platform/datasets.ml.example.com/dataset-19', 'warning'],
		['oversized-object/data-platform/datasets.ml.example.com/dataset-20', 'warning'],
		['oversized-object/data-platform/datasets.ml.example.com/dataset-21', 'critical'],
	]);
	t.regex(one(view, 'oversized-object/data-platform/datasets.ml.example.com/dataset-21').summary, /1\.4 MiB, 92% of the 1\.5 MiB etcd request limit/);
	t.deepEqual(byType(view, 'oversized-kind').length, 1);
});

test('kind-over-10k and kind-growing-fast; a swinging kind and events do not count as growing', (t) => {
	const view = analyzeEtcd(incidentState().state);
	const over = one(view, 'kind-over-10k/_/Resource/events');
	t.is(over.severity, 'warning');
	t.is(over.evidence.count, 12_500);
	t.deepEqual(byType(view, 'kind-over-10k').length, 1);
	const growing = byType(view, 'kind-growing-fast');
	t.deepEqual(
		growing.map((f) => f.id),
		['kind-growing-fast/_/Resource/datasets.ml.example.com'],
	);
	const g = growing[0]!;
	// The smaller of the two estimates: since start (22 → 35 in 40m) 19.5/h, the slope over the rounded history 19.8/h.
	t.is(g.evidence.perHour, 19.5);
	t.is(g.evidence.sinceStartPerHour, 19.5);
	t.is(g.evidence.recentPerHour, 19.8);
	t.is(g.evidence.observedFor, '40m');
	t.regex(g.summary, /\+56% of its count per hour/);
	t.regex(g.summary, /of the etcd quota/);
	// 1.7 GiB of 2 GiB used, 7.8 MiB/h: more than a day left, so not critical.
	t.is(g.severity, 'warning');
	t.is(g.series?.values.length, 9);
});

test('kind-growing-fast needs ten minutes of observation and is critical when it fills the quota within a day', (t) => {
	const history = (minutes: number, perHour: number, start: number): CountPoint[] =>
		Array.from({length: 7}, (_, i) => ({time: NOW - minutes * MIN + (i * minutes * MIN) / 6, count: Math.round(start + (perHour * minutes * i) / 6 / 60)}));
	const stateWith = (h: CountPoint[], etcdBytes: number) =>
		emptyState({
			now: NOW,
			counts: new Map([count('acme.io', 'widgets', h[h.length - 1]!.count, {sample: {objects: 10, avgBytes: 10 * KIB, largest: []}, history: h, first: h[0]})]),
			metrics: figures(ETCD_NEW(etcdBytes)),
		});
	t.deepEqual(byType(analyzeEtcd(stateWith(history(8, 600, 100), 100 * MIB)), 'kind-growing-fast'), []);
	// 600/h × 10 KiB ≈ 5.9 MiB/h: 1.9 GiB left lasts two weeks.
	const fast = byType(analyzeEtcd(stateWith(history(30, 600, 100), 100 * MIB)), 'kind-growing-fast');
	t.is(fast.length, 1);
	t.is(fast[0]!.severity, 'warning');
	// With 60 MiB left it lasts ten hours.
	const filling = byType(analyzeEtcd(stateWith(history(30, 600, 100), 2 * GIB - 60 * MIB)), 'kind-growing-fast');
	// Slow growth of a big kind: none of the three reasons.
	const slowHistory = Array.from({length: 7}, (_, i) => ({time: NOW - 30 * MIN + i * 5 * MIN, count: 2000 + i * 2}));
	t.deepEqual(byType(analyzeEtcd(stateWith(slowHistory, 100 * MIB)), 'kind-growing-fast'), []);
	t.is(filling[0]!.severity, 'critical');
	t.regex(String(filling[0]!.evidence.severityRule), /fills the rest of the etcd quota within a day/);
});

test('metric sizes win over samples and carry no ~', (t) => {
	const text = [
		'# TYPE apiserver_resource_objects gauge',
		'apiserver_resource_objects{group="",resource="configmaps"} 50',
		'apiserver_resource_objects{group="",resource="secrets"} 20',
		'apiserver_resource_objects{group="",resource="events"} 10',
		'# TYPE apiserver_resource_size_estimate_bytes gauge',
		'apiserver_resource_size_estimate_bytes{group="",resource="configmaps"} 5242880',
		'apiserver_resource_size_estimate_bytes{group="",resource="secrets"} -1',
		'apiserver_resource_size_estimate_bytes{group="",resource="events"} -1',
		ETCD_NEW(100 * MIB),
	].join('\n');
	const state = emptyState({
		now: NOW,
		metrics: figures(text),
		counts: new Map([
			count('', 'configmaps', 50, {sample: {objects: 5, avgBytes: 2 * KIB, largest: []}}),
			count('', 'events', 10, {sample: {objects: 5, avgBytes: 1 * KIB, largest: []}}),
		]),
	});
	const view = analyzeEtcd(state);
	const row = (id: string) => view.rows.find((r) => r.id === id)!;
	t.is(row('/configmaps').cells.bytes, '5.0 MiB');
	t.is(row('/events').cells.bytes, '~10 KiB');
	// Secrets come from the metric only (count 20), bytes n/a.
	t.is(row('/secrets').cells.count, '20');
	t.is(row('/secrets').cells.bytes, 'n/a');
	// The configmaps average (100 KiB from the metric) makes an oversized kind.
	t.is(one(view, 'oversized-kind/_/Resource/configmaps').evidence.bytesFrom, 'metric');
	t.regex(view.header[1]!, /bytes: apiserver_resource_size_estimate_bytes; ~ = sampled sizes x count/);
});
