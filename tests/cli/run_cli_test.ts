// End-to-end: flow run / exec / next through both front ends (flow.yaml and project.ts).
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../_assert.ts";
import {
  type CliResult,
  exists,
  flow,
  FLOW_PERMISSIONS,
  flowIntoClosedPipe,
  flowProject,
  flowWithFileSizeLimit,
  PROJECT_TS_FLAGS,
  withTempDir,
} from "../_helpers.ts";

const MOD = new URL("../../mod.ts", import.meta.url).href;

interface FrontEnd {
  name: string;
  write(dir: string, yaml: string, ts: string): void;
  run(dir: string, args: string[]): Promise<CliResult>;
}

const frontEnds: FrontEnd[] = [
  {
    name: "flow.yaml",
    write: (dir, yaml) => Deno.writeTextFileSync(`${dir}/flow.yaml`, yaml),
    run: (dir, args) => flow(args, { cwd: dir }),
  },
  {
    name: "project.ts",
    write: (dir, _yaml, ts) => {
      Deno.writeTextFileSync(
        `${dir}/project.ts`,
        `import { after, FlowProject, isFile, docTrue, sh, not, never } from "${MOD}";\n` +
          `const project = new FlowProject();\n${ts}\nif (import.meta.main) await project.main();\n`,
      );
      try {
        Deno.removeSync(`${dir}/flow.yaml`);
      } catch { /* none */ }
    },
    run: async (dir, args) => {
      const r = await new Deno.Command(Deno.execPath(), {
        args: ["run", ...PROJECT_TS_FLAGS, `${dir}/project.ts`, ...args],
        cwd: dir,
        stdout: "piped",
        stderr: "piped",
        stdin: "null",
        env: { NO_COLOR: "1" },
      }).output();
      const d = new TextDecoder();
      return { code: r.code, stdout: d.decode(r.stdout), stderr: d.decode(r.stderr) };
    },
  },
];

const project = (dir: string, statepoints: string[]) => flowProject(dir, statepoints);

function both(
  name: string,
  yaml: string,
  ts: string,
  body: (fe: FrontEnd, dir: string) => Promise<void>,
) {
  for (const fe of frontEnds) {
    Deno.test(`${name} [${fe.name}]`, async () => {
      await withTempDir(async (dir) => {
        fe.write(dir, yaml, ts);
        await body(fe, dir);
      });
    });
  }
}

const SEED_BASIC_YAML = `
operations:
  op1: {command: "echo one > op1.txt", post: [{isfile: op1.txt}]}
  op2: {command: "echo two > op2.txt", post: [{isfile: op2.txt}]}
groups:
  ex: {operations: [op1, op2]}
`;
const SEED_BASIC_TS = `
const ex = project.makeGroup("ex");
const op1 = project.command("op1", "echo one > op1.txt", { post: [isFile("op1.txt")] });
const op2 = project.operation("op2", (job) => Deno.writeTextFileSync(job.fn("op2.txt"), "two\\n"), { post: [isFile("op2.txt")] });
ex.add(op1).add(op2);
`;

both(
  "flow run -o ex runs the group's operations, then nothing is left",
  SEED_BASIC_YAML,
  SEED_BASIC_TS,
  async (fe, dir) => {
    const ids = await project(dir, ['{"i": 1}', '{"i": 2}']);
    const r = await fe.run(dir, ["run", "-o", "ex"]);
    assertEquals(r.code, 0, r.stderr);
    for (const id of ids) {
      assertEquals(Deno.readTextFileSync(`${dir}/workspace/${id}/op1.txt`), "one\n");
      assertEquals(Deno.readTextFileSync(`${dir}/workspace/${id}/op2.txt`), "two\n");
      const history = Deno.readTextFileSync(`${dir}/workspace/${id}/flow_history.jsonl`).trim()
        .split("\n").map((l) => JSON.parse(l));
      assertEquals(history.map((h) => `${h.event}:${h.operation}:${h.group}`), [
        "start:op1:ex",
        "finish:op1:ex",
        "start:op2:ex",
        "finish:op2:ex",
      ]);
    }
    assertStringIncludes(r.stderr, "run: 4 operations, 4 succeeded");
    const again = await fe.run(dir, ["run", "-o", "ex"]);
    assertEquals(again.code, 0);
    assertStringIncludes(again.stderr, "nothing to run");
  },
);

