/**
 * `npm run release` on this machine, for every platform: the manifest it writes is valid
 * and installs from the real archives; darwin binaries carry a valid ad-hoc signature
 * (page hashes checked, no Mac needed); the Windows binary is a console PE for x86-64; the
 * linux-x64 binary runs with no Node on PATH (version, help, a bad flag, a report against
 * the simulator), and the real kubectl finds it as `kubectl assure` and passes --context
 * and -n through.
 */
import {execFile, spawn} from 'node:child_process';
import {existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync} from 'node:fs';
import {totalmem} from 'node:os';
import {join} from 'node:path';
import test from 'ava';
import {parse, stringify} from 'yaml';
import {JSC_RAM_BYTES} from '../../source/cli/heap.js';
import {release, TARGETS, binaryName, archiveName, type ReleaseResult} from '../../tools/release/build.js';
import {simulateKrewInstall, validateKrewManifest} from '../../tools/release/krew.js';
import {verifyCodeSignature} from '../../tools/release/macho.js';
import {readTar} from '../../tools/release/tar.js';
import {tempDir, withSim, writeKubeconfig} from '../helpers/sim.js';
import type {Obj} from '../../source/formats/json-object.js';

let built: ReleaseResult;
const log: string[] = [];

test.before(async (t) => {
	t.timeout(900_000, 'building five binaries');
	built = await release({out: tempDir('assure-release-'), log: (line) => log.push(line)});
});

test.after.always(() => {
	// Five binaries are half a gigabyte.
	if (built) rmSync(built.dir, {recursive: true, force: true});
});

interface Run {
	code: number;
	stdout: string;
	stderr: string;
}

function run(file: string, args: string[], env: Record<string, string>, timeoutMs = 60_000): Promise<Run> {
	return new Promise((resolve) => {
		execFile(file, args, {env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024}, (error, stdout, stderr) => {
			const code = error ? (typeof (error as {code?: unknown}).code === 'number' ? (error as {code: number}).code : -1) : 0;
			resolve({code, stdout: String(stdout), stderr: String(stderr)});
		});
	});
}

const linuxBinary = () => join(built.dir, 'bin', 'linux-amd64', 'kubectl-assure');

/** A PATH with nothing on it but what is linked into a fresh directory: no node. */
function bareEnv(links: Record<string, string>, extra: Record<string, string> = {}): {env: Record<string, string>; dir: string} {
	const dir = tempDir('assure-path-');
	for (const [name, target] of Object.entries(links)) symlinkSync(target, join(dir, name));
	return {dir, env: {PATH: dir, HOME: tempDir('assure-home-'), ...extra}};
}

test('the release manifest is valid and each platform installs from its real archive', (t) => {
	t.log(log.join('\n'));
	const {problems, manifest} = validateKrewManifest(built.manifest, {fileName: 'assure.yaml'});
	t.deepEqual(problems, []);
	t.is(built.archives.length, TARGETS.length);
	for (const archive of built.archives) {
		const data = readFileSync(archive.file);
		const installed = simulateKrewInstall(manifest!, archive.target.os, archive.target.arch, data);
		t.deepEqual(installed.problems, [], `${archive.target.os}/${archive.target.arch}`);
		t.true(installed.installed.has(binaryName(archive.target)));
		t.true(installed.installed.has('LICENSE'));
		const entries = readTar(data);
		t.deepEqual(entries.map((e) => e.name).sort(), ['LICENSE', binaryName(archive.target)].sort());
		t.true(entries.every((e) => e.mtime === 0 && e.uid === 0 && e.gid === 0), 'reproducible headers');
		t.true(archive.file.endsWith(archiveName(built.version, archive.target)));
	}
	const sums = readFileSync(join(built.dir, 'SHA256SUMS'), 'utf8');
	for (const archive of built.archives) t.true(sums.includes(`${archive.sha256}  ${archiveName(built.version, archive.target)}`));
});

