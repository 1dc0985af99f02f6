/**
 * The gentle request layer — the only way the product talks to the API server:
 * a client-side budget (token bucket: 5 QPS, burst 10 by default) in front of every
 * request; one circuit breaker for all of them (Breaker): 429 → wait Retry-After (capped),
 * 5xx to a read and network errors → exponential backoff with jitter (0.5 s → 30 s), one
 * probe at a time until the server answers, never a tight loop;
 * 401 → refresh the credential once; and a connection state (live, reconnecting,
 * unauthorized, forbidden, unreachable) that the UI shows, with the time of the last watch
 * traffic (the header's "last event" age: events, bookmarks, a reflector's LIST — not any
 * answer, or a /metrics poll would hide a dead watch).
 */
import {EventEmitter} from 'node:events';
import {abortError, type Clock, isAbortError, wallClock} from '../clock.js';
import type {Credentials} from './credentials.js';
import {NetworkError, type RawResponse, type Transport} from './transport.js';

export type ConnectionStatus = 'connecting' | 'live' | 'reconnecting' | 'unauthorized' | 'forbidden' | 'unreachable';

export interface ConnectionState {
	status: ConnectionStatus;
	/** One line about the last problem, if any. */
	message?: string;
	/** Epoch ms of the last successful response (any request). */
	lastOk?: number;
	/** Epoch ms of the last watch event or bookmark, or a reflector's completed LIST: the data's age. */
	lastEventAt?: number;
}

/** A Status answer from the API server (or a non-2xx without one). */
export class ApiStatusError extends Error {
	constructor(
		readonly status: number,
		readonly reason: string,
		message: string,
		readonly body: unknown,
		readonly retryAfterSeconds?: number,
	) {
		super(message);
	}

	get code(): number {
		return this.status;
	}
}

/**
 * "Too large resource version": the server has not reached a resourceVersion the client
 * sent (it is behind, or went back in time). A Timeout (504) whose Status carries the cause
 * ResourceVersionTooLarge (k8s.io/apiserver pkg/storage/errors.go
 * NewTooLargeResourceVersionError); servers before 1.17 said so only in the message, as
 * client-go's reflector.go isTooLargeResourceVersionError also checks.
 */
export function isTooLargeResourceVersion(error: unknown): boolean {
	if (!(error instanceof ApiStatusError)) return false;
	const body = (error.body ?? {}) as {message?: unknown; details?: {causes?: Array<{reason?: unknown; message?: unknown}>}};
	const causes = Array.isArray(body.details?.causes) ? body.details!.causes : [];
	if (causes.some((cause) => cause?.reason === 'ResourceVersionTooLarge')) return true;
	if (error.status !== 504) return false;
	return causes.some((cause) => cause?.message === 'Too large resource version') || String(body.message ?? '').includes('Too large resource version');
}

export function statusError(response: RawResponse, what: string): ApiStatusError {
	let body: {message?: string; reason?: string; details?: {retryAfterSeconds?: number}} | undefined;
	try {
		body = JSON.parse(response.body) as typeof body;
	} catch {
		body = undefined;
	}
	const retryAfter = Number(response.headers['retry-after'] ?? body?.details?.retryAfterSeconds);
	const reason = body?.reason ?? httpReason(response.status);
	const message = body?.message ?? (response.body.trim().split('\n')[0] || httpReason(response.status));
	return new ApiStatusError(response.status, reason, `${what}: ${message}`, body, Number.isFinite(retryAfter) ? retryAfter : undefined);
}

function httpReason(status: number): string {
	return (
		(
			{
				400: 'BadRequest',
				401: 'Unauthorized',
				403: 'Forbidden',
				404: 'NotFound',
				405: 'MethodNotAllowed',
				406: 'NotAcceptable',
				409: 'Conflict',
				410: 'Gone',
				415: 'UnsupportedMediaType',
				422: 'Invalid',
				429: 'TooManyRequests',
				500: 'InternalError',
				502: 'BadGateway',
				503: 'ServiceUnavailable',
				504: 'Timeout',
			} as Record<number, string>
		)[status] ?? `HTTP ${status}`
	);
}

