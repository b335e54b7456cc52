// What cli.ts starts before the command line loads (src/cli/early.ts), and `flow status` through it.
import { assert, assertEquals } from "../_assert.ts";
import { flow, withTempDir } from "../_helpers.ts";
import { startEarly } from "../../src/cli/early.ts";
import { CONDITION_CACHE_FILE } from "../../src/registry/condition_cache.ts";
import { takeEarlyCheck } from "../../src/registry/early_check.ts";
import { SETTLE_MS } from "../../src/workspace/index.ts";
import { Project } from "../../src/workspace/project.ts";

const FLOW_YAML = `
operations:
  prep:
    command: touch a.txt
    post: [{isfile: a.txt}]
  compute:
    command: touch b.txt
    pre: [{after: prep}]
    post: [{isfile: b.txt}]
`;

/** Any size of cache file starts a check. */
const ANY = { fromLines: 0, belowLines: Infinity };

/** Ends the check `startEarly` started for `root` (none is left running between tests). */
function end(root: string): void {
  takeEarlyCheck(`${root}/${CONDITION_CACHE_FILE}`)?.worker.terminate();
}

Deno.test("startEarly: `status` in a project (or below it) with a cache starts a check, nothing else does", async () => {
  await withTempDir(async (dir) => {
    const project = await Project.init(dir);
    project.openJob({ i: 1 }).initSync();
    Deno.mkdirSync(`${dir}/workspace/sub`, { recursive: true });
    assertEquals(startEarly(["status"], dir, ANY), undefined, "no cache file yet");
    Deno.mkdirSync(`${dir}/.flow`);
    Deno.writeTextFileSync(`${dir}/${CONDITION_CACHE_FILE}`, "x".repeat(1000));
    for (
      const args of [
        ["run"],
        ["submit", "--pretend"],
        ["-v", "status"], // options before the command: not looked into
        ["status", "--project", dir],
        ["status", `--project=${dir}`],
        ["status", "--no-cache"],
      ]
    ) {
      assertEquals(startEarly(args, dir, ANY), undefined, args.join(" "));
    }
    // The default range: from 8,000 lines of about 66 bytes.
    assertEquals(startEarly(["status"], dir), undefined, "15 lines");
    assertEquals(startEarly(["status", "-d"], `${dir}/workspace/sub`, ANY), dir);
    end(dir);
    assertEquals(startEarly(["status"], "/", ANY), undefined, "no project");
  });
});

Deno.test("flow status: a workspace checked from the start counts what changed since the last status", async () => {
  // 8,100 jobs: a cache file in the range an early check starts for (from 8,000 lines).
  await withTempDir(async (dir) => {
    const project = await Project.init(dir);
    Deno.writeTextFileSync(`${dir}/flow.yaml`, FLOW_YAML);
    const jobs = [];
    for (let i = 0; i < 8100; i++) {
      const job = project.openJob({ i }).initSync();
      if (i % 3 === 0) Deno.writeTextFileSync(job.fn("a.txt"), "");
      jobs.push(job);
    }
    // Results are kept once their job has not changed for SETTLE_MS.
    await new Promise((r) => setTimeout(r, SETTLE_MS + 100));
    const counts = async () => {
      const r = await flow(["status", "--json"], { cwd: dir });
      assertEquals(r.code, 0, r.stderr);
      const json = JSON.parse(r.stdout) as Record<
        string,
        { operations: Record<string, { completed: boolean }> }
      >;
      const done = (op: string) =>
        Object.values(json).filter((e) => e.operations[op].completed).length;
      return [Object.keys(json).length, done("prep"), done("compute")];
    };
    assertEquals(await counts(), [8100, 2700, 0]);
    const lines = Deno.statSync(`${dir}/${CONDITION_CACHE_FILE}`).size / 66;
    assert(lines >= 8000 && lines < 20000, `${lines} lines: not in the early check's range`);
    assertEquals(startEarly(["status"], dir), dir, "the next status checks from the start");
    end(dir);
    // Changes after the cache was written: prep done in two more jobs, undone in one, compute in one.
    Deno.writeTextFileSync(jobs[1].fn("a.txt"), "");
    Deno.writeTextFileSync(jobs[8099].fn("a.txt"), "");
    Deno.removeSync(jobs[3].fn("a.txt"));
    Deno.writeTextFileSync(jobs[6].fn("b.txt"), "");
    assertEquals(await counts(), [8100, 2701, 1]);
    assertEquals(await counts(), [8100, 2701, 1], "and again, from the cache");
  });
});

Deno.test("flow status: a first run at 20,000 jobs lists the workspace once, from the start, and scans while it evaluates", async () => {
  // 20,000 jobs: where the cache scans the job folders of a first run in a Worker.
  await withTempDir(async (dir) => {
    const project = await Project.init(dir);
    Deno.writeTextFileSync(`${dir}/flow.yaml`, FLOW_YAML);
    for (let i = 0; i < 20_000; i++) {
      const job = project.openJob({ i }).initSync();
      if (i % 3 === 0) Deno.writeTextFileSync(job.fn("a.txt"), "");
      if (i % 7 === 0) Deno.writeTextFileSync(job.fn("b.txt"), "");
    }
    // `ls` as found on PATH, with a log of where each run prints: a file from the start, a pipe
    // when the listing runs it.
    const real = new TextDecoder().decode(
      (await new Deno.Command("sh", { args: ["-c", "command -v ls"] }).output()).stdout,
    ).trim();
    Deno.mkdirSync(`${dir}/bin`);
    Deno.writeTextFileSync(
      `${dir}/bin/ls`,
      `#!/bin/sh\nout=$(readlink /proc/$$/fd/1)\necho "$out" >> ${dir}/ls.log\nexec ${real} "$@"\n`,
      { mode: 0o755 },
    );
    const env = { PATH: `${dir}/bin:${Deno.env.get("PATH")}` };
    const runs = () => {
      try {
        return Deno.readTextFileSync(`${dir}/ls.log`).trim().split("\n");
      } catch {
        return [];
      }
    };
    const first = await flow(["status", "--json"], { cwd: dir, env });
    assertEquals(first.code, 0, first.stderr);
    const printed = runs();
    assertEquals(printed.length, 1, "listed once");
    assert(printed[0].startsWith(`${dir}/.flow/`), `from the start, into a file: ${printed[0]}`);
    assert(Deno.statSync(`${dir}/${CONDITION_CACHE_FILE}`).size > 0);
    assertEquals([...Deno.readDirSync(`${dir}/.flow`)].filter((e) => e.name.endsWith(".tmp")), []);
    // What it reported is what a status without any cache reports.
    Deno.removeSync(`${dir}/.flow`, { recursive: true });
    const plain = await flow(["status", "--json", "--no-cache"], { cwd: dir, env });
    assertEquals(plain.code, 0, plain.stderr);
    assertEquals(JSON.parse(first.stdout), JSON.parse(plain.stdout));
    const json = JSON.parse(first.stdout) as Record<
      string,
      { operations: Record<string, { completed: boolean }> }
    >;
    const done = (op: string) =>
      Object.values(json).filter((e) => e.operations[op].completed).length;
    assertEquals([Object.keys(json).length, done("prep"), done("compute")], [20_000, 6667, 2858]);
  });
});
