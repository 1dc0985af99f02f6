/**
 * The remedy engine — one key press, carefully:
 * plan (the remedy reads the live objects it will touch) → access check (a
 * SelfSubjectAccessReview per verb and target; a remedy the user may not perform is
 * shown disabled with the reason) → server dry-run (dryRun=All) → a diff of live vs
 * dry-run result, changed fields only → the UI confirms (focus on Cancel) → apply with
 * the preconditions the plan carries: a PATCH is a JSON patch that tests the fields it
 * writes (source/plans/guarded-patch.ts), so a controller's status write meanwhile does not matter,
 * while someone else's edit of those fields fails it (422, or 409 for a resourceVersion
 * precondition): the engine says so and the UI re-plans and asks again — nothing is
 * clobbered → a journal line → `u` undoes the last remedy of the session with the same care.
 */
import {type Change, diffObjects, type DiffLine, pathText, renderChanges, renderCreation, undoJsonPatch} from './diff.js';
import {failedPatchTest, isJsonPatch, unguardedEdit} from '../plans/guarded-patch.js';
import {JSON_PATCH, type Operation} from '../plans/request.js';
import type {Journal, JournalEntry} from './journal.js';
import {type PlanContext, type RemedyApi, type RemedyDefinition, type RemedyPlan, statusOf} from './types.js';
import type {Finding} from '../model/finding.js';
import type {ClusterState} from '../model/state.js';
import type {Obj} from '../formats/json-object.js';

export interface Prepared {
	plan: RemedyPlan;
	allowed: boolean;
	/** Why the remedy is disabled, when it is. */
	reason?: string;
	diff: DiffLine[];
	/** What the dry run said beyond the diff ("pods will be Guaranteed", "200 Jobs will be deleted"). */
	notes: string[];
	/** The dry run failed: the apply would too. */
	dryRunError?: string;
	/** Per patched path: the live object's resourceVersion and the changes the dry run showed. */
	patched: Map<string, {resourceVersion?: string; changes: Change[]}>;
	/** For undo plans: the entry being undone. */
	undoing?: JournalEntry;
	/** The dry run met an object changed since it was read (409, or a failed test of a JSON patch). */
	conflictInDryRun?: boolean;
}

export interface ApplyProgress {
	done: number;
	total: number;
}

export interface ApplyResult {
	/** 'conflict': a PATCH met its object changed where it writes; nothing more was sent. */
	status: 'applied' | 'partial' | 'conflict' | 'failed';
	applied: number;
	skipped: number;
	failed: number;
	messages: string[];
	entry?: JournalEntry;
}

const SAMPLE_DRY_RUNS = 3;

function errorText(error: unknown): string {
	return (error as Error)?.message?.split('\n')[0] ?? String(error);
}

function targetText(op: Operation): string {
	return `${op.target.kind} ${op.target.namespace ? `${op.target.namespace}/` : ''}${op.target.name}`;
}

/** A PATCH that met its object changed since the plan: a resourceVersion precondition (409) or a test of a JSON patch (422). */
function conflicted(error: unknown, op: Operation): boolean {
	return op.method === 'PATCH' && (statusOf(error) === 409 || failedPatchTest(error, op));
}

export class RemedyEngine {
	private readonly applied: JournalEntry[] = [];

	constructor(
		private readonly api: RemedyApi,
		private readonly journal: Journal | undefined,
		private readonly who: {context: string; user: string},
		private readonly definitions: ReadonlyMap<string, RemedyDefinition>,
	) {}

	definition(remedyId: string): RemedyDefinition | undefined {
		return this.definitions.get(remedyId);
	}

	/** Plan, check access and dry-run one remedy for one finding. */
	async prepare(finding: Finding, remedyId: string, state: ClusterState, params: Record<string, string> = {}): Promise<Prepared> {
		const definition = this.definitions.get(remedyId);
		if (!definition) throw new Error(`no remedy "${remedyId}"`);
		const context: PlanContext = {finding, state, params, api: this.api};
		// The fields a remedy writes can change between our read and the dry run (another
		// client): nobody has confirmed anything yet, so read again and re-plan (a few times).
		for (let attempt = 0; ; attempt++) {
			const prepared = await this.check(await definition.plan(context));
			if (!prepared.conflictInDryRun || attempt >= 2) return prepared;
		}
	}

