/**
 * A record's fields read from their text the way the API server and Go read them: RFC 3339
 * timestamps, Go durations and bools, the query string (watch, limit, resourceVersion,
 * continue, selectors…), and resource, namespace and name from a resource path. Shared by
 * the fast scanner and the JSON.parse path, so both give the same record by construction.
 *
 * Shipped to the audit worker (README.md: the worker kernel).
 */
import type {AuditRecord} from './audit-record.js';

/**
 * RFC 3339 timestamp in [a, b) of `s` to epoch ms (fractional to the nanosecond digit).
 * Accepts `T` or a space between date and time, any number of fraction digits, and `Z`,
 * `±HH:MM` or nothing (UTC) as the zone, as Go, CloudWatch and Logs Insights write them.
 * NaN when it is not such a timestamp.
 */
export function parseTimestampMs(s: string, a: number, b: number): number {
	if (b - a < 19) return Number.NaN;
	const year = twoDigits(s, a) * 100 + twoDigits(s, a + 2);
	const month = twoDigits(s, a + 5);
	const day = twoDigits(s, a + 8);
	const hour = twoDigits(s, a + 11);
	const minute = twoDigits(s, a + 14);
	const second = twoDigits(s, a + 17);
	const sep = s.charCodeAt(a + 10);
	if (
		year < 0 ||
		s.charCodeAt(a + 4) !== 45 ||
		s.charCodeAt(a + 7) !== 45 ||
		(sep !== 84 && sep !== 32 && sep !== 116) ||
		s.charCodeAt(a + 13) !== 58 ||
		s.charCodeAt(a + 16) !== 58
	)
		return Number.NaN;
	if (month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 60) return Number.NaN;
	let i = a + 19;
	let fraction = 0;
	if (i < b && s.charCodeAt(i) === 46) {
		i++;
		let digits = 0;
		let value = 0;
		while (i < b) {
			const c = s.charCodeAt(i) - 48;
			if (c < 0 || c > 9) break;
			if (digits < 9) {
				value = value * 10 + c;
				digits++;
			}
			i++;
		}
		if (digits === 0) return Number.NaN;
		fraction = (value * 1000) / TimeCache.pow10[digits]!;
	}
	let offsetMinutes = 0;
	if (i < b) {
		const z = s.charCodeAt(i);
		if (z === 90 || z === 122) {
			i++;
		} else if ((z === 43 || z === 45) && b - i === 6 && s.charCodeAt(i + 3) === 58) {
			const oh = twoDigits(s, i + 1);
			const om = twoDigits(s, i + 4);
			if (oh < 0 || oh > 23 || om < 0 || om > 59) return Number.NaN;
			offsetMinutes = (z === 43 ? 1 : -1) * (oh * 60 + om);
			i += 6;
		} else {
			return Number.NaN;
		}
	}
	if (i !== b) return Number.NaN;
	const ymd = year * 10000 + month * 100 + day;
	let days: number;
	if (ymd === TimeCache.ymd) {
		days = TimeCache.days;
	} else {
		// Days from the civil date (H. Hinnant's algorithm), proleptic Gregorian.
		const y = month <= 2 ? year - 1 : year;
		const era = Math.floor(y / 400);
		const yoe = y - era * 400;
		const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
		const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
		days = era * 146097 + doe - 719468;
		TimeCache.ymd = ymd;
		TimeCache.days = days;
	}
	return (days * 86400 + hour * 3600 + minute * 60 + second - offsetMinutes * 60) * 1000 + fraction;
}

/** The last civil date converted (log lines share it), and powers of ten for fractions. */
export class TimeCache {
	static ymd = -1;
	static days = 0;
	static readonly pow10: readonly number[] = [1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000];
}

/** Two ASCII digits at i as a number; negative when either is not a digit. */
function twoDigits(s: string, i: number): number {
	const h = s.charCodeAt(i) - 48;
	const l = s.charCodeAt(i + 1) - 48;
	if (h < 0 || h > 9 || l < 0 || l > 9) return -10000;
	return h * 10 + l;
}

