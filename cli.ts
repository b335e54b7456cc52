/**
 * The `flow` command. Run it with `deno task flow ...`, or compile it into a
 * single binary with `deno task compile`.
 *
 * @module
 */

import { startEarly } from "./src/cli/early.ts";

if (import.meta.main) {
  // `deno task flow` runs from the folder of deno.json; work where the user was.
  const cwd = Deno.env.get("FLOW_TASK_CWD");
  if (cwd) Deno.chdir(cwd);
  // Before the command line's libraries load (the import below): work for the other core.
  startEarly(Deno.args);
  const { main } = await import("./src/cli/main.ts");
  Deno.exit(await main(Deno.args));
}
