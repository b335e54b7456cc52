/**
 * What the local executor may use: the processors and GPUs of this machine,
 * or of the scheduler allocation it runs in, each with where the number
 * came from (`flow resources` prints both).
 *
 * CPUs, first found wins:
 *
 * 1. `--cpus N` (the `cpus` option);
 * 2. `FLOW_CPUS`;
 * 3. the scheduler's count for this node: `SLURM_CPUS_ON_NODE`, then the first value of
 *    `SLURM_JOB_CPUS_PER_NODE` (`"4(x2),2"` is 4); PBS `NCPUS`, `PBS_NUM_PPN`, `PBS_NP`;
 *    LSF `LSB_DJOB_NUMPROC`;
 * 4. `navigator.hardwareConcurrency`, which Deno takes from the process's CPU affinity
 *    (so `taskset` and cgroup-pinned jobs are counted right).
 *
 * GPUs, first found wins:
 *
 * 1. `--gpus LIST|N` (the `gpus` option), then `FLOW_GPUS`, same syntax: a comma-separated
 *    list of device ids as `CUDA_VISIBLE_DEVICES` names them (`0,2`, `GPU-8f3c…`; one device
 *    is written with a trailing comma, `2,`), or a count `N`: the first N devices of the
 *    inherited visible set (`CUDA_VISIBLE_DEVICES` …) when there is one, else `0..N-1`.
 *    `0` or `none` means no GPUs;
 * 2. `CUDA_VISIBLE_DEVICES` when set; empty, `-1` or `NoDevFiles` mean none, and, as in
 *    CUDA, a `-1` in the list hides the devices after it;
 * 3. `ROCR_VISIBLE_DEVICES` / `HIP_VISIBLE_DEVICES` (AMD; HIP's indices count within
 *    ROCR's list when both are set);
 * 4. `nvidia-smi -L` (ids `0`, `1`, … as nvidia-smi numbers them, i.e. PCI bus order;
 *    set `CUDA_DEVICE_ORDER=PCI_BUS_ID` if your GPUs differ and CUDA's numbering matters);
 * 5. `rocm-smi --showid` (best effort);
 * 6. none.
 *
 * `vendor` is `"none"` exactly when there are no GPUs; it says which variables
 * {@link visibleDevicesEnv} sets for an operation.
 *
 * @example
 * ```ts
 * import { detectResources, formatResources } from "./resources.ts";
 * const r = await detectResources({ env: { FLOW_CPUS: "3", CUDA_VISIBLE_DEVICES: "2,3" } });
 * console.log(formatResources(r));
 * ```
 *
 * @module
 */

import { UsageError } from "../errors.ts";
import { findOnPath } from "../process.ts";

/**
 * Which GPU runtime's visible-device variables apply.
 *
 * @example
 * ```ts
 * import type { GpuVendor } from "./resources.ts";
 * const v: GpuVendor = "nvidia";
 * ```
 */
export type GpuVendor = "nvidia" | "amd" | "none";

/**
 * The resources the executor may use, with where each came from.
 *
 * @example
 * ```ts
 * import type { Resources } from "./resources.ts";
 * const r: Resources = {
 *   cpus: 8, cpuSource: "FLOW_CPUS",
 *   gpus: ["2", "3"], gpuSource: "CUDA_VISIBLE_DEVICES", vendor: "nvidia",
 * };
 * ```
 */
export interface Resources {
  /** Number of processors (cores) operations may occupy at once. */
  cpus: number;
  /** Where `cpus` came from: `"--cpus"`, `"FLOW_CPUS"`, `"SLURM_CPUS_ON_NODE"`, … */
  cpuSource: string;
  /** The device ids as the visible set names them (`"0"`, `"1"` or UUIDs), in order. */
  gpus: string[];
  /** Where `gpus` came from: `"--gpus"`, `"CUDA_VISIBLE_DEVICES"`, `"nvidia-smi -L"`, … */
  gpuSource: string;
  /** Whose visible-device variables to set; `"none"` exactly when `gpus` is empty. */
  vendor: GpuVendor;
}

/**
 * What running a probe (`nvidia-smi`, `rocm-smi`) gave.
 *
 * @example
 * ```ts
 * import type { CommandResult } from "./resources.ts";
 * const absent: CommandResult = { code: -1, stdout: "" };
 * ```
 */
