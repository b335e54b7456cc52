// What the compiled binary does, proved by running cli.ts under exactly its permissions.
// (`deno compile` cannot run on our machines: it downloads its runtime from a host we cannot reach.)
import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import { flow, FLOW_PERMISSIONS, V8_FLAGS, withTempDir } from "../_helpers.ts";

const config = JSON.parse(Deno.readTextFileSync(new URL("../../deno.json", import.meta.url)));

Deno.test("one permission list: the compile tasks, the flow task and the tests all use the set 'flow'", () => {
  const tasks: Record<string, string> = config.tasks;
  const uses = (cmd: string) => /(^|\s)-P=flow(\s|$)/.test(cmd);
  assert(uses(tasks.compile) && tasks.compile.startsWith("deno compile"), tasks.compile);
  const all = tasks["compile:all"].split("&&").map((s) => s.trim());
  assertEquals(all.length, 4);
  for (const c of all) assert(uses(c) && c.includes("--target"), c);
  assert(uses(tasks.flow), tasks.flow);
  // Workers are not found by the compiler's module graph: each must be included.
  for (const c of [tasks.compile, ...all]) {
    for (const worker of ["src/registry/_stamp_worker.ts", "src/workspace/_statepoint_worker.ts"]) {
      assert(c.includes(`--include ${worker}`), `${worker} not included: ${c}`);
    }
  }
  assert(FLOW_PERMISSIONS.includes("-P=flow"), "the tests run cli.ts under the same set");
  for (const cmd of [tasks.compile, ...all, tasks.flow, FLOW_PERMISSIONS.join(" ")]) {
    assert(!/(^|\s)(-A|--allow-all|--allow-\w+)/.test(cmd), `no other permission flag in: ${cmd}`);
    // The same V8 flags too: the memory figures of bench/scale.ts are the binary's.
    assert(cmd.split(/\s+/).includes(V8_FLAGS), `${V8_FLAGS} in: ${cmd}`);
  }
  const set = config.permissions.flow;
  assert(!("all" in set), "no allow-all in the set");
  assert(
    Array.isArray(set.run) && set.run.includes("bash") && set.run.includes("sbatch"),
    "run is a list",
  );
  assertEquals(
    JSON.parse(Deno.readTextFileSync(new URL("../../deno.json", import.meta.url))).version,
    config.version,
  );
});

Deno.test("the binary's behaviour under its own permissions: init, job create, run, status, submit --pretend", async () => {
  await withTempDir(async (dir) => {
    const p = `${dir}/study`;
    const init = await flow(["init", p]);
    assertEquals(init.code, 0, init.stderr);
    Deno.writeTextFileSync(
      `${p}/flow.yaml`,
      `operations:\n  prep:\n    command: echo {job.sp.T} > a.txt\n    post: [{isfile: a.txt}]\n` +
        `    directives: {np: 1, walltime: "00:10:00"}\n`,
    );
    const jobs = await flow(["job", "create", '{"T": 1.0}', '{"T": 2.5}'], { cwd: p });
    assertEquals(jobs.code, 0, jobs.stderr);
    const ids = jobs.stdout.trim().split("\n");
    const run = await flow(["run", "--parallel"], { cwd: p });
    assertEquals(run.code, 0, run.stderr);
    assertEquals(Deno.readTextFileSync(`${p}/workspace/${ids[0]}/a.txt`).trim(), "1.0");
    const status = await flow(["status"], { cwd: p });
    assertEquals(status.code, 0, status.stderr);
    assertStringIncludes(status.stdout, "prep");
    assertStringIncludes(status.stdout, "100%");
    const json = JSON.parse((await flow(["status", "--json"], { cwd: p })).stdout);
    assertEquals(json[ids[1]].operations.prep.completed, true);
    Deno.removeSync(`${p}/workspace/${ids[1]}/a.txt`);
    const sub = await flow(["submit", "--pretend", "--cluster", "slurm"], { cwd: p });
    assertEquals(sub.code, 0, sub.stderr);
    assertStringIncludes(sub.stdout, "#SBATCH --time=00:10:00");
    assertStringIncludes(sub.stdout, `run -o prep -j ${ids[1]}`);
    assertStringIncludes(sub.stdout, "# Submit command: sbatch --parsable");
    const version = await flow(["--version"]);
    assertEquals(version.stdout.trim(), config.version);
  });
});
