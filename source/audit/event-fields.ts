/**
 * The nested parts of an audit event the record needs, read in any layout: `user` (name,
 * groups, the node and pod of user.extra), `impersonatedUser`, `sourceIPs` (the last one),
 * `objectRef`, `responseStatus` (the code) and `annotations` (the decision, the latency and
 * APF queue wait). Each sets exactly what recordFromEvent would set from the same value,
 * reading nothing else; false (or -1) when the text is not JSON it can vouch for.
 *
 * Shipped to the audit worker (README.md: the worker kernel).
 */
import {parseGoDurationMs} from './fields.js';
import {enterObject, keyIs, nextKey, numberEnd, optionalString, skipValue, stringElement, stringOrEmpty} from './json-scan.js';
import type {AuditRecord} from './audit-record.js';
import type {ScanCursor} from './scan-cursor.js';

/** Reads `user` (or resets it for a non-object); false when malformed. */
export function scanUser(c: ScanCursor, p: number, r: AuditRecord): boolean {
	r.user = '';
	r.groups = [];
	r.nodeName = '';
	r.podName = '';
	if (!enterObject(c, p)) return skipValue(c, p, 1);
	let len: number;
	while ((len = nextKey(c)) >= 0) {
		const k = c.key;
		const v = c.pos;
		if (len === 8 && keyIs(c.s, k, 'username')) {
			const u = stringOrEmpty(c, v);
			if (u === null) return false;
			r.user = u;
		} else if (len === 6 && keyIs(c.s, k, 'groups')) {
			const groups: string[] = [];
			if (stringElement(c, v, 2, false, groups) === null) return false;
			r.groups = groups;
		} else if (len === 5 && keyIs(c.s, k, 'extra')) {
			if (!scanExtra(c, v, r)) return false;
		} else if (!skipValue(c, v, 2)) {
			return false;
		}
	}
	return len === -2;
}

/** user.extra: the first node name and pod name, when they are strings. */
function scanExtra(c: ScanCursor, p: number, r: AuditRecord): boolean {
	r.nodeName = '';
	r.podName = '';
	if (!enterObject(c, p)) return skipValue(c, p, 2);
	let len: number;
	while ((len = nextKey(c)) >= 0) {
		const k = c.key;
		const v = c.pos;
		const node = len === 38 && keyIs(c.s, k, 'authentication.kubernetes.io/node-name');
		if (node || (len === 37 && keyIs(c.s, k, 'authentication.kubernetes.io/pod-name'))) {
			const first = stringElement(c, v, 1, false, null);
			if (first === null) return false;
			if (node) r.nodeName = first;
			else r.podName = first;
		} else if (!skipValue(c, v, 3)) {
			return false;
		}
	}
	return len === -2;
}

export function scanImpersonated(c: ScanCursor, p: number, r: AuditRecord): boolean {
	r.impersonatedUser = '';
	if (!enterObject(c, p)) return skipValue(c, p, 1);
	let len: number;
	while ((len = nextKey(c)) >= 0) {
		if (len === 8 && keyIs(c.s, c.key, 'username')) {
			const u = stringOrEmpty(c, c.pos);
			if (u === null) return false;
			r.impersonatedUser = u;
		} else if (!skipValue(c, c.pos, 2)) {
			return false;
		}
	}
	return len === -2;
}

/** sourceIPs: the last element when it is a string, else ''. */
export function scanSourceIPs(c: ScanCursor, p: number, r: AuditRecord): boolean {
	const ip = stringElement(c, p, 1, true, null);
	r.sourceIP = ip ?? '';
	return ip !== null;
}

/** objectRef; returns 1 for an object, 0 for another value, -1 when malformed. */
export function scanObjectRef(c: ScanCursor, p: number, r: AuditRecord): number {
	r.resource = '';
	r.namespace = '';
	r.name = '';
	r.apiGroup = '';
	r.apiVersion = '';
	r.subresource = '';
	if (!enterObject(c, p)) return skipValue(c, p, 1) ? 0 : -1;
	const s = c.s;
	let len: number;
	while ((len = nextKey(c)) >= 0) {
		const k = c.key;
		const v = c.pos;
		let field = '';
		if (len === 8) {
			if (keyIs(s, k, 'resource')) field = 'resource';
			else if (keyIs(s, k, 'apiGroup')) field = 'apiGroup';
		} else if (len === 9) {
			if (keyIs(s, k, 'namespace')) field = 'namespace';
		} else if (len === 4) {
			if (keyIs(s, k, 'name')) field = 'name';
		} else if (len === 10) {
			if (keyIs(s, k, 'apiVersion')) field = 'apiVersion';
		} else if (len === 11) {
			if (keyIs(s, k, 'subresource')) field = 'subresource';
		}
		if (field === '') {
			if (!skipValue(c, v, 2)) return -1;
			continue;
		}
		const value = stringOrEmpty(c, v);
		if (value === null) return -1;
		switch (field) {
			case 'resource':
				r.resource = value;
				break;
			case 'apiGroup':
				r.apiGroup = value;
				break;
			case 'namespace':
				r.namespace = value;
				break;
			case 'name':
				r.name = value;
				break;
			case 'apiVersion':
				r.apiVersion = value;
				break;
			default:
				r.subresource = value;
		}
	}
	return len === -2 ? 1 : -1;
}

export function scanResponseStatus(c: ScanCursor, p: number, r: AuditRecord): boolean {
	r.code = 0;
	if (!enterObject(c, p)) return skipValue(c, p, 1);
	const s = c.s;
	let len: number;
	while ((len = nextKey(c)) >= 0) {
		const v = c.pos;
		if (len === 4 && keyIs(s, c.key, 'code')) {
			const ch = s.charCodeAt(v);
			if (ch === 45 || (ch >= 48 && ch <= 57)) {
				const e = numberEnd(s, v, c.end);
				if (e < 0) return false;
				r.code = Number(s.slice(v, e));
				c.pos = e;
			} else {
				if (!skipValue(c, v, 2)) return false;
				r.code = 0;
			}
		} else if (!skipValue(c, v, 2)) {
			return false;
		}
	}
	return len === -2;
}

export function scanAnnotations(c: ScanCursor, p: number, r: AuditRecord): boolean {
	r.decision = '';
	r.latencyMs = Number.NaN;
	r.apfQueueWaitMs = Number.NaN;
	if (!enterObject(c, p)) return skipValue(c, p, 1);
	let len: number;
	while ((len = nextKey(c)) >= 0) {
		const k = c.key;
		const v = c.pos;
		if (len === 29 && keyIs(c.s, k, 'authorization.k8s.io/decision')) {
			const d = stringOrEmpty(c, v);
			if (d === null) return false;
			r.decision = d;
			continue;
		}
		const total = len === 30 && keyIs(c.s, k, 'apiserver.latency.k8s.io/total');
		if (total || (len === 39 && keyIs(c.s, k, 'apiserver.latency.k8s.io/apf-queue-wait'))) {
			const d = optionalString(c, v, 2);
			if (d === null) return false;
			const ms = d === undefined ? Number.NaN : parseGoDurationMs(d);
			if (total) r.latencyMs = ms;
			else r.apfQueueWaitMs = ms;
		} else if (!skipValue(c, v, 2)) {
			return false;
		}
	}
	return len === -2;
}

/** This module's part of the worker kernel (see README.md). */
export function eventFieldsKernel(): unknown[] {
	return [scanUser, scanExtra, scanImpersonated, scanSourceIPs, scanObjectRef, scanResponseStatus, scanAnnotations];
}
