/**
 * Reproducible .tar.gz archives, written and read without a system tar: POSIX ustar
 * headers with mtime 0, owner and group 0 with empty names, entries in name order, the
 * archive padded to whole 10,240-byte records as tar does, and gzip with no name and mtime
 * 0 in its header (what `tar --sort=name --mtime=@0 --owner=0 --group=0 | gzip -n` gives).
 * The reader is strict (checksums, sizes, end blocks): it checks what we ship.
 */
import {gunzipSync, gzipSync} from 'node:zlib';

export interface TarEntry {
	/** Path inside the archive, '/'-separated, relative. */
	name: string;
	/** Permission bits, e.g. 0o755. */
	mode: number;
	data: Buffer;
}

const BLOCK = 512;
const RECORD = 20 * BLOCK;

function octal(value: number, width: number): string {
	// width-1 octal digits, then NUL (the ustar numeric field layout).
	const text = value.toString(8);
	if (text.length > width - 1) throw new Error(`tar: ${value} does not fit a ${width}-byte field`);
	return `${text.padStart(width - 1, '0')}\0`;
}

function splitName(name: string): {name: string; prefix: string} {
	if (Buffer.byteLength(name) <= 100) return {name, prefix: ''};
	const cut = name.lastIndexOf('/', 155);
	if (cut <= 0 || Buffer.byteLength(name.slice(cut + 1)) > 100) throw new Error(`tar: path too long for ustar: ${name}`);
	return {name: name.slice(cut + 1), prefix: name.slice(0, cut)};
}

function header(entry: TarEntry): Buffer {
	if (entry.name === '' || entry.name.startsWith('/') || entry.name.split('/').includes('..')) throw new Error(`tar: unsafe entry name ${JSON.stringify(entry.name)}`);
	const block = Buffer.alloc(BLOCK, 0);
	const {name, prefix} = splitName(entry.name);
	block.write(name, 0, 100, 'utf8');
	block.write(octal(entry.mode & 0o7777, 8), 100, 'ascii');
	block.write(octal(0, 8), 108, 'ascii'); // uid
	block.write(octal(0, 8), 116, 'ascii'); // gid
	block.write(octal(entry.data.length, 12), 124, 'ascii');
	block.write(octal(0, 12), 136, 'ascii'); // mtime
	block.write('        ', 148, 'ascii'); // checksum placeholder: eight spaces
	block.write('0', 156, 'ascii'); // regular file
	block.write('ustar\0', 257, 'ascii');
	block.write('00', 263, 'ascii');
	block.write(octal(0, 8), 329, 'ascii'); // devmajor
	block.write(octal(0, 8), 337, 'ascii'); // devminor
	block.write(prefix, 345, 155, 'utf8');
	let sum = 0;
	for (const byte of block) sum += byte;
	block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
	return block;
}

/** The uncompressed tar stream of `entries`, sorted by name. */
export function tarBytes(entries: readonly TarEntry[]): Buffer {
	const sorted = [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
	for (let i = 1; i < sorted.length; i++) if (sorted[i]!.name === sorted[i - 1]!.name) throw new Error(`tar: ${sorted[i]!.name} twice`);
	const parts: Buffer[] = [];
	let length = 0;
	for (const entry of sorted) {
		const head = header(entry);
		const pad = (BLOCK - (entry.data.length % BLOCK)) % BLOCK;
		parts.push(head, entry.data, Buffer.alloc(pad));
		length += head.length + entry.data.length + pad;
	}
	// Two zero blocks end the archive; then zeros to a whole record.
	length += 2 * BLOCK;
	const total = Math.ceil(length / RECORD) * RECORD;
	parts.push(Buffer.alloc(total - length + 2 * BLOCK));
	return Buffer.concat(parts, total);
}

/** A reproducible .tar.gz of `entries`. */
export function tarGz(entries: readonly TarEntry[]): Buffer {
	const gz = gzipSync(tarBytes(entries), {level: 9});
	// zlib writes no name and mtime 0; the OS byte is fixed here so the bytes do not depend on the build machine.
	gz[9] = 3;
	return gz;
}

function readOctal(block: Buffer, offset: number, width: number): number {
	const text = block.toString('ascii', offset, offset + width).replace(/[\0 ]+$/u, '').trim();
	if (!/^[0-7]*$/u.test(text)) throw new Error(`tar: bad number field at ${offset}`);
	return text === '' ? 0 : Number.parseInt(text, 8);
}

function readString(block: Buffer, offset: number, width: number): string {
	const end = block.indexOf(0, offset);
	return block.toString('utf8', offset, end < 0 || end > offset + width ? offset + width : end);
}

export interface ReadEntry extends TarEntry {
	type: string;
	uid: number;
	gid: number;
	mtime: number;
	uname: string;
	gname: string;
}

/** Reads a tar stream (gzip-compressed or not); throws on a damaged archive. */
export function readTar(archive: Buffer): ReadEntry[] {
	const tar = archive[0] === 0x1f && archive[1] === 0x8b ? gunzipSync(archive) : archive;
	const out: ReadEntry[] = [];
	let offset = 0;
	for (;;) {
		if (offset + BLOCK > tar.length) throw new Error('tar: truncated (no end-of-archive blocks)');
		const block = tar.subarray(offset, offset + BLOCK);
		if (block.every((byte) => byte === 0)) break;
		const stored = readOctal(block, 148, 8);
		let sum = 0;
		for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : block[i]!;
		if (sum !== stored) throw new Error(`tar: header checksum mismatch at offset ${offset}`);
		const size = readOctal(block, 124, 12);
		const prefix = readString(block, 345, 155);
		const name = readString(block, 0, 100);
		const dataStart = offset + BLOCK;
		if (dataStart + size > tar.length) throw new Error(`tar: ${name} is truncated`);
		out.push({
			name: prefix ? `${prefix}/${name}` : name,
			mode: readOctal(block, 100, 8),
			uid: readOctal(block, 108, 8),
			gid: readOctal(block, 116, 8),
			mtime: readOctal(block, 136, 12),
			type: String.fromCharCode(block[156]!) === '\0' ? '0' : String.fromCharCode(block[156]!),
			uname: readString(block, 265, 32),
			gname: readString(block, 297, 32),
			data: tar.subarray(dataStart, dataStart + size),
		});
		offset = dataStart + Math.ceil(size / BLOCK) * BLOCK;
	}
	return out;
}