export interface CommandResult {
  /** Exit code; anything but 0 (a missing program too) counts as "no answer". */
  code: number;
  /** What it printed. */
  stdout: string;
}

/**
 * Runs a probe program; injected by tests.
 *
 * @example
 * ```ts
 * import type { CommandRunner } from "./resources.ts";
 * const none: CommandRunner = () => Promise.resolve({ code: 127, stdout: "" });
 * ```
 */
export type CommandRunner = (cmd: string, args: string[]) => Promise<CommandResult>;

/**
 * Options of {@link detectResources}.
 *
 * @example
 * ```ts
 * import type { DetectOptions } from "./resources.ts";
 * const o: DetectOptions = { cpus: 4, gpus: "0,1" };
 * ```
 */
export interface DetectOptions {
  /** `--cpus N`: overrides everything else. */
  cpus?: number;
  /** `--gpus LIST|N`: overrides everything else. */
  gpus?: string;
  /** The environment to read (default `Deno.env.toObject()`). */
  env?: Record<string, string | undefined>;
  /**
   * Runs `nvidia-smi` / `rocm-smi` (default: the program found on `env.PATH`, run with
   * `env` less `LD_*`/`DYLD_*`, killed after 10 s; absence or failure means no answer).
   */
  runCommand?: CommandRunner;
}

/** The source text of the hardware CPU count. */
const HARDWARE = "hardware: navigator.hardwareConcurrency";

const NONE_VALUES = new Set(["", "-1", "NoDevFiles"]);
const DEVICE_ID = /^[A-Za-z0-9][A-Za-z0-9_.:/-]*$/;

/**
 * Parses a positive whole number of processors; `name` (a flag or variable) is
 * named in the error.
 *
 * @throws {UsageError} when `text` is not a whole number of at least 1
 * @example
 * ```ts
 * import { parseCpuCount } from "./resources.ts";
 * console.log(parseCpuCount(" 8 ", "FLOW_CPUS")); // 8
 * ```
 */
export function parseCpuCount(text: string, name: string): number {
  const t = text.trim();
  const n = /^\d+$/.test(t) ? Number(t) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new UsageError(`${name} must be a whole number of processors >= 1, got '${text}'`);
  }
  return n;
}

/** Splits a visible-device list; empty entries and bad ids are errors naming `name`. */
function splitDeviceList(text: string, name: string, trailingComma: boolean): string[] {
  let parts = text.split(",").map((s) => s.trim());
  if (trailingComma && parts.length > 1 && parts[parts.length - 1] === "") {
    parts = parts.slice(0, -1);
  }
  const seen = new Set<string>();
  for (const p of parts) {
    if (p === "") throw new UsageError(`${name} has an empty device id in '${text}'`);
    if (!DEVICE_ID.test(p)) throw new UsageError(`${name} has a malformed device id '${p}'`);
    if (seen.has(p)) throw new UsageError(`${name} names device '${p}' twice`);
    seen.add(p);
  }
  return parts;
}

/**
 * Parses a visible-device variable the way the runtime does: `""`, `"-1"` and
 * `"NoDevFiles"` mean no devices, and a `-1` entry hides the devices after it.
 */
function parseVisibleVariable(text: string, name: string): string[] {
  if (NONE_VALUES.has(text.trim())) return [];
  const parts = text.split(",").map((s) => s.trim());
  const cut = parts.indexOf("-1");
  return splitDeviceList((cut < 0 ? parts : parts.slice(0, cut)).join(","), name, false);
}

/**
 * Parses `--gpus` / `FLOW_GPUS`: a device list, or a count. Returns the list, or
 * the count for the caller to map onto the inherited visible set.
 */
function parseGpuOption(text: string, name: string): { ids: string[] } | { count: number } {
  const t = text.trim();
  if (t === "none") return { count: 0 };
  if (/^\d+$/.test(t)) {
    const n = Number(t);
    if (!Number.isSafeInteger(n)) throw new UsageError(`${name}: '${text}' is too large`);
    return { count: n };
  }
  if (t === "") {
    throw new UsageError(`${name} must be a device list like '0,2', a count, or 'none'`);
  }
  return { ids: splitDeviceList(t, name, true) };
}

