/**
 * event-storm (source/findings/etcd/events.ts).
 */
import test from 'ava';
import {analyzeEtcd} from '../../../source/findings/etcd.js';
import {byType, incidentState, one} from './fixtures.js';

test('event-storm: per source and involved kind, summed over namespaces, critical when it holds 10k events', (t) => {
	const view = analyzeEtcd(incidentState().state);
	const storms = byType(view, 'event-storm');
	t.deepEqual(storms.map((f) => f.id).sort(), ['event-storm/_/Certificate/cert-manager', 'event-storm/_/Dataset/ml.example.com/dataset-controller']);
	const dataset = one(view, 'event-storm/_/Dataset/ml.example.com/dataset-controller');
	t.is(dataset.severity, 'critical');
	t.is(dataset.evidence.perMinute, 480);
	t.is(dataset.evidence.heldInEtcd, 28_800);
	t.deepEqual(dataset.subject, {kind: 'EventSource', name: 'ml.example.com/dataset-controller'});
	t.deepEqual(dataset.objects, [
		{kind: 'Dataset', namespace: 'data-platform', name: 'dataset-00'},
		{kind: 'Dataset', namespace: 'data-platform', name: 'dataset-01'},
	]);
	t.is(dataset.series?.values.length, 30);
	const cert = one(view, 'event-storm/_/Certificate/cert-manager');
	// 70 + 10 per minute over the last five minutes.
	t.is(cert.evidence.perMinute, 80);
	t.is(cert.severity, 'warning');
	t.is(cert.evidence.namespaces, 'checkout, payments');
	t.deepEqual(cert.series?.values, [50, 80, 80, 80, 80, 80, 80]);
});
