/**
 * Where audit bytes come from: a file, stdin (`-`), a directory or glob of rotated files
 * (`.gz` included) read oldest first, or a file followed live like `tail -F` (rename
 * rotation and copytruncate detected, nothing lost or read twice, a partial last line
 * waits for its end). Bytes become lines and lines become records through one
 * ByteLineFeeder per input.
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
 */
export class ByteLineFeeder {
	readonly decoder: LineDecoder;
	private readonly ascii: (bytes: Uint8Array) => boolean;
	private readonly control: ControlFinder | null;
	private buf: Buffer;
	/** Bytes of a partial line kept at the front of buf. */
	private fill = 0;
	/** buf is a view of the control finder's memory. */
	private inWasm: boolean;

	constructor(decoder: LineDecoder, ascii: (bytes: Uint8Array) => boolean, control: ControlFinder | null, size = 1 << 22) {
		this.decoder = decoder;
		this.ascii = ascii;
		this.control = control;
		if (control !== null && control.memory.buffer.byteLength >= size) {
			this.buf = Buffer.from(control.memory.buffer, 0, size);
			this.inWasm = true;
		} else {
			this.buf = Buffer.allocUnsafe(size);
			this.inWasm = false;
		}
	}

	/** Where the next read should write: buffer, offset and the room there. */
	target(): {buffer: Buffer; offset: number; length: number} {
		if (this.fill >= this.buf.length) this.grow();
		return {buffer: this.buf, offset: this.fill, length: this.buf.length - this.fill};
	}

	/** `n` bytes were written at target().offset: decode the complete lines. */
	commit(n: number): void {
		const len = this.fill + n;
		const last = n > 0 ? this.buf.lastIndexOf(10, len - 1) : -1;
		if (last < this.fill) {
			this.fill = len;
			return;
		}
		this.lines(0, last + 1);
		const rest = len - last - 1;
		if (rest > 0) this.buf.copy(this.buf, 0, last + 1, len);
		this.fill = rest;
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
		if (this.fill > 0) {
			this.lines(0, this.fill);
			this.fill = 0;
		}
		this.decoder.finish();
	}

	/** Drops a partial line (a followed file was truncated under it). */
	discardPartial(): number {
		const n = this.fill;
		this.fill = 0;
		return n;
	}

	pending(): number {
		return this.fill;
	}

