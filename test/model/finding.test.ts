/**
 * Finding ids are printed (Markdown's `--apply` line, error messages) and pasted into a
 * shell, and they embed names from the cluster and the audit log: they must be safe by
 * construction, short, unique and stable.
 */
import test from 'ava';
import {findingId, idPart} from '../../source/model/finding.js';

const SAFE = /^[A-Za-z0-9._/@+=,~-]+$/;

test('ordinary names are kept; colons and whitespace become underscores, as before', (t) => {
	t.is(findingId('job-without-ttl', {kind: 'CronJob', namespace: 'batch', name: 'nightly-report'}), 'job-without-ttl/batch/CronJob/nightly-report');
	t.is(findingId('etcd-size', {kind: 'etcd', name: 'db'}), 'etcd-size/_/etcd/db');
	t.is(idPart('system:serviceaccount:kube-system:fluent bit'), 'system_serviceaccount_kube-system_fluent_bit');
	t.is(idPart('fluent-bit/v2.1_user@example.com'), 'fluent-bit/v2.1_user@example.com');
});

test('hostile names: only safe characters, bounded length, a hash keeps them apart', (t) => {
	const hostile = [
		'\u001b]52;c;ZXZpbA==\u0007evil',
		'\u001b]52;c;ZXZpbA==\u0007evim',
		'a\u202eb',
		'a\u202ec',
		'$(rm -rf ~)`id`;|&<>\'"',
		'日本語の名前',
		'L'.repeat(100_000),
		`${'L'.repeat(100_000)}x`,
	];
	const ids = hostile.map((name) => findingId('qos-not-guaranteed', {kind: `Roll${name}`, namespace: name, name}));
	for (const id of ids) {
		t.regex(id, SAFE);
		t.true(id.length < 400, `${id.length} characters`);
	}
	t.is(new Set(ids).size, ids.length, 'no two names share an id');
	t.deepEqual(
		hostile.map((name) => findingId('qos-not-guaranteed', {kind: `Roll${name}`, namespace: name, name})),
		ids,
		'stable',
	);
	t.regex(idPart('\u001b[31mred'), /^__31mred~[0-9a-f]{8}$/);
});

test('a part at the limit is kept whole; one past it is cut with a hash', (t) => {
	t.is(idPart('a'.repeat(100)), 'a'.repeat(100));
	t.regex(idPart('a'.repeat(101)), /^a{60}~[0-9a-f]{8}$/);
});
