import {createHash} from 'node:crypto';
import {existsSync, readFileSync} from 'node:fs';
import {delimiter} from 'node:path';
import test from 'ava';
import fc from 'fast-check';
import {adHocSign, verifyCodeSignature} from '../../tools/release/macho.js';

// ---- A minimal but realistic thin Mach-O, laid out the way ld64 lays one out ------------

type Arch = 'x86_64' | 'arm64';
const ARCHES: Arch[] = ['x86_64', 'arm64'];
const CPU = {x86_64: {type: 0x01_00_00_07, subtype: 3, segmentPage: 0x1000}, arm64: {type: 0x01_00_00_0c, subtype: 0, segmentPage: 0x4000}} as const;
const TEXT_VMADDR = 0x1_00_00_00_00n;
const CODE_LENGTH = 0x1800;
const LINKEDIT_CONTENT = 0x230;

type Layout = {buf: Buffer; textSize: number; codeOffset: number; linkeditCommand: number; commandsEnd: number};

/**
 * Header; LC_SEGMENT_64 __PAGEZERO, __TEXT (one __text section at the end of the segment),
 * __LINKEDIT; LC_MAIN; LC_CODE_SIGNATURE (unless codeSignature is false) with signatureSpace
 * zero bytes at the 16-byte-aligned end of __LINKEDIT. headerPad moves __text closer to the load
 * commands (to leave no room for another command).
 */
function buildMachO(arch: Arch, options: {signatureSpace?: number; codeSignature?: boolean; headerPad?: number} = {}): Layout {
	const {signatureSpace = 0x2000, codeSignature = true} = options;
	const cpu = CPU[arch];
	const textSize = 3 * 0x1000 > cpu.segmentPage ? 3 * 0x1000 : cpu.segmentPage; // x86_64 0x3000, arm64 0x4000
	const sizeofcmds = 72 + (72 + 80) + 72 + 24 + (codeSignature ? 16 : 0);
	const commandsEnd = 32 + sizeofcmds;
	const codeOffset = options.headerPad === undefined ? textSize - CODE_LENGTH : commandsEnd + options.headerPad;
	const codeLength = textSize - codeOffset;
	const signatureOffset = textSize + LINKEDIT_CONTENT; // already 16-byte aligned
	const fileLength = signatureOffset + (codeSignature ? signatureSpace : 0);
	const buf = Buffer.alloc(fileLength);
	buf.writeUInt32LE(0xfe_ed_fa_cf, 0);
	buf.writeUInt32LE(cpu.type, 4);
	buf.writeUInt32LE(cpu.subtype, 8);
	buf.writeUInt32LE(2, 12); // MH_EXECUTE
	buf.writeUInt32LE(codeSignature ? 5 : 4, 16);
	buf.writeUInt32LE(sizeofcmds, 20);
	buf.writeUInt32LE(0x20_00_85, 24); // MH_NOUNDEFS | MH_DYLDLINK | MH_TWOLEVEL | MH_PIE
	let at = 32;
	const segment = (name: string, vmaddr: bigint, vmsize: number, fileoff: number, filesize: number, prot: number, nsects: number): number => {
		const start = at;
		buf.writeUInt32LE(0x19, at);
		buf.writeUInt32LE(72 + nsects * 80, at + 4);
		buf.write(name, at + 8, 'latin1');
		buf.writeBigUInt64LE(vmaddr, at + 24);
		buf.writeBigUInt64LE(BigInt(vmsize), at + 32);
		buf.writeBigUInt64LE(BigInt(fileoff), at + 40);
		buf.writeBigUInt64LE(BigInt(filesize), at + 48);
		buf.writeInt32LE(prot, at + 56);
		buf.writeInt32LE(prot, at + 60);
		buf.writeUInt32LE(nsects, at + 64);
		at += 72;
		return start;
	};
	segment('__PAGEZERO', 0n, 0x1_00_00_00_00, 0, 0, 0, 0);
	segment('__TEXT', TEXT_VMADDR, textSize, 0, textSize, 5, 1);
	buf.write('__text', at, 'latin1');
	buf.write('__TEXT', at + 16, 'latin1');
	buf.writeBigUInt64LE(TEXT_VMADDR + BigInt(codeOffset), at + 32);
	buf.writeBigUInt64LE(BigInt(codeLength), at + 40);
	buf.writeUInt32LE(codeOffset, at + 48);
	buf.writeUInt32LE(4, at + 52);
	buf.writeUInt32LE(0x80_00_04_00, at + 64); // S_ATTR_PURE_INSTRUCTIONS | S_ATTR_SOME_INSTRUCTIONS
	at += 80;
	const linkeditSize = fileLength - textSize;
	const linkeditCommand = segment('__LINKEDIT', TEXT_VMADDR + BigInt(textSize), Math.ceil(linkeditSize / cpu.segmentPage) * cpu.segmentPage, textSize, linkeditSize, 1, 0);
	buf.writeUInt32LE(0x80_00_00_28, at); // LC_MAIN
	buf.writeUInt32LE(24, at + 4);
	buf.writeBigUInt64LE(BigInt(codeOffset), at + 8);
	at += 24;
	if (codeSignature) {
		buf.writeUInt32LE(0x1d, at);
		buf.writeUInt32LE(16, at + 4);
		buf.writeUInt32LE(signatureOffset, at + 8);
		buf.writeUInt32LE(signatureSpace, at + 12);
		at += 16;
	}
	// Deterministic "code" and linkedit content (never all zero, so every page matters).
	let seed = arch === 'arm64' ? 0x2545_f491 : 0x9e37_79b9;
	for (let i = codeOffset; i < signatureOffset; i++) {
		seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
		buf[i] = seed >>> 24;
	}
	return {buf, textSize, codeOffset, linkeditCommand, commandsEnd};
}

