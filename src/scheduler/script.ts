/**
 * Batch scripts: one {@link ScriptSpec} rendered for SLURM, PBS, LSF or a
 * plain local bash run.
 *
 * Every script is `#!/bin/bash`, the scheduler's lines (in a fixed order,
 * then `spec.extraLines`, so that a profile or user line given later wins
 * where the scheduler lets the last one win), a blank line, then the body:
 *
 * 1. `cd -- '<projectRoot>' || exit 1` (bash-quoted: any path survives);
 * 2. `export OMP_NUM_THREADS=N` when `spec.ompNumThreads` is set;
 * 3. the `setup` lines, verbatim;
 * 4. the commands.
 *
 * No `set -e`: one failing command of a bundle must not stop the others
 * (nor a failing `module load` the work). Instead a bundle runs every
 * command, each in a `( ... )` subshell (so that `a && b` or `a; b` count
 * as one command, and an `exit` or `cd` in one does not touch the others),
 * and exits with the status of the last one that failed (0 if none did).
 * One command alone is written as is, and the script's status is its
 * status. Parallel bundles start each subshell with `&` and `wait` for each
 * process id in turn. Job arrays pick their command with
 * `case "$SLURM_ARRAY_TASK_ID"` (PBS: `$PBS_ARRAY_INDEX`, both 0-based;
 * LSF: `$LSB_JOBINDEX`, 1-based); the job's status is that command's.
 *
 * Scheduler values with characters outside `[A-Za-z0-9_./:%@+=,[]-]` (an
 * output path with spaces) are written in double quotes with `\` and `"`
 * backslash-escaped, which sbatch's directive parser understands (checked
 * with SLURM 22.05); PBS and LSF read quoted directive values too. A `%`
 * in `spec.outputPath` is a SLURM/LSF placeholder and is left as is (the
 * path flow gives holds `%j`/`%J`): the literal part of the path, the
 * project folder, is escaped by {@link outputPattern}, which makes it.
 *
 * Per-scheduler notes:
 * - SLURM: `--mem` and `--gres=gpu:N` are per node, so the job's total is
 *   divided by `nodes` (rounded up); `--gpus=N` is the job's total.
 * - PBS (PBS Pro / OpenPBS syntax): one `select` of `nodes` chunks, each
 *   with its share of cores (`ncpus`), MPI ranks (`mpiprocs`, when ntasks
 *   > 1), GPUs and memory, rounded up. Some PBS systems (Torque) cut job
 *   names to 15 characters: use `shortJobName` from `names.ts` there;
 *   tracking then goes by job id through the submissions record. PBS does
 *   not take a one-task array, so a `count: 1` array is a plain job.
 *   `#PBS -S /bin/bash` makes PBS use bash whatever the login shell.
 * - LSF: `-n` is the job's cores (ntasks × cpus-per-task), kept on one host
 *   with `span[hosts=1]` or spread with `span[ptile=…]`; `-gpu "num=N"` and
 *   `rusage[mem=MB]` are per host (LSF 10.1's default), so divided by
 *   `nodes`; `-W` is `HH:MM`, minutes rounded up.
 * - local: no scheduler lines (`extraLines`, hold, after and the request
 *   are ignored); an array runs its commands one after another.
 *
 * @module
 */

import { formatWalltime } from "../directives/mod.ts";
import { UsageError } from "../errors.ts";
import { ceilTolerant, directiveQuote, shellQuote } from "./_util.ts";
import type { SchedulerKind, ScriptSpec } from "./types.ts";

/** The prefix of a scheduler line, per kind (`undefined`: none). */
const PREFIX: Record<SchedulerKind, string | undefined> = {
  slurm: "#SBATCH",
  pbs: "#PBS",
  lsf: "#BSUB",
  local: undefined,
};

/** The environment variable holding an array task's index, and the index of the first task. */
const ARRAY_INDEX: Record<SchedulerKind, { variable: string; base: number } | undefined> = {
  slurm: { variable: "SLURM_ARRAY_TASK_ID", base: 0 },
  pbs: { variable: "PBS_ARRAY_INDEX", base: 0 },
  lsf: { variable: "LSB_JOBINDEX", base: 1 },
  local: undefined,
};

