/**
 * The incident scenario's objects that weigh on etcd, which the etcd pane finds —
 * oversized custom objects (Datasets of up to 1.4 MiB, the kind that keeps growing),
 * finished Jobs without a TTL (a CronJob with a long history, standalone batch Jobs; one Job
 * with a TTL that must not be reported), finished and stray pods, a busy namespace's
 * object-count quota, Released and Failed PVs, Pending and unused PVCs — and the config maps
 * and services every namespace has.
 */
import type {Obj} from '../../formats/json-object.js';
import type {ClusterBuilder} from './builder.js';
import {guaranteed} from './builder-templates.js';

const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

const system = {nodeSelector: {agentpool: 'system'}};

/** The sizes (KiB) of the Datasets seeded; the dataset controller adds more once it runs. */
export const DATASET_SIZES_KIB = [18, 25, 40, 60, 75, 90, 110, 130, 150, 170, 200, 240, 280, 320, 380, 430, 500, 640, 800, 1180, 1290, 1410];

/** Seeds these objects in this order (the seeded PRNG makes names and uids depend on it). */
export function seedIncidentEtcd(b: ClusterBuilder, namespaces: string[]): void {
	seedCustomObjects(b);
	seedMlPipelines(b);
	seedBatchJobs(b);
	seedStrayPods(b);
	seedVolumes(b);
	seedConfig(b, namespaces);
}

function seedCustomObjects(b: ClusterBuilder): void {
	// Oversized custom objects: "a hundred fields like environment variables on a CRD".
	DATASET_SIZES_KIB.forEach((kib, i) =>
		b.plain(
			'ml.example.com',
			'datasets',
			datasetObject(`dataset-${String(i).padStart(2, '0')}`, 'data-platform', kib, b.iso((DATASET_SIZES_KIB.length - i) * 6 * HOUR)),
		),
	);
	b.plain('cert-manager.io', 'certificates', {
		apiVersion: 'cert-manager.io/v1',
		metadata: {name: 'checkout-tls', namespace: 'checkout', creationTimestamp: b.iso(30 * DAY), generation: 1},
		spec: {secretName: 'checkout-tls', dnsNames: ['checkout.acme.example'], issuerRef: {name: 'letsencrypt', kind: 'ClusterIssuer'}},
		status: {conditions: [{type: 'Ready', status: 'True'}]},
	});
}

function seedMlPipelines(b: ClusterBuilder): void {
	// ml-pipelines: a CronJob whose long history keeps finished Jobs (no TTL).
	const cron = b.plain('batch', 'cronjobs', {
		metadata: {name: 'feature-refresh', namespace: 'ml-pipelines', creationTimestamp: b.iso(10 * DAY), generation: 1},
		spec: {
			schedule: '*/2 * * * *',
			successfulJobsHistoryLimit: 500,
			failedJobsHistoryLimit: 20,
			concurrencyPolicy: 'Forbid',
			jobTemplate: {
				spec: {
					template: {
						spec: {
							restartPolicy: 'Never',
							containers: [
								{
									name: 'refresh',
									image: 'acme.azurecr.io/ml/feature-refresh:1.3.0',
									command: ['python', '-m', 'refresh'],
									resources: {requests: {cpu: '500m', memory: '1Gi'}},
								},
							],
						},
					},
				},
			},
		},
		status: {lastScheduleTime: b.iso(2 * MIN), lastSuccessfulTime: b.iso(MIN)},
	});
	for (let i = 0; i < 130; i++) {
		const age = (i + 1) * 2 * MIN + 4 * HOUR;
		const at = Math.floor((b.now - age) / MIN);
		b.job('ml-pipelines', `feature-refresh-${at}`, {
			owner: cron,
			ageMs: age,
			durationMs: 40_000 + (i % 7) * 5000,
			outcome: i % 23 === 5 ? 'Failed' : 'Complete',
			containers: [{name: 'refresh', image: 'acme.azurecr.io/ml/feature-refresh:1.3.0', requests: {cpu: '500m', memory: '1Gi'}}],
		});
	}
	b.deployment('ml-pipelines', 'pipeline-runner', {
		replicas: 1,
		...system,
		serviceAccountName: 'pipeline-runner',
		containers: [{name: 'runner', image: 'acme.azurecr.io/ml/pipeline-runner:0.8.1', ...guaranteed('250m', '512Mi')}],
	});
}

