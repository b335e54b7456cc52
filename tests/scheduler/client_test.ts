/**
 * Scheduler clients: command lines, parsers of real output formats (SLURM
 * 22.05.8 recorded from a real cluster; OpenPBS/PBS Pro 22 `qstat -f` text and
 * LSF 10.1 `bjobs -json` written from the tools' documented formats), and
 * runClient end to end against fake programs in tests/scheduler/fixtures/bin
 * that record their arguments and print those samples.
 */
import {
  assert,
  assertEquals,
  assertRejects,
  assertStringIncludes,
  assertThrows,
} from "../_assert.ts";
import { withTempDir } from "../_helpers.ts";
import {
  cancelArgs,
  cancelJobs,
  checkJobId,
  parseQueue,
  parseSubmitOutput,
  queryQueue,
  queueArgs,
  runClient,
  SchedulerError,
  submitArgs,
  submitJob,
  submitReadsStdin,
  writeSubmitScript,
} from "../../src/scheduler/client.ts";
import { FlowError, UsageError } from "../../src/errors.ts";
import type { SchedulerKind } from "../../src/scheduler/types.ts";
import { recordSubmission, trackedStates, trackKey } from "../../src/scheduler/names.ts";

const FIXTURES = new URL("./fixtures/", import.meta.url).pathname;
const BIN = `${FIXTURES}bin`;
const sample = (prog: string) => Deno.readTextFileSync(`${FIXTURES}output/${prog}.txt`);

Deno.test("submitArgs: per scheduler, hold and after on the command line", () => {
  const o = { scriptPath: "/p/.flow/submit/a.sh", extra: ["--qos=long"] };
  assertEquals(submitArgs("slurm", o), [
    "sbatch",
    "--parsable",
    "--qos=long",
    "/p/.flow/submit/a.sh",
  ]);
  assertEquals(submitArgs("slurm", { ...o, hold: true, after: "41" }), [
    "sbatch",
    "--parsable",
    "--hold",
    "--dependency=afterok:41",
    "--qos=long",
    "/p/.flow/submit/a.sh",
  ]);
  assertEquals(submitArgs("pbs", { ...o, hold: true, after: "41.pbs01" }), [
    "qsub",
    "-h",
    "-W",
    "depend=afterok:41.pbs01",
    "--qos=long",
    "/p/.flow/submit/a.sh",
  ]);
  assertEquals(submitArgs("lsf", { ...o, hold: true, after: "41" }), [
    "bsub",
    "-H",
    "-w",
    "done(41)",
    "--qos=long",
  ]);
  assertEquals(submitArgs("local", { ...o, extra: [] }), ["bash", "/p/.flow/submit/a.sh"]);
  assertEquals([submitReadsStdin("lsf"), submitReadsStdin("slurm"), submitReadsStdin("pbs")], [
    true,
    false,
    false,
  ]);
});

Deno.test("parseSubmitOutput: real formats", () => {
  assertEquals(parseSubmitOutput("slurm", "16\n"), "16");
  assertEquals(parseSubmitOutput("slurm", "16;cluster2\n"), "16");
  assertEquals(parseSubmitOutput("slurm", "Submitted batch job 16\n"), "16");
  assertEquals(parseSubmitOutput("pbs", "1234.pbs01\n"), "1234.pbs01");
  assertEquals(parseSubmitOutput("pbs", "1236[].pbs01.example.org\n"), "1236[].pbs01.example.org");
  assertEquals(parseSubmitOutput("pbs", "1234\n"), "1234");
  assertEquals(parseSubmitOutput("lsf", "Job <5001> is submitted to queue <normal>.\n"), "5001");
  assertEquals(
    parseSubmitOutput("lsf", "Job <5002> is submitted to default queue <normal>.\n"),
    "5002",
  );
  assertEquals(parseSubmitOutput("local", ""), "local");
});

