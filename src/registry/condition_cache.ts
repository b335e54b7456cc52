/**
 * The condition cache `.flow/conditions.cache`: results of file and document
 * conditions per job, kept between commands, so that `flow status` on a large
 * workspace reads one `stat` per job instead of listing every job directory
 * and reading every job document.
 *
 * Which conditions: those marked {@link Condition.cacheable}, whose value
 * depends only on which regular files the job directory holds (`isfile` of a
 * name without `/`) and on the job document (`doc`), and combinations of
 * them (`not`, all-of). Shell and TypeScript conditions are never cached.
 *
 * Why it is safe: every entry records the job directory's stamp (its
 * modification and change times) and, when the job has a document, the
 * document's. Creating, removing or renaming a file in the directory changes
 * the directory's times; writing the document changes the document's times
 * (in place) or the directory's (by rename, as flow and signac write it). The
 * kernel sets the change time (`touch -d` cannot), and the modification time
 * adds the millisecond resolution that Deno's change time lacks. An entry is
 * used only while both stamps are unchanged. Jobs whose directory is, or
 * holds, a symbolic link are never cached (a link's target can change without
 * the directory changing). Time stamps have a coarse resolution, so an entry
 * is kept only if its times are more than {@link SETTLE_MS} older than the
 * start of the command, measured on the file system's own clock (a probe
 * file), which keeps it safe across nodes with skewed clocks.
 *
 * The cache is only an optimisation: a missing, unreadable or garbled file
 * is ignored, and a project that cannot be written is evaluated without one.
 *
 * @module
 */

import { sweepTempFiles, tempNameFor, writeChunksAtomicSync } from "../workspace/_atomic.ts";
import type { Job } from "../workspace/job.ts";
import { JOB_DOCUMENT_FILE } from "../workspace/job.ts";
import { SETTLE_MS } from "../workspace/index.ts";
import type { CacheRows } from "./_cache_rows.ts";
import { CONDITION_CACHE_FILE, MAGIC, readCacheFile } from "./_cache_file.ts";
import {
  CHANGED,
  checkedLines,
  checkLines,
  checkResults,
  docHolds,
  HOLDS,
  lineHolds,
  sharedChecks,
  timesHold,
} from "./_check_lines.ts";
import { type EarlyCheck, PARALLEL_STAMPS, takeEarlyCheck } from "./early_check.ts";
import { type FileNames, stampFrom, stampOf, stampTimes, unpackScan } from "./_stamp.ts";
import { ScanReader, sharedScans } from "./_scan_stream.ts";

/**
 * With a Worker started before the jobs were known ({@link ConditionCache.prepareScan}), a first
 * run's scan takes two threads from this many jobs on: the Worker's start, which sets the
 * threshold of {@link PARALLEL_STAMPS}, is paid already.
 */
const SPARE_SCAN_FROM = 4096;
/** Temporary files of saves older than this are strays of killed commands (10 minutes). */
const STRAY_AFTER_MS = 10 * 60_000;

/** Path of the cache, relative to the project root. */
export { CONDITION_CACHE_FILE };
/** At most this many condition keys are kept (the oldest unused ones go first). */
const MAX_KEYS = 64;
const TRUE = 49; // "1"
const FALSE = 48; // "0"

/** What a job directory listing tells the cache. */
export interface JobListing {
  /** Names of the regular files in the job directory (a `Set`, or a scan read ahead). */
  readonly files: FileNames;
  /** True if the directory holds a symbolic link. */
  readonly links: boolean;
}

interface Entry {
  /** Stamp of the job directory (see {@link stampOf}). */
  dir: string;
  /** Stamp of the job document, "0" when the job has none. */
  doc: string;
  /**
   * One character per column ({@link ConditionCache} keys): "1", "0" or "-"
   * (not known); columns past its end are not known either.
   */
  codes: string;
}

/**
 * Persistent results of file and document conditions, validated per job by
 * change times (see the module documentation).
 *
 * @example
 * ```ts
 * import { ConditionCache } from "./condition_cache.ts";
 * const cache = ConditionCache.open(Deno.makeTempDirSync());
 * console.log(cache !== undefined); // true
 * cache?.discard();
 * ```
 */
