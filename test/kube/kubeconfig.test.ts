/**
 * kubeconfig resolution as kubectl does it: --kubeconfig, KUBECONFIG merged with the first
 * file winning (current-context included), ~/.kube/config, in-cluster; --context checked;
 * namespaces; relative file references; one-line errors.
 */
import {mkdirSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import test from 'ava';
import {stringify} from 'yaml';
import {UsageError} from '../../source/errors.js';
import {resolveConfig} from '../../source/kube/kubeconfig.js';
import {tempDir} from '../helpers/sim.js';

function file(dir: string, name: string, config: object): string {
	const path = join(dir, name);
	writeFileSync(path, stringify(config));
	return path;
}

const cluster = (name: string, server: string, extra: object = {}) => ({name, cluster: {server, ...extra}});
const user = (name: string, token: string) => ({name, user: {token}});
const context = (name: string, clusterName: string, userName: string, namespace?: string) => ({
	name,
	context: {cluster: clusterName, user: userName, ...(namespace ? {namespace} : {})},
});

test('KUBECONFIG merges files and the first file that sets current-context wins', (t) => {
	const dir = tempDir();
	const a = file(dir, 'a', {
		clusters: [cluster('one', 'https://one.example:6443')],
		users: [user('u1', 't1')],
		contexts: [context('ctx-a', 'one', 'u1', 'team-a')],
		'current-context': 'ctx-a',
	});
	const b = file(dir, 'b', {
		clusters: [cluster('one', 'https://shadowed.example'), cluster('two', 'https://two.example')],
		users: [user('u2', 't2')],
		contexts: [context('ctx-b', 'two', 'u2')],
		'current-context': 'ctx-b',
	});
	const resolved = resolveConfig({env: {KUBECONFIG: `${a}:${join(dir, 'missing')}:${b}`}});
	t.is(resolved.contextName, 'ctx-a', "client-node would take the last file's; kubectl takes the first");
	t.is(resolved.cluster.server, 'https://one.example:6443');
	t.is(resolved.namespace, 'team-a');
	const other = resolveConfig({env: {KUBECONFIG: `${a}:${b}`}, context: 'ctx-b'});
	t.is(other.cluster.server, 'https://two.example');
	t.is(other.namespace, 'default');
	t.is(other.user.token, 't2');
	const flagged = resolveConfig({env: {KUBECONFIG: `${a}:${b}`}, context: 'ctx-a', namespace: 'web'});
	t.is(flagged.namespace, 'web');
	t.false(flagged.allNamespaces);
	t.true(resolveConfig({env: {KUBECONFIG: a}, allNamespaces: true}).allNamespaces);
});

test('--kubeconfig wins over KUBECONFIG; ~/.kube/config is the fallback; relative paths are made absolute', (t) => {
	const dir = tempDir();
	mkdirSync(join(dir, 'certs'));
	writeFileSync(join(dir, 'certs', 'ca.crt'), 'not really a certificate');
	const explicit = file(dir, 'explicit', {
		clusters: [cluster('c', 'https://explicit.example', {'certificate-authority': 'certs/ca.crt'})],
		users: [user('u', 'x')],
		contexts: [context('c', 'c', 'u')],
		'current-context': 'c',
	});
	const env = file(dir, 'env', {
		clusters: [cluster('c', 'https://env.example')],
		users: [user('u', 'x')],
		contexts: [context('c', 'c', 'u')],
		'current-context': 'c',
	});
	const resolved = resolveConfig({kubeconfig: explicit, env: {KUBECONFIG: env}});
	t.is(resolved.cluster.server, 'https://explicit.example');
	t.is(resolved.cluster.caFile, join(dir, 'certs', 'ca.crt'));
	const home = tempDir();
	mkdirSync(join(home, '.kube'));
	file(join(home, '.kube'), 'config', {
		clusters: [cluster('h', 'https://home.example')],
		users: [user('u', 'x')],
		contexts: [context('h', 'h', 'u')],
		'current-context': 'h',
	});
	t.is(resolveConfig({env: {}, home}).cluster.server, 'https://home.example');
});

test('errors are one line and say what to do', (t) => {
	const dir = tempDir();
	const good = file(dir, 'good', {
		clusters: [cluster('c', 'https://c.example')],
		users: [user('u', 'x')],
		contexts: [context('prod', 'c', 'u'), context('staging', 'c', 'u')],
		'current-context': 'prod',
	});
	const unknown = t.throws(() => resolveConfig({kubeconfig: good, context: 'nope'}), {instanceOf: UsageError});
	t.is(unknown!.message, `context "nope" not found in ${good}; available contexts: prod, staging`);
	const missing = t.throws(() => resolveConfig({kubeconfig: join(dir, 'absent')}), {instanceOf: UsageError});
	t.regex(missing!.message, /^cannot read kubeconfig .*absent: no such file$/);
	writeFileSync(join(dir, 'broken'), 'clusters: [unclosed\n  - :');
	const broken = t.throws(() => resolveConfig({kubeconfig: join(dir, 'broken')}), {instanceOf: UsageError});
	t.regex(broken!.message, /^invalid kubeconfig .*broken: /);
	t.false(broken!.message.includes('\n'));
	const scalar = file(dir, 'scalar', 'just a string' as unknown as object);
	t.throws(() => resolveConfig({kubeconfig: scalar}), {instanceOf: UsageError, message: /not a kubeconfig/});
	const noCurrent = file(dir, 'nocurrent', {clusters: [cluster('c', 'https://c.example')], users: [user('u', 'x')], contexts: [context('a', 'c', 'u')]});
	t.throws(() => resolveConfig({kubeconfig: noCurrent}), {
		instanceOf: UsageError,
		message: 'no current context is set in ' + noCurrent + ': pass --context (available: a)',
	});
	const dangling = file(dir, 'dangling', {clusters: [], users: [], contexts: [context('a', 'gone', 'u')], 'current-context': 'a'});
	t.throws(() => resolveConfig({kubeconfig: dangling}), {instanceOf: UsageError, message: /refers to cluster "gone"/});
	t.throws(() => resolveConfig({env: {KUBECONFIG: join(dir, 'nope1')}}), {instanceOf: UsageError, message: /none of the files in KUBECONFIG exist/});
	t.throws(() => resolveConfig({env: {}, home: tempDir()}), {instanceOf: UsageError, message: /no kubeconfig found/});
});
