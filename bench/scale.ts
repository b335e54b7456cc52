/**
 * Speed at scale (issue 7): the workload of the issue at 1,000, 10,000 and
 * 100,000 jobs, every command run through the real CLI under the binary's
 * flags, medians of 5 with min, max and peak memory, compared against the
 * targets. Writes a Markdown table and a scaling plot (SVG). Never asserts
 * times: these machines are shared and noisy.
 *
 * Run: `deno task bench:scale` (`--sizes 1000,10000` to choose sizes, `--runs
 * 5`, `--dir /mnt/ram` for the folder: use a tmpfs, as the signac-flow
 * figures were taken; not /dev/shm, where Deno requires --allow-all).
 *
 * The workload: state points {T: float, seed: int, p: string}; `prep` (post
 * isfile a.txt), `compute` (after prep, post isfile b.txt, np 2), `analyze`
 * (after compute, post doc done, ngpu 1); group `pipeline` = prep + compute
 * with np 4 on compute. Measured with nothing done, and with a third of the
 * jobs past prep.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { Project } from "../mod.ts";
import { SETTLE_MS } from "../src/workspace/index.ts";
import { vega, vegaLite } from "./deps.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    sizes: { type: "string", default: "1000,10000,100000" },
    runs: { type: "string", default: "5" },
    dir: { type: "string", default: "" },
    out: { type: "string", default: new URL("./results/scale.md", import.meta.url).pathname },
    svg: { type: "string", default: new URL("./results/scale.svg", import.meta.url).pathname },
  },
});
const sizes = values.sizes!.split(",").map(Number);
const runs = Number(values.runs);
// Not /dev/shm: Deno asks for --allow-all to touch anything under /dev.
const dir = values.dir || Deno.env.get("TMPDIR") || "/tmp";
const CLI = new URL("../cli.ts", import.meta.url).pathname;
const MOD = new URL("../mod.ts", import.meta.url).href;
/** Exactly the flags of `deno task flow` and of the compiled binary. */
const FLAGS = [
  "-q",
  "--config",
  new URL("../deno.json", import.meta.url).pathname,
  "--v8-flags=--max-semi-space-size=4",
  "-P=flow",
];
/** How users run a TypeScript workflow. */
const TS_FLAGS = ["-q", "-A", "--unstable-worker-options", "--v8-flags=--max-semi-space-size=4"];

const FLOW_YAML = `operations:
  prep:
    command: touch a.txt
    post: [{ isfile: a.txt }]
  compute:
    command: touch b.txt
    pre: [{ after: [prep] }]
    post: [{ isfile: b.txt }]
    directives: { np: 2 }
  analyze:
    command: "true"
    pre: [{ after: [compute] }]
    post: [{ doc: done }]
    directives: { ngpu: 1 }
groups:
  pipeline:
    operations:
      prep: {}
      compute: { directives: { np: 4 } }
`;

const PROJECT_TS = `import { FlowProject } from "${MOD}";
const project = new FlowProject({ root: import.meta.dirname });
// Trivial function operations: no conditions, so every job is eligible.
project.operation("noop_in_process", () => {}, { sandbox: false });
project.operation("noop_sandboxed", () => {});
if (import.meta.main) await project.main();
`;

interface Measure {
  ms: number;
  rssMb: number;
}

/** Runs a command under GNU time for its wall time and peak RSS. */
async function timed(args: string[], cwd: string): Promise<Measure> {
  const t0 = performance.now();
  const r = await new Deno.Command("/usr/bin/time", {
    args: ["-f", "%M", Deno.execPath(), "run", ...args],
    cwd,
    stdout: "null",
    stderr: "piped",
  }).output();
  const ms = performance.now() - t0;
  const err = new TextDecoder().decode(r.stderr).trim().split("\n");
  if (r.code !== 0) throw new Error(`deno run ${args.join(" ")} failed:\n${err.join("\n")}`);
  return { ms, rssMb: Number(err[err.length - 1]) / 1024 };
}

const flow = (args: string[], cwd: string) => timed([...FLAGS, CLI, ...args], cwd);
const projectTs = (args: string[], cwd: string) =>
  timed([...TS_FLAGS, `${cwd}/project.ts`, ...args], cwd);

interface Row {
  n: number;
  state: string;
  what: string;
  /** Times in ms (or per-operation ms / rates, see unit). */
  values: number[];
  unit: "s" | "ms/op" | "ops/s";
  rssMb: number;
  target?: string;
  met?: boolean;
}

