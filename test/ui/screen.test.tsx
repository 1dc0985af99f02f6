/**
 * The whole app (Ink, through ink-testing-library) against the simulator: findings appear in
 * every pane; a remedy runs plan → dry run → diff → confirm (focus on Cancel, so Enter does
 * nothing) → apply → journal → undo, driven by keys only; a concurrent edit is a conflict
 * that re-plans instead of clobbering; a forbidden remedy is shown disabled with its
 * reason; --read-only offers no remedy and sends not one mutating request.
 */
import {join} from 'node:path';
import test from 'ava';
import {render} from 'ink-testing-library';
import {AppController} from '../../source/app/controller.js';
import {ScaledClock} from '../../source/clock.js';
import {resolveConfig} from '../../source/kube/kubeconfig.js';
import {remedyApi} from '../../source/remedies/remedy-api.js';
import {Session} from '../../source/kube/session.js';
import {remedyCatalog} from '../../source/remedies/catalog.js';
import {RemedyEngine} from '../../source/remedies/engine.js';
import {Journal} from '../../source/remedies/journal.js';
import type {Simulator, SimulatorOptions} from '../../source/sim/simulator.js';
import {Screen} from '../../source/ui/screen.js';
import {makeTheme} from '../../source/ui/theme.js';
import {eventually, sleep, tempDir, withSim, writeKubeconfig} from '../helpers/sim.js';

interface Harness {
	sim: Simulator;
	journal: Journal;
	frame(): string;
	press(...keys: string[]): Promise<void>;
	until(pattern: RegExp, what: string, timeoutMs?: number): Promise<string>;
}

const ESC = '\u001B';
const DOWN = '\u001B[B';

async function withApp(options: SimulatorOptions & {token?: string; readOnly?: boolean}, fn: (h: Harness) => Promise<void>): Promise<void> {
	await withSim({scenario: 'incident', controllers: false, ...options}, async (sim) => {
		const config = resolveConfig({kubeconfig: writeKubeconfig(sim, {token: options.token}), allNamespaces: true});
		const readOnly = options.readOnly ?? false;
		const session = new Session({config, clock: new ScaledClock(sim.clock.scale, sim.clock.now()), qps: 50, burst: 100, readOnly});
		await session.connect();
		await session.start();
		const journal = new Journal(join(tempDir(), 'journal.jsonl'));
		const engine = readOnly
			? undefined
			: new RemedyEngine(remedyApi(session.client, session.access, 32), journal, {context: 'test', user: 'tester'}, remedyCatalog());
		const controller = new AppController({session, engine, readOnly, minIntervalMs: 100});
		const theme = makeTheme({color: false, unicode: true});
		const ui = render(<Screen controller={controller} engine={engine} theme={theme} readOnly={readOnly} width={110} height={32} />);
		const frame = () => ui.lastFrame() ?? '';
		const harness: Harness = {
			sim,
			journal,
			frame,
			async press(...keys) {
				for (const key of keys) {
					ui.stdin.write(key);
					// Ink reads a lone ESC after a short pause (it may start a sequence).
					await sleep(key === ESC ? 120 : 40);
				}
			},
			async until(pattern, what, timeoutMs = 20_000) {
				await eventually(() => pattern.test(frame()), timeoutMs, `${what}; the last frame was:\n${frame()}`);
				return frame();
			},
		};
		try {
			await session.waitForSync(session.clock.now() + 120_000);
			await fn(harness);
		} finally {
			ui.unmount();
			controller.dispose();
			await session.stop();
		}
	});
}

/**
 * Move the cursor down from the first row until the status line (the row's finding)
 * matches. From the first row: the cursor stays on the row it was on when the rows
 * changed, which during the first analyses may be any row.
 */
