/**
 * Durations typed on the command line, parsed the way kubectl and Go accept them, in
 * milliseconds.
 *
 * - `parseDuration` follows Go's time.ParseDuration: an optional sign, then one or more
 *   `<number><unit>` pairs ("90s", "1h30m", "1.5h", ".5s", "1.s", "500ms"), units ns, us
 *   (or µs/μs), ms, s, m, h; "0" alone needs no unit; at most 2^63-1 ns (about 292
 *   years). The integer part is exact; a fraction is converted as Go does (float,
 *   truncated to whole nanoseconds). Sub-millisecond results come back fractional.
 * - `parseRequestTimeout` follows client-go's clientcmd.ParseTimeout used by kubectl's
 *   `--request-timeout`: a bare non-negative integer means seconds, anything else is a Go
 *   duration, and 0 (or an empty value, as kubectl treats an empty flag) means no
 *   timeout. Unlike kubectl it rejects negative durations ("-5s"), which kubectl
 *   silently treats as no timeout.
 *
 * Bad input throws `DurationError` whose message is one line, e.g.
 * `invalid duration "5x": use a number with a unit such as 30s, 5m or 1h`.
 */
import {sanitize} from './sanitize.js';

export class DurationError extends Error {
	readonly input: string;

	constructor(message: string, input: string) {
		super(message);
		this.name = 'DurationError';
		this.input = input;
	}
}

const UNIT_NANOS: ReadonlyMap<string, bigint> = new Map([
	['ns', 1n],
	['us', 1_000n],
	['\u00b5s', 1_000n],
	['\u03bcs', 1_000n],
	['ms', 1_000_000n],
	['s', 1_000_000_000n],
	['m', 60_000_000_000n],
	['h', 3_600_000_000_000n],
]);

const MAX_NANOS = (1n << 63n) - 1n;
const NANOS_PER_MS = 1_000_000;
const HINT = 'use a number with a unit such as 30s, 5m or 1h';
const TIMEOUT_HINT = 'use a whole number of seconds or a number with a unit such as 30s, 5m or 1h (0 means no timeout)';

/** Quote user input for an error message: no escapes, bounded length. */
function quote(s: string): string {
	return `"${sanitize(s, {maxLength: 40})}"`;
}

function isDigit(c: string | undefined): boolean {
	return c !== undefined && c >= '0' && c <= '9';
}

/** Parse like Go's time.ParseDuration; milliseconds (negative allowed). */
export function parseDuration(input: string): number {
	const nanos = parseNanos(input);
	if (nanos === undefined) throw new DurationError(`invalid duration ${quote(input)}: ${HINT}`, input);
	if (nanos === 'overflow') {
		throw new DurationError(`invalid duration ${quote(input)}: too long (the limit is about 292 years)`, input);
	}
	return Number(nanos) / NANOS_PER_MS;
}

/** Returns nanoseconds, undefined on a syntax error, 'overflow' when out of range. */
function parseNanos(input: string): bigint | 'overflow' | undefined {
	let s = input;
	let negative = false;
	if (s.startsWith('-') || s.startsWith('+')) {
		negative = s[0] === '-';
		s = s.slice(1);
	}
	if (s === '0') return 0n;
	if (s === '') return undefined;

	let total = 0n;
	let i = 0;
	while (i < s.length) {
		if (!(s[i] === '.' || isDigit(s[i]))) return undefined;
		const intStart = i;
		while (isDigit(s[i])) i++;
		const intDigits = s.slice(intStart, i);
		let fracDigits = '';
		if (s[i] === '.') {
			i++;
			const fracStart = i;
			while (isDigit(s[i])) i++;
			fracDigits = s.slice(fracStart, i);
		}
		if (intDigits === '' && fracDigits === '') return undefined;

		const unitStart = i;
		while (i < s.length && s[i] !== '.' && !isDigit(s[i])) i++;
		if (i === unitStart) return undefined;
		const unit = UNIT_NANOS.get(s.slice(unitStart, i));
		if (unit === undefined) return undefined;

		const whole = intDigits === '' ? 0n : BigInt(intDigits);
		if (whole > 1n << 63n) return 'overflow';
		let value = whole * unit;
		if (value > 1n << 63n) return 'overflow';
		if (fracDigits !== '') {
			// Go keeps at most the digits that fit an int64, then scales in floating point.
			const kept = fracDigits.slice(0, 18);
			const fraction = Number(kept) * (Number(unit) / 10 ** kept.length);
			value += BigInt(Math.trunc(fraction));
			if (value > 1n << 63n) return 'overflow';
		}
		total += value;
		if (total > 1n << 63n) return 'overflow';
	}
	if (!negative && total > MAX_NANOS) return 'overflow';
	return negative ? -total : total;
}

/**
 * Parse a `--request-timeout` value like kubectl: bare integer = seconds, otherwise a Go
 * duration. Milliseconds; 0 means no timeout.
 */
export function parseRequestTimeout(input: string): number {
	if (input === '') return 0;
	if (/^[+-]?[0-9]+$/.test(input)) {
		const seconds = BigInt(input);
		if (seconds < 0n) throw new DurationError(`invalid request timeout ${quote(input)}: ${TIMEOUT_HINT}`, input);
		if (seconds * 1_000_000_000n > MAX_NANOS) {
			throw new DurationError(`invalid request timeout ${quote(input)}: too long (the limit is about 292 years)`, input);
		}
		return Number(seconds) * 1000;
	}
	const nanos = parseNanos(input);
	if (nanos === undefined) {
		throw new DurationError(`invalid request timeout ${quote(input)}: ${TIMEOUT_HINT}`, input);
	}
	if (nanos === 'overflow') {
		throw new DurationError(`invalid request timeout ${quote(input)}: too long (the limit is about 292 years)`, input);
	}
	if (nanos < 0n) {
		throw new DurationError(`invalid request timeout ${quote(input)}: must not be negative (0 means no timeout)`, input);
	}
	return Number(nanos) / NANOS_PER_MS;
}
