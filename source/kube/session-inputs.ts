/**
 * How a session's inputs fared so far, as the session reports them (Session.inputs; app/
 * coverage.ts turns them into each pane's coverage): per kind it reflects, /metrics, the
 * object counts, pod metrics. Types only.
 */
import type {StoreKind} from './cluster-store.js';

/**
 * How one input of the session fared so far: read; forbidden (403, or the access review
 * said no); absent (404, or an optional API the cluster does not serve); failed (another
 * error); pending (not read yet: syncing, or not started).
 */
export interface InputReading {
	status: 'read' | 'forbidden' | 'absent' | 'failed' | 'pending';
	reason?: string;
}

/** What the session has read: per kind it reflects (or would), /metrics, object counts, pod metrics. */
export interface SessionInputs {
	kinds: ReadonlyMap<StoreKind, InputReading>;
	metrics: InputReading;
	counts: InputReading;
	podMetrics: InputReading;
}
