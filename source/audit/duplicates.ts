/**
 * Events read twice: an at-least-once log shipper, overlapping exports or rotated files
 * that overlap hand the same event again. An event is known by a 64-bit hash of its
 * auditID, stage and stage time — the time too, because the API server takes a client's
 * Audit-ID header as the auditID as is (apiserver/pkg/endpoints/filters/audit_init.go), so
 * one ID can name several requests, while a repeated event repeats its time to the
 * microsecond. The hashes of the events of the reading clock's window (order.ts) are
 * kept in typed arrays, no string per event: at most 2^21 slots (24 MiB), at most half of
 * them used. Above 2^19 hashes in the window (10 minutes of some 800 events a second) the
 * oldest minutes in reading order go first, and a repeat of their events is counted. An
 * event without an auditID or a time is never taken for a repeat.
 *
 * Shipped to the audit worker (README.md: the worker kernel).
 */
import {ReadingClock} from './order.js';

/** The hashes kept, as plain data (for worker threads): one entry per index. */
export interface DuplicateState {
	hi: Uint32Array;
	lo: Uint32Array;
	minute: Int32Array;
}

/** A bounded set of event hashes, each kept for the minute of event time it was read for while the clock has not passed it. */
export class DuplicateSet {
	static readonly maxSlots = 1 << 21;
	/** The hash computed last (hash()). */
	hi = 0;
	lo = 0;
	private keysHi: Uint32Array;
	private keysLo: Uint32Array;
	/** The minute (epoch minutes, at least 1) each slot is kept for; 0: empty. */
	private minutes: Int32Array;
	/** Slots not empty (kept or passed). */
	private used = 0;
	/** The minutes kept, from window(): those of the clock's window. */
	private from = Number.NEGATIVE_INFINITY;
	private to = Number.POSITIVE_INFINITY;

	constructor(slots = 1 << 12) {
		this.keysHi = new Uint32Array(slots);
		this.keysLo = new Uint32Array(slots);
		this.minutes = new Int32Array(slots);
	}

	/** Slots held now. */
	get capacity(): number {
		return this.minutes.length;
	}

	/**
	 * Sets hi and lo to the hash of an event: two 32-bit FNV-1a-style mixes (different
	 * multipliers) over the ID and the stage, two characters a step, each with its length, and the time in
	 * microseconds, each finished with murmur3's final mix.
	 */
	hash(id: string, stage: string, t: number): void {
		let a = 0x811c9dc5 | 0;
		let b = 0x27d4eb2f | 0;
		// The ID, then the stage, each followed by its length (no string is built).
		for (let part = 0; part < 2; part++) {
			const text = part === 0 ? id : stage;
			const n = text.length;
			for (let i = 0; i < n; i += 2) {
				const c = text.charCodeAt(i) | (i + 1 < n ? text.charCodeAt(i + 1) << 16 : 0x10000);
				a = Math.imul(a ^ c, 0x01000193);
				b = Math.imul(b ^ c, 0x5bd1e995);
				b ^= b >>> 15;
			}
			a = Math.imul(a ^ n, 0x01000193);
			b = Math.imul(b ^ n, 0x5bd1e995);
		}
		const us = Math.round(t * 1000);
		const low = us >>> 0;
		const high = Math.floor(us / 4294967296) | 0;
		a = Math.imul(a ^ low, 0x01000193);
		a = Math.imul(a ^ high, 0x01000193);
		b = Math.imul(b ^ low, 0x5bd1e995);
		b ^= b >>> 15;
		b = Math.imul(b ^ high, 0x5bd1e995);
		this.hi = DuplicateSet.finish(a);
		this.lo = DuplicateSet.finish(b ^ Math.imul(a, 0x9e3779b1));
	}

	/** murmur3's 32-bit final mix. */
	static finish(h: number): number {
		h ^= h >>> 16;
		h = Math.imul(h, 0x85ebca6b);
		h ^= h >>> 13;
		h = Math.imul(h, 0xc2b2ae35);
		h ^= h >>> 16;
		return h >>> 0;
	}

	/**
	 * Sets from and to, the minutes kept: those not passed by the clock (ReadingClock.passed
	 * for a minute's times), all of them without a clock or before its direction is known.
	 */
	private window(clock: ReadingClock | undefined): void {
		this.from = Number.NEGATIVE_INFINITY;
		this.to = Number.POSITIVE_INFINITY;
		if (clock === undefined) return;
		if (clock.direction > 0) this.from = Math.ceil((clock.high - ReadingClock.windowMs - 59_999.999) / 60_000);
		else if (clock.direction < 0) this.to = Math.floor((clock.low + ReadingClock.windowMs) / 60_000);
	}

