/**
 * The fast field scanner: reads a native audit event (one JSON object in a range of a
 * larger string) and fills an AuditRecord without building the event as objects. It
 * walks the top level and the few nested objects it needs (user, objectRef,
 * responseStatus, annotations), jumps over strings with native indexOf, and skips every
 * other value (requestObject, responseObject, managedFields…) without materializing it.
 * Lines in kube-apiserver's own layout take a fast path that matches keys as literals,
 * and the user, objectRef, annotations, user agent and URI texts that repeat line after
 * line come from exact-text caches (a hit needs the whole text to be identical).
 *
 * It validates what it walks as strictly as JSON.parse does; whenever it is not sure
 * (escaped keys, control characters, deep nesting, anything malformed) it returns null
 * and the caller falls back to JSON.parse + recordFromEvent, so a record it returns is
 * always the record JSON.parse would give.
 *
 * Shipped to the audit worker (README.md: the worker kernel).
 */
import {applyQuery, detachText, emptyRecord, finishRecord, isNativeEvent, parseGoDurationMs, parseTimestampMs, type AuditFormat, type AuditRecord} from './record.js';

/**
 * Scanning state over one text: the text, the end of the current line or range, the
 * position after the last value read, and the cached next backslash and control
 * character (both searched forward once per text, so a chunk costs O(length)).
 */
export class ScanCursor {
	s = '';
	end = 0;
	pos = 0;
	/** Next backslash at or after the last search start; s.length when none. */
	bs = -1;
	/** Next character < 0x20 (not counting `\n` when `lines`); s.length when none. */
	ctl = -1;
	/** The text is a chunk of lines: `\n` separates lines and is not looked for. */
	lines = false;
	/** A native hash of text characters [i, i + n) as hasher(hashBase + i, n), when the text's bytes are in WebAssembly memory. */
	hasher: ((start: number, length: number) => number) | null = null;
	hashBase = 0;
	/** Events read by the layout fast path and by the general scanner (for tests and benchmarks). */
	goLayout = 0;
	anyLayout = 0;
	/** Texts seen before, with what was read from them (see TextCache). */
	readonly users = new TextCache<UserInfo>(2048);
	readonly refs = new TextCache<RefInfo>(2048);
	readonly annotations = new TextCache<AnnotationInfo>(256);
	readonly agents = new TextCache<string>(256);
	readonly uris = new TextCache<UriInfo>(4096);

	/** Starts on a new text (a chunk of whole lines, or one standalone JSON text). */
	reset(s: string, lines: boolean): void {
		this.s = s;
		this.end = s.length;
		this.pos = 0;
		this.bs = -1;
		this.ctl = -1;
		this.lines = lines;
		this.hasher = null;
	}

	/** The hash TextCache slots are chosen by: every character when a native hash is at hand, else a sample plus `seed`. */
	textHash(p: number, len: number, seed: number): number {
		const hasher = this.hasher;
		return hasher !== null ? hasher(this.hashBase + p, len) : sampledHash(this.s, p, len, seed);
	}

	/** True when [from, to) holds a control character, which JSON allows only as whitespace between tokens. */
	hasControl(from: number, to: number): boolean {
		let at = this.ctl;
		if (at < from) {
			const re = this.lines ? /[\x00-\x09\x0b-\x1f]/g : /[\x00-\x1f]/g;
			re.lastIndex = from;
			const m = re.exec(this.s);
			at = m === null ? this.s.length : m.index;
			this.ctl = at;
		}
		return at < to;
	}
}

/**
 * A direct-mapped cache from raw JSON texts (a string value with its escapes, or a whole
 * object) to what was read from them. A hit needs the whole text to be identical, so it
 * gives exactly what reading the text again would; audit logs repeat the same user,
 * objectRef, annotations, user agent and URI texts all the time. Hits also return the
 * same string objects, so later Map lookups find their hashes already computed.
 */
export class TextCache<T> {
	private readonly texts: (string | undefined)[];
	private readonly values: (T | undefined)[];
	/** The hash last seen missing per slot: a text is kept the second time it is seen (one-off texts are not copied). */
	private readonly seen: Int32Array;
	private readonly mask: number;

	constructor(size: number) {
		this.texts = new Array<string | undefined>(size).fill(undefined);
		this.values = new Array<T | undefined>(size).fill(undefined);
		this.seen = new Int32Array(size);
		this.mask = size - 1;
	}

