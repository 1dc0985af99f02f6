/**
 * Writes audit events exactly as kube-apiserver's log backend does (audit.k8s.io/v1
 * Event, level Metadata so never a body): fields in the Event struct's order with Go's
 * omitempty, map keys (user.extra, annotations) sorted as encoding/json sorts them,
 * MicroTime with six fraction digits, Go's Duration.String for latency annotations, and
 * Go's string escaping — `<`, `>`, `&` as \u003c, \u003e, \u0026, U+2028/2029 escaped,
 * control characters as \n, \r, \t, \b, \f or \u00XX, invalid UTF-16 as U+FFFD.
 */

export interface SimUserInfo {
	username: string;
	uid?: string;
	groups?: string[];
	extra?: Record<string, string[]>;
}

export interface SimObjectRef {
	resource?: string;
	namespace?: string;
	name?: string;
	uid?: string;
	apiGroup?: string;
	apiVersion?: string;
	resourceVersion?: string;
	subresource?: string;
}

export interface SimResponseStatus {
	code: number;
	status?: string;
	message?: string;
	reason?: string;
	/** Written as `"details":{"retryAfterSeconds":N}` etc.: already sorted, numbers or strings. */
	details?: Record<string, string | number>;
}

export interface SimAuditEvent {
	level?: 'Metadata' | 'Request' | 'RequestResponse' | 'None';
	auditID: string;
	stage: 'RequestReceived' | 'ResponseStarted' | 'ResponseComplete' | 'Panic';
	requestURI: string;
	verb: string;
	user: SimUserInfo;
	impersonatedUser?: SimUserInfo;
	sourceIPs?: string[];
	userAgent?: string;
	objectRef?: SimObjectRef;
	responseStatus?: SimResponseStatus;
	requestReceivedMs: number;
	stageMs: number;
	annotations?: Record<string, string>;
}

function hex4(code: number): string {
	return code.toString(16).padStart(4, '0');
}

