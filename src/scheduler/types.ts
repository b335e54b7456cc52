/**
 * The shared vocabulary of cluster submission: scheduler kinds, cluster
 * profiles and partitions, what one batch job asks for, and what the
 * scheduler says about submitted jobs.
 *
 * @module
 */

/** A batch system flow can submit to (`local` runs the script with bash, for testing). */
export type SchedulerKind = "slurm" | "pbs" | "lsf" | "local";

/**
 * A partition (queue) of a cluster and what one of its nodes offers.
 *
 * @example
 * ```ts
 * import type { Partition } from "./types.ts";
 * const gpu: Partition = { name: "gpu", cpusPerNode: 64, gpusPerNode: 4, memoryPerNodeGB: 256 };
 * ```
 */
export interface Partition {
  /** The scheduler's name for it. */
  name: string;
  /** Cores per node. */
  cpusPerNode: number;
  /** GPUs per node (0: a CPU partition). */
  gpusPerNode: number;
  /** Memory per node in GB, when known. */
  memoryPerNodeGB?: number;
  /** Most nodes one job may use (default 1: single-node jobs only). */
  maxNodes?: number;
  /** Jobs get whole nodes (requests are rounded up to full nodes). */
  wholeNode?: boolean;
  /** Chosen when nothing else decides. */
  default?: boolean;
}

/**
 * A cluster: its batch system, how to recognise it, its partitions and the
 * lines every script gets.
 *
 * @example
 * ```ts
 * import type { ClusterProfile } from "./types.ts";
 * const generic: ClusterProfile = { name: "slurm", scheduler: "slurm", partitions: [] };
 * ```
 */
export interface ClusterProfile {
  /** Name used by `--cluster` and `FLOW_CLUSTER`. */
  name: string;
  /** Its batch system. */
  scheduler: SchedulerKind;
  /** How to recognise it: any of these environment variables set, or the host name matching. */
  detect?: { env?: string[]; hostname?: string };
  /** Its partitions (empty: unknown; nothing is checked and no partition is chosen). */
  partitions: Partition[];
  /** How SLURM scripts ask for GPUs: `--gpus=N` (default) or `--gres=gpu:N`. */
  gpuDirective?: "gpus" | "gres";
  /** Shell lines run before the work in every script (module loads, ...). */
  setup?: string[];
  /** Scheduler lines added to every script (`#SBATCH --constraint=...`). */
  custom?: string[];
  /** Default account, if the cluster requires one. */
  account?: string;
  /** One line for `flow clusters`. */
  description?: string;
}

/**
 * What one batch job asks of the scheduler.
 *
 * @example
 * ```ts
 * import type { BatchRequest } from "./types.ts";
 * const r: BatchRequest = { ntasks: 1, cpusPerTask: 4, gpus: 2, nodes: 1 };
 * ```
 */
export interface BatchRequest {
  /** Tasks (MPI ranks; 1 without MPI). */
  ntasks: number;
  /** Cores per task. */
  cpusPerTask: number;
  /** GPUs for the whole job. */
  gpus: number;
  /** Nodes (1 unless the request spans several). */
  nodes: number;
  /** Memory for the whole job in GB. */
  memoryGB?: number;
  /** Wall time in seconds. */
  walltimeSeconds?: number;
}

/**
 * Everything a batch script is made of.
 *
 * @example
 * ```ts
 * import type { ScriptSpec } from "./types.ts";
 * const s: ScriptSpec = {
 *   jobName: "flow/p/ex/abc", outputPath: "/p/.flow/submit/%j.out", projectRoot: "/p",
 *   request: { ntasks: 1, cpusPerTask: 1, gpus: 2, nodes: 1 }, commands: ["flow run -o ex -j abc"],
 *   parallel: false, extraLines: [], setup: [],
 * };
 * ```
 */
export interface ScriptSpec {
  /** The job's name: how `status` maps queued jobs back (see names.ts). */
  jobName: string;
  /** Where the scheduler writes the job's output (scheduler placeholders allowed). */
  outputPath: string;
  /** The project folder: the script `cd`s there first. */
  projectRoot: string;
  /** What the job asks for. */
  request: BatchRequest;
  /** The partition, if any. */
  partition?: string;
  /** The account, if any. */
  account?: string;
  /** Submit held. */
  hold?: boolean;
  /** Start only after this job id succeeded. */
  after?: string;
  /** A job array: one task per command, at most `limit` at once. */
  array?: { count: number; limit?: number };
  /** SLURM GPU syntax. */
  gpuDirective?: "gpus" | "gres";
  /** The shell commands doing the work (one per bundled submission; array: one per task). */
  commands: string[];
  /** Run the commands at the same time (`&` then `wait`). */
  parallel: boolean;
  /** OMP_NUM_THREADS to export, if any. */
  ompNumThreads?: number;
  /** Scheduler lines from the profile and the user (`--constraint=x`, complete `#SBATCH` lines). */
  extraLines: string[];
  /** Shell lines before the work (profile `setup`). */
  setup: string[];
}

/** What the scheduler says about a job. */
export type QueueState = "queued" | "running" | "held" | "inactive" | "error";

/**
 * One job of the scheduler's queue that flow submitted.
 *
 * @example
 * ```ts
 * import type { QueuedJob } from "./types.ts";
 * const q: QueuedJob = { id: "42", name: "flow/p/ex/abc", state: "running" };
 * ```
 */
export interface QueuedJob {
  /** The scheduler's job id. */
  id: string;
  /** The job's name. */
  name: string;
  /** Its state. */
  state: QueueState;
}
