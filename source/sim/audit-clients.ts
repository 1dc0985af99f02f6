/**
 * What each simulated client of the API server does, as requests scheduled on a
 * TrafficSchedule: kubelets (lease updates, status patches, node-scoped watches),
 * DaemonSet agents watching cluster-wide collections from every node (and listing
 * everything again when they restart), bad clients doing unpaged cluster-wide LISTs that
 * get slow and then throttled, informers (paged LIST or watch-list, then long watches),
 * health probes, kube-controller-manager and a human with kubectl.
 */
import {goDuration} from './audit-writer.js';
import {queryString, type Identity, type OpenWatchHandle, type TrafficSchedule} from './audit-schedule.js';
import type {BadClient, DaemonSetClient, InformerClient} from './audit-traffic.js';

/** Schedules every client the spec describes, each from the window start. */
export function startClients(s: TrafficSchedule): void {
	const spec = s.spec;
	const start = spec.startMs;
	if (spec.kubelets ?? true) for (let i = 0; i < spec.nodes; i++) kubelet(s, i, start);
	for (const ds of spec.daemonSets ?? []) for (let i = 0; i < spec.nodes; i++) daemonPod(s, ds, i, start);
	for (const bad of spec.badClients ?? []) for (let r = 0; r < bad.replicas; r++) badReplica(s, bad, r, start);
	for (const inf of spec.informers ?? []) informer(s, inf, start);
	if (spec.probes ?? true) probes(s, start);
	if (spec.controllerManager ?? true) controllerManager(s, start);
	if (spec.kubectl ?? true) human(s, start);
}

function kubelet(s: TrafficSchedule, i: number, start: number): void {
	const node = s.nodeNames[i]!;
	const who: Identity = {
		user: {username: `system:node:${node}`, groups: ['system:nodes', 'system:authenticated']},
		sourceIPs: [s.nodeIPs[i]!],
		userAgent: `kubelet/${s.version} (linux/amd64) kubernetes/${s.commit}`,
		reason: '',
	};
	s.every(start + s.rng.next() * 10_000, 10_000, 200, (t) => {
		s.request(t, who, 'update', `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${node}?timeout=10s`, {latencyMs: 4 + s.rng.next() * 12});
	});
	s.every(start + s.rng.next() * 60_000, 60_000, 1000, (t) => {
		s.request(t, who, 'patch', `/api/v1/nodes/${node}/status?timeout=10s`, {latencyMs: 6 + s.rng.next() * 20});
	});
	const watches = [
		['/api/v1/pods', {fieldSelector: `spec.nodeName=${node}`}],
		['/api/v1/nodes', {fieldSelector: `metadata.name=${node}`}],
		['/api/v1/services', {}],
	] as const;
	for (const [path, extra] of watches) {
		const open = (t: number): void => {
			const seconds = s.rng.int(300, 600);
			const uri = s.watchUri(path, seconds, extra);
			s.request(t, who, 'watch', uri, {latencyMs: 0, lifetimeMs: seconds * 1000 + s.rng.next() * 50, onEnd: (end) => open(end + 5 + s.rng.next() * 20)});
		};
		s.at(start - s.rng.next() * 300_000, () => open(s.clock));
	}
}

function daemonPod(s: TrafficSchedule, ds: DaemonSetClient, i: number, start: number): void {
	const pod = `${ds.name}-${s.rng.suffix(5)}`;
	const who: Identity = {
		user: s.serviceAccount(ds.namespace, ds.serviceAccount, pod, i),
		sourceIPs: [s.nodeIPs[i]!],
		userAgent: ds.userAgent,
		reason: s.rbacReason(ds.serviceAccount, ds.namespace),
	};
	let generation = 0;
	const open = new Set<OpenWatchHandle>();
	const startWatches = (t: number, relist: boolean): void => {
		const mine = generation;
		for (const path of ds.watches) {
			let at = t;
			if (relist) {
				const latency = 40 + s.rng.next() * 400;
				s.request(at, who, 'list', `${path}?limit=500&resourceVersion=0`, {latencyMs: latency});
				at += latency + 1;
			}
			const watch = (when: number): void => {
				if (generation !== mine) return;
				const seconds = Math.round(s.uniform(ds.rewatchSeconds));
				const handle = s.request(when, who, 'watch', s.watchUri(path, seconds), {
					latencyMs: 0,
					lifetimeMs: seconds * 1000,
					onEnd: (end) => {
						if (handle !== undefined) open.delete(handle);
						watch(end + 2 + s.rng.next() * 30);
					},
				});
				if (handle !== undefined) open.add(handle);
			};
			s.at(at, () => watch(s.clock));
		}
	};
	// The pod started some time before the window: its first watches began then.
	s.at(start - s.rng.next() * ds.rewatchSeconds[0] * 1000, () => startWatches(s.clock, false));
	const restarts = ds.restartsPerHour ?? 0;
	if (restarts > 0) {
		const scheduleRestart = (from: number): void => {
			const gap = -Math.log(1 - s.rng.next()) * (3_600_000 / restarts);
			s.at(from + gap, () => {
				// The agent restarts: its watches end now, it lists everything again and re-watches.
				generation++;
				for (const handle of open) handle.cut(s.clock);
				open.clear();
				startWatches(s.clock + 5000, true);
				scheduleRestart(s.clock);
			});
		};
		scheduleRestart(start);
	}
	const gets = ds.getsPerMinute ?? 0;
	if (gets > 0) {
		s.every(start + s.rng.next() * 15_000, 60_000 / gets, 2000, (t) => {
			const ns = s.rng.pick(['shop', 'payments', 'default', 'monitoring']);
			s.request(t, who, 'get', `/api/v1/namespaces/${ns}/pods/web-${s.rng.suffix(9)}-${s.rng.suffix(5)}`, {latencyMs: 5 + s.rng.next() * 25});
		});
	}
}