const SEED_DIRECTIVES_YAML = `
operations:
  op1: {command: "touch op1.txt", post: [{isfile: op1.txt}], directives: {ngpu: 1}}
groups:
  ex:
    operations:
      op1: {directives: {ngpu: 2}}
`;
const SEED_DIRECTIVES_TS = `
const ex = project.makeGroup("ex");
const op1 = project.command("op1", "touch op1.txt", { post: [isFile("op1.txt")], directives: { ngpu: 1 } });
ex.add(op1, { directives: { ngpu: 2 } });
`;

both(
  "the seed's directives: op1 requests 2 GPUs through ex, 1 alone",
  SEED_DIRECTIVES_YAML,
  SEED_DIRECTIVES_TS,
  async (fe, dir) => {
    const [id] = await project(dir, ['{"i": 1}']);
    const g = await fe.run(dir, ["run", "--pretend", "-o", "ex"]);
    assertEquals(g.code, 0, g.stderr);
    assertStringIncludes(g.stdout, `# group ex on ${id} (serial)`);
    assertStringIncludes(g.stdout, "#   op1: np=1 ngpu=2");
    const o = await fe.run(dir, ["run", "--pretend", "-o", "op1"]);
    assertStringIncludes(o.stdout, `# op1 on ${id}: np=1 ngpu=1`);
    assertStringIncludes(o.stdout, "touch op1.txt");
    assert(!Deno.statSync(`${dir}/workspace/${id}`).isFile);
    assertEquals([...Deno.readDirSync(`${dir}/workspace/${id}`)].map((e) => e.name).sort(), [
      "signac_statepoint.json",
    ]);
  },
);

const CHAIN_YAML = `
operations:
  prep: {command: "echo {job.sp.x} > a.txt", post: [{isfile: a.txt}]}
  compute:
    command: "cat a.txt a.txt > b.txt"
    pre: [{after: prep}]
    post: [{isfile: b.txt}]
  fails: {command: "exit 7", pre: [{isfile: trigger}], post: [{never: true}]}
`;
const CHAIN_TS = `
project.command("prep", "echo {job.sp.x} > a.txt", { post: [isFile("a.txt")] });
project.operation("compute", (job) => {
  const a = Deno.readTextFileSync(job.fn("a.txt"));
  Deno.writeTextFileSync(job.fn("b.txt"), a + a);
}, { pre: [after("prep")], post: [isFile("b.txt")] });
project.command("fails", "exit 7", { pre: [isFile("trigger")], post: [never] });
`;

both(
  "next, run of a chain, exec ignoring conditions, failures exit 1",
  CHAIN_YAML,
  CHAIN_TS,
  async (fe, dir) => {
    const ids = await project(dir, ['{"x": "it\'s $(touch pwned) `id` ; rm -rf /"}', '{"x": 2.0}']);
    const next0 = await fe.run(dir, ["next", "compute"]);
    assertEquals(next0.stdout.trim(), "");
    assertEquals(
      (await fe.run(dir, ["next", "prep"])).stdout.trim().split("\n").sort(),
      [...ids].sort(),
    );
    const r = await fe.run(dir, ["run"]);
    assertEquals(r.code, 0, r.stderr);
    const a0 = Deno.readTextFileSync(`${dir}/workspace/${ids[0]}/a.txt`);
    assertEquals(a0, "it's $(touch pwned) `id` ; rm -rf /\n"); // data, never code
    assertEquals(Deno.readTextFileSync(`${dir}/workspace/${ids[1]}/b.txt`), "2.0\n2.0\n");
    for (const id of ids) assert(!Deno.statSync(`${dir}/workspace/${id}`).isFile);
    for (const where of [dir, `${dir}/workspace/${ids[0]}`]) {
      assertEquals([...Deno.readDirSync(where)].some((e) => e.name === "pwned"), false);
    }
    // exec ignores conditions: prep runs again although complete.
    Deno.writeTextFileSync(`${dir}/workspace/${ids[1]}/a.txt`, "changed\n");
    const e = await fe.run(dir, ["exec", "prep", ids[1].slice(0, 8)]);
    assertEquals(e.code, 0, e.stderr);
    assertEquals(Deno.readTextFileSync(`${dir}/workspace/${ids[1]}/a.txt`), "2.0\n");
    // A failing operation: exit 1, the report names job, operation and exit status.
    Deno.writeTextFileSync(`${dir}/workspace/${ids[1]}/trigger`, "");
    const f = await fe.run(dir, ["run", "-o", "fails"]);
    assertEquals(f.code, 1);
    assertStringIncludes(f.stderr, `failed: fails on ${ids[1]}: exit code 7`);
    assertMatch(f.stderr, /flow: error: 1 operation\(s\) failed|error: 1 operation\(s\) failed/);
  },
);

