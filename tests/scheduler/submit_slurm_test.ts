// flow submit against a real single-node SLURM with fake GPUs (started by .ci/run), and
// the PBS/LSF scripts and faults without a server.
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../_assert.ts";
import { flow, withTempDir } from "../_helpers.ts";

const SEED = `
operations:
  op1:
    command: 'echo "$CUDA_VISIBLE_DEVICES" > op1.txt'
    post: [{isfile: op1.txt}]
    directives: {ngpu: 1, walltime: "00:05:00"}
groups:
  ex:
    operations:
      op1: {directives: {ngpu: 2}}
`;

function slurmAvailable(): boolean {
  try {
    const r = new Deno.Command("sinfo", { args: ["-h"], stdout: "null", stderr: "null" })
      .outputSync();
    return r.code === 0;
  } catch {
    return false;
  }
}

const required = Deno.env.get("FLOW_TEST_SLURM") === "required";
const haveSlurm = slurmAvailable();
if (!haveSlurm && !required) {
  console.error("SKIPPED: the real-SLURM tests need a running SLURM (bash .ci/run starts one)");
}

/** A test on the real SLURM, in a temporary folder: skipped without one unless required. */
function slurmTest(name: string, fn: (dir: string) => Promise<void>): void {
  Deno.test({
    name,
    ignore: !haveSlurm && !required,
    fn: async () => {
      assert(haveSlurm, "FLOW_TEST_SLURM=required but no SLURM answers (sinfo)");
      await withTempDir(fn);
    },
  });
}

async function project(dir: string): Promise<string[]> {
  await flow(["init", dir]);
  Deno.writeTextFileSync(`${dir}/flow.yaml`, SEED);
  const r = await flow(["job", "create", '{"i": 1}', '{"i": 2}'], { cwd: dir });
  return r.stdout.trim().split("\n");
}

async function waitUntilGone(ids: string[], seconds = 60): Promise<void> {
  for (let i = 0; i < seconds * 4; i++) {
    const r = await new Deno.Command("squeue", {
      args: ["-h", "-o", "%i|%t", "-j", ids.join(",")],
      stderr: "null",
    })
      .output();
    const live = new TextDecoder().decode(r.stdout).trim().split("\n").filter((l) =>
      /\|(PD|R|CG|CF|S)$/.test(l)
    );
    if (live.length === 0) return;
    await new Promise((res) => setTimeout(res, 250));
  }
  throw new Error(`jobs ${ids} still in the queue after ${seconds} s`);
}

slurmTest(
  "SLURM: a group is submitted with the merged resources, tracked, not submitted twice, and runs",
  async (tmp) => {
    const dir = `${tmp}/path with spaces and "quotes"`;
    const ids = await project(dir);
    const pretend = await flow(["submit", "-o", "ex", "--pretend"], { cwd: dir });
    assertEquals(pretend.code, 0, pretend.stderr);
    assertStringIncludes(pretend.stdout, "#SBATCH --gpus=2");
    assertStringIncludes(pretend.stdout, "# Submit command: sbatch --parsable");
    const sub = await flow(["submit", "-o", "ex", "--hold"], { cwd: dir });
    assertEquals(sub.code, 0, sub.stderr);
    const jobIds = sub.stdout.trim().split("\n").map((l) => l.split("\t")[0]);
    assertEquals(jobIds.length, 2);
    // Held jobs are tracked: status shows them, and submitting again submits nothing.
    const st = await flow(["status", "-d"], { cwd: dir });
    assertEquals(st.code, 0, st.stderr);
    assertMatch(st.stdout, /ex\s+0\s+0\s+2/);
    for (const id of ids) assertStringIncludes(st.stdout, id);
    assertStringIncludes(st.stdout, "[H]");
    const json = JSON.parse((await flow(["status", "--json"], { cwd: dir })).stdout);
    assertEquals(json[ids[0]].submitted.ex.state, "held");
    const again = await flow(["submit", "-o", "ex"], { cwd: dir });
    assertStringIncludes(again.stderr, "2 already queued, held or running: not submitted again");
    // Release, wait, and check what ran on the "cluster": 2 GPUs each, as the group asked.
    const rel = await new Deno.Command("scontrol", { args: ["release", jobIds.join(",")] })
      .output();
    assertEquals(rel.code, 0, new TextDecoder().decode(rel.stderr));
    await waitUntilGone(jobIds);
    for (const id of ids) {
      const devices = Deno.readTextFileSync(`${dir}/workspace/${id}/op1.txt`).trim().split(",");
      assertEquals(devices.length, 2, `job ${id} saw ${devices}`);
    }
    const after = await flow(["submit", "-o", "ex"], { cwd: dir });
    assertStringIncludes(after.stderr, "nothing to submit");
  },
);

