/**
 * `flow status` as text: an overview line, the labels, a summary table of
 * operations and groups and, with `detailed`, a table of jobs × operations.
 *
 * Layout (tables, bars) is not done here: the caller passes a
 * {@link TextLayout} (the command line's uses text-table and cli-progress), so
 * that the engine carries no terminal dependencies.
 *
 * @module
 */

import { valueText } from "../registry/template.ts";
import type { Job } from "../workspace/job.ts";
import { type JsonValue, valueAt } from "../workspace/value.ts";
import { STATE, type StatusEntry, type StatusReport } from "./collect.ts";
import { statusView } from "./select.ts";

/**
 * How text output is laid out.
 *
 * @example
 * ```ts
 * import type { TextLayout } from "./render_text.ts";
 * const tsv: TextLayout = {
 *   table: (head, rows) => [head, ...rows].map((r) => r.join("\t")).join("\n"),
 *   bar: (fraction) => `${Math.floor(fraction * 100)}%`,
 * };
 * ```
 */
export interface TextLayout {
  /** A table with a header row; `align` gives each column's alignment. */
  table(
    head: readonly string[],
    rows: readonly (readonly string[])[],
    align: readonly ("left" | "right")[],
  ): string;
  /** A progress bar for a fraction between 0 and 1 (without a percentage). */
  bar(fraction: number): string;
}

/**
 * Options of {@link renderText}.
 *
 * @example
 * ```ts
 * import type { TextOptions } from "./render_text.ts";
 * const options: TextOptions = { detailed: true, parameters: ["T", "a.b"] };
 * ```
 */
export interface TextOptions {
  /** Add the table of jobs (and aggregates) × operations and groups. */
  detailed?: boolean;
  /** State point keys (dotted for nested values) shown as columns of the detailed table. */
  parameters?: readonly string[];
  /** Leave out what is complete (see {@link statusView}). */
  onlyIncomplete?: boolean;
}

/**
 * The words of the detailed table's cells, keyed by state.
 *
 * @example
 * ```ts
 * import { CELL } from "./render_text.ts";
 * console.log(CELL.eligible, CELL.complete); // ready done
 * ```
 */
export const CELL = Object.freeze(
  { eligible: "ready", complete: "done", ineligible: "-", none: "" } as const,
);

/**
 * The legend line printed above the detailed table.
 *
 * @example
 * ```ts
 * import { LEGEND } from "./render_text.ts";
 * console.log(LEGEND.startsWith("Legend:")); // true
 * ```
 */
export const LEGEND = `Legend: ${CELL.eligible} = eligible, ${CELL.complete} = complete, ` +
  `${CELL.ineligible} = not eligible (preconditions do not hold), blank = does not apply`;

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * How an entry is named in tables: groups and aggregate operations are marked.
 *
 * @example
 * ```ts
 * import { entryTitle } from "./render_text.ts";
 * import { single } from "../registry/aggregate.ts";
 * const entry = {
 *   name: "ex", kind: "group", operations: ["a", "b"], aggregator: single,
 *   eligible: 0, complete: 0, total: 0,
 * } as const;
 * console.log(entryTitle(entry)); // ex (group)
 * ```
 */
export function entryTitle(entry: StatusEntry): string {
  const marks: string[] = [];
  if (entry.kind === "group") marks.push("group");
  if (!entry.aggregator.isSingle) marks.push("aggregate");
  return marks.length ? `${entry.name} (${marks.join(", ")})` : entry.name;
}

function progress(layout: TextLayout, done: number, total: number): string {
  const fraction = total === 0 ? 0 : done / total;
  return `${layout.bar(fraction)} ${Math.floor(fraction * 100)}%`;
}

function cellText(code: number): string {
  if (code === 0) return CELL.none;
  if (code & STATE.complete) return CELL.complete;
  return code & STATE.eligible ? CELL.eligible : CELL.ineligible;
}

function spValue(job: Job, key: string): JsonValue | undefined {
  return valueAt(job.sp, key);
}

