/**
 * Batch scripts: golden files (tests/scheduler/fixtures/*.sh document the
 * format), `bash -n` on each, and local runs proving the body's behaviour
 * (cd into a hard path, bundles run every command, exit status, arrays).
 *
 * Set FLOW_UPDATE_GOLDEN=1 to rewrite the golden files (then review the diff).
 */
import { assert, assertEquals, assertStringIncludes, assertThrows } from "../_assert.ts";
import { UsageError } from "../../src/errors.ts";
import { withTempDir } from "../_helpers.ts";
import { arrayIndexBase, outputPattern, renderScript } from "../../src/scheduler/script.ts";
import type { SchedulerKind, ScriptSpec } from "../../src/scheduler/types.ts";

const FIXTURES = new URL("./fixtures/", import.meta.url).pathname;
const HARD_PATH = '/tmp/path with spaces and "quotes"';

function spec(overrides: Partial<ScriptSpec> = {}): ScriptSpec {
  return {
    jobName: "flow-0123abcd/ex/a1",
    outputPath: "/p/.flow/submit/%j.out",
    projectRoot: "/p",
    request: { ntasks: 1, cpusPerTask: 1, gpus: 0, nodes: 1 },
    commands: ["flow run -o ex -j a1"],
    parallel: false,
    extraLines: [],
    setup: [],
    ...overrides,
  };
}

const BUNDLE = ["flow run -o ex -j a1", "flow run -o ex -j a2", "flow run -o ex -j a3"];

/** Golden cases: file name → [scheduler, spec]. */
const GOLDEN: Record<string, [SchedulerKind, ScriptSpec]> = {
  "slurm-single.sh": ["slurm", spec({ request: { ntasks: 1, cpusPerTask: 1, gpus: 0, nodes: 1 } })],
  "slurm-serial.sh": [
    "slurm",
    spec({
      jobName: "flow-0123abcd/ex/bundle-5d41402abc4b2a76b9719d911017c592",
      request: {
        ntasks: 1,
        cpusPerTask: 4,
        gpus: 0,
        nodes: 1,
        memoryGB: 1.5,
        walltimeSeconds: 90000,
      },
      partition: "cpu",
      account: "proj-42",
      commands: BUNDLE,
      ompNumThreads: 4,
      extraLines: ["--constraint=skylake", "#SBATCH --mail-type=NONE"],
      setup: ["module load python/3.12"],
    }),
  ],
  "slurm-parallel.sh": [
    "slurm",
    spec({
      request: {
        ntasks: 4,
        cpusPerTask: 2,
        gpus: 2,
        nodes: 2,
        memoryGB: 0.3,
        walltimeSeconds: 5400,
      },
      commands: BUNDLE.slice(0, 2),
      parallel: true,
    }),
  ],
  "slurm-array.sh": [
    "slurm",
    spec({
      outputPath: "/p/.flow/submit/%A_%a.out",
      request: { ntasks: 1, cpusPerTask: 1, gpus: 1, nodes: 1, walltimeSeconds: 59.5 },
      gpuDirective: "gres",
      hold: true,
      after: "41",
      array: { count: 3, limit: 2 },
      commands: BUNDLE,
    }),
  ],
  "slurm-hard-path.sh": [
    "slurm",
    spec({
      projectRoot: HARD_PATH,
      outputPath: `${HARD_PATH}/.flow/submit/%j.out`,
    }),
  ],
  "pbs-serial.sh": [
    "pbs",
    spec({
      outputPath: "/p/.flow/submit/flow.out",
      request: {
        ntasks: 1,
        cpusPerTask: 4,
        gpus: 1,
        nodes: 1,
        memoryGB: 4,
        walltimeSeconds: 93784,
      },
      partition: "workq",
      account: "proj-42",
      commands: BUNDLE.slice(0, 2),
      extraLines: ["-l place=excl"],
    }),
  ],
  "pbs-array.sh": [
    "pbs",
    spec({
      outputPath: "/p/.flow/submit/flow.out",
      request: {
        ntasks: 8,
        cpusPerTask: 1,
        gpus: 0,
        nodes: 2,
        memoryGB: 3,
        walltimeSeconds: 600.2,
      },
      hold: true,
      after: "41.pbs01",
      array: { count: 3 },
      commands: BUNDLE,
    }),
  ],
  "lsf-parallel.sh": [
    "lsf",
    spec({
      outputPath: "/p/.flow/submit/%J.out",
      request: { ntasks: 2, cpusPerTask: 2, gpus: 2, nodes: 1, memoryGB: 2, walltimeSeconds: 5401 },
      partition: "normal",
      account: "proj-42",
      commands: BUNDLE.slice(0, 2),
      parallel: true,
      ompNumThreads: 2,
    }),
  ],
  "lsf-array.sh": [
    "lsf",
    spec({
      outputPath: "/p/.flow/submit/%J_%I.out",
      request: { ntasks: 8, cpusPerTask: 1, gpus: 4, nodes: 2, walltimeSeconds: 30 },
      hold: true,
      after: "41",
      array: { count: 2, limit: 1 },
      commands: BUNDLE.slice(0, 2),
    }),
  ],
  "local-serial.sh": [
    "local",
    spec({
      projectRoot: HARD_PATH,
      commands: BUNDLE,
      extraLines: ["--constraint=ignored"],
      setup: ["export FLOW_X=1"],
      hold: true,
    }),
  ],
};

