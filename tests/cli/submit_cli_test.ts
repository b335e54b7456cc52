/**
 * `flow submit` on the command line, without a batch system: stray words
 * before `--`, --array and its companions, --after, a project path with `%`,
 * and the `local` fallback (no sbatch, qsub or bsub on PATH), which runs
 * each script here with bash to the end and writes its output to a file.
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../_assert.ts";
import { exists, flow, withTempDir } from "../_helpers.ts";

const FAKE_BIN = new URL("../scheduler/fixtures/bin", import.meta.url).pathname;
const CLIENTS = ["sbatch", "squeue", "scancel", "qsub", "qstat", "qdel", "bsub", "bjobs", "bkill"];

const WORKFLOW = `
operations:
  simulate:
    command: 'echo "simulating {job.id}"; echo "to stderr" >&2; touch done.txt'
    post: [{isfile: done.txt}]
    directives: {np: 2, walltime: "00:10:00"}
`;

/** A project with `simulate` eligible on three jobs; returns its folder. */
async function project(dir: string, workflow = WORKFLOW): Promise<string> {
  const init = await flow(["init", dir]);
  assertEquals(init.code, 0, init.stderr);
  Deno.writeTextFileSync(`${dir}/flow.yaml`, workflow);
  const r = await flow(["job", "create", '{"i": 1}', '{"i": 2}', '{"i": 3}'], { cwd: dir });
  assertEquals(r.code, 0, r.stderr);
  return dir;
}

/** The fake scheduler clients first on PATH, recording their arguments in `log`. */
function fakeEnv(log: string): Record<string, string> {
  Deno.mkdirSync(log, { recursive: true });
  return { PATH: `${FAKE_BIN}:/usr/bin:/bin`, FAKE_LOG: log };
}

/** `/usr/bin` and `/bin` as a folder of links without any scheduler client. */
function systemBin(dir: string): string {
  const sys = `${dir}/sys`;
  Deno.mkdirSync(sys, { recursive: true });
  for (const from of ["/usr/bin", "/bin"]) {
    for (const entry of Deno.readDirSync(from)) {
      if (CLIENTS.includes(entry.name) || exists(`${sys}/${entry.name}`)) continue;
      Deno.symlinkSync(`${from}/${entry.name}`, `${sys}/${entry.name}`);
    }
  }
  return sys;
}

Deno.test("submit: words before -- are a usage error (with a hint for an operation name); after -- they go to sbatch", async () => {
  await withTempDir(async (tmp) => {
    const dir = await project(`${tmp}/p`);
    const log = `${tmp}/log`;
    const env = fakeEnv(log);
    // The slip: 'flow submit simulate' for 'flow submit -o simulate'. Nothing reaches sbatch.
    const slip = await flow(["submit", "--cluster", "slurm", "simulate"], { cwd: dir, env });
    assertEquals(slip.code, 2, slip.stderr);
    assertEquals(slip.stdout, "");
    assertMatch(
      slip.stderr,
      /^flow: error: unexpected argument 'simulate' \(did you mean -o simulate\?\)/,
    );
    assertStringIncludes(slip.stderr, "go after --");
    assertEquals(exists(`${log}/sbatch.argv`), false, "sbatch was called");
    // A word that names nothing: the same error, no hint.
    const other = await flow(
      ["submit", "--pretend", "--cluster", "slurm", "qos=debug", "--", "-x"],
      {
        cwd: dir,
        env,
      },
    );
    assertEquals(other.code, 2, other.stderr);
    assertStringIncludes(other.stderr, "unexpected argument 'qos=debug':");
    assert(!other.stderr.includes("did you mean"), other.stderr);
    // An option's value is no stray word, even when it is '--'-like or a name.
    const value = await flow(
      ["submit", "--pretend", "--cluster", "slurm", "--account", "simulate", "-n", "1"],
      { cwd: dir, env },
    );
    assertEquals(value.code, 0, value.stderr);
    assertStringIncludes(value.stdout, "#SBATCH --account=simulate");
    // After --, every word is the submit program's, whatever it looks like.
    for (const args of [["--", "--qos=debug"], ["-n", "1", "--", "--qos=debug"]]) {
      const ok = await flow(["submit", "--pretend", "--cluster", "slurm", "-n", "1", ...args], {
        cwd: dir,
        env,
      });
      assertEquals(ok.code, 0, ok.stderr);
      assertStringIncludes(ok.stdout, "# Submit command: sbatch --parsable --qos=debug SCRIPT");
    }
    const global = await flow(
      ["--project", dir, "submit", "--pretend", "--cluster", "slurm", "-n", "1", "--", "simulate"],
      { env },
    );
    assertEquals(global.code, 0, global.stderr);
    assertStringIncludes(global.stdout, "# Submit command: sbatch --parsable simulate SCRIPT");
  });
});

