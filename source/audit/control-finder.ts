/**
 * The control-character finder and text hash over the read buffer: two small hand-written
 * WebAssembly functions whose memory doubles as ByteLineFeeder's read buffer, so a chunk
 * is checked and hashed where it was read, without a copy.
 *
 * Shipped to the audit worker (README.md: the worker kernel).
 */

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
		// Laid out by hand: one instruction a line, with what it does.
		// prettier-ignore
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
		// Laid out by hand: one instruction a line, with what it does.
		// prettier-ignore
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
		// Laid out by hand: one instruction a line, with what it does.
		// prettier-ignore
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
		const wasm = (
			globalThis as unknown as {
				WebAssembly?: {
					Module: new (bytes: Uint8Array) => object;
					Instance: new (module: object) => {
						exports: {mem: {buffer: ArrayBuffer}; ctl: (start: number, length: number) => number; hash: (start: number, length: number) => number};
					};
				};
			}
		).WebAssembly;
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

/** This module's part of the worker kernel (see README.md). */
export function controlFinderKernel(): unknown[] {
	return [ControlFinder];
}
