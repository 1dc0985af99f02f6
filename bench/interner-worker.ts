/**
 * The interner under CronJob churn, in its own process so each run starts from an empty heap:
 *   node --expose-gc dist/bench/interner-worker.js generations|one-map <hours>
 * 20,000 standing pods from 2,000 ReplicaSets are projected; then 100 CronJobs run every
 * minute for <hours> simulated hours, each run a Job and its pod that are gone after a few
 * runs, while a standing pod is re-projected every tenth run (a watch event). Prints one
 * JSON line: the live heap (after a forced collection) before and after the churn, and the
 * entries the interner holds. `one-map` is the interner with generations that never turn:
 * what it was before.
 */
import {Interner, projectJob, projectPod} from '../source/kube/projections.js';

const [mode = 'generations', hoursText = '12'] = process.argv.slice(2);
const gc = (globalThis as {gc?: () => void}).gc;
if (!gc) throw new Error('run with --expose-gc');
const intern = mode === 'one-map' ? new Interner(Number.POSITIVE_INFINITY) : new Interner();

const pod = (namespace: string, name: string, ownerKind: string, owner: string, uid: string) => ({
	metadata: {
		namespace,
		name,
		uid: `pod-${name}`,
		resourceVersion: '1',
		ownerReferences: [{kind: ownerKind, name: owner, uid, controller: true}],
		labels: ownerKind === 'Job' ? {'job-name': owner} : {app: owner},
	},
	spec: {
		nodeName: 'node-1',
		containers: [{name: 'main', image: 'registry/app:1', resources: {requests: {cpu: '100m', memory: '128Mi'}, limits: {memory: '256Mi'}}}],
	},
	status: {phase: 'Running'},
});

const standing: unknown[] = [];
for (let i = 0; i < 20_000; i++)
	standing.push(projectPod(pod(`team-${i % 50}`, `svc-${i % 2000}-${i}`, 'ReplicaSet', `svc-${i % 2000}-abc`, `rs-uid-${i % 2000}`), intern));
gc();
const heapBefore = process.memoryUsage().heapUsed;
let alive: unknown[] = [];
const runs = Math.round(Number(hoursText) * 60 * 100);
for (let run = 0; run < runs; run++) {
	const cron = run % 100;
	const job = `cron-${cron}-${29_000_000 + Math.floor(run / 100)}`;
	const uid = `job-uid-${run}`;
	alive.push(
		projectJob(
			{
				metadata: {
					namespace: `team-${cron % 50}`,
					name: job,
					uid,
					resourceVersion: '1',
					ownerReferences: [{kind: 'CronJob', name: `cron-${cron}`, uid: `cj-${cron}`, controller: true}],
					labels: {app: `cron-${cron}`},
				},
				spec: {template: {spec: {containers: []}}},
				status: {succeeded: 1},
			},
			intern,
		),
	);
	alive.push(projectPod(pod(`team-${cron % 50}`, `${job}-x7k2p`, 'Job', job, uid), intern));
	if (alive.length > 400) alive = alive.slice(-200);
	if (run % 10 === 0)
		standing[run % standing.length] = projectPod(
			pod(`team-${run % 50}`, `svc-${run % 2000}-x`, 'ReplicaSet', `svc-${run % 2000}-abc`, `rs-uid-${run % 2000}`),
			intern,
		);
}
gc();
const heapAfter = process.memoryUsage().heapUsed;
process.stdout.write(`${JSON.stringify({mode, runs, heapBefore, heapAfter, held: intern.size, standing: standing.length, alive: alive.length})}\n`);
