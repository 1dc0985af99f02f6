/**
 * The simulator's scenarios, seeded and deterministic:
 * - `incident`: a small AKS-like cluster in trouble, with something real for every pane;
 * - `clean`: a healthy cluster where no pane should report anything;
 * - `large`: up to 150,000 pods and 10,000 HPAs, for scale and soak runs;
 * - `empty`: namespaces only, for tests that build their own objects.
 */
import type {NodePoolSpec} from '../controllers/nodes.js';
import type {Simulator} from '../simulator.js';
import {seedClean} from './clean.js';
import {seedIncident} from './incident.js';
import {seedLarge} from './large.js';
import {ClusterBuilder} from './builder.js';
import {seedSystem} from './system.js';

export type ScenarioName = 'incident' | 'clean' | 'large' | 'empty';
export const SCENARIOS: ScenarioName[] = ['incident', 'clean', 'large', 'empty'];

export interface ScenarioResult {
	pools: NodePoolSpec[];
	leaseRenewMs?: number;
	/** Reconcile every workload once after the controllers start (small scenarios). */
	resync?: boolean;
	/** Called once the controllers run: load models, storms, gitops writers. */
	afterControllers?: (sim: Simulator) => void;
}

export function buildScenario(sim: Simulator, name: ScenarioName, options: {size?: number; hpas?: number}): ScenarioResult {
	const builder = new ClusterBuilder(sim);
	switch (name) {
		case 'incident':
			return seedIncident(builder);
		case 'clean':
			return seedClean(builder);
		case 'large':
			return seedLarge(builder, options.size ?? 10_000, options.hpas);
		case 'empty': {
			seedSystem(builder, {guaranteedSystem: true, flowSchemas: true});
			const pools: NodePoolSpec[] = [{name: 'nodepool1', provider: 'aks', size: 2}];
			for (const pool of pools) builder.pool(pool);
			return {pools, resync: true};
		}
		default:
			throw new Error(`unknown scenario "${String(name)}"; known: ${SCENARIOS.join(', ')}`);
	}
}
