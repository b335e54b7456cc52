/**
 * Every third-party import of the command line, in one place: `commander`
 * parses arguments (JSR's `@cliffy/command` is not reachable from our
 * machines), `cli-progress` draws progress bars, `cli-table3` lays out tables.
 *
 * @module
 */

export { Command, CommanderError, InvalidArgumentError, Option } from "npm:commander@14.0.3";
// @ts-types="npm:@types/cli-progress@3.11.6"
export { default as cliProgress } from "npm:cli-progress@3.12.0";
export { default as Table } from "npm:cli-table3@0.6.5";
