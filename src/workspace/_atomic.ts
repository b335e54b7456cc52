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
 * Removes the temporary files of {@link tempNameFor} in `dir` (not below it)
 * whose last change is more than `olderThanMs` old: what a process killed in
 * the middle of an atomic write left. Errors are ignored (best effort).
 */
export function sweepTempFiles(dir: string, olderThanMs: number): void {
  try {
    const now = Date.now();
    for (const e of Deno.readDirSync(dir)) {
      if (!e.isFile || !TEMP_NAME.test(e.name)) continue;
      const path = `${dir}/${e.name}`;
      try {
        const changed = Deno.lstatSync(path).mtime?.getTime();
        if (changed !== undefined && now - changed > olderThanMs) Deno.removeSync(path);
      } catch {
        // gone meanwhile
      }
    }
  } catch {
    // no folder, or not readable
  }
}

/** The names {@link tempNameFor} makes: `.<name>.<pid>.<count>.<random>.tmp`. */
const TEMP_NAME = /^\..+\.\d+\.\d+\.[0-9a-z]+\.tmp$/;

/**
 * Writes `data` to `path` atomically: readers see the old or the new content,
 * never a mix; a crash leaves at most a stray temporary file.
 */
export function writeFileAtomicSync(path: string, data: string | Uint8Array): void {
  replaceSync(path, (tmp) => {
    if (typeof data === "string") Deno.writeTextFileSync(tmp, data);
    else Deno.writeFileSync(tmp, data);
  });
}

/** Lets `write` fill a temporary file next to `path`, then renames it over `path`. */
function replaceSync(path: string, write: (tmp: string) => void): void {
  const tmp = tempNameFor(path);
  try {
    write(tmp);
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

/** Size of the pieces {@link writeChunksSync} encodes and writes at once, in characters. */
const CHUNK_CHARS = 256 * 1024;

/**
 * Writes the strings `parts` yields, in order, to `path` (created or
 * truncated), encoded and written a few hundred KiB at a time: a file of
 * 100,000 lines never exists in memory as one string plus its encoding
 * (~20 MB at the peak of a first `flow status`, each new page costing
 * ~12 µs on a slow VM).
 */
export function writeChunksSync(path: string, parts: Iterable<string>): void {
  const file = Deno.openSync(path, { write: true, create: true, truncate: true });
  try {
    const encoder = new TextEncoder();
    let chunk: string[] = [];
    let size = 0;
    const flush = () => {
      const bytes = encoder.encode(chunk.join(""));
      for (let at = 0; at < bytes.length;) at += file.writeSync(bytes.subarray(at));
      chunk = [];
      size = 0;
    };
    for (const part of parts) {
      chunk.push(part);
      size += part.length;
      if (size >= CHUNK_CHARS) flush();
    }
    flush();
  } finally {
    file.close();
  }
}

/** {@link writeFileAtomicSync} of the strings `parts` yields, written in chunks. */
export function writeChunksAtomicSync(path: string, parts: Iterable<string>): void {
  replaceSync(path, (tmp) => writeChunksSync(tmp, parts));
}
