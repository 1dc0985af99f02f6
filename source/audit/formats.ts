/**
 * Audit-log shapes, told apart: the line decoder detects, per line, what a line holds and
 * hands compact records to a sink; decodeValue dispatches a parsed JSON value (or each
 * record of a batch) to the wrapper family it belongs to. Native JSON lines go through the
 * fast scanner; wrappers are parsed with JSON.parse and their embedded event (a JSON
 * string or an object) is scanned or mapped. Anything that is not an audit event is
 * counted as skipped, never fatal.
 *
 * The shapes, each family in its module: the API server's own (native audit.k8s.io
 * events, an EventList from the webhook backend, the legacy text backend's
 * `<ts> AUDIT: id="…" …` lines) in shape-native.ts; AKS diagnostic records, Log Analytics
 * AzureDiagnostics and AKSAudit rows in shape-aks.ts; EKS CloudWatch items, pages,
 * subscription payloads and Logs Insights results in shape-eks.ts (S3-export lines,
 * `<ISO ts> {json}`, are told here); GKE Cloud Logging entries in shape-gke.ts. A file
 * whose first line is a lone `{` or `[` is one pretty-printed JSON document and is decoded
 * whole.
 *
 * Shipped to the audit worker (README.md: the worker kernel).
 */
import {parseTimestampMs} from './fields.js';
import type {AuditFormat} from './audit-record.js';
import {objectOf, recordFromEvent} from './record.js';
import type {RecordSink, ShapeDecoder} from './record-sink.js';
import {ScanCursor} from './scan-cursor.js';
import {scanEvent, scanEventText} from './scanner.js';
import {decodeAks} from './shape-aks.js';
import {decodeEks} from './shape-eks.js';
import {decodeGke} from './shape-gke.js';
import {decodeNative, recordFromLegacy} from './shape-native.js';

/** Decodes whole lines (or chunks of whole lines) into records. One per source. */
export class LineDecoder implements ShapeDecoder {
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

	/** A parsed JSON value of any known shape (an item of a batch), unwrapped into records. */
	decode(value: unknown, hint: AuditFormat): void {
		decodeValue(this, value, hint);
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

/** A parsed JSON value of any known shape, unwrapped into records: an array item by item, an object by the first wrapper family that claims it. */
export function decodeValue(d: ShapeDecoder, value: unknown, hint: AuditFormat): void {
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
	if (decodeAks(d, o, hint) || decodeEks(d, o, hint) || decodeGke(d, o)) return;
	decodeNative(d, o, hint);
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
	return [LineDecoder, stripBom, isLoneBracket, decodeValue];
}
