/**
 * Keys through Ink (ink-testing-library) into the whole app, at 80×24, on views set by the
 * test: three j written at once move the cursor three rows; ↑ ↓ PgUp PgDn in the detail
 * view scroll it (to its end, the remedies) and never ask the remedy engine for anything;
 * the row under the cursor stays under it when the controller's next views re-sort the
 * rows; the autoscaling series draws its flapping as alternating cells.
 */
import test, {type ExecutionContext} from 'ava';
import {render} from 'ink-testing-library';
import {AppController, type Views} from '../../source/app/controller.js';
import type {Finding, Pane, PaneView, Row} from '../../source/model/finding.js';
import type {RemedyEngine} from '../../source/remedies/engine.js';
import {Screen} from '../../source/ui/screen.js';
import {makeTheme} from '../../source/ui/theme.js';
import {eventually, sleep} from '../helpers/sim.js';

const theme = makeTheme({color: false, unicode: true});
const DOWN = '\u001B[B';
const UP = '\u001B[A';
const PGDN = '\u001B[6~';
const PGUP = '\u001B[5~';

function finding(name: string, pane: Pane): Finding {
	return {
		id: `hpa-flapping/checkout/HorizontalPodAutoscaler/${name}`,
		pane,
		type: 'hpa-flapping',
		severity: 'critical',
		subject: {kind: 'HorizontalPodAutoscaler', namespace: 'checkout', name},
		summary: `HPA ${name} reversed 36 times in 60 min`,
		evidence: {
			reversals60m: 36,
			churnPerHour: 38.1,
			swings: 37,
			points: 60,
			approximatePoints: 0,
			meanReplicas: 6.5,
			largestSwing: 7,
			observedMinutes: 60,
			scaleDownWindowSeconds: 0,
			scaleUpWindowSeconds: 0,
			suggestedScaleDownWindowSeconds: 600,
			medianSecondsBetweenReversals: 92,
			flappingSinceSecondsAgo: 1500,
		},
		remedies: [{id: 'dampen-hpa', title: `Patch HPA ${name}: scaleDown.stabilizationWindowSeconds 0 → 600`}],
		detail: [
			'Reversed direction 36 times in the last 60 minutes.',
			'Behavior: down 0s up 0s.',
			'The remedy changes scaleDown.stabilizationWindowSeconds 0 → 600.',
		],
		series: {label: 'replicas, last 60 min (one value per minute)', values: Array.from({length: 60}, (_, i) => (i % 2 === 0 ? 3 : 10)), stepSeconds: 60},
	};
}

function paneView(pane: Pane, names: readonly string[]): PaneView {
	const findings = names.map((name) => finding(name, pane));
	const rows: Row[] = names.map((name, i) => ({id: name, cells: {name}, findingIds: [findings[i]!.id], severity: 'critical'}));
	return {pane, title: pane, header: ['one line of pane header'], columns: [{key: 'name', title: 'NAME', width: 30, priority: 10}], rows, findings};
}

function viewsOf(etcd: readonly string[], autoscaling: readonly string[] = ['checkout-web']): Views {
	return {etcd: paneView('etcd', etcd), watchers: paneView('watchers', []), autoscaling: paneView('autoscaling', autoscaling), qos: paneView('qos', [])};
}

/** A remedy engine that records what it is asked and never answers. */
function recordingEngine(): {engine: RemedyEngine; asked: string[]} {
	const asked: string[] = [];
	const engine = {
		prepare: (f: Finding, remedyId: string) => {
			asked.push(`prepare ${f.id} ${remedyId}`);
			return new Promise(() => undefined);
		},
		prepareUndo: () => {
			asked.push('prepareUndo');
			return new Promise(() => undefined);
		},
		apply: () => {
			asked.push('apply');
			return new Promise(() => undefined);
		},
		lastApplied: () => undefined,
	} as unknown as RemedyEngine;
	return {engine, asked};
}

function start(t: ExecutionContext, views: Views, firstPane: Pane = 'etcd') {
	const controller = new AppController({readOnly: false, live: false});
	controller.views = views;
	const {engine, asked} = recordingEngine();
	const ui = render(<Screen controller={controller} engine={engine} theme={theme} readOnly={false} width={80} height={24} firstPane={firstPane} />);
	// Unmounted however the test ends: the app's header timer would keep the worker alive.
	t.teardown(() => ui.unmount());
	const frame = () => ui.lastFrame() ?? '';
	const cursorLine = () =>
		frame()
			.split('\n')
			.find((line) => line.startsWith('▶')) ?? '';
	const until = (check: (frame: string) => boolean, what: string) => eventually(() => check(frame()), 5000, `${what}; the last frame was:\n${frame()}`);
	const write = async (data: string) => {
		ui.stdin.write(data);
		await sleep(data.startsWith('\u001B') ? 120 : 60);
	};
	return {controller, ui, asked, frame, cursorLine, until, write};
}

