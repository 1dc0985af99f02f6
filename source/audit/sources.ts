/**
 * Where audit bytes come from: a file, a stream (stdin `-`, a FIFO, a pipe such as
 * `/dev/fd/63`: see stream.ts), a directory or glob of rotated files (`.gz` included) read
 * oldest first, or a file followed live like `tail -F` (rename rotation and copytruncate
 * detected, nothing lost or read twice, a partial last line waits for its end). Bytes
 * become lines and lines become records through one ByteLineFeeder per input.
 *
 * The feeder (and the small WebAssembly module it reads into: a SIMD control-character
 * finder and a hash for the scanner's caches) also runs inside the audit worker thread (see parallel.ts): class and function declarations only there, with
 * Node APIs passed in rather than imported.
 */
import {isAscii} from 'node:buffer';
import {createReadStream} from 'node:fs';
import {open, readdir, stat, type FileHandle} from 'node:fs/promises';
import {basename, dirname, join, resolve} from 'node:path';
import {createGunzip} from 'node:zlib';
import {LineDecoder, type RecordSink} from './formats.js';
import {openAuditStream, streamKindOf, type StreamKind} from './stream.js';

/**
 * Two small hand-written WebAssembly functions over the read buffer (its memory doubles
 * as the read buffer, so nothing is copied): `ctl` finds bytes < 0x20 other than `\n`,
 * 16 bytes per SIMD step, so a chunk without any goes to the scanner without a per-line
 * check; `hash` hashes a range 8 bytes per step, so the scanner's text caches can tell
 * apart texts that differ in a single character (node names) without hashing in JS.
 */
export class ControlFinder {
	readonly memory: {buffer: ArrayBuffer};
	private readonly fn: (start: number, length: number) => number;
	/** Hash of memory [start, start + length) (32 bits). */
	readonly hash: (start: number, length: number) => number;

	private constructor(memory: {buffer: ArrayBuffer}, fn: (start: number, length: number) => number, hash: (start: number, length: number) => number) {
		this.memory = memory;
		this.fn = fn;
		this.hash = hash;
	}

