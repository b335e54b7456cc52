/**
 * The scheduler clients: the command lines flow runs (`sbatch`, `squeue`,
 * `scancel`; `qsub`, `qstat`, `qdel`; `bsub`, `bjobs`, `bkill`), parsers of
 * what they print, and {@link runClient}, which runs one with a time limit
 * and turns every failure into a {@link SchedulerError}.
 *
 * Formats chosen:
 * - Submission: the script is a file (see {@link writeSubmitScript}: under
 *   `<project>/.flow/submit/`, kept for debugging), passed as the last
 *   argument to `sbatch --parsable` and `qsub`; `bsub` reads it on stdin
 *   (`bsub < script`), the only way it honours `#BSUB` lines.
 * - SLURM queue (checked with 22.05): `squeue --me -h -o %i|%t|%r|%j`: id
 *   (`123`, `123_4`, pending array tasks `123_[1-3%1]`), compact state,
 *   reason (`JobHeldUser`/`JobHeldAdmin` with `PD` is held), name last (a
 *   foreign name may hold `|`).
 * - PBS queue (PBS Pro / OpenPBS 19–23, also Torque): `qstat -f -t`, the
 *   long text form (`Job Id: 123.server` then `    key = value` lines):
 *   it is common to PBS Pro and Torque, where `-F json` is PBS Pro only and
 *   has printed invalid JSON for some environment values. `-u` does not
 *   combine with `-f` on PBS Pro, so every visible job is listed; tracking
 *   keeps only flow's own.
 * - LSF queue (LSF 10.1): `bjobs -a -json -o "jobid jobindex stat job_name"`
 *   (`-a`: finished jobs too, so EXIT shows as an error).
 *
 * @module
 */

import { FlowError, UsageError } from "../errors.ts";
import { splitLoaderVars } from "../environment.ts";
import { findOnPath, sendSignal } from "../process.ts";
import type { QueuedJob, QueueState, SchedulerKind } from "./types.ts";

/**
 * A batch system's program ran and failed, hung, or printed something flow
 * cannot read (a rejected submission, a failing `squeue`): a failed
 * operation, exit code 1. The message names the command and quotes its
 * output.
 *
 * @example
 * ```ts
 * import { SchedulerError } from "./client.ts";
 * const err = new SchedulerError("'squeue --me' failed (exit code 1): slurm_load_jobs error");
 * console.log(err.exitCode); // 1
 * ```
 */
export class SchedulerError extends FlowError {
  /** Exit code 1: the scheduler's program ran and failed. */
  override readonly exitCode: number = 1;
}

/**
 * A batch system's program is not on `PATH`: the wrong machine or scheduler
 * for this command, exit code 2 like a usage error.
 *
 * @example
 * ```ts
 * import { SchedulerNotFoundError } from "./client.ts";
 * console.log(new SchedulerNotFoundError("sbatch not found on PATH").exitCode); // 2
 * ```
 */
export class SchedulerNotFoundError extends SchedulerError {
  /** Exit code 2: no such program here. */
  override readonly exitCode: number = 2;
}

/** Seconds a submit or cancel program (`sbatch`, `qsub`, `bsub`, `scancel`, ...) may take. */
export const SUBMIT_TIMEOUT_S = 60;
/** Seconds a queue query (`squeue`, `qstat`, `bjobs`) may take. */
export const QUEUE_TIMEOUT_S = 30;

/**
 * The time limit of a scheduler program in milliseconds: `FLOW_SCHEDULER_TIMEOUT`
 * (seconds, for every scheduler program) when set, otherwise
 * {@link SUBMIT_TIMEOUT_S} for submitting and cancelling and
 * {@link QUEUE_TIMEOUT_S} for queue queries. Past it the program and
 * everything it started are killed.
 *
 * @throws {UsageError} when `FLOW_SCHEDULER_TIMEOUT` is not a positive number.
 * @example
 * ```ts
 * import { schedulerTimeoutMs } from "./client.ts";
 * console.log(schedulerTimeoutMs("queue", {})); // 30000
 * console.log(schedulerTimeoutMs("submit", { FLOW_SCHEDULER_TIMEOUT: "2.5" })); // 2500
 * ```
 */
