/**
 * The `flow` command. Run it with `deno task flow ...`, or compile it into a
 * single binary with `deno task compile`.
 *
 * @module
 */

import { main } from "./src/cli/main.ts";

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
