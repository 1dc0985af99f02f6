import type {BenchSuite} from './harness.js';
import {suite as sim} from './sim.js';

/** Every benchmark suite, in the order they run. `soak` only runs when named. */
export const suites: BenchSuite[] = [sim];
