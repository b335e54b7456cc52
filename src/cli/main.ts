/**
 * The `flow` command line: builds the commander program and turns every
 * error into one line on stderr and an exit code (2 usage/data, 1 failure).
 *
 * @module
 */

import { Command, CommanderError } from "./deps.ts";
import denoJson from "../../deno.json" with { type: "json" };
import { FlowError, oneLine } from "../errors.ts";
import { err, StdoutClosedError } from "./_io.ts";
import type { CliContext, GlobalOptions, Workflow } from "./_context.ts";
import { FLOW_YAML_CACHE_FILE, loadFlowYamlCached } from "../config/parse_cache.ts";
import type { Registry } from "../registry/registry.ts";
import { Project } from "../workspace/project.ts";
import { DocumentError } from "../workspace/document.ts";
import { JOB_DOCUMENT_FILE } from "../workspace/job.ts";
import { UsageError } from "../errors.ts";
import { registerCheck } from "./commands/check.ts";
import { registerStatus } from "./commands/status.ts";
import { registerFind } from "./commands/find.ts";
import { registerInit } from "./commands/init.ts";
import { registerJob } from "./commands/job.ts";
import { registerRun } from "./commands/run.ts";
import { registerSubmit } from "./commands/submit.ts";
import { registerResources } from "./commands/resources.ts";
import { registerClusters } from "./commands/clusters.ts";
import { registerCompletions } from "./commands/completions.ts";

/** The version printed by `flow --version`: deno.json's (a JSON import, embedded by `deno compile`). */
export const VERSION: string = denoJson.version;

/** How the program gets its workflow: from flow.yaml, or from a TypeScript front end. */
export interface ProgramOptions {
  /** A registry built in TypeScript (`project.main()`); default: the project's flow.yaml. */
  registry?: Registry;
  /** Where that registry was defined, for messages. */
  source?: string;
  /** The project folder to use when `--project` is not given (default: search upward). */
  root?: string;
  /** How batch jobs start this flow again (default: this executable, or `deno run -P=flow cli.ts`). */
  selfCommand?: string[];
}

/** The command that starts this flow again with the same permissions. */
function defaultSelfCommand(): string[] {
  const exe = Deno.execPath();
  const base = exe.slice(exe.lastIndexOf("/") + 1);
  if (base !== "deno" && base !== "deno.exe") return [exe]; // the compiled binary
  const cli = new URL("../../cli.ts", import.meta.url);
  const config = new URL("../../deno.json", import.meta.url);
  const v8 = "--v8-flags=--max-semi-space-size=4"; // as in deno.json's tasks
  if (cli.protocol !== "file:") return [exe, "run", "-q", v8, "-P=flow", cli.href];
  return [exe, "run", "-q", "--config", config.pathname, v8, "-P=flow", cli.pathname];
}

function openProjectFor(globals: GlobalOptions, root?: string): Promise<Project> {
  if (globals.project !== undefined) return Project.open(globals.project, { search: false });
  return root !== undefined ? Project.open(root, { search: false }) : Project.open(".");
}

async function loadWorkflow(globals: GlobalOptions, options: ProgramOptions): Promise<Workflow> {
  const project = await openProjectFor(globals, options.root);
  if (options.registry) {
    options.registry.validate();
    return { project, registry: options.registry, source: options.source ?? "project.ts" };
  }
  const path = `${project.root}/flow.yaml`;
  try {
    Deno.statSync(path);
  } catch {
    const ts = ["project.ts", "project.js"].find((f) => {
      try {
        return Deno.statSync(`${project.root}/${f}`).isFile;
      } catch {
        return false;
      }
    });
    if (ts) {
      throw new UsageError(
        `${project.root} defines its workflow in ${ts}, and the flow command runs flow.yaml workflows ` +
          `only (a compiled binary cannot import TypeScript at run time): run 'deno run -A ${ts} <command>' instead`,
      );
    }
    throw new UsageError(`no flow.yaml in ${project.root} ('flow init' writes a starter)`);
  }
  const registry = await loadFlowYamlCached(path, `${project.root}/${FLOW_YAML_CACHE_FILE}`);
  return { project, registry, source: path };
}

