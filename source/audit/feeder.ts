/**
 * Bytes to lines: ByteLineFeeder turns what a source read into whole lines for a
 * LineDecoder, in pieces decoded straight from the read buffer, with a cap on the length
 * of a line kept. One feeder per input; listing, reading and following all feed through one.
 *
 * Shipped to the audit worker (README.md: the worker kernel).
 */
import {isAscii} from 'node:buffer';
import {ControlFinder} from './control-finder.js';
import {LineDecoder} from './formats.js';
import type {RecordSink} from './record-sink.js';

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

	constructor(
		decoder: LineDecoder,
		ascii: (bytes: Uint8Array) => boolean,
		control: ControlFinder | null,
		size = 1 << 22,
		maxLine = ByteLineFeeder.defaultMaxLine,
	) {
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

/** This module's part of the worker kernel (see README.md). */
export function feederKernel(): unknown[] {
	return [ByteLineFeeder];
}
