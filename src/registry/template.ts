/**
 * Command templates: `{job.id}`, `{job.path}`, `{job.sp.KEY}`,
 * `{job.doc.KEY}`, `{project.path}` (and for aggregates `{jobs.ids}`,
 * `{jobs.paths}`) substituted shell-quoted, so a state point value can never
 * inject shell code. `{{` and `}}` stand for literal braces.
 *
 * @module
 */

import type { Job } from "../workspace/job.ts";
import { dumps } from "../workspace/json.ts";
import { type JsonValue, PyFloat, pyFloatRepr } from "../workspace/value.ts";
import { DefinitionError } from "./error.ts";
import { UsageError } from "../errors.ts";
import {
  type HeredocMark,
  type Item,
  type Part,
  type PlaceholderContext,
  scanTemplate,
} from "./_shell_context.ts";

/**
 * Quotes a string for POSIX shells: `'...'`, with `'` written as `'\''`.
 *
 * @example
 * ```ts
 * import { shellQuote } from "./template.ts";
 * console.log(shellQuote("it's $(x)")); // 'it'\''s $(x)'
 * ```
 */
export function shellQuote(s: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s)) return s;
  return "'" + s.replace(/'/g, "'\\''") + "'";
}

/**
 * A value as text for a command line: strings as they are, floats as Python
 * prints them (`1.0`), other values as JSON.
 *
 * @example
 * ```ts
 * import { valueText } from "./template.ts";
 * import { float } from "../workspace/value.ts";
 * console.log(valueText(float(1)), valueText("a b"), valueText([1, 2])); // 1.0 a b [1, 2]
 * ```
 */
export function valueText(v: JsonValue): string {
  if (typeof v === "string") return v;
  if (v instanceof PyFloat) return pyFloatRepr(v.value);
  if (typeof v === "number" && !Number.isInteger(v)) return pyFloatRepr(v);
  if (v === true) return "true";
  if (v === false) return "false";
  return dumps(v);
}

/**
 * A value quoted for the context it is substituted into (see
 * `_shell_context.ts`): outside quotes as one single-quoted word; inside
 * '...' with each ' closed and reopened; inside "..." with \, ", $ and `
 * escaped; inside $'...' with \ and ' escaped; in a here-document body with
 * \, $ and ` escaped (or as it is under a quoted delimiter); in a comment
 * without newlines; then once more per enclosing backtick substitution. In
 * every case the shell sees the value as data.
 */