function badReplica(s: TrafficSchedule, bad: BadClient, r: number, start: number): void {
	const node = s.rng.int(0, Math.max(0, s.spec.nodes - 1));
	const pod = `${bad.name}-${s.rng.suffix(9)}-${s.rng.suffix(5)}`;
	const who: Identity = {
		user: s.serviceAccount(bad.namespace, bad.serviceAccount, pod, s.spec.nodes > 0 ? node : undefined),
		sourceIPs: [`10.244.${node + 1}.${10 + r * 7}`],
		userAgent: bad.userAgent,
		reason: s.rbacReason(bad.serviceAccount, bad.namespace),
	};
	const throttleFrom = start + bad.throttleAfterMinutes * 60_000;
	s.every(start + s.rng.next() * bad.everySeconds * 1000, bad.everySeconds * 1000, 400, (t) => {
		let at = t;
		for (const uri of bad.lists) {
			const throttled = t >= throttleFrom && s.rng.chance(bad.throttleShare);
			if (throttled) {
				s.request(at, who, 'list', uri, {latencyMs: 1 + s.rng.next() * 4, code: 429, rejected: true});
				at += 5;
				continue;
			}
			const latency = s.uniform(bad.latencyMs);
			const wait = t >= throttleFrom ? 50 + s.rng.next() * 400 : 0;
			s.request(at, who, 'list', uri, {latencyMs: latency, annotations: s.latencyAnnotations(latency, wait)});
			at += latency + 2;
		}
	});
}

function informer(s: TrafficSchedule, inf: InformerClient, start: number): void {
	const node = s.rng.int(0, Math.max(0, s.spec.nodes - 1));
	const pod = `${inf.name}-${s.rng.suffix(9)}-${s.rng.suffix(5)}`;
	const who: Identity = {
		user: s.serviceAccount(inf.namespace, inf.serviceAccount, pod, s.spec.nodes > 0 ? node : undefined),
		sourceIPs: [`10.244.${node + 1}.${40 + s.rng.int(0, 100)}`],
		userAgent: inf.userAgent,
		reason: s.rbacReason(inf.serviceAccount, inf.namespace),
	};
	const begin = start + 20_000 + s.rng.next() * 60_000;
	for (const path of inf.resources) {
		const watch = (t: number): void => {
			const seconds = s.rng.int(inf.watchSeconds[0], inf.watchSeconds[1]);
			s.request(t, who, 'watch', s.watchUri(path, seconds), {latencyMs: 0, lifetimeMs: seconds * 1000, onEnd: (end) => watch(end + 1)});
		};
		s.at(begin, () => {
			let t = s.clock;
			if (inf.streaming === true) {
				const seconds = s.rng.int(inf.watchSeconds[0], inf.watchSeconds[1]);
				const uri = `${path}?${queryString({allowWatchBookmarks: 'true', resourceVersionMatch: 'NotOlderThan', sendInitialEvents: 'true', timeout: goDuration(seconds * 1000), timeoutSeconds: String(seconds), watch: 'true'})}`;
				s.request(t, who, 'watch', uri, {latencyMs: 0, lifetimeMs: seconds * 1000, onEnd: (end) => watch(end + 1)});
				return;
			}
			const pages = Math.max(1, Math.ceil(inf.objects / 500));
			for (let page = 0; page < pages; page++) {
				const latency = 30 + s.rng.next() * 120;
				const params: Record<string, string> = {limit: '500'};
				if (page > 0) params.continue = Buffer.from(`{"v":"meta.k8s.io/v1","rv":${s.resourceVersion},"start":"page-${page}"}`).toString('base64');
				s.request(t, who, 'list', `${path}?${queryString(params)}`, {latencyMs: latency});
				t += latency + 1;
			}
			s.at(t + 1, () => watch(s.clock));
		});
	}
}

