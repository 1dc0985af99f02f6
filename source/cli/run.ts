/**
 * The product's main mode: resolve the cluster (or start the embedded simulator for
 * --demo), then either the TUI (a terminal) or report mode (-o json|yaml|markdown, or
 * stdout not a terminal). The TUI draws at once and connects behind it (an exec credential
 * plugin may take long: the header counts, `q` quits and ends it), except that an
 * interactive plugin gets the terminal first; a first connect that fails for good closes
 * the TUI and ends in one line. Report mode connects (an explicit --request-timeout bounds
 * a plugin too), waits for the initial sync (bounded by --request-timeout), observes if
 * asked, prints, and exits with the documented code.
 */
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {AppController, type WatchersSource} from '../app/controller.js';
import {isAbortError, wallClock} from '../clock.js';
import {EXIT, UsageError} from '../errors.js';
import {PANES, type Pane, type Severity} from '../model/finding.js';
import {resolveConfig, type ResolvedConfig} from '../kube/kubeconfig.js';
import {PluginInterrupted} from '../kube/credentials.js';
import {remedyApi} from '../remedies/remedy-api.js';
import {Session} from '../kube/session.js';
import {remedyCatalog} from '../remedies/catalog.js';
import {RemedyEngine} from '../remedies/engine.js';
import {Journal} from '../remedies/journal.js';
import {buildReport, coverageWarnings, failingFindings, jsonChunks, renderMarkdown, renderYaml, type Report} from '../report/report.js';
import type {Simulator} from '../sim/simulator.js';
import type {OutputFormat, RunOptions} from './flags.js';
import {restoreEnvironment} from './terminal-env.js';
import {collectNow, collectWhenGrown} from './heap.js';
import {sanitize} from '../text/sanitize.js';

export interface RunContext {
	stdout: NodeJS.WriteStream;
	stderr: NodeJS.WriteStream;
	stdin: NodeJS.ReadStream;
	env: NodeJS.ProcessEnv;
}

interface Demo {
	sim: Simulator;
	kubeconfig: string;
	/** The simulator's own audit log, for the watchers pane (unless --audit-log names another). */
	auditLog?: string;
	close(): Promise<void>;
}

/**
 * The embedded simulator, its kubeconfig and — unless the user passed --audit-log — its
 * audit log (the scenario's simulated clients and every request it serves), in a private
 * temporary directory (0700; the files 0600) removed when the demo ends, at exit, or on a
 * signal nothing else handles.
 */
async function startDemo(options: RunOptions): Promise<Demo> {
	const {startSimulator} = await import('../sim/simulator.js');
	const dir = mkdtempSync(join(tmpdir(), 'assure-demo-'));
	const remove = () => rmSync(dir, {recursive: true, force: true});
	const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
	const onSignal = (signal: NodeJS.Signals) => {
		// The TUI handles these itself and ends through close(); alone, remove and die of the signal as before.
		if (process.listenerCount(signal) > 0) return;
		remove();
		process.kill(process.pid, signal);
	};
	const forget = () => {
		process.off('exit', remove);
		for (const signal of signals) process.off(signal, onSignal);
	};
	process.once('exit', remove);
	for (const signal of signals) process.once(signal, onSignal);
	const auditLog = options.auditLog === undefined ? join(dir, 'audit.log') : undefined;
	let sim: Simulator;
	try {
		sim = await startSimulator({scenario: options.demo, ...(auditLog === undefined ? {} : {auditLog})});
	} catch (error) {
		forget();
		remove();
		throw error;
	}
	const kubeconfig = join(dir, 'kubeconfig');
	writeFileSync(kubeconfig, sim.kubeconfig(), {mode: 0o600});
	return {
		sim,
		kubeconfig,
		...(auditLog === undefined ? {} : {auditLog}),
		async close() {
			await sim.close();
			forget();
			remove();
		},
	};
}

/**
 * Writes the report. JSON goes out in pieces of about 64 KiB, each after the last one
 * drained, so the whole document is never one string in memory (it is tens of MB at
 * 150,000 pods); YAML and Markdown are rendered whole.
 */
