/**
 * Following one file like `tail -F`: what is appended is read at each poll; rename
 * rotation and copytruncate are detected, nothing lost or read twice, a partial last line
 * waits for its end, and what cannot be recovered is said.
 */
import {createReadStream} from 'node:fs';
import {open, readdir, stat, type FileHandle} from 'node:fs/promises';
import {basename, dirname, join} from 'node:path';
import {createGunzip} from 'node:zlib';
import {describeFsError} from './errors.js';
import {ByteLineFeeder, createFeeder} from './feeder.js';
import type {RecordSink} from './record-sink.js';
import {looksLikeLog} from './listing.js';
import {readFileInto} from './reading.js';

export interface FollowOptions {
	/** Read what the file holds already (default true), or start at its end. */
	fromStart?: boolean;
	/**
	 * Start at this byte offset of the file as it is now (a line start: ReadResult.resumeAt
	 * after reading it with followLast), so nothing read already is read twice and nothing
	 * written since is lost. Wins over fromStart.
	 */
	startAt?: number;
	/** Poll interval for start(); default 250 ms. */
	pollMs?: number;
	/** A problem that does not stop following (file missing for a while, a gap after copytruncate). */
	onNotice?: (message: string) => void;
	/** Longest line kept (see ByteLineFeeder); default ByteLineFeeder.defaultMaxLine. */
	maxLine?: number;
}

/** A file next to the followed one that may be a rotated copy of it. */
interface Sibling {
	path: string;
	ino: number;
	dev: number;
	mtime: number;
	/** Birth time, ms; 0 when the file system does not say. */
	birth: number;
}

/**
 * Follows one file like `tail -F`. Each poll reads what was appended. Rename rotation
 * (a new file at the path): the old file is read to its end first, its last line kept
 * even without a newline. copytruncate (the same file got shorter, or its bytes before
 * our position changed): the part written between our last read and the truncation is
 * read from the rotated copy next to it when one matches, else a gap is reported.
 *
 * Every event is read once as long as the file is rotated at most once between two
 * polls. When it is rotated again while a rotation is being handled, the file we saw is
 * found among the rotated ones by its inode and read whole; when it was rotated more
 * than once between two polls, or copytruncate lost lines, the gap is reported.
 */
export class AuditFollower {
	readonly path: string;
	private readonly feeder: ByteLineFeeder;
	private readonly options: Required<Omit<FollowOptions, 'onNotice' | 'startAt' | 'maxLine'>> & Pick<FollowOptions, 'onNotice' | 'startAt'>;
	private handle: FileHandle | undefined;
	private ino = -1;
	private dev = -1;
	/** Birth time of the open file (ms; 0 when unknown). */
	private birth = 0;
	/** Bytes of the current file read (complete lines + the pending partial line). */
	private position = 0;
	/** The last bytes read before `position`, to recognise the file (and its rotated copy). */
	private tail: Buffer = Buffer.alloc(0);
	private timer: NodeJS.Timeout | undefined;
	private polling: Promise<void> | undefined;
	private started = false;
	/** After stop(), poll() reads nothing (it used to reopen the file and read it all again). */
	private stopped = false;
	/** Counts for tests and the status line. */
	readonly stats = {rotations: 0, truncations: 0, recovered: 0, gaps: 0};

	constructor(path: string, sink: RecordSink, options: FollowOptions = {}) {
		this.path = path;
		this.feeder = createFeeder(sink, 1 << 20, options.maxLine);
		this.options = {fromStart: options.fromStart ?? true, pollMs: options.pollMs ?? 250, onNotice: options.onNotice, startAt: options.startAt};
	}

	/** Polls every pollMs until stop(). */
	start(): void {
		if (this.timer !== undefined || this.stopped) return;
		const tick = (): void => {
			// A read that fails (EIO, a file made unreadable) is said and tried again at the next
			// poll: it used to reject unhandled, which ended the process with a stack trace.
			void this.poll()
				.catch(async (error: unknown) => {
					this.notice(`audit log ${this.path} could not be read (${describeFsError(error)}); trying again`);
					await this.forgetFile();
				})
				.finally(() => {
					if (this.timer !== undefined) this.timer = setTimeout(tick, this.options.pollMs);
				});
		};
		this.timer = setTimeout(tick, 0);
	}