both("usage errors exit 2 with one clear line", CHAIN_YAML, CHAIN_TS, async (fe, dir) => {
  await project(dir, ['{"x": 1}']);
  const cases: [string[], RegExp][] = [
    [["run", "-o", "compuet"], /unknown operation or group 'compuet' \(did you mean 'compute'\?\)/],
    [["run", "-o", "("], /not a valid regular expression/],
    [["run", "--order", "sideways"], /sideways/],
    [["run", "-n", "0"], /-n must be a whole number/],
    [["exec", "nope"], /unknown operation or group 'nope'/],
    [["next", "nope"], /unknown operation or group 'nope'/],
    [["run", "-j", "zzzz"], /not a job id/],
  ];
  for (const [args, re] of cases) {
    const r = await fe.run(dir, args);
    assertEquals(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assertMatch(r.stderr, re);
    assertEquals(r.stderr.trim().split("\n").length, 1, r.stderr);
  }
});

const SHARED_YAML = `
operations:
  a: {command: "true", post: [{isfile: a}]}
groups:
  g1: {operations: [a]}
  g2: {operations: {a: {directives: {np: 2}}}}
`;
const SHARED_TS = `
const a = project.command("a", "true", { post: [isFile("a")] });
project.makeGroup("g1").add(a);
project.makeGroup("g2").add(a, { directives: { np: 2 } });
`;

both(
  "selecting two groups that share an operation is an error",
  SHARED_YAML,
  SHARED_TS,
  async (fe, dir) => {
    await project(dir, ['{"x": 1}']);
    const r = await fe.run(dir, ["run", "-o", "g1", "g2"]);
    assertEquals(r.code, 2);
    assertStringIncludes(r.stderr, "share operation 'a'");
    const all = await fe.run(dir, ["run", "-o", ".*"]);
    assertEquals(all.code, 2);
  },
);

Deno.test("flow explains that it runs flow.yaml only when it finds a project.ts", async () => {
  await withTempDir(async (dir) => {
    await project(dir, ['{"x": 1}']);
    Deno.removeSync(`${dir}/flow.yaml`);
    Deno.writeTextFileSync(`${dir}/project.ts`, "");
    const r = await flow(["run"], { cwd: dir });
    assertEquals(r.code, 2);
    assertStringIncludes(r.stderr, "defines its workflow in project.ts");
  });
});

const MORE_YAML = `
operations:
  each:
    command: "echo {job.sp.i} | tee each.txt"
    post: [{isfile: each.txt}]
    hooks:
      onStart: "echo start $FLOW_OPERATION >> hooks.log"
      onSuccess: "echo success $FLOW_OPERATION >> hooks.log"
      onExit: "echo exit $FLOW_OPERATION >> hooks.log"
  pairs:
    command: "echo {jobs.ids} >> {project.path}/pairs.txt"
    aggregate: {groupsOf: 2, sortBy: i}
    post: [{never: true}]
  slow: {command: "sleep 20", pre: [{isfile: slow}], post: [{never: true}]}
hooks:
  onException: "echo failed $FLOW_OPERATION $FLOW_ERROR >> {project.path}/errors.log"
`;
const MORE_TS = `
import { groupsOf } from "${MOD}";
const log = (what: string) => (op: string, jobs: readonly { fn(n: string): string }[]) =>
  Deno.writeTextFileSync(jobs[0].fn("hooks.log"), what + " " + op + "\\n", { append: true });
project.command("each", "echo {job.sp.i} | tee each.txt", {
  post: [isFile("each.txt")],
  hooks: { onStart: log("start"), onSuccess: log("success"), onExit: log("exit") },
});
project.operation("pairs", (...jobs) => {
  Deno.writeTextFileSync(jobs[0].fn("../../pairs.txt"), jobs.map((j) => j.id).join(" ") + "\\n", { append: true });
}, { aggregate: groupsOf(2, { sortBy: "i" }), post: [never], allowWrite: ["../../pairs.txt"] });
project.command("slow", "sleep 20", { pre: [isFile("slow")], post: [never] });
project.addHooks({ onException: (op, _jobs, error) => Deno.writeTextFileSync(Deno.cwd() + "/errors.log", "failed " + op + " " + error + "\\n", { append: true }) });
`;

both("hooks, aggregates, --parallel --verbose, timeouts", MORE_YAML, MORE_TS, async (fe, dir) => {
  const ids = await project(dir, ['{"i": 0}', '{"i": 1}', '{"i": 2}']);
  const r = await fe.run(dir, ["--verbose", "run", "-o", "each", "pairs", "--parallel", "2"]);
  assertEquals(r.code, 0, r.stderr);
  const byI = new Map<number, string>();
  for (const id of ids) {
    byI.set(
      JSON.parse(Deno.readTextFileSync(`${dir}/workspace/${id}/signac_statepoint.json`)).i,
      id,
    );
  }
  for (const id of ids) {
    assertEquals(
      Deno.readTextFileSync(`${dir}/workspace/${id}/hooks.log`),
      "start each\nsuccess each\nexit each\n",
    );
    const logs = [...Deno.readDirSync(`${dir}/workspace/${id}/.flow/logs`)].map((e) => e.name);
    assertEquals(logs.filter((n) => n.startsWith("each.")), ["each.1.log"]);
  }
  const pairs = Deno.readTextFileSync(`${dir}/pairs.txt`).trim().split("\n").sort();
  assertEquals(pairs, [`${byI.get(0)} ${byI.get(1)}`, `${byI.get(2)}`].sort());
  // --verbose shows command output with a job/operation prefix.
  assertStringIncludes(r.stdout, `[${byI.get(1)!.slice(0, 8)} each] 1\n`);
  // A timeout is a failure; the project hook sees it.
  Deno.writeTextFileSync(`${dir}/workspace/${ids[0]}/slow`, "");
  const t0 = performance.now();
  const t = await fe.run(dir, ["run", "-o", "slow", "-t", "0.5"]);
  assertEquals(t.code, 1);
  assert(performance.now() - t0 < 15_000);
  assertStringIncludes(t.stderr, `failed: slow on ${ids[0]}: timed out after 0.5 s`);
  assertStringIncludes(
    Deno.readTextFileSync(`${dir}/errors.log`),
    "failed slow timed out after 0.5 s",
  );
});

both(
  "-j and -f select whole aggregates, formed over all the jobs",
  MORE_YAML,
  MORE_TS,
  async (fe, dir) => {
    const ids = await project(dir, ['{"i": 0}', '{"i": 1}', '{"i": 2}', '{"i": 3}']);
    const byI = (i: number) =>
      ids.find((id) =>
        JSON.parse(Deno.readTextFileSync(`${dir}/workspace/${id}/signac_statepoint.json`)).i === i
      )!;
    const pairs = () => {
      try {
        return Deno.readTextFileSync(`${dir}/pairs.txt`).trim().split("\n");
      } catch {
        return [];
      }
    };
    // The pairs are (0, 1) and (2, 3): a filter for i = 2 selects neither, and none is made up.
    const f = await fe.run(dir, ["run", "-o", "pairs", "-f", "i", "2"]);
    assertEquals(f.code, 0, f.stderr);
    assertEquals(pairs(), []);
    // A job named alone is one of a pair: a one-line error naming the aggregate.
    const j = await fe.run(dir, ["exec", "pairs", byI(1)]);
    assertEquals(j.code, 2, j.stderr);
    assertMatch(
      j.stderr,
      new RegExp(`job ${byI(1)} is one of the 2 jobs of agg-[0-9a-f]+ \\('pairs'\\)`),
    );
    assertEquals(pairs(), []);
    // A filter that holds for both jobs of a pair selects it, as it was formed over all jobs.
    const g = await fe.run(dir, ["run", "-o", "pairs", "-f", '{"i": {"$gte": 2}}']);
    assertEquals(g.code, 0, g.stderr);
    assertEquals(pairs(), [`${byI(2)} ${byI(3)}`]);
    // Both jobs of a pair named by id select it.
    const e = await fe.run(dir, ["exec", "pairs", byI(0), byI(1)]);
    assertEquals(e.code, 0, e.stderr);
    assertEquals(pairs(), [`${byI(2)} ${byI(3)}`, `${byI(0)} ${byI(1)}`]);
  },
);

Deno.test("a malformed flow.yaml is reported with file, line and column, before anything runs", async () => {
  await withTempDir(async (dir) => {
    await project(dir, ['{"x": 1}']);
    Deno.writeTextFileSync(
      `${dir}/flow.yaml`,
      "operations:\n  a:\n    comand: touch a\n",
    );
    const r = await flow(["run"], { cwd: dir });
    assertEquals(r.code, 2);
    assertStringIncludes(r.stderr, `${dir}/flow.yaml:3:5: unknown key 'comand'`);
    assertStringIncludes(r.stderr, "did you mean 'command'");
    Deno.writeTextFileSync(
      `${dir}/flow.yaml`,
      "operations:\n  a:\n    command: touch a\n    directives: {ngpus: 1}\n",
    );
    const d = await flow(["run"], { cwd: dir });
    assertEquals(d.code, 2);
    assertMatch(
      d.stderr,
      /flow\.yaml:4:\d+: .*unknown directive 'ngpus' \(did you mean 'ngpu'\?\)/,
    );
  });
});

Deno.test("--progress draws a bar on stderr and keeps output in the logs", async () => {
  await withTempDir(async (dir) => {
    const ids = await project(dir, ['{"x": 1}', '{"x": 2}']);
    Deno.writeTextFileSync(
      `${dir}/flow.yaml`,
      'operations:\n  a: {command: "echo out-{job.sp.x}; touch a", post: [{isfile: a}]}\n',
    );
    const r = await flow(["run", "--progress"], { cwd: dir });
    assertEquals(r.code, 0, r.stderr);
    assertEquals(r.stdout.includes("out-1"), false);
    assertStringIncludes(r.stderr, "2/2 done");
    assertEquals(r.stderr.includes("{"), false, `a placeholder left in the bar: ${r.stderr}`);
    assertEquals(
      Deno.readTextFileSync(`${dir}/workspace/${ids[0]}/.flow/logs/a.1.log`).startsWith("out-"),
      true,
    );
  });
});

Deno.test("project.ts: a function operation that writes another job's directory fails, and the run says why", async () => {
  await withTempDir(async (dir) => {
    const ids = await project(dir, ['{"i": 1}', '{"i": 2}']);
    Deno.removeSync(`${dir}/flow.yaml`);
    Deno.writeTextFileSync(
      `${dir}/project.ts`,
      `import { FlowProject, isFile } from "${MOD}";
const project = new FlowProject();
project.operation("own", (job) => Deno.writeTextFileSync(job.fn("own.txt"), "ok"), { post: [isFile("own.txt")] });
project.operation("trespass", (job) => {
  Deno.writeTextFileSync(job.fn("../${ids[1]}/stolen.txt"), "x");
}, { post: [isFile("never.txt")] });
project.operation("trusted", (job) => Deno.writeTextFileSync(job.fn("../../trusted.txt"), job.id), { sandbox: false, post: [isFile("never.txt")] });
if (import.meta.main) await project.main();
`,
    );
    const run = (args: string[]) => frontEnds[1].run(dir, args);
    const own = await run(["run", "-o", "own"]);
    assertEquals(own.code, 0, own.stderr);
    assertEquals(Deno.readTextFileSync(`${dir}/workspace/${ids[0]}/own.txt`), "ok");
    const bad = await run(["run", "-o", "trespass", "-j", ids[0]]);
    assertEquals(bad.code, 1);
    assertStringIncludes(bad.stderr, `failed: trespass on ${ids[0]}: NotCapable`);
    assertEquals(
      [...Deno.readDirSync(`${dir}/workspace/${ids[1]}`)].some((e) => e.name === "stolen.txt"),
      false,
    );
    const trusted = await run(["run", "-o", "trusted", "-j", ids[0]]);
    assertEquals(trusted.code, 0, trusted.stderr);
    assertEquals(Deno.readTextFileSync(`${dir}/trusted.txt`), ids[0]);
  });
});

Deno.test("project.ts run without read access to flow's folder says so in one line (exit 2)", async () => {
  await withTempDir(async (dir) => {
    await project(dir, ['{"i": 1}']);
    Deno.removeSync(`${dir}/flow.yaml`);
    Deno.writeTextFileSync(
      `${dir}/project.ts`,
      `import { FlowProject } from "${MOD}";\nconst project = new FlowProject();\n` +
        `project.operation("noop", () => {});\nif (import.meta.main) await project.main();\n`,
    );
    // The command line is imported when a command runs, so reading it needs read permission then.
    const r = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-q",
        `--allow-read=${dir}`,
        `--allow-write=${dir}`,
        "--allow-env",
        `${dir}/project.ts`,
        "status",
      ],
      cwd: dir,
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).output();
    const stderr = new TextDecoder().decode(r.stderr);
    assertEquals(r.code, 2, stderr);
    assertEquals(stderr.trim().split("\n").length, 1, stderr);
    assertMatch(
      stderr,
      /^project\.ts: error: cannot load flow's command line \(file:.*main\.ts\): .*read access.*allow reading flow's own folder/,
    );
  });
});

