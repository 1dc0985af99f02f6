/**
 * `npm run release`: one self-contained executable per platform, from this machine.
 *
 * 1. esbuild bundles the CLI into one ES module (Ink's yoga-layout uses top-level await,
 *    so CommonJS output cannot work); react-devtools-core resolves to a stub; the version is
 *    defined at bundle time; the entry (source/release/entry.ts) decides the order the rest
 *    is loaded in. What ships in the binary lives in source/release/; this folder is the
 *    tooling that builds it and never ends up in the binary.
 * 2. bun compiles that bundle with its runtime for each target (`bun build --compile`; the
 *    cross-compiled runtimes come from the npm registry into bun's cache), with the
 *    bundle's bytecode precompiled (`--bytecode`): the binary starts without parsing 2.5 MiB
 *    of JavaScript. `kubectl assure --version` on linux-amd64: 0.13 → 0.08 s, which pays for
 *    the binary re-executing itself once at start (source/cli/heap.ts, relaunchForHeap).
 *    The binary is 11 MiB larger.
 * 3. darwin binaries must carry a valid ad-hoc signature: bun's darwin-x64 output has stale
 *    page hashes, so any darwin binary whose signature does not verify is re-signed ad hoc
 *    and verified again (see macho.ts).
 * 4. Each binary and the LICENSE go into a reproducible .tar.gz (tar.ts); the sha256 of each
 *    archive goes into the krew manifest written for the release (`assure.yaml`, the name an
 *    index wants) and, with --update-manifest, into the top-level krew-manifest.yaml.
 *
 * Usage: node dist/tools/release/build.js [--targets linux-amd64,darwin-arm64,…] [--out DIR]
 *        [--update-manifest]
 */