Deno.test("submit --array: without --bundle one array per group; --array-limit needs --array; --parallel is refused with it", async () => {
  await withTempDir(async (tmp) => {
    const dir = await project(`${tmp}/p`);
    const env = fakeEnv(`${tmp}/log`);
    const arr = await flow(
      [
        "submit",
        "--pretend",
        "--cluster",
        "slurm",
        "-o",
        "simulate",
        "--array",
        "--array-limit",
        "2",
      ],
      { cwd: dir, env },
    );
    assertEquals(arr.code, 0, arr.stderr);
    assertEquals(arr.stdout.match(/^#!\/bin\/bash$/gm)?.length, 1, arr.stdout);
    assertStringIncludes(arr.stdout, "#SBATCH --array=0-2%2\n");
    assertStringIncludes(arr.stdout, "#SBATCH --cpus-per-task=2\n"); // one pair's request
    // With --bundle, each bundle is an array (two here: 2 + 1 pairs, the last a plain job).
    const bundled = await flow(
      ["submit", "--pretend", "--cluster", "slurm", "--array", "--bundle", "2"],
      { cwd: dir, env },
    );
    assertEquals(bundled.code, 0, bundled.stderr);
    assertEquals(bundled.stdout.match(/^#!\/bin\/bash$/gm)?.length, 2);
    assertEquals(bundled.stdout.match(/#SBATCH --array=0-1\n/g)?.length, 1);
    const limit = await flow(["submit", "--pretend", "--cluster", "slurm", "--array-limit", "2"], {
      cwd: dir,
      env,
    });
    assertEquals(limit.code, 2, limit.stderr);
    assertStringIncludes(limit.stderr, "--array-limit needs --array");
    const par = await flow(
      ["submit", "--pretend", "--cluster", "slurm", "--array", "--parallel", "--bundle", "3"],
      { cwd: dir, env },
    );
    assertEquals(par.code, 2, par.stderr);
    assertStringIncludes(par.stderr, "--parallel and --array do not go together");
    // --parallel without --bundle does nothing: accepted, as in signac-flow, with a warning.
    const alone = await flow(
      ["submit", "--pretend", "--cluster", "slurm", "--parallel", "-n", "1"],
      {
        cwd: dir,
        env,
      },
    );
    assertEquals(alone.code, 0, alone.stderr);
    assertStringIncludes(alone.stderr, "warning: --parallel has no effect without --bundle");
  });
});

Deno.test("submit --after: only a job id of the scheduler, else exit 2", async () => {
  await withTempDir(async (tmp) => {
    const dir = await project(`${tmp}/p`);
    const env = fakeEnv(`${tmp}/log`);
    const base = ["submit", "--pretend", "-n", "1", "--after"];
    for (const bad of ["", "a b", "1:2", "12.server", "$(reboot)"]) {
      const r = await flow([...base, bad, "--cluster", "slurm"], { cwd: dir, env });
      assertEquals(r.code, 2, `${JSON.stringify(bad)}: ${r.stderr}`);
      assertStringIncludes(r.stderr, `--after: ${JSON.stringify(bad)} is not a SLURM job id`);
      assertEquals(r.stdout, "");
    }
    const slurm = await flow([...base, "1234_5", "--cluster", "slurm"], { cwd: dir, env });
    assertEquals(slurm.code, 0, slurm.stderr);
    assertStringIncludes(slurm.stdout, "#SBATCH --dependency=afterok:1234_5\n");
    const pbs = await flow([...base, "1234.pbs01", "--cluster", "pbs"], { cwd: dir, env });
    assertEquals(pbs.code, 0, pbs.stderr);
    assertStringIncludes(pbs.stdout, "#PBS -W depend=afterok:1234.pbs01\n");
    const lsf = await flow([...base, "1234.pbs01", "--cluster", "lsf"], { cwd: dir, env });
    assertEquals(lsf.code, 2, lsf.stderr);
    assertStringIncludes(lsf.stderr, "is not an LSF job id");
  });
});

Deno.test("submit: a % in the project path is escaped in SLURM's --output; LSF refuses %J", async () => {
  await withTempDir(async (tmp) => {
    const dir = await project(`${tmp}/run%x/p`);
    const env = fakeEnv(`${tmp}/log`);
    const r = await flow(["submit", "--pretend", "--cluster", "slurm", "-n", "1"], {
      cwd: dir,
      env,
    });
    assertEquals(r.code, 0, r.stderr);
    assertStringIncludes(r.stdout, `#SBATCH --output=${tmp}/run%%x/p/.flow/submit/%j.out\n`);
    assertStringIncludes(r.stdout, `cd -- ${tmp}/run%x/p || exit 1\n`);
    const lsfDir = await project(`${tmp}/run%J/p`);
    const lsf = await flow(["submit", "--pretend", "--cluster", "lsf", "-n", "1"], {
      cwd: lsfDir,
      env,
    });
    assertEquals(lsf.code, 2, lsf.stderr);
    assertStringIncludes(lsf.stderr, "LSF replaces");
  });
});

Deno.test("submit with no batch system: says so, runs each script here to the end (past FLOW_SCHEDULER_TIMEOUT), output in .flow/submit/<name>.out", async () => {
  await withTempDir(async (tmp) => {
    const dir = await project(
      `${tmp}/p`,
      WORKFLOW.replace('echo "simulating', 'sleep 2; echo "simulating'),
    );
    const env = { PATH: systemBin(tmp), FLOW_SCHEDULER_TIMEOUT: "1" };
    const r = await flow(["submit", "-n", "1"], { cwd: dir, env });
    assertEquals(r.code, 0, r.stderr);
    const lines = r.stderr.trim().split("\n");
    assertMatch(
      lines[0],
      /^note: no batch system client \(sbatch, qsub, bsub\) on PATH: the scripts run here, on this node, with bash/,
    );
    const [name, group, id] = r.stdout.trim().split("\t");
    assertEquals(group, "simulate");
    const out = `${dir}/.flow/submit/${name}.out`;
    assertStringIncludes(lines[1], `here with bash: done; output in ${out}`);
    assert(exists(`${dir}/.flow/submit/${name}.sh`));
    const text = Deno.readTextFileSync(out);
    assertStringIncludes(text, `simulating ${id}`);
    assertStringIncludes(text, "to stderr");
    assert(exists(`${dir}/workspace/${id}/done.txt`), "the work did not finish");
    // --pretend says what would happen.
    const pretend = await flow(["submit", "--pretend"], { cwd: dir, env });
    assertEquals(pretend.code, 0, pretend.stderr);
    assertStringIncludes(pretend.stderr, "the scripts would run here");
    // Asked for: no note. A failing script: exit 1, its output named, the others still run.
    Deno.writeTextFileSync(
      `${dir}/flow.yaml`,
      WORKFLOW.replace("touch done.txt", "touch done.txt; exit 3"),
    );
    const local = await flow(["submit", "--cluster", "local"], { cwd: dir, env });
    assertEquals(local.code, 1, local.stderr);
    assert(!local.stderr.includes("note:"), local.stderr);
    assertEquals(local.stdout.trim().split("\n").length, 2);
    assertStringIncludes(local.stderr, "failed (exit code 1); output in ");
    assertStringIncludes(local.stderr, "flow: error: 2 of 2 script(s) run here with bash failed");
  });
});

Deno.test("submit: ranks are laid out on nodes as whole tasks, and a task wider than a node is refused", async () => {
  await withTempDir(async (tmp) => {
    const dir = await project(
      `${tmp}/p`,
      `
operations:
  wide: {command: x, directives: {nranks: 3, omp_num_threads: 40}}
  huge: {command: x, directives: {nranks: 2, omp_num_threads: 100}}
clusters:
  mc:
    scheduler: slurm
    partitions:
      cpu: {cpusPerNode: 64, gpusPerNode: 0, maxNodes: 8, default: true}
`,
    );
    const env = fakeEnv(`${tmp}/log`);
    // One 40-core task fits on a 64-core node: 3 nodes, not ⌈120 / 64⌉ = 2.
    const wide = await flow(["submit", "--pretend", "--cluster", "mc", "-o", "wide", "-n", "1"], {
      cwd: dir,
      env,
    });
    assertEquals(wide.code, 0, wide.stderr);
    assertStringIncludes(wide.stdout, "#SBATCH --nodes=3\n#SBATCH --ntasks=3\n");
    const huge = await flow(["submit", "--pretend", "--cluster", "mc", "-o", "huge"], {
      cwd: dir,
      env,
    });
    assertEquals(huge.code, 2, huge.stderr);
    assertStringIncludes(huge.stderr, "2 tasks of 100 cores, each on one node");
  });
});