const rows: Row[] = [];

function stats(v: number[]) {
  const s = [...v].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)], min: s[0], max: s[s.length - 1] };
}

/** Issue 7's targets: [10,000 jobs, 100,000 jobs] in seconds. */
const TARGETS: Record<string, [number, number]> = {
  "status (first run, no .flow caches)": [Infinity, 2],
  "status": [0.25, 1],
  "status --detailed": [0.4, 4],
  "submit --pretend -o compute --bundle 10": [0.5, 5],
};
const MEMORY_TARGETS: [number, number] = [100, 250];

async function measure(
  n: number,
  state: string,
  what: string,
  once: () => Promise<Measure>,
  before?: () => void,
): Promise<void> {
  const ms: number[] = [];
  let rss = 0;
  for (let i = 0; i < runs; i++) {
    before?.();
    const m = await once();
    ms.push(m.ms / 1000);
    rss = Math.max(rss, m.rssMb);
  }
  const row: Row = { n, state, what, values: ms, unit: "s", rssMb: rss };
  const t = TARGETS[what];
  const limit = t && (n === 10_000 ? t[0] : n === 100_000 ? t[1] : undefined);
  if (limit !== undefined && Number.isFinite(limit)) {
    const memLimit = what.startsWith("status") && what !== "status --detailed"
      ? (n === 10_000 ? MEMORY_TARGETS[0] : MEMORY_TARGETS[1])
      : Infinity;
    row.target = `≤ ${limit} s` + (Number.isFinite(memLimit) ? `, ≤ ${memLimit} MB` : "");
    row.met = stats(ms).median <= limit && rss <= memLimit;
  }
  rows.push(row);
  const s = stats(ms);
  console.error(
    `${n} ${state} ${what}: median ${s.median.toFixed(3)} s (min ${s.min.toFixed(3)}, max ${
      s.max.toFixed(3)
    }), peak ${rss.toFixed(0)} MB`,
  );
}

const settle = () => new Promise((r) => setTimeout(r, SETTLE_MS + 300));

/**
 * The host's speed at what the commands spend their time on (start-up, file
 * system calls under the binary's permissions, program starts), printed with
 * the table: the same code measures up to twice as slow on a slower draw of
 * a shared VM.
 */
async function hostProbe(): Promise<string> {
  const starts: number[] = [];
  for (let i = 0; i < 5; i++) starts.push((await flow(["--version"], dir)).ms);
  const probe = new URL("./_host_probe.ts", import.meta.url).pathname;
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...FLAGS, probe, dir],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  const fs = JSON.parse(new TextDecoder().decode(r.stdout)) as Record<string, number>;
  const t0 = performance.now();
  await new Deno.Command("bash", {
    args: ["-c", "for i in $(seq 200); do /bin/true; done"],
  }).output();
  const trueMs = (performance.now() - t0) / 200;
  const f = await floors();
  return `Host: \`flow --version\` ${stats(starts).median.toFixed(0)} ms; under the binary's ` +
    `permissions one small-file read ${fs.readUs} µs, one \`lstat\` ${fs.lstatUs} µs, one job ` +
    `folder listing ${fs.listUs} µs; one program start (\`/bin/true\` from bash) ` +
    `${trueMs.toFixed(2)} ms; touching one new page of memory ${fs.pageUs} µs.\n\n` +
    `Floors (measured without flow's code): \`deno run\` of an empty script ` +
    `${f.emptyMs.toFixed(0)} ms, ${f.libsMs.toFixed(0)} ms of one that loads only the CLI's ` +
    `libraries as \`status\` does (src/cli/deps.ts: commander, an ES module that imports Node's ` +
    `fs; then text-table and cli-progress's formatter, CommonJS, for which Deno sets up its ` +
    `CommonJS loader); programs started from Deno, two at a time, output ` +
    `piped: \`/bin/true\` ${f.spawnsPerS.toFixed(0)} per second, \`bash -c true\` (a command ` +
    `operation's shell) ${f.shellsPerS.toFixed(0)} per second; an empty Worker ` +
    `${f.workerMs.toFixed(1)} ms (a permission-scoped operation needs one of its own).`;
}

