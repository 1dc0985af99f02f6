/**
 * Ad-hoc code signatures of thin 64-bit Mach-O executables, checked and written without a Mac.
 *
 * Why: `bun build --compile --target=bun-darwin-*` writes the bundled program into the
 * executable after the runtime was signed, so the embedded signature can be stale. macOS on
 * Apple silicon kills a binary whose signature does not match its pages, and a stale signature
 * on x86_64 fails `codesign --verify` and Gatekeeper. The release pipeline re-signs ad hoc with
 * adHocSign and proves the result with verifyCodeSignature.
 *
 * Layouts (facts, from Apple's <mach-o/loader.h> and xnu osfmk/kern/cs_blobs.h):
 *
 * Mach-O (little-endian on x86_64 and arm64):
 *   mach_header_64 (32 bytes): magic u32 @0 (MH_MAGIC_64 0xfeedfacf), cputype i32 @4,
 *     cpusubtype i32 @8, filetype u32 @12, ncmds u32 @16, sizeofcmds u32 @20, flags u32 @24,
 *     reserved u32 @28. Load commands follow at 32; each starts with cmd u32, cmdsize u32.
 *   segment_command_64 (LC_SEGMENT_64 0x19, 72 bytes): segname char[16] @8, vmaddr u64 @24,
 *     vmsize u64 @32, fileoff u64 @40, filesize u64 @48, maxprot i32 @56, initprot i32 @60,
 *     nsects u32 @64, flags u32 @68; then nsects section_64 (80 bytes each): sectname char[16] @0,
 *     segname char[16] @16, addr u64 @32, size u64 @40, offset u32 @48, align u32 @52,
 *     reloff u32 @56, nreloc u32 @60, flags u32 @64, reserved1..3 u32 @68..@76.
 *   linkedit_data_command (LC_CODE_SIGNATURE 0x1d, 16 bytes): dataoff u32 @8, datasize u32 @12.
 *
 * Embedded signature (big-endian, at dataoff):
 *   SuperBlob: magic u32 (CSMAGIC_EMBEDDED_SIGNATURE 0xfade0cc0), length u32, count u32, then
 *     count × BlobIndex {type u32, offset u32}; offsets are from the SuperBlob start.
 *     Slot types: 0 CodeDirectory, 1 Info.plist, 2 Requirements, 3 resource dir, 4 application,
 *     5 entitlements, 7 DER entitlements, 0x1000..0x1004 alternate CodeDirectories,
 *     0x10000 CMS signature (CSMAGIC_BLOBWRAPPER 0xfade0b01).
 *   Every blob starts with magic u32, length u32 (length includes this header).
 *   Requirements (CSMAGIC_REQUIREMENTS 0xfade0c01): magic, length, count u32, count × {type, offset}.
 *   CodeDirectory (CSMAGIC_CODEDIRECTORY 0xfade0c02):
 *     @0 magic, @4 length, @8 version, @12 flags, @16 hashOffset, @20 identOffset,
 *     @24 nSpecialSlots, @28 nCodeSlots, @32 codeLimit, @36 hashSize u8, @37 hashType u8,
 *     @38 platform u8, @39 pageSize u8 (log2; 0 = one unbounded page), @40 spare2 u32,
 *     version >= 0x20100: @44 scatterOffset u32
 *     version >= 0x20200: @48 teamOffset u32
 *     version >= 0x20300: @52 spare3 u32, @56 codeLimit64 u64
 *     version >= 0x20400: @64 execSegBase u64, @72 execSegLimit u64, @80 execSegFlags u64
 *     version >= 0x20500: @88 runtime u32, @92 preEncryptOffset u32
 *     version >= 0x20600: @96 linkage fields (12 bytes)
 *     Code slot i (hash of page i of [0, codeLimit)) is at hashOffset + i*hashSize; special slot
 *     -n (hash of the blob of slot type n) is at hashOffset - n*hashSize.
 *     hashType: 1 SHA-1 (20 bytes), 2 SHA-256 (32), 3 SHA-256 truncated to 20, 4 SHA-384 (48).
 *
 * What adHocSign writes is what `codesign -s - --identifier <id>` writes for a thin executable
 * targeting a current macOS: a SuperBlob with one SHA-256 CodeDirectory (version 0x20400,
 * flags CS_ADHOC 0x2 only: no linker-signed flag and no hardened-runtime flag, since the runtime
 * flag only matters for notarization, which needs a real identity anyway), an empty Requirements
 * blob (count 0) whose hash goes into special slot -2, special slot -1 (Info.plist) left zero, and
 * an empty CMS wrapper (0xfade0b01, length 8). Pages are 4096 bytes; codeLimit is where the
 * signature starts; execSegBase/Limit are __TEXT's fileoff/filesize; execSegFlags is
 * CS_EXECSEG_MAIN_BINARY (0x1) for MH_EXECUTE.
 *
 * A binary without LC_CODE_SIGNATURE gets one when the header padding before the first section
 * has 16 zero bytes to hold it (as `codesign` does); otherwise adHocSign throws.
 */
import {createHash} from 'node:crypto';