	/** Whether the hash (hi, lo) is kept and its minute not passed. */
	has(hi: number, lo: number, clock?: ReadingClock): boolean {
		const mask = this.minutes.length - 1;
		for (let i = lo & mask; ; i = (i + 1) & mask) {
			const m = this.minutes[i]!;
			if (m === 0) return false;
			if (this.keysLo[i] === lo && this.keysHi[i] === hi) {
				this.window(clock);
				return m >= this.from && m <= this.to;
			}
		}
	}

	/**
	 * True when the hash (hi, lo) is kept already and its minute not passed: the event was
	 * read before. Else keeps it for the minute of `t` (or of the clock, when `t` has
	 * passed: see ReadingClock.keepAt) and gives false.
	 */
	add(hi: number, lo: number, t: number, clock?: ReadingClock): boolean {
		const minute = Math.max(1, Math.floor((clock === undefined ? t : clock.keepAt(t)) / 60_000));
		const mask = this.minutes.length - 1;
		let i = lo & mask;
		for (; ; i = (i + 1) & mask) {
			const m = this.minutes[i]!;
			if (m === 0) break;
			if (this.keysLo[i] === lo && this.keysHi[i] === hi) {
				this.window(clock);
				if (m >= this.from && m <= this.to) return true;
				// Read again after its window passed: kept afresh.
				this.minutes[i] = minute;
				return false;
			}
		}
		this.keysHi[i] = hi;
		this.keysLo[i] = lo;
		this.minutes[i] = minute;
		this.used++;
		if (this.used * 2 >= this.minutes.length) this.rebuild(clock);
		return false;
	}

	/**
	 * Half the slots are used: the hashes whose minute is not passed are kept in a table
	 * grown so that they fill at most a quarter of it (up to maxSlots); at maxSlots, the
	 * oldest minutes (in reading order) go until they do.
	 */
	private rebuild(clock: ReadingClock | undefined): void {
		this.window(clock);
		const old = this.minutes;
		let live = 0;
		for (let i = 0; i < old.length; i++) {
			const m = old[i]!;
			if (m !== 0 && m >= this.from && m <= this.to) live++;
		}
		let slots = old.length;
		while (slots < DuplicateSet.maxSlots && live * 4 > slots) slots *= 2;
		if (live * 4 > slots) {
			const perMinute = new Map<number, number>();
			for (let i = 0; i < old.length; i++) {
				const m = old[i]!;
				if (m !== 0 && m >= this.from && m <= this.to) perMinute.set(m, (perMinute.get(m) ?? 0) + 1);
			}
			const newestFirst = clock !== undefined && clock.direction < 0;
			const order = [...perMinute.keys()].sort((x, y) => (newestFirst ? y - x : x - y));
			for (const m of order) {
				if (live * 4 <= slots) break;
				live -= perMinute.get(m)!;
				if (newestFirst) this.to = m - 1;
				else this.from = m + 1;
			}
		}
		const from = this.from;
		const to = this.to;
		const hi = this.keysHi;
		const lo = this.keysLo;
		this.keysHi = new Uint32Array(slots);
		this.keysLo = new Uint32Array(slots);
		this.minutes = new Int32Array(slots);
		this.used = 0;
		const mask = slots - 1;
		for (let j = 0; j < old.length; j++) {
			const m = old[j]!;
			if (m === 0 || m < from || m > to) continue;
			let i = lo[j]! & mask;
			while (this.minutes[i] !== 0) i = (i + 1) & mask;
			this.keysHi[i] = hi[j]!;
			this.keysLo[i] = lo[j]!;
			this.minutes[i] = m;
			this.used++;
		}
	}

	/** The hashes kept and not passed. */
	toData(clock?: ReadingClock): DuplicateState {
		this.window(clock);
		let n = 0;
		for (let i = 0; i < this.minutes.length; i++) if (this.minutes[i]! >= this.from && this.minutes[i]! <= this.to && this.minutes[i] !== 0) n++;
		const out = {hi: new Uint32Array(n), lo: new Uint32Array(n), minute: new Int32Array(n)};
		let k = 0;
		for (let i = 0; i < this.minutes.length; i++) {
			const m = this.minutes[i]!;
			if (m === 0 || m < this.from || m > this.to) continue;
			out.hi[k] = this.keysHi[i]!;
			out.lo[k] = this.keysLo[i]!;
			out.minute[k] = m;
			k++;
		}
		return out;
	}

	/** Adds the hashes another part kept (those not passed by `clock`). */
	merge(state: DuplicateState, clock?: ReadingClock): void {
		for (let k = 0; k < state.minute.length; k++) {
			const m = state.minute[k]!;
			this.window(clock);
			if (m >= this.from && m <= this.to) this.add(state.hi[k]!, state.lo[k]!, m * 60_000, clock);
		}
	}
}

/** This module's part of the worker kernel (see README.md). */
export function duplicatesKernel(): unknown[] {
	return [DuplicateSet];
}
