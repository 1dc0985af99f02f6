/**
 * The `incident` scenario (the demo default): six AKS nodes in two pools, ~300 pods, and
 * something real for each pane to find —
 * etcd: finished Jobs without a TTL piling up (a CronJob with a long history, standalone
 *   batch Jobs), finished pods, Released/Failed PVs, Pending and unused PVCs, Deployments
 *   keeping many old ReplicaSets, an event storm from one controller, a custom kind with
 *   oversized objects that keeps growing, a busy namespace without an object-count quota;
 * watchers: (the matching audit log is written by the audit traffic generator);
 * autoscaling: an HPA that flaps (scale-down window 0), a KEDA ScaledObject that bounces
 *   1↔N, a gitops tool fighting an HPA over spec.replicas, a steady HPA, a node pool that
 *   churns, HPAs in a namespace without a ResourceQuota, no over-provisioning;
 * QoS: BestEffort and Burstable workloads (limits-only, init containers, a sidecar
 *   without a memory limit, a LimitRange that changes what pods get) next to Guaranteed ones.
 */
import type {NodePoolSpec} from '../controllers/nodes.js';
import {crdObject} from '../crds.js';
import type {Obj} from '../../formats/json-object.js';
import type {Simulator} from '../simulator.js';
import type {ClusterBuilder} from './builder.js';
import type {ContainerSpec} from './builder-templates.js';
import {seedNamespaceDefaults, seedSystem} from './system.js';

const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

export const INCIDENT_POOLS: NodePoolSpec[] = [
	{name: 'system', provider: 'aks', size: 3, min: 3, max: 3, instanceType: 'Standard_D4s_v5', cpu: '4', memory: '16393216Ki'},
	{name: 'burst', provider: 'aks', size: 3, min: 1, max: 6, instanceType: 'Standard_D8s_v5', oscillate: {low: 2, high: 4, periodMs: 7.5 * MIN}},
];

const guaranteed = (cpu: string, memory: string): Pick<ContainerSpec, 'requests' | 'limits'> => ({requests: {cpu, memory}, limits: {cpu, memory}});

/** Loads for the HPAs that move: demand in pods' worth at target utilization. */
export function flappingLoad(startMs: number): (now: number) => number {
	// 90 s busy, 90 s quiet: with scale-down stabilization at 0 the HPA follows every swing.
	return (now) => (Math.floor((now - startMs) / 90_000) % 2 === 0 ? 9.4 : 2.6);
}

export function kedaLoad(startMs: number): (now: number) => number {
	// Queue bursts: 6 minutes of work, 6 minutes idle. The default 300 s scale-down window
	// lets it drop to 1 just before the next burst.
	return (now) => (Math.floor((now - startMs) / (6 * MIN)) % 2 === 0 ? 11.5 : 0.2);
}

