/**
 * The engine's last line of defence: a plan that would PATCH without a precondition on
 * what it writes (a JSON patch with an edit whose path it does not test, or an array index
 * without a test of the item's name; a merge patch without metadata.resourceVersion) is
 * refused before any request — the bug the app test found in the merge-patch remedies
 * must not come back silently.
 */
import test from 'ava';
import type {Finding} from '../../source/model/finding.js';
import {emptyState} from '../../source/model/empty-state.js';
import {RemedyEngine} from '../../source/remedies/engine.js';
import type {Operation} from '../../source/plans/request.js';
import type {RemedyApi, RemedyDefinition, RemedyPlan} from '../../source/remedies/types.js';

const finding: Finding = {
	id: 'f',
	pane: 'autoscaling',
	type: 't',
	severity: 'warning',
	subject: {kind: 'HorizontalPodAutoscaler', namespace: 'ns', name: 'h'},
	summary: 's',
	evidence: {},
	remedies: [{id: 'x', title: 'x'}],
};

function patch(body: Operation['body']): Operation {
	return {
		method: 'PATCH',
		path: '/apis/autoscaling/v2/namespaces/ns/horizontalpodautoscalers/h',
		contentType: 'application/merge-patch+json',
		body,
		target: {kind: 'HorizontalPodAutoscaler', namespace: 'ns', name: 'h'},
		description: 'patch',
		resource: {group: 'autoscaling', resource: 'horizontalpodautoscalers'},
		verb: 'patch',
	};
}

function engineWith(operation: Operation): {engine: RemedyEngine; sent: string[]} {
	const sent: string[] = [];
	const api: RemedyApi = {
		async get(path) {
			sent.push(`GET ${path}`);
			return {metadata: {name: 'h', resourceVersion: '7'}, spec: {}};
		},
		async send(op, {dryRun}) {
			sent.push(`${op.method}${dryRun ? ' dry' : ''}`);
			return {metadata: {name: 'h', resourceVersion: '7'}, spec: {minReplicas: 2}};
		},
		async can() {
			sent.push('SSAR');
			return {allowed: true};
		},
		budget: {qps: 5, burst: 10},
		now: () => 0,
	};
	const definition: RemedyDefinition = {
		id: 'x',
		title: 'x',
		async plan(): Promise<RemedyPlan> {
			return {findingId: 'f', remedyId: 'x', title: 'x', risk: 'r', warnings: [], batches: [[operation]], intervalMs: 0, params: [], undoable: true};
		},
	};
	return {engine: new RemedyEngine(api, undefined, {context: 'c', user: 'u'}, new Map([['x', definition]])), sent};
}

test('a PATCH without a resourceVersion is refused before any request', async (t) => {
	const {engine, sent} = engineWith(patch({spec: {minReplicas: 2}}));
	const prepared = await engine.prepare(finding, 'x', emptyState());
	t.false(prepared.allowed);
	t.regex(prepared.reason ?? '', /without a precondition on what it writes \(no JSON-patch tests, no resourceVersion/);
	t.deepEqual(sent, []);
	t.is((await engine.apply(prepared)).status, 'failed');
	t.deepEqual(sent, [], 'apply sends nothing either');
});

test('with metadata.resourceVersion (or JSON-patch test operations) the plan goes on to the access check and dry run', async (t) => {
	const guarded = engineWith(patch({metadata: {resourceVersion: '7'}, spec: {minReplicas: 2}}));
	const prepared = await guarded.engine.prepare(finding, 'x', emptyState());
	t.true(prepared.allowed, prepared.reason);
	t.deepEqual(guarded.sent, ['SSAR', 'GET /apis/autoscaling/v2/namespaces/ns/horizontalpodautoscalers/h', 'PATCH dry']);
	const tested = engineWith({
		...patch([
			{op: 'test', path: '/spec/minReplicas', value: 1},
			{op: 'replace', path: '/spec/minReplicas', value: 2},
		] as unknown as Operation['body']),
		contentType: 'application/json-patch+json',
	});
	t.true((await tested.engine.prepare(finding, 'x', emptyState())).allowed);
});

const jsonPatch = (body: unknown[]): Operation => ({...patch(body as unknown as Operation['body']), contentType: 'application/json-patch+json'});

test('a JSON patch must test every path it writes, and the name of every list item it indexes into', async (t) => {
	const cases: Array<[unknown[], RegExp]> = [
		[
			[
				{op: 'test', path: '/spec/minReplicas', value: 1},
				{op: 'replace', path: '/spec/maxReplicas', value: 9},
			],
			/\/spec\/maxReplicas is written without a test of its value/,
		],
		[
			[
				{op: 'replace', path: '/spec/minReplicas', value: 2},
				{op: 'test', path: '/spec/minReplicas', value: 1},
			],
			/\/spec\/minReplicas is written without a test/,
		],
		[
			[
				{op: 'test', path: '/spec/c/0/cpu', value: '1'},
				{op: 'replace', path: '/spec/c/0/cpu', value: '2'},
			],
			/goes through list index 0 without a test of the item's name/,
		],
		[
			[
				{op: 'test', path: '/spec/a', value: 1},
				{op: 'move', from: '/spec/a', path: '/spec/b'},
			],
			/a move operation/,
		],
	];
	for (const [body, reason] of cases) {
		const {engine, sent} = engineWith(jsonPatch(body));
		const prepared = await engine.prepare(finding, 'x', emptyState());
		t.false(prepared.allowed, JSON.stringify(body));
		t.regex(prepared.reason ?? '', reason);
		t.deepEqual(sent, []);
	}
	const guarded = engineWith(
		jsonPatch([
			{op: 'test', path: '/spec/c/0/name', value: 'web'},
			{op: 'test', path: '/spec/c/0/cpu', value: null},
			{op: 'add', path: '/spec/c/0/cpu', value: '2'},
		]),
	);
	t.true((await guarded.engine.prepare(finding, 'x', emptyState())).allowed);
	const wrongType = engineWith({...patch([{op: 'test', path: '/a', value: 1}] as unknown as Operation['body']), contentType: 'application/merge-patch+json'});
	t.regex((await wrongType.engine.prepare(finding, 'x', emptyState())).reason ?? '', /a list body sent as application\/merge-patch\+json/);
});