Deno.test("when stdout's reader has gone, the run goes on and operation output goes to the logs", async () => {
  await withTempDir(async (dir) => {
    const ids = await project(dir, ['{"i": 1}', '{"i": 2}', '{"i": 3}']);
    Deno.writeTextFileSync(
      `${dir}/flow.yaml`,
      "operations:\n" +
        '  hello: {command: "echo one; echo two; touch done.txt", post: [{isfile: done.txt}]}\n',
    );
    // Without --parallel, operation output passes through to stdout: the first write fails.
    const r = await flowIntoClosedPipe(["run"], { cwd: dir });
    assertEquals(r.code, 0, r.stderr);
    assertEquals(r.stderr.match(/standard output was closed/g)?.length, 1, r.stderr);
    assertStringIncludes(r.stderr, "3 succeeded");
    for (const id of ids) {
      const logs = `${dir}/workspace/${id}/.flow/logs`;
      assertEquals(Deno.readTextFileSync(`${logs}/hello.1.log`), "one\ntwo\n");
      const history = Deno.readTextFileSync(`${dir}/workspace/${id}/flow_history.jsonl`);
      assertStringIncludes(history, '"event":"finish"');
    }
    assertEquals([...Deno.readDirSync(`${dir}/.flow/claims`)], [], "no claim is left behind");
  });
});

