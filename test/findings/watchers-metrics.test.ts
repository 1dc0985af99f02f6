/**
 * The watchers pane without an audit log (source/findings/watchers-metrics.ts): what
 * /metrics has, from the three real kube-apiserver scrapes and from the simulator — open
 * watches per resource after one reading (rates not known yet, and said so: never shown as
 * 0), request rates and 429s per resource after two, APF rejections as findings. The
 * simulator's /metrics counts its scenario's simulated clients too, as a real server counts
 * every client: its very first reading, before anything of ours is open, already has them.
 */
import {readFileSync} from 'node:fs';
import test from 'ava';
import {deriveApiServerFigures} from '../../source/kube/apiserver-metrics.js';
import type {ApiServerFigures} from '../../source/model/apiserver-figures.js';
import {parsePrometheusText} from '../../source/formats/prometheus-text.js';
import {analyzeWatchersFromMetrics} from '../../source/findings/watchers-metrics.js';
import {emptyState} from '../../source/model/empty-state.js';
import {AppController} from '../../source/app/controller.js';
import {resolveConfig} from '../../source/kube/kubeconfig.js';
import {Session} from '../../source/kube/session.js';
import {eventually, withSim, writeKubeconfig} from '../helpers/sim.js';
import {fixtureDir} from '../helpers/fixtures.js';

function fixture(version: string): ApiServerFigures {
	const parsed = parsePrometheusText(readFileSync(`${fixtureDir('metrics')}kube-apiserver-${version}.metrics.txt`, 'utf8'));
	return deriveApiServerFigures(parsed);
}

type Cells = Record<string, string | number>;

function cellsOf(view: ReturnType<typeof analyzeWatchersFromMetrics>): Map<string, Cells> {
	return new Map(view.rows.map((row) => [row.id, row.cells as Cells]));
}

for (const [version, source, first, requests, failed] of [
	['v1.21.14', 'apiserver_longrunning_gauge', ['services', 7], '3.5k', '0'],
	['v1.31.0', 'apiserver_longrunning_requests', ['configmaps', 12], '1.9k', '15'],
	['v1.35.0', 'apiserver_longrunning_requests', ['configmaps', 12], '1.9k', '11'],
] as const) {
	test(`${version}, one reading: open watches per resource; rates unknown, not 0; totals since start`, (t) => {
		const metrics = fixture(version);
		const view = analyzeWatchersFromMetrics(emptyState({metrics, metricsTime: 1_000_000}));
		t.is(view.title, 'API clients (from /metrics)');
		t.true(view.rows.length > 30, `${view.rows.length} rows`);
		t.is(view.rows[0]!.id, first[0]);
		t.is(view.rows[0]!.cells.watches, first[1]);
		const total = view.rows.reduce((n, row) => n + Number(row.cells.watches), 0);
		t.is(total, metrics.watches.total ?? -1);
		for (const row of view.rows) t.deepEqual([row.cells.lists, row.cells.gets, row.cells.writes, row.cells.errors], ['–', '–', '–', '–'], row.id);
		t.true(view.header.includes(`open watches from ${source}; request rates after the next /metrics read`), view.header.join('\n'));
		t.true(
			view.header.includes(`since the API server started: ${requests} requests, 0 answered 429, ${failed} 5xx (apiserver_request_total)`),
			view.header.join('\n'),
		);
		// No APF rejection ever happened on these small clusters.
		t.deepEqual(view.findings, []);
	});
}

test('v1.31.0, two readings a minute apart: LIST, GET, write and 429/5xx rates per resource', (t) => {
	const before = fixture('v1.31.0');
	const text = readFileSync(`${fixtureDir('metrics')}kube-apiserver-v1.31.0.metrics.txt`, 'utf8');
	// The second reading: 30 more pod LISTs, 12 of them 429, and 6 lease updates.
	const later =
		`${text}apiserver_request_total{code="429",component="apiserver",dry_run="",group="",resource="pods",scope="cluster",subresource="",verb="LIST",version="v1"} 12\n`
			.replace(
				/^(apiserver_request_total\{code="200",component="apiserver",dry_run="",group="",resource="pods",scope="cluster",subresource="",verb="LIST",version="v1"\}) (\d+)$/m,
				(_, labels: string, n: string) => `${labels} ${Number(n) + 18}`,
			)
			.replace(
				/^(apiserver_request_total\{code="200",component="apiserver",dry_run="",group="coordination.k8s.io",resource="leases",scope="resource",subresource="",verb="PUT",version="v1"\}) (\d+)$/m,
				(_, labels: string, n: string) => `${labels} ${Number(n) + 6}`,
			);
	t.not(later, text);
	const after = deriveApiServerFigures(parsePrometheusText(later));
	const view = analyzeWatchersFromMetrics(emptyState({metrics: after, metricsTime: 1_060_000, metricsPrevious: {figures: before, time: 1_000_000}}));
	const cells = cellsOf(view);
	t.is(cells.get('pods')!.lists, '30');
	t.is(cells.get('pods')!.errors, '12');
	t.is(cells.get('leases.coordination.k8s.io')!.writes, '6.0');
	t.is(cells.get('configmaps')!.lists, '0.0', 'known now: nothing changed');
	t.true(view.header.includes('request rates over the last 60 s, from apiserver_request_total; open watches from apiserver_longrunning_requests'));
});

