/**
 * The simulator over HTTP, as a client sees it: paging with consistent snapshots and
 * remainingItemCount, the resourceVersion=0 trap, selectors, metadata-only and Table
 * responses, watch resume and 410, bookmarks, WatchList, and the rejections a real server
 * makes (415, 409, 403, 400, 422).
 */
import test from 'ava';
import type {Simulator} from '../../source/sim/simulator.js';
import {eventually, withSim} from '../helpers/sim.js';
import {FAILED_PATCH_TEST} from '../helpers/status.js';
import type {Obj} from '../../source/formats/json-object.js';

interface Response {
	status: number;
	headers: Headers;
	// Undefined when the answer is not JSON (a test that reads it expects JSON).
	body: Obj;
	text: string;
}

async function call(
	sim: Simulator,
	method: string,
	path: string,
	options: {body?: unknown; contentType?: string; accept?: string; token?: string} = {},
): Promise<Response> {
	const headers: Record<string, string> = {'User-Agent': 'assure-test/1.0'};
	if (options.accept) headers.Accept = options.accept;
	if (options.token) headers.Authorization = `Bearer ${options.token}`;
	let body: string | undefined;
	if (options.body !== undefined) {
		body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
		headers['Content-Type'] = options.contentType ?? 'application/json';
	}
	const response = await fetch(`${sim.url}${path}`, {method, headers, body});
	const text = await response.text();
	let parsed: Obj | undefined;
	try {
		parsed = JSON.parse(text);
	} catch {
		parsed = undefined;
	}
	return {status: response.status, headers: response.headers, body: parsed as Obj, text};
}

/** Read a watch stream until `until` says stop (or the timeout); returns the events. */
async function watch(
	sim: Simulator,
	path: string,
	until: (events: Obj[]) => boolean,
	action?: () => void | Promise<void>,
	timeoutMs = 5000,
): Promise<{status: number; events: Obj[]}> {
	const controller = new AbortController();
	const response = await fetch(`${sim.url}${path}`, {signal: controller.signal, headers: {'User-Agent': 'assure-test/1.0'}});
	const events: Obj[] = [];
	const timer = setTimeout(() => controller.abort(), timeoutMs);
	if (action) await action();
	try {
		const reader = response.body!.getReader();
		let buffer = '';
		for (;;) {
			const {done, value} = await reader.read();
			if (done) break;
			buffer += Buffer.from(value).toString('utf8');
			let newline: number;
			while ((newline = buffer.indexOf('\n')) >= 0) {
				events.push(JSON.parse(buffer.slice(0, newline)));
				buffer = buffer.slice(newline + 1);
			}
			if (until(events)) break;
		}
	} catch (error) {
		if ((error as Error).name !== 'AbortError') throw error;
	} finally {
		clearTimeout(timer);
		controller.abort();
	}
	return {status: response.status, events};
}

test('LIST pages with limit/continue, counts with remainingItemCount, and stays consistent across pages', async (t) => {
	await withSim({scenario: 'incident', controllers: false}, async (sim) => {
		const total = sim.store.resource('pods').size;
		const first = await call(sim, 'GET', '/api/v1/pods?limit=100');
		t.is(first.status, 200);
		t.is(first.body.items.length, 100);
		t.is(first.body.metadata.remainingItemCount, total - 100);
		const rv = first.body.metadata.resourceVersion;
		// A pod created between pages does not show up in this list (a snapshot, as etcd gives).
		sim.api.create(
			sim.type('', 'pods'),
			'default',
			{metadata: {name: 'zzz-between-pages'}, spec: {containers: [{name: 'c', image: 'i'}]}},
			{user: {name: 'test', groups: []}},
		);
		const names = first.body.items.map((p: Obj) => `${p.metadata.namespace}/${p.metadata.name}`);
		let token = first.body.metadata.continue;
		let pages = 1;
		while (token) {
			const page = await call(sim, 'GET', `/api/v1/pods?limit=100&continue=${encodeURIComponent(token)}`);
			t.is(page.status, 200);
			t.is(page.body.metadata.resourceVersion, rv, "every page reads at the first page's resourceVersion");
			names.push(...page.body.items.map((p: Obj) => `${p.metadata.namespace}/${p.metadata.name}`));
			token = page.body.metadata.continue;
			pages++;
		}
		t.is(names.length, total);
		t.is(new Set(names).size, total, 'no duplicates');
		t.deepEqual(names, [...names].sort(), 'key order');
		t.false(names.includes('default/zzz-between-pages'));
		t.is(pages, Math.ceil(total / 100));
		// The trap: resourceVersion=0 is served from the watch cache, which ignores limit.
		const trap = await call(sim, 'GET', '/api/v1/pods?limit=10&resourceVersion=0');
		t.is(trap.body.items.length, total + 1);
		t.is(trap.body.metadata.continue, undefined);
		// remainingItemCount is absent with a selector.
		const selected = await call(sim, 'GET', '/api/v1/pods?limit=5&fieldSelector=status.phase%3DRunning');
		t.is(selected.body.items.length, 5);
		t.truthy(selected.body.metadata.continue);
		t.is(selected.body.metadata.remainingItemCount, undefined);
	});
});

