/**
 * Cluster profiles: merging them (built-ins, the user's file, flow.yaml) and
 * deciding which one this machine is. Reading the user's file, which needs
 * the YAML parser, is `profile_files.ts`'s.
 *
 * ## Where profiles come from
 *
 * 1. The built-ins of `profiles.ts` (generic `slurm`, `pbs`, `lsf`, `local`
 *    and a few well-known machines).
 * 2. The user's file, `~/.config/flow/clusters.yaml` (through `HOME`).
 * 3. The `clusters:` map of the project's flow.yaml.
 *
 * Both files hold the same map, profile name → fields (the user's file may
 * also wrap it in a top-level `clusters:` key):
 *
 * ```yaml
 * mycluster:
 *   scheduler: slurm
 *   detect: {hostname: "\\.mycluster\\.edu$", env: [MYCLUSTER_HOME, "SITE=mycluster"]}
 *   gpuDirective: gres
 *   account: abc123
 *   setup: ["module load cuda"]
 *   partitions:
 *     cpu: {cpusPerNode: 64, gpusPerNode: 0, memoryPerNodeGB: 256, maxNodes: 8, default: true}
 *     gpu: {cpusPerNode: 32, gpusPerNode: 4}
 * delta:
 *   account: bbka-delta-gpu     # only this field changes; the rest stays built in
 * ```
 *
 * `partitions` may also be a list of maps with a `name`. A later profile
 * with the name of an earlier one is merged into it: every field it gives
 * replaces the earlier one (`partitions` and `detect` as a whole). A new
 * profile must give `scheduler`. Unknown keys are refused with a "did you
 * mean"; a key given as null counts as not given.
 *
 * @module
 */

import { findOnPath } from "../process.ts";
import { UsageError } from "../errors.ts";
import { closest } from "../suggest.ts";
import { PyFloat } from "../workspace/value.ts";
import { BUILTIN_PROFILES } from "./profiles.ts";
import type { ClusterProfile, Partition, SchedulerKind } from "./types.ts";

const SCHEDULERS: readonly SchedulerKind[] = ["slurm", "pbs", "lsf", "local"];
const PROFILE_KEYS = [
  "scheduler",
  "detect",
  "partitions",
  "gpuDirective",
  "setup",
  "custom",
  "account",
  "description",
];
const DETECT_KEYS = ["env", "hostname"];
const PARTITION_KEYS = [
  "name",
  "cpusPerNode",
  "gpusPerNode",
  "memoryPerNodeGB",
  "maxNodes",
  "wholeNode",
  "default",
];
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.+-]*$/;

/** Profiles read from a file, for {@link mergeProfiles}. */
export interface ProfileSource {
  /** The parsed map of profile name to fields (undefined or null: none). */
  value: unknown;
  /** The file, for messages. */
  source: string;
}

/** What {@link mergeProfiles} merges into the built-in profiles. */
export interface MergeProfilesOptions {
  /** The user's file, parsed (see `profile_files.ts`). */
  user?: ProfileSource;
  /** The `clusters:` value of flow.yaml, as parsed (undefined or null: none). */
  workflowClusters?: unknown;
  /** The name of flow.yaml in messages (default `flow.yaml`). */
  workflowSource?: string;
}

/**
 * The default user file: `$HOME/.config/flow/clusters.yaml`, or undefined without `HOME`.
 *
 * @example
 * ```ts
 * import { defaultUserFile } from "./clusters.ts";
 * console.log(defaultUserFile({ HOME: "/home/ann" })); // "/home/ann/.config/flow/clusters.yaml"
 * ```
 */
export function defaultUserFile(env: Record<string, string | undefined>): string | undefined {
  const home = env.HOME;
  return home ? `${home.replace(/\/+$/, "")}/.config/flow/clusters.yaml` : undefined;
}

/**
 * Every known profile: the built-ins, then the user's file, then flow.yaml's
 * `clusters:`, each already parsed (`loadProfiles` in `profile_files.ts`
 * reads the user's file too). A profile named like an earlier one is merged
 * into it (fields given replace, `partitions` and `detect` as a whole); new
 * names are appended in the order given.
 *
 * @throws {UsageError} naming the file: unknown key (with a "did you mean"),
 *   a value of the wrong type, a new profile without `scheduler`.
 * @example
 * ```ts
 * import { mergeProfiles } from "./clusters.ts";
 * const profiles = mergeProfiles({
 *   workflowClusters: { delta: { account: "abc" }, lab: { scheduler: "pbs" } },
 * });
 * console.log(profiles.find((p) => p.name === "delta")?.account); // "abc"
 * ```
 */
