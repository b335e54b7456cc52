/**
 * Scheduler clients that are missing, fail, hang or print garbage, for SLURM,
 * PBS and LSF, through the real command line: `flow submit` refuses with
 * one line, exit code 2 for a missing client and 1 for one that ran and
 * failed, hung or printed garbage, and records nothing as submitted; `flow status`
 * warns in one line and still prints the status (exit code 0). A hung
 * client is killed with everything it started after FLOW_SCHEDULER_TIMEOUT
 * seconds (short here, so the tests run fast).
 */

import { assert, assertEquals, assertRejects, assertStringIncludes } from "../_assert.ts";
import { alive, type CliResult, exists, flow, withTempDir } from "../_helpers.ts";
import {
  cancelJobs,
  QUEUE_TIMEOUT_S,
  SchedulerError,
  schedulerTimeoutMs,
  SUBMIT_TIMEOUT_S,
} from "../../src/scheduler/client.ts";
import { UsageError } from "../../src/errors.ts";

const FAKE = new URL("./fixtures/fake.sh", import.meta.url).pathname;

const KINDS = {
  slurm: { submit: "sbatch", queue: "squeue", cancel: "scancel" },
  pbs: { submit: "qsub", queue: "qstat", cancel: "qdel" },
  lsf: { submit: "bsub", queue: "bjobs", cancel: "bkill" },
} as const;
type Kind = keyof typeof KINDS;

/** Faults of a client program: "missing" leaves it off PATH, the others are fake.sh modes. */
const SUBMIT_FAULTS = ["missing", "fail", "garbage", "binary", "fail-id", "hang", "hang-child"];
const QUEUE_FAULTS = ["missing", "fail", "garbage", "binary", "hang", "hang-child"];

/** A folder of fake clients (all but `missing`), each recording LD_LIBRARY_PATH as it saw it. */
function fakeBin(dir: string, missing?: string): string {
  const bin = `${dir}/bin`;
  Deno.mkdirSync(bin, { recursive: true });
  for (const programs of Object.values(KINDS)) {
    for (const prog of Object.values(programs)) {
      if (prog === missing) continue;
      Deno.writeTextFileSync(
        `${bin}/${prog}`,
        `#!/bin/bash\n[ -n "$FAKE_LOG" ] && printf '%s' "\${LD_LIBRARY_PATH-unset}" >"$FAKE_LOG/${prog}.ld"\n` +
          `exec ${FAKE} ${prog} "$@"\n`,
        { mode: 0o755 },
      );
    }
  }
  return bin;
}

/**
 * The system's programs (`/usr/bin`, `/bin`) without any scheduler client, as
 * a folder of links: on a machine with a real cluster installed (CI installs
 * SLURM), `/usr/bin/sbatch` must not stand in for a "missing" one.
 */
function systemBin(dir: string): string {
  const sys = `${dir}/sys`;
  Deno.mkdirSync(sys, { recursive: true });
  const clients = new Set<string>(Object.values(KINDS).flatMap((k) => Object.values(k)));
  for (const from of ["/usr/bin", "/bin"]) {
    for (const entry of Deno.readDirSync(from)) {
      if (clients.has(entry.name) || exists(`${sys}/${entry.name}`)) continue;
      Deno.symlinkSync(`${from}/${entry.name}`, `${sys}/${entry.name}`);
    }
  }
  return sys;
}

/** A project with operation `a` eligible on two jobs. */
async function project(dir: string): Promise<string> {
  await flow(["init", "p"], { cwd: dir });
  const root = `${dir}/p`;
  Deno.writeTextFileSync(
    `${root}/flow.yaml`,
    "operations:\n  a:\n    command: echo hi > a.txt\n    post: [{ isfile: a.txt }]\n",
  );
  await flow(["job", "create", '{"x": 1}', '{"x": 2}'], { cwd: root });
  return root;
}

/** Exactly one line on stderr. */
function oneLine(r: CliResult, what: string): string {
  const lines = r.stderr.split("\n").filter((l) => l !== "");
  assertEquals(lines.length, 1, `${what}: one line on stderr, got ${JSON.stringify(r.stderr)}`);
  assert(
    // deno-lint-ignore no-control-regex
    !/[\u0000-\u0008\u000b-\u001f]/.test(lines[0]),
    `${what}: control characters in ${lines[0]}`,
  );
  return lines[0];
}

interface Case {
  kind: Kind;
  /** The program at fault and how. */
  prog: string;
  mode: string;
  /** "submit" or "status". */
  command: "submit" | "status";
}

/** Runs `fn` over `items`, `n` at a time. */
async function pool<T, R>(items: T[], n: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]);
      }
    }),
  );
  return out;
}