function probes(s: TrafficSchedule, start: number): void {
	const who: Identity = {
		user: {username: 'readinessChecker', uid: '1', groups: ['system:authenticated']},
		sourceIPs: ['10.200.0.38'],
		userAgent: 'kube-probe/1.29',
		reason: 'RBAC: allowed by ClusterRoleBinding "system:discovery" of ClusterRole "system:discovery" to Group "system:authenticated"',
	};
	for (const path of ['/readyz', '/livez']) {
		s.every(start + s.rng.next() * 10_000, 10_000, 100, (t) => s.request(t, who, 'get', path, {latencyMs: 1 + s.rng.next() * 8}));
	}
}

function controllerManager(s: TrafficSchedule, start: number): void {
	const base = `kube-controller-manager/${s.version} (linux/amd64) kubernetes/${s.commit}`;
	const cm: Identity = {
		user: {username: 'system:kube-controller-manager', groups: ['system:authenticated']},
		sourceIPs: ['10.224.0.2'],
		userAgent: `${base}/leader-election`,
		reason:
			'RBAC: allowed by ClusterRoleBinding "system:kube-controller-manager" of ClusterRole "system:kube-controller-manager" to User "system:kube-controller-manager"',
	};
	s.every(start + s.rng.next() * 2000, 2000, 100, (t) => {
		s.request(t, cm, 'update', '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-controller-manager?timeout=5s', {
			latencyMs: 3 + s.rng.next() * 8,
		});
	});
	const informers: Identity = {...cm, userAgent: `${base}/shared-informers`};
	for (const path of ['/api/v1/pods', '/api/v1/nodes', '/apis/apps/v1/replicasets', '/apis/apps/v1/deployments', '/api/v1/namespaces']) {
		const open = (t: number): void => {
			const seconds = s.rng.int(300, 600);
			s.request(t, informers, 'watch', s.watchUri(path, seconds), {latencyMs: 0, lifetimeMs: seconds * 1000, onEnd: (end) => open(end + 1)});
		};
		s.at(start - s.rng.next() * 300_000, () => open(s.clock));
	}
	const rs: Identity = {
		user: s.serviceAccount('kube-system', 'replicaset-controller', undefined, undefined),
		sourceIPs: ['10.224.0.2'],
		userAgent: `${base}/system:serviceaccount:kube-system:replicaset-controller`,
		reason:
			'RBAC: allowed by ClusterRoleBinding "system:controller:replicaset-controller" of ClusterRole "system:controller:replicaset-controller" to ServiceAccount "replicaset-controller/kube-system"',
	};
	s.every(start + s.rng.next() * 50_000, 50_000, 10_000, (t) => {
		s.request(t, rs, 'update', `/apis/apps/v1/namespaces/shop/replicasets/web-${s.rng.suffix(9)}/status`, {latencyMs: 5 + s.rng.next() * 15});
	});
}

function human(s: TrafficSchedule, start: number): void {
	const who: Identity = {
		user: {username: 'alice@example.com', groups: ['system:authenticated']},
		sourceIPs: ['203.0.113.45', '10.224.0.4'],
		userAgent: 'kubectl/v1.30.2 (darwin/arm64) kubernetes/3968350',
		reason: 'RBAC: allowed by ClusterRoleBinding "oncall" of ClusterRole "view" to User "alice@example.com"',
	};
	let step = 0;
	s.every(start + 30_000 + s.rng.next() * 60_000, 120_000, 60_000, (t) => {
		// A person going through the same few commands: list everything, list one namespace, get one object, and a forbidden read.
		const pick = step++ % 4;
		if (pick === 0) s.request(t, who, 'list', '/api/v1/pods?limit=500', {latencyMs: 200 + s.rng.next() * 500});
		else if (pick === 1) s.request(t, who, 'list', '/api/v1/namespaces/shop/pods?limit=500', {latencyMs: 20 + s.rng.next() * 40});
		else if (pick === 2) s.request(t, who, 'get', '/apis/apps/v1/namespaces/shop/deployments/web', {latencyMs: 5 + s.rng.next() * 10});
		else s.request(t, who, 'get', '/api/v1/namespaces/kube-system/secrets/bootstrap-token', {latencyMs: 3, code: 403});
	});
}
