/**
 * CustomResourceDefinitions: when a CRD is stored, its served versions become resource
 * types (custom: JSON and merge/json/apply patches only, status and scale subresources as
 * the CRD declares); when it is deleted they go away.
 */
import type {ResourceType} from './resources.js';
import type {Obj} from '../formats/json-object.js';

export function typesFromCrd(crd: Obj): ResourceType[] {
	const spec = (crd.spec ?? {}) as Obj;
	const names = (spec.names ?? {}) as Obj;
	const group = String(spec.group ?? '');
	const versions = ((spec.versions ?? []) as Obj[]).filter((v) => v.served !== false);
	// The storage version first: it is the preferred version in discovery.
	versions.sort((a, b) => Number(Boolean(b.storage)) - Number(Boolean(a.storage)));
	return versions.map((version) => {
		const subresources: string[] = [];
		if (version.subresources?.status) subresources.push('status');
		if (version.subresources?.scale) subresources.push('scale');
		return {
			group,
			version: String(version.name),
			resource: String(names.plural),
			singular: String(names.singular ?? String(names.kind).toLowerCase()),
			kind: String(names.kind),
			namespaced: spec.scope !== 'Cluster',
			verbs: ['delete', 'deletecollection', 'get', 'list', 'patch', 'create', 'update', 'watch'],
			...(names.shortNames ? {shortNames: names.shortNames as string[]} : {}),
			...(names.categories ? {categories: names.categories as string[]} : {}),
			...(subresources.length > 0 ? {subresources} : {}),
			storage: `${group}/${String(names.plural)}`,
			custom: true,
			watchCache: true,
		};
	});
}

/** A minimal, valid CRD object for a custom kind (structural schema that preserves unknown fields). */
export function crdObject(options: {
	group: string;
	kind: string;
	plural: string;
	singular?: string;
	shortNames?: string[];
	versions?: string[];
	namespaced?: boolean;
	status?: boolean;
	scale?: boolean;
	categories?: string[];
}): Obj {
	const versions = options.versions ?? ['v1'];
	return {
		apiVersion: 'apiextensions.k8s.io/v1',
		kind: 'CustomResourceDefinition',
		metadata: {name: `${options.plural}.${options.group}`},
		spec: {
			group: options.group,
			names: {
				kind: options.kind,
				listKind: `${options.kind}List`,
				plural: options.plural,
				singular: options.singular ?? options.kind.toLowerCase(),
				...(options.shortNames ? {shortNames: options.shortNames} : {}),
				...(options.categories ? {categories: options.categories} : {}),
			},
			scope: options.namespaced === false ? 'Cluster' : 'Namespaced',
			versions: versions.map((name, i) => ({
				name,
				served: true,
				storage: i === 0,
				schema: {openAPIV3Schema: {type: 'object', 'x-kubernetes-preserve-unknown-fields': true}},
				...(options.status || options.scale
					? {
							subresources: {
								...(options.status ? {status: {}} : {}),
								...(options.scale ? {scale: {specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas'}} : {}),
							},
						}
					: {}),
			})),
			conversion: {strategy: 'None'},
		},
		status: {
			acceptedNames: {kind: options.kind, plural: options.plural},
			conditions: [{type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted'}],
			storedVersions: [versions[0]],
		},
	};
}
