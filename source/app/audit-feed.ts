/**
 * The audit log as the watchers pane's source: read what the log holds (files in time
 * order, .gz included), then — in the TUI, for a plain file — follow it like `tail -F`
 * (rotation and copytruncate handled by the follower). A stream (stdin, a FIFO, a pipe
 * such as `<(ssh cp1 tail -F …)`) is read as its bytes arrive: in the TUI while the panes
 * run, until its end of file (which the pane and the header then say); in report mode to
 * its end before the report. The aggregate is turned into the pane on demand; the header
 * shows the source, whether it is streaming, and how far behind it is.
 */
import {stat} from 'node:fs/promises';
import {basename} from 'node:path';
import {AuditAggregator, snapshotOf} from '../audit/aggregate.js';
import type {RecordSink} from '../audit/formats.js';
import {analyzeAuditLog} from '../audit/parallel.js';
import {AuditFollower, AuditSourceError, createFeeder, describeFsError, listAuditFiles} from '../audit/sources.js';
import {openAuditStream, streamKindOf, streamLabel, type StreamKind} from '../audit/stream.js';
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
	const stream = await streamKindOf(options.path);
	if (stream !== undefined && options.follow) return openLiveStream(options, stream);
	let files: string[];
	try {
		files = await listAuditFiles(options.path);
	} catch (error) {
		if (error instanceof AuditSourceError) throw new UsageError(error.message);
		throw error;
	}
	let end = Date.now();
	if (!options.follow && files.length > 0 && stream === undefined) {
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
	if (options.follow && newest && stream === undefined && !newest.endsWith('.gz')) {
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
	const source = options.label ?? (stream !== undefined ? streamLabel(options.path, stream) : files.length === 1 ? files[0]! : `${files.length} files`);
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

/** Where a live stream is: opened and quiet so far, bringing bytes, at its end, or failed. */
type StreamState = {is: 'open'} | {is: 'streaming'} | {is: 'ended'} | {is: 'failed'; reason: string};

/**
 * A stream in the TUI: opened without blocking (a FIFO may have no writer yet), read as
 * its bytes arrive into the aggregator while the panes run, until its end of file — which
 * ends the stream, not the program.
 */
async function openLiveStream(options: AuditFeedOptions, kind: StreamKind): Promise<AuditFeed> {
	const label = options.label ?? streamLabel(options.path, kind);
	if (kind === 'stdin' && options.stdin.isTTY) throw new UsageError('--audit-log -: stdin is a terminal, not an audit log; pipe the log in (… | kubectl assure --audit-log -) or name a file');
	let input: NodeJS.ReadableStream & {destroy(): void};
	try {
		input = await openAuditStream(options.path, kind, options.stdin);
	} catch (error) {
		throw new UsageError(`audit log: cannot read ${label}: ${describeFsError(error)}`);
	}
	const aggregator = new AuditAggregator({sinceMs: options.sinceMs !== undefined ? Date.now() - options.sinceMs : undefined, partial: false});
	const listeners = new Set<() => void>();
	let version = 1;
	const changed = () => {
		version++;
		for (const listener of listeners) listener();
	};
	let scheduled: NodeJS.Timeout | undefined;
	const soon = () => {
		scheduled ??= setTimeout(() => {
			scheduled = undefined;
			changed();
		}, 500);
	};
	const sink: RecordSink = {
		record(r) {
			aggregator.record(r);
			soon();
		},
		skip(reason) {
			aggregator.skip(reason);
			soon();
		},
	};
	const feeder = createFeeder(sink, 1 << 20);
	feeder.decoder.begin();
	let state: StreamState = {is: 'open'};
	let closed = false;
	const finish = (next: StreamState) => {
		if (state.is === 'ended' || state.is === 'failed') return;
		// The last line counts even without a newline: the stream ended there.
		feeder.end();
		state = next;
		if (scheduled !== undefined) clearTimeout(scheduled);
		scheduled = undefined;
		changed();
	};
	const onData = (chunk: Buffer | string) => {
		const data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
		if (state.is === 'open') {
			state = {is: 'streaming'};
			soon();
		}
		feeder.push(data);
	};
	const onEnd = () => finish({is: 'ended'});
	const onError = (error: unknown) => finish({is: 'failed', reason: describeFsError(error)});
	input.on('data', onData);
	input.once('end', onEnd);
	input.once('error', onError);
	const live = (): boolean => state.is === 'streaming' && Number.isFinite(aggregator.lastMs) && Date.now() - aggregator.lastMs < LIVE_WITHIN_MS;
	// The header has room for about 30 characters: a long path shows as its last part.
	const short = label.length > 18 ? `…/${basename(label)}` : label;
	const status = (): string => {
		const events = `${formatCount(aggregator.events)} events`;
		switch (state.is) {
			case 'open':
				return `streaming from ${short}: nothing yet${kind === 'pipe' ? ' (waiting for a writer)' : ''}`;
			case 'streaming':
				return `streaming from ${short}: ${events} so far`;
			case 'ended':
				return `${short} ended (end of file) after ${events}; restart to read it again`;
			case 'failed':
				return `! ${short} failed (${state.reason}) after ${events}; what it brought stays`;
		}
	};
	return {
		aggregator,
		get version() {
			return version;
		},
		analyze(clusterState: ClusterState): PaneView {
			const snapshot = snapshotOf(aggregator, live() ? {nowMs: Date.now()} : {});
			const view = analyzeWatchers(snapshot, clusterState, {source: label});
			return {...view, header: [...view.header, status()]};
		},
		info(): HeaderInfo['audit'] {
			const word = state.is === 'open' || state.is === 'streaming' ? 'streaming' : state.is === 'ended' ? 'ended' : 'failed';
			return {
				source: `${short} (${word})`,
				...(live() ? {lagMs: Math.max(0, Date.now() - aggregator.lastMs)} : {}),
				records: aggregator.events,
				skipped: [...aggregator.skipped.values()].reduce((n, v) => n + v, 0),
				skippedBy: Object.fromEntries([...aggregator.skipped].sort(([a], [b]) => a.localeCompare(b))),
				problems: state.is === 'failed' ? [`audit log: ${label} could not be read on: ${state.reason}`] : [],
			};
		},
		onChange(listener) {
			listeners.add(listener);
			return () => listeners.delete(listener);
		},
		async close() {
			if (closed) return;
			closed = true;
			if (scheduled !== undefined) clearTimeout(scheduled);
			scheduled = undefined;
			input.off('data', onData);
			input.off('end', onEnd);
			input.off('error', onError);
			// A late error after we stopped listening must not become an uncaught one.
			input.on('error', () => undefined);
			input.destroy();
		},
	};
}
