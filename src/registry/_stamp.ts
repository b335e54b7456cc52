// Private helper of condition_cache.ts and its worker: the stamp of a file or directory.

/**
 * The stamp of a directory or regular file itself, `MTIME:CTIME` in ms, and
 * the newer of the two; undefined for links and errors. Both times, because
 * Deno reports ctime in whole seconds and mtime can be set by anyone.
 */
export function stampOf(path: string): [string, number] | undefined {
  try {
    const info = Deno.lstatSync(path);
    if (info.isSymlink) return undefined;
    const m = info.mtime?.getTime() ?? NaN;
    const c = info.ctime?.getTime() ?? m;
    if (!Number.isFinite(m) || !Number.isFinite(c)) return undefined;
    return [`${m}:${c}`, Math.max(m, c)];
  } catch {
    return undefined;
  }
}
