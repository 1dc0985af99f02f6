/**
 * JSON text read keeping each scalar's spelling, for json-patch v4's `test`, which
 * compares values by their bytes.
 */
import {goJson, isJsonObject} from './json.js';

/**
 * A JSON value as its text spells it: scalars keep their text. json-patch v4 compares a
 * `test` value with the document scalar by scalar, byte for byte (lazyNode.equal:
 * bytes.Equal of the compacted raw text), so `600.0` is not `600` and `"a&b"` is not the
 * server's `"a\u0026b"` (the document is the object as Go's encoding/json writes it).
 */
export type RawJson = {kind: 'scalar'; text: string} | {kind: 'array'; items: RawJson[]} | {kind: 'object'; entries: Map<string, RawJson>};

/** Parses a JSON text keeping each scalar's text; throws a SyntaxError on text JSON.parse would refuse. */
export function parseRawJson(text: string): RawJson {
	let at = 0;
	const fail = (): never => {
		throw new SyntaxError(`unexpected input at ${at}`);
	};
	const space = (): void => {
		while (at < text.length && ' \t\n\r'.includes(text[at]!)) at++;
	};
	const stringEnd = (): number => {
		let i = at + 1;
		while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
		if (i >= text.length) fail();
		return i + 1;
	};
	/** The members of an object or array, from its opening bracket to `close`, each read by `member`. */
	const members = (close: string, member: () => void): void => {
		at++;
		space();
		if (text[at] === close) {
			at++;
			return;
		}
		for (;;) {
			member();
			space();
			if (text[at] !== ',') break;
			at++;
		}
		if (text[at] !== close) fail();
		at++;
	};
	const value = (): RawJson => {
		space();
		const c = text[at];
		if (c === '{') {
			const entries = new Map<string, RawJson>();
			members('}', () => {
				space();
				if (text[at] !== '"') fail();
				const end = stringEnd();
				const key = JSON.parse(text.slice(at, end)) as string;
				at = end;
				space();
				if (text[at] !== ':') fail();
				at++;
				entries.set(key, value());
			});
			return {kind: 'object', entries};
		}
		if (c === '[') {
			const items: RawJson[] = [];
			members(']', () => items.push(value()));
			return {kind: 'array', items};
		}
		if (c === '"') {
			const end = stringEnd();
			const raw = text.slice(at, end);
			at = end;
			return {kind: 'scalar', text: raw};
		}
		const match = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null/y;
		match.lastIndex = at;
		const found = match.exec(text);
		if (!found) fail();
		at += found![0].length;
		return {kind: 'scalar', text: found![0]};
	};
	const out = value();
	space();
	if (at !== text.length) fail();
	return out;
}

/** json-patch v4's equality of a document value and a test value given as text (see RawJson). */
export function rawEqual(document: unknown, raw: RawJson): boolean {
	if (Array.isArray(document))
		return raw.kind === 'array' && raw.items.length === document.length && document.every((item, i) => rawEqual(item, raw.items[i]!));
	if (isJsonObject(document)) {
		if (raw.kind !== 'object') return false;
		const keys = Object.keys(document);
		if (keys.length !== raw.entries.size) return false;
		return keys.every((key) => {
			const other = raw.entries.get(key);
			if (other === undefined) return false;
			// A JSON null decodes to a nil node on both sides; nil equals only nil.
			const nil = document[key] === null;
			const otherNil = other.kind === 'scalar' && other.text === 'null';
			if (nil || otherNil) return nil === otherNil;
			return rawEqual(document[key], other);
		});
	}
	return raw.kind === 'scalar' && goJson(document) === raw.text;
}
