/**
 * What `--audit-log` names: one stream (stdin `-`, a FIFO, a pipe, a character device),
 * never opened or peeked at here (a look at its first bytes would consume them); or files
 * read oldest first — one file, every log-like file in a directory, or the matches of a
 * glob — with rotated files ordered by their first event.
 */
import {isAscii} from 'node:buffer';
import {createReadStream} from 'node:fs';
import {readdir, stat} from 'node:fs/promises';
import {basename, join, resolve} from 'node:path';
import {createGunzip} from 'node:zlib';
import {AuditSourceError, cannotRead} from './errors.js';
import {ByteLineFeeder} from './feeder.js';
import {LineDecoder} from './formats.js';
import type {RecordSink} from './record-sink.js';
import {streamKindOf, type StreamKind} from './stream.js';

/** What `--audit-log` names: files, oldest first, or one stream. */
export type AuditInput = {kind: 'files'; files: string[]} | {kind: StreamKind; spec: string};

/** What `spec` names. The one place a glob is expanded; errors are AuditSourceErrors. */
export async function listAuditInput(spec: string): Promise<AuditInput> {
	const stream = await streamKindOf(spec);
	if (stream !== undefined) return {kind: stream, spec};
	return {kind: 'files', files: await listFiles(spec)};
}

/** Glob characters in one path segment. */
function hasGlob(segment: string): boolean {
	return /[*?[]/.test(segment);
}

function globToRegExp(pattern: string): RegExp {
	let re = '^';
	for (let i = 0; i < pattern.length; i++) {
		const ch = pattern[i]!;
		if (ch === '*') re += '[^/]*';
		else if (ch === '?') re += '[^/]';
		else if (ch === '[') {
			const close = pattern.indexOf(']', i + 1);
			if (close < 0) {
				re += '\\[';
			} else {
				let set = pattern.slice(i + 1, close);
				if (set.startsWith('!')) set = `^${set.slice(1)}`;
				re += `[${set.replace(/\\/g, '\\\\')}]`;
				i = close;
			}
		} else re += ch.replace(/[.+^${}()|\\]/g, '\\$&');
	}
	return new RegExp(`${re}$`);
}

async function expandGlob(pattern: string): Promise<string[]> {
	const absolute = resolve(pattern);
	const parts = absolute.split('/').filter((p) => p !== '');
	let bases = ['/'];
	for (let i = 0; i < parts.length; i++) {
		const part = parts[i]!;
		const next: string[] = [];
		for (const base of bases) {
			if (!hasGlob(part)) {
				next.push(join(base, part));
				continue;
			}
			const re = globToRegExp(part);
			let names: string[];
			try {
				names = await readdir(base);
			} catch {
				continue;
			}
			for (const name of names.sort()) if (re.test(name) && (!name.startsWith('.') || part.startsWith('.'))) next.push(join(base, name));
		}
		bases = next;
	}
	const files: string[] = [];
	for (const f of bases) {
		try {
			if ((await stat(f)).isFile()) files.push(f);
		} catch {
			// vanished between listing and stat
		}
	}
	return files;
}

/** Names that look like audit logs or their rotated copies. */
export function looksLikeLog(name: string): boolean {
	return !name.startsWith('.') && /(\.(log|json|jsonl|ndjson|txt)(\.\d+)?(\.gz)?|\.gz|\.\d+)$/i.test(name);
}

/** The time of the first event in a file (first 256 KiB), else its mtime: the order rotated files are read in. */
async function firstEventTime(path: string): Promise<number> {
	let first = Number.NaN;
	const sink: RecordSink = {
		record(r) {
			if (Number.isNaN(first)) first = Number.isFinite(r.receivedMs) ? r.receivedMs : r.stageMs;
		},
		skip() {},
	};
	const feeder = new ByteLineFeeder(new LineDecoder(sink), isAscii, null, 1 << 18);
	const file = createReadStream(path, path.endsWith('.gz') ? {} : {end: (1 << 18) - 1});
	const source = path.endsWith('.gz') ? file.pipe(createGunzip()) : file;
	try {
		let seen = 0;
		for await (const chunk of source as AsyncIterable<Buffer>) {
			feeder.push(chunk);
			seen += chunk.length;
			if (!Number.isNaN(first) || seen >= 1 << 18) break;
		}
	} catch {
		// unreadable here (a .gz cut short too): reported when it is read
	} finally {
		// Both: a failed gunzip leaves the file stream (and its descriptor) open.
		source.destroy();
		file.destroy();
	}
	if (!Number.isNaN(first)) return first;
	try {
		return (await stat(path)).mtimeMs;
	} catch {
		return Number.POSITIVE_INFINITY;
	}
}

/** The files `spec` names, oldest first: one file; every log-like file in a directory; or the matches of a glob. */
async function listFiles(spec: string): Promise<string[]> {
	let files: string[];
	if (hasGlob(spec)) {
		files = await expandGlob(spec);
		if (files.length === 0) throw new AuditSourceError(`audit log: no file matches ${spec}`);
	} else {
		let info;
		try {
			info = await stat(spec);
		} catch (error) {
			throw cannotRead(spec, error);
		}
		if (!info.isDirectory()) return [spec];
		let names: string[];
		try {
			names = (await readdir(spec)).sort();
		} catch (error) {
			throw cannotRead(`the directory ${spec}`, error);
		}
		const all: string[] = [];
		for (const name of names) {
			const f = join(spec, name);
			try {
				if ((await stat(f)).isFile()) all.push(f);
			} catch {
				// vanished
			}
		}
		files = all.filter((f) => looksLikeLog(basename(f)));
		if (files.length === 0) files = all.filter((f) => !basename(f).startsWith('.'));
		if (files.length === 0) throw new AuditSourceError(`audit log: directory ${spec} holds no files`);
	}
	const keyed = await Promise.all(files.map(async (f) => ({f, t: await firstEventTime(f)})));
	keyed.sort((a, b) => a.t - b.t || a.f.localeCompare(b.f));
	return keyed.map((k) => k.f);
}
