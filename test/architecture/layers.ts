/**
 * The layers of source/ and the rules its imports follow (README, "Architecture"). Each
 * folder belongs to one layer; a module imports from its own layer or the layers below,
 * never from one above. The folders do not import each other in a circle, nor do the
 * files of the product. sim/ is a separate program (the simulated API server): it imports
 * only the base layer, and only cli/ starts it.
 */
import path from 'node:path';
import {importGraph, type ImportEdge, sourceFiles} from './import-graph.js';

/** Lowest first. A folder of source/ (or a file at its top) names its layer. */
export const LAYERS: ReadonlyArray<{name: string; folders: readonly string[]}> = [
	{name: 'base', folders: ['text', 'formats', 'clock.ts', 'errors.ts', 'version.ts']},
	{name: 'model', folders: ['model']},
	{name: 'sources', folders: ['kube', 'audit']},
	{name: 'findings', folders: ['findings']},
	{name: 'plans', folders: ['plans']},
	{name: 'remedies', folders: ['remedies']},
	{name: 'app', folders: ['app']},
	{name: 'outputs', folders: ['ui', 'report']},
	{name: 'cli', folders: ['cli']},
	{name: 'entry', folders: ['release']},
];

/** The simulated API server: a program of its own beside the product. */
export const SIM = 'sim';
/** What sim/ may import besides itself. */
const SIM_MAY_IMPORT = new Set(['base']);
/** The only layer that may start the simulator (--demo, `kubectl assure sim`). */
const SIM_STARTED_BY = new Set(['cli']);

/** The folder of source/ a file is in: "findings" for source/findings/etcd/jobs.ts, "clock.ts" for source/clock.ts. */
export function folderOf(file: string): string {
	return file.split('/')[1]!;
}

const RANK = new Map<string, {layer: string; rank: number}>();
LAYERS.forEach(({name, folders}, rank) => {
	for (const folder of folders) RANK.set(folder, {layer: name, rank});
});

/** The layer of a file of source/: its name and rank, `sim`, or undefined when its folder is in no layer. */
export function layerOf(file: string): {layer: string; rank: number} | undefined {
	const folder = folderOf(file);
	if (folder === SIM) return {layer: SIM, rank: -1};
	return RANK.get(folder);
}

/** Circles in a directed graph (Tarjan's strongly connected components with more than one node), each sorted. */
export function circles(edges: Iterable<readonly [string, string]>): string[][] {
	const next = new Map<string, Set<string>>();
	for (const [from, to] of edges) {
		if (!next.has(from)) next.set(from, new Set());
		if (!next.has(to)) next.set(to, new Set());
		next.get(from)!.add(to);
	}
	const index = new Map<string, number>();
	const low = new Map<string, number>();
	const onStack = new Set<string>();
	const stack: string[] = [];
	const found: string[][] = [];
	let counter = 0;
	const visit = (node: string): void => {
		index.set(node, counter);
		low.set(node, counter);
		counter++;
		stack.push(node);
		onStack.add(node);
		for (const to of next.get(node)!) {
			if (!index.has(to)) {
				visit(to);
				low.set(node, Math.min(low.get(node)!, low.get(to)!));
			} else if (onStack.has(to)) low.set(node, Math.min(low.get(node)!, index.get(to)!));
		}
		if (low.get(node) !== index.get(node)) return;
		const component: string[] = [];
		let member: string;
		do {
			member = stack.pop()!;
			onStack.delete(member);
			component.push(member);
		} while (member !== node);
		if (component.length > 1) found.push(component.sort());
	};
	for (const node of [...next.keys()].sort()) if (!index.has(node)) visit(node);
	return found;
}

function where(edge: ImportEdge): string {
	return `${edge.from}:${edge.line} imports '${edge.specifier}' (${edge.to})`;
}

/** Everything in source/ under `root` that breaks the rules, one line each; [] when nothing does. */
export function layerViolations(root: string): string[] {
	const problems: string[] = [];
	for (const file of sourceFiles(root, 'source')) {
		if (layerOf(file) === undefined)
			problems.push(`${file}: folder ${folderOf(file)}/ is in no layer (add it to LAYERS in test/architecture/layers.ts and to README's Architecture)`);
	}
	const edges = importGraph(root, 'source');
	const known = new Set(sourceFiles(root, 'source'));
	for (const edge of edges) {
		if (!edge.to.startsWith('source/')) continue; // outside source/ (none today): not a layer question
		if (!known.has(edge.to)) {
			problems.push(`${where(edge)}: no such module`);
			continue;
		}
		const from = layerOf(edge.from);
		const to = layerOf(edge.to);
		if (from === undefined || to === undefined) continue; // reported above
		if (from.layer === SIM) {
			if (to.layer !== SIM && !SIM_MAY_IMPORT.has(to.layer))
				problems.push(`${where(edge)}: sim/ is a separate program and may import only ${[...SIM_MAY_IMPORT].join(', ')}, not ${to.layer}`);
		} else if (to.layer === SIM) {
			if (!SIM_STARTED_BY.has(from.layer)) problems.push(`${where(edge)}: only ${[...SIM_STARTED_BY].join(', ')} may import sim/, not ${from.layer}`);
		} else if (to.rank > from.rank) {
			problems.push(`${where(edge)}: ${from.layer} (${folderOf(edge.from)}/) may not import ${to.layer} (${folderOf(edge.to)}/), a layer above it`);
		}
	}
	// Folders in a circle: a change to either reaches the other; the layers above cannot tell which is lower.
	const folderEdges = new Map<string, ImportEdge>();
	for (const edge of edges) {
		const pair = `${folderOf(edge.from)}\u0000${folderOf(edge.to)}`;
		if (folderOf(edge.from) !== folderOf(edge.to) && !folderEdges.has(pair)) folderEdges.set(pair, edge);
	}
	for (const circle of circles([...folderEdges.keys()].map((pair) => pair.split('\u0000') as [string, string]))) {
		const members = new Set(circle);
		const through = [...folderEdges.values()].filter((edge) => members.has(folderOf(edge.from)) && members.has(folderOf(edge.to))).map(where);
		problems.push(`folders import each other in a circle: ${circle.join(', ')} (${through.join('; ')})`);
	}
	// Files of the product in a circle (sim/ is a program of its own, with its own structure).
	const product = edges.filter((edge) => folderOf(edge.from) !== SIM && folderOf(edge.to) !== SIM);
	for (const circle of circles(product.map((edge) => [edge.from, edge.to] as const))) {
		problems.push(`files import each other in a circle: ${circle.map((file) => path.posix.relative('source', file)).join(', ')}`);
	}
	return problems;
}
