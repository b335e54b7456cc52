/**
 * The `flow` command. Run it with `deno task flow ...`, or compile it into a
 * single binary with `deno task compile`.
 *
 * @module
 */

import { main } from "./src/cli/main.ts";

if (import.meta.main) {
  // `deno task flow` runs from the folder of deno.json; work where the user was.
  const cwd = Deno.env.get("FLOW_TASK_CWD");
  if (cwd) Deno.chdir(cwd);
  Deno.exit(await main(Deno.args));
}
