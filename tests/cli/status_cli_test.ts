// End-to-end tests of `flow status`: the real CLI on a flow.yaml project.
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../_assert.ts";
import { flow, flowOnTerminal, flowProject, withTempDir } from "../_helpers.ts";

const FLOW_YAML = `
operations:
  prep:
    command: touch a.txt
    post: [{isfile: a.txt}]
  run:
    command: touch b.txt
    pre: [{after: prep}]
    post: [{isfile: b.txt}]
  reduce:
    command: echo {jobs.ids}
    pre: [{isfile: a.txt}]
    post: [{doc: reduced}]
    aggregate: {groupBy: kind}
groups:
  ex:
    operations: [prep, run]
labels:
  has_a: {isfile: a.txt}
  fast: {doc: {speed: fast}}
`;

interface Study {
  dir: string;
  /** Job ids by T. */
  ids: Map<number, string>;
}

/**
 * Three jobs T = 1, 2, 3 (kind x, x, y; nested a.b = T * 10): T=1 has a.txt
 * and b.txt, T=2 has a.txt, T=3 has nothing; T=1's document says speed fast.
 */
async function study(dir: string): Promise<Study> {
  let r = await flow(["init", dir]);
  assertEquals(r.code, 0, r.stderr);
  Deno.writeTextFileSync(`${dir}/flow.yaml`, FLOW_YAML);
  const sps = [1, 2, 3].map((T) =>
    JSON.stringify({ T, kind: T < 3 ? "x" : "y", a: { b: T * 10 } })
  );
  r = await flow(["job", "create", ...sps], { cwd: dir });
  assertEquals(r.code, 0, r.stderr);
  const ids = new Map(r.stdout.trim().split("\n").map((id, i) => [i + 1, id]));
  const path = (T: number, f: string) => `${dir}/workspace/${ids.get(T)}/${f}`;
  Deno.writeTextFileSync(path(1, "a.txt"), "");
  Deno.writeTextFileSync(path(1, "b.txt"), "");
  Deno.writeTextFileSync(path(2, "a.txt"), "");
  Deno.writeTextFileSync(path(1, "signac_job_document.json"), '{"speed": "fast"}');
  return { dir, ids };
}

/** The aggregate id of the kind=x jobs (T=1 and T=2), as `flow status --json` reports it. */
function aggOf(json: Record<string, { jobs: string[] }>): string {
  const aggs = Object.keys(json).filter((k) => k.startsWith("agg-"));
  assertEquals(aggs.length, 1, Object.keys(json).join(" "));
  return aggs[0];
}

Deno.test("a broken job document stops status with its file, the reason and where to look for more", async () => {
  await withTempDir(async (dir) => {
    const [id] = await flowProject(
      dir,
      ['{"i": 1}', '{"i": 2}'],
      "operations:\n  a: {command: 'true', post: [{doc: done}]}\n",
    );
    const doc = `${dir}/workspace/${id}/signac_job_document.json`;
    Deno.writeTextFileSync(doc, '{"done": tr');
    const r = await flow(["status"], { cwd: dir });
    assertEquals(r.code, 2);
    assertEquals(
      r.stderr,
      `flow: error: ${doc}: invalid JSON at line 1, column 10: unexpected text, expected a value ` +
        "(fix or remove it; 'flow check' lists every job whose document is broken)\n",
    );
  });
});

Deno.test("flow status: overview, labels and one summary row per operation and group", async () => {
  await withTempDir(async (dir) => {
    await study(dir);
    const r = await flow(["status"], { cwd: dir });
    assertEquals(r.code, 0, r.stderr);
    assertEquals(r.stderr, "", "no progress bar off a terminal");
    const lines = r.stdout.split("\n");
    assertEquals(
      lines[0],
      "Overview: 3 jobs, 2 with eligible operations; 1 aggregate, 1 with eligible operations",
    );
    assertMatch(r.stdout, /^has_a +2 +█{13}░{7} 66%$/m);
    assertMatch(r.stdout, /^fast +1 +█{6}░{14} 33%$/m);
    assertMatch(r.stdout, /^prep +1 +2 +3 +█{13}░{7} 66%$/m);
    assertMatch(r.stdout, /^run +1 +1 +3 /m);
    // groupBy kind: the x aggregate (T=1, T=2: both have a.txt) is eligible; y is T=3 alone.
    assertMatch(r.stdout, /^reduce \(aggregate\) +1 +0 +2 /m);
    assertMatch(r.stdout, /^ex \(group\) +2 +1 +3 /m);
    assert(!r.stdout.includes("Detailed"));
  });
});