	private grow(): void {
		const bigger = Buffer.allocUnsafe(this.buf.length * 2);
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
export function createFeeder(sink: RecordSink | LineDecoder, size = 1 << 22): ByteLineFeeder {
	const decoder = sink instanceof LineDecoder ? sink : new LineDecoder(sink);
	return new ByteLineFeeder(decoder, isAscii, ControlFinder.create(size), size);
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
	try {
		const source = path.endsWith('.gz') ? createReadStream(path).pipe(createGunzip()) : createReadStream(path, {end: (1 << 18) - 1});
		let seen = 0;
		for await (const chunk of source as AsyncIterable<Buffer>) {
			feeder.push(chunk);
			seen += chunk.length;
			if (!Number.isNaN(first) || seen >= 1 << 18) break;
		}
		(source as NodeJS.ReadableStream & {destroy?: () => void}).destroy?.();
	} catch {
		// unreadable here: reported when it is read
	}
	if (!Number.isNaN(first)) return first;
	try {
		return (await stat(path)).mtimeMs;
	} catch {
		return Number.POSITIVE_INFINITY;
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
 * directory; or the matches of a glob. `-` is stdin (returned as is).
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
		} catch {
			throw new AuditSourceError(`audit log: cannot read ${spec}: no such file or directory`);
		}
		if (!info.isDirectory()) return [spec];
		const names = (await readdir(spec)).sort();
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
}

/**
 * Feeds one whole file (plain or .gz) to the feeder. Returns the bytes of complete lines
 * read from a plain file (with `keepPartial`, an unterminated last line is not decoded and
 * not counted), -1 for .gz.
 */
export async function readFileInto(path: string, feeder: ByteLineFeeder, options: ReadOptions = {}, counted = {bytes: 0}, keepPartial = false): Promise<number> {
	feeder.decoder.begin();
	if (path.endsWith('.gz')) {
		const stream = createReadStream(path).pipe(createGunzip());
		try {
			for await (const chunk of stream as AsyncIterable<Buffer>) {
				if (options.signal?.aborted) break;
				feeder.push(chunk);
				counted.bytes += chunk.length;
				options.onProgress?.(counted.bytes);
			}
		} catch (error) {
			throw new AuditSourceError(`audit log: cannot read ${path}: ${(error as Error).message.split('\n')[0]}`);
		}
		feeder.end();
		return -1;
	}
	let handle: FileHandle;
	try {
		handle = await open(path, 'r');
	} catch (error) {
		throw new AuditSourceError(`audit log: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
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
		throw new AuditSourceError(`audit log: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
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

/** Reads stdin to its end. */
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
	let resume: ResumePoint | undefined;
	for (const [index, f] of files.entries()) {
		if (f === '-') {
			await readStreamInto(options.stdin ?? process.stdin, feeder, options, counted);
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
		const consumed = await readFileInto(f, feeder, options, counted, follow);
		if (follow) resume = {path: f, offset: consumed};
		read.push(f);
	}
	return {files: read, bytes: counted.bytes, ...(resume === undefined ? {} : {resume})};
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
}

/**
 * Follows one file like `tail -F`. Each poll reads what was appended. Rename rotation
 * (a new file at the path): the old file is read to its end first, its last line kept
 * even without a newline. copytruncate (the same file got shorter, or its bytes before
 * our position changed): the part written between our last read and the truncation is
 * read from the rotated copy next to it when one matches, else a gap is reported.
 */
export class AuditFollower {
	readonly path: string;
	private readonly feeder: ByteLineFeeder;
	private readonly options: Required<Omit<FollowOptions, 'onNotice' | 'startAt'>> & Pick<FollowOptions, 'onNotice' | 'startAt'>;
	private handle: FileHandle | undefined;
	private ino = -1;
	private dev = -1;
	/** Bytes of the current file read (complete lines + the pending partial line). */
	private position = 0;
	/** The last bytes read before `position`, to recognise the file (and its rotated copy). */
	private tail: Buffer = Buffer.alloc(0);
	private timer: NodeJS.Timeout | undefined;
	private polling: Promise<void> | undefined;
	private started = false;
	/** Counts for tests and the status line. */
	readonly stats = {rotations: 0, truncations: 0, recovered: 0, gaps: 0};

	constructor(path: string, sink: RecordSink, options: FollowOptions = {}) {
		this.path = path;
		this.feeder = createFeeder(sink, 1 << 20);
		this.options = {fromStart: options.fromStart ?? true, pollMs: options.pollMs ?? 250, onNotice: options.onNotice, startAt: options.startAt};
	}

	/** Polls every pollMs until stop(). */
	start(): void {
		if (this.timer !== undefined) return;
		const tick = (): void => {
			void this.poll().finally(() => {
				if (this.timer !== undefined) this.timer = setTimeout(tick, this.options.pollMs);
			});
		};
		this.timer = setTimeout(tick, 0);
	}

	async stop(): Promise<void> {
		if (this.timer !== undefined) clearTimeout(this.timer);
		this.timer = undefined;
		await this.polling;
		await this.handle?.close();
		this.handle = undefined;
	}

	/** Reads whatever is new (one poll at a time). */
	poll(): Promise<void> {
		this.polling ??= this.pollOnce().finally(() => {
			this.polling = undefined;
		});
		return this.polling;
	}

	private notice(message: string): void {
		this.options.onNotice?.(message);
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
		await this.checkTruncation();
		await this.drain();
		if (info !== undefined && (info.ino !== this.ino || info.dev !== this.dev)) {
			// Rename rotation: the old file is complete; its last line may lack a newline.
			await this.drain();
			this.finishFile();
			await this.handle?.close();
			this.handle = undefined;
			this.stats.rotations++;
			await this.openCurrent(0);
			await this.drain();
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

	/** Reads from position to the current end of the open file. */
	private async drain(): Promise<void> {
		const handle = this.handle;
		if (handle === undefined) return;
		for (;;) {
			const t = this.feeder.target();
			const {bytesRead} = await handle.read(t.buffer, t.offset, t.length, this.position);
			if (bytesRead === 0) return;
			this.remember(t.buffer, t.offset, bytesRead);
			this.position += bytesRead;
			this.feeder.commit(bytesRead);
		}
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
		let truncated = size < this.position;
		if (!truncated && this.tail.length > 0) {
			const probe = Math.min(64, this.tail.length);
			const got = Buffer.alloc(probe);
			await handle.read(got, 0, probe, this.position - probe);
			truncated = !got.equals(this.tail.subarray(this.tail.length - probe));
		}
		if (!truncated) return;
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

	/** Finds the rotated copy holding our last bytes at our position and reads its rest. */
	private async readFromCopy(): Promise<boolean> {
		const dir = dirname(this.path);
		const base = basename(this.path);
		let names: string[];
		try {
			names = await readdir(dir);
		} catch {
			return false;
		}
		const candidates: {path: string; mtime: number}[] = [];
		for (const name of names) {
			if (name === base || !name.startsWith(base.replace(/\.[^.]*$/, ''))) continue;
			const path = join(dir, name);
			try {
				const info = await stat(path);
				if (info.isFile()) candidates.push({path, mtime: info.mtimeMs});
			} catch {
				// vanished
			}
		}
		candidates.sort((a, b) => b.mtime - a.mtime);
		for (const c of candidates.slice(0, 4)) {
			const rest = await this.copyRest(c.path);
			if (rest === undefined) continue;
			this.feeder.push(rest);
			this.stats.recovered++;
			return true;
		}
		return false;
	}

	/**
	 * The bytes of a copy after our position, when the copy holds our last bytes right
	 * before it (empty when the copy ends where we already were); undefined when it is not
	 * a copy of what we read.
	 */
	private async copyRest(path: string): Promise<Buffer | undefined> {
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
						// The copy ends before our position: it matches when its end is what we read there.
						const back = this.tail.length - (this.position - size);
						if (back < data.length || back > this.tail.length) return undefined;
						return data.equals(this.tail.subarray(back - data.length, back)) ? Buffer.alloc(0) : undefined;
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
			return data.subarray(data.length - n).equals(this.tail.subarray(back - n, back)) ? Buffer.alloc(0) : undefined;
		}
		return data.subarray(0, this.tail.length).equals(this.tail) ? data.subarray(this.tail.length) : undefined;
	}
}

/**
 * This module's code the audit worker thread needs (see parallel.ts). A function, so that
 * its own source text names each item as this build binds it (bundlers rename).
 */
export function sourcesKernel(): unknown[] {
	return [ControlFinder, ByteLineFeeder];
}