/**
 * The first array task's index for a scheduler: 0 for SLURM and PBS, 1 for
 * LSF (whose indices start at 1).
 *
 * @example
 * ```ts
 * import { arrayIndexBase } from "./script.ts";
 * console.log(arrayIndexBase("lsf"), arrayIndexBase("slurm")); // 1 0
 * ```
 */
export function arrayIndexBase(kind: SchedulerKind): number {
  return ARRAY_INDEX[kind]?.base ?? 0;
}

/**
 * Where the scheduler writes a batch job's output: `<projectRoot>/.flow/submit/`
 * and a file name with the scheduler's job id placeholder, the project folder
 * escaped so that the scheduler takes it literally:
 *
 * - SLURM (`--output` is a filename pattern, checked with 22.05): `%j.out`;
 *   a `%` of the folder is written `%%`. A `\` anywhere turns every
 *   replacement off and escapes the next character, so a folder holding a
 *   `\` gets its `\`s doubled, its `%`s as they are, and the fixed name
 *   `job.out` (every such job writes that one file, as on PBS).
 * - LSF (`-o`): `%J.out`. LSF replaces `%J` and `%I` and documents no
 *   escape for them, so a folder holding `%J` or `%I` is refused; any other
 *   `%` is taken literally.
 * - PBS (`-o` is a plain path: nothing is replaced): `job.out`.
 * - local (no header; the run's output goes next to its script, see
 *   `runLocalScript`): `job.out`.
 *
 * @throws {UsageError} for an LSF project folder whose path holds `%J` or `%I`.
 * @example
 * ```ts
 * import { outputPattern } from "./script.ts";
 * console.log(outputPattern("slurm", "/p/50%x")); // /p/50%%x/.flow/submit/%j.out
 * ```
 */
export function outputPattern(kind: SchedulerKind, projectRoot: string): string {
  const dir = "/.flow/submit/";
  switch (kind) {
    case "slurm":
      return projectRoot.includes("\\")
        ? `${projectRoot.replaceAll("\\", "\\\\")}${dir}job.out`
        : `${projectRoot.replaceAll("%", "%%")}${dir}%j.out`;
    case "lsf":
      if (/%[JI]/.test(projectRoot)) {
        throw new UsageError(
          `the project folder ${JSON.stringify(projectRoot)} holds '%J' or '%I', which LSF ` +
            "replaces in a job's output path (bsub -o) and has no escape for: move or rename it",
        );
      }
      return `${projectRoot}${dir}%J.out`;
    case "pbs":
    case "local":
      return `${projectRoot}${dir}job.out`;
  }
}

/**
 * Renders a complete batch script for a scheduler (see the module notes for
 * the format and its choices).
 *
 * @throws {RangeError} for an inconsistent spec: no commands, an array whose
 *   count is not the number of commands, or a request that is not positive
 *   whole numbers.
 * @throws {UsageError} for a directive value holding a line break (a project
 *   path, an account, a partition).
 * @example
 * ```ts
 * import { renderScript } from "./script.ts";
 * const script = renderScript("slurm", {
 *   jobName: "flow-0123abcd/ex/42", outputPath: "/p/.flow/submit/%j.out", projectRoot: "/p",
 *   request: { ntasks: 1, cpusPerTask: 2, gpus: 0, nodes: 1, walltimeSeconds: 3600 },
 *   commands: ["flow run -o ex -j 42"], parallel: false, extraLines: [], setup: [],
 * });
 * console.log(script.split("\n")[1]); // #SBATCH --job-name=flow-0123abcd/ex/42
 * ```
 */
export function renderScript(kind: SchedulerKind, spec: ScriptSpec): string {
  validate(spec);
  const lines = ["#!/bin/bash"];
  const prefix = PREFIX[kind];
  if (prefix !== undefined) {
    const own = kind === "slurm"
      ? slurmLines(spec)
      : kind === "pbs"
      ? pbsLines(spec)
      : lsfLines(spec);
    for (const line of own) lines.push(`${prefix} ${line}`);
    for (const line of spec.extraLines) {
      lines.push(line.startsWith("#") ? line : `${prefix} ${line}`);
    }
  }
  lines.push("");
  lines.push(`cd -- ${shellQuote(spec.projectRoot)} || exit 1`);
  if (spec.ompNumThreads !== undefined) lines.push(`export OMP_NUM_THREADS=${spec.ompNumThreads}`);
  lines.push(...spec.setup);
  lines.push(...body(kind, spec));
  return lines.join("\n") + "\n";
}

