/**
 * What the reflectors and the store do with resourceVersions when a server went back in
 * time: compare them as integers when both are, and forget what a relist no longer has.
 */
import test from 'ava';
import {ScaledClock} from '../../source/clock.js';
import {ClusterStore} from '../../source/kube/cluster-store.js';
import {compareResourceVersions} from '../../source/kube/resource-versions.js';

test('resourceVersions compare as integers of any size, and not at all when either is not one', (t) => {
	t.is(compareResourceVersions('9', '10'), -1, 'not as strings');
	t.is(compareResourceVersions('18446744073709551615', '18446744073709551614'), 1, 'beyond 2^53');
	t.is(compareResourceVersions('42', '42'), 0);
	t.is(compareResourceVersions('abc', '10'), undefined);
	t.is(compareResourceVersions('10', ''), undefined);
	t.is(compareResourceVersions('-1', '10'), undefined);
});

test('a relist that no longer has the cluster-autoscaler status forgets it', (t) => {
	const store = new ClusterStore(new ScaledClock());
	const handler = store.handler('autoscalerstatus');
	handler.beginList!();
	handler.upsert({metadata: {name: 'cluster-autoscaler-status', namespace: 'kube-system'}, data: {status: 'Cluster-wide: Healthy'}}, 'LISTED');
	handler.endList!();
	t.is(store.autoscalerStatus, 'Cluster-wide: Healthy');
	handler.beginList!();
	handler.endList!();
	t.is(store.autoscalerStatus, undefined);
});
