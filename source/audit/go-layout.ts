/**
 * The fast path for the exact layout kube-apiserver writes (Go's field order, no
 * whitespace): known keys are matched as literals together with their punctuation, so
 * only values are searched for, and the user, objectRef, annotations, user agent and URI
 * texts that repeat line after line come from the cursor's exact-text caches. On the
 * first surprise it gives up (null), and the general scanner (scanner.ts) reads the line.
 *
 * Shipped to the audit worker (README.md: the worker kernel).
 */
import {scanAnnotations, scanImpersonated, scanObjectRef, scanResponseStatus, scanSourceIPs, scanUser} from './event-fields.js';
import {applyQuery, parseTimestampMs} from './fields.js';
import {lit, nextBackslash, restOfString, skipPlain, skipValue, skipWs} from './json-scan.js';
import type {AuditFormat, AuditRecord} from './audit-record.js';
import {detachText, emptyRecord, finishRecord} from './record.js';
import type {AnnotationInfo, RefInfo, ScanCursor, UserInfo} from './scan-cursor.js';

/** The user object at p (Go layout: it ends at the first `},"`), from the cache or scanned and cached. */
function cachedUser(c: ScanCursor, p: number, r: AuditRecord): boolean {
	const s = c.s;
	const guess = s.indexOf('},"', p);
	// Without a native hash: users differ in their name (kubelets: only its last characters) or pod details near the end.
	const nameEnd = c.hasher === null ? s.indexOf('"', p + 13) : -1;
	const seed =
		nameEnd > 0 ? (s.charCodeAt(nameEnd - 1) << 16) ^ (s.charCodeAt(nameEnd - 2) << 8) ^ s.charCodeAt(nameEnd - 3) ^ (s.charCodeAt(guess - 9) << 11) : 0;
	let h = 0;
	if (guess > p && guess < c.end) {
		h = c.textHash(p, guess + 1 - p, seed);
		const hit = c.users.get(s, p, guess + 1 - p, h);
		if (hit !== undefined) {
			useUser(r, hit);
			c.pos = guess + 1;
			return true;
		}
	}
	if (!scanUser(c, p, r)) return false;
	if (c.pos !== guess + 1) h = c.textHash(p, c.pos - p, seed);
	if (!c.users.admits(h)) return true;
	const user = detachText(r.user);
	const info: UserInfo = {
		user,
		groups: r.groups.map(detachText),
		nodeName: r.nodeName === '' && user.startsWith('system:node:') ? user.slice(12) : detachText(r.nodeName),
		podName: detachText(r.podName),
	};
	c.users.set(s, p, c.pos - p, info, h);
	useUser(r, info);
	return true;
}

/** A user read before (its strings the cache's own copies). */
function useUser(r: AuditRecord, info: UserInfo): void {
	r.user = info.user;
	r.groups = info.groups;
	r.nodeName = info.nodeName;
	r.podName = info.podName;
}

/** The objectRef at p (it ends at the first `},"`): 1 when read, -1 when malformed, 0 not an object. */
function cachedRef(c: ScanCursor, p: number, r: AuditRecord): number {
	const s = c.s;
	const guess = s.indexOf('},"', p);
	let h = 0;
	if (guess > p && guess < c.end) {
		h = c.textHash(p, guess + 1 - p, 0);
		const hit = c.refs.get(s, p, guess + 1 - p, h);
		if (hit !== undefined) {
			useRef(r, hit);
			c.pos = guess + 1;
			return 1;
		}
	}
	const got = scanObjectRef(c, p, r);
	if (got !== 1) return got;
	if (c.pos !== guess + 1) h = c.textHash(p, c.pos - p, 0);
	if (!c.refs.admits(h)) return got;
	const info: RefInfo = {
		resource: detachText(r.resource),
		namespace: detachText(r.namespace),
		name: detachText(r.name),
		apiGroup: detachText(r.apiGroup),
		apiVersion: detachText(r.apiVersion),
		subresource: detachText(r.subresource),
	};
	c.refs.set(s, p, c.pos - p, info, h);
	useRef(r, info);
	return 1;
}

/** An objectRef read before (its strings the cache's own copies). */
function useRef(r: AuditRecord, info: RefInfo): void {
	r.resource = info.resource;
	r.namespace = info.namespace;
	r.name = info.name;
	r.apiGroup = info.apiGroup;
	r.apiVersion = info.apiVersion;
	r.subresource = info.subresource;
}

