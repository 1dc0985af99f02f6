/**
 * The import graph of source/, read from the files themselves with the TypeScript parser
 * (already a dev dependency): every static `import` and `import type`, every `export … from`,
 * every dynamic `import()` and every `import('…').T` type. Only relative specifiers are
 * edges; packages and `node:` modules are not part of the graph.
 */
import {readdirSync, readFileSync} from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

export type ImportEdge = {
	/** The importing file, relative to the repository root, with forward slashes. */
	readonly from: string;
	/** The imported file (the .ts/.tsx behind the specifier's .js), same form. */
	readonly to: string;
	/** The specifier as written, and the line it is on. */
	readonly specifier: string;
	readonly line: number;
};

/** Every .ts/.tsx file below `dir`, relative to `root`, sorted. */
export function sourceFiles(root: string, dir: string): string[] {
	const out: string[] = [];
	const walk = (relative: string) => {
		for (const entry of readdirSync(path.join(root, relative), {withFileTypes: true})) {
			const child = `${relative}/${entry.name}`;
			if (entry.isDirectory()) walk(child);
			else if (/\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(child);
		}
	};
	walk(dir);
	return out.sort();
}

/** The module specifiers a file's text names, with their 1-based lines. */
export function importSpecifiers(fileName: string, text: string): Array<{specifier: string; line: number}> {
	const kind = fileName.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
	const file = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, kind);
	const found: Array<{specifier: string; line: number}> = [];
	const add = (node: ts.Node, literal: ts.Node | undefined) => {
		if (literal && ts.isStringLiteralLike(literal)) {
			found.push({specifier: literal.text, line: file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1});
		}
	};
	const visit = (node: ts.Node) => {
		if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) add(node, node.moduleSpecifier);
		else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) add(node, node.moduleReference.expression);
		else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) add(node, node.arguments[0]);
		else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) add(node, node.argument.literal);
		ts.forEachChild(node, visit);
	};
	visit(file);
	return found;
}

/**
 * The relative imports of every file below `dir`. A specifier that resolves to no file
 * in the list is reported with `to` as written (resolved), so a test can say so rather
 * than drop it.
 */
export function importGraph(root: string, dir: string): ImportEdge[] {
	const files = sourceFiles(root, dir);
	const known = new Set(files);
	const edges: ImportEdge[] = [];
	for (const from of files) {
		for (const {specifier, line} of importSpecifiers(from, readFileSync(path.join(root, from), 'utf8'))) {
			if (!specifier.startsWith('.')) continue;
			const joined = path.posix.normalize(path.posix.join(path.posix.dirname(from), specifier));
			const stem = joined.replace(/\.(js|jsx|ts|tsx)$/, '');
			const to = [`${stem}.ts`, `${stem}.tsx`, `${stem}/index.ts`].find((candidate) => known.has(candidate)) ?? joined;
			edges.push({from, to, specifier, line});
		}
	}
	return edges;
}
