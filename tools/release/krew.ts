/**
 * The krew plugin manifest: written for a release, validated with krew's rules, and an
 * install simulated on the real archives (what `kubectl krew install --manifest=…
 * --archive=…` does: check the sha256, extract, copy the `files`, find `bin`).
 *
 * Rules (krew's validation and the index's review): apiVersion
 * krew.googlecontainertools.github.com/v1alpha2, kind Plugin; metadata.name matches
 * ^[\w-]+$ (and names the file `<name>.yaml` in an index); spec.version is `v` + strict
 * semver; a non-empty single-line shortDescription (≤ 50 characters for the index); a
 * description wrapped at 80 columns without usage examples; platforms each with a selector
 * on os/arch labels only that matches a supported pair, no two selectors matching the
 * same pair, a .tar.gz or .zip uri, a lowercase 64-hex sha256, and a `bin` inside the
 * install directory; and a LICENSE file installed.
 */
import {createHash} from 'node:crypto';
import {parse, stringify} from 'yaml';
import {readTar} from './tar.js';

export const KREW_API_VERSION = 'krew.googlecontainertools.github.com/v1alpha2';

/** os/arch pairs krew can select (Go's port list, as krew matches runtime.GOOS/GOARCH). */
export const SUPPORTED_PLATFORMS: ReadonlyArray<readonly [string, string]> = [
	['linux', 'amd64'], ['linux', 'arm64'], ['linux', '386'], ['linux', 'arm'], ['linux', 'ppc64le'], ['linux', 's390x'],
	['darwin', 'amd64'], ['darwin', 'arm64'],
	['windows', 'amd64'], ['windows', 'arm64'], ['windows', '386'],
];

export interface PlatformSpec {
	os: string;
	arch: string;
	uri: string;
	sha256: string;
	bin: string;
	files?: Array<{from: string; to: string}>;
}

export interface ManifestSpec {
	name: string;
	version: string;
	homepage: string;
	shortDescription: string;
	description: string;
	platforms: PlatformSpec[];
}

/** Wraps prose at `width` columns (paragraphs kept). */
export function wrap(text: string, width = 80): string {
	return text.split(/\n{2,}/u).map((paragraph) => {
		const lines: string[] = [];
		let line = '';
		for (const word of paragraph.split(/\s+/u).filter(Boolean)) {
			if (line && line.length + 1 + word.length > width) {
				lines.push(line);
				line = word;
			} else line = line ? `${line} ${word}` : word;
		}
		if (line) lines.push(line);
		return lines.join('\n');
	}).join('\n\n');
}

/** The manifest YAML for a release. */
export function krewManifest(spec: ManifestSpec): string {
	const document = {
		apiVersion: KREW_API_VERSION,
		kind: 'Plugin',
		metadata: {name: spec.name},
		spec: {
			version: spec.version,
			homepage: spec.homepage,
			shortDescription: spec.shortDescription,
			description: `${wrap(spec.description, 80)}\n`,
			platforms: spec.platforms.map((p) => ({
				selector: {matchLabels: {os: p.os, arch: p.arch}},
				uri: p.uri,
				sha256: p.sha256,
				...(p.files ? {files: p.files} : {}),
				bin: p.bin,
			})),
		},
	};
	return stringify(document, {lineWidth: 0, blockQuote: 'literal'});
}

type Selector = {matchLabels?: Record<string, unknown>; matchExpressions?: Array<{key?: unknown; operator?: unknown; values?: unknown}>};

/** Whether a label selector matches {os, arch} (Kubernetes label-selector semantics). */
function selects(selector: Selector, labels: Record<string, string>): boolean {
	for (const [key, value] of Object.entries(selector.matchLabels ?? {})) if (labels[key] !== value) return false;
	for (const expression of selector.matchExpressions ?? []) {
		const key = String(expression.key);
		const values = Array.isArray(expression.values) ? expression.values.map(String) : [];
		const has = key in labels;
		switch (expression.operator) {
			case 'In': if (!has || !values.includes(labels[key]!)) return false; break;
			case 'NotIn': if (has && values.includes(labels[key]!)) return false; break;
			case 'Exists': if (!has) return false; break;
			case 'DoesNotExist': if (has) return false; break;
			default: return false;
		}
	}
	return true;
}

