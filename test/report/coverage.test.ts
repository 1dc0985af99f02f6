/**
 * A report never says "clean" on nothing: against the simulator, a user whom RBAC refuses
 * everything, a user who may read only pods, and a server too slow to sync within
 * --request-timeout. Each pane says what it could not read and why (JSON, Markdown, one
 * stderr line per pane), and a pane asked for without data exits 4 — also over --fail-on.
 */
import {execFile} from 'node:child_process';
import test from 'ava';
import type {Simulator} from '../../source/sim/simulator.js';
import {tempDir, withSim, writeKubeconfig} from '../helpers/sim.js';
import {type CliRun, runCli} from '../helpers/cli.js';

type Run = CliRun;

function bin(args: string[]): Promise<Run> {
	return runCli(args);
}

/** A simulator where the user "nobody" authenticates with a token and RBAC holds `rules` for it (none: everything is 403). */
async function withUser<T>(rules: Array<Record<string, unknown>>, fn: (sim: Simulator, kubeconfig: string) => Promise<T>, faults = {}): Promise<T> {
	return withSim(
		{
			scenario: 'incident',
			controllers: false,
			anonymous: null,
			tokens: {nobody: {name: 'nobody', groups: ['system:authenticated']}},
			rbac: rules as never,
			faults,
		},
		async (sim) => fn(sim, writeKubeconfig(sim, {token: 'nobody'})),
	);
}

interface Unread {
	input: string;
	need: string;
	status: string;
	reason?: string;
}

interface PaneJson {
	complete: boolean;
	noData: boolean;
	unread: Unread[];
	unavailable?: string;
}

test('RBAC refuses everything: every pane has no data and says why; exit 4, one stderr line per pane, also over --fail-on', async (t) => {
	await withUser([], async (_sim, kubeconfig) => {
		const run = await bin(['--kubeconfig', kubeconfig, '-o', 'json', '--qps', '100', '--burst', '100', '--fail-on', 'warning']);
		t.is(run.code, 4, run.stderr);
		const report = JSON.parse(run.stdout) as {summary: Record<string, unknown>; panes: Record<string, PaneJson>};
		t.like(report.summary, {critical: 0, warning: 0, info: 0});
		t.deepEqual(report.summary.noData, ['etcd', 'watchers', 'autoscaling', 'qos']);
		t.deepEqual(report.summary.incomplete, ['etcd', 'watchers', 'autoscaling', 'qos']);
		for (const [name, pane] of Object.entries(report.panes)) {
			t.false(pane.complete, name);
			t.true(pane.noData, name);
			t.true(
				pane.unread.some((u) => u.need === 'required' && u.status === 'forbidden' && (u.reason ?? '') !== ''),
				`${name}: a required input forbidden, with the reason`,
			);
		}
		t.like(
			report.panes.qos!.unread.find((u) => u.input === 'pods'),
			{need: 'required', status: 'forbidden'},
		);
		t.regex(report.panes.qos!.unread.find((u) => u.input === 'pods')!.reason!, /pods/);
		t.like(
			report.panes.autoscaling!.unread.find((u) => u.input === 'hpas'),
			{need: 'required', status: 'forbidden'},
		);
		t.like(
			report.panes.etcd!.unread.find((u) => u.input === 'object counts'),
			{need: 'required', status: 'forbidden'},
		);
		t.like(
			report.panes.watchers!.unread.find((u) => u.input === '/metrics'),
			{need: 'required', status: 'forbidden'},
		);
		const lines = run.stderr.trimEnd().split('\n');
		t.deepEqual(
			lines.map((l) => l.replace(/: no data: .*/, '')),
			['error: etcd', 'error: watchers', 'error: autoscaling', 'error: qos'],
			run.stderr,
		);
		t.regex(lines[3]!, /^error: qos: no data: pods forbidden: .*pods.*; also not read: .*nodes.* \(forbidden\)/);

		const markdown = await bin(['--kubeconfig', kubeconfig, '-o', 'markdown', '--qps', '100', '--burst', '100']);
		t.is(markdown.code, 4);
		const top = markdown.stdout.split('\n## ')[0]!;
		t.regex(top, /^\*\*Not everything could be read \(no data: etcd, watchers, autoscaling, qos\)\.\*\*/m, 'said near the top, before any pane');
		t.regex(top, /^- \*\*qos: no data\.\*\* Not read:\n {2}- pods \(required\): forbidden: /m);
	});
});

