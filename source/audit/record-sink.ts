/**
 * Where decoded audit records go (RecordSink, and why a line was skipped), and what the
 * shape decoders (shape-*.ts) may call on the line decoder that hands them a parsed value.
 * Types only.
 */
import type {AuditFormat, AuditRecord} from './audit-record.js';

/**
 * Why a line or record was not counted as an audit event. 'line-too-long': a line of
 * ByteLineFeeder's maxLine bytes or more (never held in memory); 'gzip-error': the rest of
 * a .gz that is cut short or corrupt (its events before the cut are counted).
 */
export type SkipReason = 'not-json' | 'invalid-json' | 'not-audit' | 'line-too-long' | 'gzip-error';

/** Where decoded records go. */
export interface RecordSink {
	record(r: AuditRecord): void;
	skip(reason: SkipReason): void;
}

/** The line decoder as a shape decoder sees it (LineDecoder in formats.ts is one). */
export interface ShapeDecoder {
	readonly sink: RecordSink;
	/** An event embedded as JSON text in a wrapper: scanned fast, else parsed. */
	embedded(text: string, format: AuditFormat): void;
	/** A parsed JSON value of any known shape (an item of a batch), unwrapped into records. */
	decode(value: unknown, hint: AuditFormat): void;
}
