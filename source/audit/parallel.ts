/**
 * Full analysis of an audit log on several cores: a large plain file is cut at line
 * boundaries into one byte range per worker thread, rotated files go to workers whole;
 * each worker scans and aggregates its part, and the parts are merged in log order
 * (watch completions seen before their start resolve at the merge). Workers are used
 * only when they can pay: for inputs of 192 MiB and more (each worker warms its own JIT)
 * and when at least two cores are idle (load average below the core count).
 *
 * How a worker starts in tsx (tests), in dist/ (tsc) and in one esbuild bundle
 * (minified or not, keepNames or not): its code is built at run time from the source
 * text of the audit functions and classes themselves. Each module exports a *Kernel()
 * function returning its items; that function's own text names each item as this build
 * binds it (bundlers and minifiers rename), so every item is emitted as
 * `var <binding> = <its source text>;`, and the entry points are collected in
 * `auditKernel`. esbuild's keepNames helper is defined as a no-op. The script is started
 * with `new Worker(code, {eval: true})`: no worker file has to be found on disk. If a
 * worker cannot start or fails, the analysis runs in this thread instead.
 */
import {availableParallelism, loadavg} from 'node:os';
import {open, stat} from 'node:fs/promises';
import {Worker} from 'node:worker_threads';
import {AuditAggregator, aggregateKernel, type AggregateOptions, type AggregatorState} from './aggregate.js';
import {formatsKernel, LineDecoder} from './formats.js';
import {recordKernel} from './record.js';
import {scannerKernel} from './scanner.js';
import {ControlFinder, controlFinderKernel} from './control-finder.js';
import {ByteLineFeeder, createFeeder, feederKernel} from './feeder.js';
import {listAuditFiles} from './listing.js';
import {gzipProblem, readFileInto, readingKernel, readStreamSpecInto, type ReadOptions, type ResumePoint} from './reading.js';
import {streamKindOf} from './stream.js';

