/**
 * JSON read in place, as strictly as JSON.parse reads it: strings (escapes decoded or
 * skipped, found with native indexOf), numbers, literals, any value skipped without being
 * built, an object's members one at a time with their keys compared in place, arrays of
 * strings. Whatever it cannot vouch for (an escaped key, deep nesting, anything malformed)
 * is a failure, for the caller to leave to JSON.parse.
 *
 * Shipped to the audit worker (README.md: the worker kernel).
 */
import type {ScanCursor} from './scan-cursor.js';

/** Position of the next backslash at or after `from` (s.length when none). */
export function nextBackslash(c: ScanCursor, from: number): number {
	let b = c.bs;
	if (b < from) {
		b = c.s.indexOf('\\', from);
		if (b < 0) b = c.s.length;
		c.bs = b;
	}
	return b;
}

export function skipWs(s: string, p: number, end: number): number {
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
 * is cheaper here than startsWith. (Keys: keyIs; literals met in the layout fast path: lit.)
 */
export function keyIs(s: string, k: number, lit: string): boolean {
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
export function readString(c: ScanCursor, p: number): string | null {
	return restOfString(c, p + 1);
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
			case 34:
				out += '"';
				break;
			case 92:
				out += '\\';
				break;
			case 47:
				out += '/';
				break;
			case 98:
				out += '\b';
				break;
			case 102:
				out += '\f';
				break;
			case 110:
				out += '\n';
				break;
			case 114:
				out += '\r';
				break;
			case 116:
				out += '\t';
				break;
			case 117: {
				const h = hex4(s, b + 2);
				if (h < 0) return null;
				out += String.fromCharCode(h);
				i = b + 6;
				b = nextBackslash(c, i);
				continue;
			}
			default:
				return null;
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
export function numberEnd(s: string, p: number, end: number): number {
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
export function skipValue(c: ScanCursor, p: number, depth: number): boolean {
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

/** Opens the object at p for nextKey(); false when the value there is not an object (nothing is read then). */
export function enterObject(c: ScanCursor, p: number): boolean {
	if (c.s.charCodeAt(p) !== 123) return false;
	c.pos = p + 1;
	c.firstMember = true;
	return true;
}

/**
 * The next member of the object entered: the length of its key (which starts at c.key:
 * callers compare it in place), with c.pos at its value, which the caller reads or skips
 * before the next call; -2 after the closing brace; -1 when malformed or when the key has
 * escapes (left to JSON.parse). Objects inside the value may be entered and read meanwhile.
 */
export function nextKey(c: ScanCursor): number {
	let q: number;
	if (c.firstMember) {
		c.firstMember = false;
		q = skipWs(c.s, c.pos, c.end);
		if (q >= c.end) return -1;
		if (c.s.charCodeAt(q) === 125) {
			c.pos = q + 1;
			return -2;
		}
	} else {
		q = afterMember(c);
		if (q < 0) return q;
	}
	c.key = q + 1;
	return readKey(c, q);
}

/** A string value; undefined for any other value (skipped, at `depth`); null when malformed. */
export function optionalString(c: ScanCursor, p: number, depth: number): string | null | undefined {
	if (c.s.charCodeAt(p) === 34) return readString(c, p);
	return skipValue(c, p, depth) ? undefined : null;
}

/** Reads a string value or, for any other value, skips it and gives ''. null when malformed. */
export function stringOrEmpty(c: ScanCursor, p: number): string | null {
	const v = optionalString(c, p, 1);
	return v === undefined ? '' : v;
}

/**
 * Walks the array at p (at `depth`), validating every element: the first element when it
 * is a string, else '' (`last`: the last element instead); a value that is not an array
 * is skipped and gives ''. With `strings`, every string element is pushed onto it. null
 * when malformed.
 */
export function stringElement(c: ScanCursor, p: number, depth: number, last: boolean, strings: string[] | null): string | null {
	const s = c.s;
	if (s.charCodeAt(p) !== 91) return skipValue(c, p, depth) ? '' : null;
	let q = skipWs(s, p + 1, c.end);
	if (s.charCodeAt(q) === 93 && q < c.end) {
		c.pos = q + 1;
		return '';
	}
	let found = '';
	for (let i = 0; ; i++) {
		if (q >= c.end) return null;
		if (i === 0 || last || strings !== null) {
			const v = optionalString(c, q, depth + 1);
			if (v === null) return null;
			if (i === 0 || last) found = v ?? '';
			if (v !== undefined) strings?.push(v);
		} else if (!skipValue(c, q, depth + 1)) {
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
		return found;
	}
}

/**
 * True when `text` is at p. Long literals: slice + === (a memcmp); short ones: a char loop,
 * which allocates nothing (a slice per key would double the garbage per event).
 */
export function lit(s: string, p: number, text: string): boolean {
	const n = text.length;
	if (n > 24) return s.slice(p, p + n) === text;
	for (let i = 0; i < n; i++) {
		if (s.charCodeAt(p + i) !== text.charCodeAt(i)) return false;
	}
	return true;
}

/** Skips the rest of a string without escapes whose opening quote is at p - 1; false when it has escapes or no end. */
export function skipPlain(c: ScanCursor, p: number): boolean {
	const q = c.s.indexOf('"', p);
	if (q < 0 || q >= c.end) return false;
	if (nextBackslash(c, p) < q) return false;
	c.pos = q + 1;
	return true;
}

/** Reads the rest of a string whose opening quote is at p - 1; null when malformed. Sets c.pos after the closing quote. */
export function restOfString(c: ScanCursor, p: number): string | null {
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

/** This module's part of the worker kernel (see README.md). */
export function jsonScanKernel(): unknown[] {
	return [
		nextBackslash,
		skipWs,
		keyIs,
		hex4,
		readString,
		readEscaped,
		skipString,
		numberEnd,
		skipValue,
		literal,
		readKey,
		afterMember,
		enterObject,
		nextKey,
		optionalString,
		stringOrEmpty,
		stringElement,
		lit,
		skipPlain,
		restOfString,
	];
}
