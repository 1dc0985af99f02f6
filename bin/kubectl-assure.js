#!/usr/bin/env node
// kubectl-assure: runs the built CLI (npm run build writes dist/). The warning filter loads
// before anything else: dependencies' deprecation warnings would garble the terminal UI.
await import('../dist/source/cli/quiet-warnings.js');
// Ink must not take the terminal for a CI log, and React must load its production build (see terminal-env.ts).
await import('../dist/source/cli/terminal-env.js');
const {main} = await import('../dist/source/cli/main.js');
process.exitCode = await main(process.argv.slice(2));
