/**
 * resourceVersions as a reflector reads them, to see its server go back in time: comparing
 * two, and the check of the server's resourceVersion for a kind (a deferred limit=1 LIST)
 * once a watch has started after one that ended early or went silent.
 */
import type {ReflectorOptions} from './reflector-types.js';
import {resourcePath} from './reflector-types.js';

/**
 * Compare two resourceVersions: -1, 0, 1, or undefined when either is not an unsigned
 * integer. The API calls resourceVersions opaque, but every storage the API server has
 * (etcd3) makes them the etcd revision, a counter that only grows: a lower one means the
 * store went back in time. Compared as integers of any size, never as strings.
 */
export function compareResourceVersions(a: string, b: string): number | undefined {
	if (!/^\d{1,40}$/.test(a) || !/^\d{1,40}$/.test(b)) return undefined;
	const x = BigInt(a);
	const y = BigInt(b);
	return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Whether the server went back in time: a limit=1 LIST (resourceVersion unset, a
 * consistent read) gives its resourceVersion for this kind, cheaply. It is due once a
 * watch has started after one that ended early or went silent (so never while the server
 * is down), and compares with the highest version seen before that watch: a server that
 * went back in time accepts the resumed watch and sends nothing at or below our version
 * (the cacher sends a watcher only events and bookmarks newer than its resourceVersion).
 * So the check waits, a random half to whole bookmark interval: when the new watch brings
 * an event or a bookmark newer than what we saw, the server is at or past our version and
 * no check goes. When every watch drops together (a server restart), the busy kinds and
 * any kind that gets its bookmark then send nothing, and the rest are spread over the
 * interval instead of one LIST per kind at once. If it went back, the reflector is told
 * (it ends the watch and relists; the session relists the others).
 */
export class ResourceVersionProbe {
	/** Check the server's resourceVersion once the next watch has started. */
	due = false;
	/** The server's resourceVersion was read (a LIST, a check) since the last watch began. */
	checked = false;
	private sending = false;
	/** The deferred check, and the version it compares with (see start). */
	private timer: NodeJS.Timeout | undefined;
	private seen = '';

	/**
	 * `behind`: the server answered with `got`, lower than `seen`, the highest version seen
	 * before the watch `watch` began.
	 */
	constructor(
		private readonly options: ReflectorOptions,
		private readonly stats: {probes: number},
		private readonly behind: (seen: string, got: string, watch: AbortController) => void,
	) {}

	private get random(): () => number {
		return this.options.random ?? Math.random;
	}

	/** The watch `watch` has started, from `seen`: when a check is due, it goes after a while unless the watch shows progress. */
	start(signal: AbortSignal, seen: string, watch: AbortController): void {
		if (this.sending || !this.due) return;
		const {clock} = this.options;
		const interval = this.options.bookmarkIntervalMs ?? 60_000;
		this.seen = seen;
		this.timer = clock.setTimeout(
			() => {
				this.timer = undefined;
				if (watch.signal.aborted || signal.aborted) return;
				this.send(signal, seen, watch);
			},
			(0.5 + 0.5 * this.random()) * interval,
		);
	}

	/** The watch under way brought `rv`: newer than what we saw before it, the check is not needed. */
	progressed(rv: string): void {
		if (!this.timer || !this.seen || !rv) return;
		const order = compareResourceVersions(rv, this.seen);
		if (order === undefined || order <= 0) return;
		clearTimeout(this.timer);
		this.timer = undefined;
		this.due = false;
		this.checked = true;
	}

	/** A check not yet sent is dropped (`due` stays: it goes with the next watch). */
	cancel(): void {
		if (this.timer) clearTimeout(this.timer);
		this.timer = undefined;
	}

	private send(signal: AbortSignal, seen: string, watch: AbortController): void {
		const {client, target} = this.options;
		this.sending = true;
		this.stats.probes++;
		void client
			.getJson<{metadata?: {resourceVersion?: string}}>(resourcePath(target), {
				query: {limit: 1, labelSelector: target.labelSelector, fieldSelector: target.fieldSelector},
				signal,
				retry: false,
				what: `check ${target.resource}`,
			})
			.then(
				(page) => {
					this.due = false;
					this.checked = true;
					const rv = page.metadata?.resourceVersion ?? '';
					// Compare only: the server's current version is ahead of the events still to come
					// from our resume point, so it must not become the version they are compared with.
					const order = seen && rv ? compareResourceVersions(rv, seen) : undefined;
					if (order === undefined || order >= 0) return;
					this.behind(seen, rv, watch);
				},
				() => undefined,
			)
			.finally(() => {
				this.sending = false;
			});
	}
}
