/**
 * Evidence in words: every key an analyzer emits has a label and a unit in
 * source/findings/evidence.ts — every key written in the analyzers' sources (read with
 * the TypeScript parser, so a new key fails here before any scenario produces it), and
 * every key of every finding on the demo scenarios (the binary's -o json on `--demo` and
 * `--demo clean`, and the watchers pane on the simulator's audit log and the synthetic
 * fixture); values print with their units; -o json keeps the raw keys.
 */
import {execFile} from 'node:child_process';
import {readdirSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import test from 'ava';
import ts from 'typescript';
import {snapshotOf} from '../../source/audit/snapshot.js';
import {openAuditSource} from '../../source/audit/source.js';
import {describeEvidence, EVIDENCE, evidenceMeaning} from '../../source/findings/evidence.js';
import {analyzeWatchers} from '../../source/findings/watchers.js';
import {emptyState} from '../../source/model/empty-state.js';
import {fixtureDir} from '../helpers/fixtures.js';
import {tempDir, withSim} from '../helpers/sim.js';

const FINDINGS_DIR = 'source/findings/';

/** Keys of an evidence object literal, through spreads and conditional spreads. */
function literalKeys(node: ts.Node, out: Set<string>, locals: ReadonlyMap<string, ts.Expression>): void {
	if (ts.isObjectLiteralExpression(node)) {
		for (const property of node.properties) {
			if (
				(ts.isPropertyAssignment(property) || ts.isShorthandPropertyAssignment(property)) &&
				(ts.isIdentifier(property.name) || ts.isStringLiteral(property.name))
			)
				out.add(property.name.text);
			else if (ts.isSpreadAssignment(property)) literalKeys(property.expression, out, locals);
			else throw new Error(`an evidence property this test cannot read: ${property.getText()}`);
		}
	} else if (ts.isParenthesizedExpression(node)) literalKeys(node.expression, out, locals);
	else if (ts.isConditionalExpression(node)) {
		literalKeys(node.whenTrue, out, locals);
		literalKeys(node.whenFalse, out, locals);
	} else if (ts.isIdentifier(node) && locals.has(node.text)) literalKeys(locals.get(node.text)!, out, locals);
}

/** Every evidence key written in the analyzers: `evidence: {…}`, `const evidence = {…}`, `evidence.key = …`. */
function sourceKeys(): Map<string, string> {
	const keys = new Map<string, string>();
	// Pane analyzers with several finding groups keep them in a folder (findings/etcd/, findings/autoscaling/).
	for (const file of readdirSync(FINDINGS_DIR, {recursive: true, encoding: 'utf8'}).filter((f) => f.endsWith('.ts') && f !== 'evidence.ts')) {
		const source = ts.createSourceFile(file, readFileSync(join(FINDINGS_DIR, file), 'utf8'), ts.ScriptTarget.Latest, true);
		const locals = new Map<string, ts.Expression>();
		const collect = (node: ts.Node) => {
			if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.initializer && ts.isObjectLiteralExpression(node.initializer))
				locals.set(node.name.text, node.initializer);
			ts.forEachChild(node, collect);
		};
		collect(source);
		const found = new Set<string>();
		const visit = (node: ts.Node) => {
			if (ts.isPropertyAssignment(node) && ts.isIdentifier(node.name) && node.name.text === 'evidence') literalKeys(node.initializer, found, locals);
			if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.name.text === 'evidence' && node.initializer)
				literalKeys(node.initializer, found, locals);
			if (
				ts.isBinaryExpression(node) &&
				node.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
				ts.isPropertyAccessExpression(node.left) &&
				ts.isIdentifier(node.left.expression) &&
				node.left.expression.text === 'evidence'
			)
				found.add(node.left.name.text);
			ts.forEachChild(node, visit);
		};
		visit(source);
		for (const key of found) keys.set(key, file);
	}
	return keys;
}

test('every evidence key written in the analyzers has words and a unit', (t) => {
	const keys = sourceKeys();
	t.true(keys.size > 100, `the scan finds the analyzers' keys (${keys.size})`);
	for (const known of ['reversals60m', 'churnPerHour', 'suggestedScaleDownWindowSeconds', 'estimatedBytes', 'throttled', 'rejectedTotal', 'usage'])
		t.true(keys.has(known), known);
	const missing = [...keys].filter(([key]) => evidenceMeaning(key) === undefined).map(([key, file]) => `${key} (${file})`);
	t.deepEqual(missing, [], 'keys without an entry in source/findings/evidence.ts');
});

test('no entry is left for a key nobody emits', (t) => {
	const keys = sourceKeys();
	t.deepEqual(
		Object.keys(EVIDENCE).filter((key) => !keys.has(key)),
		[],
	);
});

