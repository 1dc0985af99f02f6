/**
 * What a reflector is given and what it tells: the kind it keeps in sync (a target, and
 * the API path it names), the handler it feeds, its options, its phases, and how it reports
 * a server that went back in time. The reflector itself is reflector.ts.
 */
import type {Clock} from '../clock.js';
import type {KubeClient} from './client.js';
import type {Obj} from '../formats/json-object.js';

export interface ReflectorTarget {
	group: string;
	version: string;
	resource: string;
	/** Only this namespace (undefined = all). */
	namespace?: string;
	labelSelector?: string;
	fieldSelector?: string;
}

export interface ReflectorHandler {
	/** A full (re)list starts: objects not upserted before endList() are gone. */
	beginList?(): void;
	upsert(object: Obj, type: 'ADDED' | 'MODIFIED' | 'LISTED'): void;
	remove(object: Obj): void;
	endList?(): void;
	/** The kind cannot be read (403) or does not exist (404). */
	unavailable?(reason: string, code: number): void;
}

export type ReflectorPhase = 'idle' | 'listing' | 'watching' | 'backoff' | 'forbidden' | 'absent' | 'stopped';

export interface ReflectorOptions {
	client: KubeClient;
	clock: Clock;
	target: ReflectorTarget;
	handler: ReflectorHandler;
	/** 'full' = paged LIST then WATCH; 'rv-only' = LIST limit=1 for the version, then WATCH (events). */
	mode?: 'full' | 'rv-only';
	pageSize?: number;
	/** Watch timeoutSeconds range (randomized per watch). */
	watchTimeoutSeconds?: [number, number];
	/** Extra seconds of silence past the timeout before the watchdog restarts a watch. */
	watchdogMarginSeconds?: number;
	/** The server's bookmark interval: the watch cache's bookmarkFrequency, 1 min (cacher.go). */
	bookmarkIntervalMs?: number;
	random?: () => number;
	name?: string;
	/** The server's resourceVersion for this kind went back: everything should be relisted. */
	onTimeTravel?: (report: TimeTravel) => void;
}

/** How a reflector saw its server go back in time. */
export interface TimeTravel {
	kind: string;
	/** The highest resourceVersion seen before (empty for "Too large resource version"). */
	seen: string;
	/** What the server sent now. */
	got: string;
	how: 'list' | 'probe' | 'event' | 'too-large';
}

/** The API path of the target's collection (in its namespace when it names one). */
export function resourcePath(target: ReflectorTarget): string {
	const prefix = target.group ? `/apis/${target.group}/${target.version}` : `/api/${target.version}`;
	return target.namespace ? `${prefix}/namespaces/${encodeURIComponent(target.namespace)}/${target.resource}` : `${prefix}/${target.resource}`;
}
