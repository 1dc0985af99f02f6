/**
 * Server-side apply's merge: an applied configuration merged into the live object as
 * structured-merge-diff merges it, with the checks the real server makes while typing
 * the applied configuration.
 */
import {badRequest, plainError} from '../patch/errors.js';
import {cloneJson, hasOwn, isJsonObject, jsonKindName, own, setKey, type JsonObject} from '../patch/json.js';
import {typedValue} from '../patch/strategic-merge-patch.js';
import {childNode, isAtomic, type ListNode, type TypeNode} from '../schema/types.js';
import {itemElement, listItemIdentity, pathElementText} from './path-elements.js';

/**
 * Merges an applied configuration into the live object the way server-side apply
 * merges: objects key by key, keyed lists (`+listType=map`) item by item in the order
 * structured-merge-diff produces, sets (`+listType=set`) by value, and atomic lists,
 * atomic structs and scalars replaced by the applied value. A null in the applied
 * configuration unsets the field.
 *
 * What real SSA does beyond this: it removes fields this manager applied last time but
 * no longer applies (unless another manager owns them), it refuses with 409 Conflict
 * when the applied values change fields another manager owns (unless force=true), and
 * it re-runs defaulting on the result. Ownership and conflicts are computed in
 * managed-fields.ts; pruning of no-longer-applied fields is not done at all.
 */
export function applyServerSideApply(live: unknown, applied: unknown, schema: TypeNode | undefined): JsonObject {
	if (!isJsonObject(applied)) {
		throw badRequest(`error decoding patch: json: cannot unmarshal ${jsonKindName(applied)} into Go value of type map[string]interface {}`);
	}
	const metadata = own(applied, 'metadata');
	if (isJsonObject(metadata) && own(metadata, 'managedFields') !== undefined && metadata['managedFields'] !== null) {
		throw badRequest('metadata.managedFields must be nil');
	}
	const liveVersion = isJsonObject(live) ? own(live, 'apiVersion') : undefined;
	const appliedVersion = own(applied, 'apiVersion');
	if (typeof liveVersion === 'string' && appliedVersion !== liveVersion) {
		throw badRequest(
			`Incorrect version specified in apply patch. Specified patch version: ${typeof appliedVersion === 'string' ? appliedVersion : ''}, expected: ${liveVersion}`,
		);
	}
	validateApplied(applied, schema, '');
	return ssaMerge(isJsonObject(live) ? live : {}, applied, schema) as JsonObject;
}

/** What the real server checks while typing an applied configuration: keys present, no duplicates. */
function validateApplied(value: unknown, node: TypeNode | undefined, path: string): void {
	if (isAtomic(node)) return;
	if (Array.isArray(value)) {
		if (node?.kind !== 'list' || node.listType === 'atomic') return;
		const seen = new Set<string>();
		value.forEach((item, index) => {
			const identity = listItemIdentity(item, node);
			if (identity === undefined) {
				const missing = node.listMapKeys.find((key) => !isJsonObject(item) || !hasOwn(item, key)) ?? node.listMapKeys[0];
				throw plainError(
					`failed to create typed patch object: ${path}: element ${index}: associative list with keys has an element that omits key field ${JSON.stringify(missing)} (and doesn't have default value)`,
				);
			}
			if (seen.has(identity)) {
				throw plainError(`failed to create typed patch object: ${path}: duplicate entries for key ${pathElementText(identity)}`);
			}
			seen.add(identity);
			validateApplied(item, node.items, `${path}[${index}]`);
		});
		return;
	}
	if (isJsonObject(value)) {
		for (const key of Object.keys(value)) validateApplied(value[key], childNode(node, key), `${path}.${key}`);
	}
}

function ssaMerge(live: unknown, applied: unknown, node: TypeNode | undefined): unknown {
	if (applied === undefined) return cloneJson(live);
	if (live === undefined || live === null || isAtomic(node)) return typedValue(applied);
	if (isJsonObject(applied) && isJsonObject(live)) {
		const out = cloneJson(live);
		for (const key of Object.keys(applied)) {
			const value = applied[key];
			if (value === null) {
				delete out[key];
				continue;
			}
			setKey(out, key, ssaMerge(own(live, key), value, childNode(node, key)));
		}
		return out;
	}
	if (Array.isArray(applied) && Array.isArray(live) && node?.kind === 'list' && node.listType !== 'atomic') {
		return mergeAssociativeList(live, applied, node);
	}
	return typedValue(applied);
}

/**
 * structured-merge-diff's list merge: items shared by both lists come out in the
 * applied order, live-only items keep their place among them, new items are placed
 * where the applied list has them.
 */
function mergeAssociativeList(live: unknown[], applied: unknown[], node: ListNode): unknown[] {
	const name = (item: unknown, index: number): string => itemElement(item, index, node);
	const livePEs = live.map(name);
	const appliedPEs = applied.map(name);
	const liveByPE = new Map<string, unknown>();
	const liveCount = new Map<string, number>();
	livePEs.forEach((pe, index) => {
		liveCount.set(pe, (liveCount.get(pe) ?? 0) + 1);
		if (!liveByPE.has(pe)) liveByPE.set(pe, live[index]);
	});
	const appliedByPE = new Map<string, unknown>();
	appliedPEs.forEach((pe, index) => appliedByPE.set(pe, applied[index]));
	// A duplicated live item is not merged with the applied one.
	const liveItem = (pe: string): unknown => ((liveCount.get(pe) ?? 0) > 1 ? undefined : liveByPE.get(pe));
	const merge = (pe: string): unknown => ssaMerge(liveItem(pe), appliedByPE.get(pe), node.items);

	const shared = appliedPEs.filter((pe) => liveByPE.has(pe));
	let nextShared = 0;
	const merged = new Set<string>();
	const out: unknown[] = [];
	let l = 0;
	let r = 0;
	while (l < livePEs.length || r < appliedPEs.length) {
		if (l < livePEs.length && r < appliedPEs.length) {
			const pe = livePEs[l]!;
			if (pe === appliedPEs[r]) {
				merged.add(pe);
				out.push(merge(pe));
				l++;
				r++;
				nextShared++;
				continue;
			}
			if (appliedByPE.has(pe) && nextShared < shared.length && shared[nextShared] !== pe) {
				l++;
				continue;
			}
		}
		if (l < livePEs.length) {
			const pe = livePEs[l]!;
			if (!appliedByPE.has(pe)) {
				out.push(cloneJson(live[l]));
				l++;
				continue;
			} else if (merged.has(pe)) {
				l++;
			}
		}
		if (r < appliedPEs.length) {
			const pe = appliedPEs[r]!;
			merged.add(pe);
			out.push(merge(pe));
			r++;
			if (nextShared < shared.length && shared[nextShared] === pe) nextShared++;
		}
	}
	return out;
}