test('three j in one write move the cursor three rows', async (t) => {
	const app = start(t, viewsOf(['row-0', 'row-1', 'row-2', 'row-3', 'row-4', 'row-5']));
	await app.until(() => app.cursorLine().includes('row-0'), 'the first frame');
	await app.write('jjj');
	await app.until(() => app.cursorLine().includes('row-3'), 'the cursor on row-3');
	await app.write('jk');
	await app.until(() => app.cursorLine().includes('row-3'), 'j then k in one write');
	await app.write('2');
	await app.write('1jj');
	await app.until(() => app.cursorLine().includes('row-5'), '"1jj": the etcd pane, then two rows down');
	t.pass();
});

test('↑ ↓ PgUp PgDn in the detail view scroll to the remedies and ask the engine nothing', async (t) => {
	const app = start(t, viewsOf(['x']), 'autoscaling');
	await app.until((f) => f.includes('checkout-web'), 'the autoscaling pane');
	await app.write('\r');
	await app.until((f) => f.includes('CRITICAL HPA checkout-web'), 'the detail view');
	t.false(app.frame().includes('Remedies:'), 'at 80×24 the remedies are below at first');
	for (const key of [DOWN, PGDN, UP, PGUP, DOWN, PGDN, PGDN, PGDN]) await app.write(key);
	t.false(app.frame().includes('Confirm'), 'no dialog');
	t.deepEqual(app.asked, [], 'no access check and no dry run went out');
	await app.until((f) => f.includes('Remedies:'), 'the end of the detail view');
	t.regex(app.frame(), /a {2}Patch HPA checkout-web/);
	t.regex(app.frame(), /↑ more above/);
	await app.write('g');
	await app.until((f) => /↓ more below/.test(f), 'back at the top, more below');
	for (const line of app.frame().split('\n')) t.true([...line].length <= 80, line);
});

test('the detail view shows evidence in words and the flapping as alternating cells', async (t) => {
	const app = start(t, viewsOf(['x']), 'autoscaling');
	await app.until((f) => f.includes('checkout-web'), 'the autoscaling pane');
	await app.write('\r');
	const frame = await app.until((f) => f.includes('reversals, last 60 min:'), 'the evidence').then(() => app.frame());
	t.false(/reversals60m|churnPerHour/.test(frame), 'no raw keys');
	t.true(
		frame.split('\n').some((line) => line.startsWith('▁█▁█▁█▁█▁█▁█▁█▁█▁█▁█')),
		frame,
	);
	t.regex(frame, /-60m .* now/);
	t.regex(frame, /min 3 max 10/);
	await app.write('G');
	await app.until((f) => f.includes('suggested scale-down window:'), 'more evidence');
	t.regex(app.frame(), /suggested scale-down window: +600 s \(10 min\)/);
});

test('the row under the cursor stays under it when the next views re-sort the rows', async (t) => {
	const app = start(t, viewsOf(['pods', 'jobs', 'events', 'secrets']));
	await app.until(() => app.cursorLine().includes('pods'), 'the first frame');
	// Byte estimates arrive: the table re-sorts, pods is now third; the user has not moved.
	app.controller.views = viewsOf(['jobs', 'events', 'pods', 'secrets']);
	app.controller.emit('views', app.controller.views);
	await app.until((f) => f.split('\n').findIndex((l) => l.includes('jobs')) < f.split('\n').findIndex((l) => l.includes('pods')), 'the re-sorted frame');
	t.true(app.cursorLine().includes('pods'), app.frame());
	await app.write('j');
	await app.until(() => app.cursorLine().includes('secrets'), 'one row down from pods');
	app.controller.views = viewsOf(['secrets', 'pods', 'jobs', 'events']);
	app.controller.emit('views', app.controller.views);
	await sleep(100);
	t.true(app.cursorLine().includes('secrets'), app.frame());
	await app.write('\r');
	await app.until((f) => f.includes('HPA secrets reversed'), 'Enter opens the finding of the row under the cursor');
	t.pass();
});
