/**
 * The application's state between the data and the screen (or the report): it runs the
 * four analyzers over the live state — at most a few times a second, and only when
 * something changed — keeps what must persist between runs (flapping hysteresis), and
 * owns the remedy engine. The UI and report mode only read `views`.
 */
import {EventEmitter} from 'node:events';
import {notAskedCoverage, paneCoverage, unreadText} from './coverage.js';
import {analyzeAutoscaling} from '../findings/autoscaling.js';
import {analyzeEtcd} from '../findings/etcd.js';
import type {FlapState} from '../findings/flapping.js';
import {type Finding, type Pane, PANES, type PaneView} from '../model/finding.js';
import {analyzeQos, QosMemo} from '../findings/qos.js';
import {analyzeWatchersFromMetrics} from '../findings/watchers-metrics.js';
import type {Session} from '../kube/session.js';
import type {HeaderInfo} from './header.js';
import {emptyState} from '../model/empty-state.js';
import type {ClusterState} from '../model/state.js';
import type {RemedyEngine} from '../remedies/engine.js';

export type Views = Record<Pane, PaneView>;

/** The order the panes are analyzed in (autoscaling first: its flap states carry over). */
const ANALYSIS_ORDER: readonly Pane[] = ['autoscaling', 'etcd', 'watchers', 'qos'];

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
	/** --panes: only these panes are analyzed; the others say they were not asked for. Default: all. */
	panes?: readonly Pane[];
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
	/** Report mode's sync deadline passed: inputs still pending were not synced in time (these words say so). */
	private syncTimedOut: string | undefined;

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

	/**
	 * Coalesce changes: at most one analysis per interval, however many events arrive. A
	 * scheduled analysis runs one pane at a time and lets the event loop run between two
	 * (refreshInSteps), so a key pressed meanwhile waits for one pane's analysis, not four.
	 */
	schedule(): void {
		if (this.pending) return;
		if (this.stepping) {
			this.changedWhileStepping = true;
			return;
		}
		const wait = Math.max(0, this.interval() - (Date.now() - this.finishedAt));
		this.pending = setTimeout(() => {
			this.pending = undefined;
			void this.refreshInSteps();
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
		if (!force && !this.changed()) {
			this.emit('tick');
			return;
		}
		// Whatever a stepped analysis has under way is older than this one.
		if (this.stepping) this.stepping.superseded = true;
		const started = performance.now();
		this.views = this.analyze();
		this.analysisMs = performance.now() - started;
		this.finishedAt = Date.now();
		this.emit('views', this.views);
	}

	private changed(): boolean {
		const version = this.options.session?.store.version ?? 0;
		const watchersVersion = this.options.watchers?.version ?? 0;
		return version !== this.analyzedVersion || watchersVersion !== this.analyzedWatchersVersion;
	}

	/** The stepped analysis under way, if any (see schedule). */
	private stepping: {superseded: boolean} | undefined;
	private changedWhileStepping = false;
	private disposed = false;

	/**
	 * refresh() one pane at a time, with a turn of the event loop (setImmediate) between two
	 * panes; emits 'views' once, when all four are done. The analyses' time, not the
	 * pauses, sets the next interval. A refresh() meanwhile supersedes it.
	 */
	async refreshInSteps(): Promise<void> {
		if (this.stepping || this.disposed) return;
		if (!this.changed()) {
			this.emit('tick');
			return;
		}
		const run = {superseded: false};
		this.stepping = run;
		this.changedWhileStepping = false;
		let busy = 0;
		try {
			const views = {...this.views};
			const state = this.state;
			this.markAnalyzed();
			const between = this.options.betweenPanes ?? (() => undefined);
			for (const pane of ANALYSIS_ORDER) {
				const started = performance.now();
				between();
				views[pane] = this.analyzePane(pane, state);
				busy += performance.now() - started;
				await new Promise<void>((resolve) => setImmediate(resolve));
				if (run.superseded || this.disposed) return;
			}
			const started = performance.now();
			between();
			busy += performance.now() - started;
			this.views = views;
			this.analysisMs = busy;
			this.finishedAt = Date.now();
			this.emit('views', this.views);
		} finally {
			if (this.stepping === run) this.stepping = undefined;
			if (this.changedWhileStepping && !this.disposed) {
				this.changedWhileStepping = false;
				this.schedule();
			}
		}
	}

	private markAnalyzed(): void {
		this.analyses++;
		this.analyzedVersion = this.options.session?.store.version ?? 0;
		this.analyzedWatchersVersion = this.options.watchers?.version ?? 0;
	}

	private analyze(): Views {
		this.markAnalyzed();
		const state = this.state;
		const between = this.options.betweenPanes ?? (() => undefined);
		const views = {} as Views;
		for (const pane of ANALYSIS_ORDER) {
			between();
			views[pane] = this.analyzePane(pane, state);
		}
		between();
		return views;
	}

	/** Report mode: the sync did not finish by its deadline; what is still pending is reported as not synced. */
	syncDeadlinePassed(words: string): void {
		this.syncTimedOut = words;
	}

	/** Whether --panes asked for this pane (all are, without it). */
	asked(pane: Pane): boolean {
		return this.options.panes === undefined || this.options.panes.includes(pane);
	}

	/**
	 * One pane's analysis with its coverage: what it read and could not. A pane that has no
	 * data and whose analyzer found nothing to say says why, rather than showing an empty table.
	 */
	private analyzePane(pane: Pane, state: ClusterState): PaneView {
		const auditGiven = this.options.watchers !== undefined;
		if (!this.asked(pane)) {
			const flag = `--panes ${this.options.panes!.join(',')}`;
			return {
				pane,
				title: pane,
				header: [],
				columns: [],
				rows: [],
				findings: [],
				unavailable: `not asked for (${flag})`,
				coverage: notAskedCoverage(pane, auditGiven, flag),
			};
		}
		const view = this.analyzeOnePane(pane, state);
		const coverage = paneCoverage(pane, {
			session: this.options.session?.inputs(),
			audit: this.options.watchers?.info(),
			auditGiven,
			syncTimedOut: this.syncTimedOut,
			live: this.options.live !== false,
		});
		if (coverage.noData && view.unavailable === undefined && view.rows.length === 0) {
			const required = coverage.inputs.filter((i) => i.need === 'required');
			const waiting = required.every((i) => i.status === 'pending');
			return {...view, unavailable: waiting ? `waiting for ${required.map((i) => i.input).join(', ')}` : `no data: ${unreadText(required)}`, coverage};
		}
		return {...view, coverage};
	}

	/** One pane's analysis of this state; an analyzer that throws gives a pane that says so. */
	private analyzeOnePane(pane: Pane, state: ClusterState): PaneView {
		const namespace = state.namespace;
		const offline = !this.options.session;
		const noCluster = (title: string): PaneView => ({
			pane,
			title,
			header: [],
			columns: [],
			rows: [],
			findings: [],
			unavailable: 'no cluster: reading an audit log only',
		});
		try {
			switch (pane) {
				case 'autoscaling': {
					if (offline) return noCluster('autoscaling');
					const result = analyzeAutoscaling(state, {namespace, flapStates: this.flapStates});
					this.flapStates = result.flapStates;
					return result.view;
				}
				case 'etcd':
					return offline ? noCluster('etcd') : analyzeEtcd(state, {namespace, ascii: this.options.ascii});
				case 'watchers':
					return this.options.watchers ? this.options.watchers.analyze(state) : analyzeWatchersFromMetrics(state);
				case 'qos':
					return offline ? noCluster('QoS') : analyzeQos(state, {namespace, memo: this.qosMemo});
			}
		} catch (error) {
			return {pane, title: pane, header: [], columns: [], rows: [], findings: [], unavailable: `analysis failed: ${(error as Error).message}`};
		}
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
		const last = state.lastEventAt;
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
		this.disposed = true;
		if (this.pending) clearTimeout(this.pending);
		for (const off of this.unsubscribe) off();
		this.removeAllListeners();
	}
}
