/**
 * The terminal UI under a watch-event storm, on the `incident` scenario at 80×24:
 * - time to the first frame and to the first data (the tab bar shows finding counts);
 * - keypress-to-frame latency (p50/p95) for pane switches while the simulator pushes
 *   1,000 watch events/s;
 * - bytes written to the terminal per second during that storm (goal ≤ 10 KB/s).
 * Each beside the same measure for a naive UI: the same app and Ink, but every change
 * analysed and drawn at once, the whole frame written each time (Ink's debug output, no
 * frame throttle, no coalescing).
 *
 * Product and baseline run in this process, one after the other, against their own
 * simulator, through the same fake TTY (a writable stream that counts bytes and notes
 * when each frame arrives, and a readable one the keys are pushed into).
 */
import {PassThrough, Writable} from 'node:stream';
import type {BenchSuite, Measure} from './harness.js';
import {AppController} from '../source/app/controller.js';
import {ScaledClock} from '../source/clock.js';
import {resolveConfig} from '../source/kube/kubeconfig.js';
import {Session} from '../source/kube/session.js';
import {startSimulator, type Simulator} from '../source/sim/simulator.js';
import {benchTemp} from './temp.js';
import {percentile} from './stats.js';

interface Frame {
	at: number;
	text: string;
}

export class FakeTty extends Writable {
	readonly isTTY = true;
	columns = 80;
	rows = 24;
	bytes = 0;
	frames: Frame[] = [];
	waiters: Array<{test: (text: string) => boolean; resolve: (at: number) => void}> = [];

	override _write(chunk: Buffer | string, _encoding: BufferEncoding, callback: () => void): void {
		const text = chunk.toString();
		this.bytes += Buffer.byteLength(text);
		const at = performance.now();
		this.frames.push({at, text});
		if (this.frames.length > 200) this.frames.splice(0, 100);
		this.waiters = this.waiters.filter((w) => {
			if (!w.test(text)) return true;
			w.resolve(at);
			return false;
		});
		callback();
	}

	/** Resolves with the time the first frame passing `test` is written (from now on). */
	next(test: (text: string) => boolean): Promise<number> {
		return new Promise((resolve) => this.waiters.push({test, resolve}));
	}

	getColorDepth(): number {
		return 8;
	}

	hasColors(): boolean {
		return true;
	}
}

export function fakeStdin(): NodeJS.ReadStream {
	const stream = new PassThrough() as unknown as NodeJS.ReadStream & {isTTY: boolean; setRawMode: (v: boolean) => unknown};
	stream.isTTY = true;
	stream.setRawMode = () => stream;
	(stream as unknown as {ref: () => void}).ref = () => undefined;
	(stream as unknown as {unref: () => void}).unref = () => undefined;
	return stream;
}

interface UiRun {
	firstFrameMs: number;
	firstDataMs: number;
	keyP50: number;
	keyP95: number;
	bytesPerSecond: number;
	eventsPerSecond: number;
	frames: number;
	keysLost: number;
}

const PANE_SIGNS: Record<string, RegExp> = {'3': /REV\/60M/, '4': /WORKLOAD\s+QOS|QOS\s+MISSING|\bQOS\b/};

/** A storm of pod annotation patches (each one a MODIFIED watch event) at `rate` per second. */
export function startStorm(sim: Simulator, rate: number): {stop: () => number} {
	const pods = sim.api
		.objects('pods')
		.filter((p) => !p.metadata.deletionTimestamp)
		.map((p) => [p.metadata.namespace as string, p.metadata.name as string] as const);
	const type = sim.type('', 'pods');
	const ctx = {user: {name: 'storm', groups: ['system:masters']}, fieldManager: 'storm'};
	let sent = 0;
	const started = performance.now();
	const timer = setInterval(() => {
		const due = Math.floor(((performance.now() - started) / 1000) * rate) - sent;
		for (let i = 0; i < due; i++) {
			const [namespace, name] = pods[sent % pods.length]!;
			try {
				sim.api.patch(type, namespace, name, 'application/merge-patch+json', JSON.stringify({metadata: {annotations: {'bench/tick': String(sent)}}}), ctx);
			} catch {
				// A pod deleted by a controller meanwhile.
			}
			sent++;
		}
	}, 10);
	return {
		stop() {
			clearInterval(timer);
			return sent / ((performance.now() - started) / 1000);
		},
	};
}

