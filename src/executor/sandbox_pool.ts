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
 * Units of different jobs need different permissions (each may write only its
 * own job directory), so the runner also asks the pool to open the sandboxes
 * of the next queued units ahead of time ({@link SandboxPool.prefetch}): the
 * Worker loads its modules on another core while the current unit runs.
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
  /** Sandboxes being opened ahead of time, by permission key. */
  readonly #pending = new Map<string, Promise<Sandbox | undefined>>();
  readonly #maxPending: number;

  /**
   * A pool keeping at most `maxIdle` idle sandboxes and opening at most
   * `maxPending` ahead of time (default 2).
   */
  constructor(maxIdle: number, maxPending = 2) {
    this.#maxIdle = Math.max(1, maxIdle);
    this.#maxPending = Math.max(0, maxPending);
  }

  /**
   * Starts opening a sandbox with these permissions, for a unit expected to
   * start soon; does nothing when one is idle or being opened already, or
   * when `maxPending` are being opened. Errors surface in {@link take}.
   */
  prefetch(spec: SandboxSpec): void {
    const key = keyOf(spec);
    if (this.#pending.has(key) || this.#idle.get(key)?.length) return;
    if (this.#pending.size >= this.#maxPending) return;
    this.#pending.set(key, openSandbox(spec).catch(() => undefined));
  }

  /** An idle sandbox with exactly these permissions, one opened ahead of time, or a new one. */
  async take(spec: SandboxSpec): Promise<Sandbox> {
    const key = keyOf(spec);
    const list = this.#idle.get(key);
    const reused = list?.pop();
    let sandbox: Sandbox | undefined;
    if (reused) {
      const i = this.#order.findIndex((e) => e.sandbox === reused);
      if (i >= 0) this.#order.splice(i, 1);
      sandbox = reused;
    } else {
      const pending = this.#pending.get(key);
      if (pending) {
        this.#pending.delete(key);
        sandbox = await pending;
      }
      // Not prefetched, or opening it failed: open it here, where errors are reported.
      sandbox ??= await openSandbox(spec);
    }
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

  /** Closes every idle sandbox and those opened ahead of time (the end of a run). */
  async closeAll(): Promise<void> {
    const all = this.#order.splice(0).map((e) => e.sandbox);
    this.#idle.clear();
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const s of await Promise.all(pending)) if (s) all.push(s);
    await Promise.all(all.map((s) => s.close().catch(() => {})));
  }
}
