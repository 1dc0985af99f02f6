/**
 * Content negotiation: the response format a request's Accept header asks for (plain
 * JSON, a meta.k8s.io Table, or PartialObjectMetadata), or none (406).
 */

export type Format = 'json' | 'table' | 'meta';

function parseAccept(header: string | undefined): Array<{type: string; params: Record<string, string>}> {
	if (!header) return [{type: 'application/json', params: {}}];
	return header.split(',').map((part) => {
		const [type, ...params] = part.split(';').map((s) => s.trim());
		const map: Record<string, string> = {};
		for (const p of params) {
			const eq = p.indexOf('=');
			if (eq > 0) map[p.slice(0, eq).trim()] = p.slice(eq + 1).trim();
		}
		return {type: (type ?? '').toLowerCase(), params: map};
	});
}

/** Choose the response format from Accept, or undefined for 406. */
export function negotiate(header: string | undefined, allowList: boolean, allowSingle: boolean): Format | undefined {
	for (const {type, params} of parseAccept(header)) {
		if (type !== 'application/json' && type !== '*/*' && type !== 'application/*') continue;
		if (!params.as) return 'json';
		if (params.g !== 'meta.k8s.io') continue;
		if (params.as === 'Table' && (params.v === 'v1' || params.v === 'v1beta1')) return 'table';
		if (params.v !== 'v1') continue;
		if (params.as === 'PartialObjectMetadataList' && allowList) return 'meta';
		if (params.as === 'PartialObjectMetadata' && allowSingle) return 'meta';
	}
	return undefined;
}
