import test from 'ava';
import {describedKinds, schemaFor} from '../../../source/sim/schema/kinds.js';
import {childNode, type TypeNode} from '../../../source/sim/schema/types.js';
import {deploymentSchema, podSchema, serviceSchema} from '../patch/fixtures.js';

test('schemaFor knows the built-in kinds and nothing else', (t) => {
	for (const [apiVersion, kind] of [
		['v1', 'Pod'],
		['apps/v1', 'Deployment'],
		['apps/v1', 'StatefulSet'],
		['apps/v1', 'DaemonSet'],
		['apps/v1', 'ReplicaSet'],
		['batch/v1', 'Job'],
		['batch/v1', 'CronJob'],
		['autoscaling/v2', 'HorizontalPodAutoscaler'],
		['flowcontrol.apiserver.k8s.io/v1', 'FlowSchema'],
		['flowcontrol.apiserver.k8s.io/v1', 'PriorityLevelConfiguration'],
		['scheduling.k8s.io/v1', 'PriorityClass'],
		['v1', 'PersistentVolumeClaim'],
		['v1', 'Endpoints'],
	] as const) {
		t.is(schemaFor(apiVersion, kind)?.kind, 'struct', `${apiVersion} ${kind}`);
	}
	t.is(schemaFor('keda.sh/v1alpha1', 'ScaledObject'), undefined);
	t.is(schemaFor('v1', 'Deployment'), undefined);
	t.true(describedKinds().length >= 24);
});

test('PodSpec is one shared node for pods and every template', (t) => {
	const podSpec = childNode(podSchema, 'spec');
	const walk = (node: TypeNode | undefined, path: string[]): TypeNode | undefined =>
		path.reduce<TypeNode | undefined>((current, key) => childNode(current, key), node);
	t.is(walk(deploymentSchema, ['spec', 'template', 'spec']), podSpec);
	t.is(walk(schemaFor('apps/v1', 'StatefulSet'), ['spec', 'template', 'spec']), podSpec);
	t.is(walk(schemaFor('batch/v1', 'CronJob'), ['spec', 'jobTemplate', 'spec', 'template', 'spec']), podSpec);
});

test('the schema carries the real list strategies', (t) => {
	const podSpec = childNode(podSchema, 'spec');
	const containerList = childNode(podSpec, 'containers');
	t.like(containerList, {kind: 'list', patchStrategy: 'merge', patchMergeKey: 'name', listType: 'map', listMapKeys: ['name']});
	const container = containerList?.kind === 'list' ? containerList.items : undefined;
	t.like(childNode(container, 'ports'), {patchMergeKey: 'containerPort', listMapKeys: ['containerPort', 'protocol']});
	t.like(childNode(container, 'volumeMounts'), {patchMergeKey: 'mountPath'});
	t.like(childNode(podSpec, 'tolerations'), {patchStrategy: 'replace', listType: 'atomic'});
	t.like(childNode(podSpec, 'volumes'), {patchMergeKey: 'name', retainKeys: true});
	const meta = childNode(podSchema, 'metadata');
	t.like(childNode(meta, 'finalizers'), {patchStrategy: 'merge', listType: 'set'});
	t.like(childNode(meta, 'ownerReferences'), {patchMergeKey: 'uid'});
	t.like(childNode(childNode(serviceSchema, 'spec'), 'ports'), {patchMergeKey: 'port', listMapKeys: ['port', 'protocol']});
	t.like(childNode(childNode(schemaFor('batch/v1', 'Job'), 'status'), 'conditions'), {patchStrategy: 'merge', listType: 'atomic'});
});