// ---- Independent reading of what adHocSign wrote (not via the module under test) -------

type Parsed = {dataoff: number; datasize: number; sig: Buffer; cd: Buffer; cdOffset: number; hashOffset: number; nCodeSlots: number};

function codeSignatureCommand(buf: Buffer): {at: number; dataoff: number; datasize: number} {
	let at = 32;
	for (let i = 0; i < buf.readUInt32LE(16); i++) {
		if (buf.readUInt32LE(at) === 0x1d) return {at, dataoff: buf.readUInt32LE(at + 8), datasize: buf.readUInt32LE(at + 12)};
		at += buf.readUInt32LE(at + 4);
	}
	throw new Error('no LC_CODE_SIGNATURE');
}

function parseSigned(buf: Buffer): Parsed {
	const {dataoff, datasize} = codeSignatureCommand(buf);
	const sig = buf.subarray(dataoff, dataoff + datasize);
	const cdOffset = sig.readUInt32BE(16);
	const cd = sig.subarray(cdOffset, cdOffset + sig.readUInt32BE(cdOffset + 4));
	return {dataoff, datasize, sig, cd, cdOffset, hashOffset: cd.readUInt32BE(16), nCodeSlots: cd.readUInt32BE(28)};
}

const sha256 = (data: Buffer): Buffer => createHash('sha256').update(data).digest();

function signed(arch: Arch, options: Parameters<typeof buildMachO>[1] = {}): {layout: Layout; out: Buffer} {
	const layout = buildMachO(arch, options);
	return {layout, out: adHocSign(layout.buf, {identifier: 'kubectl-assure'})};
}

function flip(buf: Buffer, offset: number): Buffer {
	const copy = Buffer.from(buf);
	copy[offset] ^= 0x01;
	return copy;
}

// ---- adHocSign writes what `codesign -s -` writes ---------------------------------------