const MH_MAGIC_64 = 0xfe_ed_fa_cf;
const MH_CIGAM_64 = 0xcf_fa_ed_fe;
const MH_MAGIC = 0xfe_ed_fa_ce;
const MH_CIGAM = 0xce_fa_ed_fe;
const FAT_MAGIC = 0xca_fe_ba_be;
const FAT_CIGAM = 0xbe_ba_fe_ca;
const FAT_MAGIC_64 = 0xca_fe_ba_bf;
const FAT_CIGAM_64 = 0xbf_ba_fe_ca;

const MH_EXECUTE = 0x2;
const CPU_TYPE_X86_64 = 0x01_00_00_07;
const CPU_TYPE_ARM64 = 0x01_00_00_0c;
const CPU_SUBTYPE_ARM64E = 2;

const LC_SEGMENT_64 = 0x19;
const LC_CODE_SIGNATURE = 0x1d;
const MACH_HEADER_64_SIZE = 32;
const SEGMENT_64_SIZE = 72;
const SECTION_64_SIZE = 80;
const LINKEDIT_DATA_SIZE = 16;
const S_ZEROFILL = 0x1;
const S_GB_ZEROFILL = 0xc;
const S_THREAD_LOCAL_ZEROFILL = 0x12;

const CSMAGIC_EMBEDDED_SIGNATURE = 0xfa_de_0c_c0;
const CSMAGIC_CODEDIRECTORY = 0xfa_de_0c_02;
const CSMAGIC_REQUIREMENTS = 0xfa_de_0c_01;
const CSMAGIC_BLOBWRAPPER = 0xfa_de_0b_01;
const CSSLOT_CODEDIRECTORY = 0;
const CSSLOT_INFOSLOT = 1;
const CSSLOT_REQUIREMENTS = 2;
const CSSLOT_ENTITLEMENTS = 5;
const CSSLOT_DER_ENTITLEMENTS = 7;
const CSSLOT_ALTERNATE_CODEDIRECTORIES = 0x10_00;
const CSSLOT_ALTERNATE_CODEDIRECTORY_MAX = 5;
const CSSLOT_SIGNATURESLOT = 0x1_00_00;
const CS_ADHOC = 0x2;
const CS_EXECSEG_MAIN_BINARY = 0x1;
const CS_SUPPORTSSCATTER = 0x2_01_00;
const CS_SUPPORTSTEAMID = 0x2_02_00;
const CS_SUPPORTSCODELIMIT64 = 0x2_03_00;
const CS_SUPPORTSEXECSEG = 0x2_04_00;
const CS_SUPPORTSRUNTIME = 0x2_05_00;
const CS_SUPPORTSLINKAGE = 0x2_06_00;
const CS_EARLIEST_VERSION = 0x2_00_01;

/** The CodeDirectory version adHocSign writes, and its fixed header size (through execSegFlags). */
const SIGN_VERSION = CS_SUPPORTSEXECSEG;
const SIGN_HEADER_SIZE = 88;
const SIGN_PAGE_SHIFT = 12;
const SIGN_PAGE_SIZE = 1 << SIGN_PAGE_SHIFT;
/** Special slots written: -1 Info.plist (zero: no Info.plist), -2 Requirements. */
const SIGN_SPECIAL_SLOTS = 2;
const EMPTY_REQUIREMENTS = Buffer.from([0xfa, 0xde, 0x0c, 0x01, 0, 0, 0, 12, 0, 0, 0, 0]);
const EMPTY_BLOB_WRAPPER = Buffer.from([0xfa, 0xde, 0x0b, 0x01, 0, 0, 0, 8]);

type HashType = {name: string; size: number; algorithm: string};
const HASH_TYPES: Record<number, HashType> = {
	1: {name: 'sha1', size: 20, algorithm: 'sha1'},
	2: {name: 'sha256', size: 32, algorithm: 'sha256'},
	3: {name: 'sha256-truncated', size: 20, algorithm: 'sha256'},
	4: {name: 'sha384', size: 48, algorithm: 'sha384'},
};

export type CodeDirectoryReport = {
	/** 'sha1', 'sha256', 'sha256-truncated', 'sha384', or 'unknown(N)'. */
	hashType: 'sha1' | 'sha256' | string;
	/** Bytes per hashed page; 0 means the whole [0, codeLimit) is one page. */
	pageSize: number;
	codeLimit: number;
	nCodeSlots: number;
	nSpecialSlots: number;
	identifier: string;
	flags: number;
	/** Pages of [0, codeLimit) whose slot hash is wrong or missing, plus slots past codeLimit. */
	badPages: number;
};

export type CodeSignatureReport = {
	ok: boolean;
	problems: string[];
	/** 'x86_64', 'arm64', 'arm64e', or 'cputype 0x…'; 'unknown' when the header is unreadable. */
	arch: 'x86_64' | 'arm64' | string;
	codeDirectories: CodeDirectoryReport[];
};

/** Thrown (inside this module) for structure that cannot be read; verify turns it into a problem. */
class MachOError extends Error {}

type Section = {sectname: string; segname: string; offset: number; size: number; flags: number};
type Segment = {name: string; commandOffset: number; vmaddr: number; vmsize: number; fileoff: number; filesize: number; initprot: number; sections: Section[]};
type MachO = {
	cputype: number;
	cpusubtype: number;
	arch: string;
	filetype: number;
	ncmds: number;
	sizeofcmds: number;
	segments: Segment[];
	/** Every LC_CODE_SIGNATURE seen (more than one is malformed). */
	codeSignatures: Array<{commandOffset: number; dataoff: number; datasize: number}>;
};

