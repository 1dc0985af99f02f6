/**
 * Input errors in words: the one place where a file-system error becomes the one line the
 * user sees (AuditSourceError, "audit log: cannot read X: why"), whichever part of the
 * audit input met it — listing, opening, reading, a stream.
 */

/**
 * Why a file cannot be read, in words (an errno code alone, or "no such file" for a path
 * whose parent is a file, told the user little or the wrong thing).
 */
export function describeFsError(error: unknown): string {
	const code = (error as NodeJS.ErrnoException)?.code;
	switch (code) {
		case 'ENOENT':
			return 'no such file or directory';
		case 'ENOTDIR':
			return 'a parent of the path is not a directory';
		case 'EACCES':
		case 'EPERM':
			return 'permission denied';
		case 'EISDIR':
			return 'it is a directory';
		case 'ELOOP':
			return 'too many levels of symbolic links';
		case 'ENXIO':
			return 'not a file that can be read (ENXIO)';
		case 'EIO':
			return 'input/output error (EIO)';
		default:
			return code ?? String((error as Error)?.message ?? error).split('\n')[0]!;
	}
}

/** An input that cannot be read, with one line to show. */
export class AuditSourceError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'AuditSourceError';
	}
}

/** The one line for an input (a path, `stdin`, `the directory X`) that could not be opened or read. */
export function cannotRead(name: string, error: unknown): AuditSourceError {
	return new AuditSourceError(`audit log: cannot read ${name}: ${describeFsError(error)}`);
}