	async stop(): Promise<void> {
		this.stopped = true;
		if (this.timer !== undefined) clearTimeout(this.timer);
		this.timer = undefined;
		await this.polling;
		await this.handle?.close();
		this.handle = undefined;
	}

	/** Reads whatever is new (one poll at a time). */
	poll(): Promise<void> {
		if (this.stopped) return this.polling ?? Promise.resolve();
		this.polling ??= this.pollOnce().finally(() => {
			this.polling = undefined;
		});
		return this.polling;
	}

	private notice(message: string): void {
		this.options.onNotice?.(message);
	}

	/** After a failed read: let go of the open file, so that the next poll opens whatever is at the path then, from its start. */
	private async forgetFile(): Promise<void> {
		const handle = this.handle;
		this.handle = undefined;
		this.feeder.discardPartial();
		this.position = 0;
		this.tail = Buffer.alloc(0);
		await handle?.close().catch(() => undefined);
	}

	private async pollOnce(): Promise<void> {
		let info;
		try {
			info = await stat(this.path);
		} catch {
			info = undefined;
		}
		if (this.handle === undefined) {
			const first = !this.started;
			this.started = true;
			if (info === undefined) return;
			// fromStart: false skips what the file held at the first look only (tail -F reads a file that appears later from its start).
			const startAt = this.options.startAt;
			if (first && startAt !== undefined) await this.openCurrent(Math.min(startAt, info.size), true);
			else await this.openCurrent(first && !this.options.fromStart ? info.size : 0);
		}
		await this.readOn();
		if (info !== undefined && (info.ino !== this.ino || info.dev !== this.dev)) {
			// Rename rotation: the old file is complete; its last line may lack a newline.
			await this.readOn();
			const old = this.handle === undefined ? undefined : await this.handle.stat();
			const oldTail = this.tail;
			this.finishFile();
			await this.handle?.close();
			this.handle = undefined;
			this.stats.rotations++;
			await this.openCurrent(0);
			if (this.handle !== undefined && (this.ino !== info.ino || this.dev !== info.dev)) {
				// Rotated again between our look and our open: the file we saw was never opened (it was
				// lost silently). It is among the rotated files now: found by its inode, read whole.
				await this.readRotatedAway(info.ino, info.dev);
			} else if (old !== undefined && this.handle !== undefined) {
				await this.reportSkippedGenerations(old, oldTail);
			}
			await this.readOn();
		}
	}

	private async openCurrent(position: number, exact = false): Promise<void> {
		try {
			this.handle = await open(this.path, 'r');
		} catch {
			this.handle = undefined;
			return;
		}
		const info = await this.handle.stat();
		this.ino = info.ino;
		this.dev = info.dev;
		this.birth = info.birthtimeMs > 0 ? info.birthtimeMs : 0;
		this.tail = Buffer.alloc(0);
		if (position > 0) {
			const probe = Buffer.alloc(Math.min(position, 4096));
			const from = position - probe.length;
			await this.handle.read(probe, 0, probe.length, from);
			if (!exact) {
				// Starting at the end: begin after the last complete line.
				const nl = probe.lastIndexOf(10);
				position = nl < 0 ? from : from + nl + 1;
			}
			// The bytes just before our position recognise the file (and a copy of it) later.
			this.tail = Buffer.from(probe.subarray(0, position - from));
		}
		this.position = position;
		this.feeder.decoder.begin();
		if (position > 0) this.feeder.decoder.continuing();
	}

	private finishFile(): void {
		this.feeder.end();
	}

	/** Checks for copytruncate, then drains; a truncation found during a read is handled and the read done again. */
	private async readOn(): Promise<void> {
		await this.checkTruncation();
		for (let i = 0; i < 4 && !(await this.drain()); i++) await this.checkTruncation();
	}

	/**
	 * Reads from position to the current end of the open file. False, keeping nothing of
	 * the last read, when the file no longer holds the bytes we read before position: it
	 * was truncated between the last check and the read. (Checking only before the read
	 * handed the new content after a copytruncate on as if it continued the old file: the
	 * rest of the old file was lost and the two mixed, without a word.)
	 */
	private async drain(): Promise<boolean> {
		const handle = this.handle;
		if (handle === undefined) return true;
		for (;;) {
			const t = this.feeder.target();
			const {bytesRead} = await handle.read(t.buffer, t.offset, t.length, this.position);
			if (bytesRead === 0) return true;
			if (!(await this.stillHolds(handle))) return false;
			this.remember(t.buffer, t.offset, bytesRead);
			this.position += bytesRead;
			this.feeder.commit(bytesRead);
		}
	}

