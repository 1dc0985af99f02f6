/**
 * What a Kubernetes user name says: a service account is "system:serviceaccount:<namespace>:<name>".
 */

/** The service account a user name stands for, if any. */
export function serviceAccountOf(user: string): {namespace: string; name: string} | undefined {
	const match = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(user);
	return match ? {namespace: match[1]!, name: match[2]!} : undefined;
}
