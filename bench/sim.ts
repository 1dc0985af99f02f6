/**
 * The simulator's own measures, at the `large` scenario's full size (150,000 pods and
 * 10,000 HPAs; --quick: 20,000 pods): how long it takes to build, how much memory it holds,
 * how long it takes to serve every page of pods, and whether its watches keep flowing
 * while it does. The simulator runs in its own process, so its memory is its own.
 */
import {spawn, type ChildProcess} from 'node:child_process';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import type {BenchSuite, Measure} from './harness.js';
import {benchTemp} from './temp.js';
import {percentile} from './stats.js';

interface RunningSim {
	child: ChildProcess;
	url: string;
	readyMs: number;
}

export function startSimProcess(args: string[], options: {nodeArgs?: string[]} = {}): Promise<RunningSim> {
	const kubeconfig = join(benchTemp(), `sim-${process.pid}-${Date.now()}.kubeconfig`);
	const started = performance.now();
	const child = spawn(process.execPath, [...(options.nodeArgs ?? []), 'bin/kubectl-assure.js', 'sim', '--kubeconfig-out', kubeconfig, ...args], {
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	return new Promise((resolve, reject) => {
		let output = '';
		child.stdout!.on('data', (chunk: Buffer) => {
			output += chunk.toString();
			const match = /listening on (\S+)/.exec(output);
			if (match) resolve({child, url: match[1]!, readyMs: performance.now() - started});
		});
		child.stderr!.on('data', (chunk: Buffer) => {
			output += chunk.toString();
		});
		child.on('exit', (code) => reject(new Error(`simulator exited (${code}): ${output.slice(-500)}`)));
	});
}

export function rssOf(pid: number): {rss: number; peak: number} {
	const status = readFileSync(`/proc/${pid}/status`, 'utf8');
	const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
	return {rss: kb('VmRSS'), peak: kb('VmHWM')};
}

async function watchLatencies(url: string, durationMs: number, during?: () => Promise<void>): Promise<number[]> {
	const latencies: number[] = [];
	const controller = new AbortController();
	const response = await fetch(
		`${url}/api/v1/namespaces/default/configmaps?watch=true&allowWatchBookmarks=true&resourceVersion=${((await (await fetch(`${url}/api/v1/namespaces/default/configmaps?limit=1`)).json()) as {metadata: {resourceVersion: string}}).metadata.resourceVersion}`,
		{signal: controller.signal},
	);
	const sent = new Map<string, number>();
	const reader = (async () => {
		let buffer = '';
		const stream = response.body!.getReader();
		try {
			for (;;) {
				const {done, value} = await stream.read();
				if (done) return;
				buffer += Buffer.from(value).toString();
				let newline: number;
				while ((newline = buffer.indexOf('\n')) >= 0) {
					const event = JSON.parse(buffer.slice(0, newline)) as {type: string; object: {metadata: {name: string}}};
					buffer = buffer.slice(newline + 1);
					const at = sent.get(event.object.metadata.name);
					if (event.type === 'ADDED' && at !== undefined) latencies.push(performance.now() - at);
				}
			}
		} catch {
			// Aborted.
		}
	})();
	let n = 0;
	const prefix = `probe-${process.pid}-${Math.round(performance.now())}`;
	let running = true;
	const writer = (async () => {
		const end = performance.now() + durationMs;
		while (during ? running : performance.now() < end) {
			const name = `${prefix}-${n++}`;
			sent.set(name, performance.now());
			await fetch(`${url}/api/v1/namespaces/default/configmaps`, {
				method: 'POST',
				headers: {'Content-Type': 'application/json'},
				body: JSON.stringify({metadata: {name}}),
			});
			await new Promise((resolve) => setTimeout(resolve, 20));
		}
	})();
	await during?.();
	running = false;
	await writer;
	await new Promise((resolve) => setTimeout(resolve, 200));
	controller.abort();
	await reader;
	return latencies;
}

async function listAllPods(url: string): Promise<{ms: number; pages: number; items: number; bodies: string[]}> {
	const started = performance.now();
	const bodies: string[] = [];
	let token = '';
	let pages = 0;
	let items = 0;
	do {
		const text = await (
			await fetch(`${url}/api/v1/pods?limit=500${token ? `&continue=${encodeURIComponent(token)}` : ''}`, {headers: {'User-Agent': 'assure-bench'}})
		).text();
		bodies.push(text);
		const page = JSON.parse(text) as {items: unknown[]; metadata: {continue?: string}};
		items += page.items.length;
		token = page.metadata.continue ?? '';
		pages++;
	} while (token);
	return {ms: performance.now() - started, pages, items, bodies};
}

export const suite: BenchSuite = {
	name: 'sim',
	async run({quick, log}) {
		const size = quick ? 20_000 : 150_000;
		const hpas = quick ? 1_333 : 10_000;
		log(`building the large scenario: ${size} pods, ${hpas} HPAs`);
		const sim = await startSimProcess(['--scenario', 'large', '--size', String(size), '--hpas', String(hpas)], {nodeArgs: ['--max-old-space-size=8192']});
		try {
			const memory = rssOf(sim.child.pid!);
			log(`ready in ${(sim.readyMs / 1000).toFixed(1)} s, RSS ${(memory.rss / 1e6).toFixed(0)} MB`);
			const paged = await listAllPods(sim.url);
			const storedBytes = paged.bodies.reduce((n, body) => n + Buffer.byteLength(body), 0);
			log(`listed ${paged.items} pods in ${paged.pages} pages in ${(paged.ms / 1000).toFixed(1)} s`);
			const parseStarted = performance.now();
			for (const body of paged.bodies) JSON.parse(body);
			const parseMs = performance.now() - parseStarted;
			const unpagedStarted = performance.now();
			const unpaged = await (await fetch(`${sim.url}/api/v1/pods?resourceVersion=0&limit=500`)).text();
			const unpagedMs = performance.now() - unpagedStarted;
			log(`unpaged (resourceVersion=0) list: ${(unpaged.length / 1e6).toFixed(0)} MB in ${(unpagedMs / 1000).toFixed(1)} s`);
			const idle = await watchLatencies(sim.url, 3000);
			const busy = await watchLatencies(sim.url, 0, async () => {
				await listAllPods(sim.url);
			});
			log(
				`watch delivery p99: idle ${percentile(idle, 0.99).toFixed(1)} ms, during a full paged LIST ${percentile(busy, 0.99).toFixed(1)} ms (${busy.length} probes)`,
			);
			const measures: Measure[] = [
				{
					name: `build the large scenario (${size} pods, ${hpas} HPAs), to listening`,
					value: sim.readyMs,
					unit: 'ms',
					baseline: {name: 'JSON.parse of every pod it serves', value: parseMs},
					better: 'lower',
					note: 'the baseline is a floor for any server holding these objects',
				},
				{
					name: `RSS after build (${size} pods)`,
					value: memory.rss,
					unit: 'bytes',
					baseline: {name: "the pods' JSON as served", value: storedBytes},
					better: 'lower',
					note: 'the simulator keeps objects serialized',
				},
				{
					name: `serve every page of pods (limit=500, ${paged.pages} pages)`,
					value: paged.ms,
					unit: 'ms',
					baseline: {name: 'one unpaged LIST (resourceVersion=0)', value: unpagedMs},
					better: 'lower',
				},
				{
					name: 'watch event delivery p99 during that paged LIST',
					value: percentile(busy, 0.99),
					unit: 'ms',
					baseline: {name: 'idle server', value: percentile(idle, 0.99)},
					better: 'lower',
					note: `${busy.length} probes while listing`,
				},
			];
			return measures;
		} finally {
			sim.child.kill('SIGTERM');
		}
	},
};
