// End-to-end: what the command line does when the reader of its output goes away (src/cli/_io.ts).
import { assertEquals } from "../_assert.ts";
import { flow, flowIntoClosedPipe, flowProject, withTempDir } from "../_helpers.ts";

Deno.test("a reader that has gone ends a command quietly, with exit code 0", async () => {
  await withTempDir(async (dir) => {
    const [id] = await flowProject(
      dir,
      ['{"a": 1}', '{"a": 2}'],
      "operations:\n  hello: {command: echo hello > hello.txt, post: [{isfile: hello.txt}]}\n",
    );
    for (
      const args of [
        ["find"],
        ["status", "--detailed"],
        ["status", "--json"],
        ["next", "hello"],
        ["run", "--pretend"],
        ["job", "show", id.slice(0, 8)],
        ["--help"],
        ["status", "--help"],
      ]
    ) {
      const r = await flowIntoClosedPipe(args, { cwd: dir });
      assertEquals({ code: r.code, stderr: r.stderr }, { code: 0, stderr: "" }, args.join(" "));
    }
  });
});

Deno.test("an error is still reported when stdout's reader has gone", async () => {
  await withTempDir(async (dir) => {
    assertEquals((await flow(["init", dir])).code, 0);
    const r = await flowIntoClosedPipe(["job", "show", "ffff"], { cwd: dir });
    assertEquals(r.code, 2);
    assertEquals(r.stderr.trim().split("\n").length, 1, r.stderr);
  });
});
