/**
 * Scale: the `large` scenario at 150,000 pods and 10,000 HPAs (50,000 / 3,000 with --quick),
 * beside the `incident` scenario (~300 pods) in the same run. The simulator runs in its own
 * process; the product in another (bench/scale-worker.ts) for the TUI: time to full sync
 * (every kind listed through the 5 QPS budget, first counts in), RSS, and keypress-to-frame
 * latency while 200 watch events/s stream; at the large size, the same for the release
 * binary (Bun) on a pseudo-terminal, beside the node figures of the same run and beside
 * the binary told to keep JavaScriptCore's own heap sizing (BUN_JSC_forceRAMSize=0); then report
 * mode (`-A -o json`): time to the report and peak RSS, under node and (at the large size)
 * from the release binary. Goal: RSS ≤ 512 MB at 150,000 pods.
 */
import {spawn} from 'node:child_process';
import {readFileSync} from 'node:fs';
import {createInterface} from 'node:readline';
import type {BenchSuite, Measure} from './harness.js';
import {rssOf, startSimProcess} from './sim.js';
import {percentile} from './stats.js';
import {buildLinuxBinary} from './binary.js';
import {shellQuote, spawnOnPty, stopPty} from './pty.js';
import {JSC_RAM_VARIABLE} from '../source/cli/heap.js';

/** What a TUI run measures; the node run also says what was synced and how fast the storm went. */
interface BinaryTuiRun {
	syncedMs: number;
	rss: number;
	peakRss: number;
	p50: number;
	p95: number;
	keys: number;
	lost: number;
}

interface TuiRun extends BinaryTuiRun {
	pods: number;
	hpas: number;
	events: number;
}

/**
 * 200 pod annotation patches a second over HTTP (each one a MODIFIED watch event), to
 * application pods (outside kube-system), as a rollout or a busy operator would touch. The
 * first pages of all pods are kube-system DaemonSet pods, and the simulator's DaemonSet
 * controller re-reads every pod of a DaemonSet on each change: patching those capped the
 * storm at 11–70 events/s at 150,000 pods.
 */
async function storm(url: string, rate: number): Promise<{stop: () => Promise<number>}> {
	const page = (await (await fetch(`${url}/api/v1/pods?limit=500&fieldSelector=${encodeURIComponent('metadata.namespace!=kube-system')}`)).json()) as {
		items: Array<{metadata: {namespace: string; name: string}}>;
	};
	const pods = page.items.map((p) => p.metadata);
	let sent = 0;
	let inflight = 0;
	const started = performance.now();
	const timer = setInterval(() => {
		const due = Math.floor(((performance.now() - started) / 1000) * rate) - sent;
		for (let i = 0; i < due && inflight < 64; i++) {
			const pod = pods[sent % pods.length]!;
			sent++;
			inflight++;
			void fetch(`${url}/api/v1/namespaces/${pod.namespace}/pods/${pod.name}`, {
				method: 'PATCH',
				headers: {'Content-Type': 'application/merge-patch+json'},
				body: JSON.stringify({metadata: {annotations: {'bench/tick': String(sent)}}}),
			})
				.then((r) => r.arrayBuffer())
				.catch(() => undefined)
				.finally(() => inflight--);
		}
	}, 10);
	return {
		async stop() {
			clearInterval(timer);
			return sent / ((performance.now() - started) / 1000);
		},
	};
}

async function tuiRun(kubeconfig: string, url: string, keySeconds: number, log: (line: string) => void): Promise<TuiRun> {
	const child = spawn(process.execPath, ['dist/bench/scale-worker.js', kubeconfig, String(keySeconds)], {stdio: ['pipe', 'pipe', 'pipe']});
	let stderr = '';
	child.stderr.on('data', (chunk: Buffer) => {
		stderr += chunk.toString();
	});
	const result: Partial<TuiRun> = {};
	let running: {stop: () => Promise<number>} | undefined;
	await new Promise<void>((resolve, reject) => {
		createInterface({input: child.stdout}).on('line', (line) => {
			const message = JSON.parse(line) as {
				synced?: number;
				rss?: number;
				pods?: number;
				hpas?: number;
				done?: boolean;
				latencies?: number[];
				lost?: number;
				peakRss?: number;
			};
			if (message.synced !== undefined) {
				Object.assign(result, {syncedMs: message.synced, rss: message.rss, pods: message.pods, hpas: message.hpas});
				log(
					`synced ${message.pods} pods, ${message.hpas} HPAs in ${(message.synced / 1000).toFixed(1)} s, RSS ${((message.rss ?? 0) / 2 ** 20).toFixed(0)} MiB`,
				);
				void storm(url, 200).then((s) => {
					running = s;
					setTimeout(() => child.stdin.write('go\n'), 2000);
				});
			} else if (message.done) {
				const latencies = message.latencies ?? [];
				Object.assign(result, {
					p50: percentile(latencies, 0.5),
					p95: percentile(latencies, 0.95),
					keys: latencies.length,
					lost: message.lost,
					peakRss: message.peakRss,
				});
				void running?.stop().then((rate) => {
					result.events = rate;
				});
			}
		});
		child.on('exit', (code) => (code === 0 && result.p50 !== undefined ? resolve() : reject(new Error(`scale worker exited ${code}: ${stderr.slice(-500)}`))));
	});
	await new Promise((resolve) => setTimeout(resolve, 50));
	return result as TuiRun;
}

