/**
 * Every audit-log shape in test/fixtures/audit is detected and unwrapped: exact event
 * and skipped counts per file, the same six events read alike from every cloud wrapper,
 * and what each format cannot tell.
 */
import {readFileSync} from 'node:fs';
import test from 'ava';
import {detectLineFormat, LineDecoder} from '../../source/audit/formats.js';
import type {AuditRecord} from '../../source/audit/audit-record.js';
import {unavailableMeasures} from '../../source/audit/record.js';
import {fixtureDir} from '../helpers/fixtures.js';

const dir = fixtureDir('audit');

function decode(file: string): {records: AuditRecord[]; skipped: string[]} {
	const records: AuditRecord[] = [];
	const skipped: string[] = [];
	const decoder = new LineDecoder({record: (r) => records.push({...r}), skip: (reason) => skipped.push(reason)});
	decoder.begin();
	decoder.chunk(readFileSync(dir + file, 'utf8'));
	decoder.finish();
	return {records, skipped};
}

const expected: [file: string, events: number, skipped: number, format: string][] = [
	['native-audit2rbac-demo.log', 37, 0, 'native'],
	['aks-storage-PT1H-datadog.json', 21, 0, 'aks-storage'],
	['aks-eventhub-batch-sysdig.json', 22, 0, 'aks-eventhub'],
	['synthetic-native-heavy-watchers.jsonl', 1276, 0, 'native'],
	['synthetic-aks-storage-PT1H.json', 6, 0, 'aks-storage'],
	['synthetic-aks-eventhub.json', 6, 0, 'aks-eventhub'],
	['synthetic-aks-la-azurediagnostics.jsonl', 6, 0, 'aks-azurediagnostics'],
	['synthetic-aks-la-aksaudit.jsonl', 6, 0, 'aks-aksaudit'],
	['synthetic-eks-cloudwatch-events.jsonl', 6, 0, 'eks-cloudwatch'],
	['synthetic-eks-subscription.jsonl', 6, 0, 'eks-subscription'],
	['synthetic-eks-insights-results.json', 6, 0, 'eks-insights'],
	['synthetic-eks-s3-export.log', 6, 0, 'eks-s3'],
	['synthetic-gke-cloudlogging.jsonl', 5, 0, 'gke'],
];

for (const [file, events, skipped, format] of expected) {
	test(`${file}: ${events} events, ${skipped} skipped, all ${format}`, (t) => {
		const got = decode(file);
		t.is(got.records.length, events);
		t.is(got.skipped.length, skipped);
		t.deepEqual([...new Set(got.records.map((r) => r.format))], [format]);
	});
}

test('mixed shapes: one line per shape, 21 events and the klog line skipped', (t) => {
	const got = decode('synthetic-mixed-shapes.jsonl');
	t.is(got.records.length, 21);
	t.deepEqual(got.skipped, ['not-audit']);
	const lines = readFileSync(dir + 'synthetic-mixed-shapes.jsonl', 'utf8')
		.split('\n')
		.filter((l) => l !== '');
	t.deepEqual(lines.map(detectLineFormat), [
		'native',
		'aks-storage',
		'aks-storage',
		'aks-eventhub',
		'aks-azurediagnostics',
		'aks-aksaudit',
		'eks-cloudwatch',
		'eks-subscription',
		'eks-s3',
		'gke',
		'legacy',
		undefined,
	]);
});

test('the heavy-watchers fixture: verbs and stages as documented', (t) => {
	const {records} = decode('synthetic-native-heavy-watchers.jsonl');
	const count = (f: (r: AuditRecord) => boolean): number => records.filter(f).length;
	t.is(
		count((r) => r.verb === 'update'),
		524,
	);
	t.is(
		count((r) => r.verb === 'list'),
		262,
	);
	t.is(
		count((r) => r.verb === 'get'),
		259,
	);
	t.is(
		count((r) => r.verb === 'watch'),
		231,
	);
	t.is(
		count((r) => r.stage === 'ResponseComplete'),
		1158,
	);
	t.is(
		count((r) => r.stage === 'ResponseStarted'),
		118,
	);
	t.is(
		count((r) => r.code === 429),
		71,
	);
	// A 429 from APF carries no authorization annotations.
	t.true(records.filter((r) => r.code === 429).every((r) => r.decision === ''));
	const legacyWatch = records.find((r) => r.path.startsWith('/api/v1/watch/'));
	t.truthy(legacyWatch);
	t.is(legacyWatch?.verb, 'watch');
});