	/** What was read from the text s[p, p + len) with hash h (ScanCursor.textHash), when it was seen before. */
	get(s: string, p: number, len: number, h: number): T | undefined {
		const i = h & this.mask;
		const t = this.texts[i];
		// slice + === compares with memcmp; startsWith and char loops are several times slower.
		if (t !== undefined && t.length === len && s.slice(p, p + len) === t) return this.values[i];
		return undefined;
	}

	/** Whether a text missing from the cache was seen just before in its slot (then it is worth keeping). */
	admits(h: number): boolean {
		const i = h & this.mask;
		if (this.seen[i] === h) return true;
		this.seen[i] = h;
		return false;
	}

	set(s: string, p: number, len: number, value: T, h: number): void {
		if (len > 4096) return;
		const i = h & this.mask;
		this.texts[i] = detachText(s.slice(p, p + len));
		this.values[i] = value;
	}
}

/** A hash of s[p, p + len) from a few of its characters and `seed` (when no native hash is at hand). */
function sampledHash(s: string, p: number, len: number, seed: number): number {
	let h = Math.imul(len, 0x9e3779b1) ^ seed;
	h ^= Math.imul(s.charCodeAt(p + len - 2), 0x85ebca6b);
	h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) ^ s.charCodeAt(p + (len >> 1));
	h = Math.imul(h ^ (h >>> 16), 0x27d4eb2f) ^ s.charCodeAt(p + (len >> 2));
	h = Math.imul(h ^ (h >>> 15), 0x165667b1) ^ s.charCodeAt(p + len - (len >> 3) - 1);
	return h ^ (h >>> 16);
}

/** What the scanner keeps of a `user` object. nodeName is final (a kubelet's node included). */
export interface UserInfo {
	user: string;
	groups: string[];
	nodeName: string;
	podName: string;
}

export interface RefInfo {
	resource: string;
	namespace: string;
	name: string;
	apiGroup: string;
	apiVersion: string;
	subresource: string;
}

export interface AnnotationInfo {
	decision: string;
	latencyMs: number;
	apfQueueWaitMs: number;
}

/** A request URI with its query fields (as applyQuery sets them). */
export interface UriInfo {
	uri: string;
	path: string;
	watch: boolean;
	limit: number;
	hasContinue: boolean;
	resourceVersion: string | undefined;
	resourceVersionMatch: string | undefined;
	labelSelector: string | undefined;
	fieldSelector: string | undefined;
	sendInitialEvents: boolean;
	allowWatchBookmarks: boolean;
	timeoutSeconds: number;
}

/** Position of the next backslash at or after `from` (s.length when none). */
function nextBackslash(c: ScanCursor, from: number): number {
	let b = c.bs;
	if (b < from) {
		b = c.s.indexOf('\\', from);
		if (b < 0) b = c.s.length;
		c.bs = b;
	}
	return b;
}

function skipWs(s: string, p: number, end: number): number {
	while (p < end) {
		const ch = s.charCodeAt(p);
		if (ch !== 32 && ch !== 9 && ch !== 10 && ch !== 13) break;
		p++;
	}
	return p;
}

/**
 * True when the key at k (whose length the caller checked) is `lit`. Compared from the
 * end, where keys sharing a prefix (authentication.kubernetes.io/…) differ; a char loop
 * is cheaper here than startsWith.
 */
function keyIs(s: string, k: number, lit: string): boolean {
	const n = lit.length;
	if (s.charCodeAt(k + n - 1) !== lit.charCodeAt(n - 1)) return false;
	if (n > 16) return s.slice(k, k + n) === lit;
	for (let i = n - 2; i >= 0; i--) {
		if (s.charCodeAt(k + i) !== lit.charCodeAt(i)) return false;
	}
	return true;
}

function hex4(s: string, i: number): number {
	let v = 0;
	for (let k = 0; k < 4; k++) {
		const ch = s.charCodeAt(i + k);
		let d: number;
		if (ch >= 48 && ch <= 57) d = ch - 48;
		else if (ch >= 97 && ch <= 102) d = ch - 87;
		else if (ch >= 65 && ch <= 70) d = ch - 55;
		else return -1;
		v = v * 16 + d;
	}
	return v;
}