export class ReadOnlyError extends Error {}

/**
 * A token bucket: `qps` tokens per second of clock time, at most `burst` saved up.
 * Waiters are served in order, foreground (reflector lists and watches, access reviews,
 * remedies) before background (metrics, counts, discovery, sampling).
 */
export class TokenBucket {
	private tokens: number;
	private last: number;
	private readonly waiting: {foreground: Array<() => void>; background: Array<() => void>} = {foreground: [], background: []};
	private timer: NodeJS.Timeout | undefined;
	/** Total clock milliseconds requests spent waiting for tokens. */
	waitedMs = 0;

	constructor(
		private readonly qps: number,
		private readonly burst: number,
		private readonly clock: Clock,
	) {
		this.tokens = burst;
		this.last = clock.now();
	}

	private refill(): void {
		const now = this.clock.now();
		this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.qps);
		this.last = now;
	}

	private pump(): void {
		this.timer = undefined;
		this.refill();
		while (this.tokens >= 1) {
			const next = this.waiting.foreground.shift() ?? this.waiting.background.shift();
			if (!next) return;
			this.tokens -= 1;
			next();
		}
		if (this.waiting.foreground.length + this.waiting.background.length > 0) {
			this.timer = this.clock.setTimeout(() => this.pump(), ((1 - this.tokens) / this.qps) * 1000);
		}
	}

	/** Resolves when a token is available. */
	take(signal?: AbortSignal, background = false): Promise<void> {
		return new Promise((resolve, reject) => {
			if (signal?.aborted) {
				reject(abortError());
				return;
			}
			const queued = this.clock.now();
			const queue = background ? this.waiting.background : this.waiting.foreground;
			const grant = () => {
				signal?.removeEventListener('abort', onAbort);
				this.waitedMs += this.clock.now() - queued;
				resolve();
			};
			const onAbort = () => {
				const index = queue.indexOf(grant);
				if (index >= 0) queue.splice(index, 1);
				reject(abortError());
			};
			signal?.addEventListener('abort', onAbort, {once: true});
			queue.push(grant);
			if (!this.timer) this.pump();
		});
	}
}

export interface RequestOptions {
	query?: Record<string, string | number | boolean | undefined>;
	headers?: Record<string, string>;
	body?: string;
	contentType?: string;
	accept?: string;
	/** Clock milliseconds for the whole request; default the client's request timeout. */
	timeoutMs?: number;
	signal?: AbortSignal;
	/** Retry 5xx and network errors with backoff (reads only). Default: true for GET. */
	retry?: boolean;
	/** Give up retrying after this many attempts (default: until the deadline or aborted). */
	maxAttempts?: number;
	/** Stop retrying at this epoch ms (clock time). */
	deadline?: number;
	/** Describe the request in error messages, e.g. "list pods". */
	what?: string;
	/** Background work (metrics, counts, discovery) waits behind foreground requests. */
	background?: boolean;
	/** The first attempt goes at once even while the breaker holds requests back (a remedy the user asked for). */
	urgent?: boolean;
}

export const BACKOFF_INITIAL_MS = 500;
export const BACKOFF_MAX_MS = 30_000;
export const RETRY_AFTER_CAP_S = 30;

/**
 * Exponential backoff with jitter added on top, as client-go's reflector backs off: a wait
 * in [d, 1.5 d] with d = min(cap, initial × 2^attempt). Never shorter than the step (full
 * jitter, a wait in [0, d], sent about half again as many retries to a struggling server in
 * the fault matrix), and spread so that many clients do not return together.
 */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
	const step = Math.min(BACKOFF_MAX_MS, BACKOFF_INITIAL_MS * 2 ** attempt);
	return step * (1 + 0.5 * random());
}

/**
 * One circuit breaker for every request the client sends. When the server fails (a
 * network error, a 5xx to a read, a 429), the breaker trips: every request then waits,
 * and after the backoff step (or the server's Retry-After) exactly one request goes as a
 * probe. If it fails, the next step is longer; when any request gets an answer, all
 * waiting requests go again (through the token bucket). Without it, each reflector and
 * background loop backed off on its own, so a server that was down met about
 * (kinds + 6) × the backoff steps; now it meets one probe a step, plus the requests that
 * were already in flight when it failed.
 *
 * Failures of requests sent before the last trip count once, not each (ten watches
 * dropped together are one failure), through a generation number.
 */