for (const [file, [kind, s]] of Object.entries(GOLDEN)) {
  Deno.test(`renderScript golden: ${file}`, () => {
    const text = renderScript(kind, s);
    const path = `${FIXTURES}${file}`;
    if (Deno.env.get("FLOW_UPDATE_GOLDEN") === "1") Deno.writeTextFileSync(path, text);
    assertEquals(text, Deno.readTextFileSync(path));
  });
}

Deno.test("renderScript: bash -n accepts every golden script", async () => {
  for (const file of Object.keys(GOLDEN)) {
    const r = await new Deno.Command("bash", {
      args: ["-n", `${FIXTURES}${file}`],
      stderr: "piped",
    })
      .output();
    assertEquals(r.code, 0, `${file}: ${new TextDecoder().decode(r.stderr)}`);
  }
});

async function runScript(path: string, env: Record<string, string> = {}) {
  const r = await new Deno.Command("bash", { args: [path], env, stdout: "piped", stderr: "piped" })
    .output();
  return { code: r.code, stdout: new TextDecoder().decode(r.stdout) };
}

Deno.test("renderScript local: cds into a path with spaces and quotes", async () => {
  await withTempDir(async (tmp) => {
    const root = `${tmp}/path with spaces and "quotes" and 'single' $HOME #x`;
    Deno.mkdirSync(root);
    for (const kind of ["local", "slurm", "pbs", "lsf"] as const) {
      const script = renderScript(kind, spec({ projectRoot: root, commands: ["pwd"] }));
      const path = `${tmp}/${kind}.sh`;
      Deno.writeTextFileSync(path, script);
      const r = await runScript(path);
      assertEquals(r, { code: 0, stdout: `${root}\n` }, kind);
    }
  });
});

Deno.test("renderScript local: a missing project folder stops the script", async () => {
  await withTempDir(async (tmp) => {
    const path = `${tmp}/job.sh`;
    Deno.writeTextFileSync(
      path,
      renderScript("local", spec({ projectRoot: `${tmp}/gone`, commands: ["echo ran"] })),
    );
    const r = await runScript(path);
    assertEquals(r.code, 1);
    assertEquals(r.stdout, "");
  });
});

Deno.test("renderScript: a serial bundle runs all, exits with the last failure", async () => {
  await withTempDir(async (tmp) => {
    const path = `${tmp}/job.sh`;
    const commands = ["echo one", "echo two; exit 3", "false && echo never", "cd /; echo four"];
    Deno.writeTextFileSync(path, renderScript("local", spec({ projectRoot: tmp, commands })));
    assertEquals(await runScript(path), { code: 1, stdout: "one\ntwo\nfour\n" });
    // The status is the last failure's: 3 when the failing "false" comes first.
    const reordered = [commands[2], commands[1], "pwd"];
    Deno.writeTextFileSync(
      path,
      renderScript("local", spec({ projectRoot: tmp, commands: reordered })),
    );
    assertEquals(await runScript(path), { code: 3, stdout: `two\n${tmp}\n` });
    const ok = renderScript("local", spec({ projectRoot: tmp, commands: ["true", "echo x"] }));
    Deno.writeTextFileSync(path, ok);
    assertEquals(await runScript(path), { code: 0, stdout: "x\n" });
  });
});

