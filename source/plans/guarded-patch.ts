/**
 * Preconditions on exactly the fields a remedy changes. A remedy describes its change as a
 * merge-patch-shaped fragment ("set these fields to these values"); `guardedJsonPatch`
 * turns it, against the object as it was read when planning, into a JSON patch
 * (RFC 6902, application/json-patch+json) that first `test`s every field it will write
 * (the value planned against, or its absence) and then `replace`s or `add`s it. A
 * controller writing the status (the HPA controller every 15 s, the Deployment controller
 * on every pod change) no longer makes the remedy conflict, as a whole-object
 * resourceVersion precondition did; another client's edit of those very fields still
 * fails the patch, and nothing is overwritten.
 *
 * Lists of named items (containers, initContainers) are matched by name, as a strategic
 * merge patch would: the JSON pointer uses the item's index in the planned object, and a
 * `test` of the name at that index makes a concurrent reorder fail instead of patching the
 * wrong container. Other lists are atomic (replaced whole, their whole value tested).
 *
 * "Absent" has no test of its own in RFC 6902: a `test` of a location that does not exist
 * is an error, whatever the value. The choices were to test the whole parent object (too
 * broad: an unrelated sibling field, a container's image, would conflict) or to lean on how
 * kube-apiserver applies JSON patches, which is the only server these patches go to. It
 * applies them with gopkg.in/evanphx/json-patch.v4 (staging/src/k8s.io/apiserver/pkg/
 * endpoints/handlers/patch.go, jsonPatcher.applyJSPatch), whose `test` reads an object key
 * through partialDoc.get — a missing key reads as nil, no error — and passes a nil value
 * when the operation's value is null (patch.go, func (p Patch) test, in json-patch
 * v4.12.0). So `{"op":"test","path":P,"value":null}` passes exactly when P's parent exists
 * and P is absent (or null, which the API server never stores), and fails when P holds a
 * value. The walk below stops at the first absent key, so the parent of every such test
 * exists in the planned object; if someone removed the parent meanwhile, the test fails
 * too ("missing path"). `value: null` is always written out: json-patch v4 dereferences
 * the value of a test without one.
 *
 * A JSON patch that does not apply (a failed test) is answered with 422, reason Invalid,
 * message "the server rejected our request due to an error in our request" and empty
 * details (errors.NewGenericServerResponse(422, …, isUnexpectedResponse false) in
 * applyJSPatch): `failedPatchTest` recognises that answer, which the engine treats like a
 * 409 — the object changed where the remedy writes: re-plan and ask again.
 */
import {JSON_PATCH, type JsonPatchOperation, type Operation} from './request.js';

type Obj = Record<string, unknown>;

