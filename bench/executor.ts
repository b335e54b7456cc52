/**
 * Executor benchmark: GPU packing makespan against its lower bound, and the
 * dispatch rate of trivial command operations. Reports; never asserts.
 *
 * Run: `deno task bench:executor` (options: `--ops 200`, `--gpus 8`,
 * `--dispatch 1000`, `--dir /tmp`, `--out FILE`).
 *
 * @module
 */

import { parseArgs } from "node:util";
import { Project } from "../src/workspace/project.ts";
import { Registry } from "../src/registry/registry.ts";
import { isFile } from "../src/registry/condition.ts";
import { single } from "../src/registry/aggregate.ts";
import { emptyHooks } from "../src/registry/operation.ts";
import { Template } from "../src/registry/template.ts";
import { Runner } from "../src/executor/run.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    ops: { type: "string", default: "200" },
    gpus: { type: "string", default: "8" },
    dispatch: { type: "string", default: "1000" },
    dir: { type: "string", default: Deno.env.get("TMPDIR") ?? "/tmp" },
    out: { type: "string", default: "" },
  },
});
const CLI = new URL("../cli.ts", import.meta.url).pathname;
const PERMS = [
  "-q",
  "--config",
  new URL("../deno.json", import.meta.url).pathname,
  "--v8-flags=--max-semi-space-size=4",
  "-P=flow",
];
const lines: string[] = [];

// 1. Makespan: operations with ngpu in {1, 2, 4} and fixed-seed durations on G fake GPUs.
{
  const n = Number(values.ops);
  const g = Number(values.gpus);
  const root = Deno.makeTempDirSync({ dir: values.dir, prefix: "flow-bench-gpu-" });
  const project = await Project.init(root);
  let seed = 12345;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  let work = 0;
  let longest = 0;
  for (let i = 0; i < n; i++) {
    const ngpu = [1, 2, 4][Math.floor(rand() * 3)];
    const t = Math.round((0.1 + rand() * 0.9) * 1000) / 1000;
    work += ngpu * t;
    longest = Math.max(longest, t);
    project.openJob({ i, ngpu, t }).initSync();
  }
  const r = new Registry();
  r.addOperation({
    name: "train",
    body: { kind: "command", template: new Template("sleep {job.sp.t} && touch done", "bench") },
    pre: [],
    post: [isFile("done")],
    directives: { ngpu: (job) => Number(job.sp.ngpu) },
    aggregator: single,
    hooks: emptyHooks(),
    inJobDir: true,
  });
  r.validate();
  const jobs = (await project.list()).jobs;
  const gpus = Array.from({ length: g }, (_, i) => String(i));
  const t0 = performance.now();
  const summary = await new Runner({
    project,
    registry: r,
    groups: r.select(),
    jobs,
    parallel: Infinity,
    // Cores are not the bottleneck here: sleep uses none.
    resources: { cpus: 4 * g, cpuSource: "bench", gpus, gpuSource: "bench", vendor: "nvidia" },
  }).run();
  const makespan = (performance.now() - t0) / 1000;
  const bound = Math.max(work / g, longest);
  if (summary.failed.length) throw new Error(`${summary.failed.length} operations failed`);
  lines.push(
    "| what | value |",
    "| --- | ---: |",
    `| operations (ngpu in {1, 2, 4}, 0.1–1 s each, fixed seed) on ${g} fake GPUs | ${n} |`,
    `| lower bound max(Σ ngpu·t / G, max t) | ${bound.toFixed(2)} s |`,
    `| makespan | ${makespan.toFixed(2)} s |`,
    `| makespan / bound | ${(makespan / bound).toFixed(3)} |`,
  );
  Deno.removeSync(root, { recursive: true });
}

// 2. Dispatch: trivial command operations through the real CLI with --parallel.
{
  const n = Number(values.dispatch);
  const root = Deno.makeTempDirSync({ dir: values.dir, prefix: "flow-bench-dispatch-" });
  const project = await Project.init(root);
  for (let i = 0; i < n; i++) project.openJob({ i }).initSync();
  Deno.writeTextFileSync(
    `${root}/flow.yaml`,
    "operations:\n  prep:\n    command: touch a.txt\n    post: [{isfile: a.txt}]\n",
  );
  const run = async (args: string[]) => {
    const t0 = performance.now();
    const r = await new Deno.Command(Deno.execPath(), {
      args: ["run", ...PERMS, CLI, ...args],
      cwd: root,
      stdout: "null",
      stderr: "piped",
    }).output();
    if (r.code !== 0) throw new Error(new TextDecoder().decode(r.stderr));
    return (performance.now() - t0) / 1000;
  };
  // Start-up, loading and one evaluation of every job, without running anything.
  const startup = await run(["next", "prep"]);
  const total = await run(["run", "-o", "prep", "--parallel"]);
  const rate = n / (total - startup);
  lines.push(
    `| trivial command operations (\`touch a.txt\`), \`flow run -o prep --parallel\` | ${n} |`,
    `| wall time incl. start-up and evaluation (flow next prep: ${startup.toFixed(2)} s) | ${
      total.toFixed(2)
    } s |`,
    `| dispatch rate net of start-up | ${rate.toFixed(0)} operations/s |`,
    `| overhead per operation | ${(1000 / rate).toFixed(2)} ms |`,
  );
  Deno.removeSync(root, { recursive: true });
}

const table = lines.join("\n");
console.log(table);
if (values.out) Deno.writeTextFileSync(values.out, table + "\n");
