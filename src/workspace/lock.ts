/**
 * Advisory file locks that work across processes and across the nodes of a
 * shared file system: a lock is a file created with an atomic exclusive
 * create (`O_CREAT | O_EXCL`), holding the owner's host, pid and time.
 *
 * A lock whose owner is gone is taken over: on the same host when the owner
 * process no longer exists (checked with the null signal, which needs
 * `--allow-run`), otherwise when the lock is older than
 * {@link LockOptions.staleAfterMs}.
 *
 * @module
 */

import { processExists } from "../process.ts";
import { FlowError } from "../errors.ts";

/**
 * A lock could not be acquired in time.
 *
 * @example
 * ```ts
 * import { LockTimeoutError } from "./lock.ts";
 * console.log(new LockTimeoutError("x").exitCode); // 2
 * ```
 */
export class LockTimeoutError extends FlowError {}

/** Options of {@link withLock}. */
export interface LockOptions {
  /** Give up after this long (default 60 s). */
  timeoutMs?: number;
  /** A lock held by another host is stale after this long (default 120 s). */
  staleAfterMs?: number;
}

interface Owner {
  host: string;
  pid: number;
  time: number;
}

let host: string | undefined;
function thisHost(): string {
  return host ??= Deno.hostname();
}

function isStale(path: string, staleAfterMs: number): boolean {
  let text: string;
  let mtime: number;
  try {
    // flow makes locks as plain files: a symbolic link in a lock's place is no lock of ours.
    if (Deno.lstatSync(path).isSymlink) return true;
    text = Deno.readTextFileSync(path);
    mtime = Deno.statSync(path).mtime?.getTime() ?? Date.now();
  } catch {
    return false; // gone already: simply retry
  }
  let owner: Owner | undefined;
  try {
    owner = JSON.parse(text) as Owner;
  } catch {
    owner = undefined; // half-written by a process that died between create and write
  }
  const age = Date.now() - mtime;
  if (!owner || typeof owner.pid !== "number") return age > 5_000;
  if (owner.host === thisHost() && owner.pid !== Deno.pid) {
    const exists = processExists(owner.pid);
    if (exists !== undefined) return !exists;
  }
  return (owner.host !== thisHost() || owner.pid !== Deno.pid) && age > staleAfterMs;
}

/** Tries once to create the lock file; true on success. */
export function tryLock(path: string): boolean {
  try {
    const f = Deno.openSync(path, { write: true, createNew: true });
    try {
      const owner: Owner = { host: thisHost(), pid: Deno.pid, time: Date.now() };
      f.writeSync(new TextEncoder().encode(JSON.stringify(owner)));
    } finally {
      f.close();
    }
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.AlreadyExists) return false;
    throw e;
  }
}

/** Removes a stale lock safely: only one of several contenders wins the rename. */
function breakStale(path: string): void {
  const grave = `${path}.stale.${thisHost()}.${Deno.pid}.${Math.random().toString(36).slice(2)}`;
  try {
    Deno.renameSync(path, grave);
    Deno.removeSync(grave);
  } catch {
    // another process broke it first
  }
}

/**
 * Runs `fn` while holding the lock file `path`; the lock is released even if
 * `fn` throws.
 *
 * @example
 * ```ts
 * import { withLock } from "./lock.ts";
 * const dir = Deno.makeTempDirSync();
 * await withLock(`${dir}/doc.lock`, () => Deno.writeTextFileSync(`${dir}/doc`, "x"));
 * ```
 */
export async function withLock<T>(
  path: string,
  fn: () => T | Promise<T>,
  options: LockOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const staleAfterMs = options.staleAfterMs ?? 120_000;
  const start = Date.now();
  let wait = 1;
  let checks = 0;
  while (!tryLock(path)) {
    if (++checks % 8 === 0 && isStale(path, staleAfterMs)) {
      breakStale(path);
      continue;
    }
    if (Date.now() - start > timeoutMs) {
      throw new LockTimeoutError(
        `could not lock ${path} within ${Math.round(timeoutMs / 1000)} s; ` +
          `if no other flow process is running, remove that file`,
      );
    }
    await new Promise((r) => setTimeout(r, wait * (0.5 + Math.random())));
    wait = Math.min(wait * 2, 50);
  }
  try {
    return await fn();
  } finally {
    try {
      Deno.removeSync(path);
    } catch {
      // already broken by another process as stale; nothing to release
    }
  }
}
