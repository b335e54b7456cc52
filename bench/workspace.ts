/**
 * Workspace benchmark: create, list (cold and warm), and query 10,000 and
 * 100,000 jobs. Reports medians; never asserts times.
 *
 * Run: `deno task bench` (add `--sizes 1000,10000` to choose sizes,
 * `--runs 5` for the number of repetitions, `--dir /dev/shm` for the folder).
 *
 * @module
 */

import { parseArgs } from "node:util";
import { Project } from "../mod.ts";
import { INDEX_FILE, SETTLE_MS } from "../src/workspace/index.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    sizes: { type: "string", default: "10000,100000" },
    runs: { type: "string", default: "5" },
    dir: { type: "string", default: Deno.env.get("TMPDIR") ?? "/tmp" },
    out: { type: "string", default: "" },
  },
});
const sizes = values.sizes!.split(",").map(Number);
const runs = Number(values.runs);
const CLI = new URL("../cli.ts", import.meta.url).pathname;
const PERMS = [
  "-q",
  "--config",
  new URL("../deno.json", import.meta.url).pathname,
  "--v8-flags=--max-semi-space-size=4",
  "-P=flow",
];

interface Row {
  n: number;
  what: string;
  times: number[];
  rssMb?: number;
}

function stats(times: number[]): { median: number; min: number; max: number } {
  const s = [...times].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)], min: s[0], max: s[s.length - 1] };
}

async function timeCli(args: string[], cwd: string): Promise<{ ms: number; rssMb: number }> {
  // GNU time reports the peak RSS of the whole process.
  const t0 = performance.now();
  const r = await new Deno.Command("/usr/bin/env", {
    args: ["time", "-f", "%M", Deno.execPath(), "run", "--quiet", ...PERMS, CLI, ...args],
    cwd,
    stdout: "null",
    stderr: "piped",
  }).output().catch(() => undefined);
  const ms = performance.now() - t0;
  if (!r || r.code !== 0) {
    const t1 = performance.now();
    const plain = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--quiet", ...PERMS, CLI, ...args],
      cwd,
      stdout: "null",
      stderr: "inherit",
    }).output();
    if (plain.code !== 0) throw new Error(`flow ${args.join(" ")} failed`);
    return { ms: performance.now() - t1, rssMb: NaN };
  }
  const lines = new TextDecoder().decode(r.stderr).trim().split("\n");
  return { ms, rssMb: Number(lines[lines.length - 1]) / 1024 };
}

const rows: Row[] = [];
for (const n of sizes) {
  const root = Deno.makeTempDirSync({ dir: values.dir, prefix: `flow-bench-${n}-` });
  try {
    const project = await Project.init(root);
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      project.openJob({ T: 1 + (i % 100) / 10, seed: i, p: `s${i % 7}` }).initSync();
    }
    rows.push({ n, what: "create jobs (API, in-process)", times: [performance.now() - t0] });
    console.error(`created ${n} jobs in ${root}`);

    // Real projects are listed seconds after their last change, not within the same second.
    await new Promise((r) => setTimeout(r, SETTLE_MS + 500));
    const cold: number[] = [];
    const changed: number[] = [];
    const warm: number[] = [];
    for (let r = 0; r < runs; r++) {
      try {
        Deno.removeSync(`${root}/${INDEX_FILE}`);
      } catch { /* no index yet */ }
      let t = performance.now();
      const a = project.listSync();
      cold.push(performance.now() - t);
      // Touching the workspace folder forces a folder listing; state points come from the index.
      const now = new Date();
      Deno.utimeSync(project.workspace, now, new Date(now.getTime() - 10_000));
      t = performance.now();
      const b = project.listSync();
      changed.push(performance.now() - t);
      t = performance.now();
      const c = project.listSync();
      warm.push(performance.now() - t);
      if (a.jobs.length !== n || b.jobs.length !== n || c.jobs.length !== n) {
        throw new Error("lost jobs");
      }
    }
    rows.push({ n, what: "list ids + state points, no index: every file read (API)", times: cold });
    rows.push({
      n,
      what: "list after the workspace changed: folder read, index (API)",
      times: changed,
    });
    rows.push({ n, what: "list ids + state points, warm index (API)", times: warm });
    const sp = performance.now();
    for (const job of project.listSync().jobs) if (job.sp.seed === -1) throw new Error();
    rows.push({
      n,
      what: "list + parse every state point, warm (API)",
      times: [performance.now() - sp],
    });

    for (
      const [what, args] of [
        ["`flow find` (all ids, CLI incl. start-up)", ["find"]],
        ['`flow find \'{"T": {"$gte": 5}, "p": "s3"}\'` (CLI)', [
          "find",
          '{"T": {"$gte": 5}, "p": "s3"}',
        ]],
      ] as [string, string[]][]
    ) {
      const times: number[] = [];
      let rss = 0;
      for (let r = 0; r < runs; r++) {
        const m = await timeCli(args, root);
        times.push(m.ms);
        rss = Math.max(rss, m.rssMb);
      }
      rows.push({ n, what, times, rssMb: rss });
    }
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
}

const header =
  "| jobs | what | median | min | max | peak RSS |\n| ---: | --- | ---: | ---: | ---: | ---: |";
const body = rows.map((r) => {
  const s = stats(r.times);
  const f = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);
  const rss = r.rssMb === undefined || Number.isNaN(r.rssMb) ? "" : `${r.rssMb.toFixed(0)} MB`;
  return `| ${r.n.toLocaleString("en")} | ${r.what} | ${f(s.median)} | ${f(s.min)} | ${
    f(s.max)
  } | ${rss} |`;
});
const table = [header, ...body].join("\n");
console.log(table);
if (values.out) Deno.writeTextFileSync(values.out, table + "\n");
