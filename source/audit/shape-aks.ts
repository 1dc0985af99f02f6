/**
 * AKS audit shapes: diagnostic records (`properties.log`, a JSON string or an object;
 * category kube-audit[-admin]) alone (storage account) or in `{"records":[…]}` (Event Hub),
 * Log Analytics AzureDiagnostics rows (`log_s`) and AKSAudit rows (PascalCase columns).
 * Where each sample came from: test/fixtures/audit/SOURCES.md.
 *
 * Shipped to the audit worker (README.md: the worker kernel).
 */
import type {AuditFormat, AuditRecord} from './audit-record.js';
import {objectOf, recordFromEvent, stringOf} from './record.js';
import type {ShapeDecoder} from './record-sink.js';

/** A parsed JSON object in one of the AKS shapes, unwrapped into records; false when it is none of them. */
export function decodeAks(d: ShapeDecoder, o: Record<string, unknown>, hint: AuditFormat): boolean {
	if (Array.isArray(o['records'])) {
		const records = o['records'] as unknown[];
		if (records.length === 0) d.sink.skip('not-audit');
		for (const item of records) {
			const rec = objectOf(item);
			if (rec !== undefined && objectOf(rec['properties']) !== undefined) decodeAksRecord(d, rec, 'aks-eventhub');
			else d.decode(item, hint);
		}
		return true;
	}
	if (typeof o['category'] === 'string' && objectOf(o['properties']) !== undefined) {
		decodeAksRecord(d, o, hint === 'native' ? 'aks-storage' : hint);
		return true;
	}
	if ('log_s' in o) {
		const category = stringOf(o['Category'] ?? o['category']);
		const log = o['log_s'];
		if (typeof log === 'string' && (category === '' || category.startsWith('kube-audit'))) d.embedded(log, 'aks-azurediagnostics');
		else d.sink.skip('not-audit');
		return true;
	}
	if (typeof o['AuditId'] === 'string' || o['Type'] === 'AKSAudit' || o['Type'] === 'AKSAuditAdmin') {
		const r = recordFromAksAudit(o);
		if (r !== null) d.sink.record(r);
		else d.sink.skip('not-audit');
		return true;
	}
	return false;
}

/** An AKS diagnostic record: the audit event is `properties.log`, a JSON string or an object. */
function decodeAksRecord(d: ShapeDecoder, o: Record<string, unknown>, format: AuditFormat): void {
	const category = stringOf(o['category']);
	const properties = objectOf(o['properties']);
	const log = properties?.['log'];
	if (!category.startsWith('kube-audit') || log === undefined) {
		d.sink.skip('not-audit');
		return;
	}
	if (typeof log === 'string') {
		d.embedded(log, format);
		return;
	}
	const r = recordFromEvent(log, format);
	if (r !== null) d.sink.record(r);
	else d.sink.skip('not-audit');
}

/** Log Analytics values of dynamic columns may arrive as JSON text. */
function dynamic(v: unknown): unknown {
	if (typeof v !== 'string') return v;
	const t = v.trim();
	if (t === '' || (t[0] !== '{' && t[0] !== '[')) return v;
	try {
		return JSON.parse(t);
	} catch {
		return v;
	}
}

/** An AKSAudit (resource-specific Log Analytics) row: PascalCase columns of the same event. */
export function recordFromAksAudit(o: Record<string, unknown>): AuditRecord | null {
	const event: Record<string, unknown> = {
		kind: 'Event',
		apiVersion: 'audit.k8s.io/v1',
		auditID: o['AuditId'],
		stage: o['Stage'],
		requestURI: o['RequestUri'],
		verb: o['Verb'],
		user: dynamic(o['User']),
		impersonatedUser: dynamic(o['ImpersonatedUser']),
		sourceIPs: dynamic(o['SourceIps']),
		userAgent: o['UserAgent'],
		objectRef: dynamic(o['ObjectRef']),
		responseStatus: dynamic(o['ResponseStatus']),
		requestReceivedTimestamp: o['RequestReceivedTime'],
		stageTimestamp: o['StageReceivedTime'] ?? o['StageTime'],
		annotations: dynamic(o['Annotations']),
	};
	return recordFromEvent(event, 'aks-aksaudit');
}

/** This module's part of the worker kernel (see README.md). */
export function shapeAksKernel(): unknown[] {
	return [decodeAks, decodeAksRecord, dynamic, recordFromAksAudit];
}
