/**
 * The suites' child processes: `collect` runs a command and gathers what it prints;
 * `jsonWorker` runs a node worker that prints its result as the last line of its stdout, in
 * JSON, and resolves with that result, or with an error naming the exit code and the last
 * lines of stderr.
 */
import {spawn, type ChildProcessByStdio} from 'node:child_process';
import type {Readable} from 'node:stream';

export interface Collected {
	/** The exit code; null when a signal ended the process. */
	code: number | null;
	stdout: string;
	stderr: string;
}

/** Spawns a command with stdout and stderr gathered; `done` resolves once it exited and its output is closed. */
export function collect(command: string, args: readonly string[]): {child: ChildProcessByStdio<null, Readable, Readable>; done: Promise<Collected>} {
	const child = spawn(command, args, {stdio: ['ignore', 'pipe', 'pipe']});
	let stdout = '';
	let stderr = '';
	child.stdout.on('data', (chunk: Buffer) => {
		stdout += chunk.toString();
	});
	child.stderr.on('data', (chunk: Buffer) => {
		stderr += chunk.toString();
	});
	const done = new Promise<Collected>((resolve) => child.on('close', (code) => resolve({code, stdout, stderr})));
	return {child, done};
}

export async function jsonWorker<T>(args: readonly string[]): Promise<T | {error: string}> {
	const {code, stdout, stderr} = await collect(process.execPath, args).done;
	const line = stdout.trim().split('\n').at(-1);
	if (code === 0 && line) return JSON.parse(line) as T;
	return {error: `exit ${code}: ${stderr.trim().split('\n').slice(-2).join(' ')}`};
}
