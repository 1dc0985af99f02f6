/**
 * What the tests of single Ink components share: the three themes (plain, ASCII, colour),
 * chalk's level set so that the colour theme really colours, a wait for Ink's render after a
 * key, and a frame's lines.
 *
 * Colour: Ink colours text through chalk, and chalk's level in an ava worker depends on
 * whether ava's own output is a terminal (usually not, so frames would be colourless
 * whatever the component does and a "no escape codes" check could not fail). Importing this
 * module sets the shared chalk instance's level to 1; each file's colour test keeps a
 * positive control showing that the colour theme's frame then does contain escape codes.
 */
import chalk from 'chalk';
import {makeTheme} from '../../source/ui/theme.js';

chalk.level = 1;

export const plain = makeTheme({color: false, unicode: true});
export const ascii = makeTheme({color: false, unicode: false});
export const colour = makeTheme({color: true, unicode: true});

/**
 * Let Ink handle a key and render. React schedules the render with setImmediate; when the
 * event loop was busy (other tests of the file render at the same time) a 20 ms timer can
 * fire before that immediate, so after the timer we also yield to the check phase a few
 * times. This waits for the render; it asserts nothing about time.
 */
export async function tick(): Promise<void> {
	await new Promise((resolve) => setTimeout(resolve, 20));
	for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** A frame's lines (an absent frame has one empty line). */
export function frameLines(frame: string | undefined): string[] {
	return (frame ?? '').split('\n');
}
