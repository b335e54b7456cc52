/**
 * Every third-party import of the command line, in one place: `commander`
 * parses arguments (JSR's `@cliffy/command` is not reachable from our
 * machines), `cli-progress` draws progress bars, `text-table` lays out
 * borderless tables (cli-table3 took 4 s for a 100,000-row status table,
 * text-table 0.2 s) and `string-width` measures text as a terminal shows it.
 *
 * Only what every status table needs is loaded at start-up: cli-progress's
 * bar formatter (one small file), not the bars themselves (their terminal
 * and readline code costs ~9 ms of a command's start-up), which
 * {@link loadCliProgress} loads when a bar is about to be drawn.
 *
 * @module
 */

export { Command, CommanderError, InvalidArgumentError, Option } from "npm:commander@14.0.3";
// @ts-types="npm:@types/cli-progress@3.11.6"
import type cliProgress from "npm:cli-progress@3.12.0";
import formatBarJs from "npm:cli-progress@3.12.0/lib/format-bar.js";
// @ts-types="npm:@types/text-table@0.2.5"
export { default as textTable } from "npm:text-table@0.2.0";

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

/**
 * cli-progress's bar formatter (`cliProgress.Format.BarFormat`), imported
 * alone: `formatBar(fraction, options)` draws a bar of `options.barsize`
 * characters.
 *
 * @example
 * ```ts
 * import { formatBar } from "./deps.ts";
 * const bar = formatBar(0.5, { barsize: 4, barCompleteString: "####", barIncompleteString: "....", barGlue: "" });
 * console.log(bar); // ##..
 * ```
 */
export const formatBar: CliProgress["Format"]["BarFormat"] = formatBarJs;

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