	private async check(plan: RemedyPlan, undoing?: JournalEntry): Promise<Prepared> {
		const prepared: Prepared = {plan, allowed: true, diff: [], notes: [], patched: new Map(), ...(undoing ? {undoing} : {})};
		const operations = plan.batches.flat();
		if (operations.length === 0) {
			prepared.allowed = false;
			prepared.reason = 'nothing to do';
			return prepared;
		}
		// Nothing is sent that could clobber a concurrent edit: every PATCH carries a
		// precondition on what it writes (JSON-patch tests; or metadata.resourceVersion).
		const unguarded = operations.map((op) => ({op, why: missingPrecondition(op)})).find((x) => x.why !== undefined);
		if (unguarded) {
			prepared.allowed = false;
			prepared.reason = `refused: the plan would patch ${unguarded.op.target.kind} ${unguarded.op.target.name} without a precondition on what it writes (${unguarded.why}; a bug in kubectl assure, please report it)`;
			prepared.diff = this.describe(operations);
			return prepared;
		}
		// Access: one review per distinct verb, resource and namespace.
		const asked = new Set<string>();
		for (const op of [...operations, ...(plan.checks ?? [])]) {
			const key = `${op.verb} ${op.resource.group}/${op.resource.resource} ${op.target.namespace ?? ''}`;
			if (asked.has(key)) continue;
			asked.add(key);
			const answer = await this.api.can({verb: op.verb, group: op.resource.group, resource: op.resource.resource, namespace: op.target.namespace || undefined});
			if (!answer.allowed) {
				prepared.allowed = false;
				prepared.reason =
					answer.reason ??
					`RBAC does not allow ${op.verb} on ${op.resource.group ? `${op.resource.resource}.${op.resource.group}` : op.resource.resource}${op.target.namespace ? ` in ${op.target.namespace}` : ''}`;
				prepared.diff = this.describe(operations);
				return prepared;
			}
		}
		// Dry runs: every patch and create (they are few); a sample of deletes (they can be many).
		const deletes = operations.filter((op) => op.method === 'DELETE');
		const others = operations.filter((op) => op.method !== 'DELETE');
		let current: Operation | undefined;
		try {
			for (const op of others) {
				current = op;
				const live = op.method === 'PATCH' ? await this.api.get(op.path) : undefined;
				const result = await this.api.send(op, {dryRun: true});
				if (op.method === 'PATCH') {
					const changes = diffObjects(live, result);
					prepared.patched.set(op.path, {resourceVersion: live?.metadata?.resourceVersion, changes});
					prepared.diff.push(
						{op: '~', text: `${op.target.kind} ${op.target.namespace ? `${op.target.namespace}/` : ''}${op.target.name}`},
						...(changes.length > 0 ? renderChanges(changes) : [{op: ' ' as const, text: '(no change: it is already so)'}]),
					);
				} else {
					prepared.diff.push(
						{op: '~', text: `create ${op.target.kind} ${op.target.namespace ? `${op.target.namespace}/` : ''}${op.target.name}`},
						...renderCreation(result),
					);
				}
			}
			for (const op of deletes.slice(0, SAMPLE_DRY_RUNS)) {
				current = op;
				await this.api.send(op, {dryRun: true});
			}
			for (const check of plan.checks ?? []) {
				current = check;
				const response = await this.api.send(check, {dryRun: true});
				if (plan.describeCheck) prepared.notes.push(plan.describeCheck(response));
			}
		} catch (error) {
			const conflict = current !== undefined && conflicted(error, current);
			if (conflict || statusOf(error) === 409) prepared.conflictInDryRun = true;
			prepared.dryRunError =
				conflict && failedPatchTest(error, current!)
					? `the server's dry run refused it: ${targetText(current!)} changed where the remedy writes since it was read (a test of the patch failed)`
					: `the server's dry run refused it: ${errorText(error)}`;
			prepared.allowed = false;
			prepared.reason = prepared.dryRunError;
		}
		if (deletes.length > 0) {
			prepared.diff.push(
				...deletes
					.slice(0, 20)
					.map((op) => ({op: '-' as const, text: `${op.target.kind} ${op.target.namespace ? `${op.target.namespace}/` : ''}${op.target.name}`})),
			);
			if (deletes.length > 20) prepared.diff.push({op: ' ', text: `… and ${deletes.length - 20} more`});
			prepared.notes.push(
				`${deletes.length} object${deletes.length === 1 ? '' : 's'} will be deleted, in ${plan.batches.length} batch${plan.batches.length === 1 ? '' : 'es'}${plan.batches.length > 1 ? ` about ${Math.round(plan.intervalMs / 1000)} s apart` : ''} (dry run of ${Math.min(SAMPLE_DRY_RUNS, deletes.length)} passed)`,
			);
		}
		return prepared;
	}

	private describe(operations: readonly Operation[]): DiffLine[] {
		return operations.slice(0, 20).map((op) => ({op: '~' as const, text: op.description}));
	}

