/**
 * The product side of the scale bench, in its own process:
 *   node dist/bench/scale-worker.js <kubeconfig> <keys-seconds>
 * Starts the session, controller and TUI on an 80×24 fake terminal; prints
 * {"synced":ms,"rss":…,"heap":…} at full sync (every kind listed, first counts in), then
 * waits for "go" on stdin (the parent starts its watch-event storm), presses 3 and 4 in
 * turn for <keys-seconds>, timing each key to the frame that shows the pane, and prints
 * {"done":true,"latencies":[…],"peakRss":…,"lost":n}.
 */
// First, as in the product's entry: React's production build (see source/cli/terminal-env.ts).
import '../source/cli/terminal-env.js';
import {readFileSync} from 'node:fs';
import {createInterface} from 'node:readline';
import {FakeTty, fakeStdin} from './ui.js';
import {limitHeapGrowth} from '../source/cli/heap.js';
import {AppController} from '../source/app/controller.js';
import {wallClock} from '../source/clock.js';
import {resolveConfig} from '../source/kube/kubeconfig.js';
import {Session} from '../source/kube/session.js';
import {runTui} from '../source/ui/run-tui.js';

const [kubeconfig, secondsText] = process.argv.slice(2);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const say = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);
const peakRss = () => Number(/^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) * 1024;

// As the product's main() does before it runs the TUI.
limitHeapGrowth();
const started = performance.now();
const session = new Session({config: resolveConfig({kubeconfig: kubeconfig!, allNamespaces: true}), clock: wallClock});
await session.connect();
await session.start();
const controller = new AppController({session, readOnly: true});
const stdout = new FakeTty();
const stdin = fakeStdin();
const exit = runTui({controller, readOnly: true, stdout: stdout as unknown as NodeJS.WriteStream, stdin, env: {TERM: 'xterm-256color', LANG: 'C.UTF-8'}});
await session.waitForSync(undefined, {counts: true});
const syncedMs = performance.now() - started;
await sleep(1000);
const memory = process.memoryUsage();
say({synced: syncedMs, rss: memory.rss, heap: memory.heapUsed, pods: session.store.pods.size, hpas: session.store.hpas.size});
await new Promise<void>((resolve) => {
	createInterface({input: process.stdin}).once('line', () => resolve());
});
const SIGNS: Record<string, RegExp> = {'3': /REV\/60M/, '4': /\bQOS\b/};
const latencies: number[] = [];
let lost = 0;
let key = '3';
const until = performance.now() + Number(secondsText) * 1000;
while (performance.now() < until) {
	const sign = SIGNS[key]!;
	const shown = stdout.next((text) => sign.test(text));
	const pressed = performance.now();
	stdin.write(key);
	const at = await Promise.race([shown, sleep(5000).then(() => -1)]);
	if (at < 0) lost++;
	else latencies.push(at - pressed);
	key = key === '3' ? '4' : '3';
	await sleep(250);
}
say({done: true, latencies, lost, peakRss: peakRss()});
stdin.emit('end');
await Promise.race([exit, sleep(2000)]);
controller.dispose();
await session.stop();
process.exit(0);
