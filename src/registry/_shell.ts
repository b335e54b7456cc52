// Private helper: runs a shell condition in a job directory.

import type { Job } from "../workspace/job.ts";
import { Template } from "./template.ts";
import { operationEnv, splitLoaderVars } from "../environment.ts";

/** Seconds a shell condition may take before it counts as false. */
const LIMIT_MS = 60_000;

/**
 * Runs `bash -c COMMAND` (placeholders substituted, shell-quoted) in the job
 * directory, with the same clean environment as operations; true on exit
 * status 0, false otherwise or after a minute.
 */
export async function runShellCondition(command: string, job: Job): Promise<boolean> {
  const root = job.path.slice(0, job.path.lastIndexOf("/workspace/"));
  const rendered = new Template(command, "sh condition").render([job], root);
  const { env, prelude } = splitLoaderVars(
    operationEnv(Deno.env.toObject(), { FLOW_JOB_ID: job.id, FLOW_PROJECT: root }),
  );
  const child = new Deno.Command("bash", {
    args: ["-c", prelude ? `${prelude} ${rendered}` : rendered],
    cwd: job.path,
    env,
    clearEnv: true,
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }, LIMIT_MS);
  try {
    return (await child.status).code === 0;
  } finally {
    clearTimeout(timer);
  }
}
