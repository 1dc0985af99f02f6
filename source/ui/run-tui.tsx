/**
 * Run the TUI: the alternate screen (restored on exit, however we exit), Ink at most 30
 * frames a second (keys answer within a frame; data changes are already coalesced to two
 * analyses a second by the controller, which is what keeps the bytes over SSH low), and
 * an exit when the terminal goes away (SIGHUP, stdin closed) — no orphan left growing on a
 * jump box after the SSH session drops.
 */
import {render} from 'ink';
import type {AppController} from '../app/controller.js';
import type {RunOptions} from '../cli/flags.js';
import {EXIT} from '../errors.js';
import type {Session} from '../kube/session.js';
import type {RemedyEngine} from '../remedies/engine.js';
import {App} from './app.js';
import {makeTheme} from './theme.js';
import {detectTerminal} from './terminal.js';

export interface TuiOptions {
	controller: AppController;
	session?: Session;
	engine?: RemedyEngine;
	options: RunOptions;
	stdout: NodeJS.WriteStream;
	stdin: NodeJS.ReadStream;
	env: NodeJS.ProcessEnv;
	/** Aborted: close the TUI (the first connect failed; the caller prints why). */
	signal?: AbortSignal;
}

const ENTER_ALT_SCREEN = '\x1b[?1049h\x1b[H';
const LEAVE_ALT_SCREEN = '\x1b[?1049l';

export async function runTui({controller, engine, options, stdout, stdin, env, signal}: TuiOptions): Promise<number> {
	const terminal = detectTerminal(env, stdout);
	const theme = makeTheme({color: terminal.color, unicode: terminal.unicode});
	const alternate = Boolean(stdout.isTTY) && env.TERM !== 'dumb';
	if (alternate) stdout.write(ENTER_ALT_SCREEN);
	let restored = false;
	const restore = () => {
		if (restored) return;
		restored = true;
		if (alternate) stdout.write(`${LEAVE_ALT_SCREEN}\x1b[?25h`);
	};
	process.once('exit', restore);
	let exitReason = '';
	const instance = render(<App controller={controller} engine={engine} theme={theme} readOnly={options.readOnly} />, {
		stdout,
		stdin,
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
	const onEnd = gone('stdin closed');
	const onAbort = gone('the first connect failed');
	process.once('SIGHUP', onHup);
	process.once('SIGTERM', onTerm);
	stdin.once('end', onEnd);
	stdin.once('close', onEnd);
	if (signal?.aborted) onAbort();
	else signal?.addEventListener('abort', onAbort, {once: true});
	try {
		await instance.waitUntilExit();
	} finally {
		process.off('SIGHUP', onHup);
		process.off('SIGTERM', onTerm);
		stdin.off('end', onEnd);
		stdin.off('close', onEnd);
		signal?.removeEventListener('abort', onAbort);
		controller.dispose();
		instance.cleanup();
		restore();
	}
	if (exitReason && process.env.ASSURE_DEBUG) process.stderr.write(`kubectl-assure: exiting: ${exitReason}\n`);
	return EXIT.ok;
}
