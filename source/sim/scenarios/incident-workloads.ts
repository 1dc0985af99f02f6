/**
 * The incident scenario's running workloads, namespace by namespace, with what the
 * autoscaling and QoS panes find planted among them —
 * kube-system, logging and monitoring: system workloads as AKS ships them (Burstable), next to
 *   Guaranteed ones;
 * payments: the well-run namespace (Guaranteed, a quota, a PriorityClass), but a Deployment
 *   keeping many old ReplicaSets;
 * checkout: an HPA that flaps (scale-down window 0), a gitops tool fighting an HPA over
 *   spec.replicas, a steady HPA, BestEffort pods, no ResourceQuota;
 * data-platform: the CRDs (KEDA, Datasets, Certificates), KEDA's ScaledObject and the HPA it
 *   owns, a LimitRange that changes what pods get, limits-only, init-container and
 *   native-sidecar edge cases, the operators' service accounts.
 */
import {crdObject} from '../crds.js';
import type {ClusterBuilder} from './builder.js';
import {guaranteed} from './builder-templates.js';

const MIN = 60_000;
const DAY = 86_400_000;

const system = {nodeSelector: {agentpool: 'system'}};
const burst = {nodeSelector: {agentpool: 'burst'}};

/** Seeds the workloads in this order (the seeded PRNG makes names and uids depend on it). */
export function seedIncidentWorkloads(b: ClusterBuilder): void {
	seedSystemWorkloads(b);
	seedPayments(b);
	seedCheckout(b);
	seedDataPlatform(b);
}

function seedSystemWorkloads(b: ClusterBuilder): void {
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
}

function seedPayments(b: ClusterBuilder): void {
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
}

function seedCheckout(b: ClusterBuilder): void {
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
}

function seedDataPlatform(b: ClusterBuilder): void {
	const sim = b.sim;
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
}
