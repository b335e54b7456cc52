// Private helper of flow_yaml.ts: conditions written in YAML.
//
//   isfile: NAME            isFile(NAME)
//   after: NAME | [NAMES]   after(...NAMES)
//   doc: KEY                docTrue(KEY)
//   doc: {KEY: VALUE, ...}  docEquals(KEY, VALUE) per key (all must hold)
//   not: COND               not(COND)
//   never: true             never
//   sh: CMD                 sh(CMD), CMD a command template

import type { Node } from "./_reader.ts";
import {
  after,
  type Condition,
  docEquals,
  docTrue,
  isFile,
  never,
  not,
  sh,
} from "../registry/condition.ts";
import { DefinitionError } from "../registry/error.ts";
import { Template } from "../registry/template.ts";
import { closest } from "../suggest.ts";
import type { Reader } from "./_reader.ts";

/** The keys a condition map may have (exactly one of them). */
export const CONDITION_KEYS = ["isfile", "after", "doc", "not", "never", "sh"] as const;

const EXPECTED = `a condition (a map with one key: ${CONDITION_KEYS.join(", ")})`;

/**
 * Where an `after` names an operation: `owner` is how Registry.validate
 * names the condition's place (`operation 'b' precondition`, `label 'x'`).
 */
export interface AfterSite {
  readonly owner: string;
  readonly target: string;
  readonly node: Node;
}

/** Several conditions that must all hold, as one (for labels and `not`). */
function allOf(conditions: readonly Condition[]): Condition {
  if (conditions.length === 1) return conditions[0];
  return {
    description: conditions.map((c) => c.description).join(" and "),
    key: `all\0${conditions.map((c) => c.key.replaceAll("\0", "\0\0")).join("\0,")}`,
    after: conditions.flatMap((c) => c.after),
    cacheable: conditions.every((c) => c.cacheable),
    ignoresStatePoint: conditions.every((c) => c.ignoresStatePoint),
    evaluate(job, ctx) {
      const results = conditions.map((c) => c.evaluate(job, ctx));
      if (results.some((r) => r === false)) return false;
      if (results.every((r) => typeof r === "boolean")) return true;
      return Promise.all(results).then((all) => all.every(Boolean));
    },
  };
}

/** Reads conditions, remembering where each `after` names an operation. */
export class ConditionReader {
  readonly #r: Reader;
  /** Every operation name an `after` gave, with its node, in file order. */
  readonly afterSites: AfterSite[] = [];

  constructor(reader: Reader) {
    this.#r = reader;
  }

  /**
   * `COND` or `[COND, ...]` (null: none). `what` names the key for messages
   * (`'pre' of operation 'b'`), `where` one condition (`a precondition of
   * operation 'b'`), `owner` the place as the registry names it.
   */
  list(node: Node | null, what: string, where: string, owner: string): Condition[] {
    const r: Reader = this.#r;
    if (r.isNull(node)) return [];
    if (r.isSeq(node)) {
      return r.seq(node, what).flatMap((item) => this.#parse(item, where, owner));
    }
    if (!r.isMap(node)) {
      r.fail(
        node,
        `${what} must be a condition or a list of conditions (maps such as {isfile: out.txt}), ` +
          `got ${r.describe(node)}`,
      );
    }
    return this.#parse(node, where, owner);
  }

  /** Exactly one condition (a `doc` map of several keys: all of them). */
  one(node: Node | null, where: string, owner: string): Condition {
    return allOf(this.#parse(node, where, owner));
  }

  #parse(node: Node | null, where: string, owner: string): Condition[] {
    const r: Reader = this.#r;
    const entries = r.map(node, where, EXPECTED);
    if (entries.length === 0) r.fail(node, `${where} must be ${EXPECTED}, got an empty map`);
    for (const e of entries) {
      if ((CONDITION_KEYS as readonly string[]).includes(e.key)) continue;
      const hint = closest(e.key, CONDITION_KEYS);
      r.fail(
        e.keyNode,
        `unknown condition '${e.key}' in ${where} ` +
          (hint ? `(did you mean '${hint}'?)` : `(expected ${CONDITION_KEYS.join(", ")})`),
      );
    }
    if (entries.length > 1) {
      r.fail(
        entries[1].keyNode,
        `a condition has exactly one key, but ${where} has '${entries[0].key}' and ` +
          `'${entries[1].key}' (write a list of conditions)`,
      );
    }
    const { key, value } = entries[0];
    const what = `'${key}' in ${where}`;
    switch (key) {
      case "isfile": {
        const name = r.string(value, what, "a file name");
        // A placeholder is filled in commands and sh: conditions only; here it would be taken as
        // part of the name, and the condition would never hold.
        const placeholder = /\{\s*(?:job|jobs|project)\b[^}]*\}/.exec(name);
        if (placeholder) {
          r.fail(
            value,
            `${what} takes a file name as written: '${placeholder[0]}' is not filled in there ` +
              `(for a name made from the job, write {sh: 'test -f "${name}"'})`,
          );
        }
        return [isFile(name)];
      }
      case "after": {
        const nodes = r.isSeq(value) ? r.seq(value, what) : [value];
        if (nodes.length === 0) {
          r.fail(value, `${what} must be an operation name or a list of them, got an empty list`);
        }
        const names = nodes.map((n) => {
          const name = r.string(
            n,
            nodes.length === 1 && n === value ? what : `each item of ${what}`,
            "an operation name",
          );
          this.afterSites.push({ owner, target: name, node: (n ?? value) as Node });
          return name;
        });
        return [after(...names)];
      }
      case "doc": {
        if (r.isMap(value)) {
          const keys = r.map(value, what);
          if (keys.length === 0) {
            r.fail(value, `${what} must name at least one document key, got an empty map`);
          }
          return keys.map((k) => docEquals(k.key, r.json(k.value)));
        }
        return [
          docTrue(
            r.string(
              value,
              what,
              "a document key (true when its value is truthy) or a map of keys to values",
            ),
          ),
        ];
      }
      case "not":
        return [not(this.one(value, `the condition under 'not' in ${where}`, owner))];
      case "never": {
        if (r.json(value) !== true) {
          r.fail(
            value,
            `${what} must be true (the condition never holds), got ${r.describe(value)}`,
          );
        }
        return [never];
      }
      default: {
        const command = r.string(value, what, "a shell command");
        try {
          new Template(command, `'sh' in ${where}`);
        } catch (e) {
          if (e instanceof DefinitionError) r.fail(value, e.message, e);
          throw e;
        }
        return [sh(command)];
      }
    }
  }
}
