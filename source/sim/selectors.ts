/**
 * Label and field selectors as the API server parses and applies them
 * (k8s.io/apimachinery/pkg/labels and pkg/fields): `a=b`, `a==b`, `a!=b`,
 * `a in (x,y)`, `a notin (x)`, `a`, `!a`, `a>1`, `a<1` for labels; `=`, `==`, `!=` for
 * fields, with `\,` `\=` `\\` escapes. Invalid selectors throw SelectorError (a 400).
 */
export class SelectorError extends Error {}

type LabelOp = 'exists' | 'notexists' | 'eq' | 'neq' | 'in' | 'notin' | 'gt' | 'lt';
interface LabelRequirement {
	key: string;
	op: LabelOp;
	values: string[];
}

export type LabelSelector = (labels: Record<string, string> | undefined) => boolean;

const KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function checkKey(key: string): void {
	const name = key.includes('/') ? key.slice(key.indexOf('/') + 1) : key;
	if (!KEY.test(key) || name.length > 63) throw new SelectorError(`unable to parse requirement: invalid label key "${key}"`);
}

function checkValue(value: string): void {
	if (value.length > 63 || !VALUE.test(value)) throw new SelectorError(`unable to parse requirement: invalid label value: "${value}"`);
}

/** Split on commas that are not inside parentheses. */
function splitTop(text: string): string[] {
	const parts: string[] = [];
	let depth = 0;
	let start = 0;
	for (let i = 0; i < text.length; i++) {
		const c = text[i];
		if (c === '(') depth++;
		else if (c === ')') depth--;
		else if (c === ',' && depth === 0) {
			parts.push(text.slice(start, i));
			start = i + 1;
		}
	}
	parts.push(text.slice(start));
	return parts;
}

function parseRequirement(raw: string): LabelRequirement {
	const text = raw.trim();
	if (text === '') throw new SelectorError("unable to parse requirement: found '', expected: identifier");
	const setMatch = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(text);
	if (setMatch) {
		const key = setMatch[1]!;
		checkKey(key);
		const values = setMatch[3]!.split(',').map((v) => v.trim());
		for (const v of values) checkValue(v);
		return {key, op: setMatch[2] as 'in' | 'notin', values};
	}
	if (text.startsWith('!')) {
		const key = text.slice(1).trim();
		checkKey(key);
		return {key, op: 'notexists', values: []};
	}
	const opMatch = /^([^=!<>\s]+)\s*(==|!=|=|>|<)\s*(.*)$/.exec(text);
	if (opMatch) {
		const key = opMatch[1]!;
		const value = opMatch[3]!.trim();
		checkKey(key);
		const op = opMatch[2]!;
		if (op === '>' || op === '<') {
			if (!/^-?\d+$/.test(value)) throw new SelectorError(`unable to parse requirement: for 'Gt', 'Lt' operators, the value must be an integer`);
			return {key, op: op === '>' ? 'gt' : 'lt', values: [value]};
		}
		checkValue(value);
		return {key, op: op === '!=' ? 'neq' : 'eq', values: [value]};
	}
	checkKey(text);
	return {key: text, op: 'exists', values: []};
}

export function parseLabelSelector(text: string | undefined | null): LabelSelector | undefined {
	if (text === undefined || text === null || text.trim() === '') return undefined;
	const requirements = splitTop(text).map(parseRequirement);
	return (labels) => requirements.every((r) => matchLabel(r, labels ?? {}));
}

/** A label selector object (matchLabels/matchExpressions) as in a Deployment's spec.selector. */
export function labelSelectorFromObject(
	selector: {matchLabels?: Record<string, string>; matchExpressions?: Array<{key: string; operator: string; values?: string[]}>} | undefined,
): LabelSelector {
	const requirements: LabelRequirement[] = [];
	for (const [key, value] of Object.entries(selector?.matchLabels ?? {})) requirements.push({key, op: 'eq', values: [value]});
	for (const e of selector?.matchExpressions ?? []) {
		const op = ({In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: 'notexists'} as Record<string, LabelOp>)[e.operator];
		if (!op) throw new SelectorError(`"${e.operator}" is not a valid label selector operator`);
		requirements.push({key: e.key, op, values: e.values ?? []});
	}
	return (labels) => requirements.every((r) => matchLabel(r, labels ?? {}));
}

function matchLabel(r: LabelRequirement, labels: Record<string, string>): boolean {
	const has = Object.hasOwn(labels, r.key);
	const value = labels[r.key];
	switch (r.op) {
		case 'exists':
			return has;
		case 'notexists':
			return !has;
		case 'eq':
			return has && value === r.values[0];
		case 'neq':
			return !has || value !== r.values[0];
		case 'in':
			return has && r.values.includes(value!);
		case 'notin':
			return !has || !r.values.includes(value!);
		case 'gt':
			return has && /^-?\d+$/.test(value!) && Number(value) > Number(r.values[0]);
		case 'lt':
			return has && /^-?\d+$/.test(value!) && Number(value) < Number(r.values[0]);
	}
}

interface FieldRequirement {
	field: string;
	value: string;
	negate: boolean;
}

export type FieldSelector = {
	fields: string[];
	/** The exact value this selector pins a field to (metadata.name=x), if any. */
	pinned(field: string): string | undefined;
	matches(values: Record<string, string>): boolean;
};

function unescapeField(value: string): string {
	return value.replace(/\\(.)/g, '$1');
}

function splitUnescaped(text: string, separator: string): string[] {
	const parts: string[] = [];
	let current = '';
	for (let i = 0; i < text.length; i++) {
		const c = text[i]!;
		if (c === '\\' && i + 1 < text.length) {
			current += c + text[i + 1];
			i++;
		} else if (c === separator) {
			parts.push(current);
			current = '';
		} else current += c;
	}
	parts.push(current);
	return parts;
}

/**
 * Parse a field selector. `supported` lists the field labels the type allows; any other
 * field is a 400 ("field label not supported").
 */
export function parseFieldSelector(text: string | undefined | null, supported: Iterable<string>): FieldSelector | undefined {
	if (text === undefined || text === null || text.trim() === '') return undefined;
	const allowed = new Set(supported);
	const requirements: FieldRequirement[] = [];
	for (const part of splitUnescaped(text, ',')) {
		const m = /^([^=!]+?)\s*(==|!=|=)(.*)$/s.exec(part.trim());
		if (!m) throw new SelectorError(`invalid selector: '${text}'; can't understand '${part}'`);
		const field = m[1]!.trim();
		if (!allowed.has(field)) throw new SelectorError(`field label not supported: ${field}`);
		requirements.push({field, value: unescapeField(m[3]!), negate: m[2] === '!='});
	}
	return {
		fields: requirements.map((r) => r.field),
		pinned: (field) => requirements.find((r) => r.field === field && !r.negate)?.value,
		matches: (values) => requirements.every((r) => (values[r.field] === r.value) !== r.negate),
	};
}
