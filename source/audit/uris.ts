/**
 * The worst request URIs: per client, verb and URI (values that differ per call taken
 * out), how many requests, how much server time, the slowest and the throttled ones — in
 * bounded memory (at most 4,096 URIs, pruned to the 1,024 heaviest), ranked by weight.
 *
 * Shipped to the audit worker (README.md: the worker kernel).
 */
import type {AuditRecord} from './audit-record.js';
import {detachText} from './record.js';

/** One worst-URI entry (ranked by total server time). */
export interface UriStat {
	client: string;
	verb: string;
	uri: string;
	count: number;
	totalMs: number;
	maxMs: number;
	throttled: number;
}

/** URIs of LISTs, DELETECOLLECTIONs, slow and throttled requests, by client, verb and normalized URI. */
export class WorstUris {
	private readonly byKey = new Map<string, UriStat>();

	/** The request URI without values that differ per call (resourceVersion, timeouts, continue tokens). */
	static normalize(uri: string): string {
		const qi = uri.indexOf('?');
		if (qi < 0) return uri;
		const kept: string[] = [];
		for (const part of uri.slice(qi + 1).split('&')) {
			const eq = part.indexOf('=');
			const key = eq < 0 ? part : part.slice(0, eq);
			if (key === 'timeout' || key === 'timeoutSeconds') continue;
			if (key === 'continue') kept.push('continue=…');
			else if (key === 'resourceVersion' && eq >= 0 && part.length > eq + 2) kept.push('resourceVersion=N');
			else kept.push(part);
		}
		kept.sort();
		return kept.length > 0 ? `${uri.slice(0, qi)}?${kept.join('&')}` : uri.slice(0, qi);
	}

	/** What ranks an entry: server time, requests, and throttling above all. */
	static weight(u: UriStat): number {
		return u.totalMs + u.count + u.throttled * 1000;
	}

	get size(): number {
		return this.byKey.size;
	}

	/** Counts one request of `client` (latency NaN when unknown). */
	count(client: string, r: AuditRecord, latency: number): void {
		const uri = WorstUris.normalize(r.requestURI);
		const key = `${client}\u0000${r.verb}\u0000${uri}`;
		let stat = this.byKey.get(key);
		if (stat === undefined) {
			stat = {client, verb: detachText(r.verb), uri: detachText(uri), count: 0, totalMs: 0, maxMs: 0, throttled: 0};
			this.byKey.set(detachText(key), stat);
			if (this.byKey.size > 4096) this.prune(1024);
		}
		stat.count++;
		if (Number.isFinite(latency)) {
			stat.totalMs += latency;
			if (latency > stat.maxMs) stat.maxMs = latency;
		}
		if (r.code === 429) stat.throttled++;
	}

	/** The entries as plain data (structured-cloneable, for worker threads). */
	entries(): [string, UriStat][] {
		return [...this.byKey];
	}

	/** Adds the entries of another part of the log. */
	merge(entries: readonly [string, UriStat][]): void {
		for (const [k, u] of entries) {
			const mine = this.byKey.get(k);
			if (mine === undefined) {
				this.byKey.set(k, {...u});
			} else {
				mine.count += u.count;
				mine.totalMs += u.totalMs;
				mine.maxMs = Math.max(mine.maxMs, u.maxMs);
				mine.throttled += u.throttled;
			}
		}
		if (this.byKey.size > 4096) this.prune(1024);
	}

	/** Every entry, heaviest first. */
	ranked(): UriStat[] {
		return [...this.byKey.values()].sort((a, b) => WorstUris.weight(b) - WorstUris.weight(a));
	}

	/** Keeps the `keep` heaviest URIs (amortized: runs once per ~3000 new URIs). */
	private prune(keep: number): void {
		const ranked = [...this.byKey.entries()].sort((a, b) => WorstUris.weight(b[1]) - WorstUris.weight(a[1]));
		this.byKey.clear();
		for (const [k, v] of ranked.slice(0, keep)) this.byKey.set(k, v);
	}
}

/** This module's part of the worker kernel (see README.md). */
export function urisKernel(): unknown[] {
	return [WorstUris];
}
