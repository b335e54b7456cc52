/**
 * JSON documents (a job's `signac_job_document.json`, the project's
 * `signac_project_document.json`) with atomic writes and cross-process
 * read-modify-write safety.
 *
 * @module
 */

import { DataError, UsageError } from "../errors.ts";
import { writeFileAtomicSync } from "./_atomic.ts";
import { dumps, JsonSyntaxError, parse } from "./json.ts";
import { withLock } from "./lock.ts";
import { validateJsonValue } from "./statepoint.ts";
import { isJsonObject, type JsonObject, type JsonValue } from "./value.ts";

/**
 * A document that cannot be read: its file is unreadable, not JSON, or not a
 * JSON object. `path` names the file and `reason` says what is wrong with it.
 *
 * @example
 * ```ts
 * import { Document, DocumentError } from "./document.ts";
 * const path = Deno.makeTempDirSync() + "/doc.json";
 * Deno.writeTextFileSync(path, "[1]");
 * try {
 *   new Document(path).readSync();
 * } catch (e) {
 *   if (e instanceof DocumentError) console.log(e.reason); // a document must be a JSON object
 * }
 * ```
 */
export class DocumentError extends DataError {
  /** The document's file. */
  readonly path: string;
  /** What is wrong with it. */
  readonly reason: string;
  /** The error of the document at `path`, for `reason`. */
  constructor(path: string, reason: string, options?: ErrorOptions) {
    super(`${path}: ${reason}`, options);
    this.path = path;
    this.reason = reason;
  }
}

/**
 * A JSON document stored in one file.
 *
 * Every write replaces the file atomically (temporary file, then rename), so
 * a crash never leaves a half-written document; every change is a
 * read-modify-write under a lock file, so concurrent writers from several
 * processes lose no update. The file is written as signac writes it
 * (`json.dumps` of the object), so signac reads it unchanged.
 *
 * @example
 * ```ts
 * import { Document } from "./document.ts";
 * const doc = new Document(Deno.makeTempDirSync() + "/doc.json");
 * await doc.set("steps", 1);
 * await doc.update((d) => { d.steps = Number(d.steps) + 1; });
 * console.log(await doc.get("steps")); // 2
 * ```
 */
export class Document {
  /** Path of the JSON file (it may not exist yet: an absent file is an empty document). */
  readonly path: string;
  /** A document stored at `path`. */
  constructor(path: string) {
    this.path = path;
  }

  /** The lock file guarding read-modify-write cycles of this document. */
  get lockPath(): string {
    const slash = this.path.lastIndexOf("/");
    return `${this.path.slice(0, slash + 1)}.${this.path.slice(slash + 1)}.lock`;
  }

  /** Reads the whole document synchronously ({} when the file does not exist). */
  readSync(): JsonObject {
    let text: string;
    try {
      text = Deno.readTextFileSync(this.path);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return {};
      throw new DocumentError(this.path, `cannot be read: ${(e as Error).message}`, { cause: e });
    }
    let value: JsonValue;
    try {
      value = parse(text, this.path);
    } catch (e) {
      if (!(e instanceof JsonSyntaxError)) throw e;
      const reason = e.message.startsWith(`${this.path}: `)
        ? e.message.slice(this.path.length + 2)
        : e.message;
      throw new DocumentError(this.path, reason, { cause: e });
    }
    if (!isJsonObject(value)) {
      throw new DocumentError(this.path, "a document must be a JSON object");
    }
    return value;
  }

  /** Reads the whole document ({} when the file does not exist). */
  read(): Promise<JsonObject> {
    return Promise.resolve().then(() => this.readSync());
  }

  /** The value stored under `key`, or `fallback` when there is none. */
  async get(key: string, fallback?: JsonValue): Promise<JsonValue | undefined> {
    const doc = await this.read();
    return Object.hasOwn(doc, key) ? doc[key] : fallback;
  }

  /**
   * Changes the document under its lock: `fn` receives the current content
   * and either modifies it in place or returns a replacement. Returns the
   * document as written.
   */
  update(fn: (doc: JsonObject) => JsonObject | void): Promise<JsonObject> {
    return withLock(this.lockPath, () => {
      const current = this.readSync();
      const result = fn(current);
      const next = result === undefined ? current : result;
      const checked = validateJsonValue(next);
      if (!isJsonObject(checked)) throw new UsageError("a document must be a JSON object");
      writeFileAtomicSync(this.path, dumps(checked));
      return checked;
    });
  }

  /** Stores `value` under `key`. */
  async set(key: string, value: JsonValue): Promise<void> {
    await this.update((d) => {
      d[key] = value;
    });
  }

  /** Removes `key` (no error if it is absent). */
  async delete(key: string): Promise<void> {
    await this.update((d) => {
      delete d[key];
    });
  }

  /** Replaces the whole document. */
  async replace(content: JsonObject): Promise<void> {
    await this.update(() => content);
  }
}
