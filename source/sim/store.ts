/**
 * The simulator's storage: one global resourceVersion counter, and per stored resource
 * a map of immutable records (the object serialized once, plus what selectors need), a
 * bounded history of watch events for resuming watches (410 when a client asks for a
 * version older than the history holds), snapshots that keep paged LISTs consistent
 * across pages as etcd does, and backups of the whole state that can be restored (an etcd
 * restored from a snapshot: the state and the resourceVersion go back in time).
 */
import type {Obj} from '../formats/json-object.js';

export interface StoredRecord {
	readonly key: string;
	readonly namespace: string;
	readonly name: string;
	readonly uid: string;
	readonly rv: number;
	/** The full object as JSON, metadata.resourceVersion included. */
	readonly json: string;
	readonly apiVersion: string;
	readonly labels: Record<string, string> | undefined;
	/** Field-selector values (metadata.name, metadata.namespace and the type's own). */
	readonly fields: Record<string, string>;
	/** UIDs of the owners in metadata.ownerReferences. */
	readonly owners: readonly string[];
}

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
	type: EventType;
	rv: number;
	record: StoredRecord;
	/** The record this event replaced (MODIFIED, DELETED), for selector transitions. */
	previous?: StoredRecord;
}

/** What in-process listeners receive: the event plus the parsed object when the writer had it. */
export interface LiveEvent extends StoreEvent {
	storage: string;
	object: Obj;
	previousObject?: Obj;
}

export class TooOldError extends Error {
	constructor(
		readonly requested: number,
		readonly oldest: number,
	) {
		super(`too old resource version: ${requested} (${oldest})`);
	}
}

interface Snapshot {
	id: string;
	rv: number;
	createdAt: number;
	records: StoredRecord[];
	signature: string;
}

export class ResourceStore {
	readonly objects = new Map<string, StoredRecord>();
	private sortedKeys: string[] | undefined;
	private readonly history: StoreEvent[] = [];
	private historyStart = 0;
	/** Every event with rv > compactedRv is still in the history. */
	compactedRv: number;
	bytes = 0;
	private readonly watchers = new Set<(event: StoreEvent) => void>();

	constructor(
		readonly storage: string,
		private readonly capacity: number,
		startRv: number,
	) {
		this.compactedRv = startRv;
	}

	get size(): number {
		return this.objects.size;
	}

	get(key: string): StoredRecord | undefined {
		return this.objects.get(key);
	}

	/** Records in key order (namespace/name), as etcd returns them. */
	sorted(): StoredRecord[] {
		if (!this.sortedKeys) this.sortedKeys = [...this.objects.keys()].sort();
		const out: StoredRecord[] = [];
		for (const key of this.sortedKeys) {
			const record = this.objects.get(key);
			if (record) out.push(record);
		}
		return out;
	}

	/** Store without recording a watch event (scenario seeding before anyone watches). */
	seed(record: StoredRecord): void {
		const previous = this.objects.get(record.key);
		if (!previous) this.sortedKeys = undefined;
		else this.bytes -= previous.json.length;
		this.objects.set(record.key, record);
		this.bytes += record.json.length;
	}

	put(record: StoredRecord): StoreEvent {
		const previous = this.objects.get(record.key);
		if (!previous) this.sortedKeys = undefined;
		else this.bytes -= previous.json.length;
		this.objects.set(record.key, record);
		this.bytes += record.json.length;
		const event: StoreEvent = previous ? {type: 'MODIFIED', rv: record.rv, record, previous} : {type: 'ADDED', rv: record.rv, record};
		this.record(event);
		return event;
	}

	remove(key: string, rv: number, tombstone: StoredRecord): StoreEvent | undefined {
		const previous = this.objects.get(key);
		if (!previous) return undefined;
		this.objects.delete(key);
		this.sortedKeys = undefined;
		this.bytes -= previous.json.length;
		const event: StoreEvent = {type: 'DELETED', rv, record: tombstone, previous};
		this.record(event);
		return event;
	}

	private record(event: StoreEvent): void {
		this.history.push(event);
		if (this.history.length - this.historyStart > this.capacity) {
			this.compactedRv = this.history[this.historyStart]!.rv;
			this.historyStart++;
			if (this.historyStart > 1024 && this.historyStart * 2 > this.history.length) {
				this.history.splice(0, this.historyStart);
				this.historyStart = 0;
			}
		}
		for (const watcher of this.watchers) watcher(event);
	}