function seedBatchJobs(b: ClusterBuilder): void {
	// batch-jobs: standalone Jobs created by the pipeline runner, none with a TTL; a few failed.
	for (let i = 0; i < 90; i++) {
		const failed = i % 9 === 4;
		b.job('batch-jobs', `report-${String(7000 + i)}`, {
			ageMs: 2.6 * DAY - i * 40 * MIN,
			durationMs: 3 * MIN,
			outcome: failed ? 'Failed' : 'Complete',
			labels: {'app.kubernetes.io/created-by': 'pipeline-runner'},
			containers: [{name: 'report', image: 'acme.azurecr.io/batch/report:2.0.0', requests: {cpu: '1', memory: '2Gi'}, limits: {cpu: '1', memory: '2Gi'}}],
		});
	}
	// A job that does have a TTL (must not be reported).
	b.job('batch-jobs', 'report-ttl-ok', {
		ageMs: 5 * MIN,
		durationMs: MIN,
		ttlSecondsAfterFinished: 3600,
		containers: [{name: 'report', image: 'acme.azurecr.io/batch/report:2.0.0', ...guaranteed('1', '2Gi')}],
	});
}

function seedStrayPods(b: ClusterBuilder): void {
	// A bare pod left behind by someone debugging.
	b.pod('default', 'debug-shell', b.template('debug-shell', {containers: [{name: 'shell', image: 'busybox:1.36', command: ['sh']}], restartPolicy: 'Never'}), {
		ageMs: 3 * DAY,
		phase: 'Failed',
		finishedAgoMs: 3 * DAY - 20 * MIN,
	});
	b.pod(
		'tenant-a',
		'tenant-a-worker',
		b.template('tenant-a-worker', {containers: [{name: 'worker', image: 'acme.azurecr.io/tenant-a/worker:1.0', ...guaranteed('100m', '128Mi')}]}),
		{ageMs: 9 * DAY},
	);
	b.plain('', 'resourcequotas', {
		metadata: {name: 'object-counts', namespace: 'tenant-a', creationTimestamp: b.iso(30 * DAY)},
		spec: {hard: {'count/pods': '20', 'count/jobs.batch': '10', 'count/configmaps': '50'}},
		status: {
			hard: {'count/pods': '20', 'count/jobs.batch': '10', 'count/configmaps': '50'},
			used: {'count/pods': '1', 'count/jobs.batch': '0', 'count/configmaps': '1'},
		},
	});
}