async function cursorTo(h: Harness, pattern: RegExp, what: string): Promise<void> {
	const lines = () => h.frame().split('\n');
	const cursorRow = () => lines().findIndex((line) => line.startsWith('▶'));
	const tableTop = () => lines().findIndex((line) => line.startsWith('   ') && /[A-Z]{3}/.test(line)) + 1;
	// While lists are still paged in the status line says "syncing…", not the row's finding.
	await eventually(() => !/^syncing/.test(lines().at(-2) ?? ''), 30_000, `the end of the first sync; the last frame was:\n${h.frame()}`);
	await h.press('g');
	await eventually(() => cursorRow() === tableTop(), 10_000, `the cursor on the first row; the last frame was:\n${h.frame()}`);
	for (let i = 0; i < 40; i++) {
		// The status line is the one above the key hints.
		if (pattern.test(lines().at(-2) ?? '')) return;
		// One row at a time, each seen on screen before the next (a loaded machine renders late).
		const before = cursorRow();
		await h.press(DOWN);
		await eventually(() => cursorRow() !== before, 10_000, `the cursor to move; the last frame was:\n${h.frame()}`);
	}
	throw new Error(`the cursor never reached ${what}; the last frame was:\n${h.frame()}`);
}

/** A remedy dialog that has its diff and buttons (a key pressed while it is still planning is ignored). */
const READY = /\[ Apply \]/;

test.serial('findings appear in all four panes; help, filter, detail and back', async (t) => {
	await withApp({}, async (h) => {
		await h.until(/1 etcd \d+/, 'etcd findings in the tab bar');
		t.regex(h.frame(), /RESOURCE\s+COUNT/);
		await h.press('2');
		await h.until(/2 watchers/, 'the watchers pane');
		await h.press('3');
		await h.until(/checkout-web/, 'the flapping HPA in the autoscaling pane');
		await h.press('4');
		await h.until(/inventory-sync/, 'a Burstable workload in the QoS pane');
		await h.press('?');
		await h.until(/Navigation/, 'the help overlay');
		await h.press(ESC);
		await h.until(/QOS/, 'back to the QoS table');
		await h.press('/', 'i', 'n', 'v', '\r');
		const filtered = await h.until(/\/inv/, 'the filter in the tab bar');
		t.false(/checkout-api/.test(filtered.split('\n').slice(3).join('\n')), 'rows that do not match are hidden');
		await h.press('\r');
		t.regex(await h.until(/INFO Deployment/, 'the detail view'), /inventory-sync/);
		// G scrolls to the end of the view: the remedies.
		await h.press('G');
		const detail = await h.until(/Remedies:/, 'the end of the detail view');
		t.regex(detail, /a {2}Make/i, 'the remedy with its key');
		await h.press(ESC);
		await h.until(/QOS/, 'the table again');
	});
});

test.serial('a remedy by keys: dry run and diff, Enter does not apply, y does; the journal records it; u undoes it', async (t) => {
	await withApp({}, async (h) => {
		await h.press('3');
		await h.until(/checkout-web/, 'the autoscaling pane');
		await cursorTo(h, /checkout-web/, 'the checkout-web HPA');
		await h.press('r');
		// The title names the field at once; the buttons come with the diff, once the dry run has answered.
		const dialog = await h.until(READY, 'the diff of the dry run');
		t.regex(dialog, /stabilizationWindowSeconds: 0/);
		t.regex(dialog, /Cancel/);
		const hpas = h.sim.type('autoscaling', 'horizontalpodautoscalers');
		const before = h.sim.api.get(hpas, 'checkout', 'checkout-web');
		t.true(
			h.sim.requestLog.all().some((e) => e.method === 'PATCH' && e.query.dryRun === 'All'),
			'the server was asked for a dry run',
		);
		// The focus starts on Cancel: Enter closes the dialog and applies nothing.
		await h.press('\r');
		await h.until(/r remedy/, 'the table again');
		await sleep(300);
		t.is(h.sim.api.get(hpas, 'checkout', 'checkout-web').metadata.resourceVersion, before.metadata.resourceVersion, 'Enter on Cancel applied nothing');
		await h.press('r');
		await h.until(READY, 'the dialog again');
		await h.press('y');
		await h.until(/applied \(1 applied\)/, 'the result line');
		const after = h.sim.api.get(hpas, 'checkout', 'checkout-web');
		t.true(after.spec.behavior.scaleDown.stabilizationWindowSeconds >= 300);
		t.is(h.journal.read().length, 1);
		t.is(h.journal.read()[0]!.action, 'apply');

		await h.press('u');
		await h.until(READY, 'the undo diff');
		await h.press('y');
		// The first result's line is still there until the undo's replaces it.
		await h.until(/Undo: [^\n]*applied \(1 applied\)/, 'the undo result');
		t.deepEqual(h.sim.api.get(hpas, 'checkout', 'checkout-web').spec.behavior, before.spec.behavior, 'undo restored the behavior');
		t.is(h.journal.read().at(-1)!.action, 'undo');
		await h.press('u');
		await h.until(/nothing to undo in this session/, 'nothing more to undo');
	});
});