export class Breaker {
	private failures = 0;
	private generation = 0;
	private openAt = 0;
	/** When the probe in flight went; undefined when none is. */
	private probeSince: number | undefined;
	private readonly waiters = new Set<() => void>();
	/** Requests that passed as probes (for tests and the footprint). */
	probes = 0;
	/** The last trouble, in one line (for a request that gives up before its next try). */
	private lastFailure: string | undefined;

	constructor(
		private readonly clock: Clock,
		private readonly random: () => number = Math.random,
		readonly probeTimeoutMs = 30_000,
	) {}

	/** The generation a request sent now belongs to. */
	get current(): number {
		return this.generation;
	}

	/** Whether the last request to settle failed with server trouble. */
	get tripped(): boolean {
		return this.failures > 0;
	}

	/** Clock milliseconds until the next probe may go; 0 when closed. */
	nextTryInMs(): number {
		return this.failures === 0 ? 0 : Math.max(0, this.openAt - this.clock.now());
	}

	/**
	 * Resolves with the generation to hand back to succeeded()/failed() when this request
	 * may go: at once when closed, else as the next probe. Rejects with an AbortError when
	 * aborted, and with a NetworkError when `deadline` comes first.
	 */
	async pass(signal?: AbortSignal, deadline?: number, what = 'request'): Promise<number> {
		for (;;) {
			if (signal?.aborted) throw abortError();
			if (this.failures === 0) return this.generation;
			const now = this.clock.now();
			// A probe that never settles (a half-open connection without a timeout) is given up on.
			const probeLost = this.probeSince !== undefined && now - this.probeSince >= this.probeTimeoutMs;
			if ((this.probeSince === undefined || probeLost) && now >= this.openAt) {
				this.probeSince = now;
				this.probes++;
				return this.generation;
			}
			const wakeAt = this.probeSince !== undefined && !probeLost ? this.probeSince + this.probeTimeoutMs : this.openAt;
			if (deadline !== undefined && wakeAt >= deadline)
				throw new NetworkError(`${what}: not sent: ${this.lastFailure ?? 'the API server failed'}, and the next try is after the deadline`);
			await this.wait(wakeAt - now, signal);
		}
	}

	private wait(ms: number, signal?: AbortSignal): Promise<void> {
		return new Promise((resolve, reject) => {
			const done = (): void => {
				clearTimeout(timer);
				signal?.removeEventListener('abort', onAbort);
				this.waiters.delete(done);
				resolve();
			};
			const onAbort = (): void => {
				clearTimeout(timer);
				this.waiters.delete(done);
				reject(abortError());
			};
			const timer = this.clock.setTimeout(done, Math.max(0, ms));
			signal?.addEventListener('abort', onAbort, {once: true});
			this.waiters.add(done);
		});
	}

	private wake(): void {
		for (const waiter of [...this.waiters]) waiter();
	}

	/**
	 * A request of `generation` got an answer (any status but trouble). If it was sent after
	 * the last trip (the probe, or an urgent request), everything waiting may go. An answer to
	 * a request sent before the trip says nothing of the server now: under load a slow LIST
	 * that the server answered before it went away would otherwise release every waiting
	 * request into the outage.
	 */
	succeeded(generation: number): void {
		if (this.failures === 0 && this.probeSince === undefined) return;
		if (generation !== this.generation) return;
		this.failures = 0;
		this.probeSince = undefined;
		this.generation++;
		this.wake();
	}

	/**
	 * A request of `generation` met server trouble; `waitMs` is the server's Retry-After.
	 * Returns the clock milliseconds until the next probe.
	 */
	failed(generation: number, waitMs?: number, why?: string): number {
		const now = this.clock.now();
		if (why !== undefined) this.lastFailure = why;
		if (generation === this.generation) {
			this.failures++;
			this.generation++;
			this.probeSince = undefined;
			this.openAt = now + (waitMs ?? backoffDelay(this.failures - 1, this.random));
			this.wake();
		} else if (waitMs !== undefined && now + waitMs > this.openAt) {
			// A stale request's Retry-After still counts: the server asked for that pause.
			this.openAt = now + waitMs;
		}
		return Math.max(0, this.openAt - now);
	}
}

