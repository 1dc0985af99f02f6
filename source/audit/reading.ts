/**
 * Reading an input to its end in this thread: a plain file (straight into the feeder's
 * buffer), a .gz (one cut short or corrupt is read up to the cut, and said), or a stream
 * (stdin, a FIFO, a pipe: see stream.ts) front to back as its bytes arrive.
 *
 * gzipProblem is shipped to the audit worker (README.md: the worker kernel).
 */
import {open, type FileHandle} from 'node:fs/promises';
import {createGunzip} from 'node:zlib';
import {cannotRead} from './errors.js';
import {createFeeder, type ByteLineFeeder} from './feeder.js';
import type {RecordSink} from './record-sink.js';
import type {AuditInput} from './listing.js';
import {openAuditStream, streamLabel} from './stream.js';

/** What reading an input to its end gave, besides the records. */
export interface ReadResult {
	/** Parts that could not be read (a .gz cut short), one line each, in log order; each is also one skip. */
	problems: string[];
	/**
	 * With followLast: the byte offset (a line start) in the newest plain file where
	 * following it continues (AuditFollower's startAt): nothing read twice, nothing lost.
	 */
	resumeAt?: number;
}

/** What a failed gunzip means, in one line: everything before the failure was read. */
export function gzipProblem(path: string, error: unknown, bytes: number): string {
	const reason = String((error as Error)?.message ?? error).split('\n')[0];
	return `audit log: ${path} is cut short or corrupt (${reason}): read up to byte ${bytes} of its decompressed data, the rest is missing`;
}

/**
 * Reads everything `input` names into `sink`, oldest file first (`-` reads `stdin`, default
 * process.stdin). With `followLast`, the unterminated last line of the newest plain file is
 * left for the follower.
 */
export async function readInput(input: AuditInput, sink: RecordSink, stdin: NodeJS.ReadableStream | undefined, followLast = false): Promise<ReadResult> {
	const feeder = createFeeder(sink);
	const problems: string[] = [];
	if (input.kind !== 'files') {
		await readStreamSpecInto(input.spec, input.kind, feeder, stdin);
		return {problems};
	}
	let resumeAt: number | undefined;
	for (const [index, f] of input.files.entries()) {
		const follow = followLast && index === input.files.length - 1 && !f.endsWith('.gz');
		const consumed = await readFileInto(f, feeder, problems, follow);
		if (follow) resumeAt = consumed;
	}
	return {problems, ...(resumeAt === undefined ? {} : {resumeAt})};
}

/**
 * Feeds one whole file (plain or .gz) to the feeder; a part that cannot be read is added
 * to `problems`. Returns the bytes of complete lines read from a plain file (with
 * `keepPartial`, an unterminated last line is not decoded and not counted), -1 for .gz.
 */
export async function readFileInto(path: string, feeder: ByteLineFeeder, problems: string[] = [], keepPartial = false): Promise<number> {
	feeder.decoder.begin();
	let handle: FileHandle;
	try {
		handle = await open(path, 'r');
	} catch (error) {
		throw cannotRead(path, error);
	}
	if (path.endsWith('.gz')) {
		await readGzipInto(path, handle, feeder, problems);
		return -1;
	}
	// Read straight into the feeder's buffer (WebAssembly memory): no copy.
	let read = 0;
	try {
		for (;;) {
			const t = feeder.target();
			const {bytesRead} = await handle.read(t.buffer, t.offset, t.length, null);
			if (bytesRead === 0) break;
			feeder.commit(bytesRead);
			read += bytesRead;
		}
	} catch (error) {
		throw cannotRead(path, error);
	} finally {
		await handle.close();
	}
	if (keepPartial) {
		const pending = feeder.discardPartial();
		feeder.decoder.finish();
		return read - pending;
	}
	feeder.end();
	return read;
}

/**
 * A .gz cut short (a crash while compressing, a copy in progress) or corrupt used to throw
 * and lose the whole analysis: now the events before the cut count, the partial line at
 * the cut is dropped, and the rest is one skip and one problem line.
 */
async function readGzipInto(path: string, handle: FileHandle, feeder: ByteLineFeeder, problems: string[]): Promise<void> {
	const file = handle.createReadStream();
	const stream = file.pipe(createGunzip());
	let bytes = 0;
	try {
		for await (const chunk of stream as AsyncIterable<Buffer>) {
			feeder.push(chunk);
			bytes += chunk.length;
		}
	} catch (error) {
		feeder.discardPartial();
		feeder.decoder.finish();
		feeder.decoder.sink.skip('gzip-error');
		problems.push(gzipProblem(path, error, bytes));
		return;
	} finally {
		// A failed gunzip unpipes the file stream but leaves it (and its descriptor) open.
		stream.destroy();
		file.destroy();
	}
	feeder.end();
}

/**
 * Reads a stream `--audit-log` names (stdin, a FIFO, a pipe) to its end, opened without
 * blocking a thread (see stream.ts); it is closed afterwards, except stdin.
 */
async function readStreamSpecInto(
	spec: string,
	kind: Exclude<AuditInput['kind'], 'files'>,
	feeder: ByteLineFeeder,
	stdin: NodeJS.ReadableStream | undefined,
): Promise<void> {
	const name = streamLabel(spec, kind);
	let stream;
	try {
		stream = await openAuditStream(spec, kind, stdin);
	} catch (error) {
		throw cannotRead(name, error);
	}
	feeder.decoder.begin();
	try {
		for await (const chunk of stream as AsyncIterable<Buffer | string>) feeder.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
	} catch (error) {
		throw cannotRead(name, error);
	} finally {
		if (kind !== 'stdin') stream.destroy();
	}
	feeder.end();
}

/** This module's part of the worker kernel (see README.md). */
export function readingKernel(): unknown[] {
	return [gzipProblem];
}