/**
 * Lower bounds of the targets on this host, measured without flow's code:
 * start-up (a bare script, and one that loads only the CLI's libraries),
 * command operations (starting a program, or a shell, that does nothing) and
 * permission-scoped operations (starting a Worker that does nothing).
 */
async function floors(): Promise<
  { emptyMs: number; libsMs: number; spawnsPerS: number; shellsPerS: number; workerMs: number }
> {
  const tmp = Deno.makeTempDirSync({ dir, prefix: "flow-floors-" });
  try {
    const empty = `${tmp}/empty.ts`;
    const libs = `${tmp}/libs.ts`;
    const worker = `${tmp}/worker.ts`;
    Deno.writeTextFileSync(empty, "export {};\n");
    Deno.writeTextFileSync(
      libs,
      `import { loadTableLayout } from ${
        JSON.stringify(new URL("../src/cli/deps.ts", import.meta.url).href)
      };\nawait loadTableLayout();\n`,
    );
    Deno.writeTextFileSync(worker, "self.postMessage(1);\n");
    const start = async (file: string) => {
      const ms: number[] = [];
      for (let i = 0; i < 6; i++) ms.push((await timed([...FLAGS, file], tmp)).ms);
      return stats(ms.slice(1)).median;
    };
    const emptyMs = await start(empty);
    const libsMs = await start(libs);
    const rate = async (program: string, args: string[]) => {
      const N = 400;
      let next = 0;
      const loop = async () => {
        while (next++ < N) {
          await new Deno.Command(program, { args, stdout: "piped", stderr: "piped" }).output();
        }
      };
      const t0 = performance.now();
      await Promise.all([loop(), loop()]);
      return N / ((performance.now() - t0) / 1000);
    };
    const spawnsPerS = await rate("/bin/true", []);
    const shellsPerS = await rate("bash", ["-c", "true"]);
    const once = async () => {
      const w = new Worker(new URL(`file://${worker}`).href, { type: "module" });
      await new Promise((r) => w.onmessage = r);
      w.terminate();
    };
    for (let i = 0; i < 3; i++) await once();
    const t1 = performance.now();
    for (let i = 0; i < 20; i++) await once();
    const workerMs = (performance.now() - t1) / 20;
    return { emptyMs, libsMs, spawnsPerS, shellsPerS, workerMs };
  } finally {
    Deno.removeSync(tmp, { recursive: true });
  }
}
const host = await hostProbe();
console.error(host);

