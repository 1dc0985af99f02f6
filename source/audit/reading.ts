/**
 * Reading an input to its end: a plain file (straight into the feeder's buffer), a .gz
 * (a cut or corrupt one read up to the cut and reported), or a stream (stdin, a FIFO, a
 * pipe: see stream.ts) as its bytes arrive.
 */
import {open, stat, type FileHandle} from 'node:fs/promises';
import {createGunzip} from 'node:zlib';
import {AuditSourceError, describeFsError} from './errors.js';
import {createFeeder, type ByteLineFeeder} from './feeder.js';
import type {RecordSink} from './formats.js';
import {listAuditFiles} from './listing.js';
import {openAuditStream, streamKindOf, type StreamKind} from './stream.js';

export interface ReadOptions {
	/** Files whose last write is before this (epoch ms) are not read: `--since`. */
	sinceMs?: number;
	/** Bytes read so far (for a progress line). */
	onProgress?: (bytes: number) => void;
	signal?: AbortSignal;
	/** stdin stream (tests); default process.stdin. */
	stdin?: NodeJS.ReadableStream;
	/** A part of the input that could not be read (a .gz cut short): one line; reading goes on. */
	onProblem?: (message: string) => void;
	/**
	 * The newest plain file will be followed afterwards: its unterminated last line is left
	 * for the follower, and the result says where to resume (AuditFollower's startAt).
	 */
	followLast?: boolean;
}

/** Where a follower continues after the newest file was read: a byte offset at a line start. */
export interface ResumePoint {
	path: string;
	offset: number;
}

export interface ReadResult {
	files: string[];
	/** Bytes read (decompressed for .gz). */
	bytes: number;
	/** With followLast: where following the newest plain file continues. */
	resume?: ResumePoint;
	/** Parts that could not be read, one line each (also given to onProblem). */
	problems: string[];
}

/** What a failed gunzip means, in one line: everything before the failure was read. */
export function gzipProblem(path: string, error: unknown, bytes: number): string {
	const reason = String((error as Error)?.message ?? error).split('\n')[0];
	return `audit log: ${path} is cut short or corrupt (${reason}): read up to byte ${bytes} of its decompressed data, the rest is missing`;
}

/**
 * Feeds one whole file (plain or .gz) to the feeder. Returns the bytes of complete lines
 * read from a plain file (with `keepPartial`, an unterminated last line is not decoded and
 * not counted), -1 for .gz.
 */
export async function readFileInto(path: string, feeder: ByteLineFeeder, options: ReadOptions = {}, counted = {bytes: 0}, keepPartial = false): Promise<number> {
	feeder.decoder.begin();
	if (path.endsWith('.gz')) {
		let opened;
		try {
			opened = await open(path, 'r');
		} catch (error) {
			throw new AuditSourceError(`audit log: cannot read ${path}: ${describeFsError(error)}`);
		}
		const file = opened.createReadStream();
		const stream = file.pipe(createGunzip());
		// A .gz cut short (a crash while compressing, a copy in progress) or corrupt used to
		// throw and lose the whole analysis: now the events before the cut count, the partial
		// line at the cut is dropped, and the rest is one skip and one problem line.
		let bytes = 0;
		try {
			for await (const chunk of stream as AsyncIterable<Buffer>) {
				if (options.signal?.aborted) break;
				feeder.push(chunk);
				bytes += chunk.length;
				counted.bytes += chunk.length;
				options.onProgress?.(counted.bytes);
			}
		} catch (error) {
			feeder.discardPartial();
			feeder.decoder.finish();
			feeder.decoder.sink.skip('gzip-error');
			options.onProblem?.(gzipProblem(path, error, bytes));
			return -1;
		} finally {
			// A failed gunzip unpipes the file stream but leaves it (and its descriptor) open.
			stream.destroy();
			file.destroy();
		}
		feeder.end();
		return -1;
	}
	let handle: FileHandle;
	try {
		handle = await open(path, 'r');
	} catch (error) {
		throw new AuditSourceError(`audit log: cannot read ${path}: ${describeFsError(error)}`);
	}
	// Read straight into the feeder's buffer (WebAssembly memory): no copy.
	let read = 0;
	try {
		for (;;) {
			if (options.signal?.aborted) break;
			const t = feeder.target();
			const {bytesRead} = await handle.read(t.buffer, t.offset, t.length, null);
			if (bytesRead === 0) break;
			feeder.commit(bytesRead);
			read += bytesRead;
			counted.bytes += bytesRead;
			options.onProgress?.(counted.bytes);
		}
	} catch (error) {
		throw new AuditSourceError(`audit log: cannot read ${path}: ${describeFsError(error)}`);
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
 * Reads a stream `--audit-log` names (stdin, a FIFO, a pipe) to its end, opened without
 * blocking a thread (see stream.ts); it is closed afterwards, except stdin.
 */
export async function readStreamSpecInto(spec: string, kind: StreamKind, feeder: ByteLineFeeder, options: ReadOptions = {}, counted = {bytes: 0}): Promise<void> {
	const name = kind === 'stdin' ? 'stdin' : spec;
	let stream;
	try {
		stream = await openAuditStream(spec, kind, options.stdin ?? process.stdin);
	} catch (error) {
		throw new AuditSourceError(`audit log: cannot read ${name}: ${describeFsError(error)}`);
	}
	try {
		await readStreamInto(stream, feeder, options, counted);
	} catch (error) {
		throw new AuditSourceError(`audit log: cannot read ${name}: ${describeFsError(error)}`);
	} finally {
		if (kind !== 'stdin') stream.destroy();
	}
}

/** Reads a stream to its end, front to back, as its bytes arrive. */
export async function readStreamInto(stream: NodeJS.ReadableStream, feeder: ByteLineFeeder, options: ReadOptions = {}, counted = {bytes: 0}): Promise<void> {
	feeder.decoder.begin();
	for await (const chunk of stream as AsyncIterable<Buffer | string>) {
		if (options.signal?.aborted) break;
		const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
		feeder.push(bytes);
		counted.bytes += bytes.length;
		options.onProgress?.(counted.bytes);
	}
	feeder.end();
}

/** Reads every input `spec` names, oldest file first, into `sink`. */
export async function readAuditLog(spec: string, sink: RecordSink, options: ReadOptions = {}): Promise<ReadResult> {
	const files = await listAuditFiles(spec);
	const feeder = createFeeder(sink);
	const counted = {bytes: 0};
	const read: string[] = [];
	const problems: string[] = [];
	const withProblems: ReadOptions = {...options, onProblem: (message) => {
		problems.push(message);
		options.onProblem?.(message);
	}};
	let resume: ResumePoint | undefined;
	for (const [index, f] of files.entries()) {
		const stream = await streamKindOf(f);
		if (stream !== undefined) {
			await readStreamSpecInto(f, stream, feeder, withProblems, counted);
			read.push(f);
			continue;
		}
		if (options.sinceMs !== undefined && files.length > 1) {
			try {
				if ((await stat(f)).mtimeMs < options.sinceMs) continue;
			} catch {
				// reported by the read below
			}
		}
		const follow = options.followLast === true && index === files.length - 1 && !f.endsWith('.gz');
		const consumed = await readFileInto(f, feeder, withProblems, counted, follow);
		if (follow) resume = {path: f, offset: consumed};
		read.push(f);
	}
	return {files: read, bytes: counted.bytes, problems, ...(resume === undefined ? {} : {resume})};
}

/** This module's part of the worker kernel (see README.md). */
export function readingKernel(): unknown[] {
	return [gzipProblem];
}
