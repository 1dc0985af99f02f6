/**
 * The `large` scenario: N pods (up to the SIG-scalability threshold of 150,000) on
 * ceil(N/30) nodes in three AKS pools, N/300 namespaces (≤ 3,000 pods each), Deployments of
 * five pods with their ReplicaSets, a kube-proxy DaemonSet on every node, and up to 10,000
 * HPAs holding steady. Objects are realistic in size (managedFields, statuses), because the
 * product's memory per pod is measured against them.
 */
import type {NodePoolSpec} from '../controllers/nodes.js';
import type {ClusterBuilder} from './builder.js';
import {seedSystem} from './system.js';

export function seedLarge(b: ClusterBuilder, size: number, hpaCount?: number): {pools: NodePoolSpec[]; resync: boolean} {
	const pods = Math.max(30, Math.min(200_000, Math.floor(size)));
	const nodes = Math.ceil(pods / 30);
	const perPool = Math.ceil(nodes / 3);
	const pools: NodePoolSpec[] = ['general', 'compute', 'memory'].map((name, i) => ({
		name,
		provider: 'aks',
		size: Math.max(1, Math.min(perPool, nodes - i * perPool)),
		min: 1,
		max: perPool * 2,
	}));
	seedSystem(b, {guaranteedSystem: false, flowSchemas: true});
	for (const pool of pools) b.pool(pool);
	b.daemonSet('kube-system', 'kube-proxy', {
		priorityClassName: 'system-node-critical',
		containers: [{name: 'kube-proxy', image: 'mcr.microsoft.com/oss/kubernetes/kube-proxy:v1.32.4', requests: {cpu: '100m'}}],
	});
	const remaining = Math.max(0, pods - nodes);
	const deployments = Math.floor(remaining / 5);
	const namespaces = Math.max(1, Math.ceil(remaining / 300));
	for (let n = 0; n < namespaces; n++) b.namespace(`team-${String(n).padStart(4, '0')}`, {tier: n % 3 === 0 ? 'gold' : 'silver'});
	const hpas = Math.min(deployments, hpaCount ?? Math.floor(pods / 15));
	for (let d = 0; d < deployments; d++) {
		const namespace = `team-${String(d % namespaces).padStart(4, '0')}`;
		const name = `svc-${String(d).padStart(6, '0')}`;
		const guaranteed = d % 4 !== 0;
		const {deployment} = b.deployment(namespace, name, {
			replicas: 5,
			ageMs: 86_400_000 * (1 + (d % 30)),
			containers: [
				{
					name: 'app',
					image: `acme.azurecr.io/team/${name}:1.${d % 20}.0`,
					ports: [8080],
					env: [
						{name: 'SERVICE_NAME', value: name},
						{name: 'LOG_LEVEL', value: 'info'},
						{name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: 'http://otel-collector.monitoring:4317'},
					],
					...(guaranteed ? {requests: {cpu: '250m', memory: '256Mi'}, limits: {cpu: '250m', memory: '256Mi'}} : {requests: {cpu: '100m', memory: '128Mi'}}),
				},
				{name: 'envoy', image: 'envoyproxy/envoy:v1.31.0', ports: [15001], requests: {cpu: '50m', memory: '64Mi'}, limits: {cpu: '50m', memory: '64Mi'}},
			],
		});
		if (d < hpas) b.hpa(namespace, name, deployment, {min: 3, max: 10, current: 5, targetUtilization: 70, lastScaleAgoMs: 86_400_000});
	}
	return {pools, resync: false};
}
