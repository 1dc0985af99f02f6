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
 * (or a heap size) in NODE_OPTIONS or on the command line keeps their own choice. Under Bun
 * (the release binary) this does nothing; JavaScriptCore's equivalent is set once, at
 * start, by relaunchForHeap below.
 */
import os from 'node:os';
import v8 from 'node:v8';

export const HEAP_GROWING_PERCENT = 25;

const OWN_CHOICE = /--(?:heap-growing-percent|max-old-space-size|max-heap-size)\b/;

/** Applies HEAP_GROWING_PERCENT; false when it was not applied (Bun, or the user chose). */
export function limitHeapGrowth(
	percent = HEAP_GROWING_PERCENT,
	environment: {execArgv: readonly string[]; nodeOptions?: string; bun?: string} = {
		execArgv: process.execArgv,
		nodeOptions: process.env.NODE_OPTIONS,
		bun: process.versions.bun,
	},
): boolean {
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
 * round of analyses: that was not kept. Since the binary sizes JavaScriptCore's heap for a
 * tool (JSC_RAM_BYTES below), JavaScriptCore collects often enough by itself: one run each
 * with and without this gave 457 and 453 MiB peaks, within noise. It is kept for a binary
 * run with BUN_JSC_forceRAMSize=0.
 */
export function collectWhenGrown(
	options: {runtime?: {gc?: (force: boolean) => unknown}; rss?: () => number; growth?: number; floorBytes?: number} = {},
): () => boolean {
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

/**
 * The RAM JavaScriptCore is told the machine has (its `forceRAMSize` option), in bytes.
 *
 * JavaScriptCore sizes the garbage it lets pile up between collections from the machine's
 * RAM: on the 24 GiB test machine, the release binary's heap of about 200 MiB (150,000 pods)
 * counts as "small", and it let 250–400 MB of garbage accumulate before an eden collection
 * (logged with BUN_JSC_logGC=1). Told the machine has 384 MiB, it collects every 100 MB or so
 * instead. The scale benchmark measures the TUI at 150,000 pods and 10,000 HPAs beside the
 * same binary run with the default (BENCHMARKS.md): peak RSS 660 → 460 MiB and after the
 * sync 579 → 414 MiB (14:24 run); the price is more collections, keypress p95 320 against
 * 199 ms (14:41 run).
 *
 * It is a sizing hint, not a limit: a larger heap still grows, JavaScriptCore just collects
 * more often. On a machine with less RAM than this the real figure is kept.
 */
export const JSC_RAM_BYTES = 384 * 2 ** 20;

export const JSC_RAM_VARIABLE = 'BUN_JSC_forceRAMSize';

/**
 * The environment the release binary should run in, or undefined when it already does (or
 * must not be changed): JavaScriptCore reads its options once, when the process starts, so
 * the binary re-executes itself with the option set (relaunchForHeap). Nothing is changed
 * under node, on Windows (no exec there), or when the variable is already set, by the user
 * (`BUN_JSC_forceRAMSize=0` restores JavaScriptCore's own sizing) or by the first launch.
 */
export function heapEnvironment(environment: {bun?: string; platform: string; env: NodeJS.ProcessEnv; totalmem: number}): NodeJS.ProcessEnv | undefined {
	if (environment.bun === undefined || environment.platform === 'win32') return undefined;
	if (environment.env[JSC_RAM_VARIABLE] !== undefined) return undefined;
	const ram = environment.totalmem > 0 ? Math.min(environment.totalmem, JSC_RAM_BYTES) : JSC_RAM_BYTES;
	return {...environment.env, [JSC_RAM_VARIABLE]: String(ram)};
}

/**
 * Under Bun, replaces this process (same pid, terminal and file descriptors, same
 * arguments) with itself started under heapEnvironment(). A real exec does not return:
 * false means nothing was to be done or the exec failed, and the program simply runs with
 * JavaScriptCore's defaults (true only comes back from a stand-in execve, in tests). Called
 * first thing by the release binary's entry, before anything has read stdin or touched the
 * terminal.
 */
export function relaunchForHeap(
	process_: Pick<NodeJS.Process, 'platform' | 'env' | 'execPath' | 'execArgv' | 'argv' | 'versions'> & {
		execve?: (file: string, args?: readonly string[], env?: NodeJS.ProcessEnv) => never;
	} = process,
	totalmem = os.totalmem(),
): boolean {
	const env = heapEnvironment({bun: process_.versions.bun, platform: process_.platform, env: process_.env, totalmem});
	if (env === undefined || typeof process_.execve !== 'function') return false;
	try {
		process_.execve(process_.execPath, relaunchArguments(process_), env);
	} catch {
		return false;
	}
	return true;
}

/**
 * The command line that starts this program again. A compiled binary's argv is
 * ["bun", "/$bunfs/root/<name>", ...arguments] and the executable is execPath; a script run
 * by bun has [bun, script, ...arguments], and bun's own flags in execArgv.
 */
export function relaunchArguments(process_: Pick<NodeJS.Process, 'execPath' | 'execArgv' | 'argv'>): string[] {
	// Windows is never relaunched (heapEnvironment), so only the POSIX virtual path matters.
	const compiled = (process_.argv[1] ?? '').startsWith('/$bunfs/');
	return compiled ? [process_.execPath, ...process_.argv.slice(2)] : [process_.execPath, ...process_.execArgv, ...process_.argv.slice(1)];
}
