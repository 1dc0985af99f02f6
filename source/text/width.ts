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

/** Columns the string occupies in a terminal. */
export function displayWidth(s: string): number {
	if (PRINTABLE_ASCII.test(s)) return s.length;
	return stringWidth(s);
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
	if (stringWidth(s) <= max) return s;
	const budget = max - 1;
	segmenter ??= new Intl.Segmenter();
	let used = 0;
	let end = 0;
	for (const {segment, index} of segmenter.segment(s)) {
		const w = segmentWidth(segment);
		if (used + w > budget) break;
		used += w;
		end = index + segment.length;
	}
	return s.slice(0, end) + ellipsis;
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
