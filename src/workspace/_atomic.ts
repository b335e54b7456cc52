// Private helpers: atomic file writes (temporary file in the same directory, then rename).

let counter = 0;

/** A unique temporary name next to `path`, safe across processes and hosts. */
export function tempNameFor(path: string): string {
  const slash = path.lastIndexOf("/");
  const dir = path.slice(0, slash + 1);
  const base = path.slice(slash + 1);
  const rnd = Math.random().toString(36).slice(2, 10);
  return `${dir}.${base}.${Deno.pid}.${++counter}.${rnd}.tmp`;
}

/**
 * Writes `data` to `path` atomically: readers see the old or the new content,
 * never a mix; a crash leaves at most a stray temporary file.
 */
export function writeFileAtomicSync(path: string, data: string | Uint8Array): void {
  const tmp = tempNameFor(path);
  try {
    if (typeof data === "string") Deno.writeTextFileSync(tmp, data);
    else Deno.writeFileSync(tmp, data);
    Deno.renameSync(tmp, path);
  } catch (e) {
    try {
      Deno.removeSync(tmp);
    } catch {
      // the temporary file may never have been created
    }
    throw e;
  }
}