test("the simulator's /metrics: its first reading has the scenario's clients' watches and APF rejections; the next has rates", async (t) => {
	await withSim({scenario: 'incident', timeScale: 60}, async (sim) => {
		const read = async () => ({figures: deriveApiServerFigures(parsePrometheusText(await (await fetch(`${sim.url}/metrics`)).text())), time: sim.clock.now()});
		// Nothing of ours is open: what is there comes from the simulated clients.
		t.is(sim.server.openWatches().size, 0);
		const first = await read();
		t.is(first.figures.watches.source, 'apiserver_longrunning_requests');
		const one = analyzeWatchersFromMetrics(emptyState({metrics: first.figures, metricsTime: first.time}));
		const watches = cellsOf(one);
		// A kubelet on each of the 6 nodes watches its node and its pods, and every cilium agent ciliumnodes.
		t.true(Number(watches.get('nodes')?.watches) >= 6, JSON.stringify(watches.get('nodes')));
		t.true(Number(watches.get('pods')?.watches) >= 6, JSON.stringify(watches.get('pods')));
		t.is(watches.get('ciliumnodes.cilium.io')?.watches, 6);
		t.is(watches.get('pods')!.lists, '–');
		t.true(
			one.header.some((line) => /^since the API server started: [\d.k]+ requests, [1-9][\d.k]* answered 429/.test(line)),
			one.header.join('\n'),
		);
		// The unpaged lister is throttled by APF: classified by the service-accounts schema.
		const rejection = one.findings.find((f) => f.type === 'apf-rejections');
		t.truthy(rejection, 'an APF finding');
		t.deepEqual(rejection!.subject, {kind: 'FlowSchema', name: 'service-accounts'});
		t.is(rejection!.evidence.priorityLevel, 'workload-low');
		// Five simulated minutes later: rates.
		await eventually(() => sim.clock.now() - first.time >= 5 * 60_000, 30_000, 'five simulated minutes');
		const second = await read();
		const two = analyzeWatchersFromMetrics(emptyState({metrics: second.figures, metricsTime: second.time, metricsPrevious: first}));
		const rates = cellsOf(two);
		// Two replicas list pods and secrets every 10 s: 12 LISTs a minute each, about 30 % answered 429.
		t.true(Number(rates.get('pods')!.lists) >= 8, JSON.stringify(rates.get('pods')));
		t.true(Number(rates.get('secrets')!.errors) > 0, JSON.stringify(rates.get('secrets')));
		t.true(Number(rates.get('leases.coordination.k8s.io')!.writes) > 0, JSON.stringify(rates.get('leases.coordination.k8s.io')));
		t.is(two.findings.find((f) => f.type === 'apf-rejections')?.severity, 'warning', 'rejections going on now');
	});
});

test('the clean simulator: its clients hold watches and are never rejected', async (t) => {
	await withSim({scenario: 'clean'}, async (sim) => {
		const figures = deriveApiServerFigures(parsePrometheusText(await (await fetch(`${sim.url}/metrics`)).text()));
		const view = analyzeWatchersFromMetrics(emptyState({metrics: figures, metricsTime: sim.clock.now()}));
		t.true(view.rows.length > 3);
		t.is(figures.apf.rejected.source, null);
		t.deepEqual(view.findings, []);
	});
});

test('a simulator whose controllers are off (a static cluster for exact counts) has no simulated clients in /metrics', async (t) => {
	await withSim({scenario: 'incident', controllers: false}, async (sim) => {
		const figures = deriveApiServerFigures(parsePrometheusText(await (await fetch(`${sim.url}/metrics`)).text()));
		t.is(figures.watches.source, null);
		t.is(figures.requests.total, 0);
	});
});

test('a session without an audit log against the simulator: the watchers pane is the /metrics table, not empty', async (t) => {
	await withSim({scenario: 'incident'}, async (sim) => {
		const session = new Session({config: resolveConfig({kubeconfig: writeKubeconfig(sim), allNamespaces: true}), qps: 100, burst: 100});
		await session.connect();
		await session.start();
		const controller = new AppController({session, readOnly: true, minIntervalMs: 0});
		try {
			await session.waitForSync();
			await eventually(() => session.store.metrics !== undefined, 10_000, 'the first /metrics reading');
			controller.refresh(true);
			const view = controller.views.watchers;
			t.is(view.title, 'API clients (from /metrics)');
			t.is(view.unavailable, undefined);
			t.true(view.rows.length > 10, `${view.rows.length} rows`);
			t.true(view.rows.some((row) => row.id === 'nodes' && Number(row.cells.watches) >= 6));
			t.true(view.findings.some((f) => f.type === 'apf-rejections'));
		} finally {
			controller.dispose();
			await session.stop();
		}
	});
});
