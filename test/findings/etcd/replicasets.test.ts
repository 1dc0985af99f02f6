/**
 * replicaset-history (source/findings/etcd/replicasets.ts): the default limit of 10.
 */
import test from 'ava';
import {analyzeEtcd} from '../../../source/findings/etcd.js';
import {oldReplicaSetsOf} from '../../../source/findings/etcd/replicasets.js';
import {emptyState} from '../../../source/model/empty-state.js';
import {NOW, byType, deploymentWithHistory, incidentState, keyed, one} from './fixtures.js';

test('replicaset-history: limit unset or above 10, with 10 or more old ReplicaSets', (t) => {
	const view = analyzeEtcd(incidentState().state);
	t.deepEqual(
		byType(view, 'replicaset-history')
			.map((f) => f.id)
			.sort(),
		['replicaset-history/checkout/Deployment/legacy-admin', 'replicaset-history/payments/Deployment/payments-api'],
	);
	const payments = one(view, 'replicaset-history/payments/Deployment/payments-api');
	t.is(payments.severity, 'info');
	t.is(payments.evidence.revisionHistoryLimit, 'unset (default 10)');
	t.is(payments.evidence.oldReplicaSets, 10);
	t.is(payments.evidence.wouldRemove, 7);
	const legacy = one(view, 'replicaset-history/checkout/Deployment/legacy-admin');
	t.is(legacy.severity, 'warning');
	t.is(legacy.evidence.revisionHistoryLimit, 50);
	t.is(legacy.evidence.oldReplicaSets, 35);
	t.is(legacy.objectsTotal, 35);
	t.is(legacy.objects?.[0]?.name, 'legacy-admin-old1');
	t.deepEqual(legacy.remedies, [{id: 'set-revision-history-limit', title: 'Set revisionHistoryLimit: 3 (the controller deletes 32 old ReplicaSets)'}]);
	t.deepEqual(
		oldReplicaSetsOf(incidentState().state, 'checkout', 'legacy-admin').map((r) => r.revision),
		Array.from({length: 35}, (_, i) => i + 1),
	);
});

test('replicaset-history: the server fills in 10 when unset, so 10 counts as the default; a chosen lower limit does not', (t) => {
	const state = emptyState({now: NOW, workloads: keyed([...deploymentWithHistory('a', 'defaulted', 10, 10), ...deploymentWithHistory('a', 'chosen', 12, 5)])});
	const view = analyzeEtcd(state);
	t.deepEqual(
		byType(view, 'replicaset-history').map((f) => f.id),
		['replicaset-history/a/Deployment/defaulted'],
	);
	const f = one(view, 'replicaset-history/a/Deployment/defaulted');
	t.is(f.evidence.revisionHistoryLimit, '10 (the default)');
	t.regex(f.summary, /revisionHistoryLimit 10, the default/);
});
