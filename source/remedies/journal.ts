/**
 * The remedy journal: one JSON line per applied remedy (and per undo) under the XDG state
 * directory — time, context, user, the operations sent, and the fields they changed with
 * their before and after values (never whole objects: no env values, no Secret data) —
 * so a person can see afterwards what was changed, and `u` can undo the last one.
 */
import {appendFileSync, mkdirSync, readFileSync} from 'node:fs';
import {homedir} from 'node:os';
import {dirname, join} from 'node:path';
import type {Change} from './diff.js';

export interface JournalEntry {
	time: string;
	context: string;
	user: string;
	findingId: string;
	remedyId: string;
	title: string;
	/** "apply" or "undo". */
	action: 'apply' | 'undo';
	/** The requests as sent (a PATCH: its JSON patch, tests included). */
	operations: Array<{method: string; path: string; contentType?: string; body?: unknown}>;
	/** Per changed object (path): the fields changed, before → after. */
	changes: Record<string, Change[]>;
	/** Objects created: path and uid (an undo deletes them with that uid as precondition). */
	created: Array<{path: string; uid?: string; resourceVersion?: string}>;
	/** Objects deleted (cannot be undone). */
	deleted: string[];
	/** Resulting resourceVersion per patched path (for the record: the undo tests the fields in `changes`, not the version). */
	versions: Record<string, string>;
	result: {applied: number; skipped: number; failed: number};
}

export function defaultJournalPath(env: NodeJS.ProcessEnv = process.env): string {
	if (env.KUBECTL_ASSURE_STATE_DIR) return join(env.KUBECTL_ASSURE_STATE_DIR, 'journal.jsonl');
	const base = env.XDG_STATE_HOME && env.XDG_STATE_HOME.startsWith('/') ? env.XDG_STATE_HOME : join(env.HOME ?? homedir(), '.local', 'state');
	return join(base, 'kubectl-assure', 'journal.jsonl');
}

export class Journal {
	constructor(readonly path: string = defaultJournalPath()) {}

	append(entry: JournalEntry): void {
		mkdirSync(dirname(this.path), {recursive: true, mode: 0o700});
		appendFileSync(this.path, `${JSON.stringify(entry)}\n`, {mode: 0o600});
	}

	/** Every entry, oldest first (unreadable lines skipped). */
	read(): JournalEntry[] {
		let text: string;
		try {
			text = readFileSync(this.path, 'utf8');
		} catch {
			return [];
		}
		const out: JournalEntry[] = [];
		for (const line of text.split('\n')) {
			if (!line.trim()) continue;
			try {
				out.push(JSON.parse(line) as JournalEntry);
			} catch {
				// A torn line (a crash mid-write) is skipped, not fatal.
			}
		}
		return out;
	}
}