async function runUi(mode: 'product' | 'naive', seconds: number, log: (line: string) => void): Promise<UiRun> {
	// Both sides start with every module loaded: this measures rendering, not module loading
	// (process start is measured with the release binaries).
	await Promise.all([import('ink'), import('react'), import('../source/ui/screen.js'), import('../source/ui/theme.js'), import('../source/ui/run-tui.js')]);
	const sim = await startSimulator({scenario: 'incident', controllers: false});
	const stdout = new FakeTty();
	const stdin = fakeStdin();
	const started = performance.now();
	const firstFrame = stdout.next((text) => text.includes('kubectl assure'));
	const firstData = stdout.next((text) => /1 etcd \d+/.test(text));
	const kubeconfig = `${benchTemp()}/ui-${mode}.kubeconfig`;
	const {writeFileSync} = await import('node:fs');
	writeFileSync(kubeconfig, sim.kubeconfig());
	const config = resolveConfig({kubeconfig, allNamespaces: true});
	const session = new Session({config, clock: new ScaledClock(sim.clock.scale, sim.clock.now())});
	await session.connect();
	await session.start();
	const controller = new AppController({session, readOnly: true, minIntervalMs: mode === 'product' ? undefined : 0});
	let exit: Promise<unknown>;
	let unmount: () => void;
	if (mode === 'product') {
		const {runTui} = await import('../source/ui/run-tui.js');
		exit = runTui({controller, readOnly: true, stdout: stdout as unknown as NodeJS.WriteStream, stdin, env: {TERM: 'xterm-256color', LANG: 'en_US.UTF-8'}});
		unmount = () => stdin.emit('end');
	} else {
		const {render} = await import('ink');
		const {createElement} = await import('react');
		const {Screen} = await import('../source/ui/screen.js');
		const {makeTheme} = await import('../source/ui/theme.js');
		const instance = render(createElement(Screen, {controller, theme: makeTheme({color: true, unicode: true}), readOnly: true}), {
			stdout: stdout as unknown as NodeJS.WriteStream,
			stdin,
			debug: true,
			exitOnCtrlC: false,
			patchConsole: false,
			maxFps: 1000,
		});
		exit = instance.waitUntilExit();
		unmount = () => instance.unmount();
	}
	const firstFrameMs = (await firstFrame) - started;
	const firstDataMs = (await firstData) - started;
	log(`${mode}: first frame ${firstFrameMs.toFixed(0)} ms, first data ${firstDataMs.toFixed(0)} ms`);
	await session.waitForSync(session.clock.now() + 120_000);

	const storm = startStorm(sim, 1000);
	await new Promise((resolve) => setTimeout(resolve, 1000));
	const bytesBefore = stdout.bytes;
	const framesBefore = stdout.frames.length;
	const measuredFrom = performance.now();
	const latencies: number[] = [];
	let keysLost = 0;
	const deadline = measuredFrom + seconds * 1000;
	let key = '3';
	while (performance.now() < deadline) {
		const sign = PANE_SIGNS[key]!;
		const shown = stdout.next((text) => sign.test(text));
		const pressed = performance.now();
		stdin.write(key);
		const at = await Promise.race([shown, new Promise<number>((resolve) => setTimeout(() => resolve(-1), 5000))]);
		if (at < 0) keysLost++;
		else latencies.push(at - pressed);
		key = key === '3' ? '4' : '3';
		await new Promise((resolve) => setTimeout(resolve, 250));
	}
	const elapsed = (performance.now() - measuredFrom) / 1000;
	const bytesPerSecond = (stdout.bytes - bytesBefore) / elapsed;
	const frames = stdout.frames.length >= framesBefore ? stdout.frames.length - framesBefore : Number.NaN;
	const eventsPerSecond = storm.stop();
	unmount();
	await Promise.race([exit, new Promise((resolve) => setTimeout(resolve, 2000))]);
	controller.dispose();
	await session.stop();
	await sim.close();
	const run = {
		firstFrameMs,
		firstDataMs,
		keyP50: percentile(latencies, 0.5),
		keyP95: percentile(latencies, 0.95),
		bytesPerSecond,
		eventsPerSecond,
		frames,
		keysLost,
	};
	log(
		`${mode}: ${eventsPerSecond.toFixed(0)} events/s, keypress p50 ${run.keyP50.toFixed(0)} ms p95 ${run.keyP95.toFixed(0)} ms (${latencies.length} keys, ${keysLost} lost), ${(bytesPerSecond / 1024).toFixed(1)} KiB/s`,
	);
	return run;
}

export const suite: BenchSuite = {
	name: 'ui',
	async run({quick, log}) {
		const seconds = quick ? 6 : 15;
		const product = await runUi('product', seconds, log);
		const naive = await runUi('naive', seconds, log);
		const baseline = (value: number) => ({name: 'naive: full redraw on every change', value});
		const measures: Measure[] = [
			{name: 'time to first frame (incident)', value: product.firstFrameMs, unit: 'ms', baseline: baseline(naive.firstFrameMs), better: 'lower'},
			{
				name: 'time to first data (finding counts in the tab bar)',
				value: product.firstDataMs,
				unit: 'ms',
				baseline: baseline(naive.firstDataMs),
				better: 'lower',
				note: 'the request budget (5 QPS, burst 10) paces the initial LISTs',
			},
			{
				name: `keypress to frame p50, ${product.eventsPerSecond.toFixed(0)} watch events/s`,
				value: product.keyP50,
				unit: 'ms',
				baseline: baseline(naive.keyP50),
				better: 'lower',
				note: product.keysLost + naive.keysLost > 0 ? `keys without a frame in 5 s: ${product.keysLost} (naive ${naive.keysLost})` : undefined,
			},
			{
				name: `keypress to frame p95, ${product.eventsPerSecond.toFixed(0)} watch events/s`,
				value: product.keyP95,
				unit: 'ms',
				baseline: baseline(naive.keyP95),
				better: 'lower',
			},
			{
				name: 'bytes to the terminal per second in the storm, 80×24',
				value: product.bytesPerSecond,
				unit: 'bytes',
				baseline: baseline(naive.bytesPerSecond),
				better: 'lower',
				note: `goal ≤ 10 KB/s: ${product.bytesPerSecond <= 10_000 ? 'met' : 'NOT met'}`,
			},
		];
		return measures;
	},
};
