/**
 * Events as a cluster produces them: client-go's recorder de-duplicates an identical
 * event (same source, object, reason, message) into one object with a growing count and
 * lastTimestamp; the API server deletes events an hour after their last update (the
 * events TTL); and a scenario can start an "event storm" — a controller publishing new,
 * distinct events at a steady rate, as a custom pub/sub over events does.
 */
import type {ResourceType} from '../resources.js';
import type {Obj} from '../../formats/json-object.js';
import type {ControllerContext} from './context.js';

export interface StormSpec {
	namespace: string;
	/** reportingController / source.component of the storm. */
	component: string;
	involvedKind: string;
	/** Names of the objects the events are about (cycled). */
	involvedNames: string[];
	involvedApiVersion?: string;
	reason: string;
	perSecond: number;
	/** Use events.k8s.io/v1 fields (eventTime, reportingController, series) as newer controllers do. */
	newApi?: boolean;
}

export class EventRecorder {
	private readonly events: ResourceType;
	private readonly dedupe = new Map<string, {namespace: string; name: string}>();
	private seq = 0;

	constructor(
		private readonly ctx: Omit<ControllerContext, 'recordEvent'>,
		private readonly ttlMs = 3_600_000,
	) {
		this.events = ctx.type('', 'events');
		ctx.every(60_000, () => this.expire());
	}

	private name(involvedName: string): string {
		const hex = (BigInt(Math.floor(this.ctx.clock.now())) * 1_000_000n + BigInt(this.seq++ % 1_000_000)).toString(16).padStart(16, '0').slice(-16);
		return `${involvedName}.${hex}`;
	}

	record(involved: Obj, type: 'Normal' | 'Warning', reason: string, message: string, component: string): void {
		const meta = (involved.metadata ?? {}) as Obj;
		const namespace = meta.namespace || 'default';
		const key = [component, involved.kind, namespace, meta.name, meta.uid, reason, message].join('\u0000');
		const now = this.ctx.clock.iso();
		const known = this.dedupe.get(key);
		if (known) {
			const record = this.ctx.api.record(this.events, known.namespace, known.name);
			if (record) {
				const event = JSON.parse(record.json) as Obj;
				this.ctx.api.controllerWrite(this.events, {...event, count: Number(event.count ?? 1) + 1, lastTimestamp: now}, component);
				return;
			}
			this.dedupe.delete(key);
		}
		const name = this.name(String(meta.name));
		try {
			this.ctx.api.create(
				this.events,
				namespace,
				{
					metadata: {name, namespace},
					involvedObject: {
						kind: involved.kind,
						namespace: meta.namespace,
						name: meta.name,
						uid: meta.uid,
						apiVersion: involved.apiVersion,
						resourceVersion: meta.resourceVersion,
					},
					reason,
					message,
					source: {component},
					firstTimestamp: now,
					lastTimestamp: now,
					count: 1,
					type,
					eventTime: null,
					reportingComponent: component,
					reportingInstance: '',
				},
				{user: {name: `system:serviceaccount:kube-system:${component}`, groups: []}, fieldManager: component},
			);
			this.dedupe.set(key, {namespace, name});
			if (this.dedupe.size > 50_000) this.dedupe.delete(this.dedupe.keys().next().value!);
		} catch {
			// Namespace gone: drop the event, as the recorder does after retries.
		}
	}

	/** Seed an already-aggregated event from the past (scenario history): count over [first, last]. */
	seedHistory(
		involved: Obj,
		type: 'Normal' | 'Warning',
		reason: string,
		message: string,
		component: string,
		firstMs: number,
		lastMs: number,
		count: number,
	): void {
		const meta = (involved.metadata ?? {}) as Obj;
		const namespace = meta.namespace || 'default';
		this.ctx.api.seed(this.events, {
			metadata: {name: this.name(String(meta.name)), namespace, creationTimestamp: this.ctx.clock.iso(firstMs)},
			involvedObject: {kind: involved.kind, namespace: meta.namespace, name: meta.name, uid: meta.uid, apiVersion: involved.apiVersion},
			reason,
			message,
			source: {component},
			firstTimestamp: this.ctx.clock.iso(firstMs),
			lastTimestamp: this.ctx.clock.iso(lastMs),
			count,
			type,
			eventTime: null,
			reportingComponent: component,
			reportingInstance: '',
		});
	}

	/** Delete events whose last update is older than the TTL. */
	expire(): void {
		const cutoff = this.ctx.clock.now() - this.ttlMs;
		for (const record of [...this.ctx.api.store.resource('events').objects.values()]) {
			const event = JSON.parse(record.json) as Obj;
			const last = Date.parse(event.lastTimestamp ?? event.series?.lastObservedTime ?? event.eventTime ?? event.metadata?.creationTimestamp);
			if (!Number.isNaN(last) && last < cutoff) this.ctx.api.remove(this.events, record, event);
		}
	}

	/** Start an event storm; returns a function that stops it. */
	storm(spec: StormSpec): () => void {
		let n = 0;
		const intervalMs = 1000;
		const perTick = Math.max(1, Math.round(spec.perSecond));
		const timer = this.ctx.every(intervalMs, () => {
			for (let i = 0; i < perTick; i++) {
				const involvedName = spec.involvedNames[n % spec.involvedNames.length]!;
				n++;
				const now = this.ctx.clock.iso();
				const micro = this.ctx.clock.microIso();
				const base = {
					metadata: {name: this.name(involvedName), namespace: spec.namespace},
					involvedObject: {kind: spec.involvedKind, namespace: spec.namespace, name: involvedName, apiVersion: spec.involvedApiVersion ?? 'v1'},
					reason: spec.reason,
					message: `${spec.reason} ${involvedName}: batch ${n} state=${['Pending', 'Syncing', 'Synced'][n % 3]}`,
					type: 'Normal',
				};
				const event = spec.newApi
					? {
							...base,
							source: {},
							firstTimestamp: null,
							lastTimestamp: null,
							eventTime: micro,
							action: 'Sync',
							reportingComponent: spec.component,
							reportingInstance: `${spec.component}-0`,
						}
					: {
							...base,
							source: {component: spec.component},
							firstTimestamp: now,
							lastTimestamp: now,
							count: 1,
							eventTime: null,
							reportingComponent: spec.component,
							reportingInstance: '',
						};
				try {
					this.ctx.api.create(this.events, spec.namespace, event, {
						user: {name: `system:serviceaccount:${spec.namespace}:${spec.component}`, groups: []},
						fieldManager: spec.component,
					});
				} catch {
					// Namespace gone.
				}
			}
		});
		return () => timer.cancel();
	}
}
