/**
 * Short, fixed-style numbers for table cells and reports: byte sizes (IEC), ages exactly
 * as kubectl's AGE column prints them, counts, percentages and rates. Every function is
 * total: a non-finite input prints as `-` instead of throwing, so one bad sample never
 * breaks a render.
 */

const NOT_A_NUMBER = '-';

const IEC_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];

/**
 * Bytes in IEC units: whole bytes below 1 KiB ("512 B"), one decimal below 10 of a unit
 * ("1.5 KiB", "1.0 MiB"), whole numbers from 10 ("15 KiB", "512 MiB").
 */
export function formatBytes(bytes: number): string {
	if (!Number.isFinite(bytes)) return NOT_A_NUMBER;
	const sign = bytes < 0 ? '-' : '';
	let value = Math.abs(bytes);
	if (Math.round(value) < 1024) return `${sign}${Math.round(value)} B`;
	let unit = 0;
	while (unit < IEC_UNITS.length - 1 && value >= 1024) {
		value /= 1024;
		unit++;
	}
	// Rounding may carry into the next unit (1023.96 KiB prints as 1.0 MiB).
	if (unit < IEC_UNITS.length - 1 && Math.round(value) >= 1024) {
		value /= 1024;
		unit++;
	}
	return `${sign}${scaledNumber(value)} ${IEC_UNITS[unit]}`;
}