const hex = (n: number): string => `0x${n.toString(16)}`;
const align = (n: number, to: number): number => Math.ceil(n / to) * to;
const u64le = (buf: Buffer, at: number): number => Number(buf.readBigUInt64LE(at));
const u64be = (buf: Buffer, at: number): number => Number(buf.readBigUInt64BE(at));

function asBuffer(file: Uint8Array): Buffer {
	return Buffer.isBuffer(file) ? file : Buffer.from(file.buffer, file.byteOffset, file.byteLength);
}

function cString(buf: Buffer, start: number, end: number): string {
	const slice = buf.subarray(start, end);
	const nul = slice.indexOf(0);
	return slice.subarray(0, nul === -1 ? slice.length : nul).toString('latin1');
}

function archName(cputype: number, cpusubtype: number): string {
	if (cputype === CPU_TYPE_X86_64) return 'x86_64';
	if (cputype === CPU_TYPE_ARM64) return (cpusubtype & 0xff) === CPU_SUBTYPE_ARM64E ? 'arm64e' : 'arm64';
	return `cputype ${hex(cputype >>> 0)}`;
}

/** Parses the header and load commands of a thin little-endian 64-bit Mach-O; throws MachOError. */
function parseMachO(buf: Buffer): MachO {
	if (buf.length < 4) throw new MachOError(`not a Mach-O file: only ${buf.length} bytes`);
	const magicBE = buf.readUInt32BE(0);
	const magicLE = buf.readUInt32LE(0);
	if ([FAT_MAGIC, FAT_MAGIC_64].includes(magicBE) || [FAT_CIGAM, FAT_CIGAM_64].includes(magicBE)) {
		throw new MachOError('fat (universal) Mach-O: verify or sign each thin slice separately (lipo -thin)');
	}
	if (magicLE === MH_MAGIC || magicLE === MH_CIGAM) throw new MachOError('32-bit Mach-O is not supported: expected a thin 64-bit binary');
	if (magicLE === MH_CIGAM_64) throw new MachOError('big-endian 64-bit Mach-O is not supported');
	if (magicLE !== MH_MAGIC_64) throw new MachOError(`not a Mach-O file: magic ${hex(magicLE)}, expected ${hex(MH_MAGIC_64)}`);
	if (buf.length < MACH_HEADER_64_SIZE) throw new MachOError(`truncated Mach-O header: ${buf.length} of ${MACH_HEADER_64_SIZE} bytes`);
	const cputype = buf.readUInt32LE(4);
	const cpusubtype = buf.readUInt32LE(8);
	const filetype = buf.readUInt32LE(12);
	const ncmds = buf.readUInt32LE(16);
	const sizeofcmds = buf.readUInt32LE(20);
	const commandsEnd = MACH_HEADER_64_SIZE + sizeofcmds;
	const macho: MachO = {cputype, cpusubtype, arch: archName(cputype, cpusubtype), filetype, ncmds, sizeofcmds, segments: [], codeSignatures: []};
	if (commandsEnd > buf.length) throw new MachOError(`truncated load commands: sizeofcmds ${sizeofcmds} runs past the end of the ${buf.length}-byte file`);
	let at = MACH_HEADER_64_SIZE;
	for (let index = 0; index < ncmds; index++) {
		if (at + 8 > commandsEnd) throw new MachOError(`load command ${index} of ${ncmds} starts past sizeofcmds`);
		const cmd = buf.readUInt32LE(at);
		const cmdsize = buf.readUInt32LE(at + 4);
		if (cmdsize < 8 || cmdsize % 8 !== 0 || at + cmdsize > commandsEnd) throw new MachOError(`load command ${index} (cmd ${hex(cmd)}) has bad cmdsize ${cmdsize}`);
		if (cmd === LC_SEGMENT_64) {
			if (cmdsize < SEGMENT_64_SIZE) throw new MachOError(`LC_SEGMENT_64 at ${at} is too short (${cmdsize} bytes)`);
			const nsects = buf.readUInt32LE(at + 64);
			if (SEGMENT_64_SIZE + nsects * SECTION_64_SIZE > cmdsize) throw new MachOError(`LC_SEGMENT_64 at ${at} claims ${nsects} sections that do not fit in ${cmdsize} bytes`);
			const sections: Section[] = [];
			for (let s = 0; s < nsects; s++) {
				const sec = at + SEGMENT_64_SIZE + s * SECTION_64_SIZE;
				sections.push({sectname: cString(buf, sec, sec + 16), segname: cString(buf, sec + 16, sec + 32), size: u64le(buf, sec + 40), offset: buf.readUInt32LE(sec + 48), flags: buf.readUInt32LE(sec + 64)});
			}
			macho.segments.push({
				name: cString(buf, at + 8, at + 24),
				commandOffset: at,
				vmaddr: u64le(buf, at + 24),
				vmsize: u64le(buf, at + 32),
				fileoff: u64le(buf, at + 40),
				filesize: u64le(buf, at + 48),
				initprot: buf.readInt32LE(at + 60),
				sections,
			});
		} else if (cmd === LC_CODE_SIGNATURE) {
			if (cmdsize < LINKEDIT_DATA_SIZE) throw new MachOError(`LC_CODE_SIGNATURE at ${at} is too short (${cmdsize} bytes)`);
			macho.codeSignatures.push({commandOffset: at, dataoff: buf.readUInt32LE(at + 8), datasize: buf.readUInt32LE(at + 12)});
		}
		at += cmdsize;
	}
	return macho;
}

