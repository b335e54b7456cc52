// Private helper of condition_cache.ts and its worker: scanning the job folders of a first run on
// two threads while the creating thread evaluates what is scanned.
//
// A first `flow status` on 100,000 jobs must stamp and list every job folder (~1.25 s on both
// cores here) and evaluate every condition (~0.4 s on one). Done one after the other, the second
// core idles while the first evaluates. Here a Worker scans chunks of the jobs in order and hands
// each chunk's packed scans (see scanDir) back through shared memory as soon as it is done; the
// creating thread evaluates job by job and, when it needs a chunk the Worker is still scanning,
// scans the next free chunk itself instead of waiting. Each chunk is taken by exactly one thread
// (compare-and-swap on its state), so each folder is scanned once.
//
// Shared memory: per chunk three Int32 (state, offset and length of its text in the arena), then
// the arena, where the Worker writes each chunk's scans (UTF-8, joined by NUL). A chunk that does
// not fit in what is left of the arena is marked LOST and scanned by the creating thread. A chunk
// the Worker holds for longer than STEAL_MS (it died, or the file system stalls it) is taken over:
// the Worker's late result is then discarded (its final compare-and-swap fails).

import { scanDir } from "./_stamp.ts";

/** Jobs per chunk. */
export const SCAN_CHUNK = 256;
/** Bytes of arena per job: a packed scan of a folder with a few files takes 60-120. */
const ARENA_BYTES_PER_JOB = 192;
/** How long a chunk the Worker holds is waited for before it is scanned here anyway (ms). */
const STEAL_MS = 2000;

const FREE = 0;
const WORKER = 1;
const DONE = 2;
const HERE = 3;
const LOST = 4;

/** The shared memory of a scan of `jobs` jobs (see the module notes). */
export interface SharedScans {
  /** Per chunk: state, offset, length. */
  readonly meta: SharedArrayBuffer;
  /** The texts of the chunks the Worker scanned. */
  readonly arena: SharedArrayBuffer;
}

/**
 * Shared memory for scanning `jobs` job folders (see the module notes).
 *
 * @example
 * ```ts
 * import { sharedScans } from "./_scan_stream.ts";
 * console.log(sharedScans(600).meta.byteLength); // 36 (three chunks, three numbers each)
 * ```
 */
export function sharedScans(jobs: number): SharedScans {
  const chunks = Math.ceil(jobs / SCAN_CHUNK);
  return {
    meta: new SharedArrayBuffer(chunks * 12),
    arena: new SharedArrayBuffer(Math.max(1, jobs) * ARENA_BYTES_PER_JOB),
  };
}

/**
 * The Worker's side: scans, in order, every chunk of the folders
 * `<workspace>/<id>` (`ids` joined by NUL) that the other thread has not
 * taken, and publishes each one's packed scans (empty for a folder that
 * cannot be scanned) in `shared`. Returns how many chunks it scanned.
 */
export function scanChunks(ids: string, workspace: string, shared: SharedScans): number {
  const list = ids === "" ? [] : ids.split("\0");
  const meta = new Int32Array(shared.meta);
  const arena = new Uint8Array(shared.arena);
  const encoder = new TextEncoder();
  const chunks = meta.length / 3;
  let pos = 0;
  let scanned = 0;
  for (let c = 0; c < chunks; c++) {
    if (Atomics.compareExchange(meta, c * 3, FREE, WORKER) !== FREE) continue;
    const from = c * SCAN_CHUNK;
    const to = Math.min(list.length, from + SCAN_CHUNK);
    const texts: string[] = [];
    for (let i = from; i < to; i++) texts.push(scanDir(`${workspace}/${list[i]}`) ?? "");
    const text = texts.join("\0");
    const { read, written } = encoder.encodeInto(text, arena.subarray(pos));
    if (read < text.length) {
      Atomics.compareExchange(meta, c * 3, WORKER, LOST);
    } else {
      Atomics.store(meta, c * 3 + 1, pos);
      Atomics.store(meta, c * 3 + 2, written);
      pos += written;
      // Published only if the other thread has not taken the chunk over meanwhile.
      Atomics.compareExchange(meta, c * 3, WORKER, DONE);
    }
    Atomics.notify(meta, c * 3);
    scanned++;
  }
  return scanned;
}

/**
 * The creating thread's side: the packed scan of each job, from the
 * Worker's chunks as they are published, or scanned here for chunks no one
 * has taken when they are needed.
 *
 * @example
 * ```ts
 * import { ScanReader, sharedScans } from "./_scan_stream.ts";
 * const dir = Deno.makeTempDirSync();
 * Deno.mkdirSync(`${dir}/a`);
 * const reader = new ScanReader(dir, ["a"], sharedScans(1)); // no Worker: scanned here
 * console.log(reader.take("a")?.endsWith("/0")); // true (no files)
 * ```
 */
export class ScanReader {
  readonly #workspace: string;
  readonly #ids: readonly string[];
  readonly #stealMs: number;
  readonly #meta: Int32Array;
  readonly #arena: Uint8Array;
  /** The packed scan of each job ("" when it could not be scanned), once its chunk is in. */
  readonly #scans: (string | undefined)[];
  /** Per chunk: 1 once its scans are in {@link #scans}. */
  readonly #have: Uint8Array;
  /** Per job: 1 when its scan must not be used (see {@link drop}). */
  readonly #dropped: Uint8Array;
  #next = 0;
  #index?: Map<string, number>;
  readonly #decoder = new TextDecoder();