/** The annotations at p, the last member (Go layout: the object ends one before the line end). */
function cachedAnnotations(c: ScanCursor, p: number, r: AuditRecord): boolean {
	const s = c.s;
	const end = c.end;
	let h = 0;
	const guess = end - 1;
	if (s.charCodeAt(end - 1) === 125 && s.charCodeAt(end - 2) === 125 && guess > p) {
		h = c.textHash(p, guess - p, 0);
		const hit = c.annotations.get(s, p, guess - p, h);
		if (hit !== undefined) {
			r.decision = hit.decision;
			r.latencyMs = hit.latencyMs;
			r.apfQueueWaitMs = hit.apfQueueWaitMs;
			c.pos = guess;
			return true;
		}
	}
	if (!scanAnnotations(c, p, r)) return false;
	// Latency annotations differ per request: only the common texts are worth keeping.
	if (!Number.isNaN(r.latencyMs)) return true;
	if (c.pos !== guess) h = c.textHash(p, c.pos - p, 0);
	if (!c.annotations.admits(h)) return true;
	const info: AnnotationInfo = {decision: detachText(r.decision), latencyMs: r.latencyMs, apfQueueWaitMs: r.apfQueueWaitMs};
	c.annotations.set(s, p, c.pos - p, info, h);
	r.decision = info.decision;
	return true;
}

/** The user agent string whose opening quote is at p - 1, interned. */
function cachedAgent(c: ScanCursor, p: number): string | null {
	const s = c.s;
	const q = s.indexOf('"', p);
	if (q < 0 || q >= c.end) return null;
	const h = c.textHash(p, q - p, 0);
	const hit = c.agents.get(s, p, q - p, h);
	if (hit !== undefined) {
		c.pos = q + 1;
		return hit;
	}
	const v = restOfString(c, p);
	if (v === null) return null;
	if (c.pos !== q + 1 || !c.agents.admits(h)) return v;
	const kept = detachText(v);
	c.agents.set(s, p, q - p, kept, h);
	return kept;
}

/**
 * A new record holding the request URI whose opening quote is at p - 1 and its query
 * fields (as applyQuery sets them): a copy of the cached record of the same URI when there
 * is one (its strings interned), else read and maybe cached.
 */
function recordOfUri(c: ScanCursor, p: number, format: AuditFormat): AuditRecord | null {
	const s = c.s;
	const q = s.indexOf('"', p);
	if (q < 0 || q >= c.end) return null;
	let h = c.textHash(p, q - p, 0);
	const hit = c.uris.get(s, p, q - p, h);
	if (hit !== undefined) {
		c.pos = q + 1;
		const r = {...hit};
		r.format = format;
		return r;
	}
	const v = restOfString(c, p);
	if (v === null) return null;
	const pos = c.pos;
	const r = uriRecord(v, format);
	if (pos !== q + 1) h = c.textHash(p, pos - 1 - p, 0);
	// A URI with a resourceVersion other than 0 (a watch resuming) or a continue token is
	// rarely seen twice: not worth a copy in the cache.
	const volatile = r.hasContinue || (r.resourceVersion !== undefined && r.resourceVersion !== '' && r.resourceVersion !== '0') || !c.uris.admits(h);
	// Kept in the cache: every string in it must be a copy, not a slice of the chunk.
	if (!volatile) c.uris.set(s, p, pos - 1 - p, uriRecord(detachText(v), format), h);
	c.pos = pos;
	return r;
}

/** A record holding a request URI and its query fields. */
function uriRecord(uri: string, format: AuditFormat): AuditRecord {
	const r = emptyRecord(format);
	r.requestURI = uri;
	applyQuery(r, uri);
	return r;
}

/** `{"metadata":{},"code":NNN}`, the response status the API server writes for success. */
function quickStatus(c: ScanCursor, p: number, r: AuditRecord): boolean {
	const s = c.s;
	const head = '{"metadata":{},"code":';
	if (!lit(s, p, head)) return scanResponseStatus(c, p, r);
	let i = p + head.length;
	const d0 = s.charCodeAt(i) - 48;
	if (d0 < 1 || d0 > 9) return scanResponseStatus(c, p, r);
	let code = d0;
	i++;
	for (;;) {
		const d = s.charCodeAt(i) - 48;
		if (d < 0 || d > 9) break;
		code = code * 10 + d;
		i++;
	}
	if (s.charCodeAt(i) !== 125 || i - p - head.length > 6) return scanResponseStatus(c, p, r);
	r.code = code;
	c.pos = i + 1;
	return true;
}

