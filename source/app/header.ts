/**
 * What the header line says about the session: the context and server, the connection
 * state and the age of the last event, read-only, the audit source with its lag and
 * counts, the namespace and whether the first sync is still running. The controller
 * fills it in; the UI, the report and the pane coverage read it.
 */
import type {ConnectionState} from '../kube/client.js';

export interface HeaderInfo {
	context: string;
	server?: string;
	connection: ConnectionState;
	/** ms since the last watch event or bookmark (or a reflector's LIST); /metrics polls and other answers do not count. */
	lastEventAgeMs?: number;
	readOnly: boolean;
	audit?: {
		source: string;
		lagMs?: number;
		records: number;
		skipped: number;
		skippedBy?: Record<string, number>;
		/** Events read more than 10 minutes of event time out of order (counted, but watches and repeats near them may be counted twice). */
		outOfOrder?: number;
		problems?: readonly string[];
	};
	namespace?: string;
	syncing: boolean;
}