async function writeReport(format: OutputFormat, report: Report, stdout: NodeJS.WriteStream, collect: () => unknown = () => undefined): Promise<void> {
	const pieces = format === 'json' ? jsonChunks(report) : [format === 'yaml' ? renderYaml(report) : renderMarkdown(report)];
	// A reader that stops early (`| head`) closes the pipe: stop writing, quietly, as other
	// command-line tools do, instead of dying of an unhandled EPIPE.
	let closed = false;
	stdout.on('error', () => {
		closed = true;
	});
	let batch = '';
	let batches = 0;
	const flush = async () => {
		if (batch === '' || closed || stdout.destroyed) return;
		const drained = stdout.write(batch);
		batch = '';
		if (drained === false && !stdout.destroyed) {
			await new Promise<void>((resolve) => {
				const done = () => {
					stdout.off('drain', done).off('close', done).off('error', done);
					resolve();
				};
				stdout.once('drain', done).once('close', done).once('error', done);
			});
		}
	};
	for (const piece of pieces) {
		if (closed) return;
		batch += piece;
		if (batch.length >= 65_536) {
			await flush();
			// Every 4 MiB (see collectNow).
			if (++batches % 64 === 0) collect();
		}
	}
	await flush();
}

/** A shell's code for Ctrl-C: the user ended an interactive login. */
const EXIT_INTERRUPTED = 130;

/**
 * An interactive exec plugin (a device-code login) runs before the TUI takes the screen,
 * with the terminal's standard input and error, as kubectl runs it. Ctrl-C reaches it (it
 * is in the terminal's foreground process group) and ends us too: false.
 */
async function interactiveLogin(session: Session): Promise<boolean> {
	let interrupted = false;
	const onInterrupt = () => {
		interrupted = true;
		void session.credentials.stop();
	};
	process.on('SIGINT', onInterrupt);
	try {
		await session.credentials.get();
		return true;
	} catch (error) {
		if (interrupted || error instanceof PluginInterrupted) return false;
		throw error;
	} finally {
		process.off('SIGINT', onInterrupt);
	}
}

/**
 * Runs the TUI while the session connects and starts behind it. If the first connect
 * fails for good (a plugin failed, 401, unreachable), the TUI is closed through `signal`
 * and the error is thrown once the terminal is restored, so it ends in its one line. When
 * the user quits first, the session's stop ends whatever is still under way.
 */
async function connectBehind(session: Session | undefined, requestTimeoutMs: number, runTui: (signal: AbortSignal) => Promise<number>): Promise<number> {
	// The TUI holds the terminal from now: a plugin that runs later (a credential expired) cannot have it.
	if (session) session.credentials.terminal.heldByUi = true;
	const failed = new AbortController();
	let failure: unknown;
	let quit = false;
	if (session) {
		void (async () => {
			// The credential first (a plugin may take minutes): --request-timeout bounds the connect after it.
			await session.credentials.get();
			await session.connect(requestTimeoutMs > 0 ? wallClock.now() + requestTimeoutMs : undefined);
			await session.start();
		})().catch((error: unknown) => {
			if (quit || isAbortError(error)) return;
			failure = error;
			failed.abort();
		});
	}
	const code = await runTui(failed.signal);
	quit = true;
	if (failure !== undefined) throw failure;
	return code;
}