	/** The module: `ctl(start, length)` → index of the first such byte or -1, `hash(start, length)`. Memory: `pages` × 64 KiB. */
	static moduleBytes(pages: number): Uint8Array {
		const leb = (n: number): number[] => {
			const out: number[] = [];
			do {
				let b = n & 0x7f;
				n >>>= 7;
				if (n !== 0) b |= 0x80;
				out.push(b);
			} while (n !== 0);
			return out;
		};
		/** Signed LEB128 of a 64-bit constant (i64.const). */
		const sleb64 = (value: bigint): number[] => {
			const out: number[] = [];
			let v = BigInt.asIntN(64, value);
			for (;;) {
				const b = Number(v & 0x7fn);
				v >>= 7n;
				if ((v === 0n && (b & 0x40) === 0) || (v === -1n && (b & 0x40) !== 0)) {
					out.push(b);
					return out;
				}
				out.push(b | 0x80);
			}
		};
		const section = (id: number, body: number[]): number[] => [id, ...leb(body.length), ...body];
		const ctl = [
			0x02, 0x03, 0x7f, 0x03, 0x7b, // locals: 3 × i32 (i, end, b), 3 × v128 (v, 0x20s, 0x0as)
			0x20, 0x00, 0x21, 0x02, // i = start
			0x20, 0x00, 0x20, 0x01, 0x6a, 0x21, 0x03, // end = start + length
			0x41, 0x20, 0xfd, 0x0f, 0x21, 0x06, // splat 0x20
			0x41, 0x0a, 0xfd, 0x0f, 0x21, 0x07, // splat '\n'
			0x02, 0x40, 0x03, 0x40, // block loop
			0x20, 0x02, 0x41, 0x10, 0x6a, 0x20, 0x03, 0x4b, 0x0d, 0x01, // if i + 16 > end: break
			0x20, 0x02, 0xfd, 0x00, 0x00, 0x00, 0x22, 0x05, // v = load(i)
			0x20, 0x06, 0xfd, 0x26, // v <u 0x20
			0x20, 0x05, 0x20, 0x07, 0xfd, 0x24, // v != '\n'
			0xfd, 0x4e, 0xfd, 0x53, 0x0d, 0x01, // and, any_true: break to the byte loop
			0x20, 0x02, 0x41, 0x10, 0x6a, 0x21, 0x02, 0x0c, 0x00, // i += 16; continue
			0x0b, 0x0b,
			0x02, 0x40, 0x03, 0x40, // block loop
			0x20, 0x02, 0x20, 0x03, 0x4f, 0x0d, 0x01, // if i >= end: break
			0x20, 0x02, 0x2d, 0x00, 0x00, 0x22, 0x04, // b = load8_u(i)
			0x41, 0x20, 0x49, 0x20, 0x04, 0x41, 0x0a, 0x47, 0x71, // b < 0x20 && b != '\n'
			0x04, 0x40, 0x20, 0x02, 0x0f, 0x0b, // if: return i
			0x20, 0x02, 0x41, 0x01, 0x6a, 0x21, 0x02, 0x0c, 0x00, // i++; continue
			0x0b, 0x0b,
			0x41, 0x7f, // -1
			0x0b,
		];
		const golden = sleb64(0x9e3779b97f4a7c15n);
		const prime = sleb64(0xff51afd7ed558ccdn);
		const hash = [
			0x02, 0x02, 0x7f, 0x01, 0x7e, // locals: 2 × i32 (i, end), 1 × i64 (h)
			0x20, 0x00, 0x21, 0x02, // i = start
			0x20, 0x00, 0x20, 0x01, 0x6a, 0x21, 0x03, // end = start + length
			0x42, ...golden, 0x20, 0x01, 0xad, 0x85, 0x21, 0x04, // h = golden ^ length
			0x02, 0x40, 0x03, 0x40, // block loop
			0x20, 0x02, 0x41, 0x08, 0x6a, 0x20, 0x03, 0x4b, 0x0d, 0x01, // if i + 8 > end: break
			0x20, 0x04, 0x20, 0x02, 0x29, 0x00, 0x00, 0x85, 0x42, ...prime, 0x7e, 0x22, 0x04, // h = (h ^ load64(i)) * prime
			0x20, 0x04, 0x42, 0x1d, 0x88, 0x85, 0x21, 0x04, // h ^= h >>> 29
			0x20, 0x02, 0x41, 0x08, 0x6a, 0x21, 0x02, 0x0c, 0x00, // i += 8; continue
			0x0b, 0x0b,
			0x02, 0x40, 0x03, 0x40, // block loop
			0x20, 0x02, 0x20, 0x03, 0x4f, 0x0d, 0x01, // if i >= end: break
			0x20, 0x04, 0x20, 0x02, 0x31, 0x00, 0x00, 0x85, 0x42, ...prime, 0x7e, 0x21, 0x04, // h = (h ^ load8(i)) * prime
			0x20, 0x02, 0x41, 0x01, 0x6a, 0x21, 0x02, 0x0c, 0x00, // i++; continue
			0x0b, 0x0b,
			0x20, 0x04, 0x20, 0x04, 0x42, 0x20, 0x88, 0x85, 0xa7, // (h ^ h >>> 32) as i32
			0x0b,
		];
		const bytes = [
			0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
			...section(1, [0x01, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f]),
			...section(3, [0x02, 0x00, 0x00]),
			...section(5, [0x01, 0x00, ...leb(pages)]),
			...section(7, [0x03, 0x03, 0x6d, 0x65, 0x6d, 0x02, 0x00, 0x03, 0x63, 0x74, 0x6c, 0x00, 0x00, 0x04, 0x68, 0x61, 0x73, 0x68, 0x00, 0x01]),
			...section(10, [0x02, ...leb(ctl.length), ...ctl, ...leb(hash.length), ...hash]),
		];
		return new Uint8Array(bytes);
	}

	/** A finder with `bytes` of memory, or null where WebAssembly SIMD is unavailable. */
	static create(bytes: number): ControlFinder | null {
		// This project's TypeScript lib has no WebAssembly declarations: the little used here.
		const wasm = (globalThis as unknown as {WebAssembly?: {
			Module: new (bytes: Uint8Array) => object;
			Instance: new (module: object) => {exports: {mem: {buffer: ArrayBuffer}; ctl: (start: number, length: number) => number; hash: (start: number, length: number) => number}};
		}}).WebAssembly;
		if (wasm === undefined) return null;
		try {
			const pages = Math.ceil(bytes / 65536);
			const {exports} = new wasm.Instance(new wasm.Module(ControlFinder.moduleBytes(pages)));
			return new ControlFinder(exports.mem, exports.ctl, exports.hash);
		} catch {
			return null;
		}
	}

