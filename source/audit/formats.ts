/**
 * Audit-log shapes: detects, per line (or per record of a batch), which cloud wrapper an
 * audit event came in, unwraps it and hands compact records to a sink. Native JSON lines
 * go through the fast scanner; wrappers are parsed with JSON.parse and their embedded
 * event (a JSON string or an object) is scanned or mapped. Anything that is not an
 * audit event is counted as skipped, never fatal.
 *
 * Shapes (native: k8s.io/apiserver pkg/apis/audit/v1/types.go; legacy text: its
 * pkg/audit/format.go, EventString; the cloud wrappers and where each sample came from:
 * test/fixtures/audit/SOURCES.md): native audit.k8s.io
 * events (also an EventList from the webhook backend); AKS diagnostic records
 * (`properties.log` string or object, category kube-audit[-admin]) alone (storage
 * account) or in `{"records":[…]}` (Event Hub); Log Analytics AzureDiagnostics rows
 * (`log_s`) and AKSAudit rows (PascalCase); EKS CloudWatch items (`logStreamName` +
 * `message`), `{"events":[…]}` pages, subscription payloads (`logEvents[]`), Logs Insights
 * results (`results[][]` with `@message`) and S3-export lines (`<ISO ts> {json}`); GKE
 * Cloud Logging entries (`protoPayload.serviceName == "k8s.io"`); the legacy text
 * backend (`<ts> AUDIT: id="…" …`). A file whose first line is a lone `{` or `[` is one
 * pretty-printed JSON document and is decoded whole.
 *
 * Shipped to the audit worker (README.md: the worker kernel).
 */
import {parseTimestampMs} from './fields.js';
import type {AuditFormat, AuditRecord} from './audit-record.js';
import {applyAnnotations, emptyRecord, finishRecord, objectOf, recordFromEvent, stringOf} from './record.js';
import {ScanCursor} from './scan-cursor.js';
import {scanEvent, scanEventText} from './scanner.js';

/**
 * Why a line or record was not counted as an audit event. 'line-too-long': a line of
 * ByteLineFeeder's maxLine bytes or more (never held in memory); 'gzip-error': the rest of
 * a .gz that is cut short or corrupt (its events before the cut are counted).
 */
export type SkipReason = 'not-json' | 'invalid-json' | 'not-audit' | 'line-too-long' | 'gzip-error';

/** Where decoded records go. */
export interface RecordSink {
	record(r: AuditRecord): void;
	skip(reason: SkipReason): void;
}

/** Decodes whole lines (or chunks of whole lines) into records. One per source. */
export class LineDecoder {
	readonly sink: RecordSink;
	private readonly cursor = new ScanCursor();
	private readonly inner = new ScanCursor();
	private first = true;
	/** Lines of a pretty-printed JSON document, while one is being collected. */
	private doc: string[] | undefined;
	private docBytes = 0;
	/** Lines (or embedded events) that needed JSON.parse. */
	private parsed = 0;

	constructor(sink: RecordSink) {
		this.sink = sink;
	}

	/** The input continues a part read elsewhere (a worker's byte range): no document detection. */
	continuing(): void {
		this.first = false;
		this.doc = undefined;
	}

	/** A new input starts (a file, a rotated file, stdin): a lone `{` on its first line starts a document. */
	begin(): void {
		this.first = true;
		this.doc = undefined;
		this.docBytes = 0;
	}

	/**
	 * Decodes the lines of `text` in [start, end); the range must end at a line end (or the
	 * text end). `clean`: the caller knows the range holds no control character but `\n`.
	 * `hasher(hashBase + i, n)`: a native hash of characters [i, i + n) of the text (its
	 * bytes in WebAssembly memory), for the scanner's caches.
	 */
	chunk(text: string, start = 0, end = text.length, clean = false, hasher: ((start: number, length: number) => number) | null = null, hashBase = 0): void {
		const c = this.cursor;
		c.reset(text, true);
		// The caller checked the bytes: no control character but newlines.
		if (clean) c.ctl = text.length;
		c.hasher = hasher;
		c.hashBase = hashBase;
		let a = start;
		while (a < end) {
			let b = text.indexOf('\n', a);
			if (b < 0 || b > end) b = end;
			let e = b;
			if (e > a && text.charCodeAt(e - 1) === 13) e--;
			if (e > a) this.lineAt(text, a, e);
			a = b + 1;
		}
	}