const SEMVER = /^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-(0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(\.(0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*)?(\+[0-9a-zA-Z-]+(\.[0-9a-zA-Z-]+)*)?$/u;

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function safeRelative(path: string): boolean {
	return path !== '' && !path.startsWith('/') && !/^[a-zA-Z]:/u.test(path) && !path.split(/[\\/]/u).includes('..');
}

export interface ParsedManifest {
	name: string;
	version: string;
	platforms: Array<{index: number; selector: Selector; uri: string; sha256: string; bin: string; files?: Array<{from: string; to: string}>}>;
}

/**
 * Every rule the manifest breaks, as one line each (empty: valid). `fileName` (when the
 * manifest is meant for an index) must be `<metadata.name>.yaml`.
 */
export function validateKrewManifest(text: string, options: {fileName?: string} = {}): {problems: string[]; manifest?: ParsedManifest} {
	const problems: string[] = [];
	let document: unknown;
	try {
		document = parse(text);
	} catch (error) {
		return {problems: [`not YAML: ${(error as Error).message.split('\n')[0]}`]};
	}
	if (!isRecord(document)) return {problems: ['the manifest is not a YAML mapping']};
	if (document.apiVersion !== KREW_API_VERSION) problems.push(`apiVersion must be ${KREW_API_VERSION}, not ${JSON.stringify(document.apiVersion)}`);
	if (document.kind !== 'Plugin') problems.push(`kind must be Plugin, not ${JSON.stringify(document.kind)}`);
	const metadata = isRecord(document.metadata) ? document.metadata : {};
	const name = typeof metadata.name === 'string' ? metadata.name : '';
	if (!/^[\w-]+$/u.test(name)) problems.push(`metadata.name ${JSON.stringify(metadata.name)} must match ^[\\w-]+$`);
	if (options.fileName !== undefined && options.fileName !== `${name}.yaml`) problems.push(`an index manifest for "${name}" must be named ${name}.yaml, not ${options.fileName}`);
	const spec = isRecord(document.spec) ? document.spec : undefined;
	if (!spec) return {problems: [...problems, 'spec is missing']};
	const version = typeof spec.version === 'string' ? spec.version : '';
	if (!SEMVER.test(version)) problems.push(`spec.version ${JSON.stringify(spec.version)} must be "v" + a strict semantic version (v1.2.3)`);
	const short = spec.shortDescription;
	if (typeof short !== 'string' || short.trim() === '') problems.push('spec.shortDescription must not be empty');
	else {
		if (/[\r\n]/u.test(short)) problems.push('spec.shortDescription must be a single line');
		if (short.length > 50) problems.push(`spec.shortDescription is ${short.length} characters; the index asks for at most 50`);
	}
	if (typeof spec.description === 'string') {
		spec.description.split('\n').forEach((line, i) => {
			if (line.length > 80) problems.push(`spec.description line ${i + 1} is ${line.length} columns; wrap at 80`);
			if (/^\s*[$>] |\bkubectl\s+\S+.*\s--?[a-z]/u.test(line)) problems.push(`spec.description line ${i + 1} looks like a usage example; the index wants none`);
		});
	} else if (spec.description !== undefined) problems.push('spec.description must be a string');
	if (spec.homepage !== undefined && (typeof spec.homepage !== 'string' || !/^https:\/\/\S+$/u.test(spec.homepage))) problems.push('spec.homepage must be an https URL');
	const platforms: ParsedManifest['platforms'] = [];
	if (!Array.isArray(spec.platforms) || spec.platforms.length === 0) problems.push('spec.platforms must list at least one platform');
	else {
		spec.platforms.forEach((raw: unknown, index: number) => {
			const where = `spec.platforms[${index}]`;
			if (!isRecord(raw)) {
				problems.push(`${where} is not a mapping`);
				return;
			}
			const selector = (isRecord(raw.selector) ? raw.selector : undefined) as Selector | undefined;
			if (!selector) problems.push(`${where}.selector is missing`);
			else {
				const keys = [...Object.keys(selector.matchLabels ?? {}), ...(selector.matchExpressions ?? []).map((e) => String(e.key))];
				for (const key of keys) if (key !== 'os' && key !== 'arch') problems.push(`${where}.selector uses the label "${key}"; only os and arch exist`);
				if (!SUPPORTED_PLATFORMS.some(([os, arch]) => selects(selector, {os, arch}))) problems.push(`${where}.selector matches no supported os/arch pair`);
			}
			const uri = typeof raw.uri === 'string' ? raw.uri : '';
			if (!/^https:\/\/\S+\.(tar\.gz|zip)$/u.test(uri)) problems.push(`${where}.uri must be an https URL of a .tar.gz or .zip archive`);
			const sha256 = typeof raw.sha256 === 'string' ? raw.sha256 : '';
			if (!/^[0-9a-f]{64}$/u.test(sha256)) problems.push(`${where}.sha256 must be 64 lowercase hex digits`);
			const bin = typeof raw.bin === 'string' ? raw.bin : '';
			if (!safeRelative(bin)) problems.push(`${where}.bin must be a path inside the install directory`);
			const windowsOnly = selector ? SUPPORTED_PLATFORMS.filter(([os, arch]) => selects(selector, {os, arch})).every(([os]) => os === 'windows') : false;
			if (selector && windowsOnly && bin && !bin.endsWith('.exe')) problems.push(`${where}.bin must end in .exe on Windows`);
			let files: Array<{from: string; to: string}> | undefined;
			if (raw.files !== undefined) {
				if (!Array.isArray(raw.files)) problems.push(`${where}.files must be a list`);
				else {
					files = [];
					raw.files.forEach((f: unknown, i: number) => {
						if (!isRecord(f) || typeof f.from !== 'string' || typeof f.to !== 'string' || f.from === '' || f.to === '') problems.push(`${where}.files[${i}] needs non-empty from and to`);
						else if (!safeRelative(f.from) || (f.to !== '.' && !safeRelative(f.to))) problems.push(`${where}.files[${i}] must stay inside the archive and the install directory`);
						else files!.push({from: f.from, to: f.to});
					});
				}
			}
			if (selector) platforms.push({index, selector, uri, sha256, bin, ...(files ? {files} : {})});
		});
		for (const [os, arch] of SUPPORTED_PLATFORMS) {
			const matching = platforms.filter((p) => selects(p.selector, {os, arch}));
			if (matching.length > 1) problems.push(`${os}/${arch} is matched by more than one platform (${matching.map((p) => `[${p.index}]`).join(', ')})`);
		}
	}
	return {problems, manifest: problems.length === 0 ? {name, version, platforms} : undefined};
}

/** The platform entry krew would pick on os/arch. */
export function platformFor(manifest: ParsedManifest, os: string, arch: string): ParsedManifest['platforms'][number] | undefined {
	return manifest.platforms.find((p) => selects(p.selector, {os, arch}));
}

function globToRegExp(glob: string): RegExp {
	const escaped = glob.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/gu, '\\$&')).join('[^/]*');
	return new RegExp(`^${escaped}$`, 'u');
}

