/**
 * Kubernetes resource.Quantity strings ("100m", "2Gi", "1e3", "1.5G") to numbers and back.
 *
 * Grammar (k8s.io/apimachinery/pkg/api/resource): `[+-]` number suffix, where number is
 * `123`, `1.5`, `1.` or `.5`, and suffix is empty, a decimal SI suffix (n u m k M G T P E),
 * a binary SI suffix (Ki Mi Gi Ti Pi Ei) or a decimal exponent (`e3`, `E-2`, `e+6`).
 * Note "1E" is 10^18 (exa) while "1E3" is 1000. Differences from the API server, all on
 * the strict side: a lone sign or dot ("+", ".") is rejected (the server reads it as 0),
 * surrounding spaces are rejected, and values that are not finite as a float are rejected.
 *
 * Parsing keeps the decimal digits exactly, so `parseCpuMillis` and `parseMemoryBytes`
 * round exactly as Quantity.MilliValue() and Value() do: up, away from zero ("0.1m" is
 * 1 millicore, "0.5" bytes is 1 byte). Both reject negative values and values above
 * 2^63-1 units; results above 2^53 are the nearest float. `parseQuantity` returns the
 * nearest float of the exact value.
 *
 * Formatting gives exact strings the API server accepts and canonicalizes to the same
 * value: `formatCpu` → "100m", "1500m", "2"; `formatMemory` → the shortest of: the
 * largest binary suffix that divides exactly ("512Mi", "1536Mi", "1Gi"), the largest
 * decimal suffix that divides exactly ("1k", "1G", "1E"), plain bytes ("1500"); ties go
 * to binary, then plain. Inputs that are not whole millicores
 * or bytes are rounded up (float noise below one part in 10^9 is ignored), so a limit
 * is never formatted below what was asked. `formatMemory(b, {approximate: true})` gives
 * a short lossy form for display only ("1.5Gi", "977Mi").
 *
 * A format shared by the product (projections, findings, plans) and the simulator (admission,
 * QoS classes, usage).
 */
import {sanitize} from '../text/sanitize.js';

export class QuantityError extends Error {
	readonly input: string;

	constructor(message: string, input: string) {
		super(message);
		this.name = 'QuantityError';
		this.input = input;
	}
}

interface ExactQuantity {
	negative: boolean;
	/** All digits of the number, integer and fraction, as an integer. */
	digits: bigint;
	digitText: string;
	/** Value = digits × 10^exp10 × 2^exp2. */
	exp10: number;
	exp2: number;
}

const SUFFIXES: ReadonlyMap<string, {exp10: number; exp2: number}> = new Map([
	['', {exp10: 0, exp2: 0}],
	['n', {exp10: -9, exp2: 0}],
	['u', {exp10: -6, exp2: 0}],
	['m', {exp10: -3, exp2: 0}],
	['k', {exp10: 3, exp2: 0}],
	['M', {exp10: 6, exp2: 0}],
	['G', {exp10: 9, exp2: 0}],
	['T', {exp10: 12, exp2: 0}],
	['P', {exp10: 15, exp2: 0}],
	['E', {exp10: 18, exp2: 0}],
	['Ki', {exp10: 0, exp2: 10}],
	['Mi', {exp10: 0, exp2: 20}],
	['Gi', {exp10: 0, exp2: 30}],
	['Ti', {exp10: 0, exp2: 40}],
	['Pi', {exp10: 0, exp2: 50}],
	['Ei', {exp10: 0, exp2: 60}],
]);

const SHAPE = /^([+-]?)([0-9]*)(?:\.([0-9]*))?(.*)$/s;
const EXPONENT = /^[eE]([+-]?[0-9]+)$/;
const MAX_INT64 = (1n << 63n) - 1n;

/** Quote user input for a one-line error message: no escapes, bounded length. */
function quote(s: string): string {
	return `"${sanitize(s, {maxLength: 40})}"`;
}

