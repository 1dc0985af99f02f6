/**
 * Audit-log analysis speed and memory: on the same generated native logs (100k and 1M
 * events; `quick`: 100k only), the product's full analysis (every client, window,
 * histogram; worker threads) against the jq one-liner
 * `jq -r 'select(.verb=="watch") | .userAgent' | sort | uniq -c | sort -rn` and against a
 * naive readline + JSON.parse loop computing the same count. Each contender runs as its
 * own process and is timed from spawn to exit (process start-up included for all);
 * peak RSS comes from GNU time (`%M`, the largest process of a pipeline), else from
 * sampling /proc.
 */
import {existsSync, mkdtempSync, readFileSync, rmSync, statSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import type {BenchSuite, Measure} from './harness.js';
import {median} from './stats.js';
import {collect} from './worker.js';
import {defaultTrafficSpec, writeAuditLogFile} from '../source/sim/audit-traffic.js';

interface RunResult {
	ms: number;
	/** Peak resident set size in bytes (the largest process of a pipeline). */
	peakRss: number;
	stdout: string;
}

/** A module of this build as a file URL (dist/… when compiled, source .ts under tsx). */
function sibling(relative: string): string {
	const here = import.meta.url;
	const ts = here.endsWith('.ts');
	return new URL(ts ? relative.replace(/\.js$/, '.ts') : relative, here).href;
}

const timeBinary = '/usr/bin/time';

/** Runs a command, timing it from spawn to exit and measuring its peak RSS. */
async function measure(command: string, args: string[]): Promise<RunResult> {
	const useTime = existsSync(timeBinary);
	const dir = mkdtempSync(join(tmpdir(), 'assure-bench-'));
	const report = join(dir, 'time');
	const argv = useTime ? ['-f', '%M', '-o', report, command, ...args] : args;
	const started = performance.now();
	const {child, done} = collect(useTime ? timeBinary : command, argv);
	let sampled = 0;
	const sampler = useTime
		? undefined
		: setInterval(() => {
				sampled = Math.max(sampled, treeRss(child.pid ?? -1));
			}, 20);
	const {code, stdout, stderr} = await done;
	const ms = performance.now() - started;
	if (sampler !== undefined) clearInterval(sampler);
	let peakRss = sampled;
	if (useTime) peakRss = Number.parseInt(readFileSync(report, 'utf8').trim().split('\n').pop() ?? '0', 10) * 1024;
	rmSync(dir, {recursive: true, force: true});
	if (code !== 0) throw new Error(`${command} failed (${code}): ${stderr.split('\n').slice(-3).join(' ')}`);
	return {ms, peakRss, stdout};
}

/** The RSS of a process and its descendants, from /proc (bytes). */
function treeRss(pid: number): number {
	let total = 0;
	try {
		const status = readFileSync(`/proc/${pid}/status`, 'utf8');
		total += Number.parseInt(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? '0', 10) * 1024;
		for (const task of readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)) total += treeRss(Number(task));
	} catch {
		// exited
	}
	return total;
}

function nodeArgs(script: string): string[] {
	const args = ['--input-type=module', '-e', script];
	return import.meta.url.endsWith('.ts') ? ['--import=tsx', ...args] : args;
}

/** The product: full analysis of the log (all clients, windows, histograms, worst URIs). */
function productScript(path: string, workers?: number): string {
	return `
import {openAuditSource} from ${JSON.stringify(sibling('../source/audit/source.js'))};
import {snapshotOf} from ${JSON.stringify(sibling('../source/audit/snapshot.js'))};
const result = await openAuditSource(${JSON.stringify(path)}${workers === undefined ? '' : `, {workers: ${workers}}`});
const snap = snapshotOf(result.aggregator);
console.log(JSON.stringify({events: snap.events, requests: snap.requests, clients: snap.clients.length, workers: result.workers, fallback: result.fallback}));
`;
}

/** The naive loop: readline + JSON.parse per line, counting watch events per user agent, sorted like the jq pipeline. */
function naiveScript(path: string): string {
	return `
import {createReadStream} from 'node:fs';
import {createInterface} from 'node:readline';
const counts = new Map();
let events = 0;
for await (const line of createInterface({input: createReadStream(${JSON.stringify(path)}), crlfDelay: Infinity})) {
	if (line === '') continue;
	const e = JSON.parse(line);
	events++;
	if (e.verb === 'watch') counts.set(e.userAgent, (counts.get(e.userAgent) ?? 0) + 1);
}
const sorted = [...counts].sort((a, b) => b[1] - a[1]);
console.log(JSON.stringify({events, top: sorted.slice(0, 3)}));
`;
}

