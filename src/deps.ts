/**
 * Every third-party import of the engine, in one place (the command line's
 * own dependencies are in `src/cli/deps.ts`, so that `mod.ts` imported by
 * URL does not pull them in).
 *
 * JSR is not reachable from the machines this project is built on, so the
 * `@std/*` modules are replaced by well-kept npm packages. Each is imported
 * here with a full `npm:` specifier (an import map in `deno.json` would not
 * travel with `mod.ts` imported by URL), so that a later switch to `jsr:` is
 * a one-line change per dependency. The one exception, `@noble/hashes` (MD5
 * for job ids), is imported in `src/_md5.ts`: every module that computes an
 * id would otherwise load the YAML parser below with it.
 *
 * @module
 */

export {
  type Alias,
  type Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
  type Scalar,
  YAMLError,
  type YAMLMap,
  type YAMLSeq,
} from "npm:yaml@2.8.4";
