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
import {TmuxServer, type TmuxSession} from '../helpers/tmux.js';

const tmux = new TmuxServer(`assure-streams-${process.pid}`);

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
function run(session: string, command: string): TmuxSession {
	return tmux.open(
		session,
		`bash -c '${command}; echo "SHELL-IS-BACK rc=$?"; echo "MODES $(stty -a | tr " ;" "\\n\\n" | grep -E "^-?(icanon|echo)$" | tr "\\n" " ")END"; sleep 60'`,
	);
}

/** Waits for the shell to come back and say the exit code and the terminal's modes. */
async function shellBack(term: TmuxSession, code = 0): Promise<string> {
	return eventually(
		() => {
			const frame = term.screen();
			return frame.includes(`SHELL-IS-BACK rc=${code}`) && /MODES .*END/.test(frame) ? frame : '';
		},
		15_000,
		'the shell to come back',
	);
}

test.after.always(() => {
	tmux.kill();
});

test.serial('a process substitution that writes slowly: the pane fills while it streams, q quits before its end', async (t) => {
	// About a minute of writing: q comes long before the end.
	const term = run('subst', `cd ${process.cwd()} && ${env} node ${bin} --audit-log <(while IFS= read -r l; do printf "%s\\n" "$l"; sleep 0.02; done < ${log})`);
	await eventually(() => /kubectl assure/.test(term.screen()), 30_000, 'the first frame');
	t.regex(term.screen(), /audit \/dev\/fd\/\d+ \(streaming\)/, 'the header names the stream and says it streams');
	term.keys('2');
	await eventually(
		() => /CLIENT/.test(term.screen()) && /streaming from \/dev\/fd\/\d+: [\d.k]+ events so far/.test(term.screen()),
		30_000,
		'the watchers pane filling',
	);
	await eventually(() => /acme-inventory/.test(term.screen()), 30_000, 'the heavy client arriving');
	t.false(STACK.test(term.screen()));
	term.keys('q');
	const frame = await shellBack(term);
	t.regex(frame, /MODES icanon echo END/, 'the terminal is back in its cooked mode');
	t.false(STACK.test(frame), frame);
});

test.serial('a FIFO without a writer: the first frame, the header says so, q quits; a writer later fills it and its end is said', async (t) => {
	const fifo = join(dir, 'audit.fifo');
	execFileSync('mkfifo', [fifo]);
	const term = run('fifo', `cd ${process.cwd()} && ${env} node ${bin} --audit-log ${fifo}`);
	await eventually(() => /audit …\/audit\.fifo \(streaming\)/.test(term.screen()), 30_000, 'the first frame, naming the FIFO');
	term.keys('2');
	await eventually(() => /nothing yet \(waiting for a writer\)/.test(term.screen()), 15_000, 'the pane waiting for a writer');
	// A writer comes and goes: its end of file ends the stream, not the program.
	execFileSync('bash', ['-c', `head -n 400 ${log} > ${fifo}`], {timeout: 30_000});
	await eventually(
		() => /audit …\/audit\.fifo \(ended\)/.test(term.screen()) && /audit\.fifo ended \(end of file\) after 400 events/.test(term.screen()),
		30_000,
		'the end of the stream, said',
	);
	t.regex(term.screen(), /CLIENT/);
	term.keys('q');
	const frame = await shellBack(term);
	t.false(STACK.test(frame), frame);
});

test.serial('a FIFO that never gets a writer: q still quits', async (t) => {
	const fifo = join(dir, 'never.fifo');
	execFileSync('mkfifo', [fifo]);
	const term = run('never', `cd ${process.cwd()} && ${env} node ${bin} --audit-log ${fifo}`);
	await eventually(() => /kubectl assure/.test(term.screen()), 30_000, 'the first frame');
	term.keys('q');
	const frame = await shellBack(term);
	t.regex(frame, /MODES icanon echo END/);
	t.false(STACK.test(frame), frame);
});

test.serial('a pipe into stdin: keys come from the terminal, the pane shows the piped events, q quits cleanly', async (t) => {
	const term = run('stdin', `cd ${process.cwd()} && cat ${log} | ${env} node ${bin} --audit-log -`);
	await eventually(() => /audit stdin \((streaming|ended)\)/.test(term.screen()), 30_000, 'the first frame, naming stdin');
	term.keys('2');
	await eventually(() => /acme-inventory/.test(term.screen()) && /stdin ended \(end of file\)/.test(term.screen()), 30_000, 'the piped events in the pane');
	term.keys('q');
	const frame = await shellBack(term);
	t.regex(frame, /MODES icanon echo END/, 'raw mode was undone on the controlling terminal');
	t.false(STACK.test(frame), frame);
});

test.serial('stdin carries data and there is no controlling terminal: one line, exit 2', async (t) => {
	// setsid: a new session without a controlling terminal; stdout is still the pane's terminal.
	const term = run('nocontrol', `cd ${process.cwd()} && cat ${log} | ${env} setsid -w node ${bin} --audit-log -`);
	const frame = await shellBack(term, 2);
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
