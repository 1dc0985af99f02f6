/**
 * Real proxy processes for tests: Debian's tinyproxy (HTTP CONNECT and absolute-form
 * requests, optional Basic auth; its log is a file) and microsocks (SOCKS5, optional
 * username/password; it logs each connection on its output), each on a free port of
 * 127.0.0.1 in the foreground, and a TLS front (an https:// proxy: TLS in front of a
 * tinyproxy). Each is ended by its own process id or server in `close`.
 */
import {type ChildProcess, spawn} from 'node:child_process';
import {readFileSync, writeFileSync} from 'node:fs';
import net from 'node:net';
import {join} from 'node:path';
import tls from 'node:tls';
import {eventually, tempDir} from './sim.js';

export interface ProxyProcess {
	port: number;
	/** What the proxy logged so far. */
	log(): string;
	close(): Promise<void>;
}

export async function freePort(): Promise<number> {
	const server = net.createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const port = (server.address() as net.AddressInfo).port;
	await new Promise<void>((resolve) => server.close(() => resolve()));
	return port;
}

function accepts(port: number): Promise<boolean> {
	return new Promise((resolve) => {
		const socket = net.connect({host: '127.0.0.1', port});
		socket.once('connect', () => {
			socket.destroy();
			resolve(true);
		});
		socket.once('error', () => resolve(false));
	});
}

async function started(child: ChildProcess, port: number, what: string, output: () => string): Promise<void> {
	let exited = false;
	child.once('exit', () => {
		exited = true;
	});
	await eventually(
		async () => {
			if (exited) throw new Error(`${what} exited: ${output()}`);
			return accepts(port);
		},
		10_000,
		`${what} to listen on ${port}`,
	);
}

function stop(child: ChildProcess): Promise<void> {
	if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
	return new Promise((resolve) => {
		child.once('exit', () => resolve());
		child.kill('SIGTERM');
	});
}

/** tinyproxy in the foreground (-d) with a config written to a temp directory. */
export async function startTinyproxy(options: {basicAuth?: {user: string; password: string}} = {}): Promise<ProxyProcess> {
	const dir = tempDir('tinyproxy-');
	const port = await freePort();
	const logFile = join(dir, 'tinyproxy.log');
	writeFileSync(logFile, '');
	const config = join(dir, 'tinyproxy.conf');
	writeFileSync(
		config,
		[
			`Port ${port}`,
			'Listen 127.0.0.1',
			'Timeout 600',
			`LogFile "${logFile}"`,
			'LogLevel Connect',
			'MaxClients 100',
			...(options.basicAuth ? [`BasicAuth ${options.basicAuth.user} ${options.basicAuth.password}`] : []),
			'',
		].join('\n'),
	);
	let output = '';
	const child = spawn('tinyproxy', ['-d', '-c', config], {stdio: ['ignore', 'pipe', 'pipe']});
	child.stdout!.on('data', (chunk: Buffer) => {
		output += chunk.toString();
	});
	child.stderr!.on('data', (chunk: Buffer) => {
		output += chunk.toString();
	});
	await started(child, port, 'tinyproxy', () => output);
	return {port, log: () => readFileSync(logFile, 'utf8'), close: () => stop(child)};
}

/** microsocks on 127.0.0.1, optionally with a username and password. */
export async function startMicrosocks(options: {user?: string; password?: string} = {}): Promise<ProxyProcess> {
	const port = await freePort();
	let output = '';
	const child = spawn('microsocks', ['-i', '127.0.0.1', '-p', String(port), ...(options.user ? ['-u', options.user, '-P', options.password ?? ''] : [])], {
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	child.stdout!.on('data', (chunk: Buffer) => {
		output += chunk.toString();
	});
	child.stderr!.on('data', (chunk: Buffer) => {
		output += chunk.toString();
	});
	await started(child, port, 'microsocks', () => output);
	return {port, log: () => output, close: () => stop(child)};
}

/** An https:// proxy: TLS (this certificate and key) in front of a plain HTTP proxy on `backendPort`. */
export async function startTlsFront(backendPort: number, cert: string, key: string): Promise<ProxyProcess> {
	let handshakes = 0;
	const sockets = new Set<net.Socket>();
	const server = tls.createServer({cert, key}, (client) => {
		handshakes++;
		const backend = net.connect({host: '127.0.0.1', port: backendPort});
		sockets.add(client).add(backend);
		client.pipe(backend).pipe(client);
		const end = () => {
			client.destroy();
			backend.destroy();
		};
		client.on('error', end).on('close', end);
		backend.on('error', end).on('close', end);
	});
	server.on('tlsClientError', () => undefined);
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const port = (server.address() as net.AddressInfo).port;
	return {
		port,
		log: () => `${handshakes} TLS handshakes`,
		close: () =>
			new Promise((resolve) => {
				for (const socket of sockets) socket.destroy();
				server.close(() => resolve());
			}),
	};
}
