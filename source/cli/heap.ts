/**
 * How far the JavaScript heap may grow past what is live before V8 collects it.
 *
 * V8 sets its next full collection at the live size times a growing factor chosen for
 * throughput: on a machine with a few GiB free it goes up to 4×. At 150,000 pods the store
 * and the analyses' answers hold about 280 MiB, so the process reached 1–1.5 GiB between
 * collections (the scale benchmark's peak RSS), on a jump box that is also running
 * everything else of the incident. A fixed factor of 1.25 caps that at about 1.25× the
 * live heap; the price is more frequent full collections, which V8 does mostly
 * concurrently (the benchmarks measure both: BENCHMARKS.md, scale and ui).
 *
 * The flag is read each time V8 sets a new limit, so it takes effect when set at run
 * time; `test/cli/heap.test.ts` checks that it still does on this Node. Someone who sets it
 * (or a heap size) in NODE_OPTIONS or on the command line keeps their own choice, and the
 * release binary (Bun, JavaScriptCore) has no such knob: there this does nothing.
 */
import v8 from 'node:v8';

export const HEAP_GROWING_PERCENT = 25;

const OWN_CHOICE = /--(?:heap-growing-percent|max-old-space-size|max-heap-size)\b/;

/** Applies HEAP_GROWING_PERCENT; false when it was not applied (Bun, or the user chose). */
export function limitHeapGrowth(percent = HEAP_GROWING_PERCENT, environment: {execArgv: readonly string[]; nodeOptions?: string; bun?: string} = {execArgv: process.execArgv, nodeOptions: process.env.NODE_OPTIONS, bun: process.versions.bun}): boolean {
	if (environment.bun !== undefined) return false;
	if (environment.execArgv.some((arg) => OWN_CHOICE.test(arg)) || OWN_CHOICE.test(environment.nodeOptions ?? '')) return false;
	try {
		v8.setFlagsFromString(`--heap-growing-percent=${Math.max(1, Math.round(percent))}`);
		return true;
	} catch {
		return false;
	}
}

/**
 * Under Bun (the release binaries), a full collection now; under node nothing (V8's limit,
 * above, keeps its heap near what is live). JavaScriptCore did not collect inside one long
 * synchronous task: at 150,000 pods report mode's analysis took the binary's RSS from 332
 * to 514 MB and writing the report to 615 MB. Report mode calls this around each pane's
 * analysis and after every 4 MiB written: peak 571–615 → 462–463 MiB (`/usr/bin/time -v`,
 * 150,000 pods and 10,000 HPAs), for about 1.3 s more.
 */
export function collectNow(runtime: {gc?: (force: boolean) => unknown} | undefined = (globalThis as {Bun?: {gc: (force: boolean) => unknown}}).Bun): boolean {
	if (typeof runtime?.gc !== 'function') return false;
	runtime.gc(true);
	return true;
}

/**
 * The TUI's version of collectNow: under Bun, a full collection only when the process has
 * grown by more than `growth` (a fraction) since the last one and is past `floorBytes`;
 * under node a no-op (V8's own limit above does this job). The TUI calls it around each
 * pane's analysis.
 *
 * Measured with the release binary's TUI at 150,000 pods and 10,000 HPAs (BENCHMARKS.md,
 * scale-notes): the peak RSS during the sync went 753 → 606 MiB, and with 200 watch
 * events/s and key presses 829 → 707 MiB. Collecting every time got 538 and 591 MiB, but
 * a forced collection of a 280 MiB heap takes JavaScriptCore 130–260 ms, five times per
 * round of analyses: that was not kept.
 */
export function collectWhenGrown(options: {runtime?: {gc?: (force: boolean) => unknown}; rss?: () => number; growth?: number; floorBytes?: number} = {}): () => boolean {
	const runtime = 'runtime' in options ? options.runtime : (globalThis as {Bun?: {gc: (force: boolean) => unknown}}).Bun;
	if (typeof runtime?.gc !== 'function') return () => false;
	const rss = options.rss ?? (() => process.memoryUsage.rss());
	const growth = options.growth ?? HEAP_GROWING_PERCENT / 100;
	const floor = options.floorBytes ?? 128 * 2 ** 20;
	let after = 0;
	return () => {
		const now = rss();
		if (now < floor || now <= after * (1 + growth)) return false;
		runtime.gc!(true);
		after = rss();
		return true;
	};
}
