/**
 * Keys as the UI handles them: one `KeyPress` per key, however the terminal delivered
 * them. Ink hands a handler one read from the terminal at a time; escape sequences (arrows,
 * PgUp) come alone, but a run of plain characters read at once — typed ahead, a held key,
 * anything over a slow SSH link, a paste — arrives as one string ("jjj", "2j", "/inv\r").
 * `keyPresses` splits such a string into its keys (by grapheme, so an emoji stays one key),
 * spelling out the control characters inside it (CR is Enter, TAB is Tab, DEL is the
 * Backspace key, ^C is Ctrl-C), so every key is handled, in order. ESC followed by a
 * character is Esc and that character (no key of ours uses Alt). Two ESCs read at once
 * reach us as one Esc: Ink reports them as Alt-Esc, which we cannot tell from Esc.
 *
 * A key is matched against specs written as text, which is how the key table declares them:
 * a printable character ("j", "G", "?", " "), a named key ("down", "pageup", "return",
 * "escape", "tab", "backspace", …), or a modifier and either ("ctrl+c", "shift+tab").
 */
import type {Key} from 'ink';

export type KeyName = 'up' | 'down' | 'left' | 'right' | 'pageup' | 'pagedown' | 'home' | 'end' | 'return' | 'escape' | 'tab' | 'backspace' | 'delete';

export interface KeyPress {
	/** The character typed (one grapheme), or '' for a named key. With `ctrl`, the letter. */
	text: string;
	name?: KeyName;
	ctrl?: boolean;
	meta?: boolean;
	shift?: boolean;
}

/** A key as the key table writes it: "j", "down", "ctrl+c", "shift+tab". */
export type KeySpec = string;

const FLAG_NAMES: ReadonlyArray<[keyof Key, KeyName]> = [
	['upArrow', 'up'],
	['downArrow', 'down'],
	['leftArrow', 'left'],
	['rightArrow', 'right'],
	['pageUp', 'pageup'],
	['pageDown', 'pagedown'],
	['home', 'home'],
	['end', 'end'],
	['return', 'return'],
	['escape', 'escape'],
	['tab', 'tab'],
	['backspace', 'backspace'],
	['delete', 'delete'],
];

let segmenter: Intl.Segmenter | undefined;

/** One key per grapheme of a run of characters read at once, control characters spelled out. */
export function splitTyped(text: string): KeyPress[] {
	segmenter ??= new Intl.Segmenter();
	const out: KeyPress[] = [];
	for (const {segment} of segmenter.segment(text)) {
		if (segment === '\r' || segment === '\n' || segment === '\r\n') out.push({text: '', name: 'return'});
		else if (segment === '\t') out.push({text: '', name: 'tab'});
		// DEL is what the Backspace key sends on nearly every terminal; Ink calls it "delete".
		else if (segment === '\x7f') out.push({text: '', name: 'delete'});
		else if (segment === '\b') out.push({text: '', name: 'backspace'});
		else if (segment === '\x1b') out.push({text: '', name: 'escape', meta: true});
		else if (segment.length === 1 && segment >= '\x01' && segment <= '\x1a') out.push({text: String.fromCharCode(segment.charCodeAt(0) + 96), ctrl: true});
		// Other C0 and C1 controls are no keys we know.
		else if (/^[\x00-\x1f\x7f-\x9f]$/.test(segment)) continue;
		else out.push({text: segment});
	}
	return out;
}

/** The keys of one input event from Ink (`useInput`'s arguments), in order. */
export function keyPresses(input: string, key: Key): KeyPress[] {
	for (const [flag, name] of FLAG_NAMES) {
		if (key[flag] === true)
			return [{text: '', name, ...(key.shift ? {shift: true} : {}), ...(key.ctrl ? {ctrl: true} : {}), ...(key.meta && name !== 'escape' ? {meta: true} : {})}];
	}
	if (key.ctrl && input.length === 1) return [{text: input.toLowerCase(), ctrl: true}];
	// ESC and a character in one read is what Alt-<character> sends, and also Esc typed just
	// before that character (over SSH, typed ahead). The UI binds no Alt key: it is Esc, then the rest.
	if (key.meta && input !== '') return [{text: '', name: 'escape'}, ...splitTyped(input)];
	return splitTyped(input);
}

/** Whether `press` is the key `spec` names. */
export function matches(spec: KeySpec, press: KeyPress): boolean {
	if ([...spec].length === 1) return press.name === undefined && press.text === spec && !press.ctrl && !press.meta;
	const plus = spec.lastIndexOf('+');
	if (plus > 0 && plus < spec.length - 1) {
		const modifier = spec.slice(0, plus);
		const base = spec.slice(plus + 1);
		if (modifier === 'ctrl') return press.ctrl === true && (press.text === base || press.name === base);
		if (modifier === 'shift') return press.shift === true && press.name === base;
		return false;
	}
	// Shift-Tab is not Tab; Shift-↓ is still ↓.
	if (spec === 'tab' && press.shift) return false;
	return press.name === spec && !press.ctrl;
}

/** Whether a key types text (a printable character without Ctrl or Alt). */
export function isPrintable(press: KeyPress): boolean {
	return press.name === undefined && press.text !== '' && !press.ctrl && !press.meta;
}

const UNICODE_NAMES: Readonly<Record<string, string>> = {
	up: '↑',
	down: '↓',
	left: '←',
	right: '→',
	pageup: 'PgUp',
	pagedown: 'PgDn',
	home: 'Home',
	end: 'End',
	return: 'Enter',
	escape: 'Esc',
	tab: 'Tab',
	backspace: '⌫',
	delete: '⌫',
	' ': 'Space',
};

/** A key spec as a person reads it: "↓", "PgDn", "Ctrl-C", "Shift-Tab", "j". */
export function keyLabel(spec: KeySpec): string {
	const plus = spec.lastIndexOf('+');
	if (plus > 0 && plus < spec.length - 1) {
		const modifier = spec.slice(0, plus);
		const base = spec.slice(plus + 1);
		return `${modifier[0]!.toUpperCase()}${modifier.slice(1)}-${UNICODE_NAMES[base] ?? base.toUpperCase()}`;
	}
	return UNICODE_NAMES[spec] ?? spec;
}

/** Several keys as one label: runs of consecutive digits or letters collapse ("1-4", "a-h"). */
export function keysLabel(specs: readonly KeySpec[]): string {
	const parts: string[] = [];
	let i = 0;
	while (i < specs.length) {
		let j = i;
		const single = (s: KeySpec) => s.length === 1 && /[0-9a-z]/.test(s);
		while (single(specs[i]!) && j + 1 < specs.length && single(specs[j + 1]!) && specs[j + 1]!.charCodeAt(0) === specs[j]!.charCodeAt(0) + 1) j++;
		parts.push(j - i >= 2 ? `${specs[i]}-${specs[j]}` : keyLabel(specs[i]!));
		if (j - i === 1) parts.push(keyLabel(specs[j]!));
		i = j + 1;
	}
	// Backspace and DEL are one key to a person.
	return parts.filter((part, k) => part !== parts[k - 1]).join(' ');
}
