/**
 * Pane 2 from audit logs: on the simulator's incident log and on the synthetic fixture the
 * planted heavy clients come first with the right reasons, the well-behaved informers are
 * not flagged, normal callers are labelled; the APF throttle remedy creates, dry-runs and
 * undoes its PriorityLevelConfiguration and FlowSchema on the simulator, and the
 * simulator's APF metric then attributes the client's rejections to the new schema.
 */
import https from 'node:https';
import {join} from 'node:path';
import test from 'ava';
import {openAuditFeed} from '../../source/app/audit-feed.js';
import {AppController} from '../../source/app/controller.js';
import {analyzeWatchers, assessClient} from '../../source/findings/watchers.js';
import {resolveConfig} from '../../source/kube/kubeconfig.js';
import {remedyApi} from '../../source/remedies/remedy-api.js';
import {Session} from '../../source/kube/session.js';
import {emptyState} from '../../source/model/empty-state.js';
import {serviceAccountOf} from '../../source/model/users.js';
import {throttlePlan} from '../../source/plans/apf.js';
import {remedyCatalog} from '../../source/remedies/catalog.js';
import {RemedyEngine} from '../../source/remedies/engine.js';
import {Journal} from '../../source/remedies/journal.js';
import {snapshotOf} from '../../source/audit/snapshot.js';
import {openAuditSource} from '../../source/audit/source.js';
import {tempDir, withSim, writeKubeconfig} from '../helpers/sim.js';
import {fixtureDir} from '../helpers/fixtures.js';

const FIXTURE = `${fixtureDir('audit')}synthetic-native-heavy-watchers.jsonl`;

test('the synthetic fixture: acme-inventory and cilium-agent lead, with their reasons; informers are not flagged', async (t) => {
	const {aggregator} = await openAuditSource(FIXTURE, {workers: 0});
	const view = analyzeWatchers(snapshotOf(aggregator), emptyState());
	const flagged = view.findings.map((f) => ('client' in f.subject ? f.subject.client.userAgent.split('/')[0] : ''));
	t.deepEqual(flagged.slice(0, 2), ['acme-inventory', 'cilium-agent']);
	const acme = view.findings[0]!;
	t.regex(acme.summary, /unpaged cluster-wide consistent LIST every \d+ s, p99 [\d.]+s; 71 × 429/);
	t.is(acme.evidence.throttled, 71);
	const cilium = view.findings[1]!;
	t.regex(cilium.summary, /watches per node on 6 nodes/);
	for (const quiet of ['kube-state-metrics', 'Prometheus', 'kubectl']) t.false(flagged.includes(quiet), `${quiet} is not flagged`);
	const kubelet = view.rows.find((r) => r.cells.client === 'kubelet');
	t.truthy(kubelet);
	t.regex(String(kubelet!.cells.why), /^\(kubelet\)/, 'normal callers are labelled, not hidden');
	t.deepEqual(
		view.rows.slice(0, 2).map((r) => r.cells.client),
		['acme-inventory', 'cilium-agent'],
		'ranked first by score',
	);
});

test('GKE logs say which measures they cannot give', async (t) => {
	const {aggregator} = await openAuditSource(`${fixtureDir('audit')}synthetic-gke-cloudlogging.jsonl`, {workers: 0});
	const view = analyzeWatchers(snapshotOf(aggregator), emptyState());
	t.true(view.header.some((line) => line.startsWith('unavailable from this log format:')));
	t.true((view.notes ?? []).length > 0);
});

test("the simulator's incident audit log, read offline through --audit-log", async (t) => {
	const path = join(tempDir(), 'audit.log');
	await withSim({scenario: 'incident', auditLog: path, controllers: false}, async () => {
		const feed = await openAuditFeed({path, follow: false, stdin: process.stdin});
		const view = feed.analyze(emptyState());
		await feed.close();
		const first = view.findings[0]!;
		t.true('client' in first.subject && first.subject.client.user === 'system:serviceaccount:data-platform:acme-inventory');
		t.is(first.severity, 'critical');
		t.deepEqual(
			first.remedies.map((r) => r.id),
			['throttle-client'],
		);
		t.false(view.findings.some((f) => 'client' in f.subject && /kube-state-metrics|Prometheus/.test(f.subject.client.userAgent)));
	});
});

test('assessClient and serviceAccountOf', (t) => {
	t.deepEqual(serviceAccountOf('system:serviceaccount:data-platform:acme-inventory'), {namespace: 'data-platform', name: 'acme-inventory'});
	t.is(serviceAccountOf('alice@example.com'), undefined);
	t.is(typeof assessClient, 'function');
});

