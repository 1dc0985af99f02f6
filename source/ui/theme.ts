/**
 * How the terminal can draw: colour or not (NO_COLOR, TERM=dumb, not a TTY), Unicode or
 * ASCII (a non-UTF-8 locale), and the glyphs and colours that follow from that. Every
 * component takes a Theme; nothing else looks at the environment.
 */
import {detectTerminal} from './terminal.js';

export interface Theme {
	color: boolean;
	unicode: boolean;
	glyphs: {
		ellipsis: string;
		cursor: string;
		sortAsc: string;
		sortDesc: string;
		bullet: string;
		separator: string;
		barFull: string;
		barEmpty: string;
		arrow: string;
	};
	/** Ink colour names (undefined when colour is off). */
	colors: {
		critical?: string;
		warning?: string;
		info?: string;
		ok?: string;
		dim?: string;
		accent?: string;
		selectedBackground?: string;
	};
}

export function makeTheme(options: {color: boolean; unicode: boolean}): Theme {
	const {color, unicode} = options;
	return {
		color,
		unicode,
		glyphs: unicode
			? {ellipsis: '…', cursor: '▶', sortAsc: '▲', sortDesc: '▼', bullet: '•', separator: '│', barFull: '█', barEmpty: '░', arrow: '→'}
			: {ellipsis: '~', cursor: '>', sortAsc: '^', sortDesc: 'v', bullet: '*', separator: '|', barFull: '#', barEmpty: '.', arrow: '->'},
		colors: color ? {critical: 'red', warning: 'yellow', info: 'cyan', ok: 'green', dim: 'gray', accent: 'blue', selectedBackground: 'blue'} : {},
	};
}

export function themeFromEnvironment(env: NodeJS.ProcessEnv = process.env, stream: NodeJS.WriteStream = process.stdout): Theme {
	const terminal = detectTerminal(env, stream);
	return makeTheme({color: terminal.color, unicode: terminal.unicode});
}

const ASCII_FALLBACKS: Array<[RegExp, string]> = [
	[/≠/g, '!='],
	[/≤/g, '<='],
	[/≥/g, '>='],
	[/→/g, '->'],
	[/←/g, '<-'],
	[/↔/g, '<->'],
	[/…/g, '...'],
	[/×/g, 'x'],
	[/—|–/g, '-'],
	[/·/g, '.'],
	[/“|”/g, '"'],
	[/‘|’/g, "'"],
	[/▲/g, '^'],
	[/▼/g, 'v'],
	[/µ/g, 'u'],
];

/** Our own text (not cluster strings, which go through the sanitizer) for an ASCII terminal. */
export function asciiText(text: string, theme: Theme): string {
	if (theme.unicode) return text;
	let out = text;
	for (const [pattern, replacement] of ASCII_FALLBACKS) out = out.replace(pattern, replacement);
	return out.replace(/[^\x20-\x7e]/g, '?');
}
