/**
 * Environment the UI libraries read once, when they are first evaluated. This module is
 * evaluated before any dependency (second in the bin and the release entry), and
 * `restoreEnvironment` puts back what it changed once Ink is loaded, so the children we
 * start (exec credential plugins) see the environment the user gave us.
 *
 * - CI and CONTINUOUS_INTEGRATION: when Ink's is-in-ci dependency sees one, Ink draws
 *   nothing while the process runs and writes only the last frame at exit. An engineer who
 *   opens the TUI in a terminal where CI happens to be set (a CI runner's shell, a jump
 *   box's profile) would stare at a blank screen. When stdout is a terminal they are hidden.
 * - NODE_ENV: React (and Ink's reconciler) load their development builds unless it is
 *   "production". The development build keeps debugging records of every render: the TUI
 *   held about 4 MiB more after each pane switch at 20,000 pods (1.3 GiB after two minutes
 *   of key presses at 150,000). The release bundle has it defined at build time; when the
 *   product runs under node it is set to "production" here unless the user set it.
 */
const MARKERS = ['CI', 'CONTINUOUS_INTEGRATION'] as const;
const hidden = new Map<string, string>();
let setNodeEnv = false;

if (process.stdout.isTTY) {
	for (const key of MARKERS) {
		const value = process.env[key];
		if (value === undefined) continue;
		hidden.set(key, value);
		delete process.env[key];
	}
}
if (process.env.NODE_ENV === undefined) {
	process.env.NODE_ENV = 'production';
	setNodeEnv = true;
}

/** Puts back what this module changed; safe to call more than once. */
export function restoreEnvironment(): void {
	for (const [key, value] of hidden) process.env[key] = value;
	hidden.clear();
	if (setNodeEnv) delete process.env.NODE_ENV;
	setNodeEnv = false;
}
