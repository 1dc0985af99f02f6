/**
 * The sample data the tests read: real kube-apiserver /metrics scrapes and audit logs in
 * every cloud shape, copied from the team's shared fixtures, and cluster-autoscaler status
 * texts written for the tests (each folder's SOURCES.md says what is real and what is
 * synthetic). They live in the repository so that a clean clone tests the same way anywhere.
 */
import {fileURLToPath} from 'node:url';

/** Absolute path of test/fixtures/<sub>/, ending in a slash. */
export function fixtureDir(sub: 'audit' | 'autoscaler-status' | 'metrics'): string {
	return fileURLToPath(new URL(`../fixtures/${sub}/`, import.meta.url));
}
