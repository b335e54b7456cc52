// launch(): commands in their own process group, and the start gate that lets the runner record
// the command's process in its claim before the command can run.
import { assert, assertEquals } from "../_assert.ts";
import { alive, exists, withTempDir } from "../_helpers.ts";
import { launch, START_GATE } from "../../src/executor/launch.ts";

const ENV = { PATH: "/usr/bin:/bin" };

Deno.test("launch: output, exit code, and a process group of its own", async () => {
  let out = "";
  const p = launch({
    command: "echo hi; ps -o pgid= -p $$; exit 3",
    cwd: ".",
    env: ENV,
    onOutput: (c) => out += new TextDecoder().decode(c),
  });
  const status = await p.done;
  assertEquals(status.code, 3);
  const [hi, pgid] = out.trim().split("\n");
  assertEquals(hi, "hi");
  assertEquals(Number(pgid), p.pid, "bash leads its own process group");
});

Deno.test("launch: a gated command starts only after beforeStart returned, with stdin at /dev/null", async () => {
  await withTempDir(async (dir) => {
    const seen: boolean[] = [];
    let out = "";
    const p = launch({
      command: 'touch started; cat; echo "[$__flow_go]"',
      cwd: dir,
      env: ENV,
      onOutput: (c) => out += new TextDecoder().decode(c),
      beforeStart: (pid) => {
        seen.push(alive(pid), exists(`${dir}/started`));
      },
    });
    assertEquals((await p.done).code, 0);
    assertEquals(seen, [true, false], "the process existed and the command had not started");
    assert(exists(`${dir}/started`));
    assertEquals(out, "[]\n", "cat read nothing; the gate's variable is gone");
  });
});

Deno.test("launch: when beforeStart throws, the command does not run (exit code 125)", async () => {
  await withTempDir(async (dir) => {
    const p = launch({
      command: "touch ran",
      cwd: dir,
      env: ENV,
      beforeStart: () => {
        throw new Error("cannot record the claim");
      },
    });
    assertEquals((await p.done).code, 125);
    assertEquals(exists(`${dir}/ran`), false);
  });
});

Deno.test("launch: if flow dies between starting the process and the gate, the command never runs", async () => {
  await withTempDir(async (dir) => {
    const launchUrl = new URL("../../src/executor/launch.ts", import.meta.url).href;
    // The parent records the pid, then dies (as under kill -9) before saying "go".
    Deno.writeTextFileSync(
      `${dir}/parent.ts`,
      `import { launch } from "${launchUrl}";\n` +
        `launch({ command: "touch ran", cwd: ${JSON.stringify(dir)}, env: ${
          JSON.stringify(ENV)
        },\n` +
        `  beforeStart: (pid) => { Deno.writeTextFileSync(${
          JSON.stringify(`${dir}/pid`)
        }, String(pid)); Deno.exit(0); } });\n`,
    );
    const r = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", `${dir}/parent.ts`],
      stderr: "piped",
    }).output();
    assertEquals(r.code, 0, new TextDecoder().decode(r.stderr));
    const pid = Number(Deno.readTextFileSync(`${dir}/pid`));
    for (let i = 0; i < 100 && alive(pid); i++) await new Promise((ok) => setTimeout(ok, 50));
    assertEquals(alive(pid), false, "the orphaned process did not end");
    assertEquals(exists(`${dir}/ran`), false, "the command ran without its claim naming it");
  });
});

Deno.test("launch: when onOutput throws, the command runs to its end and done rejects with the error", async () => {
  await withTempDir(async (dir) => {
    let calls = 0;
    const p = launch({
      // 1 MB of output, far more than a pipe holds: unread, the command would block forever.
      command: "head -c 1000000 /dev/zero; touch finished",
      cwd: dir,
      env: ENV,
      onOutput: () => {
        calls++;
        throw new Error("disk full");
      },
    });
    let error: unknown;
    try {
      await p.done;
    } catch (e) {
      error = e;
    }
    assertEquals((error as Error | undefined)?.message, "disk full");
    assertEquals(calls, 1, "not called again after it threw");
    assert(exists(`${dir}/finished`), "the command ran to its end");
  });
});

Deno.test("START_GATE is valid bash that runs nothing without go", async () => {
  const r = await new Deno.Command("bash", {
    args: ["-c", START_GATE + "echo ran"],
    stdin: "null",
    stdout: "piped",
  }).output();
  assertEquals(r.code, 125);
  assertEquals(new TextDecoder().decode(r.stdout), "");
});

/** Starts a command whose whole group ignores SIGTERM; resolves once the trap is set. */
async function stubborn(extra: { timeoutMs?: number } = {}) {
  let ready!: () => void;
  const isReady = new Promise<void>((r) => ready = r);
  const p = launch({
    command: "trap '' TERM; echo ready; sleep 30",
    cwd: ".",
    env: ENV,
    onOutput: (c) => {
      if (new TextDecoder().decode(c).includes("ready")) ready();
    },
    ...extra,
  });
  await isReady;
  return p;
}

Deno.test("launch: a second stop without grace kills the group at once (a second Ctrl-C)", async () => {
  const p = await stubborn();
  const t0 = performance.now();
  p.stop("interrupt", 5000); // ignored by the command: the grace period would run to its end
  await new Promise((r) => setTimeout(r, 200));
  p.stop("interrupt", 0);
  const status = await p.done;
  assert(performance.now() - t0 < 3000, "killed well before the 5 s grace period ended");
  assertEquals(status.signal, "SIGKILL");
  assert(status.interrupted);
});

Deno.test("launch: stopping without grace kills at once a command that is timing out", async () => {
  const p = await stubborn({ timeoutMs: 50 });
  await new Promise((r) => setTimeout(r, 300)); // timed out: SIGTERM sent (ignored), 5 s grace
  const t0 = performance.now();
  p.stop("interrupt", 0);
  const status = await p.done;
  assert(performance.now() - t0 < 3000, "killed well before the 5 s grace period ended");
  assertEquals(status.signal, "SIGKILL");
  assert(status.timedOut, "the first reason stays");
});