Deno.test("parseSubmitOutput: unexpected output is a SchedulerError quoting it", () => {
  const e = assertThrows(
    () => parseSubmitOutput("slurm", "sbatch: error: oops\n"),
    SchedulerError,
    'sbatch printed: "sbatch: error: oops"',
  );
  assert(e instanceof FlowError);
  assertThrows(() => parseSubmitOutput("pbs", ""), SchedulerError, "qsub printed: nothing");
  assertThrows(() => parseSubmitOutput("lsf", "Request aborted by esub."), SchedulerError, "bsub");
});

Deno.test("queueArgs and cancelArgs", () => {
  assertEquals(queueArgs("slurm"), ["squeue", "--me", "-h", "-o", "%i|%t|%r|%j"]);
  assertEquals(queueArgs("slurm", "alice"), ["squeue", "-u", "alice", "-h", "-o", "%i|%t|%r|%j"]);
  assertEquals(queueArgs("pbs", "alice"), ["qstat", "-f", "-t"]);
  assertEquals(queueArgs("lsf"), ["bjobs", "-a", "-json", "-o", "jobid jobindex stat job_name"]);
  assertEquals(queueArgs("lsf", "alice").slice(-2), ["-u", "alice"]);
  assertEquals(queueArgs("local"), []);
  assertEquals(cancelArgs("slurm", ["1", "2_3"]), ["scancel", "1", "2_3"]);
  assertEquals(cancelArgs("pbs", ["1.pbs01"]), ["qdel", "1.pbs01"]);
  assertEquals(cancelArgs("lsf", ["5001"]), ["bkill", "5001"]);
  assertEquals(cancelArgs("slurm", []), []);
  assertEquals(cancelArgs("local", ["x"]), []);
});

Deno.test("parseQueue slurm: recorded SLURM 22.05 output", () => {
  assertEquals(parseQueue("slurm", sample("squeue")), [
    {
      id: "3_[1-3%1]",
      name: "flow-7eb7c5d1/sim/bundle-8cdeb44417f3c26826595d5820cf5700",
      state: "queued",
    },
    { id: "4", name: "flow-7eb7c5d1/ex/a4", state: "queued" },
    { id: "1", name: "flow-7eb7c5d1/ex/a1", state: "held" },
    { id: "2", name: "flow-7eb7c5d1/ex/a2", state: "running" }, // held while running: runs
    {
      id: "3_0",
      name: "flow-7eb7c5d1/sim/bundle-8cdeb44417f3c26826595d5820cf5700",
      state: "running",
    },
    { id: "14", name: "flow-7eb7c5d1/ex/ok", state: "inactive" },
    { id: "15", name: "flow-7eb7c5d1/ex/bad", state: "error" },
  ]);
  assertEquals(parseQueue("slurm", ""), []);
  const states = (codes: string[]) =>
    parseQueue("slurm", codes.map((c, i) => `${i}|${c}|None|n`).join("\n")).map((j) => j.state);
  assertEquals(states(["PD", "R", "CG", "CD", "CA", "F", "TO", "NF", "OOM", "S", "XX"]), [
    "queued",
    "running",
    "running",
    "inactive",
    "inactive",
    "error",
    "error",
    "error",
    "error",
    "held",
    "queued",
  ]);
  assertEquals(parseQueue("slurm", "7|PD|JobHeldAdmin|a|b")[0], {
    id: "7",
    name: "a|b",
    state: "held",
  });
});

Deno.test("parseQueue pbs: qstat -f text, wrapped values, arrays, exit status", () => {
  const wrapped =
    "flow-7eb7c5d1/sim/bundle-8cdeb44417f3c26826595d5820cf5700-with-a-name-that-the-server-" +
    "wraps-at-the-line-width";
  assertEquals(parseQueue("pbs", sample("qstat")), [
    { id: "1234.pbs01", name: "flow-7eb7c5d1/ex/a1", state: "running" },
    { id: "1235.pbs01", name: "flow-7eb7c5d1/ex/a2", state: "held" },
    { id: "1236[].pbs01", name: wrapped, state: "running" },
    { id: "1236[0].pbs01", name: wrapped, state: "running" },
    { id: "1236[1].pbs01", name: wrapped, state: "queued" },
    { id: "1237.pbs01", name: "flow-7eb7c5d1/ex/a3", state: "error" },
    { id: "1238.pbs01", name: "someone-elses-job", state: "inactive" },
  ]);
  assertEquals(parseQueue("pbs", ""), []);
});

