/**
 * The cluster-autoscaler status ConfigMap (kube-system/cluster-autoscaler-status, key
 * `status`) in both of its formats, read into one shape:
 *
 * - YAML (cluster-autoscaler ≥ 1.30, clusterstate/api ClusterAutoscalerStatus):
 *   `time`, `autoscalerStatus`, `clusterWide.{health,scaleUp,scaleDown}` and
 *   `nodeGroups[].{name, health.{status, nodeCounts, cloudProviderTarget, minSize,
 *   maxSize}, scaleUp.{status, backoffInfo}, scaleDown.{status, candidates}}`, each with
 *   lastProbeTime/lastTransitionTime.
 * - Text (older releases, GetReadableString): "Cluster-autoscaler status at <time>:",
 *   "Cluster-wide:" and "NodeGroups:" sections of conditions written as
 *   `  Health:      Healthy (ready=3 unready=0 … cloudProviderTarget=3 (minSize=1, maxSize=6))`
 *   followed by indented LastProbeTime/LastTransitionTime lines; node groups start with
 *   `  Name:        <group>` (some releases omit the name).
 *
 * Times are Go's time.Time text ("2023-11-24 04:28:19.546750398 +0000 UTC", possibly
 * with a monotonic "m=+…" suffix) or RFC 3339; both become epoch ms. Counts missing from
 * a release's message are left undefined. Unknown keys are ignored; a text that is
 * neither format gives undefined.
 */
import {parse as parseYaml} from 'yaml';

export interface AutoscalerCondition {
	/** Healthy/Unhealthy, NoActivity/InProgress/Backoff/…, CandidatesPresent/NoCandidates. */
	status: string;
	message?: string;
	lastProbeTime?: number;
	lastTransitionTime?: number;
}

export interface NodeCounts {
	ready?: number;
	unready?: number;
	notStarted?: number;
	longNotStarted?: number;
	registered?: number;
	longUnregistered?: number;
	unregistered?: number;
}

export interface AutoscalerHealth extends AutoscalerCondition {
	nodes: NodeCounts;
	cloudProviderTarget?: number;
	minSize?: number;
	maxSize?: number;
}

export interface AutoscalerScaleDown extends AutoscalerCondition {
	candidates?: number;
}

export interface AutoscalerScaleUp extends AutoscalerCondition {
	backoffError?: string;
}

export interface NodeGroupStatus {
	/** The cloud provider's group name ("" when the text format omitted it). */
	name: string;
	health?: AutoscalerHealth;
	scaleUp?: AutoscalerScaleUp;
	scaleDown?: AutoscalerScaleDown;
}

export interface AutoscalerStatus {
	format: 'yaml' | 'text';
	time?: number;
	/** "Running", "Initializing" (YAML only). */
	autoscalerStatus?: string;
	clusterWide: {health?: AutoscalerHealth; scaleUp?: AutoscalerScaleUp; scaleDown?: AutoscalerScaleDown};
	nodeGroups: NodeGroupStatus[];
}

/** Go time.Time.String() or RFC 3339 text to epoch ms; undefined when neither. */
export function parseStatusTime(text: unknown): number | undefined {
	if (text instanceof Date) return Number.isNaN(text.getTime()) ? undefined : text.getTime();
	if (typeof text !== 'string') return undefined;
	const value = text.trim();
	if (value === '' || value.startsWith('0001-01-01')) return undefined;
	const go = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(\.\d+)? ([+-]\d{2})(\d{2})(?: [A-Za-z0-9+-]+)?(?: m=[+-][0-9.]+)?$/.exec(value);
	if (go) {
		const fraction = go[3] ? go[3].slice(0, 4) : '';
		const ms = Date.parse(`${go[1]}T${go[2]}${fraction}${go[4]}:${go[5]}`);
		return Number.isNaN(ms) ? undefined : ms;
	}
	if (/^\d{4}-\d{2}-\d{2}T/.test(value)) {
		const ms = Date.parse(value);
		return Number.isNaN(ms) ? undefined : ms;
	}
	return undefined;
}

export function parseAutoscalerStatus(text: string): AutoscalerStatus | undefined {
	const trimmed = text.trim();
	if (trimmed === '') return undefined;
	if (/^Cluster-autoscaler status at /m.test(trimmed) || /^Cluster-wide:\s*$/m.test(trimmed)) return parseText(trimmed);
	return parseYamlStatus(trimmed);
}

// ---- YAML ----

type Loose = Record<string, unknown>;

function record(value: unknown): Loose | undefined {
	return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Loose) : undefined;
}

function num(value: unknown): number | undefined {
	if (typeof value === 'number' && Number.isFinite(value)) return value;
	if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) return Number(value.trim());
	return undefined;
}

