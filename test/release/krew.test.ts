/**
 * The krew manifest validator enforces krew's rules one by one, the install simulation
 * follows `files` and finds `bin` and the LICENSE, and the archives are reproducible
 * ustar + gzip that a strict reader accepts.
 */
import {spawnSync} from 'node:child_process';
import {createHash} from 'node:crypto';
import {readFileSync} from 'node:fs';
import {gunzipSync} from 'node:zlib';
import test from 'ava';
import {parse, stringify} from 'yaml';
import {krewManifest, simulateKrewInstall, validateKrewManifest, wrap, type ManifestSpec} from '../../tools/release/krew.js';
import {PLUGIN, TARGETS, archiveName, binaryName, releaseUri} from '../../tools/release/build.js';
import {readTar, tarBytes, tarGz} from '../../tools/release/tar.js';
import type {Obj} from '../../source/formats/json-object.js';

const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');

function archiveFor(os: string, binMode = 0o755, withLicense = true): Buffer {
	const bin = os === 'windows' ? 'kubectl-assure.exe' : 'kubectl-assure';
	return tarGz([{name: bin, mode: binMode, data: Buffer.from('binary')}, ...(withLicense ? [{name: 'LICENSE', mode: 0o644, data: Buffer.from('Apache')}] : [])]);
}

function spec(overrides: Partial<ManifestSpec> = {}): ManifestSpec {
	return {
		name: 'assure',
		version: 'v1.2.3',
		homepage: 'https://example.org/assure',
		shortDescription: PLUGIN.shortDescription,
		description: PLUGIN.description,
		platforms: TARGETS.map((t) => ({os: t.os, arch: t.arch, uri: releaseUri('https://example.org/assure', '1.2.3', t), sha256: sha(archiveFor(t.os)), files: [{from: binaryName(t), to: '.'}, {from: 'LICENSE', to: '.'}], bin: binaryName(t)})),
		...overrides,
	};
}

/** The manifest as a document, edited by `edit`, back to YAML. */
function edited(edit: (document: Obj) => void): string {
	const document = parse(krewManifest(spec()));
	edit(document);
	return stringify(document);
}

test('a generated manifest is valid, and names its file as an index wants', (t) => {
	const text = krewManifest(spec());
	t.deepEqual(validateKrewManifest(text, {fileName: 'assure.yaml'}).problems, []);
	t.deepEqual(validateKrewManifest(text, {fileName: 'krew-manifest.yaml'}).problems, ['an index manifest for "assure" must be named assure.yaml, not krew-manifest.yaml']);
	for (const line of (parse(text) as Obj).spec.description.split('\n')) t.true(line.length <= 80, line);
});

const broken: Array<[string, (document: Obj) => void, RegExp]> = [
	['apiVersion', (d) => { d.apiVersion = 'krew.googlecontainertools.github.com/v1alpha1'; }, /apiVersion must be/],
	['kind', (d) => { d.kind = 'Plug'; }, /kind must be Plugin/],
	['name', (d) => { d.metadata.name = 'as sure'; }, /metadata.name/],
	['version without v', (d) => { d.spec.version = '1.2.3'; }, /strict semantic version/],
	['version not strict', (d) => { d.spec.version = 'v1.2'; }, /strict semantic version/],
	['version leading zero', (d) => { d.spec.version = 'v1.02.3'; }, /strict semantic version/],
	['empty short description', (d) => { d.spec.shortDescription = ' '; }, /must not be empty/],
	['two-line short description', (d) => { d.spec.shortDescription = 'a\nb'; }, /single line/],
	['long short description', (d) => { d.spec.shortDescription = 'x'.repeat(51); }, /51 characters/],
	['unwrapped description', (d) => { d.spec.description = 'y'.repeat(81); }, /81 columns/],
	['usage example', (d) => { d.spec.description = 'Run it:\n$ kubectl assure -A\n'; }, /usage example/],
	['usage example with flags', (d) => { d.spec.description = 'Try kubectl assure --demo to see it.\n'; }, /usage example/],
	['http homepage', (d) => { d.spec.homepage = 'http://example.org'; }, /https URL/],
	['no platforms', (d) => { d.spec.platforms = []; }, /at least one platform/],
	['foreign label', (d) => { d.spec.platforms[0].selector.matchLabels.distro = 'debian'; }, /label "distro"/],
	['unsupported pair', (d) => { d.spec.platforms[0].selector.matchLabels = {os: 'plan9', arch: 'amd64'}; }, /no supported os\/arch pair/],
	['overlap', (d) => { d.spec.platforms[1].selector = {matchLabels: {os: 'linux'}}; }, /linux\/amd64 is matched by more than one platform/],
	['overlap by expression', (d) => { d.spec.platforms[4].selector = {matchExpressions: [{key: 'os', operator: 'In', values: ['windows', 'darwin']}]}; }, /darwin\/amd64 is matched by more than one/],
	['uri', (d) => { d.spec.platforms[0].uri = 'https://example.org/a.rar'; }, /\.tar\.gz or \.zip/],
	['uppercase sha256', (d) => { d.spec.platforms[0].sha256 = d.spec.platforms[0].sha256.toUpperCase(); }, /lowercase hex/],
	['short sha256', (d) => { d.spec.platforms[0].sha256 = 'abc'; }, /64 lowercase hex/],
	['bin outside', (d) => { d.spec.platforms[0].bin = '../kubectl-assure'; }, /inside the install directory/],
	['windows bin without .exe', (d) => { d.spec.platforms[4].bin = 'kubectl-assure'; }, /\.exe on Windows/],
	['files escaping', (d) => { d.spec.platforms[0].files = [{from: '/etc/passwd', to: '.'}]; }, /stay inside/],
];