function hashPage(algorithm: string, size: number, data: Buffer): Buffer {
	return createHash(algorithm).update(data).digest().subarray(0, size);
}

/**
 * Checks the embedded code signature of a thin 64-bit Mach-O: every CodeDirectory's page hashes
 * against the file, codeLimit against the signature's offset, the Requirements/entitlements
 * special slots against their blobs, the signature's place (inside __LINKEDIT, at the end of the
 * file) and the exec-segment fields. Never throws for bad input: everything wrong is a problem.
 */
export function verifyCodeSignature(file: Buffer): CodeSignatureReport {
	const report: CodeSignatureReport = {ok: false, problems: [], arch: 'unknown', codeDirectories: []};
	try {
		verifyInto(asBuffer(file), report);
	} catch (error) {
		report.problems.push(error instanceof MachOError ? error.message : `unreadable signature structure: ${error instanceof Error ? error.message : String(error)}`);
	}
	report.ok = report.problems.length === 0;
	return report;
}

function verifyInto(buf: Buffer, report: CodeSignatureReport): void {
	const {problems} = report;
	const macho = parseMachO(buf);
	report.arch = macho.arch;
	if (macho.codeSignatures.length === 0) throw new MachOError('no LC_CODE_SIGNATURE load command: the binary is unsigned');
	if (macho.codeSignatures.length > 1) problems.push(`${macho.codeSignatures.length} LC_CODE_SIGNATURE load commands; expected one`);
	const {dataoff, datasize} = macho.codeSignatures[0]!;
	const dataEnd = dataoff + datasize;

	// Where the signature lies: inside __LINKEDIT and at the very end of the file.
	const linkedit = macho.segments.find((segment) => segment.name === '__LINKEDIT');
	if (!linkedit) problems.push('no __LINKEDIT segment');
	else if (dataoff < linkedit.fileoff || dataEnd > linkedit.fileoff + linkedit.filesize) {
		problems.push(`signature [${dataoff}, ${dataEnd}) is not inside __LINKEDIT [${linkedit.fileoff}, ${linkedit.fileoff + linkedit.filesize})`);
	}
	if (dataoff > buf.length) throw new MachOError(`signature offset ${dataoff} is past the end of the ${buf.length}-byte file (truncated?)`);
	if (dataEnd > buf.length) problems.push(`signature [${dataoff}, ${dataEnd}) runs ${dataEnd - buf.length} bytes past the end of the ${buf.length}-byte file (truncated?)`);
	else if (dataEnd < buf.length) problems.push(`${buf.length - dataEnd} bytes follow the signature; it must be at the end of the file`);
	if (dataoff % 16 !== 0) problems.push(`signature offset ${dataoff} is not 16-byte aligned`);

	// SuperBlob header and index.
	const sig = buf.subarray(dataoff, Math.min(dataEnd, buf.length));
	if (sig.length < 12) throw new MachOError(`signature is only ${sig.length} bytes: too short for a SuperBlob (truncated?)`);
	const sbMagic = sig.readUInt32BE(0);
	if (sbMagic !== CSMAGIC_EMBEDDED_SIGNATURE) throw new MachOError(`signature magic ${hex(sbMagic)}, expected embedded-signature SuperBlob ${hex(CSMAGIC_EMBEDDED_SIGNATURE)}`);
	const sbLength = sig.readUInt32BE(4);
	const count = sig.readUInt32BE(8);
	if (sbLength > sig.length) throw new MachOError(`SuperBlob length ${sbLength} exceeds the ${sig.length} signature bytes available (truncated?)`);
	if (12 + count * 8 > sbLength) throw new MachOError(`SuperBlob index of ${count} entries does not fit in its ${sbLength} bytes`);
	const blobs = new Map<number, Buffer>();
	for (let index = 0; index < count; index++) {
		const type = sig.readUInt32BE(12 + index * 8);
		const offset = sig.readUInt32BE(16 + index * 8);
		if (offset < 12 + count * 8 || offset + 8 > sbLength) {
			problems.push(`SuperBlob entry ${index} (slot ${hex(type)}) has offset ${offset} outside the blob area`);
			continue;
		}
		const length = sig.readUInt32BE(offset + 4);
		if (length < 8 || offset + length > sbLength) {
			problems.push(`blob in slot ${hex(type)} has length ${length}, outside the ${sbLength}-byte SuperBlob`);
			continue;
		}
		if (blobs.has(type)) problems.push(`SuperBlob lists slot ${hex(type)} twice`);
		blobs.set(type, sig.subarray(offset, offset + length));
	}

	const requirements = blobs.get(CSSLOT_REQUIREMENTS);
	if (requirements && requirements.readUInt32BE(0) !== CSMAGIC_REQUIREMENTS) problems.push(`Requirements blob has magic ${hex(requirements.readUInt32BE(0))}, expected ${hex(CSMAGIC_REQUIREMENTS)}`);
	const cms = blobs.get(CSSLOT_SIGNATURESLOT);
	if (cms && cms.readUInt32BE(0) !== CSMAGIC_BLOBWRAPPER) problems.push(`CMS signature slot has magic ${hex(cms.readUInt32BE(0))}, expected blob wrapper ${hex(CSMAGIC_BLOBWRAPPER)}`);

	const directories: Array<[string, Buffer]> = [];
	const primary = blobs.get(CSSLOT_CODEDIRECTORY);
	if (primary) directories.push(['CodeDirectory', primary]);
	else problems.push('SuperBlob has no CodeDirectory (slot 0)');
	for (let n = 0; n < CSSLOT_ALTERNATE_CODEDIRECTORY_MAX; n++) {
		const alternate = blobs.get(CSSLOT_ALTERNATE_CODEDIRECTORIES + n);
		if (alternate) directories.push([`alternate CodeDirectory ${n}`, alternate]);
	}
	for (const [label, blob] of directories) {
		const entry = verifyCodeDirectory(buf, macho, blob, blobs, dataoff, label, problems);
		if (entry) report.codeDirectories.push(entry);
	}
}