export function mergeProfiles(options: MergeProfilesOptions = {}): ClusterProfile[] {
  const profiles: ClusterProfile[] = BUILTIN_PROFILES.map((p) => structuredClone(p));
  if (options.user) {
    let value = options.user.value;
    if (isPlainObject(value) && Object.keys(value).length === 1 && "clusters" in value) {
      value = value.clusters;
    }
    mergeInto(profiles, value, options.user.source, "");
  }
  mergeInto(
    profiles,
    options.workflowClusters,
    options.workflowSource ?? "flow.yaml",
    "clusters",
  );
  return profiles;
}

/**
 * The user's profile file named by the environment (`HOME`): undefined
 * without `HOME`.
 *
 * @example
 * ```ts
 * import { userProfileFile } from "./clusters.ts";
 * console.log(userProfileFile()?.endsWith("/.config/flow/clusters.yaml"));
 * ```
 */
export function userProfileFile(): string | undefined {
  return defaultUserFile(envObject());
}

function envObject(): Record<string, string | undefined> {
  try {
    return { HOME: Deno.env.get("HOME") };
  } catch {
    return {};
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof PyFloat);
}

function typeName(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (Array.isArray(v)) return "a list";
  if (v instanceof PyFloat || typeof v === "number" || typeof v === "bigint") {
    return `the number ${String(v)}`;
  }
  if (typeof v === "string") return `the string '${v}'`;
  if (typeof v === "boolean") return String(v);
  return "a map";
}

/**
 * A cluster profile that cannot be read: the file, the dotted path of the
 * value (`clusters.mine.partitions.cpu`, `[i]` for list items) and what is
 * wrong; `key` names an unknown key of the map at `path`. The message is
 * `FILE: PATH: DETAIL`; the command line adds the line and column where it
 * has the file's text.
 *
 * @example
 * ```ts
 * import { mergeProfiles, ProfileError } from "./clusters.ts";
 * try {
 *   mergeProfiles({ workflowClusters: { lab: { scheduler: "slrum" } } });
 * } catch (e) {
 *   if (e instanceof ProfileError) console.log(e.path); // clusters.lab.scheduler
 * }
 * ```
 */
export class ProfileError extends UsageError {
  /** The file the profile came from. */
  readonly source: string;
  /** Dotted path of the value (empty: the whole file). */
  readonly path: string;
  /** What is wrong, without file and path. */
  readonly detail: string;
  /** For an unknown key: the key (in the map at `path`). */
  readonly key?: string;

  /** The error; the message is `source: path: detail`. */
  constructor(source: string, path: string, detail: string, key?: string) {
    super(`${source}: ${path ? `${path}: ` : ""}${detail}`);
    this.name = "ProfileError";
    this.source = source;
    this.path = path;
    this.detail = detail;
    if (key !== undefined) this.key = key;
  }
}

/** Reports problems of one file, with the dotted path of the value. */
class Checker {
  constructor(readonly source: string) {}

  fail(path: string, message: string, key?: string): never {
    throw new ProfileError(this.source, path, message, key);
  }

  map(v: unknown, path: string, what: string): Record<string, unknown> {
    if (!isPlainObject(v)) this.fail(path, `expected ${what}, got ${typeName(v)}`);
    return v;
  }

  keys(obj: Record<string, unknown>, allowed: readonly string[], path: string): void {
    for (const key of Object.keys(obj)) {
      if (allowed.includes(key)) continue;
      const hint = closest(key, allowed);
      this.fail(
        path,
        `unknown key '${key}'` +
          (hint ? ` (did you mean '${hint}'?)` : ` (known: ${allowed.join(", ")})`),
        key,
      );
    }
  }

  string(v: unknown, path: string): string {
    if (typeof v !== "string") this.fail(path, `expected a string, got ${typeName(v)}`);
    return v;
  }