function parseExact(input: string): ExactQuantity {
	const shape = SHAPE.exec(input);
	const intText = shape?.[2] ?? '';
	const fracText = shape?.[3] ?? '';
	if (shape === null || (intText === '' && fracText === '')) {
		throw new QuantityError(`invalid quantity ${quote(input)}: expected a number with an optional suffix such as 100m, 0.5, 2Gi or 1e3`, input);
	}
	const suffix = shape[4] ?? '';
	let scale = SUFFIXES.get(suffix);
	if (scale === undefined && !/^[A-Za-z][A-Za-z0-9+-]*$/.test(suffix)) {
		throw new QuantityError(`invalid quantity ${quote(input)}: expected a number with an optional suffix such as 100m, 0.5, 2Gi or 1e3`, input);
	}
	if (scale === undefined) {
		const exponent = EXPONENT.exec(suffix);
		if (exponent === null) {
			throw new QuantityError(
				`invalid quantity ${quote(input)}: unknown suffix ${quote(suffix)} (use m, k, M, G, T, P, E, Ki, Mi, Gi, Ti, Pi, Ei or an exponent such as e3)`,
				input,
			);
		}
		const value = Number(exponent[1]);
		// Beyond this the value is 0 or infinite as a float and out of int64 range anyway.
		if (!(Math.abs(value) <= 100_000)) throw outOfRange(input);
		scale = {exp10: value, exp2: 0};
	}
	const digitText = intText + fracText;
	return {
		negative: shape[1] === '-',
		digits: BigInt(digitText),
		digitText,
		exp10: scale.exp10 - fracText.length,
		exp2: scale.exp2,
	};
}

function outOfRange(input: string): QuantityError {
	return new QuantityError(`invalid quantity ${quote(input)}: out of range`, input);
}

function toFloat(q: ExactQuantity): number {
	const magnitude = Number(`${q.digitText}e${q.exp10}`) * 2 ** q.exp2;
	return q.negative && magnitude !== 0 ? -magnitude : magnitude;
}

/** |value| × 10^shift, rounded up to an integer (away from zero), as a non-negative bigint. */
function scaledMagnitudeCeil(q: ExactQuantity, shift: number): bigint {
	if (q.digits === 0n) return 0n;
	const mantissa = q.digits << BigInt(q.exp2);
	const e = q.exp10 + shift;
	if (e >= 0) return mantissa * 10n ** BigInt(e);
	// mantissa < 10^(digits + 19) because 2^exp2 ≤ 2^60 < 10^19: far below one unit.
	if (-e > q.digitText.length + 19) return 1n;
	const divisor = 10n ** BigInt(-e);
	const quotient = mantissa / divisor;
	return mantissa % divisor === 0n ? quotient : quotient + 1n;
}

/** Parse any quantity to the nearest float ("100m" → 0.1, "2Gi" → 2147483648). */
export function parseQuantity(input: string): number {
	const q = parseExact(input);
	const value = toFloat(q);
	if (!Number.isFinite(value)) throw outOfRange(input);
	return value;
}

function parseScaled(input: string, shift: number, what: string): number {
	const q = parseExact(input);
	const approx = Math.abs(toFloat(q)) * 10 ** shift;
	if (!(approx <= 2 ** 64)) throw outOfRange(input);
	const magnitude = scaledMagnitudeCeil(q, shift);
	if (magnitude > MAX_INT64) throw outOfRange(input);
	if (q.negative && magnitude !== 0n) {
		throw new QuantityError(`invalid ${what} ${quote(input)}: must not be negative`, input);
	}
	return Number(magnitude);
}

/**
 * Parsed values by input string. A cluster writes few distinct quantities ("100m", "256Mi")
 * over and over: at 150,000 pods the analyzers parsed the same handful some 600,000 times
 * per pass, which was most of their garbage (bigints and regex matches). Only values are
 * kept, never errors, and only for short inputs (a hostile 100 KB "quantity" is not held);
 * a full cache is emptied rather than grown.
 */
const CACHE_LIMIT = 4096;
const cpuCache = new Map<string, number>();
const memoryCache = new Map<string, number>();

function remember(cache: Map<string, number>, input: string, value: number): number {
	if (input.length > 64) return value;
	if (cache.size >= CACHE_LIMIT) cache.clear();
	cache.set(input, value);
	return value;
}

