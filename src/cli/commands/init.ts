// `flow init [DIR]`: a new project with a commented starter flow.yaml.

import type { Command } from "../deps.ts";
import { Project } from "../../workspace/project.ts";
import { out } from "../_io.ts";

const STARTER = `# flow.yaml: the workflow of this project.
#
# Operations are shell commands run for each job (one directory per state
# point under workspace/). Placeholders are substituted shell-quoted:
#   {job.id} {job.path} {job.sp.KEY} {job.doc.KEY} {project.path}
# Conditions decide when an operation is eligible (pre) and done (post).
#
# operations:
#   prepare:
#     command: echo {job.sp.T} > input.txt
#     post: [{isfile: input.txt}]
#   simulate:
#     command: ./simulate --input input.txt --output out.dat
#     pre: [{after: [prepare]}]
#     post: [{isfile: out.dat}]
#     directives: {np: 4, walltime: "01:00:00"}
#
# groups:
#   pipeline:
#     operations:
#       prepare: {}
#       simulate: {directives: {np: 8}}
operations: {}
`;

/** Registers `flow init`. */
export function registerInit(program: Command): void {
  program
    .command("init")
    .argument("[dir]", "folder of the new project", ".")
    .description("create a project: .signac/config, workspace/ and a starter flow.yaml")
    .addHelpText(
      "after",
      `
An existing project is left as it is (init is idempotent); an existing
flow.yaml is never overwritten. The layout is signac's schema 2, so signac
opens the project too.

Examples:
  flow init                 # in the current folder
  flow init my-study`,
    )
    .action(async (dir: string) => {
      const project = await Project.init(dir);
      const yamlPath = `${project.root}/flow.yaml`;
      let wrote = false;
      try {
        Deno.writeTextFileSync(yamlPath, STARTER, { createNew: true });
        wrote = true;
      } catch (e) {
        if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
      }
      out(`initialized project in ${project.root}${wrote ? "" : " (kept the existing flow.yaml)"}`);
    });
}
