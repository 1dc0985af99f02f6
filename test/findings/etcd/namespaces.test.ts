/**
 * namespace-without-object-quota (source/findings/etcd/namespaces.ts).
 */
import test from 'ava';
import {analyzeEtcd} from '../../../source/findings/etcd.js';
import {countObjectsByNamespace} from '../../../source/findings/etcd/namespaces.js';
import {emptyState} from '../../../source/model/empty-state.js';
import {NOW, byType, incidentState, keyed, one, pod} from './fixtures.js';

test('namespace-without-object-quota: busy namespaces without a count quota, with a quota never below usage', (t) => {
	const {state} = incidentState();
	const view = analyzeEtcd(state);
	t.deepEqual(
		byType(view, 'namespace-without-object-quota')
			.map((f) => f.id)
			.sort(),
		['namespace-without-object-quota/_/Namespace/batch-jobs', 'namespace-without-object-quota/_/Namespace/ml-pipelines'],
	);
	const ml = one(view, 'namespace-without-object-quota/_/Namespace/ml-pipelines');
	t.is(ml.severity, 'warning');
	t.is(ml.evidence['count/jobs.batch'], 130);
	t.is(ml.evidence['count/pods'], 130);
	// Jobs, pods, the CronJob, pipeline-runner's Deployment and two ReplicaSets, a claim.
	t.is(ml.evidence.objects, 130 + 130 + 1 + 3 + 1);
	t.regex(String(ml.evidence.proposed), /count\/jobs\.batch=200/);
	t.regex(String(ml.evidence.proposed), /count\/pods=200/);
	t.deepEqual(
		ml.remedies.map((r) => r.id),
		['create-object-quota'],
	);
	t.regex(String(ml.evidence.quotaRule), /never below current usage/);
	const counts = countObjectsByNamespace(state);
	t.deepEqual(counts.get('checkout')?.reserve, {'count/pods': 6});

	// A quiet namespace of 150 objects with no pile-up is info.
	const quiet = emptyState({now: NOW, pods: keyed(Array.from({length: 150}, (_, i) => pod('web', `w-${i}`)))});
	const f = one(analyzeEtcd(quiet), 'namespace-without-object-quota/_/Namespace/web');
	t.is(f.severity, 'info');
	t.is(f.evidence.proposed, 'count/pods=230');
	// kube-system is never asked to take a quota.
	const system = emptyState({now: NOW, pods: keyed(Array.from({length: 150}, (_, i) => pod('kube-system', `s-${i}`)))});
	t.deepEqual(byType(analyzeEtcd(system), 'namespace-without-object-quota'), []);
});
