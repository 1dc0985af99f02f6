/**
 * Generated TLS material for the simulated API server: a self-signed CA, a server
 * certificate for localhost (DNS and IP subjectAltNames) and a client certificate for
 * client-certificate auth, all ECDSA P-256 / SHA-256. Built with a small DER encoder on
 * top of node:crypto so that strict verifiers (Go's crypto/x509 in kubectl, OpenSSL)
 * accept them without any dependency.
 */
import {createHash, generateKeyPairSync, randomBytes, sign, type KeyObject} from 'node:crypto';
import {isIPv4, isIPv6} from 'node:net';

export interface GeneratedTls {
	caCertPem: string;
	caKeyPem: string;
	serverCertPem: string;
	serverKeyPem: string;
	clientCertPem: string;
	clientKeyPem: string;
}

export interface TlsOptions {
	/** Subject CN of the server certificate (default `kubectl-assure-sim`). */
	commonName?: string;
	/** Extra DNS subjectAltNames besides `localhost`. */
	dnsNames?: string[];
	/** Extra IP subjectAltNames besides 127.0.0.1 and ::1. */
	ipAddresses?: string[];
	/** Days from `now` until the certificates expire (default 365). */
	validDays?: number;
	/** The clock (default: the current time). */
	now?: Date;
	/** Subject CN of the client certificate, i.e. the Kubernetes user (default `admin`). */
	clientUser?: string;
}

export const CA_COMMON_NAME = 'kubectl-assure-sim-ca';
const DEFAULT_SERVER_CN = 'kubectl-assure-sim';
const CLIENT_GROUP = 'system:masters';
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

// ---- DER primitives -----------------------------------------------------------------

