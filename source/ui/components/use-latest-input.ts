/**
 * useInput with the handler of the latest render. Ink subscribes useInput's handler in an
 * effect, which runs after the frame is drawn: a key typed (or pasted) between the frame
 * and the effect would reach the previous render's handler and act on a state the screen
 * no longer shows — a `y` ignored because the old dialog was still busy, or taken by the
 * old mode. The handler is kept in a ref written during render, so every key sees what is
 * on screen.
 */
import {type Key, useInput} from 'ink';
import {useRef} from 'react';

export function useLatestInput(handler: (input: string, key: Key) => void, options: {isActive?: boolean} = {}): void {
	const latest = useRef(handler);
	latest.current = handler;
	useInput((input, key) => latest.current(input, key), options);
}