for (const [what, edit, expected] of broken) {
	test(`the validator rejects: ${what}`, (t) => {
		const {problems, manifest} = validateKrewManifest(edited(edit));
		t.true(problems.some((p) => expected.test(p)), problems.join('\n') || 'no problem found');
		t.is(manifest, undefined);
	});
}

test('not YAML, not a mapping, no spec: one clear problem each', (t) => {
	t.regex(validateKrewManifest('a: [').problems[0]!, /^not YAML/);
	t.deepEqual(validateKrewManifest('- a').problems, ['the manifest is not a YAML mapping']);
	t.true(validateKrewManifest(`apiVersion: krew.googlecontainertools.github.com/v1alpha2\nkind: Plugin\nmetadata: {name: x}\n`).problems.includes('spec is missing'));
});

test('install: every platform installs its bin (executable) and the LICENSE', (t) => {
	const {manifest} = validateKrewManifest(krewManifest(spec()));
	for (const target of TARGETS) {
		const result = simulateKrewInstall(manifest!, target.os, target.arch, archiveFor(target.os));
		t.deepEqual(result.problems, [], `${target.os}/${target.arch}`);
		t.is(result.installed.get(binaryName(target)), 0o755);
		t.true(result.installed.has('LICENSE'));
	}
});

test('install: a wrong sha256, a missing LICENSE, a non-executable bin, an unknown platform, a damaged archive', (t) => {
	const {manifest} = validateKrewManifest(krewManifest(spec()));
	t.regex(simulateKrewInstall(manifest!, 'linux', 'amd64', archiveFor('linux', 0o755, true).subarray(1)).problems[0]!, /sha256 of the archive/);
	t.regex(simulateKrewInstall(manifest!, 'linux', 'arm', archiveFor('linux')).problems[0]!, /no platform of assure matches linux\/arm/);
	const noLicense = archiveFor('linux', 0o755, false);
	const m2 = validateKrewManifest(krewManifest(spec({platforms: [{os: 'linux', arch: 'amd64', uri: 'https://example.org/a.tar.gz', sha256: sha(noLicense), bin: 'kubectl-assure'}]}))).manifest!;
	t.deepEqual(simulateKrewInstall(m2, 'linux', 'amd64', noLicense).problems, ['no LICENSE file is installed']);
	const notExec = archiveFor('linux', 0o644);
	const m3 = validateKrewManifest(krewManifest(spec({platforms: [{os: 'linux', arch: 'amd64', uri: 'https://example.org/a.tar.gz', sha256: sha(notExec), bin: 'kubectl-assure'}]}))).manifest!;
	t.deepEqual(simulateKrewInstall(m3, 'linux', 'amd64', notExec).problems, ['bin kubectl-assure is not executable (mode 644)']);
	const damaged = Buffer.from(archiveFor('linux'));
	const raw = gunzipSync(damaged);
	raw[10] ^= 0xff; // inside the first header: its checksum no longer matches
	const retarred = Buffer.from(raw);
	const m4 = validateKrewManifest(krewManifest(spec({platforms: [{os: 'linux', arch: 'amd64', uri: 'https://example.org/a.tar.gz', sha256: sha(retarred), bin: 'kubectl-assure'}]}))).manifest!;
	t.regex(simulateKrewInstall(m4, 'linux', 'amd64', retarred).problems[0]!, /cannot be extracted: tar: header checksum mismatch/);
	const m5 = validateKrewManifest(krewManifest(spec({platforms: [{os: 'linux', arch: 'amd64', uri: 'https://example.org/a.tar.gz', sha256: sha(archiveFor('linux')), files: [{from: 'bin/*', to: '.'}, {from: 'LICENSE', to: '.'}], bin: 'kubectl-assure'}]}))).manifest!;
	t.deepEqual(simulateKrewInstall(m5, 'linux', 'amd64', archiveFor('linux')).problems, ['files: "bin/*" matches nothing in the archive', 'bin kubectl-assure is not installed from the archive']);
});

