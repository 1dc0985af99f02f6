/**
 * The etcd bar and etcd-size (source/findings/etcd/size.ts) for each metric generation and
 * for "unknown".
 */
import test from 'ava';
import {analyzeEtcd} from '../../../source/findings/etcd.js';
import {usageBar} from '../../../source/findings/etcd/size.js';
import {ETCD_NEW, ETCD_OLD, GIB, byType, cleanState, figures, one} from './fixtures.js';

test('etcd bar: 1.28+ metric, older metric, ASCII, several clusters, unknown', (t) => {
	const base = cleanState();
	const modern = analyzeEtcd({...base, metrics: figures(ETCD_NEW(1.5 * GIB))});
	t.is(modern.header[0], `etcd [${'\u2588'.repeat(15)}${'\u2591'.repeat(5)}] 1.5 GiB of 2 GiB (75%)  quota 2 GiB (default)  apiserver_storage_size_bytes`);
	const warn = one(modern, 'etcd-size/_/Etcd/etcd-0');
	t.is(warn.severity, 'warning');
	t.is(warn.evidence.metric, 'apiserver_storage_size_bytes{storage_cluster_id="etcd-0"}');

	const old = analyzeEtcd({...base, metrics: figures(ETCD_OLD(1.8 * GIB))}, {ascii: true});
	t.is(old.header[0], `etcd [${'#'.repeat(18)}${'-'.repeat(2)}] 1.8 GiB of 2 GiB (90%)  quota 2 GiB (default)  etcd_db_total_size_in_bytes`);
	const crit = old.findings.find((f) => f.type === 'etcd-size')!;
	t.is(crit.severity, 'critical');
	t.regex(String(crit.evidence.severityRule), /NOSPACE/);
	t.is(crit.evidence.metric, 'etcd_db_total_size_in_bytes{endpoint="https://10.0.0.4:2379"}');

	const known = analyzeEtcd({...base, metrics: figures(ETCD_NEW(1.8 * GIB))}, {quotaBytes: 8 * GIB});
	t.is(known.header[0], `etcd [${'\u2588'.repeat(5)}${'\u2591'.repeat(15)}] 1.8 GiB of 8 GiB (23%)  quota 8 GiB  apiserver_storage_size_bytes`);
	t.deepEqual(byType(known, 'etcd-size'), []);
	const large = analyzeEtcd({...base, metrics: figures(ETCD_NEW(3 * GIB))}, {quotaBytes: 8 * GIB});
	t.is(byType(large, 'etcd-size')[0]?.severity, 'info');

	const two = analyzeEtcd({
		...base,
		metrics: figures(
			'# TYPE apiserver_storage_size_bytes gauge\napiserver_storage_size_bytes{storage_cluster_id="etcd-0"} 104857600\napiserver_storage_size_bytes{storage_cluster_id="etcd-events"} 524288000\n',
		),
	});
	t.regex(two.header[0]!, /500 MiB of 2 GiB/);
	t.is(two.header[1], 'etcd largest of 2 etcd clusters (each with its own quota) by storage_cluster_id: etcd-events 500 MiB, etcd-0 100 MiB');

	const noMetrics = analyzeEtcd({...base, metrics: undefined, metricsUnavailable: 'forbidden'});
	t.is(noMetrics.header[0], 'etcd unknown: /metrics not readable (forbidden)');
	const noFamily = analyzeEtcd({...base, metrics: figures('# TYPE apiserver_storage_objects gauge\napiserver_storage_objects{resource="pods"} 4\n')});
	t.regex(noFamily.header[0]!, /^etcd unknown: \/metrics has no etcd size/);

	const past = analyzeEtcd({...base, metrics: figures(ETCD_NEW(2.2 * GIB))});
	const pastFinding = byType(past, 'etcd-size')[0]!;
	t.is(pastFinding.severity, 'critical');
	t.true(pastFinding.detail?.some((d) => /past the 2 GiB default quota/.test(d)));
});

test('usageBar clamps and rounds', (t) => {
	t.is(usageBar(0, 10, true), '[----------]');
	t.is(usageBar(0.5, 10, true), '[#####-----]');
	t.is(usageBar(1.7, 10, true), '[##########]');
	t.is(usageBar(Number.NaN, 4, true), '[----]');
	t.is(usageBar(0.25, 4), '[\u2588\u2591\u2591\u2591]');
});
