import { assert, assertEquals, assertRejects } from "../_assert.ts";
import { withTempDir } from "../_helpers.ts";
import { LockTimeoutError, tryLock, withLock } from "../../src/workspace/lock.ts";
import { hostname } from "node:os";

Deno.test("a held lock excludes others until released, even when fn throws", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/x.lock`;
    await assertRejects(
      () => withLock(path, () => Promise.reject(new Error("boom"))),
      Error,
      "boom",
    );
    assert(tryLock(path));
    assert(!tryLock(path));
    await assertRejects(
      () => withLock(path, () => 1, { timeoutMs: 50 }),
      LockTimeoutError,
      "x.lock",
    );
  });
});

Deno.test("a lock left by a dead process on this host is taken over", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/x.lock`;
    // A pid that cannot exist (above Linux's pid_max).
    Deno.writeTextFileSync(path, JSON.stringify({ host: hostname(), pid: 99999999, time: 0 }));
    assertEquals(await withLock(path, () => "got it", { timeoutMs: 5_000 }), "got it");
  });
});

Deno.test("a fresh lock held by another host is respected; an old one is taken over", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/x.lock`;
    Deno.writeTextFileSync(path, JSON.stringify({ host: "other-node", pid: 1, time: Date.now() }));
    await assertRejects(
      () => withLock(path, () => 1, { timeoutMs: 100, staleAfterMs: 60_000 }),
      LockTimeoutError,
    );
    const old = new Date(Date.now() - 120_000);
    Deno.utimeSync(path, old, old);
    assertEquals(await withLock(path, () => 2, { timeoutMs: 5_000, staleAfterMs: 60_000 }), 2);
  });
});