export class ConditionCache {
  readonly #root: string;
  /** File system time at the start of the command, minus SETTLE_MS. */
  readonly #settledBefore: number;
  readonly #keys: string[];
  readonly #column: Map<string, number>;
  /** The entries of the cache file, read in place. */
  readonly #rows: CacheRows | undefined;
  /** Per row: {@link UNCHECKED}, {@link VALID} (checked in this command) or {@link DEAD}. */
  readonly #state: Uint8Array;
  /** Entries made in this command (new jobs, or rows found stale or changed). */
  readonly #fresh = new Map<string, Entry>();
  /** Jobs checked in this command that no valid row serves: their entry, or null. */
  readonly #checked = new Map<string, Entry | null>();
  readonly #used = new Set<string>();
  /** Stamps and listings read ahead by {@link prefetch} when most entries are missing (packed). */
  #scans?: { reader: ScanReader; worker: Worker };
  /** The Worker of a first run's scan, started before the jobs are known (see {@link prepareScan}). */
  #spare?: Worker;
  /** Which version of the file was read (see {@link readCacheFile}). */
  #identity: string | undefined;
  /** The check of every line in a Worker, while it runs (see {@link ConditionCache.open}). */
  #ahead?: Ahead;
  /** The check started with the process (see early_check.ts), until taken over or ended. */
  #early?: EarlyCheck;
  /** What that check found, per line: {@link HOLDS}, CHANGED, or 0 (not checked, or forgotten). */
  #holds?: Uint8Array;
  #parallelFrom = PARALLEL_STAMPS;
  #dirty = false;
  /** Saved or discarded: nothing more is written. */
  #closed = false;

  private constructor(
    root: string,
    settledBefore: number,
    keys: string[],
    rows: CacheRows | undefined,
    identity: string | undefined,
  ) {
    this.#root = root;
    this.#identity = identity;
    this.#settledBefore = settledBefore;
    this.#keys = keys;
    this.#column = new Map(keys.map((k, i) => [k, i]));
    this.#rows = rows;
    this.#state = new Uint8Array(rows?.size ?? 0);
  }

  /**
   * Opens the cache of the project at `root`; undefined when the project
   * cannot be written (then nothing is cached). `settleMs` (default
   * {@link SETTLE_MS}) is how old a job's time stamps must be for its results
   * to be kept; `parallelFrom` (default 20,000) is the number of jobs from
   * which {@link prefetch} uses a Worker.
   *
   * @example
   * ```ts
   * import { ConditionCache } from "./condition_cache.ts";
   * const cache = ConditionCache.open(Deno.makeTempDirSync());
   * cache?.discard();
   * ```
   */
  static open(
    root: string,
    options: { settleMs?: number; parallelFrom?: number } = {},
  ): ConditionCache | undefined {
    const path = `${root}/${CONDITION_CACHE_FILE}`;
    let now: number;
    try {
      Deno.mkdirSync(`${root}/.flow`, { recursive: true });
      // The time of a new file is the file system's "now" at the start of the command. The
      // probe goes at once: a command interrupted later (Ctrl-C on a long status) leaves nothing.
      const probe = tempNameFor(path);
      Deno.writeFileSync(probe, new Uint8Array());
      try {
        now = Deno.statSync(probe).mtime?.getTime() ?? NaN;
      } finally {
        Deno.removeSync(probe);
      }
    } catch {
      return undefined;
    }
    if (!Number.isFinite(now)) return undefined;
    // What commands killed while saving left (a save takes seconds at most).
    sweepTempFiles(`${root}/.flow`, STRAY_AFTER_MS);
    // The check started with the process has parsed this file already, if it was quick enough.
    const early = takeEarlyCheck(path);
    const { keys, rows, identity } = readCacheFile(path, early?.start);
    const cache = new ConditionCache(
      root,
      now - (options.settleMs ?? SETTLE_MS),
      keys,
      rows,
      identity,
    );
    cache.#parallelFrom = options.parallelFrom ?? PARALLEL_STAMPS;
    if (early && rows && identity) cache.#early = early;
    else early?.worker.terminate();
    return cache;
  }