/** The product's process under a `script` pty (its shell exec()s the binary): the first descendant whose command line names kubectl-assure. */
function ptyChild(scriptPid: number): number | undefined {
	const queue = [scriptPid];
	while (queue.length > 0) {
		const pid = queue.shift()!;
		let children: number[] = [];
		try {
			children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
		} catch {
			// Gone.
		}
		for (const child of children) {
			let command: string;
			try {
				command = readFileSync(`/proc/${child}/cmdline`, 'utf8');
			} catch {
				continue;
			}
			if (command.includes('kubectl-assure')) return child;
			queue.push(child);
		}
	}
	return undefined;
}

/**
 * The release binary's TUI on a pseudo-terminal (util-linux `script`, 80×24), as someone
 * would run it: time until the header no longer says "syncing", RSS then, and its peak
 * while the same storm streams and 3 and 4 are pressed; each key is timed to the first
 * output that carries that pane's column header.
 */
async function binaryTuiRun(
	binary: string,
	kubeconfig: string,
	url: string,
	keySeconds: number,
	log: (line: string) => void,
	env: Record<string, string> = {},
): Promise<BinaryTuiRun> {
	const started = performance.now();
	const child = spawnOnPty(`stty cols 80 rows 24; exec ${shellQuote([binary, '-A'])}`, {
		...process.env,
		KUBECONFIG: kubeconfig,
		TERM: 'xterm-256color',
		LANG: 'C.UTF-8',
		...env,
	});
	let recent = '';
	let seenSyncing = false;
	let synced: (() => void) | undefined;
	let waiter: {sign: RegExp; resolve: (at: number) => void} | undefined;
	child.stdout.on('data', (chunk: Buffer) => {
		const text = chunk.toString('utf8');
		recent = (recent + text).slice(-4096);
		if (text.includes('syncing')) seenSyncing = true;
		else if (seenSyncing && synced && /● live/.test(text)) synced();
		if (waiter?.sign.test(text)) {
			waiter.resolve(performance.now());
			waiter = undefined;
		}
	});
	const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
	const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
	try {
		const outcome = await Promise.race([
			new Promise<'synced'>((resolve) => {
				synced = () => resolve('synced');
			}),
			exited.then((code) => `exited ${code}` as const),
			sleep(600_000).then(() => 'timed out' as const),
		]);
		if (outcome !== 'synced') throw new Error(`release binary TUI ${outcome}: ${recent.slice(-300)}`);
		const syncedMs = performance.now() - started;
		await sleep(1000);
		const pid = ptyChild(child.pid!);
		if (pid === undefined) throw new Error('release binary TUI: no process under the pty');
		const rss = rssOf(pid).rss;
		log(
			`release binary${env[JSC_RAM_VARIABLE] === undefined ? '' : ` (${JSC_RAM_VARIABLE}=${env[JSC_RAM_VARIABLE]})`}: synced in ${(syncedMs / 1000).toFixed(1)} s, RSS ${(rss / 2 ** 20).toFixed(0)} MiB`,
		);
		const running = await storm(url, 200);
		await sleep(2000);
		const SIGNS: Record<string, RegExp> = {'3': /REV\/60M/, '4': /\bQOS\b/};
		const latencies: number[] = [];
		let lost = 0;
		let key = '3';
		const until = performance.now() + keySeconds * 1000;
		while (performance.now() < until) {
			const shown = new Promise<number>((resolve) => {
				waiter = {sign: SIGNS[key]!, resolve};
			});
			const pressed = performance.now();
			child.stdin.write(key);
			const at = await Promise.race([shown, sleep(5000).then(() => -1)]);
			if (at < 0) lost++;
			else latencies.push(at - pressed);
			waiter = undefined;
			key = key === '3' ? '4' : '3';
			await sleep(250);
		}
		await running.stop();
		const peakRss = rssOf(pid).peak;
		child.stdin.write('q');
		await Promise.race([exited, sleep(5000)]);
		return {syncedMs, rss, peakRss, p50: percentile(latencies, 0.5), p95: percentile(latencies, 0.95), keys: latencies.length, lost};
	} finally {
		stopPty(child);
	}
}

