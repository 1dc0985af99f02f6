/**
 * Test helper for RBAC faults: a simulator rule that lets a user read every resource a
 * session reflects (kube/session-kinds.ts) but one, so that a test can take exactly one kind away.
 */
import {KINDS} from '../../source/kube/session-kinds.js';
import type {RbacRule} from '../../source/sim/rbac.js';

/** get, list and watch for `user` on every resource the session reflects except `except`, in the API groups of those resources and `moreGroups`. */
export function readAllBut(user: string, except: string, moreGroups: readonly string[] = []): RbacRule {
	const kinds = Object.values(KINDS);
	return {
		users: [user],
		verbs: ['get', 'list', 'watch'],
		apiGroups: [...new Set([...kinds.map((kind) => kind.group), ...moreGroups])],
		resources: kinds.map((kind) => kind.resource).filter((resource) => resource !== except),
	};
}
