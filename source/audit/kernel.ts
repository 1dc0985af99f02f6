/**
 * The audit worker's script, built at run time from the source text of the audit code
 * itself (README.md in this folder says what that allows and forbids): the kernel — every
 * function and class a worker needs, each bound to the name this build gives it — then the
 * driver that reads one job with it. No worker file has to be found on disk, so it works
 * alike in tsx (tests), in dist/ (tsc) and in one esbuild bundle, minified or not.
 */
import {aggregateKernel, AuditAggregator} from './aggregate.js';
import {clientKernel} from './client.js';
import {ControlFinder, controlFinderKernel} from './control-finder.js';
import {duplicatesKernel} from './duplicates.js';
import {eventFieldsKernel} from './event-fields.js';
import {ByteLineFeeder, feederKernel} from './feeder.js';
import {fieldsKernel} from './fields.js';
import {formatsKernel, LineDecoder} from './formats.js';
import {goLayoutKernel} from './go-layout.js';
import {jsonScanKernel} from './json-scan.js';
import {orderKernel} from './order.js';
import {gzipProblem, readingKernel} from './reading.js';
import {recordKernel} from './record.js';
import {scanCursorKernel} from './scan-cursor.js';
import {scannerKernel} from './scanner.js';
import {shapeAksKernel} from './shape-aks.js';
import {shapeEksKernel} from './shape-eks.js';
import {shapeGkeKernel} from './shape-gke.js';
import {shapeNativeKernel} from './shape-native.js';
import {urisKernel} from './uris.js';

/** Every module's kernel list, in an order where each class's static initializers find what they use. */
const kernelLists = [
	fieldsKernel,
	recordKernel,
	scanCursorKernel,
	jsonScanKernel,
	eventFieldsKernel,
	goLayoutKernel,
	scannerKernel,
	formatsKernel,
	shapeNativeKernel,
	shapeAksKernel,
	shapeEksKernel,
	shapeGkeKernel,
	clientKernel,
	urisKernel,
	orderKernel,
	duplicatesKernel,
	aggregateKernel,
	controlFinderKernel,
	feederKernel,
	readingKernel,
];

/** The worker's driver, run after the kernel definitions. Plain JS: it is not compiled. */
const driver = `
async function run(job, fs, zlib, isAscii) {
	const {AuditAggregator, LineDecoder, ByteLineFeeder, ControlFinder, gzipProblem} = auditKernel;
	const agg = new AuditAggregator({...job.options, partial: job.partial});
	const decoder = new LineDecoder(agg);
	if (job.continuing) decoder.continuing(); else decoder.begin();
	const feeder = new ByteLineFeeder(decoder, isAscii, ControlFinder.create(1 << 22), 1 << 22);
	let consumed = -1;
	let problem;
	if (job.gzip) {
		if (job.next) await readNext(job.next, agg, fs, zlib, isAscii);
		// A .gz cut short or corrupt: what came before counts, the rest is one skip and one problem line.
		const file = fs.createReadStream(job.path);
		const gunzip = file.pipe(zlib.createGunzip());
		let bytes = 0;
		try {
			for await (const chunk of gunzip) {
				feeder.push(chunk);
				bytes += chunk.length;
			}
		} catch (error) {
			feeder.discardPartial();
			agg.skip('gzip-error');
			problem = gzipProblem(job.path, error, bytes);
		} finally {
			gunzip.destroy();
			file.destroy();
		}
	} else {
		const fd = fs.openSync(job.path, 'r');
		try {
			let pos = job.start;
			const end = job.end < 0 ? fs.fstatSync(fd).size : job.end;
			// The next part's first bytes are read before this part's last as many (the code warm by then, not at the start).
			let ahead = job.next ? Math.max(pos, end - job.next.bytes) : -1;
			while (pos < end) {
				if (ahead >= 0 && pos >= ahead) {
					await readNext(job.next, agg, fs, zlib, isAscii);
					ahead = -1;
				}
				const t = feeder.target();
				const n = fs.readSync(fd, t.buffer, t.offset, Math.min(t.length, (ahead >= 0 ? ahead : end) - pos), pos);
				if (n === 0) break;
				pos += n;
				feeder.commit(n);
			}
			consumed = pos;
		} finally {
			fs.closeSync(fd);
		}
	}
	if (job.keepPartial) {
		consumed -= feeder.discardPartial();
		decoder.finish();
	} else {
		feeder.end();
	}
	return {state: agg.exportState(), consumed, problem};
}
// The first bytes of the next part: its events, when this part holds them too, are counted there (see parallel.ts).
async function readNext(next, agg, fs, zlib, isAscii) {
	const {LineDecoder, ByteLineFeeder, ControlFinder} = auditKernel;
	const decoder = new LineDecoder({record: (r) => agg.expectLater(r), skip: () => undefined});
	if (next.continuing) decoder.continuing(); else decoder.begin();
	const feeder = new ByteLineFeeder(decoder, isAscii, ControlFinder.create(1 << 20), 1 << 20);
	let bytes = 0;
	try {
		if (next.gzip) {
			const file = fs.createReadStream(next.path);
			const gunzip = file.pipe(zlib.createGunzip());
			try {
				for await (const chunk of gunzip) {
					feeder.push(chunk.subarray(0, Math.max(0, next.bytes - bytes)));
					bytes += chunk.length;
					if (bytes >= next.bytes) break;
				}
			} finally {
				gunzip.destroy();
				file.destroy();
			}
		} else {
			const fd = fs.openSync(next.path, 'r');
			try {
				let pos = next.start;
				const end = Math.min(next.end < 0 ? fs.fstatSync(fd).size : next.end, next.start + next.bytes);
				while (pos < end) {
					const t = feeder.target();
					const n = fs.readSync(fd, t.buffer, t.offset, Math.min(t.length, end - pos), pos);
					if (n === 0) break;
					pos += n;
					feeder.commit(n);
				}
			} finally {
				fs.closeSync(fd);
			}
		}
	} catch {
		// What could not be read of the next part is read (and said) by its own worker.
	}
	// A line cut at the end of what was read is not an event of the next part's beginning.
	feeder.discardPartial();
}
// CommonJS eval (the usual case) has require; an ES-module eval (--input-type=module) needs import().
const load = typeof require === 'function' ? async (name) => require(name) : (name) => import(name);
(async () => {
	const {parentPort, workerData} = await load('node:worker_threads');
	try {
		const fs = await load('node:fs');
		const zlib = await load('node:zlib');
		const {isAscii} = await load('node:buffer');
		parentPort.postMessage(await run(workerData, fs, zlib, isAscii));
	} catch (error) {
		parentPort.postMessage({error: String((error && error.stack) || error)});
	}
})();
`;