for (const arch of ARCHES) {
	test(`adHocSign ${arch}: SuperBlob, CodeDirectory and blobs have the codesign ad-hoc layout`, (t) => {
		const {layout, out} = signed(arch);
		const {dataoff, datasize, sig, cd, hashOffset, nCodeSlots} = parseSigned(out);
		t.is(dataoff, layout.textSize + LINKEDIT_CONTENT, 'the signature stays where LC_CODE_SIGNATURE put it');
		t.is(dataoff % 16, 0);
		t.is(out.length, dataoff + datasize, 'signature is at the end of the file');
		t.is(out.length, layout.buf.length, 'the reserved space was big enough: no growth');
		t.true(out.subarray(0, dataoff).equals(layout.buf.subarray(0, dataoff)), 'nothing before the signature changes');

		// SuperBlob: 0xfade0cc0, 3 entries: CodeDirectory (0), Requirements (2), CMS wrapper (0x10000).
		t.is(sig.readUInt32BE(0), 0xfa_de_0c_c0);
		t.is(sig.readUInt32BE(8), 3);
		t.deepEqual([0, 1, 2].map((i) => sig.readUInt32BE(12 + i * 8)), [0, 2, 0x1_00_00]);
		const superBlobLength = sig.readUInt32BE(4);
		t.true(superBlobLength <= datasize);
		t.true(sig.subarray(superBlobLength).every((byte) => byte === 0), 'slack after the SuperBlob is zero');
		const requirementsAt = sig.readUInt32BE(24); // index entry 1: {type @20, offset @24}
		const cmsAt = sig.readUInt32BE(32);
		t.is(sig.subarray(requirementsAt, requirementsAt + 12).toString('hex'), 'fade0c010000000c00000000');
		t.is(sig.subarray(cmsAt, cmsAt + 8).toString('hex'), 'fade0b0100000008');
		t.is(cmsAt + 8, superBlobLength);

		// CodeDirectory header (cs_blobs.h), version 0x20400.
		t.is(cd.readUInt32BE(0), 0xfa_de_0c_02);
		t.is(cd.readUInt32BE(8), 0x2_04_00);
		t.is(cd.readUInt32BE(12), 0x2, 'flags: adhoc only (no linker-signed, no runtime)');
		t.is(cd.readUInt32BE(20), 88, 'identOffset right after the header');
		t.is(cd.toString('latin1', 88, 88 + 15), 'kubectl-assure\0');
		t.is(cd.readUInt32BE(24), 2, 'nSpecialSlots');
		t.is(cd.readUInt32BE(32), dataoff, 'codeLimit is where the signature starts');
		t.is(cd[36], 32);
		t.is(cd[37], 2, 'SHA-256');
		t.is(cd[39], 12, '4096-byte pages');
		t.is(cd.readUInt32BE(48), 0, 'no team id');
		t.is(cd.readBigUInt64BE(64), 0n, 'execSegBase = __TEXT fileoff');
		t.is(cd.readBigUInt64BE(72), BigInt(layout.textSize), 'execSegLimit = __TEXT filesize');
		t.is(cd.readBigUInt64BE(80), 1n, 'CS_EXECSEG_MAIN_BINARY');
		t.is(nCodeSlots, Math.ceil(dataoff / 4096));
		t.is(cd.length, hashOffset + nCodeSlots * 32);

		// Hash slots, recomputed here: -2 = sha256(Requirements blob), -1 = zero, i = page i.
		t.true(cd.subarray(hashOffset - 64, hashOffset - 32).equals(sha256(sig.subarray(requirementsAt, requirementsAt + 12))));
		t.true(cd.subarray(hashOffset - 32, hashOffset).every((byte) => byte === 0));
		t.true(dataoff % 4096 !== 0, 'the fixture has a short last page');
		for (let slot = 0; slot < nCodeSlots; slot++) {
			const page = out.subarray(slot * 4096, Math.min((slot + 1) * 4096, dataoff));
			t.true(cd.subarray(hashOffset + slot * 32, hashOffset + (slot + 1) * 32).equals(sha256(page)), `page ${slot}`);
		}
	});

	test(`verifyCodeSignature ${arch}: accepts the ad-hoc signed binary and reports its CodeDirectory`, (t) => {
		const {out} = signed(arch);
		const {dataoff} = parseSigned(out);
		const report = verifyCodeSignature(out);
		t.deepEqual(report.problems, []);
		t.true(report.ok);
		t.is(report.arch, arch);
		t.deepEqual(report.codeDirectories, [{hashType: 'sha256', pageSize: 4096, codeLimit: dataoff, nCodeSlots: Math.ceil(dataoff / 4096), nSpecialSlots: 2, identifier: 'kubectl-assure', flags: 2, badPages: 0}]);
	});

	test(`verifyCodeSignature ${arch}: an unsigned binary (zeroed signature space) is not ok`, (t) => {
		const report = verifyCodeSignature(buildMachO(arch).buf);
		t.false(report.ok);
		t.is(report.arch, arch);
		t.regex(report.problems.join('\n'), /signature magic 0x0, expected embedded-signature SuperBlob 0xfade0cc0/);
	});

	test(`verifyCodeSignature ${arch}: one flipped byte in any code page is one bad page`, (t) => {
		const {layout, out} = signed(arch);
		const {dataoff} = parseSigned(out);
		fc.assert(
			fc.property(fc.integer({min: layout.commandsEnd, max: dataoff - 1}), (offset) => {
				const report = verifyCodeSignature(flip(out, offset));
				const page = Math.floor(offset / 4096);
				return !report.ok && report.codeDirectories.length === 1 && report.codeDirectories[0]!.badPages === 1 && report.problems.some((problem) => problem.includes(`1 of ${Math.ceil(dataoff / 4096)} page hashes do not match the file (pages ${page})`));
			}),
			{numRuns: 200},
		);
		// The header and load commands are page 0 too.
		const report = verifyCodeSignature(flip(out, 24));
		t.false(report.ok);
		t.is(report.codeDirectories[0]!.badPages, 1);
	});

	test(`verifyCodeSignature ${arch}: a flipped byte in the hash area is caught`, (t) => {
		const {out} = signed(arch);
		const {dataoff, cdOffset, hashOffset, nCodeSlots} = parseSigned(out);
		const cdAt = dataoff + cdOffset;
		for (const slot of [0, 1, nCodeSlots - 1]) {
			const report = verifyCodeSignature(flip(out, cdAt + hashOffset + slot * 32 + 7));
			t.false(report.ok, `code slot ${slot}`);
			t.is(report.codeDirectories[0]!.badPages, 1, `code slot ${slot}`);
		}
		const requirementsSlot = verifyCodeSignature(flip(out, cdAt + hashOffset - 64 + 3));
		t.false(requirementsSlot.ok);
		t.regex(requirementsSlot.problems.join('\n'), /special slot -2 does not match the Requirements blob/);
		const infoSlot = verifyCodeSignature(flip(out, cdAt + hashOffset - 32));
		t.false(infoSlot.ok);
		t.regex(infoSlot.problems.join('\n'), /special slot -1 holds an Info.plist hash/);
		const requirementsBlob = verifyCodeSignature(flip(out, dataoff + parseSigned(out).sig.readUInt32BE(24) + 11));
		t.false(requirementsBlob.ok);
		t.regex(requirementsBlob.problems.join('\n'), /special slot -2 does not match the Requirements blob/);
		// Every byte of every hash slot matters.
		fc.assert(
			fc.property(fc.integer({min: cdAt + hashOffset - 64, max: cdAt + hashOffset + nCodeSlots * 32 - 1}), (offset) => !verifyCodeSignature(flip(out, offset)).ok),
			{numRuns: 200},
		);
	});

	test(`verifyCodeSignature ${arch}: codeLimit short of the signature offset is caught`, (t) => {
		const {out} = signed(arch);
		const {dataoff, cdOffset} = parseSigned(out);
		const patched = Buffer.from(out);
		patched.writeUInt32BE(dataoff - 4096, dataoff + cdOffset + 32);
		const report = verifyCodeSignature(patched);
		t.false(report.ok);
		t.regex(report.problems.join('\n'), new RegExp(`codeLimit ${dataoff - 4096} != signature offset ${dataoff}`));
		t.regex(report.problems.join('\n'), /code slots, but codeLimit/);
	});

	test(`verifyCodeSignature ${arch}: execSeg fields must describe __TEXT of a main binary`, (t) => {
		const {out} = signed(arch);
		const {dataoff, cdOffset} = parseSigned(out);
		const limit = Buffer.from(out);
		limit.writeBigUInt64BE(0x1000n, dataoff + cdOffset + 72);
		t.regex(verifyCodeSignature(limit).problems.join('\n'), /execSegBase\/Limit 0\/4096 do not match __TEXT/);
		const flags = Buffer.from(out);
		flags.writeBigUInt64BE(0n, dataoff + cdOffset + 80);
		t.regex(verifyCodeSignature(flags).problems.join('\n'), /lack the main-binary flag/);
	});

	test(`verifyCodeSignature ${arch}: truncation is a clear problem, never a crash`, (t) => {
		const {out} = signed(arch);
		const {dataoff} = parseSigned(out);
		const cases: Array<[number, RegExp]> = [
			[0, /not a Mach-O file: only 0 bytes/],
			[3, /not a Mach-O file: only 3 bytes/],
			[31, /truncated Mach-O header/],
			[100, /truncated load commands/],
			[dataoff - 1, /signature offset \d+ is past the end/],
			[dataoff, /signature \[\d+, \d+\) runs \d+ bytes past the end.*truncated/],
			[dataoff + 20, /runs \d+ bytes past the end/],
			[out.length - 1, /runs 1 bytes past the end/],
		];
		for (const [length, pattern] of cases) {
			const report = verifyCodeSignature(out.subarray(0, length));
			t.false(report.ok, `length ${length}`);
			t.regex(report.problems.join('\n'), pattern, `length ${length}`);
		}
		fc.assert(
			fc.property(fc.integer({min: 0, max: out.length - 1}), (length) => {
				const report = verifyCodeSignature(out.subarray(0, length));
				return !report.ok && report.problems.length > 0 && report.problems.every((problem) => typeof problem === 'string' && problem.length > 0);
			}),
			{numRuns: 300},
		);
	});

	test(`adHocSign ${arch}: grows a signature that does not fit, keeping it aligned at the end of __LINKEDIT`, (t) => {
		const {layout, out} = signed(arch, {signatureSpace: 16});
		const {dataoff, datasize, sig} = parseSigned(out);
		const superBlobLength = sig.readUInt32BE(4);
		t.is(dataoff, layout.textSize + LINKEDIT_CONTENT);
		t.is(datasize, Math.ceil(superBlobLength / 16) * 16, 'datasize grows to the SuperBlob rounded to 16');
		t.true(datasize > 16);
		t.is(out.length, dataoff + datasize);
		const linkeditFilesize = Number(out.readBigUInt64LE(layout.linkeditCommand + 48));
		const linkeditVmsize = Number(out.readBigUInt64LE(layout.linkeditCommand + 32));
		t.is(layout.textSize + linkeditFilesize, out.length, '__LINKEDIT filesize covers the grown signature');
		t.is(linkeditVmsize, Math.ceil(linkeditFilesize / CPU[arch].segmentPage) * CPU[arch].segmentPage, '__LINKEDIT vmsize rounded to the segment page');
		t.true(verifyCodeSignature(out).ok, verifyCodeSignature(out).problems.join('\n'));
		t.deepEqual(verifyCodeSignature(layout.buf).ok, false);
	});

	test(`adHocSign ${arch}: idempotent, and re-signing a stale binary fixes it`, (t) => {
		for (const signatureSpace of [0x2000, 16, 0]) {
			const {out} = signed(arch, {signatureSpace});
			t.true(adHocSign(out, {identifier: 'kubectl-assure'}).equals(out), `signatureSpace ${signatureSpace}`);
		}
		// What bun does: change code after signing. The old signature goes stale; re-signing fixes it.
		const {layout, out} = signed(arch);
		const stale = Buffer.from(out);
		stale.write('payload', layout.codeOffset + 100, 'latin1');
		const report = verifyCodeSignature(stale);
		t.false(report.ok);
		t.is(report.codeDirectories[0]!.badPages, 1);
		const fixed = adHocSign(stale, {identifier: 'kubectl-assure'});
		t.true(verifyCodeSignature(fixed).ok);
		t.is(fixed.length, out.length);
		t.true(fixed.subarray(0, parseSigned(fixed).dataoff).equals(stale.subarray(0, parseSigned(fixed).dataoff)));
	});

	test(`adHocSign ${arch}: adds LC_CODE_SIGNATURE in the header padding when there is room, and says so when there is not`, (t) => {
		const unsigned = buildMachO(arch, {codeSignature: false});
		const out = adHocSign(unsigned.buf, {identifier: 'kubectl-assure'});
		t.is(out.readUInt32LE(16), 5, 'ncmds + 1');
		t.is(out.readUInt32LE(20), unsigned.buf.readUInt32LE(20) + 16, 'sizeofcmds + 16');
		const {at, dataoff} = codeSignatureCommand(out);
		t.is(at, unsigned.commandsEnd);
		t.is(dataoff, unsigned.buf.length);
		t.deepEqual(verifyCodeSignature(out).problems, []);
		t.true(adHocSign(out, {identifier: 'kubectl-assure'}).equals(out));

		const cramped = buildMachO(arch, {codeSignature: false, headerPad: 8});
		t.throws(() => adHocSign(cramped.buf, {identifier: 'kubectl-assure'}), {instanceOf: Error, message: /no LC_CODE_SIGNATURE and no room for a load command \(8 bytes of header padding, 16 needed\)/});
	});
}

