/**
 * The cluster-autoscaler status ConfigMap read in its YAML and both text formats, Go and
 * RFC 3339 times, node groups matched to pools, and the statuses the simulator writes.
 */
import {readFileSync} from 'node:fs';
import test from 'ava';
import {nodeGroupStatusFor, parseAutoscalerStatus, parseStatusTime} from '../../source/model/autoscaler-status.js';
import {NodeGroups} from '../../source/sim/controllers/nodes.js';
import {INCIDENT_POOLS} from '../../source/sim/scenarios/incident.js';
import {fixtureDir} from '../helpers/fixtures.js';
import {withSim} from '../helpers/sim.js';

// The status ConfigMap's text in each format (see test/fixtures/autoscaler-status/SOURCES.md).
const statusText = (file: string) => readFileSync(`${fixtureDir('autoscaler-status')}${file}`, 'utf8');
/** The YAML format of cluster-autoscaler ≥ 1.30. */
const YAML_STATUS = statusText('status.yaml');
/** The text format of releases before the YAML one (GetReadableString with group names). */
const TEXT_STATUS = statusText('status-text.txt');
/** Older still: no header line, no group names, no resourceUnready. */
const OLD_TEXT_STATUS = statusText('status-text-old.txt');

test('Go and RFC 3339 times', (t) => {
	t.is(parseStatusTime('2025-03-04 10:20:30.123456789 +0000 UTC'), Date.UTC(2025, 2, 4, 10, 20, 30, 123));
	t.is(parseStatusTime('2025-03-04 10:20:30 +0100 CET'), Date.UTC(2025, 2, 4, 9, 20, 30));
	t.is(parseStatusTime('2025-03-04 10:20:30.5 +0000 UTC m=+12.000000001'), Date.UTC(2025, 2, 4, 10, 20, 30, 500));
	t.is(parseStatusTime('2025-03-04T10:20:30Z'), Date.UTC(2025, 2, 4, 10, 20, 30));
	t.is(parseStatusTime('0001-01-01 00:00:00 +0000 UTC'), undefined);
	t.is(parseStatusTime('yesterday'), undefined);
	t.is(parseStatusTime(42), undefined);
});

test('the YAML format of cluster-autoscaler ≥ 1.30', (t) => {
	const status = parseAutoscalerStatus(YAML_STATUS);
	t.truthy(status);
	t.is(status!.format, 'yaml');
	t.is(status!.time, Date.UTC(2025, 2, 4, 10, 20, 30, 123));
	t.is(status!.autoscalerStatus, 'Running');
	t.is(status!.clusterWide.health?.status, 'Healthy');
	t.deepEqual(status!.clusterWide.health?.nodes, {registered: 7, ready: 6, notStarted: 1, unready: 0, longUnregistered: 0, unregistered: 0});
	t.is(status!.clusterWide.scaleUp?.status, 'InProgress');
	t.is(status!.clusterWide.scaleUp?.lastTransitionTime, Date.UTC(2025, 2, 4, 10, 19));
	t.is(status!.nodeGroups.length, 2);
	const burst = status!.nodeGroups[0]!;
	t.is(burst.name, 'eks-burst-2024a');
	t.like(burst.health, {
		status: 'Healthy',
		cloudProviderTarget: 5,
		minSize: 1,
		maxSize: 6,
		nodes: {registered: 4, ready: 3, notStarted: 1, longUnregistered: 0, unregistered: 1},
	});
	t.is(burst.scaleUp?.status, 'Backoff');
	t.is(burst.scaleUp?.backoffError, 'QUOTA_EXCEEDED: vCPU quota reached');
	t.deepEqual(burst.scaleDown, {
		status: 'CandidatesPresent',
		candidates: 1,
		lastProbeTime: Date.UTC(2025, 2, 4, 10, 20, 30),
		lastTransitionTime: Date.UTC(2025, 2, 4, 10, 10),
	});
	t.is(status!.nodeGroups[1]!.scaleUp, undefined);
});

