/**
 * Coverage: which inputs each pane reads (the table agrees with what the session reflects),
 * which it cannot do without, how each input's fate (read, forbidden, absent, pending,
 * not synced in time) makes a pane complete, incomplete or without data; and the views a
 * controller gives with --panes and while the first sync is under way.
 */
import test from 'ava';
import {AUDIT_LOG, METRICS, OBJECT_COUNTS, PANE_INPUTS, POD_METRICS, paneCoverage} from '../../source/app/coverage.js';
import {AppController} from '../../source/app/controller.js';
import {PANES, type PaneCoverage} from '../../source/model/finding.js';
import {resolveConfig} from '../../source/kube/kubeconfig.js';
import {Session} from '../../source/kube/session.js';
import type {InputReading, SessionInputs} from '../../source/kube/session-inputs.js';
import {PANE_KINDS} from '../../source/kube/session-kinds.js';
import type {StoreKind} from '../../source/kube/cluster-store.js';
import {withSim, writeKubeconfig} from '../helpers/sim.js';

const READ: InputReading = {status: 'read'};

/** Session inputs where everything was read, but for `overrides`. */
function inputs(overrides: Partial<Record<string, InputReading>> = {}): SessionInputs {
	const kinds = new Map<StoreKind, InputReading>();
	for (const pane of PANES) for (const kind of PANE_KINDS[pane]) kinds.set(kind, overrides[kind] ?? READ);
	return {kinds, metrics: overrides[METRICS] ?? READ, counts: overrides[OBJECT_COUNTS] ?? READ, podMetrics: overrides[POD_METRICS] ?? READ};
}

function status(coverage: PaneCoverage, input: string): string | undefined {
	return coverage.inputs.find((i) => i.input === input)?.status;
}

test('the table names every kind each pane has reflected, and nothing the session does not read', (t) => {
	const others = new Set([OBJECT_COUNTS, METRICS, AUDIT_LOG, POD_METRICS]);
	for (const pane of PANES) {
		const kinds = PANE_INPUTS[pane].map((i) => i.input).filter((i) => !others.has(i));
		t.deepEqual([...kinds].sort(), [...PANE_KINDS[pane]].sort(), pane);
		t.is(PANE_INPUTS[pane].filter((i) => i.need === 'required').length, 1, `${pane}: one input it cannot do without`);
	}
	t.deepEqual(Object.fromEntries(PANES.map((p) => [p, PANE_INPUTS[p].find((i) => i.need === 'required')!.input])), {
		etcd: OBJECT_COUNTS,
		watchers: AUDIT_LOG,
		autoscaling: 'hpas',
		qos: 'pods',
	});
});

test('a required input missing is "no data"; an optional one only "incomplete"; an optional API not served is neither', (t) => {
	const forbidden: InputReading = {status: 'forbidden', reason: 'pods is forbidden: User "x" cannot list resource "pods"'};
	const noPods = paneCoverage('qos', {session: inputs({pods: forbidden}), auditGiven: false});
	t.true(noPods.noData);
	t.false(noPods.complete);
	t.like(
		noPods.inputs.find((i) => i.input === 'pods'),
		{need: 'required', status: 'forbidden', reason: forbidden.reason},
	);

	const noNodes = paneCoverage('qos', {session: inputs({nodes: forbidden}), auditGiven: false});
	t.false(noNodes.noData);
	t.false(noNodes.complete);

	const noKeda = paneCoverage('autoscaling', {
		session: inputs({scaledobjects: {status: 'absent', reason: 'keda.sh/v1alpha1 scaledobjects is not served by this cluster'}}),
		auditGiven: false,
	});
	t.true(noKeda.complete, 'a cluster without KEDA has no ScaledObjects to miss');
	t.false(noKeda.noData);
	t.is(status(noKeda, 'scaledobjects'), 'absent');

	const noHpas = paneCoverage('autoscaling', {session: inputs({hpas: {status: 'absent', reason: 'not served'}}), auditGiven: false});
	t.true(noHpas.noData, 'a required input absent is still missing');

	const etcd = paneCoverage('etcd', {session: inputs({[METRICS]: {status: 'forbidden', reason: '/metrics not readable'}}), auditGiven: false});
	t.false(etcd.noData, 'counts from LIST still fill the pane');
	t.false(etcd.complete, 'the etcd size is missing');
	t.true(paneCoverage('etcd', {session: inputs({[OBJECT_COUNTS]: {status: 'forbidden', reason: 'no counts'}}), auditGiven: false}).noData);
});

