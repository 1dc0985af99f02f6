/**
 * The product's main mode. Until the data layer and the UI land, `--demo` starts the
 * simulator in process and says how to point kubectl at it.
 */
import {mkdtempSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {startSimulator} from '../sim/simulator.js';
import {EXIT, UsageError} from '../errors.js';
import type {RunOptions} from './flags.js';

export async function runProduct(options: RunOptions): Promise<number> {
	if (!options.demo) throw new UsageError('the live view is not built yet: use --demo to start the simulated cluster');
	const sim = await startSimulator({scenario: options.demo});
	const kubeconfig = join(mkdtempSync(join(tmpdir(), 'assure-demo-')), 'kubeconfig');
	writeFileSync(kubeconfig, sim.kubeconfig(), {mode: 0o600});
	process.stdout.write(`simulated cluster (scenario ${options.demo}) on ${sim.url}\n  export KUBECONFIG=${kubeconfig}\n  kubectl get pods -A\nPress Ctrl-C to stop.\n`);
	await new Promise<void>((resolve) => {
		process.once('SIGINT', resolve);
		process.once('SIGTERM', resolve);
		process.once('SIGHUP', resolve);
	});
	await sim.close();
	return EXIT.ok;
}
