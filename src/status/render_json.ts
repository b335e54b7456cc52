/**
 * `flow status --json`: the report as a stable JSON document (the schema is
 * described in docs/STATUS_JSON.md).
 *
 * @module
 */

import { type StatusReport } from "./collect.ts";
import { statusView } from "./select.ts";

/**
 * The state of one operation or group for one job or aggregate.
 *
 * @example
 * ```ts
 * import type { JsonEntryStatus } from "./render_json.ts";
 * const s: JsonEntryStatus = { eligible: true, completed: false, status: "eligible" };
 * ```
 */
export interface JsonEntryStatus {
  /** It may run now. */
  eligible: boolean;
  /** All its postconditions hold (for a group: every operation is complete). */
  completed: boolean;
  /** `complete` if completed, else `eligible` if eligible, else `ineligible`. */
  status: "eligible" | "complete" | "ineligible";
}

/**
 * The status of one job or aggregate.
 *
 * @example
 * ```ts
 * import type { JsonRowStatus } from "./render_json.ts";
 * const row: JsonRowStatus = { jobs: ["42b7…"], operations: {}, groups: {}, labels: [] };
 * ```
 */
export interface JsonRowStatus {
  /** The ids of its jobs (one for a job). */
  jobs: string[];
  /** The selected operations that apply to it. */
  operations: Record<string, JsonEntryStatus>;
  /** The selected defined groups (not the operations' own) that apply to it. */
  groups: Record<string, JsonEntryStatus>;
  /** The labels that hold (for an aggregate: for every one of its jobs). */
  labels: string[];
}

/**
 * The report as a JSON-ready object keyed by job id or aggregate id, in
 * report order. With `onlyIncomplete`, operations and groups complete for
 * everything, and rows where everything is complete, are left out.
 *
 * @example
 * ```ts
 * import { collectStatus } from "./collect.ts";
 * import { statusJson } from "./render_json.ts";
 * import { Registry } from "../registry/registry.ts";
 * const report = await collectStatus(new Registry(), []);
 * console.log(statusJson(report)); // {}
 * ```
 */
export function statusJson(
  report: StatusReport,
  options: { onlyIncomplete?: boolean } = {},
): Record<string, JsonRowStatus> {
  const view = statusView(report, options);
  const out: Record<string, JsonRowStatus> = {};
  for (const r of view.rows) {
    const row = report.rows[r];
    const value: JsonRowStatus = {
      jobs: row.jobs.map((j) => j.id),
      operations: {},
      groups: {},
      labels: report.rowLabels(r),
    };
    for (const e of view.entries) {
      const state = report.state(r, e);
      if (!state) continue;
      const entry = report.entries[e];
      (entry.kind === "group" ? value.groups : value.operations)[entry.name] = {
        eligible: state.eligible,
        completed: state.complete,
        status: state.complete ? "complete" : state.eligible ? "eligible" : "ineligible",
      };
    }
    out[row.id] = value;
  }
  return out;
}

/**
 * {@link statusJson} as text: `JSON.stringify(…, null, 2)`.
 *
 * @example
 * ```ts
 * import { collectStatus } from "./collect.ts";
 * import { renderJson } from "./render_json.ts";
 * import { Registry } from "../registry/registry.ts";
 * console.log(renderJson(await collectStatus(new Registry(), []))); // {}
 * ```
 */
export function renderJson(
  report: StatusReport,
  options: { onlyIncomplete?: boolean } = {},
): string {
  return JSON.stringify(statusJson(report, options), null, 2);
}
