/**
 * Test helper: the built CLI (`npm run build` first) run as a process, its exit code and output.
 */
import {execFile} from 'node:child_process';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

export interface CliRun {
	code: number;
	stdout: string;
	stderr: string;
}

export interface CliOptions {
	/**
	 * Nothing of this process's environment but PATH: a fresh HOME that is also the state
	 * directory and LANG=C.UTF-8, so no kubeconfig is found anywhere (an audit-only run).
	 * Otherwise this process's environment with a fresh state directory.
	 */
	isolated?: boolean;
	/** Added to the environment last. */
	env?: Record<string, string>;
	maxBuffer?: number;
}

/** `bin/kubectl-assure.js args`, with its own state directory, removed afterwards. */
export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliRun> {
	const home = mkdtempSync(join(tmpdir(), 'assure-home-'));
	const base: Record<string, string | undefined> = options.isolated
		? {PATH: process.env.PATH ?? '', HOME: home, KUBECTL_ASSURE_STATE_DIR: home, LANG: 'C.UTF-8'}
		: {...process.env, KUBECTL_ASSURE_STATE_DIR: home};
	const env = {...base, ...options.env};
	return new Promise((resolve) => {
		execFile(
			process.execPath,
			['bin/kubectl-assure.js', ...args],
			{timeout: 120_000, maxBuffer: options.maxBuffer ?? 64 * 1024 * 1024, env},
			(error, stdout, stderr) => {
				rmSync(home, {recursive: true, force: true});
				resolve({code: error ? Number((error as {code?: number}).code ?? 1) : 0, stdout, stderr});
			},
		);
	});
}
