// End-to-end tests: the real `flow` command in temporary projects.
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../_assert.ts";
import {
  exists,
  flow,
  FLOW_PERMISSIONS,
  flowWithFileSizeLimit,
  snapshot,
  withTempDir,
} from "../_helpers.ts";

function lines(s: string): string[] {
  return s.trim() === "" ? [] : s.trim().split("\n");
}

Deno.test("flow init creates the layout and a starter flow.yaml; twice is harmless", async () => {
  await withTempDir(async (dir) => {
    const r = await flow(["init", `${dir}/p`]);
    assertEquals(r.code, 0, r.stderr);
    assertEquals(Deno.readTextFileSync(`${dir}/p/.signac/config`), "schema_version = 2\n");
    assertStringIncludes(Deno.readTextFileSync(`${dir}/p/flow.yaml`), "operations:");
    Deno.writeTextFileSync(`${dir}/p/flow.yaml`, "mine\n");
    const again = await flow(["init"], { cwd: `${dir}/p` });
    assertEquals(again.code, 0);
    assertStringIncludes(again.stdout, "kept the existing flow.yaml");
    assertEquals(Deno.readTextFileSync(`${dir}/p/flow.yaml`), "mine\n");
  });
});

Deno.test("flow job create prints ids in order; existing jobs are a no-op; ints and floats differ", async () => {
  await withTempDir(async (dir) => {
    await flow(["init", dir]);
    const r = await flow(["job", "create", '{"a": 1}', '{"a": 1.0}', "{}", '{"a": 1}'], {
      cwd: dir,
    });
    assertEquals(r.code, 0, r.stderr);
    assertEquals(lines(r.stdout), [
      "42b7b4f2921788ea14dac5566e6f06d0",
      "4b8937963abc9e9148b4524d4f837b4b",
      "99914b932bd37a50b983c5e7c90ae93b",
      "42b7b4f2921788ea14dac5566e6f06d0",
    ]);
    assertEquals([...Deno.readDirSync(`${dir}/workspace`)].length, 3);
  });
});

Deno.test("flow job create --grid and from stdin", async () => {
  await withTempDir(async (dir) => {
    await flow(["init", dir]);
    Deno.writeTextFileSync(`${dir}/grid.yaml`, "T: [1.0, 1.5]\nseed: [0, 1, 2]\np: x\n");
    const g = await flow(["job", "create", "--grid", "grid.yaml"], { cwd: dir });
    assertEquals(g.code, 0, g.stderr);
    assertEquals(lines(g.stdout).length, 6);
    const s = await flow(["job", "create", "-"], { cwd: dir, stdin: '{"x": 1}\n\n{"x": 2}\n' });
    assertEquals(s.code, 0, s.stderr);
    assertEquals(lines(s.stdout).length, 2);
    const all = await flow(["find"], { cwd: dir });
    assertEquals(lines(all.stdout).length, 8);
  });
});

