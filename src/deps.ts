/**
 * Every third-party import of the project, in one place.
 *
 * JSR is not reachable from the machines this project is built on, so the
 * `@std/*` modules and `@cliffy/command` are replaced by well-kept npm
 * packages. Each is imported here with a full `npm:` specifier (an import map
 * in `deno.json` would not travel with `mod.ts` imported by URL), so that a
 * later switch to `jsr:` is a one-line change per dependency.
 *
 * @module
 */

export { Command, CommanderError, InvalidArgumentError, Option } from "npm:commander@14.0.3";
export { isMap, isScalar, isSeq, parseDocument, YAMLError } from "npm:yaml@2.8.4";
// @ts-types="npm:@types/cli-progress@3.11.6"
export { default as cliProgress } from "npm:cli-progress@3.12.0";
