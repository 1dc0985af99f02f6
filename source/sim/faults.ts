/**
 * Fault injection: what a struggling API server or network does to its clients. Faults
 * are set at start or at run time (in process, or through POST /__sim/faults), and are
 * decided with the scenario's seeded PRNG so a run is repeatable.
 */
import type {Random} from './random.js';

export interface FaultSettings {
	/** Share (0..1) of requests answered 429 with Retry-After. */
	throttleShare?: number;
	retryAfterSeconds?: number;
	/** Only throttle requests whose path matches (substring); default all but /__sim. */
	throttlePath?: string;
	/** Answer the next N requests with a 5xx. */
	errorBurst?: number;
	errorCode?: 500 | 502 | 503 | 504;
	/** Share (0..1) of requests answered with a 5xx, continuously. */
	errorShare?: number;
	/** Added latency before any response, milliseconds (wall time). */
	latencyMs?: number;
	/** The next N watch requests get 410 Gone. */
	expireNextWatches?: number;
	/** How that 410 arrives: an HTTP 410 status, or a 200 stream with an ERROR event. */
	expireMode?: 'status' | 'event';
	/** The next N watch requests go half-open: headers sent, then silence forever. */
	halfOpenNextWatches?: number;
	/** Every new watch goes half-open while true. */
	halfOpenAllWatches?: boolean;
	/**
	 * The next N watch requests get, after the watch cache's 3 s wait, an ERROR event "Too
	 * large resource version" (504, cause ResourceVersionTooLarge): what a server that is
	 * behind the client's resourceVersion answers a watch-list with.
	 */
	tooLargeNextWatches?: number;
	/**
	 * The server gone away: open connections are cut when this is set (keep-alive ones too,
	 * or a client would go on being answered on them), and new ones are destroyed on arrival.
	 */
	down?: boolean;
}

export class Faults {
	settings: FaultSettings = {};
	/** Counters for what was injected, for tests and the request log. */
	readonly injected = {throttled: 0, errors: 0, expired: 0, halfOpen: 0, refused: 0, tooLarge: 0, restored: 0};

	private readonly goneDown = new Set<() => void>();

	constructor(
		private readonly random: Random,
		initial: FaultSettings = {},
	) {
		this.settings = {...initial};
	}

	set(settings: FaultSettings): void {
		const wasDown = this.settings.down === true;
		this.settings = {...this.settings, ...settings};
		if (!wasDown && this.settings.down === true) for (const listener of this.goneDown) listener();
	}

	/** Call `listener` each time `down` is set (the server cuts its connections then). */
	onDown(listener: () => void): void {
		this.goneDown.add(listener);
	}

	clear(): void {
		this.settings = {};
	}

	shouldThrottle(path: string): number | undefined {
		const share = this.settings.throttleShare ?? 0;
		if (share <= 0 || path.startsWith('/__sim')) return undefined;
		if (this.settings.throttlePath && !path.includes(this.settings.throttlePath)) return undefined;
		if (this.random.next() >= share) return undefined;
		this.injected.throttled++;
		return this.settings.retryAfterSeconds ?? 1;
	}

	shouldError(path: string): number | undefined {
		if (path.startsWith('/__sim')) return undefined;
		if ((this.settings.errorBurst ?? 0) > 0) {
			this.settings.errorBurst!--;
			this.injected.errors++;
			return this.settings.errorCode ?? 503;
		}
		if ((this.settings.errorShare ?? 0) > 0 && this.random.next() < this.settings.errorShare!) {
			this.injected.errors++;
			return this.settings.errorCode ?? 503;
		}
		return undefined;
	}

	takeExpiredWatch(): 'status' | 'event' | undefined {
		if ((this.settings.expireNextWatches ?? 0) <= 0) return undefined;
		this.settings.expireNextWatches!--;
		this.injected.expired++;
		return this.settings.expireMode ?? 'event';
	}

	takeTooLargeWatch(): boolean {
		if ((this.settings.tooLargeNextWatches ?? 0) <= 0) return false;
		this.settings.tooLargeNextWatches!--;
		this.injected.tooLarge++;
		return true;
	}

	takeHalfOpenWatch(): boolean {
		if (this.settings.halfOpenAllWatches) {
			this.injected.halfOpen++;
			return true;
		}
		if ((this.settings.halfOpenNextWatches ?? 0) <= 0) return false;
		this.settings.halfOpenNextWatches!--;
		this.injected.halfOpen++;
		return true;
	}
}