export function schedulerTimeoutMs(
  role: "submit" | "queue" | "cancel",
  env: Record<string, string | undefined> = Deno.env.toObject(),
): number {
  const text = env.FLOW_SCHEDULER_TIMEOUT;
  if (text === undefined || text.trim() === "") {
    return (role === "queue" ? QUEUE_TIMEOUT_S : SUBMIT_TIMEOUT_S) * 1000;
  }
  const seconds = /^\s*\d+(\.\d*)?\s*$|^\s*\.\d+\s*$/.test(text) ? Number(text) : NaN;
  if (!(seconds > 0) || !Number.isFinite(seconds)) {
    throw new UsageError(
      `FLOW_SCHEDULER_TIMEOUT must be a positive number of seconds, not ${JSON.stringify(text)}`,
    );
  }
  return Math.max(1, Math.round(seconds * 1000));
}

const SCHEDULER_OF: Record<string, string> = {
  sbatch: "a SLURM",
  squeue: "a SLURM",
  scancel: "a SLURM",
  qsub: "a PBS",
  qstat: "a PBS",
  qdel: "a PBS",
  bsub: "an LSF",
  bjobs: "an LSF",
  bkill: "an LSF",
};

const PROGRAMS: Record<SchedulerKind, { submit: string; queue: string; cancel: string }> = {
  slurm: { submit: "sbatch", queue: "squeue", cancel: "scancel" },
  pbs: { submit: "qsub", queue: "qstat", cancel: "qdel" },
  lsf: { submit: "bsub", queue: "bjobs", cancel: "bkill" },
  local: { submit: "bash", queue: "", cancel: "" },
};

/**
 * Options of a submission's command line.
 *
 * @example
 * ```ts
 * import type { SubmitOptions } from "./client.ts";
 * const o: SubmitOptions = { scriptPath: "/p/.flow/submit/a.sh", hold: true, extra: [] };
 * ```
 */
export interface SubmitOptions {
  /** The script file (for LSF, not on the command line: pass its text on stdin). */
  scriptPath: string;
  /** Submit held (the script may say so too; both is harmless). */
  hold?: boolean;
  /** Start after this job succeeded (the script may say so too). */
  after?: string;
  /** More arguments for the submit program, before the script. */
  extra: string[];
}

/**
 * The submit command line. SLURM: `sbatch --parsable [--hold]
 * [--dependency=afterok:ID] EXTRA... SCRIPT`; PBS: `qsub [-h] [-W
 * depend=afterok:ID] EXTRA... SCRIPT`; LSF: `bsub [-H] [-w done(ID)]
 * EXTRA...` with the script on stdin ({@link submitReadsStdin}); local:
 * `bash EXTRA... SCRIPT` (run to the end by {@link runLocalScript}, its
 * output to a file).
 *
 * @example
 * ```ts
 * import { submitArgs } from "./client.ts";
 * console.log(submitArgs("slurm", { scriptPath: "/p/.flow/submit/a.sh", hold: true, extra: [] }));
 * // ["sbatch", "--parsable", "--hold", "/p/.flow/submit/a.sh"]
 * ```
 */
export function submitArgs(kind: SchedulerKind, options: SubmitOptions): string[] {
  const { scriptPath, hold, after, extra } = options;
  switch (kind) {
    case "slurm":
      return [
        "sbatch",
        "--parsable",
        ...(hold ? ["--hold"] : []),
        ...(after !== undefined ? [`--dependency=afterok:${after}`] : []),
        ...extra,
        scriptPath,
      ];
    case "pbs":
      return [
        "qsub",
        ...(hold ? ["-h"] : []),
        ...(after !== undefined ? ["-W", `depend=afterok:${after}`] : []),
        ...extra,
        scriptPath,
      ];
    case "lsf":
      return [
        "bsub",
        ...(hold ? ["-H"] : []),
        ...(after !== undefined ? ["-w", `done(${after})`] : []),
        ...extra,
      ];
    case "local":
      return ["bash", ...extra, scriptPath];
  }
}

const SCHEDULER_NAME: Record<SchedulerKind, string> = {
  slurm: "a SLURM",
  pbs: "a PBS",
  lsf: "an LSF",
  local: "a scheduler",
};

