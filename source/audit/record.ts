/**
 * The compact request record every audit-log shape is reduced to: only the fields the
 * client statistics need, never a request or response body. Strings are kept raw (as the
 * log wrote them, JSON escapes decoded); the UI sanitizes them on display. Also here: what
 * each format can tell, how a record is finished from an event's raw fields (the same for
 * the fast scanner and the JSON.parse path), how it is kept (detached from the text it was
 * read from), and `recordFromEvent`, the JSON.parse reference the scanner is tested against.
 *
 * The items of recordKernel() are shipped to the audit worker (README.md: the worker kernel).
 */
import type {AuditFormat, AuditRecord} from './audit-record.js';
import {applyQuery, applyResourcePath, parseGoDurationMs, parseTimestampMs} from './fields.js';

/** What a format can tell; false means the measures built on it are unavailable. */
export interface FormatCapabilities {
	/** Query string: watch flag, limit, resourceVersion, continue, selectors. */
	query: boolean;
	/** Stages (ResponseStarted/ResponseComplete): open watches and watch lifetimes. */
	stages: boolean;
	/** Both timestamps: latency of requests under 500 ms (longer ones carry an annotation). */
	timestamps: boolean;
	/** user.extra: node and pod names of DaemonSet callers. */
	userExtra: boolean;
	/** The trustworthy last source IP (legacy text prints the first). */
	lastSourceIP: boolean;
	/** The response code. */
	code: boolean;
}

const full: FormatCapabilities = {query: true, stages: true, timestamps: true, userExtra: true, lastSourceIP: true, code: true};

export const formatCapabilities: Readonly<Record<AuditFormat, FormatCapabilities>> = {
	native: full,
	'aks-storage': full,
	'aks-eventhub': full,
	'aks-azurediagnostics': full,
	'aks-aksaudit': full,
	'eks-cloudwatch': full,
	'eks-subscription': full,
	'eks-insights': full,
	'eks-s3': full,
	gke: {query: false, stages: false, timestamps: false, userExtra: false, lastSourceIP: true, code: true},
	legacy: {query: true, stages: true, timestamps: false, userExtra: false, lastSourceIP: false, code: true},
};

/** The measures a set of formats cannot provide, as short phrases for the UI. */
export function unavailableMeasures(formats: Iterable<AuditFormat>): string[] {
	const out = new Set<string>();
	for (const format of formats) {
		const c = formatCapabilities[format];
		if (!c.query) out.add(`${format}: no query string (LIST limit/resourceVersion/continue, watch parameters)`);
		if (!c.stages) out.add(`${format}: no stages (open watches, watch lifetimes)`);
		if (!c.timestamps) out.add(`${format}: no stage timestamp (latency only from annotations > 500 ms)`);
		if (!c.userExtra) out.add(`${format}: no user.extra (node names; fan-out by source IP only)`);
		if (!c.lastSourceIP) out.add(`${format}: first source IP only (may be a proxy)`);
	}
	return [...out];
}

/** A record with every field empty: the starting point of every extractor. */
export function emptyRecord(format: AuditFormat): AuditRecord {
	return {
		auditID: '',
		stage: '',
		verb: '',
		requestURI: '',
		path: '',
		watch: false,
		limit: Number.NaN,
		hasContinue: false,
		resourceVersion: undefined,
		resourceVersionMatch: undefined,
		labelSelector: undefined,
		fieldSelector: undefined,
		sendInitialEvents: false,
		allowWatchBookmarks: false,
		timeoutSeconds: Number.NaN,
		queryKnown: true,
		userAgent: '',
		user: '',
		groups: [],
		impersonatedUser: '',
		nodeName: '',
		podName: '',
		sourceIP: '',
		resource: '',
		subresource: '',
		namespace: '',
		name: '',
		apiGroup: '',
		apiVersion: '',
		code: 0,
		receivedMs: Number.NaN,
		stageMs: Number.NaN,
		latencyMs: Number.NaN,
		apfQueueWaitMs: Number.NaN,
		decision: '',
		format,
	};
}

/**
 * A copy of a string that does not keep a large source text alive: V8 slices of 13+
 * characters reference their parent (here a whole 64 KiB chunk). Slicing a fresh
 * concatenation flattens it into a new string first, so the copy references only that.
 * Every string kept past its chunk (caches, clients, open watches) is such a copy.
 */
export function detachText(s: string): string {
	return s.length < 13 ? s : `${s} `.slice(0, -1);
}

/** A record whose strings are detached from the text it was read from, to keep it. */
export function detachRecord(r: AuditRecord): AuditRecord {
	return {
		...r,
		auditID: detachText(r.auditID),
		requestURI: detachText(r.requestURI),
		path: detachText(r.path),
		userAgent: detachText(r.userAgent),
		user: detachText(r.user),
		groups: r.groups.map(detachText),
		nodeName: detachText(r.nodeName),
		podName: detachText(r.podName),
		sourceIP: detachText(r.sourceIP),
		namespace: detachText(r.namespace),
		name: detachText(r.name),
		fieldSelector: r.fieldSelector === undefined ? undefined : detachText(r.fieldSelector),
		labelSelector: r.labelSelector === undefined ? undefined : detachText(r.labelSelector),
	};
}

