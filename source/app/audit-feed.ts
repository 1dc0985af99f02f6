/**
 * The audit log as the watchers pane's source: read what the log holds (files in time
 * order, .gz included, or stdin), then — in the TUI, for a plain file — follow it like
 * `tail -F` (rotation and copytruncate handled by the follower). The aggregate is turned
 * into the pane on demand; the header shows the source and how far behind it is.
 */
import {stat} from 'node:fs/promises';
import {type AuditAggregator, snapshotOf} from '../audit/aggregate.js';
import {analyzeAuditLog} from '../audit/parallel.js';
import {AuditFollower, AuditSourceError, listAuditFiles} from '../audit/sources.js';
import {UsageError} from '../errors.js';
import {analyzeWatchers} from '../findings/watchers.js';
import type {PaneView} from '../findings/model.js';
import type {ClusterState} from '../model/state.js';
import type {HeaderInfo, WatchersSource} from './controller.js';

export interface AuditFeedOptions {
	/** --audit-log: a file, directory, glob, or "-" for stdin. */
	path: string;
	/** Follow the newest plain file after reading it (TUI). */
	follow: boolean;
	/** --since: only this many ms before the end of the log (or now, when following). */
	sinceMs?: number;
	stdin: NodeJS.ReadStream;
	/** How often the follower polls, ms. */
	pollMs?: number;
}

export async function openAuditFeed(options: AuditFeedOptions): Promise<WatchersSource & {close(): Promise<void>; aggregator: AuditAggregator}> {
	let files: string[];
	try {
		files = options.path === '-' ? ['-'] : await listAuditFiles(options.path);
	} catch (error) {
		if (error instanceof AuditSourceError) throw new UsageError(error.message);
		throw error;
	}
	let end = Date.now();
	if (!options.follow && files.length > 0 && files.at(-1) !== '-') {
		try {
			end = (await stat(files.at(-1)!)).mtimeMs;
		} catch {
			end = Date.now();
		}
	}
	const sinceMs = options.sinceMs !== undefined ? end - options.sinceMs : undefined;
	let result;
	try {
		result = await analyzeAuditLog(options.path, {aggregate: {sinceMs}, stdin: options.stdin, followLast: options.follow});
	} catch (error) {
		if (error instanceof AuditSourceError) throw new UsageError(error.message);
		throw error;
	}
	const aggregator = result.aggregator;
	// Parts of the input that could not be read (a .gz cut short): said in the pane, not lost.
	const problems = [...result.problems];
	const problemLines = problems.length === 0 ? [] : [...problems.slice(0, 3).map((p) => `! ${p}`), ...(problems.length > 3 ? [`! and ${problems.length - 3} more parts of the input could not be read`] : [])];
	const listeners = new Set<() => void>();
	let version = 1;
	const changed = () => {
		version++;
		for (const listener of listeners) listener();
	};
	let follower: AuditFollower | undefined;
	let notice: string | undefined;
	const newest = files.at(-1);
	if (options.follow && newest && newest !== '-' && !newest.endsWith('.gz')) {
		const sink = {
			record: (r: Parameters<AuditAggregator['record']>[0]) => {
				aggregator.record(r);
				scheduled ??= setTimeout(() => {
					scheduled = undefined;
					changed();
				}, 500);
			},
			skip: (reason: Parameters<AuditAggregator['skip']>[0]) => aggregator.skip(reason),
		};
		let scheduled: NodeJS.Timeout | undefined;
		// Continue exactly where the analysis stopped reading (nothing lost, nothing twice).
		follower = new AuditFollower(newest, sink, {fromStart: false, ...(result.resume ? {startAt: result.resume.offset} : {}), pollMs: options.pollMs ?? 500, onNotice: (message) => {
			notice = message;
			changed();
		}});
		follower.start();
	}
	const source = options.path === '-' ? 'stdin' : files.length === 1 ? files[0]! : `${files.length} files`;
	return {
		aggregator,
		get version() {
			return version;
		},
		analyze(state: ClusterState): PaneView {
			const snapshot = snapshotOf(aggregator, follower ? {nowMs: Date.now()} : {});
			const view = analyzeWatchers(snapshot, state, {source});
			const extra = [...problemLines, ...(notice ? [notice] : [])];
			return extra.length > 0 ? {...view, header: [...view.header, ...extra]} : view;
		},
		info(): HeaderInfo['audit'] {
			const last = Number.isFinite(aggregator.lastMs) ? aggregator.lastMs : undefined;
			return {
				source,
				...(follower && last !== undefined ? {lagMs: Math.max(0, Date.now() - last)} : {}),
				records: aggregator.events,
				skipped: [...aggregator.skipped.values()].reduce((n, v) => n + v, 0),
				skippedBy: Object.fromEntries([...aggregator.skipped].sort(([a], [b]) => a.localeCompare(b))),
				problems,
			};
		},
		onChange(listener) {
			listeners.add(listener);
			return () => listeners.delete(listener);
		},
		async close() {
			await follower?.stop();
			follower = undefined;
		},
	};
}
