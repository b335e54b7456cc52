/**
 * A job: one state point and its directory in the workspace.
 *
 * @module
 */

import { DataError } from "../errors.ts";
import { writeFileAtomicSync } from "./_atomic.ts";
import { Document } from "./document.ts";
import { dumps, parse } from "./json.ts";
import type { JsonObject } from "./value.ts";

import { JOB_DOCUMENT_FILE, STATEPOINT_FILE } from "./file_names.ts";

export { JOB_DOCUMENT_FILE, STATEPOINT_FILE };

function isSymlink(path: string): boolean {
  try {
    return Deno.lstatSync(path).isSymlink;
  } catch {
    return false;
  }
}

/**
 * The handle on one job. Obtain jobs from a project (`project.openJob(sp)`,
 * `project.job(id)`, iteration, `project.find(filter)`), not by constructing
 * them.
 *
 * @example
 * ```ts
 * import { Project } from "./project.ts";
 * const project = await Project.init(Deno.makeTempDirSync());
 * const job = await project.openJob({ T: 1.5, seed: 1 }).init();
 * await job.doc.set("energy", -1.25);
 * console.log(job.id, job.sp.T, await job.isFile("signac_statepoint.json"));
 * ```
 */
export class Job {
  /** The job id: md5 of the state point, as signac computes it. */
  readonly id: string;
  readonly #workspace: string;
  #path?: string;
  #sp: JsonObject | string | ((id: string) => JsonObject);
  #doc?: Document;

  /**
   * @internal Use the project's methods to get jobs. `sp` may be the state
   * point's JSON text, already verified, which is parsed on first use, or a
   * function that reads the state point of the job id it is given (and
   * throws a `DataError` if it cannot), called on first use: a listing that
   * leaves state points unread shares one such function among all its jobs.
   */
  constructor(
    workspace: string,
    id: string,
    sp: JsonObject | string | ((id: string) => JsonObject),
  ) {
    this.id = id;
    this.#sp = sp;
    this.#workspace = workspace;
  }

  /** Absolute path of the job directory (`<workspace>/<id>`). */
  get path(): string {
    // Made on first use: a warm status at 100,000 jobs needs few of them.
    return this.#path ??= `${this.#workspace}/${this.id}`;
  }

  /**
   * The state point (treat as read-only: changing it would change the id).
   *
   * @throws {DataError} when the job came from a listing that left state
   * points unread and its state point file turns out missing or broken.
   */
  get sp(): Readonly<JsonObject> {
    if (typeof this.#sp === "function") this.#sp = this.#sp(this.id);
    else if (typeof this.#sp === "string") {
      this.#sp = parse(this.#sp, `state point of job ${this.id}`) as JsonObject;
    }
    return this.#sp;
  }

  /** The state point as canonical JSON text (`json.dumps(sp, sort_keys=True)`). */
  get spText(): string {
    return typeof this.#sp === "string" ? this.#sp : dumps(this.sp, { sortKeys: true });
  }

  /** False while the state point has not been read (a listing with `lazy` leaves it unread). */
  get spLoaded(): boolean {
    return typeof this.#sp !== "function";
  }

  /** The job document (`signac_job_document.json`). */
  get doc(): Document {
    return this.#doc ??= new Document(`${this.path}/${JOB_DOCUMENT_FILE}`);
  }

  /** Path of a file inside the job directory. */
  fn(name: string): string {
    return `${this.path}/${name}`;
  }

  /**
   * Creates the job directory and its state point file if they do not exist
   * (idempotent, safe to call from several processes at once).
   */
  init(): Promise<Job> {
    return Promise.resolve().then(() => {
      this.initSync();
      return this;
    });
  }

  /** Synchronous {@link Job.init}. */
  initSync(): Job {
    const file = `${this.path}/${STATEPOINT_FILE}`;
    try {
      Deno.statSync(file);
      return this;
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
    // A job directory that is a symbolic link is never written through (it may lead out of the workspace).
    if (isSymlink(this.path)) {
      throw new DataError(
        `job ${this.id}: the job directory is a symbolic link, which flow does not follow ` +
          `(move the directory into the workspace, or link the whole workspace folder instead)`,
      );
    }
    let made = true;
    try {
      Deno.mkdirSync(this.path);
    } catch (e) {
      if (e instanceof Deno.errors.AlreadyExists) made = false;
      else if (e instanceof Deno.errors.NotFound) Deno.mkdirSync(this.path, { recursive: true });
      else throw e;
    }
    try {
      writeFileAtomicSync(file, dumps(this.sp as JsonObject, { indent: 2 }));
    } catch (e) {
      // No job directory without its state point is left behind (a full disk): the folder made
      // here goes again (only while empty: a non-recursive remove).
      if (made) {
        try {
          Deno.removeSync(this.path);
        } catch {
          // someone else's files are in it now
        }
      }
      throw e;
    }
    return this;
  }

  /** True if the job directory holds its state point file. */
  isInitialized(): Promise<boolean> {
    return this.isFile(STATEPOINT_FILE);
  }

  /** True if `name` is a regular file in the job directory. */
  isFile(name: string): Promise<boolean> {
    return Promise.resolve().then(() => this.isFileSync(name));
  }

  /** Synchronous {@link Job.isFile}. */
  isFileSync(name: string): boolean {
    try {
      return Deno.statSync(`${this.path}/${name}`).isFile;
    } catch {
      return false;
    }
  }

  /**
   * Removes the job directory and everything in it. The directory is first
   * renamed out of the way, so a crash part-way never leaves a job that looks
   * intact but has lost files.
   */
  remove(): Promise<void> {
    return Promise.resolve().then(() => {
      const slash = this.path.lastIndexOf("/");
      const trash = `${this.path.slice(0, slash)}/.trash-${this.id}-${Deno.pid}-${Date.now()}`;
      try {
        Deno.renameSync(this.path, trash);
      } catch (e) {
        if (e instanceof Deno.errors.NotFound) return;
        throw e;
      }
      Deno.removeSync(trash, { recursive: true });
    });
  }

  /** The job id. */
  toString(): string {
    return this.id;
  }
}