Deno.test("a log that cannot be written fails its operation with the reason; the run ends cleanly", async () => {
  await withTempDir(async (dir) => {
    const [id] = await project(dir, ['{"i": 1}']);
    Deno.writeTextFileSync(
      `${dir}/flow.yaml`,
      "operations:\n" +
        '  talk: {command: "head -c 20000 /dev/zero; touch done.txt", post: [{isfile: done.txt}]}\n',
    );
    // Files of at most 8 KiB: the log's rest is refused, as a full disk would refuse it (flow's
    // other files here are smaller).
    const r = await flowWithFileSizeLimit(["run"], 8, { cwd: dir });
    assertEquals(r.code, 1, r.stderr);
    assertStringIncludes(r.stderr, "exit code 0, but its log could not be written: File too large");
    assertEquals(r.stderr.includes("Uncaught"), false, r.stderr);
    const job = `${dir}/workspace/${id}`;
    assert(Deno.statSync(`${job}/done.txt`).isFile, "the command ran to its end");
    assertEquals(Deno.statSync(`${job}/.flow/logs/talk.1.log`).size, 8192);
    const last = Deno.readTextFileSync(`${job}/flow_history.jsonl`).trim().split("\n").pop()!;
    assertEquals(JSON.parse(last).event, "failure");
    assertEquals([...Deno.readDirSync(`${dir}/.flow/claims`)], [], "no claim is left behind");
  });
});

