/**
 * Loader variables (LD_LIBRARY_PATH, set by environment modules on most
 * clusters) in flow's own environment: under the narrow `flow` permission
 * set Deno refuses to start an allow-listed program with them, which once
 * made every signal flow sends through `kill` fail, so a timed-out
 * operation's process group ran on to its end.
 */

import { assertEquals, assertStringIncludes } from "../_assert.ts";
import { alive, flow, withTempDir } from "../_helpers.ts";

Deno.test("with LD_LIBRARY_PATH set, a timed-out operation is stopped with everything it started", async () => {
  await withTempDir(async (dir) => {
    await flow(["init", "p"], { cwd: dir });
    const root = `${dir}/p`;
    Deno.writeTextFileSync(
      `${root}/flow.yaml`,
      `operations:\n  a:\n    command: "sleep 30 & echo $! > child.pid; wait"\n`,
    );
    const id = (await flow(["job", "create", '{"x": 1}'], { cwd: root })).stdout.trim();
    const t0 = performance.now();
    const r = await flow(["run", "-t", "1"], {
      cwd: root,
      env: { LD_LIBRARY_PATH: "/opt/cluster/lib", LD_PRELOAD: "" },
    });
    const seconds = (performance.now() - t0) / 1000;
    assertEquals(r.code, 1, r.stderr);
    assertStringIncludes(r.stderr, "timed out after 1 s");
    // Hang guard: the 30-second command must not have run to its end.
    assertEquals(seconds < 20, true, `took ${seconds.toFixed(1)} s`);
    const pid = Number(Deno.readTextFileSync(`${root}/workspace/${id}/child.pid`));
    for (let t = 0; t < 40 && alive(pid); t++) await new Promise((ok) => setTimeout(ok, 50));
    assertEquals(alive(pid), false, "the operation's child survived");
  });
});
