/**
 * HelpOverlay: every group and binding, widths at 80 and 50 columns, Unicode or ASCII
 * borders, scrolling within the height, closing keys, no colour codes without colour.
 */
import test from 'ava';
import {render} from 'ink-testing-library';
import {HelpOverlay, helpOverlayLines} from '../../source/ui/components/help-overlay.js';
import {helpGroups} from '../../source/ui/key-table.js';
import {lineText} from '../../source/ui/table-layout.js';
import {displayWidth} from '../../source/text/width.js';
import {plain, ascii, colour, tick, frameLines} from '../helpers/ink.js';

test('a tall overlay shows every group and every binding', (t) => {
	const {lastFrame, unmount} = render(<HelpOverlay width={80} height={60} theme={plain} />);
	const frame = lastFrame() ?? '';
	for (const group of ['Navigation', 'Panes', 'Table', 'Remedies', 'General']) t.true(frame.includes(group), group);
	// Long descriptions wrap: their first words are on the line of their keys.
	for (const group of helpGroups()) for (const binding of group.bindings) t.true(frame.includes(binding.action.slice(0, 20)), binding.action);
	t.true(frameLines(frame)[0]!.startsWith('┌─ Keys '));
	t.true(frameLines(frame).at(-1)!.startsWith('└─ Esc close ─'), 'nothing to scroll: no position');
	unmount();
});

test('every line fits at 80 and 50 columns and the height is kept', (t) => {
	for (const width of [80, 50]) {
		for (const theme of [plain, ascii, colour]) {
			const {lastFrame, unmount} = render(<HelpOverlay width={width} height={24} theme={theme} />);
			const shown = frameLines((lastFrame() ?? '').replace(/\x1b\[[0-9;]*m/g, ''));
			t.is(shown.length, 24);
			for (const line of shown) t.is(displayWidth(line), width, JSON.stringify(line));
			unmount();
		}
	}
});

test('ASCII borders and key names on an ASCII terminal', (t) => {
	const {lastFrame, unmount} = render(<HelpOverlay width={50} height={24} theme={ascii} />);
	const shown = frameLines(lastFrame());
	t.true(shown.every((line) => /^[\x20-\x7e]*$/.test(line)));
	t.true(shown[0]!.startsWith('+- Keys -'));
	t.true(shown[1]!.startsWith('| Navigation'));
	t.true(shown.some((line) => line.includes('Down j / Up k')));
	t.true(shown.at(-1)!.startsWith('+- Esc close  Up/Down scroll  1-22 of '));
	unmount();
});

test('scrolls within the height with j, k, PgDn, g and G', async (t) => {
	const {lastFrame, stdin, unmount} = render(<HelpOverlay width={80} height={12} theme={plain} />);
	await tick();
	const body = () =>
		frameLines(lastFrame())
			.slice(1, -1)
			.map((l) => l.slice(2, -2).trim());
	t.is(body()[0], 'Navigation');
	t.false(body().includes('General'));
	stdin.write('j');
	await tick();
	t.true(body()[0]!.startsWith('↓ j / ↑ k'), body()[0]);
	stdin.write('k');
	await tick();
	t.is(body()[0], 'Navigation');
	stdin.write('k');
	await tick();
	t.is(body()[0], 'Navigation', 'clamped at the top');
	stdin.write('G');
	await tick();
	t.true(body().includes('General'));
	t.true(body().at(-1)!.startsWith('q  '), 'the last line at the bottom');
	t.regex(frameLines(lastFrame()).at(-1)!, /of 42 ─/);
	stdin.write('j');
	await tick();
	t.true(body().at(-1)!.startsWith('q  '), 'clamped at the bottom');
	stdin.write('g');
	await tick();
	t.is(body()[0], 'Navigation');
	stdin.write('\x1b[6~');
	await tick();
	t.not(body()[0], 'Navigation', 'PgDn');
	unmount();
});

test('Esc, ? and q close it', async (t) => {
	for (const key of ['\x1b', '?', 'q']) {
		let closed = 0;
		const {stdin, unmount} = render(<HelpOverlay width={80} height={24} theme={plain} onClose={() => closed++} />);
		await tick();
		stdin.write(key);
		await tick();
		t.is(closed, 1, JSON.stringify(key));
		unmount();
	}
});

test('offsets are clamped and the bottom border says where you are', (t) => {
	const far = helpOverlayLines(helpGroups(), 80, 10, 999, plain);
	t.is(far.offset, far.maxOffset);
	t.regex(lineText(far.lines.at(-1)!), /35–42 of 42/);
	const custom = helpOverlayLines([{title: 'Only', bindings: [{keys: 'x', action: 'a\x1b[31mb'}]}], 40, 10, 0, plain);
	t.is(custom.lines.length, 4);
	t.false(
		custom.lines.some((l) => lineText(l).includes('\x1b')),
		'even our own texts cannot carry escapes',
	);
});

test('colour codes only with a colour theme', (t) => {
	const coloured = render(<HelpOverlay width={80} height={24} theme={colour} />);
	t.true((coloured.lastFrame() ?? '').includes('\x1b['), 'positive control');
	coloured.unmount();
	for (const theme of [plain, ascii]) {
		const {lastFrame, unmount} = render(<HelpOverlay width={80} height={24} theme={theme} />);
		t.false((lastFrame() ?? '').includes('\x1b['));
		unmount();
	}
});
