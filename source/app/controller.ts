/**
 * The application's state between the data and the screen (or the report): it runs the
 * four analyzers over the live state — at most a few times a second, and only when
 * something changed — keeps what must persist between runs (flapping hysteresis), and
 * owns the remedy engine. The UI and report mode only read `views`.
 */
import {EventEmitter} from 'node:events';
import {analyzeAutoscaling} from '../findings/autoscaling.js';
import {analyzeEtcd} from '../findings/etcd.js';
import type {FlapState} from '../findings/flapping.js';
import {type Finding, type Pane, PANES, type PaneView} from '../findings/model.js';
import {analyzeQos, QosMemo} from '../findings/qos.js';
import {analyzeWatchersFromMetrics} from '../findings/watchers-metrics.js';
import type {ConnectionState} from '../kube/client.js';
import type {Session} from '../kube/session.js';
import {emptyState} from '../model/empty-state.js';
import type {ClusterState} from '../model/state.js';
import type {RemedyEngine} from '../remedies/engine.js';

export type Views = Record<Pane, PaneView>;

export interface HeaderInfo {
	context: string;
	server?: string;
	connection: ConnectionState;
	/** ms since the last event or successful response. */
	lastEventAgeMs?: number;
	readOnly: boolean;
	audit?: {source: string; lagMs?: number; records: number; skipped: number; skippedBy?: Record<string, number>; problems?: readonly string[]};
	namespace?: string;
	syncing: boolean;
}

/** Something that turns an audit log into the watchers pane (see source/app/audit-feed.ts). */
export interface WatchersSource {
	analyze(state: ClusterState): PaneView;
	info(): HeaderInfo['audit'];
	onChange(listener: () => void): () => void;
	version: number;
}

export interface ControllerOptions {
	session?: Session;
	watchers?: WatchersSource;
	engine?: RemedyEngine;
	readOnly: boolean;
	/** Minimum ms between two analyses, exactly (tests, benchmarks); default adaptive, see interval(). */
	minIntervalMs?: number;
	/** Analyze as the data changes (the TUI); false: only when refresh() is called (report mode). */
	live?: boolean;
	/** Called before each pane's analysis and after the last (report mode under Bun collects garbage here: source/cli/heap.ts). */
	betweenPanes?: () => void;
	ascii?: boolean;
	now?: () => number;
}

export class AppController extends EventEmitter {
	views: Views;
	private flapStates = new Map<string, FlapState>();
	/** QoS answers reused between analyses for groups that did not change. */
	private readonly qosMemo = new QosMemo();
	private analyzedVersion = -1;
	private analyzedWatchersVersion = -1;
	private pending: NodeJS.Timeout | undefined;
	private readonly unsubscribe: Array<() => void> = [];
	/** Analysis runs (for the render-rate benchmark and tests). */
	analyses = 0;

	constructor(readonly options: ControllerOptions) {
		super();
		this.views = this.analyze();
		const changed = () => this.schedule();
		if (options.live === false) return;
		if (options.session) {
			this.unsubscribe.push(options.session.store.onChange(changed));
			options.session.on('state', changed);
		}
		if (options.watchers) this.unsubscribe.push(options.watchers.onChange(changed));
	}

	get state(): ClusterState {
		return this.options.session?.store ?? emptyState({context: 'offline', now: this.now()});
	}

	private now(): number {
		return this.options.now?.() ?? this.options.session?.clock.now() ?? Date.now();
	}

	/** Coalesce changes: at most one analysis per interval, however many events arrive. */
	schedule(): void {
		if (this.pending) return;
		const wait = Math.max(0, this.interval() - (Date.now() - this.finishedAt));
		this.pending = setTimeout(() => {
			this.pending = undefined;
			this.refresh();
		}, wait);
	}

