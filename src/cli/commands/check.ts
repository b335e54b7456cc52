// `flow check`: every problem of the workspace.

import type { Command } from "../deps.ts";
import { oneLine, OperationError } from "../../errors.ts";
import { out } from "../_io.ts";
import type { CliContext } from "../_context.ts";

/** Registers `flow check`. */
export function registerCheck(program: Command, ctx: CliContext): void {
  program
    .command("check")
    .description("read every job's state point and document and report broken job directories")
    .addHelpText(
      "after",
      `
Reports, one line each, job directories whose state point file is missing,
unreadable, not JSON, or does not hash to the directory name, jobs whose
document (signac_job_document.json) is unreadable, not JSON or not an object,
job directories that are symbolic links (flow does not follow them), and
entries of workspace/ that are not job directories. Exits with 1 if there is
any.

Example:
  flow check`,
    )
    .action(async () => {
      const project = await ctx.openProject();
      const problems = await project.check();
      if (problems.length === 0) {
        // Every job directory is a valid job: a listing that reads no state point counts them.
        const { jobs } = await project.list({ lazy: true });
        out(`ok: ${jobs.length} jobs, no problems`);
        return;
      }
      // Names of stray entries are anyone's: one line each, control characters escaped.
      out(problems.map((p) => oneLine(`${p.id}: ${p.reason}`)).join("\n"));
      throw new OperationError(`${problems.length} problem(s) in ${project.workspace}`);
    });
}
