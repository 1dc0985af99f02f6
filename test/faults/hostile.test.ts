/**
 * Hostile input. Object names, labels, annotations, container names, owner references and
 * event messages in the cluster, and user agents, usernames and object names in the audit
 * log, carrying terminal escapes (CSI, OSC 52 clipboard writes, OSC 8 hyperlinks, DCS,
 * 8-bit C1 controls, bare ESC, BEL, backspace, CR), bidi controls, zero-width characters
 * and 100,000-character strings; then the report in the three formats and the TUI.
 *
 * The contract, per output:
 * - -o json: JSON.stringify escapes C0 controls (ESC is `\u001b`), and the values round-trip
 *   exactly (data, not display: nothing is truncated); DEL, C1 controls, bidi and
 *   zero-width characters are escaped as \uXXXX too (report.ts).
 * - -o yaml: such a string is double-quoted and every control, format or bidi character in
 *   it escaped; values round-trip exactly.
 * - -o markdown: every cluster or audit string passes the sanitizer and is cut to 300
 *   code points; finding ids (they embed the object's kind and name) are safe by
 *   construction (findingId), so the `- id:` and `--apply` lines are too.
 * - the TUI (colourless theme): a frame holds no ESC at all, no C1, bidi or zero-width
 *   character, and no line is wider than the terminal.
 *
 * And a kubeconfig that cannot be used (malformed YAML, unknown --context, closed port,
 * missing file, exec plugin not installed): exit 2 (configuration) or 3 (unreachable or
 * unauthorized), exactly one line on stderr, no stack trace, no token, key or password.
 */
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {createServer} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import test from 'ava';
import {render} from 'ink-testing-library';
import {createElement} from 'react';
import stringWidth from 'string-width';
import {parse as parseYaml} from 'yaml';
import {userAgentProduct} from '../../source/audit/client.js';
import {openAuditFeed} from '../../source/app/audit-feed.js';
import {AppController} from '../../source/app/controller.js';
import {ScaledClock} from '../../source/clock.js';
import {resolveConfig} from '../../source/kube/kubeconfig.js';
import {Session} from '../../source/kube/session.js';
import {AuditTraffic, defaultTrafficSpec} from '../../source/sim/audit-traffic.js';
import {startSimulator, type Simulator} from '../../source/sim/simulator.js';
import {sanitize} from '../../source/text/sanitize.js';
import {displayWidth, fit, truncate} from '../../source/text/width.js';
import {Screen} from '../../source/ui/screen.js';
import {makeTheme} from '../../source/ui/theme.js';
import {auditEventLine} from '../helpers/audit-events.js';
import {eventually, sleep, writeKubeconfig} from '../helpers/sim.js';
import {type CliRun, runCli} from '../helpers/cli.js';

/** Every kind of hostile sequence, after a marker that survives the sanitizer. */
const PAYLOAD = [
	'\u001b[31mCSI\u001b[0m', // colour
	'\u001b[2J\u001b[H', // clear screen, cursor home
	'\u001b]52;c;ZXZpbA==\u0007', // OSC 52: write "evil" to the clipboard
	'\u001b]8;;https://evil.example/\u001b\\LINK\u001b]8;;\u001b\\', // OSC 8 hyperlink
	'\u001bP1$qm\u001b\\', // DCS request
	'\u009b31mC1CSI\u009d0;title\u009c\u0085\u0090x\u009c', // 8-bit CSI, OSC, ST, NEL, DCS
	'bare\u001bESC', // bare ESC
	'bell\u0007', // BEL
	'back\b\b\bspace', // backspace
	'fake\rreal', // CR
	'\u202eRTL\u202c\u2066iso\u2069\u2067\u2068\u200e\u200f\u061c', // bidi controls
	'zero\u200bwidth\u200c\u200d\u2060\ufeff', // zero-width characters
	'del\u007f', // DEL
].join('');
const H = `EVIL${PAYLOAD}`;
const LONG = 'L'.repeat(100_000);

/** Never raw in a display: C0 but newline, DEL, C1, bidi controls, zero-width characters. */
const FORBIDDEN = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/gu;
/** C0 controls but newline (what JSON and YAML escape). */
const C0 = /[\u0000-\u0009\u000b-\u001f]/gu;

function found(text: string, pattern: RegExp): string[] {
	return [...new Set([...text.matchAll(pattern)].map((m) => `U+${m[0].codePointAt(0)!.toString(16).padStart(4, '0').toUpperCase()}`))];
}

