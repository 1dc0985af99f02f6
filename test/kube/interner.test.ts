/**
 * The store's interner keeps one instance per distinct value while the value is in use, and
 * forgets what nobody has asked for in two generations, so objects that come and go (a Job
 * per CronJob run) do not grow it for the whole session.
 */
import test from 'ava';
import {Generations, Interner, projectPod} from '../../source/kube/projections.js';

test('Generations: what is asked for survives every turn; what is not is forgotten after two', (t) => {
	const table = new Generations<object>(100);
	const kept = {name: 'kept'};
	table.set('kept', kept);
	const once = {name: 'once'};
	table.set('once', once);
	for (let i = 0; i < 10_000; i++) {
		table.set(`new-${i}`, {i});
		if (i % 50 === 0) t.is(table.get('kept'), kept);
	}
	t.true(table.rotations >= 50, `${table.rotations} turns`);
	t.is(table.get('kept'), kept, 'the same instance after every turn');
	t.is(table.get('once'), undefined, 'nobody asked: gone');
	t.is(table.get('new-0'), undefined);
	t.deepEqual(table.get('new-9999'), {i: 9999}, 'the newest are there');
	t.true(table.size <= 250, `${table.size} entries held for 1 in use and a minimum of 100`);
});

test('Generations: what is in use is never dropped, however many turns, and the table stays a few times its size', (t) => {
	const table = new Generations<object>(1000);
	const live = Array.from({length: 1000}, (_, i) => ({i}));
	for (const [i, value] of live.entries()) table.set(`live-${i}`, value);
	// Everything in use is asked for again, round after round, while new keys keep coming.
	let dropped = 0;
	for (let round = 0; round < 100; round++) {
		for (let i = 0; i < 1000; i++) {
			if (table.get(`live-${i}`) !== live[i]) dropped++;
			if (i % 10 === 0) table.set(`churn-${round}-${i}`, {round, i});
		}
	}
	t.is(dropped, 0);
	t.true(table.rotations >= 8, `${table.rotations} turns`);
	t.true(table.size <= 4 * 1100, `${table.size} held`);
});

test('Generations: a turn needs as many new keys as were carried over, and drops what was not asked for', (t) => {
	const table = new Generations<string>(4);
	for (let i = 0; i < 6; i++) table.set(`L${i}`, `L${i}`);
	t.is(table.rotations, 1, 'the minimum reached at L3');
	for (let i = 0; i < 4; i++) t.is(table.get(`L${i}`), `L${i}`, 'carried from the older generation');
	table.set('n0', 'n0');
	table.set('n1', 'n1');
	t.is(table.rotations, 2, 'L4, L5, n0, n1: four new keys, as many as were carried');
	for (let i = 0; i < 6; i++) t.is(table.get(`L${i}`), `L${i}`);
	for (let i = 0; i < 5; i++) table.set(`m${i}`, `m${i}`);
	t.is(table.rotations, 2, 'six were carried: five new keys are not enough');
	table.set('m5', 'm5');
	t.is(table.rotations, 3);
	t.is(table.get('n0'), undefined, 'n0 was not asked for in the last generation');
	t.is(table.get('L0'), 'L0');
	t.is(table.get('m5'), 'm5');
});

const pod = (name: string, owner: string) => ({
	metadata: {
		namespace: 'batch',
		name,
		uid: `uid-${name}`,
		resourceVersion: '1',
		ownerReferences: [{kind: 'Job', name: owner, uid: `uid-${owner}`, controller: true}],
		labels: {'job-name': owner},
	},
	spec: {
		nodeName: 'node-1',
		containers: [{name: 'main', image: 'app:1', resources: {requests: {cpu: '100m', memory: '64Mi'}, limits: {cpu: '100m', memory: '64Mi'}}}],
	},
	status: {phase: 'Succeeded'},
});

test('Interner: equal records and specs share one instance; pods of a Job per run do not grow it without bound', (t) => {
	const intern = new Interner(1000);
	const a = projectPod(pod('web-1', 'web'), intern);
	const b = projectPod(pod('web-2', 'web'), intern);
	t.is(a.owner, b.owner, 'one owner record');
	t.is(a.labels, b.labels, 'one label set');
	t.is(a.spec, b.spec, 'one spec');
	// 50,000 runs of a CronJob: a new Job name and uid each time; the web pods are updated now and then.
	let last = a;
	for (let run = 0; run < 50_000; run++) {
		projectPod(pod(`nightly-${run}-x`, `nightly-${run}`), intern);
		if (run % 100 === 0) {
			last = projectPod(pod('web-1', 'web'), intern);
			t.is(last.owner, a.owner, 'what is in use keeps its instance');
		}
	}
	const size = intern.size;
	t.true(size.records < 4000 && size.strings < 4000, JSON.stringify(size));
	t.is(last.spec, a.spec, 'the spec every pod shares is never dropped');
});

test('Interner: with one map it would hold every Job ever seen; the default minimum bounds it too', (t) => {
	const intern = new Interner();
	for (let run = 0; run < 200_000; run++) projectPod(pod(`nightly-${run}-x`, `nightly-${run}`), intern);
	// Each run interns a Job name, its uid and an owner record and a label set: 400,000 strings without the generations.
	const size = intern.size;
	t.true(size.strings < 3 * 16_384 && size.records < 3 * 16_384, JSON.stringify(size));
});