	/** Apply a prepared remedy, batch by batch, with its preconditions; journal it. */
	async apply(prepared: Prepared, onProgress?: (progress: ApplyProgress) => void): Promise<ApplyResult> {
		if (!prepared.allowed) return {status: 'failed', applied: 0, skipped: 0, failed: 0, messages: [prepared.reason ?? 'not allowed']};
		const {plan} = prepared;
		const total = plan.batches.reduce((n, batch) => n + batch.length, 0);
		const result: ApplyResult = {status: 'applied', applied: 0, skipped: 0, failed: 0, messages: []};
		const entry: JournalEntry = {
			time: new Date(this.api.now()).toISOString(),
			context: this.who.context,
			user: this.who.user,
			findingId: plan.findingId,
			remedyId: plan.remedyId,
			title: plan.title,
			action: prepared.undoing ? 'undo' : 'apply',
			operations: [],
			changes: {},
			created: [],
			deleted: [],
			versions: {},
			result: {applied: 0, skipped: 0, failed: 0},
		};
		let done = 0;
		outer: for (let b = 0; b < plan.batches.length; b++) {
			const batch = plan.batches[b]!;
			const outcomes = await Promise.all(
				batch.map(async (op) => {
					try {
						const response = await this.api.send(op, {dryRun: false});
						return {op, response};
					} catch (error) {
						return {op, error};
					}
				}),
			);
			for (const {op, response, error} of outcomes as Array<{op: Operation; response?: Obj; error?: unknown}>) {
				done++;
				entry.operations.push({method: op.method, path: op.path, contentType: op.contentType, body: op.body});
				if (error === undefined) {
					result.applied++;
					if (op.method === 'PATCH') {
						entry.changes[op.path] = prepared.patched.get(op.path)?.changes ?? [];
						if (response?.metadata?.resourceVersion) entry.versions[op.path] = String(response.metadata.resourceVersion);
					} else if (op.method === 'POST') {
						entry.created.push({
							path: `${op.path}/${encodeURIComponent(String(response?.metadata?.name ?? op.target.name))}`,
							uid: response?.metadata?.uid,
							resourceVersion: response?.metadata?.resourceVersion,
						});
					} else entry.deleted.push(op.path);
					continue;
				}
				const status = statusOf(error);
				if (conflicted(error, op)) {
					result.status = 'conflict';
					result.failed++;
					result.messages.push(`conflict, nothing was overwritten: ${targetText(op)} was changed by someone else since the plan; review the new plan`);
					break outer;
				}
				if (op.method === 'DELETE' && (status === 404 || status === 409)) {
					result.skipped++;
					result.messages.push(`${op.target.name}: ${status === 404 ? 'already gone' : 'changed since the plan, left alone'}`);
					continue;
				}
				if (op.method === 'POST' && status === 409) {
					result.skipped++;
					result.messages.push(`${op.target.kind} ${op.target.name} already exists: left as it is`);
					continue;
				}
				result.failed++;
				result.messages.push(`${op.description}: ${errorText(error)}`);
			}
			onProgress?.({done, total});
			if (b < plan.batches.length - 1) await new Promise((resolve) => setTimeout(resolve, plan.intervalMs));
		}
		if (result.status !== 'conflict') result.status = result.failed > 0 ? (result.applied > 0 ? 'partial' : 'failed') : 'applied';
		entry.result = {applied: result.applied, skipped: result.skipped, failed: result.failed};
		if (result.applied > 0) {
			this.journal?.append(entry);
			if (!prepared.undoing) this.applied.push(entry);
			else this.applied.pop();
			result.entry = entry;
		}
		return result;
	}

	/** The last remedy applied in this session (what `u` undoes). */
	lastApplied(): JournalEntry | undefined {
		return this.applied.at(-1);
	}