type Run = CliRun;

function tempDir(): string {
	return mkdtempSync(join(tmpdir(), 'assure-hostile-'));
}

/** The built CLI with a clean environment: no kubeconfig but the one given. */
function bin(args: string[]): Promise<Run> {
	return runCli(args, {isolated: true, maxBuffer: 256 * 1024 * 1024});
}

/** Pods owned by a workload of a hostile kind and name (one name 100,000 characters long), with hostile containers, labels and annotations; a hostile rescale event. */
function plant(sim: Simulator): void {
	const ctx = {user: {name: 'test', groups: []}};
	const pods = sim.type('', 'pods');
	for (let i = 0; i < 3; i++) {
		sim.api.create(
			pods,
			'default',
			{
				metadata: {
					name: `hostile-${i}`,
					labels: {app: 'hostile', [`example.com/${H}`]: 'x'},
					annotations: {note: H, [H]: LONG},
					ownerReferences: [{apiVersion: 'example.com/v1', kind: `Roll${H}`, name: i === 2 ? `${H}${LONG}` : H, uid: `uid-hostile-${i}`, controller: true}],
				},
				spec: {containers: [{name: H, image: `registry.example/${H}`, resources: {requests: {cpu: '10m'}}}]},
			},
			ctx,
		);
	}
	const hpa = sim.api.get(sim.type('autoscaling', 'horizontalpodautoscalers'), 'checkout', 'checkout-web');
	sim.events.seedHistory(
		hpa,
		'Normal',
		'SuccessfulRescale',
		`New size: 7; reason: ${H}`,
		'horizontal-pod-autoscaler',
		sim.clock.now() - 30 * 60_000,
		sim.clock.now() - 60_000,
		9,
	);
}

const START = Date.UTC(2026, 2, 10, 14, 0, 0);
const HOSTILE_AGENT = `${H}/v6.6.6 (linux/amd64)`;
const HOSTILE_USER = `system:serviceaccount:${H}`;
const LONG_AGENT = `${LONG}/v1`;

/** An audit log: ordinary traffic, a hostile client listing every pod every 2 s, and a client with a 100,000-character user agent. */
function auditLog(): string {
	const lines = new AuditTraffic(defaultTrafficSpec(3, START, 3)).lines(START + 8 * 60_000);
	const event = (i: number, userAgent: string, username: string, verb: string, requestURI: string, name: string): string =>
		auditEventLine(START, i, {
			userAgent,
			username,
			verb,
			requestURI,
			objectRef: {resource: 'pods', namespace: name === '' ? undefined : H, name: name === '' ? undefined : name, apiVersion: 'v1'},
			annotations: {'authorization.k8s.io/decision': 'allow'},
		});
	for (let i = 0; i < 240; i++) lines.push(event(i, HOSTILE_AGENT, HOSTILE_USER, 'list', '/api/v1/pods', ''));
	for (let i = 0; i < 30; i++) lines.push(event(1000 + i, LONG_AGENT, `user-${LONG}`, 'get', `/api/v1/namespaces/x/pods/${H}`, H));
	return `${lines.join('\n')}\n`;
}

let sim: Simulator | undefined;
let kubeconfig = '';
let auditPath = '';
const dirs: string[] = [];
const reports: Record<string, Run> = {};

test.before(async () => {
	sim = await startSimulator({scenario: 'incident', controllers: false});
	plant(sim);
	kubeconfig = writeKubeconfig(sim);
	const dir = tempDir();
	dirs.push(dir);
	auditPath = join(dir, 'audit.log');
	writeFileSync(auditPath, auditLog());
	for (const format of ['json', 'yaml', 'markdown'])
		reports[format] = await bin(['--kubeconfig', kubeconfig, '--audit-log', auditPath, '-A', '-o', format, '--qps', '100', '--burst', '100']);
});

test.after.always(async () => {
	await sim?.close();
	for (const dir of dirs) rmSync(dir, {recursive: true, force: true});
});

interface JsonReport {
	panes: Record<string, {header: string[]; rows: Array<{id: string; cells: Record<string, string | number | null>}>}>;
	findings: Array<{id: string; summary: string; detail?: string[]; evidence: Record<string, string | number>}>;
}