slurmTest("SLURM: bundles, arrays and cancel", async (dir) => {
  const ids = await project(dir);
  const arr = await flow(["submit", "-o", "op1", "--bundle", "2", "--array", "--hold"], {
    cwd: dir,
  });
  assertEquals(arr.code, 0, arr.stderr);
  assertEquals(arr.stdout.trim().split("\n").length, 1); // one array job for both
  const st = JSON.parse((await flow(["status", "--json"], { cwd: dir })).stdout);
  for (const id of ids) assertEquals(st[id].submitted.op1.state, "held");
  const c = await flow(["cancel", "-o", "op1"], { cwd: dir });
  assertEquals(c.code, 0, c.stderr);
  assertStringIncludes(c.stderr, "cancelled 1 batch job(s)");
});

slurmTest(
  "SLURM: a project path with % (run%x) gets its output where the script says, and the work runs",
  async (tmp) => {
    const dir = `${tmp}/run%x 100%/p`;
    const ids = await project(dir);
    const sub = await flow(["submit", "-o", "op1"], { cwd: dir });
    assertEquals(sub.code, 0, sub.stderr);
    const jobIds = sub.stdout.trim().split("\n").map((l) => l.split("\t")[0]);
    await waitUntilGone(jobIds);
    for (const id of ids) Deno.statSync(`${dir}/workspace/${id}/op1.txt`);
    for (const jobId of jobIds) {
      const out = Deno.readTextFileSync(`${dir}/.flow/submit/${jobId}.out`);
      assertStringIncludes(out, "op1");
    }
  },
);

/** A slow operation while `slow-flag` exists in the project folder; quick otherwise. */
const slowWorkflow = (walltime: string) => `
operations:
  slow:
    command: '[ -e ../../slow-flag ] && sleep 300; touch slow.txt'
    post: [{isfile: slow.txt}]
    directives: {walltime: "${walltime}"}
`;

async function waitFor(what: string, test: () => boolean | Promise<boolean>, seconds = 60) {
  for (let i = 0; i < seconds * 4; i++) {
    if (await test()) return;
    await new Promise((res) => setTimeout(res, 250));
  }
  throw new Error(`${what}: not after ${seconds} s`);
}

/**
 * Submits the slow operation, waits until it runs in its batch job, lets the
 * scheduler kill the job (`scancel`, or the walltime running out), and checks
 * what is left: no claim, no output, a valid workspace, the operation
 * eligible and not submitted; then `flow run` runs it at once.
 */