Deno.test("renderScript: a parallel bundle runs at once, fails if any failed", async () => {
  await withTempDir(async (tmp) => {
    const path = `${tmp}/job.sh`;
    // Each command waits for the other's file: only passes when both run at the same time.
    const commands = [
      "touch a; for i in $(seq 100); do [ -e b ] && break; sleep 0.05; done; [ -e b ]",
      "touch b; for i in $(seq 100); do [ -e a ] && break; sleep 0.05; done; (exit 5)",
    ];
    Deno.writeTextFileSync(
      path,
      renderScript("slurm", spec({ projectRoot: tmp, commands, parallel: true })),
    );
    const r = await runScript(path);
    assertEquals(r.code, 5);
    commands[1] = commands[1].replace("(exit 5)", "true");
    Deno.removeSync(`${tmp}/a`);
    Deno.removeSync(`${tmp}/b`);
    Deno.writeTextFileSync(
      path,
      renderScript("slurm", spec({ projectRoot: tmp, commands, parallel: true })),
    );
    assertEquals((await runScript(path)).code, 0);
  });
});

Deno.test("renderScript: array tasks pick their command by the scheduler's index", async () => {
  await withTempDir(async (tmp) => {
    const commands = ["echo zero", "echo one; exit 4", "echo two"];
    const cases: [SchedulerKind, string][] = [
      ["slurm", "SLURM_ARRAY_TASK_ID"],
      ["pbs", "PBS_ARRAY_INDEX"],
      ["lsf", "LSB_JOBINDEX"],
    ];
    for (const [kind, variable] of cases) {
      const path = `${tmp}/${kind}.sh`;
      Deno.writeTextFileSync(
        path,
        renderScript(kind, spec({ projectRoot: tmp, commands, array: { count: 3 } })),
      );
      const base = arrayIndexBase(kind);
      assertEquals(await runScript(path, { [variable]: String(base) }), {
        code: 0,
        stdout: "zero\n",
      });
      assertEquals(await runScript(path, { [variable]: String(base + 1) }), {
        code: 4,
        stdout: "one\n",
      });
      assertEquals((await runScript(path, { [variable]: String(base + 3) })).code, 2, kind);
    }
    // local has no array: it runs every command.
    const path = `${tmp}/local.sh`;
    Deno.writeTextFileSync(
      path,
      renderScript("local", spec({ projectRoot: tmp, commands, array: { count: 3 } })),
    );
    assertEquals(await runScript(path), { code: 4, stdout: "zero\none\ntwo\n" });
  });
});

Deno.test("renderScript: PBS takes a one-task array as a plain job", () => {
  const text = renderScript("pbs", spec({ array: { count: 1 } }));
  assert(!text.includes("-J "), text);
  assert(!text.includes("PBS_ARRAY_INDEX"), text);
  assertStringIncludes(text, "\nflow run -o ex -j a1\n");
  assertStringIncludes(renderScript("slurm", spec({ array: { count: 1 } })), "--array=0-0\n");
});

Deno.test("renderScript: rounding of memory and wall time", () => {
  const line = (kind: SchedulerKind, memoryGB: number, walltimeSeconds: number, re: RegExp) => {
    const text = renderScript(
      kind,
      spec({
        request: { ntasks: 1, cpusPerTask: 1, gpus: 0, nodes: 1, memoryGB, walltimeSeconds },
      }),
    );
    return text.split("\n").filter((l) => re.test(l));
  };
  assertEquals(line("slurm", 1.1, 1.1 * 3600, /--(mem|time)=/), [
    "#SBATCH --mem=1127M",
    "#SBATCH --time=01:06:00",
  ]);
  assertEquals(line("slurm", 4, 86400, /--(mem|time)=/), [
    "#SBATCH --mem=4096M",
    "#SBATCH --time=1-00:00:00",
  ]);
  assertEquals(line("slurm", 1 / 1024 / 1024, 0.2, /--(mem|time)=/), [
    "#SBATCH --mem=1M",
    "#SBATCH --time=00:00:01",
  ]);
  assertEquals(line("pbs", 0.5, 61, /-l /), [
    "#PBS -l select=1:ncpus=1:mem=512mb",
    "#PBS -l walltime=00:01:01",
  ]);
  assertEquals(line("lsf", 0.5, 61, /-(R|W) /), ['#BSUB -R "rusage[mem=512]"', "#BSUB -W 00:02"]);
  assertEquals(line("lsf", 2, 360000, /-W /), ["#BSUB -W 100:00"]);
});

