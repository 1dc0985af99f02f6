/**
 * event-storm: one source creating 60+ events a minute about one kind, over the last five
 * minutes; critical when the 1 h event TTL lets it keep 10,000+ events in etcd.
 */
import {findingId, type Severity} from '../../model/finding.js';
import type {ObjectRef} from '../../model/slim.js';
import type {EventSourceRate} from '../../model/state.js';
import {formatCount} from '../../text/format.js';
import {add, bounded, type Context, KIND_COUNT_GUIDANCE, ROW_EVENTS} from './context.js';

export const STORM_PER_MINUTE = 60;
/** Events live 1 h (--event-ttl): a source's steady rate per minute × 60 is what it keeps in etcd. */
export const EVENT_TTL_MINUTES = 60;

/** The mean of the last `n` buckets. */
function recentRate(perMinute: readonly number[], n = 5): number {
	const tail = perMinute.slice(-n);
	return tail.length === 0 ? 0 : tail.reduce((a, b) => a + b, 0) / tail.length;
}

export function eventStormFindings(ctx: Context): void {
	const groups = new Map<string, {source: string; involvedKind: string; rates: EventSourceRate[]}>();
	for (const rate of ctx.state.eventRates) {
		if (!ctx.inScope(rate.namespace)) continue;
		const key = `${rate.source}\u0000${rate.involvedKind}`;
		const group = groups.get(key) ?? {source: rate.source, involvedKind: rate.involvedKind, rates: []};
		group.rates.push(rate);
		groups.set(key, group);
	}
	const heldLimit = KIND_COUNT_GUIDANCE;
	for (const group of groups.values()) {
		const length = Math.max(...group.rates.map((r) => r.perMinute.length));
		const series = new Array<number>(length).fill(0);
		for (const r of group.rates) {
			const offset = length - r.perMinute.length;
			r.perMinute.forEach((v, i) => (series[offset + i]! += v));
		}
		const perMinute = recentRate(series);
		if (perMinute < STORM_PER_MINUTE) continue;
		const held = Math.round(perMinute * EVENT_TTL_MINUTES);
		const severity: Severity = held >= heldLimit ? 'critical' : 'warning';
		const reasons = new Map<string, number>();
		for (const r of group.rates) for (const [reason, n] of Object.entries(r.reasons)) reasons.set(reason, (reasons.get(reason) ?? 0) + n);
		const namespaces = [...new Set(group.rates.map((r) => r.namespace))].sort();
		const objects: ObjectRef[] = [];
		for (const r of group.rates) for (const name of r.sampleObjects) objects.push({kind: group.involvedKind, namespace: r.namespace || undefined, name});
		const subject: ObjectRef = {kind: 'EventSource', name: group.source};
		add(
			ctx,
			{
				id: findingId('event-storm', {kind: group.involvedKind, name: group.source}),
				pane: 'etcd',
				type: 'event-storm',
				severity,
				subject,
				summary: `${group.source} creates ${formatCount(Math.round(perMinute))} events/min about ${group.involvedKind} objects`,
				evidence: {
					source: group.source,
					involvedKind: group.involvedKind,
					perMinute: Math.round(perMinute * 10) / 10,
					peakPerMinute: Math.max(...series),
					total: group.rates.reduce((sum, r) => sum + r.total, 0),
					heldInEtcd: held,
					namespaces: namespaces.join(', '),
					reasons: [...reasons]
						.sort((a, b) => b[1] - a[1])
						.slice(0, 5)
						.map(([reason, n]) => `${reason} ${n}`)
						.join(', '),
					severityRule: `warning from ${STORM_PER_MINUTE} events/min over the last 5 minutes; critical when the 1h event TTL lets it hold ${formatCount(heldLimit)}+ events in etcd (about ${Math.ceil(heldLimit / EVENT_TTL_MINUTES)}/min)`,
				},
				...bounded(objects),
				remedies: [],
				detail: [
					'Events have no watch cache: every events LIST goes to etcd, and each event lives 1h (--event-ttl).',
					'Fix the controller to emit fewer events (aggregate progress into status instead); meanwhile an APF FlowSchema can throttle its writes.',
				],
				series: {label: 'events per minute', values: series, stepSeconds: 60},
			},
			ROW_EVENTS,
		);
	}
}
