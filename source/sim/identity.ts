/** Who is making a request, as the authenticator resolved it. */
export interface UserInfo {
	name: string;
	uid?: string;
	groups: string[];
	extra?: Record<string, string[]>;
}

export const ANONYMOUS: UserInfo = {name: 'system:anonymous', groups: ['system:unauthenticated']};
export const ADMIN: UserInfo = {name: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated']};

/** The identity the simulator's own controllers write with. */
export function controllerUser(name: string): UserInfo {
	return {name: `system:serviceaccount:kube-system:${name}`, groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated']};
}

/** The default field manager: the user agent up to its first '/', as the API server derives it. */
export function managerFromUserAgent(userAgent: string | undefined): string {
	if (!userAgent) return 'unknown';
	const slash = userAgent.indexOf('/');
	return (slash >= 0 ? userAgent.slice(0, slash) : userAgent).slice(0, 128) || 'unknown';
}
