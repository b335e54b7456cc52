// The commands of examples/groups/README.md, through both front ends.
import { assertEquals, assertStringIncludes } from "../_assert.ts";
import { copyDir, flow, PROJECT_TS_FLAGS, withTempDir } from "../_helpers.ts";

const EXAMPLES = new URL("../../examples/groups/", import.meta.url).pathname;

async function viaTs(dir: string, args: string[]) {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...PROJECT_TS_FLAGS, `${dir}/project.ts`, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const d = new TextDecoder();
  return { code: r.code, stdout: d.decode(r.stdout), stderr: d.decode(r.stderr) };
}

/** Copies an example (rewriting its import of mod.ts) into a fresh project with jobs. */
async function prepare(dir: string, example: string, statepoints: string[]): Promise<string[]> {
  copyDir(`${EXAMPLES}${example}`, dir);
  const mod = new URL("../../mod.ts", import.meta.url).href;
  const ts = Deno.readTextFileSync(`${dir}/project.ts`).replace("../../../mod.ts", mod);
  Deno.writeTextFileSync(`${dir}/project.ts`, ts);
  assertEquals((await flow(["init", dir])).code, 0);
  const r = await flow(["--project", dir, "job", "create", ...statepoints]);
  assertEquals(r.code, 0, r.stderr);
  return r.stdout.trim().split("\n");
}

for (const frontEnd of ["flow.yaml", "project.ts"]) {
  const run = (dir: string, args: string[]) =>
    frontEnd === "flow.yaml" ? flow(["--project", dir, ...args]) : viaTs(dir, args);

  Deno.test(`examples/groups/basic: flow run -o ex [${frontEnd}]`, async () => {
    await withTempDir(async (dir) => {
      const ids = await prepare(dir, "basic", ['{"i": 0}', '{"i": 1}']);
      const r = await run(dir, ["run", "-o", "ex"]);
      assertEquals(r.code, 0, r.stderr);
      assertStringIncludes(r.stderr, "run: 4 operations, 4 succeeded");
      for (const id of ids) {
        assertEquals(Deno.readTextFileSync(`${dir}/workspace/${id}/op1.txt`), `op1 on ${id}\n`);
        assertEquals(Deno.readTextFileSync(`${dir}/workspace/${id}/op2.txt`), `op2 on ${id}\n`);
      }
    });
  });

  Deno.test(`examples/groups/directives: op1 has 2 GPUs via ex, 1 alone [${frontEnd}]`, async () => {
    await withTempDir(async (dir) => {
      const [id] = await prepare(dir, "directives", ['{"i": 0}']);
      const g = await run(dir, ["run", "--pretend", "-o", "ex"]);
      assertEquals(g.code, 0, g.stderr);
      assertEquals(
        g.stdout.trim(),
        `# group ex on ${id} (serial)\n#   op1: np=1 ngpu=2\n` +
          `echo "op1 with CUDA_VISIBLE_DEVICES=\${CUDA_VISIBLE_DEVICES:-unset}" > op1.txt`,
      );
      const o = await run(dir, ["run", "--pretend", "-o", "op1"]);
      assertEquals(
        o.stdout.trim(),
        `# op1 on ${id}: np=1 ngpu=1\n` +
          `echo "op1 with CUDA_VISIBLE_DEVICES=\${CUDA_VISIBLE_DEVICES:-unset}" > op1.txt`,
      );
      const real = await run(dir, ["run", "-o", "ex"]);
      assertEquals(real.code, 0, real.stderr);
      assertStringIncludes(
        Deno.readTextFileSync(`${dir}/workspace/${id}/op1.txt`),
        "op1 with CUDA_VISIBLE_DEVICES=",
      );
    });
  });
}