  /**
   * Reads the scans of the folders `<workspace>/<id>` of `ids` (in the
   * order the Worker was sent them) from `shared`. `stealMs` (default 2 s)
   * is how long a chunk the Worker holds is waited for.
   */
  constructor(
    workspace: string,
    ids: readonly string[],
    shared: SharedScans,
    options: { stealMs?: number } = {},
  ) {
    this.#workspace = workspace;
    this.#ids = ids;
    this.#stealMs = options.stealMs ?? STEAL_MS;
    this.#meta = new Int32Array(shared.meta);
    this.#arena = new Uint8Array(shared.arena);
    this.#scans = new Array(ids.length);
    this.#have = new Uint8Array(this.#meta.length / 3);
    this.#dropped = new Uint8Array(ids.length);
  }

  /**
   * The packed scan of `job` (see scanDir): a stamp of its folder with a
   * listing made after it; undefined for a job not among those scanned, one
   * that could not be scanned, or one dropped. Each scan is given once (then
   * dropped: the caller keeps what it learnt from it). Waits for the Worker
   * only while no free chunk is left for this thread to scan.
   */
  take(id: string): string | undefined {
    const i = this.#indexOf(id);
    if (i < 0 || this.#dropped[i]) return undefined;
    const c = (i / SCAN_CHUNK) | 0;
    if (!this.#have[c]) this.#fill(c);
    const scan = this.#scans[i];
    this.#scans[i] = undefined;
    this.#dropped[i] = 1;
    return scan || undefined;
  }

  /** Forgets the scan of job `id` (its folder changed since, or may have). */
  drop(id: string): void {
    const i = this.#indexOf(id);
    if (i >= 0) {
      this.#dropped[i] = 1;
      this.#scans[i] = undefined;
    }
  }

  /**
   * Where job `id` is among the ids: jobs are usually asked for in order,
   * some folders (links, broken ones) being no jobs.
   */
  #indexOf(id: string): number {
    const ids = this.#ids;
    const end = Math.min(ids.length, this.#next + 4);
    for (let n = this.#next; n < end; n++) {
      if (ids[n] === id) {
        this.#next = n + 1;
        return n;
      }
    }
    if (!this.#index) {
      this.#index = new Map();
      for (let i = 0; i < ids.length; i++) this.#index.set(ids[i], i);
    }
    const i = this.#index.get(id) ?? -1;
    if (i >= 0) this.#next = i + 1;
    return i;
  }

  /** Brings chunk `c`'s scans in: the Worker's, or scanned here. */
  #fill(c: number): void {
    const meta = this.#meta;
    let since = 0;
    for (;;) {
      const state = Atomics.load(meta, c * 3);
      if (state === DONE) return this.#decode(c);
      if (state === FREE) {
        if (Atomics.compareExchange(meta, c * 3, FREE, HERE) === FREE) return this.#scanHere(c);
        continue;
      }
      if (state !== WORKER) return this.#scanHere(c); // LOST, or taken here before
      // The Worker is on it: scan a free chunk ahead meanwhile, else wait for it.
      if (this.#scanAhead(c)) continue;
      const now = performance.now();
      if (since === 0) since = now;
      else if (
        now - since > this.#stealMs && Atomics.compareExchange(meta, c * 3, WORKER, HERE) === WORKER
      ) {
        return this.#scanHere(c);
      }
      Atomics.wait(meta, c * 3, WORKER, 20);
    }
  }

  /** Scans the first free chunk after `c` here; false if there is none nearby. */
  #scanAhead(c: number): boolean {
    const meta = this.#meta;
    const end = Math.min(this.#have.length, c + 8);
    for (let d = c + 1; d < end; d++) {
      if (this.#have[d] || Atomics.load(meta, d * 3) !== FREE) continue;
      if (Atomics.compareExchange(meta, d * 3, FREE, HERE) !== FREE) continue;
      this.#scanHere(d);
      return true;
    }
    return false;
  }

  #scanHere(c: number): void {
    const ids = this.#ids;
    const from = c * SCAN_CHUNK;
    const to = Math.min(ids.length, from + SCAN_CHUNK);
    const texts: string[] = [];
    for (let i = from; i < to; i++) {
      texts.push(this.#dropped[i] ? "" : scanDir(`${this.#workspace}/${ids[i]}`) ?? "");
    }
    // Kept as slices of one flat string per chunk: a scan built piece by piece is a tree of
    // strings, which every scavenge until its job is evaluated copied (~200 ms at 100,000 jobs).
    this.#keep(c, texts.join("\0"));
  }

  #decode(c: number): void {
    const offset = Atomics.load(this.#meta, c * 3 + 1);
    const length = Atomics.load(this.#meta, c * 3 + 2);
    this.#keep(c, this.#decoder.decode(this.#arena.subarray(offset, offset + length)));
  }

  #keep(c: number, text: string): void {
    const from = c * SCAN_CHUNK;
    const parts = text.split("\0");
    for (let k = 0; k < parts.length; k++) {
      if (!this.#dropped[from + k]) this.#scans[from + k] = parts[k];
    }
    this.#have[c] = 1;
  }
}