async function killedByScheduler(dir: string, how: "scancel" | "walltime"): Promise<void> {
  await flow(["init", dir]);
  Deno.writeTextFileSync(
    `${dir}/flow.yaml`,
    slowWorkflow(how === "walltime" ? "00:01:00" : "00:10:00"),
  );
  const [id] = (await flow(["job", "create", '{"i": 1}'], { cwd: dir })).stdout.trim().split("\n");
  Deno.writeTextFileSync(`${dir}/slow-flag`, "");
  const sub = await flow(["submit", "-o", "slow"], { cwd: dir });
  assertEquals(sub.code, 0, sub.stderr);
  const jobId = sub.stdout.trim().split("\t")[0];
  // Running: the operation has claimed the job and started its command.
  const claims = `${dir}/.flow/claims`;
  const claimed = () => {
    try {
      return [...Deno.readDirSync(claims)].some((e) => e.name.endsWith(".slow"));
    } catch {
      return false;
    }
  };
  const history = `${dir}/workspace/${id}/flow_history.jsonl`;
  await waitFor(`${how}: the operation starts in the batch job`, () => {
    try {
      return claimed() && Deno.readTextFileSync(history).includes('"slow"');
    } catch {
      return false;
    }
  });
  const running = JSON.parse((await flow(["status", "--json"], { cwd: dir })).stdout);
  assertEquals(running[id].submitted.slow.state, "running", how);
  // Either way SLURM sends SIGTERM to every process of the job, then SIGKILL after KillWait.
  if (how === "scancel") {
    const cancel = await new Deno.Command("scancel", { args: [jobId] }).output();
    assertEquals(cancel.code, 0, new TextDecoder().decode(cancel.stderr));
  }
  await waitUntilGone([jobId], 180);
  if (how === "walltime") {
    const acct = await new Deno.Command("scontrol", { args: ["show", "job", jobId] }).output();
    assertMatch(new TextDecoder().decode(acct.stdout), /JobState=TIMEOUT/);
  }
  // flow in the batch job stopped its command and gave its claim back before it was killed,
  // so a run on any node may take the operation at once (no wait for a stale claim).
  assertEquals(claimed(), false, `${how}: the killed batch job left its claim`);
  let done = true;
  try {
    Deno.statSync(`${dir}/workspace/${id}/slow.txt`);
  } catch {
    done = false;
  }
  assertEquals(done, false, `${how}: the killed operation completed`);
  const check = await flow(["check"], { cwd: dir });
  assertEquals(check.code, 0, check.stdout + check.stderr);
  const after = JSON.parse((await flow(["status", "--json"], { cwd: dir })).stdout);
  assertEquals(after[id].submitted, undefined, `${how}: still shown as submitted`);
  assertEquals(after[id].operations.slow.status, "eligible", how);
  // Run again (quickly now): it runs here, once, and completes.
  Deno.removeSync(`${dir}/slow-flag`);
  const run = await flow(["run", "-o", "slow"], { cwd: dir });
  assertEquals(run.code, 0, run.stderr);
  assert(!run.stderr.includes("not run here"), run.stderr);
  Deno.statSync(`${dir}/workspace/${id}/slow.txt`);
  const final = JSON.parse((await flow(["status", "--json"], { cwd: dir })).stdout);
  assertEquals(final[id].operations.slow.status, "complete", how);
}

slurmTest(
  "SLURM: a batch job killed by the scheduler (scancel, walltime) mid-operation releases its claim; the operation is eligible again and runs",
  async (dir) => {
    // Both at once: the walltime of one minute takes 60-90 s to run out.
    const results = await Promise.allSettled([
      killedByScheduler(`${dir}/cancelled`, "scancel"),
      killedByScheduler(`${dir}/timed-out`, "walltime"),
    ]);
    for (const r of results) if (r.status === "rejected") throw r.reason;
  },
);

Deno.test("PBS and LSF scripts carry the merged request (no server needed)", async () => {
  await withTempDir(async (dir) => {
    await project(dir);
    const pbs = await flow(["submit", "-o", "ex", "--pretend", "--cluster", "pbs", "-n", "1"], {
      cwd: dir,
    });
    assertEquals(pbs.code, 0, pbs.stderr);
    assertStringIncludes(pbs.stdout, "#PBS -l select=1:ncpus=1:ngpus=2");
    assertStringIncludes(pbs.stdout, "#PBS -l walltime=00:05:00");
    assertStringIncludes(pbs.stdout, "# Submit command: qsub");
    const lsf = await flow(["submit", "-o", "ex", "--pretend", "--cluster", "lsf", "-n", "1"], {
      cwd: dir,
    });
    assertStringIncludes(lsf.stdout, '#BSUB -gpu "num=2"');
    assertStringIncludes(lsf.stdout, "# Submit command: bsub");
  });
});

