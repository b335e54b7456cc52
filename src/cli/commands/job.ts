// `flow job create|show|rm`: jobs one by one.

import { type Command, Option } from "../deps.ts";
import { UsageError } from "../../errors.ts";
import type { Job } from "../../workspace/job.ts";
import { dumps, parse } from "../../workspace/json.ts";
import type { JsonObject, JsonValue } from "../../workspace/value.ts";
import { confirm, out } from "../_io.ts";
import type { CliContext } from "../_context.ts";
import { progressBars } from "../_progress.ts";

function readStatePointArgs(args: string[]): JsonValue[] {
  const values: JsonValue[] = [];
  args.forEach((arg, i) => {
    if (arg === "-") {
      const text = new TextDecoder().decode(readAllStdin());
      for (const [n, line] of text.split("\n").entries()) {
        if (line.trim()) values.push(parse(line, `stdin line ${n + 1}`));
      }
    } else {
      values.push(parse(arg, `state point argument ${i + 1}`));
    }
  });
  return values;
}

function readAllStdin(): Uint8Array {
  const chunks: Uint8Array[] = [];
  const buf = new Uint8Array(65536);
  while (true) {
    const n = Deno.stdin.readSync(buf);
    if (n === null || n === 0) break;
    chunks.push(buf.slice(0, n));
  }
  const outBuf = new Uint8Array(chunks.reduce((s, c) => s + c.length, 0));
  let o = 0;
  for (const c of chunks) {
    outBuf.set(c, o);
    o += c.length;
  }
  return outBuf;
}

/** Refuses when an operation runs on one of the jobs now (a live claim in .flow/claims). */
async function refuseJobsInUse(root: string, ids: readonly string[]): Promise<void> {
  // Loaded here: every other command starts without the executor's modules.
  const { ClaimStore } = await import("../../executor/claims.ts");
  const claims = new ClaimStore(root);
  for (const id of ids) {
    const [first, ...more] = claims.liveClaims(id);
    if (!first) continue;
    const others = more.length > 0 ? ` (and ${more.length} more)` : "";
    throw new UsageError(
      `job ${id} is in use: operation '${first.operation}'${others} runs on it ` +
        `(flow process ${first.owner.host}:${first.owner.pid}); wait for it, stop that run, ` +
        `or remove it anyway with --force`,
    );
  }
}

/** Registers `flow job ...`. */
export function registerJob(program: Command, ctx: CliContext): void {
  const job = program.command("job").description("create, show and remove jobs");

  job
    .command("create")
    .argument("[statepoint...]", "state points as JSON objects ('-' reads JSON lines from stdin)")
    .option(
      "--grid <file>",
      "a YAML or JSON map of key to list of values: create the cartesian product",
    )
    .description("create jobs and print their ids, one per line, in the order given")
    .addHelpText(
      "after",
      `
Creating a job that exists already changes nothing and still prints its id.
All state points are checked before any job is created. Numbers keep their
type: 1 is an integer, 1.0 a float (they give different job ids, as in signac).

Examples:
  flow job create '{"T": 1.5, "seed": 0}'
  flow job create --grid grid.yaml      # grid.yaml:  T: [1.0, 1.5]
                                        #             seed: [0, 1, 2]
  generate_points | flow job create -`,
    )
    .action(async (args: string[], opts: { grid?: string }) => {
      const project = await ctx.openProject();
      const values = readStatePointArgs(args);
      if (opts.grid !== undefined) {
        // Loaded here: it brings the YAML parser, which no other job command needs.
        const { readGridFile } = await import("../../workspace/grid_file.ts");
        values.push(...readGridFile(opts.grid));
      }
      if (values.length === 0) {
        throw new UsageError(
          "no state points given (pass JSON objects, '-' for stdin, or --grid FILE)",
        );
      }
      const jobs: Job[] = values.map((v) => project.openJob(v));
      // Before creating any: a job directory that is a symbolic link is refused (nothing written).
      for (const j of jobs) {
        let linked = false;
        try {
          linked = Deno.lstatSync(j.path).isSymlink;
        } catch {
          // not there yet
        }
        if (linked) {
          throw new UsageError(
            `job ${j.id}: the job directory is a symbolic link, which flow does not follow ` +
              `(move the directory into the workspace, or link the whole workspace folder instead)`,
          );
        }
      }
      const bar = (await progressBars())(jobs.length, "creating jobs");
      const ids: string[] = [];
      for (const j of jobs) {
        j.initSync();
        ids.push(j.id);
        bar.increment();
      }
      bar.stop();
      out(ids.join("\n"));
    });

  job
    .command("show")
    .argument("<id>", "a job id or a unique prefix of one")
    .description("print a job's id, state point and document as JSON")
    .addHelpText("after", "\nExample:\n  flow job show 42b7")
    .action(async (id: string) => {
      const project = await ctx.openProject();
      const j = await project.job(id);
      const result: JsonObject = { id: j.id, sp: j.sp as JsonObject, doc: await j.doc.read() };
      out(dumps(result, { indent: 2 }));
    });

  job
    .command("rm")
    .argument("<ids...>", "job ids or unique prefixes")
    .addOption(new Option("-y, --yes", "do not ask for confirmation"))
    .addOption(new Option("--force", "remove jobs even while an operation runs on them"))
    .description("remove jobs and all their files")
    .addHelpText(
      "after",
      `
Every id is checked before anything is removed. Without --yes the command
asks on a terminal, and refuses when not on a terminal. A job on which a
'flow run' is running an operation (on this or another host) is not removed
without --force: its operation would go on writing into a removed folder.

Example:
  flow job rm 42b7 9bfd --yes`,
    )
    .action(async (ids: string[], opts: { yes?: boolean; force?: boolean }) => {
      const project = await ctx.openProject();
      const jobs = await Promise.all(ids.map((id) => project.resolveId(id)));
      const unique = [...new Set(jobs)];
      if (!opts.force) await refuseJobsInUse(project.root, unique);
      if (!opts.yes && !confirm(`remove ${unique.length} job(s) and all their files?`)) {
        throw new UsageError(`not removing ${unique.length} job(s): confirm with --yes`);
      }
      for (const id of unique) {
        const j = await project.job(id).catch(() => undefined);
        if (j) await j.remove();
        else Deno.removeSync(`${project.workspace}/${id}`, { recursive: true });
        out(id);
      }
    });
}
