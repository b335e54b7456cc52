/**
 * Reuse of sandboxes across the units of one run.
 *
 * Opening a sandbox costs most of its time (a Worker imports the project's
 * module: about 200 ms here), so a sandbox is kept after its unit and handed
 * to the next unit that needs exactly the same permissions: typically the
 * next operation of the same job, which becomes eligible when the previous
 * one finishes. At most `maxIdle` idle sandboxes are kept; the least
 * recently used is closed first.
 *
 * @module
 */

import { openSandbox, type Sandbox, type SandboxSpec } from "./sandbox.ts";

function keyOf(spec: SandboxSpec): string {
  return [spec.mainModule, spec.projectRoot, ...[...spec.writable].sort()].join("\0");
}

/**
 * Sandboxes by permission set, reused while idle.
 *
 * @example
 * ```ts
 * import { SandboxPool } from "./sandbox_pool.ts";
 * const pool = new SandboxPool(4);
 * // const sb = await pool.take(spec); try { await sb.run("op", ids); } finally { pool.give(spec, sb); }
 * await pool.closeAll();
 * ```
 */
export class SandboxPool {
  readonly #idle = new Map<string, Sandbox[]>();
  readonly #order: { key: string; sandbox: Sandbox }[] = [];
  readonly #busy = new Set<Sandbox>();
  readonly #maxIdle: number;

  /** A pool keeping at most `maxIdle` idle sandboxes. */
  constructor(maxIdle: number) {
    this.#maxIdle = Math.max(1, maxIdle);
  }

  /** An idle sandbox with exactly these permissions, or a new one. */
  async take(spec: SandboxSpec): Promise<Sandbox> {
    const key = keyOf(spec);
    const list = this.#idle.get(key);
    const reused = list?.pop();
    let sandbox: Sandbox;
    if (reused) {
      const i = this.#order.findIndex((e) => e.sandbox === reused);
      if (i >= 0) this.#order.splice(i, 1);
      sandbox = reused;
    } else sandbox = await openSandbox(spec);
    this.#busy.add(sandbox);
    return sandbox;
  }

  /** Returns a sandbox after use; a broken one (killed) is closed instead. */
  give(spec: SandboxSpec, sandbox: Sandbox, broken = false): void {
    this.#busy.delete(sandbox);
    if (broken) {
      sandbox.close().catch(() => {});
      return;
    }
    const key = keyOf(spec);
    const list = this.#idle.get(key) ?? [];
    list.push(sandbox);
    this.#idle.set(key, list);
    this.#order.push({ key, sandbox });
    while (this.#order.length > this.#maxIdle) {
      const old = this.#order.shift()!;
      const l = this.#idle.get(old.key);
      if (l) l.splice(l.indexOf(old.sandbox), 1);
      old.sandbox.close().catch(() => {});
    }
  }

  /** Kills every sandbox in use (an interrupt). */
  killBusy(reason: string): void {
    for (const s of this.#busy) s.kill(reason);
  }

  /** Closes every idle sandbox (the end of a run). */
  async closeAll(): Promise<void> {
    const all = this.#order.splice(0).map((e) => e.sandbox);
    this.#idle.clear();
    await Promise.all(all.map((s) => s.close().catch(() => {})));
  }
}
