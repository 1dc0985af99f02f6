/**
 * The product's version: injected at bundle time, else read from the package.json next to
 * the code (source/ under tsx, dist/source/ when built).
 */
import {readFileSync} from 'node:fs';

declare const __KUBECTL_ASSURE_VERSION__: string | undefined;

function fromPackageJson(): string {
	for (const relative of ['../package.json', '../../package.json']) {
		try {
			const pkg = JSON.parse(readFileSync(new URL(relative, import.meta.url), 'utf8')) as {name?: string; version?: string};
			if (pkg.name === 'kubectl-assure' && pkg.version) return pkg.version;
		} catch {
			// Try the next candidate.
		}
	}
	return '0.0.0-unknown';
}

export const VERSION: string = typeof __KUBECTL_ASSURE_VERSION__ === 'string' ? __KUBECTL_ASSURE_VERSION__ : fromPackageJson();

export function userAgent(): string {
	const os = process.platform;
	const arch = process.arch === 'x64' ? 'amd64' : process.arch;
	return `kubectl-assure/${VERSION} (${os}/${arch})`;
}
