/**
 * The QoS pane on the simulator's clean and incident scenarios, their objects projected into
 * a cluster state the way the data layer would.
 */
import test from 'ava';
import {analyzeQos} from '../../../source/findings/qos.js';
import {emptyState} from '../../../source/model/empty-state.js';
import type {ResourcePair, SlimContainer, SlimJob, SlimNode, SlimPod, SlimPodSpec, SlimWorkload} from '../../../source/model/slim.js';
import type {ClusterState} from '../../../source/model/state.js';
import type {Obj} from '../../../source/formats/json-object.js';
import {buildScenario, type ScenarioName} from '../../../source/sim/scenarios/index.js';
import {Simulator} from '../../../source/sim/simulator.js';
import {keyed} from './fixtures.js';

function pair(list: unknown): ResourcePair {
	const out: ResourcePair = {};
	const o = (list ?? {}) as Record<string, string>;
	if (o.cpu !== undefined) out.cpu = String(o.cpu);
	if (o.memory !== undefined) out.memory = String(o.memory);
	return out;
}

function slimSpec(spec: Obj): SlimPodSpec {
	const containers: SlimContainer[] = [];
	for (const x of (spec.containers ?? []) as Obj[])
		containers.push({name: x.name, role: 'container', requests: pair(x.resources?.requests), limits: pair(x.resources?.limits)});
	for (const x of (spec.initContainers ?? []) as Obj[])
		containers.push({
			name: x.name,
			role: x.restartPolicy === 'Always' ? 'sidecar' : 'init',
			requests: pair(x.resources?.requests),
			limits: pair(x.resources?.limits),
		});
	return {containers, ...(spec.priorityClassName ? {priorityClassName: spec.priorityClassName} : {})};
}

function slimMeta(o: Obj) {
	const controller = ((o.metadata.ownerReferences ?? []) as Obj[]).find((r) => r.controller === true);
	return {
		namespace: o.metadata.namespace ?? '',
		name: o.metadata.name,
		uid: o.metadata.uid,
		resourceVersion: o.metadata.resourceVersion,
		created: Date.parse(o.metadata.creationTimestamp),
		...(controller ? {owner: {kind: controller.kind, name: controller.name, uid: controller.uid}} : {}),
	};
}

function scenarioState(name: ScenarioName): ClusterState {
	const sim = new Simulator({scenario: name, controllers: false});
	buildScenario(sim, name, {});
	sim.clock.stop();
	const records = (storage: string) =>
		sim.store
			.resource(storage)
			.sorted()
			.map((r) => JSON.parse(r.json) as Obj);
	const pods = records('pods').map((o): SlimPod => ({
		...slimMeta(o),
		phase: o.status.phase,
		...(o.spec.nodeName ? {nodeName: o.spec.nodeName} : {}),
		...(o.status.qosClass ? {qosClass: o.status.qosClass} : {}),
		spec: slimSpec(o.spec),
	}));
	const workloads: SlimWorkload[] = [];
	for (const [storage, kind] of [
		['apps/deployments', 'Deployment'],
		['apps/replicasets', 'ReplicaSet'],
		['apps/statefulsets', 'StatefulSet'],
		['apps/daemonsets', 'DaemonSet'],
	] as const) {
		for (const o of records(storage))
			workloads.push({
				...slimMeta(o),
				kind,
				generation: o.metadata.generation ?? 1,
				readyReplicas: 0,
				currentReplicas: 0,
				template: slimSpec(o.spec.template.spec),
			});
	}
	const jobs = records('batch/jobs').map((o): SlimJob => {
		const m = slimMeta(o);
		return {...m, suspended: false, ...(m.owner?.kind === 'CronJob' ? {cronJob: m.owner.name} : {})};
	});
	const nodes = records('nodes').map((o): SlimNode => ({
		...slimMeta(o),
		pool: o.metadata.labels?.agentpool,
		ready: true,
		unschedulable: false,
		allocatable: {cpuMillis: 0, memoryBytes: 0},
	}));
	return emptyState({pods: keyed(pods), workloads: keyed(workloads), jobs: keyed(jobs), nodes: keyed(nodes)});
}

test('the clean scenario shows no finding', (t) => {
	const s = scenarioState('clean');
	t.true(s.pods.size > 5, 'the scenario has pods');
	const view = analyzeQos(s);
	t.deepEqual(view.findings, []);
	t.deepEqual(view.rows, []);
	t.regex(view.header[0]!, /^pods by QoS: \d+ Guaranteed, 0 Burstable, 0 BestEffort$/);
});

test('the incident scenario: the Burstable and BestEffort workloads, not the Guaranteed or limits-only ones', (t) => {
	const view = analyzeQos(scenarioState('incident'));
	const byWorkload = new Map(
		view.findings.map((f) => [
			`${(f.subject as {namespace: string}).namespace}/${(f.subject as {kind: string}).kind}/${(f.subject as {name: string}).name}`,
			f,
		]),
	);
	const coredns = byWorkload.get('kube-system/Deployment/coredns');
	t.truthy(coredns);
	t.is(coredns!.evidence.qos, 'Burstable');
	t.is(coredns!.severity, 'info', 'system namespace: milder');
	t.regex(String(coredns!.evidence.missing), /no cpu limit/);
	const spark = byWorkload.get('data-platform/Deployment/spark-operator');
	t.truthy(spark);
	t.regex(String(spark!.evidence.missing), /wait-for-crds \(init\)/);
	t.regex(String(spark!.evidence.missing), /log-shipper \(sidecar\): no memory limit/);
	// Limits-only containers: their pods get requests = limits and are Guaranteed.
	t.false(byWorkload.has('checkout/Deployment/legacy-admin'));
	t.false(byWorkload.has('checkout/Deployment/storefront'));
	t.false(byWorkload.has('ml-pipelines/Deployment/pipeline-runner'));
	for (const f of view.findings) t.not(f.evidence.qos, 'Guaranteed');
	const ranks = view.rows.map((r) => Number(r.sort?.qos));
	t.deepEqual(
		ranks,
		[...ranks].sort((a, b) => b - a),
		'BestEffort rows first',
	);
});