Deno.test("parseQueue lsf: bjobs -json, array elements get [index]", () => {
  assertEquals(parseQueue("lsf", sample("bjobs")), [
    { id: "5001", name: "flow-7eb7c5d1/ex/a1", state: "running" },
    { id: "5002", name: "flow-7eb7c5d1/ex/a2", state: "held" },
    {
      id: "5003[1]",
      name: "flow-7eb7c5d1/sim/bundle-8cdeb44417f3c26826595d5820cf5700[1]",
      state: "queued",
    },
    {
      id: "5003[2]",
      name: "flow-7eb7c5d1/sim/bundle-8cdeb44417f3c26826595d5820cf5700[2]",
      state: "inactive",
    },
    { id: "5004", name: "flow-7eb7c5d1/ex/a3", state: "error" },
  ]);
  assertEquals(parseQueue("lsf", '{"COMMAND":"bjobs","JOBS":0,"RECORDS":[]}'), []);
  assertEquals(
    parseQueue(
      "lsf",
      '{"COMMAND":"bjobs","JOBS":1,"RECORDS":[{"JOBID":"9","ERROR":"Job <9> is not found"}]}',
    ),
    [],
  );
});

Deno.test("parseQueue: garbage is a SchedulerError naming the command, quoting output", () => {
  assertThrows(
    () => parseQueue("slurm", "<html>maintenance</html>\n"),
    SchedulerError,
    "squeue --me",
  );
  assertThrows(() => parseQueue("slurm", "1|PD|x\n"), SchedulerError, '"1|PD|x"');
  assertThrows(() => parseQueue("pbs", "qstat: Unknown option\n"), SchedulerError, "'qstat -f -t'");
  assertThrows(
    () => parseQueue("pbs", "Job Id: 1.s\n    queue = workq\n"),
    SchedulerError,
    "job 1.s has no Job_Name",
  );
  assertThrows(() => parseQueue("lsf", "not json"), SchedulerError, "not JSON");
  assertThrows(() => parseQueue("lsf", '{"RECORDS":[{"JOBID":1}]}'), SchedulerError, "lacks JOBID");
  assertThrows(() => parseQueue("lsf", "{}"), SchedulerError, "no RECORDS");
});

Deno.test("the recorded queues map back to (group, aggregate) pairs by name", () => {
  // The sample names are of project "/home/me/project" (hash 7eb7c5d1), which has no record.
  const root = "/home/me/project";
  const slurm = trackedStates(root, parseQueue("slurm", sample("squeue")));
  assertEquals(slurm.get(trackKey("ex", "a1")), { state: "held", id: "1" });
  assertEquals(slurm.get(trackKey("ex", "bad")), { state: "error", id: "15" });
  const lsf = trackedStates(root, parseQueue("lsf", sample("bjobs")));
  assertEquals(lsf.get(trackKey("ex", "a2")), { state: "held", id: "5002" });
  const pbs = trackedStates(root, parseQueue("pbs", sample("qstat")));
  assertEquals(pbs.get(trackKey("ex", "a3")), { state: "error", id: "1237.pbs01" });
});

Deno.test("bundle members come back through the record (PBS sample)", () => {
  withTempDir((root) => {
    // A project whose record says job 1236[] was an array on a0, a1 with the sample's name.
    const name = parseQueue("pbs", sample("qstat"))[2].name;
    recordSubmission(root, {
      id: "1236[].pbs01",
      name,
      group: "sim",
      aggregates: ["a0", "a1"],
      scheduler: "pbs",
      time: new Date().toISOString(),
    });
    const states = trackedStates(root, parseQueue("pbs", sample("qstat")));
    assertEquals(states.get(trackKey("sim", "a0")), { state: "running", id: "1236[].pbs01" });
    assertEquals(states.get(trackKey("sim", "a1")), { state: "running", id: "1236[].pbs01" });
  });
});

