import test from 'ava';
import {detectTerminal, effectiveLocale, type Environment, type TerminalStream} from '../../source/ui/terminal.js';

const TTY: TerminalStream = {isTTY: true, columns: 120, rows: 40};
const UTF8_ENV: Environment = {LANG: 'en_US.UTF-8', TERM: 'xterm-256color'};

test('a UTF-8 TTY gets colour, Unicode and its own size', (t) => {
	t.deepEqual(detectTerminal(UTF8_ENV, TTY), {color: true, unicode: true, columns: 120, rows: 40});
});

const colorCases: Array<[string, Environment, TerminalStream, boolean]> = [
	['plain TTY', {TERM: 'xterm'}, TTY, true],
	['NO_COLOR=1', {TERM: 'xterm', NO_COLOR: '1'}, TTY, false],
	['NO_COLOR=0 still disables', {TERM: 'xterm', NO_COLOR: '0'}, TTY, false],
	['NO_COLOR empty is ignored', {TERM: 'xterm', NO_COLOR: ''}, TTY, true],
	['TERM=dumb', {TERM: 'dumb'}, TTY, false],
	['no TERM at all', {}, TTY, true],
	['not a TTY', {TERM: 'xterm'}, {isTTY: false, columns: 120, rows: 40}, false],
	['isTTY missing (pipe)', {TERM: 'xterm'}, {}, false],
];

for (const [name, env, stream, color] of colorCases) {
	test(`color: ${name}`, (t) => {
		t.is(detectTerminal(env, stream).color, color);
	});
}

const unicodeCases: Array<[string, Environment, boolean]> = [
	['LANG=en_US.UTF-8', {LANG: 'en_US.UTF-8'}, true],
	['LANG=C.utf8', {LANG: 'C.utf8'}, true],
	['LANG=de_DE.utf-8', {LANG: 'de_DE.utf-8'}, true],
	['LANG=C', {LANG: 'C'}, false],
	['LANG=POSIX', {LANG: 'POSIX'}, false],
	['LANG=en_US.ISO-8859-1', {LANG: 'en_US.ISO-8859-1'}, false],
	['LANG=en_US without charset', {LANG: 'en_US'}, false],
	['no locale at all', {}, false],
	['LANG empty', {LANG: ''}, false],
	['LC_ALL=C beats a UTF-8 LANG', {LC_ALL: 'C', LANG: 'en_US.UTF-8'}, false],
	['LC_ALL UTF-8 beats LANG=C', {LC_ALL: 'en_US.UTF-8', LANG: 'C'}, true],
	['LC_CTYPE beats LANG', {LC_CTYPE: 'C', LANG: 'en_US.UTF-8'}, false],
	['empty LC_ALL is skipped', {LC_ALL: '', LC_CTYPE: 'en_US.UTF-8', LANG: 'C'}, true],
	['empty LC_ALL and LC_CTYPE fall to LANG', {LC_ALL: '', LC_CTYPE: '', LANG: 'C.UTF-8'}, true],
	['LC_ALL beats LC_CTYPE', {LC_ALL: 'POSIX', LC_CTYPE: 'en_US.UTF-8'}, false],
	['LC_MESSAGES does not count', {LC_MESSAGES: 'en_US.UTF-8', LANG: 'C'}, false],
];

for (const [name, env, unicode] of unicodeCases) {
	test(`unicode: ${name}`, (t) => {
		t.is(detectTerminal(env, TTY).unicode, unicode);
	});
}

test('effectiveLocale follows LC_ALL, LC_CTYPE, LANG', (t) => {
	t.is(effectiveLocale({LC_ALL: 'a', LC_CTYPE: 'b', LANG: 'c'}), 'a');
	t.is(effectiveLocale({LC_CTYPE: 'b', LANG: 'c'}), 'b');
	t.is(effectiveLocale({LC_ALL: '', LANG: 'c'}), 'c');
	t.is(effectiveLocale({}), '');
});

const sizeCases: Array<[string, Environment, TerminalStream, number, number]> = [
	['stream size wins', {COLUMNS: '100', LINES: '50'}, {isTTY: true, columns: 132, rows: 43}, 132, 43],
	['COLUMNS/LINES when the stream has no size', {COLUMNS: '100', LINES: '50'}, {isTTY: false}, 100, 50],
	['80x24 fallback', {}, {isTTY: false}, 80, 24],
	['zero size from the stream falls back', {}, {isTTY: true, columns: 0, rows: 0}, 80, 24],
	['garbage COLUMNS falls back', {COLUMNS: 'wide', LINES: '-3'}, {}, 80, 24],
	['COLUMNS=0 falls back', {COLUMNS: '0', LINES: '0'}, {}, 80, 24],
	['fractional stream size falls back', {}, {isTTY: true, columns: 80.5, rows: NaN}, 80, 24],
];

for (const [name, env, stream, columns, rows] of sizeCases) {
	test(`size: ${name}`, (t) => {
		const info = detectTerminal(env, stream);
		t.is(info.columns, columns);
		t.is(info.rows, rows);
	});
}

test('the dumb, colourless, C-locale jump box of the design brief', (t) => {
	t.deepEqual(detectTerminal({TERM: 'dumb', NO_COLOR: '1', LANG: 'C'}, {isTTY: true}), {
		color: false,
		unicode: false,
		columns: 80,
		rows: 24,
	});
});