test('the text format with group names', (t) => {
	const status = parseAutoscalerStatus(TEXT_STATUS);
	t.truthy(status);
	t.is(status!.format, 'text');
	t.is(status!.time, Date.UTC(2025, 2, 4, 10, 20, 30, 123));
	t.like(status!.clusterWide.health, {status: 'Healthy', nodes: {ready: 6, unready: 0, notStarted: 1, registered: 7}});
	t.is(status!.clusterWide.health?.lastTransitionTime, Date.UTC(2025, 2, 1, 8));
	t.is(status!.clusterWide.scaleDown?.candidates, 0);
	t.deepEqual(
		status!.nodeGroups.map((g) => g.name),
		['aks-burst-31415926-vmss', 'aks-system-31415926-vmss'],
	);
	const burst = status!.nodeGroups[0]!;
	t.like(burst.health, {status: 'Healthy', cloudProviderTarget: 5, minSize: 1, maxSize: 6, nodes: {ready: 3, registered: 4, notStarted: 1}});
	t.is(burst.health?.lastTransitionTime, Date.UTC(2025, 2, 4, 10));
	t.is(burst.scaleUp?.status, 'InProgress');
	t.is(burst.scaleUp?.lastTransitionTime, Date.UTC(2025, 2, 4, 10, 19));
	t.is(burst.scaleDown?.candidates, 1);
	t.is(burst.scaleDown?.lastTransitionTime, Date.UTC(2025, 2, 4, 10, 10));
	t.is(status!.nodeGroups[1]!.health?.maxSize, 3);
});

test('the older text format without header or names', (t) => {
	const status = parseAutoscalerStatus(OLD_TEXT_STATUS);
	t.truthy(status);
	t.is(status!.time, undefined);
	t.is(status!.nodeGroups.length, 1);
	t.is(status!.nodeGroups[0]!.name, '');
	t.like(status!.nodeGroups[0]!.health, {cloudProviderTarget: 2, minSize: 1, maxSize: 4});
	t.is(status!.nodeGroups[0]!.scaleDown?.status, 'NoCandidates');
});

test('anything else is not a status', (t) => {
	t.is(parseAutoscalerStatus(''), undefined);
	t.is(parseAutoscalerStatus('hello: world'), undefined);
	t.is(parseAutoscalerStatus('{{{'), undefined);
	t.is(parseAutoscalerStatus('- a\n- b'), undefined);
});

test('node groups are matched to pools by exact name or one dash-separated part', (t) => {
	const yaml = parseAutoscalerStatus(YAML_STATUS);
	t.is(nodeGroupStatusFor(yaml, 'system')?.name, 'system');
	t.is(nodeGroupStatusFor(yaml, 'burst')?.name, 'eks-burst-2024a');
	t.is(nodeGroupStatusFor(yaml, 'bur'), undefined);
	const text = parseAutoscalerStatus(TEXT_STATUS);
	t.is(nodeGroupStatusFor(text, 'burst')?.name, 'aks-burst-31415926-vmss');
	// "31415926" is a part of both names: ambiguous, so no match.
	t.is(nodeGroupStatusFor(text, '31415926'), undefined);
	t.is(nodeGroupStatusFor(undefined, 'burst'), undefined);
});

test('reads both formats as the simulator writes them', async (t) => {
	await withSim({scenario: 'incident'}, async (sim) => {
		const configMap = sim.api.get(sim.type('', 'configmaps'), 'kube-system', 'cluster-autoscaler-status');
		const yaml = parseAutoscalerStatus(String(configMap.data.status));
		t.is(yaml?.format, 'yaml');
		t.deepEqual(
			yaml?.nodeGroups.map((g) => g.name),
			['system', 'burst'],
		);
		t.like(nodeGroupStatusFor(yaml, 'burst')?.health, {minSize: 1, maxSize: 6, nodes: {registered: 3}});
		const text = new NodeGroups(sim.controllerContext(false), INCIDENT_POOLS, {
			kubeletVersion: 'v1.32.4',
			statusFormat: 'text',
			autoscalerEnabled: false,
			startMs: sim.clock.now(),
		}).statusText();
		const parsed = parseAutoscalerStatus(text);
		t.is(parsed?.format, 'text');
		t.deepEqual(
			parsed?.nodeGroups.map((g) => g.name),
			['system', 'burst'],
		);
		t.like(nodeGroupStatusFor(parsed, 'burst')?.health, {minSize: 1, maxSize: 6, nodes: {ready: 3, registered: 3}});
		t.is(typeof parsed?.time, 'number');
		t.is(typeof nodeGroupStatusFor(parsed, 'burst')?.scaleUp?.lastTransitionTime, 'number');
	});
});