/** A CPU quantity in millicores, rounded up ("100m" → 100, "0.5" → 500, "2" → 2000). */
export function parseCpuMillis(input: string): number {
	return cpuCache.get(input) ?? remember(cpuCache, input, parseScaled(input, 3, 'CPU quantity'));
}

/** A memory quantity in bytes, rounded up ("500Mi" → 524288000, "1.5G" → 1500000000). */
export function parseMemoryBytes(input: string): number {
	return memoryCache.get(input) ?? remember(memoryCache, input, parseScaled(input, 0, 'memory quantity'));
}

/** Round up to a whole number, ignoring float noise (100.00000000000001 → 100). */
function wholeRoundedUp(value: number): number {
	const nearest = Math.round(value);
	if (Math.abs(value - nearest) <= 1e-9 * Math.max(1, Math.abs(value))) return nearest;
	return Math.ceil(value);
}

/** Millicores as a canonical CPU quantity: "0", "100m", "1500m", "2". */
export function formatCpu(millis: number): string {
	if (!Number.isFinite(millis) || millis < 0) {
		throw new QuantityError(`cannot format ${millis} millicores as a CPU quantity`, String(millis));
	}
	const m = wholeRoundedUp(millis);
	if (m > Number.MAX_SAFE_INTEGER) {
		throw new QuantityError(`cannot format ${millis} millicores as a CPU quantity: too large`, String(millis));
	}
	return m % 1000 === 0 ? String(m / 1000) : `${m}m`;
}

export interface FormatMemoryOptions {
	/** Short lossy form for display ("1.5Gi"); never use it in a patch. */
	approximate?: boolean;
}

const BINARY_SUFFIXES = ['Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];
const DECIMAL_SUFFIXES = ['k', 'M', 'G', 'T', 'P', 'E'];

/** Bytes as a memory quantity: exact ("512Mi", "1Gi", "1k", "1G", "1000") unless approximate. */
export function formatMemory(bytes: number, options: FormatMemoryOptions = {}): string {
	if (!Number.isFinite(bytes) || bytes < 0) {
		throw new QuantityError(`cannot format ${bytes} bytes as a memory quantity`, String(bytes));
	}
	const whole = wholeRoundedUp(bytes);
	if (whole >= 2 ** 63) {
		throw new QuantityError(`cannot format ${bytes} bytes as a memory quantity: too large`, String(bytes));
	}
	if (options.approximate === true) return approximateMemory(whole);
	const b = BigInt(whole);
	if (b === 0n) return '0';
	let best = b.toString();
	const binary = largestExactSuffix(b, BINARY_SUFFIXES, (k) => 1n << BigInt(10 * k));
	if (binary !== undefined && binary.length <= best.length) best = binary;
	const decimal = largestExactSuffix(b, DECIMAL_SUFFIXES, (k) => 10n ** BigInt(3 * k));
	if (decimal !== undefined && decimal.length < best.length) best = decimal;
	return best;
}

function largestExactSuffix(b: bigint, suffixes: readonly string[], unitOf: (k: number) => bigint): string | undefined {
	for (let k = suffixes.length; k >= 1; k--) {
		const unit = unitOf(k);
		if (b % unit === 0n) return `${b / unit}${suffixes[k - 1]}`;
	}
	return undefined;
}

/** One decimal below 10 of a unit (".0" dropped), whole numbers from 10; plain bytes below 1Ki. */
function approximateMemory(bytes: number): string {
	if (bytes < 1024) return String(bytes);
	let value = bytes;
	let unit = -1;
	while (unit < BINARY_SUFFIXES.length - 1 && value >= 1024) {
		value /= 1024;
		unit++;
	}
	if (unit < BINARY_SUFFIXES.length - 1 && Math.round(value) >= 1024) {
		value /= 1024;
		unit++;
	}
	const oneDecimal = Math.round(value * 10) / 10;
	const text = oneDecimal < 10 ? String(oneDecimal) : String(Math.round(value));
	return `${text}${BINARY_SUFFIXES[unit]}`;
}
