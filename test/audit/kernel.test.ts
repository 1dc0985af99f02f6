/**
 * The worker kernel's rule (source/audit/README.md): a function or class shipped to the
 * audit worker uses nothing but other shipped items, its own locals, ECMAScript's
 * built-ins, Buffer and WebAssembly. Checked statically over the whole script (so a branch
 * that rarely runs counts too), for this build and for an esbuild bundle minified, and by
 * running the script alone in a fresh context.
 */
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {pathToFileURL} from 'node:url';
import {runInNewContext} from 'node:vm';
import test from 'ava';
import ts from 'typescript';
import {AuditAggregator, type AggregatorState} from '../../source/audit/aggregate.js';
import {LineDecoder} from '../../source/audit/formats.js';
import {allKernelItems, kernelSource} from '../../source/audit/kernel.js';
import {snapshotOf} from '../../source/audit/snapshot.js';
import {AuditTraffic, defaultTrafficSpec} from '../../source/sim/audit-traffic.js';
import {fixtureDir} from '../helpers/fixtures.js';
import {rounded} from './helpers.js';

const start = Date.UTC(2026, 2, 10, 14, 0, 0);
const lines = new AuditTraffic(defaultTrafficSpec(5, start, 8)).lines(start + 4 * 60_000);
const text = `${lines.slice(0, 300).join('\n')}\n${readFileSync(`${fixtureDir('audit')}synthetic-mixed-shapes.jsonl`, 'utf8')}`;

/** The globals a shipped item may use besides ECMAScript's (the lib below declares those). */
const ALLOWED_GLOBALS = 'declare var Buffer: any;\ndeclare var WebAssembly: any;\n';

const libFiles = new Map<string, ts.SourceFile | undefined>();

/**
 * The names a script uses without defining them and without their being an allowed
 * global: what TypeScript's checker reports as "Cannot find name" in the script as a
 * JavaScript file, with ES2023's built-ins and ALLOWED_GLOBALS declared, nothing else.
 */
function undefinedNames(script: string): string[] {
	const files = new Map([
		['/kernel.js', script],
		['/allowed.d.ts', ALLOWED_GLOBALS],
	]);
	const options: ts.CompilerOptions = {allowJs: true, checkJs: true, noEmit: true, target: ts.ScriptTarget.ES2022, lib: ['lib.es2023.d.ts'], types: []};
	const host = ts.createCompilerHost(options);
	const {getSourceFile, fileExists, readFile} = host;
	host.getSourceFile = (name, version, ...rest) => {
		if (files.has(name)) return ts.createSourceFile(name, files.get(name)!, version);
		// The lib files, parsed once for every check.
		let lib = libFiles.get(name);
		if (lib === undefined) {
			lib = getSourceFile.call(host, name, version, ...rest);
			libFiles.set(name, lib);
		}
		return lib;
	};
	host.fileExists = (name) => files.has(name) || fileExists.call(host, name);
	host.readFile = (name) => files.get(name) ?? readFile.call(host, name);
	const program = ts.createProgram(['/kernel.js', '/allowed.d.ts'], options, host);
	const names = new Set<string>();
	for (const d of program.getSemanticDiagnostics(program.getSourceFile('/kernel.js'))) {
		const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
		if (message.startsWith('Cannot find name')) names.add(/'([^']+)'/.exec(message)?.[1] ?? message);
	}
	return [...names].sort();
}

interface Kernel {
	LineDecoder: new (sink: unknown) => {chunk(text: string): void; finish(): void};
	AuditAggregator: new () => {exportState(): AggregatorState};
}

/** What the kernel script aggregates from `text`, run alone in a fresh context that holds Buffer and WebAssembly only. */
function runAlone(script: string): AuditAggregator {
	const kernel = runInNewContext(`${script}\nauditKernel`, {Buffer, WebAssembly: (globalThis as unknown as {WebAssembly: unknown}).WebAssembly}) as Kernel;
	const isolated = new kernel.AuditAggregator();
	const decoder = new kernel.LineDecoder(isolated);
	decoder.chunk(text);
	decoder.finish();
	const merged = new AuditAggregator();
	merged.merge(structuredClone(isolated.exportState()));
	return merged;
}

/** What this thread aggregates from `text`. */
function here(): AuditAggregator {
	const aggregator = new AuditAggregator();
	const decoder = new LineDecoder(aggregator);
	decoder.chunk(text);
	decoder.finish();
	return aggregator;
}

test('every name the kernel uses is a kernel item, a local or an allowed global', (t) => {
	const script = kernelSource();
	t.deepEqual(undefinedNames(script), []);
	// The check sees what it must: a module-level value used by a shipped function.
	t.deepEqual(undefinedNames(`${script}\nvar probe = function probe(s) { return s.slice(0, MAX_PROBE) + someModuleHelper(s); };`), [
		'MAX_PROBE',
		'someModuleHelper',
	]);
	t.deepEqual(undefinedNames(`${script}\nvar probe = function probe() { return process.hrtime() + setTimeout; };`), ['process', 'setTimeout']);
});

test('kernel items have one name each', (t) => {
	const items = allKernelItems();
	t.is(new Set(items.map((i) => i.name)).size, items.length);
	t.true(items.length > 50, `${items.length} items`);
	for (const {name, text: source} of items) t.regex(source, /^(class|function|async function)\b/, `${name} is a class or a function declaration`);
});

test('the kernel script runs alone (no imports, no outer scope) and reads every shape like this thread', (t) => {
	const alone = runAlone(kernelSource());
	const local = here();
	t.deepEqual(rounded(snapshotOf(alone)), rounded(snapshotOf(local)));
	// The mixed-shapes fixture holds 13 of its events twice, in other wrappers: each is read once.
	t.is(snapshotOf(local).events, 308);
	t.is(snapshotOf(local).skippedByReason.duplicate, 13);
});

test('the same in an esbuild bundle, minified (names renamed) and with keepNames', async (t) => {
	const esbuild = await import('esbuild');
	const dir = mkdtempSync(join(tmpdir(), 'assure-kernel-'));
	t.teardown(() => rmSync(dir, {recursive: true, force: true}));
	const local = rounded(snapshotOf(here()));
	for (const keepNames of [false, true]) {
		const built = await esbuild.build({
			entryPoints: [join(import.meta.dirname, '../../source/audit/kernel.ts')],
			bundle: true,
			minify: true,
			keepNames,
			platform: 'node',
			format: 'esm',
			target: 'es2022',
			write: false,
			logLevel: 'error',
		});
		const file = join(dir, `kernel-${keepNames}.mjs`);
		writeFileSync(file, built.outputFiles[0]!.text);
		const bundled = (await import(pathToFileURL(file).href)) as {kernelSource: () => string};
		const script = bundled.kernelSource();
		t.deepEqual(undefinedNames(script), [], `keepNames ${keepNames}`);
		t.deepEqual(rounded(snapshotOf(runAlone(script))), local, `keepNames ${keepNames}`);
	}
});