	/** First byte < 0x20 other than `\n` (and other than a `\r` right before `\n`) in memory [start, end), or -1. */
	find(start: number, end: number): number {
		const mem = new Uint8Array(this.memory.buffer);
		let from = start;
		while (from < end) {
			const at = this.fn(from, end - from);
			if (at < 0) return -1;
			if (mem[at] === 13 && at + 1 < end && mem[at + 1] === 10) {
				from = at + 1;
				continue;
			}
			return at;
		}
		return -1;
	}
}

/**
 * Turns bytes into lines for a LineDecoder: whole lines are decoded straight from the
 * read buffer in pieces of ≤ 64 KiB (ASCII pieces as latin1, the fastest decode; others
 * as UTF-8), a partial last line is kept until its end arrives (or `end()`).
 *
 * A line of `maxLine` bytes or more (newline excluded) is never kept: its bytes are
 * dropped as they arrive and it is skipped once ('line-too-long') when it ends, so the
 * buffer never grows past `maxLine` whatever the input (without this cap one line of
 * 100 MB without a newline grew the buffer, then a string and JSON.parse, by 3 × its size).
 * Whether a line is kept depends only on its length, never on where reads end.
 */
export class ByteLineFeeder {
	/** 32 MiB: 20 × the largest object etcd stores, so only huge RequestResponse LIST bodies go. */
	static readonly defaultMaxLine = 32 << 20;
	readonly decoder: LineDecoder;
	private readonly ascii: (bytes: Uint8Array) => boolean;
	private readonly control: ControlFinder | null;
	private readonly maxLine: number;
	private buf: Buffer;
	/** Bytes of a partial line kept at the front of buf. */
	private fill = 0;
	/** Bytes of an over-long line dropped so far (while skipping to its end); -1 when not skipping. */
	private dropped = -1;
	/** buf is a view of the control finder's memory. */
	private inWasm: boolean;

	constructor(decoder: LineDecoder, ascii: (bytes: Uint8Array) => boolean, control: ControlFinder | null, size = 1 << 22, maxLine = ByteLineFeeder.defaultMaxLine) {
		this.decoder = decoder;
		this.ascii = ascii;
		this.control = control;
		this.maxLine = Math.max(1, maxLine);
		// The buffer never holds more than maxLine bytes, so a line that fits is shorter than maxLine.
		size = Math.min(size, this.maxLine);
		if (control !== null && control.memory.buffer.byteLength >= size) {
			this.buf = Buffer.from(control.memory.buffer, 0, size);
			this.inWasm = true;
		} else {
			this.buf = Buffer.allocUnsafe(size);
			this.inWasm = false;
		}
	}

	/** The read buffer's size now (it grows up to maxLine). */
	get capacity(): number {
		return this.buf.length;
	}

	/** Where the next read should write: buffer, offset and the room there. */
	target(): {buffer: Buffer; offset: number; length: number} {
		if (this.fill >= this.buf.length) this.grow();
		return {buffer: this.buf, offset: this.fill, length: this.buf.length - this.fill};
	}

	/** `n` bytes were written at target().offset: decode the complete lines. */
	commit(n: number): void {
		if (this.dropped >= 0) {
			// Skipping an over-long line (fill is 0): drop bytes up to its newline.
			const nl = n > 0 ? this.buf.subarray(0, n).indexOf(10) : -1;
			if (nl < 0) {
				this.dropped += n;
				return;
			}
			this.dropped = -1;
			this.decoder.tooLong();
			const rest = n - nl - 1;
			if (rest > 0) this.buf.copy(this.buf, 0, nl + 1, n);
			this.commit(rest);
			return;
		}
		const len = this.fill + n;
		const last = n > 0 ? this.buf.lastIndexOf(10, len - 1) : -1;
		if (last < this.fill) {
			this.fill = len;
			this.capLine();
			return;
		}
		this.lines(0, last + 1);
		const rest = len - last - 1;
		if (rest > 0) this.buf.copy(this.buf, 0, last + 1, len);
		this.fill = rest;
		this.capLine();
	}

	/** Copies `bytes` in (stream sources) and decodes the complete lines. */
	push(bytes: Uint8Array): void {
		let at = 0;
		while (at < bytes.length) {
			const t = this.target();
			const n = Math.min(t.length, bytes.length - at);
			t.buffer.set(bytes.subarray(at, at + n), t.offset);
			at += n;
			this.commit(n);
		}
	}

	/** The input ended: a last line without a newline is decoded as it is. */
	end(): void {
		if (this.dropped >= 0) {
			this.dropped = -1;
			this.decoder.tooLong();
		}
		if (this.fill > 0) {
			this.lines(0, this.fill);
			this.fill = 0;
		}
		this.decoder.finish();
	}

