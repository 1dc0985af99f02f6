/**
 * The simulator's audit log (`--audit-log F`): the scenario's background traffic — a
 * DaemonSet watching from every node, a client making unpaged cluster-wide LISTs and getting
 * 429s, well-behaved informers, kubelets, probes, the controller-manager, a human kubectl —
 * backfilled for the last half hour and continued live, plus every request the simulator
 * really serves (kubectl's, kubectl-assure's), in native audit.k8s.io/v1 JSON lines at
 * Metadata level (no bodies).
 */
import {appendFileSync, writeFileSync} from 'node:fs';
import {AuditTraffic, defaultTrafficSpec, type TrafficSpec} from './audit-traffic.js';
import {writeAuditEvent} from './audit-writer.js';
import type {SimClock, SimTimer} from './clock.js';
import type {CompletedRequest} from './server.js';

export class SimAuditLog {
	private readonly traffic: AuditTraffic;
	private timer: SimTimer | undefined;
	private pending: string[] = [];
	lines = 0;

	constructor(readonly path: string, private readonly clock: SimClock, spec: TrafficSpec) {
		this.traffic = new AuditTraffic(spec);
		writeFileSync(path, '');
	}

	/** The incident scenario's clients, named as its workloads are. */
	static incidentSpec(seed: number, startMs: number, nodes: number): TrafficSpec {
		const spec = defaultTrafficSpec(seed, startMs, nodes);
		return {
			...spec,
			nodePrefix: 'aks-system-31415926-vmss',
			kubeVersion: 'v1.32.4',
			badClients: (spec.badClients ?? []).map((client) => ({...client, namespace: 'data-platform', serviceAccount: 'acme-inventory'})),
		};
	}

	/** Write the history up to now, then keep appending once a simulated second. */
	start(): void {
		this.flushTraffic();
		this.timer = this.clock.every(1000, () => this.flushTraffic());
	}

	private flushTraffic(): void {
		const lines = this.traffic.lines(this.clock.now());
		this.pending.push(...lines);
		this.flush();
	}

	/** A request the simulator served. */
	request(request: CompletedRequest): void {
		const ref = request.objectRef;
		this.pending.push(writeAuditEvent({
			level: 'Metadata',
			auditID: request.auditID,
			stage: request.stage,
			requestURI: request.requestURI,
			verb: request.verb,
			user: {username: request.user.name, groups: request.user.groups, ...(request.user.extra ? {extra: request.user.extra} : {})},
			sourceIPs: [request.sourceIP.replace(/^::ffff:/, '')],
			userAgent: request.userAgent,
			...(ref ? {objectRef: {resource: ref.resource, ...(ref.namespace ? {namespace: ref.namespace} : {}), ...(ref.name ? {name: ref.name} : {}), ...(ref.apiGroup ? {apiGroup: ref.apiGroup} : {}), apiVersion: ref.apiVersion, ...(ref.subresource ? {subresource: ref.subresource} : {})}} : {}),
			responseStatus: {code: request.code},
			requestReceivedMs: request.receivedMs,
			stageMs: request.completedMs,
			annotations: request.decision ? {'authorization.k8s.io/decision': request.decision, 'authorization.k8s.io/reason': ''} : {},
		}));
		if (this.pending.length > 200) this.flush();
	}

	flush(): void {
		if (this.pending.length === 0) return;
		appendFileSync(this.path, `${this.pending.join('\n')}\n`);
		this.lines += this.pending.length;
		this.pending = [];
	}

	stop(): void {
		this.timer?.cancel();
		this.flush();
	}
}
