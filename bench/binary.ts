/**
 * The release binary against `node bin/kubectl-assure.js`: time from starting the process
 * to the first frame of the TUI on a pseudo-terminal (util-linux `script` gives the pty),
 * against a running simulator; median of several alternating runs. Also the size of the
 * binary and its archive, and the RSS of `--version`.
 */
import {spawnSync} from 'node:child_process';
import {readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import type {BenchSuite, Measure} from './harness.js';
import {shellQuote, spawnOnPty, stopPty} from './pty.js';
import {benchTemp} from './temp.js';
import {median} from './stats.js';
import {binaryName, release, TARGETS, type ReleaseResult} from '../tools/release/build.js';
import {startSimulator} from '../source/sim/simulator.js';

/** The release binary for this machine (linux-amd64), built into .bench-tmp/release/ as `npm run release` builds it. */
export async function buildLinuxBinary(log: (line: string) => void): Promise<{built: ReleaseResult; binary: string}> {
	const linux = TARGETS.find((t) => t.os === 'linux' && t.arch === 'amd64')!;
	const built = await release({targets: [linux], out: join(benchTemp(), 'release'), log});
	return {built, binary: join(built.dir, 'bin', `${linux.os}-${linux.arch}`, binaryName(linux))};
}

/** Milliseconds from spawn to the first frame on a pty. */
function firstFrame(command: string[], env: NodeJS.ProcessEnv): Promise<number> {
	return new Promise((resolve, reject) => {
		const started = performance.now();
		const child = spawnOnPty(shellQuote(command), env);
		let output = '';
		const timer = setTimeout(() => finish(new Error(`no frame in 30 s: ${output.slice(-300)}`)), 30_000);
		const finish = (error?: Error) => {
			clearTimeout(timer);
			stopPty(child);
			if (error) reject(error);
		};
		child.stdout.on('data', (chunk: Buffer) => {
			output += chunk.toString('utf8');
			if (output.includes('kubectl assure')) {
				resolve(performance.now() - started);
				finish();
			}
		});
		child.on('error', (error) => finish(error));
	});
}

function maxRssKb(command: string[]): number | undefined {
	// GNU time is not always installed; /proc of the child is read by `command` itself otherwise.
	const result = spawnSync(
		'/bin/sh',
		[
			'-c',
			`${shellQuote(command)} >/dev/null & pid=$!; peak=0; while kill -0 $pid 2>/dev/null; do r=$(awk '/VmHWM/{print $2}' /proc/$pid/status 2>/dev/null); [ -n "$r" ] && peak=$r; sleep 0.005; done; echo $peak`,
		],
		{encoding: 'utf8'},
	);
	const kb = Number.parseInt(result.stdout.trim(), 10);
	return Number.isFinite(kb) && kb > 0 ? kb : undefined;
}

export const suite: BenchSuite = {
	name: 'binary',
	async run({quick, log}) {
		const {built, binary} = await buildLinuxBinary(log);
		const sim = await startSimulator({scenario: 'incident', controllers: false});
		try {
			const kubeconfig = join(benchTemp(), 'binary.kubeconfig');
			writeFileSync(kubeconfig, sim.kubeconfig());
			const env = {...process.env, KUBECONFIG: kubeconfig, TERM: 'xterm-256color', LANG: 'C.UTF-8'};
			const node = ['node', join(process.cwd(), 'bin/kubectl-assure.js')];
			const runs = quick ? 3 : 7;
			const times = {binary: [] as number[], node: [] as number[]};
			for (let i = 0; i < runs; i++) {
				times.binary.push(await firstFrame([binary, '-A'], env));
				times.node.push(await firstFrame([...node, '-A'], env));
			}
			log(`first frame: binary ${times.binary.map((v) => v.toFixed(0)).join(' ')} ms; node ${times.node.map((v) => v.toFixed(0)).join(' ')} ms`);
			const measures: Measure[] = [
				{
					name: `time to first frame on a pty (median of ${runs})`,
					value: median(times.binary),
					unit: 'ms',
					baseline: {name: 'node bin/kubectl-assure.js (node_modules on disk)', value: median(times.node)},
					better: 'lower',
					note: 'the binary needs no Node on the jump box',
				},
			];
			const rssBinary = maxRssKb([binary, '--version']);
			const rssNode = maxRssKb([...node, '--version']);
			if (rssBinary && rssNode)
				measures.push({
					name: 'peak RSS of --version',
					value: rssBinary * 1024,
					unit: 'bytes',
					baseline: {name: 'node bin/kubectl-assure.js', value: rssNode * 1024},
					better: 'lower',
				});
			const archive = built.archives[0]!;
			const bundle = readFileSync(join(built.dir, 'bin', 'kubectl-assure.mjs')).length;
			measures.push({
				name: 'linux-amd64 binary size',
				value: archive.binaryBytes,
				unit: 'bytes',
				baseline: {name: 'the JS bundle it embeds', value: bundle},
				better: 'lower',
				note: `archive ${(archive.bytes / 2 ** 20).toFixed(1)} MiB; the rest is bun's runtime`,
			});
			return measures;
		} finally {
			await sim.close();
		}
	},
};
