#!/usr/bin/env node
// kubectl-assure: runs the built CLI (npm run build writes dist/).
// Deprecation warnings from dependencies (punycode, url.parse) would garble the terminal UI.
process.removeAllListeners('warning');
process.on('warning', (warning) => {
	if (warning.name !== 'DeprecationWarning' && warning.name !== 'ExperimentalWarning' && process.env.ASSURE_DEBUG) process.stderr.write(`${warning.name}: ${warning.message}\n`);
});
const {main} = await import('../dist/source/cli/main.js');
const code = await main(process.argv.slice(2));
process.exitCode = code;
