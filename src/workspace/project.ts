/**
 * A signac project (schema version 2): `.signac/config`, `workspace/<id>/`,
 * `signac_project_document.json`.
 *
 * @module
 */

import { dirname, resolve } from "../_path.ts";
import { DataError, UsageError } from "../errors.ts";
import { parseIni, SIGNAC_CONFIG } from "./_config.ts";
import { readStatePointCache, writeStatePointCache } from "./cache.ts";
import { readIndex, type WorkspaceIndex, writeIndex } from "./index.ts";
import { listJobNames } from "./_listdir.ts";
import { takeEarlyListing } from "./early_listing.ts";
import { Document, DocumentError } from "./document.ts";
import { Job } from "./job.ts";
import { readStatePointFile } from "./_statepoint_file.ts";
import { dumps, parse } from "./json.ts";
import { compileFilter, filterUsesDoc } from "./query.ts";
import { calcId, validateStatePoint } from "./statepoint.ts";
import type { JsonObject } from "./value.ts";

/** File name of the project document, as in signac. */
export const PROJECT_DOCUMENT_FILE = "signac_project_document.json";

const ID_RE = /^[0-9a-f]{32}$/;

/**
 * Why a job directory that is a symbolic link is skipped: flow never writes
 * through a link out of the workspace (link the whole workspace folder to
 * put jobs on other storage).
 */
function linkedReason(path: string): string {
  let target = "?";
  try {
    target = Deno.readLinkSync(path);
  } catch {
    // gone meanwhile
  }
  return `the job directory is a symbolic link (to ${target}), which flow does not follow: ` +
    `move the directory into the workspace, or link the whole workspace folder instead`;
}

