/**
 * The one sanitizer: every string that comes from a cluster or an audit log passes
 * through `sanitize` before it reaches the terminal.
 *
 * What it does, code point by code point:
 * - Tab, LF, CR, VT, FF, CR LF, U+2028 and U+2029 become one space, so a table cell
 *   stays on one line and text keeps its word breaks.
 * - Any other C0 control, DEL, and C1 control (U+0080–U+009F) becomes a marker.
 * - ESC-introduced sequences are removed whole and replaced by one marker: CSI
 *   (`ESC [ params intermediates final`), OSC (`ESC ] … BEL | ESC \`, e.g. OSC 52
 *   clipboard writes and OSC 8 hyperlinks), DCS / SOS / PM / APC strings, and two-char
 *   and nF escapes. The 8-bit introducers (U+009B CSI, U+009D OSC, U+0090 DCS, U+0098 SOS,
 *   U+009E PM, U+009F APC) are handled the same way. A control string ends at BEL, ST
 *   (`ESC \` or U+009C), CAN or SUB; an ESC that does not start ST ends it too and starts a
 *   new sequence. An unterminated control string loses only its introducer: the rest
 *   stays visible as plain text (a terminal would have swallowed it, we show it).
 * - Bidi controls (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069) and invisible
 *   characters that can hide or disguise text (U+00AD soft hyphen, U+034F, U+115F, U+1160,
 *   U+17B4, U+17B5, U+180E, U+200B–U+200D, U+2060–U+2064, U+206A–U+206F, U+3164, U+FEFF,
 *   U+FFA0, U+FFF9–U+FFFB) become a marker, as do lone surrogates.
 * - Exceptions that keep ordinary emoji intact: U+200D (ZWJ) is kept between two
 *   pictographs (family and profession emoji), and tag characters (U+E0000–U+E007F) are
 *   kept only as a well-formed tag sequence after U+1F3F4 (subdivision flags); any other
 *   run of tag characters (which can smuggle invisible text) becomes one marker.
 *
 * The marker is U+FFFD `�` (or `?` with `ascii: true`). Output never contains a C0, C1,
 * DEL, ESC or bidi code point, and sanitize(sanitize(s)) === sanitize(s).
 * `maxLength` (in code points, marker and ellipsis included) truncates at a grapheme
 * boundary and appends `…` (`~` with `ascii: true`).
 */

export interface SanitizeOptions {
	/** Longest result in code points, ellipsis included. */
	maxLength?: number;
	/** Use ASCII marker `?` and ellipsis `~` (for LANG=C terminals). */
	ascii?: boolean;
}

export const SANITIZE_MARKER = '\uFFFD';
export const SANITIZE_MARKER_ASCII = '?';

/** Every code point the slow path may have to change; one test decides the fast path. */
const SUSPECT =
	// eslint-disable-next-line no-misleading-character-class -- each listed code point is meant alone (Hangul fillers, Khmer vowels), not as a cluster
	/[\u0000-\u001F\u007F-\u009F\u00AD\u034F\u061C\u115F\u1160\u17B4\u17B5\u180E\u200B-\u200F\u2028-\u202E\u2060-\u206F\u3164\uFEFF\uFFA0\uFFF9-\uFFFB\uD800-\uDFFF\u{E0000}-\u{E007F}]/u;

const PICTOGRAPHIC = /\p{Extended_Pictographic}/u;

const ESC = 0x1b;

/** True when `sanitize` would change the string's content (length aside). */
export function needsSanitizing(s: string): boolean {
	return SUSPECT.test(s);
}

export function sanitize(s: string, options: SanitizeOptions = {}): string {
	const ascii = options.ascii === true;
	const cleaned = SUSPECT.test(s) ? clean(s, ascii ? SANITIZE_MARKER_ASCII : SANITIZE_MARKER) : s;
	if (options.maxLength === undefined) return cleaned;
	return truncateCodePoints(cleaned, options.maxLength, ascii ? '~' : '\u2026');
}

/** What the slow path does with one code point. */
const enum Action {
	Keep,
	Space,
	Marker,
	Escape,
	Csi8,
	String8,
	Joiner,
	Tag,
}