const JOB_ID: Record<SchedulerKind, { pattern: RegExp; forms: string }> = {
  slurm: { pattern: /^\d+(_\d+)?$/, forms: "123 or, for an array task, 123_4" },
  pbs: {
    pattern: /^\d+(\[\d*\])?(\.[A-Za-z0-9][A-Za-z0-9.-]*)?$/,
    forms: "123, 123.server, or for an array 123[].server or 123[4].server",
  },
  lsf: { pattern: /^\d+(\[\d+\])?$/, forms: "123 or, for an array element, 123[4]" },
  local: {
    pattern: /^\d+((_\d+)|(\[\d*\])?(\.[A-Za-z0-9][A-Za-z0-9.-]*)?)$/,
    forms: "digits, as a scheduler prints them",
  },
};

/**
 * Checks a scheduler job id given by the user (`flow submit --after ID`)
 * against the forms its scheduler prints: SLURM `123` or `123_4` (an array
 * task), PBS `123`, `123.server`, `123[].server` (an array) or
 * `123[4].server` (one of its tasks), LSF `123` or `123[4]` (an array
 * element); `local` any of these (it ignores `--after`).
 *
 * @throws {UsageError} for anything else (an empty word, spaces, a list).
 * @example
 * ```ts
 * import { checkJobId } from "./client.ts";
 * console.log(checkJobId("pbs", "123.pbs01")); // 123.pbs01
 * ```
 */
export function checkJobId(kind: SchedulerKind, id: string, what = "--after"): string {
  const { pattern, forms } = JOB_ID[kind];
  if (!pattern.test(id)) {
    throw new UsageError(
      `${what}: ${JSON.stringify(id)} is not ${SCHEDULER_NAME[kind]} job id ` +
        `(expected ${forms})`,
    );
  }
  return id;
}

/**
 * Whether the submit program reads the script on stdin (LSF's `bsub`) rather
 * than from the path on its command line.
 *
 * @example
 * ```ts
 * import { submitReadsStdin } from "./client.ts";
 * console.log(submitReadsStdin("lsf"), submitReadsStdin("slurm")); // true false
 * ```
 */
export function submitReadsStdin(kind: SchedulerKind): boolean {
  return kind === "lsf";
}

function quoteOutput(text: string): string {
  const t = text.trim();
  if (t === "") return "nothing";
  return JSON.stringify(t.length > 500 ? `${t.slice(0, 500)}…` : t);
}

/**
 * The job id in what the submit program printed: SLURM `123` or
 * `123;cluster` (`--parsable`; also `Submitted batch job 123`), PBS
 * `123.server` (kept whole: `qdel` and `qstat` take it), LSF
 * `Job <123> is submitted to queue <normal>.`; local: `local`.
 *
 * @throws {SchedulerError} when no id can be read, naming the command and quoting its output.
 * @example
 * ```ts
 * import { parseSubmitOutput } from "./client.ts";
 * console.log(parseSubmitOutput("lsf", "Job <123> is submitted to queue <normal>.\n")); // 123
 * ```
 */
export function parseSubmitOutput(kind: SchedulerKind, stdout: string): string {
  const lines = stdout.split("\n").map((l) => l.trim()).filter((l) => l !== "");
  const last = lines.at(-1) ?? "";
  let m: RegExpExecArray | null = null;
  switch (kind) {
    case "slurm":
      m = /^(\d+)(?:;\S+)?$/.exec(last) ?? /^Submitted batch job (\d+)/.exec(last);
      break;
    case "pbs":
      m = /^(\d+(?:\[\])?(?:\.\S+)?)$/.exec(last);
      break;
    case "lsf":
      for (const line of lines) {
        m = /^Job <(\d+)> is submitted to (?:default )?queue/.exec(line);
        if (m !== null) break;
      }
      break;
    case "local":
      return "local";
  }
  if (m === null) {
    throw new SchedulerError(
      `could not read a job id from what ${PROGRAMS[kind].submit} printed: ${quoteOutput(stdout)}`,
    );
  }
  return m[1];
}