Deno.test("Ctrl-C stops running operations' process groups; the summary says what was interrupted", async () => {
  await withTempDir(async (dir) => {
    await project(dir, ['{"i": 1}', '{"i": 2}']);
    const marker = `flow-test-sleeper-${crypto.randomUUID()}`;
    Deno.writeTextFileSync(
      `${dir}/flow.yaml`,
      `operations:\n  slow: {command: "(sleep 30; echo ${marker}) & sleep 30", post: [{never: true}]}\n`,
    );
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        ...FLOW_PERMISSIONS,
        new URL("../../cli.ts", import.meta.url).pathname,
        "run",
        "--parallel",
        "2",
      ],
      cwd: dir,
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    // Wait until both operations run (their logs exist), then interrupt.
    const logs = () => {
      let n = 0;
      for (const e of Deno.readDirSync(`${dir}/workspace`)) {
        try {
          n += [...Deno.readDirSync(`${dir}/workspace/${e.name}/.flow/logs`)].length;
        } catch { /* not yet */ }
      }
      return n;
    };
    for (let i = 0; i < 100 && logs() < 2; i++) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 300));
    const t0 = performance.now();
    child.kill("SIGINT");
    const out = await child.output();
    assert(performance.now() - t0 < 10_000, "stopped within the grace period");
    const stderr = new TextDecoder().decode(out.stderr);
    assertEquals(out.code, 1, stderr);
    assertStringIncludes(stderr, "2 interrupted");
    const ps = new TextDecoder().decode(
      (await new Deno.Command("ps", { args: ["-eo", "args"] }).output()).stdout,
    );
    assertEquals(ps.includes(marker), false, "no operation process is left running");
  });
});

