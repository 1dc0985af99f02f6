/**
 * What every cluster has before anyone deploys: the system namespaces, the built-in
 * PriorityClasses, the default API Priority and Fairness configuration (the suggested
 * FlowSchemas and PriorityLevelConfigurations with their real precedences and shares),
 * default ServiceAccounts and kube-root-ca.crt ConfigMaps.
 */
import type {Obj} from '../../formats/json-object.js';
import type {ClusterBuilder} from './builder.js';

const levels: Array<[string, number | undefined, number]> = [
	// name, nominalConcurrencyShares (undefined = Exempt), lendablePercent
	['exempt', undefined, 0],
	['system', 30, 33],
	['node-high', 40, 25],
	['leader-election', 10, 0],
	['workload-high', 40, 50],
	['workload-low', 100, 90],
	['global-default', 20, 50],
	['catch-all', 5, 0],
];

const allResources = [{verbs: ['*'], apiGroups: ['*'], resources: ['*'], clusterScope: true, namespaces: ['*']}];
const allNonResources = [{verbs: ['*'], nonResourceURLs: ['*']}];

const schemas: Array<{name: string; precedence: number; level: string; subjects: Obj[]; distinguisher?: string; nonResourceOnly?: boolean}> = [
	{name: 'exempt', precedence: 1, level: 'exempt', subjects: [{kind: 'Group', group: {name: 'system:masters'}}]},
	{
		name: 'probes',
		precedence: 2,
		level: 'exempt',
		subjects: [
			{kind: 'Group', group: {name: 'system:unauthenticated'}},
			{kind: 'Group', group: {name: 'system:authenticated'}},
		],
		nonResourceOnly: true,
	},
	{
		name: 'system-leader-election',
		precedence: 100,
		level: 'leader-election',
		subjects: [
			{kind: 'User', user: {name: 'system:kube-controller-manager'}},
			{kind: 'User', user: {name: 'system:kube-scheduler'}},
		],
		distinguisher: 'ByUser',
	},
	{
		name: 'endpoint-controller',
		precedence: 150,
		level: 'workload-high',
		subjects: [
			{kind: 'User', user: {name: 'system:kube-controller-manager'}},
			{kind: 'ServiceAccount', serviceAccount: {name: 'endpoint-controller', namespace: 'kube-system'}},
		],
		distinguisher: 'ByUser',
	},
	{
		name: 'workload-leader-election',
		precedence: 200,
		level: 'leader-election',
		subjects: [{kind: 'ServiceAccount', serviceAccount: {name: '*', namespace: 'kube-system'}}],
		distinguisher: 'ByUser',
	},
	{name: 'system-node-high', precedence: 400, level: 'node-high', subjects: [{kind: 'Group', group: {name: 'system:nodes'}}], distinguisher: 'ByUser'},
	{name: 'system-nodes', precedence: 500, level: 'system', subjects: [{kind: 'Group', group: {name: 'system:nodes'}}], distinguisher: 'ByUser'},
	{
		name: 'kube-controller-manager',
		precedence: 800,
		level: 'workload-high',
		subjects: [{kind: 'User', user: {name: 'system:kube-controller-manager'}}],
		distinguisher: 'ByNamespace',
	},
	{
		name: 'kube-scheduler',
		precedence: 800,
		level: 'workload-high',
		subjects: [{kind: 'User', user: {name: 'system:kube-scheduler'}}],
		distinguisher: 'ByNamespace',
	},
	{
		name: 'kube-system-service-accounts',
		precedence: 900,
		level: 'workload-high',
		subjects: [{kind: 'ServiceAccount', serviceAccount: {name: '*', namespace: 'kube-system'}}],
		distinguisher: 'ByNamespace',
	},
	{
		name: 'service-accounts',
		precedence: 9000,
		level: 'workload-low',
		subjects: [{kind: 'Group', group: {name: 'system:serviceaccounts'}}],
		distinguisher: 'ByUser',
	},
	{
		name: 'global-default',
		precedence: 9900,
		level: 'global-default',
		subjects: [
			{kind: 'Group', group: {name: 'system:unauthenticated'}},
			{kind: 'Group', group: {name: 'system:authenticated'}},
		],
		distinguisher: 'ByUser',
	},
	{
		name: 'catch-all',
		precedence: 10000,
		level: 'catch-all',
		subjects: [
			{kind: 'Group', group: {name: 'system:unauthenticated'}},
			{kind: 'Group', group: {name: 'system:authenticated'}},
		],
		distinguisher: 'ByUser',
	},
];

