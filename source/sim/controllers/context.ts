/**
 * What every simulated controller gets: the API (to read and write objects as a real
 * controller would, so every change reaches watchers), the clock, the seeded PRNG, and a
 * keyed work queue so that a burst of events for one object is reconciled once.
 */
import type {SimApi} from '../api.js';
import type {SimClock, SimTimer} from '../clock.js';
import type {Random} from '../random.js';
import type {ResourceType} from '../resources.js';
import type {Obj} from '../../formats/json-object.js';
import type {LiveEvent} from '../store.js';

export interface ControllerContext {
	api: SimApi;
	clock: SimClock;
	random: Random;
	type(group: string, resource: string): ResourceType;
	/** Subscribe to every stored change (in-process). */
	onEvent(listener: (event: LiveEvent) => void): void;
	every(ms: number, fn: () => void): SimTimer;
	after(ms: number, fn: () => void): SimTimer;
	/** Emit a core/v1 Event about an object, deduplicated as client-go's recorder does. */
	recordEvent(involved: Obj, type: 'Normal' | 'Warning', reason: string, message: string, component: string): void;
}

/** A de-duplicating work queue drained on the next turn of the event loop, in batches. */
export class WorkQueue {
	private readonly pending = new Set<string>();
	private scheduled = false;

	constructor(
		private readonly reconcile: (key: string) => void,
		private readonly batch = 2000,
	) {}

	add(key: string): void {
		this.pending.add(key);
		if (!this.scheduled) {
			this.scheduled = true;
			setImmediate(() => this.drain());
		}
	}

	private drain(): void {
		this.scheduled = false;
		let n = 0;
		for (const key of this.pending) {
			this.pending.delete(key);
			try {
				this.reconcile(key);
			} catch (error) {
				// A controller error must not kill the simulator; the next event retries.
				if (process.env.SIM_DEBUG) console.error(`sim controller: ${key}: ${(error as Error).stack}`);
			}
			if (++n >= this.batch) break;
		}
		if (this.pending.size > 0 && !this.scheduled) {
			this.scheduled = true;
			setImmediate(() => this.drain());
		}
	}

	get size(): number {
		return this.pending.size;
	}
}

export function keyOf(object: Obj): string {
	const meta = object.metadata as Obj;
	return meta.namespace ? `${meta.namespace}/${meta.name}` : String(meta.name);
}

export function splitKey(key: string): [string, string] {
	const slash = key.indexOf('/');
	return slash < 0 ? ['', key] : [key.slice(0, slash), key.slice(slash + 1)];
}

export function ownerRef(owner: Obj, controller = true): Obj {
	return {apiVersion: owner.apiVersion, kind: owner.kind, name: owner.metadata.name, uid: owner.metadata.uid, controller, blockOwnerDeletion: true};
}

export function controllerOf(object: Obj): Obj | undefined {
	return ((object.metadata?.ownerReferences ?? []) as Obj[]).find((ref) => ref.controller);
}

/** A stable short hash (FNV-1a) rendered like pod-template-hash values. */
export function templateHash(value: unknown): string {
	const text = JSON.stringify(value);
	let h = 0x811c9dc5;
	for (let i = 0; i < text.length; i++) {
		h ^= text.charCodeAt(i);
		h = Math.imul(h, 0x01000193) >>> 0;
	}
	const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
	let out = '';
	let n = h;
	for (let i = 0; i < 10; i++) {
		out += alphabet[n % alphabet.length];
		n = Math.floor(n / alphabet.length) || (h >>> (i + 1)) + i;
	}
	return out;
}
