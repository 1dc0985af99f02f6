/**
 * A Kubernetes object (or any JSON object) as decoded from the wire or from YAML: one loose
 * type for the product and the simulator. Its values are `any` on purpose: objects come from
 * many kinds and API versions, are read by path (`object.metadata?.labels`) after the code
 * has checked what it needs, and a stricter type here would turn each read into a cast
 * without checking anything more. Code that builds JSON to send uses plans/request's types.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above: decoded JSON read by path
export type Obj = Record<string, any>;