function clean(s: string, marker: string): string {
	let out = '';
	let runStart = 0;
	let i = 0;
	const n = s.length;
	while (i < n) {
		const cp = s.codePointAt(i)!;
		const size = cp > 0xffff ? 2 : 1;
		const action = classify(cp);
		if (action === Action.Keep) {
			i += size;
			continue;
		}
		out += s.slice(runStart, i);
		switch (action) {
			case Action.Space: {
				out += ' ';
				i += cp === 0x0d && s.charCodeAt(i + 1) === 0x0a ? 2 : 1;
				break;
			}
			case Action.Escape: {
				out += marker;
				i = skipEscape(s, i);
				break;
			}
			case Action.Csi8: {
				out += marker;
				i = skipCsiBody(s, i + 1);
				break;
			}
			case Action.String8: {
				out += marker;
				const end = skipControlString(s, i + 1);
				i = end === -1 ? i + 1 : end;
				break;
			}
			case Action.Joiner: {
				if (joinsPictographs(s, i)) out += '\u200d';
				else out += marker;
				i += 1;
				break;
			}
			case Action.Tag: {
				let j = i;
				while (j < n) {
					const t = s.codePointAt(j)!;
					if (t < 0xe0000 || t > 0xe007f) break;
					j += 2;
				}
				out += isFlagTagSequence(s, i, j) ? s.slice(i, j) : marker;
				i = j;
				break;
			}
			default: {
				out += marker;
				i += size;
			}
		}
		runStart = i;
	}
	return runStart === 0 ? s : out + s.slice(runStart);
}

function classify(cp: number): Action {
	if (cp >= 0x20 && cp < 0x7f) return Action.Keep;
	if (cp < 0x20) {
		if (cp === ESC) return Action.Escape;
		if (cp >= 0x09 && cp <= 0x0d) return Action.Space;
		return Action.Marker;
	}
	if (cp <= 0x9f) {
		if (cp === 0x9b) return Action.Csi8;
		if (cp === 0x90 || cp === 0x98 || cp === 0x9d || cp === 0x9e || cp === 0x9f) return Action.String8;
		return Action.Marker;
	}
	if (cp === 0x200d) return Action.Joiner;
	if (cp === 0x2028 || cp === 0x2029) return Action.Space;
	if (cp >= 0xe0000 && cp <= 0xe007f) return Action.Tag;
	if (
		cp === 0xad ||
		cp === 0x34f ||
		cp === 0x61c ||
		cp === 0x115f ||
		cp === 0x1160 ||
		cp === 0x17b4 ||
		cp === 0x17b5 ||
		cp === 0x180e ||
		(cp >= 0x200b && cp <= 0x200f) ||
		(cp >= 0x202a && cp <= 0x202e) ||
		(cp >= 0x2060 && cp <= 0x206f) ||
		cp === 0x3164 ||
		(cp >= 0xd800 && cp <= 0xdfff) ||
		cp === 0xfeff ||
		cp === 0xffa0 ||
		(cp >= 0xfff9 && cp <= 0xfffb)
	) {
		return Action.Marker;
	}
	return Action.Keep;
}

/** `i` is at ESC; returns the index just after the escape sequence it starts. */
function skipEscape(s: string, i: number): number {
	const next = s.charCodeAt(i + 1);
	if (Number.isNaN(next)) return i + 1;
	switch (next) {
		case 0x5b: // [ CSI
			return skipCsiBody(s, i + 2);
		case 0x5d: // ] OSC
		case 0x50: // P DCS
		case 0x58: // X SOS
		case 0x5e: // ^ PM
		case 0x5f: {
			// _ APC
			const end = skipControlString(s, i + 2);
			return end === -1 ? i + 2 : end;
		}
	}
	// nF escapes: intermediates 0x20–0x2F, then a final byte 0x30–0x7E.
	let j = i + 1;
	while (j < s.length && isIntermediate(s.charCodeAt(j))) j++;
	const final = s.charCodeAt(j);
	if (final >= 0x30 && final <= 0x7e) return j + 1;
	return j;
}

