/**
 * Every fault the simulator injects, and the request log that lets a test measure a
 * client's footprint.
 */
import {readFileSync} from 'node:fs';
import http from 'node:http';
import {join} from 'node:path';
import test from 'ava';
import {eventually, sleep, tempDir, withSim} from '../helpers/sim.js';

const UA = {'User-Agent': 'assure-test/1.0'};

test('429 with Retry-After for a share of requests, counted in the APF rejection metric', async (t) => {
	await withSim({scenario: 'empty', faults: {throttleShare: 1, retryAfterSeconds: 7}}, async (sim) => {
		const response = await fetch(`${sim.url}/api/v1/namespaces`, {headers: UA});
		t.is(response.status, 429);
		t.is(response.headers.get('retry-after'), '7');
		const body = (await response.json()) as {reason: string; details: {retryAfterSeconds: number}};
		t.is(body.reason, 'TooManyRequests');
		t.is(body.details.retryAfterSeconds, 7);
		sim.faults.set({throttleShare: 0.5});
		const codes: number[] = [];
		for (let i = 0; i < 40; i++) codes.push((await fetch(`${sim.url}/api/v1/namespaces`, {headers: UA})).status);
		const throttled = codes.filter((c) => c === 429).length;
		t.true(throttled > 5 && throttled < 35, `about half throttled (${throttled}/40)`);
		sim.faults.clear();
		const metrics = await (await fetch(`${sim.url}/metrics`)).text();
		const match = /^apiserver_flowcontrol_rejected_requests_total\{flow_schema="exempt",priority_level="exempt",reason="queue-full"\} (\d+)$/m.exec(metrics);
		t.truthy(match, 'the admin user is classified by the exempt FlowSchema');
		t.is(Number(match![1]), throttled + 1);
		t.is(sim.requestLog.all().filter((e) => e.fault === '429').length, throttled + 1);
	});
});

test('a 5xx burst answers the next N requests, then the server recovers', async (t) => {
	await withSim({scenario: 'empty'}, async (sim) => {
		sim.faults.set({errorBurst: 3, errorCode: 503});
		const codes: number[] = [];
		for (let i = 0; i < 5; i++) codes.push((await fetch(`${sim.url}/api/v1/namespaces`, {headers: UA})).status);
		t.deepEqual(codes, [503, 503, 503, 200, 200]);
		sim.faults.set({errorBurst: 1, errorCode: 500});
		const failed = await fetch(`${sim.url}/api/v1/namespaces`, {headers: UA});
		t.is(failed.status, 500);
		t.is(((await failed.json()) as {kind: string}).kind, 'Status');
	});
});

test('added latency delays every response by at least that much', async (t) => {
	await withSim({scenario: 'empty', faults: {latencyMs: 250}}, async (sim) => {
		await fetch(`${sim.url}/api/v1/namespaces`, {headers: UA});
		const entry = sim.requestLog.all().at(-1)!;
		t.true(entry.durationMs >= 250, `logged ${entry.durationMs} ms`);
	});
});

test('dropped watches are cut mid-stream; a 410 can come as a status or an ERROR event', async (t) => {
	await withSim({scenario: 'empty'}, async (sim) => {
		const response = await fetch(`${sim.url}/api/v1/namespaces?watch=true`, {headers: UA});
		const reader = response.body!.getReader();
		await reader.read();
		await eventually(() => sim.server.watches.size === 1);
		t.is(sim.server.dropWatches(), 1);
		const error = await (async () => {
			try {
				for (;;) if ((await reader.read()).done) return 'ended';
			} catch (caught) {
				return (caught as Error).message;
			}
		})();
		t.not(error, undefined);
		t.is(sim.server.watches.size, 0);

		sim.faults.set({expireNextWatches: 1, expireMode: 'status'});
		const gone = await fetch(`${sim.url}/api/v1/namespaces?watch=true&resourceVersion=5`, {headers: UA});
		t.is(gone.status, 410);
		t.is(((await gone.json()) as {reason: string}).reason, 'Gone');
		sim.faults.set({expireNextWatches: 1, expireMode: 'event'});
		const event = await fetch(`${sim.url}/api/v1/namespaces?watch=true&resourceVersion=5`, {headers: UA});
		t.is(event.status, 200);
		const text = await event.text();
		t.regex(text, /^\{"type":"ERROR","object":\{"kind":"Status".*"code":410\}\}\n$/);
	});
});