function fakeEnv(log: string, mode = "ok"): Record<string, string> {
  return { PATH: `${BIN}:/usr/bin:/bin`, FAKE_LOG: log, FAKE_MODE: mode };
}

function argvOf(log: string, prog: string): string[] {
  return Deno.readTextFileSync(`${log}/${prog}.argv`).split("\0").slice(0, -1);
}

Deno.test("runClient + fakes: submit, query and cancel end to end", async () => {
  await withTempDir(async (log) => {
    const env = fakeEnv(log);
    const script = writeSubmitScript(log, "ex/a1 bundle", "#!/bin/bash\n#BSUB -J x\ntrue\n");
    assert(
      script.startsWith(`${log}/.flow/submit/`) && script.endsWith("-ex_a1_bundle.sh"),
      script,
    );
    assert(
      writeSubmitScript(log, "ex/a1 bundle", "x") !== script,
      "a second script gets a new name",
    );

    assertEquals(
      await submitJob("slurm", { scriptPath: script, hold: true, extra: [] }, { env }),
      "16",
    );
    assertEquals(argvOf(log, "sbatch"), ["--parsable", "--hold", script]);
    assertEquals(
      await submitJob("pbs", { scriptPath: script, extra: ["-V"] }, { env }),
      "1234.pbs01",
    );
    assertEquals(argvOf(log, "qsub"), ["-V", script]);
    assertEquals(
      await submitJob("lsf", { scriptPath: script, after: "7", extra: [] }, { env }),
      "5001",
    );
    assertEquals(argvOf(log, "bsub"), ["-w", "done(7)"]);
    assertEquals(Deno.readTextFileSync(`${log}/bsub.stdin`), "#!/bin/bash\n#BSUB -J x\ntrue\n");

    assertEquals((await queryQueue("slurm", undefined, { env })).length, 7);
    assertEquals(argvOf(log, "squeue"), ["--me", "-h", "-o", "%i|%t|%r|%j"]);
    assertEquals((await queryQueue("pbs", "alice", { env })).length, 7);
    assertEquals((await queryQueue("lsf", undefined, { env })).length, 5);
    assertEquals(argvOf(log, "bjobs"), ["-a", "-json", "-o", "jobid jobindex stat job_name"]);
    assertEquals(await queryQueue("local", undefined, { env }), []);

    await cancelJobs("slurm", ["1", "3_0"], { env });
    assertEquals(argvOf(log, "scancel"), ["1", "3_0"]);
    await cancelJobs("lsf", ["5001"], { env });
    assertEquals(argvOf(log, "bkill"), ["5001"]);
    await cancelJobs("slurm", [], { env }); // nothing to run
  });
});

Deno.test("runClient: stdin, output and exit code", async () => {
  const r = await runClient(["bash", "-c", "cat; echo err >&2; exit 0"], { stdin: "in\n" });
  assertEquals(r, { code: 0, stdout: "in\n", stderr: "err\n" });
  const f = await runClient(["bash", "-c", "echo x; exit 3"], { allowFailure: true });
  assertEquals(f.code, 3);
});

Deno.test("runClient: a missing program says which scheduler it belongs to", async () => {
  await withTempDir(async (empty) => {
    const env = { PATH: empty };
    const e = await assertRejects(
      () => runClient(["sbatch", "--parsable", "x.sh"], { env }),
      SchedulerError,
      "sbatch not found on PATH: is this a SLURM cluster? " +
        "(use --cluster to choose another scheduler)",
    );
    assert(e instanceof FlowError);
    await assertRejects(() => runClient(["qstat"], { env }), SchedulerError, "a PBS cluster?");
    await assertRejects(() => runClient(["bjobs"], { env }), SchedulerError, "an LSF cluster?");
    await assertRejects(
      () => runClient(["nosuchprog-xyz"], { env }),
      SchedulerError,
      "nosuchprog-xyz not found on PATH",
    );
  });
});