/** A JSON string as Go's encoding/json writes it (HTML-safe escaping on). */
export function goJsonString(s: string): string {
	if (!/[<>&"\\\u0000-\u001f\u2028\u2029\ud800-\udfff]/.test(s)) return `"${s}"`;
	let out = '"';
	for (let i = 0; i < s.length; i++) {
		const c = s.charCodeAt(i);
		if (c >= 0xd800 && c <= 0xdfff) {
			const next = s.charCodeAt(i + 1);
			if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
				out += s[i]! + s[i + 1]!;
				i++;
			} else {
				out += '\\ufffd';
			}
			continue;
		}
		switch (c) {
			case 0x22:
				out += '\\"';
				break;
			case 0x5c:
				out += '\\\\';
				break;
			case 0x0a:
				out += '\\n';
				break;
			case 0x0d:
				out += '\\r';
				break;
			case 0x09:
				out += '\\t';
				break;
			case 0x08:
				out += '\\b';
				break;
			case 0x0c:
				out += '\\f';
				break;
			case 0x3c:
			case 0x3e:
			case 0x26:
			case 0x2028:
			case 0x2029:
				out += `\\u${hex4(c)}`;
				break;
			default:
				out += c < 0x20 ? `\\u${hex4(c)}` : s[i]!;
		}
	}
	return `${out}"`;
}

/** The last whole second formatted (timestamps of a log share it). */
const secondCache = {second: Number.NaN, text: ''};

/** metav1.MicroTime: RFC 3339 in UTC with exactly six fraction digits. */
export function microTime(ms: number): string {
	let micros = Math.round(ms * 1000);
	const second = Math.floor(micros / 1_000_000);
	micros -= second * 1_000_000;
	if (second !== secondCache.second) {
		secondCache.second = second;
		secondCache.text = new Date(second * 1000).toISOString().slice(0, 19);
	}
	return `${secondCache.text}.${String(micros).padStart(6, '0')}Z`;
}

function trimFraction(whole: number, fraction: number, digits: number): string {
	if (fraction === 0) return String(whole);
	return `${whole}.${String(fraction).padStart(digits, '0').replace(/0+$/, '')}`;
}

/** Go's time.Duration.String for a duration in ms (rounded to whole nanoseconds). */
export function goDuration(ms: number): string {
	let ns = Math.round(ms * 1e6);
	if (ns === 0) return '0s';
	const negative = ns < 0;
	if (negative) ns = -ns;
	let out: string;
	if (ns < 1e3) out = `${ns}ns`;
	else if (ns < 1e6) out = `${trimFraction(Math.floor(ns / 1e3), ns % 1e3, 3)}\u00b5s`;
	else if (ns < 1e9) out = `${trimFraction(Math.floor(ns / 1e6), ns % 1e6, 6)}ms`;
	else {
		const totalSeconds = Math.floor(ns / 1e9);
		const seconds = `${trimFraction(totalSeconds % 60, ns % 1e9, 9)}s`;
		const minutes = Math.floor(totalSeconds / 60);
		if (minutes === 0) out = seconds;
		else if (minutes < 60) out = `${minutes}m${seconds}`;
		else out = `${Math.floor(minutes / 60)}h${minutes % 60}m${seconds}`;
	}
	return negative ? `-${out}` : out;
}

function sortedMap(map: Record<string, string>, value: (v: string) => string): string {
	const keys = Object.keys(map).sort(compareGo);
	return `{${keys.map((k) => `${goJsonString(k)}:${value(map[k]!)}`).join(',')}}`;
}

/** Go sorts map keys by their bytes (UTF-8), which for our keys is code-unit order. */
function compareGo(a: string, b: string): number {
	return a < b ? -1 : a > b ? 1 : 0;
}

function userInfo(u: SimUserInfo): string {
	let out = '{';
	const parts: string[] = [];
	if (u.username !== '') parts.push(`"username":${goJsonString(u.username)}`);
	if (u.uid !== undefined && u.uid !== '') parts.push(`"uid":${goJsonString(u.uid)}`);
	if (u.groups !== undefined && u.groups.length > 0) parts.push(`"groups":[${u.groups.map(goJsonString).join(',')}]`);
	if (u.extra !== undefined && Object.keys(u.extra).length > 0) {
		const keys = Object.keys(u.extra).sort(compareGo);
		parts.push(`"extra":{${keys.map((k) => `${goJsonString(k)}:[${u.extra![k]!.map(goJsonString).join(',')}]`).join(',')}}`);
	}
	out += parts.join(',');
	return `${out}}`;
}

function objectRef(r: SimObjectRef): string {
	const parts: string[] = [];
	for (const key of ['resource', 'namespace', 'name', 'uid', 'apiGroup', 'apiVersion', 'resourceVersion', 'subresource'] as const) {
		const v = r[key];
		if (v !== undefined && v !== '') parts.push(`"${key}":${goJsonString(v)}`);
	}
	return `{${parts.join(',')}}`;
}

function status(s: SimResponseStatus): string {
	const parts = ['"metadata":{}'];
	if (s.status !== undefined && s.status !== '') parts.push(`"status":${goJsonString(s.status)}`);
	if (s.message !== undefined && s.message !== '') parts.push(`"message":${goJsonString(s.message)}`);
	if (s.reason !== undefined && s.reason !== '') parts.push(`"reason":${goJsonString(s.reason)}`);
	if (s.details !== undefined && Object.keys(s.details).length > 0) {
		parts.push(
			`"details":{${Object.entries(s.details)
				.map(([k, v]) => `${goJsonString(k)}:${typeof v === 'number' ? String(v) : goJsonString(v)}`)
				.join(',')}}`,
		);
	}
	if (s.code !== 0) parts.push(`"code":${s.code}`);
	return `{${parts.join(',')}}`;
}

/** One event as one line of the native audit log (without the newline). */
export function writeAuditEvent(e: SimAuditEvent): string {
	let out = `{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"${e.level ?? 'Metadata'}","auditID":${goJsonString(e.auditID)},"stage":"${e.stage}","requestURI":${goJsonString(e.requestURI)},"verb":${goJsonString(e.verb)},"user":${userInfo(e.user)}`;
	if (e.impersonatedUser !== undefined) out += `,"impersonatedUser":${userInfo(e.impersonatedUser)}`;
	if (e.sourceIPs !== undefined && e.sourceIPs.length > 0) out += `,"sourceIPs":[${e.sourceIPs.map(goJsonString).join(',')}]`;
	if (e.userAgent !== undefined && e.userAgent !== '') out += `,"userAgent":${goJsonString(e.userAgent)}`;
	if (e.objectRef !== undefined) out += `,"objectRef":${objectRef(e.objectRef)}`;
	if (e.responseStatus !== undefined) out += `,"responseStatus":${status(e.responseStatus)}`;
	out += `,"requestReceivedTimestamp":"${microTime(e.requestReceivedMs)}","stageTimestamp":"${microTime(e.stageMs)}"`;
	if (e.annotations !== undefined && Object.keys(e.annotations).length > 0) out += `,"annotations":${sortedMap(e.annotations, goJsonString)}`;
	return `${out}}`;
}
