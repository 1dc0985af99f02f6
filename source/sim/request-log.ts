/**
 * The simulator's request log: one JSON line per request (and one more when a watch
 * stream opens), with what a footprint test needs — time, method, path, query, user
 * agent, Accept, Content-Type, status, response bytes and duration. Written to a file when
 * asked, and kept in memory (bounded) for in-process tests.
 */
import {appendFileSync, writeFileSync} from 'node:fs';

export interface RequestLogEntry {
	time: string;
	method: string;
	path: string;
	query: Record<string, string>;
	userAgent: string;
	user: string;
	accept: string;
	contentType: string;
	status: number;
	bytes: number;
	durationMs: number;
	/** "watch" for watch streams, with stage "ResponseStarted" when it opened and "ResponseComplete" when it ended. */
	watch?: boolean;
	stage?: 'ResponseStarted' | 'ResponseComplete';
	/** What fault answered this request, if any. */
	fault?: string;
}

export class RequestLog {
	private readonly entries: RequestLogEntry[] = [];
	private pending: string[] = [];
	private flushTimer: NodeJS.Timeout | undefined;

	constructor(
		private readonly file?: string,
		private readonly capacity = 200_000,
	) {
		if (file) writeFileSync(file, '');
	}

	add(entry: RequestLogEntry): void {
		this.entries.push(entry);
		if (this.entries.length > this.capacity) this.entries.splice(0, this.entries.length - this.capacity);
		if (this.file) {
			this.pending.push(JSON.stringify(entry));
			this.flushTimer ??= setTimeout(() => this.flush(), 50);
		}
	}

	flush(): void {
		if (this.flushTimer) clearTimeout(this.flushTimer);
		this.flushTimer = undefined;
		if (!this.file || this.pending.length === 0) return;
		appendFileSync(this.file, `${this.pending.join('\n')}\n`);
		this.pending = [];
	}

	all(): readonly RequestLogEntry[] {
		return this.entries;
	}

	since(index: number): RequestLogEntry[] {
		return this.entries.slice(index);
	}

	get length(): number {
		return this.entries.length;
	}

	clear(): void {
		this.entries.length = 0;
	}
}