async function reportRun(
	kubeconfig: string,
	command: string[] = [process.execPath, 'bin/kubectl-assure.js'],
): Promise<{ms: number; peakRss: number; code: number}> {
	const started = performance.now();
	const child = spawn(command[0]!, [...command.slice(1), '-A', '-o', 'json'], {
		env: {...process.env, KUBECONFIG: kubeconfig},
		stdio: ['ignore', 'ignore', 'pipe'],
	});
	let peak = 0;
	const poll = setInterval(() => {
		try {
			peak = Math.max(peak, rssOf(child.pid!).peak);
		} catch {
			// Exited.
		}
	}, 50);
	const code = await new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? -1)));
	clearInterval(poll);
	return {ms: performance.now() - started, peakRss: peak, code};
}

type ReportRun = {ms: number; peakRss: number; code: number};

async function scenario(
	args: string[],
	keySeconds: number,
	log: (line: string) => void,
	binary?: string,
): Promise<{tui: TuiRun; report: ReportRun; binaryTui?: BinaryTuiRun; binaryOwnSizing?: BinaryTuiRun; binaryReport?: ReportRun}> {
	const sim = await startSimProcess(args, {nodeArgs: ['--max-old-space-size=8192']});
	const kubeconfig = sim.child.spawnargs[sim.child.spawnargs.indexOf('--kubeconfig-out') + 1]!;
	void readFileSync(kubeconfig);
	try {
		const tui = await tuiRun(kubeconfig, sim.url, keySeconds, log);
		const binaryTui = binary === undefined ? undefined : await binaryTuiRun(binary, kubeconfig, sim.url, keySeconds, log);
		if (binaryTui)
			log(
				`release binary TUI: peak RSS ${(binaryTui.peakRss / 2 ** 20).toFixed(0)} MiB, keys p50 ${binaryTui.p50.toFixed(0)} ms, p95 ${binaryTui.p95.toFixed(0)} ms (${binaryTui.keys} keys, ${binaryTui.lost} lost)`,
			);
		// The baseline for the binary's own heap sizing: the same binary told to keep
		// JavaScriptCore's defaults (source/cli/heap.ts, relaunchForHeap).
		const binaryOwnSizing = binary === undefined ? undefined : await binaryTuiRun(binary, kubeconfig, sim.url, keySeconds, log, {[JSC_RAM_VARIABLE]: '0'});
		if (binaryOwnSizing)
			log(
				`release binary TUI, ${JSC_RAM_VARIABLE}=0: peak RSS ${(binaryOwnSizing.peakRss / 2 ** 20).toFixed(0)} MiB, keys p50 ${binaryOwnSizing.p50.toFixed(0)} ms, p95 ${binaryOwnSizing.p95.toFixed(0)} ms`,
			);
		const report = await reportRun(kubeconfig);
		log(`report: ${(report.ms / 1000).toFixed(1)} s, peak RSS ${(report.peakRss / 2 ** 20).toFixed(0)} MiB, exit ${report.code}`);
		const binaryReport = binary === undefined ? undefined : await reportRun(kubeconfig, [binary]);
		if (binaryReport)
			log(
				`release binary report: ${(binaryReport.ms / 1000).toFixed(1)} s, peak RSS ${(binaryReport.peakRss / 2 ** 20).toFixed(0)} MiB, exit ${binaryReport.code}`,
			);
		return {tui, report, binaryTui, binaryOwnSizing, binaryReport};
	} finally {
		sim.child.kill('SIGTERM');
	}
}

/** The large scenario's size and how long keys are pressed in each TUI run, for a full and a --quick run. */
const SIZES = {
	full: {size: 150_000, hpas: 10_000, keySeconds: 20},
	quick: {size: 50_000, hpas: 3000, keySeconds: 10},
};

