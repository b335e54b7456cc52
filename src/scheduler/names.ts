/**
 * Tracking submitted work: batch job names that say which project, group
 * and aggregate(s) a job is for, a record of every submission (what a bundle
 * or an array contains), and mapping the scheduler's queue back to
 * (group, aggregate) pairs.
 *
 * Job names: `flow-<projectHash>/<group>/<key>`, where `projectHash` is the
 * first 8 hex digits of md5(projectRoot) and `key` the aggregate id, or for
 * a bundle/array `bundle-<md5 of the sorted ids joined by "\n">`. Characters
 * outside `[A-Za-z0-9_.+:@=,-]` in the group and key are percent-encoded
 * (UTF-8), so names hold no whitespace, quotes or extra `/` and read back
 * exactly. A name that would pass 100 characters becomes
 * `flow-<projectHash>/<md5 of group and key>` (two parts): its group and
 * aggregates are known from the submissions record only.
 *
 * The submissions record is `<projectRoot>/.flow/submissions.jsonl`, one
 * JSON {@link SubmissionRecord} per line, appended on every submission.
 *
 * @module
 */

import { md5Hex } from "../_md5.ts";
import { arrayIndexBase } from "./script.ts";
import type { QueuedJob, QueueState, SchedulerKind } from "./types.ts";

/**
 * Longest job name made (SLURM keeps more, but signac-flow's 100 is a safe bound).
 *
 * @example
 * ```ts
 * import { jobName, MAX_JOB_NAME } from "./names.ts";
 * console.log(jobName("/p", "g".repeat(200), ["a"]).length <= MAX_JOB_NAME); // true
 * ```
 */
export const MAX_JOB_NAME = 100;

const SAFE = /^[A-Za-z0-9_.+:@=,-]$/;

function encodePart(text: string): string {
  let out = "";
  for (const ch of text) {
    if (SAFE.test(ch)) out += ch;
    else {
      for (const byte of new TextEncoder().encode(ch)) {
        out += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
      }
    }
  }
  return out;
}