test.serial('a concurrent edit of the field after the dry run: y meets a conflict, the dialog re-plans with the new value', async (t) => {
	await withApp({}, async (h) => {
		await h.press('3');
		await h.until(/checkout-web/, 'the autoscaling pane');
		await cursorTo(h, /checkout-web/, 'the checkout-web HPA');
		await h.press('r');
		await h.until(READY, 'the diff');
		const hpas = h.sim.type('autoscaling', 'horizontalpodautoscalers');
		// Someone else changes the very field the remedy writes (an edit elsewhere would not conflict).
		h.sim.api.patch(
			hpas,
			'checkout',
			'checkout-web',
			'application/merge-patch+json',
			JSON.stringify({spec: {behavior: {scaleDown: {stabilizationWindowSeconds: 120}}}}),
			{user: {name: 'someone-else', groups: []}, fieldManager: 'other'},
		);
		await h.press('y');
		await h.until(/nothing was overwritten/, 'the conflict message');
		t.is(h.sim.api.get(hpas, 'checkout', 'checkout-web').spec.behavior.scaleDown.stabilizationWindowSeconds, 120, 'nothing applied: the other edit stands');
		await h.until(/nothing was overwritten[^]*\[ Apply \]|\[ Apply \][^]*nothing was overwritten/, 're-planned: the dialog is back with a diff');
		t.regex(h.frame(), /stabilizationWindowSeconds: 120/, 'the new diff starts from the other edit');
		t.notRegex(h.frame(), /planning, checking access/);
		await h.press('y');
		await h.until(/applied \(1 applied\)/, 'applied after the re-plan');
		t.true(h.sim.api.get(hpas, 'checkout', 'checkout-web').spec.behavior.scaleDown.stabilizationWindowSeconds >= 300);
	});
});

test.serial('a remedy the user may not perform: the dialog says why and y sends nothing', async (t) => {
	const viewer = {
		https: true,
		token: 'viewer',
		tokens: {viewer: {name: 'viewer', groups: ['system:authenticated']}},
		rbac: [{users: ['viewer'], verbs: ['get', 'list', 'watch'], apiGroups: ['*'], resources: ['*'], nonResourceURLs: ['*']}],
	};
	await withApp(viewer, async (h) => {
		await h.press('3');
		await h.until(/checkout-web/, 'the autoscaling pane');
		await cursorTo(h, /checkout-web/, 'the checkout-web HPA');
		await h.press('r');
		const dialog = await h.until(/cannot|not allowed|forbidden/i, 'the reason');
		t.regex(dialog, /patch/);
		await h.press('y');
		await sleep(500);
		t.false(
			h.sim.requestLog.all().some((e) => e.method === 'PATCH'),
			'no PATCH, not even a dry run',
		);
	});
});

test.serial('--read-only: no remedy key, r says so, and not one request but GET', async (t) => {
	await withApp({readOnly: true}, async (h) => {
		const frame = await h.until(/\[read-only\]/, 'the read-only badge');
		t.false(/r remedy/.test(frame));
		await h.press('3');
		await h.until(/checkout-web/, 'the autoscaling pane');
		await h.press('r');
		await h.until(/read-only: remedies are off/, 'the refusal');
		await h.press('u');
		await h.press('\r');
		const detail = await h.until(/CRITICAL/, 'the detail view');
		t.false(/\ba dampen|\ba {2}\S/.test(detail), 'no remedy key in the detail view');
		t.false(/u undo/.test(detail), 'no undo key');
		t.deepEqual(
			[
				...new Set(
					h.sim.requestLog
						.all()
						.filter((e) => e.userAgent.startsWith('kubectl-assure/'))
						.map((e) => e.method),
				),
			],
			['GET'],
		);
	});
});

test.serial('an arrow key moves the cursor and never switches the pane', async (t) => {
	await withApp({}, async (h) => {
		await h.press('3');
		await h.until(/REV\/60M/, 'the autoscaling pane');
		await h.press(DOWN, DOWN, '\u001B[A');
		await sleep(200);
		t.regex(h.frame(), /REV\/60M/, 'still the autoscaling pane');
	});
});