  strings(v: unknown, path: string): string[] {
    if (typeof v === "string") return [v];
    if (!Array.isArray(v)) this.fail(path, `expected a list of strings, got ${typeName(v)}`);
    return v.map((x, i) => this.string(x, `${path}[${i}]`));
  }

  bool(v: unknown, path: string): boolean {
    if (typeof v !== "boolean") this.fail(path, `expected true or false, got ${typeName(v)}`);
    return v;
  }

  int(v: unknown, path: string, min: number): number {
    if (typeof v !== "number" || !Number.isInteger(v) || v < min) {
      this.fail(path, `expected an integer of at least ${min}, got ${typeName(v)}`);
    }
    return v;
  }

  positive(v: unknown, path: string): number {
    const n = v instanceof PyFloat ? v.value : v;
    if (typeof n !== "number" || !Number.isFinite(n) || n <= 0) {
      this.fail(path, `expected a positive number, got ${typeName(v)}`);
    }
    return n;
  }
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

/** Keys whose value is null or undefined count as not given. */
function given(obj: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== null && v !== undefined));
}

function mergeInto(profiles: ClusterProfile[], value: unknown, source: string, path: string) {
  if (value === undefined || value === null) return;
  const c: Checker = new Checker(source);
  const all = c.map(value, path, "a map of cluster name to profile");
  for (const [name, raw] of Object.entries(all)) {
    const at = join(path, name);
    if (!NAME_PATTERN.test(name)) {
      c.fail(at, "a cluster name is letters, digits and '_.+-', starting with a letter or digit");
    }
    const fields = parseProfileFields(c, raw ?? {}, at);
    const index = profiles.findIndex((p) => p.name === name);
    if (index >= 0) {
      profiles[index] = { ...profiles[index], ...fields, name };
    } else {
      if (fields.scheduler === undefined) {
        c.fail(at, `a new cluster profile needs 'scheduler' (one of ${SCHEDULERS.join(", ")})`);
      }
      profiles.push({ partitions: [], ...fields, name, scheduler: fields.scheduler });
    }
  }
}

function parseProfileFields(c: Checker, raw: unknown, path: string): Partial<ClusterProfile> {
  const obj = given(c.map(raw, path, `a map (with ${PROFILE_KEYS.join(", ")})`));
  c.keys(obj, PROFILE_KEYS, path);
  const out: Partial<ClusterProfile> = {};
  if ("scheduler" in obj) {
    const s = c.string(obj.scheduler, join(path, "scheduler"));
    if (!(SCHEDULERS as readonly string[]).includes(s)) {
      const hint = closest(s, SCHEDULERS);
      c.fail(
        join(path, "scheduler"),
        `unknown scheduler '${s}'` +
          (hint ? ` (did you mean '${hint}'?)` : ` (known: ${SCHEDULERS.join(", ")})`),
      );
    }
    out.scheduler = s as SchedulerKind;
  }
  if ("detect" in obj) out.detect = parseDetect(c, obj.detect, join(path, "detect"));
  if ("partitions" in obj) {
    out.partitions = parsePartitions(c, obj.partitions, join(path, "partitions"));
  }
  if ("gpuDirective" in obj) {
    const g = c.string(obj.gpuDirective, join(path, "gpuDirective"));
    if (g !== "gpus" && g !== "gres") {
      c.fail(join(path, "gpuDirective"), `expected 'gpus' or 'gres', got '${g}'`);
    }
    out.gpuDirective = g;
  }
  if ("setup" in obj) out.setup = c.strings(obj.setup, join(path, "setup"));
  if ("custom" in obj) out.custom = c.strings(obj.custom, join(path, "custom"));
  if ("account" in obj) out.account = c.string(obj.account, join(path, "account"));
  if ("description" in obj) {
    out.description = c.string(obj.description, join(path, "description"));
  }
  return out;
}

function parseDetect(c: Checker, raw: unknown, path: string): ClusterProfile["detect"] {
  const obj = given(c.map(raw, path, "a map (with env, hostname)"));
  c.keys(obj, DETECT_KEYS, path);
  const out: NonNullable<ClusterProfile["detect"]> = {};
  if ("env" in obj) {
    out.env = c.strings(obj.env, join(path, "env"));
    out.env.forEach((e, i) => {
      if (!/^[A-Za-z_][A-Za-z0-9_]*(=.*)?$/.test(e)) {
        c.fail(`${join(path, "env")}[${i}]`, `expected NAME or NAME=value, got '${e}'`);
      }
    });
  }
  if ("hostname" in obj) {
    const h = c.string(obj.hostname, join(path, "hostname"));
    try {
      new RegExp(h);
    } catch (e) {
      c.fail(join(path, "hostname"), `invalid regular expression: ${(e as Error).message}`);
    }
    out.hostname = h;
  }
  return out;
}