function isObject(value: unknown): value is Obj {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNamedList(value: unknown): value is Array<Obj & {name: string}> {
	return Array.isArray(value) && value.length > 0 && value.every((item) => isObject(item) && typeof item.name === 'string');
}

/** One reference token of a JSON pointer (RFC 6901: ~ → ~0, / → ~1). */
export function pointerToken(step: string | number): string {
	return String(step).replace(/~/g, '~0').replace(/\//g, '~1');
}

/** A JSON pointer from its steps. */
export function pointerOf(steps: ReadonlyArray<string | number>): string {
	return steps.map((step) => `/${pointerToken(step)}`).join('');
}

/** A merge-patch value without its nulls (what a merge patch would store). */
function withoutNulls(value: unknown): unknown {
	if (Array.isArray(value)) return value.map(withoutNulls);
	if (!isObject(value)) return value;
	const out: Obj = {};
	for (const [key, item] of Object.entries(value)) if (item !== null) out[key] = withoutNulls(item);
	return out;
}

/**
 * The guarded JSON patch that makes `change` (merge-patch shaped: objects are walked, a
 * null removes a field, lists of named items are matched by name, other values replace
 * what is there) on `planned`, the object as read when planning. All tests come first,
 * then the edits. Throws when `change` names a list item `planned` lacks: remedies change
 * items, they never add them.
 */
export function guardedJsonPatch(planned: unknown, change: Readonly<Obj>): JsonPatchOperation[] {
	const tests: JsonPatchOperation[] = [];
	const edits: JsonPatchOperation[] = [];
	const walk = (current: unknown, wanted: Readonly<Obj>, at: string): void => {
		for (const [key, value] of Object.entries(wanted)) {
			const path = `${at}/${pointerToken(key)}`;
			const live = isObject(current) ? current[key] : undefined;
			if (value === null) {
				if (live === undefined || live === null) continue;
				tests.push({op: 'test', path, value: live});
				edits.push({op: 'remove', path});
				continue;
			}
			if (live === undefined || live === null) {
				// Absent when planned: the test of null passes only while it still is (see above).
				tests.push({op: 'test', path, value: null});
				edits.push({op: 'add', path, value: withoutNulls(value)});
				continue;
			}
			if (isObject(value) && isObject(live)) {
				walk(live, value, path);
				continue;
			}
			if (isNamedList(value) && isNamedList(live)) {
				for (const item of value) {
					const index = live.findIndex((candidate) => candidate.name === item.name);
					if (index < 0) throw new Error(`${path} has no item named "${item.name}"`);
					const itemPath = `${path}/${index}`;
					tests.push({op: 'test', path: `${itemPath}/name`, value: item.name});
					const {name: _name, ...rest} = item;
					walk(live[index], rest, itemPath);
				}
				continue;
			}
			tests.push({op: 'test', path, value: live});
			edits.push({op: 'replace', path, value: withoutNulls(value)});
		}
	};
	walk(planned, change, '');
	return [...tests, ...edits];
}

/**
 * Why a JSON patch would write without a precondition on what it writes, or undefined when
 * every edit is guarded: each add/replace/remove needs a `test` of its own path before it,
 * and each array index on its way a `test` of the item's name at that index (so a reorder
 * fails the patch). move and copy are never guarded enough.
 */
export function unguardedEdit(operations: readonly unknown[]): string | undefined {
	const tested = new Set<string>();
	let edits = 0;
	for (const raw of operations) {
		const operation = raw as {op?: unknown; path?: unknown};
		const path = typeof operation.path === 'string' ? operation.path : undefined;
		if (path === undefined) return 'an operation without a path';
		if (operation.op === 'test') {
			tested.add(path);
			continue;
		}
		if (operation.op !== 'add' && operation.op !== 'replace' && operation.op !== 'remove') return `a ${String(operation.op)} operation at ${path}`;
		edits++;
		if (!tested.has(path)) return `${path} is written without a test of its value`;
		const tokens = path.split('/');
		for (let i = 1; i < tokens.length - 1; i++) {
			if (/^\d+$/.test(tokens[i]!) && !tested.has(`${tokens.slice(0, i + 1).join('/')}/name`))
				return `${path} goes through list index ${tokens[i]} without a test of the item's name`;
		}
	}
	return edits === 0 && tested.size === 0 ? 'an empty patch' : undefined;
}

/** Whether an operation is a JSON patch. */
export function isJsonPatch(operation: Pick<Operation, 'method' | 'contentType' | 'body'>): boolean {
	return operation.method === 'PATCH' && (operation.contentType ?? '').split(';')[0]!.trim() === JSON_PATCH && Array.isArray(operation.body);
}

/**
 * Whether `error` is kube-apiserver's answer to a guarded JSON patch that did not apply:
 * 422 Invalid with the generic message and no details (no kind, no name, no causes). A
 * validation error of the patched object is also a 422, but names the object and its
 * invalid fields. Since every edit of a guarded patch applies once its tests pass (the
 * tests check each edited path, or its absence under a parent that exists), a patch that
 * did not apply means a test failed: the object changed where the remedy writes.
 */
export function failedPatchTest(error: unknown, operation: Pick<Operation, 'method' | 'contentType' | 'body'>): boolean {
	if (!isJsonPatch(operation)) return false;
	const failure = error as {status?: unknown; body?: unknown} | undefined;
	if (failure?.status !== 422) return false;
	const status = failure.body as {reason?: unknown; details?: {kind?: unknown; name?: unknown; causes?: unknown[]}} | undefined;
	if (status?.reason !== 'Invalid') return false;
	const details = status.details;
	return !details?.kind && !details?.name && (details?.causes ?? []).length === 0;
}
