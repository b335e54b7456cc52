// Private helper: MD5 (signac's job ids, flow's aggregate ids and script names).
//
// The one import of @noble/hashes (audited, pure ESM). Not in src/deps.ts, whose YAML parser would
// then load with every module that needs an id; and not node:crypto, whose import sets up Deno's
// Node layer: together 20-30 ms of the start of each sandboxed operation's Worker, which opens
// jobs by id. Per id it costs about 1 µs more than node:crypto (2.2 against 0.8-1.9 µs here).

import { md5 } from "npm:@noble/hashes@2.0.1/legacy.js";
import { bytesToHex } from "npm:@noble/hashes@2.0.1/utils.js";

const encoder = new TextEncoder();

/**
 * The MD5 of a UTF-8 string, as 32 lower-case hex digits.
 *
 * @example
 * ```ts
 * import { md5Hex } from "./_md5.ts";
 * console.log(md5Hex("")); // d41d8cd98f00b204e9800998ecf8427e
 * ```
 */
export function md5Hex(text: string): string {
  return bytesToHex(md5(encoder.encode(text)));
}
