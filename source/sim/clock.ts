/**
 * The simulator's clock. Simulated time may run faster than wall time (`scale`), so that
 * minutes of controller behaviour (HPA syncs, CronJobs, event TTLs, watch timeouts) can be
 * driven in seconds of test time. Every timestamp the simulator writes and every timer it
 * arms goes through this clock.
 */
export interface SimTimer {
	cancel(): void;
}

export class SimClock {
	readonly scale: number;
	private readonly simStart: number;
	private readonly realStart: number;
	private readonly timers = new Set<NodeJS.Timeout>();

	constructor(options: {start?: number; scale?: number} = {}) {
		this.scale = options.scale && options.scale > 0 ? options.scale : 1;
		this.realStart = Date.now();
		this.simStart = options.start ?? this.realStart;
	}

	/** Simulated epoch milliseconds. */
	now(): number {
		return this.simStart + (Date.now() - this.realStart) * this.scale;
	}

	/** RFC 3339 with second precision, as metav1.Time serializes. */
	iso(at = this.now()): string {
		return toRfc3339(at);
	}

	/** RFC 3339 with microseconds, as metav1.MicroTime serializes. */
	microIso(at = this.now()): string {
		return new Date(Math.floor(at)).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
	}

	/** Wall-clock milliseconds for a span of simulated milliseconds. */
	realMs(simMs: number): number {
		return simMs / this.scale;
	}

	after(simMs: number, fn: () => void): SimTimer {
		const handle = setTimeout(
			() => {
				this.timers.delete(handle);
				fn();
			},
			Math.max(0, this.realMs(simMs)),
		);
		handle.unref?.();
		this.timers.add(handle);
		return {
			cancel: () => {
				clearTimeout(handle);
				this.timers.delete(handle);
			},
		};
	}

	every(simMs: number, fn: () => void): SimTimer {
		const handle = setInterval(fn, Math.max(1, this.realMs(simMs)));
		handle.unref?.();
		this.timers.add(handle);
		return {
			cancel: () => {
				clearInterval(handle);
				this.timers.delete(handle);
			},
		};
	}

	/** Cancel every timer armed through this clock. */
	stop(): void {
		for (const handle of this.timers) clearTimeout(handle);
		this.timers.clear();
	}
}

export function toRfc3339(ms: number): string {
	return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
