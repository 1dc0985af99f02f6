/**
 * API discovery (legacy form: /api, /apis, and one document per group version) — which
 * resources exist, whether they are namespaced, which verbs they allow — so that counts
 * cover CRDs too and optional kinds (KEDA ScaledObjects, metrics.k8s.io) are used only
 * where they exist. Fetched once per session (and on demand), through the gentle client.
 */
import type {KubeClient} from './client.js';

export interface DiscoveredResource {
	group: string;
	version: string;
	resource: string;
	kind: string;
	namespaced: boolean;
	verbs: readonly string[];
}

interface APIResourceList {
	groupVersion: string;
	resources: Array<{name: string; kind: string; namespaced: boolean; verbs: string[]}>;
}

export class Discovery {
	resources: DiscoveredResource[] = [];
	/** Preferred version per group. */
	preferred = new Map<string, string>();
	loaded = false;

	constructor(private readonly client: KubeClient) {}

	async load(signal?: AbortSignal): Promise<void> {
		const groups = await this.client.getJson<{groups: Array<{name: string; preferredVersion?: {version: string}; versions: Array<{version: string}>}>}>(
			'/apis',
			{signal, what: 'discovery', background: true},
		);
		const versions: Array<{group: string; version: string}> = [{group: '', version: 'v1'}];
		this.preferred.set('', 'v1');
		for (const group of groups.groups ?? []) {
			const version = group.preferredVersion?.version ?? group.versions[0]?.version;
			if (!version) continue;
			this.preferred.set(group.name, version);
			versions.push({group: group.name, version});
		}
		const out: DiscoveredResource[] = [];
		for (const {group, version} of versions) {
			const path = group ? `/apis/${group}/${version}` : '/api/v1';
			let list: APIResourceList;
			try {
				list = await this.client.getJson<APIResourceList>(path, {signal, what: `discovery of ${group || 'core'}/${version}`, maxAttempts: 3, background: true});
			} catch (error) {
				if ((error as Error).name === 'AbortError') throw error;
				// An aggregated API that is down (metrics.k8s.io, often) must not stop discovery.
				continue;
			}
			for (const r of list.resources ?? []) {
				if (r.name.includes('/')) continue;
				out.push({group, version, resource: r.name, kind: r.kind, namespaced: r.namespaced, verbs: r.verbs ?? []});
			}
		}
		this.resources = out;
		this.loaded = true;
	}

	find(group: string, resource: string): DiscoveredResource | undefined {
		return this.resources.find((r) => r.group === group && r.resource === resource);
	}

	/** Resources whose objects can be counted with a LIST (events and virtual resources excluded). */
	listable(): DiscoveredResource[] {
		return this.resources.filter((r) => r.verbs.includes('list') && r.verbs.includes('watch') && r.group !== 'metrics.k8s.io');
	}
}