/** Reads the string whose opening quote is at p; null when malformed. Sets c.pos after the closing quote. */
function readString(c: ScanCursor, p: number): string | null {
	const s = c.s;
	const start = p + 1;
	const q = s.indexOf('"', start);
	if (q < 0 || q >= c.end) return null;
	const b = nextBackslash(c, start);
	if (b > q) {
		c.pos = q + 1;
		return s.slice(start, q);
	}
	return readEscaped(c, start, q, b);
}

function readEscaped(c: ScanCursor, start: number, q: number, b: number): string | null {
	const s = c.s;
	let out = '';
	let i = start;
	for (;;) {
		if (q < i) {
			q = s.indexOf('"', i);
			if (q < 0 || q >= c.end) return null;
		}
		if (q < b) {
			c.pos = q + 1;
			return out + s.slice(i, q);
		}
		out += s.slice(i, b);
		const e = s.charCodeAt(b + 1);
		switch (e) {
			case 34: out += '"'; break;
			case 92: out += '\\'; break;
			case 47: out += '/'; break;
			case 98: out += '\b'; break;
			case 102: out += '\f'; break;
			case 110: out += '\n'; break;
			case 114: out += '\r'; break;
			case 116: out += '\t'; break;
			case 117: {
				const h = hex4(s, b + 2);
				if (h < 0) return null;
				out += String.fromCharCode(h);
				i = b + 6;
				b = nextBackslash(c, i);
				continue;
			}
			default: return null;
		}
		i = b + 2;
		b = nextBackslash(c, i);
	}
}

/** Skips (and validates) the string whose opening quote is at p. */
function skipString(c: ScanCursor, p: number): boolean {
	const s = c.s;
	let i = p + 1;
	let q = s.indexOf('"', i);
	if (q < 0 || q >= c.end) return false;
	let b = nextBackslash(c, i);
	while (b < q) {
		const e = s.charCodeAt(b + 1);
		if (e === 117) {
			if (hex4(s, b + 2) < 0) return false;
			i = b + 6;
		} else if (e === 34 || e === 92 || e === 47 || e === 98 || e === 102 || e === 110 || e === 114 || e === 116) {
			i = b + 2;
		} else {
			return false;
		}
		if (q < i) {
			q = s.indexOf('"', i);
			if (q < 0 || q >= c.end) return false;
		}
		b = nextBackslash(c, i);
	}
	c.pos = q + 1;
	return true;
}

/** Validates the JSON number at p; returns its end or -1. */
function numberEnd(s: string, p: number, end: number): number {
	let i = p;
	if (i < end && s.charCodeAt(i) === 45) i++;
	if (i >= end) return -1;
	let ch = s.charCodeAt(i);
	if (ch === 48) {
		i++;
	} else if (ch >= 49 && ch <= 57) {
		i++;
		while (i < end && (ch = s.charCodeAt(i)) >= 48 && ch <= 57) i++;
	} else {
		return -1;
	}
	if (i < end && s.charCodeAt(i) === 46) {
		i++;
		const digits = i;
		while (i < end && (ch = s.charCodeAt(i)) >= 48 && ch <= 57) i++;
		if (i === digits) return -1;
	}
	if (i < end && ((ch = s.charCodeAt(i)) === 101 || ch === 69)) {
		i++;
		if (i < end && ((ch = s.charCodeAt(i)) === 43 || ch === 45)) i++;
		const digits = i;
		while (i < end && (ch = s.charCodeAt(i)) >= 48 && ch <= 57) i++;
		if (i === digits) return -1;
	}
	return i;
}

/** Skips (and validates) any JSON value at p. */
function skipValue(c: ScanCursor, p: number, depth: number): boolean {
	const s = c.s;
	const end = c.end;
	const ch = s.charCodeAt(p);
	if (ch === 34) return skipString(c, p);
	if (ch === 123 || ch === 91) {
		if (depth > 200) return false;
		const close = ch === 123 ? 125 : 93;
		p = skipWs(s, p + 1, end);
		if (s.charCodeAt(p) === close && p < end) {
			c.pos = p + 1;
			return true;
		}
		for (;;) {
			if (ch === 123) {
				if (s.charCodeAt(p) !== 34 || !skipString(c, p)) return false;
				p = skipWs(s, c.pos, end);
				if (s.charCodeAt(p) !== 58 || p >= end) return false;
				p = skipWs(s, p + 1, end);
			}
			if (p >= end || !skipValue(c, p, depth + 1)) return false;
			p = skipWs(s, c.pos, end);
			if (p >= end) return false;
			const next = s.charCodeAt(p);
			if (next === 44) {
				p = skipWs(s, p + 1, end);
				continue;
			}
			if (next === close) {
				c.pos = p + 1;
				return true;
			}
			return false;
		}
	}
	if (ch === 116) return literal(c, p, 'true');
	if (ch === 102) return literal(c, p, 'false');
	if (ch === 110) return literal(c, p, 'null');
	const e = numberEnd(s, p, end);
	if (e < 0) return false;
	c.pos = e;
	return true;
}

