/**
 * What a session reflects: every kind it can keep in sync (group, version, resource, how
 * it is listed) and which kinds each pane reads. The session (session.ts) starts a
 * reflector for each kind the panes shown need, the first pane's first.
 */
import type {Pane} from '../model/finding.js';
import type {StoreKind} from './cluster-store.js';

/** One kind a session can reflect. */
export interface KindSpec {
	kind: StoreKind;
	group: string;
	version: string;
	resource: string;
	namespaced: boolean;
	mode?: 'full' | 'rv-only';
	fieldSelector?: string;
	/** Fixed namespace (kube-system for the autoscaler status). */
	namespace?: string;
	/** Only when discovery shows the group (CRDs, optional APIs). */
	optional?: boolean;
}

export const KINDS: Record<StoreKind, KindSpec> = {
	pods: {kind: 'pods', group: '', version: 'v1', resource: 'pods', namespaced: true},
	nodes: {kind: 'nodes', group: '', version: 'v1', resource: 'nodes', namespaced: false},
	namespaces: {kind: 'namespaces', group: '', version: 'v1', resource: 'namespaces', namespaced: false},
	deployments: {kind: 'deployments', group: 'apps', version: 'v1', resource: 'deployments', namespaced: true},
	replicasets: {kind: 'replicasets', group: 'apps', version: 'v1', resource: 'replicasets', namespaced: true},
	statefulsets: {kind: 'statefulsets', group: 'apps', version: 'v1', resource: 'statefulsets', namespaced: true},
	daemonsets: {kind: 'daemonsets', group: 'apps', version: 'v1', resource: 'daemonsets', namespaced: true},
	jobs: {kind: 'jobs', group: 'batch', version: 'v1', resource: 'jobs', namespaced: true},
	cronjobs: {kind: 'cronjobs', group: 'batch', version: 'v1', resource: 'cronjobs', namespaced: true},
	hpas: {kind: 'hpas', group: 'autoscaling', version: 'v2', resource: 'horizontalpodautoscalers', namespaced: true},
	scaledobjects: {kind: 'scaledobjects', group: 'keda.sh', version: 'v1alpha1', resource: 'scaledobjects', namespaced: true, optional: true},
	volumes: {kind: 'volumes', group: '', version: 'v1', resource: 'persistentvolumes', namespaced: false},
	claims: {kind: 'claims', group: '', version: 'v1', resource: 'persistentvolumeclaims', namespaced: true},
	quotas: {kind: 'quotas', group: '', version: 'v1', resource: 'resourcequotas', namespaced: true},
	priorityclasses: {kind: 'priorityclasses', group: 'scheduling.k8s.io', version: 'v1', resource: 'priorityclasses', namespaced: false},
	flowschemas: {kind: 'flowschemas', group: 'flowcontrol.apiserver.k8s.io', version: 'v1', resource: 'flowschemas', namespaced: false},
	events: {kind: 'events', group: '', version: 'v1', resource: 'events', namespaced: true, mode: 'rv-only'},
	autoscalerstatus: {
		kind: 'autoscalerstatus',
		group: '',
		version: 'v1',
		resource: 'configmaps',
		namespaced: true,
		namespace: 'kube-system',
		fieldSelector: 'metadata.name=cluster-autoscaler-status',
	},
};

/** What each pane reads. The order is the order reflectors start in. */
export const PANE_KINDS: Record<Pane, StoreKind[]> = {
	etcd: ['jobs', 'cronjobs', 'pods', 'volumes', 'claims', 'deployments', 'replicasets', 'quotas', 'namespaces', 'events'],
	watchers: ['flowschemas', 'pods', 'deployments', 'replicasets', 'daemonsets', 'statefulsets'],
	autoscaling: ['hpas', 'scaledobjects', 'deployments', 'statefulsets', 'nodes', 'quotas', 'priorityclasses', 'events', 'autoscalerstatus', 'pods'],
	qos: ['pods', 'replicasets', 'deployments', 'statefulsets', 'daemonsets', 'jobs', 'cronjobs', 'nodes', 'priorityclasses'],
};