function decodePart(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/**
 * The 8 hex digits naming a project in job names: the start of md5(projectRoot).
 *
 * @example
 * ```ts
 * import { projectHash } from "./names.ts";
 * console.log(projectHash("/p").length); // 8
 * ```
 */
export function projectHash(projectRoot: string): string {
  return md5Hex(projectRoot).slice(0, 8);
}

/**
 * The `key` part of a job name for these aggregates: the one id, or for a
 * bundle (`bundle` true, or several ids) `bundle-` + md5 of the sorted ids.
 *
 * @example
 * ```ts
 * import { aggregatesKey } from "./names.ts";
 * console.log(aggregatesKey(["abc"])); // abc
 * console.log(aggregatesKey(["b", "a"]) === aggregatesKey(["a", "b"])); // true
 * ```
 */
export function aggregatesKey(aggregateIds: string[], bundle = false): string {
  if (aggregateIds.length === 1 && !bundle) return aggregateIds[0];
  return `bundle-${md5Hex([...aggregateIds].sort().join("\n"))}`;
}

/**
 * A batch job name for a group (or operation) on aggregates of a project:
 * at most 100 characters, with no whitespace or quotes.
 *
 * @throws {RangeError} if `aggregateIds` is empty.
 * @example
 * ```ts
 * import { jobName, parseJobName } from "./names.ts";
 * const name = jobName("/home/me/proj", "simulate", ["0123abcd"]);
 * console.log(name.replace(/^flow-\w+/, "flow-…")); // flow-…/simulate/0123abcd
 * console.log(parseJobName(name)?.group); // simulate
 * ```
 */
export function jobName(
  projectRoot: string,
  groupName: string,
  aggregateIds: string[],
  bundle = false,
): string {
  if (aggregateIds.length === 0) throw new RangeError("a job name needs at least one aggregate");
  const group = encodePart(groupName);
  const key = encodePart(aggregatesKey(aggregateIds, bundle));
  const head = `flow-${projectHash(projectRoot)}`;
  const name = `${head}/${group}/${key}`;
  if (name.length <= MAX_JOB_NAME) return name;
  return `${head}/${md5Hex(`${groupName}\0${aggregatesKey(aggregateIds, bundle)}`)}`;
}

/**
 * A job name of at most 15 characters (`f` + 14 hex digits of a hash of
 * project, group and aggregates), for PBS systems that cut longer names.
 * It identifies nothing by itself: jobs so named are tracked by id through
 * the submissions record.
 *
 * @example
 * ```ts
 * import { shortJobName } from "./names.ts";
 * console.log(shortJobName("/p", "ex", ["a"]).length); // 15
 * ```
 */
export function shortJobName(
  projectRoot: string,
  groupName: string,
  aggregateIds: string[],
): string {
  return `f${md5Hex(`${projectRoot}\0${groupName}\0${aggregatesKey(aggregateIds)}`).slice(0, 14)}`;
}

/**
 * What a job name made by {@link jobName} says.
 *
 * @example
 * ```ts
 * import type { ParsedJobName } from "./names.ts";
 * const p: ParsedJobName = { projectHash: "0123abcd", group: "ex", key: "a1" };
 * ```
 */
export interface ParsedJobName {
  /** 8 hex digits of md5(projectRoot). */
  projectHash: string;
  /** The group (or operation); undefined for a hashed (too long) name. */
  group?: string;
  /** The aggregate id, `bundle-<md5>`, or for a hashed name the hash. */
  key: string;
}

/**
 * Reads a job name made by {@link jobName}; undefined for any other name.
 * An LSF array element's `[N]` suffix is ignored.
 *
 * @example
 * ```ts
 * import { parseJobName } from "./names.ts";
 * console.log(parseJobName("flow-0123abcd/my%20group/42"));
 * // { projectHash: "0123abcd", group: "my group", key: "42" }
 * console.log(parseJobName("my-own-job")); // undefined
 * ```
 */
export function parseJobName(name: string): ParsedJobName | undefined {
  const m = /^flow-([0-9a-f]{8})\/([^/\s]+)(?:\/([^/\s]+))?$/.exec(name.replace(/\[\d+\]$/, ""));
  if (m === null) return undefined;
  if (m[3] === undefined) {
    return /^[0-9a-f]{32}$/.test(m[2]) ? { projectHash: m[1], key: m[2] } : undefined;
  }
  const group = decodePart(m[2]);
  const key = decodePart(m[3]);
  if (group === undefined || key === undefined) return undefined;
  return { projectHash: m[1], group, key };
}

/**
 * One submission: what flow remembers of a batch job it submitted.
 *
 * @example
 * ```ts
 * import type { SubmissionRecord } from "./names.ts";
 * const r: SubmissionRecord = {
 *   id: "42", name: "flow-0123abcd/ex/a1", group: "ex", aggregates: ["a1"],
 *   scheduler: "slurm", time: "2024-05-01T12:00:00.000Z",
 * };
 * ```
 */
export interface SubmissionRecord {
  /** The scheduler's job id, as the submit command printed it. */
  id: string;
  /** The job name given. */
  name: string;
  /** The group (or operation) submitted. */
  group: string;
  /** The aggregate ids it runs on; for an array, task i runs `aggregates[i]`. */
  aggregates: string[];
  /** The batch system. */
  scheduler: SchedulerKind;
  /** When, as an ISO 8601 date. */
  time: string;
}

/**
 * The submissions record's path: `<projectRoot>/.flow/submissions.jsonl`.
 *
 * @example
 * ```ts
 * import { submissionsPath } from "./names.ts";
 * console.log(submissionsPath("/p")); // /p/.flow/submissions.jsonl
 * ```
 */
export function submissionsPath(projectRoot: string): string {
  return `${projectRoot}/.flow/submissions.jsonl`;
}

/**
 * Appends a submission to the record (creating `.flow/` if needed). A last
 * line left without its line break (a cut write) is closed first, so the new
 * line stays readable.
 *
 * @example
 * ```ts
 * import { readSubmissions, recordSubmission } from "./names.ts";
 * const root = Deno.makeTempDirSync();
 * recordSubmission(root, {
 *   id: "42", name: "flow-0123abcd/ex/a1", group: "ex", aggregates: ["a1"],
 *   scheduler: "slurm", time: new Date().toISOString(),
 * });
 * console.log(readSubmissions(root).length); // 1
 * ```
 */
export function recordSubmission(projectRoot: string, record: SubmissionRecord): void {
  const path = submissionsPath(projectRoot);
  Deno.mkdirSync(`${projectRoot}/.flow`, { recursive: true });
  let lead = "";
  try {
    using file = Deno.openSync(path, { read: true });
    const size = file.statSync().size;
    if (size > 0) {
      file.seekSync(size - 1, Deno.SeekMode.Start);
      const last = new Uint8Array(1);
      file.readSync(last);
      if (last[0] !== 10) lead = "\n";
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  const { id, name, group, aggregates, scheduler, time } = record;
  const line = JSON.stringify({ id, name, group, aggregates, scheduler, time });
  Deno.writeTextFileSync(path, `${lead}${line}\n`, { append: true });
}

function isRecord(v: unknown): v is SubmissionRecord {
  if (typeof v !== "object" || v === null) return false;
  const r = v as Record<string, unknown>;
  return typeof r.id === "string" && typeof r.name === "string" && typeof r.group === "string" &&
    Array.isArray(r.aggregates) && r.aggregates.every((a) => typeof a === "string") &&
    typeof r.scheduler === "string" && typeof r.time === "string";
}

/**
 * Reads the submissions record, oldest first; empty when there is none.
 * Lines that are not a whole record (a write cut short) are skipped.
 *
 * @example
 * ```ts
 * import { readSubmissions } from "./names.ts";
 * console.log(readSubmissions(Deno.makeTempDirSync())); // []
 * ```
 */
export function readSubmissions(projectRoot: string): SubmissionRecord[] {
  let text: string;
  try {
    text = Deno.readTextFileSync(submissionsPath(projectRoot));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return [];
    throw e;
  }
  const out: SubmissionRecord[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      continue;
    }
    if (isRecord(value)) out.push(value);
  }
  return out;
}

/**
 * The key of {@link trackedStates}' map: `${group}\0${aggregateId}`.
 *
 * @example
 * ```ts
 * import { trackKey } from "./names.ts";
 * console.log(JSON.stringify(trackKey("ex", "a1"))); // "ex\u0000a1"
 * ```
 */
export function trackKey(group: string, aggregateId: string): string {
  return `${group}\0${aggregateId}`;
}

/** A job id split into the submitted job's id and, for array tasks, their indices. */
interface SplitId {
  base: string;
  tasks?: number[];
}

/** Expands `1-3,7` (a `%limit` dropped) into [1, 2, 3, 7]; undefined if malformed. */
function expandRanges(text: string): number[] | undefined {
  const out: number[] = [];
  for (const part of text.replace(/%\d+$/, "").split(",")) {
    const m = /^(\d+)(?:-(\d+))?(?::(\d+))?$/.exec(part);
    if (m === null) return undefined;
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    const step = m[3] === undefined ? 1 : Number(m[3]);
    if (to < from || step < 1 || to - from > 1e6) return undefined;
    for (let i = from; i <= to; i += step) out.push(i);
  }
  return out;
}

/**
 * Splits a queue id: SLURM `123`, `123_4`, `123_[1-3%1]` (pending tasks);
 * PBS `123.server`, `123[].server` (a whole array), `123[4].server`; LSF
 * `123`, `123[4]`. The part from the first `.` on (a PBS server) is dropped.
 */
function splitId(id: string): SplitId {
  const plain = id.replace(/\..*$/, "");
  let m = /^(\w+?)_(\d+)$/.exec(plain);
  if (m !== null) return { base: m[1], tasks: [Number(m[2])] };
  m = /^(\w+?)_\[([^\]]+)\]$/.exec(plain);
  if (m !== null) {
    const tasks = expandRanges(m[2]);
    return tasks === undefined ? { base: m[1] } : { base: m[1], tasks };
  }
  m = /^(\w+)\[(\d*)\]$/.exec(plain);
  if (m !== null) return m[2] === "" ? { base: m[1] } : { base: m[1], tasks: [Number(m[2])] };
  return { base: plain };
}

const PRIORITY: Record<QueueState, number> = {
  running: 4,
  queued: 3,
  held: 2,
  error: 1,
  inactive: 0,
};

/**
 * Maps the scheduler's queue (one query) back to (group, aggregate) pairs of
 * this project. A job is recognised by its id in the submissions record (and
 * the record's name must match, so that a reused id of a foreign job is not
 * taken for ours); failing that, by a {@link jobName} naming this project,
 * one group and one aggregate. A bundle maps to all its aggregates; an array
 * task (`123_4`, `123[4]`, pending `123_[1-3]`) to the aggregates of those
 * tasks; a whole array entry to all. When several jobs cover one pair, the
 * most active state wins (running > queued > held > error > inactive).
 *
 * @example
 * ```ts
 * import { jobName, trackedStates, trackKey } from "./names.ts";
 * const root = Deno.makeTempDirSync();
 * const name = jobName(root, "ex", ["a1"]);
 * const states = trackedStates(root, [{ id: "7", name, state: "running" }]);
 * console.log(states.get(trackKey("ex", "a1"))); // { state: "running", id: "7" }
 * ```
 */
export function trackedStates(
  projectRoot: string,
  queue: QueuedJob[],
): Map<string, { state: QueueState; id: string }> {
  const records = new Map<string, SubmissionRecord>();
  for (const r of readSubmissions(projectRoot)) records.set(splitId(r.id).base, r);
  const hash = projectHash(projectRoot);
  const out = new Map<string, { state: QueueState; id: string }>();
  const put = (group: string, agg: string | undefined, job: QueuedJob) => {
    if (agg === undefined) return;
    const key = trackKey(group, agg);
    const old = out.get(key);
    if (old === undefined || PRIORITY[job.state] > PRIORITY[old.state]) {
      out.set(key, { state: job.state, id: job.id });
    }
  };
  for (const job of queue) {
    const { base, tasks } = splitId(job.id);
    const record = records.get(base);
    const bareName = job.name.replace(/\[\d+\]$/, "");
    if (record !== undefined && record.name === bareName) {
      if (tasks === undefined) {
        for (const agg of record.aggregates) put(record.group, agg, job);
      } else {
        const first = arrayIndexBase(record.scheduler);
        for (const t of tasks) put(record.group, record.aggregates[t - first], job);
      }
      continue;
    }
    const parsed = parseJobName(job.name);
    if (parsed === undefined || parsed.projectHash !== hash || parsed.group === undefined) continue;
    if (parsed.key.startsWith("bundle-")) continue; // its members are in the record only
    put(parsed.group, parsed.key, job);
  }
  return out;
}