/**
 * Device ids from `nvidia-smi -L` output: one per `GPU i: …` line (MIG lines
 * are not listed separately).
 *
 * @example
 * ```ts
 * import { parseNvidiaSmiList } from "./resources.ts";
 * const ids = parseNvidiaSmiList("GPU 0: NVIDIA H100 (UUID: GPU-a)\nGPU 1: NVIDIA H100 (UUID: GPU-b)\n");
 * console.log(ids); // ["0", "1"]
 * ```
 */
export function parseNvidiaSmiList(stdout: string): string[] {
  const ids: string[] = [];
  for (const m of stdout.matchAll(/^GPU (\d+):/gm)) if (!ids.includes(m[1])) ids.push(m[1]);
  return ids;
}

/**
 * Device ids from `rocm-smi --showid` output: the distinct `GPU[i]` indices.
 *
 * @example
 * ```ts
 * import { parseRocmSmiIds } from "./resources.ts";
 * console.log(parseRocmSmiIds("GPU[0]\t\t: GPU ID: 0x740f\nGPU[1]\t\t: GPU ID: 0x740f\n")); // ["0", "1"]
 * ```
 */
export function parseRocmSmiIds(stdout: string): string[] {
  const ids: string[] = [];
  for (const m of stdout.matchAll(/^\s*GPU\[(\d+)\]/gm)) if (!ids.includes(m[1])) ids.push(m[1]);
  return ids;
}

/** The default probe runner: `cmd` from `env.PATH`, run with `env`, 10 s at most. */
function defaultRunner(env: Record<string, string | undefined>): CommandRunner {
  return async (cmd, args) => {
    const full = findOnPath(cmd, env.PATH);
    if (full === undefined) return { code: 127, stdout: "" };
    // LD_*/DYLD_* are left out: under a narrow --allow-run Deno refuses to pass them (and
    // nvidia-smi finds its library in the system's own folders).
    const childEnv: Record<string, string> = {};
    for (const [k, v] of Object.entries(env)) {
      if (v !== undefined && !/^(LD_|DYLD_)/.test(k)) childEnv[k] = v;
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const child = new Deno.Command(full, {
        args,
        env: childEnv,
        clearEnv: true,
        stdin: "null",
        stdout: "piped",
        stderr: "null",
      }).spawn();
      timer = setTimeout(() => {
        try {
          child.kill("SIGKILL");
        } catch { /* already gone */ }
      }, 10_000);
      const r = await child.output();
      return { code: r.success ? 0 : (r.code || 1), stdout: new TextDecoder().decode(r.stdout) };
    } catch {
      return { code: 126, stdout: "" };
    } finally {
      clearTimeout(timer);
    }
  };
}

function detectCpus(
  options: DetectOptions,
  env: Record<string, string | undefined>,
): { cpus: number; cpuSource: string } {
  if (options.cpus !== undefined) {
    if (!Number.isSafeInteger(options.cpus) || options.cpus < 1) {
      throw new UsageError(
        `--cpus must be a whole number of processors >= 1, got '${options.cpus}'`,
      );
    }
    return { cpus: options.cpus, cpuSource: "--cpus" };
  }
  const vars = ["FLOW_CPUS", "SLURM_CPUS_ON_NODE"];
  for (const name of vars) {
    const v = env[name];
    if (v !== undefined && v.trim() !== "") {
      return { cpus: parseCpuCount(v, name), cpuSource: name };
    }
  }
  const perNode = env.SLURM_JOB_CPUS_PER_NODE;
  if (perNode !== undefined && perNode.trim() !== "") {
    const m = /^\s*(\d+)(\(x\d+\))?\s*(,|$)/.exec(perNode);
    if (!m) {
      throw new UsageError(
        `SLURM_JOB_CPUS_PER_NODE must look like '4' or '4(x2),2', got '${perNode}'`,
      );
    }
    return {
      cpus: parseCpuCount(m[1], "SLURM_JOB_CPUS_PER_NODE"),
      cpuSource: "SLURM_JOB_CPUS_PER_NODE",
    };
  }
  for (const name of ["NCPUS", "PBS_NUM_PPN", "PBS_NP", "LSB_DJOB_NUMPROC"]) {
    const v = env[name];
    if (v !== undefined && v.trim() !== "") {
      return { cpus: parseCpuCount(v, name), cpuSource: name };
    }
  }
  return { cpus: Math.max(1, navigator.hardwareConcurrency || 1), cpuSource: HARDWARE };
}

