import type {BenchSuite} from './harness.js';
import {suite as audit} from './audit.js';
import {suite as binary} from './binary.js';
import {suite as interner} from './interner.js';
import {suite as scale} from './scale.js';
import {suite as sim} from './sim.js';
import {suite as soak} from './soak.js';
import {suite as sync} from './sync.js';
import {suite as ui} from './ui.js';

/** Every benchmark suite, in the order they run. `soak` only runs when named. */
export const suites: BenchSuite[] = [sim, sync, interner, audit, ui, binary, scale, soak];
