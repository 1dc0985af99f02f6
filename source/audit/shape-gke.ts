/**
 * GKE audit shape: Cloud Logging entries whose `protoPayload.serviceName` is "k8s.io". The
 * entry is mapped field by field (verb from methodName, resource from resourceName); it
 * has no query, no stages and no stage time. Where each sample came from:
 * test/fixtures/audit/SOURCES.md.
 *
 * Shipped to the audit worker (README.md: the worker kernel).
 */
import {parseTimestampMs} from './fields.js';
import type {AuditRecord} from './audit-record.js';
import {applyAnnotations, emptyRecord, finishRecord, objectOf, stringOf} from './record.js';
import type {ShapeDecoder} from './record-sink.js';

/** A parsed JSON object that is a Cloud Logging entry, read into a record (or skipped); false when it is not one. */
export function decodeGke(d: ShapeDecoder, o: Record<string, unknown>): boolean {
	const proto = objectOf(o['protoPayload']);
	if (proto === undefined) return false;
	const r = proto['serviceName'] === 'k8s.io' ? recordFromGke(o, proto) : null;
	if (r !== null) d.sink.record(r);
	else d.sink.skip('not-audit');
	return true;
}

/** google.rpc.Code → HTTP status (the standard mapping; GKE's own mapping is not documented). */
function httpFromRpc(code: number): number {
	switch (code) {
		case 0:
			return 200;
		case 1:
			return 499;
		case 3:
		case 9:
		case 11:
			return 400;
		case 4:
			return 504;
		case 5:
			return 404;
		case 6:
		case 10:
			return 409;
		case 7:
			return 403;
		case 8:
			return 429;
		case 12:
			return 501;
		case 14:
			return 503;
		case 16:
			return 401;
		default:
			return 500;
	}
}

/** A GKE Cloud Logging entry: verb from methodName, resource from resourceName; no query, no stages, no stage time. */
export function recordFromGke(o: Record<string, unknown>, proto: Record<string, unknown>): AuditRecord | null {
	const method = stringOf(proto['methodName']);
	const resourceName = stringOf(proto['resourceName']);
	if (method === '') return null;
	const r = emptyRecord('gke');
	r.queryKnown = false;
	const operation = objectOf(o['operation']);
	r.auditID = stringOf(operation?.['id']) || stringOf(o['insertId']);
	const first = operation?.['first'] === true;
	const last = operation?.['last'] === true;
	r.stage = first && !last ? 'ResponseStarted' : !first && last ? 'ResponseComplete' : '';
	r.verb = method.slice(method.lastIndexOf('.') + 1);
	const auth = objectOf(proto['authenticationInfo']);
	r.user = stringOf(auth?.['principalEmail']);
	const meta = objectOf(proto['requestMetadata']);
	r.sourceIP = stringOf(meta?.['callerIp']);
	r.userAgent = stringOf(meta?.['callerSuppliedUserAgent']);
	const status = objectOf(proto['status']);
	r.code = httpFromRpc(typeof status?.['code'] === 'number' ? status['code'] : 0);
	const ts = stringOf(o['timestamp']);
	r.receivedMs = parseTimestampMs(ts, 0, ts.length);
	const labels = objectOf(o['labels']);
	if (labels !== undefined) applyAnnotations(r, labels);
	// resourceName "core/v1/namespaces/shop/pods/web" or "cilium.io/v2/ciliumendpoints": rebuild the path.
	const parts = resourceName.split('/');
	if (parts.length >= 3) {
		const group = parts[0] === 'core' ? '' : parts[0]!;
		const prefix = group === '' ? `/api/${parts[1]}` : `/apis/${group}/${parts[1]}`;
		r.requestURI = `${prefix}/${parts.slice(2).join('/')}`;
	} else if (resourceName !== '') {
		r.requestURI = `/${resourceName}`;
	}
	r.watch = r.verb === 'watch';
	finishRecord(r, false, false);
	r.watch = r.verb === 'watch';
	return r;
}

/** This module's part of the worker kernel (see README.md). */
export function shapeGkeKernel(): unknown[] {
	return [decodeGke, httpFromRpc, recordFromGke];
}