	/** Drop history older than `rv` (a simulated compaction: resuming before it gets 410). */
	compact(rv: number): void {
		while (this.historyStart < this.history.length && this.history[this.historyStart]!.rv <= rv) this.historyStart++;
		this.compactedRv = Math.max(this.compactedRv, rv);
	}

	/** Events after `rv`, or TooOldError when the history no longer reaches back that far. */
	since(rv: number): StoreEvent[] {
		if (rv < this.compactedRv) throw new TooOldError(rv, this.compactedRv + 1);
		const out: StoreEvent[] = [];
		// History is in rv order: binary search the first event after rv.
		let lo = this.historyStart;
		let hi = this.history.length;
		while (lo < hi) {
			const mid = (lo + hi) >>> 1;
			if (this.history[mid]!.rv <= rv) lo = mid + 1;
			else hi = mid;
		}
		for (let i = lo; i < this.history.length; i++) out.push(this.history[i]!);
		return out;
	}

	subscribe(watcher: (event: StoreEvent) => void): () => void {
		this.watchers.add(watcher);
		return () => this.watchers.delete(watcher);
	}

	/** The objects as they are now (records are immutable: a copy of the map is a backup). */
	backup(): {objects: Map<string, StoredRecord>; bytes: number} {
		return {objects: new Map(this.objects), bytes: this.bytes};
	}

	/**
	 * Go back to a backup taken at `rv` (or to nothing): the history is gone, as in a watch
	 * cache that starts again from a LIST at the restored revision, so resuming from a
	 * version before `rv` gets 410 and one after it waits in silence.
	 */
	restore(backup: {objects: Map<string, StoredRecord>; bytes: number} | undefined, rv: number): void {
		this.objects.clear();
		for (const [key, record] of backup?.objects ?? []) this.objects.set(key, record);
		this.bytes = backup?.bytes ?? 0;
		this.sortedKeys = undefined;
		this.history.length = 0;
		this.historyStart = 0;
		this.compactedRv = rv;
	}
}

/** The whole stored state at one revision (what `etcdctl snapshot save` keeps). */
export interface StoreBackup {
	readonly id: string;
	readonly rv: number;
	readonly takenAt: number;
	readonly resources: ReadonlyMap<string, {objects: Map<string, StoredRecord>; bytes: number}>;
}

export class ObjectStore {
	private resourceVersion: number;
	private readonly stores = new Map<string, ResourceStore>();
	private readonly snapshots = new Map<string, Snapshot>();
	private snapshotSeq = 0;
	private readonly backups = new Map<string, StoreBackup>();
	private backupSeq = 0;
	private readonly liveListeners = new Set<(event: LiveEvent) => void>();
	/** owner uid → "storage\u0000key" of dependents. */
	private readonly dependents = new Map<string, Set<string>>();

	constructor(private readonly options: {historyCapacity?: number; startRv?: number; maxSnapshots?: number} = {}) {
		this.resourceVersion = options.startRv ?? 1000;
	}

	get rv(): number {
		return this.resourceVersion;
	}

	nextRv(): number {
		return ++this.resourceVersion;
	}

	resource(storage: string): ResourceStore {
		let store = this.stores.get(storage);
		if (!store) {
			store = new ResourceStore(storage, this.options.historyCapacity ?? 5000, this.resourceVersion);
			this.stores.set(storage, store);
		}
		return store;
	}

	resources(): Iterable<ResourceStore> {
		return this.stores.values();
	}

	onLive(listener: (event: LiveEvent) => void): () => void {
		this.liveListeners.add(listener);
		return () => this.liveListeners.delete(listener);
	}

	private index(storage: string, record: StoredRecord, previous: StoredRecord | undefined, removed: boolean): void {
		const ref = `${storage}\u0000${record.key}`;
		for (const owner of previous?.owners ?? []) this.dependents.get(owner)?.delete(ref);
		if (removed) return;
		for (const owner of record.owners) {
			let set = this.dependents.get(owner);
			if (!set) {
				set = new Set();
				this.dependents.set(owner, set);
			}
			set.add(ref);
		}
	}

