/**
 * The simulator's audit log (`--audit-log F`, and `--demo`'s private log): the events of
 * the scenario's simulated clients (see audit-traffic.ts and the simulator, which pulls
 * them) and every request the simulator really serves (kubectl's, kubectl-assure's), in
 * native audit.k8s.io/v1 JSON lines at Metadata level (no bodies). The file is created
 * readable by its owner only (0600), as kube-apiserver's own log should be: it names users
 * and their requests.
 */
import {appendFileSync, writeFileSync} from 'node:fs';
import {writeAuditEvent, type SimAuditEvent} from './audit-writer.js';
import type {CompletedRequest} from './http/request-record.js';

export class SimAuditLog {
	private pending: string[] = [];
	lines = 0;

	constructor(readonly path: string) {
		writeFileSync(path, '', {mode: 0o600});
	}

	/** An event of a simulated client. */
	event(event: SimAuditEvent): void {
		this.pending.push(writeAuditEvent(event));
	}

	/** A request the simulator served. */
	request(request: CompletedRequest): void {
		const ref = request.objectRef;
		this.pending.push(
			writeAuditEvent({
				level: 'Metadata',
				auditID: request.auditID,
				stage: request.stage,
				requestURI: request.requestURI,
				verb: request.verb,
				user: {username: request.user.name, groups: request.user.groups, ...(request.user.extra ? {extra: request.user.extra} : {})},
				sourceIPs: [request.sourceIP.replace(/^::ffff:/, '')],
				userAgent: request.userAgent,
				...(ref
					? {
							objectRef: {
								resource: ref.resource,
								...(ref.namespace ? {namespace: ref.namespace} : {}),
								...(ref.name ? {name: ref.name} : {}),
								...(ref.apiGroup ? {apiGroup: ref.apiGroup} : {}),
								apiVersion: ref.apiVersion,
								...(ref.subresource ? {subresource: ref.subresource} : {}),
							},
						}
					: {}),
				responseStatus: {code: request.code},
				requestReceivedMs: request.receivedMs,
				stageMs: request.completedMs,
				annotations: request.decision ? {'authorization.k8s.io/decision': request.decision, 'authorization.k8s.io/reason': ''} : {},
			}),
		);
		if (this.pending.length > 200) this.flush();
	}

	flush(): void {
		if (this.pending.length === 0) return;
		appendFileSync(this.path, `${this.pending.join('\n')}\n`);
		this.lines += this.pending.length;
		this.pending = [];
	}

	stop(): void {
		this.flush();
	}
}