	/**
	 * The pause between the end of one analysis and the start of the next: 500 ms once the
	 * data is in, 100 ms while the first LISTs arrive (so the panes fill as the data comes),
	 * and never less than four times what the last analysis took — at 150,000 pods an analysis
	 * takes seconds, and back-to-back analyses starved the sync itself.
	 */
	private interval(): number {
		if (this.options.minIntervalMs !== undefined) return this.options.minIntervalMs;
		const session = this.options.session;
		const base = session && !session.warm ? 100 : 500;
		return Math.max(base, 4 * this.analysisMs);
	}

	/** How long the last analysis took, and when it ended (Date.now()). */
	private analysisMs = 0;
	private finishedAt = 0;

	/** Analyze now if anything changed; emits 'views' when it did. */
	refresh(force = false): void {
		const version = this.options.session?.store.version ?? 0;
		const watchersVersion = this.options.watchers?.version ?? 0;
		if (!force && version === this.analyzedVersion && watchersVersion === this.analyzedWatchersVersion) {
			this.emit('tick');
			return;
		}
		const started = performance.now();
		this.views = this.analyze();
		this.analysisMs = performance.now() - started;
		this.finishedAt = Date.now();
		this.emit('views', this.views);
	}

	private analyze(): Views {
		this.analyses++;
		this.analyzedVersion = this.options.session?.store.version ?? 0;
		this.analyzedWatchersVersion = this.options.watchers?.version ?? 0;
		const state = this.state;
		const namespace = state.namespace;
		const guard = (pane: Pane, fn: () => PaneView): PaneView => {
			try {
				return fn();
			} catch (error) {
				return {pane, title: pane, header: [], columns: [], rows: [], findings: [], unavailable: `analysis failed: ${(error as Error).message}`};
			}
		};
		const offline = !this.options.session;
		const between = this.options.betweenPanes ?? (() => undefined);
		between();
		const autoscaling = offline ? undefined : (() => {
			try {
				const result = analyzeAutoscaling(state, {namespace, flapStates: this.flapStates});
				this.flapStates = result.flapStates;
				return result.view;
			} catch (error) {
				return {pane: 'autoscaling' as const, title: 'autoscaling', header: [], columns: [], rows: [], findings: [], unavailable: `analysis failed: ${(error as Error).message}`};
			}
		})();
		const noCluster = (pane: Pane, title: string): PaneView => ({pane, title, header: [], columns: [], rows: [], findings: [], unavailable: 'no cluster: reading an audit log only'});
		between();
		const etcd = offline ? noCluster('etcd', 'etcd') : guard('etcd', () => analyzeEtcd(state, {namespace, ascii: this.options.ascii}));
		between();
		const watchers = guard('watchers', () => this.options.watchers ? this.options.watchers.analyze(state) : analyzeWatchersFromMetrics(state));
		between();
		const qos = offline ? noCluster('qos', 'QoS') : guard('qos', () => analyzeQos(state, {namespace, memo: this.qosMemo}));
		between();
		return {etcd, watchers, autoscaling: autoscaling ?? noCluster('autoscaling', 'autoscaling'), qos};
	}

	findings(): Finding[] {
		return PANES.flatMap((pane) => this.views[pane].findings);
	}

	findFinding(id: string): Finding | undefined {
		return this.findings().find((finding) => finding.id === id);
	}

	header(): HeaderInfo {
		const session = this.options.session;
		const state = session?.state ?? {status: 'live' as const};
		const last = state.lastOk;
		return {
			context: session?.store.context ?? 'offline',
			server: session?.store.serverVersion?.gitVersion,
			connection: state,
			lastEventAgeMs: last === undefined ? undefined : Math.max(0, this.now() - last),
			readOnly: this.options.readOnly,
			audit: this.options.watchers?.info(),
			namespace: session?.scope,
			syncing: session ? [...session.reflectors.values()].some((r) => !r.synced) : false,
		};
	}

	dispose(): void {
		if (this.pending) clearTimeout(this.pending);
		for (const off of this.unsubscribe) off();
		this.removeAllListeners();
	}
}