/** `j` is just after a CSI introducer; returns the index after its final byte, or where it broke off. */
function skipCsiBody(s: string, j: number): number {
	const n = s.length;
	while (j < n) {
		const c = s.charCodeAt(j);
		if (c < 0x30 || c > 0x3f) break;
		j++;
	}
	while (j < n && isIntermediate(s.charCodeAt(j))) j++;
	const final = s.charCodeAt(j);
	if (final >= 0x40 && final <= 0x7e) return j + 1;
	return j;
}

/**
 * `j` is just after an OSC/DCS/SOS/PM/APC introducer. Returns the index after the
 * terminator, the index of an ESC that ends the string without being ST, or -1 when the
 * string never ends.
 */
function skipControlString(s: string, j: number): number {
	const n = s.length;
	while (j < n) {
		const c = s.charCodeAt(j);
		if (c === 0x07 || c === 0x9c || c === 0x18 || c === 0x1a) return j + 1;
		if (c === ESC) return s.charCodeAt(j + 1) === 0x5c ? j + 2 : j;
		j++;
	}
	return -1;
}

function isIntermediate(c: number): boolean {
	return c >= 0x20 && c <= 0x2f;
}

/** ZWJ at `i` sits between a pictograph (maybe with VS16 or a skin tone) and a pictograph. */
function joinsPictographs(s: string, i: number): boolean {
	const after = s.codePointAt(i + 1);
	if (after === undefined || !PICTOGRAPHIC.test(String.fromCodePoint(after))) return false;
	let k = i;
	let before = codePointBefore(s, k);
	if (before !== undefined && (before === 0xfe0f || (before >= 0x1f3fb && before <= 0x1f3ff))) {
		k -= before > 0xffff ? 2 : 1;
		before = codePointBefore(s, k);
	}
	return before !== undefined && PICTOGRAPHIC.test(String.fromCodePoint(before));
}

function codePointBefore(s: string, i: number): number | undefined {
	if (i <= 0) return undefined;
	const low = s.charCodeAt(i - 1);
	if (low >= 0xdc00 && low <= 0xdfff && i >= 2) {
		const high = s.charCodeAt(i - 2);
		if (high >= 0xd800 && high <= 0xdbff) return s.codePointAt(i - 2);
	}
	return low;
}

/** Tags in [i, j) form `U+1F3F4 (U+E0020–U+E007E)+ U+E007F`, the subdivision-flag shape. */
function isFlagTagSequence(s: string, i: number, j: number): boolean {
	if (codePointBefore(s, i) !== 0x1f3f4) return false;
	if (j - i < 4) return false;
	if (s.codePointAt(j - 2) !== 0xe007f) return false;
	for (let k = i; k < j - 2; k += 2) {
		const t = s.codePointAt(k)!;
		if (t < 0xe0020 || t > 0xe007e) return false;
	}
	return true;
}

let segmenter: Intl.Segmenter | undefined;

/** At most `max` code points, cut at a grapheme boundary, ellipsis included. */
function truncateCodePoints(s: string, maxLength: number, ellipsis: string): string {
	const max = Math.floor(maxLength);
	if (!(max > 0)) return '';
	if (s.length <= max) return s;
	if (countCodePoints(s) <= max) return s;
	const budget = max - 1;
	segmenter ??= new Intl.Segmenter();
	let used = 0;
	let end = 0;
	// Only the head can be kept: segment just that (2 units a code point, and room for the
	// grapheme that ends past the budget). Intl.Segmenter over a whole long text gets slower
	// with every step, and past 64 Ki units catastrophically (minutes for 100,000 characters).
	const head = s.length > 2 * max + 64 ? s.slice(0, 2 * max + 64) : s;
	for (const {segment, index} of segmenter.segment(head)) {
		const points = countCodePoints(segment);
		if (used + points > budget) break;
		used += points;
		end = index + segment.length;
	}
	return s.slice(0, end) + ellipsis;
}

function countCodePoints(s: string): number {
	let count = 0;
	for (let i = 0; i < s.length; i++) {
		const c = s.charCodeAt(i);
		if (c >= 0xd800 && c <= 0xdbff) {
			const d = s.charCodeAt(i + 1);
			if (d >= 0xdc00 && d <= 0xdfff) i++;
		}
		count++;
	}
	return count;
}
