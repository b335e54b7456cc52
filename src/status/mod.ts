/**
 * Status: evaluate a workflow's operations, groups and labels over a
 * workspace ({@link collectStatus}) and print the outcome as text
 * ({@link renderText}) or as stable JSON ({@link renderJson}).
 *
 * @example
 * ```ts
 * import { collectStatus, renderJson } from "./mod.ts";
 * import { Registry } from "../registry/registry.ts";
 * const report = await collectStatus(new Registry(), []);
 * console.log(renderJson(report)); // {}
 * ```
 *
 * @module
 */

export {
  collectStatus,
  ConditionError,
  type LabelCount,
  STATE,
  type StatusEntry,
  type StatusOptions,
  StatusReport,
  type StatusRow,
  type StatusSelection,
} from "./collect.ts";
export { selectNames, type StatusView, statusView } from "./select.ts";
export {
  CELL,
  entryTitle,
  LEGEND,
  parameterText,
  renderText,
  type TextLayout,
  type TextOptions,
} from "./render_text.ts";
export { type JsonEntryStatus, type JsonRowStatus, renderJson, statusJson } from "./render_json.ts";