test('--panes qos for a user who may read only pods: the report holds that pane alone, complete enough to have data; exit 0 with a warning', async (t) => {
	await withUser(
		[
			{users: ['nobody'], verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['pods']},
			{users: ['nobody'], verbs: ['create'], apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews']},
		],
		async (sim, kubeconfig) => {
			const run = await bin(['--kubeconfig', kubeconfig, '-A', '-o', 'json', '--qps', '100', '--burst', '100', '--panes', 'qos']);
			t.is(run.code, 0, run.stderr);
			const report = JSON.parse(run.stdout) as {summary: {incomplete: string[]; noData: string[]}; panes: Record<string, PaneJson & {rows: unknown[]}>};
			t.deepEqual(Object.keys(report.panes), ['qos']);
			t.deepEqual(report.summary.noData, []);
			t.deepEqual(report.summary.incomplete, ['qos']);
			t.false(report.panes.qos!.noData);
			t.true(report.panes.qos!.rows.length > 0, 'pods were read: the pane has rows');
			t.deepEqual(report.panes.qos!.unread.map((u) => u.input).sort(), [
				'cronjobs',
				'daemonsets',
				'deployments',
				'jobs',
				'nodes',
				'pod metrics',
				'priorityclasses',
				'replicasets',
				'statefulsets',
			]);
			t.true(report.panes.qos!.unread.every((u) => u.need === 'optional' && u.status === 'forbidden'));
			t.regex(
				run.stderr,
				/^warning: qos: incomplete: not read: replicasets, deployments, statefulsets, daemonsets, jobs, cronjobs, nodes, priorityclasses, pod metrics \(forbidden\)\n$/,
			);
			// Only the QoS pane's kinds were reflected: no HPA, Job-only or /metrics-only reads.
			const paths = sim.requestLog
				.all()
				.filter((e) => e.userAgent.startsWith('kubectl-assure/'))
				.map((e) => e.path);
			t.false(
				paths.some((p) => p.includes('horizontalpodautoscalers') || p.includes('persistentvolumes') || p.includes('flowschemas')),
				'kinds of panes not asked for are not read',
			);
		},
	);
});

test('a sync that does not finish within --request-timeout: the panes without their required input have no data; exit 4', async (t) => {
	// Every answer takes 1.5 s: each request fits in the 4 s timeout, the twenty kinds' sync does not.
	await withUser(
		[{users: ['nobody'], verbs: ['*'], apiGroups: ['*'], resources: ['*'], nonResourceURLs: ['*']}],
		async (_sim, kubeconfig) => {
			const run = await bin(['--kubeconfig', kubeconfig, '-o', 'json', '--request-timeout', '4s', '--fail-on', 'critical']);
			t.is(run.code, 4, run.stderr);
			const report = JSON.parse(run.stdout) as {summary: {noData: string[]}; panes: Record<string, PaneJson>};
			t.true(report.summary.noData.includes('qos'));
			t.like(
				report.panes.qos!.unread.find((u) => u.input === 'pods'),
				{need: 'required', status: 'timeout', reason: 'not synced within --request-timeout (4 s)'},
			);
			t.regex(run.stderr, /^error: qos: no data: pods timeout: not synced within --request-timeout \(4 s\)/m);
			t.notRegex(run.stderr, /the report may be incomplete/, 'the vague warning gave way to one line per pane');
		},
		{latencyMs: 1500},
	);
});

test('an audit log with no audit event in it and no cluster: the watchers pane has no data; exit 4', async (t) => {
	const dir = tempDir();
	const log = `${dir}/audit.log`;
	(await import('node:fs')).writeFileSync(log, '{"hello": "not an audit event"}\n');
	const run = await bin(['--kubeconfig', `${dir}/none`, '--audit-log', log, '-o', 'json']);
	// --kubeconfig names a missing file: that is a configuration error, not offline mode.
	t.is(run.code, 2);
	const offline = await new Promise<Run>((resolve) => {
		execFile(
			process.execPath,
			['bin/kubectl-assure.js', '--audit-log', log, '-o', 'json'],
			{env: {...process.env, KUBECONFIG: `${dir}/none`, HOME: dir}},
			(error, stdout, stderr) => resolve({code: error ? Number((error as {code?: number}).code ?? 1) : 0, stdout, stderr}),
		);
	});
	t.is(offline.code, 4, offline.stderr);
	const report = JSON.parse(offline.stdout) as {panes: Record<string, PaneJson>};
	t.deepEqual(Object.keys(report.panes), ['watchers'], "without a cluster, the audit log's pane is the one asked for");
	t.like(report.panes.watchers!.unread[0], {input: 'audit log', need: 'required', status: 'failed'});
	t.regex(offline.stderr, /^error: watchers: no data: audit log failed: .*holds no audit events \(1 line skipped: not-audit 1\)\n$/);
});
