/**
 * Errors a user can cause end in one line on stderr and an exit code, never a stack trace.
 * Exit codes (documented in README): 0 done, 1 findings at or above --fail-on, 2 usage or
 * configuration error, 3 cluster unreachable or unauthorized.
 */
export const EXIT = {ok: 0, findings: 1, usage: 2, unreachable: 3} as const;

export class UsageError extends Error {
	readonly exitCode = EXIT.usage;
}

export class ConnectionError extends Error {
	readonly exitCode = EXIT.unreachable;
}

export function exitCodeOf(error: unknown): number | undefined {
	if (error && typeof error === 'object' && 'exitCode' in error && typeof (error as {exitCode: unknown}).exitCode === 'number') return (error as {exitCode: number}).exitCode;
	return undefined;
}
