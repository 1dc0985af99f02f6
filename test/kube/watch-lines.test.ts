import test from 'ava';
import {WatchLines, type WatchEvent} from '../../source/kube/watch-lines.js';

const EVENTS = [
	{type: 'ADDED', object: {kind: 'Event', metadata: {name: 'a'}, message: 'Zurückgesetzt: 容器已重启 🚀'}},
	{type: 'MODIFIED', object: {kind: 'ConfigMap', metadata: {name: 'b', annotations: {note: 'naïve café'}}}},
	{type: 'BOOKMARK', object: {kind: 'ConfigMap', metadata: {resourceVersion: '42'}}},
];

function read(chunks: Buffer[]): WatchEvent[] {
	const lines = new WatchLines();
	const out: WatchEvent[] = [];
	for (const chunk of chunks) for (const event of lines.push(chunk)) out.push(event);
	return out;
}

test('events come out whole whatever the chunk boundaries, a multi-byte character cut between two chunks included', (t) => {
	const body = Buffer.from(EVENTS.map((e) => `${JSON.stringify(e)}\n`).join(''), 'utf8');
	// Every cut point, so each multi-byte character (2, 3 and 4 bytes) is split at each of its bytes.
	for (let cut = 1; cut < body.length; cut++) {
		t.deepEqual(read([body.subarray(0, cut), body.subarray(cut)]), EVENTS, `cut at byte ${cut}`);
	}
	// And one byte at a time.
	t.deepEqual(read([...body].map((byte) => Buffer.from([byte]))), EVENTS);
});

test('a line that is not JSON is skipped, blank lines too, and the next event still comes out', (t) => {
	const body = Buffer.from(`{"type":"ADDED","obj\n\n${JSON.stringify(EVENTS[0])}\n`, 'utf8');
	t.deepEqual(read([body]), [EVENTS[0]!]);
});
