/**
 * Errors a user can cause end in one line on stderr and an exit code, never a stack trace.
 * Exit codes (documented in README and in --help):
 *   0 done: no finding at or above --fail-on, every pane asked for has data
 *   1 findings at or above --fail-on, or the remedy named by --apply was refused or failed
 *   2 usage or configuration error (bad flag, unknown context or finding, unreadable
 *     kubeconfig or audit log)
 *   3 the cluster is unreachable or refused our credentials
 *   4 report mode: a pane asked for (--panes) has no data — an input it cannot do without
 *     was forbidden, absent, or not synced within --request-timeout; wins over 1
 *   5 internal error: a bug in kubectl assure (one line; ASSURE_DEBUG=1 adds the stack)
 */
export const EXIT = {ok: 0, findings: 1, usage: 2, unreachable: 3, noData: 4, internal: 5} as const;

export class UsageError extends Error {
	readonly exitCode = EXIT.usage;
}

export class ConnectionError extends Error {
	readonly exitCode = EXIT.unreachable;
}

export function exitCodeOf(error: unknown): number | undefined {
	if (error && typeof error === 'object' && 'exitCode' in error && typeof (error as {exitCode: unknown}).exitCode === 'number')
		return (error as {exitCode: number}).exitCode;
	return undefined;
}
