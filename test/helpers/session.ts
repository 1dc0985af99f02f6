/**
 * Test helpers for a product session against a simulator: a Session on the simulator's
 * clock (connected unless asked not to), stopped afterwards; and a lookup of a finding by
 * type through an AppController.
 */
import {ScaledClock} from '../../source/clock.js';
import type {AppController} from '../../source/app/controller.js';
import type {Finding} from '../../source/model/finding.js';
import {resolveConfig} from '../../source/kube/kubeconfig.js';
import {Session, type SessionOptions} from '../../source/kube/session.js';
import type {Simulator} from '../../source/sim/simulator.js';
import {writeKubeconfig} from './sim.js';

export interface TestSessionOptions extends Partial<SessionOptions> {
	kubeconfig?: string;
	/** Skip connect(): its 10 s deadline is little wall time on a fast simulated clock. */
	connect?: boolean;
}

export async function withSession<T>(sim: Simulator, options: TestSessionOptions, fn: (session: Session) => Promise<T>): Promise<T> {
	const {kubeconfig, connect = true, ...sessionOptions} = options;
	const config = resolveConfig({kubeconfig: kubeconfig ?? writeKubeconfig(sim), allNamespaces: true});
	const session = new Session({config, clock: new ScaledClock(sim.clock.scale, sim.clock.now()), ...sessionOptions});
	try {
		if (connect) await session.connect();
		await session.start();
		return await fn(session);
	} finally {
		await session.stop();
	}
}

/** The first finding of `type` (and `predicate`) after a fresh analysis; throws naming what there is. */
export function findingFinder(controller: AppController): (type: string, predicate?: (f: Finding) => boolean) => Finding {
	return (type, predicate = () => true) => {
		controller.refresh(true);
		const found = controller.findings().find((f) => f.type === type && predicate(f));
		if (!found)
			throw new Error(
				`no ${type} finding; have ${controller
					.findings()
					.map((f) => f.id)
					.join(', ')}`,
			);
		return found;
	};
}