/** The largest CodeDirectory header a version defines (fields this module reads). */
function headerSizeFor(version: number): number {
	if (version >= CS_SUPPORTSLINKAGE) return 108;
	if (version >= CS_SUPPORTSRUNTIME) return 96;
	if (version >= CS_SUPPORTSEXECSEG) return 88;
	if (version >= CS_SUPPORTSCODELIMIT64) return 64;
	if (version >= CS_SUPPORTSTEAMID) return 52;
	if (version >= CS_SUPPORTSSCATTER) return 48;
	return 44;
}

function verifyCodeDirectory(buf: Buffer, macho: MachO, cd: Buffer, blobs: Map<number, Buffer>, dataoff: number, label: string, problems: string[]): CodeDirectoryReport | undefined {
	const magic = cd.readUInt32BE(0);
	if (magic !== CSMAGIC_CODEDIRECTORY) {
		problems.push(`${label}: magic ${hex(magic)}, expected ${hex(CSMAGIC_CODEDIRECTORY)}`);
		return undefined;
	}
	const length = cd.length;
	if (length < 44) {
		problems.push(`${label}: ${length} bytes, too short for a CodeDirectory header`);
		return undefined;
	}
	const version = cd.readUInt32BE(8);
	const flags = cd.readUInt32BE(12);
	const hashOffset = cd.readUInt32BE(16);
	const identOffset = cd.readUInt32BE(20);
	const nSpecialSlots = cd.readUInt32BE(24);
	const nCodeSlots = cd.readUInt32BE(28);
	const codeLimit32 = cd.readUInt32BE(32);
	const hashSize = cd.readUInt8(36);
	const hashTypeId = cd.readUInt8(37);
	const pageShift = cd.readUInt8(39);
	const hashType = HASH_TYPES[hashTypeId];
	const headerSize = headerSizeFor(version);
	const entry: CodeDirectoryReport = {hashType: hashType?.name ?? `unknown(${hashTypeId})`, pageSize: pageShift === 0 ? 0 : 2 ** pageShift, codeLimit: codeLimit32, nCodeSlots, nSpecialSlots, identifier: '', flags, badPages: 0};
	const name = `${label} (${entry.hashType})`;
	if (version < CS_EARLIEST_VERSION) problems.push(`${name}: version ${hex(version)} is older than the earliest supported ${hex(CS_EARLIEST_VERSION)}`);
	if (headerSize > length) {
		problems.push(`${name}: version ${hex(version)} needs a ${headerSize}-byte header but the blob is ${length} bytes`);
		return entry;
	}
	if (identOffset < headerSize || identOffset >= length || cd.indexOf(0, identOffset) === -1) problems.push(`${name}: identifier offset ${identOffset} is outside the CodeDirectory or unterminated`);
	else entry.identifier = cString(cd, identOffset, length);
	if (version >= CS_SUPPORTSSCATTER && cd.readUInt32BE(44) !== 0) problems.push(`${name}: scatter vectors are not supported in a Mach-O signature`);
	if (version >= CS_SUPPORTSTEAMID) {
		const teamOffset = cd.readUInt32BE(48);
		if (teamOffset !== 0 && (teamOffset < headerSize || teamOffset >= length || cd.indexOf(0, teamOffset) === -1)) problems.push(`${name}: team identifier offset ${teamOffset} is outside the CodeDirectory or unterminated`);
	}
	let codeLimit = codeLimit32;
	if (version >= CS_SUPPORTSCODELIMIT64) {
		const codeLimit64 = u64be(cd, 56);
		if (codeLimit64 !== 0) codeLimit = codeLimit64;
	}
	entry.codeLimit = codeLimit;
	if (!hashType) {
		problems.push(`${name}: unknown hash type ${hashTypeId}`);
		return entry;
	}
	if (hashSize !== hashType.size) {
		problems.push(`${name}: hashSize ${hashSize}, expected ${hashType.size}`);
		return entry;
	}
	if (pageShift > 31) {
		problems.push(`${name}: page size 2^${pageShift} is absurd`);
		return entry;
	}
	if (hashOffset < headerSize + nSpecialSlots * hashSize || hashOffset + nCodeSlots * hashSize > length) {
		problems.push(`${name}: hash slots [-${nSpecialSlots}, ${nCodeSlots}) at offset ${hashOffset} do not fit in the ${length}-byte CodeDirectory`);
		return entry;
	}
	if (!(flags & CS_ADHOC)) {
		const cms = blobs.get(CSSLOT_SIGNATURESLOT);
		if (!cms || cms.length <= 8) problems.push(`${name}: not ad hoc (flags ${hex(flags)}) but the signature has no CMS signature`);
	}

	// Code slots: slot i is the hash of [i*pageSize, min((i+1)*pageSize, codeLimit)).
	if (codeLimit !== dataoff) problems.push(`${name}: codeLimit ${codeLimit} != signature offset ${dataoff}; the signature must cover every byte before it`);
	const pageSize = entry.pageSize === 0 ? Math.max(codeLimit, 1) : entry.pageSize;
	const expectedSlots = Math.ceil(codeLimit / pageSize);
	if (nCodeSlots !== expectedSlots) problems.push(`${name}: ${nCodeSlots} code slots, but codeLimit ${codeLimit} in ${pageSize}-byte pages needs ${expectedSlots}`);
	const badPages: number[] = [];
	const checkedSlots = Math.min(nCodeSlots, expectedSlots);
	for (let slot = 0; slot < checkedSlots; slot++) {
		const start = slot * pageSize;
		const end = Math.min(start + pageSize, codeLimit);
		const at = hashOffset + slot * hashSize;
		if (end > buf.length || !hashPage(hashType.algorithm, hashSize, buf.subarray(start, end)).equals(cd.subarray(at, at + hashSize))) badPages.push(slot);
	}
	entry.badPages = badPages.length + Math.abs(nCodeSlots - expectedSlots);
	if (codeLimit > buf.length) problems.push(`${name}: codeLimit ${codeLimit} is past the end of the ${buf.length}-byte file (truncated?)`);
	if (badPages.length > 0) {
		const shown = badPages.length <= 6 ? badPages.join(', ') : `${badPages.slice(0, 3).join(', ')}, …, ${badPages.slice(-3).join(', ')}`;
		problems.push(`${name}: ${badPages.length} of ${checkedSlots} page hashes do not match the file (pages ${shown})`);
	}

	// Special slots: slot -n holds the hash of the blob in SuperBlob slot n (zero when absent).
	const special = (slot: number): Buffer | undefined => (slot <= nSpecialSlots ? cd.subarray(hashOffset - slot * hashSize, hashOffset - (slot - 1) * hashSize) : undefined);
	const isZero = (bytes: Buffer): boolean => bytes.every((byte) => byte === 0);
	for (const [slot, what] of [[CSSLOT_REQUIREMENTS, 'Requirements'], [CSSLOT_ENTITLEMENTS, 'entitlements'], [CSSLOT_DER_ENTITLEMENTS, 'DER entitlements']] as const) {
		const blob = blobs.get(slot);
		const stored = special(slot);
		if (blob) {
			if (!stored) problems.push(`${name}: has a ${what} blob but only ${nSpecialSlots} special slots, so nothing binds it`);
			else if (!hashPage(hashType.algorithm, hashSize, blob).equals(stored)) problems.push(`${name}: special slot -${slot} does not match the ${what} blob`);
		} else if (stored && !isZero(stored)) problems.push(`${name}: special slot -${slot} holds a ${what} hash but the signature has no ${what} blob`);
	}
	// Info slot (-1): a thin tool's Info.plist can only be the embedded __TEXT,__info_plist section.
	const infoStored = special(CSSLOT_INFOSLOT);
	if (infoStored) {
		const plist = macho.segments.flatMap((segment) => segment.sections).find((section) => section.segname === '__TEXT' && section.sectname === '__info_plist');
		if (plist) {
			if (plist.offset + plist.size > buf.length || !hashPage(hashType.algorithm, hashSize, buf.subarray(plist.offset, plist.offset + plist.size)).equals(infoStored)) problems.push(`${name}: special slot -1 does not match the embedded __info_plist`);
		} else if (!isZero(infoStored)) problems.push(`${name}: special slot -1 holds an Info.plist hash but the binary embeds no __info_plist`);
	}

	// Exec segment (version >= 0x20400): the executable __TEXT range and whether this is a main binary.
	if (version >= CS_SUPPORTSEXECSEG) {
		const execSegBase = u64be(cd, 64);
		const execSegLimit = u64be(cd, 72);
		const execSegFlags = u64be(cd, 80);
		const text = macho.segments.find((segment) => segment.name === '__TEXT');
		if (execSegBase + execSegLimit > codeLimit) problems.push(`${name}: exec segment [${execSegBase}, ${execSegBase + execSegLimit}) runs past codeLimit ${codeLimit}`);
		if (text && (execSegBase !== text.fileoff || execSegLimit !== text.filesize)) problems.push(`${name}: execSegBase/Limit ${execSegBase}/${execSegLimit} do not match __TEXT fileoff/filesize ${text.fileoff}/${text.filesize}`);
		const main = (execSegFlags & CS_EXECSEG_MAIN_BINARY) !== 0;
		if (main !== (macho.filetype === MH_EXECUTE)) problems.push(`${name}: execSegFlags ${hex(execSegFlags)} ${main ? 'marks a non-executable as main binary' : 'lack the main-binary flag of an executable'}`);
	}
	return entry;
}