Deno.test("runClient: a non-zero exit names the command and quotes stderr", async () => {
  await withTempDir(async (log) => {
    const e = await assertRejects(
      () =>
        submitJob("slurm", { scriptPath: "/p/a b.sh", extra: [] }, { env: fakeEnv(log, "fail") }),
      SchedulerError,
      "'sbatch --parsable '/p/a b.sh'' failed (exit code 1)",
    );
    assertStringIncludes(e.message, "Invalid partition name specified");
  });
});

Deno.test("runClient: garbage output is a SchedulerError", async () => {
  await withTempDir(async (log) => {
    const env = fakeEnv(log, "garbage");
    await assertRejects(
      () => submitJob("slurm", { scriptPath: "a.sh", extra: [] }, { env }),
      SchedulerError,
      "Welcome to the cluster",
    );
    await assertRejects(() => queryQueue("slurm", undefined, { env }), SchedulerError, "squeue");
    await assertRejects(() => queryQueue("pbs", undefined, { env }), SchedulerError, "qstat");
    await assertRejects(() => queryQueue("lsf", undefined, { env }), SchedulerError, "not JSON");
  });
});

Deno.test("queryQueue lsf: 'No unfinished job found' is an empty queue", async () => {
  await withTempDir(async (log) => {
    assertEquals(await queryQueue("lsf", undefined, { env: fakeEnv(log, "none") }), []);
    await assertRejects(
      () => queryQueue("lsf", undefined, { env: fakeEnv(log, "fail") }),
      SchedulerError,
      "failed (exit code 1)",
    );
  });
});

Deno.test("runClient: a hung program is killed after the time limit", async () => {
  await withTempDir(async (log) => {
    const t0 = Date.now();
    await assertRejects(
      () => queryQueue("slurm", undefined, { env: fakeEnv(log, "hang"), timeoutMs: 300 }),
      SchedulerError,
      "'squeue --me -h -o '%i|%t|%r|%j'' did not finish within 0.3 s",
    );
    assert(Date.now() - t0 < 5000, "returned promptly");
    // A program whose child keeps the output open is still stopped.
    await assertRejects(
      () => runClient(["bash", "-c", "sleep 2 & exec sleep 30"], { timeoutMs: 200 }),
      SchedulerError,
      "did not finish",
    );
  });
});

Deno.test("checkJobId: each scheduler's job id forms pass, anything else is a usage error", () => {
  const ok: [SchedulerKind, string][] = [
    ["slurm", "123"],
    ["slurm", "123_4"],
    ["pbs", "123"],
    ["pbs", "123.pbs01"],
    ["pbs", "123.pbs01.example.org"],
    ["pbs", "123[].pbs01"],
    ["pbs", "123[4].pbs01"],
    ["lsf", "123"],
    ["lsf", "123[4]"],
    ["local", "123"],
  ];
  for (const [kind, id] of ok) assertEquals(checkJobId(kind, id), id, `${kind} ${id}`);
  const bad: [SchedulerKind, string][] = [
    ["slurm", ""],
    ["slurm", "a b"],
    ["slurm", "12 13"],
    ["slurm", "1:2"],
    ["slurm", "12.server"],
    ["slurm", '"12"'],
    ["slurm", "-1"],
    ["pbs", "x.server"],
    ["pbs", "12."],
    ["lsf", "12_3"],
    ["lsf", "done(12)"],
    ["local", ""],
  ];
  for (const [kind, id] of bad) {
    assertThrows(() => checkJobId(kind, id), UsageError, `--after: ${JSON.stringify(id)} is not`);
  }
  assertThrows(() => checkJobId("lsf", "x"), UsageError, "is not an LSF job id (expected 123 or");
});