/**
 * The queue query: SLURM `squeue --me -h -o %i|%t|%r|%j` (`-u USER` when a
 * user is given), PBS `qstat -f -t`, LSF `bjobs -a -json -o "jobid jobindex
 * stat job_name"` (`-u USER` when given); local: `[]` (nothing to ask).
 *
 * @example
 * ```ts
 * import { queueArgs } from "./client.ts";
 * console.log(queueArgs("slurm").join(" ")); // squeue --me -h -o %i|%t|%r|%j
 * ```
 */
export function queueArgs(kind: SchedulerKind, user?: string): string[] {
  switch (kind) {
    case "slurm":
      return [
        "squeue",
        ...(user === undefined ? ["--me"] : ["-u", user]),
        "-h",
        "-o",
        "%i|%t|%r|%j",
      ];
    case "pbs":
      return ["qstat", "-f", "-t"];
    case "lsf":
      return [
        "bjobs",
        "-a",
        "-json",
        "-o",
        "jobid jobindex stat job_name",
        ...(user === undefined ? [] : ["-u", user]),
      ];
    case "local":
      return [];
  }
}

const SLURM_STATES: Record<string, QueueState> = {
  PD: "queued",
  CF: "queued",
  RQ: "queued",
  RF: "queued",
  RS: "queued",
  R: "running",
  CG: "running",
  SI: "running",
  SO: "running",
  S: "held",
  ST: "held",
  RD: "held",
  RH: "held",
  CD: "inactive",
  CA: "inactive",
  RV: "inactive",
  PR: "inactive",
  F: "error",
  TO: "error",
  NF: "error",
  OOM: "error",
  BF: "error",
  DL: "error",
  SE: "error",
};

const PBS_STATES: Record<string, QueueState> = {
  Q: "queued",
  W: "queued",
  T: "queued",
  M: "inactive",
  R: "running",
  E: "running",
  B: "running",
  H: "held",
  S: "held",
  U: "held",
  F: "inactive",
  X: "inactive",
  C: "inactive",
};

const LSF_STATES: Record<string, QueueState> = {
  PEND: "queued",
  WAIT: "queued",
  PROV: "queued",
  RUN: "running",
  PSUSP: "held",
  USUSP: "held",
  SSUSP: "held",
  DONE: "inactive",
  EXIT: "error",
  ZOMBI: "error",
  UNKWN: "error",
};

function garbage(kind: SchedulerKind, what: string, stdout: string): SchedulerError {
  const cmd = queueArgs(kind).join(" ");
  return new SchedulerError(`could not read '${cmd}' output (${what}): ${quoteOutput(stdout)}`);
}

/**
 * Reads the queue query's output ({@link queueArgs}) into jobs. States:
 * SLURM `PD` → queued, or held with reason `JobHeldUser`/`JobHeldAdmin`;
 * `R`/`CG` → running; `CD`/`CA` → inactive; `F`/`TO`/`NF`/`OOM` → error.
 * PBS `Q`/`W`/`T` → queued, `R`/`E`/`B` → running, `H`/`S`/`U` → held,
 * `F`/`X`/`C` → inactive, or error with a non-zero `Exit_status`. LSF
 * `PEND` → queued, `RUN` → running, `*SUSP` → held, `DONE` → inactive,
 * `EXIT` → error. An unknown state code counts as queued (flow then does
 * not submit the same work again). Ids: SLURM as printed; PBS the `Job Id`;
 * LSF `123`, or `123[4]` for an array element.
 *
 * @throws {SchedulerError} for output not in the expected format.
 * @example
 * ```ts
 * import { parseQueue } from "./client.ts";
 * console.log(parseQueue("slurm", "1|PD|JobHeldUser|flow-0123abcd/ex/a1\n"));
 * // [{ id: "1", name: "flow-0123abcd/ex/a1", state: "held" }]
 * ```
 */
export function parseQueue(kind: SchedulerKind, stdout: string): QueuedJob[] {
  switch (kind) {
    case "slurm":
      return parseSlurm(stdout);
    case "pbs":
      return parsePbs(stdout);
    case "lsf":
      return parseLsf(stdout);
    case "local":
      return [];
  }
}