export const suite: BenchSuite = {
	name: 'audit',
	async run({quick, log}) {
		const sizes = quick ? [100_000] : [100_000, 1_000_000];
		const dir = mkdtempSync(join(tmpdir(), 'assure-audit-bench-'));
		const measures: Measure[] = [];
		const singleRss: number[] = [];
		try {
			for (const events of sizes) {
				const path = join(dir, `audit-${events}.log`);
				const generated = performance.now();
				// A 60-node cluster with the default clients (cilium, fluent-bit, acme-inventory…).
				const written = writeAuditLogFile(path, defaultTrafficSpec(20260310, Date.UTC(2026, 2, 10, 0, 0, 0), 60), {events});
				const mib = statSync(path).size / 1048576;
				log(`generated ${written.events} events (${mib.toFixed(0)} MiB) in ${((performance.now() - generated) / 1000).toFixed(1)} s`);
				const label = events >= 1_000_000 ? `${events / 1_000_000}M` : `${events / 1000}k`;
				const rounds = events <= 100_000 ? 3 : 1;
				const product: RunResult[] = [];
				const single: RunResult[] = [];
				const jq: RunResult[] = [];
				const naive: RunResult[] = [];
				for (let round = 0; round < rounds; round++) {
					product.push(await measure(process.execPath, nodeArgs(productScript(path))));
					single.push(await measure(process.execPath, nodeArgs(productScript(path, 0))));
					jq.push(await measure('/bin/bash', ['-c', `/usr/bin/jq -r 'select(.verb=="watch") | .userAgent' '${path}' | sort | uniq -c | sort -rn`]));
					naive.push(await measure(process.execPath, nodeArgs(naiveScript(path))));
				}
				const seen = JSON.parse(product[0]!.stdout) as {events: number; workers: number; fallback?: string};
				const naiveSeen = JSON.parse(naive[0]!.stdout) as {events: number};
				log(
					`product read ${seen.events} events on ${seen.workers} worker thread(s)${seen.fallback ? ` (fallback: ${seen.fallback})` : ''}; naive loop ${naiveSeen.events}; jq top: ${jq[0]!.stdout.split('\n')[0]?.trim()}`,
				);
				const ms = median(product.map((r) => r.ms));
				const msSingle = median(single.map((r) => r.ms));
				const msJq = median(jq.map((r) => r.ms));
				const msNaive = median(naive.map((r) => r.ms));
				const rss = Math.max(...product.map((r) => r.peakRss));
				const rssSingle = Math.max(...single.map((r) => r.peakRss));
				singleRss.push(rssSingle);
				const rate = (value: number): string => `${(((events / value) * 1000) / 1e6).toFixed(2)} M events/s`;
				measures.push(
					{
						name: `${label} events (${mib.toFixed(0)} MiB): full analysis, time`,
						value: ms,
						unit: 'ms',
						baseline: {name: 'jq | sort | uniq -c | sort -rn', value: msJq},
						better: 'lower',
						note: `${rate(ms)}, ${seen.workers} worker threads (chosen by size and idle cores); goal ≥ 10×${rounds > 1 ? `; median of ${rounds}` : ''}`,
					},
					{
						name: `${label} events: full analysis, time`,
						value: ms,
						unit: 'ms',
						baseline: {name: 'readline + JSON.parse loop', value: msNaive},
						better: 'lower',
						note: 'the naive loop only counts watches per user agent',
					},
					{
						name: `${label} events: full analysis on one thread, time`,
						value: msSingle,
						unit: 'ms',
						baseline: {name: 'jq | sort | uniq -c | sort -rn', value: msJq},
						better: 'lower',
						note: rate(msSingle),
					},
					{
						name: `${label} events: full analysis on one thread, peak RSS`,
						value: rssSingle,
						unit: 'bytes',
						baseline: {name: 'readline + JSON.parse loop', value: Math.max(...naive.map((r) => r.peakRss))},
						better: 'lower',
					},
					{
						name: `${label} events: peak RSS`,
						value: rss,
						unit: 'bytes',
						baseline: {name: 'jq pipeline (largest process)', value: Math.max(...jq.map((r) => r.peakRss))},
						better: 'lower',
					},
					{
						name: `${label} events: peak RSS`,
						value: rss,
						unit: 'bytes',
						baseline: {name: 'readline + JSON.parse loop', value: Math.max(...naive.map((r) => r.peakRss))},
						better: 'lower',
					},
				);
				rmSync(path, {force: true});
			}
			if (singleRss.length > 1) {
				log(
					`one-thread peak RSS: ${singleRss.map((b) => `${(b / 1048576).toFixed(0)} MiB`).join(' → ')} for ${sizes.map((n) => n.toLocaleString('en')).join(' → ')} events`,
				);
				measures.push({
					name: 'one-thread peak RSS, 1M vs 100k events (flat in the log size)',
					value: singleRss[1]!,
					unit: 'bytes',
					baseline: {name: 'the same analysis of 100k events', value: singleRss[0]!},
					better: 'lower',
					note: '≈ 1× means memory does not grow with the log',
				});
			}
		} finally {
			rmSync(dir, {recursive: true, force: true});
		}
		return measures;
	},
};