	/** Decodes one line (without its newline). */
	line(text: string): void {
		this.cursor.reset(text, true);
		this.cursor.hasher = null;
		let e = text.length;
		if (e > 0 && text.charCodeAt(e - 1) === 13) e--;
		if (e > 0) this.lineAt(text, 0, e);
	}

	/** A line too long to keep (see ByteLineFeeder): skipped once; a document it was part of is dropped. */
	tooLong(): void {
		this.first = false;
		this.doc = undefined;
		this.docBytes = 0;
		this.sink.skip('line-too-long');
	}

	/** The input ended: a pending pretty-printed document is decoded now. */
	finish(): void {
		const doc = this.doc;
		if (doc === undefined) return;
		this.doc = undefined;
		this.docBytes = 0;
		let value: unknown;
		try {
			value = JSON.parse(doc.join('\n'));
		} catch {
			this.sink.skip('invalid-json');
			return;
		}
		decodeValue(this, value, 'native');
	}

	/** How events were read: the layout fast path, the general scanner, JSON.parse (tests, benchmarks). */
	stats(): {goLayout: number; anyLayout: number; jsonParse: number} {
		return {goLayout: this.cursor.goLayout + this.inner.goLayout, anyLayout: this.cursor.anyLayout + this.inner.anyLayout, jsonParse: this.parsed};
	}

	private lineAt(text: string, a: number, b: number): void {
		const c = this.cursor;
		if (this.doc !== undefined) {
			const piece = text.slice(a, b);
			this.docBytes += piece.length;
			if (this.docBytes > 1 << 29) {
				this.doc = undefined;
				this.sink.skip('invalid-json');
				return;
			}
			this.doc.push(piece);
			return;
		}
		let p = a;
		let ch = text.charCodeAt(p);
		while (ch === 32 || ch === 9 || ch === 13 || ch === 0xfeff) ch = text.charCodeAt(++p);
		if (p >= b) return;
		const wasFirst = this.first;
		this.first = false;
		if (ch === 123 || ch === 91) {
			if (wasFirst && isLoneBracket(text, p, b)) {
				this.doc = [text.slice(p, b)];
				this.docBytes = b - p;
				return;
			}
			if (ch === 123 && !c.hasControl(p, b)) {
				c.end = b;
				const r = scanEvent(c, p, 'native');
				c.end = text.length;
				if (r !== null) {
					this.sink.record(r);
					return;
				}
			}
			const value = this.parse(text.slice(p, b));
			if (value !== undefined) decodeValue(this, value, 'native');
			return;
		}
		if (ch >= 48 && ch <= 57) {
			// "<ISO timestamp> {json}" (EKS S3 export) or "<ts> AUDIT: …" (legacy).
			const sp = text.indexOf(' ', p);
			if (sp > p && sp < b) {
				const next = text.charCodeAt(sp + 1);
				if (next === 123 && !Number.isNaN(parseTimestampMs(text, p, sp))) {
					this.embedded(text.slice(sp + 1, b), 'eks-s3');
					return;
				}
			}
		}
		const audit = text.indexOf('AUDIT: ', p);
		if (audit >= 0 && audit < b) {
			const r = recordFromLegacy(text, p, audit, b);
			if (r !== null) this.sink.record(r);
			else this.sink.skip('not-audit');
			return;
		}
		this.sink.skip('not-json');
	}

	/** An event embedded as JSON text in a wrapper: scanned fast, else parsed. */
	embedded(text: string, format: AuditFormat): void {
		const r = scanEventText(this.inner, text, format);
		if (r !== null) {
			this.sink.record(r);
			return;
		}
		const value = this.parse(stripBom(text));
		if (value === undefined) return;
		const rec = recordFromEvent(value, format);
		if (rec !== null) this.sink.record(rec);
		else this.sink.skip('not-audit');
	}

	/** JSON text the scanner could not vouch for, parsed; undefined (and one skip) when it is not JSON. */
	private parse(text: string): unknown {
		this.parsed++;
		try {
			return JSON.parse(text);
		} catch {
			this.sink.skip('invalid-json');
			return undefined;
		}
	}
}

function stripBom(text: string): string {
	const a = text.charCodeAt(0) === 0xfeff ? 1 : 0;
	return a === 0 ? text : text.slice(a);
}

function isLoneBracket(text: string, p: number, b: number): boolean {
	let i = p + 1;
	while (i < b) {
		const ch = text.charCodeAt(i);
		if (ch !== 32 && ch !== 9) {
			// `[{` or `[ {` opening an array of pretty-printed objects counts too.
			if (text.charCodeAt(p) === 91 && ch === 123 && i === b - 1) return true;
			return false;
		}
		i++;
	}
	return true;
}