	/** The open file still holds, right before position, the bytes we read there. */
	private async stillHolds(handle: FileHandle): Promise<boolean> {
		if (this.position === 0 || this.tail.length === 0) return true;
		const probe = Math.min(64, this.tail.length);
		const got = Buffer.alloc(probe);
		const {bytesRead} = await handle.read(got, 0, probe, this.position - probe);
		return bytesRead === probe && got.equals(this.tail.subarray(this.tail.length - probe));
	}

	/** Keeps the last 4 KiB read, to recognise this file's bytes later. */
	private remember(buffer: Buffer, offset: number, n: number): void {
		const keep = 4096;
		const fresh = buffer.subarray(offset, offset + n);
		const joined = this.tail.length + n <= keep ? Buffer.concat([this.tail, fresh]) : Buffer.concat([this.tail, fresh]).subarray(-keep);
		this.tail = Buffer.from(joined);
	}

	/** copytruncate: the file is shorter than what we read, or no longer holds the bytes we read last. */
	private async checkTruncation(): Promise<void> {
		const handle = this.handle;
		if (handle === undefined || this.position === 0) return;
		const size = (await handle.stat()).size;
		if (size >= this.position && (await this.stillHolds(handle))) return;
		this.stats.truncations++;
		// What was written after our last read and before the truncation is in the copy.
		const recovered = await this.readFromCopy();
		if (!recovered) {
			const lost = this.feeder.discardPartial();
			this.stats.gaps++;
			this.notice(
				`audit log ${this.path} was truncated; lines written just before it may be missing${lost > 0 ? ` (a partial line of ${lost} bytes dropped)` : ''}`,
			);
		}
		this.finishFile();
		this.position = 0;
		this.tail = Buffer.alloc(0);
		this.feeder.decoder.begin();
	}

	/** Regular files next to ours whose names start like ours (rotated copies, by name). */
	private async siblings(): Promise<Sibling[]> {
		const dir = dirname(this.path);
		const base = basename(this.path);
		let names: string[];
		try {
			names = await readdir(dir);
		} catch {
			return [];
		}
		const out: Sibling[] = [];
		for (const name of names) {
			if (name === base || !name.startsWith(base.replace(/\.[^.]*$/, ''))) continue;
			const path = join(dir, name);
			try {
				const info = await stat(path);
				if (info.isFile()) out.push({path, ino: info.ino, dev: info.dev, mtime: info.mtimeMs, birth: info.birthtimeMs > 0 ? info.birthtimeMs : 0});
			} catch {
				// vanished
			}
		}
		return out;
	}

	/**
	 * Finds the rotated copy holding our last bytes at our position and reads its rest.
	 * False when none does, or when the copy ends before our position (it was made before
	 * our last read: what was written after it and before the truncation is lost; this
	 * used to count as recovered, silently). A newer copy that is not ours means the file
	 * was truncated again after our copy was made: that generation is reported missing.
	 */
	private async readFromCopy(): Promise<boolean> {
		const candidates = (await this.siblings()).sort((a, b) => b.mtime - a.mtime).slice(0, 4);
		for (const [i, c] of candidates.entries()) {
			const rest = await this.copyRest(c.path);
			if (rest === undefined || rest === 'short') continue;
			this.feeder.push(rest);
			this.stats.recovered++;
			for (const d of candidates.slice(0, i)) {
				if (d.mtime > c.mtime && c.birth > 0 && d.birth > c.birth) {
					this.stats.gaps++;
					this.notice(`audit log ${this.path} was truncated more than once between two reads; ${d.path} was not read`);
				}
			}
			return true;
		}
		return false;
	}

