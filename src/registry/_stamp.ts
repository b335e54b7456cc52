// Private helper of condition_cache.ts and its worker: the stamp of a file or directory.

/**
 * The stamp of a directory or regular file itself, `MTIME:CTIME` in ms, and
 * the newer of the two; undefined for links and errors. Both times, because
 * Deno reports ctime in whole seconds and mtime can be set by anyone.
 */
export function stampOf(path: string): [string, number] | undefined {
  return stampTimes(path, TIMES) ? stampFrom(TIMES) : undefined;
}

const TIMES = new Float64Array(2);

/** The stamp of the times `stampTimes` wrote (see {@link stampOf}). */
export function stampFrom(times: Float64Array): [string, number] {
  return [`${times[0]}:${times[1]}`, Math.max(times[0], times[1])];
}

/**
 * The two times of the stamp of `path` (see {@link stampOf}), written to
 * `out` (mtime, then ctime): false, and nothing written, for links and
 * errors. Compared where a stamp is recorded, they make no string.
 */
export function stampTimes(path: string, out: Float64Array): boolean {
  try {
    const info = Deno.lstatSync(path);
    if (info.isSymlink) return false;
    const m = info.mtime?.getTime() ?? NaN;
    const c = info.ctime?.getTime() ?? m;
    if (!Number.isFinite(m) || !Number.isFinite(c)) return false;
    out[0] = m;
    out[1] = c;
    return true;
  } catch {
    return false;
  }
}

/** Names that can be asked for: a `Set`, or the files of a packed scan. */
export interface FileNames {
  /** True if `name` is one of them. */
  has(name: string): boolean;
}

/** What a scan of a job directory found: its stamp, then its regular files. */
export interface Scan {
  /** The directory's stamp and newest time (see {@link stampOf}). */
  stamp: [string, number];
  /** Names of regular files (symbolic links to regular files included). */
  files: FileNames;
  /** True if the directory holds a symbolic link. */
  links: boolean;
}

/**
 * The stamp of a job directory, then its listing (in this order: a change
 * after the stamp shows up as a new stamp), packed in one string (see
 * {@link unpackScan}): 100,000 of them are kept until evaluated and cross
 * from the Worker, where one string costs a fraction of an object with
 * arrays. Undefined for links and errors.
 */
export function scanDir(path: string): string | undefined {
  const stamp = stampOf(path);
  if (!stamp) return undefined;
  // "/" cannot occur in a file name: "<mtime>:<ctime>/<newest>/<links>[/<file>]...".
  let packed = "";
  let links = 0;
  try {
    for (const e of Deno.readDirSync(path)) {
      if (e.isFile) packed += "/" + e.name;
      else if (e.isSymlink) {
        links = 1;
        try {
          if (Deno.statSync(`${path}/${e.name}`).isFile) packed += "/" + e.name;
        } catch {
          // a dangling link is not a file
        }
      }
    }
  } catch {
    return undefined;
  }
  return `${stamp[0]}/${stamp[1]}/${links}${packed}`;
}

/**
 * The {@link Scan} packed by {@link scanDir}. Its file names are looked up
 * in the packed text, not split into an array and a set (100,000 of each
 * in a first run).
 */
export function unpackScan(packed: string): Scan {
  const a = packed.indexOf("/");
  const b = packed.indexOf("/", a + 1);
  // "<links>" then "/<file>" for each file.
  const files = b + 2;
  return {
    stamp: [packed.slice(0, a), Number(packed.slice(a + 1, b))],
    files: new PackedNames(packed, files),
    links: packed.charCodeAt(b + 1) === 49, // "1"
  };
}

/** The file names of a packed scan, each after a "/" from `from` on. */
class PackedNames implements FileNames {
  readonly #packed: string;
  readonly #from: number;

  constructor(packed: string, from: number) {
    this.#packed = packed;
    this.#from = from;
  }

  has(name: string): boolean {
    const packed = this.#packed;
    const needle = "/" + name;
    for (let i = packed.indexOf(needle, this.#from); i >= 0; i = packed.indexOf(needle, i + 1)) {
      const end = i + needle.length;
      if (end === packed.length || packed.charCodeAt(end) === 47 /* / */) return true;
    }
    return false;
  }
}
