/**
 * The controller's scheduled (live) analyses run one pane at a time with a turn of the event
 * loop between two, so input is handled between panes; a synchronous refresh supersedes a
 * stepped one under way; changes that arrive meanwhile are analyzed after it.
 */
import test from 'ava';
import {AppController, type WatchersSource} from '../../source/app/controller.js';
import type {PaneView} from '../../source/model/finding.js';

/** An audit-log stand-in whose version the test moves; its pane counts its analyses. */
function fakeWatchers(): WatchersSource & {bump(): void; analyzed: number} {
	const listeners = new Set<() => void>();
	const source = {
		version: 1,
		analyzed: 0,
		analyze(): PaneView {
			source.analyzed++;
			return {pane: 'watchers', title: 'watchers', header: [`analysis ${source.analyzed}`], columns: [], rows: [], findings: []};
		},
		info: () => undefined,
		onChange(listener: () => void) {
			listeners.add(listener);
			return () => listeners.delete(listener);
		},
		bump() {
			source.version++;
			for (const listener of listeners) listener();
		},
	};
	return source;
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

test('a stepped analysis lets the event loop run between two panes and emits the views once, at the end', async (t) => {
	const watchers = fakeWatchers();
	const order: string[] = [];
	const controller = new AppController({watchers, readOnly: true, live: false, betweenPanes: () => order.push('pane')});
	order.length = 0;
	watchers.bump();
	controller.on('views', () => order.push('views'));
	setImmediate(() => order.push('input'));
	await controller.refreshInSteps();
	t.deepEqual(order, ['pane', 'input', 'pane', 'pane', 'pane', 'pane', 'views']);
	t.deepEqual(controller.views.watchers.header, ['analysis 2']);
	t.deepEqual(Object.keys(controller.views).sort(), ['autoscaling', 'etcd', 'qos', 'watchers']);
	t.is(controller.views.qos.unavailable, 'no cluster: reading an audit log only');
	// Nothing changed since: no analysis, a tick.
	let ticks = 0;
	controller.on('tick', () => ticks++);
	await controller.refreshInSteps();
	t.is(watchers.analyzed, 2);
	t.is(ticks, 1);
	controller.dispose();
});

test('a refresh() during a stepped analysis supersedes it: the older result is never emitted', async (t) => {
	const watchers = fakeWatchers();
	const controller = new AppController({watchers, readOnly: true, live: false});
	watchers.bump();
	const emitted: string[][] = [];
	controller.on('views', (views) => emitted.push(views.watchers.header));
	const stepped = controller.refreshInSteps();
	watchers.bump();
	controller.refresh();
	await stepped;
	await turn();
	t.deepEqual(emitted, [['analysis 2']], 'only the synchronous refresh');
	t.is(watchers.analyzed, 2, 'the superseded one stopped before the watchers pane');
	controller.dispose();
});

test('changes during a stepped analysis are analyzed after it; dispose stops one under way', async (t) => {
	const watchers = fakeWatchers();
	const controller = new AppController({watchers, readOnly: true, minIntervalMs: 0});
	const emitted: string[][] = [];
	controller.on('views', (views) => emitted.push(views.watchers.header));
	watchers.version++; // Changed, without telling anyone yet.
	const stepped = controller.refreshInSteps();
	watchers.bump(); // Arrives while the first one runs.
	await stepped;
	t.deepEqual(emitted, [['analysis 2']]);
	for (let i = 0; i < 500 && emitted.length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 2));
	t.deepEqual(emitted, [['analysis 2'], ['analysis 3']], 'one more analysis, for the change that came meanwhile');
	// Disposed in the middle of one: it stops, and emits nothing.
	watchers.version++;
	const last = controller.refreshInSteps();
	controller.dispose();
	await last;
	await turn();
	t.is(emitted.length, 2);
});
