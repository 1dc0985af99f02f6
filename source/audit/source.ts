/**
 * The audit log as one source, and `openAuditSource`, the one way in for the app and the
 * tests alike: it lists what `--audit-log` names once (listing.ts), reads all of it into an
 * aggregator — in worker threads when that pays (parallel.ts), else in this thread
 * (reading.ts) — and, when asked to follow, keeps reading: the newest plain file like
 * `tail -F` (follower.ts), from exactly where the reading stopped, or a stream (stdin, a
 * FIFO, a pipe such as `<(ssh cp1 tail -F …)`) as its bytes arrive, until its end. An
 * input that cannot be read is an AuditSourceError with one line (errors.ts).
 */
import {stat} from 'node:fs/promises';
import {AuditAggregator} from './aggregate.js';
import {AuditSourceError, cannotRead, describeFsError} from './errors.js';
import {createFeeder} from './feeder.js';
import {AuditFollower} from './follower.js';
import type {RecordSink} from './record-sink.js';
import {listAuditInput, type AuditInput} from './listing.js';
import {readInWorkers, type WorkersResult} from './parallel.js';
import {readInput} from './reading.js';
import {openAuditStream, streamLabel, type StreamKind} from './stream.js';

export interface AuditSourceOptions {
	/**
	 * Keep reading after what is there now (the TUI): follow the newest plain file, or read
	 * a stream while the caller runs. Without it (report mode) a stream is read to its end
	 * before openAuditSource returns.
	 */
	follow?: boolean;
	/**
	 * --since: count only the events of this many ms before the end of the log (the newest
	 * file's last write), or before now when following or reading a stream.
	 */
	sinceMs?: number;
	/** What `-` reads; default process.stdin. */
	stdin?: NodeJS.ReadableStream & {isTTY?: boolean};
	/** How often a followed file is polled, ms; default 500. */
	pollMs?: number;
	/** Worker threads (see parallel.ts); default the idle cores. 0 or 1: this thread only. */
	workers?: number;
	/** Inputs smaller than this are read in this thread; default 192 MiB. */
	minParallelBytes?: number;
	/**
	 * Aggregate into this aggregator (with its own window options) instead of a new one:
	 * for a test that looks at each record, with `workers: 0` (workers hand back counts).
	 */
	aggregator?: AuditAggregator;
}

/** Where reading is: read to its end, a file being followed, or a stream read live (opened and quiet so far, bringing bytes, at its end, or failed). */
export type AuditSourceState = {is: 'read'} | {is: 'following'} | {is: 'open'} | {is: 'streaming'} | {is: 'ended'} | {is: 'failed'; reason: string};

export interface AuditSource {
	/** What `--audit-log` named. */
	readonly input: AuditInput;
	/** What to call it in the header and the report: the file, `N files`, `stdin` or the stream's path. */
	readonly label: string;
	readonly aggregator: AuditAggregator;
	/** Worker threads that read it (0: this thread). */
	readonly workers: number;
	/** Why workers were not used, when they failed. */
	readonly fallback: string | undefined;
	/** Parts that could not be read (a .gz cut short), one line each, in log order; each is also one skip. */
	readonly problems: readonly string[];
	readonly state: AuditSourceState;
	/** The last thing the follower said (a gap after copytruncate, a file that could not be read). */
	readonly notice: string | undefined;
	/** `listener` is called when records arrived (at most every 500 ms) and at once when the state or the notice changed. */
	onChange(listener: () => void): () => void;
	/** Stops following or reading the stream; what was read stays. */
	close(): Promise<void>;
}

