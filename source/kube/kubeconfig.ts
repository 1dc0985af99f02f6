/**
 * kubeconfig resolution exactly like kubectl: --kubeconfig (one file, must exist), else
 * KUBECONFIG (a path list, merged: the first file that sets a value wins — current-context
 * included, unlike client-node's loadFromDefault — and missing files are skipped), else
 * ~/.kube/config, else in-cluster service-account credentials. --context must name an
 * existing context. The namespace comes from -n, else the context, else "default". The
 * result is the chosen context, its cluster and its user (field names as client-node
 * spells them), plus what we resolved.
 *
 * client-node is not imported here: its KubeConfig loads the whole generated API (about
 * 1,400 modules), which cost 73 MiB of RSS and 27 MiB of heap in a process that used
 * nothing of it but three lookups.
 */
import {existsSync, readFileSync} from 'node:fs';
import {homedir} from 'node:os';
import {delimiter, dirname, isAbsolute, join, resolve} from 'node:path';
import {parse as parseYaml, YAMLError, type ErrorCode} from 'yaml';
import {UsageError} from '../errors.js';
import type {Obj} from '../formats/json-object.js';

export interface Cluster {
	readonly name: string;
	readonly server: string;
	readonly caData?: string;
	readonly caFile?: string;
	readonly tlsServerName?: string;
	readonly skipTLSVerify: boolean;
	readonly proxyUrl?: string;
}

export interface User {
	readonly name: string;
	readonly certData?: string;
	readonly certFile?: string;
	readonly keyData?: string;
	readonly keyFile?: string;
	/** The kubeconfig's `exec` stanza, as written. */
	readonly exec?: Obj;
	/** The kubeconfig's `auth-provider` stanza, as written (only oidc with an id-token is used; others are refused on connect). */
	readonly authProvider?: Obj;
	readonly token?: string;
	readonly tokenFile?: string;
	readonly username?: string;
	readonly password?: string;
	readonly impersonateUser?: string;
}

export interface Context {
	readonly name: string;
	readonly cluster: string;
	readonly user: string;
	readonly namespace?: string;
}

export interface ResolvedConfig {
	contextName: string;
	context: Context;
	cluster: Cluster;
	user: User;
	/** Namespace for namespaced findings (-n, else the context's, else "default"). */
	namespace: string;
	allNamespaces: boolean;
	/** Where the configuration came from, for messages. */
	source: string;
	/** Directory of the file that defined the user (exec commands are resolved against it). */
	userBase?: string;
}

const SERVICE_ACCOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';

/** Make the file references of one kubeconfig file absolute, relative to that file. */
function absolutize(entry: Obj, keys: string[], base: string): Obj {
	const out = {...entry};
	for (const key of keys) {
		if (typeof out[key] === 'string' && out[key] !== '' && !isAbsolute(out[key])) out[key] = resolve(base, out[key]);
	}
	return out;
}

function readConfigFile(path: string): Obj {
	let text: string;
	try {
		text = readFileSync(path, 'utf8');
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		throw new UsageError(
			`cannot read kubeconfig ${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : (code ?? (error as Error).message)}`,
		);
	}
	let parsed: unknown;
	try {
		// logLevel 'error': the yaml library prints its warnings on stderr by itself, several lines
		// quoting the kubeconfig — an unquoted password `!Passw0rd` is a YAML tag, and was printed whole.
		parsed = parseYaml(text, {logLevel: 'error'});
	} catch (error) {
		throw new UsageError(`invalid kubeconfig ${path}: ${yamlProblem(error)}`);
	}
	if (parsed === null || parsed === undefined) return {};
	if (typeof parsed !== 'object' || Array.isArray(parsed))
		throw new UsageError(`invalid kubeconfig ${path}: not a kubeconfig (expected a mapping with clusters, users and contexts)`);
	const raw = parsed as Obj;
	for (const key of ['clusters', 'users', 'contexts']) {
		if (raw[key] !== undefined && raw[key] !== null && !Array.isArray(raw[key])) throw new UsageError(`invalid kubeconfig ${path}: "${key}" must be a list`);
	}
	const base = dirname(resolve(path));
	return {
		...raw,
		clusters: ((raw.clusters ?? []) as Obj[]).filter(Boolean).map((c) => ({...c, cluster: absolutize(c.cluster ?? {}, ['certificate-authority'], base)})),
		users: ((raw.users ?? []) as Obj[])
			.filter(Boolean)
			.map((u) => ({...u, user: absolutize(u.user ?? {}, ['client-certificate', 'client-key', 'tokenFile'], base), _base: base})),
		contexts: ((raw.contexts ?? []) as Obj[]).filter(Boolean),
	};
}

