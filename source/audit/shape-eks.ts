/**
 * EKS audit shapes: CloudWatch Logs items (`logStreamName` + `message`), `{"events":[…]}`
 * pages of them, subscription payloads (`logEvents[]`) and Logs Insights results
 * (`results[][]` with `@message`). Each carries the native event as JSON text. The S3
 * export (`<ISO ts> {json}` lines) is told by the line decoder (formats.ts). Where each
 * sample came from: test/fixtures/audit/SOURCES.md.
 *
 * Shipped to the audit worker (README.md: the worker kernel).
 */
import type {AuditFormat} from './audit-record.js';
import {objectOf} from './record.js';
import type {ShapeDecoder} from './record-sink.js';

/** A parsed JSON object in one of the EKS shapes, unwrapped into records; false when it is none of them. */
export function decodeEks(d: ShapeDecoder, o: Record<string, unknown>, hint: AuditFormat): boolean {
	if (typeof o['logStreamName'] === 'string' && 'message' in o) {
		const message = o['message'];
		if (typeof message === 'string') d.embedded(message, hint === 'native' ? 'eks-cloudwatch' : hint);
		else d.sink.skip('not-audit');
		return true;
	}
	if (Array.isArray(o['logEvents'])) {
		const events = o['logEvents'] as unknown[];
		if (events.length === 0) d.sink.skip('not-audit');
		for (const item of events) {
			const message = objectOf(item)?.['message'];
			if (typeof message === 'string') d.embedded(message, 'eks-subscription');
			else d.sink.skip('not-audit');
		}
		return true;
	}
	if (Array.isArray(o['events']) && o['kind'] === undefined) {
		const events = o['events'] as unknown[];
		if (events.length === 0) d.sink.skip('not-audit');
		for (const item of events) d.decode(item, 'eks-cloudwatch');
		return true;
	}
	if (Array.isArray(o['results'])) {
		const rows = o['results'] as unknown[];
		if (rows.length === 0) d.sink.skip('not-audit');
		for (const row of rows) {
			let message: string | undefined;
			if (Array.isArray(row)) {
				for (const cell of row) {
					const c = objectOf(cell);
					if (c !== undefined && c['field'] === '@message' && typeof c['value'] === 'string') message = c['value'];
				}
			}
			if (message !== undefined) d.embedded(message, 'eks-insights');
			else d.sink.skip('not-audit');
		}
		return true;
	}
	return false;
}

/** This module's part of the worker kernel (see README.md). */
export function shapeEksKernel(): unknown[] {
	return [decodeEks];
}
