/**
 * The paths that name no resource: /version, the health checks (/healthz, /readyz,
 * /livez), /metrics, and discovery.
 */
import type {ServerResponse} from 'node:http';
import {discoveryDocument} from './discovery.js';
import {sendJson, sendPathNotFound, setResponseBytes} from './respond.js';
import type {SimServer} from './server.js';

export function handleNonResource(server: SimServer, res: ServerResponse, path: string): void {
	const {options} = server;
	if (path === '/version') {
		sendJson(
			res,
			200,
			JSON.stringify({
				major: '1',
				minor: String(options.minor),
				gitVersion: options.gitVersion,
				gitCommit: '0000000000000000000000000000000000000000',
				gitTreeState: 'clean',
				buildDate: '2026-01-01T00:00:00Z',
				goVersion: 'go1.24.0',
				compiler: 'gc',
				platform: 'linux/amd64',
			}),
		);
		return;
	}
	if (path === '/healthz' || path === '/readyz' || path === '/livez') {
		res.writeHead(200, {'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': 2});
		res.end('ok');
		return;
	}
	if (path === '/metrics') {
		const body = options.metricsText();
		setResponseBytes(res, Buffer.byteLength(body));
		res.writeHead(200, {'Content-Type': 'text/plain; version=0.0.4; charset=utf-8', 'Content-Length': Buffer.byteLength(body)});
		res.end(body);
		return;
	}
	const discovery = discoveryDocument(server.api.registry, path, server.listeningPort);
	if (discovery !== undefined) {
		sendJson(res, 200, JSON.stringify(discovery));
		return;
	}
	sendPathNotFound(res);
}
