/**
 * End to end in a real terminal (tmux at 80×24), the usual ways of feeding a live audit
 * log: a process substitution `--audit-log <(…)` that writes slowly, a FIFO that has no
 * writer yet, and a pipe into stdin (`cat audit.log | kubectl assure --audit-log -`). The
 * TUI draws its first frame and answers `q` before the stream ends, the pane fills as
 * events arrive, the shell comes back with its terminal modes, and nothing prints a stack
 * trace. Without a controlling terminal to read keys from: one line and exit 2. Report
 * mode over a process substitution counts what the same file gives.
 */
import {execFile, execFileSync} from 'node:child_process';
import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import test from 'ava';
import {AuditTraffic, defaultTrafficSpec} from '../../source/sim/audit-traffic.js';
import {eventually, tempDir} from '../helpers/sim.js';

const socket = `assure-streams-${process.pid}`;

function tmux(...args: string[]): string {
	return execFileSync('tmux', ['-L', socket, ...args], {encoding: 'utf8'});
}

function screen(session: string): string {
	return tmux('capture-pane', '-t', session, '-p');
}

/** A stack trace or a raw errno on screen: what a user must never see. */
const STACK = /^\s+at |node:internal|ESPIPE|Raw mode is not supported|internal error/m;

const start = Date.now() - 20 * 60_000;
const dir = tempDir('assure-streams-');
const log = join(dir, 'audit.log');
writeFileSync(log, `${new AuditTraffic(defaultTrafficSpec(29, start, 4)).lines(start + 15 * 60_000).join('\n')}\n`);
/** No cluster: the product reads the audit log alone (offline). */
const env = `env -u KUBECONFIG HOME=${dir} KUBECTL_ASSURE_STATE_DIR=${dir} LANG=en_US.UTF-8`;
const bin = join(process.cwd(), 'bin/kubectl-assure.js');

/** Runs `command` in a fresh 80×24 tmux session; the shell then prints the exit code and the terminal's modes. */
function run(session: string, command: string): void {
	tmux(
		'new-session',
		'-d',
		'-s',
		session,
		'-x',
		'80',
		'-y',
		'24',
		`bash -c '${command}; echo "SHELL-IS-BACK rc=$?"; echo "MODES $(stty -a | tr " ;" "\\n\\n" | grep -E "^-?(icanon|echo)$" | tr "\\n" " ")END"; sleep 60'`,
	);
}

/** Waits for the shell to come back and say the exit code and the terminal's modes. */
async function shellBack(session: string, code = 0): Promise<string> {
	return eventually(
		() => {
			const frame = screen(session);
			return frame.includes(`SHELL-IS-BACK rc=${code}`) && /MODES .*END/.test(frame) ? frame : '';
		},
		15_000,
		'the shell to come back',
	);
}

test.after.always(() => {
	try {
		tmux('kill-server');
	} catch {
		// Already gone.
	}
});

test.serial('a process substitution that writes slowly: the pane fills while it streams, q quits before its end', async (t) => {
	const session = 'subst';
	// About a minute of writing: q comes long before the end.
	run(session, `cd ${process.cwd()} && ${env} node ${bin} --audit-log <(while IFS= read -r l; do printf "%s\\n" "$l"; sleep 0.02; done < ${log})`);
	await eventually(() => /kubectl assure/.test(screen(session)), 30_000, 'the first frame');
	t.regex(screen(session), /audit \/dev\/fd\/\d+ \(streaming\)/, 'the header names the stream and says it streams');
	tmux('send-keys', '-t', session, '2');
	await eventually(
		() => /CLIENT/.test(screen(session)) && /streaming from \/dev\/fd\/\d+: [\d.k]+ events so far/.test(screen(session)),
		30_000,
		'the watchers pane filling',
	);
	await eventually(() => /acme-inventory/.test(screen(session)), 30_000, 'the heavy client arriving');
	t.false(STACK.test(screen(session)));
	tmux('send-keys', '-t', session, 'q');
	const frame = await shellBack(session);
	t.regex(frame, /MODES icanon echo END/, 'the terminal is back in its cooked mode');
	t.false(STACK.test(frame), frame);
});