function parseSlurm(stdout: string): QueuedJob[] {
  const out: QueuedJob[] = [];
  for (const line of stdout.split("\n")) {
    if (line.trim() === "") continue;
    const m = /^\s*([\w[\]%,:-]+)\|([A-Z]{1,3})\|([^|]*)\|(.*)$/.exec(line);
    if (m === null) throw garbage("slurm", "expected id|state|reason|name lines", stdout);
    const [, id, code, reason, name] = m;
    let state = SLURM_STATES[code] ?? "queued";
    if (code === "PD" && /^JobHeld(User|Admin)$/.test(reason.trim())) state = "held";
    out.push({ id, name, state });
  }
  return out;
}

function parsePbs(stdout: string): QueuedJob[] {
  const out: QueuedJob[] = [];
  let current: { id: string; attrs: Map<string, string> } | undefined;
  let lastKey: string | undefined;
  const finish = () => {
    if (current === undefined) return;
    const name = current.attrs.get("Job_Name");
    const code = current.attrs.get("job_state");
    if (name === undefined || code === undefined) {
      throw garbage("pbs", `job ${current.id} has no Job_Name or job_state`, stdout);
    }
    let state = PBS_STATES[code] ?? "queued";
    const exit = current.attrs.get("Exit_status");
    if (state === "inactive" && exit !== undefined && exit.trim() !== "0") state = "error";
    out.push({ id: current.id, name, state });
  };
  for (const line of stdout.split("\n")) {
    if (line.trim() === "") continue;
    const head = /^Job Id:\s*(\S+)\s*$/.exec(line);
    if (head !== null) {
      finish();
      current = { id: head[1], attrs: new Map() };
      lastKey = undefined;
      continue;
    }
    if (current === undefined) throw garbage("pbs", "expected 'Job Id:' first", stdout);
    const attr = /^ +([\w.]+) = (.*)$/.exec(line);
    if (attr !== null) {
      current.attrs.set(attr[1], attr[2]);
      lastKey = attr[1];
    } else if (line.startsWith("\t") && lastKey !== undefined) {
      // A long value continues on the next line, indented by a tab.
      current.attrs.set(lastKey, current.attrs.get(lastKey) + line.trim());
    } else {
      throw garbage("pbs", "expected '    key = value' lines", stdout);
    }
  }
  finish();
  return out;
}

function parseLsf(stdout: string): QueuedJob[] {
  let data: unknown;
  try {
    data = JSON.parse(stdout);
  } catch {
    throw garbage("lsf", "not JSON", stdout);
  }
  const records = (data as { RECORDS?: unknown })?.RECORDS;
  if (!Array.isArray(records)) throw garbage("lsf", "no RECORDS list", stdout);
  const out: QueuedJob[] = [];
  for (const r of records as Record<string, unknown>[]) {
    if (typeof r !== "object" || r === null) {
      throw garbage("lsf", "a record is not an object", stdout);
    }
    if (r.ERROR !== undefined && r.STAT === undefined) continue; // "Job <x> is not found"
    const id = r.JOBID, code = r.STAT, name = r.JOB_NAME, index = r.JOBINDEX;
    if (typeof id !== "string" || typeof code !== "string" || typeof name !== "string") {
      throw garbage("lsf", "a record lacks JOBID, STAT or JOB_NAME", stdout);
    }
    let fullId = id;
    const fromName = /\[(\d+)\]$/.exec(name)?.[1];
    const i = typeof index === "string" && /^\d+$/.test(index) && index !== "0" ? index : fromName;
    if (i !== undefined && !id.includes("[")) fullId = `${id}[${i}]`;
    out.push({ id: fullId, name, state: LSF_STATES[code] ?? "queued" });
  }
  return out;
}

/**
 * The cancel command line: `scancel IDS...`, `qdel IDS...`, `bkill IDS...`;
 * `[]` for local (nothing runs in the background) or no ids.
 *
 * @example
 * ```ts
 * import { cancelArgs } from "./client.ts";
 * console.log(cancelArgs("pbs", ["12.server"])); // ["qdel", "12.server"]
 * ```
 */
export function cancelArgs(kind: SchedulerKind, ids: string[]): string[] {
  if (kind === "local" || ids.length === 0) return [];
  return [PROGRAMS[kind].cancel, ...ids];
}