function str(value: unknown): string | undefined {
	return typeof value === 'string' ? value : undefined;
}

function condition(value: unknown): AutoscalerCondition | undefined {
	const c = record(value);
	const status = str(c?.status);
	if (!c || status === undefined) return undefined;
	const out: AutoscalerCondition = {status};
	const message = str(c.message);
	if (message) out.message = message;
	const probe = parseStatusTime(c.lastProbeTime);
	if (probe !== undefined) out.lastProbeTime = probe;
	const transition = parseStatusTime(c.lastTransitionTime);
	if (transition !== undefined) out.lastTransitionTime = transition;
	return out;
}

function yamlHealth(value: unknown): AutoscalerHealth | undefined {
	const base = condition(value);
	if (!base) return undefined;
	const h = record(value)!;
	const counts = record(h.nodeCounts);
	const registered = record(counts?.registered);
	const nodes: NodeCounts = {};
	const set = (key: keyof NodeCounts, v: unknown) => {
		const n = num(v);
		if (n !== undefined) nodes[key] = n;
	};
	set('registered', registered?.total);
	set('ready', registered?.ready);
	set('notStarted', registered?.notStarted);
	set('unready', record(registered?.unready)?.total ?? registered?.unready);
	set('longUnregistered', counts?.longUnregistered);
	set('unregistered', counts?.unregistered);
	const out: AutoscalerHealth = {...base, nodes};
	const target = num(h.cloudProviderTarget);
	if (target !== undefined) out.cloudProviderTarget = target;
	const min = num(h.minSize);
	if (min !== undefined) out.minSize = min;
	const max = num(h.maxSize);
	if (max !== undefined) out.maxSize = max;
	return out;
}

function yamlScaleUp(value: unknown): AutoscalerScaleUp | undefined {
	const base = condition(value);
	if (!base) return undefined;
	const backoff = record(record(value)!.backoffInfo);
	const error = [str(backoff?.errorCode), str(backoff?.errorMessage)].filter((s) => s).join(': ');
	return error ? {...base, backoffError: error} : base;
}

function yamlScaleDown(value: unknown): AutoscalerScaleDown | undefined {
	const base = condition(value);
	if (!base) return undefined;
	const candidates = num(record(value)!.candidates);
	return candidates === undefined ? base : {...base, candidates};
}

function parseYamlStatus(text: string): AutoscalerStatus | undefined {
	let doc: unknown;
	try {
		doc = parseYaml(text, {maxAliasCount: 10});
	} catch {
		return undefined;
	}
	const root = record(doc);
	if (!root || (root.clusterWide === undefined && root.nodeGroups === undefined && root.autoscalerStatus === undefined)) return undefined;
	const out: AutoscalerStatus = {format: 'yaml', clusterWide: {}, nodeGroups: []};
	const time = parseStatusTime(root.time);
	if (time !== undefined) out.time = time;
	const running = str(root.autoscalerStatus);
	if (running) out.autoscalerStatus = running;
	const wide = record(root.clusterWide);
	if (wide) {
		const health = yamlHealth(wide.health);
		if (health) out.clusterWide.health = health;
		const up = yamlScaleUp(wide.scaleUp);
		if (up) out.clusterWide.scaleUp = up;
		const down = yamlScaleDown(wide.scaleDown);
		if (down) out.clusterWide.scaleDown = down;
	}
	for (const item of Array.isArray(root.nodeGroups) ? root.nodeGroups : []) {
		const g = record(item);
		if (!g) continue;
		const group: NodeGroupStatus = {name: str(g.name) ?? ''};
		const health = yamlHealth(g.health);
		if (health) group.health = health;
		const up = yamlScaleUp(g.scaleUp);
		if (up) group.scaleUp = up;
		const down = yamlScaleDown(g.scaleDown);
		if (down) group.scaleDown = down;
		out.nodeGroups.push(group);
	}
	return out;
}

// ---- Text ----

const CONDITION_LINE = /^\s*(Health|ScaleUp|ScaleDown):\s+(\S+)(?:\s+\((.*)\))?\s*$/;
const TIME_LINE = /^\s*(LastProbeTime|LastTransitionTime):\s+(.*?)\s*$/;
const NAME_LINE = /^\s*Name:\s+(.*?)\s*$/;

/** key=value pairs in a condition message: "ready=3 unready=0 (resourceUnready=0) …". */
function messagePairs(message: string): Map<string, number> {
	const pairs = new Map<string, number>();
	for (const m of message.matchAll(/([A-Za-z]+)=(-?\d+)/g)) pairs.set(m[1]!, Number(m[2]));
	return pairs;
}