for (const n of sizes) {
  const root = Deno.makeTempDirSync({ dir, prefix: `flow-scale-${n}-` });
  try {
    const project = await Project.init(root);
    Deno.writeTextFileSync(`${root}/flow.yaml`, FLOW_YAML);
    Deno.writeTextFileSync(`${root}/project.ts`, PROJECT_TS);
    const jobs = [];
    for (let i = 0; i < n; i++) {
      jobs.push(project.openJob({ T: 1 + (i % 100) / 10, seed: i, p: `s${i % 7}` }).initSync());
    }
    console.error(`created ${n} jobs in ${root}`);
    const dropCaches = () => Deno.removeSync(`${root}/.flow`, { recursive: true });

    for (const state of ["nothing done", "a third past prep"]) {
      if (state !== "nothing done") {
        for (let i = 0; i < n; i += 3) Deno.writeTextFileSync(jobs[i].fn("a.txt"), "");
      }
      // Measured seconds after the last change, as real projects are.
      await settle();
      await measure(
        n,
        state,
        "status (first run, no .flow caches)",
        () => flow(["status"], root),
        () => {
          try {
            dropCaches();
          } catch {
            // none yet
          }
        },
      );
      await flow(["status"], root); // the caches of a first run, settled
      await measure(n, state, "status", () => flow(["status"], root));
      await measure(n, state, "status --detailed", () => flow(["status", "--detailed"], root));
      await measure(
        n,
        state,
        "submit --pretend -o compute --bundle 10",
        () => flow(["submit", "--pretend", "-o", "compute", "--bundle", "10"], root),
      );
    }

    // Operations (changes the workspace: last).
    const eligible = n - Math.ceil(n / 3); // a third is past prep
    const k = Math.min(eligible, 2000);
    const startup = await flow(["next", "prep"], root);
    const run = await flow(["run", "-o", "prep", "--parallel", "-n", String(k)], root);
    rows.push({
      n,
      state: "two thirds eligible",
      what: `run -o prep --parallel (${k} command operations)`,
      values: [k / ((run.ms - startup.ms) / 1000)],
      unit: "ops/s",
      rssMb: run.rssMb,
      target: "≥ 500 ops/s",
      met: k / ((run.ms - startup.ms) / 1000) >= 500,
    });
    for (
      const [name, count, limit] of [["noop_in_process", n, 0.1], [
        "noop_sandboxed",
        Math.min(n, 5000),
        25,
      ]] as const
    ) {
      // In-process operations are fast enough for the start-up's noise to show: three rounds
      // (the operations have no postconditions, so every round runs the same ones).
      const values: number[] = [];
      let rssMb = 0;
      for (let round = 0; round < (name === "noop_in_process" ? 3 : 1); round++) {
        const one = await projectTs(["run", "-o", name, "-n", "1"], root);
        const all = await projectTs(["run", "-o", name, "-n", String(count)], root);
        values.push((all.ms - one.ms) / (count - 1));
        rssMb = Math.max(rssMb, all.rssMb);
      }
      const perOp = stats(values).median;
      rows.push({
        n,
        state: "all eligible",
        what: `run of ${count} trivial TS function operations, ${
          name === "noop_in_process" ? "in-process (sandbox: false)" : "permission-scoped (default)"
        }, net of start-up`,
        values,
        unit: "ms/op",
        rssMb,
        target: `≤ ${limit} ms/op`,
        met: perOp <= limit,
      });
      console.error(`${n} ${name}: ${perOp.toFixed(3)} ms per operation`);
    }
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
}

// ---------------------------------------------------------------------------
// Report

const cpu = (() => {
  try {
    const info = Deno.readTextFileSync("/proc/cpuinfo");
    return info.match(/model name\s*:\s*(.*)/)?.[1] ?? "unknown CPU";
  } catch {
    return "unknown CPU";
  }
})();
const fmt = (v: number, unit: Row["unit"]) =>
  unit === "s" ? `${v.toFixed(3)} s` : unit === "ms/op" ? `${v.toFixed(3)} ms` : `${v.toFixed(0)}`;
const lines = [
  `Measured ${
    new Date().toISOString().slice(0, 10)
  } on ${navigator.hardwareConcurrency} cores (${cpu}), ` +
  `Deno ${Deno.version.deno}, workspace on ${dir}; ${runs} runs per command (command and permission-scoped operations: one run; in-process operations: three).`,
  "",
  host,
  "",
  "| jobs | state | command | median | min | max | peak RSS | target | met |",
  "| ---: | --- | --- | ---: | ---: | ---: | ---: | --- | --- |",
];
for (const r of rows) {
  const s = stats(r.values);
  const multi = r.values.length > 1;
  lines.push(
    `| ${r.n.toLocaleString("en-US")} | ${r.state} | \`${r.what}\` | ${fmt(s.median, r.unit)}${
      r.unit === "ops/s" ? " ops/s" : ""
    } | ${multi ? fmt(s.min, r.unit) : ""} | ${multi ? fmt(s.max, r.unit) : ""} | ${
      r.rssMb.toFixed(0)
    } MB | ${r.target ?? ""} | ${r.met === undefined ? "" : r.met ? "yes" : "**no**"} |`,
  );
}
const table = lines.join("\n");
console.log(table);
if (values.out) Deno.writeTextFileSync(values.out, table + "\n");

// The scaling plot: median time against the number of jobs, one line per command.
const points = rows.filter((r) => r.unit === "s").map((r) => ({
  jobs: r.n,
  seconds: stats(r.values).median,
  command: `${r.what} (${r.state})`,
}));
const spec = vegaLite.compile({
  $schema: "https://vega.github.io/schema/vega-lite/v6.json",
  title: "flow: median wall time (incl. start-up) against the number of jobs",
  width: 560,
  height: 360,
  data: { values: points },
  mark: { type: "line", point: true },
  encoding: {
    x: { field: "jobs", type: "quantitative", scale: { type: "log" }, title: "jobs" },
    y: { field: "seconds", type: "quantitative", scale: { type: "log" }, title: "seconds" },
    color: { field: "command", type: "nominal", legend: { orient: "bottom", columns: 1 } },
  },
}).spec;
const svg = await new vega.View(vega.parse(spec), { renderer: "none" }).toSVG();
if (values.svg) Deno.writeTextFileSync(values.svg, svg);