/** A parsed JSON value of any known shape, unwrapped into records. */
export function decodeValue(d: LineDecoder, value: unknown, hint: AuditFormat): void {
	if (Array.isArray(value)) {
		if (value.length === 0) d.sink.skip('not-audit');
		for (const item of value) decodeValue(d, item, hint);
		return;
	}
	const o = objectOf(value);
	if (o === undefined) {
		d.sink.skip('not-audit');
		return;
	}
	if (Array.isArray(o['records'])) {
		const records = o['records'] as unknown[];
		if (records.length === 0) d.sink.skip('not-audit');
		for (const item of records) {
			const rec = objectOf(item);
			if (rec !== undefined && objectOf(rec['properties']) !== undefined) decodeAksRecord(d, rec, 'aks-eventhub');
			else decodeValue(d, item, hint);
		}
		return;
	}
	if (typeof o['category'] === 'string' && objectOf(o['properties']) !== undefined) {
		decodeAksRecord(d, o, hint === 'native' ? 'aks-storage' : hint);
		return;
	}
	if ('log_s' in o) {
		const category = stringOf(o['Category'] ?? o['category']);
		const log = o['log_s'];
		if (typeof log === 'string' && (category === '' || category.startsWith('kube-audit'))) d.embedded(log, 'aks-azurediagnostics');
		else d.sink.skip('not-audit');
		return;
	}
	if (typeof o['AuditId'] === 'string' || o['Type'] === 'AKSAudit' || o['Type'] === 'AKSAuditAdmin') {
		const r = recordFromAksAudit(o);
		if (r !== null) d.sink.record(r);
		else d.sink.skip('not-audit');
		return;
	}
	if (typeof o['logStreamName'] === 'string' && 'message' in o) {
		const message = o['message'];
		if (typeof message === 'string') d.embedded(message, hint === 'native' ? 'eks-cloudwatch' : hint);
		else d.sink.skip('not-audit');
		return;
	}
	if (Array.isArray(o['logEvents'])) {
		const events = o['logEvents'] as unknown[];
		if (events.length === 0) d.sink.skip('not-audit');
		for (const item of events) {
			const message = objectOf(item)?.['message'];
			if (typeof message === 'string') d.embedded(message, 'eks-subscription');
			else d.sink.skip('not-audit');
		}
		return;
	}
	if (Array.isArray(o['events']) && o['kind'] === undefined) {
		const events = o['events'] as unknown[];
		if (events.length === 0) d.sink.skip('not-audit');
		for (const item of events) decodeValue(d, item, 'eks-cloudwatch');
		return;
	}
	if (Array.isArray(o['results'])) {
		const rows = o['results'] as unknown[];
		if (rows.length === 0) d.sink.skip('not-audit');
		for (const row of rows) {
			let message: string | undefined;
			if (Array.isArray(row)) {
				for (const cell of row) {
					const c = objectOf(cell);
					if (c !== undefined && c['field'] === '@message' && typeof c['value'] === 'string') message = c['value'];
				}
			}
			if (message !== undefined) d.embedded(message, 'eks-insights');
			else d.sink.skip('not-audit');
		}
		return;
	}
	const proto = objectOf(o['protoPayload']);
	if (proto !== undefined) {
		const r = proto['serviceName'] === 'k8s.io' ? recordFromGke(o, proto) : null;
		if (r !== null) d.sink.record(r);
		else d.sink.skip('not-audit');
		return;
	}
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

/** An AKS diagnostic record: the audit event is `properties.log`, a JSON string or an object. */
function decodeAksRecord(d: LineDecoder, o: Record<string, unknown>, format: AuditFormat): void {
	const category = stringOf(o['category']);
	const properties = objectOf(o['properties']);
	const log = properties?.['log'];
	if (!category.startsWith('kube-audit') || log === undefined) {
		d.sink.skip('not-audit');
		return;
	}
	if (typeof log === 'string') {
		d.embedded(log, format);
		return;
	}
	const r = recordFromEvent(log, format);
	if (r !== null) d.sink.record(r);
	else d.sink.skip('not-audit');
}

/** Log Analytics values of dynamic columns may arrive as JSON text. */
function dynamic(v: unknown): unknown {
	if (typeof v !== 'string') return v;
	const t = v.trim();
	if (t === '' || (t[0] !== '{' && t[0] !== '[')) return v;
	try {
		return JSON.parse(t);
	} catch {
		return v;
	}
}

/** An AKSAudit (resource-specific Log Analytics) row: PascalCase columns of the same event. */
export function recordFromAksAudit(o: Record<string, unknown>): AuditRecord | null {
	const event: Record<string, unknown> = {
		kind: 'Event',
		apiVersion: 'audit.k8s.io/v1',
		auditID: o['AuditId'],
		stage: o['Stage'],
		requestURI: o['RequestUri'],
		verb: o['Verb'],
		user: dynamic(o['User']),
		impersonatedUser: dynamic(o['ImpersonatedUser']),
		sourceIPs: dynamic(o['SourceIps']),
		userAgent: o['UserAgent'],
		objectRef: dynamic(o['ObjectRef']),
		responseStatus: dynamic(o['ResponseStatus']),
		requestReceivedTimestamp: o['RequestReceivedTime'],
		stageTimestamp: o['StageReceivedTime'] ?? o['StageTime'],
		annotations: dynamic(o['Annotations']),
	};
	return recordFromEvent(event, 'aks-aksaudit');
}

/** google.rpc.Code → HTTP status (the standard mapping; GKE's own mapping is not documented). */
function httpFromRpc(code: number): number {
	switch (code) {
		case 0:
			return 200;
		case 1:
			return 499;
		case 3:
		case 9:
		case 11:
			return 400;
		case 4:
			return 504;
		case 5:
			return 404;
		case 6:
		case 10:
			return 409;
		case 7:
			return 403;
		case 8:
			return 429;
		case 12:
			return 501;
		case 14:
			return 503;
		case 16:
			return 401;
		default:
			return 500;
	}
}

/** A GKE Cloud Logging entry: verb from methodName, resource from resourceName; no query, no stages, no stage time. */
export function recordFromGke(o: Record<string, unknown>, proto: Record<string, unknown>): AuditRecord | null {
	const method = stringOf(proto['methodName']);
	const resourceName = stringOf(proto['resourceName']);
	if (method === '') return null;
	const r = emptyRecord('gke');
	r.queryKnown = false;
	const operation = objectOf(o['operation']);
	r.auditID = stringOf(operation?.['id']) || stringOf(o['insertId']);
	const first = operation?.['first'] === true;
	const last = operation?.['last'] === true;
	r.stage = first && !last ? 'ResponseStarted' : !first && last ? 'ResponseComplete' : '';
	r.verb = method.slice(method.lastIndexOf('.') + 1);
	const auth = objectOf(proto['authenticationInfo']);
	r.user = stringOf(auth?.['principalEmail']);
	const meta = objectOf(proto['requestMetadata']);
	r.sourceIP = stringOf(meta?.['callerIp']);
	r.userAgent = stringOf(meta?.['callerSuppliedUserAgent']);
	const status = objectOf(proto['status']);
	r.code = httpFromRpc(typeof status?.['code'] === 'number' ? status['code'] : 0);
	const ts = stringOf(o['timestamp']);
	r.receivedMs = parseTimestampMs(ts, 0, ts.length);
	const labels = objectOf(o['labels']);
	if (labels !== undefined) applyAnnotations(r, labels);
	// resourceName "core/v1/namespaces/shop/pods/web" or "cilium.io/v2/ciliumendpoints": rebuild the path.
	const parts = resourceName.split('/');
	if (parts.length >= 3) {
		const group = parts[0] === 'core' ? '' : parts[0]!;
		const prefix = group === '' ? `/api/${parts[1]}` : `/apis/${group}/${parts[1]}`;
		r.requestURI = `${prefix}/${parts.slice(2).join('/')}`;
	} else if (resourceName !== '') {
		r.requestURI = `/${resourceName}`;
	}
	r.watch = r.verb === 'watch';
	finishRecord(r, false, false);
	r.watch = r.verb === 'watch';
	return r;
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

/** The format of one line, or undefined when it is not an audit event (for display and tests). */
export function detectLineFormat(line: string): AuditFormat | 'batch' | undefined {
	const formats = new Set<AuditFormat>();
	const decoder = new LineDecoder({record: (r) => formats.add(r.format), skip: () => undefined});
	decoder.line(line);
	decoder.finish();
	if (formats.size === 0) return undefined;
	if (formats.size > 1) return 'batch';
	return [...formats][0];
}

/** This module's part of the worker kernel (see README.md). */
export function formatsKernel(): unknown[] {
	return [
		LineDecoder,
		stripBom,
		isLoneBracket,
		decodeValue,
		decodeAksRecord,
		dynamic,
		recordFromAksAudit,
		httpFromRpc,
		recordFromGke,
		goUnquote,
		recordFromLegacy,
	];
}
