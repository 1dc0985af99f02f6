/**
 * A corpus for the audit input fault tests: good events, each ended in one of several ways,
 * among lines corrupted at random (bits flipped, cut short, binary, invalid UTF-8, JSON that
 * is not an event) and blank lines, with what the decoder must make of it: the good events'
 * keys in order, and the skips by reason.
 */
import {recordFromEvent} from '../../../source/audit/record.js';
import {keysOf} from '../../audit/helpers.js';
import {countBy, int, prng} from './helpers.js';

const NOT_EVENTS = [
	'{}',
	'{"kind":"Event"}',
	'{"kind":"Pod","apiVersion":"v1","metadata":{"name":"web-0","namespace":"shop"}}',
	'{"auditID":"x","verb":"get"}',
	'{"event":{"kind":"Event","apiVersion":"audit.k8s.io/v1"}}',
	'{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[]}',
	'{"records":[]}',
	'[]',
	'"just a string"',
	'42',
	'-1.5e3',
	'null',
	'true',
	'false',
];

/** Not an audit event, and one skip: the decoder's own reference says so. */
function isBad(bytes: Buffer): boolean {
	if (bytes.includes(10) || bytes.includes(13)) return false;
	const text = bytes.toString('utf8').replace(/^[ \t\r\uFEFF]+/, '');
	if (text === '' || text.includes('AUDIT: ') || /^\d\S* \{/.test(text)) return false;
	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch {
		return true;
	}
	if (Array.isArray(value)) return value.length === 0;
	if (typeof value !== 'object' || value === null) return true;
	const wrapper = ['records', 'category', 'log_s', 'AuditId', 'Type', 'logStreamName', 'logEvents', 'events', 'results', 'protoPayload', 'items'];
	if (wrapper.some((k) => k in value))
		return (value as {records?: unknown[]; items?: unknown[]}).records?.length === 0 || (value as {items?: unknown[]}).items?.length === 0;
	return recordFromEvent(value, 'native') === null;
}

/** The skip reason the decoder gives a bad line. */
function reasonOf(bytes: Buffer): string {
	const text = bytes.toString('utf8').replace(/^[ \t\r\uFEFF]+/, '');
	if (text.startsWith('{') || text.startsWith('[')) {
		try {
			JSON.parse(text);
			return 'not-audit';
		} catch {
			return 'invalid-json';
		}
	}
	return 'not-json';
}

export interface Corpus {
	bytes: Buffer;
	goodKeys: string[];
	bad: number;
	blank: number;
	reasons: Record<string, number>;
	kinds: Record<string, number>;
}

export function corruptedCorpus(seed: number, goodLines: readonly string[], badCount: number, utf8InEvents = true): Corpus {
	const random = prng(seed);
	const parts: Buffer[] = [];
	const goodKeys: string[] = [];
	const reasons: string[] = [];
	const kinds: string[] = [];
	let blank = 0;
	let g = 0;
	let bad = 0;
	const total = goodLines.length + badCount;
	const pick = (): Buffer => Buffer.from(goodLines[int(random, goodLines.length)]!);
	for (let i = 0; i < total; i++) {
		// The first line is a good event (a lone `{` or `[` there would make the file one document).
		const wantGood = i === 0 || (g < goodLines.length && (bad >= badCount || random() < goodLines.length / total));
		if (wantGood) {
			const line = goodLines[g++]!;
			const variant = int(random, 10);
			if (variant === 0) parts.push(Buffer.from(`${line}\r\n`));
			else if (variant === 1) parts.push(Buffer.from(` \t\uFEFF${line}\n`));
			else if (variant === 2 && utf8InEvents) {
				// Invalid UTF-8 inside the user agent's string: decoded as U+FFFD, the event counts.
				const at = line.indexOf('"userAgent":"') + 13;
				parts.push(Buffer.concat([Buffer.from(line.slice(0, at)), Buffer.from([0xff, 0xc0, 0xaf, 0xed, 0xa0, 0x80]), Buffer.from(`${line.slice(at)}\n`)]));
			} else parts.push(Buffer.from(`${line}\n`));
			goodKeys.push(keysOf([line])[0]!);
		} else {
			let bytes: Buffer;
			const kind = ['flipped', 'cut', 'binary', 'invalid-utf8', 'json-not-event'][int(random, 5)]!;
			for (;;) {
				if (kind === 'flipped') {
					bytes = Buffer.from(pick());
					for (let k = 1 + int(random, 3); k > 0; k--) {
						const at = int(random, bytes.length);
						bytes[at] = bytes[at]! ^ (1 + int(random, 255));
					}
				} else if (kind === 'cut') {
					const line = pick();
					bytes = line.subarray(0, 1 + int(random, line.length - 1));
				} else if (kind === 'binary') {
					bytes = Buffer.alloc(1 + int(random, 300));
					for (let k = 0; k < bytes.length; k++) bytes[k] = int(random, 256);
					bytes[0] = 0x80 + int(random, 128);
				} else if (kind === 'invalid-utf8') {
					const junk = [[0xff], [0xfe, 0xff], [0xc3, 0x28], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xe2, 0x82]][int(random, 7)]!;
					bytes =
						random() < 0.5
							? Buffer.concat([Buffer.from(junk), Buffer.from(`audit ${int(random, 1e6)}`), Buffer.from(junk)])
							: Buffer.concat([Buffer.from('{'), Buffer.from(junk), pick().subarray(1)]);
				} else {
					bytes = Buffer.from(NOT_EVENTS[int(random, NOT_EVENTS.length)]!);
				}
				if (isBad(bytes)) break;
			}
			parts.push(bytes, Buffer.from('\n'));
			reasons.push(reasonOf(bytes));
			kinds.push(kind);
			bad++;
		}
		// Blank and whitespace-only lines, ignored.
		if (random() < 0.03) {
			parts.push(Buffer.from(['\n', '   \n', '\t\n', '\r\n', '\uFEFF\n'][int(random, 5)]!));
			blank++;
		}
	}
	return {bytes: Buffer.concat(parts), goodKeys, bad, blank, reasons: countBy(reasons), kinds: countBy(kinds)};
}
