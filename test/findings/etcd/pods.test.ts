/**
 * finished-pods (source/findings/etcd/pods.ts): grouping by owner, age and severities.
 */
import test from 'ava';
import {analyzeEtcd} from '../../../source/findings/etcd.js';
import {byType, incidentState, one} from './fixtures.js';

test('finished-pods: grouped by namespace and owner, older than an hour, severities by count', (t) => {
	const view = analyzeEtcd(incidentState().state);
	const findings = byType(view, 'finished-pods');
	t.deepEqual(findings.map((f) => f.id).sort(), [
		'finished-pods/_/Namespace/batch-jobs',
		'finished-pods/_/Namespace/default',
		'finished-pods/checkout/Deployment/storefront',
		'finished-pods/ml-pipelines/CronJob/feature-refresh',
	]);
	const cron = one(view, 'finished-pods/ml-pipelines/CronJob/feature-refresh');
	t.is(cron.severity, 'warning');
	t.is(cron.evidence.pods, 130);
	t.is(cron.evidence.failed, 6);
	t.is(cron.evidence.owners, 'Job 130');
	t.is(cron.objectsTotal, 130);
	t.true(cron.detail?.some((d) => /deleting the Jobs/.test(d)));
	t.deepEqual(
		cron.remedies.map((r) => r.id),
		['delete-finished-pods'],
	);
	// The pod of the Job with a TTL is left to the TTL controller.
	t.is(one(view, 'finished-pods/_/Namespace/batch-jobs').evidence.pods, 90);
	const debug = one(view, 'finished-pods/_/Namespace/default');
	t.is(debug.severity, 'info');
	t.is(debug.evidence.pods, 1);
	t.is(debug.evidence.owners, 'no owner 1');
	t.deepEqual(debug.objects, [{kind: 'Pod', namespace: 'default', name: 'debug-shell'}]);
	const evicted = one(view, 'finished-pods/checkout/Deployment/storefront');
	t.is(evicted.evidence.pods, 3);
	t.is(evicted.evidence.owners, 'ReplicaSet 3');
});