Deno.test("flow status --json: the documented schema, keyed by job and aggregate id", async () => {
  await withTempDir(async (dir) => {
    const { ids } = await study(dir);
    const r = await flow(["status", "--json"], { cwd: dir });
    assertEquals(r.code, 0, r.stderr);
    const json = JSON.parse(r.stdout);
    assertEquals(r.stdout.trim(), JSON.stringify(json, null, 2));
    const agg = aggOf(json);
    const [t1, t2, t3] = [1, 2, 3].map((T) => ids.get(T)!);
    assertEquals(Object.keys(json).sort(), [t1, t2, t3, agg].sort());
    const s = (eligible: boolean, completed: boolean, status: string) => ({
      eligible,
      completed,
      status,
    });
    assertEquals(json[t1], {
      jobs: [t1],
      operations: { prep: s(false, true, "complete"), run: s(false, true, "complete") },
      groups: { ex: s(false, true, "complete") },
      labels: ["has_a", "fast"],
    });
    assertEquals(json[t2], {
      jobs: [t2],
      operations: { prep: s(false, true, "complete"), run: s(true, false, "eligible") },
      groups: { ex: s(true, false, "eligible") },
      labels: ["has_a"],
    });
    // T=3 is alone in its aggregate (kind y), so reduce applies to the job itself.
    assertEquals(json[t3].operations.reduce, s(false, false, "ineligible"));
    assertEquals(json[t3].operations.prep, s(true, false, "eligible"));
    assertEquals(json[agg], {
      jobs: [t1, t2].sort(),
      operations: { reduce: s(true, false, "eligible") },
      groups: {},
      labels: ["has_a"],
    });
  });
});

Deno.test("flow status -d -p: legend, state point columns (dotted keys), per-cell states, labels", async () => {
  await withTempDir(async (dir) => {
    const { ids } = await study(dir);
    const r = await flow(["status", "-p", "T", "a.b"], { cwd: dir });
    assertEquals(r.code, 0, r.stderr);
    const detail = r.stdout.slice(r.stdout.indexOf("Detailed:\n"));
    assertStringIncludes(detail, "Legend: ready = eligible, done = complete, - = not eligible");
    assertMatch(
      detail,
      /^job \/ aggregate +T +a\.b +prep +run +reduce \(aggregate\) +ex \(group\) +labels$/m,
    );
    const row = (id: string) => detail.split("\n").find((l) => l.startsWith(id)) ?? "";
    assertMatch(row(ids.get(1)!), /^\w{32} +1 +10 +done +done +done +has_a, fast$/);
    assertMatch(row(ids.get(2)!), /^\w{32} +2 +20 +done +ready +ready +has_a$/);
    assertMatch(row(ids.get(3)!), /^\w{32} +3 +30 +ready +- +- +ready$/);
    assertMatch(row("agg-"), /^agg-\w{32} +\(mixed\) +\(mixed\) +ready +has_a$/);
    const missing = await flow(["status", "-p", "nope"], { cwd: dir });
    assertEquals(missing.code, 0);
    assertStringIncludes(missing.stderr, "warning: no selected job has the state point key 'nope'");
  });
});

Deno.test("flow status --only-incomplete drops complete operations and complete rows", async () => {
  await withTempDir(async (dir) => {
    const { ids } = await study(dir);
    const r = await flow(["status", "-o", "prep|run", "-d", "--only-incomplete"], { cwd: dir });
    assertEquals(r.code, 0, r.stderr);
    assertMatch(r.stdout, /^prep +1 +2 +3/m);
    assert(!r.stdout.includes(ids.get(1)!), "T=1 is complete for prep and run");
    assertStringIncludes(r.stdout, ids.get(2)!);
    assertStringIncludes(r.stdout, ids.get(3)!);
    const json = await flow(["status", "-o", "prep", "--only-incomplete", "--json"], { cwd: dir });
    assertEquals(Object.keys(JSON.parse(json.stdout)), [ids.get(3)!]);
    const none = await flow(["status", "-o", "prep", "-j", ids.get(1)!, "--only-incomplete"], {
      cwd: dir,
    });
    assertStringIncludes(none.stdout, "every selected operation and group is complete");
  });
});