test('audit2rbac (old shape): no stage timestamps, impersonation, 403s', (t) => {
	const {records} = decode('native-audit2rbac-demo.log');
	t.is(records.filter((r) => r.verb === 'get').length, 23);
	t.is(records.filter((r) => r.verb === 'list').length, 14);
	t.is(records.filter((r) => r.code === 403).length, 11);
	t.true(records.every((r) => r.impersonatedUser !== '' && r.user === 'system:admin'));
	t.true(records.every((r) => Number.isFinite(r.receivedMs) && Number.isNaN(r.stageMs) && Number.isNaN(r.latencyMs)));
});

/** The fields every full-fidelity format must agree on for the same event. */
const CORE_FIELDS: ReadonlyArray<keyof AuditRecord> = [
	'auditID',
	'stage',
	'verb',
	'requestURI',
	'user',
	'userAgent',
	'sourceIP',
	'code',
	'receivedMs',
	'stageMs',
	'latencyMs',
	'nodeName',
	'podName',
	'resource',
	'namespace',
	'name',
	'limit',
	'labelSelector',
	'decision',
	'watch',
];

function core(r: AuditRecord): unknown {
	return Object.fromEntries(CORE_FIELDS.map((field) => [field, r[field]]));
}

test('the same six events read alike from every AKS and EKS wrapper', (t) => {
	const byId = (rs: AuditRecord[]): unknown[] => rs.map(core).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
	const reference = byId(decode('synthetic-aks-storage-PT1H.json').records);
	for (const file of [
		'synthetic-aks-eventhub.json',
		'synthetic-aks-la-azurediagnostics.jsonl',
		'synthetic-aks-la-aksaudit.jsonl',
		'synthetic-eks-cloudwatch-events.jsonl',
		'synthetic-eks-subscription.jsonl',
		'synthetic-eks-insights-results.json',
		'synthetic-eks-s3-export.log',
	]) {
		t.deepEqual(byId(decode(file).records), reference, file);
	}
	const acme = decode('synthetic-aks-storage-PT1H.json').records.find((r) => r.userAgent.startsWith('acme-inventory') && r.code === 200);
	t.is(acme?.labelSelector, 'acme.io/managed=true');
	t.is(Number.isNaN(acme?.limit ?? 0), true);
	t.is(acme?.resourceVersion, undefined);
	t.is(Math.round((acme?.latencyMs ?? 0) * 1000), 824728);
	t.is(acme?.nodeName, 'aks-nodepool1-31415926-vmss000000');
});

test('GKE: verb and resource from methodName/resourceName, no query, no stages', (t) => {
	const {records} = decode('synthetic-gke-cloudlogging.jsonl');
	const watch = records.find((r) => r.userAgent.startsWith('kubelet'))!;
	t.is(watch.verb, 'watch');
	t.true(watch.watch);
	t.is(watch.resource, 'pods');
	t.is(watch.stage, '');
	t.false(watch.queryKnown);
	t.is(watch.nodeName, 'gke-example-default-pool-1a2b3c4d-4');
	const get = records.find((r) => r.verb === 'get')!;
	t.is(get.namespace, 'shop');
	t.is(get.name, 'web-84f6c9d7b-d59b4');
	t.is(get.requestURI, '/api/v1/namespaces/shop/pods/web-84f6c9d7b-d59b4');
	const cilium = records.find((r) => r.userAgent.startsWith('cilium'))!;
	t.is(cilium.apiGroup, 'cilium.io');
	t.is(cilium.resource, 'ciliumendpoints');
	t.is(cilium.code, 200);
	const acme = records.find((r) => r.userAgent.startsWith('acme'))!;
	t.is(Math.round(acme.latencyMs), 825);
	const gaps = unavailableMeasures(['gke']);
	t.true(gaps.some((g) => g.includes('no query string')));
	t.true(gaps.some((g) => g.includes('no stages')));
	t.deepEqual(unavailableMeasures(['native', 'aks-storage', 'eks-s3']), []);
});