export const SYSTEM_NAMESPACES = ['kube-system', 'kube-public', 'kube-node-lease', 'default'];

export function seedSystem(b: ClusterBuilder, options: {guaranteedSystem: boolean; flowSchemas: boolean}): void {
	void options.guaranteedSystem;
	for (const name of SYSTEM_NAMESPACES) b.namespace(name, {}, 60 * 86_400_000);
	b.plain('scheduling.k8s.io', 'priorityclasses', {
		metadata: {name: 'system-cluster-critical', creationTimestamp: b.iso(60 * 86_400_000)},
		value: 2000000000,
		description: 'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.',
		preemptionPolicy: 'PreemptLowerPriority',
	});
	b.plain('scheduling.k8s.io', 'priorityclasses', {
		metadata: {name: 'system-node-critical', creationTimestamp: b.iso(60 * 86_400_000)},
		value: 2000001000,
		description: 'Used for system critical pods that must not be moved from their current node.',
		preemptionPolicy: 'PreemptLowerPriority',
	});
	if (options.flowSchemas) {
		const fcVersion = b.type('flowcontrol.apiserver.k8s.io', 'flowschemas').version;
		for (const [name, shares, lendable] of levels) {
			b.plain('flowcontrol.apiserver.k8s.io', 'prioritylevelconfigurations', {
				apiVersion: `flowcontrol.apiserver.k8s.io/${fcVersion}`,
				metadata: {name, annotations: {'apf.kubernetes.io/autoupdate-spec': 'true'}, creationTimestamp: b.iso(60 * 86_400_000)},
				spec:
					shares === undefined
						? {type: 'Exempt', exempt: {nominalConcurrencyShares: 0, lendablePercent: 0}}
						: {
								type: 'Limited',
								limited: {
									nominalConcurrencyShares: shares,
									lendablePercent: lendable,
									limitResponse:
										name === 'catch-all'
											? {type: 'Reject'}
											: {
													type: 'Queue',
													queuing: {queues: name === 'leader-election' ? 16 : 64, handSize: name === 'leader-election' ? 4 : 6, queueLengthLimit: 50},
												},
								},
							},
				status: {conditions: []},
			});
		}
		for (const schema of schemas) {
			const rule: Obj = {subjects: schema.subjects};
			if (schema.nonResourceOnly) rule.nonResourceRules = [{verbs: ['get'], nonResourceURLs: ['/healthz', '/readyz', '/livez']}];
			else {
				rule.resourceRules = allResources;
				rule.nonResourceRules = allNonResources;
			}
			b.plain('flowcontrol.apiserver.k8s.io', 'flowschemas', {
				apiVersion: `flowcontrol.apiserver.k8s.io/${fcVersion}`,
				metadata: {name: schema.name, annotations: {'apf.kubernetes.io/autoupdate-spec': 'true'}, creationTimestamp: b.iso(60 * 86_400_000)},
				spec: {
					priorityLevelConfiguration: {name: schema.level},
					matchingPrecedence: schema.precedence,
					...(schema.distinguisher ? {distinguisherMethod: {type: schema.distinguisher}} : {}),
					rules: [rule],
				},
				status: {
					conditions: [
						{
							type: 'Dangling',
							status: 'False',
							lastTransitionTime: b.iso(60 * 86_400_000),
							reason: 'Found',
							message: `This FlowSchema references the PriorityLevelConfiguration object named "${schema.level}" and it exists`,
						},
					],
				},
			});
		}
	}
}

/** Per-namespace furniture: the default ServiceAccount and kube-root-ca.crt. */
export function seedNamespaceDefaults(b: ClusterBuilder, namespace: string, ageMs = 30 * 86_400_000): void {
	b.plain('', 'serviceaccounts', {metadata: {name: 'default', namespace, creationTimestamp: b.iso(ageMs)}});
	b.plain('', 'configmaps', {
		metadata: {
			name: 'kube-root-ca.crt',
			namespace,
			annotations: {
				'kubernetes.io/description':
					'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.',
			},
			creationTimestamp: b.iso(ageMs),
		},
		data: {'ca.crt': '-----BEGIN CERTIFICATE-----\nMIIBsim\n-----END CERTIFICATE-----\n'},
	});
}