test('still pending: "pending" while live, "timeout" once report mode\'s sync deadline passed', (t) => {
	const session = inputs({pods: {status: 'pending'}, [POD_METRICS]: {status: 'pending'}});
	const live = paneCoverage('qos', {session, auditGiven: false, live: true});
	t.is(status(live, 'pods'), 'pending');
	t.true(live.noData);
	const late = paneCoverage('qos', {session, auditGiven: false, syncTimedOut: 'not synced within --request-timeout (4 s)'});
	t.like(
		late.inputs.find((i) => i.input === 'pods'),
		{status: 'timeout', reason: 'not synced within --request-timeout (4 s)'},
	);
	t.is(status(late, POD_METRICS), 'timeout');
});

test('watchers: the audit log when given (and then /metrics is not read), else /metrics; an audit log without events is no data', (t) => {
	const withoutLog = paneCoverage('watchers', {session: inputs(), auditGiven: false});
	t.true(withoutLog.complete, 'an audit log nobody passed is not something that could not be read');
	t.like(withoutLog.inputs[0], {input: METRICS, need: 'required', status: 'read'});
	t.like(withoutLog.inputs[1], {input: AUDIT_LOG, need: 'optional', status: 'not-given'});
	t.true(paneCoverage('watchers', {session: inputs({[METRICS]: {status: 'forbidden', reason: 'no'}}), auditGiven: false}).noData);

	const audit = {source: 'audit.log', records: 120, skipped: 0, skippedBy: {}, problems: []};
	const withLog = paneCoverage('watchers', {session: inputs({[METRICS]: {status: 'forbidden', reason: 'no'}}), audit, auditGiven: true});
	t.true(withLog.complete, '/metrics is not an input of the audit-log pane');
	t.false(withLog.inputs.some((i) => i.input === METRICS));
	const partial = paneCoverage('watchers', {audit: {...audit, problems: ['audit.1.gz: unexpected end of file']}, auditGiven: true});
	t.false(partial.noData);
	t.like(partial.inputs[0], {status: 'partial', reason: 'audit.1.gz: unexpected end of file'});
	const empty = paneCoverage('watchers', {audit: {...audit, records: 0, skipped: 2, skippedBy: {'not-audit': 2}}, auditGiven: true});
	t.true(empty.noData);
	t.like(empty.inputs[0], {status: 'failed', reason: 'audit.log holds no audit events (2 lines skipped: not-audit 2)'});
	t.is(
		paneCoverage('watchers', {audit: {...audit, records: 0}, auditGiven: true, live: true}).inputs[0]!.status,
		'pending',
		'a followed log may still bring events',
	);
	t.true(paneCoverage('qos', {audit, auditGiven: true}).noData, 'no cluster: the cluster panes have nothing');
});

test('--panes qos: the session reflects only its kinds; the other panes say they were not asked for, and the QoS pane is complete', async (t) => {
	await withSim({scenario: 'incident', controllers: false}, async (sim) => {
		const session = new Session({config: resolveConfig({kubeconfig: writeKubeconfig(sim), allNamespaces: true}), qps: 100, burst: 100, panes: ['qos']});
		const controller = new AppController({session, readOnly: true, live: false, panes: ['qos']});
		try {
			await session.connect();
			await session.start();
			t.true(await session.waitForSync(Date.now() + 30_000, {counts: true, podMetrics: true}));
			controller.refresh(true);
			t.deepEqual([...session.reflectors.keys()].sort(), [...PANE_KINDS.qos].sort());
			for (const pane of ['etcd', 'watchers', 'autoscaling'] as const) {
				t.is(controller.views[pane].unavailable, 'not asked for (--panes qos)', pane);
				t.true(controller.views[pane].coverage!.inputs.every((i) => i.status === 'not-asked'));
			}
			const qos = controller.views.qos;
			t.true(qos.rows.length > 0);
			t.like(qos.coverage, {complete: true, noData: false});
			t.is(status(qos.coverage!, POD_METRICS), 'read');
			t.is(session.stats.metricsReads, 0, 'no /metrics read: no pane asked for it');
		} finally {
			controller.dispose();
			await session.stop();
		}
	});
});

test('while the first sync is under way, a pane without its required input says what it waits for rather than "nothing to report"', async (t) => {
	// Every answer takes 2 s: right after start nothing can have been listed yet.
	await withSim({scenario: 'incident', controllers: false, faults: {latencyMs: 2000}}, async (sim) => {
		const session = new Session({config: resolveConfig({kubeconfig: writeKubeconfig(sim), allNamespaces: true}), qps: 100, burst: 100});
		const controller = new AppController({session, readOnly: true, live: false});
		try {
			await session.connect();
			await session.start();
			controller.refresh(true);
			t.is(controller.views.qos.unavailable, 'waiting for pods');
			t.is(controller.views.autoscaling.unavailable, 'waiting for hpas');
			t.like(controller.views.qos.coverage, {complete: false, noData: true});
		} finally {
			controller.dispose();
			await session.stop();
		}
	});
});
