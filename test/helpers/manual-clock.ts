/** A clock that moves only when told to: deterministic tests of budgets and backoff. */
import {abortError, type Clock} from '../../source/clock.js';

interface Timer {
	at: number;
	fn: () => void;
	id: number;
}

export class ManualClock implements Clock {
	private time: number;
	private timers: Timer[] = [];
	private seq = 0;

	constructor(start = 1_700_000_000_000) {
		this.time = start;
	}

	now(): number {
		return this.time;
	}

	toReal(ms: number): number {
		return ms;
	}

	setTimeout(fn: () => void, ms: number): NodeJS.Timeout {
		const timer = {at: this.time + Math.max(0, ms), fn, id: ++this.seq};
		this.timers.push(timer);
		return {
			ref() {},
			unref() {},
			hasRef: () => true,
			refresh() {},
			[Symbol.toPrimitive]: () => timer.id,
			close() {},
			_timer: timer,
		} as unknown as NodeJS.Timeout;
	}

	sleep(ms: number, signal?: AbortSignal): Promise<void> {
		return new Promise((resolve, reject) => {
			if (signal?.aborted) {
				reject(abortError());
				return;
			}
			this.setTimeout(resolve, ms);
			signal?.addEventListener('abort', () => reject(abortError()), {once: true});
		});
	}

	/** Move time forward, running due timers in order (and the microtasks they queue). */
	async advance(ms: number): Promise<void> {
		const end = this.time + ms;
		for (;;) {
			await new Promise((resolve) => setImmediate(resolve));
			this.timers.sort((a, b) => a.at - b.at || a.id - b.id);
			const next = this.timers[0];
			if (!next || next.at > end) break;
			this.timers.shift();
			this.time = next.at;
			next.fn();
		}
		this.time = end;
		await new Promise((resolve) => setImmediate(resolve));
	}
}