test('the reports ran, and the hostile strings reached them (a workload, a client, a rescale reason)', (t) => {
	for (const format of ['json', 'yaml', 'markdown']) {
		t.is(reports[format]!.code, 0, `${format}: ${reports[format]!.stderr}`);
		t.is(reports[format]!.stderr, '', format);
	}
	const report = JSON.parse(reports.json!.stdout) as JsonReport;
	const workloads = report.panes.qos!.rows.map((r) => r.cells.workload);
	t.true(workloads.includes(`Roll${H}/${H}`), 'the hostile workload, exact, in -o json');
	t.true(workloads.includes(`Roll${H}/${H}${LONG}`), 'the 100,000-character workload name, whole, in -o json');
	const clients = report.panes.watchers!.rows.map((r) => r.cells.client);
	t.true(clients.includes(userAgentProduct(HOSTILE_AGENT)), 'the hostile user agent product');
	t.true(userAgentProduct(HOSTILE_AGENT).startsWith(`EVIL\u001b[31m`));
	t.true(clients.includes(LONG), 'the 100,000-character user agent product');
	t.true(report.panes.watchers!.rows.some((r) => r.cells.user === HOSTILE_USER));
	t.true(reports.json!.stdout.includes('EVIL'), 'the marker');
	t.true(reports.markdown!.stdout.includes('EVIL'), 'the marker in markdown');
});

test('-o json: C0 controls are escaped by JSON, and the values round-trip exactly', (t) => {
	const out = reports.json!.stdout;
	t.deepEqual(found(out, C0), []);
	t.true(out.includes('EVIL\\u001b[31mCSI\\u001b[0m'), 'ESC written as \\u001b');
	t.true(out.includes('bell\\u0007') && out.includes('back\\b\\b\\bspace') && out.includes('fake\\rreal'));
	const report = JSON.parse(out) as JsonReport;
	const row = report.panes.qos!.rows.find((r) => r.cells.workload === `Roll${H}/${H}`);
	t.truthy(row, 'the exact hostile string after parsing');
	t.is(report.panes.qos!.rows.find((r) => String(r.cells.workload).endsWith(LONG))!.cells.workload, `Roll${H}/${H}${LONG}`, 'data is not truncated');
});

test('-o yaml: C0 controls are escaped by YAML, and the values round-trip exactly', (t) => {
	const out = reports.yaml!.stdout;
	t.deepEqual(found(out, C0), []);
	t.true(out.includes('EVIL\\e[31mCSI\\e[0m'), 'ESC written as \\e');
	const report = parseYaml(out, {maxAliasCount: -1}) as JsonReport;
	const json = JSON.parse(reports.json!.stdout) as JsonReport;
	t.deepEqual(
		report.panes.qos!.rows.map((r) => r.cells.workload),
		json.panes.qos!.rows.map((r) => r.cells.workload),
	);
	t.deepEqual(
		report.panes.watchers!.rows.map((r) => r.cells.client),
		json.panes.watchers!.rows.map((r) => r.cells.client),
	);
});

test('-o json and -o yaml: no raw DEL, C1, bidi or zero-width character', (t) => {
	t.deepEqual(found(reports.json!.stdout, FORBIDDEN), []);
	t.deepEqual(found(reports.yaml!.stdout, FORBIDDEN), []);
});

/** Markdown lines that print the finding id (checked on their own below). */
const idLine = (line: string): boolean => line.startsWith('- id: `') || line.includes('--apply ');