Deno.test("renderScript: PBS chunks and LSF hosts hold whole tasks", () => {
  // 100 ranks of 3 threads on 3 nodes: 34 tasks (102 cores) per node, not 100 cores of 300 / 3.
  const lines = (kind: SchedulerKind, re: RegExp) =>
    renderScript(kind, spec({ request: { ntasks: 100, cpusPerTask: 3, gpus: 0, nodes: 3 } }))
      .split("\n").filter((l) => re.test(l));
  assertEquals(lines("pbs", /select=/), ["#PBS -l select=3:ncpus=102:mpiprocs=34"]);
  assertEquals(lines("lsf", /-n |span/), ["#BSUB -n 300", '#BSUB -R "span[ptile=102]"']);
  assertEquals(lines("slurm", /nodes|ntasks|cpus-per/), [
    "#SBATCH --nodes=3",
    "#SBATCH --ntasks=100",
    "#SBATCH --cpus-per-task=3",
  ]);
});

Deno.test("renderScript: SLURM GPUs as --gpus (total) or --gres (per node)", () => {
  const gpus = (gpuDirective: "gpus" | "gres" | undefined, nodes: number) =>
    renderScript(
      "slurm",
      spec({ gpuDirective, request: { ntasks: nodes, cpusPerTask: 1, gpus: 4, nodes } }),
    ).split("\n").filter((l) => /gpu/.test(l));
  assertEquals(gpus(undefined, 1), ["#SBATCH --gpus=4"]);
  assertEquals(gpus("gpus", 2), ["#SBATCH --gpus=4"]);
  assertEquals(gpus("gres", 1), ["#SBATCH --gres=gpu:4"]);
  assertEquals(gpus("gres", 3), ["#SBATCH --gres=gpu:2"]);
});

Deno.test("renderScript: inconsistent specs are refused", () => {
  assertThrows(() => renderScript("slurm", spec({ commands: [] })), RangeError, "at least one");
  assertThrows(
    () => renderScript("slurm", spec({ array: { count: 2 } })),
    RangeError,
    "needs 2 commands",
  );
  assertThrows(
    () =>
      renderScript("slurm", spec({ request: { ntasks: 0, cpusPerTask: 1, gpus: 0, nodes: 1 } })),
    RangeError,
    "ntasks",
  );
  assertThrows(
    () => renderScript("slurm", spec({ outputPath: "/p/a\nb" })),
    UsageError, // a project path or an option with a line break: the user's to change
    "line break",
  );
});

Deno.test("outputPattern: a % of the project path is escaped where the scheduler replaces it", () => {
  // SLURM's filename pattern: %% is a literal % (checked with 22.05: %x would become the job name).
  assertEquals(outputPattern("slurm", "/tmp/run%x/p"), "/tmp/run%%x/p/.flow/submit/%j.out");
  assertEquals(outputPattern("slurm", "/p"), "/p/.flow/submit/%j.out");
  // A backslash turns SLURM's replacements off and escapes the next character: doubled, no %j.
  assertEquals(outputPattern("slurm", "/tmp/a%x\\b"), "/tmp/a%x\\\\b/.flow/submit/job.out");
  // LSF replaces %J and %I only and has no escape: other % are literal, those refused.
  assertEquals(outputPattern("lsf", "/tmp/100%/p"), "/tmp/100%/p/.flow/submit/%J.out");
  for (const bad of ["/tmp/a%J", "/tmp/a%Ib"]) {
    assertThrows(() => outputPattern("lsf", bad), UsageError, "has no escape");
  }
  // PBS replaces nothing in -o.
  assertEquals(outputPattern("pbs", "/tmp/run%x"), "/tmp/run%x/.flow/submit/job.out");
  // The header carries it as given (a value with spaces is quoted, % kept).
  const script = renderScript(
    "slurm",
    spec({ outputPath: outputPattern("slurm", "/tmp/run%x 1"), projectRoot: "/tmp/run%x 1" }),
  );
  assertStringIncludes(script, '#SBATCH --output="/tmp/run%%x 1/.flow/submit/%j.out"\n');
  assertStringIncludes(script, "cd -- '/tmp/run%x 1' || exit 1\n");
});