function literal(c: ScanCursor, p: number, word: string): boolean {
	if (p + word.length > c.end || !c.s.startsWith(word, p)) return false;
	c.pos = p + word.length;
	return true;
}

/**
 * Reads an object key at p (which must be a quote) and the colon after it, without
 * allocating: returns the key's length (it starts at p + 1; callers compare it in place)
 * and leaves c.pos at the value. -1 when malformed or when the key has escapes (left to
 * JSON.parse).
 */
function readKey(c: ScanCursor, p: number): number {
	const s = c.s;
	if (s.charCodeAt(p) !== 34) return -1;
	const ks = p + 1;
	const ke = s.indexOf('"', ks);
	if (ke < 0 || ke >= c.end || nextBackslash(c, ks) < ke) return -1;
	let v = ke + 1;
	if (s.charCodeAt(v) !== 58) {
		v = skipWs(s, v, c.end);
		if (s.charCodeAt(v) !== 58 || v >= c.end) return -1;
	}
	v++;
	const ch = s.charCodeAt(v);
	if (ch === 32 || ch === 9 || ch === 10 || ch === 13) v = skipWs(s, v, c.end);
	if (v >= c.end) return -1;
	c.pos = v;
	return ke - ks;
}

/** After a member value: position of the next key (after a comma), or -2 at the closing brace, -1 when malformed. */
function afterMember(c: ScanCursor): number {
	const s = c.s;
	let p = c.pos;
	let ch = s.charCodeAt(p);
	if (ch === 32 || ch === 9 || ch === 10 || ch === 13) {
		p = skipWs(s, p, c.end);
		ch = s.charCodeAt(p);
	}
	if (p >= c.end) return -1;
	if (ch === 44) {
		const next = s.charCodeAt(p + 1);
		return next === 34 ? p + 1 : skipWs(s, p + 1, c.end);
	}
	if (ch === 125) {
		c.pos = p + 1;
		return -2;
	}
	return -1;
}

/** Opening of an object at p: position of the first key, -2 for `{}`, -1 when not an object. */
function openObject(c: ScanCursor, p: number): number {
	const s = c.s;
	if (s.charCodeAt(p) !== 123) return -1;
	const q = skipWs(s, p + 1, c.end);
	if (q >= c.end) return -1;
	if (s.charCodeAt(q) === 125) {
		c.pos = q + 1;
		return -2;
	}
	return q;
}

/** Reads a string value or, for any other value, skips it and gives ''. null when malformed. */
function stringOrEmpty(c: ScanCursor, p: number): string | null {
	if (c.s.charCodeAt(p) === 34) return readString(c, p);
	return skipValue(c, p, 1) ? '' : null;
}

/** First element of an array when it is a string, else '' (the value is consumed either way). */
function firstStringOf(c: ScanCursor, p: number): string | null {
	const s = c.s;
	if (s.charCodeAt(p) !== 91) return skipValue(c, p, 1) ? '' : null;
	let q = skipWs(s, p + 1, c.end);
	if (s.charCodeAt(q) === 93 && q < c.end) {
		c.pos = q + 1;
		return '';
	}
	let first: string | null = null;
	for (;;) {
		if (q >= c.end) return null;
		if (first === null) {
			first = s.charCodeAt(q) === 34 ? readString(c, q) : (skipValue(c, q, 2) ? '' : null);
			if (first === null) return null;
		} else if (!skipValue(c, q, 2)) {
			return null;
		}
		q = skipWs(s, c.pos, c.end);
		if (q >= c.end) return null;
		const ch = s.charCodeAt(q);
		if (ch === 44) {
			q = skipWs(s, q + 1, c.end);
			continue;
		}
		if (ch !== 93) return null;
		c.pos = q + 1;
		return first;
	}
}

