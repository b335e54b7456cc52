// Permission-scoped function operations: both mechanisms (restricted Worker, restricted child
// deno), driven through the sandbox API with a real project.ts in a temporary folder. The
// scenarios run in a `deno run -A --unstable-worker-options` subprocess (_sandbox_driver.ts), as
// `flow run` does; the rest runs in-process.
import { assert, assertEquals, assertRejects, assertStringIncludes } from "../_assert.ts";
import { withTempDir } from "../_helpers.ts";
import {
  detectSandboxMechanism,
  isSandboxed,
  SandboxError,
  type SandboxMechanism,
  sandboxPermissions,
  sandboxSpecFor,
  writablePaths,
} from "../../src/executor/sandbox.ts";
import type { Report, Scenario } from "./_sandbox_driver.ts";
import { type FlowProject, registryOf } from "../../src/cli/flow_project.ts";
import { Project } from "../../src/workspace/project.ts";

const MOD = new URL("../../mod.ts", import.meta.url).href;
const LIBRARY = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");

// The operations every test project defines. `module` is left to its default (the sandbox
// records the module it imports), as in a user's project.ts.
const OPERATIONS = `
let calls = 0; // module state: shared by the operations of one sandbox
project.operation("good", async (job) => {
  await Deno.writeTextFile(job.fn("good.txt"), String(job.sp.i));
  await job.doc.set("good", true);
});
project.operation("count", (job) => {
  calls++;
  Deno.writeTextFileSync(job.fn("count.txt"), String(calls));
});
project.operation("other", (job) => {
  Deno.writeTextFileSync(job.fn("../" + Deno.env.get("OTHER_JOB") + "/stolen.txt"), "x");
});
project.operation("env", async (job) => {
  const state = (await Deno.permissions.query({ name: "env", variable: "FLOW_TEST_SECRET" })).state;
  const proc = (globalThis as unknown as { process: { env: Record<string, string | undefined> } })
    .process;
  Deno.writeTextFileSync(job.fn("env.json"), JSON.stringify({
    deno: Deno.env.get("FLOW_TEST_SECRET") ?? null,
    node: proc.env.FLOW_TEST_SECRET ?? null,
    nodeOp: proc.env.FLOW_OPERATION ?? null,
    keys: Object.keys(Deno.env.toObject()).sort(),
    op: Deno.env.get("FLOW_OPERATION") ?? null,
    state,
  }));
});
project.operation("net", async () => { await fetch("http://127.0.0.1:65000/"); });
project.operation("exit", () => Deno.exit(3));
project.operation("nodeExit", () => {
  (globalThis as unknown as { process: { exit(code: number): never } }).process.exit(4);
});
project.operation("late", () => new Promise(() => {
  setTimeout(() => { throw new Error("late failure"); }, 10);
}));
project.operation("sleep", () => new Promise((r) => setTimeout(r, 60_000)));
project.operation("pair", (a, b) => {
  Deno.writeTextFileSync(a.fn("pair.txt"), b.id);
  Deno.writeTextFileSync(b.fn("pair.txt"), a.id);
}, { allowWrite: ["out"] });
project.operation("trusted", (job) => {
  Deno.writeTextFileSync(job.fn("../" + Deno.env.get("OTHER_JOB") + "/trusted.txt"), "x");
}, { sandbox: false });
project.operation("hello", () => console.log("hello from the sandbox"));
project.command("cmd", "touch cmd.txt");
`;

interface Fixture {
  root: string;
  mainModule: string;
  ids: string[];
  dir(id: string): string;
}

async function fixture(dir: string, extraTopLevel = ""): Promise<Fixture> {
  const project = await Project.init(`${dir}/p`);
  const ids: string[] = [];
  for (const i of [1, 2]) ids.push((await project.openJob({ i }).init()).id);
  const file = `${project.root}/project.ts`;
  Deno.writeTextFileSync(
    file,
    `import { FlowProject } from "${MOD}";\n${extraTopLevel}\n` +
      `const project = new FlowProject();\n${OPERATIONS}\n` +
      `if (import.meta.main) await project.main();\n`,
  );
  return {
    root: project.root,
    mainModule: new URL(`file://${file}`).href,
    ids,
    dir: (id) => `${project.root}/workspace/${id}`,
  };
}

const DRIVER = new URL("./_sandbox_driver.ts", import.meta.url).pathname;

