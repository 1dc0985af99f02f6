/**
 * Test helpers for end-to-end tests in a real terminal: a tmux server of the test's own
 * (`tmux -L`, so that it never meets the user's sessions or another test's), detached
 * sessions of a given size that run a shell command, their screen as text, keys sent to
 * them; and the shell line that runs a command and then says its exit code, which is how a
 * test sees the shell come back.
 */
import {execFileSync} from 'node:child_process';

export class TmuxServer {
	constructor(readonly socket: string) {}

	/** A tmux command on this server; its output. */
	run(...args: string[]): string {
		return execFileSync('tmux', ['-L', this.socket, ...args], {encoding: 'utf8'});
	}

	/** A detached session `name`, `width`×`height` cells, running `command` in a shell. */
	open(name: string, command: string, width = 80, height = 24): TmuxSession {
		this.run('new-session', '-d', '-s', name, '-x', String(width), '-y', String(height), command);
		return new TmuxSession(this, name);
	}

	/** Ends the server and every session on it; one already gone is fine. */
	kill(): void {
		try {
			this.run('kill-server');
		} catch {
			// Already gone.
		}
	}
}

export class TmuxSession {
	constructor(
		readonly server: TmuxServer,
		readonly name: string,
	) {}

	/** The visible screen as text; `flags` add to capture-pane's (-e: with escapes, -J: wrapped lines joined). */
	screen(...flags: string[]): string {
		return this.server.run('capture-pane', '-t', this.name, '-p', ...flags);
	}

	/** send-keys: key names (Enter, Escape, Down…), or `-l` and a literal string sent in one write. */
	keys(...keys: string[]): void {
		this.server.run('send-keys', '-t', this.name, ...keys);
	}
}

/** `command`, then a line `SHELL-IS-BACK rc=<its exit code>`, then a minute for the test to read the screen before the session ends. */
export function thenShellBack(command: string): string {
	return `${command}; echo "SHELL-IS-BACK rc=$?"; sleep 60`;
}