export const suite: BenchSuite = {
	name: 'scale',
	async run({quick, log}) {
		const {size, hpas, keySeconds} = SIZES[quick ? 'quick' : 'full'];
		// The release binary (Bun) for this machine: what krew installs.
		const {binary} = await buildLinuxBinary(log);
		log('incident scenario');
		const small = await scenario(['--scenario', 'incident'], keySeconds, log);
		log(`large scenario: ${size} pods, ${hpas} HPAs`);
		const large = await scenario(['--scenario', 'large', '--size', String(size), '--hpas', String(hpas)], keySeconds, log, binary);
		const bin = large.binaryTui!;
		const node = (value: number) => ({name: 'the same under node, this run', value});
		const own = (value: number) => ({name: `the binary with ${JSC_RAM_VARIABLE}=0 (JavaScriptCore's own sizing), this run`, value});
		const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
		const goal = (bytes: number) => (bytes <= 512 * 2 ** 20 ? 'met' : 'NOT met');
		const base = (value: number) => ({name: 'incident scenario (~300 pods)', value});
		return [
			{
				name: `TUI: time to full sync, ${size} pods + ${hpas} HPAs`,
				value: large.tui.syncedMs,
				unit: 'ms',
				baseline: base(small.tui.syncedMs),
				better: 'lower',
				note: 'every kind listed through the 5 QPS budget, first counts in',
			},
			{
				name: 'TUI: RSS after full sync',
				value: large.tui.rss,
				unit: 'bytes',
				baseline: base(small.tui.rss),
				better: 'lower',
				note: `goal ≤ 512 MB at 150,000 pods: ${goal(large.tui.rss)} (peak ${(large.tui.peakRss / 2 ** 20).toFixed(0)} MiB)`,
			},
			{
				name: `TUI: keypress to frame p50, ${large.tui.events.toFixed(0)} watch events/s`,
				value: large.tui.p50,
				unit: 'ms',
				baseline: base(small.tui.p50),
				better: 'lower',
				note: `${large.tui.keys} keys, ${large.tui.lost} without a frame in 5 s`,
			},
			{name: 'TUI: keypress to frame p95', value: large.tui.p95, unit: 'ms', baseline: base(small.tui.p95), better: 'lower'},
			{
				name: 'release binary TUI: RSS after full sync',
				value: bin.rss,
				unit: 'bytes',
				baseline: node(large.tui.rss),
				better: 'lower',
				note: `synced in ${(bin.syncedMs / 1000).toFixed(0)} s; goal ≤ 512 MB: ${goal(bin.rss)}`,
			},
			{
				name: `release binary TUI: peak RSS, ${large.tui.events.toFixed(0)} watch events/s and keys`,
				value: bin.peakRss,
				unit: 'bytes',
				baseline: node(large.tui.peakRss),
				better: 'lower',
				note: `goal ≤ 512 MB: ${goal(bin.peakRss)}`,
			},
			{
				name: 'release binary TUI: keypress to output p50',
				value: bin.p50,
				unit: 'ms',
				baseline: node(large.tui.p50),
				better: 'lower',
				note: `p95 ${bin.p95.toFixed(0)} ms (node ${large.tui.p95.toFixed(0)} ms); ${bin.keys} keys, ${bin.lost} without output in 5 s`,
			},
			{
				name: 'release binary TUI: peak RSS, heap sized for a tool',
				value: bin.peakRss,
				unit: 'bytes',
				baseline: own(large.binaryOwnSizing!.peakRss),
				better: 'lower',
				note: `after sync ${mib(large.binaryOwnSizing!.rss)} → ${mib(bin.rss)} MiB; synced in ${(large.binaryOwnSizing!.syncedMs / 1000).toFixed(0)} → ${(bin.syncedMs / 1000).toFixed(0)} s`,
			},
			{
				name: 'release binary TUI: keypress p95, heap sized for a tool',
				value: bin.p95,
				unit: 'ms',
				baseline: own(large.binaryOwnSizing!.p95),
				better: 'lower',
				note: `p50 ${large.binaryOwnSizing!.p50.toFixed(0)} → ${bin.p50.toFixed(0)} ms`,
			},
			{
				name: 'report -A -o json: time to the report',
				value: large.report.ms,
				unit: 'ms',
				baseline: base(small.report.ms),
				better: 'lower',
				note: `exit ${large.report.code}`,
			},
			{
				name: 'report -A -o json: peak RSS',
				value: large.report.peakRss,
				unit: 'bytes',
				baseline: base(small.report.peakRss),
				better: 'lower',
				note: `goal ≤ 512 MB: ${goal(large.report.peakRss)}`,
			},
			{
				name: 'release binary report -A -o json: peak RSS',
				value: large.binaryReport!.peakRss,
				unit: 'bytes',
				baseline: node(large.report.peakRss),
				better: 'lower',
				note: `${(large.binaryReport!.ms / 1000).toFixed(0)} s (node ${(large.report.ms / 1000).toFixed(0)} s), exit ${large.binaryReport!.code}; goal ≤ 512 MB: ${goal(large.binaryReport!.peakRss)}`,
			},
		] satisfies Measure[];
	},
};