/**
 * How {@link runClient} runs a program.
 *
 * @example
 * ```ts
 * import type { RunClientOptions } from "./client.ts";
 * const o: RunClientOptions = { timeoutMs: 10_000, env: { SLURM_CONF: "/etc/slurm/slurm.conf" } };
 * ```
 */
export interface RunClientOptions {
  /** Text for its stdin (none: stdin is closed). */
  stdin?: string;
  /**
   * Time limit in milliseconds (default: {@link schedulerTimeoutMs}("submit"));
   * past it the program and its process group are killed.
   */
  timeoutMs?: number;
  /** Variables set for it, over this process's environment (`PATH` finds the program). */
  env?: Record<string, string>;
  /** Return a non-zero exit instead of throwing (default false). */
  allowFailure?: boolean;
}

/**
 * What a client program printed and returned.
 *
 * @example
 * ```ts
 * import type { ClientResult } from "./client.ts";
 * const r: ClientResult = { code: 0, stdout: "42\n", stderr: "" };
 * ```
 */
export interface ClientResult {
  /** Its exit code. */
  code: number;
  /** Its standard output. */
  stdout: string;
  /** Its standard error. */
  stderr: string;
}

function shellWords(argv: string[]): string {
  return argv.map((a) => /^[\w./:%@+=,-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`)
    .join(" ");
}

function drain(stream: ReadableStream<Uint8Array>) {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  const done = (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value);
      }
    } catch {
      // cancelled after a timeout
    }
    const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const c of chunks) {
      all.set(c, at);
      at += c.length;
    }
    return new TextDecoder().decode(all);
  })();
  return { text: done, cancel: () => reader.cancel().catch(() => {}) };
}

/**
 * Runs a scheduler program (`argv[0]`, found on `PATH`) and returns what it
 * printed. Failures are {@link SchedulerError}s: a missing program ("sbatch
 * not found on PATH: is this a SLURM cluster? (use --cluster to choose
 * another scheduler)"), a non-zero exit (the command and its stderr; unless
 * `allowFailure`), and a run past `timeoutMs` (the program is killed).
 *
 * @example
 * ```ts
 * import { runClient } from "./client.ts";
 * const { stdout } = await runClient(["bash", "-c", "echo 42"]);
 * console.log(stdout); // "42\n"
 * ```
 */
export async function runClient(
  argv: string[],
  options: RunClientOptions = {},
): Promise<ClientResult> {
  if (argv.length === 0) throw new RangeError("runClient needs a program to run");
  const program = argv[0];
  const command = shellWords(argv);
  const timeoutMs = options.timeoutMs ?? schedulerTimeoutMs("submit");
  const environment = { ...Deno.env.toObject(), ...options.env };
  const notFound = (cause?: unknown) => {
    const name = SCHEDULER_OF[program.replace(/^.*\//, "")];
    const hint = name === undefined
      ? ""
      : `: is this ${name} cluster? (use --cluster to choose another scheduler)`;
    return new SchedulerNotFoundError(`${program} not found on PATH${hint}`, { cause });
  };
  if (findOnPath(program, environment.PATH) === undefined) throw notFound();
  // The program runs in a process group of its own (setsid), so that a hung one is killed
  // with everything it started; loader variables (LD_*), which Deno refuses to pass to an
  // allow-listed program, are exported again by a shell in between (as for operations).
  const { env, prelude } = splitLoaderVars(environment);
  let spawnArgv = prelude ? ["bash", "-c", `${prelude} exec "$@"`, "flow", ...argv] : argv;
  const setsid = findOnPath("setsid", environment.PATH) ?? findOnPath("setsid", "/usr/bin:/bin");
  if (setsid !== undefined) spawnArgv = ["setsid", ...spawnArgv];
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(spawnArgv[0], {
      args: spawnArgv.slice(1),
      env,
      clearEnv: true,
      stdin: options.stdin === undefined ? "null" : "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (e) {
    if (e instanceof Deno.errors.NotFound && spawnArgv[0] === program) throw notFound(e);
    throw new SchedulerError(`could not run '${command}': ${(e as Error).message}`, { cause: e });
  }
  const killGroup = () => {
    if (setsid !== undefined) sendSignal(-child.pid, "SIGKILL");
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
  };
  const out = drain(child.stdout);
  const err = drain(child.stderr);
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    try {
      await writer.write(new TextEncoder().encode(options.stdin));
      await writer.close();
    } catch {
      // it exited without reading all of its input; its status says the rest
    }
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  let timedOut = false;
  const status = await Promise.race([
    child.status,
    new Promise<undefined>((resolve) => {
      timer = setTimeout(() => {
        timedOut = true;
        resolve(undefined);
      }, timeoutMs);
    }),
  ]);
  clearTimeout(timer);
  if (status === undefined || timedOut) {
    killGroup();
    await child.status;
    await out.cancel();
    await err.cancel();
    await out.text;
    await err.text;
    throw new SchedulerError(
      `'${command}' did not finish within ${timeoutMs / 1000} s: killed it ` +
        `(set FLOW_SCHEDULER_TIMEOUT to the seconds to wait)`,
    );
  }
  // A child of the program may keep its output open: give it a moment, then stop reading.
  const settle = setTimeout(() => {
    out.cancel();
    err.cancel();
  }, 1000);
  const [stdout, stderr] = await Promise.all([out.text, err.text]);
  clearTimeout(settle);
  if (status.code !== 0 && !options.allowFailure) {
    const why = status.signal !== null ? `killed by ${status.signal}` : `exit code ${status.code}`;
    throw new SchedulerError(
      `'${command}' failed (${why}): ${quoteOutput(stderr.trim() === "" ? stdout : stderr)}`,
    );
  }
  return { code: status.code, stdout, stderr };
}

/**
 * Writes a batch script to `<projectRoot>/.flow/submit/<time>-<slug>.sh`
 * (creating the folder) and returns its path; the file stays for debugging.
 *
 * @example
 * ```ts
 * import { writeSubmitScript } from "./client.ts";
 * const path = writeSubmitScript(Deno.makeTempDirSync(), "ex", "#!/bin/bash\ntrue\n");
 * console.log(path.endsWith("-ex.sh")); // true
 * ```
 */
export function writeSubmitScript(projectRoot: string, label: string, script: string): string {
  const dir = `${projectRoot}/.flow/submit`;
  Deno.mkdirSync(dir, { recursive: true });
  const slug = label.replace(/[^A-Za-z0-9_.-]+/g, "_").slice(0, 60) || "job";
  const stamp = new Date().toISOString().replace(/[-:]/g, "").replace(/\..*$/, "");
  for (let n = 0;; n++) {
    const path = `${dir}/${stamp}${n === 0 ? "" : `-${n}`}-${slug}.sh`;
    try {
      Deno.writeTextFileSync(path, script, { createNew: true });
      return path;
    } catch (e) {
      if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
    }
  }
}

/**
 * What {@link runLocalScript} did.
 *
 * @example
 * ```ts
 * import type { LocalRun } from "./client.ts";
 * const r: LocalRun = { id: "20261203T101010-ex-42", outputPath: "/p/.flow/submit/x.out", code: 0 };
 * ```
 */
export interface LocalRun {
  /** The run's name: the script's file name without `.sh`. */
  id: string;
  /** Where its output (stdout and stderr) went: the script's path with `.out` for `.sh`. */
  outputPath: string;
  /** Its exit code (128 + N when killed by signal N). */
  code: number;
}

/**
 * The `local` scheduler: runs a script file with `bash` here, to the end (no
 * time limit: `FLOW_SCHEDULER_TIMEOUT` is for scheduler programs, not for
 * the work), its stdout and stderr written to the script's path with `.out`
 * for `.sh` (`.flow/submit/<id>.out`, next to the script, as the other
 * schedulers write `.flow/submit/<job id>.out`). `extra` goes to bash before
 * the script (`-x`). Loader variables (`LD_LIBRARY_PATH`) reach it as they
 * reach the scheduler programs.
 *
 * @throws {SchedulerNotFoundError} when bash is not on PATH.
 * @example
 * ```ts ignore
 * import { runLocalScript } from "./client.ts";
 * const { outputPath, code } = await runLocalScript("/p/.flow/submit/a.sh");
 * ```
 */
export async function runLocalScript(
  scriptPath: string,
  extra: string[] = [],
  run: { env?: Record<string, string> } = {},
): Promise<LocalRun> {
  const base = scriptPath.replace(/\.sh$/, "");
  const outputPath = `${base}.out`;
  const id = base.replace(/^.*\//, "");
  const environment = { ...Deno.env.toObject(), ...run.env };
  if (findOnPath("bash", environment.PATH) === undefined) {
    throw new SchedulerNotFoundError("bash not found on PATH: cannot run the script here");
  }
  const { env, prelude } = splitLoaderVars(environment);
  const status = await new Deno.Command("bash", {
    args: [
      "-c",
      `${prelude} flow_out=$1; shift; exec bash "$@" >"$flow_out" 2>&1`,
      "flow",
      outputPath,
      ...extra,
      scriptPath,
    ],
    env,
    clearEnv: true,
    stdin: "null",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn().status;
  const code = status.signal !== null && status.code === 0 ? 128 : status.code;
  return { id, outputPath, code };
}

/**
 * Submits a script file and returns the job id ({@link submitArgs} +
 * {@link runClient} + {@link parseSubmitOutput}; LSF gets the script on stdin).
 * `local` runs it here to the end ({@link runLocalScript}) and returns its
 * run's name, whatever its exit code.
 *
 * @throws {SchedulerError} as {@link runClient} and {@link parseSubmitOutput} do.
 * @example
 * ```ts ignore
 * import { submitJob } from "./client.ts";
 * const id = await submitJob("slurm", { scriptPath: "/p/.flow/submit/a.sh", extra: [] });
 * ```
 */
export async function submitJob(
  kind: SchedulerKind,
  options: SubmitOptions,
  run: RunClientOptions = {},
): Promise<string> {
  if (kind === "local") return (await runLocalScript(options.scriptPath, options.extra, run)).id;
  const stdin = submitReadsStdin(kind) ? Deno.readTextFileSync(options.scriptPath) : run.stdin;
  const timeoutMs = run.timeoutMs ?? schedulerTimeoutMs("submit");
  const { stdout } = await runClient(submitArgs(kind, options), { ...run, stdin, timeoutMs });
  return parseSubmitOutput(kind, stdout);
}

/**
 * Asks the scheduler for its queue once ({@link queueArgs} + {@link runClient}
 * + {@link parseQueue}). LSF's "No unfinished job found" / "No job found" is
 * an empty queue, whatever its exit code; local has no queue.
 *
 * @throws {SchedulerError} as {@link runClient} and {@link parseQueue} do.
 * @example
 * ```ts ignore
 * import { queryQueue } from "./client.ts";
 * const jobs = await queryQueue("slurm");
 * ```
 */
export async function queryQueue(
  kind: SchedulerKind,
  user?: string,
  run: RunClientOptions = {},
): Promise<QueuedJob[]> {
  const argv = queueArgs(kind, user);
  if (argv.length === 0) return [];
  const timeoutMs = run.timeoutMs ?? schedulerTimeoutMs("queue");
  const r = await runClient(argv, { ...run, timeoutMs, allowFailure: kind === "lsf" });
  if (kind === "lsf") {
    if (/No (unfinished )?job found/i.test(r.stdout + r.stderr) && !r.stdout.includes("RECORDS")) {
      return [];
    }
    if (r.code !== 0) {
      throw new SchedulerError(
        `'${shellWords(argv)}' failed (exit code ${r.code}): ${
          quoteOutput(r.stderr.trim() === "" ? r.stdout : r.stderr)
        }`,
      );
    }
  }
  return parseQueue(kind, r.stdout);
}

/**
 * Cancels jobs ({@link cancelArgs} + {@link runClient}); nothing to do for
 * no ids or local.
 *
 * @throws {SchedulerError} as {@link runClient} does.
 * @example
 * ```ts ignore
 * import { cancelJobs } from "./client.ts";
 * await cancelJobs("slurm", ["42", "43"]);
 * ```
 */
export async function cancelJobs(
  kind: SchedulerKind,
  ids: string[],
  run: RunClientOptions = {},
): Promise<void> {
  const argv = cancelArgs(kind, ids);
  if (argv.length > 0) {
    await runClient(argv, { ...run, timeoutMs: run.timeoutMs ?? schedulerTimeoutMs("cancel") });
  }
}