/** The DER length octets: short form below 128, else 0x80|n followed by n big-endian bytes. */
export function derLength(length: number): Buffer {
	if (!Number.isSafeInteger(length) || length < 0) throw new RangeError(`bad DER length ${length}`);
	if (length < 0x80) return Buffer.from([length]);
	const bytes: number[] = [];
	for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
	return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** One tag-length-value with the given (single-byte) tag. */
export function derTlv(tag: number, content: Uint8Array): Buffer {
	return Buffer.concat([Buffer.from([tag]), derLength(content.length), content]);
}

export function derSequence(...items: Uint8Array[]): Buffer {
	return derTlv(0x30, Buffer.concat(items));
}

/** A SET OF; DER orders the elements by their encodings. */
export function derSet(...items: Uint8Array[]): Buffer {
	const sorted = items.map((item) => Buffer.from(item)).sort(Buffer.compare);
	return derTlv(0x31, Buffer.concat(sorted));
}

/** INTEGER from a bigint or number, minimal two's complement. */
export function derInteger(value: bigint | number): Buffer {
	let n = BigInt(value);
	const bytes: number[] = [];
	if (n >= 0n) {
		do {
			bytes.unshift(Number(n & 0xffn));
			n >>= 8n;
		} while (n > 0n);
		if (bytes[0]! & 0x80) bytes.unshift(0x00);
	} else {
		do {
			bytes.unshift(Number(n & 0xffn));
			n >>= 8n;
		} while (n < -1n);
		if (!(bytes[0]! & 0x80)) bytes.unshift(0xff);
	}
	return derTlv(0x02, Buffer.from(bytes));
}

/** INTEGER from unsigned big-endian magnitude bytes (e.g. a serial number). */
export function derUnsignedInteger(magnitude: Uint8Array): Buffer {
	let start = 0;
	while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
	const trimmed = magnitude.length === 0 ? Buffer.from([0]) : Buffer.from(magnitude.subarray(start));
	return derTlv(0x02, trimmed[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
}

/** OBJECT IDENTIFIER from dotted text; arcs after the first two are base-128. */
export function derOid(oid: string): Buffer {
	const arcs = oid.split('.').map((part) => {
		if (!/^\d+$/.test(part)) throw new Error(`bad OID ${oid}`);
		return BigInt(part);
	});
	if (arcs.length < 2 || arcs[0]! > 2n || (arcs[0]! < 2n && arcs[1]! > 39n)) throw new Error(`bad OID ${oid}`);
	const body: number[] = [];
	const first = arcs[0]! * 40n + arcs[1]!;
	for (const arc of [first, ...arcs.slice(2)]) {
		const chunk: number[] = [Number(arc & 0x7fn)];
		for (let rest = arc >> 7n; rest > 0n; rest >>= 7n) chunk.unshift(Number(rest & 0x7fn) | 0x80);
		body.push(...chunk);
	}
	return derTlv(0x06, Buffer.from(body));
}

/** BIT STRING of whole bytes (unused-bits byte 0). */
export function derBitString(bytes: Uint8Array, unusedBits = 0): Buffer {
	if (unusedBits < 0 || unusedBits > 7 || (bytes.length === 0 && unusedBits !== 0)) throw new RangeError('bad unused bits');
	return derTlv(0x03, Buffer.concat([Buffer.from([unusedBits]), bytes]));
}

/** A named-bit BIT STRING (bit 0 = most significant bit of the first byte), trailing zeros dropped. */
export function derNamedBits(bits: number[]): Buffer {
	if (bits.length === 0) return derBitString(Buffer.alloc(0));
	const highest = Math.max(...bits);
	const bytes = Buffer.alloc(Math.floor(highest / 8) + 1);
	for (const bit of bits) bytes[bit >> 3]! |= 0x80 >> (bit & 7);
	return derBitString(bytes, 7 - (highest & 7));
}

export function derOctetString(bytes: Uint8Array): Buffer {
	return derTlv(0x04, bytes);
}

export function derBoolean(value: boolean): Buffer {
	return derTlv(0x01, Buffer.from([value ? 0xff : 0x00]));
}

export function derUtf8String(text: string): Buffer {
	return derTlv(0x0c, Buffer.from(text, 'utf8'));
}

/** Context-specific explicit tag [n] (constructed) around one encoding. */
export function derExplicit(tagNumber: number, inner: Uint8Array): Buffer {
	if (tagNumber > 30) throw new RangeError('tag too large');
	return derTlv(0xa0 | tagNumber, inner);
}

/** Context-specific implicit primitive tag [n] with raw content. */
export function derImplicit(tagNumber: number, content: Uint8Array): Buffer {
	if (tagNumber > 30) throw new RangeError('tag too large');
	return derTlv(0x80 | tagNumber, content);
}

/** RFC 5280 Time: UTCTime for 1950–2049, GeneralizedTime otherwise; whole seconds, Zulu. */
export function derTime(date: Date): Buffer {
	const year = date.getUTCFullYear();
	if (!Number.isFinite(date.getTime()) || year < 0 || year > 9999) throw new RangeError('date out of range');
	const two = (n: number): string => String(n).padStart(2, '0');
	const rest = two(date.getUTCMonth() + 1) + two(date.getUTCDate()) + two(date.getUTCHours()) + two(date.getUTCMinutes()) + two(date.getUTCSeconds()) + 'Z';
	if (year >= 1950 && year < 2050) return derTlv(0x17, Buffer.from(two(year % 100) + rest, 'ascii'));
	return derTlv(0x18, Buffer.from(String(year).padStart(4, '0') + rest, 'ascii'));
}

/** Splits one TLV at the start of `bytes` (single-byte tags only; enough to read SPKI). */
export function derRead(bytes: Uint8Array): {tag: number; content: Buffer; rest: Buffer} {
	const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	if (buffer.length < 2) throw new Error('truncated DER');
	const tag = buffer[0]!;
	let length = buffer[1]!;
	let offset = 2;
	if (length & 0x80) {
		const count = length & 0x7f;
		if (count === 0 || count > 4 || buffer.length < 2 + count) throw new Error('bad DER length');
		length = 0;
		for (let i = 0; i < count; i++) length = length * 256 + buffer[2 + i]!;
		offset += count;
	}
	if (buffer.length < offset + length) throw new Error('truncated DER');
	return {tag, content: buffer.subarray(offset, offset + length), rest: buffer.subarray(offset + length)};
}

// ---- X.509 --------------------------------------------------------------------------

const OID = {
	ecdsaWithSha256: '1.2.840.10045.4.3.2',
	commonName: '2.5.4.3',
	organization: '2.5.4.10',
	subjectKeyIdentifier: '2.5.29.14',
	keyUsage: '2.5.29.15',
	subjectAltName: '2.5.29.17',
	basicConstraints: '2.5.29.19',
	authorityKeyIdentifier: '2.5.29.35',
	extKeyUsage: '2.5.29.37',
	serverAuth: '1.3.6.1.5.5.7.3.1',
	clientAuth: '1.3.6.1.5.5.7.3.2',
} as const;

// keyEncipherment (bit 2) is left out: it only means something for RSA key exchange.
const KEY_USAGE = {digitalSignature: 0, keyCertSign: 5, cRLSign: 6} as const;

/** IPv4 as 4 bytes, IPv6 (with `::` and a dotted IPv4 tail) as 16 bytes. */
export function ipToBytes(ip: string): Buffer {
	if (isIPv4(ip)) return Buffer.from(ip.split('.').map(Number));
	if (!isIPv6(ip)) throw new Error(`not an IP address: ${ip}`);
	let text = ip;
	const tail: number[] = [];
	const lastColon = text.lastIndexOf(':');
	const dotted = text.slice(lastColon + 1);
	if (isIPv4(dotted)) {
		const v4 = ipToBytes(dotted);
		tail.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
		const head = text.slice(0, lastColon + 1);
		text = head.endsWith('::') ? head : head.slice(0, -1);
	}
	const parseGroups = (part: string): number[] => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
	const halves = text.split('::');
	let groups: number[];
	if (halves.length === 2) {
		const head = parseGroups(halves[0]!);
		const back = parseGroups(halves[1]!);
		groups = [...head, ...new Array<number>(8 - tail.length - head.length - back.length).fill(0), ...back];
	} else {
		groups = parseGroups(text);
	}
	groups.push(...tail);
	if (groups.length !== 8) throw new Error(`not an IP address: ${ip}`);
	const out = Buffer.alloc(16);
	groups.forEach((group, i) => out.writeUInt16BE(group, i * 2));
	return out;
}

function name(attributes: Array<[oid: string, value: string]>): Buffer {
	return derSequence(...attributes.map(([oid, value]) => derSet(derSequence(derOid(oid), derUtf8String(value)))));
}

function extension(oid: string, critical: boolean, value: Uint8Array): Buffer {
	// DER omits DEFAULT values, so a non-critical extension carries no BOOLEAN.
	return critical ? derSequence(derOid(oid), derBoolean(true), derOctetString(value)) : derSequence(derOid(oid), derOctetString(value));
}

/** The subjectPublicKey bits of a SubjectPublicKeyInfo. */
function publicKeyBits(spki: Buffer): Buffer {
	const outer = derRead(spki);
	const algorithm = derRead(outer.content);
	const bits = derRead(algorithm.rest);
	if (outer.tag !== 0x30 || algorithm.tag !== 0x30 || bits.tag !== 0x03) throw new Error('unexpected SubjectPublicKeyInfo');
	return bits.content.subarray(1);
}

interface KeyPair {
	privateKey: KeyObject;
	spki: Buffer;
	keyId: Buffer;
	privatePem: string;
}

function newKeyPair(): KeyPair {
	const {privateKey, publicKey} = generateKeyPairSync('ec', {namedCurve: 'P-256'});
	const spki = publicKey.export({type: 'spki', format: 'der'});
	// RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits.
	const keyId = createHash('sha1').update(publicKeyBits(spki)).digest();
	return {privateKey, spki, keyId, privatePem: privateKey.export({type: 'pkcs8', format: 'pem'}).toString()};
}

/** A random positive 16-byte serial number (top bit cleared, never zero). */
function serialNumber(): Buffer {
	const serial = randomBytes(16);
	serial[0] = (serial[0]! & 0x7f) | 0x40;
	return serial;
}

interface CertSpec {
	subject: Buffer;
	issuer: Buffer;
	subjectKey: KeyPair;
	issuerKey: KeyPair;
	notBefore: Date;
	notAfter: Date;
	extensions: Buffer[];
}

function certificate(spec: CertSpec): string {
	const algorithm = derSequence(derOid(OID.ecdsaWithSha256));
	const tbs = derSequence(
		derExplicit(0, derInteger(2)),
		derUnsignedInteger(serialNumber()),
		algorithm,
		spec.issuer,
		derSequence(derTime(spec.notBefore), derTime(spec.notAfter)),
		spec.subject,
		spec.subjectKey.spki,
		derExplicit(3, derSequence(...spec.extensions)),
	);
	const signature = sign('sha256', tbs, spec.issuerKey.privateKey);
	return toPem('CERTIFICATE', derSequence(tbs, algorithm, derBitString(signature)));
}

function toPem(label: string, der: Buffer): string {
	const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
	return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

function checkDnsName(dns: string): string {
	if (dns === '' || !/^[\x21-\x7e]+$/.test(dns)) throw new Error(`bad DNS name: ${JSON.stringify(dns)}`);
	return dns.toLowerCase();
}

/** Generates a CA, a server certificate and a client certificate, each with its PEM key. */
export function generateTls(options: TlsOptions = {}): GeneratedTls {
	const now = options.now ?? new Date();
	const validDays = options.validDays ?? 365;
	if (!Number.isFinite(now.getTime())) throw new RangeError('invalid now');
	if (!(validDays > 0)) throw new RangeError('validDays must be positive');
	const notBefore = new Date(Math.floor((now.getTime() - HOUR_MS) / 1000) * 1000);
	const notAfter = new Date(Math.floor((now.getTime() + validDays * DAY_MS) / 1000) * 1000);

	const dnsNames = [...new Set(['localhost', ...(options.dnsNames ?? [])].map(checkDnsName))];
	const ipSeen = new Set<string>();
	const ipBytes: Buffer[] = [];
	for (const ip of ['127.0.0.1', '::1', ...(options.ipAddresses ?? [])]) {
		const bytes = ipToBytes(ip);
		if (ipSeen.has(bytes.toString('hex'))) continue;
		ipSeen.add(bytes.toString('hex'));
		ipBytes.push(bytes);
	}

	const caKey = newKeyPair();
	const serverKey = newKeyPair();
	const clientKey = newKeyPair();
	const caName = name([[OID.commonName, CA_COMMON_NAME]]);
	const authorityKeyId = extension(OID.authorityKeyIdentifier, false, derSequence(derImplicit(0, caKey.keyId)));
	const leafConstraints = extension(OID.basicConstraints, true, derSequence());

	const caCertPem = certificate({
		subject: caName,
		issuer: caName,
		subjectKey: caKey,
		issuerKey: caKey,
		notBefore,
		notAfter,
		extensions: [
			extension(OID.basicConstraints, true, derSequence(derBoolean(true))),
			extension(OID.keyUsage, true, derNamedBits([KEY_USAGE.digitalSignature, KEY_USAGE.keyCertSign, KEY_USAGE.cRLSign])),
			extension(OID.subjectKeyIdentifier, false, derOctetString(caKey.keyId)),
		],
	});

	/** A certificate the CA signs for a server or a client (`usage`: serverAuth or clientAuth). */
	const leafCertificate = (subject: Buffer, key: KeyPair, usage: string, extra: Buffer[] = []): string =>
		certificate({
			subject,
			issuer: caName,
			subjectKey: key,
			issuerKey: caKey,
			notBefore,
			notAfter,
			extensions: [
				leafConstraints,
				extension(OID.keyUsage, true, derNamedBits([KEY_USAGE.digitalSignature])),
				extension(OID.extKeyUsage, false, derSequence(derOid(usage))),
				extension(OID.subjectKeyIdentifier, false, derOctetString(key.keyId)),
				authorityKeyId,
				...extra,
			],
		});
	const serverCertPem = leafCertificate(name([[OID.commonName, options.commonName ?? DEFAULT_SERVER_CN]]), serverKey, OID.serverAuth, [
		extension(
			OID.subjectAltName,
			false,
			derSequence(...dnsNames.map((dns) => derImplicit(2, Buffer.from(dns, 'ascii'))), ...ipBytes.map((bytes) => derImplicit(7, bytes))),
		),
	]);
	const clientCertPem = leafCertificate(
		name([
			[OID.organization, CLIENT_GROUP],
			[OID.commonName, options.clientUser ?? 'admin'],
		]),
		clientKey,
		OID.clientAuth,
	);

	return {
		caCertPem,
		caKeyPem: caKey.privatePem,
		serverCertPem,
		serverKeyPem: serverKey.privatePem,
		clientCertPem,
		clientKeyPem: clientKey.privatePem,
	};
}
