/**
 * Ink draws nothing while the process runs when it believes it is in CI: its is-in-ci
 * dependency reads CI and CONTINUOUS_INTEGRATION once, when it is first evaluated, and Ink
 * then writes only the last frame at exit. An engineer who opens the TUI in a terminal
 * where CI happens to be set (a CI runner's shell, a jump box's profile) would stare at a
 * blank screen. So when stdout is a terminal, this module, evaluated before any dependency,
 * hides those two variables; `restoreCiMarkers` puts them back once Ink is loaded, so the
 * children we start (exec credential plugins) see the environment the user gave us.
 */
const MARKERS = ['CI', 'CONTINUOUS_INTEGRATION'] as const;
const hidden = new Map<string, string>();

if (process.stdout.isTTY) {
	for (const key of MARKERS) {
		const value = process.env[key];
		if (value === undefined) continue;
		hidden.set(key, value);
		delete process.env[key];
	}
}

/** Puts back what this module hid; safe to call more than once. */
export function restoreCiMarkers(): void {
	for (const [key, value] of hidden) process.env[key] = value;
	hidden.clear();
}