for (const kind of Object.keys(KINDS) as Kind[]) {
  const { submit, queue } = KINDS[kind];
  Deno.test(`${kind}: a missing, failing, hung or garbled ${submit}/${queue} never records a submission; status still works`, async () => {
    await withTempDir(async (dir) => {
      const root = await project(dir);
      const sys = systemBin(dir);
      const submissions = `${root}/.flow/submissions.jsonl`;
      const run = async (c: Case, n: number): Promise<{ r: CliResult; log: string }> => {
        const log = `${dir}/log-${c.command}-${c.prog}-${c.mode}-${n}`;
        Deno.mkdirSync(log);
        const bin = fakeBin(
          `${dir}/bin-${c.prog}-${c.mode}-${n}`,
          c.mode === "missing" ? c.prog : undefined,
        );
        const env: Record<string, string> = {
          PATH: `${bin}:${sys}`,
          FAKE_LOG: log,
          FLOW_SCHEDULER_TIMEOUT: "1",
          FLOW_CLUSTER: kind,
          LD_LIBRARY_PATH: "/opt/cluster lib",
          [`FAKE_MODE_${c.prog}`]: c.mode === "missing" ? "ok" : c.mode,
        };
        const args = c.command === "submit" ? ["submit", "--cluster", kind] : ["status"];
        return { r: await flow(args, { cwd: root, env }), log };
      };

      // submit: the submit program at fault (the queue answers), or the queue query at fault.
      const submitCases: Case[] = [
        ...SUBMIT_FAULTS.map((mode) => ({ kind, prog: submit, mode, command: "submit" as const })),
        ...QUEUE_FAULTS.map((mode) => ({ kind, prog: queue, mode, command: "submit" as const })),
      ];
      const results = await pool(submitCases, 4, (c) => run(c, 0));
      for (const [i, { r, log }] of results.entries()) {
        const c = submitCases[i];
        const what = `submit with ${c.prog} ${c.mode}`;
        // Missing: the wrong machine or --cluster (2); ran and failed: a failed operation (1).
        assertEquals(r.code, c.mode === "missing" ? 2 : 1, `${what}: ${r.stderr}`);
        const line = oneLine(r, what);
        assert(line.startsWith("flow: error: "), line);
        if (c.prog === queue) {
          assertStringIncludes(line, "cannot check what is already queued", what);
          assertStringIncludes(line, "nothing was submitted", what);
          assertEquals(exists(`${log}/${submit}.argv`), false, `${what}: ${submit} was called`);
        } else assertStringIncludes(line, submit, what);
        if (c.mode === "missing") assertStringIncludes(line, `${c.prog} not found on PATH`);
        if (c.mode.startsWith("hang")) {
          assertStringIncludes(line, "did not finish within 1 s: killed it", what);
          assertStringIncludes(line, "FLOW_SCHEDULER_TIMEOUT", what);
        }
        if (c.mode === "hang-child") {
          const pid = Number(Deno.readTextFileSync(`${log}/${c.prog}.child`));
          for (let t = 0; t < 40 && alive(pid); t++) await new Promise((ok) => setTimeout(ok, 50));
          assertEquals(alive(pid), false, `${what}: the client's child survived`);
        }
        assertEquals(exists(submissions), false, `${what}: a submission was recorded`);
      }

      // A working scheduler: the loader path reaches the clients; two submissions recorded.
      const ok = await run({ kind, prog: submit, mode: "ok", command: "submit" }, 1);
      assertEquals(ok.r.code, 0, ok.r.stderr);
      assertEquals(Deno.readTextFileSync(submissions).trim().split("\n").length, 2);
      assertEquals(Deno.readTextFileSync(`${ok.log}/${submit}.ld`), "/opt/cluster lib");
      assertEquals(Deno.readTextFileSync(`${ok.log}/${queue}.ld`), "/opt/cluster lib");
      const recorded = Deno.readTextFileSync(submissions);

      // status: the queue query at fault is one warning; the table is printed; exit 0.
      const statusCases = QUEUE_FAULTS.map((mode) => ({
        kind,
        prog: queue,
        mode,
        command: "status" as const,
      }));
      const statuses = await pool(statusCases, 4, (c) => run(c, 2));
      for (const [i, { r }] of statuses.entries()) {
        const what = `status with ${queue} ${statusCases[i].mode}`;
        assertEquals(r.code, 0, `${what}: ${r.stderr}`);
        assertStringIncludes(r.stdout, "Overview: 2 jobs", what);
        assert(
          oneLine(r, what).startsWith("warning: cannot ask the scheduler what is queued: "),
          r.stderr,
        );
      }
      assertEquals(Deno.readTextFileSync(submissions), recorded);
    });
  });
}

