/**
 * Ink imports react-devtools-core only when DEV=true; the release bundle has no devtools, so
 * that import resolves here (tools/release/build.ts aliases it) and connecting is a no-op.
 */
const devtools = {
	initialize(): void {},
	connectToDevTools(): void {},
};

export default devtools;
