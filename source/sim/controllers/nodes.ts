/**
 * Nodes and node groups: the simulated cloud provider's node pools (AKS, EKS, GKE and
 * Karpenter label conventions) and a cluster-autoscaler that resizes a pool over time —
 * the "bouncing 2↔3 every 15 min" behaviour users complain about — writing its status
 * ConfigMap (kube-system/cluster-autoscaler-status, YAML or the older text format) and
 * its events (ScaledUpGroup, ScaleDownEmpty, TriggeredScaleUp, ScaleDown).
 */
import {stringify as toYaml} from 'yaml';
import type {ResourceType} from '../resources.js';
import type {Obj} from '../../formats/json-object.js';
import type {ControllerContext} from './context.js';

export type Provider = 'aks' | 'eks' | 'gke' | 'kubeadm' | 'karpenter';

export interface NodePoolSpec {
	name: string;
	provider: Provider;
	/** Initial size. */
	size: number;
	min?: number;
	max?: number;
	instanceType?: string;
	cpu?: string;
	memory?: string;
	/** The cluster-autoscaler moves the pool between `low` and `high` every `periodMs`. */
	oscillate?: {low: number; high: number; periodMs: number};
	taints?: Obj[];
	zone?: string;
}

export function poolLabels(pool: NodePoolSpec, index: number): Record<string, string> {
	const zone = pool.zone ?? `zone-${(index % 3) + 1}`;
	const common: Record<string, string> = {
		'kubernetes.io/os': 'linux',
		'kubernetes.io/arch': 'amd64',
		'node.kubernetes.io/instance-type': pool.instanceType ?? 'Standard_D8s_v5',
		'topology.kubernetes.io/zone': zone,
	};
	switch (pool.provider) {
		case 'aks':
			return {
				...common,
				agentpool: pool.name,
				'kubernetes.azure.com/agentpool': pool.name,
				'kubernetes.azure.com/mode': pool.name.startsWith('sys') ? 'system' : 'user',
			};
		case 'eks':
			return {...common, 'eks.amazonaws.com/nodegroup': pool.name, 'eks.amazonaws.com/capacityType': 'ON_DEMAND'};
		case 'gke':
			return {...common, 'cloud.google.com/gke-nodepool': pool.name};
		case 'karpenter':
			return {...common, 'karpenter.sh/nodepool': pool.name, 'karpenter.sh/capacity-type': 'on-demand'};
		default:
			return {...common, 'node.kubernetes.io/pool': pool.name};
	}
}

export function nodeName(pool: NodePoolSpec, index: number): string {
	switch (pool.provider) {
		case 'aks':
			return `aks-${pool.name}-31415926-vmss${index.toString(36).padStart(6, '0')}`;
		case 'eks':
			return `ip-10-0-${Math.floor(index / 250) + 1}-${(index % 250) + 2}.ec2.internal`;
		case 'gke':
			return `gke-prod-${pool.name}-8f3a2b1c-${index.toString(36).padStart(4, '0')}`;
		default:
			return `${pool.name}-${index}`;
	}
}

export function nodeObject(pool: NodePoolSpec, index: number, createdIso: string, kubeletVersion: string): Obj {
	const name = nodeName(pool, index);
	const capacity = {cpu: pool.cpu ?? '8', memory: pool.memory ?? '32863848Ki', pods: '110', 'ephemeral-storage': '129886128Ki'};
	return {
		apiVersion: 'v1',
		kind: 'Node',
		metadata: {
			name,
			labels: {...poolLabels(pool, index), 'kubernetes.io/hostname': name},
			annotations: {'node.alpha.kubernetes.io/ttl': '0'},
			creationTimestamp: createdIso,
		},
		spec: {providerID: `sim://${pool.provider}/${pool.name}/${index}`, ...(pool.taints ? {taints: pool.taints} : {})},
		status: {
			capacity,
			allocatable: {...capacity, cpu: `${Number(capacity.cpu) * 1000 - 180}m`},
			conditions: [
				{
					type: 'MemoryPressure',
					status: 'False',
					reason: 'KubeletHasSufficientMemory',
					message: 'kubelet has sufficient memory available',
					lastHeartbeatTime: createdIso,
					lastTransitionTime: createdIso,
				},
				{
					type: 'DiskPressure',
					status: 'False',
					reason: 'KubeletHasNoDiskPressure',
					message: 'kubelet has no disk pressure',
					lastHeartbeatTime: createdIso,
					lastTransitionTime: createdIso,
				},
				{
					type: 'PIDPressure',
					status: 'False',
					reason: 'KubeletHasSufficientPID',
					message: 'kubelet has sufficient PID available',
					lastHeartbeatTime: createdIso,
					lastTransitionTime: createdIso,
				},
				{
					type: 'Ready',
					status: 'True',
					reason: 'KubeletReady',
					message: 'kubelet is posting ready status',
					lastHeartbeatTime: createdIso,
					lastTransitionTime: createdIso,
				},
			],
			addresses: [
				{type: 'InternalIP', address: `10.240.${Math.floor(index / 250)}.${(index % 250) + 4}`},
				{type: 'Hostname', address: name},
			],
			nodeInfo: {
				kubeletVersion,
				kubeProxyVersion: kubeletVersion,
				containerRuntimeVersion: 'containerd://1.7.27',
				operatingSystem: 'linux',
				architecture: 'amd64',
				osImage: 'Ubuntu 22.04.5 LTS',
				kernelVersion: '5.15.0-1089-azure',
				machineID: '',
				systemUUID: '',
				bootID: '',
			},
		},
	};
}

