/** A scratch directory for benchmark inputs (generated logs, kubeconfigs), under .bench-tmp/. */
import {mkdirSync} from 'node:fs';
import {join} from 'node:path';

export function benchTemp(): string {
	const dir = join(process.cwd(), '.bench-tmp');
	mkdirSync(dir, {recursive: true});
	return dir;
}
