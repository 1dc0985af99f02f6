/**
 * Test helpers: start a simulator for one test, run the real kubectl against it with a
 * fresh cache directory, and read the simulator's request log.
 */
import {execFile} from 'node:child_process';
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {startSimulator, type KubeconfigOptions, type Simulator, type SimulatorOptions} from '../../source/sim/simulator.js';

export async function withSim<T>(options: SimulatorOptions, fn: (sim: Simulator) => Promise<T>): Promise<T> {
	const sim = await startSimulator(options);
	try {
		return await fn(sim);
	} finally {
		await sim.close();
	}
}

export function tempDir(prefix = 'assure-test-'): string {
	return mkdtempSync(join(tmpdir(), prefix));
}

export function writeKubeconfig(sim: Simulator, options: KubeconfigOptions = {}): string {
	const path = join(tempDir(), 'kubeconfig');
	writeFileSync(path, sim.kubeconfig(options), {mode: 0o600});
	return path;
}

export interface RunResult {
	code: number;
	stdout: string;
	stderr: string;
}

/** Run the real kubectl against a kubeconfig, with a fresh --cache-dir. */
export function kubectl(kubeconfig: string, args: string[], options: {timeoutMs?: number; env?: Record<string, string>} = {}): Promise<RunResult> {
	const cacheDir = tempDir('kubectl-cache-');
	return new Promise((resolve) => {
		execFile(
			'kubectl',
			['--kubeconfig', kubeconfig, '--cache-dir', cacheDir, ...args],
			{timeout: options.timeoutMs ?? 30_000, env: {...process.env, HOME: cacheDir, ...(options.env ?? {})}, maxBuffer: 64 * 1024 * 1024},
			(error, stdout, stderr) => {
				const code = error ? (typeof (error as NodeJS.ErrnoException & {code?: unknown}).code === 'number' ? Number((error as {code: number}).code) : 1) : 0;
				resolve({code, stdout: String(stdout), stderr: String(stderr)});
			},
		);
	});
}

export function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Wait until `check` returns a truthy value (polling), or fail after `timeoutMs`. */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 10_000, what = 'condition'): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	let last: unknown;
	while (Date.now() < deadline) {
		try {
			const value = await check();
			if (value) return value;
		} catch (error) {
			last = error;
		}
		await sleep(50);
	}
	throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

/** Whether a process runs (a zombie, killed and waiting for its reaper, does not). */
export function processAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
	} catch {
		return false;
	}
	try {
		return readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0] !== 'Z';
	} catch {
		return false;
	}
}