test('a half-open watch sends headers and then nothing, however much changes', async (t) => {
	await withSim({scenario: 'empty', faults: {halfOpenNextWatches: 1}}, async (sim) => {
		const controller = new AbortController();
		const response = await fetch(`${sim.url}/api/v1/namespaces?watch=true`, {headers: UA, signal: controller.signal});
		t.is(response.status, 200);
		const reader = response.body!.getReader();
		const first = Promise.race([reader.read().then(() => 'data'), sleep(600).then(() => 'silence')]);
		sim.api.create(sim.type('', 'namespaces'), '', {metadata: {name: 'while-half-open'}}, {user: {name: 't', groups: []}});
		t.is(await first, 'silence');
		t.is(sim.server.watches.size, 1, 'the server still counts it as open');
		controller.abort();
		// The next watch is healthy again.
		const healthy = await fetch(`${sim.url}/api/v1/namespaces?watch=true`, {headers: UA});
		const chunk = await healthy.body!.getReader().read();
		t.regex(Buffer.from(chunk.value!).toString(), /"type":"ADDED"/);
	});
});

test('the server going away (refused, or reset) and coming back', async (t) => {
	await withSim({scenario: 'empty'}, async (sim) => {
		await sim.server.goDown();
		const refused = await fetch(`${sim.url}/version`, {headers: UA}).then(
			() => undefined,
			(caught: Error & {cause?: {code?: string}}) => caught.cause?.code,
		);
		t.is(refused, 'ECONNREFUSED');
		await sim.server.comeBack();
		t.is((await fetch(`${sim.url}/version`, {headers: UA})).status, 200);

		// A keep-alive connection opened before the server goes away is cut too.
		const agent = new http.Agent({keepAlive: true, maxSockets: 1});
		const warm = await new Promise<number | undefined>((resolve, reject) => {
			http
				.get(`${sim.url}/version`, {agent}, (response) => {
					response.resume();
					response.on('end', () => resolve(response.statusCode));
				})
				.on('error', reject);
		});
		t.is(warm, 200);
		sim.faults.set({down: true});
		const onKeptConnection = await new Promise<string>((resolve) => {
			const request = http.get(`${sim.url}/version`, {agent}, (response) => resolve(`status ${response.statusCode}`));
			request.on('error', (error) => resolve(error.message));
		});
		agent.destroy();
		t.not(onKeptConnection, 'status 200');
		const reset = await new Promise<string>((resolve) => {
			const request = http.get(`${sim.url}/version`, (response) => resolve(`status ${response.statusCode}`));
			request.on('error', (error) => resolve(error.message));
		});
		t.is(reset, 'socket hang up');
		t.true(sim.faults.injected.refused >= 1);
		sim.faults.set({down: false});
		t.is((await fetch(`${sim.url}/version`, {headers: UA})).status, 200);
	});
});

test('the request log has a line per request (and one when a watch opens), in memory and in its file', async (t) => {
	const file = join(tempDir(), 'requests.jsonl');
	await withSim({scenario: 'empty', requestLog: file}, async (sim) => {
		await fetch(`${sim.url}/api/v1/namespaces?limit=2`, {headers: {...UA, Accept: 'application/json'}});
		await fetch(`${sim.url}/api/v1/namespaces/default/configmaps`, {
			method: 'POST',
			headers: {...UA, 'Content-Type': 'application/json'},
			body: JSON.stringify({metadata: {name: 'logged'}}),
		});
		const controller = new AbortController();
		const watch = await fetch(`${sim.url}/api/v1/namespaces?watch=true&timeoutSeconds=300`, {headers: UA, signal: controller.signal});
		await watch.body!.getReader().read();
		controller.abort();
		await eventually(() => sim.requestLog.all().some((e) => e.stage === 'ResponseComplete'));
		sim.requestLog.flush();
		const lines = readFileSync(file, 'utf8')
			.trim()
			.split('\n')
			.map((line) => JSON.parse(line));
		t.deepEqual(lines, JSON.parse(JSON.stringify(sim.requestLog.all())));
		const list = lines[0];
		t.like(list, {method: 'GET', path: '/api/v1/namespaces', query: {limit: '2'}, userAgent: 'assure-test/1.0', accept: 'application/json', status: 200});
		t.true(list.bytes > 100);
		t.is(typeof list.durationMs, 'number');
		t.is(typeof list.time, 'string');
		t.like(lines[1], {method: 'POST', contentType: 'application/json', status: 201});
		const watchLines = lines.filter((line) => line.watch);
		t.deepEqual(
			watchLines.map((line) => line.stage),
			['ResponseStarted', 'ResponseComplete'],
		);
		t.true(watchLines[1].bytes > 0);
	});
});
