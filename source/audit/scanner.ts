/**
 * The field scanner: reads a native audit event (one JSON object in a range of a larger
 * string) and fills an AuditRecord without building the event as objects. Lines in
 * kube-apiserver's own layout take the fast path (go-layout.ts); any other layout — any
 * key order, whitespace, duplicate keys (the last wins) — is walked here: the top level
 * and the nested parts the record needs (event-fields.ts), every other value
 * (requestObject, responseObject, managedFields…) skipped without being built.
 *
 * It validates what it walks as strictly as JSON.parse does (json-scan.ts); whenever it
 * is not sure (escaped keys, control characters, deep nesting, anything malformed) it
 * returns null and the caller falls back to JSON.parse + recordFromEvent, so a record it
 * returns is always the record JSON.parse would give.
 *
 * Shipped to the audit worker (README.md: the worker kernel).
 */
import {scanAnnotations, scanImpersonated, scanObjectRef, scanResponseStatus, scanSourceIPs, scanUser} from './event-fields.js';
import {parseTimestampMs} from './fields.js';
import {scanGoLayout} from './go-layout.js';
import {enterObject, keyIs, nextKey, optionalString, skipValue, skipWs, stringOrEmpty} from './json-scan.js';
import type {AuditFormat, AuditRecord} from './audit-record.js';
import {emptyRecord, finishRecord, isNativeEvent} from './record.js';
import type {ScanCursor} from './scan-cursor.js';

/**
 * Scans the native audit event whose `{` is at p (up to c.end, which must hold only
 * whitespace after the object). Returns the record, or null when the text is not a
 * native event or the scanner cannot vouch for it (then use JSON.parse).
 */
export function scanEvent(c: ScanCursor, p: number, format: AuditFormat): AuditRecord | null {
	const fast = scanGoLayout(c, p, format);
	if (fast !== null) return fast;
	// Scanning again from the start: the cached next backslash may lie past one not yet read.
	c.bs = -1;
	return scanAnyLayout(c, p, format);
}

/** The general scanner: any key order, whitespace, duplicate keys (the last wins, as in JSON.parse). */
function scanAnyLayout(c: ScanCursor, p: number, format: AuditFormat): AuditRecord | null {
	const s = c.s;
	const end = c.end;
	if (!enterObject(c, p)) return null;
	const r = emptyRecord(format);
	let kind = '';
	let apiVersion = '';
	let hasRef = false;
	let rr: string | undefined;
	let st: string | undefined;
	let ts: string | undefined;
	let len: number;
	while ((len = nextKey(c)) >= 0) {
		const v = c.pos;
		const key = topKey(s, c.key, len);
		switch (key) {
			case 'kind':
			case 'apiVersion':
			case 'auditID':
			case 'stage':
			case 'requestURI':
			case 'verb':
			case 'userAgent': {
				const value = stringOrEmpty(c, v);
				if (value === null) return null;
				switch (key) {
					case 'kind':
						kind = value;
						break;
					case 'apiVersion':
						apiVersion = value;
						break;
					case 'auditID':
						r.auditID = value;
						break;
					case 'stage':
						r.stage = value;
						break;
					case 'requestURI':
						r.requestURI = value;
						break;
					case 'verb':
						r.verb = value;
						break;
					default:
						r.userAgent = value;
				}
				break;
			}
			case 'requestReceivedTimestamp':
			case 'stageTimestamp':
			case 'timestamp': {
				const value = optionalString(c, v, 1);
				if (value === null) return null;
				if (key === 'requestReceivedTimestamp') rr = value;
				else if (key === 'stageTimestamp') st = value;
				else ts = value;
				break;
			}
			case 'user':
				if (!scanUser(c, v, r)) return null;
				break;
			case 'impersonatedUser':
				if (!scanImpersonated(c, v, r)) return null;
				break;
			case 'sourceIPs':
				if (!scanSourceIPs(c, v, r)) return null;
				break;
			case 'objectRef': {
				const got = scanObjectRef(c, v, r);
				if (got < 0) return null;
				hasRef = got === 1;
				break;
			}
			case 'responseStatus':
				if (!scanResponseStatus(c, v, r)) return null;
				break;
			case 'annotations':
				if (!scanAnnotations(c, v, r)) return null;
				break;
			default:
				if (!skipValue(c, v, 1)) return null;
		}
	}
	if (len === -1 || skipWs(s, c.pos, end) !== end) return null;
	if (!isNativeEvent(kind, apiVersion, r.auditID, r.requestURI, r.verb)) return null;
	c.anyLayout++;
	if (rr !== undefined) r.receivedMs = parseTimestampMs(rr, 0, rr.length);
	else if (ts !== undefined) r.receivedMs = parseTimestampMs(ts, 0, ts.length);
	if (st !== undefined) r.stageMs = parseTimestampMs(st, 0, st.length);
	return finishRecord(r, hasRef, rr !== undefined && st !== undefined);
}

/**
 * Scans one standalone JSON text (a line, or an event embedded as a string in a cloud
 * wrapper) as a native event. null: not a native event, or not sure (use JSON.parse).
 */
export function scanEventText(c: ScanCursor, text: string, format: AuditFormat): AuditRecord | null {
	c.reset(text, false);
	let a = skipWs(text, 0, text.length);
	if (text.charCodeAt(a) === 0xfeff) a = skipWs(text, a + 1, text.length);
	let b = text.length;
	while (b > a) {
		const ch = text.charCodeAt(b - 1);
		if (ch !== 32 && ch !== 9 && ch !== 10 && ch !== 13) break;
		b--;
	}
	if (c.hasControl(a, b)) return null;
	c.end = b;
	return scanEvent(c, a, format);
}

/** Top-level keys the scanner reads, as internalized strings (fast to switch on); '' for the rest. */
function topKey(s: string, k: number, len: number): string {
	switch (len) {
		case 4:
			if (keyIs(s, k, 'verb')) return 'verb';
			if (keyIs(s, k, 'user')) return 'user';
			if (keyIs(s, k, 'kind')) return 'kind';
			return '';
		case 5:
			return keyIs(s, k, 'stage') ? 'stage' : '';
		case 7:
			return keyIs(s, k, 'auditID') ? 'auditID' : '';
		case 9:
			if (keyIs(s, k, 'userAgent')) return 'userAgent';
			if (keyIs(s, k, 'sourceIPs')) return 'sourceIPs';
			if (keyIs(s, k, 'objectRef')) return 'objectRef';
			if (keyIs(s, k, 'timestamp')) return 'timestamp';
			return '';
		case 10:
			if (keyIs(s, k, 'requestURI')) return 'requestURI';
			if (keyIs(s, k, 'apiVersion')) return 'apiVersion';
			return '';
		case 11:
			return keyIs(s, k, 'annotations') ? 'annotations' : '';
		case 14:
			if (keyIs(s, k, 'responseStatus')) return 'responseStatus';
			if (keyIs(s, k, 'stageTimestamp')) return 'stageTimestamp';
			return '';
		case 16:
			return keyIs(s, k, 'impersonatedUser') ? 'impersonatedUser' : '';
		case 24:
			return keyIs(s, k, 'requestReceivedTimestamp') ? 'requestReceivedTimestamp' : '';
		default:
			return '';
	}
}

/** This module's part of the worker kernel (see README.md). */
export function scannerKernel(): unknown[] {
	return [topKey, scanEvent, scanAnyLayout, scanEventText];
}