Deno.test("a submit program failing part-way: what it submitted before stays recorded, and the message says so", async () => {
  await withTempDir(async (dir) => {
    const root = await project(dir);
    const log = `${dir}/log`;
    Deno.mkdirSync(log);
    const env = {
      PATH: `${fakeBin(dir)}:/usr/bin:/bin`,
      FAKE_LOG: log,
      FAKE_MODE_sbatch: "ok-then-fail",
    };
    const r = await flow(["submit", "--cluster", "slurm"], { cwd: root, env });
    assertEquals(r.code, 1, r.stderr);
    const line = oneLine(r, "partial submit");
    assertStringIncludes(line, "failed (exit code 1)");
    assertStringIncludes(line, "QOSMaxSubmitJobPerUserLimit");
    assertStringIncludes(
      line,
      "(the 1 batch job(s) submitted before it are recorded in .flow/submissions.jsonl)",
    );
    assertEquals(r.stdout.trim().split("\n").length, 1, "the one submitted is printed");
    const records = Deno.readTextFileSync(`${root}/.flow/submissions.jsonl`).trim().split("\n");
    assertEquals(records.length, 1);
    assertEquals(JSON.parse(records[0]).id, "16");
  });
});

Deno.test("flow cancel: a failing squeue exits 1, a missing one 2", async () => {
  await withTempDir(async (dir) => {
    const root = await project(dir);
    const sys = systemBin(dir);
    for (
      const [mode, prog, code] of [
        ["fail", "squeue", 1],
        ["garbage", "squeue", 1],
        ["missing", "squeue", 2],
      ] as const
    ) {
      const bin = fakeBin(`${dir}/bin-${prog}-${mode}`, mode === "missing" ? prog : undefined);
      const env: Record<string, string> = {
        PATH: `${bin}:${sys}`,
        [`FAKE_MODE_${prog}`]: mode === "missing" ? "ok" : mode,
      };
      const r = await flow(["cancel", "--cluster", "slurm"], { cwd: root, env });
      const what = `cancel with ${prog} ${mode}`;
      assertEquals(r.code, code, `${what}: ${r.stderr}`);
      assert(oneLine(r, what).startsWith("flow: error: "), r.stderr);
    }
  });
});

Deno.test("a hung cancel program is killed after the time limit", async () => {
  await withTempDir(async (log) => {
    const bin = fakeBin(log);
    const env = { PATH: `${bin}:/usr/bin:/bin`, FAKE_LOG: log, FAKE_MODE: "hang-child" };
    await assertRejects(
      () => cancelJobs("slurm", ["1"], { env, timeoutMs: 300 }),
      SchedulerError,
      "'scancel 1' did not finish within 0.3 s: killed it",
    );
    const pid = Number(Deno.readTextFileSync(`${log}/scancel.child`));
    for (let t = 0; t < 40 && alive(pid); t++) await new Promise((ok) => setTimeout(ok, 50));
    assertEquals(alive(pid), false, "the program's child survived");
  });
});

Deno.test("FLOW_SCHEDULER_TIMEOUT: seconds for every scheduler program; defaults per role", () => {
  assertEquals(schedulerTimeoutMs("submit", {}), SUBMIT_TIMEOUT_S * 1000);
  assertEquals(schedulerTimeoutMs("cancel", {}), SUBMIT_TIMEOUT_S * 1000);
  assertEquals(schedulerTimeoutMs("queue", {}), QUEUE_TIMEOUT_S * 1000);
  assertEquals(schedulerTimeoutMs("queue", { FLOW_SCHEDULER_TIMEOUT: "" }), 30_000);
  assertEquals(schedulerTimeoutMs("queue", { FLOW_SCHEDULER_TIMEOUT: "120" }), 120_000);
  assertEquals(schedulerTimeoutMs("submit", { FLOW_SCHEDULER_TIMEOUT: " 2.5 " }), 2_500);
  assertEquals(schedulerTimeoutMs("submit", { FLOW_SCHEDULER_TIMEOUT: ".5" }), 500);
  for (const bad of ["0", "-1", "abc", "1e3", "10s", "Infinity", "NaN", "1.2.3"]) {
    let caught: unknown;
    try {
      schedulerTimeoutMs("queue", { FLOW_SCHEDULER_TIMEOUT: bad });
    } catch (e) {
      caught = e;
    }
    assert(caught instanceof UsageError, bad);
    assertStringIncludes(
      (caught as Error).message,
      "FLOW_SCHEDULER_TIMEOUT must be a positive number of seconds",
    );
  }
});