/** What one worker is asked to read. */
interface WorkerJob {
	path: string;
	start: number;
	/** Exclusive; -1 = to the end. */
	end: number;
	gzip: boolean;
	/** Not the first part of the log: keep watch completions without a start for the merge. */
	partial: boolean;
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

/** The worker's driver, run after the kernel definitions. Plain JS: it is not compiled. */
const driver = `
async function run(job, fs, zlib, isAscii) {
	const {AuditAggregator, LineDecoder, ByteLineFeeder, ControlFinder, gzipProblem} = auditKernel;
	const agg = new AuditAggregator({...job.options, partial: job.partial});
	const decoder = new LineDecoder(agg);
	if (job.continuing) decoder.continuing(); else decoder.begin();
	const feeder = new ByteLineFeeder(decoder, isAscii, ControlFinder.create(1 << 22), 1 << 22);
	let consumed = -1;
	let problem;
	if (job.gzip) {
		// A .gz cut short or corrupt: what came before counts, the rest is one skip and one problem line.
		const file = fs.createReadStream(job.path);
		const gunzip = file.pipe(zlib.createGunzip());
		let bytes = 0;
		try {
			for await (const chunk of gunzip) {
				feeder.push(chunk);
				bytes += chunk.length;
			}
		} catch (error) {
			feeder.discardPartial();
			agg.skip('gzip-error');
			problem = gzipProblem(job.path, error, bytes);
		} finally {
			gunzip.destroy();
			file.destroy();
		}
	} else {
		const fd = fs.openSync(job.path, 'r');
		try {
			let pos = job.start;
			const end = job.end < 0 ? fs.fstatSync(fd).size : job.end;
			while (pos < end) {
				const t = feeder.target();
				const n = fs.readSync(fd, t.buffer, t.offset, Math.min(t.length, end - pos), pos);
				if (n === 0) break;
				pos += n;
				feeder.commit(n);
			}
			consumed = pos;
		} finally {
			fs.closeSync(fd);
		}
	}
	if (job.keepPartial) {
		consumed -= feeder.discardPartial();
		decoder.finish();
	} else {
		feeder.end();
	}
	return {state: agg.exportState(), consumed, problem};
}
// CommonJS eval (the usual case) has require; an ES-module eval (--input-type=module) needs import().
const load = typeof require === 'function' ? async (name) => require(name) : (name) => import(name);
(async () => {
	const {parentPort, workerData} = await load('node:worker_threads');
	try {
		const fs = await load('node:fs');
		const zlib = await load('node:zlib');
		const {isAscii} = await load('node:buffer');
		parentPort.postMessage(await run(workerData, fs, zlib, isAscii));
	} catch (error) {
		parentPort.postMessage({error: String((error && error.stack) || error)});
	}
})();
`;

/** The items of a kernel list function and the names this build binds them to (read from its own text). */
function kernelItems(list: () => unknown[]): {name: string; value: unknown; text: string}[] {
	const source = String(list);
	const open = source.indexOf('[', source.indexOf('return'));
	const close = source.lastIndexOf(']');
	const names = source.slice(open + 1, close).split(',').map((n) => n.trim()).filter((n) => n !== '');
	const values = list();
	if (names.length !== values.length || !names.every((n) => /^[\w$]+$/.test(n))) throw new Error('audit worker: cannot read the kernel list');
	return names.map((name, i) => ({name, value: values[i], text: String(values[i])}));
}

/**
 * The audit code as one self-contained script: the source text of every kernel function
 * and class, each bound to the name the rest of the code calls it by in this build, and
 * `auditKernel` = {AuditAggregator, LineDecoder, ByteLineFeeder, ControlFinder, gzipProblem}. It needs
 * nothing but Buffer and WebAssembly from its global scope.
 */
export function kernelSource(): string {
	const items = [recordKernel, scannerKernel, formatsKernel, aggregateKernel, controlFinderKernel, feederKernel, readingKernel].flatMap(kernelItems);
	const names = new Set(items.map((i) => i.name));
	// esbuild's keepNames helper (`__name`, renamed when minified) is called in class static blocks and around inner functions.
	const helpers = new Set(['__name']);
	for (const {text} of items) for (const m of text.matchAll(/static\s*\{\s*([\w$]+)\(this,/g)) helpers.add(m[1]!);
	const lines = ['"use strict";'];
	for (const helper of helpers) if (!names.has(helper)) lines.push(`var ${helper} = (target) => target;`);
	for (const {name, text} of items) lines.push(`var ${name} = ${text};`);
	// The entry points, under names that survive minification.
	const entry = {AuditAggregator, LineDecoder, ByteLineFeeder, ControlFinder, gzipProblem};
	const bound = Object.entries(entry).map(([key, value]) => {
		const item = items.find((i) => i.value === value);
		if (item === undefined) throw new Error(`audit worker: ${key} is not in the kernel`);
		return `${key}: ${item.name}`;
	});
	lines.push(`var auditKernel = {${bound.join(', ')}};`);
	return lines.join('\n');
}

/** The worker's whole source: the kernel, then the driver. */
export function workerSource(): string {
	return `${kernelSource()}\n${driver}`;
}

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
			if (message.state !== undefined) resolve({state: message.state, consumed: message.consumed ?? -1, ...(message.problem === undefined ? {} : {problem: message.problem})});
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
		const head = probe.subarray(0, bytesRead).toString('utf8').replace(/^\uFEFF/, '');
		return /^\s*[[{]\s*(\r?\n|$)/.test(head) || /^\s*\[\s*\{\s*(\r?\n|$)/.test(head);
	} finally {
		await handle.close();
	}
}

export interface AnalyzeOptions extends ReadOptions {
	aggregate?: AggregateOptions;
	/** Worker threads; default the idle cores (cores − load average, at most 8) when at least 2; 0 or 1 = this thread only. */
	workers?: number;
	/** Inputs smaller than this are read in this thread (each worker pays its own JIT warm-up); default 192 MiB. */
	minParallelBytes?: number;
}

export interface AnalyzeResult {
	aggregator: AuditAggregator;
	files: string[];
	bytes: number;
	/** Worker threads used (0 = this thread). */
	workers: number;
	/** Why workers were not used, when they failed. */
	fallback?: string;
	/** With followLast: where following the newest plain file continues (AuditFollower's startAt). */
	resume?: ResumePoint;
	/** Parts that could not be read (a .gz cut short), one line each, in log order; each is also one skip. */
	problems: string[];
}

/**
 * Reads and aggregates everything `spec` (`--audit-log`) names, using worker threads
 * when the input is large enough to pay for them.
 */
export async function analyzeAuditLog(spec: string, options: AnalyzeOptions = {}): Promise<AnalyzeResult> {
	const files = await listAuditFiles(spec);
	// Workers pay only with idle cores: on a busy machine (load average ≥ cores) they just add overhead.
	const cores = Math.min(8, availableParallelism());
	const idle = Math.max(0, Math.round(cores - loadavg()[0]));
	const workers = options.workers ?? (idle >= 2 ? Math.min(cores, idle) : 0);
	const minBytes = options.minParallelBytes ?? 192 << 20;
	const aggregateOptions: AggregateOptions = {...options.aggregate, partial: false};
	const selected: string[] = [];
	const sizes: number[] = [];
	let total = 0;
	// A stream (stdin, a FIFO, a pipe) is read once, front to back, in this thread.
	let streams = 0;
	for (const f of files) {
		if ((await streamKindOf(f)) !== undefined) {
			selected.push(f);
			sizes.push(0);
			streams++;
			continue;
		}
		const info = await stat(f);
		// With --since, rotated files last written before the window hold nothing in it.
		if (options.sinceMs !== undefined && files.length > 1 && info.mtimeMs < options.sinceMs) continue;
		selected.push(f);
		sizes.push(info.size);
		total += info.size;
	}
	if (workers > 1 && total >= minBytes && streams === 0) {
		try {
			const jobs: WorkerJob[] = [];
			for (const [index, f] of selected.entries()) {
				const size = sizes[index]!;
				const gzip = f.endsWith('.gz');
				const parts = gzip || (await isDocument(f)) ? 1 : Math.max(1, Math.min(workers, Math.round((size / total) * workers) || 1));
				const points = parts > 1 ? await splitPoints(f, size, parts) : [0, -1];
				const follow = options.followLast === true && index === selected.length - 1 && !gzip;
				for (let i = 0; i + 1 < points.length; i++) {
					const last = i + 2 === points.length;
					jobs.push({path: f, start: points[i]!, end: last ? -1 : points[i + 1]!, gzip, partial: jobs.length > 0, continuing: i > 0, keepPartial: follow && last, options: aggregateOptions});
				}
			}
			const results = await runLimited(jobs, workers);
			const aggregator = new AuditAggregator(aggregateOptions);
			for (const result of results) aggregator.merge(result.state);
			const lastJob = jobs[jobs.length - 1];
			const resume = lastJob?.keepPartial ? {path: lastJob.path, offset: results[results.length - 1]!.consumed} : undefined;
			const problems = results.flatMap((r) => (r.problem === undefined ? [] : [r.problem]));
			for (const problem of problems) options.onProblem?.(problem);
			return {aggregator, files: selected, bytes: total, workers: Math.min(workers, jobs.length), problems, ...(resume === undefined ? {} : {resume})};
		} catch (error) {
			const result = await analyzeHere(selected, aggregateOptions, options);
			return {...result, fallback: (error as Error).message.split('\n')[0]};
		}
	}
	return analyzeHere(selected, aggregateOptions, options);
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

async function analyzeHere(files: string[], aggregateOptions: AggregateOptions, options: AnalyzeOptions): Promise<AnalyzeResult> {
	const aggregator = new AuditAggregator(aggregateOptions);
	const feeder = createFeeder(aggregator);
	const counted = {bytes: 0};
	const problems: string[] = [];
	const withProblems: AnalyzeOptions = {...options, onProblem: (message) => {
		problems.push(message);
		options.onProblem?.(message);
	}};
	let resume: ResumePoint | undefined;
	for (const [index, f] of files.entries()) {
		const stream = await streamKindOf(f);
		if (stream !== undefined) {
			await readStreamSpecInto(f, stream, feeder, withProblems, counted);
			continue;
		}
		const follow = options.followLast === true && index === files.length - 1 && !f.endsWith('.gz');
		const consumed = await readFileInto(f, feeder, withProblems, counted, follow);
		if (follow) resume = {path: f, offset: consumed};
	}
	return {aggregator, files, bytes: counted.bytes, workers: 0, problems, ...(resume === undefined ? {} : {resume})};
}
