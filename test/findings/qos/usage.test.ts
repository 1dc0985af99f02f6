/**
 * Usage in the QoS pane (source/findings/qos.ts): with metrics.k8s.io, usage beside the
 * requests and suggestions from it; without, suggestions from requests and limits and a
 * note that says why.
 */
import test from 'ava';
import {analyzeQos} from '../../../source/findings/qos.js';
import {PodUsageTable} from '../../../source/model/pod-usage.js';
import type {SlimPodSpec} from '../../../source/model/slim.js';
import {accessKey} from '../../../source/model/state.js';
import {c, g, MI, owned, pod, state} from './fixtures.js';

test('with metrics.k8s.io: usage beside requests, suggestions from usage', (t) => {
	const spec: SlimPodSpec = {containers: [c('web', {cpu: '250m', memory: '256Mi'}, {cpu: '1', memory: '512Mi'})]};
	const podUsage = PodUsageTable.from([
		['shop/web-1', [['web', {cpuMillis: 100, memoryBytes: 300 * MI}]]],
		['shop/web-2', [['web', {cpuMillis: 140, memoryBytes: 200 * MI}]]],
	]);
	const view = analyzeQos(
		state([pod('shop', 'web-1', spec, owned('StatefulSet', 'web')), pod('shop', 'web-2', spec, owned('StatefulSet', 'web'))], {podUsage}),
	);
	const row = view.rows[0]!;
	t.is(row.cells.usage, 'cpu 120m/250m mem 250Mi/256Mi');
	const finding = view.findings[0]!;
	t.is(finding.evidence.usage, 'per pod: cpu 120m (request 250m, limit 1), memory 250Mi (request 256Mi, limit 512Mi)');
	// Peak across pods: cpu 140m × 1.5 = 210m → 250m (= request, so "usage"); memory 300Mi × 1.3 = 390Mi → 448Mi.
	t.is(finding.evidence.suggested, 'web: cpu 250m (usage), memory 448Mi (usage)');
	t.regex(String(finding.evidence.suggestedFrom), /^usage/);
	t.is(view.notes, undefined);
	t.true(finding.detail!.some((d) => d.includes('memory limit lowered from 512Mi to 448Mi')));
	// A sidecar without a memory limit leaves the pod's memory unbounded.
	const unbounded: SlimPodSpec = {
		containers: [g('web', '250m', '256Mi'), c('proxy', {cpu: '50m'}, {cpu: '50m'}, 'sidecar'), c('setup', {cpu: '2'}, {cpu: '2'}, 'init')],
	};
	const other = analyzeQos(
		state([pod('shop', 'api-1', unbounded, owned('StatefulSet', 'api'))], {
			podUsage: PodUsageTable.from([
				[
					'shop/api-1',
					[
						['web', {cpuMillis: 100, memoryBytes: 100 * MI}],
						['proxy', {cpuMillis: 10, memoryBytes: 20 * MI}],
					],
				],
			]),
		}),
	);
	t.is(other.findings[0]!.evidence.usage, 'per pod: cpu 110m (request 300m, limit 300m), memory 120Mi (request 256Mi, no limit)');
	t.is(other.rows[0]!.cells.usage, 'cpu 110m/300m mem 120Mi/256Mi');
});

test('without metrics.k8s.io: suggestions from requests and limits, and the pane says why', (t) => {
	const spec: SlimPodSpec = {containers: [c('web', {cpu: '250m', memory: '256Mi'}, {cpu: '1', memory: '512Mi'})]};
	const denied = analyzeQos(
		state([pod('shop', 'web-1', spec, owned('StatefulSet', 'web'))], {
			access: new Map([[accessKey('list', 'metrics.k8s.io', 'pods'), {allowed: false, reason: 'RBAC: no rule'}]]),
		}),
	);
	const finding = denied.findings[0]!;
	t.is(finding.evidence.suggested, 'web: cpu 1 (limit), memory 512Mi (limit)');
	t.is(finding.evidence.suggestedFrom, 'current limits and requests (no usage data: metrics.k8s.io is not readable (RBAC: no rule))');
	t.false('usage' in finding.evidence);
	t.is(denied.rows[0]!.cells.usage, undefined);
	t.deepEqual(denied.notes, ['No usage data (metrics.k8s.io is not readable (RBAC: no rule)): suggested values come from the current requests and limits.']);
	const absent = analyzeQos(state([pod('shop', 'web-1', spec, owned('StatefulSet', 'web'))]));
	t.regex(absent.notes![0]!, /metrics\.k8s\.io is not available/);
	// Readable, but nothing reported for these pods (just started, say): said per finding, not for the pane.
	const none = analyzeQos(
		state([pod('shop', 'web-1', spec, owned('StatefulSet', 'web'))], {podUsage: PodUsageTable.from([['shop/other', [['x', {cpuMillis: 1, memoryBytes: 1}]]]])}),
	);
	t.is(none.notes, undefined);
	t.is(none.findings[0]!.evidence.suggested, 'web: cpu 1 (limit), memory 512Mi (limit)');
	t.is(none.findings[0]!.evidence.suggestedFrom, 'current limits and requests (no usage data: metrics.k8s.io reports none for these pods)');
});
