/**
 * Audit input faults: rotation by rename and by copytruncate while a writer in another
 * process writes a burst, the follower reading as it goes. Every event exactly once.
 */
import {fork} from 'node:child_process';
import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import test from 'ava';
import {AuditFollower} from '../../../source/audit/follower.js';
import {eventually} from '../../helpers/sim.js';
import {keysOf, RecordingAggregator, tempDir} from '../../audit/helpers.js';
import {good, int, prng, sameSequence} from './helpers.js';

/**
 * The writer, a separate process (real concurrency with the follower's reads): writes the
 * lines in bursts of 1–6, a fifth of the writes cut in two mid-line, yielding now and then;
 * before rotation i it asks the parent and waits for its go (the parent answers once the
 * follower has seen rotation i − 1, so one rotation at most is unseen at any time — the
 * follower's contract), then rotates and goes straight on writing.
 */
const WRITER = `
import {closeSync, copyFileSync, ftruncateSync, openSync, renameSync, writeSync} from 'node:fs';
process.once('message', async (job) => {
	let a = job.seed >>> 0;
	const random = () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
	let fd = openSync(job.path, 'a');
	let next = 0;
	const go = (i) => new Promise((resolve) => {
		const handler = (m) => {
			if (m.go === i) {
				process.off('message', handler);
				resolve();
			}
		};
		process.on('message', handler);
		process.send({ready: i});
	});
	for (let i = 0; i < job.lines.length;) {
		if (job.rotateAt[next] === i) {
			await go(next);
			if (job.mode === 'rename') {
				closeSync(fd);
				renameSync(job.path, job.path.replace(/\\.log$/, '-' + String(next).padStart(3, '0') + '.log'));
				fd = openSync(job.path, 'a');
			} else {
				copyFileSync(job.path, job.path + '.1');
				ftruncateSync(fd, 0);
			}
			next++;
		}
		const limit = next < job.rotateAt.length ? job.rotateAt[next] : job.lines.length;
		// Right after a rotation, one large write: the new file outgrows the follower's position at once.
		const n = Math.min(limit - i, next > 0 && i === job.rotateAt[next - 1] ? 60 : 1 + Math.floor(random() * 6));
		const text = Buffer.from(job.lines.slice(i, i + n).join('\\n') + '\\n');
		if (random() < 0.2) {
			const cut = 1 + Math.floor(random() * (text.length - 1));
			writeSync(fd, text.subarray(0, cut));
			await new Promise((resolve) => setImmediate(resolve));
			writeSync(fd, text.subarray(cut));
		} else {
			writeSync(fd, text);
		}
		i += n;
		if (random() < 0.05) await new Promise((resolve) => setTimeout(resolve, 1));
	}
	closeSync(fd);
	process.send({done: true});
	process.disconnect();
});
`;

async function burstWhileFollowed(
	t: {teardown(fn: () => void | Promise<void>): void; log(...values: unknown[]): void},
	mode: 'rename' | 'copytruncate',
	seed: number,
): Promise<{sink: RecordingAggregator; follower: AuditFollower; notices: string[]; rotations: number}> {
	const dir = tempDir(t);
	const path = join(dir, 'audit.log');
	writeFileSync(path, '');
	const writer = join(dir, 'writer.mjs');
	writeFileSync(writer, WRITER);
	const sink = new RecordingAggregator();
	const notices: string[] = [];
	const follower = new AuditFollower(path, sink, {pollMs: 2, onNotice: (m) => notices.push(m)});
	t.teardown(async () => {
		await follower.stop();
	});
	follower.start();
	const random = prng(seed);
	const rotateAt: number[] = [];
	for (let i = 150 + int(random, 200); i < good.length - 50; i += 150 + int(random, 350)) rotateAt.push(i);
	const seen = () => (mode === 'rename' ? follower.stats.rotations : follower.stats.truncations);
	const child = fork(writer, [], {stdio: ['ignore', 'inherit', 'inherit', 'ipc']});
	t.teardown(() => {
		if (child.exitCode === null) child.kill();
	});
	await new Promise<void>((resolve, reject) => {
		child.on('message', (m: {ready?: number; done?: boolean}) => {
			if (m.done) {
				resolve();
				return;
			}
			const i = m.ready!;
			// The follower's contract: at most one rotation between two polls, and none before its first
			// read (a file replaced or truncated before the follower ever read it cannot be told from a
			// new one). Rename rotation i waits only until the follower has counted rotation i − 1
			// (checked on every turn of the event loop, so that it often comes while the follower is
			// still opening the new file); copytruncate i also until it has read an event written after.
			const ready = (): boolean => seen() >= i && (i === 0 ? sink.keys.length > 0 : mode === 'rename' || sink.keys.length > rotateAt[i - 1]!);
			const deadline = Date.now() + 20_000;
			const wait = (): void => {
				if (ready()) child.send({go: i});
				else if (Date.now() > deadline) reject(new Error(`the follower did not see rotation ${i - 1} (${JSON.stringify(follower.stats)})`));
				else setImmediate(wait);
			};
			wait();
		});
		child.on('error', reject);
		child.on('exit', (code) => {
			if (code !== 0) reject(new Error(`writer exited with ${code}`));
		});
		child.send({path, lines: good, rotateAt, mode, seed});
	});
	await eventually(() => sink.keys.length >= good.length && seen() === rotateAt.length, 30_000, `every event (${sink.keys.length} of ${good.length})`);
	await follower.poll();
	await follower.stop();
	return {sink, follower, notices, rotations: rotateAt.length};
}

test('rename rotation during a burst of writes while followed: every event exactly once', async (t) => {
	const {sink, follower, notices, rotations} = await burstWhileFollowed(t, 'rename', 7);
	t.true(rotations >= 8, `${rotations} rotations`);
	sameSequence(t, sink.keys, keysOf(good));
	t.deepEqual(sink.skips, []);
	t.is(follower.stats.rotations, rotations);
	t.is(follower.stats.gaps, 0);
	t.deepEqual(notices, []);
});

test('copytruncate during a burst of writes while followed: every event exactly once, from the copy when needed', async (t) => {
	const {sink, follower, notices, rotations} = await burstWhileFollowed(t, 'copytruncate', 11);
	t.true(rotations >= 8, `${rotations} truncations`);
	t.is(sink.keys.length, good.length);
	sameSequence(t, sink.keys, keysOf(good));
	t.deepEqual(sink.skips, []);
	t.is(follower.stats.truncations, rotations);
	t.is(follower.stats.gaps, 0);
	t.deepEqual(notices, []);
});
