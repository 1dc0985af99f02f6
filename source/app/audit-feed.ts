/**
 * The audit log as the watchers pane's source: the audit source (audit/source.ts: read
 * what the log holds, then in the TUI follow the newest plain file like `tail -F`, or
 * read a stream as its bytes arrive) turned into the pane on demand, and the words for the
 * header: the source, whether it is streaming or has ended, how far behind it is, what
 * could not be read. An input that cannot be read is a usage error (one line, exit 2).
 */
import {basename} from 'node:path';
import type {AuditAggregator} from '../audit/aggregate.js';
import {AuditSourceError} from '../audit/errors.js';
import {snapshotOf} from '../audit/snapshot.js';
import {openAuditSource, type AuditSource} from '../audit/source.js';
import {UsageError} from '../errors.js';
import {analyzeWatchers} from '../findings/watchers.js';
import type {PaneView} from '../model/finding.js';
import type {ClusterState} from '../model/state.js';
import {formatCount} from '../text/format.js';
import type {WatchersSource} from './controller.js';
import type {HeaderInfo} from './header.js';

export interface AuditFeedOptions {
	/** --audit-log: a file, directory, glob, FIFO or pipe, or "-" for stdin. */
	path: string;
	/** Follow the newest plain file after reading it, or read a stream while the TUI runs. */
	follow: boolean;
	/** --since: only this many ms before the end of the log (or now, when following). */
	sinceMs?: number;
	stdin: NodeJS.ReadStream;
	/** How often the follower polls, ms. */
	pollMs?: number;
	/** What to call the source in the header and the report, instead of its path (the demo's own log). */
	label?: string;
}

export type AuditFeed = WatchersSource & {close(): Promise<void>; aggregator: AuditAggregator};

/** A stream whose last event is older than this is a replay, analysed at its own time, not a live log. */
const LIVE_WITHIN_MS = 5 * 60_000;

export async function openAuditFeed(options: AuditFeedOptions): Promise<AuditFeed> {
	let source: AuditSource;
	try {
		source = await openAuditSource(options.path, {
			follow: options.follow,
			stdin: options.stdin,
			...(options.sinceMs === undefined ? {} : {sinceMs: options.sinceMs}),
			...(options.pollMs === undefined ? {} : {pollMs: options.pollMs}),
		});
	} catch (error) {
		if (error instanceof AuditSourceError) throw new UsageError(error.message);
		throw error;
	}
	const aggregator = source.aggregator;
	const label = options.label ?? source.label;
	const streaming = source.input.kind !== 'files' && options.follow;
	let version = 1;
	source.onChange(() => version++);
	// Parts of the input that could not be read (a .gz cut short): said in the pane, not lost.
	const problems = source.problems;
	const problemLines =
		problems.length === 0
			? []
			: [
					...problems.slice(0, 3).map((p) => `! ${p}`),
					...(problems.length > 3 ? [`! and ${problems.length - 3} more parts of the input could not be read`] : []),
				];
	// A live stream's header has room for about 30 characters: a long path shows as its last part.
	const short = label.length > 18 ? `…/${basename(label)}` : label;
	/** Events still arriving and recent: the windows end now, and the header shows the lag. */
	const live = (): boolean => {
		const state = source.state.is;
		if (state === 'following') return true;
		return state === 'streaming' && Number.isFinite(aggregator.lastMs) && Date.now() - aggregator.lastMs < LIVE_WITHIN_MS;
	};
	const streamStatus = (): string => {
		const events = `${formatCount(aggregator.events)} events`;
		const state = source.state;
		switch (state.is) {
			case 'open':
				return `streaming from ${short}: nothing yet${source.input.kind === 'pipe' ? ' (waiting for a writer)' : ''}`;
			case 'streaming':
				return `streaming from ${short}: ${events} so far`;
			case 'ended':
				return `${short} ended (end of file) after ${events}; restart to read it again`;
			case 'failed':
				return `! ${short} failed (${state.reason}) after ${events}; what it brought stays`;
			default:
				return '';
		}
	};
	const skipped = (): Pick<NonNullable<HeaderInfo['audit']>, 'records' | 'skipped' | 'skippedBy' | 'outOfOrder'> => ({
		records: aggregator.events,
		skipped: [...aggregator.skipped.values()].reduce((n, v) => n + v, 0),
		skippedBy: Object.fromEntries([...aggregator.skipped].sort(([a], [b]) => a.localeCompare(b))),
		outOfOrder: aggregator.clock.outOfOrder,
	});
	return {
		aggregator,
		get version() {
			return version;
		},
		analyze(state: ClusterState): PaneView {
			const snapshot = snapshotOf(aggregator, live() ? {nowMs: Date.now()} : {});
			const view = analyzeWatchers(snapshot, state, {source: label});
			const extra = streaming ? [streamStatus()] : [...problemLines, ...(source.notice ? [source.notice] : [])];
			return extra.length > 0 ? {...view, header: [...view.header, ...extra]} : view;
		},
		info(): HeaderInfo['audit'] {
			const lagMs = live() && Number.isFinite(aggregator.lastMs) ? {lagMs: Math.max(0, Date.now() - aggregator.lastMs)} : {};
			if (!streaming) return {source: label, ...lagMs, ...skipped(), problems};
			const state = source.state;
			const word = state.is === 'open' || state.is === 'streaming' ? 'streaming' : state.is === 'ended' ? 'ended' : 'failed';
			return {
				source: `${short} (${word})`,
				...lagMs,
				...skipped(),
				problems: state.is === 'failed' ? [`audit log: ${label} could not be read on: ${state.reason}`] : [],
			};
		},
		onChange(listener) {
			return source.onChange(listener);
		},
		close: () => source.close(),
	};
}
