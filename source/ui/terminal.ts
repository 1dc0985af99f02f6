/**
 * What the terminal we draw on can do: colour, Unicode, and its size. Decided once at
 * start-up from the environment and the output stream, so the rest of the UI never reads
 * process.env itself.
 *
 * - color: off when NO_COLOR is set to anything non-empty (no-color.org), when TERM is
 *   "dumb", or when the stream is not a TTY.
 * - unicode: the first non-empty of LC_ALL, LC_CTYPE, LANG decides (POSIX precedence);
 *   it is on only when that value names UTF-8 ("en_US.UTF-8", "C.utf8"). "C", "POSIX",
 *   other charsets ("en_US.ISO-8859-1", "en_US") and no locale at all mean ASCII.
 * - columns/rows: the stream's size when it reports a positive one, else COLUMNS/LINES
 *   from the environment, else 80×24.
 */

export interface TerminalInfo {
	color: boolean;
	unicode: boolean;
	columns: number;
	rows: number;
}

/** The parts of a tty.WriteStream that detection reads. */
export interface TerminalStream {
	isTTY?: boolean;
	columns?: number;
	rows?: number;
}

export type Environment = Readonly<Record<string, string | undefined>>;

export const FALLBACK_COLUMNS = 80;
export const FALLBACK_ROWS = 24;

const UTF8 = /utf-?8/i;

export function detectTerminal(env: Environment = process.env, stream: TerminalStream = process.stdout): TerminalInfo {
	return {
		color: detectColor(env, stream),
		unicode: detectUnicode(env),
		columns: size(stream.columns, env['COLUMNS'], FALLBACK_COLUMNS),
		rows: size(stream.rows, env['LINES'], FALLBACK_ROWS),
	};
}

function detectColor(env: Environment, stream: TerminalStream): boolean {
	if ((env['NO_COLOR'] ?? '') !== '') return false;
	if (env['TERM'] === 'dumb') return false;
	return stream.isTTY === true;
}

/** The locale that governs character encoding: LC_ALL, then LC_CTYPE, then LANG. */
export function effectiveLocale(env: Environment): string {
	for (const name of ['LC_ALL', 'LC_CTYPE', 'LANG']) {
		const value = env[name];
		if (value !== undefined && value !== '') return value;
	}
	return '';
}

function detectUnicode(env: Environment): boolean {
	return UTF8.test(effectiveLocale(env));
}

function size(fromStream: number | undefined, fromEnv: string | undefined, fallback: number): number {
	if (fromStream !== undefined && Number.isInteger(fromStream) && fromStream > 0) return fromStream;
	if (fromEnv !== undefined && /^[0-9]+$/.test(fromEnv)) {
		const value = Number(fromEnv);
		if (value > 0 && value < 100_000) return value;
	}
	return fallback;
}