function textCondition(type: string, status: string, message: string | undefined): AutoscalerHealth | AutoscalerScaleUp | AutoscalerScaleDown {
	const base: AutoscalerCondition = {status};
	if (message) base.message = message;
	const pairs = messagePairs(message ?? '');
	if (type === 'Health') {
		const nodes: NodeCounts = {};
		for (const key of ['ready', 'unready', 'notStarted', 'longNotStarted', 'registered', 'longUnregistered'] as const) {
			const v = pairs.get(key);
			if (v !== undefined) nodes[key] = v;
		}
		const health: AutoscalerHealth = {...base, nodes};
		const target = pairs.get('cloudProviderTarget');
		if (target !== undefined) health.cloudProviderTarget = target;
		const min = pairs.get('minSize');
		if (min !== undefined) health.minSize = min;
		const max = pairs.get('maxSize');
		if (max !== undefined) health.maxSize = max;
		return health;
	}
	if (type === 'ScaleDown') {
		const candidates = pairs.get('candidates');
		return candidates === undefined ? base : {...base, candidates};
	}
	return base;
}

interface TextBlock {
	name?: string;
	health?: AutoscalerHealth;
	scaleUp?: AutoscalerScaleUp;
	scaleDown?: AutoscalerScaleDown;
}

function parseText(text: string): AutoscalerStatus | undefined {
	const out: AutoscalerStatus = {format: 'text', clusterWide: {}, nodeGroups: []};
	const header = /^Cluster-autoscaler status at (.*?):?\s*$/m.exec(text);
	if (header) {
		const time = parseStatusTime(header[1]);
		if (time !== undefined) out.time = time;
	}
	let section: 'none' | 'cluster' | 'groups' = 'none';
	let block: TextBlock | undefined;
	let last: AutoscalerCondition | undefined;
	const blocks: TextBlock[] = [];
	const flush = () => {
		if (block && (block.name !== undefined || block.health || block.scaleUp || block.scaleDown)) blocks.push(block);
		block = undefined;
	};
	for (const line of text.split(/\r?\n/)) {
		if (/^Cluster-wide:\s*$/.test(line)) {
			section = 'cluster';
			continue;
		}
		if (/^NodeGroups:\s*$/.test(line)) {
			section = 'groups';
			block = undefined;
			last = undefined;
			continue;
		}
		if (section === 'none') continue;
		if (section === 'groups' && line.trim() === '') {
			flush();
			last = undefined;
			continue;
		}
		const name = NAME_LINE.exec(line);
		if (name && section === 'groups') {
			flush();
			block = {name: name[1]!};
			continue;
		}
		const cond = CONDITION_LINE.exec(line);
		if (cond) {
			const type = cond[1]!;
			const parsed = textCondition(type, cond[2]!, cond[3]);
			last = parsed;
			if (section === 'cluster') {
				if (type === 'Health') out.clusterWide.health = parsed as AutoscalerHealth;
				else if (type === 'ScaleUp') out.clusterWide.scaleUp = parsed;
				else out.clusterWide.scaleDown = parsed;
			} else {
				// A group without a Name line starts at its Health condition.
				if (!block || (type === 'Health' && block.health)) {
					flush();
					block = {};
				}
				if (type === 'Health') block.health = parsed as AutoscalerHealth;
				else if (type === 'ScaleUp') block.scaleUp = parsed;
				else block.scaleDown = parsed;
			}
			continue;
		}
		const time = TIME_LINE.exec(line);
		if (time && last) {
			const ms = parseStatusTime(time[2]);
			if (ms !== undefined) {
				if (time[1] === 'LastProbeTime') last.lastProbeTime = ms;
				else last.lastTransitionTime = ms;
			}
		}
	}
	flush();
	for (const b of blocks) {
		const group: NodeGroupStatus = {name: b.name ?? ''};
		if (b.health) group.health = b.health;
		if (b.scaleUp) group.scaleUp = b.scaleUp;
		if (b.scaleDown) group.scaleDown = b.scaleDown;
		out.nodeGroups.push(group);
	}
	if (section === 'none') return undefined;
	return out;
}

/**
 * The status of a node pool: the group named exactly like the pool, else the only group
 * whose name has the pool as a '-', '_' or '/' separated part (AKS "aks-burst-…-vmss",
 * GKE "…/gke-prod-burst-…-grp"); undefined when none or several match.
 */
export function nodeGroupStatusFor(status: AutoscalerStatus | undefined, pool: string): NodeGroupStatus | undefined {
	if (!status || pool === '') return undefined;
	const exact = status.nodeGroups.find((g) => g.name === pool);
	if (exact) return exact;
	const partial = status.nodeGroups.filter((g) => g.name.split(/[-_/]/).includes(pool));
	return partial.length === 1 ? partial[0] : undefined;
}