	/** Dependents of an owner: [storage, key] pairs. */
	dependentsOf(ownerUid: string): Array<[string, string]> {
		const set = this.dependents.get(ownerUid);
		if (!set) return [];
		return [...set].map((ref) => ref.split('\u0000') as [string, string]);
	}

	seed(storage: string, record: StoredRecord): void {
		const store = this.resource(storage);
		this.index(storage, record, store.get(record.key), false);
		store.seed(record);
	}

	put(storage: string, record: StoredRecord, object: Obj, previousObject?: Obj): StoreEvent {
		const store = this.resource(storage);
		const previous = store.get(record.key);
		this.index(storage, record, previous, false);
		const event = store.put(record);
		this.emit(storage, event, object, previousObject);
		return event;
	}

	remove(storage: string, key: string, tombstone: StoredRecord, object: Obj): StoreEvent | undefined {
		const store = this.resource(storage);
		const previous = store.get(key);
		if (!previous) return undefined;
		this.index(storage, previous, previous, true);
		const event = store.remove(key, tombstone.rv, tombstone);
		if (event) this.emit(storage, event, object);
		return event;
	}

	private emit(storage: string, event: StoreEvent, object: Obj, previousObject?: Obj): void {
		if (this.liveListeners.size === 0) return;
		const live: LiveEvent = {...event, storage, object, previousObject};
		for (const listener of this.liveListeners) listener(live);
	}

	/** After a scenario is seeded: no watch may resume from before this point. */
	markCompacted(): void {
		for (const store of this.stores.values()) store.compact(this.resourceVersion);
	}

	createSnapshot(records: StoredRecord[], signature: string, now: number): Snapshot {
		const id = (++this.snapshotSeq).toString(36);
		const snapshot: Snapshot = {id, rv: this.resourceVersion, createdAt: now, records, signature};
		this.snapshots.set(id, snapshot);
		const max = this.options.maxSnapshots ?? 256;
		while (this.snapshots.size > max) this.snapshots.delete(this.snapshots.keys().next().value!);
		return snapshot;
	}

	snapshot(id: string): Snapshot | undefined {
		return this.snapshots.get(id);
	}

	dropSnapshot(id: string): void {
		this.snapshots.delete(id);
	}

	/** Forget snapshots older than `before` (the etcd compaction that expires continue tokens). */
	expireSnapshots(before: number): void {
		for (const [id, snapshot] of this.snapshots) if (snapshot.createdAt < before) this.snapshots.delete(id);
	}

	expireAllSnapshots(): void {
		this.snapshots.clear();
	}

	/** Keep the whole state as it is now, for restore(); at most `maxBackups` (16) are kept. */
	backup(now: number): StoreBackup {
		const resources = new Map<string, {objects: Map<string, StoredRecord>; bytes: number}>();
		for (const [storage, store] of this.stores) resources.set(storage, store.backup());
		const backup: StoreBackup = {id: `backup-${++this.backupSeq}`, rv: this.resourceVersion, takenAt: now, resources};
		this.backups.set(backup.id, backup);
		while (this.backups.size > 16) this.backups.delete(this.backups.keys().next().value!);
		return backup;
	}

	getBackup(id: string): StoreBackup | undefined {
		return this.backups.get(id);
	}

	/**
	 * Restore a backup, as an etcd restored from a snapshot: every object as it was, and the
	 * resourceVersion back at the backup's (plus `bumpRevision`, as `etcdutl snapshot restore
	 * --bump-revision` does so that clients never see a revision twice). The watch history and
	 * the continue tokens of paged LISTs are gone. In-process listeners hear nothing: the
	 * caller resyncs what depends on the state.
	 */
	restore(backup: StoreBackup, bumpRevision = 0): void {
		this.resourceVersion = backup.rv + Math.max(0, Math.floor(bumpRevision));
		for (const [storage, store] of this.stores) store.restore(backup.resources.get(storage), this.resourceVersion);
		for (const [storage, saved] of backup.resources) if (!this.stores.has(storage)) this.resource(storage).restore(saved, this.resourceVersion);
		this.dependents.clear();
		for (const [storage, store] of this.stores) for (const record of store.objects.values()) this.index(storage, record, undefined, false);
		this.snapshots.clear();
	}
}