/** yaml's messages for these codes say what is wrong without quoting the text. */
const QUOTE_FREE: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
	'ALIAS_PROPS',
	'BAD_INDENT',
	'BAD_SCALAR_START',
	'BLOCK_AS_IMPLICIT_KEY',
	'BLOCK_IN_FLOW',
	'DUPLICATE_KEY',
	'IMPOSSIBLE',
	'KEY_OVER_1024_CHARS',
	'MISSING_CHAR',
	'MULTILINE_IMPLICIT_KEY',
	'MULTIPLE_ANCHORS',
	'MULTIPLE_DOCS',
	'MULTIPLE_TAGS',
	'NON_STRING_KEY',
	'RESOURCE_EXHAUSTION',
	'TAB_AS_INDENT',
]);

/**
 * One line about a YAML error that never quotes the kubeconfig: other messages name the
 * tag, alias, directive or token they are about (`Unresolved alias …: s3cr3t` for an
 * unquoted `token: *s3cr3t`), which may be a secret. Those give their code and position.
 */
function yamlProblem(error: unknown): string {
	if (error instanceof YAMLError) {
		const at = error.linePos?.[0];
		const where = at ? ` at line ${at.line}, column ${at.col}` : '';
		if (QUOTE_FREE.has(error.code))
			return (
				String(error.message)
					.split('\n')[0]!
					.replace(/ at line \d+, column \d+:?$/, '') + where
			);
		return `YAML error ${error.code}${where}`;
	}
	// An unresolved alias is found after parsing (a ReferenceError): its message ends with the alias.
	return String((error as Error)?.message ?? error)
		.split('\n')[0]!
		.replace(/:\s.*$/, '');
}

/** Merge files as kubectl does: for each named entry and for current-context, the first file wins. */
export function mergeConfigs(files: Array<{path: string; raw: Obj}>): Obj {
	const merged: Obj = {clusters: [], users: [], contexts: []};
	const seen = {clusters: new Set<string>(), users: new Set<string>(), contexts: new Set<string>()};
	for (const {raw} of files) {
		if (merged['current-context'] === undefined && raw['current-context']) merged['current-context'] = raw['current-context'];
		for (const key of ['clusters', 'users', 'contexts'] as const) {
			for (const entry of (raw[key] ?? []) as Obj[]) {
				if (typeof entry?.name !== 'string' || seen[key].has(entry.name)) continue;
				seen[key].add(entry.name);
				merged[key].push(entry);
			}
		}
	}
	return merged;
}

function inClusterConfig(env: NodeJS.ProcessEnv): Obj | undefined {
	const host = env.KUBERNETES_SERVICE_HOST;
	const port = env.KUBERNETES_SERVICE_PORT;
	if (!host || !port || !existsSync(join(SERVICE_ACCOUNT, 'token'))) return undefined;
	const server = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
	let namespace: string | undefined;
	try {
		namespace = readFileSync(join(SERVICE_ACCOUNT, 'namespace'), 'utf8').trim();
	} catch {
		namespace = undefined;
	}
	return {
		clusters: [{name: 'in-cluster', cluster: {server, 'certificate-authority': join(SERVICE_ACCOUNT, 'ca.crt')}}],
		users: [{name: 'in-cluster', user: {tokenFile: join(SERVICE_ACCOUNT, 'token')}, _base: SERVICE_ACCOUNT}],
		contexts: [{name: 'in-cluster', context: {cluster: 'in-cluster', user: 'in-cluster', ...(namespace ? {namespace} : {})}}],
		'current-context': 'in-cluster',
	};
}

export interface ResolveOptions {
	kubeconfig?: string;
	context?: string;
	namespace?: string;
	allNamespaces?: boolean;
	env?: NodeJS.ProcessEnv;
	home?: string;
}