test('darwin binaries carry a valid ad-hoc signature: every page hash checks', (t) => {
	for (const arch of ['amd64', 'arm64'] as const) {
		const binary = readFileSync(join(built.dir, 'bin', `darwin-${arch}`, 'kubectl-assure'));
		const report = verifyCodeSignature(binary);
		t.deepEqual(report.problems, [], `darwin/${arch}`);
		t.true(report.ok);
		t.is(report.arch, arch === 'amd64' ? 'x86_64' : 'arm64');
		const primary = report.codeDirectories[0]!;
		t.is(primary.badPages, 0);
		t.true((primary.flags & 0x2) !== 0, 'ad hoc');
		t.is(primary.nCodeSlots, Math.ceil(primary.codeLimit / primary.pageSize));
		// The signature covers the program bun embedded: it is hashed, so a change to it breaks the signature.
		const tampered = Buffer.from(binary);
		tampered[Math.floor(primary.codeLimit / 2)] ^= 1;
		t.false(verifyCodeSignature(tampered).ok);
		t.log(`darwin/${arch}: ${primary.nCodeSlots} pages, identifier ${primary.identifier}${built.archives.find((a) => a.target.os === 'darwin' && a.target.arch === arch)?.resigned ? ', re-signed (bun\'s own signature did not verify)' : ', bun\'s own signature'}`);
	}
});

test('the windows binary is a console PE for x86-64', (t) => {
	const exe = readFileSync(join(built.dir, 'bin', 'windows-amd64', 'kubectl-assure.exe'));
	t.is(exe.toString('latin1', 0, 2), 'MZ');
	const pe = exe.readUInt32LE(0x3c);
	t.is(exe.toString('latin1', pe, pe + 4), 'PE\0\0');
	t.is(exe.readUInt16LE(pe + 4), 0x8664, 'machine AMD64');
	const optional = pe + 24;
	t.is(exe.readUInt16LE(optional), 0x20b, 'PE32+');
	t.is(exe.readUInt16LE(optional + 68), 3, 'console subsystem');
});

test('linux-x64 with no Node on PATH: --version, --help, a bad flag', async (t) => {
	const {env} = bareEnv({});
	t.is((await run('/bin/sh', ['-c', 'command -v node || echo none'], env)).stdout.trim(), 'none', 'no node on this PATH');
	const version = await run(linuxBinary(), ['--version'], env);
	t.is(version.code, 0, version.stderr);
	t.is(version.stdout.trim(), `kubectl-assure ${built.version}`);
	const help = await run(linuxBinary(), ['--help'], env);
	t.is(help.code, 0);
	t.regex(help.stdout, /kubectl assure/);
	t.regex(help.stdout, /--context/);
	t.is(help.stderr, '', 'no deprecation warning or anything else on stderr');
	const bad = await run(linuxBinary(), ['--no-such-flag'], env);
	t.is(bad.code, 2);
	t.is(bad.stderr.trim().split('\n').length, 1, bad.stderr);
	t.regex(bad.stderr, /unknown flag/);
});

test('linux-x64 with no Node on PATH: a JSON report against the simulator', async (t) => {
	await withSim({scenario: 'incident', controllers: false}, async (sim) => {
		const kubeconfig = writeKubeconfig(sim);
		const {env} = bareEnv({}, {KUBECONFIG: kubeconfig});
		const report = await run(linuxBinary(), ['-A', '-o', 'json'], env, 120_000);
		t.true(report.code === 0 || report.code === 1, `exit ${report.code}: ${report.stderr}`);
		t.is(report.stderr, '');
		const json = JSON.parse(report.stdout) as {context: string; panes: Record<string, {rows: unknown[]}>; findings: Array<{pane: string}>};
		t.is(json.context, 'assure-sim');
		t.deepEqual(Object.keys(json.panes).sort(), ['autoscaling', 'etcd', 'qos', 'watchers']);
		t.true(json.panes.qos!.rows.length > 0);
		t.true(json.findings.some((f) => f.pane === 'qos') && json.findings.some((f) => f.pane === 'etcd'));
		t.true(sim.requestLog.all().some((e) => e.userAgent.startsWith(`kubectl-assure/${built.version} (linux/amd64)`)), 'the binary says who it is');
	});
});

