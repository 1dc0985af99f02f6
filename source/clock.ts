/**
 * The product's clock. Production uses wall time; tests run the product against a
 * simulator whose time runs faster, and give both the same scale so that "once a minute"
 * means a simulated minute on both sides.
 */
export interface Clock {
	/** Epoch milliseconds. */
	now(): number;
	/** Wall-clock milliseconds for a span of clock milliseconds. */
	toReal(ms: number): number;
	setTimeout(fn: () => void, ms: number): NodeJS.Timeout;
	/** Resolves after `ms` clock milliseconds, or rejects with an AbortError when aborted. */
	sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export class ScaledClock implements Clock {
	private readonly realStart = Date.now();
	private readonly start: number;

	constructor(
		readonly scale = 1,
		start?: number,
	) {
		this.start = start ?? this.realStart;
	}

	now(): number {
		return this.start + (Date.now() - this.realStart) * this.scale;
	}

	toReal(ms: number): number {
		return ms / this.scale;
	}

	setTimeout(fn: () => void, ms: number): NodeJS.Timeout {
		return setTimeout(fn, Math.max(0, ms / this.scale));
	}

	sleep(ms: number, signal?: AbortSignal): Promise<void> {
		return new Promise((resolve, reject) => {
			if (signal?.aborted) {
				reject(abortError());
				return;
			}
			const timer = setTimeout(
				() => {
					signal?.removeEventListener('abort', onAbort);
					resolve();
				},
				Math.max(0, ms / this.scale),
			);
			const onAbort = () => {
				clearTimeout(timer);
				reject(abortError());
			};
			signal?.addEventListener('abort', onAbort, {once: true});
		});
	}
}

export const wallClock: Clock = new ScaledClock(1);

export function abortError(): Error {
	const error = new Error('aborted');
	error.name = 'AbortError';
	return error;
}

export function isAbortError(error: unknown): boolean {
	return error instanceof Error && error.name === 'AbortError';
}
