/**
 * The `clean` scenario: a small, healthy cluster where no pane should report anything —
 * Guaranteed pods everywhere (system ones too), steady HPAs with the default behavior in
 * namespaces bounded by ResourceQuotas, Jobs that clean up after themselves, volumes in
 * use, short ReplicaSet histories, no event storm, a fixed node pool with over-provisioning.
 */
import type {NodePoolSpec} from '../controllers/nodes.js';
import type {ClusterBuilder} from './builder.js';
import {guaranteed} from './builder-templates.js';
import {seedNamespaceDefaults, seedSystem} from './system.js';

const DAY = 86_400_000;
const MIN = 60_000;

export const CLEAN_POOLS: NodePoolSpec[] = [{name: 'nodepool1', provider: 'aks', size: 3, min: 3, max: 5}];

export function seedClean(b: ClusterBuilder): {pools: NodePoolSpec[]; leaseRenewMs: number; resync: boolean} {
	seedSystem(b, {guaranteedSystem: true, flowSchemas: true});
	const apps = ['shop', 'jobs'];
	for (const ns of apps) b.namespace(ns, {}, 30 * DAY);
	for (const ns of ['kube-system', 'default', ...apps]) seedNamespaceDefaults(b, ns);
	for (const pool of CLEAN_POOLS) b.pool(pool);
	b.deployment('kube-system', 'coredns', {
		replicas: 2,
		revisionHistoryLimit: 3,
		priorityClassName: 'system-cluster-critical',
		containers: [{name: 'coredns', image: 'registry.k8s.io/coredns/coredns:v1.11.3', ...guaranteed('100m', '170Mi')}],
	});
	b.daemonSet('kube-system', 'kube-proxy', {
		priorityClassName: 'system-node-critical',
		containers: [{name: 'kube-proxy', image: 'registry.k8s.io/kube-proxy:v1.32.4', ...guaranteed('100m', '128Mi')}],
	});
	const web = b.deployment('shop', 'web', {
		replicas: 3,
		revisionHistoryLimit: 3,
		containers: [{name: 'web', image: 'example.com/shop/web:1.0.0', ...guaranteed('250m', '256Mi')}],
	});
	b.hpa('shop', 'web', web.deployment, {min: 3, max: 6, current: 3, targetUtilization: 70, lastScaleAgoMs: 5 * DAY});
	b.statefulSet('shop', 'db', {replicas: 1, containers: [{name: 'postgres', image: 'postgres:16.4', ...guaranteed('1', '2Gi')}]});
	b.plain('', 'resourcequotas', {
		metadata: {name: 'shop-quota', namespace: 'shop', creationTimestamp: b.iso(30 * DAY)},
		spec: {
			hard: {
				'count/pods': '30',
				'count/jobs.batch': '10',
				'requests.cpu': '8',
				'requests.memory': '16Gi',
				'limits.cpu': '8',
				'limits.memory': '16Gi',
				pods: '30',
			},
		},
		status: {hard: {'count/pods': '30'}, used: {'count/pods': '4'}},
	});
	b.plain('', 'resourcequotas', {
		metadata: {name: 'jobs-quota', namespace: 'jobs', creationTimestamp: b.iso(30 * DAY)},
		spec: {hard: {'count/pods': '20', 'count/jobs.batch': '20'}},
		status: {hard: {'count/pods': '20', 'count/jobs.batch': '20'}, used: {'count/pods': '0', 'count/jobs.batch': '0'}},
	});
	b.plain('batch', 'cronjobs', {
		metadata: {name: 'nightly-report', namespace: 'jobs', creationTimestamp: b.iso(20 * DAY), generation: 1},
		spec: {
			schedule: '0 3 * * *',
			successfulJobsHistoryLimit: 1,
			failedJobsHistoryLimit: 1,
			jobTemplate: {
				spec: {
					ttlSecondsAfterFinished: 3600,
					template: {
						spec: {
							restartPolicy: 'Never',
							containers: [
								{
									name: 'report',
									image: 'example.com/jobs/report:1.0.0',
									resources: {requests: {cpu: '500m', memory: '512Mi'}, limits: {cpu: '500m', memory: '512Mi'}},
								},
							],
						},
					},
				},
			},
		},
		status: {},
	});
	b.plain('', 'persistentvolumes', {
		metadata: {name: 'pvc-db-0', creationTimestamp: b.iso(20 * DAY)},
		spec: {
			capacity: {storage: '20Gi'},
			accessModes: ['ReadWriteOnce'],
			persistentVolumeReclaimPolicy: 'Delete',
			storageClassName: 'managed-csi',
			claimRef: {kind: 'PersistentVolumeClaim', namespace: 'shop', name: 'data-db-0'},
		},
		status: {phase: 'Bound'},
	});
	b.plain('', 'persistentvolumeclaims', {
		metadata: {name: 'data-db-0', namespace: 'shop', creationTimestamp: b.iso(20 * DAY)},
		spec: {accessModes: ['ReadWriteOnce'], resources: {requests: {storage: '20Gi'}}, storageClassName: 'managed-csi', volumeName: 'pvc-db-0'},
		status: {phase: 'Bound', capacity: {storage: '20Gi'}},
	});
	const db = b.sim.store.resource('pods').get('shop/db-0');
	if (db) {
		const pod = JSON.parse(db.json);
		pod.spec.volumes = [{name: 'data', persistentVolumeClaim: {claimName: 'data-db-0'}}];
		b.sim.api.seed(b.type('', 'pods'), pod);
	}
	// Over-provisioning: a low-priority pause Deployment that keeps headroom on the pool.
	b.plain('scheduling.k8s.io', 'priorityclasses', {
		metadata: {name: 'overprovisioning', creationTimestamp: b.iso(30 * DAY)},
		value: -10,
		globalDefault: false,
		description: 'Placeholder pods that keep spare capacity; preempted first.',
		preemptionPolicy: 'Never',
	});
	b.deployment('kube-system', 'overprovisioning', {
		replicas: 1,
		revisionHistoryLimit: 3,
		priorityClassName: 'overprovisioning',
		containers: [{name: 'pause', image: 'registry.k8s.io/pause:3.10', ...guaranteed('1', '1Gi')}],
	});
	void MIN;
	return {pools: CLEAN_POOLS, leaseRenewMs: 10_000, resync: true};
}