Deno.test("user errors: one line on stderr, exit 2, nothing on disk changed", async () => {
  await withTempDir(async (dir) => {
    await flow(["init", dir]);
    await flow(["job", "create", '{"keep": 1}'], { cwd: dir });
    const before = snapshot(dir);
    const cases: [string[], RegExp][] = [
      [
        ["job", "create", '{"ok": 1}', '{"a": }'],
        /state point argument 2: invalid JSON at line 1, column 7/,
      ],
      [["job", "create", '{"a.b": 1}'], /contains '\.'/],
      [["job", "create", "[1, 2]"], /must be a JSON object/],
      [["job", "create"], /no state points given/],
      [["job", "create", "--grid", "missing.yaml"], /cannot read grid file/],
      [["job", "show", "0123456789abcdef0123456789abcdef"], /no job with id/],
      [["job", "show", "../../etc"], /not a job id/],
      [["job", "rm", "ffffffffffffffffffffffffffffffff", "--yes"], /no job with id/],
      [["find", '{"T": {"$gtt": 1}}'], /\$gtt/],
      [["find", '{"T": '], /invalid JSON/],
    ];
    for (const [args, re] of cases) {
      const r = await flow(args, { cwd: dir });
      assertEquals(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assertEquals(lines(r.stderr).length, 1, `${args.join(" ")}: ${r.stderr}`);
      assertMatch(r.stderr, /^flow: error: /);
      assertMatch(r.stderr, re);
      assert(!r.stderr.includes("    at "), "no stack trace");
    }
    assertEquals(snapshot(dir), before);
  });
});

Deno.test("a file system that refuses writes: one line on stderr, exit 2, no job directory left", async () => {
  await withTempDir(async (dir) => {
    assertEquals((await flow(["init", dir])).code, 0);
    const before = snapshot(dir);
    // No file may grow past 0 bytes: the state point cannot be written (as on a full disk).
    const r = await flowWithFileSizeLimit(["job", "create", '{"a": 1}'], 0, { cwd: dir });
    assertEquals(r.code, 2, r.stderr);
    assertMatch(r.stderr, /^flow: error: File too large \(os error 27\): [^\n]*\n$/);
    assertEquals(snapshot(dir), before, "no job directory without its state point");
  });
});

Deno.test("job rm refuses a job an operation runs on, unless --force", async () => {
  await withTempDir(async (dir) => {
    assertEquals((await flow(["init", dir])).code, 0);
    const [id] = lines((await flow(["job", "create", '{"i": 1}'], { cwd: dir })).stdout);
    Deno.writeTextFileSync(
      `${dir}/flow.yaml`,
      "operations:\n  slow: {command: sleep 30, post: [{isfile: out.txt}]}\n",
    );
    const run = new Deno.Command(Deno.execPath(), {
      args: ["run", ...FLOW_PERMISSIONS, new URL("../../cli.ts", import.meta.url).pathname, "run"],
      cwd: dir,
      stdout: "null",
      stderr: "null",
    }).spawn();
    try {
      const claim = `${dir}/.flow/claims/${id}.slow`;
      for (let i = 0; i < 100 && !exists(claim); i++) await new Promise((r) => setTimeout(r, 100));
      assert(exists(claim), "the operation started");
      const refused = await flow(["job", "rm", id, "--yes"], { cwd: dir });
      assertEquals(refused.code, 2);
      assertMatch(
        refused.stderr,
        new RegExp(`^flow: error: job ${id} is in use: operation 'slow' runs on it .*--force\n$`),
      );
      assert(exists(`${dir}/workspace/${id}`), "not removed");
      const forced = await flow(["job", "rm", id, "--yes", "--force"], { cwd: dir });
      assertEquals(forced.code, 0, forced.stderr);
      assertEquals(exists(`${dir}/workspace/${id}`), false);
    } finally {
      run.kill("SIGINT");
      await run.status;
    }
  });
});

Deno.test("commands outside a project fail with advice; unknown commands and options exit 2", async () => {
  await withTempDir(async (dir) => {
    const r = await flow(["find"], { cwd: dir });
    assertEquals(r.code, 2);
    assertStringIncludes(r.stderr, "flow init");
    const u = await flow(["frobnicate"], { cwd: dir });
    assertEquals(u.code, 2);
    assertStringIncludes(u.stderr, "unknown command");
    const o = await flow(["find", "--nope"], { cwd: dir });
    assertEquals(o.code, 2);
    // 'flow help' names what it does not know, in one line, and reaches nested commands.
    const h = await flow(["help", "job", "nosuch"], { cwd: dir });
    assertEquals([h.code, h.stdout], [2, ""]);
    assertEquals(h.stderr, "flow: error: unknown command 'job nosuch' (see 'flow --help')\n");
    const n = await flow(["help", "job", "create"], { cwd: dir });
    assertEquals(n.code, 0, n.stderr);
    assertStringIncludes(n.stdout, "Usage: flow job create [options] [statepoint...]");
  });
});

Deno.test("flow find: JSON filter, shorthand, doc. keys, --json", async () => {
  await withTempDir(async (dir) => {
    await flow(["init", dir]);
    const ids = lines(
      (await flow(
        ["job", "create", '{"T": 1.0, "p": "abc"}', '{"T": 2, "p": "xyz"}', '{"T": 3.5}'],
        { cwd: dir },
      ))
        .stdout,
    );
    Deno.writeTextFileSync(`${dir}/workspace/${ids[1]}/signac_job_document.json`, '{"done": true}');
    const q = async (...args: string[]) =>
      lines((await flow(["find", ...args], { cwd: dir })).stdout);
    assertEquals(await q("T", "1"), [ids[0]]); // an integer matches the float 1.0
    assertEquals((await q('{"T": {"$gte": 2}}')).sort(), [ids[1], ids[2]].sort());
    assertEquals(await q("p", "/^x/"), [ids[1]]);
    assertEquals((await q("p")).sort(), [ids[0], ids[1]].sort());
    assertEquals(await q("doc.done", "true"), [ids[1]]);
    const j = await flow(["find", "doc.done", "--json"], { cwd: dir });
    assertEquals(j.code, 0, j.stderr);
    const parsed = JSON.parse(j.stdout);
    assertEquals(parsed, [{ id: ids[1], sp: { T: 2, p: "xyz" }, doc: { done: true } }]);
  });
});

Deno.test("flow job show resolves prefixes; ambiguity lists candidates", async () => {
  await withTempDir(async (dir) => {
    await flow(["init", dir]);
    const ids = lines(
      (await flow(["job", "create", ...Array.from({ length: 40 }, (_, i) => `{"i": ${i}}`)], {
        cwd: dir,
      })).stdout,
    );
    const r = await flow(["job", "show", ids[0].slice(0, 10)], { cwd: dir });
    assertEquals(r.code, 0, r.stderr);
    assertEquals(JSON.parse(r.stdout), { id: ids[0], sp: { i: 0 }, doc: {} });
    // An id pasted in upper case is the same id.
    const u = await flow(["job", "show", ids[0].toUpperCase()], { cwd: dir });
    assertEquals(u.code, 0, u.stderr);
    assertEquals(JSON.parse(u.stdout).id, ids[0]);
    const c = ids.map((id) => id[0]).find((x, _, all) => all.filter((y) => y === x).length > 1)!;
    const amb = await flow(["job", "show", c], { cwd: dir });
    assertEquals(amb.code, 2);
    assertMatch(amb.stderr, /ambiguous: \d+ jobs match \(/);
  });
});

Deno.test("flow job rm needs --yes off a terminal and removes only what it names", async () => {
  await withTempDir(async (dir) => {
    await flow(["init", dir]);
    const ids = lines((await flow(["job", "create", '{"i": 1}', '{"i": 2}'], { cwd: dir })).stdout);
    const refused = await flow(["job", "rm", ids[0]], { cwd: dir });
    assertEquals(refused.code, 2);
    assertStringIncludes(refused.stderr, "--yes");
    const ok = await flow(["job", "rm", ids[0].slice(0, 8), "--yes"], { cwd: dir });
    assertEquals(ok.code, 0, ok.stderr);
    assertEquals(lines((await flow(["find"], { cwd: dir })).stdout), [ids[1]]);
  });
});

Deno.test("flow check reports every broken job and exits non-zero; other commands warn once", async () => {
  await withTempDir(async (dir) => {
    await flow(["init", dir]);
    const ids = lines(
      (await flow(["job", "create", '{"i": 1}', '{"i": 2}', '{"i": 3}'], { cwd: dir })).stdout,
    );
    const fine = await flow(["check"], { cwd: dir });
    assertEquals(fine.code, 0);
    assertStringIncludes(fine.stdout, "ok: 3 jobs");
    Deno.removeSync(`${dir}/workspace/${ids[0]}/signac_statepoint.json`);
    Deno.writeTextFileSync(`${dir}/workspace/${ids[1]}/signac_statepoint.json`, '{"i": 7}');
    Deno.removeSync(`${dir}/.signac`, { recursive: true });
    Deno.mkdirSync(`${dir}/.signac`);
    Deno.writeTextFileSync(`${dir}/.signac/config`, "schema_version = 2\n");
    const bad = await flow(["check"], { cwd: dir });
    assertEquals(bad.code, 1);
    assertStringIncludes(bad.stdout, `${ids[0]}: state point file is missing`);
    assertStringIncludes(bad.stdout, `${ids[1]}: the state point hashes to`);
    Deno.writeTextFileSync(`${dir}/workspace/${ids[2]}/signac_job_document.json`, "{");
    const doc = await flow(["check"], { cwd: dir });
    assertEquals(doc.code, 1);
    assertMatch(doc.stdout, new RegExp(`^${ids[2]}: job document: invalid JSON`, "m"));
    Deno.removeSync(`${dir}/workspace/${ids[2]}/signac_job_document.json`);
    const f = await flow(["find"], { cwd: dir });
    assertEquals(f.code, 0);
    assertEquals(lines(f.stdout), [ids[2]]);
    assertEquals(lines(f.stderr).length, 1);
    assertMatch(f.stderr, /^warning: skipped 2 broken job directories .*flow check/);
  });
});

Deno.test("--help of every command shows examples; --version prints the version", async () => {
  const version =
    JSON.parse(Deno.readTextFileSync(new URL("../../deno.json", import.meta.url))).version;
  const v = await flow(["--version"]);
  assertEquals(v.stdout.trim(), version);
  for (
    const args of [[], ["init"], ["job", "create"], ["job", "show"], ["job", "rm"], ["find"], [
      "check",
    ]]
  ) {
    const h = await flow([...args, "--help"]);
    assertEquals(h.code, 0, args.join(" "));
    assertStringIncludes(h.stdout, "Example", args.join(" "));
  }
});

Deno.test({
  name: "a project under /dev (e.g. /dev/shm) is refused with the reason, not 'no project found'",
  ignore: (() => {
    try {
      return !Deno.statSync("/dev/shm").isDirectory;
    } catch {
      return true;
    }
  })(),
  fn: async () => {
    const dir = Deno.makeTempDirSync({ dir: "/dev/shm", prefix: "flow-test-" });
    try {
      const r = await flow(["status"], { cwd: dir });
      assertEquals(r.code, 2, r.stderr);
      assertStringIncludes(r.stderr, "only with --allow-all");
      assertEquals(r.stderr.trim().split("\n").length, 1);
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
});