	/**
	 * The bytes of a copy after our position, when the copy holds our last bytes right
	 * before it (empty when the copy ends where we already were); 'short' when it holds
	 * them but ends before our position; undefined when it is not a copy of what we read.
	 */
	private async copyRest(path: string): Promise<Buffer | 'short' | undefined> {
		const from = this.position - this.tail.length;
		const kept: Buffer[] = [];
		let size: number;
		try {
			if (path.endsWith('.gz')) {
				let offset = 0;
				for await (const chunk of createReadStream(path).pipe(createGunzip()) as AsyncIterable<Buffer>) {
					const end = offset + chunk.length;
					if (end > from) kept.push(from > offset ? chunk.subarray(from - offset) : chunk);
					offset = end;
				}
				size = offset;
			} else {
				const h = await open(path, 'r');
				try {
					size = (await h.stat()).size;
					const start = Math.max(0, Math.min(from, size - 64));
					const data = Buffer.alloc(Math.max(0, size - start));
					await h.read(data, 0, data.length, start);
					if (start < from) {
						// The copy ends before our position: it is ours when its end is what we read there.
						const back = this.tail.length - (this.position - size);
						if (back < data.length || back > this.tail.length) return undefined;
						return data.equals(this.tail.subarray(back - data.length, back)) ? 'short' : undefined;
					}
					kept.push(data);
				} finally {
					await h.close();
				}
			}
		} catch {
			return undefined;
		}
		const data = Buffer.concat(kept);
		if (size < this.position) {
			const back = this.tail.length - (this.position - size);
			if (back <= 0 || data.length === 0) return undefined;
			const n = Math.min(back, data.length);
			return data.subarray(data.length - n).equals(this.tail.subarray(back - n, back)) ? 'short' : undefined;
		}
		return data.subarray(0, this.tail.length).equals(this.tail) ? data.subarray(this.tail.length) : undefined;
	}

	/** The file with this inode among the rotated ones, read whole (it is complete: rotated away); else a gap. */
	private async readRotatedAway(ino: number, dev: number): Promise<void> {
		const found = (await this.siblings()).find((s) => s.ino === ino && s.dev === dev);
		if (found === undefined) {
			this.stats.gaps++;
			this.notice(`audit log ${this.path} was rotated twice in a moment; the file between was gone before it could be read`);
			return;
		}
		try {
			await readFileInto(found.path, this.feeder);
			this.stats.rotations++;
		} catch {
			this.stats.gaps++;
			this.notice(`audit log ${this.path} was rotated twice in a moment; ${found.path} could not be read`);
		}
		// The current file starts afresh (readFileInto ended its own input).
		this.feeder.decoder.begin();
	}

	/**
	 * Rotated more than once between two polls: a rotated file born after the old file and
	 * finished before the new one was born, which is not a copy of the old file (compressed),
	 * was never read. Reported, not read (telling it apart needs birth times, which some
	 * file systems do not keep: then nothing is said).
	 */
	private async reportSkippedGenerations(old: {ino: number; dev: number; birthtimeMs: number}, oldTail: Buffer): Promise<void> {
		const oldBirth = old.birthtimeMs > 0 ? old.birthtimeMs : 0;
		if (oldBirth === 0 || this.birth === 0) return;
		for (const s of await this.siblings()) {
			if ((s.ino === old.ino && s.dev === old.dev) || (s.ino === this.ino && s.dev === this.dev)) continue;
			if (!looksLikeLog(basename(s.path)) || !(s.birth > oldBirth && s.birth < this.birth && s.mtime <= this.birth)) continue;
			if (await endsWith(s.path, oldTail)) continue;
			this.stats.gaps++;
			this.notice(`audit log ${this.path} was rotated more than once between two reads; ${s.path} was not read`);
		}
	}
}

/** Whether a file (plain or .gz) ends with `tail`; true when it cannot be read (nothing is claimed then). */
async function endsWith(path: string, tail: Buffer): Promise<boolean> {
	if (tail.length === 0) return true;
	try {
		if (path.endsWith('.gz')) {
			let last = Buffer.alloc(0);
			for await (const chunk of createReadStream(path).pipe(createGunzip()) as AsyncIterable<Buffer>) {
				last = Buffer.concat([last, chunk]).subarray(-tail.length);
			}
			return last.equals(tail);
		}
		const h = await open(path, 'r');
		try {
			const size = (await h.stat()).size;
			if (size < tail.length) return false;
			const got = Buffer.alloc(tail.length);
			await h.read(got, 0, tail.length, size - tail.length);
			return got.equals(tail);
		} finally {
			await h.close();
		}
	} catch {
		return true;
	}
}
