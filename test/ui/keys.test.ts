/**
 * Keys as the UI handles them: a run of characters read at once becomes one key per
 * character (control characters spelled out), Ink's named keys stay one key, and the key
 * table's specs match what they say; the table itself has one action per key and mode.
 */
import test from 'ava';
import type {Key} from 'ink';
import {helpGroups, KEY_TABLE, keysOf, lookup, MODES} from '../../source/ui/key-table.js';
import {keyPresses, keysLabel, matches, splitTyped} from '../../source/ui/keys.js';

const NO_KEY: Key = {
	upArrow: false,
	downArrow: false,
	leftArrow: false,
	rightArrow: false,
	pageDown: false,
	pageUp: false,
	home: false,
	end: false,
	return: false,
	escape: false,
	ctrl: false,
	shift: false,
	tab: false,
	backspace: false,
	delete: false,
	meta: false,
	super: false,
	hyper: false,
	capsLock: false,
	numLock: false,
};

test('a run of plain characters is one key each, in order', (t) => {
	t.deepEqual(keyPresses('jjj', NO_KEY), [{text: 'j'}, {text: 'j'}, {text: 'j'}]);
	t.deepEqual(
		keyPresses('2j', NO_KEY).map((k) => k.text),
		['2', 'j'],
	);
	t.deepEqual(splitTyped('/ab\r'), [{text: '/'}, {text: 'a'}, {text: 'b'}, {text: '', name: 'return'}]);
	t.deepEqual(splitTyped('a\tb\x7f\b\x03'), [
		{text: 'a'},
		{text: '', name: 'tab'},
		{text: 'b'},
		{text: '', name: 'delete'},
		{text: '', name: 'backspace'},
		{text: 'c', ctrl: true},
	]);
	t.deepEqual(
		splitTyped('é👍🏽x').map((k) => k.text),
		['é', '👍🏽', 'x'],
		'by grapheme',
	);
	t.deepEqual(splitTyped('\x1c\x9bz'), [{text: 'z'}], 'controls we do not know are no keys');
});

test('a named key from Ink stays one key, with its modifiers', (t) => {
	t.deepEqual(keyPresses('', {...NO_KEY, downArrow: true}), [{text: '', name: 'down'}]);
	t.deepEqual(keyPresses('', {...NO_KEY, pageUp: true}), [{text: '', name: 'pageup'}]);
	t.deepEqual(keyPresses('', {...NO_KEY, tab: true, shift: true}), [{text: '', name: 'tab', shift: true}]);
	t.deepEqual(keyPresses('', {...NO_KEY, escape: true, meta: true}), [{text: '', name: 'escape'}]);
	t.deepEqual(keyPresses('c', {...NO_KEY, ctrl: true}), [{text: 'c', ctrl: true}]);
	t.deepEqual(keyPresses('3', {...NO_KEY, meta: true}), [{text: '', name: 'escape'}, {text: '3'}], 'ESC 3 in one read: Esc, then 3');
});

test('specs match what they name and nothing else', (t) => {
	t.true(matches('j', {text: 'j'}));
	t.false(matches('j', {text: 'j', ctrl: true}));
	t.false(matches('j', {text: '', name: 'down'}));
	t.true(matches('down', {text: '', name: 'down'}));
	t.true(matches('ctrl+c', {text: 'c', ctrl: true}));
	t.false(matches('c', {text: 'c', ctrl: true}));
	t.true(matches('shift+tab', {text: '', name: 'tab', shift: true}));
	t.false(matches('tab', {text: '', name: 'tab', shift: true}));
	t.false(matches('a', {text: ''}), "the empty key matches no letter (the detail view's arrows once opened remedy a)");
});

test('the key table: one action per key in each mode, and every key is reachable', (t) => {
	for (const mode of MODES) {
		const seen = new Map<string, string>();
		for (const binding of KEY_TABLE.filter((b) => b.modes.includes(mode))) {
			for (const [action, specs] of Object.entries(binding.keys)) {
				for (const spec of specs!) {
					t.false(seen.has(spec) && seen.get(spec) !== action, `${mode}: ${spec} is both ${seen.get(spec)} and ${action}`);
					seen.set(spec, action);
				}
			}
		}
	}
	// An arrow never means a letter's action in any mode.
	for (const mode of MODES) for (const name of ['up', 'down', 'pageup', 'pagedown'] as const) t.not(lookup(mode, {text: '', name})?.action, 'remedyByLetter');
});

test('the help lists the keys the app binds (r is the remedy key, as dispatched)', (t) => {
	const lines = helpGroups().flatMap((g) => g.bindings.map((b) => `${b.keys}  ${b.action}`));
	t.true(
		lines.some((l) => /^r {2}the first remedy/.test(l)),
		lines.join('\n'),
	);
	t.false(
		lines.some((l) => /^f /.test(l)),
		'no f key',
	);
	t.deepEqual(keysOf('remedy', 'table'), ['r']);
	t.is(lookup('table', {text: 'r'})?.action, 'remedy');
	t.true(lines.some((l) => l.startsWith('1-4  ')));
	t.is(keysLabel(['a', 'b', 'c', 'd']), 'a-d');
	t.is(keysLabel(['n', 'escape']), 'n Esc');
	t.is(keysLabel(['backspace', 'delete', 'left']), '⌫ ←');
});
