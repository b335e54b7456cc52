/**
 * What `status` looks at: the operations and groups selected by `-o`
 * patterns, and the part of a report that `--only-incomplete` keeps.
 *
 * @module
 */

import type { Registry } from "../registry/registry.ts";
import { STATE, type StatusReport } from "./collect.ts";

/**
 * The names of the operations and defined groups that `patterns` select, in
 * the registry's order (operations, then groups). Each pattern is a regular
 * expression that must match a whole name. Unlike `run`, a selection may hold
 * groups that share operations. Without patterns: every operation and every
 * defined group.
 *
 * @throws {DefinitionError} for a pattern that is not a regular expression or
 *   matches nothing (with a did-you-mean hint).
 * @example
 * ```ts
 * import { selectNames } from "./select.ts";
 * import { Registry } from "../registry/registry.ts";
 * import { single } from "../registry/aggregate.ts";
 * import { emptyHooks } from "../registry/operation.ts";
 * const r = new Registry();
 * for (const name of ["prep", "run1", "run2"]) {
 *   r.addOperation({
 *     name, body: { kind: "function", fn: () => {} }, pre: [], post: [], directives: {},
 *     aggregator: single, hooks: emptyHooks(), inJobDir: true,
 *   });
 * }
 * console.log(selectNames(r, ["run.*"])); // ["run1", "run2"]
 * ```
 */
export function selectNames(registry: Registry, patterns?: readonly string[]): string[] {
  const names = registry.names;
  if (!patterns || patterns.length === 0) return names;
  const chosen = new Set(registry.matchNames(patterns));
  return names.filter((n) => chosen.has(n));
}

/**
 * A part of a report: indices of its entries (operations and groups) and of
 * its rows (jobs and aggregates), in report order.
 *
 * @example
 * ```ts
 * import type { StatusView } from "./select.ts";
 * const everything: StatusView = { entries: [0, 1], rows: [0, 1, 2] };
 * ```
 */
export interface StatusView {
  /** Indices into {@link StatusReport.entries}. */
  readonly entries: readonly number[];
  /** Indices into {@link StatusReport.rows}. */
  readonly rows: readonly number[];
}

function range(n: number): number[] {
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return out;
}

/**
 * The part of a report to show: all of it, or with `onlyIncomplete` only the
 * entries that are not complete for every aggregate they apply to, and only
 * the rows where at least one of those entries applies and is not complete.
 *
 * @example
 * ```ts
 * import { collectStatus } from "./collect.ts";
 * import { statusView } from "./select.ts";
 * import { Registry } from "../registry/registry.ts";
 * const report = await collectStatus(new Registry(), []);
 * console.log(statusView(report, { onlyIncomplete: true }).rows.length); // 0
 * ```
 */
export function statusView(
  report: StatusReport,
  options: { onlyIncomplete?: boolean } = {},
): StatusView {
  if (!options.onlyIncomplete) {
    return { entries: range(report.entries.length), rows: range(report.rows.length) };
  }
  const entries = range(report.entries.length).filter((e) => {
    const entry = report.entries[e];
    return entry.complete < entry.total;
  });
  const rows = range(report.rows.length).filter((r) =>
    entries.some((e) => {
      const s = report.code(r, e);
      return s !== 0 && (s & STATE.complete) === 0;
    })
  );
  return { entries, rows };
}
