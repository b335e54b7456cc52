/**
 * `deno task demo`: runs the pipeline example end to end on 12 jobs in a new
 * project (in a temporary folder, or the folder given as the first argument),
 * with a progress bar, then shows its status.
 *
 * @module
 */

import { main } from "../../src/cli/main.ts";

const here = new URL(".", import.meta.url).pathname;
const dir = Deno.args[0] ?? Deno.makeTempDirSync({ prefix: "flow-pipeline-" });

async function flow(...args: string[]): Promise<void> {
  console.log(`\n$ flow ${args.join(" ")}`);
  const code = await main(["--project", dir, ...args]);
  if (code !== 0) Deno.exit(code);
}

console.log(`$ flow init ${dir}`);
if ((await main(["init", dir])) !== 0) Deno.exit(2);
Deno.copyFileSync(`${here}flow.yaml`, `${dir}/flow.yaml`);
for (const f of ["grid.yaml", "simulate.awk", "analyze.awk"]) {
  Deno.copyFileSync(`${here}${f}`, `${dir}/${f}`);
}
await flow("job", "create", "--grid", `${dir}/grid.yaml`);
await flow("run", "--pretend", "-o", "pipeline", "-n", "1");
await flow("run", "--parallel", "2", "--progress");
await flow("status", "--detailed", "-p", "T", "seed");
console.log(`\nThe project is in ${dir}; try: deno task flow --project ${dir} status`);
