/**
 * Authentication for the simulator: bearer tokens (from a table that can change at run
 * time, so tests can expire or revoke a credential), TLS client certificates (CN = user,
 * O = groups) in HTTPS mode, and an optional anonymous identity for requests that carry
 * no credential (the default in HTTP mode: everyone is a cluster admin).
 */
import type {IncomingMessage} from 'node:http';
import type {TLSSocket} from 'node:tls';
import type {UserInfo} from './identity.js';

export class Authenticator {
	readonly tokens = new Map<string, UserInfo>();
	/** Counts of successful authentications per token, for tests of credential reuse. */
	readonly tokenUses = new Map<string, number>();

	constructor(
		public anonymous: UserInfo | undefined,
		tokens: Record<string, UserInfo> = {},
	) {
		for (const [token, user] of Object.entries(tokens)) this.tokens.set(token, user);
	}

	addToken(token: string, user: UserInfo): void {
		this.tokens.set(token, user);
	}

	revokeToken(token: string): void {
		this.tokens.delete(token);
	}

	/** The user, or undefined for a 401 (a credential was given and is not valid, or none and no anonymous). */
	authenticate(request: IncomingMessage): UserInfo | undefined {
		const header = request.headers.authorization;
		if (header) {
			const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
			if (!match) return undefined;
			const user = this.tokens.get(match[1]!);
			if (user) this.tokenUses.set(match[1]!, (this.tokenUses.get(match[1]!) ?? 0) + 1);
			return user;
		}
		const socket = request.socket as TLSSocket;
		if (socket.encrypted && socket.authorized) {
			const certificate = socket.getPeerCertificate();
			const subject = certificate?.subject as unknown as Record<string, string | string[]> | undefined;
			if (subject?.CN) {
				const organizations = subject.O === undefined ? [] : Array.isArray(subject.O) ? subject.O : [subject.O];
				return {name: String(subject.CN), groups: [...organizations, 'system:authenticated']};
			}
		}
		return this.anonymous;
	}
}
