/**
 * The entry of the single-file bundle the release binaries are compiled from (the build
 * itself is tooling outside the product: tools/release/build.ts).
 *
 * First the binary makes sure it runs with JavaScriptCore's heap sized for a tool, not for
 * the machine (source/cli/heap.ts: it re-executes itself once with BUN_JSC_forceRAMSize
 * set); only then is the rest loaded. The warning filter comes next: it must be in place
 * before any dependency can emit a warning, and dynamic imports evaluate in this order.
 */
import {relaunchForHeap} from '../cli/heap.js';

relaunchForHeap();
await import('../cli/quiet-warnings.js');
await import('../cli/terminal-env.js');
const {main} = await import('../cli/main.js');

process.exitCode = await main(process.argv.slice(2));
