/**
 * The remedy model. A remedy is data: the exact requests it would send (method, path,
 * content type, body with its precondition: a JSON patch's tests of the fields it writes,
 * a DELETE's uid and resourceVersion; their types are in source/plans/request.ts), a risk
 * line, editable parameters, and whether it can be undone. The engine (engine.ts) does the
 * rest through a RemedyApi (remedy-api.ts sends through the session's client): plans never
 * speak HTTP.
 */
import type {Finding} from '../model/finding.js';
import type {ClusterState} from '../model/state.js';
import type {Operation} from '../plans/request.js';
import type {Obj} from '../formats/json-object.js';

export interface RemedyParam {
	name: string;
	label: string;
	value: string;
	/** A one-line error when the value is not acceptable. */
	validate(value: string): string | undefined;
}

export interface RemedyPlan {
	findingId: string;
	remedyId: string;
	title: string;
	/** One line: what could go wrong. */
	risk: string;
	warnings: readonly string[];
	/** Requests in batches; the engine sends one batch, then waits `intervalMs`. */
	batches: readonly Operation[][];
	intervalMs: number;
	params: readonly RemedyParam[];
	/** Extra dry-run requests whose answers are shown (e.g. a Pod built from a new template, for its QoS class). */
	checks?: readonly Operation[];
	/** What the dialog says about the checks' answers. */
	describeCheck?: (response: Obj) => string;
	/** Deletions cannot be taken back. */
	undoable: boolean;
	undoNote?: string;
}

export interface AccessQuestion {
	verb: string;
	group: string;
	resource: string;
	namespace?: string;
	name?: string;
}

/** What remedies may ask of the cluster; implemented by the data layer. */
export interface RemedyApi {
	/** GET an object (undefined when it does not exist). */
	get(path: string): Promise<Obj | undefined>;
	/** Send one operation; `dryRun` adds dryRun=All. Rejects with an error carrying `status`. */
	send(operation: Operation, options: {dryRun: boolean}): Promise<Obj>;
	can(question: AccessQuestion): Promise<{allowed: boolean; reason?: string}>;
	/** The client's request budget (remedies pace batches within it). */
	budget: {qps: number; burst: number};
	/** The server's minor version, when known. */
	serverMinor?: number;
	now(): number;
}

export interface PlanContext {
	finding: Finding;
	state: ClusterState;
	/** Parameter values the user edited, by name. */
	params: Readonly<Record<string, string>>;
	api: RemedyApi;
}

export interface RemedyDefinition {
	id: string;
	title: string;
	plan(context: PlanContext): Promise<RemedyPlan>;
}

/** An error with the HTTP status the server answered (ApiStatusError has `status`). */
export function statusOf(error: unknown): number | undefined {
	const status = (error as {status?: unknown})?.status;
	return typeof status === 'number' ? status : undefined;
}
