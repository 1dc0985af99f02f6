/**
 * The object-count quota namespace-without-object-quota suggests
 * (source/findings/etcd/object-quota.ts): headroom, two significant digits, never below
 * usage, and which quota keys count objects.
 */
import test from 'ava';
import fc from 'fast-check';
import {isObjectCountKey, quotaHard, roundUpTwoDigits} from '../../../source/findings/etcd/object-quota.js';

test('roundUpTwoDigits and quotaHard', (t) => {
	t.is(roundUpTwoDigits(99), 99);
	t.is(roundUpTwoDigits(100), 100);
	t.is(roundUpTwoDigits(263), 270);
	t.is(roundUpTwoDigits(1234), 1300);
	t.is(roundUpTwoDigits(1300), 1300);
	// 50% headroom, at least +10, two significant digits.
	t.is(quotaHard(0), 10);
	t.is(quotaHard(5), 15);
	t.is(quotaHard(30), 45);
	t.is(quotaHard(130), 200);
	t.is(quotaHard(182), 280);
	t.is(quotaHard(20, 7), 41);
	t.throws(() => quotaHard(-1), {instanceOf: RangeError});
});

test('quotaHard is never below usage plus reserve', (t) => {
	fc.assert(
		fc.property(fc.integer({min: 0, max: 5_000_000}), fc.integer({min: 0, max: 10_000}), (used, reserve) => {
			const hard = quotaHard(used, reserve);
			return Number.isInteger(hard) && hard >= used + reserve + 10 && hard >= Math.ceil((used + reserve) * 1.5);
		}),
	);
	t.pass();
});

test('isObjectCountKey knows count/ keys and legacy keys, but not pods or compute resources', (t) => {
	for (const key of ['count/pods', 'count/jobs.batch', 'count/deployments.apps', 'configmaps', 'secrets', 'services']) t.true(isObjectCountKey(key), key);
	for (const key of ['pods', 'requests.cpu', 'limits.memory', 'requests.storage', 'count/']) t.false(isObjectCountKey(key), key);
});
