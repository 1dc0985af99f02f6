/**
 * The scanner's state: a cursor over one text (a chunk of lines, or one JSON text) with
 * the next backslash and control character found once per text, and the exact-text caches
 * that the layout fast path keeps across lines (users, objectRefs, annotations, user
 * agents, URIs: a hit needs the whole text to be identical).
 *
 * Shipped to the audit worker (README.md: the worker kernel).
 */
import type {AuditRecord} from './audit-record.js';
import {detachText} from './record.js';

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
	/** While an object's members are read (enterObject, nextKey): before its first member. */
	firstMember = false;
	/** Where the key nextKey read last starts. */
	key = 0;
	/** Texts seen before, with what was read from them (see TextCache). */
	readonly users = new TextCache<UserInfo>(2048);
	readonly refs = new TextCache<RefInfo>(2048);
	readonly annotations = new TextCache<AnnotationInfo>(256);
	readonly agents = new TextCache<string>(256);
	readonly uris = new TextCache<AuditRecord>(4096);

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

/** This module's part of the worker kernel (see README.md). */
export function scanCursorKernel(): unknown[] {
	return [ScanCursor, TextCache, sampledHash];
}
