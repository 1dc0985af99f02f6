/**
 * The real kubectl is the judge of the simulator's fidelity: get (Table columns), watch,
 * patch of every type, server dry-run, graceful delete, server-side apply, /metrics,
 * auth can-i, over HTTP and HTTPS, with tokens and an exec credential plugin.
 */
import {readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {spawn} from 'node:child_process';
import test from 'ava';
import {parse as parseYaml} from 'yaml';
import {eventually, kubectl, sleep, tempDir, withSim, writeKubeconfig} from '../helpers/sim.js';

for (const https of [false, true]) {
	const mode = https ? 'HTTPS' : 'HTTP';

	test(`${mode}: kubectl get pods -A prints the server's Table columns`, async (t) => {
		await withSim({scenario: 'incident', https, controllers: false}, async (sim) => {
			const kc = writeKubeconfig(sim);
			const result = await kubectl(kc, ['get', 'pods', '-A']);
			t.is(result.code, 0, result.stderr);
			const [header, ...rows] = result.stdout.trim().split('\n');
			t.deepEqual(header!.split(/\s{2,}/), ['NAMESPACE', 'NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
			t.is(rows.length, sim.store.resource('pods').size);
			t.true(
				rows.some((row) => /^payments\s+payments-api-\S+\s+1\/1\s+Running\s+0\s+6d\d+h$/.test(row)),
				'a running payments-api pod',
			);
			t.true(
				rows.some((row) => /^batch-jobs\s+report-\d+-\S+\s+0\/1\s+Error\s+0\s+\S+$/.test(row)),
				'a failed job pod shows Error',
			);
			const wide = await kubectl(kc, ['get', 'pods', '-n', 'checkout', '-o', 'wide']);
			t.regex(wide.stdout.split('\n')[0]!, /NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES/);
			const request = sim.requestLog.all().find((entry) => entry.path === '/api/v1/pods' && entry.accept.includes('as=Table'));
			t.truthy(request, 'kubectl asked for a Table');
		});
	});

	test(`${mode}: kubectl get pods -A -w sees ADDED, MODIFIED and DELETED`, async (t) => {
		await withSim({scenario: 'empty', https}, async (sim) => {
			const kc = writeKubeconfig(sim);
			const cacheDir = tempDir('kubectl-cache-');
			const watcher = spawn('kubectl', ['--kubeconfig', kc, '--cache-dir', cacheDir, 'get', 'pods', '-A', '-w', '--output-watch-events'], {
				env: {...process.env, HOME: cacheDir},
			});
			let output = '';
			watcher.stdout.on('data', (chunk: Buffer) => {
				output += chunk.toString();
			});
			try {
				await eventually(() => sim.server.watches.size > 0, 15_000, 'the watch to open');
				const pods = sim.type('', 'pods');
				const ctx = {user: {name: 'test', groups: ['system:masters']}};
				sim.api.create(pods, 'default', {metadata: {name: 'watched'}, spec: {containers: [{name: 'c', image: 'busybox'}]}}, ctx);
				await eventually(() => /MODIFIED\s+default\s+watched\s+1\/1\s+Running/.test(output), 15_000, 'the pod to run');
				sim.api.delete(pods, 'default', 'watched', {}, ctx);
				await eventually(() => /DELETED\s+default\s+watched/.test(output), 15_000, 'DELETED');
				t.regex(output, /ADDED\s+default\s+watched\s+0\/1\s+Pending/);
				t.regex(output, /MODIFIED\s+default\s+watched\s+1\/1\s+Terminating/);
			} finally {
				watcher.kill();
			}
		});
	});

	test(`${mode}: kubectl patch (strategic, merge, json), --dry-run=server and delete`, async (t) => {
		await withSim({scenario: 'incident', https}, async (sim) => {
			const kc = writeKubeconfig(sim);
			const deployments = sim.type('apps', 'deployments');
			const get = () => sim.api.get(deployments, 'checkout', 'cart');
			const generation = get().metadata.generation;
			const patchCart = (...args: string[]) => kubectl(kc, ['patch', 'deployment', 'cart', '-n', 'checkout', ...args]);

			const strategic = await patchCart(
				'--type',
				'strategic',
				'-p',
				'{"spec":{"template":{"spec":{"containers":[{"name":"cart","resources":{"limits":{"cpu":"400m"},"requests":{"cpu":"400m"}}}]}}}}',
			);
			t.is(strategic.code, 0, strategic.stderr);
			const container = get().spec.template.spec.containers[0];
			t.is(container.resources.limits.cpu, '400m');
			t.is(container.resources.limits.memory, '384Mi', 'strategic merge kept the memory limit');
			t.is(container.image, 'acme.azurecr.io/checkout/cart:3.0.7');
			t.is(get().metadata.generation, generation + 1, 'a spec change bumps the generation');

			const merge = await patchCart('--type', 'merge', '-p', '{"metadata":{"labels":{"tier":"web"}}}');
			t.is(merge.code, 0, merge.stderr);
			t.is(get().metadata.labels.tier, 'web');
			t.is(get().metadata.generation, generation + 1, 'a metadata change does not');

			const json = await patchCart('--type', 'json', '-p', '[{"op":"replace","path":"/spec/revisionHistoryLimit","value":4}]');
			t.is(json.code, 0, json.stderr);
			t.is(get().spec.revisionHistoryLimit, 4);

			const before = sim.store.rv;
			const dry = await patchCart('--dry-run=server', '-p', '{"spec":{"replicas":9}}', '-o', 'jsonpath={.spec.replicas}');
			t.is(dry.code, 0, dry.stderr);
			t.is(dry.stdout, '9', 'the dry run answers with the patched object');
			t.is(get().spec.replicas, 3, '...and saves nothing');
			t.true(sim.requestLog.all().some((e) => e.method === 'PATCH' && e.query.dryRun === 'All'));
			void before;

			const pod = sim.api.objects('pods', 'checkout').find((p) => String(p.metadata.name).startsWith('recommendations-'))!;
			const deleted = await kubectl(kc, ['delete', 'pod', pod.metadata.name, '-n', 'checkout'], {timeoutMs: 60_000});
			t.is(deleted.code, 0, deleted.stderr);
			t.regex(deleted.stdout, /deleted/);
			t.is(sim.store.resource('pods').get(`checkout/${pod.metadata.name}`), undefined, 'the pod is gone once kubectl returns');
			const deleteRequest = sim.requestLog.all().find((e) => e.method === 'DELETE' && e.path.endsWith(pod.metadata.name));
			t.is(deleteRequest?.status, 200);
		});
	});

	test(`${mode}: kubectl apply --server-side, get --raw /metrics${https ? ', auth can-i both ways' : ''}`, async (t) => {
		await withSim(
			{
				scenario: 'empty',
				https,
				tokens: {'viewer-token': {name: 'viewer', groups: ['system:authenticated']}},
				rbac: [
					{users: ['viewer'], verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['pods']},
					{users: ['kubernetes-admin'], verbs: ['*'], apiGroups: ['*'], resources: ['*'], nonResourceURLs: ['*']},
				],
			},
			async (sim) => {
				const admin = writeKubeconfig(sim);
				const manifest = join(tempDir(), 'cm.yaml');
				writeFileSync(manifest, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\n  namespace: default\ndata:\n  a: "1"\n');
				const applied = await kubectl(admin, ['apply', '--server-side', '--validate=false', '-f', manifest]);
				t.is(applied.code, 0, applied.stderr);
				t.regex(applied.stdout, /configmap\/applied serverside-applied/);
				const cm = sim.api.get(sim.type('', 'configmaps'), 'default', 'applied');
				t.deepEqual(cm.data, {a: '1'});
				t.is(cm.metadata.managedFields[0].manager, 'kubectl');
				t.is(cm.metadata.managedFields[0].operation, 'Apply');

				const metrics = await kubectl(admin, ['get', '--raw', '/metrics']);
				t.is(metrics.code, 0, metrics.stderr);
				t.regex(metrics.stdout, /^apiserver_storage_objects\{resource="configmaps"\} \d+$/m);
				t.regex(metrics.stdout, /^apiserver_storage_size_bytes\{storage_cluster_id="etcd-0"\} \d+$/m);

				// Over plain HTTP kubectl sends no bearer token: RBAC needs HTTPS, as on a real server.
				if (!https) return;
				const yes = await kubectl(admin, ['auth', 'can-i', 'delete', 'deployments']);
				t.is(yes.code, 0);
				t.is(yes.stdout.trim(), 'yes');
				const viewer = writeKubeconfig(sim, {token: 'viewer-token'});
				const no = await kubectl(viewer, ['auth', 'can-i', 'delete', 'pods']);
				t.is(no.code, 1);
				t.is(no.stdout.trim(), 'no');
				const list = await kubectl(viewer, ['auth', 'can-i', 'list', 'pods', '-n', 'default']);
				t.is(list.stdout.trim(), 'yes');
				const forbidden = await kubectl(viewer, ['delete', 'pod', 'nothing', '-n', 'default']);
				t.not(forbidden.code, 0);
				t.regex(forbidden.stderr, /pods "nothing" is forbidden: User "viewer" cannot delete resource "pods" in API group "" in the namespace "default"/);
			},
		);
	});
}

test('HTTPS: an exec credential plugin is run and its token accepted; a bad token is refused', async (t) => {
	const counter = join(tempDir(), 'runs');
	writeFileSync(counter, '');
	await withSim({scenario: 'empty', https: true, tokens: {'exec-token': {name: 'exec-user', groups: ['system:masters']}}}, async (sim) => {
		const plugin = join(process.cwd(), 'test', 'fixtures', 'exec-plugin.sh');
		const kc = writeKubeconfig(sim, {
			exec: {
				command: plugin,
				env: [
					{name: 'ASSURE_TEST_TOKEN', value: 'exec-token'},
					{name: 'ASSURE_TEST_COUNTER', value: counter},
				],
			},
		});
		const result = await kubectl(kc, ['get', 'namespaces']);
		t.is(result.code, 0, result.stderr);
		t.regex(result.stdout, /kube-system\s+Active/);
		t.true(readFileSync(counter, 'utf8').split('\n').filter(Boolean).length >= 1, 'the plugin ran');
		t.true((sim.authenticator.tokenUses.get('exec-token') ?? 0) >= 1, 'the server saw its token');
		t.true(sim.requestLog.all().some((e) => e.user === 'exec-user'));

		const bad = writeKubeconfig(sim, {exec: {command: plugin, env: [{name: 'ASSURE_TEST_TOKEN', value: 'wrong'}]}});
		const refused = await kubectl(bad, ['get', 'namespaces']);
		t.not(refused.code, 0);
		t.regex(refused.stderr, /Unauthorized|provide credentials/);
	});
});

test('HTTPS: the server certificate is verified against the generated CA', async (t) => {
	await withSim({scenario: 'empty', https: true}, async (sim) => {
		const kc = writeKubeconfig(sim, {clientCertificate: true});
		const ok = await kubectl(kc, ['get', 'ns', 'default', '-o', 'name']);
		t.is(ok.code, 0, ok.stderr);
		t.is(ok.stdout.trim(), 'namespace/default');
		const config = parseYaml(readFileSync(kc, 'utf8'));
		config.clusters[0].cluster['certificate-authority-data'] = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n').toString('base64');
		const broken = join(tempDir(), 'kc');
		writeFileSync(broken, JSON.stringify(config));
		const refused = await kubectl(broken, ['get', 'ns']);
		t.not(refused.code, 0);
		await sleep(10);
	});
});
