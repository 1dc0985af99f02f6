/**
 * Reading an audit log on several cores: a large plain file is cut at line boundaries
 * into one byte range per worker thread, rotated files go to workers whole; each worker
 * scans and aggregates its part (its script: kernel.ts), and the parts are merged in log
 * order (watch completions seen without their start resolve at the merge, the start in a
 * part before or after). An event in two parts (a line repeated across a cut, rotated
 * files that overlap) is counted once: each worker also reads the first 4 MiB of the next
 * part, and what its own last 4 MiB (all of a compressed file) hold of them is skipped
 * there and counted in the next part. Workers are
 * used only when they can pay: for inputs of 192 MiB and more (each worker warms its own
 * JIT) and when at least two cores are idle (load average below the core count). If a
 * worker cannot start or fails, the caller reads in this thread instead.
 */
import {open, stat} from 'node:fs/promises';
import {availableParallelism, loadavg} from 'node:os';
import {Worker} from 'node:worker_threads';
import type {AggregateOptions, AggregatorState, AuditAggregator} from './aggregate.js';
import {workerSource} from './kernel.js';
import type {ReadResult} from './reading.js';

/** What one worker is asked to read. */
interface WorkerJob {
	path: string;
	start: number;
	/** Exclusive; -1 = to the end. */
	end: number;
	gzip: boolean;
	/** Keep watch completions without a start for the merge (every part: in a log newest first, a start may be in the next part). */
	partial: boolean;
	/** The first `bytes` of the next part: its events, when this part's last `bytes` (all of a .gz) hold them too, count there only. */
	next?: {path: string; start: number; end: number; gzip: boolean; continuing: boolean; bytes: number};
	/** The range starts after the first line of its file (no document detection). */
	continuing: boolean;
	/** The last range of a file that will be followed: an unterminated last line is left alone. */
	keepPartial: boolean;
	options: AggregateOptions;
}

/** What a worker sends back. */
interface WorkerResult {
	state: AggregatorState;
	/** Offset after the last complete line read (plain files). */
	consumed: number;
	/** A .gz cut short or corrupt (see gzipProblem). */
	problem?: string;
}

/** The worker's script, built at the first job. */
let cachedSource: string | undefined;

/** Runs one job in a worker thread. */
function runWorker(job: WorkerJob): Promise<WorkerResult> {
	cachedSource ??= workerSource();
	return new Promise((resolve, reject) => {
		// The kernel is plain JavaScript: no loader hooks (tsx) or input-type flags are needed in the
		// worker. A larger young generation than a worker's default halves its garbage collection.
		const worker = new Worker(cachedSource!, {eval: true, workerData: job, execArgv: [], resourceLimits: {maxYoungGenerationSizeMb: 48}});
		let settled = false;
		worker.once('message', (message: {state?: AggregatorState; consumed?: number; problem?: string; error?: string}) => {
			settled = true;
			if (message.state !== undefined)
				resolve({state: message.state, consumed: message.consumed ?? -1, ...(message.problem === undefined ? {} : {problem: message.problem})});
			else reject(new Error(message.error ?? 'audit worker failed'));
			void worker.terminate();
		});
		worker.once('error', (error) => {
			if (!settled) reject(error);
		});
		worker.once('exit', (code) => {
			if (!settled) reject(new Error(`audit worker exited with code ${code}`));
		});
	});
}

/** Line-start offsets cutting a file into `parts` ranges of about equal size. */
async function splitPoints(path: string, size: number, parts: number): Promise<number[]> {
	const points = [0];
	const handle = await open(path, 'r');
	try {
		const probe = Buffer.alloc(1 << 16);
		for (let i = 1; i < parts; i++) {
			let at = Math.floor((size * i) / parts);
			for (;;) {
				const {bytesRead} = await handle.read(probe, 0, probe.length, at);
				if (bytesRead === 0) {
					at = size;
					break;
				}
				const nl = probe.subarray(0, bytesRead).indexOf(10);
				if (nl >= 0) {
					at += nl + 1;
					break;
				}
				at += bytesRead;
			}
			if (at > points[points.length - 1]! && at < size) points.push(at);
		}
	} finally {
		await handle.close();
	}
	points.push(size);
	return points;
}

