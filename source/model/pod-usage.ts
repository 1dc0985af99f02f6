/**
 * Container usage from metrics.k8s.io, per pod, held compactly.
 *
 * At 150,000 pods the first shape (a Map from "namespace/name" to an array of
 * [container, {cpuMillis, memoryBytes}] pairs) held 83 MiB: per pod a key string built by
 * concatenation (with its own "namespace/" piece), a copy of the name, an array, and per
 * container a pair and an object. Here a namespace maps to a Map from pod name to one
 * array: the container names first (one shared array per distinct list of names), then
 * cpu millicores and memory bytes per container. Callers pass the name strings they
 * already hold, so nothing is copied.
 *
 * The session builds a new table on each read and swaps it in whole, so a table never
 * changes after it is handed over: its identity says whether usage moved (QoS memo).
 */

/** One pod's record: [container names, cpu0, memory0, cpu1, memory1, …]. */
type PodRecord = [readonly string[], ...number[]];

export interface PodUsage {
	/** Pods with a usage record. */
	readonly size: number;
	/**
	 * Calls `each` with every container's usage of one pod, in the order metrics.k8s.io
	 * gave; returns how many containers it had (0: no record, or a record without any).
	 */
	forEachContainer(namespace: string, name: string, each: (container: string, cpuMillis: number, memoryBytes: number) => void): number;
}

export class PodUsageTable implements PodUsage {
	/** Tables built from a Map keyed "namespace/name" (tests and fixtures). */
	static from(entries: Iterable<readonly [string, ReadonlyArray<readonly [string, {cpuMillis: number; memoryBytes: number}]>]>): PodUsageTable {
		const table = new PodUsageTable();
		for (const [key, containers] of entries) {
			const slash = key.indexOf('/');
			table.add(
				slash < 0 ? '' : key.slice(0, slash),
				slash < 0 ? key : key.slice(slash + 1),
				containers.map(([container, used]) => [container, used.cpuMillis, used.memoryBytes] as const),
			);
		}
		return table;
	}

	private readonly namespaces = new Map<string, Map<string, PodRecord>>();
	/** Each distinct list of container names once, keyed by the names joined with NUL. */
	private readonly nameLists = new Map<string, readonly string[]>();
	private count = 0;

	get size(): number {
		return this.count;
	}

	/** Sets one pod's record (replacing one already there). */
	add(namespace: string, name: string, containers: ReadonlyArray<readonly [string, number, number]>): void {
		const names = this.names(containers);
		const record: PodRecord = [names];
		for (const [, cpu, memory] of containers) record.push(cpu, memory);
		let pods = this.namespaces.get(namespace);
		if (pods === undefined) {
			pods = new Map();
			this.namespaces.set(namespace, pods);
		}
		if (!pods.has(name)) this.count++;
		pods.set(name, record);
	}

	forEachContainer(namespace: string, name: string, each: (container: string, cpuMillis: number, memoryBytes: number) => void): number {
		const record = this.namespaces.get(namespace)?.get(name);
		if (record === undefined) return 0;
		const names = record[0];
		for (let i = 0; i < names.length; i++) each(names[i]!, record[1 + 2 * i] as number, record[2 + 2 * i] as number);
		return names.length;
	}

	private names(containers: ReadonlyArray<readonly [string, number, number]>): readonly string[] {
		const key = containers.map(([container]) => container).join('\0');
		let names = this.nameLists.get(key);
		if (names === undefined) {
			names = Object.freeze(containers.map(([container]) => container));
			this.nameLists.set(key, names);
		}
		return names;
	}
}