function seedVolumes(b: ClusterBuilder): void {
	const sim = b.sim;
	// Storage: Released and Failed volumes, Pending and unused claims.
	const pv = (name: string, phase: string, policy: string, claim?: {namespace: string; name: string}, ageMs = 12 * DAY, size = '100Gi') =>
		b.plain('', 'persistentvolumes', {
			metadata: {
				name,
				creationTimestamp: b.iso(ageMs),
				annotations: {'pv.kubernetes.io/provisioned-by': 'disk.csi.azure.com'},
				finalizers: ['kubernetes.io/pv-protection'],
			},
			spec: {
				capacity: {storage: size},
				accessModes: ['ReadWriteOnce'],
				persistentVolumeReclaimPolicy: policy,
				storageClassName: 'managed-csi',
				csi: {driver: 'disk.csi.azure.com', volumeHandle: `/subscriptions/0000/resourceGroups/mc_rg/providers/Microsoft.Compute/disks/${name}`},
				...(claim ? {claimRef: {kind: 'PersistentVolumeClaim', namespace: claim.namespace, name: claim.name, uid: sim.random.uuid()}} : {}),
			},
			status: {
				phase,
				lastPhaseTransitionTime: b.iso(ageMs - HOUR),
				...(phase === 'Failed' ? {message: 'error deleting volume: disk is attached to a VM'} : {}),
			},
		});
	pv('pvc-3f9a1c2e-released-1', 'Released', 'Retain', {namespace: 'ml-pipelines', name: 'train-scratch-1'}, 9 * DAY, '512Gi');
	pv('pvc-3f9a1c2e-released-2', 'Released', 'Retain', {namespace: 'ml-pipelines', name: 'train-scratch-2'}, 8 * DAY, '512Gi');
	pv('pvc-3f9a1c2e-released-3', 'Released', 'Retain', {namespace: 'data-platform', name: 'old-kafka-0'}, 21 * DAY, '1Ti');
	pv('pvc-7b2d-released-delete', 'Released', 'Delete', {namespace: 'checkout', name: 'old-cache'}, 3 * DAY, '64Gi');
	pv('pvc-9c1e-failed', 'Failed', 'Delete', {namespace: 'batch-jobs', name: 'report-cache'}, 5 * DAY, '128Gi');
	for (const [namespace, name, phase, volume] of [
		['monitoring', 'prometheus-db-prometheus-0', 'Bound', 'pvc-prom-0'],
		['payments', 'ledger-data-ledger-0', 'Bound', 'pvc-ledger-0'],
		['ml-pipelines', 'feature-cache', 'Bound', 'pvc-ml-cache'],
		['data-platform', 'old-spark-history', 'Bound', 'pvc-spark-history'],
		['batch-jobs', 'scratch-xl', 'Pending', ''],
		['data-platform', 'ingest-spool', 'Pending', ''],
	] as const) {
		if (volume) pv(volume, 'Bound', 'Delete', {namespace, name}, 20 * DAY, '50Gi');
		b.plain('', 'persistentvolumeclaims', {
			metadata: {name, namespace, creationTimestamp: b.iso(phase === 'Pending' ? 26 * HOUR : 20 * DAY), finalizers: ['kubernetes.io/pvc-protection']},
			spec: {
				accessModes: ['ReadWriteOnce'],
				resources: {requests: {storage: '50Gi'}},
				storageClassName: phase === 'Pending' ? 'premium-zrs' : 'managed-csi',
				...(volume ? {volumeName: volume} : {}),
			},
			status: phase === 'Bound' ? {phase, accessModes: ['ReadWriteOnce'], capacity: {storage: '50Gi'}} : {phase},
		});
	}
	// Mount the claims that are used (prometheus, ledger) so only the others are unused.
	mountClaim(b, 'monitoring', 'prometheus-0', 'prometheus-db-prometheus-0');
	mountClaim(b, 'payments', 'ledger-0', 'ledger-data-ledger-0');
}

function seedConfig(b: ClusterBuilder, namespaces: string[]): void {
	// Config and services, as every namespace has some.
	for (const ns of namespaces) {
		b.plain('', 'configmaps', {
			metadata: {name: `${ns}-config`, namespace: ns, creationTimestamp: b.iso(20 * DAY)},
			data: {'settings.yaml': `namespace: ${ns}\nlogLevel: info\n`},
		});
		b.plain('', 'services', {
			metadata: {name: ns, namespace: ns, creationTimestamp: b.iso(20 * DAY)},
			spec: {
				type: 'ClusterIP',
				clusterIP: `10.0.${namespaces.indexOf(ns) + 10}.1`,
				ports: [{port: 80, protocol: 'TCP', targetPort: 8080}],
				selector: {app: ns},
			},
		});
	}
}

function mountClaim(b: ClusterBuilder, namespace: string, podName: string, claim: string): void {
	const record = b.sim.store.resource('pods').get(`${namespace}/${podName}`);
	if (!record) return;
	const pod = JSON.parse(record.json) as Obj;
	pod.spec.volumes = [...(pod.spec.volumes ?? []), {name: 'data', persistentVolumeClaim: {claimName: claim}}];
	b.sim.api.seed(b.type('', 'pods'), pod);
}

/** A Dataset custom object of roughly `kib` KiB: a spec with hundreds of env-like fields. */
export function datasetObject(name: string, namespace: string, kib: number, created?: string): Obj {
	const fields: Array<{name: string; value: string}> = [];
	let size = 0;
	let i = 0;
	while (size < kib * 1024) {
		const value = `s3://acme-ml-datasets/${name}/shard-${String(i).padStart(6, '0')}/part-${(i * 7919) % 100000}.parquet`;
		fields.push({name: `SHARD_${String(i).padStart(6, '0')}_URI`, value});
		size += value.length + 40;
		i++;
	}
	return {
		apiVersion: 'ml.example.com/v1',
		kind: 'Dataset',
		metadata: {name, namespace, ...(created ? {creationTimestamp: created} : {}), labels: {'ml.example.com/team': 'recsys'}},
		spec: {format: 'parquet', owner: 'recsys', env: fields},
		status: {phase: 'Synced', shards: fields.length},
	};
}
