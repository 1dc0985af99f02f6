/**
 * Display width of terminal text: how many columns a (sanitized) string takes, and
 * truncation and padding by columns rather than by UTF-16 units. East Asian wide and
 * fullwidth characters and emoji take 2 columns, combining marks 0. Table rendering
 * calls these for every cell, so printable ASCII takes a fast path that skips grapheme
 * segmentation.
 *
 * Non-ASCII widths come from `string-width` (8.x, installed with ink), which segments
 * graphemes; ambiguous-width characters count as narrow. Inputs are expected to have
 * passed `sanitize` already: controls count as zero columns here, they are not removed.
 */
import stringWidth from 'string-width';

export interface TruncateOptions {
	/** Use `~` as the ellipsis instead of `…` (LANG=C terminals). */
	ascii?: boolean;
}

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

let segmenter: Intl.Segmenter | undefined;

/**
 * Longest text measured or segmented in one piece. Intl.Segmenter (string-width uses it)
 * gets slower with every grapheme of a long text, and past 64 Ki UTF-16 units each step
 * costs time proportional to its position: one 100,000-character name from a cluster took
 * minutes to measure and froze the TUI. Longer texts go in pieces, cut where a grapheme
 * boundary is certain (between two printable ASCII characters) when there is one.
 */
const PIECE = 2048;

function printable(c: number): boolean {
	return c >= 0x20 && c < 0x7f;
}

/** End of the piece of `s` that starts at `a`: see PIECE. */
function pieceEnd(s: string, a: number): number {
	const limit = Math.min(s.length, a + PIECE);
	if (limit === s.length) return limit;
	for (let i = limit; i > a + PIECE / 2; i--) {
		if (printable(s.charCodeAt(i)) && printable(s.charCodeAt(i - 1))) return i;
	}
	// No certain boundary: at least do not split a surrogate pair.
	const c = s.charCodeAt(limit);
	return c >= 0xdc00 && c <= 0xdfff ? limit - 1 : limit;
}

/** Columns the string occupies in a terminal. */
export function displayWidth(s: string): number {
	if (PRINTABLE_ASCII.test(s)) return s.length;
	if (s.length <= PIECE) return stringWidth(s);
	// Long: runs of printable ASCII count one column a character (a boundary lies between two of
	// them); the rest is measured in pieces that start and end on such a boundary.
	let width = 0;
	let i = 0;
	const n = s.length;
	while (i < n) {
		if (printable(s.charCodeAt(i)) && (i + 1 === n || printable(s.charCodeAt(i + 1)))) {
			width++;
			i++;
			continue;
		}
		let k = i + 1;
		while (k < n && !(printable(s.charCodeAt(k)) && printable(s.charCodeAt(k - 1))) && k - i < PIECE) k++;
		if (k - i >= PIECE) k = pieceEnd(s, i);
		width += stringWidth(s.slice(i, k));
		i = k;
	}
	return width;
}

/** The graphemes of `s` with their index, segmenting it in pieces (see PIECE); lazy, so a caller that stops early pays for what it read. */
function* graphemesOf(s: string): Generator<{segment: string; index: number}> {
	segmenter ??= new Intl.Segmenter();
	if (s.length <= PIECE) {
		yield* segmenter.segment(s);
		return;
	}
	for (let a = 0; a < s.length;) {
		const b = pieceEnd(s, a);
		for (const {segment, index} of segmenter.segment(s.slice(a, b))) yield {segment, index: a + index};
		a = b;
	}
}

/**
 * Cut `s` to at most `width` columns, ending in an ellipsis when anything was cut.
 * Never splits a grapheme (so never a surrogate pair, a wide character or an emoji
 * sequence); when a wide character does not fit, the result is one column short.
 */
export function truncate(s: string, width: number, options: TruncateOptions = {}): string {
	const max = Math.floor(width);
	if (!(max > 0)) return '';
	const ellipsis = options.ascii === true ? '~' : '\u2026';
	if (PRINTABLE_ASCII.test(s)) {
		return s.length <= max ? s : s.slice(0, max - 1) + ellipsis;
	}
	// A UTF-16 unit never takes more than 2 columns: a string this short fits without measuring.
	if (s.length * 2 <= max) return s;
	if (!wider(s, max)) return s;
	const budget = max - 1;
	let used = 0;
	let end = 0;
	for (const {segment, index} of graphemesOf(s)) {
		const w = segmentWidth(segment);
		if (used + w > budget) break;
		used += w;
		end = index + segment.length;
	}
	return s.slice(0, end) + ellipsis;
}

/** Whether `s` takes more than `max` columns, measuring no more of it than needed. */
function wider(s: string, max: number): boolean {
	if (s.length <= PIECE) return stringWidth(s) > max;
	let used = 0;
	for (let a = 0; a < s.length;) {
		const b = pieceEnd(s, a);
		used += displayWidth(s.slice(a, b));
		if (used > max) return true;
		a = b;
	}
	return false;
}

function segmentWidth(segment: string): number {
	const c = segment.charCodeAt(0);
	if (segment.length === 1 && c >= 0x20 && c < 0x7f) return 1;
	return stringWidth(segment);
}

/** Pad with spaces on the right to `width` columns; a wider string is returned as is. */
export function padEnd(s: string, width: number): string {
	const missing = Math.floor(width) - displayWidth(s);
	return missing > 0 ? s + ' '.repeat(missing) : s;
}

/** Pad with spaces on the left to `width` columns; a wider string is returned as is. */
export function padStart(s: string, width: number): string {
	const missing = Math.floor(width) - displayWidth(s);
	return missing > 0 ? ' '.repeat(missing) + s : s;
}

export interface FitOptions extends TruncateOptions {
	/** Which side the text sits on; numbers usually go right. Default left. */
	align?: 'left' | 'right';
}

/** Exactly `width` columns: truncated with an ellipsis if too wide, padded if too narrow. */
export function fit(s: string, width: number, options: FitOptions = {}): string {
	const cut = truncate(s, width, options);
	return options.align === 'right' ? padStart(cut, width) : padEnd(cut, width);
}
