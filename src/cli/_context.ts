// Private helper: what every command gets: the global options and the workflow.

import type { Registry } from "../registry/registry.ts";
import type { Project } from "../workspace/project.ts";

/** Global options every command understands. */
export interface GlobalOptions {
  /** `--project DIR`. */
  project?: string;
  /** `--verbose`. */
  verbose?: boolean;
}

/** A project with its workflow definition. */
export interface Workflow {
  /** The project (workspace). */
  project: Project;
  /** The operations, groups, labels and hooks. */
  registry: Registry;
  /** Where the definition came from, for messages (a flow.yaml path, or project.ts). */
  source: string;
}

/** What commands receive. */
export interface CliContext {
  /** The parsed global options. */
  globals(): GlobalOptions;
  /** The project only (commands that need no workflow). */
  openProject(): Promise<Project>;
  /** The project and its workflow (loads flow.yaml, or the TS front end's registry). */
  loadWorkflow(): Promise<Workflow>;
  /** How to start this same flow again (in batch scripts): program and arguments. */
  selfCommand(): string[];
}