export function queryString(query: Record<string, string | number | boolean | undefined> | undefined): string {
	if (!query) return '';
	const parts: string[] = [];
	for (const [key, value] of Object.entries(query)) if (value !== undefined) parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`);
	return parts.length > 0 ? `?${parts.join('&')}` : '';
}

export class KubeClient extends EventEmitter {
	readonly budget: TokenBucket;
	readonly breaker: Breaker;
	state: ConnectionState = {status: 'connecting'};
	/** Counters for the footprint: requests by outcome. */
	readonly stats = {requests: 0, retries: 0, throttled: 0, errors: 0};

	constructor(
		readonly transport: Transport,
		readonly credentials: Credentials,
		readonly options: {qps?: number; burst?: number; clock?: Clock; requestTimeoutMs?: number; readOnly?: boolean; random?: () => number} = {},
	) {
		super();
		this.budget = new TokenBucket(options.qps ?? 5, options.burst ?? 10, options.clock ?? wallClock);
		this.breaker = new Breaker(options.clock ?? wallClock, options.random);
	}

	get clock(): Clock {
		return this.options.clock ?? wallClock;
	}

	setState(status: ConnectionStatus, message?: string): void {
		const lastOk = status === 'live' ? this.clock.now() : this.state.lastOk;
		if (this.state.status === status && this.state.message === message && status !== 'live') return;
		const changed = this.state.status !== status || this.state.message !== message;
		this.state = {status, message, lastOk, lastEventAt: this.state.lastEventAt};
		if (changed) this.emit('state', this.state);
	}

	/**
	 * Note that data arrived (a watch event or bookmark, a reflector's LIST): the header's
	 * "last event" age. Other answers (/metrics, discovery) only make the connection live.
	 */
	touch(): void {
		const now = this.clock.now();
		this.state.lastEventAt = now;
		this.state.lastOk = now;
		if (this.state.status !== 'live') this.setState('live');
	}

	/** --read-only: nothing but GET leaves this process (access reviews are skipped too). */
	private assertAllowed(method: string): void {
		if (this.options.readOnly && method !== 'GET') throw new ReadOnlyError(`read-only: refusing to send ${method}`);
	}

	/**
	 * Send one request through the budget, with the retry policy. Resolves with a 2xx
	 * response (or a stream); rejects with ApiStatusError, NetworkError or AbortError.
	 */
	async raw(method: string, path: string, options: RequestOptions & {stream?: boolean} = {}): Promise<RawResponse> {
		this.assertAllowed(method);
		const what = options.what ?? `${method} ${path}`;
		const retry = options.retry ?? method === 'GET';
		let attempt = 0;
		let refreshed = false;
		for (;;) {
			// The first attempt of an urgent request (a remedy the user asked for) does not queue
			// behind the breaker; its retries do.
			const generation = options.urgent && attempt === 0 ? this.breaker.current : await this.breaker.pass(options.signal, options.deadline, what);
			await this.budget.take(options.signal, options.background);
			this.stats.requests++;
			const timeoutMs = options.stream ? undefined : (options.timeoutMs ?? this.options.requestTimeoutMs);
			let response: RawResponse;
			try {
				response = await this.transport.request({
					method,
					path: `${path}${queryString(options.query)}`,
					headers: {
						...(options.accept ? {Accept: options.accept} : {}),
						...(options.contentType ? {'Content-Type': options.contentType} : {}),
						...(options.headers ?? {}),
					},
					body: options.body,
					signal: options.signal,
					timeoutMs: timeoutMs && timeoutMs > 0 ? this.clock.toReal(timeoutMs) : undefined,
					stream: options.stream,
				});
			} catch (error) {
				if (isAbortError(error) || options.signal?.aborted) throw error;
				if (!(error instanceof NetworkError)) {
					this.stats.errors++;
					this.setState('unreachable', (error as Error).message);
					throw error;
				}
				this.stats.errors++;
				const unreachable =
					['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH'].includes(error.code ?? '') || /TLS|certificate/.test(error.message);
				this.setState(unreachable ? 'unreachable' : 'reconnecting', error.message);
				// The breaker holds the next attempt (of this request and of every other) for the backoff step.
				this.breaker.failed(generation, undefined, error.message);
				if (!retry || !this.mayRetry(attempt++, options)) throw error;
				this.stats.retries++;
				continue;
			}
			if (response.status >= 200 && response.status < 300) {
				this.breaker.succeeded(generation);
				if (this.state.status !== 'live') this.setState('live');
				else this.state.lastOk = this.clock.now();
				return response;
			}
			const error = statusError(response, what);
			if (isTooLargeResourceVersion(error)) {
				// Not trouble: a working server that is behind the resourceVersion we sent. The
				// caller relists (with resourceVersion unset); nothing to retry, nothing to trip.
				this.breaker.succeeded(generation);
				if (this.state.status !== 'live') this.setState('live');
				throw error;
			}
			if (response.status === 429) {
				this.stats.throttled++;
				const wait = Math.min(RETRY_AFTER_CAP_S, Math.max(1, error.retryAfterSeconds ?? 1)) * 1000;
				// A little jitter so that clients throttled together do not return together.
				const next = this.breaker.failed(generation, wait + (this.options.random ?? Math.random)() * 250, 'throttled by the API server (429)');
				this.setState('reconnecting', `throttled by the API server (429); retrying in ${Math.max(1, Math.round(next / 1000))} s`);
				if (!this.mayRetry(attempt++, options)) throw error;
				this.stats.retries++;
				continue;
			}
			if (response.status >= 500 && (retry || method === 'GET')) {
				// A read's 5xx (a watch's too, which the reflector retries itself) is server trouble.
				this.stats.errors++;
				this.breaker.failed(generation, undefined, `${response.status}, ${error.message}`);
				this.setState('reconnecting', `${response.status}, ${error.message}`);
				if (!retry || !this.mayRetry(attempt++, options)) throw error;
				this.stats.retries++;
				continue;
			}
			// Any other answer (a write's 5xx, 4xx) comes from a server that is working.
			this.breaker.succeeded(generation);
			if (response.status === 401) {
				if (!refreshed && this.credentials.refreshable) {
					refreshed = true;
					this.credentials.invalidate();
					continue;
				}
				this.setState('unauthorized', 'the API server refused our credentials (401 Unauthorized)');
				throw error;
			}
			if (response.status === 403) {
				// Forbidden is about this request, not the connection; the caller decides.
				if (this.state.status !== 'live') this.setState('live');
			}
			throw error;
		}
	}

	private mayRetry(attempt: number, options: RequestOptions): boolean {
		if (options.maxAttempts !== undefined && attempt + 1 >= options.maxAttempts) return false;
		// The next attempt waits for the breaker: none if that is past the deadline (the caller
		// gets this failure, with its reason, rather than a later "not sent").
		if (options.deadline !== undefined && this.clock.now() + this.breaker.nextTryInMs() >= options.deadline) return false;
		return true;
	}

	async getJson<T>(path: string, options: RequestOptions = {}): Promise<T> {
		const response = await this.raw('GET', path, options);
		try {
			return JSON.parse(response.body) as T;
		} catch {
			throw new NetworkError(`${options.what ?? `GET ${path}`}: the server sent a response that is not JSON`);
		}
	}

	async getText(path: string, options: RequestOptions = {}): Promise<string> {
		return (await this.raw('GET', path, options)).body;
	}

	/** A write (POST/PUT/PATCH/DELETE); retried only on 429 (APF rejects before doing anything). */
	async send<T>(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body: unknown, options: RequestOptions = {}): Promise<T> {
		const response = await this.raw(method, path, {
			...options,
			retry: false,
			body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
			contentType: body === undefined ? undefined : (options.contentType ?? 'application/json'),
		});
		return (response.body ? JSON.parse(response.body) : {}) as T;
	}
}