export function seedIncident(b: ClusterBuilder): {pools: NodePoolSpec[]; leaseRenewMs: number; resync: boolean; afterControllers: (sim: Simulator) => void} {
	const sim = b.sim;
	seedSystem(b, {guaranteedSystem: false, flowSchemas: true});
	const namespaces = ['monitoring', 'logging', 'payments', 'checkout', 'data-platform', 'ml-pipelines', 'batch-jobs', 'keda', 'tenant-a'];
	for (const ns of namespaces) b.namespace(ns, {team: ns.split('-')[0]!}, 45 * DAY);
	for (const ns of ['kube-system', 'default', ...namespaces]) seedNamespaceDefaults(b, ns);
	for (const pool of INCIDENT_POOLS) b.pool(pool);
	const system = {nodeSelector: {agentpool: 'system'}};
	const burst = {nodeSelector: {agentpool: 'burst'}};

	// System workloads (as AKS ships them: Burstable).
	b.deployment('kube-system', 'coredns', {
		replicas: 2,
		...system,
		priorityClassName: 'system-cluster-critical',
		containers: [
			{
				name: 'coredns',
				image: 'mcr.microsoft.com/oss/kubernetes/coredns:v1.11.3',
				requests: {cpu: '100m', memory: '70Mi'},
				limits: {memory: '500Mi'},
				ports: [53],
			},
		],
	});
	b.deployment('kube-system', 'metrics-server', {
		replicas: 1,
		...system,
		priorityClassName: 'system-cluster-critical',
		containers: [
			{
				name: 'metrics-server',
				image: 'mcr.microsoft.com/oss/kubernetes/metrics-server:v0.7.2',
				requests: {cpu: '150m', memory: '100Mi'},
				limits: {cpu: '2', memory: '1Gi'},
			},
		],
	});
	b.daemonSet('kube-system', 'kube-proxy', {
		priorityClassName: 'system-node-critical',
		containers: [{name: 'kube-proxy', image: 'mcr.microsoft.com/oss/kubernetes/kube-proxy:v1.32.4', requests: {cpu: '100m'}}],
	});
	b.daemonSet('kube-system', 'cilium', {
		priorityClassName: 'system-node-critical',
		serviceAccountName: 'cilium',
		initContainers: [{name: 'mount-cgroup', image: 'mcr.microsoft.com/oss/cilium/cilium:1.15.6'}],
		containers: [{name: 'cilium-agent', image: 'mcr.microsoft.com/oss/cilium/cilium:1.15.6', requests: {cpu: '100m', memory: '10Mi'}}],
	});
	b.daemonSet('logging', 'fluent-bit', {
		serviceAccountName: 'fluent-bit',
		containers: [{name: 'fluent-bit', image: 'cr.fluentbit.io/fluent/fluent-bit:2.2.2', requests: {cpu: '50m', memory: '64Mi'}, limits: {memory: '256Mi'}}],
	});
	b.daemonSet('monitoring', 'node-exporter', {
		containers: [{name: 'node-exporter', image: 'quay.io/prometheus/node-exporter:v1.8.1', ...guaranteed('100m', '64Mi')}],
	});
	b.deployment('monitoring', 'kube-state-metrics', {
		replicas: 1,
		...system,
		containers: [{name: 'kube-state-metrics', image: 'registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.12.0', ...guaranteed('200m', '256Mi')}],
	});
	b.statefulSet('monitoring', 'prometheus', {
		replicas: 1,
		...system,
		serviceAccountName: 'prometheus',
		containers: [
			{name: 'prometheus', image: 'quay.io/prometheus/prometheus:v2.53.0', requests: {cpu: '500m', memory: '2Gi'}, limits: {cpu: '2', memory: '4Gi'}},
			{
				name: 'config-reloader',
				image: 'quay.io/prometheus-operator/prometheus-config-reloader:v0.75.0',
				requests: {cpu: '10m', memory: '25Mi'},
				limits: {cpu: '10m', memory: '25Mi'},
			},
		],
	});

	// payments: the well-run namespace (Guaranteed, quota), but a Deployment keeping old ReplicaSets.
	b.deployment('payments', 'payments-api', {
		replicas: 6,
		oldRevisions: 10,
		...burst,
		priorityClassName: 'business-critical',
		containers: [
			{
				name: 'api',
				image: 'acme.azurecr.io/payments/api:2.14.0',
				...guaranteed('500m', '512Mi'),
				ports: [8080],
				env: [
					{name: 'DB_PASSWORD', valueFrom: {secretKeyRef: {name: 'payments-db', key: 'password'}}},
					{name: 'LOG_LEVEL', value: 'info'},
				],
			},
		],
	});
	b.statefulSet('payments', 'ledger', {
		replicas: 3,
		...system,
		priorityClassName: 'business-critical',
		containers: [{name: 'ledger', image: 'acme.azurecr.io/payments/ledger:1.9.3', ...guaranteed('1', '2Gi')}],
	});
	b.plain('scheduling.k8s.io', 'priorityclasses', {
		metadata: {name: 'business-critical', creationTimestamp: b.iso(40 * DAY)},
		value: 100000,
		description: 'Revenue-bearing services',
		preemptionPolicy: 'PreemptLowerPriority',
	});
	b.plain('', 'resourcequotas', {
		metadata: {name: 'payments-quota', namespace: 'payments', creationTimestamp: b.iso(40 * DAY)},
		spec: {hard: {'count/pods': '50', 'count/jobs.batch': '20', 'requests.cpu': '20', 'requests.memory': '40Gi', 'limits.cpu': '20', 'limits.memory': '40Gi'}},
		status: {
			hard: {'count/pods': '50', 'count/jobs.batch': '20', 'requests.cpu': '20', 'requests.memory': '40Gi', 'limits.cpu': '20', 'limits.memory': '40Gi'},
			used: {'count/pods': '9', 'count/jobs.batch': '0', 'requests.cpu': '6', 'requests.memory': '9Gi', 'limits.cpu': '6', 'limits.memory': '9Gi'},
		},
	});
	b.plain('', 'secrets', {
		metadata: {name: 'payments-db', namespace: 'payments', creationTimestamp: b.iso(40 * DAY)},
		type: 'Opaque',
		data: {password: Buffer.from('s3cr3t-do-not-show').toString('base64')},
	});

	// checkout: HPAs that flap, fight and hold steady; no ResourceQuota; BestEffort pods.
	const checkoutWeb = b.deployment('checkout', 'checkout-web', {
		replicas: 3,
		...burst,
		containers: [
			{name: 'web', image: 'acme.azurecr.io/checkout/web:5.2.1', requests: {cpu: '250m', memory: '256Mi'}, limits: {cpu: '1', memory: '512Mi'}, ports: [8080]},
		],
	});
	b.hpa('checkout', 'checkout-web', checkoutWeb.deployment, {
		min: 2,
		max: 12,
		current: 3,
		targetUtilization: 70,
		lastScaleAgoMs: MIN,
		behavior: {
			scaleUp: {
				stabilizationWindowSeconds: 0,
				selectPolicy: 'Max',
				policies: [
					{type: 'Pods', value: 4, periodSeconds: 15},
					{type: 'Percent', value: 100, periodSeconds: 15},
				],
			},
			scaleDown: {stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{type: 'Percent', value: 100, periodSeconds: 15}]},
		},
	});
	const cart = b.deployment('checkout', 'cart', {
		replicas: 3,
		...burst,
		containers: [{name: 'cart', image: 'acme.azurecr.io/checkout/cart:3.0.7', ...guaranteed('300m', '384Mi')}],
	});
	b.hpa('checkout', 'cart', cart.deployment, {min: 3, max: 10, current: 3, targetUtilization: 75, lastScaleAgoMs: 2 * DAY});
	b.deployment('checkout', 'recommendations', {replicas: 3, ...burst, containers: [{name: 'recs', image: 'acme.azurecr.io/checkout/recommendations:0.9.0'}]});
	const storefront = b.deployment('checkout', 'storefront', {
		replicas: 5,
		...burst,
		replicasManager: {manager: 'argocd-controller', operation: 'Apply'},
		containers: [
			{
				name: 'storefront',
				image: 'acme.azurecr.io/checkout/storefront:7.1.0',
				requests: {cpu: '200m', memory: '256Mi'},
				limits: {cpu: '200m', memory: '256Mi'},
			},
		],
	});
	b.hpa('checkout', 'storefront', storefront.deployment, {min: 2, max: 10, current: 5, targetUtilization: 70, lastScaleAgoMs: MIN});
	b.deployment('checkout', 'legacy-admin', {
		replicas: 2,
		revisionHistoryLimit: 50,
		oldRevisions: 35,
		...system,
		containers: [{name: 'admin', image: 'acme.azurecr.io/checkout/admin:1.0.0', limits: {cpu: '500m', memory: '1Gi'}}],
	});

	// data-platform: KEDA, an operator storming events, a LimitRange, Burstable edge cases.
	for (const crd of [
		crdObject({group: 'keda.sh', kind: 'ScaledObject', plural: 'scaledobjects', shortNames: ['so'], versions: ['v1alpha1'], status: true}),
		crdObject({group: 'keda.sh', kind: 'TriggerAuthentication', plural: 'triggerauthentications', shortNames: ['ta'], versions: ['v1alpha1']}),
		crdObject({group: 'ml.example.com', kind: 'Dataset', plural: 'datasets', shortNames: ['ds-ml'], versions: ['v1', 'v1beta1'], status: true}),
		crdObject({group: 'cert-manager.io', kind: 'Certificate', plural: 'certificates', shortNames: ['cert'], versions: ['v1'], status: true}),
	]) {
		const stored = b.plain('apiextensions.k8s.io', 'customresourcedefinitions', {...crd, metadata: {...crd.metadata, creationTimestamp: b.iso(30 * DAY)}});
		sim.registerCrd(stored);
	}
	b.deployment('keda', 'keda-operator', {
		replicas: 1,
		...system,
		serviceAccountName: 'keda-operator',
		containers: [
			{name: 'keda-operator', image: 'ghcr.io/kedacore/keda:2.14.0', requests: {cpu: '100m', memory: '100Mi'}, limits: {cpu: '1', memory: '1000Mi'}},
		],
	});
	b.plain('', 'limitranges', {
		metadata: {name: 'default-limits', namespace: 'data-platform', creationTimestamp: b.iso(30 * DAY)},
		spec: {limits: [{type: 'Container', default: {memory: '512Mi'}, defaultRequest: {memory: '256Mi', cpu: '100m'}}]},
	});
	const ingest = b.deployment('data-platform', 'ingest-worker', {
		replicas: 1,
		...burst,
		containers: [{name: 'worker', image: 'acme.azurecr.io/data/ingest:4.4.0', requests: {cpu: '500m', memory: '1Gi'}}],
	});
	const scaledObject = b.plain('keda.sh', 'scaledobjects', {
		apiVersion: 'keda.sh/v1alpha1',
		metadata: {name: 'ingest-worker', namespace: 'data-platform', creationTimestamp: b.iso(20 * DAY), generation: 1},
		spec: {
			scaleTargetRef: {name: 'ingest-worker'},
			minReplicaCount: 1,
			maxReplicaCount: 20,
			pollingInterval: 30,
			cooldownPeriod: 300,
			triggers: [{type: 'redis', metadata: {address: 'redis.data-platform:6379', listName: 'ingest', listLength: '5', value: '5'}}],
		},
		status: {
			conditions: [
				{type: 'Ready', status: 'True', reason: 'ScaledObjectReady', message: 'ScaledObject is defined correctly and is ready for scaling'},
				{type: 'Active', status: 'True', reason: 'ScalerActive', message: 'Scaling is performed because triggers are active'},
			],
			hpaName: 'keda-hpa-ingest-worker',
			originalReplicaCount: 1,
			scaleTargetKind: 'apps/v1.Deployment',
		},
	});
	b.hpa('data-platform', 'keda-hpa-ingest-worker', ingest.deployment, {
		min: 1,
		max: 20,
		current: 1,
		lastScaleAgoMs: 4 * MIN,
		labels: {
			'app.kubernetes.io/managed-by': 'keda-operator',
			'app.kubernetes.io/name': 'keda-hpa-ingest-worker',
			'app.kubernetes.io/part-of': 'ingest-worker',
			'scaledobject.keda.sh/name': 'ingest-worker',
		},
		ownerReferences: [
			{apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', name: 'ingest-worker', uid: scaledObject.metadata.uid, controller: true, blockOwnerDeletion: true},
		],
		metrics: [
			{
				type: 'External',
				external: {
					metric: {name: 's0-redis', selector: {matchLabels: {'scaledobject.keda.sh/name': 'ingest-worker'}}},
					target: {type: 'AverageValue', averageValue: '5'},
				},
			},
		],
	});
	b.deployment('data-platform', 'spark-operator', {
		replicas: 1,
		...system,
		serviceAccountName: 'spark-operator',
		initContainers: [
			{name: 'wait-for-crds', image: 'bitnami/kubectl:1.32', requests: {cpu: '50m', memory: '64Mi'}},
			{
				name: 'log-shipper',
				image: 'cr.fluentbit.io/fluent/fluent-bit:2.2.2',
				restartPolicy: 'Always',
				requests: {cpu: '20m', memory: '32Mi'},
				limits: {cpu: '20m'},
			},
		],
		containers: [{name: 'operator', image: 'ghcr.io/kubeflow/spark-operator:2.0.2', ...guaranteed('200m', '256Mi')}],
	});
	b.deployment('data-platform', 'inventory-sync', {
		replicas: 2,
		...burst,
		serviceAccountName: 'acme-inventory',
		containers: [
			{name: 'sync', image: 'acme.azurecr.io/data/acme-inventory:0.3.1', requests: {cpu: '100m', memory: '128Mi'}, limits: {cpu: '1', memory: '2Gi'}},
		],
	});
	b.deployment('data-platform', 'dataset-controller', {
		replicas: 1,
		...system,
		serviceAccountName: 'dataset-controller',
		containers: [
			{name: 'manager', image: 'acme.azurecr.io/ml/dataset-controller:0.5.0', requests: {cpu: '100m', memory: '256Mi'}, limits: {cpu: '500m', memory: '256Mi'}},
		],
	});
	for (const sa of ['acme-inventory', 'dataset-controller', 'spark-operator'])
		b.plain('', 'serviceaccounts', {metadata: {name: sa, namespace: 'data-platform', creationTimestamp: b.iso(20 * DAY)}});
	b.plain('', 'serviceaccounts', {metadata: {name: 'keda-operator', namespace: 'keda', creationTimestamp: b.iso(20 * DAY)}});
	for (const sa of ['cilium']) b.plain('', 'serviceaccounts', {metadata: {name: sa, namespace: 'kube-system', creationTimestamp: b.iso(60 * DAY)}});
	b.plain('', 'serviceaccounts', {metadata: {name: 'fluent-bit', namespace: 'logging', creationTimestamp: b.iso(60 * DAY)}});
	b.plain('', 'serviceaccounts', {metadata: {name: 'prometheus', namespace: 'monitoring', creationTimestamp: b.iso(60 * DAY)}});

	// Oversized custom objects: "a hundred fields like environment variables on a CRD".
	const sizes = [18, 25, 40, 60, 75, 90, 110, 130, 150, 170, 200, 240, 280, 320, 380, 430, 500, 640, 800, 1180, 1290, 1410];
	sizes.forEach((kib, i) =>
		b.plain('ml.example.com', 'datasets', datasetObject(`dataset-${String(i).padStart(2, '0')}`, 'data-platform', kib, b.iso((sizes.length - i) * 6 * HOUR))),
	);
	b.plain('cert-manager.io', 'certificates', {
		apiVersion: 'cert-manager.io/v1',
		metadata: {name: 'checkout-tls', namespace: 'checkout', creationTimestamp: b.iso(30 * DAY), generation: 1},
		spec: {secretName: 'checkout-tls', dnsNames: ['checkout.acme.example'], issuerRef: {name: 'letsencrypt', kind: 'ClusterIssuer'}},
		status: {conditions: [{type: 'Ready', status: 'True'}]},
	});

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

	// History the events still hold: the flapping HPA's last hour and the churning pool.
	const hpa = JSON.parse(sim.store.resource('autoscaling/horizontalpodautoscalers').get('checkout/checkout-web')!.json) as Obj;
	sim.events.seedHistory(
		hpa,
		'Normal',
		'SuccessfulRescale',
		'New size: 10; reason: cpu resource utilization (percentage of request) above target',
		'horizontal-pod-autoscaler',
		b.now - 58 * MIN,
		b.now - 3 * MIN,
		19,
	);
	sim.events.seedHistory(
		hpa,
		'Normal',
		'SuccessfulRescale',
		'New size: 3; reason: All metrics below target',
		'horizontal-pod-autoscaler',
		b.now - 56 * MIN,
		b.now - 90_000,
		19,
	);
	const keda = JSON.parse(sim.store.resource('autoscaling/horizontalpodautoscalers').get('data-platform/keda-hpa-ingest-worker')!.json) as Obj;
	sim.events.seedHistory(
		keda,
		'Normal',
		'SuccessfulRescale',
		'New size: 12; reason: external metric s0-redis(&LabelSelector{MatchLabels:map[string]string{scaledobject.keda.sh/name: ingest-worker,},MatchExpressions:[]LabelSelectorRequirement{},}) above target',
		'horizontal-pod-autoscaler',
		b.now - 55 * MIN,
		b.now - 11 * MIN,
		5,
	);
	sim.events.seedHistory(
		keda,
		'Normal',
		'SuccessfulRescale',
		'New size: 1; reason: All metrics below target',
		'horizontal-pod-autoscaler',
		b.now - 48 * MIN,
		b.now - 4 * MIN,
		5,
	);

	return {
		pools: INCIDENT_POOLS,
		leaseRenewMs: 10_000,
		resync: true,
		afterControllers: (s) => {
			const start = s.clock.now();
			s.autoscalers!.setLoad('checkout/checkout-web', flappingLoad(start));
			s.autoscalers!.setLoad('checkout/storefront', () => 5);
			s.autoscalers!.setLoad('data-platform/keda-hpa-ingest-worker', kedaLoad(start));
			// A gitops tool re-applies spec.replicas: 3 every two minutes (a fight with the HPA).
			const deployments = s.type('apps', 'deployments');
			s.addStopper(
				s.clock.every(2 * MIN, () => {
					try {
						s.api.patch(
							deployments,
							'checkout',
							'storefront',
							'application/apply-patch+yaml',
							JSON.stringify({apiVersion: 'apps/v1', kind: 'Deployment', metadata: {name: 'storefront', namespace: 'checkout'}, spec: {replicas: 3}}),
							{user: {name: 'system:serviceaccount:argocd:argocd-application-controller', groups: []}, fieldManager: 'argocd-controller', force: true},
						);
					} catch {
						// Deleted by someone: the gitops tool gives up.
					}
				}).cancel,
			);
			// The dataset operator publishes progress as events: an event storm.
			s.addStopper(
				s.events.storm({
					namespace: 'data-platform',
					component: 'ml.example.com/dataset-controller',
					involvedKind: 'Dataset',
					involvedApiVersion: 'ml.example.com/v1',
					involvedNames: sizes.map((_, i) => `dataset-${String(i).padStart(2, '0')}`),
					reason: 'SyncProgress',
					perSecond: 8,
					newApi: true,
				}),
			);
			// ...and keeps adding datasets: a kind that grows.
			const datasets = s.type('ml.example.com', 'datasets');
			let n = sizes.length;
			s.addStopper(
				s.clock.every(3 * MIN, () => {
					try {
						s.api.create(datasets, 'data-platform', datasetObject(`dataset-${String(n++).padStart(2, '0')}`, 'data-platform', 60 + (n % 5) * 40), {
							user: {name: 'system:serviceaccount:data-platform:dataset-controller', groups: []},
							fieldManager: 'dataset-controller',
						});
					} catch {
						// Namespace gone.
					}
				}).cancel,
			);
		},
	};
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