test('-o markdown: cluster and audit strings are sanitized and cut to 300 code points', (t) => {
	const lines = reports.markdown!.stdout.split('\n');
	const others = lines.filter((line) => !idLine(line)).join('\n');
	t.deepEqual(found(others, FORBIDDEN), []);
	t.false(others.includes('\u001b'));
	t.true(
		others.includes(`Roll${sanitize(H).replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/`/g, '\\`').replace(/</g, '&lt;')}`),
		'the sanitized workload kind, whole (it is short)',
	);
	t.regex(others, /EVIL\uFFFDCSI\uFFFD/, 'escape sequences became one marker each');
	const longest = Math.max(...[...others.matchAll(/L{100,}/g)].map((m) => m[0].length));
	t.true(longest < 300, `a 100,000-character name shows as at most 300 code points (${longest} L in a row)`);
	t.true(others.includes('…'), 'with an ellipsis');
});

test('-o markdown: the finding id lines too: safe, and short', (t) => {
	const lines = reports.markdown!.stdout.split('\n').filter(idLine);
	t.deepEqual(found(lines.join('\n'), FORBIDDEN), []);
	t.true(Math.max(...lines.map((l) => l.length)) < 1000);
});

test('a 100,000-character string is measured, cut and sanitized exactly', (t) => {
	// Intl.Segmenter (under string-width) costs time proportional to the position at every
	// step past 64 Ki UTF-16 units: measuring one such name took minutes and froze the TUI.
	// Nothing here is timed (tests never assert timings); a relapse shows as ava's timeout.
	const cases = [
		{s: `EVIL\uFFFD${LONG}`, width: 100_005},
		{s: '日'.repeat(100_000), width: 200_000},
		{s: 'é日ab'.repeat(30_000), width: 150_000},
		{s: 'e\u0301x'.repeat(40_000), width: 80_000},
	];
	for (const {s, width} of cases) {
		t.is(displayWidth(s), width, s.slice(0, 8));
		const cut = truncate(s, 80);
		t.true(cut.endsWith('…') && s.startsWith(cut.slice(0, -1)), 'a prefix and an ellipsis');
		t.true(displayWidth(cut) <= 80 && displayWidth(cut) >= 78, `${displayWidth(cut)} columns`);
		const clean = sanitize(s, {maxLength: 300});
		t.true(clean.endsWith('…') && s.startsWith(clean.slice(0, -1)));
		t.true([...clean].length <= 300 && [...clean].length >= 298, `${[...clean].length} code points`);
		t.is(fit(s, 40).length > 0 && displayWidth(fit(s, 40)), 40);
	}
});

test('the TUI, colourless: no ESC, C1, bidi or zero-width character reaches a frame, no line is wider than the terminal', async (t) => {
	const width = 100;
	const height = 30;
	const config = resolveConfig({kubeconfig, allNamespaces: true});
	const session = new Session({config, clock: new ScaledClock(sim!.clock.scale, sim!.clock.now()), qps: 100, burst: 100, readOnly: true});
	await session.connect();
	await session.start();
	const watchers = await openAuditFeed({path: auditPath, follow: false, stdin: process.stdin});
	const controller = new AppController({session, watchers, readOnly: true, minIntervalMs: 100});
	const ui = render(createElement(Screen, {controller, theme: makeTheme({color: false, unicode: true}), readOnly: true, width, height}));
	const frames: string[] = [];
	const frame = (): string => {
		const f = ui.lastFrame() ?? '';
		frames.push(f);
		return f;
	};
	const until = async (pattern: RegExp, what: string): Promise<string> => {
		await eventually(() => pattern.test(frame()), 30_000, `${what}; the last frame was:\n${frames.at(-1)}`);
		return frames.at(-1)!;
	};
	const press = async (...keys: string[]): Promise<void> => {
		for (const key of keys) {
			ui.stdin.write(key);
			await sleep(key === '\u001b' ? 150 : 50);
			frame();
		}
	};
	try {
		await session.waitForSync();
		/** Moves the cursor down (j) until the status line (the selected row's finding, above the key hints) matches. */
		const cursorTo = async (pattern: RegExp, what: string): Promise<void> => {
			// Where the cursor is: the selected row (▶) and the status line; one step at a time, each
			// waited for (a slow frame must not let the cursor run past the row).
			const position = (f: string): string => {
				const lines = f.split('\n');
				return `${lines.findIndex((l) => l.startsWith('▶'))}|${lines.at(-2) ?? ''}`;
			};
			// While the first data arrives the status line says "syncing…", not the selected row's finding.
			await eventually(() => !/^syncing/.test(frame().split('\n').at(-2) ?? ''), 30_000, 'the end of the first sync');
			const seen: string[] = [];
			for (let i = 0; i < 40; i++) {
				const now = position(frame());
				seen.push(now.slice(0, 60));
				if (pattern.test(now.slice(now.indexOf('|') + 1))) return;
				await press('j');
				try {
					await eventually(() => position(frame()) !== now, 3000, 'the cursor to move');
				} catch {
					break;
				}
			}
			throw new Error(`the cursor never reached ${what} (${seen.join(' / ')}); the last frame was:\n${frames.at(-1)}`);
		};
		/** Switches pane with its key until the pane's table shows (a key pressed while the first data arrives may go unseen). */
		const pane = async (key: string, pattern: RegExp, what: string): Promise<void> => {
			for (let i = 0; i < 20 && !pattern.test(frame()); i++) {
				await press(key);
				await sleep(200);
			}
			await until(pattern, what);
		};
		await until(/1 etcd \d+/, 'the first data');
		await pane('4', /WORKLOAD[\s\S]*RollEVIL/, 'the hostile workload in the QoS pane');
		await cursorTo(/EVIL/, 'the hostile workload');
		await press('\r');
		const detail = await until(/QoS class \(worst pod\):/, 'the detail view of the hostile workload');
		t.regex(detail, /EVIL/);
		// The rest of the view (what to do, its remedies) scrolls into frames too.
		await press('G');
		await until(/Owned by/, 'the end of the detail view');
		await press('\u001b');
		await until(/QOS/, 'the QoS table again');
		await pane('2', /CLIENT[\s\S]*EVIL/, 'the hostile client in the watchers pane');
		await cursorTo(/EVIL/, 'the hostile client');
		await press('\r');
		await until(/\bEVIL[\s\S]*\n.*EVIL/, 'the detail view of the hostile client');
		await press('\u001b');
		await pane('3', /REV\/60M[\s\S]*checkout-web/, 'the autoscaling pane');
		await cursorTo(/checkout-web/, 'the flapping HPA (its rescale reasons are hostile)');
		await press('\r');
		await sleep(300);
		frame();
	} finally {
		ui.unmount();
		controller.dispose();
		await watchers.close();
		await session.stop();
	}
	t.true(frames.length > 10, `${frames.length} frames`);
	const all = frames.join('\n');
	t.true(all.includes('EVIL'), 'the hostile strings were on screen');
	t.true(all.includes('\uFFFD'), 'their escapes as markers');
	t.deepEqual(found(all, FORBIDDEN), [], 'nothing forbidden in any frame (no ESC at all: the theme has no colour)');
	const wide = frames.flatMap((f) => f.split('\n')).filter((line) => stringWidth(line) > width);
	t.deepEqual(
		wide.map((l) => l.slice(0, 80)),
		[],
		'no line wider than the terminal',
	);
	t.false(/L{200}/.test(all), 'the 100,000-character strings are cut');
});

// ---------------------------------------------------------------------------------------
// kubeconfigs that cannot be used.

const TOKEN = 's3cr3t-token-Xq7Zp';
const KEY = Buffer.from('-----BEGIN EC PRIVATE KEY-----\nc2VjcmV0LWtleQ==\n-----END EC PRIVATE KEY-----\n').toString('base64');
const PASSWORD = 'pa55-Wq8Rt';
const SECRETS = [TOKEN, KEY, PASSWORD, 's3cr3t', 'c2VjcmV0LWtleQ', 'pa55'];

function kubeconfigText(server: string, user: string): string {
	return `apiVersion: v1
kind: Config
clusters:
- name: c
  cluster:
    server: ${server}
users:
- name: u
  user:
${user}
contexts:
- name: c
  context: {cluster: c, user: u}
current-context: c
`;
}

function assertOneLine(
	t: {is(a: unknown, b: unknown, m?: string): void; false(a: boolean, m?: string): void; regex(a: string, r: RegExp, m?: string): void},
	run: Run,
	what: string,
): void {
	t.is(run.stdout, '', `${what}: nothing on stdout`);
	t.is(run.stderr.split('\n').length, 2, `${what}: exactly one line on stderr: ${JSON.stringify(run.stderr)}`);
	t.regex(run.stderr, /^error: /, what);
	t.false(/\n\s+at |internal error|YAMLWarning|Warning:/.test(run.stderr), `${what}: no stack trace, warning or internal error`);
	for (const secret of SECRETS) t.false(run.stderr.includes(secret), `${what}: no secret (${secret.slice(0, 6)}…) in ${JSON.stringify(run.stderr)}`);
}

test('kubeconfigs that cannot be used: exit 2 or 3, one line, no stack trace, no secret', async (t) => {
	const dir = tempDir();
	dirs.push(dir);
	const file = (name: string, text: string): string => {
		const path = join(dir, name);
		writeFileSync(path, text, {mode: 0o600});
		return path;
	};
	const secretUser = `    token: ${TOKEN}\n    client-key-data: ${KEY}\n    username: admin\n    password: ${PASSWORD}`;
	// A port that was just open and is closed now: connection refused.
	const port = await new Promise<number>((resolve) => {
		const server = createServer().listen(0, '127.0.0.1', () => {
			const {port} = server.address() as {port: number};
			server.close(() => resolve(port));
		});
	});
	const cases: Array<{what: string; args: string[]; code: number; message: RegExp}> = [
		{
			what: 'malformed YAML (an unclosed flow mapping)',
			args: [
				'--kubeconfig',
				file('flow.yaml', kubeconfigText('http://127.0.0.1:1', secretUser).replace('context: {cluster: c, user: u}', 'context: {cluster: c, user: u')),
			],
			code: 2,
			message: /^error: invalid kubeconfig .*flow\.yaml: Flow map .* at line \d+, column \d+\n$/,
		},
		{
			what: 'malformed YAML (a password that starts with *, an alias to nothing)',
			args: ['--kubeconfig', file('alias.yaml', kubeconfigText('http://127.0.0.1:1', `    username: admin\n    password: *${PASSWORD}`))],
			code: 2,
			message: /^error: invalid kubeconfig .*alias\.yaml: Unresolved alias \(the anchor must be set before the alias\)\n$/,
		},
		{
			what: 'malformed YAML (a token that starts with !, an unknown tag)',
			args: ['--kubeconfig', file('tag.yaml', kubeconfigText('http://127.0.0.1:1', `    token: !${TOKEN} x\n    password: [${PASSWORD}`))],
			code: 2,
			message: /^error: invalid kubeconfig .*tag\.yaml: .*line \d+, column \d+\n$/,
		},
		{
			what: 'not YAML at all (binary)',
			args: ['--kubeconfig', file('binary.yaml', `\u0000\u001b]52;c;${TOKEN}\u0007: [\n`)],
			code: 2,
			message: /^error: invalid kubeconfig .*binary\.yaml: /,
		},
		{
			what: 'an unknown --context',
			args: ['--kubeconfig', file('good.yaml', kubeconfigText('http://127.0.0.1:1', secretUser)), '--context', 'prod'],
			code: 2,
			message: /^error: context "prod" not found in .*good\.yaml; available contexts: c\n$/,
		},
		{
			what: 'a closed port',
			args: ['--kubeconfig', file('closed.yaml', kubeconfigText(`http://127.0.0.1:${port}`, `    token: ${TOKEN}`)), '--request-timeout', '5s'],
			code: 3,
			message: new RegExp(`^error: cannot reach the API server: connection refused by http://127\\.0\\.0\\.1:${port}`),
		},
		{
			what: 'a missing file',
			args: ['--kubeconfig', join(dir, 'missing.yaml')],
			code: 2,
			message: /^error: cannot read kubeconfig .*missing\.yaml: no such file\n$/,
		},
		{
			what: 'an exec plugin that is not installed',
			args: [
				'--kubeconfig',
				file(
					'exec.yaml',
					kubeconfigText(
						`http://127.0.0.1:${port}`,
						`    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: kubectl-oidc-login-not-installed\n      args: [get-token, --client-secret, ${TOKEN}]\n      env: [{name: PASSWORD, value: ${PASSWORD}}]\n      interactiveMode: Never`,
					),
				),
				'--request-timeout',
				'5s',
			],
			code: 3,
			message: /^error: exec credential plugin "kubectl-oidc-login-not-installed" failed: not found\n$/,
		},
	];
	for (const {what, args, code, message} of cases) {
		const run = await bin([...args, '-o', 'json']);
		t.is(run.code, code, `${what}: exit ${code}: ${run.stderr}`);
		t.regex(run.stderr, message, what);
		assertOneLine(t, run, what);
	}
});

// source/kube/credentials.ts used to report a plugin that fails without a word on stderr by
// the first line of execFile's error, "Command failed: <command> <args…>", and plugin args
// often carry secrets (--client-secret). Now by its exit code.
test('an exec plugin that fails silently: its exit code, never its arguments (a client secret)', async (t) => {
	const dir = tempDir();
	dirs.push(dir);
	const path = join(dir, 'exec.yaml');
	writeFileSync(
		path,
		kubeconfigText(
			'http://127.0.0.1:1',
			`    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: /bin/false\n      args: [get-token, --client-secret, ${TOKEN}]\n      interactiveMode: Never`,
		),
	);
	const run = await bin(['--kubeconfig', path, '-o', 'json', '--request-timeout', '5s']);
	t.is(run.code, 3);
	t.is(run.stderr, 'error: exec credential plugin "/bin/false" failed: exit code 1\n');
	assertOneLine(t, run, 'a failing exec plugin');
});