test('verifyCodeSignature: fat, 32-bit, big-endian and non-Mach-O files are refused by name', (t) => {
	const word = (value: number, bigEndian: boolean): Buffer => {
		const buf = Buffer.alloc(64);
		if (bigEndian) buf.writeUInt32BE(value, 0);
		else buf.writeUInt32LE(value, 0);
		return buf;
	};
	const cases: Array<[Buffer, RegExp]> = [
		[word(0xca_fe_ba_be, true), /fat \(universal\) Mach-O: verify or sign each thin slice separately/],
		[word(0xfe_ed_fa_ce, false), /32-bit Mach-O is not supported/],
		[word(0xfe_ed_fa_cf, true), /big-endian 64-bit Mach-O is not supported/],
		[Buffer.from('#!/bin/sh\necho hi\n'), /not a Mach-O file: magic 0x/],
	];
	for (const [buf, pattern] of cases) {
		const report = verifyCodeSignature(buf);
		t.false(report.ok);
		t.is(report.problems.length, 1);
		t.regex(report.problems[0]!, pattern);
		t.throws(() => adHocSign(buf, {identifier: 'x'}), {instanceOf: Error, message: pattern});
	}
});

test('verifyCodeSignature: random corruption anywhere never throws', (t) => {
	const {out} = signed('arm64');
	fc.assert(
		fc.property(fc.array(fc.tuple(fc.integer({min: 0, max: out.length - 1}), fc.integer({min: 0, max: 255})), {minLength: 1, maxLength: 8}), (edits) => {
			const copy = Buffer.from(out);
			for (const [offset, value] of edits) copy[offset] = value;
			const report = verifyCodeSignature(copy);
			return typeof report.ok === 'boolean' && report.ok === (report.problems.length === 0) && Array.isArray(report.codeDirectories);
		}),
		{numRuns: 500},
	);
	t.notThrows(() => verifyCodeSignature(Buffer.alloc(0)));
});

