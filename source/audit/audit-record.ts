/**
 * The compact request record every audit-log shape is reduced to, as a type: only the
 * fields the client statistics need, never a request or response body. How a record is
 * filled, finished and kept is in record.ts and fields.ts.
 */
/** Where a record came from: the wrapper its event was found in. */
export type AuditFormat =
	| 'native'
	| 'aks-storage'
	| 'aks-eventhub'
	| 'aks-azurediagnostics'
	| 'aks-aksaudit'
	| 'eks-cloudwatch'
	| 'eks-subscription'
	| 'eks-insights'
	| 'eks-s3'
	| 'gke'
	| 'legacy';

/**
 * One audit event, compacted. Times are epoch milliseconds (fractional: audit timestamps
 * carry microseconds); NaN when the format does not say. Empty string = absent.
 */
export interface AuditRecord {
	auditID: string;
	/** RequestReceived | ResponseStarted | ResponseComplete | Panic; '' when the format has no stages (GKE). */
	stage: string;
	verb: string;
	/** The request URI with JSON escapes decoded (`\u0026` → `&`), percent-encoding kept. */
	requestURI: string;
	/** requestURI up to `?`. */
	path: string;
	/** `watch=true|1` in the query (the verb says watch anyway for legacy /watch/ paths). */
	watch: boolean;
	/** `limit` as a number; NaN when absent or not a positive integer. */
	limit: number;
	/** A non-empty `continue` token is present. */
	hasContinue: boolean;
	/** undefined = the parameter is absent (a consistent read for LIST). */
	resourceVersion: string | undefined;
	resourceVersionMatch: string | undefined;
	labelSelector: string | undefined;
	fieldSelector: string | undefined;
	sendInitialEvents: boolean;
	allowWatchBookmarks: boolean;
	/** `timeoutSeconds` as a number; NaN when absent. */
	timeoutSeconds: number;
	/** False when the format carries no query string (GKE): the query fields above are unknown. */
	queryKnown: boolean;
	userAgent: string;
	/** The authenticated user (who sent the request), not the impersonated one. */
	user: string;
	groups: string[];
	impersonatedUser: string;
	/** user.extra["authentication.kubernetes.io/node-name"][0], or the node of a `system:node:` user. */
	nodeName: string;
	/** user.extra["authentication.kubernetes.io/pod-name"][0]. */
	podName: string;
	/** The last source IP (the one the API server saw); the first for legacy text lines. */
	sourceIP: string;
	resource: string;
	subresource: string;
	namespace: string;
	name: string;
	apiGroup: string;
	apiVersion: string;
	/** HTTP status code; 0 when unknown (no responseStatus). */
	code: number;
	receivedMs: number;
	stageMs: number;
	/**
	 * Server-side latency: the `apiserver.latency.k8s.io/total` annotation when present,
	 * else stageTimestamp − requestReceivedTimestamp of a completed non-watch request; NaN otherwise.
	 */
	latencyMs: number;
	/** `apiserver.latency.k8s.io/apf-queue-wait`; NaN when absent. */
	apfQueueWaitMs: number;
	/** `authorization.k8s.io/decision` (allow | forbid); '' when absent (an APF 429 has none). */
	decision: string;
	format: AuditFormat;
}