function parsePartitions(c: Checker, raw: unknown, path: string): Partition[] {
  let entries: [string | undefined, unknown, string][];
  if (Array.isArray(raw)) {
    entries = raw.map((x, i) => [undefined, x, `${path}[${i}]`]);
  } else {
    const obj = c.map(raw, path, "a map of partition name to fields, or a list");
    entries = Object.entries(obj).map(([k, v]) => [k, v ?? {}, join(path, k)]);
  }
  const out: Partition[] = [];
  for (const [key, value, at] of entries) {
    const obj = given(c.map(value, at, `a map (with ${PARTITION_KEYS.join(", ")})`));
    c.keys(obj, PARTITION_KEYS, at);
    let name = key;
    if ("name" in obj) {
      const n = c.string(obj.name, join(at, "name"));
      if (key !== undefined && n !== key) c.fail(join(at, "name"), `differs from the key '${key}'`);
      name = n;
    }
    if (name === undefined) c.fail(at, "a partition needs 'name'");
    if (!/^\S+$/.test(name)) c.fail(at, `invalid partition name '${name}'`);
    if (out.some((p) => p.name === name)) c.fail(at, `partition '${name}' given twice`);
    if (!("cpusPerNode" in obj)) c.fail(at, "a partition needs 'cpusPerNode'");
    const p: Partition = {
      name,
      cpusPerNode: c.int(obj.cpusPerNode, join(at, "cpusPerNode"), 1),
      gpusPerNode: "gpusPerNode" in obj ? c.int(obj.gpusPerNode, join(at, "gpusPerNode"), 0) : 0,
    };
    if ("memoryPerNodeGB" in obj) {
      p.memoryPerNodeGB = c.positive(obj.memoryPerNodeGB, join(at, "memoryPerNodeGB"));
    }
    if ("maxNodes" in obj) p.maxNodes = c.int(obj.maxNodes, join(at, "maxNodes"), 1);
    if ("wholeNode" in obj) p.wholeNode = c.bool(obj.wholeNode, join(at, "wholeNode"));
    if ("default" in obj) p.default = c.bool(obj.default, join(at, "default"));
    if (p.default && out.some((q) => q.default)) {
      c.fail(
        at,
        `only one partition may be the default ('${out.find((q) => q.default)?.name}' is)`,
      );
    }
    out.push(p);
  }
  return out;
}

/** A function finding a command on PATH (its path, or undefined). */
export type Which = (command: string) => string | undefined;

/** What {@link detectCluster} looks at. */
export interface DetectOptions {
  /** `--cluster NAME`: wins over everything. */
  name?: string;
  /** The environment (`FLOW_CLUSTER`, detection variables, `PATH`). */
  env: Record<string, string | undefined>;
  /** This machine's host name. */
  hostname: string;
  /** Finds batch clients on PATH (default: searches `env.PATH`). */
  which?: Which;
}

/** The detected profile, and why it was chosen (one phrase for `flow clusters`). */
export interface Detected {
  /** The profile. */
  profile: ClusterProfile;
  /** Why: `--cluster delta`, `FLOW_CLUSTER=delta`, `host name 'x' matches /y/`, ... */
  reason: string;
  /** True when nothing was found and `local` is the fallback (not asked for, not detected). */
  fallback?: boolean;
}

/**
 * A `which` searching the directories of `path` (a PATH value) for an executable file.
 *
 * @example
 * ```ts
 * import { pathWhich } from "./clusters.ts";
 * console.log(pathWhich("/usr/bin:/bin")("sh")); // "/usr/bin/sh" or "/bin/sh"
 * ```
 */
export function pathWhich(path: string | undefined): Which {
  return (command) => findOnPath(command, path);
}

