/**
 * The files flow writes in a job directory while running operations (the
 * history, the logs) are never written through a symbolic link.
 */

import { assertEquals, assertThrows } from "../_assert.ts";
import { snapshot, withTempDir } from "../_helpers.ts";
import { DataError } from "../../src/errors.ts";
import { appendHistory, HISTORY_FILE, readHistory } from "../../src/executor/history.ts";
import { openLog } from "../../src/executor/logs.ts";
import { Project } from "../../src/workspace/project.ts";

Deno.test("appendHistory skips a history file that is a link", async () => {
  await withTempDir(async (dir) => {
    const project = await Project.init(`${dir}/p`);
    const [a, b, c] = await Promise.all([1, 2, 3].map((i) => project.openJob({ i }).init()));
    Deno.mkdirSync(`${dir}/outside`);
    Deno.writeTextFileSync(`${dir}/outside/log`, "");
    Deno.symlinkSync(`${dir}/outside/log`, a.fn(HISTORY_FILE));
    Deno.symlinkSync(`${dir}/outside/new`, b.fn(HISTORY_FILE)); // dangling
    const entry = { time: "t", event: "start" as const, operation: "op", id: "x" };
    appendHistory([a, b, c], entry);
    assertEquals(snapshot(`${dir}/outside`), new Map([[`${dir}/outside/log`, ""]]));
    assertEquals(readHistory(c).length, 1);
    // A file this process has written to, replaced by a link: not written through either.
    Deno.writeTextFileSync(`${dir}/outside/log2`, "");
    Deno.removeSync(c.fn(HISTORY_FILE));
    Deno.symlinkSync(`${dir}/outside/log2`, c.fn(HISTORY_FILE));
    appendHistory([c], entry);
    assertEquals(Deno.readTextFileSync(`${dir}/outside/log2`), "");
  });
});

Deno.test("appendHistory skips a history file that is a FIFO, without waiting on it", async () => {
  await withTempDir(async (dir) => {
    const project = await Project.init(`${dir}/p`);
    const [a, b] = await Promise.all([1, 2].map((i) => project.openJob({ i }).init()));
    const made = await new Deno.Command("mkfifo", { args: [a.fn(HISTORY_FILE)] }).output();
    assertEquals(made.code, 0);
    // In a child process, so that an open that waits for a reader fails the test instead of
    // hanging it.
    const history = new URL("../../src/executor/history.ts", import.meta.url).href;
    const job = new URL("../../src/workspace/project.ts", import.meta.url).href;
    Deno.writeTextFileSync(
      `${dir}/append.ts`,
      `import { appendHistory } from "${history}";\n` +
        `import { Project } from "${job}";\n` +
        `const p = await Project.open(${JSON.stringify(`${dir}/p`)});\n` +
        `const jobs = await Promise.all([${JSON.stringify(a.id)}, ${
          JSON.stringify(b.id)
        }].map((id) => p.job(id)));\n` +
        `appendHistory(jobs, { time: "t", event: "start", operation: "op", id: "x" });\n`,
    );
    const r = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", `${dir}/append.ts`],
      signal: AbortSignal.timeout(20_000),
      stderr: "piped",
    }).output();
    assertEquals(
      r.code,
      0,
      `the append waited on the FIFO or failed: ${new TextDecoder().decode(r.stderr)}`,
    );
    assertEquals(Deno.lstatSync(a.fn(HISTORY_FILE)).isFifo, true);
    assertEquals(readHistory(b).length, 1);
  });
});

Deno.test("openLog refuses a log folder reached through a link, before creating anything", async () => {
  await withTempDir((dir) => {
    Deno.mkdirSync(`${dir}/job`);
    Deno.mkdirSync(`${dir}/outside`);
    Deno.symlinkSync(`${dir}/outside`, `${dir}/job/.flow`);
    assertThrows(
      () => openLog(`${dir}/job/.flow/logs`, "op"),
      DataError,
      `${dir}/job/.flow/logs leads out of ${dir}/job through a symbolic link`,
    );
    assertEquals([...Deno.readDirSync(`${dir}/outside`)], []);
    // Links above the job folder (a linked workspace) are fine.
    Deno.mkdirSync(`${dir}/real/job`, { recursive: true });
    Deno.symlinkSync(`${dir}/real`, `${dir}/ws`);
    const log = openLog(`${dir}/ws/job/.flow/logs`, "op");
    log.close();
    assertEquals(log.path, `${dir}/ws/job/.flow/logs/op.1.log`);
  });
});
