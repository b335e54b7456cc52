// kill -9 of `flow run` at random moments of a parallel run (fixed seed, 24 kills): afterwards
// nothing is corrupt, `flow check` and `flow status` are right, and runs again finish the work
// without ever starting an operation whose work was already complete.
import { assert, assertEquals } from "../_assert.ts";
import { PROJECT_TS_FLAGS, withTempDir } from "../_helpers.ts";
import { CLAIMS_DIR } from "../../src/executor/claims.ts";
import { Project } from "../../src/workspace/project.ts";

const MOD = new URL("../../mod.ts", import.meta.url).href;
const KILLS = 24;
const JOBS = 120;

/** A small deterministic PRNG (mulberry32), so that the kill times repeat. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// prep: a shell command (it outlives a killed flow); compute: an in-process function that
// updates the job document and the project document. Both notice being started on a job
// whose output already exists (a redo) and record it; prep also notices running twice at once
// (a command outlives a killed flow, and its claim must keep others off until it ends).
const PROJECT_TS = `import { after, FlowProject, isFile, Project } from "${MOD}";
const root = import.meta.dirname!;
const flow = new FlowProject({ root });
const store = await Project.open(root, { search: false });
flow.command(
  "prep",
  'mkdir prep.running 2>/dev/null || echo "prep twice at once $(basename "$PWD")" >> ../../violations; ' +
    '[ -e a.txt ] && echo "prep redone $(basename "$PWD")" >> ../../violations; ' +
    "sleep 0.$((RANDOM % 3 + 1)); printf '%s' {job.sp.i} > a.tmp && mv a.tmp a.txt; rmdir prep.running",
  { post: [isFile("a.txt")] },
);
flow.operation("compute", async (job) => {
  if (await job.isFile("b.txt")) {
    Deno.writeTextFileSync(root + "/violations", "compute " + job.id + "\\n", { append: true });
  }
  await new Promise((r) => setTimeout(r, Math.random() * 150));
  await job.doc.update((d) => { d.computed = Number(d.computed ?? 0) + 1; d.sp = job.sp.i; });
  await store.doc.update((d) => { d.computations = Number(d.computations ?? 0) + 1; });
  Deno.writeTextFileSync(job.fn("b.tmp"), String(job.sp.i));
  Deno.renameSync(job.fn("b.tmp"), job.fn("b.txt"));
}, { pre: [after("prep")], post: [isFile("b.txt")], sandbox: false });
if (import.meta.main) await flow.main();
`;

function flowCommand(root: string, args: string[]): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", ...PROJECT_TS_FLAGS, `${root}/project.ts`, ...args],
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  });
}

Deno.test(`kill -9 of flow run ${KILLS} times at random points: nothing corrupt, nothing redone`, async () => {
  await withTempDir(async (root) => {
    const project = await Project.init(root);
    for (let i = 0; i < JOBS; i++) await project.openJob({ i }).init();
    Deno.writeTextFileSync(`${root}/project.ts`, PROJECT_TS);
    const random = rng(20261125);
    let killed = 0;
    for (let k = 0; k < KILLS; k++) {
      const child = flowCommand(root, ["run", "--parallel", "4"]).spawn();
      // Start-up takes ~150 ms: kill anywhere from before the first operation to late in the run.
      const at = 100 + Math.floor(random() * 500);
      const timer = setTimeout(() => {
        try {
          child.kill("SIGKILL");
          killed++;
        } catch {
          // it had finished
        }
      }, at);
      const status = await child.output();
      clearTimeout(timer);
      assert(
        status.code === 0 || status.signal === "SIGKILL",
        new TextDecoder().decode(status.stderr),
      );
    }
    assert(killed >= KILLS * 0.75, `only ${killed} of ${KILLS} runs were killed mid-way`);
    console.error(`crash harness: ${killed} of ${KILLS} runs killed with SIGKILL mid-run`);

    // Finish: commands left running by killed runs hold their claims until they end.
    let rest: Deno.CommandOutput | undefined;
    for (let attempt = 0; attempt < 20; attempt++) {
      rest = await flowCommand(root, ["run", "--parallel", "4"]).output();
      assertEquals(rest.code, 0, new TextDecoder().decode(rest.stderr));
      const status = await flowCommand(root, ["status", "--json"]).output();
      const doc = JSON.parse(new TextDecoder().decode(status.stdout));
      const open = Object.values(doc).filter((e) =>
        Object.values((e as { operations: Record<string, { status: string }> }).operations)
          .some((o) => o.status !== "complete")
      );
      if (open.length === 0) break;
      await new Promise((r) => setTimeout(r, 200));
    }

    // Nothing started on a job whose output was already complete.
    let violations = "";
    try {
      violations = Deno.readTextFileSync(`${root}/violations`);
    } catch {
      // none
    }
    assertEquals(violations, "", "operations redone after they were complete");
    // Every job complete; documents intact; each job computed once after its last interruption.
    const check = await flowCommand(root, ["check"]).output();
    assertEquals(
      check.code,
      0,
      new TextDecoder().decode(check.stdout) + new TextDecoder().decode(check.stderr),
    );
    const { jobs, problems } = await project.list();
    assertEquals(problems, []);
    assertEquals(jobs.length, JOBS);
    for (const job of jobs) {
      assertEquals(Deno.readTextFileSync(job.fn("a.txt")), String(job.sp.i));
      assertEquals(Deno.readTextFileSync(job.fn("b.txt")), String(job.sp.i));
      const doc = await job.doc.read(); // parses: not corrupt
      assertEquals(doc.sp, job.sp.i);
      assert(Number(doc.computed) >= 1);
    }
    const pdoc = await project.doc.read();
    assert(Number(pdoc.computations) >= JOBS, JSON.stringify(pdoc));
    assertEquals(
      [...Deno.readDirSync(`${root}/${CLAIMS_DIR}`)].map((e) => e.name),
      [],
      "claims left behind",
    );
  });
});
