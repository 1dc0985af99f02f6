/**
 * The entry of the single-file bundle the release binaries are compiled from. The warning
 * filter is imported first: ES modules evaluate in import order, so it is in place before
 * any dependency can emit a warning.
 */
import '../cli/quiet-warnings.js';
import '../cli/terminal-env.js';
import {main} from '../cli/main.js';

process.exitCode = await main(process.argv.slice(2));