/** Where the first byte of file content after the load commands is (sections, or segments not mapping the header). */
function firstContentOffset(macho: MachO, fileLength: number): number {
	let first = fileLength;
	for (const segment of macho.segments) {
		if (segment.filesize > 0 && segment.fileoff > 0) first = Math.min(first, segment.fileoff);
		for (const section of segment.sections) {
			const zerofill = [S_ZEROFILL, S_GB_ZEROFILL, S_THREAD_LOCAL_ZEROFILL].includes(section.flags & 0xff);
			if (!zerofill && section.size > 0 && section.offset > 0) first = Math.min(first, section.offset);
		}
	}
	return first;
}

/**
 * Returns an ad-hoc signed copy of a thin 64-bit Mach-O (see the module comment for exactly what
 * is written). Keeps the existing signature offset (moved up to 16-byte alignment if needed) and,
 * when the new signature is larger than the LC_CODE_SIGNATURE space, grows the space and the
 * file, updating datasize and __LINKEDIT's filesize and vmsize. Deterministic: signing a signed
 * output again returns identical bytes. Throws an Error when the input cannot be signed.
 */
export function adHocSign(file: Buffer, options: {identifier: string}): Buffer {
	const input = asBuffer(file);
	const {identifier} = options;
	if (identifier.length === 0 || identifier.includes('\0')) throw new Error('adHocSign: identifier must be non-empty and contain no NUL');
	let macho: MachO;
	try {
		macho = parseMachO(input);
	} catch (error) {
		throw new Error(`adHocSign: ${(error as Error).message}`, {cause: error});
	}
	const text = macho.segments.find((segment) => segment.name === '__TEXT');
	const linkedit = macho.segments.find((segment) => segment.name === '__LINKEDIT');
	if (!text) throw new Error('adHocSign: no __TEXT segment');
	if (!linkedit) throw new Error('adHocSign: no __LINKEDIT segment to hold the signature');
	for (const segment of macho.segments) {
		if (segment === linkedit) continue;
		if (segment.filesize > 0 && segment.fileoff + segment.filesize > linkedit.fileoff) throw new Error(`adHocSign: segment ${segment.name} lies after __LINKEDIT in the file; __LINKEDIT must be last`);
		if (segment.vmsize > 0 && segment.vmaddr > linkedit.vmaddr) throw new Error(`adHocSign: segment ${segment.name} lies after __LINKEDIT in memory; __LINKEDIT cannot grow`);
	}
	if (macho.codeSignatures.length > 1) throw new Error('adHocSign: more than one LC_CODE_SIGNATURE');

	const existing = macho.codeSignatures[0];
	const header = Buffer.alloc(MACH_HEADER_64_SIZE + macho.sizeofcmds + (existing ? 0 : LINKEDIT_DATA_SIZE));
	input.copy(header, 0, 0, MACH_HEADER_64_SIZE + macho.sizeofcmds);
	let commandOffset: number;
	let dataoff: number;
	let reserved: number;
	if (existing) {
		if (existing.dataoff < linkedit.fileoff || existing.dataoff > input.length) throw new Error(`adHocSign: signature offset ${existing.dataoff} is outside __LINKEDIT or the file`);
		const oldEnd = existing.dataoff + existing.datasize;
		if (input.length > oldEnd) throw new Error(`adHocSign: ${input.length - oldEnd} bytes follow the signature; refusing to drop them (was data appended after signing?)`);
		commandOffset = existing.commandOffset;
		dataoff = align(existing.dataoff, 16);
		reserved = existing.dataoff + existing.datasize - dataoff;
	} else {
		// Add LC_CODE_SIGNATURE in the header padding, as codesign does, if 16 zero bytes are there.
		const commandsEnd = MACH_HEADER_64_SIZE + macho.sizeofcmds;
		const room = firstContentOffset(macho, input.length) - commandsEnd;
		if (room < LINKEDIT_DATA_SIZE || !input.subarray(commandsEnd, commandsEnd + LINKEDIT_DATA_SIZE).every((byte) => byte === 0)) {
			throw new Error(`adHocSign: the binary has no LC_CODE_SIGNATURE and no room for a load command (${Math.max(room, 0)} bytes of header padding, ${LINKEDIT_DATA_SIZE} needed); relink with -headerpad or let the linker sign it`);
		}
		const linkeditEnd = linkedit.fileoff + linkedit.filesize;
		if (linkeditEnd !== input.length) throw new Error(`adHocSign: __LINKEDIT ends at ${linkeditEnd} but the file is ${input.length} bytes; the signature must go at the end`);
		commandOffset = commandsEnd;
		dataoff = align(input.length, 16);
		reserved = 0;
	}
	if (dataoff > 0xff_ff_ff_ff) throw new Error('adHocSign: binaries of 4 GiB or more are not supported');

	// Sizes first: the signature's size depends only on dataoff, never on the bytes it hashes.
	const identBytes = Buffer.from(`${identifier}\0`, 'utf8');
	const hashSize = 32;
	const nCodeSlots = Math.ceil(dataoff / SIGN_PAGE_SIZE);
	const hashOffset = SIGN_HEADER_SIZE + identBytes.length + SIGN_SPECIAL_SLOTS * hashSize;
	const cdLength = hashOffset + nCodeSlots * hashSize;
	const indexSize = 12 + 3 * 8;
	const superBlobLength = indexSize + cdLength + EMPTY_REQUIREMENTS.length + EMPTY_BLOB_WRAPPER.length;
	const datasize = reserved >= superBlobLength ? reserved : align(superBlobLength, 16);

	// Load commands: LC_CODE_SIGNATURE and __LINKEDIT now describe [dataoff, dataoff + datasize).
	if (!existing) {
		header.writeUInt32LE(macho.ncmds + 1, 16);
		header.writeUInt32LE(macho.sizeofcmds + LINKEDIT_DATA_SIZE, 20);
		header.writeUInt32LE(LC_CODE_SIGNATURE, commandOffset);
		header.writeUInt32LE(LINKEDIT_DATA_SIZE, commandOffset + 4);
	}
	header.writeUInt32LE(dataoff, commandOffset + 8);
	header.writeUInt32LE(datasize, commandOffset + 12);
	const linkeditFilesize = dataoff + datasize - linkedit.fileoff;
	const segmentPage = macho.cputype === CPU_TYPE_X86_64 ? 0x1000 : 0x4000;
	header.writeBigUInt64LE(BigInt(Math.max(linkedit.vmsize, align(linkeditFilesize, segmentPage))), linkedit.commandOffset + 32);
	header.writeBigUInt64LE(BigInt(linkeditFilesize), linkedit.commandOffset + 48);

	const out = Buffer.alloc(dataoff + datasize);
	input.copy(out, 0, 0, Math.min(dataoff, input.length));
	header.copy(out, 0);
	if (!existing) out.fill(0, input.length, dataoff);
	else out.fill(0, Math.min(existing.dataoff, input.length), dataoff); // alignment gap, if any, was old signature bytes

	// CodeDirectory (big-endian), version 0x20400.
	const cd = Buffer.alloc(cdLength);
	cd.writeUInt32BE(CSMAGIC_CODEDIRECTORY, 0);
	cd.writeUInt32BE(cdLength, 4);
	cd.writeUInt32BE(SIGN_VERSION, 8);
	cd.writeUInt32BE(CS_ADHOC, 12);
	cd.writeUInt32BE(hashOffset, 16);
	cd.writeUInt32BE(SIGN_HEADER_SIZE, 20); // identOffset: right after the header
	cd.writeUInt32BE(SIGN_SPECIAL_SLOTS, 24);
	cd.writeUInt32BE(nCodeSlots, 28);
	cd.writeUInt32BE(dataoff, 32); // codeLimit
	cd.writeUInt8(hashSize, 36);
	cd.writeUInt8(2, 37); // CS_HASHTYPE_SHA256
	cd.writeUInt8(0, 38); // platform
	cd.writeUInt8(SIGN_PAGE_SHIFT, 39);
	// @40 spare2, @44 scatterOffset, @48 teamOffset (none for ad hoc), @52 spare3, @56 codeLimit64: all 0.
	cd.writeBigUInt64BE(BigInt(text.fileoff), 64); // execSegBase
	cd.writeBigUInt64BE(BigInt(text.filesize), 72); // execSegLimit
	cd.writeBigUInt64BE(BigInt(macho.filetype === MH_EXECUTE ? CS_EXECSEG_MAIN_BINARY : 0), 80);
	identBytes.copy(cd, SIGN_HEADER_SIZE);
	// Special slot -1 (Info.plist) stays zero; -2 is the hash of the empty Requirements blob.
	createHash('sha256').update(EMPTY_REQUIREMENTS).digest().copy(cd, hashOffset - CSSLOT_REQUIREMENTS * hashSize);
	for (let slot = 0; slot < nCodeSlots; slot++) {
		const start = slot * SIGN_PAGE_SIZE;
		createHash('sha256').update(out.subarray(start, Math.min(start + SIGN_PAGE_SIZE, dataoff))).digest().copy(cd, hashOffset + slot * hashSize);
	}

	// SuperBlob: index sorted by slot type, blobs in the same order.
	const sig = out.subarray(dataoff);
	sig.writeUInt32BE(CSMAGIC_EMBEDDED_SIGNATURE, 0);
	sig.writeUInt32BE(superBlobLength, 4);
	sig.writeUInt32BE(3, 8);
	let at = indexSize;
	const entries: Array<[number, Buffer]> = [[CSSLOT_CODEDIRECTORY, cd], [CSSLOT_REQUIREMENTS, EMPTY_REQUIREMENTS], [CSSLOT_SIGNATURESLOT, EMPTY_BLOB_WRAPPER]];
	for (const [index, [type, blob]] of entries.entries()) {
		sig.writeUInt32BE(type, 12 + index * 8);
		sig.writeUInt32BE(at, 16 + index * 8);
		blob.copy(sig, at);
		at += blob.length;
	}
	sig.fill(0, at);
	return out;
}
