/**
 * Discovery as the legacy (unaggregated) documents give it: /api (APIVersions), /apis
 * (APIGroupList), /apis/<group> (APIGroup), and the APIResourceList of each group
 * version with its resources, subresources, verbs, short names and categories.
 */
import type {ResourceRegistry} from '../resources.js';
import type {Obj} from '../../formats/json-object.js';

/** Legacy (unaggregated) discovery documents. */
export function discoveryDocument(registry: ResourceRegistry, path: string, port: number): Obj | undefined {
	const segments = path.split('/').filter(Boolean);
	if (path === '/api' || path === '/api/') {
		return {kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{clientCIDR: '0.0.0.0/0', serverAddress: `127.0.0.1:${port}`}]};
	}
	const groupEntry = (group: string, versions: string[]) => ({
		name: group,
		versions: versions.map((v) => ({groupVersion: `${group}/${v}`, version: v})),
		preferredVersion: {groupVersion: `${group}/${versions[0]}`, version: versions[0]},
	});
	if (path === '/apis' || path === '/apis/') {
		return {
			kind: 'APIGroupList',
			apiVersion: 'v1',
			groups: registry
				.groups()
				.filter((g) => g.group !== '')
				.map((g) => groupEntry(g.group, g.versions)),
		};
	}
	let group: string;
	let version: string;
	if (segments[0] === 'api' && segments.length === 2) {
		group = '';
		version = segments[1]!;
	} else if (segments[0] === 'apis' && segments.length === 2) {
		const entry = registry.groups().find((g) => g.group === segments[1]);
		return entry ? {kind: 'APIGroup', apiVersion: 'v1', ...groupEntry(entry.group, entry.versions)} : undefined;
	} else if (segments[0] === 'apis' && segments.length === 3) {
		group = segments[1]!;
		version = segments[2]!;
	} else return undefined;
	const types = registry.inGroupVersion(group, version);
	if (types.length === 0) return undefined;
	const resources: Obj[] = [];
	for (const type of types) {
		const entry: Obj = {name: type.resource, singularName: type.singular, namespaced: type.namespaced, kind: type.kind, verbs: type.verbs};
		if (type.shortNames) entry.shortNames = type.shortNames;
		if (type.categories) entry.categories = type.categories;
		resources.push(entry);
		for (const sub of type.subresources ?? []) {
			const subEntry: Obj = {
				name: `${type.resource}/${sub}`,
				singularName: '',
				namespaced: type.namespaced,
				kind: type.kind,
				verbs: ['get', 'patch', 'update'],
			};
			if (sub === 'scale') Object.assign(subEntry, {group: 'autoscaling', version: 'v1', kind: 'Scale'});
			if (sub === 'eviction') Object.assign(subEntry, {group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create']});
			if (sub === 'binding') Object.assign(subEntry, {kind: 'Binding', verbs: ['create']});
			if (sub === 'log') Object.assign(subEntry, {verbs: ['get']});
			if (sub === 'finalize') Object.assign(subEntry, {verbs: ['update']});
			resources.push(subEntry);
		}
	}
	return {kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources};
}
