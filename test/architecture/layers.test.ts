/**
 * The layers hold: no module of source/ imports from a layer above its own, sim/ stays a
 * separate program, and neither folders nor the product's files import each other in a
 * circle. The import graph is read from the source files (test/architecture/import-graph.ts),
 * the rules are in test/architecture/layers.ts. The checker itself is tried on a small tree
 * that breaks each rule once.
 */
import {mkdirSync, writeFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import test from 'ava';
import {importSpecifiers} from './import-graph.js';
import {layerOf, layerViolations} from './layers.js';
import {tempDir} from '../helpers/sim.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

test('no module imports from a layer above it; no folders, and no files of the product, in a circle', (t) => {
	t.deepEqual(layerViolations(ROOT), []);
});

test('every kind of import is read: static, type-only, export … from, dynamic import() and import() types', (t) => {
	const text = [
		"import {a} from './a.js';",
		"import type {B} from '../b.js';",
		"import './side-effect.js';",
		"export {c} from './c.js';",
		"export * as d from './d.js';",
		"const e = await import('./e.js');",
		"type F = import('./f.js').F;",
		"import fs from 'node:fs';",
		'// import {nothing} from "./comment.js";',
		'const text = "import {g} from \'./in-a-string.js\'";',
	].join('\n');
	t.deepEqual(
		importSpecifiers('x.ts', text).map((s) => s.specifier),
		['./a.js', '../b.js', './side-effect.js', './c.js', './d.js', './e.js', './f.js', 'node:fs'],
	);
	t.deepEqual(
		importSpecifiers('x.tsx', 'import {X} from "./x.js";\nexport const y = <X a={1} />;\n').map((s) => [s.specifier, s.line]),
		[['./x.js', 1]],
	);
});

test('layers are known by folder', (t) => {
	t.is(layerOf('source/findings/etcd/jobs.ts')?.layer, 'findings');
	t.is(layerOf('source/clock.ts')?.layer, 'base');
	t.is(layerOf('source/formats/quantity.ts')?.layer, 'base');
	t.is(layerOf('source/sim/scenarios/incident.ts')?.layer, 'sim');
	t.is(layerOf('source/release/entry.ts')?.layer, 'entry');
	t.is(layerOf('source/misc/thing.ts'), undefined);
	t.true(layerOf('source/kube/session.ts')!.rank < layerOf('source/findings/qos.ts')!.rank);
	t.true(layerOf('source/ui/screen.tsx')!.rank === layerOf('source/report/report.ts')!.rank);
});

test('the checker finds each kind of violation in a tree that has them', (t) => {
	const root = tempDir('assure-layers-');
	const write = (file: string, text: string) => {
		mkdirSync(dirname(join(root, file)), {recursive: true});
		writeFileSync(join(root, file), text);
	};
	write('source/model/state.ts', "import type {Figures} from '../kube/metrics.js';\nexport type State = {figures: Figures};\n");
	write('source/kube/metrics.ts', "export type Figures = number;\nexport const load = () => import('../sim/server.js');\n");
	write('source/findings/etcd.ts', "import {plan} from '../plans/etcd.js';\nexport const analyze = plan;\n");
	write('source/plans/etcd.ts', 'export const plan = 1;\n');
	write(
		'source/sim/server.ts',
		"import type {State} from '../model/state.js';\nimport {size} from '../text/width.js';\nexport const s: State | number = size;\n",
	);
	write('source/text/width.ts', "import {q} from '../formats/quantity.js';\nexport const size = q;\n");
	write('source/formats/quantity.ts', "export {size as q} from '../text/width.js';\n");
	write('source/app/controller.ts', "import {header} from './header.js';\nexport const c = header;\n");
	write('source/app/header.ts', "import type {c} from './controller.js';\nexport const header: typeof c | 1 = 1;\n");
	write('source/cli/run.ts', "import {gone} from './gone.js';\nimport('../sim/server.js');\nexport const run = gone;\n");
	write('source/misc/util.ts', 'export const u = 1;\n');
	const problems = layerViolations(root);
	const has = (pattern: RegExp) =>
		t.true(
			problems.some((p) => pattern.test(p)),
			`${pattern}\n${problems.join('\n')}`,
		);
	has(
		/^source\/model\/state\.ts:1 imports '\.\.\/kube\/metrics\.js' \(source\/kube\/metrics\.ts\): model \(model\/\) may not import sources \(kube\/\), a layer above it$/,
	);
	has(/^source\/findings\/etcd\.ts:1 imports '\.\.\/plans\/etcd\.js' .*: findings \(findings\/\) may not import plans \(plans\/\)/);
	has(/^source\/kube\/metrics\.ts:2 imports '\.\.\/sim\/server\.js' .*: only cli may import sim\/, not sources$/);
	has(/^source\/sim\/server\.ts:1 imports '\.\.\/model\/state\.js' .*: sim\/ is a separate program and may import only base, not model$/);
	has(/^folders import each other in a circle: formats, text /);
	has(/^folders import each other in a circle: kube, model, sim /);
	has(/^files import each other in a circle: formats\/quantity\.ts, text\/width\.ts$/);
	has(/^files import each other in a circle: app\/controller\.ts, app\/header\.ts$/);
	has(/^source\/cli\/run\.ts:1 imports '\.\/gone\.js' .*: no such module$/);
	has(/^source\/misc\/util\.ts: folder misc\/ is in no layer/);
	t.false(
		problems.some((p) => p.startsWith('source/cli/run.ts:2')),
		'cli may start the simulator',
	);
	t.false(
		problems.some((p) => p.startsWith('source/sim/server.ts:2')),
		'sim may import the base layer',
	);
	t.is(problems.length, 10, problems.join('\n'));
});
