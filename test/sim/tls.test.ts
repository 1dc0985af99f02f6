/**
 * Tests for source/sim/tls.ts: the DER primitives byte for byte, and the generated
 * certificates as parsed and verified by OpenSSL (CLI and node:crypto), by node's TLS
 * client and server, and by the real kubectl (Go crypto/x509) when it is installed.
 */
import test from 'ava';
import fc from 'fast-check';
import {execFile, spawnSync} from 'node:child_process';
import {X509Certificate, createPrivateKey} from 'node:crypto';
import {existsSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import https from 'node:https';
import type {AddressInfo} from 'node:net';
import {tmpdir} from 'node:os';
import {delimiter, join} from 'node:path';
import {
	derBitString,
	derInteger,
	derLength,
	derNamedBits,
	derOid,
	derRead,
	derSet,
	derTime,
	derTlv,
	derUnsignedInteger,
	generateTls,
	ipToBytes,
	type GeneratedTls,
} from '../../source/sim/tls.js';

const OPENSSL = '/usr/bin/openssl';
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

// ---- DER primitives -----------------------------------------------------------------

test('derLength uses the short form up to 127 and the long form above', (t) => {
	t.is(hex(derLength(0)), '00');
	t.is(hex(derLength(127)), '7f');
	t.is(hex(derLength(128)), '8180');
	t.is(hex(derLength(255)), '81ff');
	t.is(hex(derLength(256)), '820100');
	t.is(hex(derLength(65535)), '82ffff');
	t.is(hex(derLength(65536)), '83010000');
	t.throws(() => derLength(-1));
});

test('derTlv puts tag and length before long contents', (t) => {
	const encoded = derTlv(0x04, Buffer.alloc(300, 0xab));
	t.is(hex(encoded.subarray(0, 4)), '0482012c');
	t.is(encoded.length, 304);
	const read = derRead(encoded);
	t.is(read.tag, 0x04);
	t.is(read.content.length, 300);
	t.is(read.rest.length, 0);
});

test("derInteger is minimal two's complement", (t) => {
	t.is(hex(derInteger(0)), '020100');
	t.is(hex(derInteger(2)), '020102');
	t.is(hex(derInteger(127)), '02017f');
	t.is(hex(derInteger(128)), '02020080');
	t.is(hex(derInteger(255)), '020200ff');
	t.is(hex(derInteger(256)), '02020100');
	t.is(hex(derInteger(-1)), '0201ff');
	t.is(hex(derInteger(-128)), '020180');
	t.is(hex(derInteger(-129)), '0202ff7f');
	t.is(hex(derInteger(0x80n << 120n)), '021100' + '80' + '00'.repeat(15));
});

test('derInteger round-trips through an independent decoder and never pads needlessly', (t) => {
	fc.assert(
		fc.property(fc.bigInt({min: -(1n << 200n), max: 1n << 200n}), (value) => {
			const encoded = derInteger(value);
			const {tag, content, rest} = derRead(encoded);
			if (tag !== 0x02 || rest.length !== 0 || content.length === 0) return false;
			let decoded = BigInt('0x' + content.toString('hex'));
			if (content[0]! & 0x80) decoded -= 1n << BigInt(content.length * 8);
			// Minimal: the first 9 bits are never all zeros or all ones.
			const redundant = content.length > 1 && ((content[0] === 0 && !(content[1]! & 0x80)) || (content[0] === 0xff && content[1]! & 0x80));
			return decoded === value && !redundant;
		}),
	);
	t.pass();
});

test('derUnsignedInteger strips leading zeros and pads a high bit', (t) => {
	t.is(hex(derUnsignedInteger(Buffer.from([0x80, 0x01]))), '0203008001');
	t.is(hex(derUnsignedInteger(Buffer.from([0x00, 0x00, 0x05]))), '020105');
	t.is(hex(derUnsignedInteger(Buffer.from([0x00, 0x00]))), '020100');
	t.is(hex(derUnsignedInteger(Buffer.from([0x7f, 0xff]))), '02027fff');
});

test('derOid encodes arcs base-128', (t) => {
	t.is(hex(derOid('1.2.840.10045.2.1')), '06072a8648ce3d0201');
	t.is(hex(derOid('1.2.840.10045.4.3.2')), '06082a8648ce3d040302');
	t.is(hex(derOid('2.5.29.17')), '0603551d11');
	t.is(hex(derOid('1.3.6.1.5.5.7.3.1')), '06082b06010505070301');
	t.is(hex(derOid('2.999.3')), '0603883703');
	t.throws(() => derOid('1.40'));
	t.throws(() => derOid('3.1'));
	t.throws(() => derOid('1'));
	t.throws(() => derOid('1.2.x'));
});

test('derBitString and derNamedBits carry the unused-bits byte', (t) => {
	t.is(hex(derBitString(Buffer.from([0xab, 0xcd]))), '030300abcd');
	t.is(hex(derNamedBits([0, 5, 6])), '03020186');
	t.is(hex(derNamedBits([0])), '03020780');
	t.is(hex(derNamedBits([0, 8])), '0303078080');
	t.is(hex(derNamedBits([7])), '03020001');
	t.is(hex(derNamedBits([])), '030100');
});

test('derSet orders its elements by encoding', (t) => {
	t.is(hex(derSet(derInteger(3), derInteger(1), derInteger(2))), '3109020101020102020103');
});

test('derTime uses UTCTime before 2050 and GeneralizedTime from 2050', (t) => {
	const utc = derTime(new Date('2049-12-31T23:59:59.900Z'));
	t.is(utc[0], 0x17);
	t.is(utc.subarray(2).toString('ascii'), '491231235959Z');
	t.is(utc[1], 13);
	const generalized = derTime(new Date('2050-01-01T00:00:00Z'));
	t.is(generalized[0], 0x18);
	t.is(generalized[1], 15);
	t.is(generalized.subarray(2).toString('ascii'), '20500101000000Z');
	t.is(derTime(new Date('1999-03-04T05:06:07Z')).subarray(2).toString('ascii'), '990304050607Z');
	t.is(derTime(new Date('1949-03-04T05:06:07Z'))[0], 0x18);
});

test('ipToBytes encodes IPv4 as 4 bytes and IPv6 as 16', (t) => {
	t.is(hex(ipToBytes('127.0.0.1')), '7f000001');
	t.is(hex(ipToBytes('::1')), '00000000000000000000000000000001');
	t.is(hex(ipToBytes('::')), '0'.repeat(32));
	t.is(hex(ipToBytes('fe80::1:2')), 'fe800000000000000000000000010002');
	t.is(hex(ipToBytes('2001:db8:0:0:1:0:0:1')), '20010db8000000000001000000000001');
	t.is(hex(ipToBytes('::ffff:10.1.2.3')), '00000000000000000000ffff0a010203');
	t.is(hex(ipToBytes('1:2:3:4:5:6:7.8.9.10')), '0001000200030004000500060708090a');
	t.throws(() => ipToBytes('localhost'));
	t.throws(() => ipToBytes('256.0.0.1'));
	t.throws(() => ipToBytes('1::2::3'));
});

// ---- Generated certificates ---------------------------------------------------------

interface Parsed {
	ca: X509Certificate;
	server: X509Certificate;
	client: X509Certificate;
}

const parse = (tls: GeneratedTls): Parsed => ({
	ca: new X509Certificate(tls.caCertPem),
	server: new X509Certificate(tls.serverCertPem),
	client: new X509Certificate(tls.clientCertPem),
});

const pemToDer = (pem: string): Buffer => Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');

function withDir<T>(run: (dir: string) => T): T {
	const dir = mkdtempSync(join(tmpdir(), 'assure-tls-'));
	try {
		return run(dir);
	} finally {
		rmSync(dir, {recursive: true, force: true});
	}
}

function writeAll(dir: string, tls: GeneratedTls): void {
	writeFileSync(join(dir, 'ca.pem'), tls.caCertPem);
	writeFileSync(join(dir, 'server.pem'), tls.serverCertPem);
	writeFileSync(join(dir, 'client.pem'), tls.clientCertPem);
}

function openssl(...args: string[]): {status: number | null; output: string} {
	const result = spawnSync(OPENSSL, args, {encoding: 'utf8'});
	return {status: result.status, output: `${result.stdout}${result.stderr}`};
}

const sample = generateTls({dnsNames: ['sim.local', 'LOCALHOST'], ipAddresses: ['10.1.2.3', 'fd00::5', '127.0.0.1'], clientUser: 'jane'});

test('node:crypto parses the certificates and the chain verifies', (t) => {
	const {ca, server, client} = parse(sample);
	t.true(ca.ca);
	t.false(server.ca);
	t.false(client.ca);
	t.true(ca.verify(ca.publicKey));
	t.true(server.verify(ca.publicKey));
	t.true(client.verify(ca.publicKey));
	t.false(server.verify(server.publicKey));
	t.true(server.checkIssued(ca));
	t.true(client.checkIssued(ca));
	t.is(ca.subject, 'CN=kubectl-assure-sim-ca');
	t.is(server.issuer, ca.subject);
	t.true(server.checkPrivateKey(createPrivateKey(sample.serverKeyPem)));
	t.true(client.checkPrivateKey(createPrivateKey(sample.clientKeyPem)));
	t.true(ca.checkPrivateKey(createPrivateKey(sample.caKeyPem)));
	t.false(server.checkPrivateKey(createPrivateKey(sample.clientKeyPem)));
	t.is(server.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
});

test('the server certificate names localhost, the loopback IPs and the extra names', (t) => {
	const {server, client} = parse(sample);
	t.is(server.checkHost('localhost'), 'localhost');
	t.is(server.checkHost('sim.local'), 'sim.local');
	t.is(server.checkHost('other.example'), undefined);
	t.is(server.checkIP('127.0.0.1'), '127.0.0.1');
	t.is(server.checkIP('::1'), '::1');
	t.is(server.checkIP('10.1.2.3'), '10.1.2.3');
	t.truthy(server.checkIP('fd00::5'));
	t.is(server.checkIP('192.0.2.1'), undefined);
	const san = server.subjectAltName ?? '';
	// Duplicates (LOCALHOST, 127.0.0.1) appear once.
	t.is(san.match(/DNS:localhost/g)?.length, 1);
	t.is(san.match(/IP Address:127\.0\.0\.1/g)?.length, 1);
	t.deepEqual(server.keyUsage, ['1.3.6.1.5.5.7.3.1']);
	t.deepEqual(client.keyUsage, ['1.3.6.1.5.5.7.3.2']);
	t.is(client.subjectAltName, undefined);
});

test('the client certificate carries the user and the system:masters group', (t) => {
	const {client} = parse(sample);
	t.regex(client.subject, /^CN=jane$/m);
	t.regex(client.subject, /^O=system:masters$/m);
	t.regex(parse(generateTls()).client.subject, /^CN=admin$/m);
});

test('serial numbers are random, positive and 16 bytes', (t) => {
	const other = parse(generateTls());
	const serials = [...Object.values(parse(sample)), ...Object.values(other)].map((cert) => cert.serialNumber.toLowerCase());
	t.is(new Set(serials).size, serials.length);
	for (const serial of serials) {
		t.regex(serial, /^[0-7][0-9a-f]{31}$/);
	}
});

test('validity runs from an hour before now to validDays after', (t) => {
	const now = new Date('2031-06-15T12:00:00.750Z');
	const {ca, server, client} = parse(generateTls({now, validDays: 30}));
	for (const cert of [ca, server, client]) {
		t.is(Date.parse(cert.validFrom), Date.parse('2031-06-15T11:00:00Z'));
		t.is(Date.parse(cert.validTo), Date.parse('2031-07-15T12:00:00Z'));
	}
	t.throws(() => generateTls({validDays: 0}));
	t.throws(() => generateTls({now: new Date(Number.NaN)}));
});

test('notAfter from 2050 is a GeneralizedTime that OpenSSL reads back', (t) => {
	const tls = generateTls({now: new Date('2049-09-01T00:00:00Z'), validDays: 365});
	const der = pemToDer(tls.serverCertPem);
	t.true(der.includes(Buffer.concat([Buffer.from([0x17, 13]), Buffer.from('490831230000Z', 'ascii')])));
	t.true(der.includes(Buffer.concat([Buffer.from([0x18, 15]), Buffer.from('20500901000000Z', 'ascii')])));
	t.is(Date.parse(new X509Certificate(tls.serverCertPem).validTo), Date.parse('2050-09-01T00:00:00Z'));
	withDir((dir) => {
		writeFileSync(join(dir, 'server.pem'), tls.serverCertPem);
		const shown = openssl('x509', '-noout', '-enddate', '-in', join(dir, 'server.pem'));
		t.is(shown.status, 0, shown.output);
		t.regex(shown.output, /notAfter=Sep {2}1 00:00:00 2050 GMT/);
	});
});

test('openssl parses all three certificates and shows the extensions', (t) => {
	withDir((dir) => {
		writeAll(dir, sample);
		const ca = openssl('x509', '-noout', '-text', '-in', join(dir, 'ca.pem'));
		t.is(ca.status, 0, ca.output);
		t.regex(ca.output, /Version: 3 \(0x2\)/);
		t.regex(ca.output, /Basic Constraints: critical\s+CA:TRUE/);
		t.regex(ca.output, /Key Usage: critical\s+Digital Signature, Certificate Sign, CRL Sign/);
		t.regex(ca.output, /Subject Key Identifier/);
		t.regex(ca.output, /Signature Algorithm: ecdsa-with-SHA256/);

		const server = openssl('x509', '-noout', '-text', '-in', join(dir, 'server.pem'));
		t.is(server.status, 0, server.output);
		t.regex(server.output, /Basic Constraints: critical\s+CA:FALSE/);
		t.regex(server.output, /Extended Key Usage:\s+TLS Web Server Authentication/);
		t.regex(server.output, /Authority Key Identifier/);
		const sanLine = /Subject Alternative Name:\s*\n\s*(.+)/.exec(server.output)?.[1] ?? '';
		for (const entry of [
			'DNS:localhost',
			'DNS:sim.local',
			'IP Address:127.0.0.1',
			'IP Address:0:0:0:0:0:0:0:1',
			'IP Address:10.1.2.3',
			'IP Address:FD00:0:0:0:0:0:0:5',
		]) {
			t.true(sanLine.split(', ').includes(entry), `${entry} missing from ${sanLine}`);
		}

		const client = openssl('x509', '-noout', '-text', '-in', join(dir, 'client.pem'));
		t.is(client.status, 0, client.output);
		t.regex(client.output, /Subject: O = system:masters, CN = jane/);
		t.regex(client.output, /Extended Key Usage:\s+TLS Web Client Authentication/);
	});
});

test('openssl verify accepts the server and client certificates for their purposes only', (t) => {
	withDir((dir) => {
		writeAll(dir, sample);
		const ca = join(dir, 'ca.pem');
		const server = openssl('verify', '-x509_strict', '-purpose', 'sslserver', '-CAfile', ca, join(dir, 'server.pem'));
		t.is(server.status, 0, server.output);
		t.regex(server.output, /server\.pem: OK/);
		const client = openssl('verify', '-x509_strict', '-purpose', 'sslclient', '-CAfile', ca, join(dir, 'client.pem'));
		t.is(client.status, 0, client.output);
		t.regex(client.output, /client\.pem: OK/);
		const misuse = openssl('verify', '-x509_strict', '-purpose', 'sslserver', '-CAfile', ca, join(dir, 'client.pem'));
		t.not(misuse.status, 0);
		writeFileSync(join(dir, 'other-ca.pem'), generateTls().caCertPem);
		const stranger = openssl('verify', '-CAfile', join(dir, 'other-ca.pem'), join(dir, 'server.pem'));
		t.not(stranger.status, 0);
	});
});

// ---- Live TLS -----------------------------------------------------------------------

interface Served {
	port: number;
	seen: string[];
	close: () => Promise<void>;
}

async function serve(options: https.ServerOptions): Promise<Served> {
	const seen: string[] = [];
	const server = https.createServer(options, (request, response) => {
		const peer = (request.socket as import('node:tls').TLSSocket).getPeerCertificate();
		const user = peer && 'subject' in peer && peer.subject ? String(peer.subject.CN) : '';
		const path = (request.url ?? '').split('?')[0];
		seen.push(`${path} ${user}`);
		response.setHeader('content-type', 'text/plain');
		response.end(path === '/healthz' ? 'ok' : `hello ${user}`);
	});
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(0, '127.0.0.1', resolve);
	});
	return {
		port: (server.address() as AddressInfo).port,
		seen,
		close: () =>
			new Promise<void>((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
}

/** GETs a path; `hostname` is what TLS verifies, the socket always goes to 127.0.0.1. */
function get(port: number, hostname: string, options: https.RequestOptions): Promise<{status: number; body: string}> {
	return new Promise((resolve, reject) => {
		const request = https.get(
			{
				...options,
				hostname,
				port,
				path: '/hello',
				agent: false,
				lookup: (_host, lookupOptions, callback) => {
					if ((lookupOptions as {all?: boolean}).all)
						(callback as unknown as (e: null, a: Array<{address: string; family: number}>) => void)(null, [{address: '127.0.0.1', family: 4}]);
					else callback(null, '127.0.0.1', 4);
				},
				timeout: 10_000,
			},
			(response) => {
				let body = '';
				response.setEncoding('utf8');
				response.on('data', (chunk: string) => (body += chunk));
				response.on('end', () => resolve({status: response.statusCode ?? 0, body}));
				response.on('error', reject);
			},
		);
		request.on('timeout', () => request.destroy(new Error('timeout')));
		request.on('error', reject);
	});
}

test('node https trusts the server by name and by IP with only the CA', async (t) => {
	const served = await serve({cert: sample.serverCertPem, key: sample.serverKeyPem});
	try {
		t.deepEqual(await get(served.port, 'localhost', {ca: sample.caCertPem}), {status: 200, body: 'hello '});
		t.deepEqual(await get(served.port, '127.0.0.1', {ca: sample.caCertPem}), {status: 200, body: 'hello '});
		t.deepEqual(await get(served.port, 'sim.local', {ca: sample.caCertPem}), {status: 200, body: 'hello '});
		const wrongName = await t.throwsAsync(get(served.port, 'other.example', {ca: sample.caCertPem}));
		t.is((wrongName as NodeJS.ErrnoException).code, 'ERR_TLS_CERT_ALTNAME_INVALID');
		const wrongCa = await t.throwsAsync(get(served.port, 'localhost', {ca: generateTls().caCertPem}));
		t.regex(String((wrongCa as NodeJS.ErrnoException).code), /UNABLE_TO_VERIFY|SELF_SIGNED/);
		t.is(served.seen.length, 3);
	} finally {
		await served.close();
	}
});

test('a server requiring client certificates accepts ours and refuses none', async (t) => {
	const served = await serve({cert: sample.serverCertPem, key: sample.serverKeyPem, ca: sample.caCertPem, requestCert: true, rejectUnauthorized: true});
	try {
		const withCert = await get(served.port, 'localhost', {ca: sample.caCertPem, cert: sample.clientCertPem, key: sample.clientKeyPem});
		t.deepEqual(withCert, {status: 200, body: 'hello jane'});
		await t.throwsAsync(get(served.port, 'localhost', {ca: sample.caCertPem}));
		// A client certificate from another CA is refused too.
		const stranger = generateTls();
		await t.throwsAsync(get(served.port, 'localhost', {ca: sample.caCertPem, cert: stranger.clientCertPem, key: stranger.clientKeyPem}));
		t.deepEqual(served.seen, ['/hello jane']);
	} finally {
		await served.close();
	}
});

// ---- The real kubectl (Go crypto/x509), when installed ------------------------------

const kubectl = (process.env['PATH'] ?? '')
	.split(delimiter)
	.map((dir) => join(dir, 'kubectl'))
	.find((path) => existsSync(path));

function runKubectl(args: string[], home: string): Promise<{code: number; stdout: string; stderr: string}> {
	const env: NodeJS.ProcessEnv = {PATH: process.env['PATH'] ?? '', HOME: home, KUBECONFIG: join(home, 'config')};
	return new Promise((resolve) => {
		execFile(kubectl!, args, {env, timeout: 60_000}, (error, stdout, stderr) => {
			resolve({code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr});
		});
	});
}

function kubeconfig(server: string, caPem: string, tls: GeneratedTls): string {
	const b64 = (text: string): string => Buffer.from(text).toString('base64');
	return [
		'apiVersion: v1',
		'kind: Config',
		'clusters:',
		'- name: sim',
		'  cluster:',
		`    server: ${server}`,
		`    certificate-authority-data: ${b64(caPem)}`,
		'users:',
		'- name: sim',
		'  user:',
		`    client-certificate-data: ${b64(tls.clientCertPem)}`,
		`    client-key-data: ${b64(tls.clientKeyPem)}`,
		'contexts:',
		'- name: sim',
		'  context: {cluster: sim, user: sim}',
		'current-context: sim',
		'',
	].join('\n');
}

if (kubectl) {
	test('kubectl verifies the server and authenticates with the client certificate', async (t) => {
		const served = await serve({cert: sample.serverCertPem, key: sample.serverKeyPem, ca: sample.caCertPem, requestCert: true, rejectUnauthorized: true});
		const home = mkdtempSync(join(tmpdir(), 'assure-kubectl-'));
		try {
			for (const host of ['localhost', '127.0.0.1']) {
				writeFileSync(join(home, 'config'), kubeconfig(`https://${host}:${served.port}`, sample.caCertPem, sample));
				const ok = await runKubectl(['get', '--raw', '/healthz', '--request-timeout=20s'], home);
				t.is(ok.code, 0, ok.stderr);
				t.is(ok.stdout.trim(), 'ok');
			}
			// kubectl may also ask for /version; every request came as user jane.
			t.deepEqual(
				served.seen.filter((line) => line.startsWith('/healthz ')),
				['/healthz jane', '/healthz jane'],
			);
			t.true(served.seen.every((line) => line.endsWith(' jane')));
			const seenBefore = served.seen.length;
			writeFileSync(join(home, 'config'), kubeconfig(`https://localhost:${served.port}`, generateTls().caCertPem, sample));
			const untrusted = await runKubectl(['get', '--raw', '/healthz', '--request-timeout=20s'], home);
			t.not(untrusted.code, 0);
			t.regex(untrusted.stderr, /x509|certificate/);
			t.is(served.seen.length, seenBefore);
		} finally {
			await served.close();
			rmSync(home, {recursive: true, force: true});
		}
	});
}
