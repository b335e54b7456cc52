/**
 * Choosing the partition of a cluster that a batch job goes to, and how many nodes it takes.
 *
 * Rules:
 *
 * - A profile without partitions checks nothing and chooses nothing (`--partition` is passed
 *   through as given).
 * - An explicit `--partition` must be one of the profile's and must fit the request.
 * - A request with GPUs goes to a partition with GPUs; of those that fit: fewest nodes, then
 *   the smallest node (GPUs, then cores, then memory), then the default, then listed order.
 * - A request without GPUs goes to a partition without GPUs (to any, when the cluster has no
 *   GPU-less partition, as on Frontier); of those that fit: fewest nodes, then the default,
 *   then the smallest node, then listed order.
 * - The cores come as tasks of `cpusPerTask` cores (default 1), and a task's cores are on one
 *   node: a node holds ⌊cpusPerNode / cpusPerTask⌋ tasks, and a task wider than a node fits
 *   nowhere (see {@link tasksNodes}).
 * - A job spans several nodes only when the request allows it (`nodesAllowed`, e.g. MPI) and
 *   the partition's `maxNodes` (default 1) is more than 1: nodes = the most of ⌈tasks /
 *   tasks per node⌉, ⌈gpus / gpusPerNode⌉ and ⌈memoryGB / memoryPerNodeGB⌉ (memory is for the
 *   whole job, spread evenly).
 * - On a whole-node partition the cores are rounded up to full nodes (nodes × cpusPerNode):
 *   the job is charged for them anyway, so it may as well use them. GPUs and memory stay as
 *   asked.
 * - When nothing fits: a {@link PartitionError} listing every partition and its limits.
 *
 * @module
 */

import { UsageError } from "../errors.ts";
import { closest } from "../suggest.ts";
import type { ClusterProfile, Partition } from "./types.ts";

/**
 * No partition can run the request, or `--partition` names none or one too small. The
 * message lists the partitions and their limits.
 *
 * @example
 * ```ts
 * import { choosePartition, PartitionError } from "./partition.ts";
 * const delta = {
 *   name: "delta", scheduler: "slurm" as const,
 *   partitions: [{ name: "cpu", cpusPerNode: 128, gpusPerNode: 0 }],
 * };
 * try { choosePartition(delta, { cores: 1, gpus: 2 }); } catch (e) {
 *   console.log(e instanceof PartitionError); // true
 * }
 * ```
 */
export class PartitionError extends UsageError {}

/** What one job asks for. */
export interface PartitionRequest {
  /** Cores for the whole job (at least 1). */
  cores: number;
  /** GPUs for the whole job. */
  gpus: number;
  /** Memory for the whole job in GB, if asked. */
  memoryGB?: number;
  /** The job may span several nodes (MPI); default false: one node. */
  nodesAllowed?: boolean;
  /**
   * Cores of one task (default 1); `cores` is then tasks × cpusPerTask (a remainder counts
   * as one more task). A task's cores must be on one node.
   */
  cpusPerTask?: number;
}