/** Reads `user` (or resets it for a non-object); false when malformed. */
function scanUser(c: ScanCursor, p: number, r: AuditRecord): boolean {
	r.user = '';
	r.groups = [];
	r.nodeName = '';
	r.podName = '';
	let q = openObject(c, p);
	if (q === -1) return skipValue(c, p, 1);
	const s = c.s;
	while (q >= 0) {
		const ks = q + 1;
		const len = readKey(c, q);
		if (len < 0) return false;
		const v = c.pos;
		if (len === 8 && keyIs(s, ks, 'username')) {
			const u = stringOrEmpty(c, v);
			if (u === null) return false;
			r.user = u;
		} else if (len === 6 && keyIs(s, ks, 'groups')) {
			if (!readGroups(c, v, r)) return false;
		} else if (len === 5 && keyIs(s, ks, 'extra')) {
			if (!scanExtra(c, v, r)) return false;
		} else if (!skipValue(c, v, 2)) {
			return false;
		}
		q = afterMember(c);
		if (q === -1) return false;
	}
	return true;
}

function readGroups(c: ScanCursor, p: number, r: AuditRecord): boolean {
	const s = c.s;
	const groups: string[] = [];
	r.groups = groups;
	if (s.charCodeAt(p) !== 91) return skipValue(c, p, 2);
	let q = skipWs(s, p + 1, c.end);
	if (s.charCodeAt(q) === 93 && q < c.end) {
		c.pos = q + 1;
		return true;
	}
	for (;;) {
		if (q >= c.end) return false;
		if (s.charCodeAt(q) === 34) {
			const g = readString(c, q);
			if (g === null) return false;
			groups.push(g);
		} else if (!skipValue(c, q, 3)) {
			return false;
		}
		q = skipWs(s, c.pos, c.end);
		if (q >= c.end) return false;
		const ch = s.charCodeAt(q);
		if (ch === 44) {
			q = skipWs(s, q + 1, c.end);
			continue;
		}
		if (ch !== 93) return false;
		c.pos = q + 1;
		return true;
	}
}

function scanExtra(c: ScanCursor, p: number, r: AuditRecord): boolean {
	r.nodeName = '';
	r.podName = '';
	let q = openObject(c, p);
	if (q === -1) return skipValue(c, p, 2);
	const s = c.s;
	while (q >= 0) {
		const ks = q + 1;
		const len = readKey(c, q);
		if (len < 0) return false;
		const v = c.pos;
		if (len === 38 && keyIs(s, ks, 'authentication.kubernetes.io/node-name')) {
			const n = firstStringOf(c, v);
			if (n === null) return false;
			r.nodeName = n;
		} else if (len === 37 && keyIs(s, ks, 'authentication.kubernetes.io/pod-name')) {
			const n = firstStringOf(c, v);
			if (n === null) return false;
			r.podName = n;
		} else if (!skipValue(c, v, 3)) {
			return false;
		}
		q = afterMember(c);
		if (q === -1) return false;
	}
	return true;
}

function scanImpersonated(c: ScanCursor, p: number, r: AuditRecord): boolean {
	r.impersonatedUser = '';
	let q = openObject(c, p);
	if (q === -1) return skipValue(c, p, 1);
	const s = c.s;
	while (q >= 0) {
		const ks = q + 1;
		const len = readKey(c, q);
		if (len < 0) return false;
		if (len === 8 && keyIs(s, ks, 'username')) {
			const u = stringOrEmpty(c, c.pos);
			if (u === null) return false;
			r.impersonatedUser = u;
		} else if (!skipValue(c, c.pos, 2)) {
			return false;
		}
		q = afterMember(c);
		if (q === -1) return false;
	}
	return true;
}