test('archives: ustar with mtime 0, owner 0, names in order, whole records, gzip without name or time', (t) => {
	const entries = [{name: 'b', mode: 0o644, data: Buffer.from('bee')}, {name: 'a', mode: 0o755, data: Buffer.alloc(513, 7)}];
	const tar = tarBytes(entries);
	t.is(tar.length % 10_240, 0);
	const read = readTar(tar);
	t.deepEqual(read.map((e) => e.name), ['a', 'b']);
	for (const e of read) {
		t.is(e.mtime, 0);
		t.is(e.uid, 0);
		t.is(e.gid, 0);
		t.is(e.uname, '');
		t.is(e.type, '0');
	}
	t.is(read[0]!.mode, 0o755);
	t.deepEqual(read[0]!.data, Buffer.alloc(513, 7));
	t.is(read[1]!.data.toString(), 'bee');
	const gz = tarGz(entries);
	t.deepEqual(gz, tarGz([...entries].reverse()), 'the same bytes whatever the input order');
	t.is(gz.readUInt32LE(4), 0, 'gzip mtime 0');
	t.is(gz[3]! & 0x08, 0, 'no file name in the gzip header');
	t.is(gz[9], 3);
	t.throws(() => tarBytes([{name: '../x', mode: 0o644, data: Buffer.alloc(0)}]), {message: /unsafe entry name/});
	t.throws(() => tarBytes([{name: 'a', mode: 0o644, data: Buffer.alloc(0)}, {name: 'a', mode: 0o644, data: Buffer.alloc(0)}]), {message: /twice/});
	t.throws(() => readTar(tar.subarray(0, 600)), {message: /truncated/});
	const long = `${'d/'.repeat(60)}file`;
	t.is(readTar(tarBytes([{name: long, mode: 0o644, data: Buffer.from('x')}]))[0]!.name, long, 'a long path goes through the ustar prefix');
});

test('archives agree with GNU tar where it is installed', (t) => {
	const listing = spawnSync('tar', ['-tvzf', '-'], {input: tarGz([{name: 'kubectl-assure', mode: 0o755, data: Buffer.from('x')}, {name: 'LICENSE', mode: 0o644, data: Buffer.from('y')}])});
	if (listing.error) {
		t.log('no tar on this machine');
		t.pass();
		return;
	}
	t.is(listing.status, 0, String(listing.stderr));
	const lines = String(listing.stdout).trim().split('\n');
	t.is(lines.length, 2);
	t.regex(lines[0]!, /^-rw-r--r-- 0\/0\s+1 1970-01-01 00:00 LICENSE$/);
	t.regex(lines[1]!, /^-rwxr-xr-x 0\/0\s+1 1970-01-01 00:00 kubectl-assure$/);
});

test('the top-level krew-manifest.yaml is valid, is this version, and has one platform per release target', (t) => {
	const text = readFileSync(new URL('../../krew-manifest.yaml', import.meta.url), 'utf8');
	const {problems, manifest} = validateKrewManifest(text);
	t.deepEqual(problems, []);
	const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {version: string; homepage: string};
	t.is(manifest!.version, `v${pkg.version}`);
	t.is(manifest!.name, 'assure');
	t.deepEqual(manifest!.platforms.map((p) => p.uri), TARGETS.map((target) => releaseUri(pkg.homepage, pkg.version, target)));
	t.true(manifest!.platforms.every((p, i) => p.uri.endsWith(archiveName(pkg.version, TARGETS[i]!))));
});

test('wrap keeps paragraphs and never exceeds the width', (t) => {
	const text = wrap('one two three four five six seven\n\nnext paragraph here', 10);
	t.is(text, 'one two\nthree four\nfive six\nseven\n\nnext\nparagraph\nhere');
});