export async function runProduct(
	options: RunOptions,
	context: RunContext = {stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env},
): Promise<number> {
	const report = options.output !== undefined || !context.stdout.isTTY;
	const format: OutputFormat = options.output ?? 'markdown';
	let demo: Demo | undefined;
	let watchers: (WatchersSource & {close(): Promise<void>}) | undefined;
	let session: Session | undefined;
	// Ink is loaded first, while the CI markers are hidden from it; then they are put back,
	// before any credential plugin can run (terminal-env.ts).
	const tui = report ? undefined : import('../ui/run-tui.js');
	await tui;
	restoreEnvironment();
	try {
		if (options.demo) demo = await startDemo(options);
		// The demo feeds the watchers pane its simulator's audit log, followed like any file.
		const auditLog = options.auditLog ?? demo?.auditLog;
		if (auditLog !== undefined) {
			const {openAuditFeed} = await import('../app/audit-feed.js');
			watchers = await openAuditFeed({
				path: auditLog,
				follow: !report,
				sinceMs: options.sinceMs,
				stdin: context.stdin,
				...(options.auditLog === undefined ? {label: 'simulator (demo)'} : {}),
			});
		}
		let config: ResolvedConfig | undefined;
		const offline = !demo && options.auditLog !== undefined && !options.context && !options.kubeconfig && !canResolve(context.env);
		if (!offline) {
			config = resolveConfig({
				kubeconfig: demo?.kubeconfig ?? options.kubeconfig,
				context: options.context,
				namespace: options.namespace,
				allNamespaces: options.allNamespaces || (Boolean(demo) && !options.namespace),
				env: context.env,
			});
		}
		if (config) {
			session = new Session({
				config,
				qps: options.qps,
				burst: options.burst,
				requestTimeoutMs: options.requestTimeoutMs,
				readOnly: options.readOnly,
				panes: options.panes,
				env: context.env,
				// kubectl sets no bound on a credential plugin; report mode (no one to press q) honours an explicit --request-timeout.
				execTimeoutMs: report && options.requestTimeoutMs > 0 ? options.requestTimeoutMs : undefined,
				stdinUnavailable: options.auditLog === '-',
				stdinIsTerminal: Boolean(context.stdin.isTTY),
			});
		}
		const cluster = session;
		// The server's minor is known once connected (the TUI draws before that).
		const api = cluster
			? {
					...remedyApi(cluster.client, cluster.access),
					get serverMinor() {
						return Number(cluster.store.serverVersion?.minor) || undefined;
					},
				}
			: undefined;
		const engine =
			cluster && api && !options.readOnly
				? new RemedyEngine(api, new Journal(), {context: cluster.store.context, user: config?.user.name ?? ''}, remedyCatalog())
				: undefined;
		// Report mode analyzes once, when the data is in: analyses during the sync only slow it.
		// Under Bun, garbage is collected between the panes' analyses (source/cli/heap.ts).
		const controller = new AppController({
			session,
			watchers,
			engine,
			readOnly: options.readOnly,
			ascii: false,
			live: !report,
			betweenPanes: report ? collectNow : collectWhenGrown(),
			panes: options.panes,
		});
		if (!report) {
			const {runTui} = await tui!;
			if (session?.credentials.wantsTerminal && !(await interactiveLogin(session))) return EXIT_INTERRUPTED;
			return await connectBehind(session, options.requestTimeoutMs, (signal) =>
				runTui({controller, session, engine, readOnly: options.readOnly, stdout: context.stdout, stdin: context.stdin, env: context.env, signal}),
			);
		}
		if (session) {
			await session.connect(options.requestTimeoutMs > 0 ? wallClock.now() + options.requestTimeoutMs : undefined);
			await session.start();
		}
		// Report mode.
		const started = wallClock.now();
		// Without --panes: every pane, or with no cluster (an audit log only) the watchers pane.
		const asked: readonly Pane[] = options.panes ?? (session ? PANES : ['watchers']);
		if (session) {
			const deadline = options.requestTimeoutMs > 0 ? started + options.requestTimeoutMs : undefined;
			// The QoS pane's suggestions start from pod usage, the autoscaling pane's flapping from the
			// rescale history the events hold: their first reads are part of the sync.
			const synced = await session.waitForSync(deadline, {counts: true, podMetrics: asked.includes('qos'), rescales: asked.includes('autoscaling')});
			if (!synced) controller.syncDeadlinePassed(`not synced within --request-timeout (${formatSeconds(options.requestTimeoutMs)})`);
		}
		if (watchers) await watchers.close();
		if (options.observeMs && options.observeMs > 0) {
			context.stderr.write(`observing for ${Math.round(options.observeMs / 1000)} s…\n`);
			await new Promise((resolve) => setTimeout(resolve, options.observeMs));
		}
		controller.refresh(true);
		if (options.apply.length > 0) {
			const code = await applyOne(options, controller, engine, context);
			if (code !== EXIT.ok) return code;
			if (options.yes) {
				// Let the watches bring the change in before the report is taken.
				await new Promise((resolve) => setTimeout(resolve, 1000));
				controller.refresh(true);
			}
		}
		const built = buildReport(controller.views, controller.header(), {
			generatedAt: new Date(),
			observedSeconds: (wallClock.now() - started) / 1000,
			panes: asked,
		});
		await writeReport(format, built, context.stdout, collectNow);
		// After the document, where a terminal shows it last: one line per pane that lacks something.
		for (const line of coverageWarnings(built)) context.stderr.write(`${line}\n`);
		controller.dispose();
		// A pane asked for without data makes any "no findings" meaningless: that wins over --fail-on.
		if (built.summary.noData.length > 0) return EXIT.noData;
		return failingFindings(built, options.failOn as Severity | undefined).length > 0 ? EXIT.findings : EXIT.ok;
	} finally {
		await session?.stop();
		await watchers?.close();
		await demo?.close();
	}
}