/** Builds the program (exported for tests and completions). */
export function buildProgram(options: ProgramOptions = {}): Command {
  const program = new Command(options.registry ? "project.ts" : "flow");
  const globals = () => program.opts<GlobalOptions>();
  const ctx: CliContext = {
    globals,
    openProject: () => openProjectFor(globals(), options.root),
    loadWorkflow: () => loadWorkflow(globals(), options),
    selfCommand: () => options.selfCommand ?? defaultSelfCommand(),
  };
  program
    .description("a workflow manager for signac-style data spaces on workstations and HPC clusters")
    .version(VERSION, "-V, --version")
    .option("--project <dir>", "the project folder (default: search upward from here)")
    .option(
      "-v, --verbose",
      "more output: operation output on the terminal, with a job/operation prefix",
    )
    .exitOverride()
    .configureOutput({
      // Commander's own errors (unknown command or option, missing argument) become one line too.
      outputError: (s) =>
        err(`flow: ${oneLine(s.trim().replace(/\s*\n\s*/g, " "))} (see 'flow --help')`),
    })
    .addHelpText(
      "after",
      `
Examples:
  flow init my-study && cd my-study
  flow job create --grid grid.yaml
  flow find T 1.5
  flow job show 42b7
  flow run --parallel --progress        # everything eligible, packed onto cores and GPUs
  flow run -o pipeline --pretend        # what a group would run, with its directives
  flow status --detailed -p T

Run 'flow <command> --help' for the options and examples of each command.`,
    );
  registerInit(program);
  registerJob(program, ctx);
  registerFind(program, ctx);
  registerRun(program, ctx);
  registerSubmit(program, ctx);
  registerCheck(program, ctx);
  registerStatus(program, ctx);
  registerResources(program, ctx);
  registerClusters(program, ctx);
  registerCompletions(program, ctx);
  const inherit = (c: Command) => {
    c.exitOverride();
    c.configureOutput(program.configureOutput());
    c.commands.forEach(inherit);
  };
  program.commands.forEach(inherit);
  return program;
}

/**
 * True for an error of the operating system that Deno has no class for: a full disk, a quota, a
 * read-only file system, a file too large, an I/O error, ... Deno gives some of them a `code`
 * (`ENOSPC`), and every one a message ending in `(os error N)`.
 */
function osError(e: Error): boolean {
  const code = (e as { code?: unknown }).code;
  return (typeof code === "string" && /^E[A-Z0-9]+$/.test(code)) ||
    /\(os error \d+\)/.test(e.message);
}

/**
 * `flow help job create`: the help of a command at any depth (commander's own help command looks
 * one level down and shows the whole program's help, with exit code 2, for a name it does not
 * know).
 */
function help(program: Command, names: string[]): number {
  let command = program;
  for (const [i, name] of names.entries()) {
    const next = command.commands.find((c) => c.name() === name || c.aliases().includes(name));
    if (!next) {
      const path = names.slice(0, i + 1).join(" ");
      err(`flow: error: unknown command '${oneLine(path)}' (see '${program.name()} --help')`);
      return 2;
    }
    command = next;
  }
  command.outputHelp();
  return 0;
}

/**
 * Runs the command line with `args` and returns the exit code.
 *
 * @example
 * ```ts
 * import { main } from "./main.ts";
 * const code = await main(["--version"]);
 * ```
 */
export async function main(args: string[], options: ProgramOptions = {}): Promise<number> {
  const program = buildProgram(options);
  try {
    if (args[0] === "help" && args.length > 1) return help(program, args.slice(1));
    await program.parseAsync(args, { from: "user" });
    return 0;
  } catch (e) {
    // The reader of our output has gone (`flow find | head -1`): it took what it wanted.
    if (e instanceof StdoutClosedError) return 0;
    if (e instanceof CommanderError) {
      // Help and version end with exit code 0; commander has printed its own message otherwise.
      return e.exitCode === 0 ? 0 : 2;
    }
    if (e instanceof FlowError) {
      // One line whatever the message quotes (an id or a path with a newline in it).
      const hint = e instanceof DocumentError && e.path.endsWith(`/${JOB_DOCUMENT_FILE}`)
        ? " (fix or remove it; 'flow check' lists every job whose document is broken)"
        : "";
      err(`${program.name()}: error: ${oneLine(e.message)}${hint}`);
      return e.exitCode;
    }
    if (e instanceof Deno.errors.PermissionDenied || e instanceof Deno.errors.NotCapable) {
      err(`flow: error: permission denied: ${oneLine((e as Error).message)}`);
      return 2;
    }
    if (
      e instanceof Error &&
      (Object.values(Deno.errors).some((cls) => e instanceof cls) || osError(e))
    ) {
      // File-system errors on paths the user named (a folder that is a file, a full disk, ...).
      err(`flow: error: ${oneLine(e.message)}`);
      return 2;
    }
    const message = e instanceof Error ? e.message : String(e);
    err(
      `flow: internal error: ${
        oneLine(message)
      } (set FLOW_DEBUG=1 for the stack trace; please report it)`,
    );
    if (Deno.env.get("FLOW_DEBUG")) err(e instanceof Error ? String(e.stack) : String(e));
    return 1;
  }
}
