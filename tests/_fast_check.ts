/**
 * fast-check, the property-based testing library, imported in one place with
 * a full `npm:` specifier (JSR is not reachable from our machines), as
 * `tests/_assert.ts` does for assertions.
 *
 * Every property of the suite runs with a fixed seed ({@link SEED}), so that
 * a failure in CI is reproducible with the same command.
 *
 * @module
 */
export * as fc from "npm:fast-check@4.10.2";
export type { Arbitrary } from "npm:fast-check@4.10.2";

/** The seed of every property in the suite. */
export const SEED = 4242;