test('an expired continue token is a 410 Expired, and a fresh list works', async (t) => {
	await withSim({scenario: 'incident', controllers: false}, async (sim) => {
		const first = await call(sim, 'GET', '/api/v1/pods?limit=50');
		sim.store.expireAllSnapshots();
		const expired = await call(sim, 'GET', `/api/v1/pods?limit=50&continue=${encodeURIComponent(first.body.metadata.continue)}`);
		t.is(expired.status, 410);
		t.is(expired.body.reason, 'Expired');
		t.is(expired.body.kind, 'Status');
		const again = await call(sim, 'GET', '/api/v1/pods?limit=50');
		t.is(again.status, 200);
		const bad = await call(sim, 'GET', '/api/v1/pods?limit=50&continue=bm90LWEtdG9rZW4=');
		t.is(bad.status, 400);
	});
});

test('label and field selectors, metadata-only and Table responses', async (t) => {
	await withSim({scenario: 'incident', controllers: false}, async (sim) => {
		const byLabel = await call(sim, 'GET', '/api/v1/namespaces/checkout/pods?labelSelector=app%3Dcart');
		t.is(byLabel.body.items.length, 3);
		const notIn = await call(sim, 'GET', `/api/v1/namespaces/checkout/pods?labelSelector=${encodeURIComponent('app notin (cart,storefront)')}`);
		t.true(notIn.body.items.every((p: Obj) => !['cart', 'storefront'].includes(p.metadata.labels.app)));
		const node = sim.store.resource('nodes').sorted()[0]!.name;
		const onNode = await call(sim, 'GET', `/api/v1/pods?fieldSelector=spec.nodeName%3D${node}`);
		t.true(onNode.body.items.length > 0);
		t.true(onNode.body.items.every((p: Obj) => p.spec.nodeName === node));
		const failed = await call(sim, 'GET', '/api/v1/pods?fieldSelector=status.phase%3DFailed');
		t.true(failed.body.items.every((p: Obj) => p.status.phase === 'Failed'));
		const rescale = await call(sim, 'GET', '/api/v1/events?fieldSelector=involvedObject.kind%3DHorizontalPodAutoscaler');
		t.true(rescale.body.items.length >= 2);
		const unsupported = await call(sim, 'GET', '/api/v1/pods?fieldSelector=spec.bogus%3Dx');
		t.is(unsupported.status, 400);
		t.regex(unsupported.body.message, /field label not supported: spec.bogus/);
		const badLabel = await call(sim, 'GET', '/api/v1/pods?labelSelector=a%3D%3D%3Db');
		t.is(badLabel.status, 400);

		const meta = await call(sim, 'GET', '/api/v1/secrets?limit=2', {accept: 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1'});
		t.is(meta.body.kind, 'PartialObjectMetadataList');
		t.is(meta.body.items[0].kind, 'PartialObjectMetadata');
		t.is(meta.body.items[0].data, undefined, 'no data in a metadata-only list');
		t.false(meta.text.includes('s3cr3t'));
		t.truthy(meta.body.metadata.remainingItemCount !== undefined || meta.body.metadata.continue === undefined);

		const table = await call(sim, 'GET', '/apis/apps/v1/namespaces/checkout/deployments', {
			accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json',
		});
		t.is(table.body.kind, 'Table');
		t.deepEqual(
			table.body.columnDefinitions.filter((c: Obj) => c.priority === 0).map((c: Obj) => c.name),
			['Name', 'Ready', 'Up-to-date', 'Available', 'Age'],
		);
		t.is(table.body.rows.length, 5);
		t.is(table.body.rows[0].object.kind, 'PartialObjectMetadata');

		const protobufOnly = await call(sim, 'GET', '/api/v1/pods', {accept: 'application/vnd.kubernetes.protobuf'});
		t.is(protobufOnly.status, 406);
	});
});

test('WATCH: initial ADDED events, live events with selector transitions, bookmarks, resume, and 410 for a compacted version', async (t) => {
	await withSim({scenario: 'empty', bookmarkIntervalMs: 200, historyCapacity: 20}, async (sim) => {
		const cms = sim.type('', 'configmaps');
		const ctx = {user: {name: 'test', groups: []}};
		sim.api.create(cms, 'default', {metadata: {name: 'a', labels: {watch: 'yes'}}}, ctx);
		const list = await call(sim, 'GET', '/api/v1/namespaces/default/configmaps?labelSelector=watch%3Dyes');
		const rv = list.body.metadata.resourceVersion;
		const {events} = await watch(
			sim,
			`/api/v1/namespaces/default/configmaps?watch=true&labelSelector=watch%3Dyes&resourceVersion=${rv}&allowWatchBookmarks=true`,
			(e) => e.some((x) => x.type === 'BOOKMARK') && e.filter((x) => x.type !== 'BOOKMARK').length >= 3,
			async () => {
				sim.api.create(cms, 'default', {metadata: {name: 'b', labels: {watch: 'yes'}}}, ctx);
				sim.api.patch(cms, 'default', 'b', 'application/merge-patch+json', '{"data":{"k":"v"}}', ctx);
				sim.api.patch(cms, 'default', 'b', 'application/merge-patch+json', '{"metadata":{"labels":{"watch":"no"}}}', ctx);
				sim.api.create(cms, 'default', {metadata: {name: 'unrelated'}}, ctx);
			},
		);
		const changes = events.filter((e) => e.type !== 'BOOKMARK').map((e) => `${e.type} ${e.object.metadata.name}`);
		t.deepEqual(changes, ['ADDED b', 'MODIFIED b', 'DELETED b'], 'leaving the selector is a DELETED');
		const bookmark = events.find((e) => e.type === 'BOOKMARK');
		t.truthy(bookmark);
		t.deepEqual(Object.keys(bookmark!.object.metadata), ['resourceVersion', 'creationTimestamp']);
		t.is(bookmark!.object.kind, 'ConfigMap');

		// Without a resourceVersion the watch starts with the current state as ADDED.
		const fresh = await watch(sim, '/api/v1/namespaces/default/configmaps?watch=true', (e) => e.length >= 3);
		t.true(fresh.events.slice(0, 3).every((e) => e.type === 'ADDED'));

		// Resume from a remembered version: only what came after.
		const resumeFrom = sim.store.rv;
		sim.api.create(cms, 'default', {metadata: {name: 'after-resume'}}, ctx);
		const resumed = await watch(sim, `/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${resumeFrom}`, (e) => e.length >= 1);
		t.deepEqual(
			resumed.events.map((e) => `${e.type} ${e.object.metadata.name}`),
			['ADDED after-resume'],
		);

		// Push the history past its capacity: resuming from the old version gets 410 in an ERROR event.
		for (let i = 0; i < 30; i++) sim.api.create(cms, 'default', {metadata: {name: `churn-${i}`}}, ctx);
		const old = await watch(sim, `/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${rv}`, (e) => e.length >= 1);
		t.is(old.status, 200);
		t.is(old.events[0].type, 'ERROR');
		t.is(old.events[0].object.code, 410);
		t.is(old.events[0].object.reason, 'Expired');
	});
});

test('WATCH: sendInitialEvents (WatchList) on 1.32, refused on 1.33', async (t) => {
	await withSim({scenario: 'empty', minor: 32}, async (sim) => {
		const {events} = await watch(sim, '/api/v1/namespaces?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true', (e) =>
			e.some((x) => x.type === 'BOOKMARK'),
		);
		const end = events.find((e) => e.type === 'BOOKMARK');
		t.is(end?.object.metadata.annotations['k8s.io/initial-events-end'], 'true');
		t.is(events.filter((e) => e.type === 'ADDED').length, sim.store.resource('namespaces').size);
	});
	await withSim({scenario: 'empty', minor: 33}, async (sim) => {
		const refused = await call(sim, 'GET', '/api/v1/namespaces?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true');
		t.is(refused.status, 422);
	});
});

test('writes: 415 for an unknown patch type or strategic merge on a custom resource; json patch must be an array', async (t) => {
	await withSim({scenario: 'incident', controllers: false}, async (sim) => {
		const wrong = await call(sim, 'PATCH', '/apis/apps/v1/namespaces/checkout/deployments/cart', {
			body: {spec: {replicas: 2}},
			contentType: 'application/json',
		});
		t.is(wrong.status, 415);
		t.is(wrong.body.reason, 'UnsupportedMediaType');
		const crStrategic = await call(sim, 'PATCH', '/apis/ml.example.com/v1/namespaces/data-platform/datasets/dataset-00', {
			body: {spec: {owner: 'x'}},
			contentType: 'application/strategic-merge-patch+json',
		});
		t.is(crStrategic.status, 415);
		const crMerge = await call(sim, 'PATCH', '/apis/ml.example.com/v1/namespaces/data-platform/datasets/dataset-00', {
			body: {spec: {owner: 'x'}},
			contentType: 'application/merge-patch+json',
		});
		t.is(crMerge.status, 200);
		t.is(crMerge.body.spec.owner, 'x');
		const notArray = await call(sim, 'PATCH', '/apis/apps/v1/namespaces/checkout/deployments/cart', {
			body: {op: 'replace', path: '/spec/replicas', value: 2},
			contentType: 'application/json-patch+json',
		});
		t.is(notArray.status, 400);
		const failedTest = await call(sim, 'PATCH', '/apis/apps/v1/namespaces/checkout/deployments/cart', {
			body: [{op: 'test', path: '/spec/replicas', value: 99}],
			contentType: 'application/json-patch+json',
		});
		t.is(failedTest.status, 422);
		// As applyJSPatch answers (NewGenericServerResponse, isUnexpectedResponse false): no object named, no causes.
		t.deepEqual(failedTest.body, FAILED_PATCH_TEST);
	});
});

test('writes: a stale resourceVersion is a 409 Conflict and nothing changes; dryRun=All saves nothing', async (t) => {
	await withSim({scenario: 'incident', controllers: false}, async (sim) => {
		const path = '/apis/apps/v1/namespaces/checkout/deployments/cart';
		const live = await call(sim, 'GET', path);
		const rv = live.body.metadata.resourceVersion;
		const ok = await call(sim, 'PATCH', path, {
			body: {metadata: {resourceVersion: rv}, spec: {revisionHistoryLimit: 5}},
			contentType: 'application/merge-patch+json',
		});
		t.is(ok.status, 200);
		t.not(ok.body.metadata.resourceVersion, rv);
		const stale = await call(sim, 'PATCH', path, {
			body: {metadata: {resourceVersion: rv}, spec: {revisionHistoryLimit: 6}},
			contentType: 'application/strategic-merge-patch+json',
		});
		t.is(stale.status, 409);
		t.is(stale.body.reason, 'Conflict');
		t.regex(stale.body.message, /Operation cannot be fulfilled on deployments.apps "cart": the object has been modified/);
		const put = await call(sim, 'PUT', path, {body: {...live.body, spec: {...live.body.spec, revisionHistoryLimit: 7}}});
		t.is(put.status, 409, 'PUT with the old resourceVersion conflicts too');
		t.is((await call(sim, 'GET', path)).body.spec.revisionHistoryLimit, 5);

		const before = sim.store.rv;
		const dry = await call(sim, 'PATCH', `${path}?dryRun=All`, {body: {spec: {replicas: 7}}, contentType: 'application/merge-patch+json'});
		t.is(dry.status, 200);
		t.is(dry.body.spec.replicas, 7);
		const created = await call(sim, 'POST', '/api/v1/namespaces/default/configmaps?dryRun=All', {body: {metadata: {name: 'dry'}}});
		t.is(created.status, 201, 'a dry-run create answers 201 like a real one');
		t.is(created.body.metadata.resourceVersion, undefined);
		const deleted = await call(sim, 'DELETE', '/api/v1/namespaces/default/configmaps/kube-root-ca.crt?dryRun=All');
		t.is(deleted.status, 200);
		t.is(sim.store.rv, before, 'no write happened');
		t.is((await call(sim, 'GET', path)).body.spec.replicas, 3);
		t.is((await call(sim, 'GET', '/api/v1/namespaces/default/configmaps/dry')).status, 404);
		t.is((await call(sim, 'GET', '/api/v1/namespaces/default/configmaps/kube-root-ca.crt')).status, 200);
	});
});

test('writes: 422 for invalid objects, 409 AlreadyExists, 404 for a missing namespace, pods cannot change resources in place', async (t) => {
	await withSim({scenario: 'incident', controllers: false}, async (sim) => {
		const invalid = await call(sim, 'PATCH', '/apis/autoscaling/v2/namespaces/checkout/horizontalpodautoscalers/cart', {
			body: {spec: {behavior: {scaleDown: {stabilizationWindowSeconds: 4000}}}},
			contentType: 'application/merge-patch+json',
		});
		t.is(invalid.status, 422);
		t.regex(invalid.body.message, /stabilizationWindowSeconds/);
		const exists = await call(sim, 'POST', '/api/v1/namespaces/default/configmaps', {body: {metadata: {name: 'kube-root-ca.crt'}}});
		t.is(exists.status, 409);
		t.is(exists.body.reason, 'AlreadyExists');
		const noNamespace = await call(sim, 'POST', '/api/v1/namespaces/nope/configmaps', {body: {metadata: {name: 'x'}}});
		t.is(noNamespace.status, 404);
		const pod = sim.api.objects('pods', 'checkout')[0]!;
		const resize = await call(sim, 'PATCH', `/api/v1/namespaces/checkout/pods/${pod.metadata.name}`, {
			body: {spec: {containers: [{name: pod.spec.containers[0].name, resources: {limits: {cpu: '3'}}}]}},
			contentType: 'application/strategic-merge-patch+json',
		});
		t.is(resize.status, 422);
		t.regex(resize.body.message, /pod updates may not change fields/);
	});
});

test('RBAC: 403 Forbidden with the real message; SelfSubjectAccessReview answers from the same table', async (t) => {
	await withSim(
		{
			scenario: 'empty',
			anonymous: null,
			tokens: {viewer: {name: 'viewer', groups: ['system:authenticated']}},
			rbac: [{users: ['viewer'], verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['pods'], namespaces: ['default']}],
		},
		async (sim) => {
			const anonymous = await call(sim, 'GET', '/api/v1/pods');
			t.is(anonymous.status, 401);
			const allowed = await call(sim, 'GET', '/api/v1/namespaces/default/pods', {token: 'viewer'});
			t.is(allowed.status, 200);
			const clusterWide = await call(sim, 'GET', '/api/v1/pods', {token: 'viewer'});
			t.is(clusterWide.status, 403);
			t.is(clusterWide.body.message, 'pods is forbidden: User "viewer" cannot list resource "pods" in API group "" at the cluster scope');
			const ssar = async (attributes: object) =>
				(
					await call(sim, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
						token: 'viewer',
						body: {apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: {resourceAttributes: attributes}},
					})
				).body.status.allowed;
			t.true(await ssar({verb: 'watch', resource: 'pods', namespace: 'default'}));
			t.false(await ssar({verb: 'delete', resource: 'pods', namespace: 'default'}));
			t.false(await ssar({verb: 'list', resource: 'pods'}));
			t.false(await ssar({verb: 'patch', group: 'apps', resource: 'deployments', namespace: 'default'}));
			const metrics = await call(sim, 'GET', '/metrics', {token: 'viewer'});
			t.is(metrics.status, 403);
			sim.authorizer.setRules([{users: ['viewer'], verbs: ['get'], nonResourceURLs: ['/metrics']}]);
			t.is((await call(sim, 'GET', '/metrics', {token: 'viewer'})).status, 200);
		},
	);
});

test('scale and status subresources; generation; graceful pod deletion; Job deletion orphans pods by default', async (t) => {
	await withSim({scenario: 'incident'}, async (sim) => {
		const scale = await call(sim, 'GET', '/apis/apps/v1/namespaces/checkout/deployments/cart/scale');
		t.is(scale.body.kind, 'Scale');
		t.is(scale.body.spec.replicas, 3);
		const scaled = await call(sim, 'PATCH', '/apis/apps/v1/namespaces/checkout/deployments/cart/scale', {
			body: {spec: {replicas: 4}},
			contentType: 'application/merge-patch+json',
		});
		t.is(scaled.status, 200);
		const deployment = (await call(sim, 'GET', '/apis/apps/v1/namespaces/checkout/deployments/cart')).body;
		t.is(deployment.spec.replicas, 4);
		t.true(deployment.metadata.managedFields.some((m: Obj) => m.subresource === 'scale' && JSON.stringify(m.fieldsV1).includes('f:replicas')));
		await eventually(
			() => sim.api.objects('pods', 'checkout').filter((p) => p.metadata.labels.app === 'cart' && p.status.phase === 'Running').length === 4,
			10_000,
			'four cart pods',
		);

		// A status write through the main resource is ignored.
		const ignored = await call(sim, 'PATCH', '/apis/apps/v1/namespaces/checkout/deployments/cart', {
			body: {status: {replicas: 99}},
			contentType: 'application/merge-patch+json',
		});
		t.not(ignored.body.status.replicas, 99);

		const pod = sim.api.objects('pods', 'checkout').find((p) => p.metadata.labels.app === 'recommendations')!;
		const deleting = await call(sim, 'DELETE', `/api/v1/namespaces/checkout/pods/${pod.metadata.name}`);
		t.is(deleting.status, 200);
		t.truthy(deleting.body.metadata.deletionTimestamp, 'graceful: the pod is marked, not gone');
		t.is(deleting.body.metadata.deletionGracePeriodSeconds, 30);
		await eventually(() => !sim.store.resource('pods').get(`checkout/${pod.metadata.name}`), 10_000, 'the kubelet to finish');

		const job = sim.api.objects('batch/jobs', 'batch-jobs').find((j) => String(j.metadata.name).startsWith('report-70'))!;
		const podsBefore = sim.store.dependentsOf(job.metadata.uid).length;
		t.is(podsBefore, 1);
		const deletedJob = await call(sim, 'DELETE', `/apis/batch/v1/namespaces/batch-jobs/jobs/${job.metadata.name}`);
		t.regex(deletedJob.headers.get('warning') ?? '', /child pods are preserved by default/);
		await eventually(() => !sim.store.resource('batch/jobs').get(`batch-jobs/${job.metadata.name}`), 10_000, 'the job to go');
		await eventually(
			() => sim.api.objects('pods', 'batch-jobs').some((p) => p.metadata.labels['job-name'] === job.metadata.name && !p.metadata.ownerReferences),
			10_000,
			'the orphaned pod',
		);

		const other = sim.api
			.objects('batch/jobs', 'batch-jobs')
			.find((j) => String(j.metadata.name).startsWith('report-70') && j.metadata.name !== job.metadata.name)!;
		await call(sim, 'DELETE', `/apis/batch/v1/namespaces/batch-jobs/jobs/${other.metadata.name}`, {body: {propagationPolicy: 'Background'}});
		await eventually(
			() => !sim.api.objects('pods', 'batch-jobs').some((p) => p.metadata.labels['job-name'] === other.metadata.name),
			10_000,
			'background deletion of the pods',
		);
		t.pass();
	});
});

test('/version, discovery and /metrics reflect the version played and the state', async (t) => {
	await withSim({scenario: 'incident', minor: 35, controllers: false}, async (sim) => {
		const version = await call(sim, 'GET', '/version');
		t.is(version.body.minor, '35');
		const groups = await call(sim, 'GET', '/apis');
		t.true(groups.body.groups.some((g: Obj) => g.name === 'keda.sh'));
		const core = await call(sim, 'GET', '/api/v1');
		const pods = core.body.resources.find((r: Obj) => r.name === 'pods');
		t.deepEqual(pods.shortNames, ['po']);
		t.true(core.body.resources.some((r: Obj) => r.name === 'pods/status'));
		const metrics = (await call(sim, 'GET', '/metrics')).text;
		const podCount = sim.store.resource('pods').size;
		t.regex(metrics, new RegExp(`^apiserver_resource_objects\\{group="",resource="pods"\\} ${podCount}$`, 'm'));
		t.regex(metrics, /^apiserver_resource_size_estimate_bytes\{group="ml.example.com",resource="datasets"\} \d{7,}$/m);
		t.regex(metrics, /^apiserver_storage_size_bytes\{storage_cluster_id="etcd-0"\} \d+$/m);
	});
	await withSim({scenario: 'empty', minor: 24, controllers: false}, async (sim) => {
		const metrics = (await call(sim, 'GET', '/metrics')).text;
		t.regex(metrics, /^etcd_db_total_size_in_bytes\{endpoint="https:\/\/127.0.0.1:2379"\} \d+$/m);
		t.regex(metrics, /^etcd_object_counts\{resource="namespaces"\} 4$/m);
		t.notRegex(metrics, /apiserver_resource_objects/);
		const fc = await call(sim, 'GET', '/apis/flowcontrol.apiserver.k8s.io');
		t.is(fc.body.preferredVersion.version, 'v1beta2');
	});
});

test('metrics.k8s.io: pod metrics paged with limit/continue are the unpaged list, one by name too; node metrics page as well', async (t) => {
	await withSim({scenario: 'incident', controllers: false}, async (sim) => {
		const all = (await call(sim, 'GET', '/apis/metrics.k8s.io/v1beta1/pods')).body as {
			items: Array<{metadata: {namespace: string; name: string}}>;
			metadata: {continue?: string};
		};
		t.true(all.items.length > 20);
		t.is(all.metadata.continue, undefined);
		const paged: string[] = [];
		let token: string | undefined;
		let pages = 0;
		do {
			const page = (await call(sim, 'GET', `/apis/metrics.k8s.io/v1beta1/pods?limit=7${token ? `&continue=${token}` : ''}`)).body as typeof all;
			t.true(page.items.length <= 7);
			paged.push(...page.items.map((i) => `${i.metadata.namespace}/${i.metadata.name}`));
			token = page.metadata.continue;
			pages++;
		} while (token && pages < 1000);
		t.deepEqual(
			paged,
			all.items.map((i) => `${i.metadata.namespace}/${i.metadata.name}`),
		);
		t.is(pages, Math.ceil(all.items.length / 7));
		const one = all.items[3]!.metadata;
		const item = (await call(sim, 'GET', `/apis/metrics.k8s.io/v1beta1/namespaces/${one.namespace}/pods/${one.name}`)).body as {
			metadata: {name: string};
			containers: unknown[];
		};
		t.is(item.metadata.name, one.name);
		t.true(item.containers.length > 0);
		t.is((await call(sim, 'GET', `/apis/metrics.k8s.io/v1beta1/namespaces/${one.namespace}/pods/no-such-pod`)).status, 404);
		const nodes = (await call(sim, 'GET', '/apis/metrics.k8s.io/v1beta1/nodes?limit=2')).body as typeof all;
		t.is(nodes.items.length, 2);
		t.truthy(nodes.metadata.continue);
	});
});
