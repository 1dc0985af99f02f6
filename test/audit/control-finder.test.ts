/**
 * The WebAssembly control-character finder (source/audit/control-finder.ts) against a
 * byte loop: a chunk it calls clean goes to the scanner without a per-line check.
 */
import test from 'ava';
import {ControlFinder} from '../../source/audit/control-finder.js';

test('it finds what a byte loop finds', (t) => {
	const finder = ControlFinder.create(1 << 16);
	t.truthy(finder);
	if (finder === null) return;
	const mem = new Uint8Array(finder.memory.buffer);
	for (let trial = 0; trial < 200; trial++) {
		const len = 1 + ((trial * 7919) % 300);
		for (let i = 0; i < len; i++) mem[i] = 32 + ((i * 31 + trial) % 90);
		const inject = trial % 3 === 0 ? -1 : (trial * 13) % len;
		const kinds = [0x0a, 0x09, 0x00, 0x1f, 0x0d];
		if (inject >= 0) mem[inject] = kinds[trial % kinds.length]!;
		if (trial % 5 === 0 && len > 3) {
			mem[len - 2] = 0x0d;
			mem[len - 1] = 0x0a;
		}
		let expected = -1;
		for (let i = 0; i < len; i++) {
			const b = mem[i]!;
			if (b < 0x20 && b !== 0x0a && !(b === 0x0d && mem[i + 1] === 0x0a && i + 1 < len)) {
				expected = i;
				break;
			}
		}
		t.is(finder.find(0, len), expected, `trial ${trial}`);
	}
});
