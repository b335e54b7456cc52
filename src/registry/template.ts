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

/** Where a placeholder stands in the shell text: outside quotes, or inside '...' or "...". */
type QuoteContext = "none" | "single" | "double";

type Part = string | { path: string[]; raw: string; context: QuoteContext };

/** The quote context after shell text `text`, starting in `state` (backslash escapes, quotes). */
function scanQuotes(text: string, state: QuoteContext): QuoteContext {
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (state === "single") {
      if (c === "'") state = "none";
    } else if (c === "\\") i++;
    else if (state === "double") {
      if (c === '"') state = "none";
    } else if (c === "'") state = "single";
    else if (c === '"') state = "double";
  }
  return state;
}

/**
 * A value quoted for the context it is substituted into: outside quotes as
 * one single-quoted word; inside '...' with each ' closed and reopened;
 * inside "..." with \\, ", $ and ` escaped. In every case the shell sees
 * the value as data: `$(...)`, backticks and quotes in it do nothing.
 */
function quoteIn(value: string, context: QuoteContext): string {
  if (context === "single") return value.replace(/'/g, "'\\''");
  if (context === "double") return value.replace(/[\\"$`]/g, "\\$&");
  return shellQuote(value);
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
    this.#parts = [];
    let text = "";
    let quotes: QuoteContext = "none";
    for (let i = 0; i < source.length; i++) {
      const c = source[i];
      if (c === "{" && source[i + 1] === "{") {
        text += "{";
        i++;
      } else if (c === "}" && source[i + 1] === "}") {
        text += "}";
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
        if (text) this.#parts.push(text);
        quotes = scanQuotes(text, quotes);
        text = "";
        this.#parts.push({ path: raw.split("."), raw, context: quotes });
        i = end;
      } else if (c === "}") {
        throw new DefinitionError(
          `${context}: unmatched '}' in command (write '}}' for a literal brace)`,
        );
      } else text += c;
    }
    if (text) this.#parts.push(text);
  }

  /**
   * The command for these jobs (one job, or an aggregate) in project `root`.
   *
   * @throws {UsageError} if a job lacks a state point or document key the template names.
   */
  render(jobs: readonly Job[], root: string): string {
    let out = "";
    for (const part of this.#parts) {
      if (typeof part === "string") {
        out += part;
        continue;
      }
      const [head, field, ...rest] = part.path;
      const q = (v: string) => quoteIn(v, part.context);
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
    return out;
  }
}