/** sourceIPs: the last element when it is a string, else ''. */
function scanSourceIPs(c: ScanCursor, p: number, r: AuditRecord): boolean {
	r.sourceIP = '';
	const s = c.s;
	if (s.charCodeAt(p) !== 91) return skipValue(c, p, 1);
	let q = skipWs(s, p + 1, c.end);
	if (s.charCodeAt(q) === 93 && q < c.end) {
		c.pos = q + 1;
		return true;
	}
	for (;;) {
		if (q >= c.end) return false;
		if (s.charCodeAt(q) === 34) {
			const ip = readString(c, q);
			if (ip === null) return false;
			r.sourceIP = ip;
		} else {
			if (!skipValue(c, q, 2)) return false;
			r.sourceIP = '';
		}
		q = skipWs(s, c.pos, c.end);
		if (q >= c.end) return false;
		const ch = s.charCodeAt(q);
		if (ch === 44) {
			q = skipWs(s, q + 1, c.end);
			continue;
		}
		if (ch !== 93) return false;
		c.pos = q + 1;
		return true;
	}
}

/** objectRef; returns 1 for an object, 0 for another value, -1 when malformed. */
function scanObjectRef(c: ScanCursor, p: number, r: AuditRecord): number {
	r.resource = '';
	r.namespace = '';
	r.name = '';
	r.apiGroup = '';
	r.apiVersion = '';
	r.subresource = '';
	let q = openObject(c, p);
	if (q === -1) return skipValue(c, p, 1) ? 0 : -1;
	const s = c.s;
	while (q >= 0) {
		const ks = q + 1;
		const len = readKey(c, q);
		if (len < 0) return -1;
		const v = c.pos;
		let field = '';
		if (len === 8) {
			if (keyIs(s, ks, 'resource')) field = 'resource';
			else if (keyIs(s, ks, 'apiGroup')) field = 'apiGroup';
		} else if (len === 9) {
			if (keyIs(s, ks, 'namespace')) field = 'namespace';
		} else if (len === 4) {
			if (keyIs(s, ks, 'name')) field = 'name';
		} else if (len === 10) {
			if (keyIs(s, ks, 'apiVersion')) field = 'apiVersion';
		} else if (len === 11) {
			if (keyIs(s, ks, 'subresource')) field = 'subresource';
		}
		if (field === '') {
			if (!skipValue(c, v, 2)) return -1;
		} else {
			const value = stringOrEmpty(c, v);
			if (value === null) return -1;
			switch (field) {
				case 'resource': r.resource = value; break;
				case 'apiGroup': r.apiGroup = value; break;
				case 'namespace': r.namespace = value; break;
				case 'name': r.name = value; break;
				case 'apiVersion': r.apiVersion = value; break;
				default: r.subresource = value;
			}
		}
		q = afterMember(c);
		if (q === -1) return -1;
	}
	return 1;
}