/** One decimal below 10 (after rounding), whole number from 10. */
function scaledNumber(value: number): string {
	const oneDecimal = Math.round(value * 10) / 10;
	if (oneDecimal < 10) return oneDecimal.toFixed(1);
	return String(Math.round(value));
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/**
 * An age (elapsed milliseconds) exactly like kubectl's AGE column, which uses
 * k8s.io/apimachinery/pkg/util/duration.HumanDuration: about 2–3 significant figures,
 * e.g. 119s, 2m, 9m59s, 179m, 3h, 7h59m, 47h, 2d, 7d23h, 729d, 2y, 7y364d, 8y.
 * Clock skew up to 2 s (exclusive) prints as "0s"; more negative values as "<invalid>".
 */
export function formatAge(ms: number): string {
	if (Number.isNaN(ms)) return '<invalid>';
	if (ms === Infinity) return '<invalid>';
	const seconds = Math.trunc(ms / SECOND);
	if (seconds < -1) return '<invalid>';
	if (seconds < 0) return '0s';
	if (seconds < 60 * 2) return `${seconds}s`;
	const minutes = Math.floor(ms / MINUTE);
	if (minutes < 10) {
		const s = Math.floor(ms / SECOND) % 60;
		return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
	}
	if (minutes < 60 * 3) return `${minutes}m`;
	const hours = Math.floor(ms / HOUR);
	if (hours < 8) {
		const m = minutes % 60;
		return m === 0 ? `${hours}h` : `${hours}h${m}m`;
	}
	if (hours < 48) return `${hours}h`;
	if (hours < 24 * 8) {
		const h = hours % 24;
		const days = Math.floor(hours / 24);
		return h === 0 ? `${days}d` : `${days}d${h}h`;
	}
	if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
	const years = Math.floor(hours / 24 / 365);
	if (hours < 24 * 365 * 8) {
		const dayOfYear = Math.floor(hours / 24) % 365;
		return dayOfYear === 0 ? `${years}y` : `${years}y${dayOfYear}d`;
	}
	return `${years}y`;
}

const COUNT_UNITS = ['', 'k', 'M', 'G', 'T', 'P', 'E'];

/**
 * A count with SI suffixes: whole numbers below 1000 ("999"), then one decimal below 100
 * of a unit ("1.2k", "12.3k") and whole numbers from 100 ("123k", "4.6M").
 */
export function formatCount(n: number): string {
	if (!Number.isFinite(n)) return NOT_A_NUMBER;
	const sign = n < 0 ? '-' : '';
	let value = Math.abs(n);
	if (Math.round(value) < 1000) return `${sign}${Math.round(value)}`;
	let unit = 0;
	while (unit < COUNT_UNITS.length - 1 && value >= 1000) {
		value /= 1000;
		unit++;
	}
	if (unit < COUNT_UNITS.length - 1 && Math.round(value) >= 1000) {
		value /= 1000;
		unit++;
	}
	const oneDecimal = Math.round(value * 10) / 10;
	const digits = oneDecimal < 100 ? oneDecimal.toFixed(1) : String(Math.round(value));
	return `${sign}${digits}${COUNT_UNITS[unit]}`;
}

/**
 * A fraction (0.123) as a percentage ("12.3%"): one decimal below 10 %, whole numbers
 * from 10 %. A non-zero value never prints as zero ("<0.1%") and a value below 100 %
 * never prints as 100 % ("99%"), so a nearly full quota does not read as full.
 */
export function formatPercent(fraction: number): string {
	if (!Number.isFinite(fraction)) return NOT_A_NUMBER;
	const sign = fraction < 0 ? '-' : '';
	const percent = Math.abs(fraction) * 100;
	if (percent === 0) return '0%';
	if (percent < 0.05) return `${sign}<0.1%`;
	const oneDecimal = Math.round(percent * 10) / 10;
	if (oneDecimal < 10) return `${sign}${oneDecimal.toFixed(1)}%`;
	const whole = Math.round(percent);
	if (whole === 100 && percent < 100) return `${sign}99%`;
	return `${sign}${whole}%`;
}

/**
 * Events per second as a rate in the unit that reads best: per second from 1/s
 * ("12/s", "1.5/s", "12.3k/s"), per minute below that ("3.1/min"), per hour below
 * 1/min ("2.0/h"). Zero is "0/s".
 */
export function formatRate(perSecond: number): string {
	if (!Number.isFinite(perSecond)) return NOT_A_NUMBER;
	const magnitude = Math.abs(perSecond);
	if (magnitude === 0) return '0/s';
	if (magnitude >= 1) return `${rateNumber(perSecond)}/s`;
	if (magnitude * 60 >= 1) return `${rateNumber(perSecond * 60)}/min`;
	return `${rateNumber(perSecond * 3600)}/h`;
}

function rateNumber(value: number): string {
	const magnitude = Math.abs(value);
	const sign = value < 0 ? '-' : '';
	const oneDecimal = Math.round(magnitude * 10) / 10;
	if (oneDecimal < 10) return `${sign}${oneDecimal.toFixed(1)}`;
	return formatCount(value);
}

/**
 * An elapsed time or a span (milliseconds) for reading rather than for a column: seconds
 * below two minutes ("95 s"), minutes below two hours ("25 min", "1 h 30 min" is not used:
 * "90 min" reads faster), hours below two days ("5 h", "5.5 h"), then days ("3 d",
 * "3.5 d"). Whole units from 10, one decimal below (after rounding), the decimal dropped
 * when it is zero. Negative spans keep their sign.
 */
export function formatDuration(ms: number): string {
	if (!Number.isFinite(ms)) return NOT_A_NUMBER;
	const sign = ms < 0 ? '-' : '';
	const value = Math.abs(ms);
	if (Math.round(value / SECOND) < 120) return `${sign}${Math.round(value / SECOND)} s`;
	if (Math.round(value / MINUTE) < 120) return `${sign}${Math.round(value / MINUTE)} min`;
	if (value / HOUR < 47.95) return `${sign}${shortNumber(value / HOUR)} h`;
	return `${sign}${shortNumber(value / (24 * HOUR))} d`;
}

/** One decimal below 10 (dropped when zero), whole numbers from 10. */
function shortNumber(value: number): string {
	const oneDecimal = Math.round(value * 10) / 10;
	if (oneDecimal < 10) return Number.isInteger(oneDecimal) ? String(oneDecimal) : oneDecimal.toFixed(1);
	return String(Math.round(value));
}

/** A whole or decimal number with thousands separators ("12,345", "38.7"); `-` when not finite. */
export function formatNumber(n: number): string {
	if (!Number.isFinite(n)) return NOT_A_NUMBER;
	return n.toLocaleString('en-US', {maximumFractionDigits: 2});
}