test('labels are plain words a LANG=C terminal shows as they are', (t) => {
	for (const [key, entry] of Object.entries(EVIDENCE)) {
		for (const label of [entry.label, ...Object.values(entry.byType ?? {}).map((e) => e.label ?? '')]) {
			t.regex(label, /^[\x20-\x7e]*$/, key);
			t.false(label.includes(key) && /[a-z][A-Z]/.test(key) && label !== key, `${key}: words, not the key`);
		}
	}
});

test('values with their units', (t) => {
	const text = (key: string, value: number | string, type?: string) => {
		const d = describeEvidence(key, value, type);
		return `${d.label}: ${d.text}`;
	};
	t.is(text('reversals60m', 36), 'reversals, last 60 min: 36');
	t.is(text('suggestedScaleDownWindowSeconds', 600), 'suggested scale-down window: 600 s (10 min)');
	t.is(text('scaleUpWindowSeconds', 0), 'scale-up window now: 0 s');
	t.is(text('medianSecondsBetweenReversals', 92), 'median time between reversals: 92 s');
	t.is(text('flappingSinceSecondsAgo', 1500), 'flapping since: 25 min ago');
	t.is(text('churnPerHour', 38.7), 'churn (replica changes / mean replicas): 38.7 per hour');
	t.is(text('estimatedBytes', 5 * 1024 * 1024), 'estimated size in etcd: 5.0 MiB');
	t.is(text('bytes', 1_610_612_736, 'etcd-size'), 'database size: 1.5 GiB');
	t.is(text('bytes', 1_400_000, 'oversized-object'), 'object size (serialized): 1.3 MiB');
	t.is(text('fraction', 0.75, 'etcd-size'), 'share of the quota: 75%');
	t.is(text('fraction', 0.93, 'oversized-object'), 'share of the request limit: 93%');
	t.is(text('observedMinutes', 58), 'observed for: 58 min');
	t.is(text('minutesAtMax', 190), 'at maxReplicas for: 3.2 h');
	t.is(text('requestsPerMin', 1234.5), 'requests: 1,234.5 per minute');
	t.is(text('count', 12345), 'objects: 12,345');
	t.is(text('count/jobs.batch', 240), 'objects: jobs.batch: 240');
	t.is(text('oldest', '3d'), 'age of the oldest: 3d', 'strings carry their own unit');
	t.is(text('storageClass', ''), 'StorageClass: -');
	const unknown = describeEvidence('someNewKey60m', 5);
	t.false(unknown.known);
	t.is(unknown.label, 'some new key 60m', 'a key without an entry still reads as words (and fails the tests above)');
});

interface Report {
	findings: Array<{type: string; evidence: Record<string, number | string>}>;
}

function demoReport(args: string[]): Promise<Report> {
	return new Promise((resolve, reject) => {
		execFile(
			process.execPath,
			['bin/kubectl-assure.js', '--demo', ...args, '-o', 'json', '--qps', '100', '--burst', '100'],
			{timeout: 120_000, maxBuffer: 64 * 1024 * 1024, env: {...process.env, KUBECTL_ASSURE_STATE_DIR: tempDir()}},
			(error, stdout, stderr) => {
				if (error && !stdout) reject(new Error(`${error.message}\n${stderr}`));
				else resolve(JSON.parse(stdout) as Report);
			},
		);
	});
}

test('every key of every finding on the demo scenarios has a label; -o json keeps the raw keys', async (t) => {
	const findings: Report['findings'] = [];
	for (const scenario of [[], ['clean']]) findings.push(...(await demoReport(scenario)).findings);
	// The watchers pane from audit logs: the simulator's own and the synthetic fixture.
	const path = join(tempDir(), 'audit.log');
	await withSim({scenario: 'incident', auditLog: path, controllers: false}, async () => {
		for (const log of [path, `${fixtureDir('audit')}synthetic-native-heavy-watchers.jsonl`]) {
			const {aggregator} = await openAuditSource(log, {workers: 0});
			findings.push(...analyzeWatchers(snapshotOf(aggregator), emptyState()).findings.map((f) => ({type: f.type, evidence: {...f.evidence}})));
		}
	});
	const types = new Set(findings.map((f) => f.type));
	for (const type of ['hpa-flapping', 'hpa-fight', 'job-without-ttl', 'heavy-client', 'not-guaranteed']) t.true(types.has(type), type);
	const keys = new Set(findings.flatMap((f) => Object.keys(f.evidence)));
	t.true(keys.has('reversals60m') && keys.has('suggestedScaleDownWindowSeconds'), 'raw keys in the JSON report');
	const missing = findings.flatMap((f) =>
		Object.keys(f.evidence)
			.filter((key) => !describeEvidence(key, f.evidence[key]!, f.type).known)
			.map((key) => `${f.type}: ${key}`),
	);
	t.deepEqual([...new Set(missing)], []);
});