export interface InstallResult {
	problems: string[];
	/** Installed path → mode. */
	installed: Map<string, number>;
}

/**
 * What `kubectl krew install --manifest=M --archive=A` does for os/arch: the archive's
 * sha256 must match, its files are copied as `files` says (all of it when absent), `bin`
 * must be an installed executable, and a LICENSE must be installed.
 */
export function simulateKrewInstall(manifest: ParsedManifest, os: string, arch: string, archive: Buffer): InstallResult {
	const problems: string[] = [];
	const installed = new Map<string, number>();
	const platform = platformFor(manifest, os, arch);
	if (!platform) return {problems: [`no platform of ${manifest.name} matches ${os}/${arch}`], installed};
	const sum = createHash('sha256').update(archive).digest('hex');
	if (sum !== platform.sha256) return {problems: [`sha256 of the archive is ${sum}, the manifest says ${platform.sha256}`], installed};
	if (!platform.uri.endsWith('.tar.gz')) return {problems: ['only .tar.gz archives are simulated'], installed};
	let entries;
	try {
		entries = readTar(archive).filter((e) => e.type === '0');
	} catch (error) {
		return {problems: [`the archive cannot be extracted: ${(error as Error).message}`], installed};
	}
	for (const entry of entries) if (!safeRelative(entry.name)) problems.push(`the archive holds an unsafe path ${entry.name}`);
	const rules = platform.files ?? [{from: '*', to: '.'}];
	for (const rule of rules) {
		const pattern = globToRegExp(rule.from.replace(/^\.\//u, ''));
		const matched = entries.filter((e) => pattern.test(e.name) || (platform.files === undefined));
		if (matched.length === 0) problems.push(`files: "${rule.from}" matches nothing in the archive`);
		for (const entry of matched) {
			const base = entry.name.split('/').at(-1)!;
			const target = platform.files === undefined ? entry.name : rule.to === '.' ? base : rule.to.endsWith('/') ? `${rule.to}${base}` : matched.length === 1 ? rule.to : `${rule.to}/${base}`;
			installed.set(target, entry.mode);
		}
	}
	const binMode = installed.get(platform.bin);
	if (binMode === undefined) problems.push(`bin ${platform.bin} is not installed from the archive`);
	else if (os !== 'windows' && (binMode & 0o111) === 0) problems.push(`bin ${platform.bin} is not executable (mode ${binMode.toString(8)})`);
	if (![...installed.keys()].some((path) => /^LICEN[CS]E(\.\w+)?$/iu.test(path.split('/').at(-1)!))) problems.push('no LICENSE file is installed');
	return {problems, installed};
}