/** Whether `path` is a regular file (false for anything else and for errors). */
function isFileAt(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/**
 * No project was found where one was expected.
 *
 * @example
 * ```ts
 * import { ProjectNotFoundError } from "./project.ts";
 * console.log(new ProjectNotFoundError("none").exitCode); // 2
 * ```
 */
export class ProjectNotFoundError extends DataError {}

/**
 * A job directory that cannot be used, and why.
 *
 * @example
 * ```ts
 * import type { JobProblem } from "./project.ts";
 * const p: JobProblem = { id: "abc", path: "/w/abc", reason: "state point file is missing" };
 * ```
 */
export interface JobProblem {
  /** The directory name (normally a job id). */
  id: string;
  /** Absolute path of the directory. */
  path: string;
  /** What is wrong, for the user. */
  reason: string;
}

/**
 * The jobs of a workspace and the directories that could not be read as jobs.
 *
 * @example
 * ```ts
 * import { Project } from "./project.ts";
 * const project = await Project.init(Deno.makeTempDirSync());
 * const { jobs, problems } = await project.list();
 * console.log(jobs.length, problems.length); // 0 0
 * ```
 */
export interface Listing {
  /** Valid jobs, sorted by id. */
  jobs: Job[];
  /** Broken job directories, sorted by name. */
  problems: JobProblem[];
}

/** Options of {@link Project.list}. */
export interface ListOptions {
  /**
   * Read every state point file and check its hash, ignoring the state point
   * cache (what `flow check` does). Default false.
   */
  verify?: boolean;
  /**
   * From this many state point files to read (default 20,000), `list()`
   * reads half of them in a Worker, on another core.
   */
  parallelFrom?: number;
  /**
   * Leave the state points of jobs that the workspace index does not hold
   * unread: each is read, and checked against its id, when its job's `sp` is
   * first used (which throws a `DataError` if the file is missing or broken).
   * For commands that evaluate only file, document and `after` conditions,
   * such as `flow status` of most workflows: on a first listing of 100,000
   * jobs this saves reading 100,000 files. Job directories listed as broken
   * by an earlier listing are read again and reported as before; a new broken
   * one is reported by the first listing that reads it, and by `flow check`.
   * Default false.
   */
  lazy?: boolean;
  /**
   * Called with the name of every job folder (sorted; links and broken ones
   * included) as soon as the workspace folder has been read, before any
   * state point is read or job made; not called when the listing comes from
   * the workspace index. A caller that will read every job folder can start
   * doing so on another core (see `ConditionCache.scanAhead`).
   */
  onFolders?: (ids: readonly string[]) => void;
}

/** What {@link Project.list} found before reading state points. */
interface Scanned {
  index: WorkspaceIndex | undefined;
  /** The workspace folder's modification time before `all` was read. */
  before: number | undefined;
  /** Every job id in the workspace folder, sorted. */
  all: string[];
  /** State points read ahead (on two cores): id → [ok, canonical text or problem]. */
  ahead?: Map<string, [boolean, string]>;
}

/**
 * The handle on a project: a root folder holding `.signac/config` and the
 * `workspace/` of jobs, laid out exactly as signac 2 lays it out.
 *
 * @example
 * ```ts
 * import { Project } from "./project.ts";
 * const project = await Project.init(Deno.makeTempDirSync());
 * for (const T of [1.5, 2.5]) await project.openJob({ T }).init();
 * for await (const job of project) console.log(job.id, job.sp.T);
 * const hot = await project.find({ T: { $gt: 2 } });
 * console.log(hot.length); // 1
 * ```
 */
export class Project {
  /** Absolute path of the project root. */
  readonly root: string;
  /** Absolute path of the workspace folder. */
  readonly workspace: string;
  /** The project document (`signac_project_document.json`). */
  readonly doc: Document;

  private constructor(root: string) {
    this.root = root;
    this.workspace = `${root}/workspace`;
    this.doc = new Document(`${root}/${PROJECT_DOCUMENT_FILE}`);
  }

  /**
   * Creates a project in `dir` (made if needed); an existing schema-2
   * project is opened unchanged.
   */
  static init(dir = "."): Promise<Project> {
    return Promise.resolve().then(() => {
      const root = resolve(dir);
      const configPath = `${root}/.signac/config`;
      try {
        if (!Deno.statSync(root).isDirectory) {
          throw new UsageError(`cannot create a project in ${root}: it is a file, not a folder`);
        }
      } catch (e) {
        if (!(e instanceof Deno.errors.NotFound)) throw e;
      }
      try {
        Deno.statSync(configPath);
        return Project.#openAt(root);
      } catch (e) {
        if (!(e instanceof Deno.errors.NotFound)) throw e;
      }
      if (isFileAt(`${root}/signac.rc`)) {
        // A schema-2 config next to signac 1's would hide its project from signac.
        throw new DataError(
          `${root}/signac.rc: a project of signac 1 (schema 0 or 1) is here; migrate it with ` +
            `'signac migrate' instead of creating a new one`,
        );
      }
      Deno.mkdirSync(`${root}/.signac`, { recursive: true });
      Deno.mkdirSync(`${root}/workspace`, { recursive: true });
      Deno.writeTextFileSync(configPath, SIGNAC_CONFIG);
      return new Project(root);
    });
  }

  /**
   * Opens the project containing `path` (default: the current directory),
   * searching upward for `.signac/config` as signac does.
   *
   * @throws {ProjectNotFoundError} when there is none.
   */
  static open(path = ".", options: { search?: boolean } = {}): Promise<Project> {
    return Promise.resolve().then(() => {
      const start = resolve(path);
      let dir = start;
      let older: string | undefined; // the nearest project of signac 1 (schema 0 or 1)
      while (true) {
        try {
          Deno.statSync(`${dir}/.signac/config`);
          return Project.#openAt(dir);
        } catch (e) {
          if (older === undefined && !(e instanceof DataError) && isFileAt(`${dir}/signac.rc`)) {
            older = dir;
          }
          if (e instanceof DataError) throw e;
          if (e instanceof Deno.errors.NotCapable) {
            throw new UsageError(
              `cannot read ${dir}: Deno allows paths under /dev, /proc and /sys only with ` +
                `--allow-all, so a project cannot live there (for one in memory, mount a tmpfs ` +
                `elsewhere)`,
            );
          }
        }
        const parent = dirname(dir);
        if (options.search === false || parent === dir) break;
        dir = parent;
      }
      if (older !== undefined) {
        throw new DataError(
          `${older}/signac.rc: a project of signac 1 (schema 0 or 1); flow reads schema 2 ` +
            `(migrate with 'signac migrate' first)`,
        );
      }
      throw new ProjectNotFoundError(
        `no project found in ${start}${options.search === false ? "" : " or any parent folder"}` +
          ` (run 'flow init' to create one)`,
      );
    });
  }

  static #openAt(root: string): Project {
    const configPath = `${root}/.signac/config`;
    const config = parseIni(Deno.readTextFileSync(configPath));
    const version = config.get("schema_version");
    if (version !== "2") {
      const newer = version !== undefined && /^\d+$/.test(version) && Number(version) > 2;
      throw new DataError(
        `${configPath}: schema_version is ${version ?? "missing"}, flow reads schema 2 ` +
          (newer
            ? "(a newer signac wrote it: use a flow that reads it)"
            : "(migrate with 'signac migrate' first)"),
      );
    }
    return new Project(root);
  }

  /**
   * The job of a state point (not created on disk until `init()`).
   *
   * @throws {StatePointError} if `sp` is not a valid state point.
   */
  openJob(sp: unknown): Job {
    const checked = validateStatePoint(sp);
    return new Job(this.workspace, calcId(checked), checked);
  }

  /**
   * The existing job with this id or unique id prefix.
   *
   * @throws {UsageError} for a malformed id, an unknown id or an ambiguous
   *   prefix (listing the candidates).
   * @throws {DataError} when the job's state point cannot be read.
   */
  job(idOrPrefix: string): Promise<Job> {
    return Promise.resolve().then(() => {
      const id = this.resolveId(idOrPrefix);
      return new Job(this.workspace, id, this.#readStatePoint(id));
    });
  }

  /**
   * Expands an id or unique prefix to a full job id that exists.
   *
   * @throws {UsageError} for a malformed, unknown or ambiguous id.
   */
  resolveId(idOrPrefix: string): string {
    // Ids are lower-case hex; one pasted in upper case (a spreadsheet, a report) means the same.
    const key = idOrPrefix.trim().toLowerCase();
    if (!/^[0-9a-f]{1,32}$/.test(key)) {
      throw new UsageError(`'${idOrPrefix}' is not a job id (expected up to 32 hex digits)`);
    }
    if (key.length === 32) {
      let found = false;
      try {
        found = Deno.statSync(`${this.workspace}/${key}`).isDirectory;
      } catch {
        // not there: the error below
      }
      if (found) return this.#notLinked(key);
      throw new UsageError(`no job with id '${key}' in ${this.workspace}`);
    }
    const matches = this.#ids().filter((id) => id.startsWith(key));
    if (matches.length === 1) return this.#notLinked(matches[0]);
    if (matches.length === 0) throw new UsageError(`no job id starts with '${key}'`);
    const shown = matches.slice(0, 10).join(", ") + (matches.length > 10 ? ", ..." : "");
    throw new UsageError(
      `job id prefix '${key}' is ambiguous: ${matches.length} jobs match (${shown})`,
    );
  }

  /** `id`, unless its job directory is a symbolic link (flow does not operate on those). */
  #notLinked(id: string): string {
    const path = `${this.workspace}/${id}`;
    if (Deno.lstatSync(path).isSymlink) throw new UsageError(`job ${id}: ${linkedReason(path)}`);
    return id;
  }

  /** Job directories that are symbolic links, as the last {@link Project.#ids} found them. */
  #links = new Set<string>();

  #ids(): string[] {
    this.#links = new Set();
    try {
      const { ids, links } = listJobNames(this.workspace, Deno.statSync(this.workspace).size);
      this.#links = links;
      return ids;
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
      return [];
    }
  }

  #readStatePoint(id: string): JsonObject {
    return readStatePointFile(this.workspace, id);
  }

  /** Reads job `id`'s state point when first used (a lazy listing; one function for all jobs). */
  readonly #reader = (id: string): JsonObject => this.#readStatePoint(id);

  /**
   * Lists every job with its state point, and every job directory that
   * cannot be read, in one pass. While the workspace folder is unchanged the
   * listing comes from the workspace index (`.flow/workspace.index`) without
   * reading any folder; otherwise the folder is read once and only the state
   * points of new jobs are read from their files (or from signac's state
   * point cache), verified against their ids, and the index is rewritten.
   */
  async list(options: ListOptions = {}): Promise<Listing> {
    return this.#list(options, await this.#readAhead(options));
  }

  /** Synchronous {@link Project.list} (on one core). */
  listSync(options: ListOptions = {}): Listing {
    return this.#list(options);
  }

  /**
   * When a listing will read many state point files, reads the second half of
   * them in a Worker while this thread reads the first half: [id, ok, text or
   * problem] per id. Undefined when not worth it or no Worker can start.
   */
  async #readAhead(options: ListOptions): Promise<Scanned | undefined> {
    const from = options.parallelFrom ?? 20_000;
    const index = options.verify ? undefined : readIndex(this.root, this.workspace);
    if (index?.trusted && (options.lazy || index.jobs.unread === 0)) {
      return { index, before: undefined, all: [] };
    }
    // Listed already if `cli.ts` started `ls` from the first moment (see early_listing.ts).
    const early = await takeEarlyListing(this.workspace);
    let before: number | undefined;
    let all: string[];
    if (early) {
      ({ before, names: { ids: all, links: this.#links } } = early);
    } else {
      before = this.#workspaceMtime();
      all = this.#ids();
    }
    options.onFolders?.(all);
    const scanned: Scanned = { index, before, all };
    if (options.lazy) return scanned;
    const known = index?.jobs;
    const ids = all.filter((id) => typeof known?.statePointOf(id) !== "string");
    if (ids.length < from) return scanned;
    const signacCache = options.verify ? new Map() : readStatePointCache(this.root);
    const unread = ids.filter((id) => !signacCache.has(id));
    if (unread.length < from) return scanned;
    const theirs = unread.slice(unread.length >> 1);
    let worker: Worker;
    try {
      worker = new Worker(new URL("./_statepoint_worker.ts", import.meta.url), { type: "module" });
    } catch {
      return scanned;
    }
    const reply = new Promise<[boolean, string][] | undefined>((resolve) => {
      worker.onmessage = (e: MessageEvent<[boolean, string][]>) => resolve(e.data);
      worker.onerror = (e) => {
        e.preventDefault();
        resolve(undefined);
      };
    });
    worker.postMessage({ workspace: this.workspace, ids: theirs });
    const out = new Map<string, [boolean, string]>();
    for (const id of unread.slice(0, unread.length >> 1)) {
      try {
        out.set(id, [true, dumps(this.#readStatePoint(id), { sortKeys: true })]);
      } catch (e) {
        if (!(e instanceof DataError)) throw e;
        out.set(id, [false, e.message]);
      }
    }
    const rest = await reply;
    worker.terminate();
    // Without the Worker's answer, the rest is read below, here.
    if (rest) { for (let i = 0; i < theirs.length; i++) out.set(theirs[i], rest[i]); }
    scanned.ahead = out;
    return scanned;
  }

  #list(options: ListOptions, scanned?: Scanned): Listing {
    const index = scanned
      ? scanned.index
      : options.verify
      ? undefined
      : readIndex(this.root, this.workspace);
    if (index?.trusted && (options.lazy || index.jobs.unread === 0)) return this.#fromIndex(index);
    const before = scanned ? scanned.before : this.#workspaceMtime();
    let ids = scanned?.all;
    if (!ids) {
      ids = this.#ids();
      options.onFolders?.(ids);
    }
    const ahead = scanned?.ahead;
    const known = index?.jobs;
    // Lazily: what an earlier listing found broken is read (and reported) again; the rest waits.
    const wasBroken = options.lazy ? new Set(index?.problems.map(([id]) => id)) : undefined;
    let signacCache: Map<string, JsonObject> | undefined;
    const jobs: Job[] = [];
    const problems: JobProblem[] = [];
    for (const id of ids) {
      if (this.#links.has(id)) {
        // Listed as a problem: flow never reads or writes a job through a link.
        const path = `${this.workspace}/${id}`;
        problems.push({ id, path, reason: linkedReason(path) });
        continue;
      }
      let text = known?.statePointOf(id) ?? undefined;
      if (text === undefined && wasBroken && !wasBroken.has(id)) {
        jobs.push(new Job(this.workspace, id, this.#reader));
        continue;
      }
      const read = ahead?.get(id);
      if (text === undefined && read !== undefined) {
        if (!read[0]) {
          problems.push({
            id,
            path: `${this.workspace}/${id}`,
            reason: read[1].replace(`job ${id}: `, ""),
          });
          continue;
        }
        text = read[1];
      }
      if (text === undefined) {
        signacCache ??= options.verify ? new Map() : readStatePointCache(this.root);
        let sp = signacCache.get(id);
        try {
          if (sp === undefined || calcId(sp) !== id) sp = this.#readStatePoint(id);
        } catch (e) {
          if (!(e instanceof DataError)) throw e;
          problems.push({
            id,
            path: `${this.workspace}/${id}`,
            reason: e.message.replace(`job ${id}: `, ""),
          });
          continue;
        }
        text = dumps(sp, { sortKeys: true });
      }
      jobs.push(new Job(this.workspace, id, text));
    }
    if (!options.verify && before !== undefined && before === this.#workspaceMtime()) {
      writeIndex(this.root, {
        workspaceMtime: before,
        // Every job's state point text as listed (nothing was parsed yet), null where unread.
        statePoints: (function* () {
          for (const j of jobs) yield [j.id, j.spLoaded ? j.spText : null] as const;
        })(),
        problems: problems.map((p) => [p.id, p.reason]),
      });
    }
    return { jobs, problems };
  }

  #fromIndex(index: WorkspaceIndex): Listing {
    const indexed = index.jobs;
    // One function for all jobs, which cuts a job's state point text from the index when first
    // used (none is cut for a status that evaluates no state point), or reads one not indexed.
    const reader = (id: string): JsonObject => {
      const text = indexed.statePointOf(id);
      return typeof text === "string"
        ? parse(text, `state point of job ${id}`) as JsonObject
        : this.#readStatePoint(id);
    };
    const jobs: Job[] = [];
    for (let row = 0; row < indexed.size; row++) {
      jobs.push(new Job(this.workspace, indexed.id(row), reader));
    }
    const problems = index.problems.map(([id, reason]) => ({
      id,
      path: `${this.workspace}/${id}`,
      reason,
    }));
    return { jobs, problems };
  }

  #workspaceMtime(): number | undefined {
    try {
      return Deno.statSync(this.workspace).mtime?.getTime();
    } catch {
      return undefined;
    }
  }

  /**
   * Writes signac's state point cache (`.signac/statepoint_cache.json.gz`)
   * for every valid job, as `signac update-cache` does, so that signac
   * sessions on the same project start fast. flow itself reads that cache
   * but keeps its own index.
   */
  async updateSignacCache(): Promise<number> {
    const { jobs } = await this.list();
    writeStatePointCache(this.root, new Map(jobs.map((j) => [j.id, j.sp as JsonObject])));
    return jobs.length;
  }

  /**
   * Every job directory that is not a valid job, reading every state point
   * file, and every job whose document cannot be read (not JSON, not an
   * object, unreadable): commands that read it would stop at it.
   */
  async check(): Promise<JobProblem[]> {
    const { jobs, problems } = await this.list({ verify: true });
    for (const job of jobs) {
      try {
        job.doc.readSync();
      } catch (e) {
        if (!(e instanceof DocumentError)) throw e;
        problems.push({ id: job.id, path: job.path, reason: `job document: ${e.reason}` });
      }
    }
    try {
      for (const e of Deno.readDirSync(this.workspace)) {
        if (e.name.startsWith(".") || ID_RE.test(e.name)) continue;
        problems.push({
          id: e.name,
          path: `${this.workspace}/${e.name}`,
          reason: "not a job directory (the name is not a 32-digit job id)",
        });
      }
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
    return problems.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /**
   * The jobs matching a filter in signac's query language (state point keys
   * unprefixed or with `sp.`, document keys with `doc.`), sorted by id.
   */
  async find(filter?: JsonObject): Promise<Job[]> {
    const { jobs } = await this.list();
    if (filter === undefined || Object.keys(filter).length === 0) return jobs;
    const test = compileFilter(filter);
    const needsDoc = filterUsesDoc(filter);
    return jobs.filter((job) =>
      test({ sp: job.sp as JsonObject, doc: needsDoc ? job.doc.readSync() : {} })
    );
  }

  /** Iterates over all valid jobs, sorted by id. */
  async *[Symbol.asyncIterator](): AsyncIterator<Job> {
    const { jobs } = await this.list();
    yield* jobs;
  }
}
