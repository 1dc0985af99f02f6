/**
 * The product side of the soak, in its own process so that its memory, descriptors and
 * event loop are its own (the simulator runs in the parent):
 *   node dist/bench/soak-worker.js <kubeconfig> <audit-log> <time-scale> <sim-now-ms> <sample-s> <real-s>
 * Runs the session, the live audit feed, the controller and the TUI on an 80×24 fake
 * terminal; prints {"ready":true} once synced, then after 10 s of warm-up one JSON sample
 * per interval, then {"done":true,"auditRecords":N}. It switches panes now and then, as
 * someone at the keyboard would.
 */
// First, as in the product's entry: React's production build (see source/cli/terminal-env.ts).
import '../source/cli/terminal-env.js';
import {readdirSync} from 'node:fs';
import {monitorEventLoopDelay} from 'node:perf_hooks';
import {FakeTty, fakeStdin} from './ui.js';
import {AppController} from '../source/app/controller.js';
import {openAuditFeed} from '../source/app/audit-feed.js';
import {ScaledClock} from '../source/clock.js';
import {resolveConfig} from '../source/kube/kubeconfig.js';
import {Session} from '../source/kube/session.js';
import {runTui} from '../source/ui/run-tui.js';
import {limitHeapGrowth} from '../source/cli/heap.js';

const [kubeconfig, auditLog, scaleText, nowText, sampleText, secondsText] = process.argv.slice(2);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const say = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);

function openFds(): number {
	try {
		return readdirSync('/proc/self/fd').length;
	} catch {
		return Number.NaN;
	}
}

// As the product's main() does before it runs the TUI.
limitHeapGrowth();
const session = new Session({
	config: resolveConfig({kubeconfig: kubeconfig!, allNamespaces: true}),
	clock: new ScaledClock(Number(scaleText), Number(nowText)),
});
await session.connect();
await session.start();
const watchers = await openAuditFeed({path: auditLog!, follow: true, stdin: process.stdin});
const controller = new AppController({session, watchers, readOnly: true});
const stdout = new FakeTty();
const stdin = fakeStdin();
const exit = runTui({controller, readOnly: true, stdout: stdout as unknown as NodeJS.WriteStream, stdin, env: {TERM: 'xterm-256color', LANG: 'C.UTF-8'}});
await session.waitForSync(session.clock.now() + 600_000, {counts: true});
say({ready: true});
const lag = monitorEventLoopDelay({resolution: 10});
lag.enable();
await sleep(10_000);
lag.reset();
const started = performance.now();
let pane = 1;
while (performance.now() - started < Number(secondsText) * 1000) {
	await sleep(Number(sampleText) * 1000);
	stdin.write(String((pane++ % 4) + 1));
	const memory = process.memoryUsage();
	say({
		at: session.clock.now(),
		rss: memory.rss,
		heap: memory.heapUsed,
		fds: openFds(),
		lagP99Ms: lag.percentile(99) / 1e6,
		bytes: stdout.bytes,
		analyses: controller.analyses,
	});
	lag.reset();
}
say({done: true, auditRecords: watchers.info()?.records ?? null});
stdin.emit('end');
await Promise.race([exit, sleep(2000)]);
controller.dispose();
await watchers.close();
await session.stop();
process.exit(0);