/** A decimal number written as digits with the decimal point `shift` places further right, exactly rounded. */
function shiftedDecimal(whole: string, fraction: string, shift: number): number {
	const digits = whole + fraction;
	const point = whole.length + shift;
	if (point <= 0) return Number(`0.${'0'.repeat(-point)}${digits}`);
	if (point >= digits.length) return Number(digits + '0'.repeat(point - digits.length));
	return Number(`${digits.slice(0, point)}.${digits.slice(point)}`);
}

/** A Go time.Duration string ("0.824728242s", "492.906ms", "1m2.5s", "3µs") in ms; NaN when invalid. */
export function parseGoDurationMs(text: string): number {
	const n = text.length;
	if (n === 0) return Number.NaN;
	let i = 0;
	let sign = 1;
	const first = text.charCodeAt(0);
	if (first === 45 || first === 43) {
		sign = first === 45 ? -1 : 1;
		i = 1;
	}
	if (text === '0' || (i === 1 && n === 2 && text.charCodeAt(1) === 48)) return 0;
	if (i >= n) return Number.NaN;
	let total = 0;
	while (i < n) {
		const start = i;
		while (i < n && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) i++;
		const whole = text.slice(start, i);
		let fraction = '';
		if (i < n && text.charCodeAt(i) === 46) {
			const f = ++i;
			while (i < n && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) i++;
			fraction = text.slice(f, i);
		}
		if (whole === '' && fraction === '') return Number.NaN;
		const c = text.charCodeAt(i);
		const c2 = i + 1 < n ? text.charCodeAt(i + 1) : 0;
		if (c === 110 && c2 === 115) {
			// ns
			total += shiftedDecimal(whole, fraction, -6);
			i += 2;
		} else if ((c === 117 || c === 0xb5 || c === 0x3bc) && c2 === 115) {
			// us µs μs
			total += shiftedDecimal(whole, fraction, -3);
			i += 2;
		} else if (c === 109 && c2 === 115) {
			// ms
			total += shiftedDecimal(whole, fraction, 0);
			i += 2;
		} else if (c === 115) {
			total += shiftedDecimal(whole, fraction, 3);
			i += 1;
		} else if (c === 109) {
			total += shiftedDecimal(whole, fraction, 0) * 60_000;
			i += 1;
		} else if (c === 104) {
			total += shiftedDecimal(whole, fraction, 0) * 3_600_000;
			i += 1;
		} else {
			return Number.NaN;
		}
	}
	return sign * total;
}

/** Go's strconv.ParseBool, which the API server uses for `watch` and friends. */
export function parseGoBool(v: string): boolean {
	return v === 'true' || v === '1' || v === 't' || v === 'T' || v === 'TRUE' || v === 'True';
}

/** One query value or key, `+` as space and percent escapes decoded; undefined when malformed (Go skips those pairs). */
export function decodeQueryPart(text: string): string | undefined {
	if (text.indexOf('%') < 0 && text.indexOf('+') < 0) return text;
	try {
		return decodeURIComponent(text.replace(/\+/g, ' '));
	} catch {
		return undefined;
	}
}

/** The query parameter a key names, as a bit (0 for keys not read); keys are compared in place. */
function queryKeyBit(uri: string, a: number, b: number): number {
	switch (b - a) {
		case 5:
			if (uri.startsWith('watch', a)) return 1;
			if (uri.startsWith('limit', a)) return 2;
			return 0;
		case 8:
			return uri.startsWith('continue', a) ? 4 : 0;
		case 13:
			if (uri.startsWith('labelSelector', a)) return 32;
			if (uri.startsWith('fieldSelector', a)) return 64;
			return 0;
		case 13 + 2:
			return uri.startsWith('resourceVersion', a) ? 8 : 0;
		case 20:
			return uri.startsWith('resourceVersionMatch', a) ? 16 : 0;
		case 14:
			return uri.startsWith('timeoutSeconds', a) ? 512 : 0;
		case 17:
			return uri.startsWith('sendInitialEvents', a) ? 128 : 0;
		case 19:
			return uri.startsWith('allowWatchBookmarks', a) ? 256 : 0;
		default:
			return 0;
	}
}