Deno.test("a failing sbatch (a rejected submission) is a clear error, exit 1, and nothing is recorded as submitted", async () => {
  await withTempDir(async (dir) => {
    await project(dir);
    const bin = `${dir}/bin`;
    Deno.mkdirSync(bin);
    Deno.writeTextFileSync(
      `${bin}/sbatch`,
      "#!/bin/bash\necho 'sbatch: error: Batch job submission failed: Invalid account' >&2\nexit 1\n",
    );
    Deno.writeTextFileSync(`${bin}/squeue`, "#!/bin/bash\nexit 0\n");
    Deno.chmodSync(`${bin}/sbatch`, 0o755);
    Deno.chmodSync(`${bin}/squeue`, 0o755);
    const env = { PATH: `${bin}:/usr/bin:/bin` };
    const r = await flow(["submit", "-o", "ex", "--cluster", "slurm"], { cwd: dir, env });
    assertEquals(r.code, 1, r.stderr);
    assertStringIncludes(r.stderr, "Invalid account");
    assertEquals(
      [...Deno.readDirSync(`${dir}/.flow`)].some((e) => e.name === "submissions.jsonl"),
      false,
    );
    Deno.writeTextFileSync(`${bin}/sbatch`, "#!/bin/bash\necho 'hello, I am not sbatch'\n");
    const g = await flow(["submit", "-o", "ex", "--cluster", "slurm"], { cwd: dir, env });
    assertEquals(g.code, 1);
    assertStringIncludes(g.stderr, "hello, I am not sbatch");
  });
});

Deno.test("a user template wraps flow's header and body", async () => {
  await withTempDir(async (dir) => {
    await project(dir);
    Deno.writeTextFileSync(
      `${dir}/tpl.sh`,
      "{{header}}\n#SBATCH --constraint=a100\nmodule load cuda\n{{body}}\necho done {{job_name}}\n",
    );
    const r = await flow([
      "submit",
      "-o",
      "ex",
      "--pretend",
      "--cluster",
      "slurm",
      "-n",
      "1",
      "--template",
      "tpl.sh",
    ], { cwd: dir });
    assertEquals(r.code, 0, r.stderr);
    assertMatch(
      r.stdout,
      /#SBATCH --gpus=2\n#SBATCH --time=00:05:00\n#SBATCH --constraint=a100\nmodule load cuda\ncd -- /,
    );
    assertMatch(r.stdout, /echo done flow-[0-9a-f]{8}\/ex\//);
    Deno.writeTextFileSync(`${dir}/bad.sh`, "{{header}}\n");
    const bad = await flow([
      "submit",
      "-o",
      "ex",
      "--pretend",
      "--cluster",
      "slurm",
      "--template",
      "bad.sh",
    ], { cwd: dir });
    assertEquals(bad.code, 2);
    assertStringIncludes(bad.stderr, "has no {{body}}");
  });
});

Deno.test("a request no partition can satisfy is refused before anything is submitted, with the limits", async () => {
  await withTempDir(async (dir) => {
    await project(dir);
    Deno.writeTextFileSync(`${dir}/flow.yaml`, SEED.replace("ngpu: 2", "ngpu: 9"));
    const r = await flow(["submit", "-o", "ex", "--cluster", "delta", "--pretend"], { cwd: dir });
    assertEquals(r.code, 2, r.stderr);
    assertMatch(
      r.stderr,
      /no partition of cluster 'delta' can run 9 GPUs on one node: .*gpuA100x4 \(64 cores, 4 GPUs\)/,
    );
    assertEquals(
      [...Deno.readDirSync(dir)].some((e) =>
        e.name === ".flow" &&
        [...Deno.readDirSync(`${dir}/.flow`)].some((f) => f.name === "submissions.jsonl")
      ),
      false,
    );
  });
});
