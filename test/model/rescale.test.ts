import test from 'ava';
import {appendReplicaPoint, backfillPoints, mergeReplicaHistory, parseRescaleMessage, rescaleEvent} from '../../source/model/rescale.js';
import type {ReplicaPoint, RescaleEvent} from '../../source/model/state.js';

const NOW = Date.UTC(2025, 5, 1, 12, 0, 0);
const MIN = 60_000;

test("parses the HPA controller's SuccessfulRescale message", (t) => {
	t.deepEqual(parseRescaleMessage('New size: 10; reason: cpu resource utilization (percentage of request) above target'), {
		size: 10,
		reason: 'cpu resource utilization (percentage of request) above target',
		combined: false,
	});
	t.deepEqual(parseRescaleMessage('New size: 3; reason: All metrics below target'), {size: 3, reason: 'All metrics below target', combined: false});
	// KEDA's external metric reasons carry selectors with punctuation.
	const keda = parseRescaleMessage(
		'New size: 12; reason: external metric s0-redis(&LabelSelector{MatchLabels:map[string]string{scaledobject.keda.sh/name: ingest-worker,},MatchExpressions:[]LabelSelectorRequirement{},}) above target',
	);
	t.is(keda?.size, 12);
	t.true(keda?.reason.startsWith('external metric s0-redis('));
	t.is(parseRescaleMessage('New size: 0; reason: Current number of replicas above Spec.MaxReplicas')?.size, 0);
});

test("parses the correlator's combined form and rejects other messages", (t) => {
	t.deepEqual(parseRescaleMessage('(combined from similar events): New size: 4; reason: All metrics below target'), {
		size: 4,
		reason: 'All metrics below target',
		combined: true,
	});
	t.is(parseRescaleMessage('Scaled up replica set web-5d8 to 3'), undefined);
	t.is(parseRescaleMessage('New size: ; reason: x'), undefined);
	t.is(parseRescaleMessage('New size: -1; reason: x'), undefined);
	t.is(parseRescaleMessage(''), undefined);
});

test('rescaleEvent keeps counts and times and marks combined events', (t) => {
	t.deepEqual(rescaleEvent('New size: 5; reason: x', 3, NOW - 10 * MIN, NOW), {size: 5, reason: 'x', count: 3, first: NOW - 10 * MIN, last: NOW});
	t.is(rescaleEvent('New size: 5; reason: x', 0, NOW, NOW)?.count, 1);
	// first after last (clock skew): the event collapses to its last time.
	t.is(rescaleEvent('New size: 5; reason: x', 2, NOW + MIN, NOW)?.first, NOW);
	t.true(rescaleEvent('(combined from similar events): New size: 5; reason: x', 14, NOW - MIN, NOW)?.reason.startsWith('(combined'));
	t.is(rescaleEvent('something else', 1, NOW, NOW), undefined);
});

test("backfill spreads each event's count between first and last and interleaves events", (t) => {
	// What the simulator seeds for checkout-web: 10 ×19 from 58 to 3 minutes ago, 3 ×19 from 56 to 1.5.
	const events: RescaleEvent[] = [
		{size: 10, reason: 'cpu above target', count: 19, first: NOW - 58 * MIN, last: NOW - 3 * MIN},
		{size: 3, reason: 'All metrics below target', count: 19, first: NOW - 56 * MIN, last: NOW - 1.5 * MIN},
	];
	const points = backfillPoints(events);
	t.is(points.length, 38);
	t.true(points.every((p) => p.approximate === true));
	t.is(points[0]!.time, NOW - 58 * MIN);
	t.is(points[37]!.time, NOW - 1.5 * MIN);
	// Strictly alternating 10, 3, 10, 3, …
	t.true(points.every((p, i) => p.replicas === (i % 2 === 0 ? 10 : 3)));
	t.true(points.every((p, i) => i === 0 || p.time >= points[i - 1]!.time));
});

test('backfill places a single occurrence at its last time and a combined event once', (t) => {
	const points = backfillPoints([
		{size: 4, reason: 'x', count: 1, first: NOW - 30 * MIN, last: NOW - 20 * MIN},
		{size: 6, reason: '(combined from similar events): x', count: 40, first: NOW - 50 * MIN, last: NOW - 10 * MIN},
	]);
	t.deepEqual(points, [
		{time: NOW - 20 * MIN, replicas: 4, approximate: true},
		{time: NOW - 10 * MIN, replicas: 6, approximate: true},
	]);
});