/**
 * The text of state point key `key` (dotted for nested values) for some
 * jobs: the value, blank where missing, `(mixed)` where the jobs differ.
 *
 * @example
 * ```ts
 * import { parameterText } from "./render_text.ts";
 * import { Project } from "../workspace/project.ts";
 * const project = await Project.init(Deno.makeTempDirSync());
 * const job = project.openJob({ a: { b: 2 } });
 * console.log(parameterText([job], "a.b")); // 2
 * ```
 */
export function parameterText(jobs: readonly Job[], key: string): string {
  let text: string | undefined;
  for (const job of jobs) {
    const v = spValue(job, key);
    const t = v === undefined ? "" : valueText(v);
    if (text === undefined) text = t;
    else if (text !== t) return "(mixed)";
  }
  return text ?? "";
}

/**
 * The report as text.
 *
 * @example
 * ```ts
 * import { collectStatus } from "./collect.ts";
 * import { renderText, type TextLayout } from "./render_text.ts";
 * import { Registry } from "../registry/registry.ts";
 * const tsv: TextLayout = {
 *   table: (head, rows) => [head, ...rows].map((r) => r.join("\t")).join("\n"),
 *   bar: () => "",
 * };
 * const text = renderText(await collectStatus(new Registry(), []), {}, tsv);
 * console.log(text.split("\n")[0]); // Overview: 0 jobs, 0 with eligible operations
 * ```
 */
export function renderText(
  report: StatusReport,
  options: TextOptions,
  layout: TextLayout,
): string {
  const view = statusView(report, options);
  const parts: string[] = [];
  let overview = `Overview: ${plural(report.jobCount, "job", "jobs")}, ` +
    `${report.jobsEligible} with eligible operations`;
  if (report.aggregateCount > 0) {
    overview += `; ${plural(report.aggregateCount, "aggregate", "aggregates")}, ` +
      `${report.aggregatesEligible} with eligible operations`;
  }
  parts.push(overview);

  if (report.labels.length > 0) {
    const rows = report.labels.map((l) => [
      l.name,
      String(l.count),
      progress(layout, l.count, report.jobCount),
    ]);
    parts.push(
      "Labels:\n" + layout.table(["label", "jobs", "share"], rows, ["left", "right", "left"]),
    );
  }

  if (report.entries.length === 0) {
    parts.push("Operations: none selected");
  } else if (view.entries.length === 0) {
    parts.push("Operations: every selected operation and group is complete");
  } else {
    const rows = view.entries.map((e) => {
      const entry = report.entries[e];
      return [
        entryTitle(entry),
        String(entry.eligible),
        String(entry.complete),
        String(entry.total),
        progress(layout, entry.complete, entry.total),
      ];
    });
    parts.push(
      "Operations:\n" + layout.table(
        ["operation", "eligible", "complete", "total", "progress"],
        rows,
        ["left", "right", "right", "right", "left"],
      ),
    );
  }

  if (options.detailed) parts.push(detailed(report, view, options, layout));
  return parts.join("\n\n");
}

function detailed(
  report: StatusReport,
  view: ReturnType<typeof statusView>,
  options: TextOptions,
  layout: TextLayout,
): string {
  if (view.rows.length === 0) {
    return options.onlyIncomplete
      ? "Detailed: everything selected is complete"
      : "Detailed: no jobs";
  }
  const keys = options.parameters ?? [];
  const anyAggregate = view.rows.some((r) => report.rows[r].aggregate);
  const head = [
    anyAggregate ? "job / aggregate" : "job",
    ...keys,
    ...view.entries.map((e) => entryTitle(report.entries[e])),
    "labels",
  ];
  const rows = view.rows.map((r) => {
    const row = report.rows[r];
    const cells = [row.id];
    for (const key of keys) cells.push(parameterText(row.jobs, key));
    for (const e of view.entries) cells.push(cellText(report.code(r, e)));
    cells.push(report.rowLabels(r).join(", "));
    return cells;
  });
  const align = head.map(() => "left" as const);
  return "Detailed:\n" + LEGEND + "\n" + layout.table(head, rows, align);
}