/** Sets `path` and the query fields of a record from its requestURI (first occurrence of a key wins). */
export function applyQuery(r: AuditRecord, uri: string): void {
	const qi = uri.indexOf('?');
	if (qi < 0) {
		r.path = uri;
		return;
	}
	r.path = uri.slice(0, qi);
	let seen = 0;
	let i = qi + 1;
	const n = uri.length;
	// Keys are compared in place unless the query has escapes somewhere.
	const escapes = uri.indexOf('%', qi) >= 0 || uri.indexOf('+', qi) >= 0;
	while (i < n) {
		let amp = uri.indexOf('&', i);
		if (amp < 0) amp = n;
		if (amp > i) {
			let eq = uri.indexOf('=', i);
			if (eq < 0 || eq > amp) eq = amp;
			let bit: number;
			if (escapes) {
				const key = decodeQueryPart(uri.slice(i, eq));
				bit = key === undefined ? 0 : queryKeyBit(key, 0, key.length);
			} else {
				bit = queryKeyBit(uri, i, eq);
			}
			if (bit !== 0 && (seen & bit) === 0) {
				const value = decodeQueryPart(eq < amp ? uri.slice(eq + 1, amp) : '');
				if (value !== undefined) {
					seen |= bit;
					switch (bit) {
						case 1:
							r.watch = parseGoBool(value);
							break;
						case 2: {
							const l = /^[0-9]+$/.test(value) ? Number(value) : Number.NaN;
							r.limit = l > 0 ? l : Number.NaN;
							break;
						}
						case 4:
							r.hasContinue = value !== '';
							break;
						case 8:
							r.resourceVersion = value;
							break;
						case 16:
							r.resourceVersionMatch = value;
							break;
						case 32:
							r.labelSelector = value;
							break;
						case 64:
							r.fieldSelector = value;
							break;
						case 128:
							r.sendInitialEvents = parseGoBool(value);
							break;
						case 256:
							r.allowWatchBookmarks = parseGoBool(value);
							break;
						default:
							r.timeoutSeconds = /^[0-9]+$/.test(value) ? Number(value) : Number.NaN;
					}
				}
			}
		}
		i = amp + 1;
	}
}

/**
 * Resource, namespace, name, subresource and group from a resource path, the way the API
 * server's RequestInfo resolver reads it (`/api/v1/namespaces/ns/pods/name/status`,
 * `/apis/g/v/...`, the legacy `/api/v1/watch/...`). Used when an event has no objectRef.
 */
export function applyResourcePath(r: AuditRecord, path: string): void {
	const parts = path.split('/');
	let i: number;
	if (parts[1] === 'api' && parts.length > 2) {
		r.apiGroup = '';
		r.apiVersion = parts[2]!;
		i = 3;
	} else if (parts[1] === 'apis' && parts.length > 3) {
		r.apiGroup = parts[2]!;
		r.apiVersion = parts[3]!;
		i = 4;
	} else {
		return;
	}
	if (parts[i] === 'watch') i++;
	if (i >= parts.length || parts[i] === '') return;
	if (parts[i] === 'namespaces' && i + 1 < parts.length && parts[i + 1] !== '') {
		r.namespace = parts[i + 1]!;
		const next = parts[i + 2];
		if (next !== undefined && next !== '' && next !== 'status' && next !== 'finalize') {
			i += 2;
		} else {
			r.resource = 'namespaces';
			r.name = parts[i + 1]!;
			r.subresource = next ?? '';
			r.namespace = '';
			return;
		}
	}
	r.resource = parts[i] ?? '';
	r.name = parts[i + 1] ?? '';
	r.subresource = parts[i + 2] ?? '';
}

/** This module's part of the worker kernel (see README.md). */
export function fieldsKernel(): unknown[] {
	return [parseTimestampMs, TimeCache, twoDigits, shiftedDecimal, parseGoDurationMs, parseGoBool, decodeQueryPart, queryKeyBit, applyQuery, applyResourcePath];
}