export class NodeGroups {
	private readonly nodes: ResourceType;
	private readonly configmaps: ResourceType;
	private readonly next = new Map<string, number>();
	private readonly lastChange = new Map<string, {at: number; from: number; to: number}>();

	constructor(
		private readonly ctx: ControllerContext,
		private readonly pools: NodePoolSpec[],
		private readonly options: {kubeletVersion: string; statusFormat?: 'yaml' | 'text'; autoscalerEnabled: boolean; startMs: number},
	) {
		this.nodes = ctx.type('', 'nodes');
		this.configmaps = ctx.type('', 'configmaps');
		for (const pool of pools) this.next.set(pool.name, pool.size);
		if (options.autoscalerEnabled && pools.some((p) => p.oscillate)) ctx.every(30_000, () => this.tick());
	}

	poolOf(node: Obj): string | undefined {
		const labels = (node.metadata?.labels ?? {}) as Record<string, string>;
		return (
			labels.agentpool ??
			labels['eks.amazonaws.com/nodegroup'] ??
			labels['cloud.google.com/gke-nodepool'] ??
			labels['karpenter.sh/nodepool'] ??
			labels['node.kubernetes.io/pool']
		);
	}

	private members(pool: NodePoolSpec): Obj[] {
		return [...this.ctx.api.store.resource('nodes').sorted()].map((r) => JSON.parse(r.json) as Obj).filter((node) => this.poolOf(node) === pool.name);
	}

	/** The size the autoscaler wants for a pool now. */
	targetSize(pool: NodePoolSpec, now: number): number {
		if (!pool.oscillate) return pool.size;
		const phase = Math.floor((now - this.options.startMs) / pool.oscillate.periodMs) % 2;
		return phase === 0 ? pool.oscillate.high : pool.oscillate.low;
	}

	tick(): void {
		const now = this.ctx.clock.now();
		const ctx = {user: {name: 'system:serviceaccount:kube-system:cluster-autoscaler', groups: []}, fieldManager: 'cluster-autoscaler'};
		for (const pool of this.pools) {
			if (!pool.oscillate) continue;
			const members = this.members(pool);
			const target = this.targetSize(pool, now);
			if (members.length < target) {
				this.ctx.recordEvent(
					this.statusConfigMap() ?? {kind: 'ConfigMap', apiVersion: 'v1', metadata: {name: 'cluster-autoscaler-status', namespace: 'kube-system'}},
					'Normal',
					'ScaledUpGroup',
					`Scale-up: setting group ${pool.name} size to ${target} instead of ${members.length} (max: ${pool.max ?? 10})`,
					'cluster-autoscaler',
				);
				for (let i = members.length; i < target; i++) {
					const index = this.next.get(pool.name)!;
					this.next.set(pool.name, index + 1);
					this.ctx.api.create(this.nodes, '', nodeObject(pool, index, this.ctx.clock.iso(), this.options.kubeletVersion), ctx);
					const created = this.ctx.api.record(this.nodes, '', nodeName(pool, index));
					if (created) {
						const node = JSON.parse(created.json) as Obj;
						const status = nodeObject(pool, index, this.ctx.clock.iso(), this.options.kubeletVersion).status;
						this.ctx.api.controllerWrite(this.nodes, {...node, status}, 'kubelet', 'status');
					}
				}
				this.lastChange.set(pool.name, {at: now, from: members.length, to: target});
			} else if (members.length > target) {
				const victims = [...members]
					.sort((a, b) => String(b.metadata.creationTimestamp).localeCompare(String(a.metadata.creationTimestamp)))
					.slice(0, members.length - target);
				for (const node of victims) {
					this.ctx.recordEvent(node, 'Normal', 'ScaleDown', 'marked the node as toBeDeleted/unschedulable', 'cluster-autoscaler');
					this.ctx.recordEvent(
						this.statusConfigMap() ?? {kind: 'ConfigMap', apiVersion: 'v1', metadata: {name: 'cluster-autoscaler-status', namespace: 'kube-system'}},
						'Normal',
						'ScaleDownEmpty',
						`Scale-down: removing empty node "${node.metadata.name}"`,
						'cluster-autoscaler',
					);
					try {
						this.ctx.api.delete(this.nodes, '', node.metadata.name, {}, ctx);
					} catch {
						// Gone.
					}
				}
				this.lastChange.set(pool.name, {at: now, from: members.length, to: target});
			}
		}
		this.writeStatus();
	}

	private statusConfigMap(): Obj | undefined {
		const record = this.ctx.api.record(this.configmaps, 'kube-system', 'cluster-autoscaler-status');
		return record ? (JSON.parse(record.json) as Obj) : undefined;
	}