function scanResponseStatus(c: ScanCursor, p: number, r: AuditRecord): boolean {
	r.code = 0;
	let q = openObject(c, p);
	if (q === -1) return skipValue(c, p, 1);
	const s = c.s;
	while (q >= 0) {
		const ks = q + 1;
		const len = readKey(c, q);
		if (len < 0) return false;
		const v = c.pos;
		if (len === 4 && keyIs(s, ks, 'code')) {
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
		q = afterMember(c);
		if (q === -1) return false;
	}
	return true;
}

function scanAnnotations(c: ScanCursor, p: number, r: AuditRecord): boolean {
	r.decision = '';
	r.latencyMs = Number.NaN;
	r.apfQueueWaitMs = Number.NaN;
	let q = openObject(c, p);
	if (q === -1) return skipValue(c, p, 1);
	const s = c.s;
	while (q >= 0) {
		const ks = q + 1;
		const len = readKey(c, q);
		if (len < 0) return false;
		const v = c.pos;
		if (len === 29 && keyIs(s, ks, 'authorization.k8s.io/decision')) {
			const d = stringOrEmpty(c, v);
			if (d === null) return false;
			r.decision = d;
		} else if (len === 30 && keyIs(s, ks, 'apiserver.latency.k8s.io/total')) {
			const d = s.charCodeAt(v) === 34 ? readString(c, v) : (skipValue(c, v, 2) ? undefined : null);
			if (d === null) return false;
			r.latencyMs = d === undefined ? Number.NaN : parseGoDurationMs(d);
		} else if (len === 39 && keyIs(s, ks, 'apiserver.latency.k8s.io/apf-queue-wait')) {
			const d = s.charCodeAt(v) === 34 ? readString(c, v) : (skipValue(c, v, 2) ? undefined : null);
			if (d === null) return false;
			r.apfQueueWaitMs = d === undefined ? Number.NaN : parseGoDurationMs(d);
		} else if (!skipValue(c, v, 2)) {
			return false;
		}
		q = afterMember(c);
		if (q === -1) return false;
	}
	return true;
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

/**
 * True when `text` is at p. Long literals: slice + === (a memcmp); short ones: a char loop,
 * which allocates nothing (a slice per key would double the garbage per event).
 */
function lit(s: string, p: number, text: string): boolean {
	const n = text.length;
	if (n > 24) return s.slice(p, p + n) === text;
	for (let i = 0; i < n; i++) {
		if (s.charCodeAt(p + i) !== text.charCodeAt(i)) return false;
	}
	return true;
}

/** Skips the rest of a string without escapes whose opening quote is at p - 1; false when it has escapes or no end. */
function skipPlain(c: ScanCursor, p: number): boolean {
	const q = c.s.indexOf('"', p);
	if (q < 0 || q >= c.end) return false;
	if (nextBackslash(c, p) < q) return false;
	c.pos = q + 1;
	return true;
}

/** Reads the rest of a string whose opening quote is at p - 1; null when malformed. Sets c.pos after the closing quote. */
function restOfString(c: ScanCursor, p: number): string | null {
	const s = c.s;
	const q = s.indexOf('"', p);
	if (q < 0 || q >= c.end) return null;
	let b = c.bs;
	if (b < p) b = nextBackslash(c, p);
	if (b > q) {
		c.pos = q + 1;
		return s.slice(p, q);
	}
	return readEscaped(c, p, q, b);
}

/** The user object at p (Go layout: it ends at the first `},"`), from the cache or scanned and cached. */
function cachedUser(c: ScanCursor, p: number, r: AuditRecord): boolean {
	const s = c.s;
	const guess = s.indexOf('},"', p);
	// Without a native hash: users differ in their name (kubelets: only its last characters) or pod details near the end.
	const nameEnd = c.hasher === null ? s.indexOf('"', p + 13) : -1;
	const seed = nameEnd > 0 ? (s.charCodeAt(nameEnd - 1) << 16) ^ (s.charCodeAt(nameEnd - 2) << 8) ^ s.charCodeAt(nameEnd - 3) ^ (s.charCodeAt(guess - 9) << 11) : 0;
	let h = 0;
	if (guess > p && guess < c.end) {
		h = c.textHash(p, guess + 1 - p, seed);
		const hit = c.users.get(s, p, guess + 1 - p, h);
		if (hit !== undefined) {
			r.user = hit.user;
			r.groups = hit.groups;
			r.nodeName = hit.nodeName;
			r.podName = hit.podName;
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
	r.user = info.user;
	r.groups = info.groups;
	r.nodeName = info.nodeName;
	r.podName = info.podName;
	return true;
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
			r.resource = hit.resource;
			r.namespace = hit.namespace;
			r.name = hit.name;
			r.apiGroup = hit.apiGroup;
			r.apiVersion = hit.apiVersion;
			r.subresource = hit.subresource;
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
	r.resource = info.resource;
	r.namespace = info.namespace;
	r.name = info.name;
	r.apiGroup = info.apiGroup;
	r.apiVersion = info.apiVersion;
	r.subresource = info.subresource;
	return 1;
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

/** The request URI whose opening quote is at p - 1, with its query fields, interned. */
function cachedUri(c: ScanCursor, p: number): UriInfo | null {
	const s = c.s;
	const q = s.indexOf('"', p);
	if (q < 0 || q >= c.end) return null;
	let h = c.textHash(p, q - p, 0);
	const hit = c.uris.get(s, p, q - p, h);
	if (hit !== undefined) {
		c.pos = q + 1;
		return hit;
	}
	const v = restOfString(c, p);
	if (v === null) return null;
	const pos = c.pos;
	let probe = emptyRecord('native');
	applyQuery(probe, v);
	if (pos !== q + 1) h = c.textHash(p, pos - 1 - p, 0);
	// A URI with a resourceVersion other than 0 (a watch resuming) or a continue token is
	// rarely seen twice: not worth a copy in the cache.
	const volatile = probe.hasContinue || (probe.resourceVersion !== undefined && probe.resourceVersion !== '' && probe.resourceVersion !== '0')
		|| !c.uris.admits(h);
	let uri = v;
	if (!volatile) {
		// Kept in the cache: every string in it must be a copy, not a slice of the chunk.
		uri = detachText(v);
		probe = emptyRecord('native');
		applyQuery(probe, uri);
	}
	const info: UriInfo = {
		uri,
		path: probe.path,
		watch: probe.watch,
		limit: probe.limit,
		hasContinue: probe.hasContinue,
		resourceVersion: probe.resourceVersion,
		resourceVersionMatch: probe.resourceVersionMatch,
		labelSelector: probe.labelSelector,
		fieldSelector: probe.fieldSelector,
		sendInitialEvents: probe.sendInitialEvents,
		allowWatchBookmarks: probe.allowWatchBookmarks,
		timeoutSeconds: probe.timeoutSeconds,
	};
	if (!volatile) c.uris.set(s, p, pos - 1 - p, info, h);
	c.pos = pos;
	return info;
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
function scanGoLayout(c: ScanCursor, p: number, format: AuditFormat): AuditRecord | null {
	const s = c.s;
	const end = c.end;
	const head = '{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"';
	if (!lit(s, p, head)) return null;
	p += head.length;
	const r = emptyRecord(format);
	if (!skipPlain(c, p) || !lit(s, c.pos, ',"auditID":"')) return null;
	let v = restOfString(c, c.pos + 12);
	if (v === null || !lit(s, c.pos, ',"stage":"')) return null;
	r.auditID = v;
	v = restOfString(c, c.pos + 10);
	if (v === null || !lit(s, c.pos, ',"requestURI":"')) return null;
	r.stage = v;
	const uri = cachedUri(c, c.pos + 15);
	if (uri === null || !lit(s, c.pos, ',"verb":"')) return null;
	r.requestURI = uri.uri;
	r.path = uri.path;
	r.watch = uri.watch;
	r.limit = uri.limit;
	r.hasContinue = uri.hasContinue;
	r.resourceVersion = uri.resourceVersion;
	r.resourceVersionMatch = uri.resourceVersionMatch;
	r.labelSelector = uri.labelSelector;
	r.fieldSelector = uri.fieldSelector;
	r.sendInitialEvents = uri.sendInitialEvents;
	r.allowWatchBookmarks = uri.allowWatchBookmarks;
	r.timeoutSeconds = uri.timeoutSeconds;
	v = restOfString(c, c.pos + 9);
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
	let q = openObject(c, p);
	if (q === -1) return null;
	const r = emptyRecord(format);
	let kind = '';
	let apiVersion = '';
	let hasRef = false;
	let rr: string | undefined;
	let st: string | undefined;
	let ts: string | undefined;
	while (q >= 0) {
		const ks = q + 1;
		const len = readKey(c, q);
		if (len < 0) return null;
		const v = c.pos;
		const key = topKey(s, ks, len);
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
					case 'kind': kind = value; break;
					case 'apiVersion': apiVersion = value; break;
					case 'auditID': r.auditID = value; break;
					case 'stage': r.stage = value; break;
					case 'requestURI': r.requestURI = value; break;
					case 'verb': r.verb = value; break;
					default: r.userAgent = value;
				}
				break;
			}
			case 'requestReceivedTimestamp':
			case 'stageTimestamp':
			case 'timestamp': {
				let value: string | undefined;
				if (s.charCodeAt(v) === 34) {
					const t = readString(c, v);
					if (t === null) return null;
					value = t;
				} else if (!skipValue(c, v, 1)) {
					return null;
				}
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
		q = afterMember(c);
		if (q === -1) return null;
	}
	if (skipWs(s, c.pos, end) !== end) return null;
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

/** This module's part of the worker kernel (see README.md). */
export function scannerKernel(): unknown[] {
	return [ScanCursor, TextCache, sampledHash, skipPlain, nextBackslash, skipWs, keyIs, hex4, readString, readEscaped, skipString, numberEnd, skipValue, literal, readKey, afterMember, openObject, stringOrEmpty, firstStringOf, scanUser, readGroups, scanExtra, scanImpersonated, scanSourceIPs, scanObjectRef, scanResponseStatus, scanAnnotations, topKey, lit, restOfString, cachedUser, cachedRef, cachedAnnotations, cachedAgent, cachedUri, quickStatus, quickSourceIPs, scanGoLayout, scanEvent, scanAnyLayout, scanEventText];
}