test.serial('a FIFO without a writer: the first frame, the header says so, q quits; a writer later fills it and its end is said', async (t) => {
	const fifo = join(dir, 'audit.fifo');
	execFileSync('mkfifo', [fifo]);
	const session = 'fifo';
	run(session, `cd ${process.cwd()} && ${env} node ${bin} --audit-log ${fifo}`);
	await eventually(() => /audit …\/audit\.fifo \(streaming\)/.test(screen(session)), 30_000, 'the first frame, naming the FIFO');
	tmux('send-keys', '-t', session, '2');
	await eventually(() => /nothing yet \(waiting for a writer\)/.test(screen(session)), 15_000, 'the pane waiting for a writer');
	// A writer comes and goes: its end of file ends the stream, not the program.
	execFileSync('bash', ['-c', `head -n 400 ${log} > ${fifo}`], {timeout: 30_000});
	await eventually(
		() => /audit …\/audit\.fifo \(ended\)/.test(screen(session)) && /audit\.fifo ended \(end of file\) after 400 events/.test(screen(session)),
		30_000,
		'the end of the stream, said',
	);
	t.regex(screen(session), /CLIENT/);
	tmux('send-keys', '-t', session, 'q');
	const frame = await shellBack(session);
	t.false(STACK.test(frame), frame);
});

test.serial('a FIFO that never gets a writer: q still quits', async (t) => {
	const fifo = join(dir, 'never.fifo');
	execFileSync('mkfifo', [fifo]);
	const session = 'never';
	run(session, `cd ${process.cwd()} && ${env} node ${bin} --audit-log ${fifo}`);
	await eventually(() => /kubectl assure/.test(screen(session)), 30_000, 'the first frame');
	tmux('send-keys', '-t', session, 'q');
	const frame = await shellBack(session);
	t.regex(frame, /MODES icanon echo END/);
	t.false(STACK.test(frame), frame);
});

test.serial('a pipe into stdin: keys come from the terminal, the pane shows the piped events, q quits cleanly', async (t) => {
	const session = 'stdin';
	run(session, `cd ${process.cwd()} && cat ${log} | ${env} node ${bin} --audit-log -`);
	await eventually(() => /audit stdin \((streaming|ended)\)/.test(screen(session)), 30_000, 'the first frame, naming stdin');
	tmux('send-keys', '-t', session, '2');
	await eventually(() => /acme-inventory/.test(screen(session)) && /stdin ended \(end of file\)/.test(screen(session)), 30_000, 'the piped events in the pane');
	tmux('send-keys', '-t', session, 'q');
	const frame = await shellBack(session);
	t.regex(frame, /MODES icanon echo END/, 'raw mode was undone on the controlling terminal');
	t.false(STACK.test(frame), frame);
});

test.serial('stdin carries data and there is no controlling terminal: one line, exit 2', async (t) => {
	const session = 'nocontrol';
	// setsid: a new session without a controlling terminal; stdout is still the pane's terminal.
	run(session, `cd ${process.cwd()} && cat ${log} | ${env} setsid -w node ${bin} --audit-log -`);
	const frame = await shellBack(session, 2);
	// The line is wrapped at 80 columns: join the rows.
	t.regex(
		frame.replace(/\n/g, ''),
		/^error: no terminal to read keys from: stdin is not a terminal and there is no controlling terminal \(\/dev\/tty: none\); use -o json\|yaml\|markdown for a report/,
	);
	t.false(STACK.test(frame), frame);
});

function report(args: string): Promise<{code: number; stdout: string; stderr: string}> {
	return new Promise((resolve) => {
		execFile('bash', ['-c', `${env} node ${bin} ${args}`], {timeout: 60_000, maxBuffer: 64 << 20}, (error, stdout, stderr) => {
			resolve({code: error ? Number((error as {code?: number}).code ?? 1) : 0, stdout, stderr});
		});
	});
}

test('report mode over a process substitution reads it to its end: the numbers of the same file', async (t) => {
	const fromSubst = await report(`-o json --audit-log <(cat ${log})`);
	const fromFile = await report(`-o json --audit-log ${log}`);
	t.is(fromSubst.code, 0, fromSubst.stderr);
	t.is(fromFile.code, 0, fromFile.stderr);
	t.false(STACK.test(fromSubst.stderr), fromSubst.stderr);
	const a = JSON.parse(fromSubst.stdout);
	const b = JSON.parse(fromFile.stdout);
	t.regex(a.audit.source, /^\/dev\/fd\/\d+$/);
	t.deepEqual({...a.audit, source: ''}, {...b.audit, source: ''});
	t.true(a.audit.events > 1000);
	t.deepEqual(a.panes.watchers.rows, b.panes.watchers.rows);
	t.deepEqual(
		a.findings.map((f: {id: string}) => f.id),
		b.findings.map((f: {id: string}) => f.id),
	);
});
