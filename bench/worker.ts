/**
 * A benchmark worker: a node process that prints its result as the last line of its
 * stdout, in JSON. Resolves with that result, or with an error naming the exit code and the
 * last lines of stderr.
 */
import {spawn} from 'node:child_process';

export function jsonWorker<T>(args: readonly string[]): Promise<T | {error: string}> {
	return new Promise((resolve) => {
		const child = spawn(process.execPath, args, {stdio: ['ignore', 'pipe', 'pipe']});
		let out = '';
		let err = '';
		child.stdout.on('data', (chunk: Buffer) => {
			out += chunk.toString();
		});
		child.stderr.on('data', (chunk: Buffer) => {
			err += chunk.toString();
		});
		child.on('exit', (code) => {
			const line = out.trim().split('\n').at(-1);
			if (code === 0 && line) resolve(JSON.parse(line) as T);
			else resolve({error: `exit ${code}: ${err.trim().split('\n').slice(-2).join(' ')}`});
		});
	});
}