test('legacy text line: Go-quoted fields, first source IP, receive time', (t) => {
	const line = readFileSync(dir + 'synthetic-mixed-shapes.jsonl', 'utf8').split('\n')[10]!;
	const records: AuditRecord[] = [];
	new LineDecoder({record: (r) => records.push(r), skip: () => t.fail()}).line(line);
	const r = records[0]!;
	t.is(r.format, 'legacy');
	t.is(r.auditID, 'd6cfdfb3-1d9e-44b5-90fe-fed4648b0532');
	t.is(r.verb, 'list');
	t.is(r.user, 'system:serviceaccount:acme:inventory-sync');
	t.deepEqual(r.groups, ['system:serviceaccounts', 'system:serviceaccounts:acme', 'system:authenticated']);
	t.is(r.userAgent, 'acme-inventory/0.3.1 (linux/amd64) kubernetes/$Format');
	t.is(r.resource, 'secrets');
	t.is(r.labelSelector, 'acme.io/managed=true');
	t.is(r.code, 200);
	t.is(r.receivedMs, Date.parse('2026-03-10T14:00:05.403Z') + 0.458);
	t.is(r.impersonatedUser, '');
	t.true(unavailableMeasures(['legacy']).some((g) => g.includes('first source IP')));
});

test('lines that are not audit events are skipped with a reason, never fatal', (t) => {
	const skipped: string[] = [];
	const records: AuditRecord[] = [];
	const decoder = new LineDecoder({record: (r) => records.push(r), skip: (reason) => skipped.push(reason)});
	decoder.chunk(
		[
			'hello world',
			'{"truncated": ',
			'{"some":"json"}',
			'[1,2,3]',
			'{"category":"kube-apiserver","properties":{"log":"I0310 trace"}}',
			'{"records":[{"category":"kube-audit","properties":{"log":"not json"}}]}',
			'',
			'   ',
		].join('\n'),
	);
	decoder.finish();
	t.is(records.length, 0);
	t.deepEqual(skipped, ['not-json', 'invalid-json', 'not-audit', 'not-audit', 'not-audit', 'not-audit', 'not-audit', 'invalid-json']);
});

test('a pretty-printed JSON document (aws CLI output, a BOM) is decoded whole', (t) => {
	const lines = readFileSync(dir + 'synthetic-eks-insights-results.json', 'utf8');
	const pretty = `\uFEFF${JSON.stringify(JSON.parse(lines), null, 2)}\n`;
	const records: AuditRecord[] = [];
	const decoder = new LineDecoder({record: (r) => records.push(r), skip: () => t.fail()});
	decoder.begin();
	decoder.chunk(pretty);
	decoder.finish();
	t.is(records.length, 6);
	t.true(records.every((r) => r.format === 'eks-insights'));
	const events = readFileSync(dir + 'synthetic-eks-cloudwatch-events.jsonl', 'utf8')
		.trim()
		.split('\n')
		.map((l) => JSON.parse(l));
	const page = JSON.stringify({events, searchedLogStreams: []}, null, 4);
	const more: AuditRecord[] = [];
	const second = new LineDecoder({record: (r) => more.push(r), skip: () => t.fail()});
	second.begin();
	second.chunk(page);
	second.finish();
	t.is(more.length, 6);
	t.true(more.every((r) => r.format === 'eks-cloudwatch'));
});

test('an audit webhook EventList batch is unwrapped', (t) => {
	const events = readFileSync(dir + 'synthetic-native-heavy-watchers.jsonl', 'utf8')
		.trim()
		.split('\n')
		.slice(0, 5)
		.map((l) => JSON.parse(l));
	const records: AuditRecord[] = [];
	new LineDecoder({record: (r) => records.push(r), skip: () => t.fail()}).line(
		JSON.stringify({kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: events}),
	);
	t.is(records.length, 5);
});