Deno.test("from 20,000 jobs, run and next read the cached jobs' stamps ahead and still see files written since", async () => {
  await withTempDir(async (dir) => {
    // 20,000 is where ConditionCache.prefetch starts reading the stamps on a second core.
    const { Project } = await import(MOD);
    const p = await Project.init(dir);
    const ids: string[] = [];
    for (let i = 0; i < 20_000; i++) ids.push(p.openJob({ i }).initSync().id);
    Deno.writeTextFileSync(
      `${dir}/flow.yaml`,
      "operations:\n  prep:\n    command: touch a.txt\n    post: [{ isfile: a.txt }]\n",
    );
    const first = await flow(["status"], { cwd: dir }); // fills .flow/conditions.cache
    assertEquals(first.code, 0, first.stderr);
    // Cached entries younger than two seconds are read again anyway: let them settle.
    await new Promise((r) => setTimeout(r, 2100));
    const done = [ids[0], ids[9_999], ids[19_999]];
    for (const id of done) Deno.writeTextFileSync(`${dir}/workspace/${id}/a.txt`, "");
    const next = await flow(["next", "prep"], { cwd: dir });
    assertEquals(next.code, 0, next.stderr);
    const eligible = new Set(next.stdout.trim().split("\n"));
    assertEquals(eligible.size, 20_000 - 3);
    for (const id of done) assert(!eligible.has(id), `${id} has a.txt but is listed`);
    const run = await flow(["run", "-o", "prep", "-n", "2"], { cwd: dir });
    assertEquals(run.code, 0, run.stderr);
    const ran = [...run.stderr.matchAll(/prep on ([0-9a-f]{32})/g)].map((m) => m[1]);
    assertEquals(ran.length, 2, run.stderr);
    for (const id of ran) {
      assert(!done.includes(id), `${id} was run although complete`);
      assert(Deno.statSync(`${dir}/workspace/${id}/a.txt`).isFile);
    }
    const after = await flow(["next", "prep"], { cwd: dir });
    assertEquals(after.stdout.trim().split("\n").length, 20_000 - 5);
  });
});

Deno.test("the next unit's sandbox is opened while one runs [project.ts]", async () => {
  await withTempDir(async (dir) => {
    await project(dir, ['{"i": 1}', '{"i": 2}']);
    // Each sandbox imports the module anew: `loaded` is when the sandbox of that job opened.
    Deno.writeTextFileSync(
      `${dir}/project.ts`,
      `import { FlowProject } from "${MOD}";
const loaded = Date.now();
const project = new FlowProject();
project.operation("slow", async (job) => {
  const start = Date.now();
  await new Promise((r) => setTimeout(r, 1500));
  Deno.writeTextFileSync(job.fn("t.json"), JSON.stringify({ loaded, start, end: Date.now() }));
});
if (import.meta.main) await project.main();
`,
    );
    const r = await frontEnds[1].run(dir, ["run", "-o", "slow"]);
    assertEquals(r.code, 0, r.stderr);
    const times = [...Deno.readDirSync(`${dir}/workspace`)]
      .map((e) => JSON.parse(Deno.readTextFileSync(`${dir}/workspace/${e.name}/t.json`)))
      .sort((a, b) => a.start - b.start) as { loaded: number; start: number; end: number }[];
    assertEquals(times.length, 2);
    assert(times[1].start >= times[0].end, "one at a time");
    assert(
      times[1].loaded < times[0].end,
      `the second sandbox opened at ${times[1].loaded}, after the first operation ended at ${
        times[0].end
      }`,
    );
  });
});

/** `flow ARGS...` started in the background (stdout and stderr piped). */
function spawnFlow(args: string[], cwd: string): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", ...FLOW_PERMISSIONS, new URL("../../cli.ts", import.meta.url).pathname, ...args],
    cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
}

/** Waits (at most 20 s) until `ready()` holds. */
async function waitUntil(ready: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400 && !ready(); i++) await new Promise((r) => setTimeout(r, 50));
  assert(ready(), `timed out waiting until ${what}`);
}

/** The text of a job's log of `op` (its first run), or "" while there is none. */
function logText(dir: string, id: string, op: string): string {
  try {
    return Deno.readTextFileSync(`${dir}/workspace/${id}/.flow/logs/${op}.1.log`);
  } catch {
    return "";
  }
}

