/**
 * How the built-in kinds the simulator serves merge and are owned, as a compact tree of
 * named types (PodSpec is one node, shared by Pod.spec and every pod template): the node
 * types here, the kinds in the files beside this one, the lookup in kinds.ts.
 *
 * Two sets of facts live on each node, both taken from the Go types in k8s.io/api:
 * - strategic merge patch: the `patchStrategy` / `patchMergeKey` struct tags
 *   (containers merge by name, ports by containerPort, tolerations are replaced, ...);
 * - server-side apply and managedFields: the `+listType`, `+listMapKey`, `+structType`
 *   and `+mapType` markers (ports are keyed by containerPort AND protocol, a
 *   LabelSelector is owned as a whole, ...). The two disagree in places, as they do in
 *   a real kube-apiserver.
 *
 * Anything not described behaves like an undeclared field: objects merge key by key,
 * lists are replaced whole.
 */
/** A JSON object described field by field (a Go struct). */
export interface StructNode {
	readonly kind: 'struct';
	/** The Go type name, e.g. 'PodSpec'. */
	readonly name: string;
	readonly fields: ReadonlyMap<string, TypeNode>;
	/**
	 * Fields a Go zero value always serialises (non-pointer structs, lists without
	 * omitempty): the API server sees them as present-but-empty before anyone sets them,
	 * which decides where managedFields put their `.` markers.
	 */
	readonly present: ReadonlySet<string>;
	/** `+structType=atomic`: applied and owned as a whole. */
	readonly atomic: boolean;
	/** Top-level kinds only: the resource has a /status subresource. */
	readonly statusSubresource: boolean;
}

/** A JSON object with free-form keys (a Go map), e.g. labels or resource limits. */
export interface MapNode {
	readonly kind: 'map';
	/** The type of every value; undefined for strings and other scalars. */
	readonly values: TypeNode | undefined;
	/** `+mapType=atomic`: applied and owned as a whole (PodSpec.nodeSelector). */
	readonly atomic: boolean;
	/** patchStrategy for this field in a strategic merge patch. */
	readonly patchStrategy: 'merge' | 'replace';
}

/** A JSON array. */
export interface ListNode {
	readonly kind: 'list';
	/** The type of every item; undefined for scalars and undeclared objects. */
	readonly items: TypeNode | undefined;
	/** Strategic merge patch: merge with the live list, or replace it. */
	readonly patchStrategy: 'merge' | 'replace';
	/** Strategic merge patch: the field that identifies an object item (`patchMergeKey`). */
	readonly patchMergeKey: string | undefined;
	/** The field also allows the `$retainKeys` directive. */
	readonly retainKeys: boolean;
	/** Server-side apply: `+listType`. */
	readonly listType: 'atomic' | 'set' | 'map';
	/** Server-side apply: `+listMapKey`s identifying an item when listType is 'map'. */
	readonly listMapKeys: readonly string[];
	/** Values the OpenAPI schema defaults a missing key field to (ports: protocol TCP). */
	readonly keyDefaults: Readonly<Record<string, string>>;
}

export type TypeNode = StructNode | MapNode | ListNode;

/** Descends from a node to the node of one of its keys (struct field or map value). */
export function childNode(node: TypeNode | undefined, key: string): TypeNode | undefined {
	if (node === undefined) return undefined;
	if (node.kind === 'struct') return node.fields.get(key);
	if (node.kind === 'map') return node.values;
	return undefined;
}

/** Applied and owned as a whole by server-side apply (`+listType=atomic`, `+structType=atomic`, `+mapType=atomic`). */
export function isAtomic(node: TypeNode | undefined): boolean {
	if (node === undefined) return false;
	return node.kind === 'list' ? node.listType === 'atomic' : node.atomic;
}
