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