test('backfill respects before/after and the limit', (t) => {
	const events: RescaleEvent[] = [{size: 2, reason: 'x', count: 11, first: NOW - 10 * MIN, last: NOW}];
	t.is(backfillPoints(events, {before: NOW - 5 * MIN}).length, 5);
	t.is(backfillPoints(events, {after: NOW - 5 * MIN}).length, 6);
	// A count above the limit is spread over the event's whole span with fewer points…
	t.deepEqual(
		backfillPoints(events, {limit: 3}).map((p) => p.time),
		[NOW - 10 * MIN, NOW - 5 * MIN, NOW],
	);
	// …and across events the newest points are kept.
	const two: RescaleEvent[] = [
		{size: 2, reason: 'x', count: 2, first: NOW - 40 * MIN, last: NOW - 30 * MIN},
		{size: 5, reason: 'x', count: 2, first: NOW - 20 * MIN, last: NOW - 10 * MIN},
	];
	t.deepEqual(
		backfillPoints(two, {limit: 3}).map((p) => [p.time, p.replicas]),
		[
			[NOW - 30 * MIN, 2],
			[NOW - 20 * MIN, 5],
			[NOW - 10 * MIN, 5],
		],
	);
});

test('merge keeps live points and backfills only before the first of them', (t) => {
	const live: ReplicaPoint[] = [
		{time: NOW - 5 * MIN, replicas: 3, writer: 'kube-controller-manager'},
		{time: NOW - 4 * MIN, replicas: 10, writer: 'kube-controller-manager'},
	];
	const events: RescaleEvent[] = [{size: 10, reason: 'x', count: 7, first: NOW - 30 * MIN, last: NOW - 4 * MIN}];
	const merged = mergeReplicaHistory(live, events);
	// 10 occurrences every 26/6 min: those before 5 minutes ago are kept (6 of 7).
	t.is(merged.filter((p) => p.approximate).length, 6);
	t.true(merged.filter((p) => p.approximate).every((p) => p.time < NOW - 5 * MIN));
	t.deepEqual(merged.slice(-2), live);
	// Merging the result again gives the same history.
	t.deepEqual(mergeReplicaHistory(merged, events), merged);
	// Without events, recorded approximate points before the first live point are kept.
	t.deepEqual(mergeReplicaHistory(merged, []), merged);
});

test('merge is bounded by count and by horizon, keeping the level at the horizon', (t) => {
	const live: ReplicaPoint[] = Array.from({length: 50}, (_, i) => ({time: NOW - (50 - i) * MIN, replicas: i % 2 === 0 ? 3 : 4}));
	t.is(mergeReplicaHistory(live, [], {limit: 10}).length, 10);
	t.deepEqual(mergeReplicaHistory(live, [], {limit: 10}).at(-1), live.at(-1));
	const horizon = mergeReplicaHistory(live, [], {now: NOW, horizonMs: 20 * MIN});
	// Points at 20..1 minutes ago, plus the one at exactly 20 minutes ago as the starting level.
	t.is(horizon[0]!.time, NOW - 20 * MIN);
	t.is(horizon.length, 20);
});

test('appendReplicaPoint records changes only and stays bounded', (t) => {
	let history: readonly ReplicaPoint[] = [];
	history = appendReplicaPoint(history, {time: NOW - 3 * MIN, replicas: 3, desired: 3, writer: 'kube-controller-manager'});
	const same = appendReplicaPoint(history, {time: NOW - 2 * MIN, replicas: 3, desired: 3, writer: 'kube-controller-manager'});
	t.is(same, history);
	history = appendReplicaPoint(history, {time: NOW - 2 * MIN, replicas: 3, desired: 3, writer: 'argocd-controller'});
	t.is(history.length, 2);
	history = appendReplicaPoint(history, {time: NOW - MIN, replicas: 5, desired: 5, writer: 'kube-controller-manager'}, 2);
	t.is(history.length, 2);
	t.is(history[1]!.replicas, 5);
	t.is(history[0]!.writer, 'argocd-controller');
});