function unknownCluster(name: string, profiles: readonly ClusterProfile[], where: string): never {
  const names = profiles.map((p) => p.name);
  const hint = closest(name, names);
  throw new UsageError(
    `${where}: unknown cluster '${name}'` +
      (hint ? ` (did you mean '${hint}'?)` : ` (known: ${names.join(", ")})`),
  );
}

/**
 * The machine profile whose `detect` matches, with the reason; undefined when none does.
 *
 * An `env` entry `NAME` matches when the variable is set and not empty, `NAME=value` when it
 * equals the value; `hostname` is a regular expression searched in the host name. Later
 * profiles are tried first, so that a profile of the user's wins over a built-in one.
 *
 * @example
 * ```ts
 * import { matchDetect, mergeProfiles } from "./clusters.ts";
 * const m = matchDetect(mergeProfiles(), {}, "login01.frontier.olcf.ornl.gov");
 * console.log(m?.profile.name); // "frontier"
 * ```
 */
export function matchDetect(
  profiles: readonly ClusterProfile[],
  env: Record<string, string | undefined>,
  hostname: string,
): Detected | undefined {
  for (const profile of [...profiles].reverse()) {
    const d = profile.detect;
    if (!d) continue;
    for (const entry of d.env ?? []) {
      const eq = entry.indexOf("=");
      const name = eq < 0 ? entry : entry.slice(0, eq);
      const value = env[name];
      if (eq < 0 ? value !== undefined && value !== "" : value === entry.slice(eq + 1)) {
        return { profile, reason: eq < 0 ? `${name} is set` : `${entry} in the environment` };
      }
    }
    if (d.hostname !== undefined && hostname !== "" && new RegExp(d.hostname).test(hostname)) {
      return { profile, reason: `host name '${hostname}' matches /${d.hostname}/` };
    }
  }
  return undefined;
}

/**
 * Which cluster this is, and why.
 *
 * Precedence: `--cluster NAME`; `FLOW_CLUSTER`; a machine profile whose `detect` matches (see
 * {@link matchDetect}); the generic profile of the batch system whose client is on PATH
 * (`sbatch` → `slurm`, `qsub` → `pbs`, `bsub` → `lsf`); else `local`.
 *
 * @throws {UsageError} when `--cluster` or `FLOW_CLUSTER` names no known profile (with a
 *   "did you mean").
 * @example
 * ```ts
 * import { detectCluster, mergeProfiles } from "./clusters.ts";
 * const profiles = mergeProfiles();
 * const d = detectCluster(profiles, {
 *   env: {},
 *   hostname: "laptop",
 *   which: (c) => (c === "qsub" ? "/usr/bin/qsub" : undefined),
 * });
 * console.log(d.profile.name, d.reason); // "pbs" "qsub found at /usr/bin/qsub"
 * ```
 */
export function detectCluster(
  profiles: readonly ClusterProfile[],
  options: DetectOptions,
): Detected {
  const byName = (name: string) => profiles.find((p) => p.name === name);
  if (options.name !== undefined) {
    const p = byName(options.name);
    if (!p) unknownCluster(options.name, profiles, "--cluster");
    return { profile: p, reason: `--cluster ${options.name}` };
  }
  const fromEnv = options.env.FLOW_CLUSTER;
  if (fromEnv !== undefined && fromEnv !== "") {
    const p = byName(fromEnv);
    if (!p) unknownCluster(fromEnv, profiles, "FLOW_CLUSTER");
    return { profile: p, reason: `FLOW_CLUSTER=${fromEnv}` };
  }
  const matched = matchDetect(profiles, options.env, options.hostname);
  if (matched) return matched;
  const which = options.which ?? pathWhich(options.env.PATH);
  const clients: [string, SchedulerKind][] = [["sbatch", "slurm"], ["qsub", "pbs"], [
    "bsub",
    "lsf",
  ]];
  for (const [client, kind] of clients) {
    const at = which(client);
    if (at === undefined) continue;
    const p = byName(kind) ?? profiles.find((q) => q.scheduler === kind && !q.detect);
    if (p) return { profile: p, reason: `${client} found at ${at}` };
  }
  const local = byName("local") ?? { name: "local", scheduler: "local", partitions: [] };
  return {
    profile: local,
    reason: "no batch system client (sbatch, qsub, bsub) on PATH",
    fallback: true,
  };
}
