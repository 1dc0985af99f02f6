/**
 * A command on a pseudo-terminal, as someone on a jump box runs it: util-linux `script`
 * gives the pty and its shell runs the command line; the pty's whole process group (script,
 * the shell, the command) is stopped at the end.
 */
import {spawn, type ChildProcessWithoutNullStreams} from 'node:child_process';

/** Words as one POSIX shell command line, each single-quoted. */
export function shellQuote(words: string[]): string {
	return words.map((w) => `'${w.replaceAll("'", "'\\''")}'`).join(' ');
}

/** `script -qfec <commandLine> /dev/null` in a process group of its own, stdio piped. */
export function spawnOnPty(commandLine: string, env: NodeJS.ProcessEnv): ChildProcessWithoutNullStreams {
	return spawn('script', ['-qfec', commandLine, '/dev/null'], {env, detached: true, stdio: ['pipe', 'pipe', 'pipe']});
}

/** SIGTERM to the pty's process group; nothing if it is gone already. */
export function stopPty(child: ChildProcessWithoutNullStreams): void {
	try {
		process.kill(-child.pid!, 'SIGTERM');
	} catch {
		// Already gone.
	}
}
