// Private helper: Node's built-in modules, loaded on first use.
//
// Importing any `node:` module at the top of a file makes Deno set up its Node layer when the file
// is loaded: 15-30 ms of the start-up of every Worker (each sandboxed operation starts one) and of
// every script that imports mod.ts. Reaching them through `process.getBuiltinModule` defers that
// cost to the first call, which most runs never make.

/** The part of Node's `process` used here. */
interface NodeProcess {
  getBuiltinModule(id: string): unknown;
  kill(pid: number, signal?: number | string): boolean;
}

/**
 * Node's `process` object (set up on first access).
 *
 * @example
 * ```ts
 * import { nodeProcess } from "./_node.ts";
 * console.log(typeof nodeProcess().kill); // "function"
 * ```
 */
export function nodeProcess(): NodeProcess {
  return (globalThis as unknown as { process: NodeProcess }).process;
}

/**
 * `node:zlib`, loaded on first use.
 *
 * @example
 * ```ts
 * import { nodeZlib } from "./_node.ts";
 * console.log(typeof nodeZlib().gunzipSync); // "function"
 * ```
 */
export function nodeZlib(): typeof import("node:zlib") {
  return zlib ??= nodeProcess().getBuiltinModule("node:zlib") as typeof import("node:zlib");
}
let zlib: typeof import("node:zlib") | undefined;