/** Runs a scenario through the sandbox API in a `deno run` process, as `flow run` would. */
async function drive(
  fx: Fixture,
  mechanism: SandboxMechanism,
  writable: string[],
  steps: Scenario["steps"],
  env: Record<string, string> = {},
): Promise<Report & { stdout: string }> {
  const scenario: Scenario = {
    mainModule: fx.mainModule,
    projectRoot: fx.root,
    writable,
    env: { OTHER_JOB: fx.ids[1] },
    mechanism,
    steps,
  };
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--unstable-worker-options", "--quiet", DRIVER, JSON.stringify(scenario)],
    env: { NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).output();
  const stdout = new TextDecoder().decode(r.stdout);
  const stderr = new TextDecoder().decode(r.stderr);
  assertEquals(r.code, 0, stderr);
  const line = stdout.split("\n").find((l) => l.startsWith("@@report "));
  assert(line, `no report in ${stdout}\n${stderr}`);
  const report = JSON.parse(line.slice("@@report ".length)) as Report;
  assertEquals(report.mechanism, mechanism);
  return { ...report, stdout };
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

for (const mechanism of ["worker", "process"] as const) {
  Deno.test(`[${mechanism}] an operation writes its own job directory`, async () => {
    await withTempDir(async (dir) => {
      const fx = await fixture(dir);
      const [a] = fx.ids;
      const r = await drive(fx, mechanism, [fx.dir(a)], [{ op: "good", jobs: [a] }]);
      assertEquals(r.outcomes.map((o) => o.ok), [true]);
      assertEquals(Deno.readTextFileSync(`${fx.dir(a)}/good.txt`), "1");
      const doc = JSON.parse(Deno.readTextFileSync(`${fx.dir(a)}/signac_job_document.json`));
      assertEquals(doc, { good: true });
    });
  });

  Deno.test(`[${mechanism}] writing another job's directory fails with NotCapable`, async () => {
    await withTempDir(async (dir) => {
      const fx = await fixture(dir);
      const [a, b] = fx.ids;
      const r = await drive(fx, mechanism, [fx.dir(a)], [
        { op: "other", jobs: [a] },
        { op: "good", jobs: [a] }, // the sandbox goes on after an operation's failure
      ]);
      const [other, good] = r.outcomes;
      assertEquals([other.ok, other.kind, other.errorName], [
        false,
        "SandboxOperationError",
        "NotCapable",
      ]);
      assertStringIncludes(other.message!, "NotCapable: ");
      assertStringIncludes(other.message!, `Requires write access to "${fx.dir(b)}/stolen.txt"`);
      assertStringIncludes(other.message!, "operation 'other' runs sandboxed");
      assert(good.ok);
      assert(!exists(`${fx.dir(b)}/stolen.txt`));
      assert(exists(`${fx.dir(a)}/good.txt`));
    });
  });

  Deno.test(`[${mechanism}] the environment holds the allow list and what is passed`, async () => {
    await withTempDir(async (dir) => {
      const fx = await fixture(dir);
      const [a] = fx.ids;
      const r = await drive(fx, mechanism, [fx.dir(a)], [
        { op: "env", jobs: [a], env: { FLOW_OPERATION: "env" } },
        { op: "net", jobs: [a] },
      ], { FLOW_TEST_SECRET: "hunter2" });
      assert(r.outcomes[0].ok, r.outcomes[0].message);
      assertEquals([r.outcomes[1].ok, r.outcomes[1].errorName], [false, "NotCapable"]);
      assertStringIncludes(r.outcomes[1].message!, "net access");
      const seen = JSON.parse(Deno.readTextFileSync(`${fx.dir(a)}/env.json`));
      assertEquals(seen.deno, null);
      assertEquals(seen.node, null);
      assertEquals(seen.op, "env");
      assertEquals(seen.nodeOp, "env"); // Node's process.env is the same view
      assert(seen.state !== "granted", `env permission is ${seen.state}`);
      assert(!seen.keys.includes("FLOW_TEST_SECRET"));
      assert(!seen.keys.includes("PATH"));
      assert(seen.keys.includes("OTHER_JOB"));
    });
  });

  Deno.test(`[${mechanism}] several operations run in one sandbox and share it`, async () => {
    await withTempDir(async (dir) => {
      const fx = await fixture(dir);
      const [a, b] = fx.ids;
      const writable = writablePaths([fx.dir(a), fx.dir(b)], ["out"]);
      const r = await drive(fx, mechanism, writable, [
        { op: "count", jobs: [a] },
        { op: "count", jobs: [a] },
        { op: "good", jobs: [b] },
        [{ op: "count", jobs: [b] }, { op: "pair", jobs: [a, b] }],
        { op: "hello", jobs: [a] },
      ]);
      assertEquals(r.outcomes.map((o) => o.ok), [true, true, true, true, true, true]);
      assertEquals(Deno.readTextFileSync(`${fx.dir(a)}/count.txt`), "2");
      assertEquals(Deno.readTextFileSync(`${fx.dir(b)}/count.txt`), "3");
      assertEquals(Deno.readTextFileSync(`${fx.dir(a)}/pair.txt`), b);
      assertEquals(Deno.readTextFileSync(`${fx.dir(b)}/pair.txt`), a);
      // the operations' output reaches this process's stdout, before the report
      assert(r.stdout.indexOf("hello from the sandbox") < r.stdout.indexOf("@@report"));
      assert(r.stdout.includes("hello from the sandbox\n"));
    });
  });

  Deno.test(`[${mechanism}] errors escaping an operation and exit() fail it`, async () => {
    await withTempDir(async (dir) => {
      const fx = await fixture(dir);
      const [a] = fx.ids;
      const r = await drive(fx, mechanism, [fx.dir(a)], [
        { op: "late", jobs: [a] },
        { op: "exit", jobs: [a] },
        { op: "nodeExit", jobs: [a] },
        { op: "nope", jobs: [a] },
        { op: "count", jobs: [a] },
      ]);
      const [late, exit, nodeExit, nope, count] = r.outcomes;
      assertEquals([late.kind, late.message], ["SandboxOperationError", "late failure"]);
      assertStringIncludes(exit.message!, "not allowed in a sandboxed operation");
      assertStringIncludes(nodeExit.message!, "exit(4) is not allowed in a sandboxed operation");
      assertStringIncludes(nope.message!, "no function operation 'nope'");
      assert(count.ok);
      assertEquals(Deno.readTextFileSync(`${fx.dir(a)}/count.txt`), "1");
    });
  });

  Deno.test(`[${mechanism}] kill() stops a long-running operation`, async () => {
    await withTempDir(async (dir) => {
      const fx = await fixture(dir);
      const [a] = fx.ids;
      const r = await drive(fx, mechanism, [fx.dir(a)], [
        { op: "count", jobs: [a] },
        { op: "sleep", jobs: [a], killAfterMs: 100 },
        { op: "count", jobs: [a] },
      ]);
      const [, sleep, after] = r.outcomes;
      assertEquals([sleep.ok, sleep.kind, sleep.message], [
        false,
        "SandboxError",
        "killed after 100 ms",
      ]);
      assert(sleep.ms < 5_000, `kill took ${sleep.ms} ms`);
      assertEquals([after.ok, after.kind], [false, "SandboxError"]);
      assert(r.totalMs < 30_000);
    });
  });

  Deno.test(`[${mechanism}] a module that reads outside the project fails to load`, async () => {
    await withTempDir(async (dir) => {
      const outside = `${dir}/outside.txt`;
      Deno.writeTextFileSync(outside, "private");
      const fx = await fixture(dir, `Deno.readTextFileSync(${JSON.stringify(outside)});`);
      const [a] = fx.ids;
      const r = await drive(fx, mechanism, [fx.dir(a)], [{ op: "good", jobs: [a] }]);
      const [good] = r.outcomes;
      assertEquals([good.ok, good.kind], [false, "SandboxError"]);
      assertStringIncludes(
        good.message!,
        `cannot load ${fx.mainModule} in the sandbox: NotCapable`,
      );
      assertStringIncludes(good.message!, outside);
      assert(!exists(`${fx.dir(a)}/good.txt`));
    });
  });
}

Deno.test("sandbox: false runs in-process with this process's permissions", async () => {
  await withTempDir(async (dir) => {
    const fx = await fixture(dir);
    const [a, b] = fx.ids;
    const { flowProjects } = await import("../../src/cli/flow_project.ts");
    // imported here, the project belongs to this test's main module; name it explicitly
    await import(fx.mainModule);
    const project = flowProjects().findLast((p: FlowProject) =>
      registryOf(p).operations.some((o) => o.name === "trusted")
    )!;
    const trusted = registryOf(project).operation("trusted");
    assertEquals(trusted.sandbox, false);
    assert(!isSandboxed(trusted));
    assert(isSandboxed(registryOf(project).operation("good")));
    assert(!isSandboxed(registryOf(project).operation("cmd")));
    assertEquals(registryOf(project).operation("good").module, project.module);
    // in-process, the other job's directory is writable (no scoping)
    Deno.env.set("OTHER_JOB", b);
    try {
      const job = await (await Project.open(fx.root)).job(a);
      if (trusted.body.kind !== "function") throw new Error("not a function operation");
      await trusted.body.fn(job);
    } finally {
      Deno.env.delete("OTHER_JOB");
    }
    assert(exists(`${fx.dir(b)}/trusted.txt`));
  });
});

Deno.test("sandboxSpecFor covers every member's directory and the declared paths", async () => {
  await withTempDir(async (dir) => {
    const fx = await fixture(dir);
    const { flowProjects } = await import("../../src/cli/flow_project.ts");
    await import(fx.mainModule);
    const project = flowProjects().findLast((p: FlowProject) =>
      registryOf(p).operations.some((o) => o.name === "pair")
    )!;
    const p = await Project.open(fx.root);
    const jobs = await Promise.all(fx.ids.map((id) => p.job(id)));
    const ops = [registryOf(project).operation("pair"), registryOf(project).operation("good")];
    const spec = sandboxSpecFor(ops, { projectRoot: fx.root, jobs, env: { X: "1" } });
    assertEquals(spec.mainModule, project.module);
    assertEquals(spec.writable, [
      fx.dir(fx.ids[0]),
      fx.dir(fx.ids[1]),
      `${fx.dir(fx.ids[0])}/out`,
      `${fx.dir(fx.ids[1])}/out`,
    ]);
    assertEquals(spec.env, { X: "1" });
    const noModule = { ...ops[1], module: undefined };
    await assertRejects(
      () => Promise.resolve().then(() => sandboxSpecFor([noModule], { projectRoot: "/p", jobs })),
      SandboxError,
      "sandbox: false",
    );
  });
});

Deno.test("sandboxPermissions: the exact lists", () => {
  const p = sandboxPermissions({
    mainModule: "file:///srv/proj/project.ts",
    projectRoot: "/srv/proj",
    writable: ["/srv/proj/workspace/a", "/srv/proj/workspace/a/"],
    readable: ["/data"],
    env: { FLOW_JOB_ID: "a" },
  });
  assertEquals(p.read, ["/srv/proj", LIBRARY, "/data"]);
  assertEquals(p.write, ["/srv/proj/workspace/a"]);
  assertEquals(p.sys, ["hostname"]);
  assertEquals(p.import, []);
  assertEquals([p.net, p.run, p.ffi], [false, false, false]);
  assert(p.env.includes("FLOW_JOB_ID"));
  assert(!p.env.includes("PATH"));
  const remote = sandboxPermissions({
    mainModule: "https://example.com:8443/x/project.ts",
    projectRoot: "/srv/proj",
    writable: [],
  });
  assertEquals(remote.import, ["example.com:8443"]);
});

Deno.test("writablePaths resolves relative declarations against each job directory", () => {
  assertEquals(writablePaths(["/w/a", "/w/b"], ["out", "/scratch", "../shared"]), [
    "/w/a",
    "/w/b",
    "/w/a/out",
    "/w/b/out",
    "/scratch",
    "/w/shared",
  ]);
});

Deno.test("detectSandboxMechanism honours FLOW_SANDBOX", () => {
  const before = Deno.env.get("FLOW_SANDBOX");
  try {
    Deno.env.set("FLOW_SANDBOX", "process");
    assertEquals(detectSandboxMechanism(), "process");
    Deno.env.set("FLOW_SANDBOX", "worker");
    assertEquals(detectSandboxMechanism(), "worker");
    Deno.env.set("FLOW_SANDBOX", "none");
    let caught: unknown;
    try {
      detectSandboxMechanism();
    } catch (e) {
      caught = e;
    }
    assert(caught instanceof SandboxError);
  } finally {
    if (before === undefined) Deno.env.delete("FLOW_SANDBOX");
    else Deno.env.set("FLOW_SANDBOX", before);
  }
});
