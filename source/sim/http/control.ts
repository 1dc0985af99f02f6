/**
 * The simulator's own control endpoints under /__sim/: its state, faults set and
 * cleared at run time, watches dropped or closed, going down, snapshots and restores,
 * expired continue tokens, the RBAC table and the tokens it accepts.
 */
import type {IncomingMessage, ServerResponse} from 'node:http';
import type {UserInfo} from '../identity.js';
import type {Obj} from '../../formats/json-object.js';
import {parseJsonBody, readBody} from './request.js';
import {sendJson} from './respond.js';
import type {SimServer} from './server.js';

export async function handleControl(server: SimServer, req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
	const {api, options} = server;
	const body = parseJsonBody(await readBody(req));
	const ok = (payload: Obj = {ok: true}) => sendJson(res, 200, JSON.stringify(payload));
	switch (`${req.method} ${path}`) {
		case 'GET /__sim/state': {
			const counts: Record<string, number> = {};
			for (const store of api.store.resources()) counts[store.storage] = store.size;
			ok({
				resourceVersion: api.store.rv,
				counts,
				openWatches: server.watches.size,
				faults: options.faults.settings,
				injected: options.faults.injected,
				simTime: api.clock.iso(),
			});
			return;
		}
		case 'POST /__sim/faults':
			options.faults.set(body);
			ok({faults: options.faults.settings});
			return;
		case 'DELETE /__sim/faults':
			options.faults.clear();
			ok();
			return;
		case 'POST /__sim/drop-watches':
			ok({dropped: server.dropWatches()});
			return;
		case 'POST /__sim/go-down':
			// Answer first: after this the port refuses connections.
			ok();
			setTimeout(() => void server.goDown(), 10);
			return;
		case 'POST /__sim/close-watches':
			ok({closed: server.closeWatches()});
			return;
		case 'POST /__sim/snapshot':
			if (!options.backups) break;
			ok(options.backups.take());
			return;
		case 'POST /__sim/restore':
			if (!options.backups) break;
			try {
				ok(options.backups.restore(body));
			} catch (error) {
				sendJson(res, 400, JSON.stringify({error: (error as Error).message}));
			}
			return;
		case 'POST /__sim/expire-continue':
			api.store.expireAllSnapshots();
			ok();
			return;
		case 'POST /__sim/rbac':
			options.authorizer.setRules(body.rules ?? []);
			ok();
			return;
		case 'POST /__sim/tokens':
			for (const [token, user] of Object.entries((body.add ?? {}) as Record<string, UserInfo>)) options.authenticator.addToken(token, user);
			for (const token of (body.revoke ?? []) as string[]) options.authenticator.revokeToken(token);
			ok();
			return;
		default:
			break;
	}
	sendJson(res, 404, JSON.stringify({error: `no admin endpoint ${req.method} ${path}`}));
}