/** The inherited visible set from the environment, if a variable sets one. */
function visibleFromEnv(
  env: Record<string, string | undefined>,
): { ids: string[]; source: string; vendor: GpuVendor } | undefined {
  const cuda = env.CUDA_VISIBLE_DEVICES;
  if (cuda !== undefined) {
    return {
      ids: parseVisibleVariable(cuda, "CUDA_VISIBLE_DEVICES"),
      source: "CUDA_VISIBLE_DEVICES",
      vendor: "nvidia",
    };
  }
  const rocr = env.ROCR_VISIBLE_DEVICES;
  const hip = env.HIP_VISIBLE_DEVICES;
  if (rocr === undefined && hip === undefined) return undefined;
  const rocrIds = rocr === undefined
    ? undefined
    : parseVisibleVariable(rocr, "ROCR_VISIBLE_DEVICES");
  if (hip === undefined) return { ids: rocrIds!, source: "ROCR_VISIBLE_DEVICES", vendor: "amd" };
  const hipIds = parseVisibleVariable(hip, "HIP_VISIBLE_DEVICES");
  if (rocrIds === undefined) return { ids: hipIds, source: "HIP_VISIBLE_DEVICES", vendor: "amd" };
  // HIP's indices count within ROCR's list; UUIDs name devices directly.
  const ids = hipIds.map((h) => {
    if (!/^\d+$/.test(h)) return h;
    const i = Number(h);
    if (i >= rocrIds.length) {
      throw new UsageError(
        `HIP_VISIBLE_DEVICES names device ${h}, but ROCR_VISIBLE_DEVICES lists only ` +
          `${rocrIds.length}`,
      );
    }
    return rocrIds[i];
  });
  return { ids, source: "ROCR_VISIBLE_DEVICES and HIP_VISIBLE_DEVICES", vendor: "amd" };
}

async function probe(run: CommandRunner): Promise<
  { ids: string[]; source: string; vendor: GpuVendor } | undefined
> {
  const nv = await run("nvidia-smi", ["-L"]).catch(() => ({ code: 1, stdout: "" }));
  if (nv.code === 0) {
    const ids = parseNvidiaSmiList(nv.stdout);
    if (ids.length > 0) return { ids, source: "nvidia-smi -L", vendor: "nvidia" };
  }
  const amd = await run("rocm-smi", ["--showid"]).catch(() => ({ code: 1, stdout: "" }));
  if (amd.code === 0) {
    const ids = parseRocmSmiIds(amd.stdout);
    if (ids.length > 0) return { ids, source: "rocm-smi --showid", vendor: "amd" };
  }
  return undefined;
}

async function detectGpus(
  options: DetectOptions,
  env: Record<string, string | undefined>,
  run: CommandRunner,
): Promise<{ gpus: string[]; gpuSource: string; vendor: GpuVendor }> {
  const given = options.gpus !== undefined
    ? { text: options.gpus, name: "--gpus" }
    : env.FLOW_GPUS !== undefined && env.FLOW_GPUS.trim() !== ""
    ? { text: env.FLOW_GPUS, name: "FLOW_GPUS" }
    : undefined;
  const inherited = visibleFromEnv(env);
  if (given) {
    const parsed = parseGpuOption(given.text, given.name);
    if ("count" in parsed && parsed.count === 0) {
      return { gpus: [], gpuSource: given.name, vendor: "none" };
    }
    let ids: string[];
    let source = given.name;
    if ("count" in parsed) {
      if (inherited) {
        if (parsed.count > inherited.ids.length) {
          throw new UsageError(
            `${given.name} asks for ${parsed.count} GPUs, but ${inherited.source} lists only ` +
              `${inherited.ids.length}`,
          );
        }
        ids = inherited.ids.slice(0, parsed.count);
        source = `${given.name}: the first ${parsed.count} of ${inherited.source}`;
      } else ids = Array.from({ length: parsed.count }, (_, i) => String(i));
    } else ids = parsed.ids;
    // Whose variables to set: the inherited variable's, else whichever tool answers.
    const vendor = inherited?.vendor ?? (await probe(run))?.vendor ?? "nvidia";
    return { gpus: ids, gpuSource: source, vendor };
  }
  if (inherited) {
    return {
      gpus: inherited.ids,
      gpuSource: inherited.ids.length === 0 ? `${inherited.source} (empty)` : inherited.source,
      vendor: inherited.ids.length === 0 ? "none" : inherited.vendor,
    };
  }
  const found = await probe(run);
  if (found) return { gpus: found.ids, gpuSource: found.source, vendor: found.vendor };
  return {
    gpus: [],
    gpuSource: "none found: no visible-device variable, and nvidia-smi and rocm-smi list none",
    vendor: "none",
  };
}

