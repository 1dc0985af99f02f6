/**
 * Deprecation and experimental warnings from dependencies (punycode and url.parse, from
 * client-node's tree when the product still loaded it) are printed by Node on stderr in
 * the middle of Ink's frame and garble the screen. They are dropped here, before any
 * dependency loads; ASSURE_DEBUG=1 shows them.
 * Other warnings (a listener leak, say) still reach stderr: they mean a bug of ours.
 */
process.removeAllListeners('warning');
process.on('warning', (warning: Error) => {
	const quiet = warning.name === 'DeprecationWarning' || warning.name === 'ExperimentalWarning';
	if (!quiet || process.env.ASSURE_DEBUG) process.stderr.write(`${warning.name}: ${warning.message}\n`);
});

export {};
