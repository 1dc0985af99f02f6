/**
 * The shapes the API server writes itself: native audit.k8s.io events (k8s.io/apiserver
 * pkg/apis/audit/v1/types.go), an EventList (the webhook backend's batch), and the legacy
 * text backend's line (`<ts> AUDIT: id="…" …`, its pkg/audit/format.go, EventString).
 *
 * Shipped to the audit worker (README.md: the worker kernel).
 */
import {parseTimestampMs} from './fields.js';
import type {AuditFormat, AuditRecord} from './audit-record.js';
import {emptyRecord, finishRecord, recordFromEvent} from './record.js';
import type {ShapeDecoder} from './record-sink.js';

/** A parsed JSON object no wrapper claimed: an EventList or one event, read into records (or skipped). */
export function decodeNative(d: ShapeDecoder, o: Record<string, unknown>, hint: AuditFormat): void {
	if (o['kind'] === 'EventList' && Array.isArray(o['items'])) {
		const items = o['items'] as unknown[];
		if (items.length === 0) d.sink.skip('not-audit');
		for (const item of items) {
			const r = recordFromEvent(item, hint);
			if (r !== null) d.sink.record(r);
			else d.sink.skip('not-audit');
		}
		return;
	}
	const r = recordFromEvent(o, hint);
	if (r !== null) d.sink.record(r);
	else d.sink.skip('not-audit');
}

/** Go's strconv.Unquote for a %q string starting at p (a quote); sets end through the array. */
function goUnquote(text: string, p: number, limit: number, endOut: number[]): string | null {
	if (text.charCodeAt(p) !== 34) return null;
	let out = '';
	let i = p + 1;
	while (i < limit) {
		const ch = text.charCodeAt(i);
		if (ch === 34) {
			endOut[0] = i + 1;
			return out;
		}
		if (ch !== 92) {
			out += text[i];
			i++;
			continue;
		}
		const e = text[i + 1];
		switch (e) {
			case '"':
				out += '"';
				i += 2;
				break;
			case '\\':
				out += '\\';
				i += 2;
				break;
			case "'":
				out += "'";
				i += 2;
				break;
			case 'a':
				out += '\x07';
				i += 2;
				break;
			case 'b':
				out += '\b';
				i += 2;
				break;
			case 'f':
				out += '\f';
				i += 2;
				break;
			case 'n':
				out += '\n';
				i += 2;
				break;
			case 'r':
				out += '\r';
				i += 2;
				break;
			case 't':
				out += '\t';
				i += 2;
				break;
			case 'v':
				out += '\v';
				i += 2;
				break;
			case 'x': {
				const h = text.slice(i + 2, i + 4);
				if (!/^[0-9a-fA-F]{2}$/.test(h)) return null;
				out += String.fromCharCode(Number.parseInt(h, 16));
				i += 4;
				break;
			}
			case 'u':
			case 'U': {
				const n = e === 'u' ? 4 : 8;
				const h = text.slice(i + 2, i + 2 + n);
				if (h.length !== n || !/^[0-9a-fA-F]+$/.test(h)) return null;
				const cp = Number.parseInt(h, 16);
				if (cp > 0x10ffff) return null;
				out += String.fromCodePoint(cp);
				i += 2 + n;
				break;
			}
			default: {
				const o = text.slice(i + 1, i + 4);
				if (!/^[0-7]{3}$/.test(o)) return null;
				out += String.fromCharCode(Number.parseInt(o, 8));
				i += 4;
			}
		}
	}
	return null;
}

/**
 * A legacy text line (`--audit-log-format=legacy`): `<RFC3339Nano> AUDIT: id="…" stage="…"
 * ip="…" method="…" user="…" groups="…" as="…" asgroups="…" user-agent="…" namespace="…"
 * uri="…" response="…"`. ip is the *first* source IP; the timestamp is when the request
 * was received; there is no stage time.
 */
export function recordFromLegacy(text: string, p: number, audit: number, b: number): AuditRecord | null {
	const fields = new Map<string, string>();
	let i = audit + 7;
	const endOut = [0];
	while (i < b) {
		while (i < b && text.charCodeAt(i) === 32) i++;
		if (i >= b) break;
		const eq = text.indexOf('=', i);
		if (eq < 0 || eq >= b) return null;
		const key = text.slice(i, eq);
		const value = goUnquote(text, eq + 1, b, endOut);
		if (value === null) return null;
		fields.set(key, value);
		i = endOut[0]!;
	}
	const method = fields.get('method');
	const uri = fields.get('uri');
	const id = fields.get('id');
	if (method === undefined || uri === undefined || id === undefined) return null;
	const r = emptyRecord('legacy');
	r.auditID = id;
	r.stage = fields.get('stage') ?? '';
	r.verb = method;
	r.requestURI = uri;
	const ip = fields.get('ip') ?? '';
	r.sourceIP = ip === '<unknown>' ? '' : ip;
	const user = fields.get('user') ?? '';
	r.user = user === '<none>' ? '' : user;
	const groups = fields.get('groups') ?? '<none>';
	if (groups !== '<none>') {
		const list: string[] = [];
		let g = 0;
		while (g < groups.length) {
			const v = goUnquote(groups, g, groups.length, endOut);
			if (v === null) break;
			list.push(v);
			g = endOut[0]! + 1;
		}
		r.groups = list;
	}
	const as = fields.get('as') ?? '<self>';
	r.impersonatedUser = as === '<self>' ? '' : as;
	r.userAgent = fields.get('user-agent') ?? '';
	const response = fields.get('response') ?? '';
	r.code = /^[0-9]+$/.test(response) ? Number(response) : 0;
	const sp = text.lastIndexOf(' ', audit - 1);
	const tsStart = text.lastIndexOf(' ', sp - 1) + 1;
	const stamp = sp > p ? text.slice(Math.max(p, tsStart), sp) : '';
	r.receivedMs = parseTimestampMs(stamp, 0, stamp.length);
	finishRecord(r, false, false);
	const ns = fields.get('namespace') ?? '<none>';
	if (r.namespace === '' && ns !== '<none>') r.namespace = ns;
	return r;
}

/** This module's part of the worker kernel (see README.md). */
export function shapeNativeKernel(): unknown[] {
	return [decodeNative, goUnquote, recordFromLegacy];
}
