/**
 * A watch response's body as events: one JSON object a line (a WatchEvent: type and
 * object), split out of the stream's chunks as they arrive.
 */
import {StringDecoder} from 'node:string_decoder';
import type {Obj} from '../formats/json-object.js';

/** One event of a watch stream: ADDED, MODIFIED, DELETED, BOOKMARK or ERROR, and its object. */
export interface WatchEvent {
	type?: string;
	object?: Obj;
}

/** The lines of one watch stream, decoded as their chunks arrive. */
export class WatchLines {
	private buffer = '';
	/** Keeps a character's first bytes when a chunk ends inside it, for the next chunk. */
	private readonly decoder = new StringDecoder('utf8');

	/** The events of the lines `chunk` completes, in order. A line that is not JSON is skipped: the next resume catches up. */
	*push(chunk: Buffer): Generator<WatchEvent> {
		this.buffer += this.decoder.write(chunk);
		let newline: number;
		while ((newline = this.buffer.indexOf('\n')) >= 0) {
			const line = this.buffer.slice(0, newline).trim();
			this.buffer = this.buffer.slice(newline + 1);
			if (line === '') continue;
			let event: WatchEvent;
			try {
				event = JSON.parse(line) as WatchEvent;
			} catch {
				continue;
			}
			yield event;
		}
	}
}
