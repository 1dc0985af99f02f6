/**
 * The entry point: parse flags, then run the simulator (`sim`), the embedded demo, the
 * TUI or report mode. Every error a user can cause ends in one line and an exit code;
 * anything else is an internal error (exit 5, one line, the stack with ASSURE_DEBUG=1).
 */
import {mkdtempSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {startSimulator, type Simulator} from '../sim/simulator.js';
import {EXIT, exitCodeOf, UsageError} from '../errors.js';
import {checkRunMode, parseCli, type SimOptions} from './flags.js';
import {limitHeapGrowth} from './heap.js';
import {sanitize} from '../text/sanitize.js';

function oneLine(error: unknown): string {
	const message = error instanceof Error ? error.message : String(error);
	return sanitize(message.split('\n')[0] ?? message);
}

async function runSimulator(options: SimOptions): Promise<void> {
	let sim: Simulator;
	try {
		sim = await startSimulator({
			scenario: options.scenario,
			size: options.size,
			hpas: options.hpas,
			port: options.port,
			https: options.https,
			requestLog: options.requestLog,
			auditLog: options.auditLog,
			timeScale: options.timeScale,
			seed: options.seed,
			minor: options.minor,
		});
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		if (code === 'EADDRINUSE') throw new UsageError(`port ${options.port} is already in use`);
		if (code === 'EACCES') throw new UsageError(`no permission to listen on port ${options.port}`);
		throw error;
	}
	const kubeconfigPath = options.kubeconfigOut ?? join(mkdtempSync(join(tmpdir(), 'assure-sim-')), 'kubeconfig');
	try {
		writeFileSync(kubeconfigPath, sim.kubeconfig(), {mode: 0o600});
	} catch (error) {
		await sim.close();
		throw new UsageError(`cannot write the kubeconfig to ${kubeconfigPath}: ${(error as NodeJS.ErrnoException).code ?? oneLine(error)}`);
	}
	const counts = [...sim.store.resources()].reduce((n, store) => n + store.size, 0);
	process.stdout.write(
		[
			`simulated API server (v1.${sim.minor}, scenario ${options.scenario}) listening on ${sim.url} with ${counts} objects`,
			`kubeconfig: ${kubeconfigPath}`,
			'',
			'Point kubectl (or kubectl assure) at it:',
			`  export KUBECONFIG=${kubeconfigPath}`,
			'  kubectl get pods -A',
			'  kubectl assure',
			...(options.requestLog ? [`request log: ${options.requestLog}`] : []),
			...(options.auditLog ? [`audit log: ${options.auditLog}`] : []),
			'',
			'Press Ctrl-C to stop.',
			'',
		].join('\n'),
	);
	await new Promise<void>((resolve) => {
		const stop = () => resolve();
		process.once('SIGINT', stop);
		process.once('SIGTERM', stop);
		process.once('SIGHUP', stop);
	});
	await sim.close();
}

export async function main(argv: string[]): Promise<number> {
	try {
		const command = parseCli(argv);
		switch (command.command) {
			case 'help':
				process.stdout.write(command.text);
				return EXIT.ok;
			case 'version':
				process.stdout.write(`${command.text}\n`);
				return EXIT.ok;
			case 'sim':
				await runSimulator(command);
				return EXIT.ok;
			case 'run': {
				checkRunMode(command, {stdoutIsTerminal: Boolean(process.stdout.isTTY)});
				// The product's own process (not the simulator's): keep its heap close to what is live.
				limitHeapGrowth();
				const {runProduct} = await import('./run.js');
				return await runProduct(command);
			}
		}
	} catch (error) {
		const code = exitCodeOf(error);
		if (code !== undefined) {
			process.stderr.write(`error: ${oneLine(error)}\n`);
			return code;
		}
		process.stderr.write(
			`error: internal error: ${oneLine(error)}${process.env.ASSURE_DEBUG ? `\n${(error as Error).stack ?? ''}` : ' (set ASSURE_DEBUG=1 for details)'}\n`,
		);
		// A bug, not something the user or the cluster did: its own code, not "findings".
		return EXIT.internal;
	}
}