/** One item of the kernel: the name this build binds it to (read from its list function's text), the value, its source text. */
export interface KernelItem {
	name: string;
	value: unknown;
	text: string;
}

/** The items of a kernel list function and the names this build binds them to (read from its own text). */
function kernelItems(list: () => unknown[]): KernelItem[] {
	const source = String(list);
	const open = source.indexOf('[', source.indexOf('return'));
	const close = source.lastIndexOf(']');
	const names = source
		.slice(open + 1, close)
		.split(',')
		.map((n) => n.trim())
		.filter((n) => n !== '');
	const values = list();
	if (names.length !== values.length || !names.every((n) => /^[\w$]+$/.test(n))) throw new Error('audit worker: cannot read the kernel list');
	return names.map((name, i) => ({name, value: values[i], text: String(values[i])}));
}

/** Every item of the kernel, in the order the script defines them. Two items of one name are an error (the second would replace the first). */
export function allKernelItems(): KernelItem[] {
	const items = kernelLists.flatMap(kernelItems);
	const seen = new Set<string>();
	for (const {name} of items) {
		if (seen.has(name)) throw new Error(`audit worker: two kernel items are named ${name}`);
		seen.add(name);
	}
	return items;
}

/**
 * The audit code as one self-contained script: the source text of every kernel function
 * and class, each bound to the name the rest of the code calls it by in this build, and
 * `auditKernel` = {AuditAggregator, LineDecoder, ByteLineFeeder, ControlFinder, gzipProblem}.
 * It needs nothing but Buffer and WebAssembly from its global scope.
 */
export function kernelSource(): string {
	const items = allKernelItems();
	const names = new Set(items.map((i) => i.name));
	// esbuild's keepNames helper (`__name`, renamed when minified) is called in class static blocks and around inner functions.
	const helpers = new Set(['__name']);
	for (const {text} of items) for (const m of text.matchAll(/static\s*\{\s*([\w$]+)\(this,/g)) helpers.add(m[1]!);
	const lines = ['"use strict";'];
	for (const helper of helpers) if (!names.has(helper)) lines.push(`var ${helper} = (target) => target;`);
	for (const {name, text} of items) lines.push(`var ${name} = ${text};`);
	// The entry points, under names that survive minification.
	const entry = {AuditAggregator, LineDecoder, ByteLineFeeder, ControlFinder, gzipProblem};
	const bound = Object.entries(entry).map(([key, value]) => {
		const item = items.find((i) => i.value === value);
		if (item === undefined) throw new Error(`audit worker: ${key} is not in the kernel`);
		return `${key}: ${item.name}`;
	});
	lines.push(`var auditKernel = {${bound.join(', ')}};`);
	return lines.join('\n');
}

/** The worker's whole source: the kernel, then the driver. */
export function workerSource(): string {
	return `${kernelSource()}\n${driver}`;
}