Deno.test("flow status -o, -j (ids, prefixes, agg- ids) and -f select what is shown", async () => {
  await withTempDir(async (dir) => {
    const { ids } = await study(dir);
    const keys = async (args: string[]) => {
      const r = await flow(["status", "--json", ...args], { cwd: dir });
      assertEquals(r.code, 0, `${args.join(" ")}: ${r.stderr}`);
      return JSON.parse(r.stdout) as Record<string, { operations: object; groups: object }>;
    };
    const all = await keys([]);
    const agg = aggOf(all as never);
    const byOp = await keys(["-o", "ex"]);
    assertEquals(Object.keys(byOp[ids.get(1)!].operations), []);
    assertEquals(Object.keys(byOp[ids.get(1)!].groups), ["ex"]);
    assertEquals(Object.keys(await keys(["-j", ids.get(2)!.slice(0, 6)])), [ids.get(2)!]);
    assertEquals(Object.keys(await keys(["-j", agg.slice(0, 10)])), [agg]);
    // -f keeps T=1 and T=2: both jobs of the x aggregate, so it is shown too.
    assertEquals(
      Object.keys(await keys(["-f", "kind", "x"])).sort(),
      [ids.get(1)!, ids.get(2)!, agg].sort(),
    );
    assertEquals(Object.keys(await keys(["-f", "a.b", "30"])), [ids.get(3)!]);
    const text = await flow(["status", "-f", "T", "1"], { cwd: dir });
    assertEquals(text.stdout.split("\n")[0], "Overview: 1 job, 0 with eligible operations");
  });
});

