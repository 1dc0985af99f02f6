/**
 * Run the TUI: the alternate screen (restored on exit, however we exit), Ink at most 30
 * frames a second (keys answer within a frame; data changes are already coalesced to two
 * analyses a second by the controller, which is what keeps the bytes over SSH low), and
 * an exit when the terminal goes away (SIGHUP, its input closed) — no orphan left growing
 * on a jump box after the SSH session drops.
 *
 * Keys come from stdin when it is the terminal. When stdin carries data instead (`cat
 * audit.log | kubectl assure --audit-log -`), keys come from the controlling terminal,
 * /dev/tty, as `less` and `fzf` read theirs; without one there is no way to read keys.
 */
import {closeSync, openSync} from 'node:fs';
import {ReadStream} from 'node:tty';
import {render} from 'ink';
import type {AppController} from '../app/controller.js';
import {EXIT, UsageError} from '../errors.js';
import type {Session} from '../kube/session.js';
import type {RemedyEngine} from '../remedies/engine.js';
import {Screen} from './screen.js';
import {makeTheme} from './theme.js';
import {detectTerminal} from './terminal.js';

export interface TuiOptions {
	controller: AppController;
	session?: Session;
	engine?: RemedyEngine;
	/** --read-only: no remedy is offered and no mutating request sent. */
	readOnly: boolean;
	stdout: NodeJS.WriteStream;
	stdin: NodeJS.ReadStream;
	env: NodeJS.ProcessEnv;
	/** Aborted: close the TUI (the first connect failed; the caller prints why). */
	signal?: AbortSignal;
}

const ENTER_ALT_SCREEN = '\x1b[?1049h\x1b[H';
const LEAVE_ALT_SCREEN = '\x1b[?1049l';

/** Where keys are read from: stdin when it is a terminal, else the controlling terminal (opened here, closed by `close`). */
export function keyInput(stdin: NodeJS.ReadStream, ttyPath = '/dev/tty'): {input: NodeJS.ReadStream; close(): void} {
	if (stdin.isTTY) return {input: stdin, close() {}};
	let fd: number;
	try {
		fd = openSync(ttyPath, 'r');
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		throw new UsageError(
			`no terminal to read keys from: stdin is not a terminal and there is no controlling terminal (${ttyPath}: ${code === 'ENXIO' ? 'none' : (code ?? 'cannot be opened')}); use -o json|yaml|markdown for a report`,
		);
	}
	let input: ReadStream;
	try {
		input = new ReadStream(fd);
	} catch {
		closeSync(fd);
		throw new UsageError(`no terminal to read keys from: ${ttyPath} is not a terminal; use -o json|yaml|markdown for a report`);
	}
	// The terminal going away (EIO) closes the stream, which ends the TUI: not an error to die of.
	input.on('error', () => undefined);
	let closed = false;
	return {
		input: input as unknown as NodeJS.ReadStream,
		close() {
			if (closed) return;
			closed = true;
			try {
				// Raw mode belongs to the terminal, shared with the shell: put it back.
				if (input.isRaw) input.setRawMode(false);
			} catch {
				// The terminal is gone.
			}
			input.destroy();
		},
	};
}

export async function runTui({controller, engine, readOnly, stdout, stdin, env, signal}: TuiOptions): Promise<number> {
	const terminal = detectTerminal(env, stdout);
	const theme = makeTheme({color: terminal.color, unicode: terminal.unicode});
	// Before the screen is taken: without a terminal to read keys from, one line and exit 2.
	let keys: ReturnType<typeof keyInput>;
	try {
		keys = keyInput(stdin);
	} catch (error) {
		controller.dispose();
		throw error;
	}
	const alternate = Boolean(stdout.isTTY) && env.TERM !== 'dumb';
	if (alternate) stdout.write(ENTER_ALT_SCREEN);
	let restored = false;
	const restore = () => {
		if (restored) return;
		restored = true;
		keys.close();
		if (alternate) stdout.write(`${LEAVE_ALT_SCREEN}\x1b[?25h`);
	};
	process.once('exit', restore);
	let exitReason = '';
	const instance = render(<Screen controller={controller} engine={engine} theme={theme} readOnly={readOnly} />, {
		stdout,
		stdin: keys.input,
		exitOnCtrlC: false,
		patchConsole: false,
		maxFps: 30,
		incrementalRendering: false,
	});
	const gone = (reason: string) => () => {
		exitReason = reason;
		instance.unmount();
	};
	const onHup = gone('the terminal went away (SIGHUP)');
	const onTerm = gone('terminated');
	const onEnd = gone(keys.input === stdin ? 'stdin closed' : 'the terminal closed');
	process.once('SIGHUP', onHup);
	process.once('SIGTERM', onTerm);
	keys.input.once('end', onEnd);
	keys.input.once('close', onEnd);
	const onAbort = gone('the first connect failed');
	if (signal?.aborted) onAbort();
	else signal?.addEventListener('abort', onAbort, {once: true});
	try {
		await instance.waitUntilExit();
	} finally {
		process.off('SIGHUP', onHup);
		process.off('SIGTERM', onTerm);
		keys.input.off('end', onEnd);
		keys.input.off('close', onEnd);
		signal?.removeEventListener('abort', onAbort);
		controller.dispose();
		instance.cleanup();
		restore();
	}
	if (exitReason && process.env.ASSURE_DEBUG) process.stderr.write(`kubectl-assure: exiting: ${exitReason}\n`);
	return EXIT.ok;
}