	/** Drops a partial line (a followed file was truncated under it); returns its length in bytes. */
	discardPartial(): number {
		const n = this.fill + Math.max(0, this.dropped);
		this.fill = 0;
		this.dropped = -1;
		return n;
	}

	/** Bytes of the partial line (kept or being dropped). */
	pending(): number {
		return this.fill + Math.max(0, this.dropped);
	}

	/** A partial line that reached maxLine bytes is dropped from here on. */
	private capLine(): void {
		if (this.fill < this.maxLine) return;
		this.dropped = this.fill;
		this.fill = 0;
	}

	private grow(): void {
		const bigger = Buffer.allocUnsafe(Math.min(this.buf.length * 2, this.maxLine));
		this.buf.copy(bigger, 0, 0, this.fill);
		this.buf = bigger;
		this.inWasm = false;
	}

	/** Decodes buf[a, b), which holds whole lines, in pieces of at most 64 KiB. */
	private lines(a: number, b: number): void {
		const buf = this.buf;
		while (a < b) {
			let e = b;
			if (e - a > 65536) {
				e = buf.lastIndexOf(10, a + 65535) + 1;
				if (e <= a) {
					e = buf.indexOf(10, a + 65536) + 1;
					if (e <= 0 || e > b) e = b;
				}
			}
			const piece = buf.subarray(a, e);
			const clean = this.inWasm && this.control !== null && this.control.find(a, e) < 0;
			const ascii = this.ascii(piece);
			const text = piece.toString(ascii ? 'latin1' : 'utf8');
			// ASCII text in wasm memory: character k of the text is byte a + k, hashable there.
			this.decoder.chunk(text, 0, text.length, clean, clean && ascii ? this.control!.hash : null, a);
			a = e;
		}
	}
}

/** A feeder for `sink` with the fast paths this runtime offers. */
export function createFeeder(sink: RecordSink | LineDecoder, size = 1 << 22, maxLine = ByteLineFeeder.defaultMaxLine): ByteLineFeeder {
	const decoder = sink instanceof LineDecoder ? sink : new LineDecoder(sink);
	return new ByteLineFeeder(decoder, isAscii, ControlFinder.create(Math.min(size, maxLine)), size, maxLine);
}

/** Glob characters in one path segment. */
function hasGlob(segment: string): boolean {
	return /[*?[]/.test(segment);
}

function globToRegExp(pattern: string): RegExp {
	let re = '^';
	for (let i = 0; i < pattern.length; i++) {
		const ch = pattern[i]!;
		if (ch === '*') re += '[^/]*';
		else if (ch === '?') re += '[^/]';
		else if (ch === '[') {
			const close = pattern.indexOf(']', i + 1);
			if (close < 0) {
				re += '\\[';
			} else {
				let set = pattern.slice(i + 1, close);
				if (set.startsWith('!')) set = `^${set.slice(1)}`;
				re += `[${set.replace(/\\/g, '\\\\')}]`;
				i = close;
			}
		} else re += ch.replace(/[.+^${}()|\\]/g, '\\$&');
	}
	return new RegExp(`${re}$`);
}

async function expandGlob(pattern: string): Promise<string[]> {
	const absolute = resolve(pattern);
	const parts = absolute.split('/').filter((p) => p !== '');
	let bases = ['/'];
	for (let i = 0; i < parts.length; i++) {
		const part = parts[i]!;
		const next: string[] = [];
		for (const base of bases) {
			if (!hasGlob(part)) {
				next.push(join(base, part));
				continue;
			}
			const re = globToRegExp(part);
			let names: string[];
			try {
				names = await readdir(base);
			} catch {
				continue;
			}
			for (const name of names.sort()) if (re.test(name) && (!name.startsWith('.') || part.startsWith('.'))) next.push(join(base, name));
		}
		bases = next;
	}
	const files: string[] = [];
	for (const f of bases) {
		try {
			if ((await stat(f)).isFile()) files.push(f);
		} catch {
			// vanished between listing and stat
		}
	}
	return files;
}

/** Names that look like audit logs or their rotated copies. */
function looksLikeLog(name: string): boolean {
	return !name.startsWith('.') && /(\.(log|json|jsonl|ndjson|txt)(\.\d+)?(\.gz)?|\.gz|\.\d+)$/i.test(name);
}

/** The time of the first event in a file (first 256 KiB), else its mtime: the order rotated files are read in. */
async function firstEventTime(path: string): Promise<number> {
	let first = Number.NaN;
	const sink: RecordSink = {
		record(r) {
			if (Number.isNaN(first)) first = Number.isFinite(r.receivedMs) ? r.receivedMs : r.stageMs;
		},
		skip() {},
	};
	const feeder = new ByteLineFeeder(new LineDecoder(sink), isAscii, null, 1 << 18);
	const file = createReadStream(path, path.endsWith('.gz') ? {} : {end: (1 << 18) - 1});
	const source = path.endsWith('.gz') ? file.pipe(createGunzip()) : file;
	try {
		let seen = 0;
		for await (const chunk of source as AsyncIterable<Buffer>) {
			feeder.push(chunk);
			seen += chunk.length;
			if (!Number.isNaN(first) || seen >= 1 << 18) break;
		}
	} catch {
		// unreadable here (a .gz cut short too): reported when it is read
	} finally {
		// Both: a failed gunzip leaves the file stream (and its descriptor) open.
		source.destroy();
		file.destroy();
	}
	if (!Number.isNaN(first)) return first;
	try {
		return (await stat(path)).mtimeMs;
	} catch {
		return Number.POSITIVE_INFINITY;
	}
}

/**
 * Why a file cannot be read, in words (an errno code alone, or "no such file" for a path
 * whose parent is a file, told the user little or the wrong thing).
 */
export function describeFsError(error: unknown): string {
	const code = (error as NodeJS.ErrnoException)?.code;
	switch (code) {
		case 'ENOENT': return 'no such file or directory';
		case 'ENOTDIR': return 'a parent of the path is not a directory';
		case 'EACCES':
		case 'EPERM': return 'permission denied';
		case 'EISDIR': return 'it is a directory';
		case 'ELOOP': return 'too many levels of symbolic links';
		case 'ENXIO': return 'not a file that can be read (ENXIO)';
		case 'EIO': return 'input/output error (EIO)';
		default: return code ?? String((error as Error)?.message ?? error).split('\n')[0]!;
	}
}

/** An input that cannot be read, with one line to show. */
export class AuditSourceError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'AuditSourceError';
	}
}