/**
 * Detects the processors and GPUs the executor may use; see the module
 * documentation for the order in which sources are consulted.
 *
 * @throws {UsageError} when an option or variable is malformed (the message names it)
 * @example
 * ```ts
 * import { detectResources } from "./resources.ts";
 * const r = await detectResources({ env: { SLURM_CPUS_ON_NODE: "16", CUDA_VISIBLE_DEVICES: "" } });
 * console.log(r.cpus, r.cpuSource, r.gpus, r.vendor); // 16 SLURM_CPUS_ON_NODE [] none
 * ```
 */
export async function detectResources(options: DetectOptions = {}): Promise<Resources> {
  const env = options.env ?? Deno.env.toObject();
  const run = options.runCommand ?? defaultRunner(env);
  const cpu = detectCpus(options, env);
  const gpu = await detectGpus(options, env, run);
  return {
    cpus: cpu.cpus,
    cpuSource: cpu.cpuSource,
    gpus: gpu.gpus,
    gpuSource: gpu.gpuSource,
    vendor: gpu.vendor,
  };
}

/**
 * Human-readable lines for `flow resources`.
 *
 * @example
 * ```ts
 * import { formatResources } from "./resources.ts";
 * console.log(formatResources({
 *   cpus: 3, cpuSource: "FLOW_CPUS", gpus: ["2", "3"], gpuSource: "CUDA_VISIBLE_DEVICES",
 *   vendor: "nvidia",
 * }));
 * // cpus:   3  (FLOW_CPUS)
 * // gpus:   2  [2, 3]  (CUDA_VISIBLE_DEVICES)
 * // vendor: nvidia
 * ```
 */
export function formatResources(r: Resources): string {
  const list = r.gpus.length > 0 ? `  [${r.gpus.join(", ")}]` : "";
  return [
    `cpus:   ${r.cpus}  (${r.cpuSource})`,
    `gpus:   ${r.gpus.length}${list}  (${r.gpuSource})`,
    `vendor: ${r.vendor}`,
  ].join("\n");
}

/**
 * The variables that confine an operation to `deviceIds` (ids as
 * {@link Resources.gpus} names them). An EMPTY list on a GPU machine gives
 * empty-string variables, so that an operation that asked for no GPU cannot
 * touch the others' devices; on `"none"` nothing is set.
 *
 * For AMD, `ROCR_VISIBLE_DEVICES` names the devices and `HIP_VISIBLE_DEVICES`
 * counts within them (`0..k-1`), since HIP applies its list after ROCR's.
 *
 * @example
 * ```ts
 * import { visibleDevicesEnv } from "./resources.ts";
 * console.log(visibleDevicesEnv("nvidia", ["5", "6"])); // { CUDA_VISIBLE_DEVICES: "5,6" }
 * console.log(visibleDevicesEnv("nvidia", [])); // { CUDA_VISIBLE_DEVICES: "" }
 * console.log(visibleDevicesEnv("amd", ["2"])); // { ROCR_VISIBLE_DEVICES: "2", HIP_VISIBLE_DEVICES: "0" }
 * console.log(visibleDevicesEnv("none", [])); // {}
 * ```
 */
export function visibleDevicesEnv(
  vendor: GpuVendor,
  deviceIds: readonly string[],
): Record<string, string> {
  switch (vendor) {
    case "nvidia":
      return { CUDA_VISIBLE_DEVICES: deviceIds.join(",") };
    case "amd":
      return {
        ROCR_VISIBLE_DEVICES: deviceIds.join(","),
        HIP_VISIBLE_DEVICES: deviceIds.map((_, i) => String(i)).join(","),
      };
    default:
      return {};
  }
}
