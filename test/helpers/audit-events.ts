/**
 * Test helper for audit logs with a client of the test's own among the simulated traffic:
 * one audit event as kube-apiserver logs it (audit.k8s.io/v1, level Metadata, stage
 * ResponseComplete, answered 200) as a line of JSON.
 */
import type {Obj} from '../../source/formats/json-object.js';

export interface ClientRequest {
	userAgent: string;
	username: string;
	verb: string;
	requestURI: string;
	objectRef: Obj;
	annotations?: Record<string, string>;
}

/** Request `i` of a client that sends one every 2 s from `start` (epoch ms), each answered in 900 ms. */
export function auditEventLine(start: number, i: number, request: ClientRequest): string {
	return JSON.stringify({
		kind: 'Event',
		apiVersion: 'audit.k8s.io/v1',
		level: 'Metadata',
		auditID: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
		stage: 'ResponseComplete',
		requestURI: request.requestURI,
		verb: request.verb,
		user: {username: request.username, groups: ['system:authenticated']},
		sourceIPs: ['10.0.0.9'],
		userAgent: request.userAgent,
		objectRef: request.objectRef,
		responseStatus: {metadata: {}, code: 200},
		requestReceivedTimestamp: new Date(start + i * 2000).toISOString(),
		stageTimestamp: new Date(start + i * 2000 + 900).toISOString(),
		...(request.annotations ? {annotations: request.annotations} : {}),
	});
}