function quoteIn(value: string, context: PlaceholderContext): string {
  let q: string;
  switch (context.quoting) {
    case "single":
      q = value.replace(/'/g, "'\\''");
      break;
    case "double":
      q = value.replace(/[\\"$`]/g, "\\$&");
      break;
    case "ansi":
      q = value.replace(/[\\']/g, "\\$&");
      break;
    case "heredoc":
      q = value.replace(/[\\$`]/g, "\\$&");
      break;
    case "heredoc-raw":
      q = value;
      break;
    case "comment":
      q = value.replace(/\n/g, " ");
      break;
    default:
      q = shellQuote(value);
  }
  for (let n = 0; n < context.backticks; n++) q = q.replace(/[\\$`]/g, "\\$&");
  return q;
}

/** A number as bash arithmetic reads it (a value anywhere else there could run code). */
const NUMBER = /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/;

/** A value shown in one line of a message, shortened. */
function shown(value: string): string {
  const s = JSON.stringify(value.length > 40 ? value.slice(0, 40) + "..." : value);
  return s.slice(1, -1);
}

const FIELD = /^(job\.(id|path|sp(\.[^.{}]+)+|doc(\.[^.{}]+)+)|project\.path|jobs\.(ids|paths))$/;

/**
 * A parsed template: check it once, substitute it for many jobs.
 *
 * @example
 * ```ts
 * import { Template } from "./template.ts";
 * const t = new Template("echo {job.sp.T} > {job.path}/in.txt", "operation 'prep'");
 * ```
 */
export class Template {
  /** The template text. */
  readonly source: string;
  readonly #parts: Part[];

  /**
   * Parses `source`; `context` names where it comes from, for messages.
   *
   * @throws {DefinitionError} for an unknown placeholder or an unmatched brace.
   */
  constructor(source: string, context: string) {
    this.source = source;
    const items: Item[] = [];
    for (let i = 0; i < source.length; i++) {
      const c = source[i];
      if (c === "{" && source[i + 1] === "{") {
        items.push("{");
        i++;
      } else if (c === "}" && source[i + 1] === "}") {
        items.push("}");
        i++;
      } else if (c === "{") {
        const end = source.indexOf("}", i);
        if (end < 0) {
          throw new DefinitionError(
            `${context}: unmatched '{' in command (write '{{' for a literal brace)`,
          );
        }
        const raw = source.slice(i + 1, end).trim();
        if (!FIELD.test(raw)) {
          throw new DefinitionError(
            `${context}: unknown placeholder '{${raw}}' (use {job.id}, {job.path}, {job.sp.KEY}, ` +
              `{job.doc.KEY}, {project.path}, {jobs.ids}, {jobs.paths}; '{{' for a literal brace)`,
          );
        }
        items.push({ raw, path: raw.split(".") });
        i = end;
      } else if (c === "}") {
        throw new DefinitionError(
          `${context}: unmatched '}' in command (write '}}' for a literal brace)`,
        );
      } else items.push(c);
    }
    this.#parts = scanTemplate(items, context);
  }

  /**
   * The command for these jobs (one job, or an aggregate) in project `root`.
   *
   * @throws {UsageError} if a job lacks a state point or document key the template names.
   */
  render(jobs: readonly Job[], root: string): string {
    let out = "";
    const bodies = new Map<number, number>();
    const checkBody = (mark: HeredocMark, from: number, to: number, terminated: boolean) => {
      const lines = out.slice(from, to).split("\n");
      if (terminated) lines.pop(); // the body ends with the newline before the delimiter
      for (const line of lines) {
        if ((mark.strip ? line.replace(/^\t+/, "") : line) === mark.delim) {
          throw new UsageError(
            `job ${jobs[0].id}: a substituted value holds the line '${shown(mark.delim)}', which ` +
              `would end the here-document <<${shown(mark.delim)} early: not running it`,
          );
        }
      }
    };
    const marks = new Map<number, HeredocMark>();
    for (const part of this.#parts) {
      if (typeof part === "string") {
        out += part;
        continue;
      }
      if ("heredoc" in part) {
        if (part.heredoc === "start") {
          bodies.set(part.id, out.length);
          marks.set(part.id, part);
        } else {
          checkBody(part, bodies.get(part.id)!, out.length - part.trailer, true);
          bodies.delete(part.id);
        }
        continue;
      }
      const [head, field, ...rest] = part.path;
      const q = (v: string) => {
        if (v.includes("\0")) {
          throw new UsageError(
            `job ${jobs[0].id}: the value of '{${part.raw}}' holds a NUL character, ` +
              `which no command line can carry: not running it`,
          );
        }
        if (!part.context.numeric) return quoteIn(v, part.context);
        if (!NUMBER.test(v)) {
          throw new UsageError(
            `job ${jobs[0].id}: '{${part.raw}}' stands where bash evaluates arithmetic, and its ` +
              `value '${shown(v)}' is not a number (bash would run code in it): not running it`,
          );
        }
        return v;
      };
      if (head === "project") out += q(root);
      else if (head === "jobs") {
        out += jobs.map((j) => q(field === "ids" ? j.id : j.path)).join(" ");
      } else {
        const job = jobs[0];
        if (field === "id") out += q(job.id);
        else if (field === "path") out += q(job.path);
        else {
          let v: JsonValue | undefined = field === "sp"
            ? (job.sp as JsonValue)
            : job.doc.readSync();
          for (const k of rest) {
            v =
              v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof PyFloat) &&
                Object.hasOwn(v, k)
                ? (v as Record<string, JsonValue>)[k]
                : undefined;
            if (v === undefined) break;
          }
          if (v === undefined) {
            throw new UsageError(
              `job ${job.id} has no ${field}.${rest.join(".")} for '{${part.raw}}'`,
            );
          }
          out += q(valueText(v));
        }
      }
    }
    // A here-document the command never ends runs to its end.
    for (const [id, from] of bodies) checkBody(marks.get(id)!, from, out.length, false);
    return out;
  }
}
