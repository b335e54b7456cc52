// `flow find [FILTER...] [--json]`: query the workspace.

import type { Command } from "../deps.ts";
import { parseFilterArgs } from "../../workspace/filter_args.ts";
import { dumps } from "../../workspace/json.ts";
import type { JsonObject } from "../../workspace/value.ts";
import { out, warnProblems } from "../_io.ts";
import type { CliContext } from "../_context.ts";
import { compileFilter, filterUsesDoc } from "../../workspace/query.ts";

/** Registers `flow find`. */
export function registerFind(program: Command, ctx: CliContext): void {
  program
    .command("find")
    .argument("[filter...]", "a JSON filter, or key value pairs (see below)")
    .option("--json", "print a JSON array of {id, sp, doc} instead of ids")
    .description("print the ids of the jobs that match a filter, one per line")
    .addHelpText(
      "after",
      `
Filters use signac's query language. Keys name state point values (dotted
for nested ones; 'doc.' for the job document). Operators: $eq $ne $gt $gte
$lt $lte $in $nin $regex $exists $type $near $and $or $not.

Shorthand: 'key value' pairs (true/false/null, numbers and JSON are cast),
'key /regex/', and a lone 'key' meaning it exists.

Examples:
  flow find                                  # every job
  flow find T 1.5 seed 0
  flow find p /^abc/
  flow find '{"T": {"$gte": 1.0}, "doc.done": true}'
  flow find doc.energy --json`,
    )
    .action(async (args: string[], opts: { json?: boolean }) => {
      const project = await ctx.openProject();
      const filter = parseFilterArgs(args);
      const test = filter ? compileFilter(filter) : undefined;
      const needsDoc = filter ? filterUsesDoc(filter) || opts.json === true : opts.json === true;
      const { jobs, problems } = await project.list();
      warnProblems(problems);
      const lines: string[] = [];
      const records: JsonObject[] = [];
      for (const job of jobs) {
        const doc = needsDoc ? job.doc.readSync() : {};
        if (test && !test({ sp: job.sp as JsonObject, doc })) continue;
        if (opts.json) records.push({ id: job.id, sp: job.sp as JsonObject, doc });
        else lines.push(job.id);
      }
      out(opts.json ? dumps(records, { indent: 2 }) : lines.join("\n"));
    });
}