Deno.test("flow status errors: one line on stderr, exit 2", async () => {
  await withTempDir(async (dir) => {
    await study(dir);
    const cases: [string[], RegExp][] = [
      [["-o", "prepp"], /unknown operation or group 'prepp' \(did you mean 'prep'\?\)/],
      [["-o", "(x"], /not a valid regular expression/],
      [["-j", "zz"], /not a job id/],
      [["-j", "0123456789abcdef0123456789abcdef"], /no job with id/],
      [["-j", "agg-0000"], /no aggregate 'agg-0000'/],
      [["-f", '{"T": {"$gtt": 1}}'], /\$gtt/],
    ];
    for (const [args, re] of cases) {
      const r = await flow(["status", ...args], { cwd: dir });
      assertEquals(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assertEquals(r.stderr.trim().split("\n").length, 1, r.stderr);
      assertMatch(r.stderr, /^flow: error: /);
      assertMatch(r.stderr, re);
      assertEquals(r.stdout, "");
    }
    Deno.removeSync(`${dir}/flow.yaml`);
    const none = await flow(["status"], { cwd: dir });
    assertEquals(none.code, 2);
    assertMatch(none.stderr, /no flow\.yaml/);
  });
});

Deno.test("flow status follows every change of flow.yaml through its parse cache", async () => {
  await withTempDir(async (dir) => {
    await study(dir);
    const rows = async () => {
      const r = await flow(["status", "--json"], { cwd: dir });
      assertEquals(r.code, 0, r.stderr);
      const json = JSON.parse(r.stdout) as Record<string, { operations: Record<string, unknown> }>;
      return [...new Set(Object.values(json).flatMap((v) => Object.keys(v.operations)))].sort();
    };
    assertEquals(await rows(), ["prep", "reduce", "run"]);
    assert(Deno.readTextFileSync(`${dir}/.flow/flow-yaml.cache`).includes("touch b.txt"));
    // Edited within the same second: the text, not a time stamp, decides.
    Deno.writeTextFileSync(`${dir}/flow.yaml`, FLOW_YAML + "operations2: {}\n");
    const bad = await flow(["status"], { cwd: dir });
    assertEquals(bad.code, 2);
    assertMatch(bad.stderr, /flow\.yaml:\d+:1: unknown key 'operations2' at the top level/);
    Deno.writeTextFileSync(
      `${dir}/flow.yaml`,
      FLOW_YAML.replace("operations:\n", "operations:\n  extra: {command: touch c.txt}\n"),
    );
    assertEquals(await rows(), ["extra", "prep", "reduce", "run"]);
    Deno.writeTextFileSync(`${dir}/flow.yaml`, FLOW_YAML);
    assertEquals(await rows(), ["prep", "reduce", "run"]);
  });
});

Deno.test("flow status warns once about broken job directories and goes on", async () => {
  await withTempDir(async (dir) => {
    await study(dir);
    Deno.mkdirSync(`${dir}/workspace/ffffffffffffffffffffffffffffffff`);
    Deno.mkdirSync(`${dir}/workspace/eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee`);
    const r = await flow(["status"], { cwd: dir });
    assertEquals(r.code, 0, r.stderr);
    assertEquals(r.stderr.trim().split("\n").length, 1, r.stderr);
    assertMatch(r.stderr, /^warning: skipped 2 broken job directories/);
    assertEquals(r.stdout.split("\n")[0].startsWith("Overview: 3 jobs"), true);
  });
});

Deno.test("flow status --help documents the JSON schema and shows examples", async () => {
  const r = await flow(["status", "--help"]);
  assertEquals(r.code, 0, r.stderr);
  assertStringIncludes(r.stdout, '"operations": {"<name>": {"eligible": true, "completed": false,');
  assertStringIncludes(r.stdout, "Examples:\n  flow status\n");
  assertStringIncludes(r.stdout, "--only-incomplete");
});

Deno.test("flow status reads state points only when a condition, -f, -j or -p needs them", async () => {
  await withTempDir(async (dir) => {
    let r = await flow(["init", dir]);
    assertEquals(r.code, 0, r.stderr);
    const files = "operations:\n  prep:\n    command: touch a.txt\n    post: [{isfile: a.txt}]\n" +
      "  post:\n    command: 'true'\n    pre: [{after: prep}]\n    post: [{doc: done}]\n";
    Deno.writeTextFileSync(`${dir}/flow.yaml`, files);
    r = await flow(["job", "create", '{"T": 1}', '{"T": 2}'], { cwd: dir });
    const [one, two] = r.stdout.trim().split("\n");
    Deno.writeTextFileSync(`${dir}/workspace/${two}/signac_statepoint.json`, "{garbled");
    const index = () => Deno.readTextFileSync(`${dir}/.flow/workspace.index`).split("\n").slice(1);

    // File and document conditions only: ids listed, no state point read.
    r = await flow(["status"], { cwd: dir });
    assertEquals(r.code, 0, r.stderr);
    assertStringIncludes(r.stdout, "Overview: 2 jobs");
    assertEquals(r.stderr, "");
    assertEquals(index().sort(), ["", one, two].sort(), "ids alone: no state point read");
    // -p needs them: read, the broken one reported and left out.
    r = await flow(["status", "-p", "T"], { cwd: dir });
    assertEquals(r.code, 0, r.stderr);
    assertStringIncludes(r.stdout, "Overview: 1 job,");
    assertStringIncludes(r.stderr, `skipped 1 broken job directory (${two}:`);
    assertEquals(index().filter((l) => l.length > 0 && !l.startsWith("!")), [`${one}\t{"T": 1}`]);
    // Once known to be broken, a status that reads none still reports it.
    r = await flow(["status"], { cwd: dir });
    assertStringIncludes(r.stderr, `skipped 1 broken job directory (${two}:`);
    assertStringIncludes(r.stdout, "Overview: 1 job,");

    // A shell condition may use the state point: a fresh project lists them all.
    Deno.removeSync(`${dir}/.flow`, { recursive: true });
    Deno.writeTextFileSync(
      `${dir}/flow.yaml`,
      files + "  check:\n    command: 'true'\n    post: [{sh: 'test {job.sp.T} = 1'}]\n",
    );
    r = await flow(["status"], { cwd: dir });
    assertEquals(r.code, 0, r.stderr);
    assertStringIncludes(r.stderr, `skipped 1 broken job directory (${two}:`);
    assertEquals(index().filter((l) => l.length === 32), [], "no id without its state point");
  });
});

Deno.test("on a terminal, long work draws a progress bar (the bar library loaded on demand)", async () => {
  await withTempDir(async (dir) => {
    let r = await flow(["init", dir]);
    assertEquals(r.code, 0, r.stderr);
    Deno.writeTextFileSync(
      `${dir}/flow.yaml`,
      "operations:\n  prep:\n    command: touch a.txt\n    post: [{isfile: a.txt}]\n",
    );
    // 600 jobs: more than the 500 steps from which a bar is drawn.
    const values = Array.from({ length: 600 }, (_, i) => i);
    Deno.writeTextFileSync(`${dir}/grid.yaml`, `i: [${values.join(", ")}]\n`);
    const t = await flowOnTerminal(["job", "create", "--grid", "grid.yaml"], { cwd: dir });
    assertEquals(t.code, 0, t.output);
    assertMatch(t.output, /creating jobs \[[█░]+\] \d+\/600/);
    const s = await flowOnTerminal(["status"], { cwd: dir });
    assertEquals(s.code, 0, s.output);
    assertMatch(s.output, /status \[[█░]+\] \d+\/600/);
    assertStringIncludes(s.output, "Overview: 600 jobs");
    // Off a terminal, neither draws one.
    r = await flow(["status"], { cwd: dir });
    assertEquals(r.stderr, "");
  });
});

Deno.test("status shows what a flow run runs now, from its claims (text, -d and --json)", async () => {
  await withTempDir(async (dir) => {
    const ids = await flowProject(
      dir,
      ['{"T": 1}', '{"T": 2}'],
      'operations:\n  slow: {command: "while [ ! -e {project.path}/go ]; do sleep 0.1; done; touch s", post: [{isfile: s}]}\n',
    );
    const quiet = await flow(["status"], { cwd: dir });
    assert(!quiet.stdout.includes("Running now"), quiet.stdout);
    // A run that holds both jobs until told to go on.
    const run = flow(["run", "--parallel"], { cwd: dir });
    try {
      const claims = `${dir}/.flow/claims`;
      for (let i = 0; i < 300; i++) {
        let n = 0;
        try {
          n = [...Deno.readDirSync(claims)].length;
        } catch {
          // not yet
        }
        if (n === 2) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      const text = await flow(["status", "-d"], { cwd: dir });
      assertEquals(text.code, 0, text.stderr);
      assertStringIncludes(text.stdout, "Running now (flow run):\noperation         running\nslow");
      for (const id of ids) assertMatch(text.stdout, new RegExp(`${id}  slow  +\\S+:\\d+ `));
      const json = await flow(["status", "--json"], { cwd: dir });
      const doc = JSON.parse(json.stdout);
      for (const id of ids) {
        assertEquals(Object.keys(doc[id].running), ["slow"]);
        assertEquals(typeof doc[id].running.slow.pid, "number");
        assert(!Number.isNaN(Date.parse(doc[id].running.slow.since)));
      }
    } finally {
      Deno.writeTextFileSync(`${dir}/go`, "");
      assertEquals((await run).code, 0);
    }
    const after = await flow(["status", "--json"], { cwd: dir });
    assertEquals(JSON.parse(after.stdout)[ids[0]].running, undefined);
  });
});

Deno.test("flow status: states kept from the last status are used only while nothing changed", async () => {
  await withTempDir(async (dir) => {
    const { ids } = await study(dir);
    // Results are kept once their job has not changed for two seconds.
    await new Promise((r) => setTimeout(r, 2300));
    const status = async (...args: string[]) => {
      const r = await flow(["status", "--json", ...args], { cwd: dir });
      assertEquals(r.code, 0, r.stderr);
      return JSON.parse(r.stdout);
    };
    const truth = await status("--no-cache");
    for (let i = 0; i < 3; i++) assertEquals(await status(), truth, `status ${i + 1}`);
    assert(Deno.statSync(`${dir}/.flow/status.cache`).isFile, "states kept");
    assertEquals(await status(), truth, "read back");
    // T=3 gains a.txt: prep complete there, run eligible, has_a, and the reduce of kind y eligible.
    Deno.writeTextFileSync(`${dir}/workspace/${ids.get(3)}/a.txt`, "");
    const now = await status("--no-cache");
    assert(JSON.stringify(now) !== JSON.stringify(truth));
    assertEquals(await status(), now);
    assertEquals(await status(), now);
  });
});