/**
 * The steps every extractor ends with, from the raw fields already set on `r`: query
 * fields (unless `queryDone`: the scanner copied them from an identical URI), resource
 * from the path when there was no objectRef, the node of a kubelet, and latency from the
 * timestamps when there was no latency annotation.
 */
export function finishRecord(r: AuditRecord, hasObjectRef: boolean, hasStageTimes: boolean, queryDone = false): AuditRecord {
	if (!queryDone) applyQuery(r, r.requestURI);
	if (!hasObjectRef) applyResourcePath(r, r.path);
	if (r.nodeName === '' && r.user.startsWith('system:node:')) r.nodeName = r.user.slice(12);
	if (Number.isNaN(r.latencyMs) && hasStageTimes && r.verb !== 'watch' && (r.stage === 'ResponseComplete' || r.stage === 'Panic')) {
		const l = r.stageMs - r.receivedMs;
		if (Number.isFinite(l)) r.latencyMs = l;
	}
	return r;
}

/** An event is native when it says so, or when it has the fields only an audit event has. */
export function isNativeEvent(kind: string, apiVersion: string, auditID: string, requestURI: string, verb: string): boolean {
	if (kind === 'Event' && apiVersion.length > 13 && apiVersion.charCodeAt(12) === 47 && apiVersion.slice(0, 13) === 'audit.k8s.io/') return true;
	return kind === '' && auditID !== '' && requestURI !== '' && verb !== '';
}

/** A parsed JSON value as a string; '' for anything else. */
export function stringOf(v: unknown): string {
	return typeof v === 'string' ? v : '';
}

/** A parsed JSON value as an object; undefined for anything else (arrays too). */
export function objectOf(v: unknown): Record<string, unknown> | undefined {
	return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function firstString(v: unknown): string {
	return Array.isArray(v) && typeof v[0] === 'string' ? v[0] : '';
}

/** The authorization decision and the latency annotations of an event (GKE: its labels). */
export function applyAnnotations(r: AuditRecord, annotations: Record<string, unknown>): void {
	r.decision = stringOf(annotations['authorization.k8s.io/decision']);
	const total = annotations['apiserver.latency.k8s.io/total'];
	if (typeof total === 'string') r.latencyMs = parseGoDurationMs(total);
	const wait = annotations['apiserver.latency.k8s.io/apf-queue-wait'];
	if (typeof wait === 'string') r.apfQueueWaitMs = parseGoDurationMs(wait);
}

/**
 * The reference extractor: a record from an already parsed native event object, or null
 * when the object is not an audit event. The fast scanner must give exactly this.
 */
export function recordFromEvent(value: unknown, format: AuditFormat): AuditRecord | null {
	const ev = objectOf(value);
	if (ev === undefined) return null;
	const r = emptyRecord(format);
	r.auditID = stringOf(ev['auditID']);
	r.requestURI = stringOf(ev['requestURI']);
	r.verb = stringOf(ev['verb']);
	if (!isNativeEvent(stringOf(ev['kind']), stringOf(ev['apiVersion']), r.auditID, r.requestURI, r.verb)) return null;
	r.stage = stringOf(ev['stage']);
	r.userAgent = stringOf(ev['userAgent']);
	const user = objectOf(ev['user']);
	if (user !== undefined) {
		r.user = stringOf(user['username']);
		const groups = user['groups'];
		if (Array.isArray(groups)) r.groups = groups.filter((g): g is string => typeof g === 'string');
		const extra = objectOf(user['extra']);
		if (extra !== undefined) {
			r.nodeName = firstString(extra['authentication.kubernetes.io/node-name']);
			r.podName = firstString(extra['authentication.kubernetes.io/pod-name']);
		}
	}
	const impersonated = objectOf(ev['impersonatedUser']);
	if (impersonated !== undefined) r.impersonatedUser = stringOf(impersonated['username']);
	const ips = ev['sourceIPs'];
	if (Array.isArray(ips) && ips.length > 0) r.sourceIP = stringOf(ips[ips.length - 1]);
	const ref = objectOf(ev['objectRef']);
	if (ref !== undefined) {
		r.resource = stringOf(ref['resource']);
		r.namespace = stringOf(ref['namespace']);
		r.name = stringOf(ref['name']);
		r.apiGroup = stringOf(ref['apiGroup']);
		r.apiVersion = stringOf(ref['apiVersion']);
		r.subresource = stringOf(ref['subresource']);
	}
	const status = objectOf(ev['responseStatus']);
	if (status !== undefined && typeof status['code'] === 'number') r.code = status['code'];
	const rr = ev['requestReceivedTimestamp'];
	const st = ev['stageTimestamp'];
	const ts = ev['timestamp'];
	if (typeof rr === 'string') r.receivedMs = parseTimestampMs(rr, 0, rr.length);
	else if (typeof ts === 'string') r.receivedMs = parseTimestampMs(ts, 0, ts.length);
	if (typeof st === 'string') r.stageMs = parseTimestampMs(st, 0, st.length);
	const annotations = objectOf(ev['annotations']);
	if (annotations !== undefined) applyAnnotations(r, annotations);
	return finishRecord(r, ref !== undefined, typeof rr === 'string' && typeof st === 'string');
}

/** This module's part of the worker kernel (see README.md). */
export function recordKernel(): unknown[] {
	return [emptyRecord, detachText, detachRecord, finishRecord, isNativeEvent, stringOf, objectOf, firstString, applyAnnotations, recordFromEvent];
}