function validate(spec: ScriptSpec): void {
  if (spec.commands.length === 0) throw new RangeError("a batch script needs at least one command");
  const r = spec.request;
  for (
    const [name, value] of [
      ["ntasks", r.ntasks],
      ["cpusPerTask", r.cpusPerTask],
      ["nodes", r.nodes],
    ] as const
  ) {
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(`request.${name} must be a whole number ≥ 1, got ${value}`);
    }
  }
  if (!Number.isInteger(r.gpus) || r.gpus < 0) {
    throw new RangeError(`request.gpus must be a whole number ≥ 0, got ${r.gpus}`);
  }
  if (r.memoryGB !== undefined && !(Number.isFinite(r.memoryGB) && r.memoryGB > 0)) {
    throw new RangeError(`request.memoryGB must be a number > 0, got ${r.memoryGB}`);
  }
  if (spec.array !== undefined) {
    const { count, limit } = spec.array;
    if (count !== spec.commands.length) {
      throw new RangeError(
        `an array of ${count} tasks needs ${count} commands, got ${spec.commands.length}`,
      );
    }
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) {
      throw new RangeError(`array.limit must be a whole number ≥ 1, got ${limit}`);
    }
  }
  if (spec.ompNumThreads !== undefined && !(Number.isInteger(spec.ompNumThreads))) {
    throw new RangeError(`ompNumThreads must be a whole number, got ${spec.ompNumThreads}`);
  }
}

/** Memory in MB for the whole job, split over `nodes` (rounded up), or undefined. */
function memoryMBPerNode(spec: ScriptSpec): number | undefined {
  const gb = spec.request.memoryGB;
  if (gb === undefined) return undefined;
  return ceilTolerant(ceilTolerant(gb * 1024) / spec.request.nodes);
}

function perNode(total: number, nodes: number): number {
  return Math.ceil(total / nodes);
}

function slurmLines(spec: ScriptSpec): string[] {
  const r = spec.request;
  const out = [`--job-name=${directiveQuote(spec.jobName)}`];
  out.push(`--output=${directiveQuote(spec.outputPath)}`);
  if (r.nodes > 1) out.push(`--nodes=${r.nodes}`);
  out.push(`--ntasks=${r.ntasks}`, `--cpus-per-task=${r.cpusPerTask}`);
  if (r.gpus > 0) {
    out.push(
      spec.gpuDirective === "gres" ? `--gres=gpu:${perNode(r.gpus, r.nodes)}` : `--gpus=${r.gpus}`,
    );
  }
  const mem = memoryMBPerNode(spec);
  if (mem !== undefined) out.push(`--mem=${mem}M`);
  if (r.walltimeSeconds !== undefined) {
    out.push(`--time=${formatWalltime(r.walltimeSeconds, "days")}`);
  }
  if (spec.partition !== undefined) out.push(`--partition=${directiveQuote(spec.partition)}`);
  if (spec.account !== undefined) out.push(`--account=${directiveQuote(spec.account)}`);
  if (spec.hold) out.push("--hold");
  if (spec.after !== undefined) out.push(`--dependency=afterok:${directiveQuote(spec.after)}`);
  if (spec.array !== undefined) {
    const { count, limit } = spec.array;
    out.push(`--array=0-${count - 1}${limit === undefined ? "" : `%${limit}`}`);
  }
  return out;
}