test('adHocSign: refuses data appended after the signature and a bad identifier', (t) => {
	const {out} = signed('x86_64');
	t.throws(() => adHocSign(Buffer.concat([out, Buffer.from('appended')]), {identifier: 'x'}), {message: /8 bytes follow the signature; refusing to drop them/});
	t.throws(() => adHocSign(out, {identifier: ''}), {message: /identifier must be non-empty/});
	t.throws(() => adHocSign(out, {identifier: 'a\0b'}), {message: /contain no NUL/});
	const report = verifyCodeSignature(Buffer.concat([out, Buffer.alloc(16)]));
	t.false(report.ok);
	t.regex(report.problems.join('\n'), /16 bytes follow the signature; it must be at the end of the file/);
});

// ---- Real `bun build --compile --target=bun-darwin-*` output -----------------------------
// ASSURE_DARWIN_BINARY: one path, or several joined by the platform path delimiter, of a bun
// darwin output built elsewhere. Unset: no such test is registered (the five binaries this
// machine builds are verified page by page in test/release/binaries.test.ts). Set to a path
// that does not exist: the test fails (a typo must not pass).

const realBinaries = (process.env['ASSURE_DARWIN_BINARY'] ?? '').split(delimiter).filter((path) => path.length > 0);

function codeSlotHashes(buf: Buffer): string[] {
	const {cd, hashOffset, nCodeSlots} = parseSigned(buf);
	const size = cd[36]!;
	return Array.from({length: nCodeSlots}, (_, slot) => cd.toString('hex', hashOffset + slot * size, hashOffset + (slot + 1) * size));
}

