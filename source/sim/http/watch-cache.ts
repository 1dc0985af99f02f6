/**
 * What LIST and WATCH share of the watch cache (k8s.io/apiserver pkg/storage/cacher):
 * waiting for a revision it has not reached yet, and the error it answers when that
 * revision does not come in time.
 */
import type {SimApi} from '../api.js';
import {ApiError} from '../errors.js';

/** How long the watch cache waits for a revision it has not seen yet (watch_cache.go blockTimeout). */
export const BLOCK_TIMEOUT_MS = 3000;

/**
 * What the watch cache answers a request for a resourceVersion newer than it has, after
 * waiting blockTimeout: storage.NewTooLargeResourceVersionError (k8s.io/apiserver
 * pkg/storage/errors.go), a Timeout (504) with retryAfterSeconds 1
 * (resourceVersionTooHighRetrySeconds) and the cause client-go's reflector looks for
 * (isTooLargeResourceVersionError: relist with resourceVersion "").
 */
export function tooLargeResourceVersion(wanted: number, current: number): ApiError {
	return new ApiError(504, 'Timeout', `Timeout: Too large resource version: ${wanted}, current: ${current}`, {
		causes: [{reason: 'ResourceVersionTooLarge', message: 'Too large resource version'}],
		retryAfterSeconds: 1,
	});
}

/** Resolves true as soon as the store reaches `rv`, false after blockTimeout (simulated). */
export function waitUntilFresh(api: SimApi, rv: number): Promise<boolean> {
	const store = api.store;
	if (store.rv >= rv) return Promise.resolve(true);
	return new Promise((resolve) => {
		const done = (fresh: boolean) => {
			off();
			timer.cancel();
			resolve(fresh);
		};
		const off = store.onLive(() => {
			if (store.rv >= rv) done(true);
		});
		const timer = api.clock.after(BLOCK_TIMEOUT_MS, () => done(store.rv >= rv));
	});
}