function pbsLines(spec: ScriptSpec): string[] {
  const r = spec.request;
  const out = [`-N ${directiveQuote(spec.jobName)}`, "-S /bin/bash"];
  out.push(`-o ${directiveQuote(spec.outputPath)}`, "-j oe");
  // A chunk holds whole tasks (ranks with their threads): its cores are its tasks' cores.
  let chunk = `select=${r.nodes}:ncpus=${perNode(r.ntasks, r.nodes) * r.cpusPerTask}`;
  if (r.ntasks > 1) chunk += `:mpiprocs=${perNode(r.ntasks, r.nodes)}`;
  if (r.gpus > 0) chunk += `:ngpus=${perNode(r.gpus, r.nodes)}`;
  const mem = memoryMBPerNode(spec);
  if (mem !== undefined) chunk += `:mem=${mem % 1024 === 0 ? `${mem / 1024}gb` : `${mem}mb`}`;
  out.push(`-l ${chunk}`);
  if (r.walltimeSeconds !== undefined) {
    out.push(`-l walltime=${formatWalltime(r.walltimeSeconds, "hours")}`);
  }
  if (spec.partition !== undefined) out.push(`-q ${directiveQuote(spec.partition)}`);
  if (spec.account !== undefined) out.push(`-A ${directiveQuote(spec.account)}`);
  if (spec.hold) out.push("-h");
  if (spec.after !== undefined) out.push(`-W depend=afterok:${directiveQuote(spec.after)}`);
  if (spec.array !== undefined && spec.array.count > 1) {
    const { count, limit } = spec.array;
    out.push(`-J 0-${count - 1}${limit === undefined ? "" : `%${limit}`}`);
  }
  return out;
}

function lsfLines(spec: ScriptSpec): string[] {
  const r = spec.request;
  let name = spec.jobName;
  if (spec.array !== undefined) {
    const { count, limit } = spec.array;
    name += `[1-${count}]${limit === undefined ? "" : `%${limit}`}`;
  }
  const out = [`-J ${directiveQuote(name, spec.array !== undefined)}`];
  out.push(`-o ${directiveQuote(spec.outputPath)}`);
  const cores = r.ntasks * r.cpusPerTask;
  out.push(`-n ${cores}`);
  // Slots per host: whole tasks, as for PBS's chunks.
  if (r.nodes > 1) out.push(`-R "span[ptile=${perNode(r.ntasks, r.nodes) * r.cpusPerTask}]"`);
  else if (cores > 1) out.push(`-R "span[hosts=1]"`);
  if (r.gpus > 0) out.push(`-gpu "num=${perNode(r.gpus, r.nodes)}"`);
  const mem = memoryMBPerNode(spec);
  if (mem !== undefined) out.push(`-R "rusage[mem=${mem}]"`);
  if (r.walltimeSeconds !== undefined) {
    const minutes = Math.ceil(ceilTolerant(r.walltimeSeconds) / 60);
    const two = (n: number) => String(n).padStart(2, "0");
    out.push(`-W ${two(Math.floor(minutes / 60))}:${two(minutes % 60)}`);
  }
  if (spec.partition !== undefined) out.push(`-q ${directiveQuote(spec.partition)}`);
  if (spec.account !== undefined) out.push(`-P ${directiveQuote(spec.account)}`);
  if (spec.hold) out.push("-H");
  if (spec.after !== undefined) out.push(`-w ${directiveQuote(`done(${spec.after})`)}`);
  return out;
}

function body(kind: SchedulerKind, spec: ScriptSpec): string[] {
  const { commands } = spec;
  const index = ARRAY_INDEX[kind];
  const isArray = spec.array !== undefined && index !== undefined &&
    !(kind === "pbs" && spec.array.count === 1);
  if (isArray) {
    const v = `$${index.variable}`;
    const out = [`case "${v}" in`];
    commands.forEach((cmd, i) => out.push(`${i + index.base})`, cmd, ";;"));
    out.push("*)", `echo "flow: no command for array task '${v}'" >&2`, "exit 2", ";;", "esac");
    return out;
  }
  if (commands.length === 1) return [commands[0]];
  if (spec.parallel && spec.array === undefined) {
    const out = ["flow_pids=()"];
    for (const cmd of commands) out.push("(", cmd, ") &", 'flow_pids+=("$!")');
    out.push(
      "flow_status=0",
      'for flow_pid in "${flow_pids[@]}"; do',
      '  wait "$flow_pid" || flow_status=$?',
      "done",
      'exit "$flow_status"',
    );
    return out;
  }
  const out = ["flow_status=0"];
  for (const cmd of commands) out.push("(", cmd, ") || flow_status=$?");
  out.push('exit "$flow_status"');
  return out;
}
