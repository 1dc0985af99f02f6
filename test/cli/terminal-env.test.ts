import {spawnSync} from 'node:child_process';
import test from 'ava';

const MODULE = JSON.stringify(new URL('../../source/cli/terminal-env.ts', import.meta.url).href);

/** Loads terminal-env first, as the entries do, then React, then puts the environment back. */
const PROBE = `
const {restoreEnvironment} = await import(${MODULE});
const {createRequire} = await import('node:module');
const require = createRequire(${JSON.stringify(new URL('../../package.json', import.meta.url).href)});
require('react');
const build = Object.keys(require.cache).filter((path) => /react[\\\\/]cjs[\\\\/]react\\./.test(path)).map((path) => path.replace(/^.*[\\\\/]/, ''));
const during = process.env.NODE_ENV ?? null;
restoreEnvironment();
process.stdout.write(JSON.stringify({build, during, after: process.env.NODE_ENV ?? null}));
`;

function probe(env: Record<string, string | undefined>): {build: string[]; during: string | null; after: string | null} {
	const environment = {...process.env, ...env};
	for (const [key, value] of Object.entries(environment)) if (value === undefined) delete environment[key];
	const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', PROBE], {encoding: 'utf8', env: environment});
	if (result.status !== 0) throw new Error(result.stderr);
	return JSON.parse(result.stdout) as {build: string[]; during: string | null; after: string | null};
}

test('React loads its production build, and NODE_ENV is unset again for the children we start', (t) => {
	t.deepEqual(probe({NODE_ENV: undefined}), {build: ['react.production.js'], during: 'production', after: null});
});

test('a NODE_ENV the user set is kept', (t) => {
	t.deepEqual(probe({NODE_ENV: 'development'}), {build: ['react.development.js'], during: 'development', after: 'development'});
});