	/** The status document, in the YAML format of cluster-autoscaler ≥ 1.30 or the older text format. */
	statusText(): string {
		const now = this.ctx.clock.iso();
		const groups = this.pools.map((pool) => {
			const members = this.members(pool);
			return {pool, count: members.length, target: this.targetSize(pool, this.ctx.clock.now()), change: this.lastChange.get(pool.name)};
		});
		const total = groups.reduce((n, g) => n + g.count, 0);
		if (this.options.statusFormat === 'text') {
			const lines = [
				`Cluster-autoscaler status at ${now}:`,
				`Cluster-wide:`,
				`  Health:      Healthy (ready=${total} unready=0 (resourceUnready=0) notStarted=0 longNotStarted=0 registered=${total} longUnregistered=0)`,
				`               LastProbeTime:      ${now}`,
				`               LastTransitionTime: ${this.ctx.clock.iso(this.options.startMs)}`,
				`  ScaleUp:     NoActivity (ready=${total} registered=${total})`,
				`               LastProbeTime:      ${now}`,
				`               LastTransitionTime: ${now}`,
				`  ScaleDown:   NoCandidates (candidates=0)`,
				`               LastProbeTime:      ${now}`,
				`               LastTransitionTime: ${now}`,
				'',
				'NodeGroups:',
			];
			for (const g of groups) {
				lines.push(
					`  Name:        ${g.pool.name}`,
					`  Health:      Healthy (ready=${g.count} unready=0 (resourceUnready=0) notStarted=0 longNotStarted=0 registered=${g.count} longUnregistered=0 cloudProviderTarget=${g.target} (minSize=${g.pool.min ?? 1}, maxSize=${g.pool.max ?? 10}))`,
					`               LastProbeTime:      ${now}`,
					`               LastTransitionTime: ${g.change ? this.ctx.clock.iso(g.change.at) : now}`,
					`  ScaleUp:     ${g.target > g.count ? 'InProgress' : 'NoActivity'} (ready=${g.count} cloudProviderTarget=${g.target})`,
					`               LastProbeTime:      ${now}`,
					`               LastTransitionTime: ${g.change ? this.ctx.clock.iso(g.change.at) : now}`,
					`  ScaleDown:   ${g.target < g.count ? 'CandidatesPresent (candidates=' + (g.count - g.target) + ')' : 'NoCandidates (candidates=0)'}`,
					`               LastProbeTime:      ${now}`,
					`               LastTransitionTime: ${g.change ? this.ctx.clock.iso(g.change.at) : now}`,
					'',
				);
			}
			return lines.join('\n');
		}
		return toYaml({
			time: now,
			autoscalerStatus: 'Running',
			clusterWide: {
				health: {
					status: 'Healthy',
					nodeCounts: {registered: {total, ready: total, notStarted: 0}, longUnregistered: 0, unregistered: 0},
					lastProbeTime: now,
					lastTransitionTime: this.ctx.clock.iso(this.options.startMs),
				},
				scaleUp: {status: groups.some((g) => g.target > g.count) ? 'InProgress' : 'NoActivity', lastProbeTime: now, lastTransitionTime: now},
				scaleDown: {status: groups.some((g) => g.target < g.count) ? 'CandidatesPresent' : 'NoCandidates', lastProbeTime: now, lastTransitionTime: now},
			},
			nodeGroups: groups.map((g) => ({
				name: g.pool.name,
				health: {
					status: 'Healthy',
					nodeCounts: {registered: {total: g.count, ready: g.count, notStarted: 0}, longUnregistered: 0, unregistered: 0},
					cloudProviderTarget: g.target,
					minSize: g.pool.min ?? 1,
					maxSize: g.pool.max ?? 10,
					lastProbeTime: now,
					lastTransitionTime: now,
				},
				scaleUp: {
					status: g.target > g.count ? 'InProgress' : 'NoActivity',
					lastProbeTime: now,
					lastTransitionTime: g.change ? this.ctx.clock.iso(g.change.at) : now,
				},
				scaleDown: {
					status: g.target < g.count ? 'CandidatesPresent' : 'NoCandidates',
					lastProbeTime: now,
					lastTransitionTime: g.change ? this.ctx.clock.iso(g.change.at) : now,
				},
			})),
		});
	}

	writeStatus(): void {
		const existing = this.statusConfigMap();
		const data = {status: this.statusText()};
		const annotations = {'cluster-autoscaler.kubernetes.io/last-updated': this.ctx.clock.iso()};
		if (!existing) {
			try {
				this.ctx.api.create(
					this.configmaps,
					'kube-system',
					{metadata: {name: 'cluster-autoscaler-status', namespace: 'kube-system', annotations}, data},
					{user: {name: 'system:serviceaccount:kube-system:cluster-autoscaler', groups: []}, fieldManager: 'cluster-autoscaler'},
				);
			} catch {
				// kube-system missing in this scenario.
			}
			return;
		}
		this.ctx.api.controllerWrite(
			this.configmaps,
			{...existing, metadata: {...existing.metadata, annotations: {...(existing.metadata.annotations ?? {}), ...annotations}}, data},
			'cluster-autoscaler',
		);
	}
}