export function resolveConfig(options: ResolveOptions = {}): ResolvedConfig {
	const env = options.env ?? process.env;
	let merged: Obj;
	let source: string;
	if (options.kubeconfig) {
		merged = mergeConfigs([{path: options.kubeconfig, raw: readConfigFile(options.kubeconfig)}]);
		source = options.kubeconfig;
	} else if (env.KUBECONFIG && env.KUBECONFIG.split(delimiter).some(Boolean)) {
		const paths = env.KUBECONFIG.split(delimiter).filter(Boolean);
		const files = paths.filter((p) => existsSync(p)).map((path) => ({path, raw: readConfigFile(path)}));
		if (files.length === 0) throw new UsageError(`no kubeconfig found: none of the files in KUBECONFIG exist (${paths.join(delimiter)})`);
		merged = mergeConfigs(files);
		source = `KUBECONFIG (${files.map((f) => f.path).join(delimiter)})`;
	} else {
		const home = options.home ?? env.HOME ?? homedir();
		const path = join(home, '.kube', 'config');
		if (existsSync(path)) {
			merged = mergeConfigs([{path, raw: readConfigFile(path)}]);
			source = path;
		} else {
			const inCluster = inClusterConfig(env);
			if (!inCluster) throw new UsageError(`no kubeconfig found: pass --kubeconfig, set KUBECONFIG, or create ${path}`);
			merged = inCluster;
			source = 'in-cluster service account';
		}
	}
	const contexts = (merged.contexts as Obj[]).map((c) => c.name as string);
	const contextName = options.context ?? merged['current-context'];
	if (!contextName) {
		throw new UsageError(
			contexts.length > 0 ? `no current context is set in ${source}: pass --context (available: ${contexts.join(', ')})` : `no contexts in ${source}`,
		);
	}
	const rawContext = (merged.contexts as Obj[]).find((c) => c.name === contextName);
	if (!rawContext) {
		throw new UsageError(`context "${contextName}" not found in ${source}${contexts.length > 0 ? `; available contexts: ${contexts.join(', ')}` : ''}`);
	}
	const clusterName = rawContext.context?.cluster;
	const userName = rawContext.context?.user;
	const rawCluster = (merged.clusters as Obj[]).find((c) => c.name === clusterName);
	if (!rawCluster) throw new UsageError(`context "${contextName}" refers to cluster "${clusterName ?? ''}", which is not in ${source}`);
	if (!rawCluster.cluster?.server) throw new UsageError(`cluster "${clusterName}" in ${source} has no server`);
	const rawUser = (merged.users as Obj[]).find((u) => u.name === userName) ?? {name: userName ?? '', user: {}};
	const cluster: Cluster = {
		name: rawCluster.name,
		server: rawCluster.cluster.server,
		caData: rawCluster.cluster['certificate-authority-data'],
		caFile: rawCluster.cluster['certificate-authority'],
		skipTLSVerify: rawCluster.cluster['insecure-skip-tls-verify'] === true,
		tlsServerName: rawCluster.cluster['tls-server-name'],
		proxyUrl: rawCluster.cluster['proxy-url'],
	};
	const user: User = {
		name: rawUser.name,
		certData: rawUser.user?.['client-certificate-data'],
		certFile: rawUser.user?.['client-certificate'],
		keyData: rawUser.user?.['client-key-data'],
		keyFile: rawUser.user?.['client-key'],
		exec: rawUser.user?.exec,
		authProvider: rawUser.user?.['auth-provider'],
		token: rawUser.user?.token,
		username: rawUser.user?.username,
		password: rawUser.user?.password,
		impersonateUser: rawUser.user?.as,
		...(rawUser.user?.tokenFile ? {tokenFile: rawUser.user.tokenFile as string} : {}),
	};
	const context: Context = {name: contextName, cluster: rawCluster.name, user: rawUser.name, namespace: rawContext.context?.namespace};
	return {
		contextName,
		context,
		cluster,
		user,
		namespace: options.namespace ?? rawContext.context?.namespace ?? 'default',
		allNamespaces: Boolean(options.allNamespaces),
		source,
		userBase: rawUser._base,
	};
}