  /**
   * The cached result of condition `key` for `job`, or undefined when not
   * known. The first call for a job checks its change times; `listing` is
   * asked only when the entry is missing or stale.
   */
  get(
    job: Job,
    key: string,
    listing: (job: Job, known?: JobListing | null) => JobListing | null,
  ): boolean | undefined {
    const entry = this.#entry(job, listing);
    if (entry === null) return undefined;
    this.#used.add(key);
    const col = this.#column.get(key);
    if (col === undefined) return undefined;
    const c = typeof entry === "number"
      ? this.#rows!.code(entry, col)
      : entry.codes.charCodeAt(col);
    return c === TRUE ? true : c === FALSE ? false : undefined;
  }

  /**
   * Records the result of condition `key` for `job`; false (nothing kept)
   * for jobs that cannot be cached. Results are kept in place, one character
   * per job and key: a first run at 100,000 jobs learns 300,000 of them.
   */
  set(job: Job, key: string, value: boolean): boolean {
    let entry = this.#checkedEntry(job);
    if (entry === null) return false;
    this.#used.add(key);
    let col = this.#column.get(key);
    if (col === undefined) {
      col = this.#keys.length;
      this.#keys.push(key);
      this.#column.set(key, col);
    }
    const c = value ? "1" : "0";
    if (typeof entry === "number") {
      if (this.#rows!.code(entry, col) === c.charCodeAt(0)) return true;
      // A row that changes becomes an entry of this command.
      const row = entry;
      entry = this.#rows!.entry(row);
      this.#state[row] = DEAD;
      this.#fresh.set(job.id, entry);
      this.#checked.set(job.id, entry);
    }
    const codes = entry.codes;
    if (codes.charCodeAt(col) === c.charCodeAt(0)) return true;
    entry.codes = col < codes.length
      ? codes.slice(0, col) + c + codes.slice(col + 1)
      : codes + "-".repeat(col - codes.length) + c;
    this.#dirty = true;
    return true;
  }

  /**
   * Which version of the cache file this command read (see
   * `CacheFile.identity`), if it holds a line for each of `jobs` and no
   * other (`jobs` sorted by id, as a project lists them), every one of them
   * still holds (checked now where not checked already) and nothing in it
   * was changed in this command; else undefined. Then every result in the
   * file stands for these jobs, and anything computed from the results
   * alone (see src/status/state_cache.ts) may be reused while the file
   * stays this version.
   *
   * @example
   * ```ts
   * import { ConditionCache } from "./condition_cache.ts";
   * const cache = ConditionCache.open(Deno.makeTempDirSync())!;
   * console.log(cache.unchanged([])); // undefined (no file yet)
   * cache.discard();
   * ```
   */
  unchanged(jobs: readonly Job[]): string | undefined {
    const rows = this.#rows;
    const identity = this.#identity;
    if (!rows || !identity || rows.size !== jobs.length || this.#changed()) return undefined;
    const state = this.#state;
    const holds = this.#holds;
    for (let r = 0; r < jobs.length; r++) {
      const job = jobs[r];
      if (rows.compare(r, job.id) !== 0) return undefined;
      if (state[r] === VALID) continue;
      if (state[r] !== UNCHECKED) return undefined;
      // Checked ahead in this command, or now (as get() would).
      const ok = holds?.[r] === HOLDS ||
        (holds?.[r] !== CHANGED && lineHolds(rows, r, job.path, JOB_DOCUMENT_FILE));
      if (!ok) return undefined;
      state[r] = VALID;
    }
    return identity;
  }

  /** True if this command changed what the file holds (it will be written again). */
  #changed(): boolean {
    return this.#dirty || this.#fresh.size > 0;
  }

  /** True if this command changed what the cache file holds (a {@link save} writes it). */
  get changed(): boolean {
    return this.#changed();
  }

  /** Forgets what was checked for these jobs (an operation may have changed them). */
  forget(jobs: readonly Job[]): void {
    for (const j of jobs) {
      const row = this.#rows ? this.#rows.find(j.id) : -1;
      if (row >= 0 && this.#state[row] === VALID) this.#state[row] = UNCHECKED;
      if (row >= 0 && this.#holds) this.#holds[row] = 0;
      this.#checked.delete(j.id);
      // Whatever was read ahead is older than the change.
      this.#scans?.reader.drop(j.id);
    }
  }

  /** What {@link #entry} found for `job` in this command (a row, an entry, null), without checking. */
  #checkedEntry(job: Job): Entry | number | null {
    const row = this.#rows ? this.#rows.find(job.id) : -1;
    if (row >= 0 && this.#state[row] === VALID) return row;
    return this.#checked.get(job.id) ?? null;
  }

  #entry(
    job: Job,
    listing: (job: Job, known?: JobListing | null) => JobListing | null,
  ): Entry | number | null {
    const row = this.#rows ? this.#rows.find(job.id) : -1;
    if (row >= 0 && this.#state[row] === VALID) return row;
    const known = this.#checked.size === 0 ? undefined : this.#checked.get(job.id);
    if (known !== undefined) return known;
    let entry: Entry | null = null;
    // Times first, listing second: a change after the stat shows up as a new time.
    const oldRow = row >= 0 && this.#state[row] === UNCHECKED ? row : -1;
    if (oldRow >= 0 && this.#holds?.[oldRow] === HOLDS) {
      // Checked ahead, in this command.
      this.#state[oldRow] = VALID;
      return oldRow;
    }
    const old = oldRow < 0 ? this.#fresh.get(job.id) : undefined;
    // A scan read ahead is a stamp with the listing made after it: as good as reading both now.
    // (Given once: the job's entry answers from now on, and after forget() both are read again.)
    const packed = this.#scans?.reader.take(job.id);
    const scan = packed ? unpackScan(packed) : undefined;
    let dir: readonly [string, number] | undefined = scan?.stamp;
    if (!scan && stampTimes(job.path, TIMES)) {
      if (oldRow >= 0 && timesHold(this.#rows!, oldRow, TIMES, job.path, JOB_DOCUMENT_FILE)) {
        this.#state[oldRow] = VALID;
        return oldRow;
      }
      dir = stampFrom(TIMES);
    }
    if (dir !== undefined) {
      // (A stamp read now was compared above.)
      if (scan && oldRow >= 0 && this.#rowUnchanged(job, oldRow, dir[0])) {
        this.#state[oldRow] = VALID;
        return oldRow;
      }
      if (old && unchanged(job, old, dir[0])) {
        entry = old;
      } else {
        if (oldRow >= 0) {
          this.#state[oldRow] = DEAD;
          this.#dirty = true;
        }
        if (old) {
          this.#fresh.delete(job.id);
          this.#dirty = true;
        }
        const l = scan ? listing(job, { files: scan.files, links: scan.links }) : listing(job);
        if (l && !l.links) {
          const doc: [string, number] | undefined = l.files.has(JOB_DOCUMENT_FILE)
            ? stampOf(`${job.path}/${JOB_DOCUMENT_FILE}`)
            : ["0", 0];
          if (doc && dir[1] < this.#settledBefore && doc[1] < this.#settledBefore) {
            entry = { dir: dir[0], doc: doc[0], codes: "" };
            this.#fresh.set(job.id, entry);
          }
        }
      }
    }
    this.#checked.set(job.id, entry);
    return entry;
  }

  /** True if `row` of the file still holds for `job`, whose directory stamp is `dir`. */
  #rowUnchanged(job: Job, row: number, dir: string): boolean {
    return this.#rows!.dirIs(row, dir) && docUnchanged(job, this.#rows!.doc(row));
  }

  /**
   * Starts checking every line of the file against the file system in a
   * Worker (job `id` lives in `<workspace>/<id>`), from 20,000 lines on, so
   * that the stamps are read while this thread goes on (lists the
   * workspace); the first {@link prefetch} joins in, and what the lines
   * show stands for their jobs in this command (until {@link forget}).
   * Commands call it right after {@link ConditionCache.open}; one that does
   * not reach {@link prefetch} ends the Worker with {@link save} or
   * {@link discard}. The Worker reads the file itself (where its lines
   * start is sent to it), and checks nothing unless it is the very file
   * this cache read.
   */
  checkAhead(workspace: string): void {
    const rows = this.#rows;
    const identity = this.#identity;
    if (this.#ahead || this.#holds || this.#early) return;
    if (!rows || rows.size < this.#parallelFrom || !identity) return;
    this.#ahead = startAhead(`${this.#root}/${CONDITION_CACHE_FILE}`, identity, rows, workspace);
  }

  /** Checks, with the Worker, the lines it has not taken yet. */
  #joinAhead(ahead: Ahead): Promise<void> | undefined {
    const rows = this.#rows!;
    checkLines(rows, ahead.workspace, JOB_DOCUMENT_FILE, ahead.shared);
    // Every line checked: the Worker holds none (or never started); else it finishes its chunk.
    if (checkedLines(ahead.shared) < rows.size) return ahead.done.then(() => this.#endAhead(ahead));
    this.#endAhead(ahead);
  }

  /**
   * Takes over the check started with the process (see early_check.ts) if it
   * reads this very file for these job folders; else ends it.
   */
  async #adoptEarly(early: EarlyCheck, workspace: string): Promise<void> {
    this.#early = undefined;
    const start = await early.started;
    if (
      start && start.identity === this.#identity && start.lines === this.#rows?.size &&
      early.workspace === workspace && !this.#ahead && !this.#holds
    ) {
      this.#ahead = { worker: early.worker, workspace, shared: start.shared, done: early.done };
    } else {
      early.worker.terminate();
    }
  }

  /** Ends the Worker; with `checked`, keeps what its check found. */
  #endAhead(checked?: Ahead): void {
    this.#early?.worker.terminate();
    this.#early = undefined;
    this.#ahead?.worker.terminate();
    this.#ahead = undefined;
    if (checked) this.#holds = checkResults(checked.shared);
  }

  /**
   * Reads the stamps of many jobs at once, on two threads, before they are
   * evaluated. Mostly known to the cache: the lines are checked as
   * {@link checkAhead} does (joining the check if it runs already), and
   * each job whose line holds is confirmed. Mostly new (a first run): a
   * Worker starts scanning chunks of the jobs in order, their stamps with the
   * listings made after them (a stamp is read before the listing it
   * validates, as {@link get} requires), and returns at once: {@link get}
   * takes each job's scan once published, scanning here the chunks the Worker
   * has not taken yet. Below 20,000 jobs, or when no Worker can start,
   * {@link get} reads them one by one.
   */
  async prefetch(jobs: readonly Job[]): Promise<void> {
    if (jobs.length === 0) return;
    const known = this.#rows?.size ?? 0;
    const scan = known + this.#fresh.size < jobs.length / 2;
    // Job `id`'s directory is `<workspace>/<id>`.
    const { path, id } = jobs[0];
    const workspace = path.slice(0, path.length - id.length - 1);
    if (this.#early) await this.#adoptEarly(this.#early, workspace);
    if (!scan && jobs.length >= this.#parallelFrom) this.checkAhead(workspace);
    if (this.#ahead) await this.#joinAhead(this.#ahead);
    if (scan && jobs.length >= this.#scanFrom()) {
      this.#startScan(workspace, jobs.map((j) => j.id));
    }
    this.#endSpare();
  }

  /**
   * Starts scanning the job folders `<workspace>/<id>` of `ids` (every
   * folder of the workspace, sorted, as `Project.list` reports them to
   * `onFolders`) in a Worker if most of them are new to the cache and there
   * are at least 20,000: a first run. Then the Worker's scans are taken when
   * the jobs are evaluated (see {@link prefetch}); called while the jobs are
   * still being listed, it gains the time that takes. Does nothing once
   * started.
   *
   * @example
   * ```ts
   * import { ConditionCache } from "./condition_cache.ts";
   * const cache = ConditionCache.open(Deno.makeTempDirSync())!;
   * cache.scanAhead("/nonexistent/workspace", []); // too few to be worth a Worker
   * cache.discard();
   * ```
   */
  scanAhead(workspace: string, ids: readonly string[]): void {
    const known = this.#rows?.size ?? 0;
    if (known + this.#fresh.size >= ids.length / 2 || ids.length < this.#scanFrom()) return;
    this.#startScan(workspace, ids);
  }

  /**
   * Starts the Worker of a first run's scan (see {@link scanAhead}) now, if
   * the file holds no line: for a caller about to wait for the listing of a
   * large workspace, so that the Worker starts while this thread waits, and
   * scans as soon as the jobs are known. Then a scan takes two threads from
   * 4,096 jobs on; a Worker that no scan takes ends with the first
   * {@link prefetch}, {@link save} or {@link discard}.
   *
   * @example
   * ```ts
   * import { ConditionCache } from "./condition_cache.ts";
   * const cache = ConditionCache.open(Deno.makeTempDirSync())!;
   * cache.prepareScan(); // no file yet: a first run
   * cache.discard(); // the Worker ends
   * ```
   */
  prepareScan(): void {
    if (this.#spare || this.#scans || this.#closed || (this.#rows?.size ?? 0) > 0) return;
    this.#spare = stampWorker();
  }

  /** From how many jobs a first run's scan takes a Worker. */
  #scanFrom(): number {
    return this.#spare ? Math.min(SPARE_SCAN_FROM, this.#parallelFrom) : this.#parallelFrom;
  }

  /** Ends the Worker started by {@link prepareScan} if no scan took it. */
  #endSpare(): void {
    this.#spare?.terminate();
    this.#spare = undefined;
  }

  /** Starts the Worker of a first run's scan (see _scan_stream.ts), unless started. */
  #startScan(workspace: string, ids: readonly string[]): void {
    if (this.#scans || this.#closed) return;
    // A Worker scans chunks of the jobs in order while this thread evaluates them, scanning here
    // the chunks it needs before the Worker has taken them.
    const worker = this.#spare ?? stampWorker();
    this.#spare = undefined;
    if (!worker) return;
    const end = () => worker.terminate();
    worker.onmessage = end;
    worker.onerror = (e) => {
      // The chunk it held is taken over here (after a wait); the free ones are scanned here.
      e.preventDefault();
      end();
    };
    const shared = sharedScans(ids.length);
    // The ids travel as one string (a copy of 3 MB at 100,000 jobs, where an array of 100,000
    // paths took the main thread ~30 ms to send).
    worker.postMessage({ stream: { ids: ids.join("\0"), workspace, shared } });
    this.#scans = { reader: new ScanReader(workspace, ids, shared), worker };
  }

  /**
   * Writes the cache if anything changed (atomically; errors are ignored:
   * the cache is only an optimisation). With `live`, entries of other jobs
   * are dropped. Once saved or discarded, it does nothing.
   */
  save(live?: Iterable<{ id: string }>): void {
    if (this.#closed) return;
    const rows = this.#rows;
    const state = this.#state;
    // Every entry met in this command belongs to a live job; only those not met need `live`.
    if (live && this.#unmet()) {
      let fresh: Set<string> | undefined;
      for (const j of live) {
        const row = rows ? rows.find(j.id) : -1;
        if (row >= 0 && state[row] === UNCHECKED) state[row] = KEPT;
        else if (this.#fresh.has(j.id)) (fresh ??= new Set()).add(j.id);
      }
      for (let r = 0; r < state.length; r++) {
        if (state[r] === UNCHECKED) {
          state[r] = DEAD;
          this.#dirty = true;
        }
      }
      for (const id of this.#fresh.keys()) {
        if (!fresh?.has(id)) {
          this.#fresh.delete(id);
          this.#dirty = true;
        }
      }
    }
    this.#endAhead();
    this.#endSpare();
    this.#scans?.worker.terminate();
    if (!this.#dirty) return this.discard();
    // Columns: the used keys first, then the others while there is room.
    const keys = this.#keys.filter((k) => this.#used.has(k));
    for (const k of this.#keys) if (keys.length < MAX_KEYS && !this.#used.has(k)) keys.push(k);
    keys.length = Math.min(keys.length, MAX_KEYS);
    // Usually the columns stay as they are and each line's codes are written as kept.
    const same = keys.length === this.#keys.length && this.#keys.every((k, i) => keys[i] === k);
    const cols = keys.map((k) => this.#column.get(k)!);
    const remap = (code: (col: number) => number) => {
      let out = "";
      for (const col of cols) {
        const c = code(col);
        out += c === TRUE ? "1" : c === FALSE ? "0" : "-";
      }
      return out;
    };
    // Rows and entries of this command merged in order of id, so that the next command finds
    // them in the order it visits them.
    const fresh = [...this.#fresh.keys()];
    if (fresh.some((id, i) => i > 0 && fresh[i - 1] > id)) fresh.sort();
    const entries = this.#fresh;
    function* lines(): Generator<string> {
      yield `${MAGIC}\n${JSON.stringify(keys)}\n`;
      let f = 0;
      const n = rows?.size ?? 0;
      for (let r = 0; r < n;) {
        if (state[r] === DEAD) {
          r++;
          continue;
        }
        // Entries of this command that come before this row.
        while (f < fresh.length && rows!.compare(r, fresh[f]) > 0) yield line(fresh[f++]);
        if (!same) {
          const e = rows!.entry(r);
          yield `${rows!.id(r)} ${e.dir} ${e.doc} ${remap((col) => rows!.code(r, col))}\n`;
          r++;
          continue;
        }
        // A run of rows kept as they are, up to the next entry of this command, in one piece.
        let to = r + 1;
        while (
          to < n && state[to] !== DEAD && to - r < 4096 &&
          (f >= fresh.length || rows!.compare(to, fresh[f]) < 0)
        ) to++;
        yield rows!.lines(r, to);
        r = to;
      }
      while (f < fresh.length) yield line(fresh[f++]);
    }
    function line(id: string): string {
      const e = entries.get(id)!;
      const codes = same ? e.codes : remap((col) => e.codes.charCodeAt(col));
      return `${id} ${e.dir} ${e.doc} ${codes}\n`;
    }
    this.#closed = true;
    try {
      writeChunksAtomicSync(`${this.#root}/${CONDITION_CACHE_FILE}`, lines());
    } catch {
      // best effort: the next command evaluates what this one could not keep
    }
  }

  /** True if some line of the file or entry of this command was not met in this command. */
  #unmet(): boolean {
    if (this.#state.includes(UNCHECKED)) return true;
    // An entry made in this command is not met only when forget() dropped it since.
    for (const id of this.#fresh.keys()) if (!this.#checked.has(id)) return true;
    return false;
  }

  /** Ends the cache without writing (nothing, once saved or discarded). */
  discard(): void {
    this.#endAhead();
    this.#endSpare();
    this.#scans?.worker.terminate();
    this.#closed = true;
  }
}

/** A row of the file not checked yet in this command. */
const UNCHECKED = 0;
/** A row found valid in this command. */
const VALID = 1;
/** A row found stale, replaced or dropped: not written again. */
const DEAD = 2;
/** A row not met in this command but of a live job: written again. */
const KEPT = 3;

/**
 * True if `entry` still holds for `job`, whose directory stamp is `dir`: the
 * same directory stamp, and the same document stamp when it has a document.
 */
function unchanged(job: Job, entry: Entry, dir: string): boolean {
  return entry.dir === dir && docUnchanged(job, entry.doc);
}

/** True if `job`'s document still has the stamp `doc` ("0": the job had none). */
function docUnchanged(job: Job, doc: string): boolean {
  return docHolds(job.path, doc, JOB_DOCUMENT_FILE);
}

/** The times of the job directory stamped last by {@link ConditionCache.get} (see `stampTimes`). */
const TIMES = new Float64Array(2);

/**
 * Starts checking every line of `rows`, read from the file at `path`, against
 * the file system in a Worker (job `id` lives in `<workspace>/<id>`), which
 * reads the file itself and checks nothing unless it has `identity`;
 * undefined if no Worker can start. (Sending the text instead took this
 * thread 26 ms at 100,000 jobs; where the lines start, ~1 ms, spares the
 * Worker parsing it again.)
 */
function startAhead(
  path: string,
  identity: string,
  rows: CacheRows,
  workspace: string,
): Ahead | undefined {
  const worker = stampWorker();
  if (!worker) return undefined;
  let done!: () => void;
  const ahead: Ahead = {
    worker,
    workspace,
    shared: sharedChecks(rows.size),
    done: new Promise((resolve) => done = resolve),
  };
  worker.onmessage = () => done();
  worker.onerror = (e) => {
    // The lines it took and did not check stay unchecked: they are checked when evaluated.
    e.preventDefault();
    done();
  };
  const check = {
    path,
    identity,
    starts: rows.lineStarts(),
    workspace,
    docFile: JOB_DOCUMENT_FILE,
    shared: ahead.shared,
  };
  worker.postMessage({ check });
  return ahead;
}

/** A new Worker of `_stamp_worker.ts`; undefined if none can start. */
function stampWorker(): Worker | undefined {
  try {
    return new Worker(new URL("./_stamp_worker.ts", import.meta.url), { type: "module" });
  } catch {
    return undefined;
  }
}

/** A check of every line of the file in a Worker (see {@link ConditionCache.checkAhead}). */
interface Ahead {
  worker: Worker;
  /** Where job directories are. */
  workspace: string;
  /** Counters of lines taken and checked, and a byte per line (see _check_lines.ts). */
  shared: SharedArrayBuffer;
  /** Settles when the Worker has stopped checking. */
  done: Promise<void>;
}