for (const path of realBinaries) {
	test(`real bun darwin binary ${path}: verified as shipped, re-signed ad hoc, page hashes agree with bun's`, (t) => {
		if (!existsSync(path)) {
			t.fail(`ASSURE_DARWIN_BINARY names ${path}, which does not exist`);
			return;
		}
		const original = readFileSync(path);
		const before = verifyCodeSignature(original);
		t.log(`${path}: ${before.arch}, ${original.length} bytes, ok=${before.ok}`, JSON.stringify(before.codeDirectories), before.problems);
		// The arm64 kernel kills a badly signed binary, so bun's arm64 output must verify as is.
		// x86_64 output is known to carry a stale signature; it is re-signed below either way.
		if (before.arch !== 'x86_64') t.deepEqual(before.problems, [], 'bun darwin-arm64 output must carry a valid signature');

		const resigned = adHocSign(original, {identifier: 'kubectl-assure'});
		const after = verifyCodeSignature(resigned);
		t.deepEqual(after.problems, []);
		t.is(after.codeDirectories[0]!.badPages, 0);
		t.true(adHocSign(resigned, {identifier: 'kubectl-assure'}).equals(resigned), 'idempotent');

		// Cross-check the hashing against bun's own signer (and, on x86_64, Apple's codesign):
		// every page that bun's signature hashes correctly and whose bytes adHocSign did not
		// touch must get the identical hash.
		const theirs = codeSlotHashes(original);
		const ours = codeSlotHashes(resigned);
		const codeLimit = parseSigned(original).dataoff;
		t.is(ours.length, theirs.length);
		let compared = 0;
		for (let slot = 0; slot < theirs.length; slot++) {
			const start = slot * 4096;
			const end = Math.min(start + 4096, codeLimit);
			const unchanged = original.subarray(start, end).equals(resigned.subarray(start, end));
			const theirsValid = sha256(original.subarray(start, end)).toString('hex') === theirs[slot];
			if (unchanged && theirsValid) {
				compared++;
				if (ours[slot] !== theirs[slot]) t.fail(`page ${slot}: our hash differs from bun's`);
			}
		}
		t.log(`${compared} of ${theirs.length} page hashes compared identical to bun's signature`);
		t.true(compared >= theirs.length - 2);
	});
}
