/**
 * Soak: the whole product (in its own process: bench/soak-worker.ts) (session, live audit-log feed, controller, TUI on an 80×24 fake
 * terminal) against the simulator at 20× time for a simulated hour (3 real minutes; 60×
 * for one real minute with --quick), with 200 watch events/s and the simulator writing its
 * audit log, which the product follows. Sampled every few seconds: RSS, heap, open file
 * descriptors, event-loop delay (p99 per interval), bytes to the terminal. The baselines
 * are the same figures after warm-up: growth over the hour is what the ratios show.
 * Runs only when named: `npm run bench -- soak`.
 */
import {spawn} from 'node:child_process';
import {rmSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {createInterface} from 'node:readline';
import type {BenchSuite, Measure} from './harness.js';
import {benchTemp} from './temp.js';
import {startStorm} from './ui.js';
import {startSimulator} from '../source/sim/simulator.js';
import {sparkline} from '../source/text/sparkline.js';

interface Sample {
	at: number;
	rss: number;
	heap: number;
	fds: number;
	lagP99Ms: number;
	bytes: number;
}

export const suite: BenchSuite = {
	name: 'soak',
	async run({quick, log}) {
		const timeScale = quick ? 60 : 20;
		const realSeconds = quick ? 60 : 180;
		const sampleEvery = quick ? 3 : 6;
		const auditLog = join(benchTemp(), 'soak-audit.log');
		rmSync(auditLog, {force: true});
		const sim = await startSimulator({scenario: 'incident', controllers: true, timeScale, auditLog});
		const kubeconfig = join(benchTemp(), 'soak.kubeconfig');
		writeFileSync(kubeconfig, sim.kubeconfig());
		const child = spawn(
			process.execPath,
			['dist/bench/soak-worker.js', kubeconfig, auditLog, String(timeScale), String(sim.clock.now()), String(sampleEvery), String(realSeconds)],
			{stdio: ['ignore', 'pipe', 'pipe']},
		);
		let stderr = '';
		child.stderr.on('data', (chunk: Buffer) => {
			stderr += chunk.toString();
		});
		const samples: Sample[] = [];
		let auditRecords = Number.NaN;
		let storm: {stop: () => number} | undefined;
		let rate = Number.NaN;
		const simStart = {at: 0};
		await new Promise<void>((resolve, reject) => {
			const lines = createInterface({input: child.stdout});
			lines.on('line', (line) => {
				const message = JSON.parse(line) as Partial<Sample> & {ready?: boolean; done?: boolean; auditRecords?: number | null};
				if (message.ready) {
					// 200 watch events/s from here on; the worker warms up for 10 s before sampling.
					storm = startStorm(sim, 200);
					simStart.at = sim.clock.now();
				} else if (message.done) {
					auditRecords = message.auditRecords ?? Number.NaN;
					rate = storm?.stop() ?? Number.NaN;
				} else samples.push(message as Sample);
			});
			child.on('exit', (code) => (code === 0 && samples.length > 1 ? resolve() : reject(new Error(`soak worker exited ${code}: ${stderr.slice(-500)}`))));
		}).finally(async () => {
			storm?.stop();
			await sim.close();
		});
		const simMinutes = (samples.at(-1)!.at - samples[0]!.at) / 60_000;
		const first = samples[0]!;
		const last = samples.at(-1)!;
		const bytesPerSecond = (last.bytes - first.bytes) / ((samples.length - 1) * sampleEvery);
		log(`${samples.length} samples over ${simMinutes.toFixed(0)} simulated minutes at ${rate.toFixed(0)} watch events/s; audit events read ${auditRecords}`);
		log(`RSS MiB: ${samples.map((s) => (s.rss / 2 ** 20).toFixed(0)).join(' ')}`);
		log(`heap MiB: ${samples.map((s) => (s.heap / 2 ** 20).toFixed(0)).join(' ')}`);
		log(`fds: ${samples.map((s) => s.fds).join(' ')}`);
		log(`loop p99 ms: ${samples.map((s) => s.lagP99Ms.toFixed(0)).join(' ')}`);
		const spark = (values: number[]) => sparkline(values, {width: 40, min: 0});
		const maxLag = Math.max(...samples.map((s) => s.lagP99Ms));
		/** A sampled figure at `value`, against its value after warm-up, with its course over the run. */
		const overTime = (key: keyof Sample, name: string, unit: string, value: number, baseline: string, course: string): Measure => ({
			name,
			value,
			unit,
			baseline: {name: baseline, value: first[key]},
			better: 'lower',
			note: `${course} ${spark(samples.map((s) => s[key]))}`,
		});
		return [
			overTime('rss', `product RSS after ${simMinutes.toFixed(0)} simulated minutes`, 'bytes', last.rss, 'RSS after warm-up', 'RSS over time'),
			overTime('heap', `heap used after ${simMinutes.toFixed(0)} simulated minutes`, 'bytes', last.heap, 'heap after warm-up', 'heap over time'),
			overTime('fds', 'open file descriptors at the end', 'count', last.fds, 'after warm-up', 'fds over time'),
			overTime('lagP99Ms', 'event-loop delay p99, worst interval', 'ms', maxLag, 'first interval', 'p99 per interval'),
			{
				name: 'bytes to the terminal per second, 80×24',
				value: bytesPerSecond,
				unit: 'bytes',
				better: 'lower',
				note: `${rate.toFixed(0)} watch events/s and a live audit log (${auditRecords} events read); goal ≤ 10 KB/s`,
			},
		] satisfies Measure[];
	},
};