/**
 * Starts the binary's simulator and returns what /proc says of that process once it serves:
 * the environment and command line of the program image it runs now (after any exec).
 */
async function runningSim(extra: Record<string, string>): Promise<{served: boolean; environ: string[]; cmdline: string[]}> {
	const dir = tempDir('assure-sim-binary-');
	const kubeconfig = join(dir, 'sim.kubeconfig');
	const {env} = bareEnv({}, extra);
	const child = spawn(linuxBinary(), ['sim', '--kubeconfig-out', kubeconfig], {env, stdio: ['ignore', 'ignore', 'pipe']});
	const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
	try {
		for (let i = 0; i < 600 && !existsSync(kubeconfig); i++) await new Promise((resolve) => setTimeout(resolve, 100));
		const environ = readFileSync(`/proc/${child.pid}/environ`, 'utf8').split('\0');
		const cmdline = readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
		return {served: existsSync(kubeconfig), environ, cmdline};
	} finally {
		child.kill('SIGTERM');
		await exited;
	}
}

test('linux-x64 re-executes itself once, as the same process, with JavaScriptCore sized for a tool; a value the user set is kept', async (t) => {
	const tuned = await runningSim({});
	t.true(tuned.served, 'the simulator served');
	t.true(tuned.environ.includes(`BUN_JSC_forceRAMSize=${Math.min(totalmem(), JSC_RAM_BYTES)}`), tuned.environ.filter((v) => v.startsWith('BUN')).join(' '));
	t.deepEqual(tuned.cmdline.slice(1, 3), ['sim', '--kubeconfig-out'], 'the arguments survive the exec');
	const own = await runningSim({BUN_JSC_forceRAMSize: '0'});
	t.true(own.environ.includes('BUN_JSC_forceRAMSize=0'));
	t.false(own.environ.some((v) => v.startsWith('BUN_JSC_forceRAMSize=') && v !== 'BUN_JSC_forceRAMSize=0'));
});

test('the real kubectl finds it as `kubectl assure` on PATH and passes --context and -n through', async (t) => {
	await withSim({scenario: 'incident', controllers: false}, async (sim) => {
		// Two contexts: the current one points at a closed port, so only --context reaches the simulator.
		const config = parse(readFileSync(writeKubeconfig(sim), 'utf8')) as Obj;
		const real = config.contexts[0].name as string;
		config.clusters.push({name: 'closed', cluster: {server: 'https://127.0.0.1:1'}});
		config.contexts.push({name: 'decoy', context: {cluster: 'closed', user: config.users[0].name}});
		config['current-context'] = 'decoy';
		const dir = tempDir('assure-kubeconfig-');
		mkdirSync(dir, {recursive: true});
		const kubeconfig = join(dir, 'config');
		writeFileSync(kubeconfig, stringify(config));
		const {env} = bareEnv({'kubectl-assure': linuxBinary(), kubectl: '/usr/bin/kubectl'}, {KUBECONFIG: kubeconfig});
		const list = await run('/usr/bin/kubectl', ['plugin', 'list'], env);
		t.regex(list.stdout, /kubectl-assure/, list.stderr);
		t.notRegex(list.stderr, /warning/i);
		const version = await run('/usr/bin/kubectl', ['assure', '--version'], env);
		t.is(version.stdout.trim(), `kubectl-assure ${built.version}`, version.stderr);
		const report = await run('/usr/bin/kubectl', ['assure', '--context', real, '-n', 'checkout', '-o', 'json'], env, 120_000);
		t.true(report.code === 0 || report.code === 1, `exit ${report.code}: ${report.stderr}`);
		const json = JSON.parse(report.stdout) as {context: string; namespace: string | null};
		t.is(json.context, real);
		t.is(json.namespace, 'checkout');
		const ours = sim.requestLog.all().filter((e) => e.userAgent.startsWith('kubectl-assure/'));
		t.true(ours.length > 0);
		t.true(ours.filter((e) => e.path.includes('/pods') && !e.path.startsWith('/apis/metrics')).every((e) => e.path.includes('/namespaces/checkout/')), 'pods are read in the namespace -n named');
	});
});