/** The partition chosen and what the job then asks for. */
export interface PartitionChoice {
  /** The partition (undefined when the profile lists none). */
  partition?: Partition;
  /** The name to give the scheduler: the partition's, or `--partition` passed through. */
  partitionName?: string;
  /** Nodes. */
  nodes: number;
  /** Cores for the whole job (rounded up to full nodes on whole-node partitions). */
  cores: number;
  /** GPUs for the whole job. */
  gpus: number;
  /** Memory for the whole job in GB, if asked. */
  memoryGB?: number;
  /** The cores were rounded up to full nodes. */
  rounded: boolean;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function describeRequest(r: PartitionRequest): string {
  const parts: string[] = [];
  const cpt = r.cpusPerTask ?? 1;
  if (cpt > 1 && r.cores > cpt) {
    parts.push(
      `${plural(r.cores, "core")} as ${taskCount(r)} tasks of ${cpt} cores, each on one node`,
    );
  } else if (r.gpus === 0 || r.cores > 1) parts.push(plural(r.cores, "core"));
  if (r.gpus > 0) parts.push(plural(r.gpus, "GPU"));
  let s = parts.join(" and ");
  if (r.memoryGB !== undefined) s += ` with ${r.memoryGB} GB of memory`;
  return s + (r.nodesAllowed ? "" : " on one node");
}

/**
 * One partition's limits as `flow` prints them: `gpuA100x4 (64 cores, 4 GPUs)`, with memory
 * and nodes when `show` asks for them.
 *
 * @example
 * ```ts
 * import { describePartition } from "./partition.ts";
 * const p = { name: "gpu", cpusPerNode: 40, gpusPerNode: 4, memoryPerNodeGB: 384, maxNodes: 4 };
 * console.log(describePartition(p)); // "gpu (40 cores, 4 GPUs)"
 * console.log(describePartition(p, { memory: true, nodes: true }));
 * // "gpu (40 cores, 4 GPUs, 384 GB, up to 4 nodes)"
 * ```
 */
export function describePartition(
  p: Partition,
  show: { memory?: boolean; nodes?: boolean; wholeNode?: boolean } = {},
): string {
  const limits = [plural(p.cpusPerNode, "core"), plural(p.gpusPerNode, "GPU")];
  if (show.memory) {
    limits.push(p.memoryPerNodeGB === undefined ? "memory unknown" : `${p.memoryPerNodeGB} GB`);
  }
  if (show.nodes) limits.push(`up to ${plural(p.maxNodes ?? 1, "node")}`);
  if (show.wholeNode && p.wholeNode) limits.push("whole nodes");
  return `${p.name} (${limits.join(", ")})`;
}

function listPartitions(profile: ClusterProfile, r: PartitionRequest): string {
  const show = { memory: r.memoryGB !== undefined, nodes: r.nodesAllowed === true };
  return profile.partitions.map((p) => describePartition(p, show)).join(", ");
}

function taskCount(r: PartitionRequest): number {
  return Math.ceil(r.cores / (r.cpusPerTask ?? 1));
}

/**
 * The nodes `ntasks` tasks of `cpusPerTask` cores take on nodes of `cpusPerNode` cores: a
 * task's cores are on one node, so a node holds ⌊cpusPerNode / cpusPerTask⌋ tasks and the
 * job takes ⌈ntasks / that⌉ nodes; undefined when one task is wider than a node.
 *
 * @example
 * ```ts
 * import { tasksNodes } from "./partition.ts";
 * console.log(tasksNodes(3, 40, 64)); // 3 (one 40-core task per 64-core node)
 * console.log(tasksNodes(2, 100, 64)); // undefined
 * ```
 */
export function tasksNodes(
  ntasks: number,
  cpusPerTask: number,
  cpusPerNode: number,
): number | undefined {
  const perNode = Math.floor(cpusPerNode / cpusPerTask);
  return perNode < 1 ? undefined : Math.max(1, Math.ceil(ntasks / perNode));
}

/** Nodes the request needs on `p`, or undefined when it does not fit. */
function nodesNeeded(p: Partition, r: PartitionRequest): number | undefined {
  const maxNodes = r.nodesAllowed ? (p.maxNodes ?? 1) : 1;
  const cpt = Math.min(r.cpusPerTask ?? 1, r.cores);
  let nodes = tasksNodes(Math.ceil(r.cores / cpt), cpt, p.cpusPerNode);
  if (nodes === undefined) return undefined;
  if (r.gpus > 0) {
    if (p.gpusPerNode === 0) return undefined;
    nodes = Math.max(nodes, Math.ceil(r.gpus / p.gpusPerNode));
  }
  if (r.memoryGB !== undefined && p.memoryPerNodeGB !== undefined) {
    nodes = Math.max(nodes, Math.ceil(r.memoryGB / p.memoryPerNodeGB));
  }
  return nodes <= maxNodes ? nodes : undefined;
}

function choice(p: Partition, nodes: number, r: PartitionRequest): PartitionChoice {
  const cores = p.wholeNode ? nodes * p.cpusPerNode : r.cores;
  const out: PartitionChoice = {
    partition: p,
    partitionName: p.name,
    nodes,
    cores,
    gpus: r.gpus,
    rounded: cores !== r.cores,
  };
  if (r.memoryGB !== undefined) out.memoryGB = r.memoryGB;
  return out;
}

function checkRequest(r: PartitionRequest): void {
  if (!Number.isInteger(r.cores) || r.cores < 1) {
    throw new UsageError(`a job needs a whole number of cores of at least 1, got ${r.cores}`);
  }
  if (!Number.isInteger(r.gpus) || r.gpus < 0) {
    throw new UsageError(`a job's GPUs are a whole number of at least 0, got ${r.gpus}`);
  }
  if (r.memoryGB !== undefined && !(Number.isFinite(r.memoryGB) && r.memoryGB > 0)) {
    throw new UsageError(`a job's memory is a positive number of GB, got ${r.memoryGB}`);
  }
  if (r.cpusPerTask !== undefined && !(Number.isInteger(r.cpusPerTask) && r.cpusPerTask >= 1)) {
    throw new UsageError(`a task's cores are a whole number of at least 1, got ${r.cpusPerTask}`);
  }
}

function compareSize(a: Partition, b: Partition): number {
  return a.gpusPerNode - b.gpusPerNode || a.cpusPerNode - b.cpusPerNode ||
    (a.memoryPerNodeGB ?? Infinity) - (b.memoryPerNodeGB ?? Infinity) || 0;
}

/**
 * The partition a job goes to and the nodes it takes (see the module's rules).
 *
 * @param profile the cluster
 * @param request cores, GPUs and memory for the whole job; `nodesAllowed` for multi-node jobs
 * @param wanted `--partition`, if given
 * @throws {PartitionError} when `wanted` is not a partition of the cluster or too small, or
 *   when no partition fits; the message lists the partitions and their limits
 * @example
 * ```ts
 * import { choosePartition } from "./partition.ts";
 * import { MACHINE_PROFILES } from "./profiles.ts";
 * const delta = MACHINE_PROFILES.find((p) => p.name === "delta")!;
 * console.log(choosePartition(delta, { cores: 8, gpus: 2 }).partitionName); // "gpuA100x4"
 * console.log(choosePartition(delta, { cores: 8, gpus: 0 }).partitionName); // "cpu"
 * ```
 */
export function choosePartition(
  profile: ClusterProfile,
  request: PartitionRequest,
  wanted?: string,
): PartitionChoice {
  checkRequest(request);
  const plain: PartitionChoice = {
    nodes: 1,
    cores: request.cores,
    gpus: request.gpus,
    rounded: false,
  };
  if (request.memoryGB !== undefined) plain.memoryGB = request.memoryGB;
  if (profile.partitions.length === 0) {
    if (wanted !== undefined) plain.partitionName = wanted;
    return plain;
  }
  if (wanted !== undefined) {
    const p = profile.partitions.find((q) => q.name === wanted);
    if (!p) {
      const hint = closest(wanted, profile.partitions.map((q) => q.name));
      throw new PartitionError(
        `cluster '${profile.name}' has no partition '${wanted}'` +
          (hint ? ` (did you mean '${hint}'?)` : "") +
          `; its partitions: ${listPartitions(profile, request)}`,
      );
    }
    const nodes = nodesNeeded(p, request);
    if (nodes === undefined) {
      throw new PartitionError(
        `partition '${wanted}' of cluster '${profile.name}' cannot run ` +
          `${describeRequest(request)}: ${listPartitions(profile, request)}`,
      );
    }
    return choice(p, nodes, request);
  }
  const gpu = request.gpus > 0;
  let pool = profile.partitions.filter((p) => (p.gpusPerNode > 0) === gpu);
  if (!gpu && pool.length === 0) pool = [...profile.partitions];
  const fits = pool
    .map((p, index) => ({ p, index, nodes: nodesNeeded(p, request) }))
    .filter((x): x is { p: Partition; index: number; nodes: number } => x.nodes !== undefined);
  if (fits.length === 0) {
    throw new PartitionError(
      `no partition of cluster '${profile.name}' can run ${describeRequest(request)}: ` +
        listPartitions(profile, request),
    );
  }
  const byDefault = (a: Partition, b: Partition) => Number(!!b.default) - Number(!!a.default);
  fits.sort((a, b) =>
    a.nodes - b.nodes ||
    (gpu
      ? compareSize(a.p, b.p) || byDefault(a.p, b.p)
      : byDefault(a.p, b.p) || compareSize(a.p, b.p)) ||
    a.index - b.index
  );
  return choice(fits[0].p, fits[0].nodes, request);
}