	/**
	 * Plan the undo of the last remedy: patches put the changed fields back (precondition:
	 * tests that those fields still hold what the remedy set — a status write meanwhile does
	 * not matter, an edit of them refuses the undo), created objects are deleted
	 * (precondition: their uid), deleted objects cannot come back and are listed as such.
	 */
	async prepareUndo(): Promise<Prepared | undefined> {
		const entry = this.lastApplied();
		if (!entry) return undefined;
		const operations: Operation[] = [];
		const conflicts: string[] = [];
		for (const [path, changes] of Object.entries(entry.changes)) {
			if (changes.length === 0) continue;
			const target = targetOfPath(path);
			const live = await this.api.get(path);
			if (!live) {
				conflicts.push(`${target.kind} ${target.namespace ? `${target.namespace}/` : ''}${target.name} no longer exists`);
				continue;
			}
			const undo = undoJsonPatch(live, changes);
			if ('conflict' in undo) {
				conflicts.push(`${target.kind} ${target.name}: ${undo.conflict}`);
				continue;
			}
			operations.push({
				method: 'PATCH',
				path,
				contentType: JSON_PATCH,
				body: undo.operations,
				target: {kind: target.kind, ...(target.namespace ? {namespace: target.namespace} : {}), name: target.name},
				description: `put back ${changes.map((c) => pathText(c.path)).join(', ')} on ${target.kind} ${target.namespace ? `${target.namespace}/` : ''}${target.name} (only if they still hold the values the remedy set)`,
				resource: {group: target.group, resource: target.resource},
				verb: 'patch',
			});
		}
		for (const created of [...entry.created].reverse()) {
			const target = targetOfPath(created.path);
			operations.push({
				method: 'DELETE',
				path: created.path,
				contentType: 'application/json',
				body: {apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: 'Background', ...(created.uid ? {preconditions: {uid: created.uid}} : {})},
				target: {kind: target.kind, ...(target.namespace ? {namespace: target.namespace} : {}), name: target.name},
				description: `delete ${target.kind} ${target.namespace ? `${target.namespace}/` : ''}${target.name} (created by the remedy)`,
				resource: {group: target.group, resource: target.resource},
				verb: 'delete',
			});
		}
		const plan: RemedyPlan = {
			findingId: entry.findingId,
			remedyId: entry.remedyId,
			title: `Undo: ${entry.title}`,
			risk:
				entry.deleted.length > 0
					? `${entry.deleted.length} deleted object${entry.deleted.length === 1 ? '' : 's'} cannot be brought back; the rest is restored`
					: 'restores the fields as they were before the remedy; fails (changing nothing) if someone changed those fields since',
			warnings: [
				...(entry.deleted.length > 0
					? [`not restored (deleted): ${entry.deleted.slice(0, 3).join(', ')}${entry.deleted.length > 3 ? ` and ${entry.deleted.length - 3} more` : ''}`]
					: []),
				...conflicts.map((c) => `cannot undo: ${c}`),
			],
			batches: operations.length > 0 ? [operations] : [],
			intervalMs: 1000,
			params: [],
			undoable: false,
		};
		const prepared = await this.check(plan, entry);
		if (operations.length === 0)
			prepared.reason = conflicts.length > 0 ? `cannot undo: ${conflicts.join('; ')}` : 'the last remedy only deleted objects: there is nothing to undo';
		return prepared;
	}
}

/** Group, resource, namespace, name and a kind-ish label from an API path. */
export function targetOfPath(path: string): {group: string; version: string; resource: string; namespace?: string; name: string; kind: string} {
	const segments = path
		.split('/')
		.filter(Boolean)
		.map((s) => decodeURIComponent(s));
	const core = segments[0] === 'api';
	const group = core ? '' : segments[1]!;
	const version = core ? segments[1]! : segments[2]!;
	let rest = segments.slice(core ? 2 : 3);
	let namespace: string | undefined;
	if (rest[0] === 'namespaces' && rest.length >= 4) {
		namespace = rest[1];
		rest = rest.slice(2);
	}
	const resource = rest[0] ?? '';
	const kinds: Record<string, string> = {
		pods: 'Pod',
		jobs: 'Job',
		cronjobs: 'CronJob',
		deployments: 'Deployment',
		statefulsets: 'StatefulSet',
		daemonsets: 'DaemonSet',
		replicasets: 'ReplicaSet',
		horizontalpodautoscalers: 'HorizontalPodAutoscaler',
		resourcequotas: 'ResourceQuota',
		persistentvolumes: 'PersistentVolume',
		priorityclasses: 'PriorityClass',
		flowschemas: 'FlowSchema',
		prioritylevelconfigurations: 'PriorityLevelConfiguration',
		scaledobjects: 'ScaledObject',
	};
	return {group, version, resource, ...(namespace ? {namespace} : {}), name: rest[1] ?? '', kind: kinds[resource] ?? resource};
}

/** Why a PATCH would write without a precondition on what it writes (undefined: it has one). */
function missingPrecondition(op: Operation): string | undefined {
	if (op.method !== 'PATCH') return undefined;
	const body = op.body as unknown;
	if (Array.isArray(body)) return isJsonPatch(op) ? unguardedEdit(body) : `a list body sent as ${op.contentType ?? 'no content type'}`;
	const metadata = (body as {metadata?: {resourceVersion?: unknown}} | undefined)?.metadata;
	return typeof metadata?.resourceVersion === 'string' && metadata.resourceVersion !== '' ? undefined : 'no JSON-patch tests, no resourceVersion';
}