/**
 * The files `--audit-log` names, oldest first: one file; every log-like file in a
 * directory; or the matches of a glob. `-` (stdin) and a FIFO or pipe are returned as they
 * are, never opened here (a look at a stream's first bytes would consume them).
 */
export async function listAuditFiles(spec: string): Promise<string[]> {
	if (spec === '-') return ['-'];
	let files: string[];
	if (hasGlob(spec)) {
		files = await expandGlob(spec);
		if (files.length === 0) throw new AuditSourceError(`audit log: no file matches ${spec}`);
	} else {
		let info;
		try {
			info = await stat(spec);
		} catch (error) {
			throw new AuditSourceError(`audit log: cannot read ${spec}: ${describeFsError(error)}`);
		}
		if (!info.isDirectory()) return [spec];
		let names: string[];
		try {
			names = (await readdir(spec)).sort();
		} catch (error) {
			throw new AuditSourceError(`audit log: cannot read the directory ${spec}: ${describeFsError(error)}`);
		}
		const all: string[] = [];
		for (const name of names) {
			const f = join(spec, name);
			try {
				if ((await stat(f)).isFile()) all.push(f);
			} catch {
				// vanished
			}
		}
		files = all.filter((f) => looksLikeLog(basename(f)));
		if (files.length === 0) files = all.filter((f) => !basename(f).startsWith('.'));
		if (files.length === 0) throw new AuditSourceError(`audit log: directory ${spec} holds no files`);
	}
	const keyed = await Promise.all(files.map(async (f) => ({f, t: await firstEventTime(f)})));
	keyed.sort((a, b) => a.t - b.t || a.f.localeCompare(b.f));
	return keyed.map((k) => k.f);
}

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

export interface FollowOptions {
	/** Read what the file holds already (default true), or start at its end. */
	fromStart?: boolean;
	/**
	 * Start at this byte offset of the file as it is now (a line start: ResumePoint.offset
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
			void this.poll().catch(async (error: unknown) => {
				this.notice(`audit log ${this.path} could not be read (${describeFsError(error)}); trying again`);
				await this.forgetFile();
			}).finally(() => {
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
			this.notice(`audit log ${this.path} was truncated; lines written just before it may be missing${lost > 0 ? ` (a partial line of ${lost} bytes dropped)` : ''}`);
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
		let size = 0;
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

/**
 * This module's code the audit worker thread needs (see parallel.ts). A function, so that
 * its own source text names each item as this build binds it (bundlers rename).
 */
export function sourcesKernel(): unknown[] {
	return [ControlFinder, ByteLineFeeder, gzipProblem];
}
