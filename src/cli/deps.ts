/**
 * Every third-party import of the command line, in one place: `commander`
 * parses arguments (JSR's `@cliffy/command` is not reachable from our
 * machines), `cli-progress` draws progress bars, `text-table` lays out
 * borderless tables (cli-table3 took 4 s for a 100,000-row status table,
 * text-table 0.2 s) and `string-width` measures text as a terminal shows it.
 *
 * Only commander (ESM since version 15) is loaded at start-up. The others
 * are CommonJS, and the first CommonJS module a Deno process loads starts
 * Deno's CommonJS loader (~30-40 ms: `node:module`, `node:console`, ...):
 * text-table and cli-progress's bar formatter are loaded by
 * {@link loadTableLayout} when a status table is about to be drawn, the bars
 * themselves by {@link loadCliProgress} when a progress bar is.
 *
 * @module
 */

export { Command, CommanderError, InvalidArgumentError, Option } from "npm:commander@15.1.0";
// @ts-types="npm:@types/cli-progress@3.11.6"
import type cliProgress from "npm:cli-progress@3.12.0";
// @ts-types="npm:@types/text-table@0.2.5"
import type textTableJs from "npm:text-table@0.2.0";

/**
 * `string-width`, loaded on first need: importing it builds an
 * `Intl.Segmenter` (~17 ms, paid by every command when it was imported at
 * start-up), and most tables hold plain ASCII only.
 *
 * @example
 * ```ts
 * import { loadStringWidth } from "./deps.ts";
 * const width = await loadStringWidth();
 * console.log(width("日本")); // 4
 * ```
 */
export async function loadStringWidth(): Promise<(text: string) => number> {
  return (await import("npm:string-width@7.2.0")).default;
}

/** The cli-progress module, as {@link loadCliProgress} gives it. */
export type CliProgress = typeof cliProgress;
/** The options of a cli-progress bar. */
export type CliProgressOptions = cliProgress.Options;

/** text-table's function: rows of cells to borderless text. */
export type TextTable = typeof textTableJs;
/** cli-progress's bar formatter: `formatBar(fraction, options)`. */
export type FormatBar = CliProgress["Format"]["BarFormat"];

/**
 * text-table and cli-progress's bar formatter (`cliProgress.Format.BarFormat`,
 * imported alone: one small file), loaded on first need (a status table about
 * to be drawn). `formatBar(fraction, options)` draws a bar of `options.barsize`
 * characters.
 *
 * @example
 * ```ts
 * import { loadTableLayout } from "./deps.ts";
 * const { textTable, formatBar } = await loadTableLayout();
 * console.log(textTable([["a", "b"], ["1", "22"]])); // a  b\n1  22
 * const bar = formatBar(0.5, { barsize: 4, barCompleteString: "####", barIncompleteString: "....", barGlue: "" });
 * console.log(bar); // ##..
 * ```
 */
export async function loadTableLayout(): Promise<{ textTable: TextTable; formatBar: FormatBar }> {
  const [table, bar] = await Promise.all([
    import("npm:text-table@0.2.0"),
    import("npm:cli-progress@3.12.0/lib/format-bar.js"),
  ]);
  return { textTable: table.default as TextTable, formatBar: bar.default as FormatBar };
}

/**
 * cli-progress, loaded on first need (a progress bar about to be drawn on a
 * terminal).
 *
 * @example
 * ```ts
 * import { loadCliProgress } from "./deps.ts";
 * const cliProgress = await loadCliProgress();
 * console.log(typeof cliProgress.SingleBar); // "function"
 * ```
 */
export async function loadCliProgress(): Promise<CliProgress> {
  return (await import("npm:cli-progress@3.12.0")).default;
}
