/**
 * Audit input that is a stream, not a file: stdin (`-`), a FIFO (`mkfifo`), a pipe named
 * by a path (`/dev/fd/63` from a shell's process substitution `<(ssh cp1 tail -F …)`, or
 * `/dev/stdin`), or a character device. A stream cannot be sized, seeked or read twice,
 * so it is read once, front to back, as its bytes arrive.
 *
 * Opening must never block: open(2) of a FIFO for reading waits until a writer opens it,
 * and done in libuv's thread pool that wait holds one of its four threads (a second open
 * holds another, and DNS lookups, file reads and zlib queue behind them). A pipe is opened
 * with O_NONBLOCK, which returns at once with or without a writer, and read through a
 * net.Socket, which waits for data in the event loop (epoll), not in a thread. Linux
 * reports no hang-up on a FIFO until a writer has come and gone, so a FIFO without a
 * writer yet is simply quiet, and the end of its last writer is its end of file.
 */
import {open as openCallback, constants, createReadStream} from 'node:fs';
import {stat} from 'node:fs/promises';
import {Socket} from 'node:net';

/** What kind of stream a `--audit-log` value names. */
export type StreamKind = 'stdin' | 'pipe' | 'device';

/** The stream kind `spec` names, or undefined for anything else (a file, a directory, a glob, a missing path). */
export async function streamKindOf(spec: string): Promise<StreamKind | undefined> {
	if (spec === '-') return 'stdin';
	let info;
	try {
		// stat follows links: /dev/fd/63 and /dev/stdin are links to the pipe itself.
		info = await stat(spec);
	} catch {
		return undefined;
	}
	if (info.isFIFO()) return 'pipe';
	if (info.isCharacterDevice()) return 'device';
	return undefined;
}

/** Opens a FIFO or pipe for reading without waiting for a writer: a file descriptor in non-blocking mode. */
function openNonBlocking(path: string): Promise<number> {
	return new Promise((resolve, reject) => {
		openCallback(path, constants.O_RDONLY | constants.O_NONBLOCK, (error, fd) => (error ? reject(error) : resolve(fd)));
	});
}

/**
 * Opens the stream `spec` names for reading, without blocking a thread (`-`: `stdin`,
 * default process.stdin). Errors are the system's (ENOENT, EACCES, ENXIO…), for the caller
 * to word (errors.ts).
 */
export async function openAuditStream(spec: string, kind: StreamKind, stdin?: NodeJS.ReadableStream): Promise<NodeJS.ReadableStream & {destroy(): void}> {
	if (kind === 'stdin') return (stdin ?? process.stdin) as NodeJS.ReadableStream & {destroy(): void};
	if (kind === 'device') return createReadStream(spec);
	const fd = await openNonBlocking(spec);
	try {
		return new Socket({fd, readable: true, writable: false});
	} catch {
		// Not a pipe after all (replaced between stat and open): a plain read stream reads anything else.
		return createReadStream(spec, {fd});
	}
}

/** Words for where a stream comes from, for the header and the report. */
export function streamLabel(spec: string, kind: StreamKind): string {
	return kind === 'stdin' ? 'stdin' : spec;
}
