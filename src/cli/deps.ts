/**
 * Every third-party import of the command line, in one place: `commander`
 * parses arguments (JSR's `@cliffy/command` is not reachable from our
 * machines), `cli-progress` draws progress bars, `text-table` lays out
 * borderless tables (cli-table3 took 4 s for a 100,000-row status table,
 * text-table 0.2 s) and `string-width` measures text as a terminal shows it.
 *
 * @module
 */

export { Command, CommanderError, InvalidArgumentError, Option } from "npm:commander@14.0.3";
// @ts-types="npm:@types/cli-progress@3.11.6"
export { default as cliProgress } from "npm:cli-progress@3.12.0";
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
