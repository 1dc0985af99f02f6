/**
 * Which way a log runs and how far reading has come in it, in event time: the reading
 * clock. Exports are often newest first (a query sorted descending) or shuffled within
 * minutes (several API servers' logs merged); what the aggregator keeps to count such
 * input right — the tombstones of watches whose completion came before their start, the
 * hashes of events seen (duplicates.ts) — is kept for a window of event time around the
 * clock, and an event further out of order than that window is counted here, so the
 * pane can say so.
 *
 * Shipped to the audit worker (README.md: the worker kernel).
 */

/** The reading clock's state as plain data (for worker threads). */
export interface ClockState {
	low: number;
	high: number;
	direction: number;
	outOfOrder: number;
}

/**
 * The reading clock. Until the times read span more than the window, the log's
 * direction is unknown and nothing is out of order; then it runs oldest first if the
 * event that widened the span was the newest so far, else newest first. From then on the
 * clock is the newest time read (oldest first) or the oldest (newest first), and an event
 * more than the window behind it is out of order.
 */
export class ReadingClock {
	/** How far out of order an event may be and still be counted right: 10 minutes of event time. */
	static readonly windowMs = 600_000;
	/** The oldest and newest times read. */
	low = Number.POSITIVE_INFINITY;
	high = Number.NEGATIVE_INFINITY;
	/** 0 not known yet, 1 oldest first, -1 newest first. */
	direction = 0;
	/** Events more than the window out of order. */
	outOfOrder = 0;

	/** Reads one event's time (NaN: an event without one, which changes nothing). */
	see(t: number): void {
		if (!Number.isFinite(t)) return;
		const window = ReadingClock.windowMs;
		if (this.direction === 0) {
			const newest = t > this.high;
			const oldest = t < this.low;
			if (newest) this.high = t;
			if (oldest) this.low = t;
			if (this.high - this.low > window) this.direction = newest ? 1 : -1;
			return;
		}
		if (t > this.high) this.high = t;
		if (t < this.low) this.low = t;
		if (this.direction > 0 ? t < this.high - window : t > this.low + window) this.outOfOrder++;
	}

	/** Where reading is: the newest time read when the log runs oldest first, the oldest when newest first; NaN while not known. */
	now(): number {
		return this.direction > 0 ? this.high : this.direction < 0 ? this.low : Number.NaN;
	}

	/**
	 * An event with a time from `from` to `to` read now would be more than the window out
	 * of order: what was kept for such times can go.
	 */
	passed(from: number, to: number): boolean {
		if (this.direction > 0) return to < this.high - ReadingClock.windowMs;
		if (this.direction < 0) return from > this.low + ReadingClock.windowMs;
		return false;
	}

	/**
	 * The time to keep what is read now at time `t` for: `t`, or where the clock is when
	 * `t` has passed (an event out of order is kept a window from now, so that a repeat
	 * read soon after it is still found).
	 */
	keepAt(t: number): number {
		if (this.direction > 0 && t < this.high - ReadingClock.windowMs) return this.high;
		if (this.direction < 0 && t > this.low + ReadingClock.windowMs) return this.low;
		return t;
	}

	toData(): ClockState {
		return {low: this.low, high: this.high, direction: this.direction, outOfOrder: this.outOfOrder};
	}

	/**
	 * Adds the clock of the next part of the same log: the times read by both; the
	 * direction the first part that knew one found, else (two short parts that together
	 * span more than the window) the way the next part went.
	 */
	merge(other: ClockState): void {
		const later = other.high > this.high;
		if (other.low < this.low) this.low = other.low;
		if (other.high > this.high) this.high = other.high;
		if (this.direction === 0) this.direction = other.direction;
		if (this.direction === 0 && this.high - this.low > ReadingClock.windowMs) this.direction = later ? 1 : -1;
		this.outOfOrder += other.outOfOrder;
	}
}

/** This module's part of the worker kernel (see README.md). */
export function orderKernel(): unknown[] {
	return [ReadingClock];
}
