/**
 * `npm run bench [-- suite…] [-- --quick]`: runs the benchmark suites, prints each
 * measure beside its same-run baseline, and writes BENCHMARKS.md.
 */
import {writeFileSync} from 'node:fs';
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

const sections: string[] = [];
for (const suite of selected) {
	console.log(`== ${suite.name}`);
	const measures = await suite.run({quick, log: (line) => console.log(`   ${line}`)});
	const table = renderTable(suite.name, measures);
	console.log(table);
	console.log('');
	sections.push(table);
}

const header = [
	'# Benchmarks',
	'',
	`Written by \`npm run bench${quick ? ' -- --quick' : ''}\` on ${new Date().toISOString()} (node ${process.version}, ${process.platform}/${process.arch}).`,
	'Each measure is taken beside its baseline in the same run; "advantage" is how many times better kubectl-assure is (> 1 is better).',
	'',
];
writeFileSync('BENCHMARKS.md', `${header.join('\n')}${sections.join('\n\n')}\n`);
console.log('wrote BENCHMARKS.md');
