/**
 * `npm run bench [-- suite…] [-- --quick]`: runs the benchmark suites, prints each
 * measure beside its same-run baseline, and writes BENCHMARKS.md.
 */
// First, as in the product's entry: React's production build (see source/cli/terminal-env.ts).
import '../source/cli/terminal-env.js';
import {readFileSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import {renderTable, type BenchSuite} from './harness.js';
import {suites} from './suites.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const wanted = args.filter((a) => !a.startsWith('--'));
const selected: BenchSuite[] = wanted.length > 0 ? suites.filter((s) => wanted.includes(s.name)) : suites.filter((s) => s.name !== 'soak');
if (selected.length === 0) {
	console.error(`kubectl-assure bench: no suite named ${wanted.join(', ')}; known: ${suites.map((s) => s.name).join(', ')}`);
	process.exit(2);
}

// Sections of suites not run this time are kept from the file; each says when it was taken.
const sections = new Map<string, string>();
try {
	const previous = readFileSync('BENCHMARKS.md', 'utf8');
	for (const part of previous.split(/^(?=### )/m).slice(1)) {
		const name = /^### (\S+)/.exec(part)?.[1];
		if (name) sections.set(name, part.trimEnd());
	}
} catch {
	// No file yet.
}
const cpus = os.cpus();
const machine = `node ${process.version}, ${process.platform}/${process.arch}, ${cpus.length} × ${cpus[0]?.model.trim() ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB`;
for (const suite of selected) {
	console.log(`== ${suite.name}`);
	const measures = await suite.run({quick, log: (line) => console.log(`   ${line}`)});
	const table = renderTable(suite.name, measures);
	console.log(table);
	console.log('');
	const command = `npm run bench -- ${suite.name}${quick ? ' --quick' : ''}`;
	sections.set(
		suite.name,
		table.replace(/^(### \S+\n)/, `$1\n\`${command}\` on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC (${machine}).\n`),
	);
}

const header = [
	'# Benchmarks',
	'',
	'Written by `npm run bench` (all suites but soak) or `npm run bench -- <suite>` (that suite; the others are kept).',
	'Each measure is taken beside its baseline in the same run; "advantage" is how many times better kubectl-assure is (> 1 is better).',
	'',
];
const ordered = [
	...suites.map((s) => s.name).filter((name) => sections.has(name)),
	...[...sections.keys()].filter((name) => !suites.some((s) => s.name === name)),
];
writeFileSync('BENCHMARKS.md', `${header.join('\n')}\n${ordered.map((name) => sections.get(name)).join('\n\n')}\n`);
console.log('wrote BENCHMARKS.md');