function formatSeconds(ms: number): string {
	return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

function canResolve(env: NodeJS.ProcessEnv): boolean {
	try {
		resolveConfig({env});
		return true;
	} catch {
		return false;
	}
}

/**
 * --apply finding:remedy in report mode: the same careful flow as the TUI's, without
 * asking — the access check and the server dry run, the diff on stderr — and, only with
 * --yes, the apply. An id that names no finding or remedy is a usage error (exit 2).
 */
async function applyOne(options: RunOptions, controller: AppController, engine: RemedyEngine | undefined, context: RunContext): Promise<number> {
	if (!engine) {
		if (options.readOnly)
			throw new UsageError(
				options.yes
					? '--yes cannot apply anything with --read-only'
					: '--apply cannot dry-run a remedy with --read-only (a server dry run is a write request, even though nothing is kept)',
			);
		throw new UsageError('--apply needs a cluster to dry-run the remedy on');
	}
	const [findingId, remedyId] = options.apply[0]!.split(':') as [string, string];
	const finding = controller.findFinding(findingId);
	const said = (text: string): string => sanitize(text, {maxLength: 200});
	if (!finding) {
		const known = controller.findings();
		throw new UsageError(
			`no finding "${said(findingId)}" now (${
				known.length === 0
					? 'there are no findings'
					: `findings: ${known
							.slice(0, 5)
							.map((f) => said(f.id))
							.join(', ')}${known.length > 5 ? ', …' : ''}`
			})`,
		);
	}
	if (!finding.remedies.some((r) => r.id === remedyId))
		throw new UsageError(
			`finding "${said(findingId)}" offers no remedy "${said(remedyId)}" (it offers: ${finding.remedies.map((r) => said(r.id)).join(', ') || 'none'})`,
		);
	const prepared = await engine.prepare(finding, remedyId, controller.state);
	// The diff shows cluster values: sanitized like everything else that reaches a terminal.
	for (const line of prepared.diff) context.stderr.write(`${line.op} ${sanitize(line.text)}\n`);
	for (const note of prepared.notes) context.stderr.write(`  ${sanitize(note)}\n`);
	if (!prepared.allowed) {
		context.stderr.write(`error: ${sanitize(prepared.reason ?? 'not allowed')}\n`);
		return EXIT.findings;
	}
	if (!options.yes) {
		context.stderr.write(`${sanitize(prepared.plan.title)}: dry run only, nothing was applied; add --yes to apply it\n`);
		return EXIT.ok;
	}
	const result = await engine.apply(prepared, (p) => context.stderr.write(`applied ${p.done}/${p.total}\n`));
	for (const message of result.messages) context.stderr.write(`  ${sanitize(message)}\n`);
	context.stderr.write(`${sanitize(prepared.plan.title)}: ${result.status} (${result.applied} applied, ${result.skipped} skipped, ${result.failed} failed)\n`);
	controller.refresh(true);
	return result.status === 'applied' || result.status === 'partial' ? EXIT.ok : EXIT.findings;
}