for (const command of [["run", "-o", "slow"], ["exec", "slow"]]) {
  Deno.test(`a job removed while only queued in '${command[0]}' is not run, is reported, and no ghost is left`, async () => {
    await withTempDir(async (dir) => {
      const ids = await project(dir, ['{"i": 1}', '{"i": 2}']);
      Deno.writeTextFileSync(
        `${dir}/flow.yaml`,
        'operations:\n  slow: {command: "echo started; sleep 2; touch out.txt", post: [{isfile: out.txt}]}\n',
      );
      const child = spawnFlow(command, dir);
      // One runs (claimed); the other waits in the queue, unclaimed, so `job rm` allows it.
      await waitUntil(() => ids.some((id) => logText(dir, id, "slow") !== ""), "one started");
      const [first] = ids.filter((id) => logText(dir, id, "slow") !== "");
      const other = ids.find((id) => id !== first)!;
      const rm = await flow(["job", "rm", other, "--yes"], { cwd: dir });
      assertEquals(rm.code, 0, rm.stderr);
      const out = await child.output();
      const stderr = new TextDecoder().decode(out.stderr);
      // Not a failure of `run`; `exec` asked for that job explicitly.
      assertEquals(out.code, command[0] === "run" ? 0 : 1, stderr);
      assertStringIncludes(stderr, `job ${other} was removed; not run`);
      assertStringIncludes(stderr, "1 succeeded");
      assertEquals(exists(`${dir}/workspace/${other}`), false, "the removed job came back");
      const check = await flow(["check"], { cwd: dir });
      assertEquals(check.code, 0, check.stdout + check.stderr);
      const find = await flow(["find"], { cwd: dir });
      assertEquals(find.stdout.trim().split("\n"), [first]);
    });
  });
}

for (const parallel of [[], ["--parallel", "2"]]) {
  Deno.test(`a second Ctrl-C kills the operations at once ${parallel.join(" ") || "(serial)"}`, async () => {
    await withTempDir(async (dir) => {
      const ids = await project(dir, ['{"i": 1}', '{"i": 2}']);
      const marker = `flow-test-stubborn-${crypto.randomUUID()}`;
      // The operations ignore SIGTERM: only SIGKILL ends them.
      Deno.writeTextFileSync(
        `${dir}/flow.yaml`,
        `operations:\n  slow: {command: "trap '' TERM; echo ready; sleep 30; echo ${marker}", ` +
          `post: [{never: true}]}\n`,
      );
      const child = spawnFlow(["run", ...parallel], dir);
      const n = parallel.length > 0 ? 2 : 1;
      await waitUntil(
        () => ids.filter((id) => logText(dir, id, "slow").includes("ready")).length === n,
        `${n} operation(s) run`,
      );
      const t0 = performance.now();
      child.kill("SIGINT");
      await new Promise((r) => setTimeout(r, 300));
      child.kill("SIGINT");
      const out = await child.output();
      const elapsed = performance.now() - t0;
      const stderr = new TextDecoder().decode(out.stderr);
      assert(elapsed < 4000, `ended ${Math.round(elapsed)} ms after the first Ctrl-C (grace: 5 s)`);
      assertEquals(out.code, 1, stderr);
      assertStringIncludes(stderr, "killing");
      assertStringIncludes(stderr, `${n} interrupted`);
      const ps = new TextDecoder().decode(
        (await new Deno.Command("ps", { args: ["-eo", "args"] }).output()).stdout,
      );
      assertEquals(ps.includes(marker), false, "no operation process is left running");
    });
  });
}

Deno.test("exec of an operation another run holds fails and names that process; run skips it", async () => {
  await withTempDir(async (dir) => {
    const [id] = await project(dir, ['{"i": 1}']);
    Deno.writeTextFileSync(
      `${dir}/flow.yaml`,
      'operations:\n  slow: {command: "echo started; sleep 3; touch out.txt", post: [{isfile: out.txt}]}\n',
    );
    const child = spawnFlow(["run", "-o", "slow"], dir);
    await waitUntil(() => logText(dir, id, "slow") !== "", "the run started it");
    const exec = await flow(["exec", "slow", id], { cwd: dir });
    assertEquals(exec.code, 1, exec.stderr);
    assertStringIncludes(exec.stderr, `'slow' on ${id} was not run: flow process `);
    assertStringIncludes(exec.stderr, `:${child.pid} is running it`);
    const run = await flow(["run", "-o", "slow", "-j", id, "--ignore-conditions", "all"], {
      cwd: dir,
    });
    assertEquals(run.code, 0, run.stderr);
    assertStringIncludes(run.stderr, "1 not run here: another flow process is running it");
    const out = await child.output();
    assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
  });
});