/** True when the file starts with a lone `{` or `[` line: one pretty-printed document, not cut. */
async function isDocument(path: string): Promise<boolean> {
	const handle = await open(path, 'r');
	try {
		const probe = Buffer.alloc(256);
		const {bytesRead} = await handle.read(probe, 0, probe.length, 0);
		const head = probe
			.subarray(0, bytesRead)
			.toString('utf8')
			.replace(/^\uFEFF/, '');
		return /^\s*[[{]\s*(\r?\n|$)/.test(head) || /^\s*\[\s*\{\s*(\r?\n|$)/.test(head);
	} finally {
		await handle.close();
	}
}

export interface WorkerOptions {
	/** Worker threads; default the idle cores (cores − load average, at most 8) when at least 2; 0 or 1 = this thread only. */
	workers?: number;
	/** Inputs smaller than this are read in this thread (each worker pays its own JIT warm-up); default 192 MiB. */
	minParallelBytes?: number;
	/** The newest plain file will be followed: its unterminated last line is left for the follower (see ReadResult.resumeAt). */
	followLast?: boolean;
}

/** What reading in workers gave: as reading in this thread, and how many workers did it. */
export interface WorkersResult extends ReadResult {
	workers: number;
}

/**
 * Reads `files` (oldest first) in worker threads into `aggregator`; undefined when workers
 * would not pay (then read them in this thread). Throws when a worker cannot start or
 * fails, leaving the aggregator untouched.
 */
export async function readInWorkers(files: readonly string[], aggregator: AuditAggregator, options: WorkerOptions = {}): Promise<WorkersResult | undefined> {
	// Workers pay only with idle cores: on a busy machine (load average ≥ cores) they just add overhead.
	const cores = Math.min(8, availableParallelism());
	const idle = Math.max(0, Math.round(cores - loadavg()[0]));
	const workers = options.workers ?? (idle >= 2 ? Math.min(cores, idle) : 0);
	if (workers < 2) return undefined;
	const sizes: number[] = [];
	for (const f of files) {
		try {
			sizes.push((await stat(f)).size);
		} catch {
			// Read in this thread, which says what is wrong with the file.
			return undefined;
		}
	}
	const total = sizes.reduce((a, b) => a + b, 0);
	if (total < (options.minParallelBytes ?? 192 << 20)) return undefined;
	const jobs: WorkerJob[] = [];
	for (const [index, f] of files.entries()) {
		const size = sizes[index]!;
		const gzip = f.endsWith('.gz');
		const parts = gzip || (await isDocument(f)) ? 1 : Math.max(1, Math.min(workers, Math.round((size / total) * workers) || 1));
		const points = parts > 1 ? await splitPoints(f, size, parts) : [0, -1];
		const follow = options.followLast === true && index === files.length - 1 && !gzip;
		for (let i = 0; i + 1 < points.length; i++) {
			const last = i + 2 === points.length;
			jobs.push({
				path: f,
				start: points[i]!,
				end: last ? -1 : points[i + 1]!,
				gzip,
				partial: true,
				continuing: i > 0,
				keepPartial: follow && last,
				options: aggregator.options,
			});
		}
	}
	for (const [i, job] of jobs.entries()) {
		const next = jobs[i + 1];
		if (next !== undefined) job.next = {path: next.path, start: next.start, end: next.end, gzip: next.gzip, continuing: next.continuing, bytes: 4 << 20};
	}
	const results = await runLimited(jobs, workers);
	for (const result of results) aggregator.merge(result.state);
	aggregator.settle();
	const resumeAt = jobs.at(-1)?.keepPartial ? results.at(-1)!.consumed : undefined;
	const problems = results.flatMap((r) => (r.problem === undefined ? [] : [r.problem]));
	return {workers: Math.min(workers, jobs.length), problems, ...(resumeAt === undefined ? {} : {resumeAt})};
}

/** Runs jobs with at most `limit` workers at a time; results in job order. */
async function runLimited(jobs: WorkerJob[], limit: number): Promise<WorkerResult[]> {
	const results = new Array<WorkerResult>(jobs.length);
	let next = 0;
	const lane = async (): Promise<void> => {
		while (next < jobs.length) {
			const i = next++;
			results[i] = await runWorker(jobs[i]!);
		}
	};
	await Promise.all(Array.from({length: Math.min(limit, jobs.length)}, lane));
	return results;
}
