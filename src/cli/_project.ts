// Private helper: which project a command works on.

import { Project } from "../workspace/project.ts";

/** Global options every command understands. */
export interface GlobalOptions {
  project?: string;
}

/** Opens the project named by `--project`, or the one containing the current directory. */
export function openProject(options: GlobalOptions): Promise<Project> {
  return options.project !== undefined
    ? Project.open(options.project, { search: false })
    : Project.open(".");
}