import {spawnSync} from 'node:child_process';
import {createHash} from 'node:crypto';
import {chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {dirname, join, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';
import {krewManifest, validateKrewManifest, type PlatformSpec} from './krew.js';
import {adHocSign, verifyCodeSignature} from './macho.js';
import {tarGz} from './tar.js';

export interface ReleaseTarget {
	os: 'linux' | 'darwin' | 'windows';
	arch: 'amd64' | 'arm64';
	/** bun's --target. The x64 builds use bun's baseline runtime: jump boxes can be old CPUs without AVX2. */
	bun: string;
}

export const TARGETS: readonly ReleaseTarget[] = [
	{os: 'linux', arch: 'amd64', bun: 'bun-linux-x64-baseline'},
	{os: 'linux', arch: 'arm64', bun: 'bun-linux-arm64'},
	{os: 'darwin', arch: 'amd64', bun: 'bun-darwin-x64'},
	{os: 'darwin', arch: 'arm64', bun: 'bun-darwin-arm64'},
	{os: 'windows', arch: 'amd64', bun: 'bun-windows-x64-baseline'},
];

export const PLUGIN = {
	name: 'assure',
	shortDescription: 'See and fix what overloads the API server',
	description: [
		'kubectl assure shows, live, what is overloading a cluster: which object kinds fill',
		'etcd and the retention offenders behind them, which clients hammer the API server',
		'(read from its audit log), which autoscalers scale up and down too often, and which',
		'pods are not Guaranteed. Each finding offers a remedy that is shown as a diff,',
		'dry-run on the server, confirmed, applied without clobbering a concurrent edit, and',
		'undoable. The same findings can be written as JSON, YAML or Markdown.',
		'',
		'It is a gentle client: paged lists, watches with bookmarks, a small request budget,',
		'and counts read from /metrics.',
	].join('\n'),
};

/** The repository: the nearest directory up from this file with our package.json (tools/ under tsx, dist/tools/ when built). */
const ROOT = (() => {
	let dir = dirname(fileURLToPath(import.meta.url));
	for (;;) {
		try {
			if ((JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {name?: string}).name === 'kubectl-assure') return dir;
		} catch {
			// Not here.
		}
		const up = dirname(dir);
		if (up === dir) throw new Error('release: cannot find the kubectl-assure package.json');
		dir = up;
	}
})();

function packageJson(): {version: string; homepage: string; repository?: {url?: string}} {
	return JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {version: string; homepage: string};
}

export function archiveName(version: string, target: ReleaseTarget): string {
	return `kubectl-assure_v${version}_${target.os}_${target.arch}.tar.gz`;
}

export function binaryName(target: ReleaseTarget): string {
	return target.os === 'windows' ? 'kubectl-assure.exe' : 'kubectl-assure';
}

/** Where a release's archives are published (the manifest's uri). */
export function releaseUri(homepage: string, version: string, target: ReleaseTarget): string {
	return `${homepage.replace(/\/$/u, '')}/releases/download/v${version}/${archiveName(version, target)}`;
}

function run(command: string, args: string[], what: string): void {
	const result = spawnSync(command, args, {cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']});
	if (result.status !== 0) {
		const detail = `${result.stderr ?? ''}${result.stdout ?? ''}`.trim().split('\n').slice(-5).join('\n');
		throw new Error(`${what} failed (${result.error?.message ?? `exit ${result.status}`}):\n${detail}`);
	}
}

/** Step 1: the single-file ES module bundle. */
export async function bundle(outfile: string, version: string): Promise<void> {
	const esbuild = await import('esbuild');
	await esbuild.build({
		entryPoints: [join(ROOT, 'source/release/entry.ts')],
		outfile,
		bundle: true,
		platform: 'node',
		format: 'esm',
		target: 'es2022',
		legalComments: 'none',
		logLevel: 'error',
		alias: {'react-devtools-core': join(ROOT, 'source/release/react-devtools-stub.ts')},
		define: {
			__KUBECTL_ASSURE_VERSION__: JSON.stringify(version),
			'process.env.NODE_ENV': '"production"',
		},
		// CommonJS dependencies call require(): give the ES module one.
		banner: {js: "import {createRequire as __assureRequire} from 'node:module'; const require = __assureRequire(import.meta.url);"},
	});
}

/** Step 2 and 3: the executable for one target, signed where the platform needs it. */
export function compile(bundleFile: string, target: ReleaseTarget, outfile: string): {resigned: boolean} {
	const bun = join(ROOT, 'node_modules/.bin/bun');
	if (!existsSync(bun)) throw new Error('bun is not installed (npm ci installs it as a dev dependency)');
	rmSync(outfile, {force: true});
	run(bun, ['build', '--compile', '--minify', '--bytecode', '--format=esm', `--target=${target.bun}`, bundleFile, '--outfile', outfile], `bun build --compile --target=${target.bun}`);
	if (target.os !== 'darwin') return {resigned: false};
	const binary = readFileSync(outfile);
	if (verifyCodeSignature(binary).ok) return {resigned: false};
	const signed = adHocSign(binary, {identifier: 'kubectl-assure'});
	const check = verifyCodeSignature(signed);
	if (!check.ok) throw new Error(`the re-signed ${target.os}/${target.arch} binary does not verify: ${check.problems.join('; ')}`);
	writeFileSync(outfile, signed);
	chmodSync(outfile, 0o755);
	return {resigned: true};
}

export interface ReleaseResult {
	version: string;
	dir: string;
	manifest: string;
	archives: Array<{target: ReleaseTarget; file: string; sha256: string; bytes: number; binaryBytes: number; resigned: boolean}>;
}

export async function release(options: {targets?: readonly ReleaseTarget[]; out?: string; updateManifest?: boolean; log?: (line: string) => void} = {}): Promise<ReleaseResult> {
	const log = options.log ?? (() => undefined);
	const pkg = packageJson();
	const version = pkg.version;
	const targets = options.targets ?? TARGETS;
	const dir = resolve(options.out ?? join(ROOT, 'release', `v${version}`));
	mkdirSync(join(dir, 'bin'), {recursive: true});
	const bundleFile = join(dir, 'bin', 'kubectl-assure.mjs');
	let started = Date.now();
	await bundle(bundleFile, version);
	log(`bundle: ${(readFileSync(bundleFile).length / 1024 / 1024).toFixed(1)} MiB in ${Date.now() - started} ms`);
	const license = readFileSync(join(ROOT, 'LICENSE'));
	const archives: ReleaseResult['archives'] = [];
	for (const target of targets) {
		started = Date.now();
		const binary = join(dir, 'bin', `${target.os}-${target.arch}`, binaryName(target));
		mkdirSync(dirname(binary), {recursive: true});
		const {resigned} = compile(bundleFile, target, binary);
		const data = readFileSync(binary);
		const archive = tarGz([{name: binaryName(target), mode: 0o755, data}, {name: 'LICENSE', mode: 0o644, data: license}]);
		const file = join(dir, archiveName(version, target));
		writeFileSync(file, archive);
		const sha256 = createHash('sha256').update(archive).digest('hex');
		archives.push({target, file, sha256, bytes: archive.length, binaryBytes: data.length, resigned});
		log(`${target.os}/${target.arch}: binary ${(data.length / 1024 / 1024).toFixed(1)} MiB${resigned ? ' (re-signed ad hoc)' : ''}, archive ${(archive.length / 1024 / 1024).toFixed(1)} MiB, ${Date.now() - started} ms`);
	}
	const platforms: PlatformSpec[] = archives.map(({target, sha256}) => ({
		os: target.os,
		arch: target.arch,
		uri: releaseUri(pkg.homepage, version, target),
		sha256,
		files: [{from: binaryName(target), to: '.'}, {from: 'LICENSE', to: '.'}],
		bin: binaryName(target),
	}));
	const manifest = krewManifest({name: PLUGIN.name, version: `v${version}`, homepage: pkg.homepage, shortDescription: PLUGIN.shortDescription, description: PLUGIN.description, platforms});
	const {problems} = validateKrewManifest(manifest, {fileName: `${PLUGIN.name}.yaml`});
	if (problems.length > 0) throw new Error(`the generated manifest is not valid: ${problems.join('; ')}`);
	writeFileSync(join(dir, `${PLUGIN.name}.yaml`), manifest);
	writeFileSync(join(dir, 'SHA256SUMS'), archives.map((a) => `${a.sha256}  ${archiveName(version, a.target)}\n`).join(''));
	if (options.updateManifest) {
		if (targets.length !== TARGETS.length) throw new Error('--update-manifest needs every target');
		writeFileSync(join(ROOT, 'krew-manifest.yaml'), manifest);
		log('wrote krew-manifest.yaml');
	}
	return {version, dir, manifest, archives};
}

function parseTargets(value: string): ReleaseTarget[] {
	return value.split(',').map((name) => {
		const target = TARGETS.find((t) => `${t.os}-${t.arch}` === name.trim());
		if (!target) throw new Error(`unknown target "${name}"; known: ${TARGETS.map((t) => `${t.os}-${t.arch}`).join(', ')}`);
		return target;
	});
}

const invokedDirectly = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
	const args = process.argv.slice(2);
	try {
		let targets: ReleaseTarget[] | undefined;
		let out: string | undefined;
		let updateManifest = false;
		for (let i = 0; i < args.length; i++) {
			const arg = args[i]!;
			if (arg === '--targets') targets = parseTargets(args[++i] ?? '');
			else if (arg.startsWith('--targets=')) targets = parseTargets(arg.slice(10));
			else if (arg === '--out') out = args[++i];
			else if (arg.startsWith('--out=')) out = arg.slice(6);
			else if (arg === '--update-manifest') updateManifest = true;
			else throw new Error(`unknown argument ${arg}`);
		}
		const result = await release({targets, out, updateManifest, log: (line) => console.log(line)});
		console.log(`release v${result.version}: ${result.archives.length} archives and ${PLUGIN.name}.yaml in ${result.dir}`);
	} catch (error) {
		console.error(`release: ${(error as Error).message}`);
		process.exitCode = 1;
	}
}