/** Opens what `spec` (`--audit-log`) names and reads what it holds. Throws AuditSourceError when it cannot be read. */
export async function openAuditSource(spec: string, options: AuditSourceOptions = {}): Promise<AuditSource> {
	const input = await listAuditInput(spec);
	const changes = new Changes();
	if (input.kind !== 'files' && options.follow === true) return openLiveStream(input.spec, input.kind, options, changes);
	let end = Date.now();
	if (input.kind === 'files' && options.follow !== true) {
		try {
			end = (await stat(input.files.at(-1)!)).mtimeMs;
		} catch {
			end = Date.now();
		}
	}
	const aggregator = options.aggregator ?? new AuditAggregator({sinceMs: options.sinceMs !== undefined ? end - options.sinceMs : undefined, partial: false});
	const follow = options.follow === true;
	let result: WorkersResult | undefined;
	let fallback: string | undefined;
	if (input.kind === 'files') {
		try {
			result = await readInWorkers(input.files, aggregator, {
				followLast: follow,
				...(options.workers === undefined ? {} : {workers: options.workers}),
				...(options.minParallelBytes === undefined ? {} : {minParallelBytes: options.minParallelBytes}),
			});
		} catch (error) {
			fallback = (error as Error).message.split('\n')[0];
		}
	}
	result ??= {...(await readInput(input, aggregator, options.stdin, follow)), workers: 0};
	const label = input.kind === 'files' ? (input.files.length === 1 ? input.files[0]! : `${input.files.length} files`) : streamLabel(input.spec, input.kind);
	const newest = input.kind === 'files' ? input.files.at(-1)! : '';
	let follower: AuditFollower | undefined;
	let notice: string | undefined;
	if (follow && input.kind === 'files' && !newest.endsWith('.gz')) {
		// Continue exactly where the reading stopped (nothing lost, nothing twice).
		follower = new AuditFollower(newest, changes.sink(aggregator), {
			fromStart: false,
			...(result.resumeAt === undefined ? {} : {startAt: result.resumeAt}),
			pollMs: options.pollMs ?? 500,
			onNotice: (message) => {
				notice = message;
				changes.now();
			},
		});
		follower.start();
	}
	const {problems, workers} = result;
	return {
		input,
		label,
		aggregator,
		workers,
		fallback,
		problems,
		get state(): AuditSourceState {
			return follower === undefined ? {is: 'read'} : {is: 'following'};
		},
		get notice() {
			return notice;
		},
		onChange: (listener) => changes.listen(listener),
		async close() {
			changes.stop();
			await follower?.stop();
			follower = undefined;
		},
	};
}

/**
 * A stream read while the caller runs: opened without blocking (a FIFO may have no writer
 * yet), read as its bytes arrive into the aggregator, until its end of file — which ends
 * the stream, not the program.
 */
async function openLiveStream(spec: string, kind: StreamKind, options: AuditSourceOptions, changes: Changes): Promise<AuditSource> {
	const label = streamLabel(spec, kind);
	if (kind === 'stdin' && (options.stdin ?? process.stdin).isTTY === true)
		throw new AuditSourceError('--audit-log -: stdin is a terminal, not an audit log; pipe the log in (… | kubectl assure --audit-log -) or name a file');
	let input: NodeJS.ReadableStream & {destroy(): void};
	try {
		input = await openAuditStream(spec, kind, options.stdin);
	} catch (error) {
		throw cannotRead(label, error);
	}
	const aggregator =
		options.aggregator ?? new AuditAggregator({sinceMs: options.sinceMs !== undefined ? Date.now() - options.sinceMs : undefined, partial: false});
	const feeder = createFeeder(changes.sink(aggregator), 1 << 20);
	feeder.decoder.begin();
	let state: AuditSourceState = {is: 'open'};
	let closed = false;
	const finish = (next: AuditSourceState): void => {
		if (state.is === 'ended' || state.is === 'failed') return;
		// The last line counts even without a newline: the stream ended there.
		feeder.end();
		state = next;
		changes.now();
	};
	const onData = (chunk: Buffer | string): void => {
		if (state.is === 'open') {
			state = {is: 'streaming'};
			changes.soon();
		}
		feeder.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
	};
	const onEnd = (): void => finish({is: 'ended'});
	const onError = (error: unknown): void => finish({is: 'failed', reason: describeFsError(error)});
	input.on('data', onData);
	input.once('end', onEnd);
	input.once('error', onError);
	return {
		input: {kind, spec},
		label,
		aggregator,
		workers: 0,
		fallback: undefined,
		problems: [],
		get state() {
			return state;
		},
		notice: undefined,
		onChange: (listener) => changes.listen(listener),
		async close() {
			if (closed) return;
			closed = true;
			changes.stop();
			input.off('data', onData);
			input.off('end', onEnd);
			input.off('error', onError);
			// A late error after we stopped listening must not become an uncaught one.
			input.on('error', () => undefined);
			input.destroy();
		},
	};
}

/** Who wants to hear of new records (at most every 500 ms) and of a new state or notice (at once). */
class Changes {
	private readonly listeners = new Set<() => void>();
	private scheduled: NodeJS.Timeout | undefined;

	listen(listener: () => void): () => void {
		this.listeners.add(listener);
		return () => this.listeners.delete(listener);
	}

	/** Within 500 ms: records arrive many at a time. */
	soon(): void {
		this.scheduled ??= setTimeout(() => this.now(), 500);
	}

	now(): void {
		this.stop();
		for (const listener of this.listeners) listener();
	}

	/** No pending call. */
	stop(): void {
		if (this.scheduled !== undefined) clearTimeout(this.scheduled);
		this.scheduled = undefined;
	}

	/** `aggregator` as a sink that says records arrived. */
	sink(aggregator: AuditAggregator): RecordSink {
		return {
			record: (r) => {
				aggregator.record(r);
				this.soon();
			},
			skip: (reason) => {
				aggregator.skip(reason);
				this.soon();
			},
		};
	}
}
