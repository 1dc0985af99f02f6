/**
 * released-volume, pending-claim and unused-claim (source/findings/etcd/volumes.ts).
 */
import test from 'ava';
import {analyzeEtcd} from '../../../source/findings/etcd.js';
import {byType, incidentState, one} from './fixtures.js';

test('released-volume: one per PV, severity by reclaim policy and phase, delete only when Released', (t) => {
	const view = analyzeEtcd(incidentState().state);
	const findings = byType(view, 'released-volume');
	t.deepEqual(
		findings
			.map((f) => f.subject)
			.map((s) => ('name' in s ? s.name : ''))
			.sort(),
		['pvc-failed', 'pvc-released-1', 'pvc-released-2', 'pvc-released-3', 'pvc-released-delete'],
	);
	const retain = one(view, 'released-volume/_/PersistentVolume/pvc-released-1');
	t.is(retain.severity, 'info');
	t.is(retain.evidence.claim, 'ml-pipelines/train-scratch-1');
	t.is(retain.evidence.inPhaseFor, '9d');
	t.deepEqual(retain.remedies, [{id: 'delete-released-volume', title: 'Delete the PV (the disk and its data are kept)'}]);
	const del = one(view, 'released-volume/_/PersistentVolume/pvc-released-delete');
	t.is(del.severity, 'warning');
	t.regex(del.remedies[0]!.title, /and its disk/);
	const failed = one(view, 'released-volume/_/PersistentVolume/pvc-failed');
	t.is(failed.severity, 'warning');
	t.deepEqual(failed.remedies, []);
});

test('pending-claim and unused-claim: only past an hour, only claims no pod mounts', (t) => {
	const view = analyzeEtcd(incidentState().state);
	t.deepEqual(
		byType(view, 'pending-claim')
			.map((f) => f.id)
			.sort(),
		['pending-claim/batch-jobs/PersistentVolumeClaim/scratch-xl', 'pending-claim/data-platform/PersistentVolumeClaim/ingest-spool'],
	);
	const pending = one(view, 'pending-claim/batch-jobs/PersistentVolumeClaim/scratch-xl');
	t.is(pending.severity, 'warning');
	t.is(pending.evidence.pendingFor, '26h');
	t.deepEqual(
		byType(view, 'unused-claim')
			.map((f) => f.id)
			.sort(),
		['unused-claim/data-platform/PersistentVolumeClaim/old-spark-history', 'unused-claim/ml-pipelines/PersistentVolumeClaim/feature-cache'],
	);
	const unused = one(view, 'unused-claim/ml-pipelines/PersistentVolumeClaim/feature-cache');
	t.is(unused.severity, 'info');
	t.deepEqual(unused.objects, [
		{kind: 'PersistentVolumeClaim', namespace: 'ml-pipelines', name: 'feature-cache'},
		{kind: 'PersistentVolume', name: 'pv-feature-cache'},
	]);
});

test('unused-claim is not reported when pods are not synced or not readable', (t) => {
	const {state} = incidentState();
	const unsynced = analyzeEtcd({...state, synced: new Set(['batch/jobs'])});
	t.deepEqual(byType(unsynced, 'unused-claim'), []);
	t.true(unsynced.notes?.some((n) => /pods are not listed yet/.test(n)));
	t.deepEqual(byType(analyzeEtcd({...state, unreadable: new Map([['/pods', 'forbidden']])}), 'unused-claim'), []);
	t.is(byType(analyzeEtcd({...state, synced: new Set(['/pods'])}), 'unused-claim').length, 2);
	t.deepEqual(byType(analyzeEtcd({...state, pods: new Map()}), 'unused-claim'), []);
});