test('throttle-client: the precedence goes ahead of the schema that matches today', async (t) => {
	await withSim({scenario: 'incident', controllers: false}, async (sim) => {
		const config = resolveConfig({kubeconfig: writeKubeconfig(sim), allNamespaces: true});
		const session = new Session({config, qps: 50, burst: 100});
		await session.connect();
		await session.start();
		try {
			await session.waitForSync();
			const plan = throttlePlan(session.store, 'system:serviceaccount:data-platform:acme-inventory');
			t.is(plan.precedence, 8900);
			t.regex(plan.reason, /ahead of service-accounts \(9000, priority level workload-low\)/);
			const kubeSystem = throttlePlan(session.store, 'system:serviceaccount:kube-system:cilium');
			t.true(kubeSystem.precedence < 200 && kubeSystem.precedence > 2, `${kubeSystem.precedence}: ahead of workload-leader-election (200)`);
		} finally {
			await session.stop();
		}
	});
});

test('throttle-client against the simulator: dry run, create both objects, rejections land on the new schema, undo deletes both', async (t) => {
	const path = join(tempDir(), 'audit.log');
	await withSim(
		{
			scenario: 'incident',
			auditLog: path,
			controllers: false,
			https: true,
			tokens: {
				'acme-token': {
					name: 'system:serviceaccount:data-platform:acme-inventory',
					groups: ['system:serviceaccounts', 'system:serviceaccounts:data-platform', 'system:authenticated'],
				},
			},
		},
		async (sim) => {
			const config = resolveConfig({kubeconfig: writeKubeconfig(sim), allNamespaces: true});
			const session = new Session({config, qps: 50, burst: 100});
			await session.connect();
			await session.start();
			await session.waitForSync();
			const feed = await openAuditFeed({path, follow: false, stdin: process.stdin});
			t.teardown(async () => {
				await feed.close();
				await session.stop();
			});
			const engine = new RemedyEngine(
				remedyApi(session.client, session.access, 32),
				new Journal(join(tempDir(), 'j')),
				{context: 'test', user: 't'},
				remedyCatalog(),
			);
			const controller = new AppController({session, watchers: feed, engine, readOnly: false, minIntervalMs: 0});
			controller.refresh(true);
			const finding = controller.views.watchers.findings[0]!;
			const prepared = await engine.prepare(finding, 'throttle-client', controller.state);
			t.true(prepared.allowed, prepared.reason);
			t.true(prepared.diff.some((l) => l.text === 'create PriorityLevelConfiguration assure-throttle-data-platform-acme-inventory'));
			t.true(prepared.diff.some((l) => /matchingPrecedence: 8900/.test(l.text)));
			t.is(
				sim.store.resource('flowcontrol.apiserver.k8s.io/flowschemas').get('assure-throttle-data-platform-acme-inventory'),
				undefined,
				'the dry run created nothing',
			);
			t.is((await engine.apply(prepared)).status, 'applied');
			t.truthy(sim.store.resource('flowcontrol.apiserver.k8s.io/flowschemas').get('assure-throttle-data-platform-acme-inventory'));
			t.truthy(sim.store.resource('flowcontrol.apiserver.k8s.io/prioritylevelconfigurations').get('assure-throttle-data-platform-acme-inventory'));
			// The client is now throttled: the simulator attributes its 429s to the new schema.
			sim.faults.set({throttleShare: 1, retryAfterSeconds: 1});
			const status = await new Promise<number>((resolve, reject) => {
				const request = https.get(
					`${sim.url}/api/v1/pods?limit=1`,
					{ca: sim.tls!.caCertPem, headers: {Authorization: 'Bearer acme-token', 'User-Agent': 'acme-inventory/0.3.1'}},
					(response) => {
						response.resume();
						resolve(response.statusCode ?? 0);
					},
				);
				request.on('error', reject);
			});
			sim.faults.clear();
			t.is(status, 429);
			t.regex(
				sim.metrics.text(),
				/^apiserver_flowcontrol_rejected_requests_total\{flow_schema="assure-throttle-data-platform-acme-inventory",priority_level="assure-throttle-data-platform-acme-inventory",reason="queue-full"\} 1$/m,
				'the rejection is attributed to the new flow schema',
			);
			const undo = await engine.prepareUndo();
			t.true(undo!.allowed, undo!.reason);
			t.is((await engine.apply(undo!)).status, 'applied');
			t.is(sim.store.resource('flowcontrol.apiserver.k8s.io/flowschemas').get('assure-throttle-data-platform-acme-inventory'), undefined);
			t.is(sim.store.resource('flowcontrol.apiserver.k8s.io/prioritylevelconfigurations').get('assure-throttle-data-platform-acme-inventory'), undefined);
			controller.dispose();
		},
	);
});
