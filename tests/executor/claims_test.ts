import { assert, assertEquals } from "../_assert.ts";
import { PROJECT_TS_FLAGS, withTempDir } from "../_helpers.ts";
import { CLAIMS_DIR, ClaimStore } from "../../src/executor/claims.ts";
import { Project } from "../../src/workspace/project.ts";

const MOD = new URL("../../mod.ts", import.meta.url).href;

Deno.test("claims: one holder at a time; released claims can be taken again", () => {
  const root = Deno.makeTempDirSync();
  try {
    const a = new ClaimStore(root);
    const first = a.claim("prep", "job1");
    assert("held" in first);
    // The same process (another unit) and another store both see it busy.
    assert("busy" in a.claim("prep", "job1"));
    const other = new ClaimStore(root).claim("prep", "job1");
    assert("busy" in other && other.busy.pid === Deno.pid);
    // Other operations and jobs are independent.
    assert("held" in a.claim("compute", "job1"));
    assert("held" in a.claim("prep", "job2"));
    first.held.release();
    assert("held" in new ClaimStore(root).claim("prep", "job1"));
    // Odd operation names stay inside the claims folder.
    const odd = a.claim("../../x.y", "job1");
    assert(
      "held" in odd && odd.held.path.startsWith(`${root}/${CLAIMS_DIR}/`),
      JSON.stringify(odd),
    );
    a.close();
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("claims: liveClaims lists the operations running on a job now, not stale claims or leftovers", async () => {
  const root = Deno.makeTempDirSync();
  try {
    const store = new ClaimStore(root);
    const id = "42b7b4f2921788ea14dac5566e6f06d0";
    assertEquals(store.liveClaims(id), [], "no claims folder yet");
    const prep = store.claim("prep", id);
    const odd = store.claim("a.b c", id);
    assert("held" in store.claim("prep", "9bfd4b0a6e9e8f5b6d3f7b0e6a1c2d3e"));
    assert("held" in prep && "held" in odd);
    // A claim of a process that has exited is stale; leftovers of updates are not claims.
    const child = new Deno.Command("true").spawn();
    await child.status;
    const dir = `${root}/${CLAIMS_DIR}`;
    Deno.writeTextFileSync(
      `${dir}/${id}.old`,
      JSON.stringify({ host: Deno.hostname(), pid: child.pid, since: Date.now(), token: "t" }),
    );
    Deno.writeTextFileSync(`${dir}/${id}.prep.tok.tmp`, "{}");
    const live = store.liveClaims(id);
    assertEquals(live.map((l) => l.operation), ["a.b c", "prep"]);
    assertEquals(live[0].owner.pid, Deno.pid);
    prep.held.release();
    assertEquals(store.liveClaims(id).map((l) => l.operation), ["a.b c"]);
    store.close();
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("claims: a dead process's claim is taken over with a message; a live one is not", async () => {
  const root = Deno.makeTempDirSync();
  try {
    // A claim by a process that has exited.
    const child = new Deno.Command("true").spawn();
    await child.status;
    Deno.mkdirSync(`${root}/${CLAIMS_DIR}`, { recursive: true });
    const host = Deno.hostname();
    Deno.writeTextFileSync(
      `${root}/${CLAIMS_DIR}/job1.prep`,
      JSON.stringify({ host, pid: child.pid, since: Date.now(), token: "t-dead" }),
    );
    const messages: string[] = [];
    const store = new ClaimStore(root, { onTakeover: (m) => messages.push(m) });
    const r = store.claim("prep", "job1");
    assert("held" in r, JSON.stringify(r));
    assertEquals(messages.length, 1);
    assert(messages[0].includes("no longer exists") && messages[0].includes(String(child.pid)));
    r.held.release();

    // A claim from another host: live while its heartbeat is fresh, stale after.
    const path = `${root}/${CLAIMS_DIR}/job2.prep`;
    Deno.writeTextFileSync(
      path,
      JSON.stringify({ host: "node-that-crashed", pid: 1, since: 0, token: "t-remote" }),
    );
    const strict = new ClaimStore(root, {
      staleAfterMs: 60_000,
      onTakeover: (m) => messages.push(m),
    });
    assert("busy" in strict.claim("prep", "job2"));
    const old = new Date(Date.now() - 120_000);
    Deno.utimeSync(path, old, old);
    const taken = strict.claim("prep", "job2");
    assert("held" in taken);
    assert(messages[1].includes("node-that-crashed:1") && messages[1].includes("no heartbeat"));
    // The heartbeat keeps our own claim fresh.
    const beating = new ClaimStore(root, { staleAfterMs: 200, heartbeatMs: 20 });
    const mine = beating.claim("prep", "job3");
    assert("held" in mine);
    await new Promise((r) => setTimeout(r, 300));
    const age = Date.now() - Deno.lstatSync(mine.held.path).mtime!.getTime();
    assert(age < 150, `heartbeat touched the claim ${age} ms ago`);
    mine.held.release();
    taken.held.release();
    strict.close();
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("claims: sweep removes what killed processes left of takeovers and updates, keeps the rest", async () => {
  const root = Deno.makeTempDirSync();
  const sleeper = new Deno.Command("sleep", { args: ["30"] }).spawn();
  try {
    const gone = new Deno.Command("true").spawn();
    await gone.status;
    const dir = `${root}/${CLAIMS_DIR}`;
    Deno.mkdirSync(dir, { recursive: true });
    const host = Deno.hostname();
    const owner = (pid: number) => JSON.stringify({ host, pid, since: Date.now(), token: "t" });
    for (const [pid, tag] of [[gone.pid, "dead"], [sleeper.pid, "live"]] as const) {
      // An update cut short (setChild), a takeover lock, a claim moved aside by a takeover.
      Deno.writeTextFileSync(`${dir}/${tag}.prep.t.tmp`, owner(pid));
      Deno.writeTextFileSync(`${dir}/${tag}.prep.takeover`, `${host} ${pid}`);
      Deno.writeTextFileSync(`${dir}/${tag}.prep.stale.${host}.${pid}.${crypto.randomUUID()}`, "");
    }
    // From another host: nothing to tell before the stale limit.
    Deno.writeTextFileSync(`${dir}/remote.prep.takeover`, "elsewhere 1");
    // Updates killed before their content was written (empty): told by the claim they update.
    Deno.writeTextFileSync(`${dir}/live.run`, owner(sleeper.pid).replace('"t"', '"u"'));
    Deno.writeTextFileSync(`${dir}/live.run.u.tmp`, ""); // the claim's writer runs: kept
    Deno.writeTextFileSync(`${dir}/dead.run.u.tmp`, ""); // its claim is gone: removed
    Deno.writeTextFileSync(`${dir}/live.other.v.tmp`, ""); // its claim is another's now: removed
    Deno.writeTextFileSync(`${dir}/live.other`, owner(sleeper.pid));
    const removed = new ClaimStore(root).sweep();
    const left = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assertEquals(removed, 5);
    assertEquals(left.length, 7, left.join(" "));
    assert(left.every((n) => n.startsWith("live.") || n.startsWith("remote.")), left.join(" "));
  } finally {
    sleeper.kill("SIGKILL");
    await sleeper.status;
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("claims: of several contenders for a stale claim exactly one wins", async () => {
  const root = Deno.makeTempDirSync();
  try {
    Deno.mkdirSync(`${root}/${CLAIMS_DIR}`, { recursive: true });
    const path = `${root}/${CLAIMS_DIR}/job1.prep`;
    Deno.writeTextFileSync(path, JSON.stringify({ host: "gone", pid: 1, since: 0, token: "old" }));
    const old = new Date(Date.now() - 3_600_000);
    Deno.utimeSync(path, old, old);
    // Separate processes race for it, all at once (they wait for "go"), and the winner keeps
    // its claim until every process has answered (a claim of an exited process would be stale).
    const script = `
      import { ClaimStore } from "${new URL("../../src/executor/claims.ts", import.meta.url).href}";
      const root = ${JSON.stringify(root)};
      const exists = (p: string) => { try { Deno.statSync(p); return true; } catch { return false; } };
      Deno.writeTextFileSync(root + "/ready." + Deno.pid, "");
      while (!exists(root + "/go")) await new Promise((r) => setTimeout(r, 2));
      const r = new ClaimStore(root, { staleAfterMs: 60_000 }).claim("prep", "job1");
      Deno.writeTextFileSync(root + "/result." + Deno.pid, "held" in r ? "won" : "lost");
      while (!exists(root + "/done")) await new Promise((r) => setTimeout(r, 5));`;
    const children = Array.from(
      { length: 6 },
      () => new Deno.Command(Deno.execPath(), { args: ["eval", "-q", script] }).spawn(),
    );
    const count = (prefix: string) =>
      [...Deno.readDirSync(root)].filter((e) => e.name.startsWith(prefix)).length;
    const waitFor = async (prefix: string) => {
      for (let i = 0; i < 6000 && count(prefix) < 6; i++) {
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    await waitFor("ready.");
    Deno.writeTextFileSync(`${root}/go`, "");
    await waitFor("result.");
    Deno.writeTextFileSync(`${root}/done`, "");
    for (const c of children) await c.status;
    const results = [...Deno.readDirSync(root)].filter((e) => e.name.startsWith("result."))
      .map((e) => Deno.readTextFileSync(`${root}/${e.name}`));
    assertEquals(results.length, 6);
    assertEquals(results.filter((r) => r === "won").length, 1, results.join(","));
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("4 concurrent flow run processes over 200 jobs: every operation runs exactly once, no document update lost", async () => {
  await withTempDir(async (root) => {
    const project = await Project.init(root);
    for (let i = 0; i < 200; i++) await project.openJob({ i }).init();
    Deno.writeTextFileSync(
      `${root}/project.ts`,
      `import { after, FlowProject, isFile, Project } from "${MOD}";
const root = import.meta.dirname!;
const flow = new FlowProject({ root });
const store = await Project.open(root, { search: false });
function step(name: string, out: string) {
  return async (job: { fn(n: string): string }) => {
    Deno.writeTextFileSync(job.fn("ran_" + name), Deno.pid + "\\n", { append: true });
    await new Promise((r) => setTimeout(r, 2));
    await store.doc.update((d) => { d[name] = Number(d[name] ?? 0) + 1; });
    Deno.writeTextFileSync(job.fn(out + ".tmp"), "ok");
    Deno.renameSync(job.fn(out + ".tmp"), job.fn(out));
  };
}
flow.operation("prep", step("prep", "a.txt"), { post: [isFile("a.txt")], sandbox: false });
flow.operation("compute", step("compute", "b.txt"), {
  pre: [after("prep")], post: [isFile("b.txt")], sandbox: false,
});
if (import.meta.main) await flow.main();
`,
    );
    const runs = await Promise.all(
      Array.from({ length: 4 }, () =>
        new Deno.Command(Deno.execPath(), {
          args: ["run", ...PROJECT_TS_FLAGS, `${root}/project.ts`, "run", "--parallel", "4"],
          cwd: root,
          stdout: "piped",
          stderr: "piped",
        }).output()),
    );
    const dec = new TextDecoder();
    for (const r of runs) assertEquals(r.code, 0, dec.decode(r.stderr));
    const { jobs } = await project.list();
    let twice = 0;
    for (const job of jobs) {
      for (const name of ["prep", "compute"]) {
        const lines = Deno.readTextFileSync(job.fn(`ran_${name}`)).trim().split("\n");
        if (lines.length !== 1) twice++;
      }
    }
    assertEquals(twice, 0, "operations run more than once");
    const doc = await project.doc.read();
    assertEquals(doc.prep, 200);
    assertEquals(doc.compute, 200);
    // The work was shared: more than one process ran something.
    const pids = new Set(jobs.map((j) => Deno.readTextFileSync(j.fn("ran_prep")).trim()));
    assert(pids.size > 1, `one process did everything (${[...pids]})`);
    assertEquals([...Deno.readDirSync(`${root}/${CLAIMS_DIR}`)].length, 0, "claims left behind");
  });
});

Deno.test("a claim is a symbolic link holding its owner; where links are refused, a file", () => {
  const root = Deno.makeTempDirSync();
  try {
    const store = new ClaimStore(root);
    const c = store.claim("prep", "job1");
    assert("held" in c);
    const path = c.held.path;
    assert(Deno.lstatSync(path).isSymlink);
    assertEquals(JSON.parse(Deno.readLinkSync(path)).token, c.held.owner.token);
    // The child's pid is written by replacing the link; it stays a link, and ours.
    c.held.setChild(4242);
    assert(Deno.lstatSync(path).isSymlink);
    assertEquals(JSON.parse(Deno.readLinkSync(path)).child, 4242);
    assert(c.held.isMine());
    assertEquals(store.live().map((l) => [l.aggregateId, l.operation]), [["job1", "prep"]]);
    c.held.release();
    assertEquals([...Deno.readDirSync(`${root}/.flow/claims`)], []);
    // Claims as files (a file system without links): the two kinds exclude each other.
    const files = new ClaimStore(root, { links: false });
    const f = files.claim("prep", "job2");
    assert("held" in f);
    assert(Deno.lstatSync(f.held.path).isFile);
    assert("busy" in store.claim("prep", "job2"));
    const l = store.claim("prep", "job3");
    assert("held" in l && "busy" in files.claim("prep", "job3"));
    f.held.setChild(77);
    assert(Deno.lstatSync(f.held.path).isFile && f.held.isMine());
    assertEquals(store.live().map((x) => [x.aggregateId, x.owner.child]), [["job2", 77], [
      "job3",
      undefined,
    ]]);
    f.held.release();
    l.held.release();
    assertEquals([...Deno.readDirSync(`${root}/.flow/claims`)], []);
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});