/** `["ip"]`, one source IP, else the general reader. */
function quickSourceIPs(c: ScanCursor, p: number, r: AuditRecord): boolean {
	const s = c.s;
	if (s.charCodeAt(p) === 91 && s.charCodeAt(p + 1) === 34) {
		const v = restOfString(c, p + 2);
		if (v !== null && s.charCodeAt(c.pos) === 93) {
			r.sourceIP = v;
			c.pos++;
			return true;
		}
	}
	return scanSourceIPs(c, p, r);
}

/**
 * The fast path for the exact layout kube-apiserver writes (Go's field order, no
 * whitespace): known keys are matched as literals together with their punctuation, so
 * only values are searched for, and repeated texts come from the caches. Returns null
 * on the first surprise; the caller then scans the line again with the general scanner,
 * which accepts any JSON.
 */
export function scanGoLayout(c: ScanCursor, p: number, format: AuditFormat): AuditRecord | null {
	const s = c.s;
	const end = c.end;
	const head = '{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"';
	if (!lit(s, p, head)) return null;
	p += head.length;
	if (!skipPlain(c, p) || !lit(s, c.pos, ',"auditID":"')) return null;
	const auditID = restOfString(c, c.pos + 12);
	if (auditID === null || !lit(s, c.pos, ',"stage":"')) return null;
	const stage = restOfString(c, c.pos + 10);
	if (stage === null || !lit(s, c.pos, ',"requestURI":"')) return null;
	// The record starts as its URI's: the query fields come with it.
	const r = recordOfUri(c, c.pos + 15, format);
	if (r === null || !lit(s, c.pos, ',"verb":"')) return null;
	r.auditID = auditID;
	r.stage = stage;
	let v = restOfString(c, c.pos + 9);
	if (v === null || !lit(s, c.pos, ',"user":')) return null;
	r.verb = v;
	if (!cachedUser(c, c.pos + 8, r)) return null;
	p = c.pos;
	if (s.charCodeAt(p + 2) === 105 && lit(s, p, ',"impersonatedUser":')) {
		if (!scanImpersonated(c, p + 20, r)) return null;
		p = c.pos;
	}
	if (s.charCodeAt(p + 3) === 111 && lit(s, p, ',"sourceIPs":')) {
		if (!quickSourceIPs(c, p + 13, r)) return null;
		p = c.pos;
	}
	if (s.charCodeAt(p + 2) === 117 && lit(s, p, ',"userAgent":"')) {
		v = cachedAgent(c, p + 14);
		if (v === null) return null;
		r.userAgent = v;
		p = c.pos;
	}
	let hasRef = false;
	if (s.charCodeAt(p + 2) === 111 && lit(s, p, ',"objectRef":')) {
		const got = cachedRef(c, p + 13, r);
		if (got < 0) return null;
		hasRef = got === 1;
		p = c.pos;
	}
	if (s.charCodeAt(p + 10) === 83 && lit(s, p, ',"responseStatus":')) {
		if (!quickStatus(c, p + 18, r)) return null;
		p = c.pos;
	}
	if (s.charCodeAt(p + 9) === 79 && lit(s, p, ',"requestObject":')) {
		if (!skipValue(c, p + 17, 1)) return null;
		p = c.pos;
	}
	if (s.charCodeAt(p + 10) === 79 && lit(s, p, ',"responseObject":')) {
		if (!skipValue(c, p + 18, 1)) return null;
		p = c.pos;
	}
	if (!lit(s, p, ',"requestReceivedTimestamp":"')) return null;
	p += 29;
	const rrEnd = s.indexOf('"', p);
	if (rrEnd < 0 || rrEnd >= end || nextBackslash(c, p) < rrEnd || !lit(s, rrEnd, '","stageTimestamp":"')) return null;
	const stStart = rrEnd + 20;
	const stEnd = s.indexOf('"', stStart);
	if (stEnd < 0 || stEnd >= end || nextBackslash(c, stStart) < stEnd) return null;
	r.receivedMs = parseTimestampMs(s, p, rrEnd);
	r.stageMs = parseTimestampMs(s, stStart, stEnd);
	p = stEnd + 1;
	if (s.charCodeAt(p + 2) === 97 && lit(s, p, ',"annotations":')) {
		if (!cachedAnnotations(c, p + 15, r)) return null;
		p = c.pos;
	}
	if (s.charCodeAt(p) !== 125 || skipWs(s, p + 1, end) !== end) return null;
	c.goLayout++;
	return finishRecord(r, hasRef, true, true);
}

/** This module's part of the worker kernel (see README.md). */
export function goLayoutKernel(): unknown[] {
	return [cachedUser, useUser, cachedRef, useRef, cachedAnnotations, cachedAgent, recordOfUri, uriRecord, quickStatus, quickSourceIPs, scanGoLayout];
}
